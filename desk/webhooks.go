package desk

import (
	"errors"
	"fmt"
	"slices"

	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

// Webhook is one outgoing webhook as the desk queues its events (config:
// [[webhooks]]); where it goes and how it is signed is the outbox's.
type Webhook struct {
	Name   string
	Format string // webhook.FormatJSON (default), FormatSlack, FormatTeams
	// Events are the event types it takes (webhook.Events); none = all.
	Events []string
	// Priorities keeps the events of tickets of these priorities; none = all.
	Priorities []string
	// IncludeSubject puts the ticket's subject in its events; without it
	// an event carries none of the customer's words.
	IncludeSubject bool
}

func (w Webhook) wants(event, priority string) bool {
	return (len(w.Events) == 0 || slices.Contains(w.Events, event)) &&
		(len(w.Priorities) == 0 || slices.Contains(w.Priorities, priority))
}

// queueEvents is the store's observer (tickets.Observer): for each change
// a write transaction made, one event, queued for every webhook that
// wants it, in that transaction. Whichever door a change came through
// (mail, terminal, console, API, an alert), its event commits with it.
func (d *Desk) queueEvents(tx *tickets.Tx, changes []tickets.Change) error {
	for _, c := range changes {
		t, err := tx.TicketByID(c.TicketID)
		if err != nil {
			return fmt.Errorf("desk: event %s of ticket %d: %w", c.Kind, c.TicketID, err)
		}
		var ev *webhook.Event // built for the first webhook that wants it
		for _, w := range d.opts.Webhooks {
			if !w.wants(string(c.Kind), t.Priority) {
				continue
			}
			if ev == nil {
				if ev, err = d.event(tx, c, t); err != nil {
					return err
				}
			}
			e := *ev
			if !w.IncludeSubject {
				e.Ticket.Subject = ""
			}
			body, err := webhook.Body(w.Format, e, webhook.Options{Language: d.opts.Language, Location: d.opts.Location})
			if err != nil {
				return fmt.Errorf("desk: webhook %s: %w", w.Name, err)
			}
			err = tx.QueueWebhook(&tickets.WebhookDelivery{EventID: e.ID, EventType: e.Type, Webhook: w.Name, TicketID: t.ID, Body: string(body)})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// event is what a webhook is told of change c of ticket t, as t stands at
// the commit: the fields of webhook.Event and no others.
func (d *Desk) event(tx *tickets.Tx, c tickets.Change, t *tickets.Ticket) (*webhook.Event, error) {
	source := "mail"
	if _, err := tx.AlertOfTicket(t.ID); err == nil {
		source = "alert"
	} else if !errors.Is(err, tickets.ErrNotFound) {
		return nil, err
	}
	e := &webhook.Event{
		ID: webhook.NewID(), Type: string(c.Kind), CreatedAt: tx.Now(),
		Ticket: webhook.Ticket{
			Ref: t.Ref, Type: t.Type, Status: string(t.Status), Priority: t.Priority, Source: source,
			Subject: t.Subject, URL: d.ticketURL(t.Ref), CreatedAt: t.CreatedAt, ResolveDueAt: t.ResolveDueAt,
			ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt, ClosedReason: t.ClosedReason, MergedInto: t.MergedInto,
		},
	}
	if d.tiersOn() && !t.TierSince.IsZero() {
		e.Ticket.Tier = d.tierName(t.Tier)
	}
	switch c.Kind {
	case tickets.ChangeBreached:
		e.Breach = &webhook.Breach{Target: c.Target, DueAt: c.DueAt}
	case tickets.ChangeAutoAnswered:
		e.FAQ = &webhook.FAQ{Key: t.AutoAnswerKey}
	}
	return e, nil
}

// ticketURL is the console's page of ref, "" without a base URL.
func (d *Desk) ticketURL(ref string) string {
	if d.opts.BaseURL == "" {
		return ""
	}
	return d.opts.BaseURL + "/tickets/" + ref
}
