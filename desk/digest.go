package desk

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the admins' digest: the figures of the last day or week,
// mailed through the outbox by the gateway's timer, once per period even
// across restarts (the store records each period sent).

// Digest periods (Options.Digest).
const (
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// mailAdminDigest is the kind of the admins' digest of the desk's
// figures; its template is the console set's "digest" (not the tiers'
// digest of reminders and breaches, mailDigest).
const mailAdminDigest = "admin_digest"

// maxDigestGaps is how many recurring incidents a digest names.
const maxDigestGaps = 3

// DigestPeriod is the last complete period at now in the desk's zone:
// yesterday, or last week (Monday to Sunday), with its key in the store.
func (d *Desk) DigestPeriod(now time.Time) (key string, first, last time.Time, ok bool) {
	now = now.In(d.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch d.opts.Digest {
	case DigestDaily:
		first = today.AddDate(0, 0, -1)
		return "daily " + first.Format(time.DateOnly), first, first, true
	case DigestWeekly:
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		first = monday.AddDate(0, 0, -7)
		y, w := first.ISOWeek()
		return fmt.Sprintf("weekly %d-W%02d", y, w), first, first.AddDate(0, 0, 6), true
	}
	return "", time.Time{}, time.Time{}, false
}

// SendDigest mails the admins the digest of the last complete period,
// unless it went out before; it reports whether it queued one. The
// gateway calls it on its timer.
func (d *Desk) SendDigest(ctx context.Context) (bool, error) {
	if len(d.opts.Admins) == 0 {
		return false, nil
	}
	var now time.Time
	var sent bool
	key, first, last, ok := d.DigestPeriod(d.store.Now())
	if !ok {
		return false, nil
	}
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		now = tx.Now()
		sent, err = tx.DigestSent(key)
		return err
	})
	if err != nil || sent {
		return false, err
	}
	data, err := d.digestData(ctx, first, last)
	if err != nil {
		return false, err
	}
	m, err := templates.RenderConsole("digest", d.opts.Language, data)
	if err != nil {
		return false, fmt.Errorf("desk: rendering the digest: %w", err)
	}
	queued := false
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		first, err := tx.MarkDigest(key)
		if err != nil || !first {
			queued = false
			return err // another process sent it meanwhile
		}
		queued = true
		for _, admin := range d.opts.Admins {
			err := tx.QueueMail(&tickets.Outgoing{Kind: mailAdminDigest, To: strings.ToLower(admin), Subject: m.Subject, Text: m.Text,
				MessageID: d.newMessageID(d.defaultBox(), ""), From: d.defaultBox().From, AutoSubmitted: "auto-generated"})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("desk: digest %s: %w", key, err)
	}
	if queued {
		d.log.Info("digest queued", "period", key, "admins", len(d.opts.Admins), "at", now)
		d.poke()
	}
	return queued, nil
}

// digestData gathers the figures of the days from first to last.
func (d *Desk) digestData(ctx context.Context, first, last time.Time) (templates.ConsoleData, error) {
	r, err := d.Report(ctx, first, last)
	if err != nil {
		return templates.ConsoleData{}, err
	}
	data := templates.ConsoleData{Period: d.opts.Digest, Created: r.Created, AutoAnswered: r.Auto.Answered,
		AutoShare: fmt.Sprintf("%.0f%%", 100*share0(r.Auto.Answered, r.Auto.Tickets)), Helpful: r.Auto.Helpful, NotHelpful: r.Auto.NotHelpful,
		RatedGood: r.Satisfaction.Good, RatedBad: r.Satisfaction.Bad, GoodShare: fmt.Sprintf("%.0f%%", 100*r.Satisfaction.GoodShare())}
	for _, a := range r.Satisfaction.ByAnswer {
		switch a.Group {
		case tickets.AnswerAuto:
			data.AutoGood, data.AutoBad = a.Good, a.Bad
		case tickets.AnswerAgent:
			data.AgentGood, data.AgentBad = a.Good, a.Bad
		}
	}
	data.Range = first.Format(time.DateOnly)
	if !last.Equal(first) {
		data.Range += " – " + last.Format(time.DateOnly)
	}
	for _, row := range r.Backlog {
		for _, n := range row {
			data.Open += n
		}
	}
	err = d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		data.Breaches, err = tx.ReportBreaches(r.From, r.To)
		return err
	})
	if err != nil {
		return data, err
	}
	if d.index != nil {
		gaps, err := d.Gaps(ctx, GapOptions{})
		if err != nil {
			return data, err
		}
		for i, g := range gaps {
			if i == maxDigestGaps {
				break
			}
			data.Gaps = append(data.Gaps, fmt.Sprintf("%s (%d: %s)", g.Subjects[0], len(g.Tickets), strings.Join(g.Tickets, ", ")))
		}
	}
	if d.opts.ConsoleURL != "" {
		q := url.Values{"from": {first.Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}
		data.Link = strings.TrimRight(d.opts.ConsoleURL, "/") + "/reports?" + q.Encode()
	}
	return data, nil
}

// share0 is n/of, 0 without any.
func share0(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
