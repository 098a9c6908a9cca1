package agentstest

import (
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// Robots on both sides of a ticket (issue 12, item 3): the customer's
// mailbox answers every mail it gets, and so does an agent's (Alice reads
// the L1 list), both with a plain "Re:" and no automatic header, within
// seconds and always with the same words. Without a limit, each robot
// reply of Alice's is relayed to the customer and copied to L1, and each
// relay comes back as the customer's reply forwarded to L1: the mail of
// a round grows 2, 3, 5, 8, 13. Alice's robot must be recognised from its
// first reply: kept on the ticket, relayed to nobody, no first response,
// no status change, no copy to the tier; the loop dies within two rounds.
func RobotsOnBothSidesStopWithinTwoRounds(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	d.deliver(question)
	d.run("")
	sent := d.sent()
	refs := d.refs()
	if len(refs) != 1 || len(sent) != 2 {
		t.Fatalf("tickets %v, sent:%s; want one ticket, its acknowledgement and its notice", refs, sent)
	}
	ref := refs[0]

	const rounds = 6
	perRound := []int{len(sent)}
	var alices []string // Message-IDs of the agent's robot's replies
	for round := 1; round <= rounds; round++ {
		var replies []string
		for i, m := range sent {
			id := fmt.Sprintf("robot-%d-%d@robots.example", round, i)
			switch m.rcpt {
			case hanako:
				replies = append(replies, robotReply(t, "Hanako Yamada <hanako@customer.example>", m, id,
					"Thank you for your mail. It has reached my mailbox and I will read it as soon as I can."))
			case "l1@example.com":
				replies = append(replies, robotReply(t, "Alice Agent <alice@example.com>", m, id,
					"Thank you for your message. I have received it and will get back to you shortly."))
				alices = append(alices, id)
			}
		}
		if len(replies) > 0 {
			d.deliver(replies...)
		}
		d.run("")
		sent = d.sent()
		perRound = append(perRound, len(sent))
		if relayed := sent.to(hanako); len(relayed) > 0 {
			t.Errorf("round %d: the customer was sent the agent's robot's words:%s", round, relayed)
		}
	}
	t.Logf("mails per round: %v", perRound)
	for r := 2; r <= rounds; r++ {
		if perRound[r] > perRound[r-1] {
			t.Fatalf("mails per round %v: round %d sent more than the round before", perRound, r)
		}
	}
	if perRound[3] != 0 {
		t.Fatalf("mails per round %v: the robots still talk in round 3", perRound)
	}

	tk := d.ticket(ref)
	if tk.Status != "escalated" || !tk.FirstResponseAt.IsZero() {
		t.Fatalf("after the robots: status %s, first response %v; want escalated and no first response", tk.Status, tk.FirstResponseAt)
	}
	if n := tk.entries("agent", "alice@example.com"); n != 0 {
		t.Fatalf("%d agent entries from Alice's robot, want none", n)
	}
	if n := tk.entries("automatic", "alice@example.com"); n < 2 {
		t.Fatalf("%d automatic entries from Alice's robot, want each of its replies kept", n)
	}
	if len(tk.events("agent_reply_held")) < 2 {
		t.Fatalf("events %v: want each held reply of Alice's robot recorded with its reason", tk.Events)
	}
	for _, id := range alices {
		if in := d.inbound(id); in.Disposition != "automatic" || in.Ticket != ref || !strings.Contains(in.Reason, "alice@example.com") {
			t.Fatalf("a reply of Alice's robot: %+v", in)
		}
	}
}

// robotReply is an autoresponder's answer to m: from from, to m's Reply-To
// (or From), "Re:" and the thread headers, no automatic header, dated
// three seconds after m, with m quoted below.
func robotReply(t *testing.T, from string, m sentMail, id, body string) string {
	t.Helper()
	to := m.From
	if len(m.ReplyTo) > 0 {
		to = m.ReplyTo[0]
	}
	date := dateOf(t, m).Add(3 * time.Second)
	refs := append(append([]string{}, m.References...), m.MessageID)
	quoted := "> " + strings.ReplaceAll(strings.TrimSpace(m.Text), "\n", "\n> ")
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: Re: %s\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nReferences: <%s>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n%s\n",
		from, to, m.Subject, id, m.MessageID, strings.Join(refs, "> <"), date.Format(time.RFC1123Z), body, quoted)
}

