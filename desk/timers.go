package desk

import (
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// slaTimers applies the SLA clocks of the open tickets at tx.Now(): a
// reminder to the tier at 75% of a target, at the target a breach notice,
// the breach recorded, and the ticket handed to the next tier; and a
// ticket no agent answered within its tier's escalate_after moves on.
// On-hold tickets are not candidates: their clock is paused.
func (d *Desk) slaTimers(tx *tickets.Tx, res *TickResult) error {
	if !d.tiersOn() {
		return nil
	}
	list, err := tx.TimerCandidates(500)
	if err != nil {
		return err
	}
	now := tx.Now()
	for _, t := range list {
		if t.TierSince.IsZero() {
			// Opened before tiers were configured (or by an old version):
			// it reaches its tier now, once, rather than as a reminder and
			// a breach for a target nobody could have met.
			if err := d.firstNotice(tx, t, res); err != nil {
				return err
			}
			continue
		}
		for _, target := range []string{tickets.TargetRespond, tickets.TargetResolve} {
			due, remindAt, reminded, breached, done := d.clock(t, target)
			if done || breached {
				continue
			}
			if !now.Before(due) {
				if err := d.breach(tx, t, target, due, res); err != nil {
					return err
				}
				continue
			}
			if !reminded && !now.Before(remindAt) {
				if err := d.remind(tx, t, target, due, res); err != nil {
					return err
				}
			}
		}
		if err := d.escalateUnanswered(tx, t, now, res); err != nil {
			return err
		}
	}
	return nil
}

// clock reads one SLA target of t: when it is due, when its reminder is,
// whether both happened, and whether the target is met already (responded
// to, resolved).
func (d *Desk) clock(t *tickets.Ticket, target string) (due, remindAt time.Time, reminded, breached, done bool) {
	due, remindAt = t.RespondDueAt, d.opts.SLA.Reminder(t, target)
	if target == tickets.TargetRespond {
		return due, remindAt, !t.RespondRemindedAt.IsZero(), !t.RespondBreachedAt.IsZero(), !t.FirstResponseAt.IsZero()
	}
	return t.ResolveDueAt, remindAt, !t.ResolveRemindedAt.IsZero(), !t.ResolveBreachedAt.IsZero(),
		t.Status == tickets.StatusResolved || t.Status == tickets.StatusClosed
}

func (d *Desk) remind(tx *tickets.Tx, t *tickets.Ticket, target string, due time.Time, res *TickResult) error {
	if err := tx.MarkReminded(t, target); err != nil {
		return err
	}
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return err
	}
	data.Target, data.Due, data.TimeLeft = target, d.when(due), d.opts.SLA.Calendar.Between(tx.Now(), due).Round(time.Minute).String()
	if _, err := d.notifyTier(tx, t, t.Tier, mailReminder, data, nil, ""); err != nil {
		return err
	}
	res.Reminded++
	return nil
}

// breach records a missed target, tells the tier and hands the ticket to
// the next tier (the last tier keeps it).
func (d *Desk) breach(tx *tickets.Tx, t *tickets.Ticket, target string, due time.Time, res *TickResult) error {
	if err := tx.MarkBreached(t, target); err != nil {
		return err
	}
	res.Breached++
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return err
	}
	data.Target, data.Due = target, d.when(due)
	next := t.Tier + 1
	if next < len(d.opts.Tiers) {
		data.NextTier = d.opts.Tiers[next].Name
	}
	if _, err := d.notifyTier(tx, t, t.Tier, mailBreach, data, nil, ""); err != nil {
		return err
	}
	if next < len(d.opts.Tiers) {
		return d.moveOn(tx, t, next, "SLA "+target+" target breached (due "+d.when(due)+")", res)
	}
	return nil
}

// escalateUnanswered moves a ticket on when no agent answered it within
// its tier's escalate_after, counted from when it reached the tier.
func (d *Desk) escalateUnanswered(tx *tickets.Tx, t *tickets.Ticket, now time.Time, res *TickResult) error {
	tr, _ := d.tier(t.Tier)
	if tr.EscalateAfter <= 0 || t.Tier+1 >= len(d.opts.Tiers) || t.TierSince.IsZero() {
		return nil
	}
	if t.Status != tickets.StatusNew && t.Status != tickets.StatusEscalated {
		return nil // an agent is on it
	}
	if now.Before(d.opts.SLA.Calendar.Add(t.TierSince, tr.EscalateAfter)) {
		return nil
	}
	return d.moveOn(tx, t, t.Tier+1, "no agent answer within "+tr.EscalateAfter.String()+" in "+tr.Name, res)
}

func (d *Desk) moveOn(tx *tickets.Tx, t *tickets.Ticket, next int, why string, res *TickResult) error {
	if err := tx.SetTier(t, next, "system", why); err != nil {
		return err
	}
	res.Escalated++
	return d.escalate(tx, t, nil, "system", why+": handed to "+d.opts.Tiers[next].Name, nil)
}

// firstNotice brings a ticket that never reached a tier to the first one:
// a waiting ticket is escalated with a notice; one an agent already works
// (from the terminal) only starts its tier clock.
func (d *Desk) firstNotice(tx *tickets.Tx, t *tickets.Ticket, res *TickResult) error {
	if t.Status == tickets.StatusInProgress {
		return tx.SetTier(t, t.Tier, "system", "tiers configured")
	}
	res.Escalated++
	return d.escalate(tx, t, nil, "system", "waiting for an agent since before escalation tiers were configured", nil)
}
