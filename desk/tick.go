package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// TickResult counts what a tick changed.
type TickResult struct {
	Reminded     int  // SLA reminders sent to tiers
	Breached     int  // SLA targets missed (each noticed)
	Escalated    int  // tickets handed to the next tier (breach or escalate_after)
	Closed       int  // resolved tickets closed after CloseAfter of quiet
	Confirmed    int  // automatic answers with no reply, resolved quietly
	Undelivered  int  // automatic answers that bounced or failed: escalated instead
	MajorReports int  // major incidents whose tier was told of new reports
	IndexRebuilt bool // the FAQ changed in the database behind the index's back

	timers []timerNote // the reminders and breaches, for the observer
	// More: the tick stopped after maxTickBatches batches with more due;
	// tick again at once.
	More bool
}

func (r *TickResult) add(o TickResult) {
	r.Reminded, r.Breached, r.Escalated = r.Reminded+o.Reminded, r.Breached+o.Breached, r.Escalated+o.Escalated
	r.Closed, r.Confirmed, r.Undelivered = r.Closed+o.Closed, r.Confirmed+o.Confirmed, r.Undelivered+o.Undelivered
}

// tickStep applies one kind of timer to one batch of due tickets, in tx,
// and reports whether more may be due.
type tickStep func(tx *tickets.Tx, res *TickResult) (more bool, err error)

// Tick applies the due timers: resolved tickets close after CloseAfter of
// quiet, automatic answers nobody replied to resolve after ConfirmAfter —
// unless the answer never reached the customer: then a person must — and
// the SLA timers (slaTimers), whose reminders and breaches it then tells
// the tiers of in one transaction (sendTimerNotes). Each kind is read in
// batches, one transaction each, until none is due; a tick takes at most
// maxTickBatches of them and then says More.
// It also brings the FAQ index up to date with changes another process
// (an admin's `madoguchi faq ...` while `run` holds the index) committed.
// `run` calls it on a timer, `run --once` until nothing more is due.
func (d *Desk) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	rebuilt, err := d.SyncIndex(ctx)
	if err != nil {
		return res, err
	}
	res.IndexRebuilt = rebuilt
	var synced int
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		synced, err = tx.SyncTimers()
		return err
	})
	if err == nil && synced > 0 {
		d.log.Info("SLA policy changed: timers recomputed", "tickets", synced)
	}
	var learned faqChanges // paraphrases confirmed by a quiet close
	if err == nil {
		closeQuiet := func(tx *tickets.Tx, res *TickResult) (bool, error) { return d.closeQuiet(tx, res, &learned) }
		err = d.tickSteps(ctx, &res, closeQuiet, d.confirmAutoAnswers, d.slaTimers)
	}
	if err == nil {
		d.reindex(ctx, learned)
	}
	if err == nil {
		// The reminders and breaches of all the tick's batches, told at
		// once: one digest per address, however many batches it took.
		err = d.store.Update(ctx, d.sendTimerNotes)
		if err == nil && res.Reminded+res.Breached > 0 {
			d.poke()
		}
	}
	if err == nil {
		// The reports attached to major incidents since the last tick:
		// one list per major incident, however many came.
		err = d.store.Update(ctx, func(tx *tickets.Tx) (err error) { res.MajorReports, err = d.tellMajorReports(tx); return err })
		if err == nil && res.MajorReports > 0 {
			d.poke()
		}
	}
	if err == nil && res.Closed+res.Confirmed+res.Undelivered+res.Reminded+res.Breached+res.Escalated+res.MajorReports > 0 {
		d.log.Info("timers applied", "closed", res.Closed, "resolved_quietly", res.Confirmed, "undelivered_escalated", res.Undelivered,
			"sla_reminders", res.Reminded, "sla_breaches", res.Breached, "tier_escalations", res.Escalated, "major_reports", res.MajorReports, "more_due", res.More)
	}
	return res, err
}

