package desk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// mailDigest is the kind of the mail that lists several reminders and
// breaches of one batch to one address.
const mailDigest = "digest"

// A tick works in batches of at most tickBatch tickets, each batch one
// transaction, and takes batch after batch until nothing is due, or
// maxTickBatches were taken (TickResult.More: `run` ticks again at once).
const (
	tickBatch      = 500
	maxTickBatches = 20
)

// SLAPolicy is the SLA policy of a desk with these tiers: sla with each
// tier's escalate_after (the last tier keeps its tickets). The store must
// be opened with it (tickets.Options.SLA): it keeps each ticket's next
// timer instant, and New refuses a store whose policy differs.
func SLAPolicy(sla tickets.SLAPolicy, tiers []Tier) tickets.SLAPolicy {
	sla.EscalateAfter = nil
	for i, tr := range tiers {
		after := tr.EscalateAfter
		if i == len(tiers)-1 {
			after = 0
		}
		sla.EscalateAfter = append(sla.EscalateAfter, after)
	}
	return sla
}

// slaTimers applies the SLA clocks of one batch of the tickets whose next
// timer is due at tx.Now(): a reminder to the tier at 75% of a target, at
// the target a breach, recorded, and the ticket handed to the next tier;
// and a ticket no agent answered within its tier's escalate_after moves
// on. A reminder or breach is written down as a note (tickets.TimerNote)
// in the same transaction; the tick tells the tiers of its notes at its
// end (sendTimerNotes). It reports whether more may be due.
func (d *Desk) slaTimers(tx *tickets.Tx, res *TickResult) (more bool, err error) {
	if !d.tiersOn() {
		return false, nil
	}
	list, err := tx.DueTimers(tickBatch)
	if err != nil {
		return false, err
	}
	for _, t := range list {
		if err := d.applyTimers(tx, t, res); err != nil {
			return false, err
		}
		if err := d.settleTimer(tx, t); err != nil {
			return false, err
		}
	}
	return len(list) == tickBatch, nil
}

// applyTimers fires the timers of t that are due.
func (d *Desk) applyTimers(tx *tickets.Tx, t *tickets.Ticket, res *TickResult) error {
	if t.TierSince.IsZero() {
		// Opened before tiers were configured (or by an old version):
		// it reaches its tier now, once, rather than as a reminder and
		// a breach for a target nobody could have met.
		return d.firstNotice(tx, t, res)
	}
	now := tx.Now()
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
	return d.escalateUnanswered(tx, t, res)
}

// settleTimer makes sure a ticket the tick looked at leaves the due set:
// its timers reschedule it as they fire, but a ticket whose instant came
// with nothing to fire (the policy changed under it) is rescheduled here,
// and one still due after that (a store whose policy is not the desk's)
// is looked at again in a minute rather than at once, forever.
func (d *Desk) settleTimer(tx *tickets.Tx, t *tickets.Ticket) error {
	if err := tx.RescheduleTimer(t); err != nil {
		return err
	}
	if next := t.NextTimerAt; next.IsZero() || next.After(tx.Now()) {
		return nil
	}
	d.log.Error("a ticket's timer came due with nothing to fire; looking again in a minute", "ticket", t.Ref, "next_timer_at", t.NextTimerAt)
	return tx.PostponeTimer(t, tx.Now().Add(time.Minute))
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
	res.Reminded++
	res.timers = append(res.timers, timerNote{TimerReminder, target, t.Priority})
	return tx.AddTimerNote(t, tickets.TimerNote{Tier: t.Tier, Kind: mailReminder, Target: target, Due: due,
		Left: d.opts.SLA.Calendar.Between(tx.Now(), due)})
}

// breach records a missed target, notes it for the tier and hands the
// ticket to the next tier (the last tier keeps it).
func (d *Desk) breach(tx *tickets.Tx, t *tickets.Ticket, target string, due time.Time, res *TickResult) error {
	if err := tx.MarkBreached(t, target); err != nil {
		return err
	}
	res.Breached++
	res.timers = append(res.timers, timerNote{TimerBreach, target, t.Priority})
	n := tickets.TimerNote{Tier: t.Tier, Kind: mailBreach, Target: target, Due: due}
	next := t.Tier + 1
	if next < len(d.opts.Tiers) {
		n.NextTier = d.opts.Tiers[next].Name
	}
	if err := tx.AddTimerNote(t, n); err != nil {
		return err
	}
	if next < len(d.opts.Tiers) {
		return d.moveOn(tx, t, next, templates.Reason{Code: templates.ReasonSLABreached, Target: target, Due: d.when(due)}, res)
	}
	return nil
}

// escalateUnanswered moves a ticket on when no agent answered it within
// its tier's escalate_after, counted from when it reached the tier.
func (d *Desk) escalateUnanswered(tx *tickets.Tx, t *tickets.Ticket, res *TickResult) error {
	at, ok := d.opts.SLA.EscalateAt(t)
	if !ok || tx.Now().Before(at) {
		return nil
	}
	tr, _ := d.tier(t.Tier)
	return d.moveOn(tx, t, t.Tier+1, templates.Reason{Code: templates.ReasonUnanswered, After: tr.EscalateAfter, FromTier: tr.Name}, res)
}

// moveOn hands t to the tier next, for why (whose Tier it fills in).
func (d *Desk) moveOn(tx *tickets.Tx, t *tickets.Ticket, next int, why templates.Reason, res *TickResult) error {
	why.Tier = d.opts.Tiers[next].Name
	if err := tx.SetTier(t, next, "system", d.record(why)); err != nil {
		return err
	}
	res.Escalated++
	return d.escalate(tx, t, nil, "system", why, nil)
}

