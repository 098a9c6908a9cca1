package agentstest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The SLA timers of issue 12: a backlog of tickets whose timers have all
// fired never keeps a new ticket's reminder and breach from their
// instants, and the reminders and breaches of one run come to an address
// as one digest, while each ticket moved on still reaches its new tier as
// a notice of its own.
//
// 501 questions reach L1 (escalate_after 0s: only breaches move them);
// 25 hours later one run breaches both targets of each: L1 gets one
// digest (respond breaches, moved to L2), L2 the 501 notices and one
// digest (resolve breaches, on the last tier). Those tickets then wait
// with no timer left. A question a day later is reminded at 75% of its
// respond target and breached at 100%, behind them.
func TimersNeverStarveAndComeAsOneDigest(t *testing.T, start Start) {
	const stale = 501 // one more than the old code's batch
	d := open(t, start, "0s", "")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var mails []string
	for i := range stale {
		mails = append(mails, customerMail(fmt.Sprintf("user%03d@customer.example", i), "support@example.com",
			fmt.Sprintf("Scanner %03d does not send mail", i), fmt.Sprintf("s%03d@customer.example", i), "The scanner does not send mail since Monday."))
	}
	d.deliver(mails...)
	d.run(at(t0, 0))
	if sent := d.sent(); len(sent.to("l1@example.com")) != stale {
		t.Fatalf("%d notices to L1, want %d", len(sent.to("l1@example.com")), stale)
	}

	d.run(at(t0, 25*time.Hour))
	sent := d.sent()
	l1, l2 := sent.to("l1@example.com"), sent.to("l2@example.com")
	if len(l1) != 1 || len(l2) != stale+1 || len(sent) != stale+2 {
		t.Fatalf("after 25h: %d mails to L1 (want one digest), %d to L2 (want %d notices and one digest), %d in all", len(l1), len(l2), stale, len(sent))
	}
	digest := l1[0]
	if !strings.Contains(digest.Subject, fmt.Sprintf("SLA digest: %d targets", stale)) || digest.AutoSubmitted != "auto-generated" ||
		digest.replyTo(t) != "l1@example.com" || strings.Contains(digest.raw, "support+") {
		t.Fatalf("digest to L1 %q, Reply-To %v:\n%s", digest.Subject, digest.ReplyTo, digest.Text)
	}
	refs := d.refs()
	for _, ref := range refs {
		if !strings.Contains(digest.Text, "["+ref+"] P3") {
			t.Fatalf("the digest to L1 does not list %s:\n%s", ref, digest.Text)
		}
	}
	if !strings.Contains(digest.Text, "Scanner 042 does not send mail") || !strings.Contains(digest.Text, "First response due 2026-12-01 13:00 UTC: overdue, moved to L2") {
		t.Fatalf("the digest to L1 does not say what happened:\n%s", digest.Text)
	}
	var l2Digest sentMail
	notices := 0
	for _, m := range l2 {
		switch {
		case strings.Contains(m.Subject, "SLA digest"):
			l2Digest = m
		case strings.Contains(m.Subject, "Escalated to L2"):
			notices++
		}
	}
	if notices != stale || l2Digest.Message == nil || !strings.Contains(l2Digest.Text, "Resolution due 2026-12-02 09:00 UTC: overdue, stays with L2") {
		t.Fatalf("to L2: %d notices, digest:\n%v", notices, l2Digest.Message)
	}
	if tk := d.ticket(refs[0]); tk.Tier != "L2" || len(tk.Breaches) != 2 {
		t.Fatalf("a stale ticket: tier %s, breaches %+v", tk.Tier, tk.Breaches)
	}

	// A new question a day later, behind 501 tickets with no timer left.
	t1 := t0.Add(26 * time.Hour)
	d.deliver(customerMail("Hanako Yamada <hanako@customer.example>", "support@example.com", "Printer on 3F prints blank pages", "new@customer.example",
		"The printer on the third floor prints only blank pages."))
	d.run(at(t1, 0))
	sent = d.sent()
	if len(sent) != 2 || len(sent.to(hanako)) != 1 || len(sent.to("l1@example.com")) != 1 {
		t.Fatalf("the new question: sent:%s", sent)
	}
	ref := d.refs()[stale]
	d.run(at(t1, 2*time.Hour+59*time.Minute))
	d.noMail("before 75% of the new ticket's respond target")
	d.run(at(t1, 3*time.Hour))
	sent = d.sent()
	if rem := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(rem.Subject, "["+ref+"]") || !strings.Contains(rem.Subject, "First response due soon") {
		t.Fatalf("the new ticket's reminder at 75%% (sent:%s)", sent)
	}
	d.run(at(t1, 4*time.Hour))
	sent = d.sent()
	if b := sent.one(t, "l1@example.com"); len(sent) != 2 || !strings.Contains(b.Subject, "First response overdue") || len(sent.to("l2@example.com")) != 1 {
		t.Fatalf("the new ticket's breach at its target (sent:%s)", sent)
	}
	if tk := d.ticket(ref); tk.Tier != "L2" || len(tk.Breaches) != 1 || !tk.Breaches[0].At.Equal(t1.Add(4*time.Hour)) {
		t.Fatalf("the new ticket after its breach: tier %s, breaches %+v", tk.Tier, tk.Breaches)
	}
	d.run(at(t1, 5*time.Hour))
	d.noMail("an hour after the breach")
}

