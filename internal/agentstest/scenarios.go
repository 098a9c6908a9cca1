package agentstest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A question no FAQ entry answers reaches L1 as a notice; an agent's reply
// from a mail client reaches the customer without its quote and signature;
// the customer's answer comes back to the tier; a #note stays inside;
// #answer sends an FAQ entry and keeps the customer's wording as its
// pending paraphrase; #resolve sends the resolution, and silence closes.
func FromQuestionToClosedTicket(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")

	// The notice: from the support address, a signed Reply-To whose token
	// the Message-ID carries too, the customer's words and file.
	tok := notice.token(t)
	if notice.From != "support@example.com" || !strings.Contains(notice.MessageID, "tk-"+tok) || notice.AutoSubmitted != "auto-generated" {
		t.Fatalf("notice from %q, Message-ID %q, Auto-Submitted %q; want the token %s in the Message-ID", notice.From, notice.MessageID, notice.AutoSubmitted, tok)
	}
	if !strings.Contains(notice.Subject, "["+ref+"]") || !strings.Contains(notice.Subject, "Escalated to L1") ||
		!strings.Contains(notice.Text, "prints only blank pages") || !strings.Contains(notice.Text, "#answer KEY") {
		t.Fatalf("notice %q:\n%s", notice.Subject, notice.Text)
	}
	if len(notice.Attachments) != 1 || notice.Attachments[0].Filename != "test-page.txt" || !strings.Contains(string(notice.Attachments[0].Data), "toner 80%") {
		t.Fatalf("notice attachments %+v", notice.Attachments)
	}
	if tk := d.ticket(ref); tk.Status != "escalated" || tk.Tier != "L1" || tk.RespondDueAt.IsZero() || !tk.FirstResponseAt.IsZero() {
		t.Fatalf("after the notice: %+v", tk)
	}

	// Alice answers from her mail client: signature and quote go, the rest
	// goes to Hanako in her thread, and L1 gets a copy. The mail arrives
	// twice (Alice had the support address on Cc as well): one relay.
	first := replyMail(t, "Alice Agent <alice@example.com>", notice, "a1@agents.example",
		"Please open the front cover and remove the orange transport tape.\n\n-- \nAlice, IT desk\next. 1234\n\n"+
			"On Tue, 1 Dec 2026 at 09:01, Example Support wrote:\n> Ticket "+ref+" has been escalated to you.\n> The printer prints blank pages.")
	d.deliver(first, first)
	d.run("")
	sent := d.sent()
	relay, copyMail := sent.one(t, hanako), sent.one(t, "l1@example.com")
	if len(sent) != 2 {
		t.Fatalf("sent:%s; want the relay and the copy only", sent)
	}
	if !strings.Contains(relay.Text, "remove the orange transport tape") || strings.Contains(relay.Text, "Alice, IT desk") ||
		strings.Contains(relay.Text, "ext. 1234") || strings.Contains(relay.Text, "escalated to you") || strings.Contains(relay.Text, "\n>") {
		t.Fatalf("relayed text:\n%s", relay.Text)
	}
	ctok := relay.token(t)
	if relay.From != "support@example.com" || !strings.Contains(relay.Subject, "["+ref+"]") || strings.Join(relay.InReplyTo, " ") != "q1@customer.example" || ctok == tok {
		t.Fatalf("relay from %q subject %q in reply to %v with token %s (the agents' is %s)", relay.From, relay.Subject, relay.InReplyTo, ctok, tok)
	}
	if strings.Contains(relay.raw, tok) {
		t.Fatalf("the relay to the customer carries the agents' token:\n%s", relay.raw)
	}
	if !strings.Contains(copyMail.Text, "remove the orange transport tape") || !strings.Contains(copyMail.Text, "alice@example.com") {
		t.Fatalf("copy to L1:\n%s", copyMail.Text)
	}
	tk := d.ticket(ref)
	if tk.Status != "in_progress" || tk.FirstResponseAt.IsZero() || tk.entries("agent", "alice@example.com") != 1 {
		t.Fatalf("after Alice's answer: status %s, first response %v, %d agent entries from alice", tk.Status, tk.FirstResponseAt, tk.entries("agent", "alice@example.com"))
	}

	// Hanako answers the relay: L1 gets her words in the ticket's thread.
	d.deliver(replyMail(t, "Hanako Yamada <hanako@customer.example>", relay, "q2@customer.example",
		"I removed the tape, but the pages are still blank.\n\nOn Tue, Example Support wrote:\n> Please open the front cover",
		"References: <q1@customer.example> <"+relay.MessageID+">"))
	d.run("")
	sent = d.sent()
	fwd := sent.one(t, "l1@example.com")
	if len(sent) != 1 || !strings.Contains(fwd.Subject, "Customer replied") || !strings.Contains(fwd.Text, "the pages are still blank") ||
		strings.Contains(fwd.Text, "Please open the front cover") || fwd.replyTo(t) != notice.replyTo(t) {
		t.Fatalf("forward (sent:%s) %q, Reply-To %v:\n%s", sent, fwd.Subject, fwd.ReplyTo, fwd.Text)
	}

	// Bob's #note stays with the tier.
	d.deliver(replyMail(t, "bob@example.com", fwd, "b1@agents.example", "#note\nThe fuser unit is worn; a new one is ordered. Not for the customer yet."))
	d.run("")
	sent = d.sent()
	note := sent.one(t, "l1@example.com")
	if len(sent) != 1 || !strings.Contains(note.Text, "Internal note") || !strings.Contains(note.Text, "fuser unit is worn") {
		t.Fatalf("after #note (sent:%s):\n%s", sent, note.Text)
	}
	if tk := d.ticket(ref); tk.entries("internal_note", "bob@example.com") != 1 || tk.Status != "in_progress" {
		t.Fatalf("the note is not on the ticket: %+v", tk.Entries)
	}

	// #answer KEY sends the entry; Hanako's wording becomes its paraphrase.
	d.cli("faq", "add", "--key", "printer-blank", "--question", "Why does the printer print blank pages?",
		"--answer", "A worn fuser unit leaves pages blank; IT replaces it within one working day.", "--status", "published")
	d.deliver(replyMail(t, "alice@example.com", notice, "a2@agents.example", "#answer printer-blank"))
	d.run("")
	sent = d.sent()
	answer := sent.one(t, hanako)
	if len(sent) != 2 || !strings.Contains(answer.Text, "A worn fuser unit leaves pages blank") {
		t.Fatalf("#answer (sent:%s):\n%s", sent, answer.Text)
	}
	var faq struct {
		Paraphrases []struct{ Text, State string }
	}
	if err := json.Unmarshal([]byte(d.cli("faq", "show", "printer-blank", "--json")), &faq); err != nil {
		t.Fatal(err)
	}
	if len(faq.Paraphrases) != 1 || !strings.Contains(faq.Paraphrases[0].Text, "prints only blank pages") || faq.Paraphrases[0].State != "pending" {
		t.Fatalf("paraphrases of printer-blank: %+v, want the customer's wording, pending", faq.Paraphrases)
	}

	// #resolve with an explanation: the resolution mail carries it.
	d.deliver(replyMail(t, "alice@example.com", notice, "a3@agents.example", "#resolve\nThe fuser unit was replaced this morning; the printer works again."))
	d.run("")
	resolvedAt := time.Now()
	sent = d.sent()
	res := sent.one(t, hanako)
	if len(sent) != 2 || !strings.Contains(res.Subject, "Resolved") || !strings.Contains(res.Text, "The fuser unit was replaced this morning") ||
		!strings.Contains(res.Text, "within 3 days") {
		t.Fatalf("resolution (sent:%s) %q:\n%s", sent, res.Subject, res.Text)
	}
	if tk := d.ticket(ref); tk.Status != "resolved" {
		t.Fatalf("after #resolve: %s", tk.Status)
	}

	// Silence: still resolved within close_after, closed after it.
	d.run(resolvedAt.Add(71 * time.Hour).Format(time.RFC3339))
	if tk := d.ticket(ref); tk.Status != "resolved" {
		t.Fatalf("71h after the resolution: %s", tk.Status)
	}
	d.run(resolvedAt.Add(73 * time.Hour).Format(time.RFC3339))
	if tk := d.ticket(ref); tk.Status != "closed" {
		t.Fatalf("73h after the resolution: %s", tk.Status)
	}
	d.noMail("closing")
	if got := d.outboxKinds(); got["relay "+hanako] != 2 || got["resolution "+hanako] != 1 || got["copy l1@example.com"] != 4 || got["forward l1@example.com"] != 1 {
		t.Fatalf("outbox rows by kind: %v", got)
	}
}