// firstNotice brings a ticket that never reached a tier to the first one:
// a waiting ticket is escalated with a notice; one an agent already works
// (from the terminal) only starts its tier clock.
func (d *Desk) firstNotice(tx *tickets.Tx, t *tickets.Ticket, res *TickResult) error {
	if t.Status == tickets.StatusInProgress {
		return tx.SetTier(t, t.Tier, "system", "tiers configured")
	}
	res.Escalated++
	return d.escalate(tx, t, nil, "system", templates.Reason{Code: templates.ReasonTiersConfigured}, nil)
}

// digestible reports whether n may go in a digest: P1 and P2 tickets are
// always told one by one.
func digestible(n tickets.TimerNote) bool {
	return n.Ticket.Priority != "P1" && n.Ticket.Priority != "P2"
}

// sendTimerNotes tells the tiers of the reminders and breaches noted so
// far (by this tick's batches, or by a tick that failed before telling),
// and deletes the notes, in one transaction. Every address that would get
// more than one of them (P3 to P5) gets one digest listing them instead; a
// note goes as a digest to every address of its tier once one of them
// gets a digest, so no address gets a digest and separate mails of one
// tick. The rest go as always: one mail about one ticket to each address
// of its tier, in the ticket's thread.
func (d *Desk) sendTimerNotes(tx *tickets.Tx) error {
	notes, err := tx.TimerNotes()
	if err != nil || len(notes) == 0 {
		return err
	}
	if !d.tiersOn() {
		return tx.DeleteTimerNotes(notes[len(notes)-1].ID) // nobody to tell any more
	}
	count := map[string]int{}
	for _, n := range notes {
		if digestible(n) {
			tr, _ := d.tier(n.Tier)
			for _, a := range tr.Notify {
				count[strings.ToLower(a)]++
			}
		}
	}
	digests := map[string][]tickets.TimerNote{}
	var order []string
	for _, n := range notes {
		tr, _ := d.tier(n.Tier)
		if !digestible(n) || !slices.ContainsFunc(tr.Notify, func(a string) bool { return count[strings.ToLower(a)] > 1 }) {
			if err := d.sendTimerNote(tx, n); err != nil {
				return err
			}
			continue
		}
		for _, a := range tr.Notify {
			a = strings.ToLower(a)
			if digests[a] == nil {
				order = append(order, a)
			}
			digests[a] = append(digests[a], n)
		}
	}
	for _, a := range order {
		if err := d.sendDigest(tx, a, digests[a]); err != nil {
			return err
		}
	}
	return tx.DeleteTimerNotes(notes[len(notes)-1].ID)
}

// sendTimerNote tells the tier of one reminder or breach in the ticket's
// own thread.
func (d *Desk) sendTimerNote(tx *tickets.Tx, n tickets.TimerNote) error {
	data, _, err := d.ticketData(tx, n.Ticket, nil)
	if err != nil {
		return err
	}
	data.Target, data.Due, data.NextTier = n.Target, d.when(n.Due), n.NextTier
	if n.Kind == mailReminder {
		data.TimeLeft = templates.FormatDuration(n.Left, d.opts.Language)
	}
	_, err = d.notifyTier(tx, n.Ticket, n.Tier, n.Kind, data, nil, "")
	return err
}

// sendDigest mails addr one list of the notes, overdue ones first. A
// digest is about no one ticket: it carries no reply token, names no
// ticket as its own, and its Reply-To is addr itself (the tier's list), so
// a reply goes to the colleagues, never to the desk as an agent's answer;
// the digest says so. Each ticket listed records where its note went.
func (d *Desk) sendDigest(tx *tickets.Tx, addr string, notes []tickets.TimerNote) error {
	slices.SortStableFunc(notes, func(a, b tickets.TimerNote) int {
		if a.Kind != b.Kind {
			return cmp.Compare(a.Kind, b.Kind) // "breach" before "reminder"
		}
		return a.Due.Compare(b.Due)
	})
	// A digest lists tickets of any mailbox: it goes out from the default one.
	box := d.defaultBox()
	data := templates.Data{SupportAddress: box.Address, ReplyAddress: addr}
	var tiers []string
	for _, n := range notes {
		tr, _ := d.tier(n.Tier)
		if !slices.Contains(tiers, tr.Name) {
			tiers = append(tiers, tr.Name)
		}
		item := templates.DigestItem{Ticket: n.Ticket.Ref, Subject: n.Ticket.Subject, Priority: n.Ticket.Priority, Tier: tr.Name,
			Event: n.Kind, Target: n.Target, Due: d.when(n.Due), NextTier: n.NextTier}
		if n.Kind == mailReminder {
			item.TimeLeft = templates.FormatDuration(n.Left, d.opts.Language)
		}
		data.Digest = append(data.Digest, item)
	}
	data.Tier = strings.Join(tiers, ", ")
	m, err := d.tmpl.Render(mailDigest, d.opts.Language, data)
	if err != nil {
		return fmt.Errorf("desk: rendering %s: %w", mailDigest, err)
	}
	out := &tickets.Outgoing{Kind: mailDigest, From: box.From, To: addr, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: d.newMessageID(box, ""), ReplyTo: addr, AutoSubmitted: "auto-generated"}
	if err := tx.QueueMail(out); err != nil {
		return err
	}
	for _, n := range notes {
		if err := tx.Event(n.Ticket.ID, fmt.Sprint(out.ID), "in_digest", "system", map[string]any{
			"to": addr, "mail": n.Kind, "target": n.Target, "next_tier": n.NextTier,
		}); err != nil {
			return err
		}
	}
	return nil
}
