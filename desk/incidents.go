package desk

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// One incident, many reporters (issue 13). Two people report one outage:
// an agent folds one ticket into the other (#merge REF, `tickets merge`),
// or relates them without merging (#link REF). A merged ticket closes as
// merged and points at the ticket that lives on (the survivor); its
// customers' mails are copied there; its requester is told once, in their
// language, which ticket it became, and is a reporter of the survivor from
// then on: their mail on either thread reaches the survivor and acts on
// it as a participant's, and the survivor's resolution reaches them in a
// mail of their own (never a copy that shows them the other reporters).
// A major incident (major.go) takes in new mail as reporters the same way.

// Kinds of the mail to reporters.
const (
	mailMerged   = "merged"    // the requester of a merged ticket, told once
	mailMajorAck = "major_ack" // a new mail attached to a major incident, acknowledged with its reference
)

// refArg is the form of a ticket reference in a command: INC-1042,
// [INC-1042], inc-1042.
var refArg = regexp.MustCompile(`^[A-Z][A-Z0-9]*-[0-9]+$`)

func checkRefArg(arg string) (string, *problem) {
	ref := strings.ToUpper(strings.Trim(arg, "[]<>"))
	if !refArg.MatchString(ref) {
		p := problemf("%q is not a ticket reference (INC-1042)", "「%s」はチケット番号ではありません（INC-1042 など）", arg)
		return "", &p
	}
	return ref, nil
}

// incidentConflicts names what cannot go with #merge and #major: a merge
// ends the ticket (the other ends are conflicts' own), and a major
// incident that ends as it is declared takes in nothing.
func incidentConflicts(r agentReply) []problem {
	var out []problem
	if r.has("merge") && r.has("answer") {
		out = append(out, problemf("#merge sends the customer the text below it, not an FAQ entry: use #merge or #answer",
			"#merge ではコマンドの下の本文をお客様に送ります。FAQ は送れません。#merge と #answer はどちらか一つにしてください"))
	}
	if r.has("major") && r.arg("major") != "off" {
		for _, end := range []string{"resolve", "close", "faq", "merge"} {
			if r.has(end) {
				out = append(out, problemf("#major and #%s contradict each other: a major incident that ends at once takes in no report",
					"#major と #%s は同時に使えません。登録と同時に終わる大規模障害には報告が集まりません", end))
			}
		}
	}
	return out
}

// checkIncident lists why the #merge, #link or #major of an action cannot
// be done on t.
func (d *Desk) checkIncident(tx *tickets.Tx, t *tickets.Ticket, a *agentAction) []problem {
	var errs []problem
	add := func(en, ja string, args ...any) { errs = append(errs, problemf(en, ja, args...)) }
	r := a.reply
	if ref := r.arg("merge"); ref != "" {
		into, err := tx.Ticket(ref)
		switch {
		case errors.Is(err, tickets.ErrNotFound):
			add("#merge: there is no ticket %s", "#merge：チケット %s はありません", ref)
		case err != nil:
			add("#merge: %v", "#merge：%v", err)
		case into.ID == t.ID:
			add("#merge: %s cannot be merged into itself", "#merge：%s をそれ自身に統合することはできません", t.Ref)
		case into.MergedIntoID == t.ID:
			add("#merge: %s was merged into %s: merging %s into it would make a cycle",
				"#merge：%s は %s に統合済みです。%s をそこへ統合すると循環してしまいます", into.Ref, t.Ref, t.Ref)
		case into.MergedIntoID != 0:
			add("#merge: %s was merged into %s: merge into %s",
				"#merge：%s は %s に統合済みです。%s へ統合してください", into.Ref, into.MergedInto, into.MergedInto)
		case into.Status == tickets.StatusClosed || into.Status == tickets.StatusResolved:
			add("#merge: %s is %s: nothing is merged into a ticket that is done; relate the two with #link %s instead",
				"#merge：%s は%sのため統合できません。関連付けるには #link %s をお使いください", into.Ref, statusWord(into.Status), into.Ref)
		case a.tier >= 0 && into.Tier != a.tier:
			add("#merge: %s is with %s, not with your tier %s: it can be merged into only by its own tier",
				"#merge：%s は %s の担当で、あなたの担当チーム（%s）のチケットではないため統合できません", into.Ref, d.tierName(into.Tier), d.tierName(a.tier))
		}
		if t.Status == tickets.StatusResolved {
			add("#merge: %s is resolved, and its customer was told so: relate it with #link %s instead",
				"#merge：%s は解決済みで、お客様にもそのようにお知らせ済みです。#link %s で関連付けてください", t.Ref, ref)
		}
	}
	if ref := r.arg("link"); ref != "" {
		other, err := tx.Ticket(ref)
		switch {
		case errors.Is(err, tickets.ErrNotFound):
			add("#link: there is no ticket %s", "#link：チケット %s はありません", ref)
		case err != nil:
			add("#link: %v", "#link：%v", err)
		case other.ID == t.ID:
			add("#link: %s cannot be related to itself", "#link：%s をそれ自身に関連付けることはできません", t.Ref)
		}
	}
	errs = append(errs, d.checkMajor(tx, t, a)...)
	return errs
}