// Mail to a tier's address that bounces is told to the next tier once,
// however often it bounces, and each bounce shows on its ticket in
// `tickets show` (text and JSON).
func TierAddressBounceIsToldOnceAndShownOnTheTicket(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")
	d.deliver(bounce(notice.MessageID, "l1@example.com"))
	d.run("")
	sent := d.sent()
	report := sent.one(t, "l2@example.com")
	if len(sent) != 1 || !strings.Contains(report.Subject, "L1 does not receive mail") || !strings.Contains(report.Text, "l1@example.com") ||
		!strings.Contains(report.Text, ref) || report.replyTo(t) != "l2@example.com" {
		t.Fatalf("the report to L2 (sent:%s) %q:\n%s", sent, report.Subject, report.Text)
	}
	if in := d.inbound("bounce-" + notice.MessageID); in.Disposition != "bounce" || in.Ticket != ref || !strings.Contains(in.Reason, "told L2") {
		t.Fatalf("the bounce's record: %+v", in)
	}
	var view struct {
		Bounces []struct{ Mail, To, Action, Status string }
	}
	if err := json.Unmarshal([]byte(d.cli("tickets", "show", ref, "--json")), &view); err != nil {
		t.Fatal(err)
	}
	if len(view.Bounces) != 1 || view.Bounces[0].Mail != "notice" || view.Bounces[0].To != "l1@example.com" || view.Bounces[0].Status != "5.1.1" {
		t.Fatalf("tickets show --json: bounces %+v", view.Bounces)
	}
	if text := d.cli("tickets", "show", ref); !strings.Contains(text, "undeliverable: notice mail to l1@example.com bounced (failed 5.1.1)") {
		t.Fatalf("tickets show:\n%s", text)
	}

	// The customer's reply is forwarded to L1 and bounces too: on the
	// ticket, not told again.
	d.deliver(customerMail("Hanako Yamada <hanako@customer.example>", "support@example.com", "Re: Printer on 3F prints blank pages", "q2@customer.example",
		"It still prints blank pages.", "In-Reply-To: <q1@customer.example>"))
	d.run("")
	fwd := d.sent().one(t, "l1@example.com")
	d.deliver(bounce(fwd.MessageID, "l1@example.com"))
	d.run("")
	d.noMail("a second bounce of L1's address")
	if err := json.Unmarshal([]byte(d.cli("tickets", "show", ref, "--json")), &view); err != nil {
		t.Fatal(err)
	}
	if len(view.Bounces) != 2 || view.Bounces[1].Mail != "forward" {
		t.Fatalf("tickets show --json after the second bounce: %+v", view.Bounces)
	}
}