// A forged agent reply never acts: a token with a From not on the tier's
// list (a stranger's, or an agent of another tier), a token of another
// ticket, a token whose HMAC does not verify, and a valid one with
// dmarc=fail from the trusted server. Each is recorded on the ticket with
// its reason; nothing is relayed and nobody, the forger least, is sent
// anything. An agent's From without a token claims nothing: on someone
// else's ticket it is a stranger's mail, recorded with the reason, and
// acts on nothing either. A genuine reply then acts (the refusals were for
// their reasons), and a stranger who writes into the customer's thread
// acts on nothing.
func ForgedAgentRepliesAndStrangersActOnNothing(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	d.deliver(question, customerMail("Taro Sato <taro@customer.example>", "support@example.com", "VPN drops every hour", "t1@customer.example",
		"My VPN connection drops every hour."))
	d.run("")
	refs := d.refs()
	sent := d.sent()
	if len(refs) != 2 || len(sent.to("l1@example.com")) != 2 {
		t.Fatalf("tickets %v, sent:%s; want two tickets noticed to L1", refs, sent)
	}
	refA, refB := refs[0], refs[1]
	var noticeA, noticeB sentMail
	for _, n := range sent.to("l1@example.com") {
		switch {
		case strings.Contains(n.Subject, "["+refA+"]"):
			noticeA = n
		case strings.Contains(n.Subject, "["+refB+"]"):
			noticeB = n
		}
	}
	if noticeA.Message == nil || noticeB.Message == nil {
		t.Fatalf("notices:%s; want one for %s and one for %s", sent, refA, refB)
	}
	tokA, tokB := noticeA.token(t), noticeB.token(t)
	tampered := []byte(tokA)
	tampered[len(tampered)/2] = map[bool]byte{true: 'b', false: 'a'}[tampered[len(tampered)/2] == 'a']

	forged := []struct {
		name, mail, why string
	}{
		{"agent's From without a token",
			customerMail("alice@example.com", "support@example.com", "Re: ["+refA+"] Printer on 3F prints blank pages", "f1@agents.example",
				"#resolve\nFixed it.", "In-Reply-To: <q1@customer.example>"),
			"carries no valid reply token"},
		{"token with a From not on the list",
			replyMail(t, "Mallory <mallory@evil.example>", noticeA, "f2@evil.example", "#resolve\nPlease send your password to mallory@evil.example."),
			"From mallory@evil.example is not on the agents list of tier L1"},
		{"token of L1 with the From of an L2 agent",
			replyMail(t, "carol@example.com", noticeA, "f3@agents.example", "Please restart the printer."),
			"From carol@example.com is not on the agents list of tier L1"},
		{"token of another ticket",
			customerMail("alice@example.com", "support+"+tokB+"@example.com", "Re: ["+refA+"] Printer on 3F prints blank pages", "f4@agents.example",
				"Please restart the printer.", "In-Reply-To: <q1@customer.example>"),
			"reply token is for another ticket than " + refA},
		{"token whose HMAC does not verify",
			customerMail("alice@example.com", "support+"+string(tampered)+"@example.com", "Re: ["+refA+"] Printer on 3F prints blank pages", "f5@agents.example",
				"Please restart the printer.", "In-Reply-To: <q1@customer.example>"),
			"reply token's HMAC does not verify"},
		{"dmarc=fail from the trusted server",
			replyMail(t, "alice@example.com", noticeA, "f6@agents.example", "Please restart the printer.",
				"Authentication-Results: mx.example.com; spf=softfail smtp.mailfrom=example.com; dmarc=fail (p=none) header.from=example.com"),
			"Authentication-Results of mx.example.com says dmarc=fail"},
	}
	var refusals []string // the reasons of the forgeries, in order
	for i, f := range forged {
		d.deliver(f.mail)
		d.run("")
		d.noMail(f.name)
		id := fmt.Sprintf("f%d@agents.example", i+1)
		if i == 1 {
			id = "f2@evil.example"
		}
		in := d.inbound(id)
		want := "forged agent reply refused"
		if i == 0 { // an agent's From without a token claims nothing: a stranger's mail
			want = "is a stranger to " + refA
		} else {
			refusals = append(refusals, f.why)
		}
		if in.Ticket != refA || !strings.Contains(in.Reason, want) || !strings.Contains(in.Reason, f.why) {
			t.Fatalf("%s: inbound %+v; want it on %s (%s) because %q", f.name, in, refA, want, f.why)
		}
		if tk := d.ticket(refA); tk.Status != "escalated" || !tk.FirstResponseAt.IsZero() || len(tk.events("forged_agent_reply")) != len(refusals) {
			t.Fatalf("%s: %s is %s, first response %v, %d forged replies recorded", f.name, refA, tk.Status, tk.FirstResponseAt, len(tk.events("forged_agent_reply")))
		}
	}
	tk := d.ticket(refA)
	if tk.entries("agent", "") != 0 || tk.entries("third_party", "") != len(forged) {
		t.Fatalf("%s entries: %d agent, %d third-party; want 0 and %d", refA, tk.entries("agent", ""), tk.entries("third_party", ""), len(forged))
	}
	for i, why := range tk.events("forged_agent_reply") {
		if !strings.Contains(why, refusals[i]) {
			t.Errorf("forged reply %d recorded as %s, want %q", i+1, why, refusals[i])
		}
	}
	if tb := d.ticket(refB); tb.Status != "escalated" || len(tb.Events) == 0 || len(tb.events("forged_agent_reply")) != 0 {
		t.Fatalf("%s was touched: %s, %d forged replies", refB, tb.Status, len(tb.events("forged_agent_reply")))
	}

	// The same reply, genuine: a dmarc=fail from a server we do not trust
	// counts for nothing, the trusted one says pass.
	d.deliver(replyMail(t, "alice@example.com", noticeA, "g1@agents.example", "Please restart the printer.",
		"Authentication-Results: relay.evil.example; dmarc=fail", "Authentication-Results: mx.example.com; dmarc=pass header.from=example.com"))
	d.run("")
	sent = d.sent()
	relay := sent.one(t, hanako)
	if len(sent) != 2 || !strings.Contains(relay.Text, "Please restart the printer.") || len(sent.to("l1@example.com")) != 1 {
		t.Fatalf("the genuine reply (sent:%s):\n%s", sent, relay.Text)
	}

	// A stranger writes into Hanako's thread, to her signed address, and
	// asks for the ticket to be closed: recorded, nothing done, nothing sent.
	d.deliver(replyMail(t, "mallory@evil.example", relay, "s1@evil.example", "#close\nThanks, it works now, please close the ticket."))
	d.run("")
	d.noMail("a stranger's reply")
	if in := d.inbound("s1@evil.example"); in.Ticket != refA || !strings.Contains(in.Reason, "stranger") {
		t.Fatalf("the stranger's mail: %+v", in)
	}
	if tk := d.ticket(refA); tk.Status != "in_progress" || tk.entries("third_party", "mallory@evil.example") != 2 {
		t.Fatalf("after the stranger: %s, %d third-party entries from mallory", tk.Status, tk.entries("third_party", "mallory@evil.example"))
	}
}