// dateOf is the Date header of a mail we sent.
func dateOf(t *testing.T, m sentMail) time.Time {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.raw))
	if err != nil {
		t.Fatal(err)
	}
	date, err := msg.Header.Date()
	if err != nil {
		t.Fatalf("the mail to %s %q has no Date: %v", m.rcpt, m.Subject, err)
	}
	return date
}

// Two help desks, each the other's customer (issue 12, item 3): the other
// desk acknowledges our acknowledgement as a new request, with no
// automatic header, nothing that threads it to our ticket, seconds after
// our mail. We must not acknowledge that acknowledgement: the exchange
// stops after one round, and the other desk's mail is kept as a ticket
// for agents to read, saying why nobody was answered.
func TwoDesksAcknowledgingEachOtherStopAfterOneExchange(t *testing.T, start Start) {
	const other = "helpdesk@other.example"
	d := open(t, start, "8h", "")
	d.deliver(customerMail("Other Desk <"+other+">", "support@example.com", "New ticket B-1: printer on 3F prints blank pages", "b1@other.example",
		"Our user reports that the printer on 3F prints blank pages."))
	d.run("")
	ack := d.sent().one(t, other)
	d.deliver(strings.Replace(customerMail("Other Desk <"+other+">", "support@example.com", "Ticket #B-2 received", "b2@other.example",
		"Thank you for contacting us. Your request has been logged."),
		"Date: Tue, 01 Dec 2026 09:00:00 +0000", "Date: "+dateOf(t, ack).Add(3*time.Second).Format(time.RFC1123Z), 1))
	d.run("")
	if again := d.sent().to(other); len(again) > 0 {
		t.Fatalf("we acknowledged the other desk's acknowledgement:%s", again)
	}
	if in := d.inbound("b2@other.example"); in.Disposition != "new_ticket" || !strings.Contains(in.Reason, "no reply") {
		t.Fatalf("the other desk's acknowledgement: %+v", in)
	}
	if got := d.outboxKinds(); got["ack "+other] != 1 {
		t.Fatalf("outbox rows by kind: %v; want one acknowledgement to the other desk", got)
	}
}

// Issue 12, item 13: an agent's command errors have a limit of their own.
// After the customer's acknowledgement, three refused commands each get
// their error mail; a robot agent that keeps sending a bad command gets
// five error mails in the hour, then nothing.
func CommandErrorsHaveALimitOfTheirOwn(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	ref, notice := d.escalated("")
	for i, cmd := range []string{"#frobnicate", "#priority P9", "#assign mallory@evil.example"} {
		d.deliver(replyMail(t, "alice@example.com", notice, fmt.Sprintf("e%d@agents.example", i), cmd+"\nThis must not reach the customer."))
		d.run("")
		sent := d.sent()
		if e := sent.one(t, "alice@example.com"); len(sent) != 1 || e.AutoSubmitted != "auto-replied" {
			t.Fatalf("refused command %d (%s): sent:%s", i+1, cmd, sent)
		}
	}
	var robot []string
	for i := range 8 {
		robot = append(robot, replyMail(t, "bob@example.com", notice, fmt.Sprintf("robot%d@agents.example", i), "#frobnicate"))
	}
	d.deliver(robot...)
	d.run("")
	if sent := d.sent(); len(sent.to("bob@example.com")) != 5 || len(sent) != 5 {
		t.Fatalf("a robot agent's 8 bad commands: sent:%s; want 5 error mails to it", sent)
	}
	if held := d.ticket(ref).events("mail_held"); len(held) != 3 {
		t.Fatalf("held error mails recorded: %v; want 3", held)
	}
}
