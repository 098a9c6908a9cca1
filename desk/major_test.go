package desk

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// declareMajor makes t a major incident by an agent's reply to its notice.
func (f *fixture) declareMajor(t *tickets.Ticket, n *tickets.Outgoing) {
	f.t.Helper()
	oc := f.one(agentMail("alice@example.com", n, "#major\n#take", "major-"+t.Ref))
	if !strings.Contains(oc.Reason, "#major: new mails about the same incident attach to "+t.Ref) {
		f.t.Fatalf("#major: %+v", oc)
	}
}

// A major incident: three later reports of the outage (in other words, in
// Japanese under an English subject, a colleague's "RE:") attach to it, each reporter acknowledged with its
// reference and not noticed to the tier one by one; an unrelated mail
// opens its own ticket as ever. The tier hears of the three in one list
// at the next tick, and one #resolve tells the requester and every
// reporter, each once.
func TestMajor_LaterReportsAttachUnrelatedMailDoesNotAndOneResolveTellsAll(t *testing.T) {
	f := newAgentFixture(t, nil)
	m, n := f.reported(hanako, "Mail server down", "Outlook cannot connect to the mail server since 9:00.", "h1@customer.example")
	f.declareMajor(m, n)
	noticesBefore := len(f.sent(mailNotice, ""))

	reports := []struct{ from, subject, body, addr string }{
		{taro, "Cannot reach the mail server", "My mail does not go out.", "taro@customer.example"},
		{"Ken Ito <ken@customer.example>", "Mail server not responding", "先ほどからメールが送れません。", "ken@customer.example"},
		{"Yuki Mori <yuki@customer.example>", "RE: Mail server down", "Same here on 5F.", "yuki@customer.example"},
	}
	for i, r := range reports {
		oc := f.one(mail(r.from, r.subject, r.body, fmt.Sprintf("Message-ID: <r%d@customer.example>", i)))
		if oc.Disposition != tickets.DispNewTicket || !strings.Contains(oc.Reason, "attached to major incident "+m.Ref) {
			t.Fatalf("report %d: %+v", i+1, oc)
		}
		got := f.ticket(oc.Ticket)
		if got.Status != tickets.StatusClosed || got.ClosedReason != tickets.ClosedAttached || got.MergedInto != m.Ref {
			t.Fatalf("report %d's ticket: %+v", i+1, got)
		}
		ack := f.sent(mailAck, r.addr)
		if len(ack) != 1 || !strings.Contains(ack[0].Subject, "["+m.Ref+"]") || !strings.Contains(ack[0].Text, m.Ref) {
			t.Fatalf("report %d's acknowledgement: %+v", i+1, ack)
		}
	}
	if ja := f.sent(mailAck, "ken@customer.example")[0]; !strings.Contains(ja.Subject, "【受付完了】") || !strings.Contains(ja.Text, "受付番号："+m.Ref) {
		t.Fatalf("the Japanese reporter's acknowledgement:\n%s\n%s", ja.Subject, ja.Text)
	}
	unrelated := f.one(mail("Aki Sato <aki@customer.example>", "Printer on 3F prints blank pages", "The printer prints only blank pages.", "Message-ID: <u1@customer.example>"))
	if strings.Contains(unrelated.Reason, "attached") || f.ticket(unrelated.Ticket).Status != tickets.StatusEscalated {
		t.Fatalf("the unrelated mail: %+v", unrelated)
	}
	if got := len(f.sent(mailNotice, "")); got != noticesBefore+1 {
		t.Fatalf("%d notices since #major, want only the unrelated ticket's", got-noticesBefore)
	}

	res, err := f.desk.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lists := f.sent(mailMajorReports, "l1@example.com")
	if res.MajorReports != 1 || len(lists) != 1 || !strings.Contains(lists[0].Subject, "3 new reports") ||
		!strings.Contains(lists[0].Text, "taro@customer.example") || !strings.Contains(lists[0].Text, "ken@customer.example") {
		t.Fatalf("the tier's list (tick %+v): %+v", res, lists)
	}
	if tok, err := parseToken(tokenOfAddress(lists[0].ReplyTo, "support@example.com"), testSecret); err != nil || tok.Ticket != m.ID || tok.Role != tokenAgent {
		t.Fatalf("the list's Reply-To %q does not act on %s: %+v %v", lists[0].ReplyTo, m.Ref, tok, err)
	}
	if _, err := f.desk.Tick(context.Background()); err != nil || len(f.sent(mailMajorReports, "")) != 1 {
		t.Fatalf("a second tick lists the reports again: %v", err)
	}

	// One #resolve, from the list's thread, tells everybody once.
	f.one(agentMail("alice@example.com", lists[0], "#resolve\nThe mail server is back since 10:40.", "res"))
	for _, addr := range []string{"hanako@customer.example", "taro@customer.example", "ken@customer.example", "yuki@customer.example"} {
		if r := f.sent(mailResolution, addr); len(r) != 1 || !strings.Contains(r[0].Subject, "["+m.Ref+"]") || !strings.Contains(r[0].Text, "back since 10:40") {
			t.Errorf("resolution to %s: %+v", addr, r)
		}
	}
	if len(f.sent(mailResolution, "aki@customer.example")) != 0 {
		t.Error("the unrelated reporter was told of the major incident's resolution")
	}
	if later := f.one(mail("jo@customer.example", "Mail server down", "Is it down?", "Message-ID: <late@customer.example>")); strings.Contains(later.Reason, "attached") {
		t.Fatalf("a mail after the resolution attached to the resolved major incident: %+v", later)
	}
}