// at is t0 plus d, as `run --once --now` takes it.
func at(t0 time.Time, d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }

// The SLA clocks of a P3 (respond 4h, resolve 24h), around the clock: the
// tier is reminded at 75% of each target, once; at the target the breach
// is noticed, recorded and the ticket handed to L2, whose reminder and
// breach then go to L2; the last tier keeps it.
func SLAReminderBreachAndEscalationAtTheirInstants(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ref, notice := d.escalated(at(t0, 0))
	if tk := d.ticket(ref); tk.Priority != "P3" || !tk.RespondDueAt.Equal(t0.Add(4*time.Hour)) || !tk.ResolveDueAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("setup: %s, respond due %v, resolve due %v", tk.Priority, tk.RespondDueAt, tk.ResolveDueAt)
	}

	d.run(at(t0, 2*time.Hour+59*time.Minute))
	d.noMail("before 75% of the respond target")
	d.run(at(t0, 3*time.Hour))
	sent := d.sent()
	rem := sent.one(t, "l1@example.com")
	if len(sent) != 1 || !strings.Contains(rem.Subject, "First response due soon") || !strings.Contains(lf(rem.Text), "Time left:    1h\n") ||
		rem.replyTo(t) != notice.replyTo(t) {
		t.Fatalf("reminder at 75%% (sent:%s) %q:\n%s", sent, rem.Subject, rem.Text)
	}
	if tk := d.ticket(ref); !tk.RespondRemindedAt.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("respond_reminded_at %v", tk.RespondRemindedAt)
	}
	d.run(at(t0, 3*time.Hour+59*time.Minute))
	d.noMail("after the reminder, before the target")

	d.run(at(t0, 4*time.Hour))
	sent = d.sent()
	breach, l2 := sent.one(t, "l1@example.com"), sent.one(t, "l2@example.com")
	if len(sent) != 2 || !strings.Contains(breach.Subject, "First response overdue") || !strings.Contains(breach.Text, "escalated to L2") {
		t.Fatalf("breach (sent:%s) %q:\n%s", sent, breach.Subject, breach.Text)
	}
	if !strings.Contains(l2.Subject, "Escalated to L2") || !strings.Contains(l2.Text, "prints only blank pages") || l2.token(t) == notice.token(t) {
		t.Fatalf("notice to L2 %q (Reply-To %v):\n%s", l2.Subject, l2.ReplyTo, l2.Text)
	}
	tk := d.ticket(ref)
	if tk.Tier != "L2" || len(tk.Breaches) != 1 || tk.Breaches[0].Target != "respond" || !tk.Breaches[0].At.Equal(t0.Add(4*time.Hour)) {
		t.Fatalf("after the respond breach: tier %s, breaches %+v", tk.Tier, tk.Breaches)
	}
	d.run(at(t0, 5*time.Hour))
	d.noMail("an hour after the breach")

	// The resolve target, now with L2.
	d.run(at(t0, 17*time.Hour+59*time.Minute))
	d.noMail("before 75% of the resolve target")
	d.run(at(t0, 18*time.Hour))
	sent = d.sent()
	if rem := sent.one(t, "l2@example.com"); len(sent) != 1 || !strings.Contains(rem.Subject, "Resolution due soon") {
		t.Fatalf("resolve reminder (sent:%s)", sent)
	}
	d.run(at(t0, 24*time.Hour))
	sent = d.sent()
	if b := sent.one(t, "l2@example.com"); len(sent) != 1 || !strings.Contains(b.Subject, "Resolution overdue") || !strings.Contains(b.Text, "no further tier") {
		t.Fatalf("resolve breach on the last tier (sent:%s):\n%s", sent, b.Text)
	}
	if tk := d.ticket(ref); tk.Tier != "L2" || len(tk.Breaches) != 2 || tk.Breaches[1].Target != "resolve" || !tk.Breaches[1].At.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("after the resolve breach: tier %s, breaches %+v", tk.Tier, tk.Breaches)
	}
	d.run(at(t0, 48*time.Hour))
	d.noMail("a day after the last breach")
}

