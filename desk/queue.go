package desk

import (
	"context"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the queue as the console, `madoguchi tickets list` and
// (later) the API read it: one read model, so their figures agree.

// QueueFilter selects and orders a page of the queue (tickets.QueueFilter:
// status, priority, type, tier, assignee, overdue, answered automatically,
// the customer's rating, search, order, paging).
type QueueFilter = tickets.QueueFilter

// QueueItem is a ticket as the queue shows it: the ticket (its JSON
// unchanged) with the due time that counts next and whether it passed.
type QueueItem struct {
	*tickets.Ticket
	NextDue time.Time       `json:"next_due,omitzero"` // the respond due time until the first answer, then the resolve one; zero when closed, resolved or waiting on the customer
	Overdue bool            `json:"overdue"`
	Rating  *tickets.Rating `json:"rating"` // the customer's; nil when not rated
}

// Queue is one page of the queue, with the counts per status of the whole
// selection (the status filter aside).
type Queue struct {
	Items  []QueueItem
	Counts map[tickets.Status]int
	Total  int
	Now    time.Time // the instant Overdue was decided at
}

// Queue reads one page of the queue, paged and ordered in SQL.
func (d *Desk) Queue(ctx context.Context, f QueueFilter) (*Queue, error) {
	var q *Queue
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		now := f.Now
		if now.IsZero() {
			now = tx.Now()
		}
		f.Now = now
		page, err := tx.Queue(f)
		if err != nil {
			return err
		}
		q = &Queue{Counts: page.Counts, Total: page.Total, Now: now, Items: make([]QueueItem, 0, len(page.Tickets))}
		ids := make([]int64, len(page.Tickets))
		for i, t := range page.Tickets {
			ids[i] = t.ID
		}
		ratings, err := tx.RatingsOf(ids)
		if err != nil {
			return err
		}
		for _, t := range page.Tickets {
			d.nameTier(t)
			due, overdue := NextDue(t, now)
			r := ratings[t.ID]
			d.nameRating(r)
			q.Items = append(q.Items, QueueItem{Ticket: t, NextDue: due, Overdue: overdue, Rating: r})
		}
		return nil
	})
	return q, err
}

// NextDue is the due time of t that counts next (the respond one until
// the first agent answer, unless the resolve one is earlier; then the
// resolve one) and whether it passed at now. A ticket on hold is overdue
// when it was overdue as it went on hold: its clock stands still since.
// Resolved and closed tickets, and those waiting on the customer's answer
// to an automatic one, have none. The queue's SQL orders by the same rule.
func NextDue(t *tickets.Ticket, now time.Time) (time.Time, bool) {
	switch t.Status {
	case tickets.StatusNew, tickets.StatusEscalated, tickets.StatusInProgress, tickets.StatusOnHold:
	default:
		return time.Time{}, false
	}
	due := t.ResolveDueAt
	if t.FirstResponseAt.IsZero() && !t.RespondDueAt.IsZero() && (due.IsZero() || t.RespondDueAt.Before(due)) {
		due = t.RespondDueAt
	}
	if due.IsZero() {
		return due, false
	}
	at := now
	if t.Status == tickets.StatusOnHold && !t.HoldSince.IsZero() {
		at = t.HoldSince
	}
	return due, !due.After(at)
}

// nameTier fills in the name of the ticket's tier from the configuration.
func (d *Desk) nameTier(t *tickets.Ticket) {
	if !t.TierSince.IsZero() && t.Tier >= 0 && t.Tier < len(d.opts.Tiers) {
		t.TierName = d.opts.Tiers[t.Tier].Name
	}
}

// TierNames lists the configured tiers' names, in order (a tier's index
// is its place here).
func (d *Desk) TierNames() []string {
	out := make([]string, len(d.opts.Tiers))
	for i, t := range d.opts.Tiers {
		out[i] = t.Name
	}
	return out
}

// Agents lists every address on a tier's agents list, once each, in
// order: whom a ticket can be assigned to.
func (d *Desk) Agents() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range d.opts.Tiers {
		for _, a := range t.Agents {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// Location is the time zone the console shows times in and the reports
// count days in: Options.ConsoleLocation, else the business hours' zone,
// else UTC.
func (d *Desk) Location() *time.Location {
	switch {
	case d.opts.ConsoleLocation != nil:
		return d.opts.ConsoleLocation
	case d.opts.Location != nil:
		return d.opts.Location
	}
	return time.UTC
}