// A monitoring storm: 200 alerts of the same incident attach, none is
// answered (a machine sent it), and the tier gets one list, not 200
// notices.
func TestMajor_AStormOfTwoHundredAlertsMakesOneMailToTheTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	alert := func(i int) string {
		return mail("alertmanager@monitoring.example", "[FIRING:1] HighErrorRate api-gateway prod",
			fmt.Sprintf("alertname=HighErrorRate service=api-gateway env=prod severity=critical\nerror rate %d.%d%% over 5m\nstarted 2026-11-25 09:%02d:00 JST", 10+i%7, i%10, i%60),
			fmt.Sprintf("Message-ID: <alert%d@monitoring.example>", i), "Auto-Submitted: auto-generated")
	}
	first := f.one(alert(0))
	m := f.ticket(first.Ticket)
	if _, err := f.desk.Act(context.Background(), m.Ref, Action{Actor: "admin", Commands: []string{"major"}}); err != nil {
		t.Fatal(err)
	}
	// The first alert reaches its tier (a monitoring alert is noticed at
	// the tick).
	if _, err := f.desk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := len(f.outgoing())
	raws := make([]string, 200)
	for i := range raws {
		raws[i] = alert(i + 1)
	}
	for _, oc := range f.deliver(raws...) {
		if oc.Disposition != tickets.DispAutomatic || !strings.Contains(oc.Reason, "attached to major incident "+m.Ref) {
			t.Fatalf("an alert: %+v", oc)
		}
	}
	if got := len(f.outgoing()) - before; got != 0 {
		t.Fatalf("%d mails queued for 200 alerts, want none before the tick", got)
	}
	if _, err := f.desk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	lists := f.sent(mailMajorReports, "l1@example.com")
	if len(lists) != 1 || !strings.Contains(lists[0].Subject, "200 new reports") || !strings.Contains(lists[0].Text, "and 180 more") {
		t.Fatalf("lists to the tier: %d %+v", len(lists), lists)
	}
	if got := len(f.outgoing()) - before; got != 1 {
		t.Fatalf("%d mails for 200 alerts, want the one list", got)
	}
	if _, err := f.desk.Act(context.Background(), m.Ref, Action{Actor: "admin", Commands: []string{"resolve"}, Text: "Fixed."}); err != nil {
		t.Fatal(err)
	}
	// The ticket's own requester gets its resolution as on any ticket; the
	// 200 alerts attached to it are no person's reports.
	if n := len(f.sent(mailResolution, "alertmanager@monitoring.example")); n != 1 {
		t.Fatalf("%d resolution mails to the monitoring system, want the requester's one", n)
	}
}

// The window: a report after desk.major_window, or after #major off,
// opens a ticket of its own; #major on a service request and #major off
// on no major incident are refused.
func TestMajor_TheWindowEndsAfterItsTimeOrOffAndOnlyAnIncidentIsOne(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.MajorWindow = time.Hour })
	ctx := context.Background()
	m, n := f.reported(hanako, "Mail server down", "Outlook cannot connect to the mail server.", "h1@customer.example")
	f.declareMajor(m, n)
	f.now = f.now.Add(61 * time.Minute)
	if oc := f.one(mail(taro, "Mail server down", "Down for me too.", "Message-ID: <t1@customer.example>")); strings.Contains(oc.Reason, "attached") {
		t.Fatalf("a report after the window attached: %+v", oc)
	}
	if _, err := f.desk.Act(ctx, m.Ref, Action{Actor: "admin", Commands: []string{"major off"}}); err == nil || !strings.Contains(err.Error(), "new mails do not attach to "+m.Ref) {
		t.Fatalf("#major off after the window: %v", err)
	}
	if _, err := f.desk.Act(ctx, m.Ref, Action{Actor: "admin", Commands: []string{"major"}}); err != nil {
		t.Fatal(err)
	}
	if oc, err := f.desk.Act(ctx, m.Ref, Action{Actor: "admin", Commands: []string{"major off"}}); err != nil || !strings.Contains(oc.Reason, "#major off") {
		t.Fatalf("#major off: %+v %v", oc, err)
	}
	if oc := f.one(mail("ken@customer.example", "Mail server down", "Down here.", "Message-ID: <k1@customer.example>")); strings.Contains(oc.Reason, "attached") {
		t.Fatalf("a report after #major off attached: %+v", oc)
	}
	req, _ := f.reported("yuki@customer.example", "Please create a mail account for our new hire", "Please create an account.", "y1@customer.example")
	if req.Type != tickets.ServiceRequest {
		t.Fatalf("setup: %s is %s", req.Ref, req.Type)
	}
	if _, err := f.desk.Act(ctx, req.Ref, Action{Actor: "admin", Commands: []string{"major"}}); err == nil || !strings.Contains(err.Error(), "only an incident can be a major incident") {
		t.Fatalf("#major on a request: %v", err)
	}
	if _, err := f.desk.Act(ctx, m.Ref, Action{Actor: "admin", Commands: []string{"major", "resolve"}}); err == nil || !strings.Contains(err.Error(), "contradict") {
		t.Fatalf("#major with #resolve: %v", err)
	}
}