// A ticket no L1 agent answered within escalate_after (2h here) goes to
// L2 then; one an agent answered stays.
func UnansweredTicketMovesOnAfterEscalateAfter(t *testing.T, start Start) {
	d := open(t, start, "2h", "")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	d.deliver(question, customerMail("taro@customer.example", "support@example.com", "VPN drops every hour", "t1@customer.example", "My VPN connection drops every hour."))
	d.run(at(t0, 0))
	refs := d.refs()
	sent := d.sent()
	var noticeB sentMail
	for _, n := range sent.to("l1@example.com") {
		if strings.Contains(n.Subject, "["+refs[1]+"]") {
			noticeB = n
		}
	}
	if len(refs) != 2 || noticeB.Message == nil {
		t.Fatalf("tickets %v, sent:%s", refs, sent)
	}
	d.deliver(replyMail(t, "bob@example.com", noticeB, "b1@agents.example", "Which VPN client version do you use?"))
	d.run(at(t0, time.Hour))
	if sent := d.sent(); len(sent.to("taro@customer.example")) != 1 {
		t.Fatalf("Bob's answer was not relayed; sent:%s", sent)
	}
	d.run(at(t0, time.Hour+59*time.Minute))
	d.noMail("before escalate_after")
	d.run(at(t0, 2*time.Hour))
	sent = d.sent()
	l2 := sent.one(t, "l2@example.com")
	if len(sent) != 1 || !strings.Contains(l2.Subject, "["+refs[0]+"]") || !strings.Contains(l2.Text, "no agent answer within 2h in L1: handed to L2") {
		t.Fatalf("escalate_after (sent:%s):\n%s", sent, l2.Text)
	}
	if a, b := d.ticket(refs[0]), d.ticket(refs[1]); a.Tier != "L2" || len(a.Breaches) != 0 || b.Tier != "L1" || b.Status != "in_progress" {
		t.Fatalf("unanswered %s: tier %s, breaches %v; answered %s: tier %s, %s", a.Ref, a.Tier, a.Breaches, b.Ref, b.Tier, b.Status)
	}
}