// tickSteps runs each step batch after batch until it has nothing more,
// at most maxTickBatches batches in all.
func (d *Desk) tickSteps(ctx context.Context, res *TickResult, steps ...tickStep) error {
	batches := 0
	for _, step := range steps {
		for more := true; more; {
			if batches == maxTickBatches {
				res.More = true
				return nil
			}
			batches++
			var part TickResult
			err := d.store.Update(ctx, func(tx *tickets.Tx) error {
				part = TickResult{}
				var err error
				more, err = step(tx, &part)
				return err
			})
			if err != nil {
				return err
			}
			res.add(part)
			d.tellTick(part)
			if part.Reminded+part.Breached+part.Escalated+part.Undelivered > 0 {
				d.poke()
			}
		}
	}
	return nil
}

// closeQuiet closes one batch of the resolved tickets quiet for CloseAfter;
// their pending paraphrases are confirmed (resolved without a problem
// report), the entries they belong to added to learned.
func (d *Desk) closeQuiet(tx *tickets.Tx, res *TickResult, learned *faqChanges) (bool, error) {
	due, err := tx.ResolvedBefore(tx.Now().Add(-d.opts.CloseAfter), tickBatch)
	if err != nil {
		return false, err
	}
	var closed []int64
	for _, t := range due {
		if err := tx.SetStatus(t, tickets.StatusClosed, "system", "quiet period over"); err != nil {
			return false, err
		}
		closed = append(closed, t.ID)
		res.Closed++
	}
	if err := settleClosed(tx, closed, learned); err != nil {
		return false, err
	}
	return len(due) == tickBatch, nil
}

// confirmAutoAnswers decides one batch of the automatic answers waiting
// for ConfirmAfter: delivered and unanswered since, the ticket resolves
// quietly; never delivered, a person must reach the customer. An answer
// still queued is not listed (the customer's time to answer runs from
// delivery), so it never holds the others back.
func (d *Desk) confirmAutoAnswers(tx *tickets.Tx, res *TickResult) (bool, error) {
	due, err := tx.AutoAnswersDue(tx.Now().Add(-d.opts.ConfirmAfter), tickBatch)
	if err != nil {
		return false, err
	}
	for _, dl := range due {
		t := dl.Ticket
		if why := undeliveredReason(dl); why.Code != "" {
			if err := d.escalate(tx, t, nil, "system", why, nil); err != nil {
				return false, err
			}
			res.Undelivered++
			continue
		}
		if err := tx.SetStatus(t, tickets.StatusResolved, "system", quietResolution+d.opts.ConfirmAfter.String()); err != nil {
			return false, err
		}
		res.Confirmed++
	}
	return len(due) == tickBatch, nil
}

// quietResolution starts the audit reason of the quiet resolution; a later
// reply looks for it (readFAQHistory).
const quietResolution = "no reply to the automatic answer within "

// autoAnswerDelivery reads what became of a ticket's automatic answer:
// why it did not reach the customer (no Code when nothing says so), and
// when the relay took it (zero while queued).
func autoAnswerDelivery(tx *tickets.Tx, t *tickets.Ticket) (undelivered templates.Reason, sentAt time.Time, err error) {
	dl, err := tx.AutoAnswerDelivery(t)
	if err != nil {
		return templates.Reason{}, time.Time{}, err
	}
	return undeliveredReason(dl), dl.SentAt, nil
}

// undeliveredReason says why an automatic answer did not reach the
// customer: the outbox gave its row up as failed, or as unknown (the
// relay may hold it, which is no proof of delivery either), or a delivery
// report of failure was linked to it (Desk.bounce records it as a
// mail_bounced event on the ticket with the row's id as subject); no Code
// when nothing says so. The relay's words are for the record only.
func undeliveredReason(dl tickets.AutoAnswerDelivery) templates.Reason {
	switch {
	case dl.GivenUp != 0 && dl.GivenUpStatus == tickets.OutUnknown:
		// Given up after an attempt the relay never answered after the
		// end of DATA: not proof of failure, nor of delivery.
		return templates.Reason{Code: templates.ReasonAnswerUnconfirmed, Mail: fmt.Sprint(dl.GivenUp), Detail: dl.GivenUpError}
	case dl.GivenUp != 0:
		return templates.Reason{Code: templates.ReasonAnswerFailed, Mail: fmt.Sprint(dl.GivenUp), Detail: dl.GivenUpError}
	case dl.Bounced != 0:
		return templates.Reason{Code: templates.ReasonAnswerBounced, Mail: fmt.Sprint(dl.Bounced), Status: dl.BounceStatus, Detail: dl.BounceAction}
	}
	return templates.Reason{}
}
