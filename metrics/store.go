package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// storeCollector reads the gauges that reflect the database at each
// scrape, by the store's bounded queries.
type storeCollector struct {
	m     *Metrics
	store Store
}

var (
	openDesc = prometheus.NewDesc("madoguchi_tickets_open",
		"Tickets not closed, by status and tier (none: not with a tier yet), as the store has them at the scrape.",
		[]string{"status", "tier"}, nil)
	outgoingDesc = prometheus.NewDesc("madoguchi_outgoing_mails",
		"Outgoing mail not sent, by status (pending, failed, unknown), as the store has it at the scrape; sent mail is counted by madoguchi_delivery_attempts_total.",
		[]string{"status"}, nil)
	oldestDesc = prometheus.NewDesc("madoguchi_outbox_oldest_due_age_seconds",
		"How long the outgoing mail waiting longest has waited since it was queued; 0 when none waits.",
		nil, nil)
)

// outgoingStatuses are those madoguchi_outgoing_mails shows.
var outgoingStatuses = []tickets.OutStatus{tickets.OutPending, tickets.OutFailed, tickets.OutUnknown}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- outgoingDesc
	ch <- oldestDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.m.opts.ScrapeTimeout)
	defer cancel()
	g, err := c.store.Gauges(ctx)
	if err != nil {
		c.m.log.Error("metrics: reading the store's gauges failed", "err", err)
		for _, d := range []*prometheus.Desc{openDesc, outgoingDesc, oldestDesc} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	// Every status of every tier, 0 or not: a series that vanishes at 0
	// would read as "no data" on a dashboard.
	open := map[[2]string]int{}
	for _, s := range openStatuses {
		for _, tier := range append([]string{desk.NoTier}, c.m.opts.Tiers...) {
			open[[2]string{string(s), tier}] = 0
		}
	}
	for _, o := range g.Open {
		open[[2]string{string(o.Status), o.Tier}] += o.Count
	}
	for k, n := range open {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for _, s := range outgoingStatuses {
		ch <- prometheus.MustNewConstMetric(outgoingDesc, prometheus.GaugeValue, float64(g.Outgoing[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, g.OldestPending.Seconds())
}