// With business hours (Mon-Fri 09:00-18:00, Tokyo) and a holiday on
// Monday 7 December, a P3 opened on Friday at 17:00 has one business hour
// that day and three on Tuesday: reminded at 11:00 and breached at 12:00
// on Tuesday, with nothing over the weekend and the holiday.
func BusinessHoursAndHolidaysAreHonoured(t *testing.T, start Start) {
	d := open(t, start, "0s", `[sla.hours]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
from = "09:00"
to = "18:00"
time_zone = "Asia/Tokyo"
holidays = ["2026-12-07"]
`)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	jst := func(day, hour, min int) string {
		return time.Date(2026, 12, day, hour, min, 0, 0, tokyo).Format(time.RFC3339)
	}
	ref, _ := d.escalated(jst(4, 17, 0)) // Friday
	due := time.Date(2026, 12, 8, 12, 0, 0, 0, tokyo)
	if tk := d.ticket(ref); !tk.RespondDueAt.Equal(due) {
		t.Fatalf("respond due %v, want %v", tk.RespondDueAt.In(tokyo), due)
	}
	for _, now := range []string{jst(4, 23, 0), jst(5, 12, 0), jst(7, 11, 0), jst(7, 23, 59), jst(8, 10, 59)} {
		d.run(now)
		d.noMail("at " + now)
	}
	d.run(jst(8, 11, 0))
	sent := d.sent()
	if rem := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(rem.Subject, "First response due soon") ||
		!strings.Contains(rem.Text, "2026-12-08 12:00 JST") || !strings.Contains(lf(rem.Text), "Time left:    1h\n") {
		t.Fatalf("reminder on Tuesday 11:00 (sent:%s):\n%s", sent, rem.Text)
	}
	d.run(jst(8, 11, 59))
	d.noMail("Tuesday 11:59")
	d.run(jst(8, 12, 0))
	sent = d.sent()
	if len(sent) != 2 || !strings.Contains(sent.one(t, "l1@example.com").Subject, "First response overdue") || len(sent.to("l2@example.com")) != 1 {
		t.Fatalf("breach on Tuesday 12:00 (sent:%s)", sent)
	}
	if tk := d.ticket(ref); len(tk.Breaches) != 1 || !tk.Breaches[0].At.Equal(due) || tk.Tier != "L2" {
		t.Fatalf("breaches %+v, tier %s", tk.Breaches, tk.Tier)
	}
}

