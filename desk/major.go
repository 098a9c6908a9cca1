package desk

import (
	"errors"
	"fmt"
	"time"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// A major incident: an outage many people report at once. An agent's
// #major (`tickets major REF`) opens a window (desk.major_window, or until
// #major off, or the ticket's resolution) in which a new mail that tells
// of the same thing (alike.go: sameReport) does not open a ticket of its
// own to work: it opens one that is at once attached to the major
// incident (closed as attached, its mail copied there), and its sender
// is acknowledged with the major incident's reference and becomes one of
// its reporters (incidents.go). The tier hears of the new reports as one
// list per major incident per tick, not a notice each: a monitoring storm
// of 200 alerts is a mail or two. One #resolve tells every reporter.

// mailMajorReports is the list of new reports sent to the tier.
const mailMajorReports = "major_reports"

// DefaultMajorWindow is how long new mail attaches to a major incident
// when Options.MajorWindow is not set (desk.major_window).
const DefaultMajorWindow = 4 * time.Hour

// Bounds of a major incident's matching and of its reports' list.
const (
	maxOpenMajors  = 20 // open major incidents a new mail is compared with, the newest first
	maxListReports = 20 // reports listed in one mail to the tier; the rest are counted
)

// checkMajor lists why the #major of an action cannot be done on t.
func (d *Desk) checkMajor(tx *tickets.Tx, t *tickets.Ticket, a *agentAction) []problem {
	r := a.reply
	if !r.has("major") {
		return nil
	}
	var errs []problem
	add := func(en, ja string, args ...any) { errs = append(errs, problemf(en, ja, args...)) }
	if r.arg("major") == "off" {
		m, err := tx.Major(t.ID)
		switch {
		case err != nil && !errors.Is(err, tickets.ErrNotFound):
			add("#major off: %v", "#major off：%v", err)
		case err != nil || !m.Open(tx.Now()):
			add("#major off: new mails do not attach to %s (it is no major incident, or its window has ended)",
				"#major off：%s には新しいメールは関連付けられていません（大規模障害ではないか、受付期間が終了しています）", t.Ref)
		}
		return errs
	}
	if t.Type != tickets.Incident {
		add("#major: %s is a service request; only an incident can be a major incident",
			"#major：%s はサービス要求です。大規模障害にできるのはインシデントのみです", t.Ref)
	}
	if t.Status == tickets.StatusResolved {
		add("#major: %s is resolved", "#major：%s は解決済みです", t.Ref)
	}
	return errs
}

// actMajor declares t a major incident for desk.major_window (again: a
// new window), or ends its window (#major off).
func (d *Desk) actMajor(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, note func(string, templates.Reason)) error {
	r := a.reply
	if !r.has("major") {
		return nil
	}
	if r.arg("major") == "off" {
		if _, err := tx.EndMajor(t, a.agent, "#major off"); err != nil {
			return err
		}
		note(templates.ActionMajorOff, templates.Reason{Ticket: t.Ref})
		return nil
	}
	until := tx.Now().Add(d.opts.MajorWindow)
	if err := tx.DeclareMajor(t, until, a.agent); err != nil {
		return err
	}
	note(templates.ActionMajor, templates.Reason{Ticket: t.Ref, Due: d.when(until)})
	return nil
}

// attachToMajor attaches the new ticket t, just opened by msg, to the
// open major incident whose report it repeats, if any: t closes as
// attached, its mail is copied to the major incident, and its sender (a
// person, not a machine) is acknowledged with the major incident's
// reference in place of an acknowledgement of t. Only an incident
// attaches: a request ("a new mail account") is no report of an outage.
func (d *Desk) attachToMajor(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, oc *Outcome) (bool, error) {
	if t.Type != tickets.Incident {
		return false, nil
	}
	majors, err := tx.OpenMajors(maxOpenMajors)
	if err != nil || len(majors) == 0 {
		return false, err
	}
	mail := wordsOfReport(t.Subject, mime.StripQuoted(msg.Text))
	for _, m := range majors {
		subject, text, err := tx.FirstReport(m.ID)
		if err != nil {
			return false, err
		}
		if subject == "" {
			subject = m.Subject
		}
		if !sameReport(wordsOfReport(baseSubject(subject, d.tmpl.Labels()...), text), mail) {
			continue
		}
		if err := tx.MergeTicket(t, m.Ticket, tickets.ClosedAttached, "system"); err != nil {
			return false, err
		}
		if _, err := tx.CopyCustomerEntries(t, m.Ticket); err != nil {
			return false, err
		}
		oc.Reason = joinReason(oc.Reason, "attached to major incident "+m.Ref)
		box := d.boxOf(t) // the reporter's own ticket: the address she wrote to
		data := templates.Data{Ticket: m.Ref, Subject: m.Subject, Name: msg.From.Name, SupportAddress: box.Address, Mailbox: box.Name,
			OldTicket: t.Ref, Reported: t.Subject, Priority: m.Priority, StatusLink: d.statusURL(m.ID, msg.From.Addr)}
		// The acknowledgement counts against the automatic replies to
		// its sender, on t: a robot that writes again and again gets no
		// more of them than of any acknowledgement, and the major
		// incident's own limit is not spent by its many reporters.
		tokTicket := m.Ticket
		if d.boxOf(m.Ticket) != box {
			// A token holds only in its ticket's mailbox: the reporter's
			// own one goes on as the major incident all the same.
			tokTicket = t
		}
		token := replyToken{Ticket: tokTicket.ID, Tier: tokTicket.Tier, Role: tokenCustomer}.sign(d.opts.Secret)
		_, err = d.answerTo(tx, t, msg, msg.From.Addr, msg.From.Name, mailAck, mailMajorAck, t.Language, data, oc, func(o *tickets.Outgoing) {
			o.ReplyTo = plusAddress(box.Address, token)
		})
		return true, err
	}
	return false, nil
}

// tellMajorReports tells each major incident's tier of the reports
// attached since it was last told: one mail per major incident, in its
// thread, listing the first of them and counting the rest. It reports how
// many major incidents it told of.
func (d *Desk) tellMajorReports(tx *tickets.Tx) (int, error) {
	news, err := tx.MajorsWithNewReports(tickBatch, maxListReports)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, n := range news {
		if d.tiersOn() {
			if err := d.sendMajorReports(tx, n); err != nil {
				return told, err
			}
			told++
		}
		if err := tx.SetMajorReported(n.Major, n.Last); err != nil {
			return told, err
		}
	}
	return told, nil
}

func (d *Desk) sendMajorReports(tx *tickets.Tx, n tickets.NewReports) error {
	t := n.Major
	rel, err := tx.Relations(t)
	if err != nil {
		return err
	}
	box := d.boxOf(t)
	data := templates.Data{Ticket: t.Ref, Subject: t.Subject, SupportAddress: box.Address, Mailbox: box.Name, Priority: t.Priority,
		Status: string(t.Status), Type: typeName(t.Type), Assignee: t.Assignee,
		ReportsNew: n.Count, ReportsMore: n.Count - len(n.First), ReportsTotal: rel.AttachedCount}
	if rel.Major != nil && rel.Major.Open(tx.Now()) {
		data.Until = d.when(rel.Major.Until)
	}
	for _, r := range n.First {
		from := r.Requester
		if r.RequesterName != "" {
			from = fmt.Sprintf("%s <%s>", r.RequesterName, r.Requester)
		}
		data.Reports = append(data.Reports, templates.ReportInfo{Ticket: r.Ref, From: from, Subject: r.Subject})
	}
	if _, err := d.notifyTier(tx, t, t.Tier, mailMajorReports, data, nil, ""); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "major_reports_told", "system", map[string]any{"reports": n.Count, "tier": d.tierName(t.Tier)})
}
