package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// TickResult counts what a tick changed.
type TickResult struct {
	Reminded     int // SLA reminders sent to tiers
	Breached     int // SLA targets missed (each noticed)
	Escalated    int // tickets handed to the next tier (breach or escalate_after)
	Closed       int
	Confirmed    int  // automatic answers with no reply, resolved quietly
	Undelivered  int  // automatic answers that bounced or failed: escalated instead
	IndexRebuilt bool // the FAQ changed in the database behind the index's back
}

// Tick applies the due timers: resolved tickets close after CloseAfter of
// quiet, automatic answers nobody replied to resolve after ConfirmAfter —
// unless the answer never reached the customer: then a person must.
// It also brings the FAQ index up to date with changes another process
// (an admin's `madoguchi faq ...` while `run` holds the index) committed.
// `run` calls it on a timer, `run --once` once.
func (d *Desk) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	rebuilt, err := d.SyncIndex(ctx)
	if err != nil {
		return res, err
	}
	var learned faqChanges
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		res, learned = TickResult{IndexRebuilt: rebuilt}, faqChanges{}
		due, err := tx.ResolvedBefore(tx.Now().Add(-d.opts.CloseAfter), 500)
		if err != nil {
			return err
		}
		var closed []int64
		for _, t := range due {
			if err := tx.SetStatus(t, tickets.StatusClosed, "system", "quiet period over"); err != nil {
				return err
			}
			closed = append(closed, t.ID)
			res.Closed++
		}
		if err := settleClosed(tx, closed, &learned); err != nil {
			return err
		}
		quiet, err := tx.AutoAnsweredBefore(tx.Now().Add(-d.opts.ConfirmAfter), 500)
		if err != nil {
			return err
		}
		for _, t := range quiet {
			why, sentAt, err := autoAnswerDelivery(tx, t)
			if err != nil {
				return err
			}
			if why != "" {
				if err := d.escalate(tx, t, nil, "system", why+": not resolved quietly, a person must reach the customer", nil); err != nil {
					return err
				}
				res.Undelivered++
				continue
			}
			// The customer's time to answer runs from delivery: an answer
			// still queued (the relay down for days) is not one they ignored.
			if sentAt.IsZero() || sentAt.After(tx.Now().Add(-d.opts.ConfirmAfter)) {
				continue
			}
			if err := tx.SetStatus(t, tickets.StatusResolved, "system", quietResolution+d.opts.ConfirmAfter.String()); err != nil {
				return err
			}
			res.Confirmed++
		}
		return d.slaTimers(tx, &res)
	})
	if err == nil {
		d.reindex(ctx, learned)
	}
	if err == nil && res.Closed+res.Confirmed+res.Undelivered+res.Reminded+res.Breached+res.Escalated > 0 {
		d.log.Info("timers applied", "closed", res.Closed, "resolved_quietly", res.Confirmed, "undelivered_escalated", res.Undelivered,
			"sla_reminders", res.Reminded, "sla_breaches", res.Breached, "tier_escalations", res.Escalated)
	}
	if err == nil && res.Reminded+res.Breached+res.Escalated+res.Undelivered > 0 {
		d.poke()
	}
	return res, err
}

// quietResolution starts the audit reason of the quiet resolution; a later
// reply looks for it (readFAQHistory).
const quietResolution = "no reply to the automatic answer within "

// autoAnswerDelivery reads what became of a ticket's automatic answer:
// why it did not reach the customer ("" when nothing says so: the outbox
// gave its row up as failed, or as unknown (the relay may hold it, which
// is no proof of delivery either), or a delivery report of failure was linked to
// it, which Desk.bounce records as a mail_bounced event on the ticket with
// the row's id as subject), and when the relay took it (zero while queued).
func autoAnswerDelivery(tx *tickets.Tx, t *tickets.Ticket) (undelivered string, sentAt time.Time, err error) {
	list, err := tx.OutgoingList(t.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	ids := map[string]bool{}
	for _, o := range list {
		if o.Kind != "auto_answer" {
			continue
		}
		switch o.Status {
		case tickets.OutFailed:
			return fmt.Sprintf("automatic answer (mail %d) failed: %s", o.ID, o.LastError), time.Time{}, nil
		case tickets.OutUnknown:
			// Given up after an attempt the relay never answered after the
			// end of DATA: not proof of failure, nor of delivery.
			return fmt.Sprintf("automatic answer (mail %d) may not have reached the customer, the relay never confirmed it: %s", o.ID, o.LastError), time.Time{}, nil
		}
		if o.Status == tickets.OutSent && (sentAt.IsZero() || o.SentAt.Before(sentAt)) {
			sentAt = o.SentAt
		}
		ids[fmt.Sprint(o.ID)] = true
	}
	if len(ids) == 0 {
		return "", sentAt, nil
	}
	events, err := tx.Events(t.ID)
	if err != nil {
		return "", time.Time{}, err
	}
	for _, e := range events {
		if e.Kind != "mail_bounced" || !ids[e.Subject] {
			continue
		}
		var dsn struct{ Action, Status string }
		_ = json.Unmarshal(e.Detail, &dsn) // a report we cannot read still reports a problem
		switch dsn.Action {
		case "delayed", "delivered", "relayed", "expanded":
			continue // not a failure
		}
		return fmt.Sprintf("automatic answer (mail %s) bounced: %s %s", e.Subject, dsn.Action, dsn.Status), sentAt, nil
	}
	return "", sentAt, nil
}