// #hold pauses the clocks: nothing fires while the ticket waits for the
// customer, whose reply takes it off hold; the resolve target then moves
// by the 29 hours on hold.
func OnHoldPausesTheClocksUntilTheCustomerReplies(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ref, notice := d.escalated(at(t0, 0))
	d.deliver(replyMail(t, "alice@example.com", notice, "a1@agents.example", "#hold\nCould you tell me the printer's asset number? It is on a sticker at the back."))
	d.run(at(t0, time.Hour))
	sent := d.sent()
	relay := sent.one(t, hanako)
	if len(sent) != 2 || !strings.Contains(relay.Text, "asset number") {
		t.Fatalf("#hold with a question (sent:%s):\n%s", sent, relay.Text)
	}
	if tk := d.ticket(ref); tk.Status != "on_hold" || !tk.FirstResponseAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after #hold: %s, first response %v", tk.Status, tk.FirstResponseAt)
	}
	// Past the resolve reminder (18h) and target (24h) of a running clock.
	for _, h := range []time.Duration{18, 24, 29} {
		d.run(at(t0, h*time.Hour))
		d.noMail(fmt.Sprintf("on hold, at %dh", h))
	}
	if tk := d.ticket(ref); tk.Status != "on_hold" || len(tk.Breaches) != 0 || !tk.ResolveRemindedAt.IsZero() {
		t.Fatalf("on hold at 29h: %s, breaches %v, reminded %v", tk.Status, tk.Breaches, tk.ResolveRemindedAt)
	}

	d.deliver(replyMail(t, "hanako@customer.example", relay, "q2@customer.example", "The asset number is PR-3F-0042."))
	d.run(at(t0, 30*time.Hour))
	sent = d.sent()
	if fwd := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(fwd.Text, "PR-3F-0042") {
		t.Fatalf("the customer's reply (sent:%s)", sent)
	}
	tk := d.ticket(ref)
	if tk.Status != "in_progress" || !tk.ResolveDueAt.Equal(t0.Add(53*time.Hour)) {
		t.Fatalf("off hold: %s, resolve due %v, want %v", tk.Status, tk.ResolveDueAt, t0.Add(53*time.Hour))
	}
	d.run(at(t0, 46*time.Hour+59*time.Minute))
	d.noMail("before 75% of the moved resolve target")
	d.run(at(t0, 47*time.Hour))
	sent = d.sent()
	if rem := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(rem.Subject, "Resolution due soon") {
		t.Fatalf("resolve reminder at 47h (sent:%s)", sent)
	}
	d.run(at(t0, 52*time.Hour+59*time.Minute))
	d.noMail("before the moved resolve target")
	d.run(at(t0, 53*time.Hour))
	sent = d.sent()
	if len(sent) != 2 || !strings.Contains(sent.one(t, "l1@example.com").Subject, "Resolution overdue") || len(sent.to("l2@example.com")) != 1 {
		t.Fatalf("resolve breach at 53h (sent:%s)", sent)
	}
	if tk := d.ticket(ref); len(tk.Breaches) != 1 || tk.Breaches[0].Target != "resolve" || !tk.Breaches[0].At.Equal(t0.Add(53*time.Hour)) {
		t.Fatalf("breaches %+v", tk.Breaches)
	}
}

// Agents answer from the mail clients they have: one that replies to From
// and keeps the token only in In-Reply-To (Outlook's quote block below),
// one that keeps only References, an HTML-only one with a blockquote, one
// with a file attached, and a Japanese input method's full-width "＃".
// Each acts; out-of-office replies do not; a reply with a bad command does
// nothing but tell its agent, in an automatic mail.
func RepliesFromDifferentMailClients(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")
	subject := "Re: " + notice.Subject
	relayed := func(name, want string, notWant ...string) sentMail {
		t.Helper()
		d.run("")
		sent := d.sent()
		r := sent.one(t, hanako)
		if len(sent) != 2 || len(sent.to("l1@example.com")) != 1 || !strings.Contains(r.Text, want) {
			t.Fatalf("%s: want a relay with %q and a copy to L1; sent:%s\n%s", name, want, sent, r.Text)
		}
		for _, s := range notWant {
			if strings.Contains(r.Text, s) {
				t.Fatalf("%s: the relay holds %q:\n%s", name, s, r.Text)
			}
		}
		return r
	}

	d.deliver(customerMail("Alice <alice@example.com>", "Example Support <support@example.com>", subject, "c1@agents.example",
		"Is the printer's display showing an error code?\n\n-----Original Message-----\nFrom: Example Support <support@example.com>\nSent: Tuesday, December 1, 2026 9:01 AM\nTo: l1@example.com\nSubject: "+notice.Subject+"\n\nTicket "+ref+" has been escalated to you.",
		"In-Reply-To: <"+notice.MessageID+">"))
	relayed("reply to From, token in In-Reply-To", "error code", "Original Message", "escalated to you")

	d.deliver(customerMail("bob@example.com", "support@example.com", subject, "c2@agents.example", "Which tray do you print from?",
		"References: <"+strings.Join(notice.References, "> <")+"> <"+notice.MessageID+">"))
	relayed("token in References only", "Which tray")

	d.deliver(strings.Replace(customerMail("alice@example.com", notice.replyTo(t), subject, "c3@agents.example",
		`<html><body><div>Please print a <b>cleaning page</b> from the menu.</div><div>-- <br>Alice</div>`+
			`<blockquote type="cite">Ticket `+ref+` has been escalated to you.</blockquote></body></html>`,
		"In-Reply-To: <"+notice.MessageID+">"), "text/plain", "text/html", 1))
	relayed("HTML only", "cleaning page", "escalated to you", "Alice")

	d.deliver(crlf(`From: alice@example.com
To: ` + notice.replyTo(t) + `
Subject: ` + subject + `
Message-ID: <c4@agents.example>
In-Reply-To: <` + notice.MessageID + `>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain; charset=utf-8

The driver is attached; please install it.
--x
Content-Type: text/plain; name=driver-readme.txt
Content-Disposition: attachment; filename=driver-readme.txt

Run setup.exe as administrator.
--x--
`))
	r := relayed("with an attachment", "driver is attached")
	if len(r.Attachments) != 1 || r.Attachments[0].Filename != "driver-readme.txt" || !strings.Contains(string(r.Attachments[0].Data), "setup.exe") {
		t.Fatalf("the agent's attachment did not reach the customer: %+v", r.Attachments)
	}

	// Out-of-office replies of an agent never reach the customer: with
	// Auto-Submitted, and with only the subject to tell.
	d.deliver(customerMail("alice@example.com", notice.replyTo(t), "Automatic reply: "+notice.Subject, "oof1@agents.example",
		"I am out of the office until Monday.", "In-Reply-To: <"+notice.MessageID+">", "Auto-Submitted: auto-replied"),
		customerMail("bob@example.com", notice.replyTo(t), "Out of Office: "+notice.Subject, "oof2@agents.example",
			"I am out of the office until Monday.", "In-Reply-To: <"+notice.MessageID+">"))
	d.run("")
	d.noMail("agents' out-of-office replies")
	for _, id := range []string{"oof1@agents.example", "oof2@agents.example"} {
		if in := d.inbound(id); in.Disposition != "automatic" {
			t.Fatalf("out-of-office %s: %+v", id, in)
		}
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "c5@agents.example", "＃ｎｏｔｅ\n電話で確認済み。"))
	d.run("")
	sent := d.sent()
	if len(sent) != 1 || !strings.Contains(sent.one(t, "l1@example.com").Text, "電話で確認済み") {
		t.Fatalf("full-width #note (sent:%s)", sent)
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "c6@agents.example", "#frobnicate\n#priority P9\nThis must not reach the customer."))
	d.run("")
	sent = d.sent()
	e := sent.one(t, "alice@example.com")
	if len(sent) != 1 || e.AutoSubmitted != "auto-replied" || !strings.Contains(e.Text, "unknown command #frobnicate") || !strings.Contains(e.Text, "P9") {
		t.Fatalf("bad commands (sent:%s) Auto-Submitted %q:\n%s", sent, e.AutoSubmitted, e.Text)
	}
	if tk := d.ticket(ref); tk.Status != "in_progress" || tk.Priority != "P3" || tk.entries("agent", "alice@example.com") != 3 {
		t.Fatalf("after the bad commands: %s %s, %d agent entries from alice", tk.Status, tk.Priority, tk.entries("agent", "alice@example.com"))
	}

	// A P1 reaches the tier with its priority first in the subject.
	d.deliver(customerMail("ops@customer.example", "support@example.com", "URGENT: production server down", "p1@customer.example",
		"The production server is down, nobody can work."))
	d.run("")
	sent = d.sent()
	n := sent.one(t, "l1@example.com")
	if !strings.HasPrefix(n.Subject, "[P1] ") && !strings.HasPrefix(n.Subject, "[P2] ") {
		t.Fatalf("urgent notice subject %q", n.Subject)
	}
}

