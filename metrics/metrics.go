// Package metrics is the gateway's measurements for Prometheus: counters
// of what this process did, fed by the observers of the desk, the pollers
// and the outbox (which know nothing of Prometheus); gauges read from the
// store at each scrape, so they are right across restarts and with
// several gateways on one store; and the readiness that the pollers' and
// the sender's observations imply.
//
// Everything is registered on a registry of the package's own, never on
// the global default. Names follow Prometheus' conventions: the
// madoguchi_ prefix, _total for counters, base units (seconds). Labels
// take bounded values only: statuses, priorities, types, tiers' and
// mailboxes' names from the configuration; never a ticket, an address or
// a subject.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/outbox"
	"github.com/madoguchi/madoguchi/tickets"
)

// Store is where the gauges are read at each scrape; *desk.Desk is one.
type Store interface {
	Gauges(ctx context.Context) (*desk.Gauges, error)
}

// Options configure the metrics; zero fields take defaults.
type Options struct {
	Version string   // madoguchi_build_info's version
	Tiers   []string // the tiers' names: the open tickets of each are shown, 0 or not
	// ScrapeTimeout bounds the store's reads of one scrape; default 5s.
	ScrapeTimeout time.Duration
	Now           func() time.Time // the readiness checks' clock; nil = time.Now
	Log           *slog.Logger     // nil = discard
}

// Metrics holds the collectors. Its methods are the desk's Observer; a
// Mailbox is a poller's, a Delivery the sender's.
type Metrics struct {
	opts Options
	reg  *prometheus.Registry
	log  *slog.Logger

	mailsFetched  *prometheus.CounterVec
	ticketsOpened *prometheus.CounterVec
	autoAnswers   *prometheus.CounterVec
	slaReminders  *prometheus.CounterVec
	slaBreaches   *prometheus.CounterVec
	matchSeconds  prometheus.Histogram
	attempts      *prometheus.CounterVec
	failures      *prometheus.CounterVec
	imapConnected *prometheus.GaugeVec
	imapLastPoll  *prometheus.GaugeVec
	relayUp       prometheus.Gauge

	mu        sync.Mutex
	mailboxes map[string]*Mailbox
}

var _ desk.Observer = (*Metrics)(nil)

// Dispositions are those of tickets.Inbound: every fetched mail ends in one.
var dispositions = []string{tickets.DispNewTicket, tickets.DispAppended, tickets.DispAutomatic, tickets.DispBounce,
	tickets.DispOwnMail, tickets.DispDuplicate, tickets.DispQuarantined}

var (
	ticketTypes = []string{tickets.Incident, tickets.ServiceRequest}
	targets     = []string{tickets.TargetRespond, tickets.TargetResolve}
)

