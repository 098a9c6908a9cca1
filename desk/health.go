package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is what /metrics and /readyz read of the store: the figures
// that reflect the database, read at the moment they are asked for (so
// they are right across restarts and with several gateways on one
// store), and whether the store takes a durable write.

// Gauges are the store's figures at one instant.
type Gauges struct {
	// Open counts the tickets not closed by status and tier.
	Open []OpenTickets
	// Outgoing counts the mail not yet sent or given up, by status
	// (pending, failed, unknown); sent mail is not counted.
	Outgoing map[tickets.OutStatus]int
	// OldestPending is how long the mail waiting longest has waited since
	// it was queued; zero when none waits.
	OldestPending time.Duration
}

// OpenTickets is the number of tickets of one status with one tier.
type OpenTickets struct {
	Status tickets.Status
	Tier   string // the tier's name; NoTier when with none yet
	Count  int
}

// NoTier names the tier of a ticket that has reached none.
const NoTier = "none"

// Gauges reads the store's gauges, each by a bounded query.
func (d *Desk) Gauges(ctx context.Context) (*Gauges, error) {
	var g *tickets.Gauges
	var now time.Time
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		now = tx.Now()
		g, err = tx.Gauges()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("desk: reading the gauges: %w", err)
	}
	out := &Gauges{Outgoing: g.Outgoing}
	for _, c := range g.Open {
		tier := NoTier
		if c.Tier >= 0 {
			tier = d.tierName(c.Tier)
		}
		out.Open = append(out.Open, OpenTickets{Status: c.Status, Tier: tier, Count: c.Count})
	}
	if !g.OldestPending.IsZero() {
		out.OldestPending = max(now.Sub(g.OldestPending), 0)
	}
	return out, nil
}

// CheckStore commits a write to the store, durably: nil when the store
// takes writes (the disk has room, the file is writable, no other
// process holds the writer longer than ctx allows).
func (d *Desk) CheckStore(ctx context.Context) error {
	if err := d.store.Update(ctx, func(tx *tickets.Tx) error { return tx.Probe() }); err != nil {
		return fmt.Errorf("desk: the store takes no write: %w", err)
	}
	return nil
}