// The customer's side: a participant's reply (on Cc of the question) comes
// to the tier; a relayed answer that bounces is shown to the tier; a mail
// to the customer's signed address comes to the ticket without thread
// headers or tag (from the customer, not from a stranger); a reply to the
// resolution reopens the ticket and notices the tier again.
func CustomerSideParticipantBounceAndReopen(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	d.deliver(strings.Replace(question, "To: support@example.com\n", "To: support@example.com\nCc: Ken Ito <ken@customer.example>\n", 1))
	d.run("")
	sent := d.sent()
	refs := d.refs()
	if len(refs) != 1 || len(sent) != 2 {
		t.Fatalf("tickets %v, sent:%s", refs, sent)
	}
	ref, notice := refs[0], sent.one(t, "l1@example.com")

	d.deliver(customerMail("Ken Ito <ken@customer.example>", "support@example.com", "Re: Printer on 3F prints blank pages", "k1@customer.example",
		"We print on the 2F printer for now.", "In-Reply-To: <q1@customer.example>", "Cc: hanako@customer.example"))
	d.run("")
	sent = d.sent()
	if fwd := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(fwd.Subject, "Participant replied") || !strings.Contains(fwd.Text, "2F printer") {
		t.Fatalf("the participant's reply (sent:%s)", sent)
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "a1@agents.example", "Please print a test page now."))
	d.run("")
	relay := d.sent().one(t, hanako)
	d.deliver(bounce(relay.MessageID, hanako))
	d.run("")
	sent = d.sent()
	if b := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(b.Subject, "Undeliverable to the customer") || !strings.Contains(b.Text, "5.1.1") {
		t.Fatalf("the bounce of the relay (sent:%s)", sent)
	}

	// A reply whose client kept neither the thread headers nor the tag,
	// only the signed address of the relay's Reply-To, still reaches the
	// ticket; from a stranger, that address opens a ticket of its own.
	d.deliver(customerMail("hanako@customer.example", relay.replyTo(t), "printer again", "q2@customer.example", "The test page is blank too."))
	d.run("")
	sent = d.sent()
	if fwd := sent.one(t, "l1@example.com"); len(sent) != 1 || !strings.Contains(fwd.Subject, "["+ref+"]") || !strings.Contains(fwd.Text, "test page is blank") {
		t.Fatalf("the customer's mail to the signed address (sent:%s)", sent)
	}
	if in := d.inbound("q2@customer.example"); in.Ticket != ref {
		t.Fatalf("the customer's mail to the signed address: %+v, want it on %s", in, ref)
	}
	d.deliver(customerMail("mallory@evil.example", relay.replyTo(t), "printer again", "m1@evil.example", "Please close the ticket."))
	d.run("")
	sent = d.sent()
	if in := d.inbound("m1@evil.example"); in.Ticket == ref || in.Disposition != "new_ticket" {
		t.Fatalf("a stranger's mail to the customer's signed address: %+v", in)
	}
	for _, m := range sent.to("mallory@evil.example") {
		if strings.Contains(m.raw, ref) {
			t.Fatalf("the stranger was sent mail naming %s:\n%s", ref, m.raw)
		}
	}
	if tk := d.ticket(ref); tk.Status != "in_progress" {
		t.Fatalf("after the stranger's mail: %s", tk.Status)
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "a2@agents.example", "#resolve\nThe fuser unit was replaced."))
	d.run("")
	res := d.sent().one(t, hanako)
	d.deliver(replyMail(t, "Hanako Yamada <hanako@customer.example>", res, "q3@customer.example", "It prints blank pages again since noon."))
	d.run("")
	sent = d.sent()
	reopened, again := sent.one(t, hanako), sent.one(t, "l1@example.com")
	if len(sent) != 2 || !strings.Contains(reopened.Text, "we have reopened it") || !strings.Contains(again.Subject, "Escalated to L1") ||
		!strings.Contains(again.Text, "blank pages again since noon") {
		t.Fatalf("the reply to the resolution (sent:%s):\n%s\n%s", sent, reopened.Text, again.Text)
	}
	if tk := d.ticket(ref); tk.Status != "escalated" {
		t.Fatalf("after the reply to the resolution: %s", tk.Status)
	}
}