// New builds the metrics and registers them, with the Go runtime's and
// the process's, on a registry of their own. The store's gauges come
// with ReadGauges, once the desk that reads them (and reports to these
// metrics) exists.
func New(opts Options) *Metrics {
	if opts.ScrapeTimeout <= 0 {
		opts.ScrapeTimeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry(), log: opts.Log, mailboxes: map[string]*Mailbox{}}
	m.mailsFetched = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_mails_fetched_total",
		Help: "Mails fetched from a mailbox and recorded, by mailbox and disposition (new_ticket, appended, automatic, bounce, own_mail, duplicate, quarantined).",
	}, []string{"mailbox", "disposition"})
	m.ticketsOpened = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_tickets_opened_total",
		Help: "Tickets opened by this process, by type and priority at opening.",
	}, []string{"type", "priority"})
	m.autoAnswers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_auto_answers_total",
		Help: "Automatic answers from the FAQ by outcome: sent, then confirmed, not_helpful, unclear, resolved_quietly or undelivered.",
	}, []string{"outcome"})
	m.slaReminders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_sla_reminders_total",
		Help: "SLA reminders fired, by target (respond, resolve) and the ticket's priority.",
	}, []string{"target", "priority"})
	m.slaBreaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_sla_breaches_total",
		Help: "SLA targets breached, by target (respond, resolve) and the ticket's priority.",
	}, []string{"target", "priority"})
	m.matchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "madoguchi_faq_match_duration_seconds",
		Help:    "Time the FAQ index took to match one incoming mail.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_delivery_attempts_total",
		Help: "Delivery attempts of outgoing mail by result: sent, retry (tried again later), failed or unknown (given up; unknown: the relay may hold the mail).",
	}, []string{"result"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "madoguchi_delivery_failures_total",
		Help: "Failed delivery attempts by class: connection (relay not reached), temporary (4xx), permanent (5xx), unknown (no answer after DATA).",
	}, []string{"class"})
	m.imapConnected = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "madoguchi_imap_connected",
		Help: "1 while the mailbox's IMAP session is logged in, else 0.",
	}, []string{"mailbox"})
	m.imapLastPoll = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "madoguchi_imap_last_good_poll_timestamp_seconds",
		Help: "When a pass over the mailbox last completed (every waiting mail recorded and filed), in Unix seconds; 0 before the first.",
	}, []string{"mailbox"})
	m.relayUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "madoguchi_smtp_relay_reachable",
		Help: "1 when the last connection to the SMTP relay succeeded (or none was tried yet), 0 when it failed.",
	})
	m.relayUp.Set(1)
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "madoguchi_build_info",
		Help: "Always 1; the labels say which madoguchi runs.",
	}, []string{"version", "goversion"})
	build.WithLabelValues(opts.Version, runtime.Version()).Set(1)

	m.reg.MustRegister(m.mailsFetched, m.ticketsOpened, m.autoAnswers, m.slaReminders, m.slaBreaches, m.matchSeconds,
		m.attempts, m.failures, m.imapConnected, m.imapLastPoll, m.relayUp, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every series a dashboard or a rule may ask for exists from the
	// start, at 0: rate() needs a first sample, and absent() means absent.
	for _, typ := range ticketTypes {
		for _, p := range tickets.Priorities {
			m.ticketsOpened.WithLabelValues(typ, p)
		}
	}
	for _, o := range desk.AutoAnswerOutcomes {
		m.autoAnswers.WithLabelValues(o)
	}
	for _, tg := range targets {
		for _, p := range tickets.Priorities {
			m.slaReminders.WithLabelValues(tg, p)
			m.slaBreaches.WithLabelValues(tg, p)
		}
	}
	for _, r := range outbox.AttemptResults {
		m.attempts.WithLabelValues(r)
	}
	for _, c := range outbox.FailureClasses {
		m.failures.WithLabelValues(c)
	}
	return m
}

// ReadGauges makes each scrape read the gauges that reflect the database
// from store (madoguchi_tickets_open, madoguchi_outgoing_mails,
// madoguchi_outbox_oldest_due_age_seconds). Call it once.
func (m *Metrics) ReadGauges(store Store) {
	m.reg.MustRegister(&storeCollector{m: m, store: store})
}

// Registry is the registry the metrics are on (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus' text format (or OpenMetrics,
// when the scraper asks). A gauge the store could not be read for is left
// out of that scrape and logged; the rest is served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(m.log.Handler(), slog.LevelError),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             m.opts.ScrapeTimeout + 5*time.Second,
	})
}

// MailReceived implements desk.Observer.
func (m *Metrics) MailReceived(mailbox, disposition string) {
	m.mailsFetched.WithLabelValues(mailbox, disposition).Inc()
}

// TicketOpened implements desk.Observer.
func (m *Metrics) TicketOpened(typ, priority string) {
	m.ticketsOpened.WithLabelValues(typ, priority).Inc()
}

// AutoAnswer implements desk.Observer.
func (m *Metrics) AutoAnswer(outcome string) { m.autoAnswers.WithLabelValues(outcome).Inc() }

// SLATimer implements desk.Observer.
func (m *Metrics) SLATimer(kind, target, priority string) {
	switch kind {
	case desk.TimerReminder:
		m.slaReminders.WithLabelValues(target, priority).Inc()
	case desk.TimerBreach:
		m.slaBreaches.WithLabelValues(target, priority).Inc()
	}
}

// Matched implements desk.Observer.
func (m *Metrics) Matched(took time.Duration) { m.matchSeconds.Observe(took.Seconds()) }
