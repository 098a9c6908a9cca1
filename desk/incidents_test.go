package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// reported opens a ticket from a customer's mail and returns it with the
// notice its tier got.
func (f *fixture) reported(from, subject, body, id string) (*tickets.Ticket, *tickets.Outgoing) {
	f.t.Helper()
	oc := f.one(mail(from, subject, body, "Message-ID: <"+id+">"))
	if oc.Disposition != tickets.DispNewTicket {
		f.t.Fatalf("setup: %s's mail: %+v", from, oc)
	}
	tk := f.ticket(oc.Ticket)
	for _, n := range f.sent(mailNotice, "") {
		if n.TicketID == tk.ID {
			return tk, n
		}
	}
	f.t.Fatalf("setup: no notice of %s (outcome %+v)", tk.Ref, oc)
	return nil, nil
}

// eventsOf returns the ticket's audit events of kind.
func (f *fixture) eventsOf(ref, kind string) []tickets.Event {
	f.t.Helper()
	var out []tickets.Event
	for _, e := range f.events(ref) {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

const (
	hanakoFrom = "Hanako Yamada <hanako@customer.example>"
	taro       = "Taro Sato <taro@customer.example>"
)

// INC-1001 and INC-1002 were one outage, reported by two people. The agent
// folds INC-1002 into INC-1001: it closes as merged with no timer left, its
// mail goes to INC-1001 for the agents to read, its reporter is told once
// (in his language, naming INC-1001) and from then on his mail on either
// thread reaches INC-1001; the resolution of INC-1001 reaches both, each
// once.
func TestMerge_TheReporterIsToldOnceHisMailReachesTheSurvivorAndTheResolutionReachesBoth(t *testing.T) {
	f := newAgentFixture(t, nil)
	a, _ := f.reported(hanakoFrom, "Mail server down", "Outlook cannot reach the mail server since 9:00.", "h1@customer.example")
	b, nb := f.reported(taro, "メールサーバーに接続できません", "9時からメールが送受信できません。", "t1@customer.example")
	ackB := f.sent(mailAck, "taro@customer.example")[0]

	oc := f.one(agentMail("alice@example.com", nb, "#merge "+a.Ref+"\n\n同じ障害として "+a.Ref+" で対応しております。", "m1"))
	if !strings.Contains(oc.Reason, "#merge: merged into "+a.Ref) {
		t.Fatalf("merge: %+v", oc)
	}
	got := f.ticket(b.Ref)
	if got.Status != tickets.StatusClosed || got.ClosedReason != tickets.ClosedMerged || got.MergedInto != a.Ref || !got.NextTimerAt.IsZero() {
		t.Fatalf("%s after the merge: status %s reason %q into %q next timer %v", b.Ref, got.Status, got.ClosedReason, got.MergedInto, got.NextTimerAt)
	}
	told := f.sent(mailMerged, "taro@customer.example")
	if len(told) != 1 || told[0].TicketID != b.ID || !strings.Contains(told[0].Subject, "["+a.Ref+"]") ||
		!strings.Contains(told[0].Text, "受付番号 "+b.Ref) || !strings.Contains(told[0].Text, "今後は受付番号 "+a.Ref) ||
		!strings.Contains(told[0].Text, "同じ障害として") || told[0].InReplyTo != "t1@customer.example" {
		t.Fatalf("the reporter is told: %+v", told)
	}
	if tok, err := parseToken(tokenOfAddress(told[0].ReplyTo, "support@example.com"), testSecret); err != nil || tok.Ticket != a.ID || tok.Role != tokenCustomer {
		t.Fatalf("the reporter's Reply-To %q: %+v %v", told[0].ReplyTo, tok, err)
	}
	var copied bool
	for _, e := range f.entries(a.Ref) {
		copied = copied || e.From == "taro@customer.example" && e.Role == tickets.RoleParticipant && strings.Contains(e.Text, "送受信できません")
	}
	if !copied {
		t.Fatalf("%s's report is not on %s: %+v", b.Ref, a.Ref, f.entries(a.Ref))
	}
	if len(f.eventsOf(b.Ref, "ticket_merged")) != 1 || len(f.eventsOf(a.Ref, "ticket_merged_here")) != 1 {
		t.Fatal("the merge is not on both audit trails")
	}
	if c := f.sent(mailCopy, "l1@example.com"); len(c) == 0 || !strings.Contains(c[len(c)-1].Text, "#merge: merged into "+a.Ref) {
		t.Fatalf("the tier's copy: %+v", c)
	}

	// His reply to the old acknowledgement and to the merge notice: both on INC-1001.
	for i, m := range []*tickets.Outgoing{ackB, told[0]} {
		oc := f.one(mail(taro, "Re: "+m.Subject, "まだ繋がりません。", "Message-ID: <t"+string(rune('2'+i))+"@customer.example>", "In-Reply-To: <"+m.MessageID+">"))
		if oc.Ticket != a.Ref || oc.Disposition != tickets.DispAppended || !strings.Contains(oc.Reason, "forwarded to L1") {
			t.Fatalf("reply %d of the reporter: %+v", i+1, oc)
		}
	}
	if tk := f.ticket(b.Ref); tk.Status != tickets.StatusClosed {
		t.Fatalf("%s is %s after its reporter wrote", b.Ref, tk.Status)
	}

	_, na := f.latestNotice(a)
	f.one(agentMail("bob@example.com", na, "#resolve\nThe mail server is back.", "m2"))
	if r := f.sent(mailResolution, "hanako@customer.example"); len(r) != 1 {
		t.Fatalf("resolutions to the requester: %d", len(r))
	}
	r := f.sent(mailResolution, "taro@customer.example")
	if len(r) != 1 || !strings.Contains(r[0].Subject, "【対応完了】["+a.Ref+"]") || !strings.Contains(r[0].Text, "The mail server is back.") || r[0].TicketID != b.ID {
		t.Fatalf("resolutions to the merged ticket's reporter: %+v", r)
	}
	if ev := f.eventsOf(a.Ref, "reporters_told"); len(ev) != 1 {
		t.Fatalf("reporters_told events: %+v", ev)
	}
}

// latestNotice is the last notice of t to its tier's first address.
func (f *fixture) latestNotice(t *tickets.Ticket) (*tickets.Ticket, *tickets.Outgoing) {
	f.t.Helper()
	var last *tickets.Outgoing
	for _, n := range f.sent(mailNotice, "") {
		if n.TicketID == t.ID {
			last = n
		}
	}
	if last == nil {
		f.t.Fatalf("no notice of %s", t.Ref)
	}
	return f.ticket(t.Ref), last
}

// After a merge, the merged ticket's agent tokens and Message-IDs act on
// the survivor: an agent answering in the old thread works the ticket
// that lives on.
func TestMerge_TheMergedTicketsAgentTokensActOnTheSurvivor(t *testing.T) {
	f := newAgentFixture(t, nil)
	a, _ := f.reported(hanakoFrom, "VPN drops", "The VPN drops every few minutes.", "h1@customer.example")
	b, nb := f.reported(taro, "VPN disconnects", "My VPN disconnects all the time.", "t1@customer.example")
	if _, err := f.desk.Act(context.Background(), b.Ref, Action{Actor: "admin", Commands: []string{"merge " + a.Ref}}); err != nil {
		t.Fatal(err)
	}
	oc := f.one(agentMail("alice@example.com", nb, "#priority P2\n#note\nThe VPN concentrator is overloaded.", "m3"))
	if oc.Ticket != a.Ref || f.ticket(a.Ref).Priority != "P2" || f.ticket(b.Ref).Priority == "P2" {
		t.Fatalf("an agent in %s's old thread: %+v; %s is %s", b.Ref, oc, a.Ref, f.ticket(a.Ref).Priority)
	}
}

// A merge that makes no sense is refused as a whole, with the reason in
// the agent's error mail: into itself, into a ticket that does not exist,
// is closed or resolved, was merged elsewhere (or into this one: a cycle),
// or is with another tier.
func TestMerge_RefusedWithAClearErrorMail(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.AgentErrorLimit = 20 })
	ctx := context.Background()
	open, _ := f.reported(hanakoFrom, "Printer jams", "The printer on 3F jams.", "h1@customer.example")
	src, n := f.reported(taro, "Printer jam", "Paper jam on 3F.", "t1@customer.example")
	closed, _ := f.reported("ken@customer.example", "Old printer issue", "Fixed long ago.", "k1@customer.example")
	resolved, _ := f.reported("yuki@customer.example", "Toner", "Toner is low.", "y1@customer.example")
	merged, _ := f.reported("jiro@customer.example", "Printer again", "The printer jams again.", "j1@customer.example")
	l2, _ := f.reported("saburo@customer.example", "Printer driver", "The driver crashes.", "s1@customer.example")
	for _, step := range []Action{
		{Actor: "admin", Commands: []string{"close"}},
		{Actor: "admin", Commands: []string{"resolve"}, Text: "Replaced the toner."},
		{Actor: "admin", Commands: []string{"merge " + src.Ref}},
		{Actor: "admin", Commands: []string{"escalate"}},
	} {
		ref := map[string]string{"close": closed.Ref, "resolve": resolved.Ref, "merge " + src.Ref: merged.Ref, "escalate": l2.Ref}[step.Commands[0]]
		if _, err := f.desk.Act(ctx, ref, step); err != nil {
			t.Fatalf("setup %v on %s: %v", step.Commands, ref, err)
		}
	}
	other, _ := f.reported("aki@customer.example", "Scanner", "The scanner is slow.", "a1@customer.example")
	if _, err := f.desk.Act(ctx, other.Ref, Action{Actor: "admin", Commands: []string{"merge " + open.Ref}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ arg, want string }{
		{src.Ref, "cannot be merged into itself"},
		{"INC-9999", "there is no ticket INC-9999"},
		{closed.Ref, closed.Ref + " is closed: nothing is merged into a ticket that is done; relate the two with #link " + closed.Ref},
		{resolved.Ref, resolved.Ref + " is resolved"},
		{merged.Ref, merged.Ref + " was merged into " + src.Ref + ": merging " + src.Ref + " into it would make a cycle"},
		{other.Ref, other.Ref + " was merged into " + open.Ref + ": merge into " + open.Ref},
		{l2.Ref, l2.Ref + " is with L2, not with your tier L1"},
	}
	for i, c := range cases {
		before := len(f.sent(mailCommandError, "alice@example.com"))
		oc := f.one(agentMail("alice@example.com", n, "#merge "+c.arg, "bad"+string(rune('a'+i))))
		errs := f.sent(mailCommandError, "alice@example.com")
		if len(errs) != before+1 || !strings.Contains(flatText(errs[len(errs)-1].Text), c.want) {
			t.Errorf("#merge %s: error mails %d, want %q in:\n%s", c.arg, len(errs)-before, c.want, errs[len(errs)-1].Text)
		}
		if got := f.ticket(src.Ref); got.Status == tickets.StatusClosed || oc.Status == tickets.StatusClosed {
			t.Fatalf("#merge %s was done: %+v", c.arg, oc)
		}
	}
	// From the terminal the same checks answer with an error.
	var ae *ActionError
	if _, err := f.desk.Act(ctx, src.Ref, Action{Actor: "admin", Commands: []string{"merge " + closed.Ref}}); !errors.As(err, &ae) ||
		!strings.Contains(err.Error(), "is closed") {
		t.Fatalf("the terminal's merge into a closed ticket: %v", err)
	}
}

// flatText joins wrapped lines, so a test does not depend on where a
// sentence wraps.
func flatText(s string) string { return strings.Join(strings.Fields(s), " ") }

// #link relates two tickets both ways without merging either, and the
// tier's copy says so.
func TestLink_RelatesBothWaysWithoutMerging(t *testing.T) {
	f := newAgentFixture(t, nil)
	a, _ := f.reported(hanakoFrom, "VPN slow", "The VPN is slow.", "h1@customer.example")
	b, nb := f.reported(taro, "Wi-Fi drops on 5F", "The Wi-Fi drops.", "t1@customer.example")
	oc := f.one(agentMail("alice@example.com", nb, "#link "+a.Ref+"\nLooking into it; it may be the same switch.", "l1"))
	if !strings.Contains(oc.Reason, "#link: related to "+a.Ref) || oc.Status != tickets.StatusInProgress {
		t.Fatalf("#link: %+v", oc)
	}
	if len(f.sent(mailRelay, "taro@customer.example")) != 1 {
		t.Fatal("the text below #link did not reach the customer")
	}
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		for _, c := range []struct{ tk, other *tickets.Ticket }{{a, b}, {b, a}} {
			r, err := tx.Relations(c.tk)
			if err != nil {
				return err
			}
			if len(r.Linked) != 1 || r.Linked[0].Ref != c.other.Ref {
				t.Errorf("relations of %s: %+v", c.tk.Ref, r.Linked)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range []*tickets.Ticket{a, b} {
		if got := f.ticket(tk.Ref); got.Status == tickets.StatusClosed || got.MergedInto != "" {
			t.Fatalf("%s after #link: %+v", tk.Ref, got)
		}
	}
}

// A reporter of a merged ticket who is also on Cc of the surviving
// ticket's mails (a participant there) gets its resolution once: on Cc of
// the requester's, not a second one of their own.
func TestMerge_AReporterWhoIsAParticipantOfTheSurvivorGetsOneResolution(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail(hanakoFrom, "Mail server down", "Outlook cannot reach the mail server since 9:00.", "Message-ID: <h1@customer.example>", "Cc: taro@customer.example"))
	a := f.ticket(oc.Ticket)
	_, nb := f.reported(taro, "メールサーバーに接続できません", "9時からメールが送受信できません。", "t1@customer.example")
	f.one(agentMail("alice@example.com", nb, "#merge "+a.Ref, "m1"))

	_, na := f.latestNotice(a)
	f.one(agentMail("bob@example.com", na, "#resolve\nThe mail server is back.", "m2"))
	var toTaro int
	for _, o := range f.sent(mailResolution, "") {
		if strings.EqualFold(o.To, "taro@customer.example") || strings.Contains(strings.ToLower(strings.Join(o.Cc, ",")), "taro@customer.example") {
			toTaro++
		}
	}
	if toTaro != 1 {
		t.Fatalf("%d resolution mails reach taro, want 1: %+v", toTaro, f.sent(mailResolution, ""))
	}
}