// bounce is a delivery report (RFC 3464) saying the mail with Message-ID
// id did not reach rcpt.
func bounce(id, rcpt string) string {
	return `From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-` + id + `>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

Your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; ` + rcpt + `
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <` + rcpt + `>: Recipient address rejected: User unknown
--r
Content-Type: text/rfc822-headers

Message-ID: <` + id + `>
From: support@example.com
To: ` + rcpt + `
--r--
`
}

// The other commands by mail: #take, #priority and #type together (the
// due times follow the priority), #assign to an agent of another tier,
// #escalate to L2, where #faq resolves and drafts an FAQ entry, and
// #close.
func CommandsByMail(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")
	before := d.ticket(ref)

	d.deliver(replyMail(t, "alice@example.com", notice, "a1@agents.example", "#take\n#priority P2\n#type request"))
	d.run("")
	sent := d.sent()
	if len(sent) != 1 || len(sent.to("l1@example.com")) != 1 {
		t.Fatalf("commands without text: want only the copy to L1; sent:%s", sent)
	}
	tk := d.ticket(ref)
	if tk.Assignee != "alice@example.com" || tk.Priority != "P2" || tk.Type != "service_request" || tk.Status != "in_progress" ||
		!tk.RespondDueAt.Before(before.RespondDueAt) {
		t.Fatalf("after #take #priority P2 #type request: %+v (respond due before: %v)", tk, before.RespondDueAt)
	}

	d.deliver(replyMail(t, "bob@example.com", notice, "b1@agents.example", "#assign carol@example.com"))
	d.run("")
	d.sent()
	if tk := d.ticket(ref); tk.Assignee != "carol@example.com" {
		t.Fatalf("after #assign: assignee %q", tk.Assignee)
	}

	d.deliver(replyMail(t, "alice@example.com", notice, "a2@agents.example", "#escalate"))
	d.run("")
	sent = d.sent()
	l2 := sent.one(t, "l2@example.com")
	if len(sent.to(hanako)) != 0 || !strings.Contains(l2.Subject, "Escalated to L2") {
		t.Fatalf("#escalate (sent:%s)", sent)
	}
	if tk := d.ticket(ref); tk.Tier != "L2" {
		t.Fatalf("after #escalate: tier %s", tk.Tier)
	}

	d.deliver(replyMail(t, "carol@example.com", l2, "c1@agents.example", "#faq\nThe fuser unit was worn out and has been replaced (part FX-200)."))
	d.run("")
	sent = d.sent()
	if res := sent.one(t, hanako); !strings.Contains(res.Subject, "Resolved") || !strings.Contains(res.Text, "part FX-200") {
		t.Fatalf("#faq resolution (sent:%s):\n%s", sent, res.Text)
	}
	var faq struct{ Status, Answer string }
	if err := json.Unmarshal([]byte(d.cli("faq", "show", strings.ToLower(ref), "--json")), &faq); err != nil {
		t.Fatal(err)
	}
	if faq.Status != "draft" || !strings.Contains(faq.Answer, "part FX-200") {
		t.Fatalf("the FAQ draft from #faq: %+v", faq)
	}

	d.deliver(replyMail(t, "carol@example.com", l2, "c2@agents.example", "#close"))
	d.run("")
	if sent := d.sent(); len(sent.to(hanako)) != 0 {
		t.Fatalf("#close sent the customer mail:%s", sent)
	}
	if tk := d.ticket(ref); tk.Status != "closed" {
		t.Fatalf("after #close: %s", tk.Status)
	}
}