// statusWord names a done status in an agent's error text.
func statusWord(s tickets.Status) string {
	if s == tickets.StatusClosed {
		return "closed"
	}
	return "resolved"
}

// survivor is the ticket t lives on in: t, or the one it was merged
// into (always one step: tickets.MergeTicket keeps it so).
func survivor(tx *tickets.Tx, t *tickets.Ticket) (*tickets.Ticket, error) {
	if t == nil || t.MergedIntoID == 0 {
		return t, nil
	}
	return tx.TicketByID(t.MergedIntoID)
}

// actLink relates t to the ticket of #link, noting it for the tier's copy.
func (d *Desk) actLink(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, note func(string, templates.Reason)) error {
	ref := a.reply.arg("link")
	if ref == "" {
		return nil
	}
	other, err := tx.Ticket(ref)
	if err != nil {
		return err
	}
	added, err := tx.Link(t, other, a.agent)
	if err != nil {
		return err
	}
	if added {
		note(templates.ActionLink, templates.Reason{Ticket: other.Ref})
	} else {
		note(templates.ActionLinkedAlready, templates.Reason{Ticket: other.Ref})
	}
	return nil
}

// merge folds t into the ticket of #merge: t closes as merged with its
// timers, its customers' mails are copied to the survivor, a major
// incident window of t ends (its reports go on to the survivor), and t's
// requester is told once which ticket it became, with the agent's text.
func (d *Desk) merge(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, body string, oc *Outcome, note func(string, templates.Reason)) error {
	into, err := tx.Ticket(a.reply.arg("merge"))
	if err != nil {
		return err
	}
	if _, err := tx.EndMajor(t, a.agent, "merged into "+into.Ref); err != nil {
		return err
	}
	if err := tx.MergeTicket(t, into, tickets.ClosedMerged, a.agent); err != nil {
		return err
	}
	if _, err := tx.CopyCustomerEntries(t, into); err != nil {
		return err
	}
	note(templates.ActionMerge, templates.Reason{Ticket: into.Ref})
	if t.Requester == "" {
		return nil
	}
	if err := d.mailCustomer(tx, into, t, mailMerged, body, nil, nil, 0, oc); err != nil {
		return err
	}
	note(templates.ActionMergeTold, templates.Reason{From: t.Requester, Ticket: into.Ref})
	return nil
}

// tellReporters sends each reporter of t (the requester of a ticket
// merged or attached into it who wrote as a person, once per address,
// not t's own requester) the resolution mail of their own, in their
// language and in their ticket's thread, and ends t's major incident
// window.
func (d *Desk) tellReporters(tx *tickets.Tx, t *tickets.Ticket, actor, body string, f *tickets.FAQ, atts []tickets.Attachment, oc *Outcome, note func(string, templates.Reason)) error {
	if _, err := tx.EndMajor(t, actor, "resolved"); err != nil {
		return err
	}
	reps, err := tx.Reporters(t)
	if err != nil {
		return err
	}
	told := map[string]bool{t.Requester: true}
	// Those on Cc of t's own resolution have it already.
	cc, err := d.customerCc(tx, t)
	if err != nil {
		return err
	}
	for _, a := range cc {
		told[a] = true
	}
	var addrs []string
	for _, rep := range reps {
		if told[rep.Requester] {
			continue
		}
		told[rep.Requester] = true
		if err := d.mailCustomer(tx, t, rep, mailResolution, body, f, atts, d.reopenDays(), oc); err != nil {
			return err
		}
		addrs = append(addrs, rep.Requester)
	}
	if len(addrs) == 0 {
		return nil
	}
	note(templates.ActionReportersTold, templates.Reason{Count: len(addrs)})
	return tx.Event(t.ID, "", "reporters_told", actor, map[string]any{"mail": mailResolution, "count": len(addrs), "to": firstOf(addrs, 50)})
}

// reopenDays is desk.close_after in whole days, rounded up: how long a
// resolution mail says a reply still reopens the ticket.
func (d *Desk) reopenDays() int {
	return int((d.opts.CloseAfter + 24*time.Hour - 1) / (24 * time.Hour))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func firstOf(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}
