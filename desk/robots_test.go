package desk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// dated replaces the Date of a raw mail built by mail().
func dated(raw string, at time.Time) string {
	return strings.Replace(raw, "Date: Wed, 25 Nov 2026 09:00:00 +0000", "Date: "+at.Format(time.RFC1123Z), 1)
}

// countEvents counts a ticket's events of kind.
func (f *fixture) countEvents(ref, kind string) int {
	f.t.Helper()
	n := 0
	for _, e := range f.events(ref) {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// An agent's autoresponder often sets no automatic header. Its reply is
// kept on the ticket as the agent's automatic entry, with the reason, and
// does nothing: nothing reaches the customer, the respond clock keeps
// running, the status stays, and the tier gets no copy for the robot to
// answer again.
func TestAgents_ReplyThatLooksAutomaticIsKeptButNotRelayed(t *testing.T) {
	for _, c := range []struct {
		name  string
		reply func(f *fixture, n *tickets.Outgoing) string
		why   string
	}{
		{"X-Autoreply header", func(f *fixture, n *tickets.Outgoing) string {
			return agentMail("alice@example.com", n, "Thanks, I will look at it.", "x1", "X-Autoreply: yes")
		}, "X-Autoreply"},
		{"Auto-Submitted and only the signed address, no thread headers", func(f *fixture, n *tickets.Outgoing) string {
			return mail("alice@example.com", "Automatic reply: "+n.Subject, "I am away.", "Message-ID: <x2@agents.example>", "Cc: "+n.ReplyTo, "Auto-Submitted: auto-replied")
		}, "Auto-Submitted"},
		{"out-of-office wording in English", func(f *fixture, n *tickets.Outgoing) string {
			return agentMail("alice@example.com", n, "Thank you for your email. I am currently out of the office until 14 December with limited access to email.", "x3")
		}, "out-of-office wording"},
		{"out-of-office wording in Japanese", func(f *fixture, n *tickets.Outgoing) string {
			return agentMail("alice@example.com", n, "お世話になっております。\n誠に勝手ながら、12月14日まで休暇をいただいております。\n期間中のメールは、休暇明けに順次返信いたします。", "x4")
		}, "out-of-office wording"},
		{"out-of-office wording in German", func(f *fixture, n *tickets.Outgoing) string {
			return agentMail("alice@example.com", n, "Vielen Dank für Ihre Nachricht. Ich bin bis zum 14. Dezember nicht im Büro.", "x5")
		}, "out-of-office wording"},
		{"dated seconds after our notice was sent", func(f *fixture, n *tickets.Outgoing) string {
			f.delivered(n)
			return dated(agentMail("alice@example.com", n, "Thank you for your message. I will get back to you shortly.", "x6"), f.now.Add(3*time.Second))
		}, "after our mail it answers was sent"},
		{"the same text as a reply of that agent an hour ago", func(f *fixture, n *tickets.Outgoing) string {
			text := "Thank you for your message. I will get back to you shortly."
			first := f.one(agentMail("alice@example.com", n, text, "x7"))
			if len(f.sent(mailRelay, "")) != 1 {
				f.t.Fatalf("the first reply (%+v) was not relayed", first)
			}
			f.now = f.now.Add(59 * time.Minute)
			return agentMail("alice@example.com", n, text, "x8")
		}, "the same text as an earlier reply of alice@example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, nil)
			tk, n := f.escalated("The printer on 3F prints blank pages.")
			raw := c.reply(f, n)
			before := f.ticket(tk.Ref)
			relays, copies := len(f.sent(mailRelay, "")), len(f.sent(mailCopy, ""))
			oc := f.one(raw)
			if oc.Disposition != tickets.DispAutomatic || oc.Ticket != tk.Ref || !strings.Contains(oc.Reason, c.why) || !strings.Contains(oc.Reason, "nothing relayed") {
				t.Fatalf("outcome %+v, want automatic on %s because of %q", oc, tk.Ref, c.why)
			}
			if len(f.sent(mailRelay, "")) != relays || len(f.sent(mailCopy, "")) != copies || len(oc.Sent) != 0 {
				t.Fatalf("mail was sent: %v", oc.Sent)
			}
			after := f.ticket(tk.Ref)
			if after.Status != before.Status || !after.FirstResponseAt.Equal(before.FirstResponseAt) {
				t.Fatalf("status %s → %s, first response %v → %v", before.Status, after.Status, before.FirstResponseAt, after.FirstResponseAt)
			}
			es := f.entries(tk.Ref)
			if last := es[len(es)-1]; last.Kind != tickets.KindAutomatic || last.Role != tickets.RoleAgent || last.From != "alice@example.com" {
				t.Fatalf("kept as %+v", last)
			}
			if f.countEvents(tk.Ref, "agent_reply_held") != 1 {
				t.Fatalf("events %+v", f.events(tk.Ref))
			}
		})
	}
}

// What a person does is never taken for a robot: several answers within
// an hour, a reply dated in the second our mail left or the next (as
// replays and tests date them) or two minutes after it, commands however
// fast or repeated, and someone else's absence in the text.
func TestAgents_PersonsRepliesAreNeverHeldForLookingAutomatic(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	f.delivered(n)
	replies := []string{
		dated(agentMail("alice@example.com", n, "Which tray do you print from?", "p1"), f.now),
		dated(agentMail("bob@example.com", n, "Is the display showing an error code?", "p1b"), f.now.Add(time.Second)),
		dated(agentMail("alice@example.com", n, "When you are out of the office, print through the VPN first.", "p2"), f.now.Add(2*time.Minute)),
		agentMail("bob@example.com", n, "担当者が不在のため、代わりに私が対応いたします。", "p3"),
		dated(agentMail("alice@example.com", n, "#take\nI am on it.", "p4"), f.now.Add(2*time.Second)),
		agentMail("alice@example.com", n, "#take\nI am on it.", "p5"),
		agentMail("alice@example.com", n, "Please send a photo of the test page.", "p6"),
	}
	for i, raw := range replies {
		f.now = f.now.Add(5 * time.Minute)
		if oc := f.one(raw); oc.Disposition != tickets.DispAppended || strings.Contains(oc.Reason, "held back") {
			t.Fatalf("reply %d: %+v", i+1, oc)
		}
	}
	if got := len(f.sent(mailRelay, "hanako@customer.example")); got != len(replies) {
		t.Fatalf("%d relays of %d replies", got, len(replies))
	}
	if f.countEvents(tk.Ref, "agent_reply_held") != 0 || f.countEvents(tk.Ref, "mail_held") != 0 {
		t.Fatalf("events %+v", f.events(tk.Ref))
	}
}

// Robots the signs do not catch (new words every time, no telling date)
// still cannot loop: relays to a customer, and forwards and copies to the
// tier, count against limits per ticket (and relays per customer address)
// within the window. What is held back stays on the ticket, with an event
// saying why; after the window, mail flows again.
func TestAgents_RelaysForwardsAndCopiesCountAgainstTheirLimits(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.RelayLimit, o.TierMailLimit = 3, 5 })
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	const customer = "hanako@customer.example"
	for i := range 8 {
		f.one(agentMail("alice@example.com", n, fmt.Sprintf("Answer number %d: please try again.", i), fmt.Sprintf("r%d", i)))
		relays := f.sent(mailRelay, customer)
		f.replyTo(relays[len(relays)-1], fmt.Sprintf("Reply number %d: still broken.", i), fmt.Sprintf("c%d", i))
	}
	relays, tier := len(f.sent(mailRelay, customer)), len(f.sent(mailForward, ""))+len(f.sent(mailCopy, ""))
	if relays != 3 || tier != 5 {
		t.Fatalf("%d relays and %d forwards and copies, want the limits 3 and 5", relays, tier)
	}
	agent, customerEntries := 0, 0
	for _, e := range f.entries(tk.Ref) {
		switch {
		case e.Kind == tickets.KindAgent && e.Direction == tickets.DirIn:
			agent++
		case e.Kind == tickets.KindCustomer && e.Direction == tickets.DirIn:
			customerEntries++
		}
	}
	if agent != 8 || customerEntries != 1+8 {
		t.Fatalf("%d agent entries, %d customer entries: every reply must be kept", agent, customerEntries)
	}
	held := map[string]int{}
	for _, e := range f.events(tk.Ref) {
		if e.Kind == "mail_held" {
			for _, k := range []string{mailRelay, mailForward, mailCopy} {
				if strings.Contains(string(e.Detail), `"kind":"`+k+`"`) {
					held[k]++
				}
			}
		}
	}
	if held[mailRelay] != 5 || held[mailForward]+held[mailCopy] == 0 {
		t.Fatalf("held back: %v", held)
	}

	// Another ticket of the same customer: the relays to her address are
	// spent for this window too.
	f.one(mail("Hanako Yamada <hanako@customer.example>", "Scanner on 2F", "The scanner does not start.", "Message-ID: <s1@customer.example>"))
	n2 := f.sent(mailNotice, "l1@example.com")
	oc := f.one(agentMail("bob@example.com", n2[len(n2)-1], "Is it plugged in?", "s2"))
	if len(f.sent(mailRelay, customer)) != 3 || !strings.Contains(oc.Reason, "3 relayed replies to hanako@customer.example within 1h0m0s") {
		t.Fatalf("a relay on another ticket of the same customer: %+v", oc)
	}

	f.now = f.now.Add(61 * time.Minute)
	f.one(agentMail("alice@example.com", n, "A new toner cartridge is on its way.", "late"))
	if len(f.sent(mailRelay, customer)) != 4 {
		t.Fatalf("after the window: %d relays, want the new answer relayed", len(f.sent(mailRelay, customer)))
	}
}

// The limits leave a busy ticket alone: within one hour, an agent answers
// eight times and the customer answers back eight times; every answer is
// relayed, every reply forwarded, every action copied to the tier.
func TestAgents_LimitsLeaveABusyTicketAlone(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	const customer = "hanako@customer.example"
	for i := range 8 {
		f.now = f.now.Add(7 * time.Minute)
		f.one(agentMail("alice@example.com", n, fmt.Sprintf("Step %d: please try this.", i), fmt.Sprintf("r%d", i)))
		relays := f.sent(mailRelay, customer)
		f.replyTo(relays[len(relays)-1], fmt.Sprintf("Step %d done, still broken.", i), fmt.Sprintf("c%d", i))
	}
	if r, fw, c := len(f.sent(mailRelay, customer)), len(f.sent(mailForward, "")), len(f.sent(mailCopy, "")); r != 8 || fw != 8 || c != 8 {
		t.Fatalf("%d relays, %d forwards, %d copies; want 8 each", r, fw, c)
	}
	if f.countEvents(tk.Ref, "mail_held") != 0 {
		t.Fatalf("events %+v", f.events(tk.Ref))
	}
}

// Issue 12, item 13: an agent's command errors have a limit of their own.
// After the customer's acknowledgement, three refused commands each get
// their error mail, and the customer's automatic replies are not used up
// by them (the reply that reopens the ticket is answered); a robot agent
// that keeps sending bad commands stops getting answers at the limit.
func TestAgents_CommandErrorsHaveALimitOfTheirOwn(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	for i, cmd := range []string{"#frobnicate", "#priority P9", "#assign mallory@evil.example"} {
		oc := f.one(agentMail("alice@example.com", n, cmd+"\nplease", fmt.Sprintf("e%d", i)))
		if got := len(f.sent(mailCommandError, "alice@example.com")); got != i+1 {
			t.Fatalf("refused command %d (%s): %d error mails; outcome %+v", i+1, cmd, got, oc)
		}
	}
	f.one(agentMail("alice@example.com", n, "#resolve\nThe fuser unit was replaced.", "res"))
	res := f.sent(mailResolution, "hanako@customer.example")
	if oc := f.replyTo(res[0], "It prints blank pages again since noon.", "again"); oc.Status != tickets.StatusEscalated || len(f.sent(mailReopened, "hanako@customer.example")) != 1 {
		t.Fatalf("the customer's reply to the resolution: %+v, %d reopened mails", oc, len(f.sent(mailReopened, "")))
	}

	for i := range 12 {
		f.one(agentMail("bob@example.com", n, "#frobnicate", fmt.Sprintf("robot%d", i)))
	}
	if got := len(f.sent(mailCommandError, "bob@example.com")); got != defaultAgentErrorLimit {
		t.Fatalf("%d error mails to a robot agent, want the limit %d", got, defaultAgentErrorLimit)
	}
	if got := len(f.sent(mailCommandError, "alice@example.com")); got != 3 {
		t.Fatalf("%d error mails to alice, want her 3", got)
	}
	held := 0
	for _, e := range f.events(tk.Ref) {
		if e.Kind == "mail_held" && strings.Contains(string(e.Detail), "bob@example.com") {
			held++
		}
	}
	if held != 12-defaultAgentErrorLimit {
		t.Fatalf("%d held error mails recorded, want %d", held, 12-defaultAgentErrorLimit)
	}
}

// Two help desks, each the other's customer: the other desk acknowledges
// our acknowledgement as a new request, with no automatic header and
// nothing that threads it to our ticket. Acknowledging that would make it
// open another ticket and acknowledge again, for ever. It must stop after
// one exchange: the other desk's acknowledgement opens a ticket (agents
// can read it) and is sent nothing. The desk is told by its subject, by a
// Message-ID of ours it answers, or by its date, seconds after our mail.
func TestReceive_TwoDesksAcknowledgingEachOtherStopAfterOneExchange(t *testing.T) {
	const other = "helpdesk@other.example"
	for _, c := range []struct {
		name string
		ack  func(f *fixture, n int, ours *tickets.Outgoing) string // the other desk's acknowledgement of ours
		why  string
	}{
		{"English subject", func(f *fixture, n int, ours *tickets.Outgoing) string {
			return mail("Other Desk <"+other+">", fmt.Sprintf("Ticket #B-%d received", n), "Thank you for contacting us.", fmt.Sprintf("Message-ID: <b%d@other.example>", n))
		}, "acknowledgement"},
		{"Japanese subject", func(f *fixture, n int, ours *tickets.Outgoing) string {
			return mail("ヘルプデスク <"+other+">", fmt.Sprintf("【受付完了】お問い合わせを受け付けました（受付番号：B-%04d）", n), "お問い合わせありがとうございます。", fmt.Sprintf("Message-ID: <b%d@other.example>", n))
		}, "acknowledgement"},
		{"German subject", func(f *fixture, n int, ours *tickets.Outgoing) string {
			return mail("Servicedesk <"+other+">", fmt.Sprintf("Ihre Anfrage B-%d ist eingegangen", n), "Vielen Dank für Ihre Nachricht.", fmt.Sprintf("Message-ID: <b%d@other.example>", n))
		}, "acknowledgement"},
		{"our acknowledgement's subject quoted without its tag", func(f *fixture, n int, ours *tickets.Outgoing) string {
			return mail("Other Desk <"+other+">", fmt.Sprintf("[B-%d] %s", n, strings.Replace(ours.Subject, "["+ours.TicketRef+"] ", "", 1)), "We will answer soon.", fmt.Sprintf("Message-ID: <b%d@other.example>", n))
		}, "acknowledgement"},
		{"no telling subject, dated seconds after our mail", func(f *fixture, n int, ours *tickets.Outgoing) string {
			f.delivered(ours)
			return dated(mail("Other Desk <"+other+">", fmt.Sprintf("B-%d: Printer on 3F", n), "We will answer soon.", fmt.Sprintf("Message-ID: <b%d@other.example>", n)), f.now.Add(3*time.Second))
		}, "after our last mail to " + other},
		{"in reply to a Message-ID of ours that is on no ticket", func(f *fixture, n int, ours *tickets.Outgoing) string {
			return mail("Other Desk <"+other+">", fmt.Sprintf("B-%d: Printer on 3F", n), "We will answer soon.", fmt.Sprintf("Message-ID: <b%d@other.example>", n),
				"In-Reply-To: <madoguchi.aaaaaaaaaaaaaaaaaaaaaaaa.inc-0999@example.com>")
		}, "answers our mail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			first := f.one(mail("Other Desk <"+other+">", "New ticket B-1: printer on 3F prints blank pages", "Our user reports blank pages.", "Message-ID: <b1@other.example>"))
			if first.Disposition != tickets.DispNewTicket || len(first.Sent) != 1 {
				t.Fatalf("the other desk's first mail: %+v", first)
			}
			answered := 0
			for n := 2; n <= 6; n++ {
				ours := f.sent(mailAck, other)
				if len(ours) == answered {
					break // nothing new to acknowledge: the exchange is over
				}
				answered = len(ours)
				f.now = f.now.Add(time.Minute)
				oc := f.one(c.ack(f, n, ours[len(ours)-1]))
				if oc.Disposition != tickets.DispNewTicket || len(oc.Sent) != 0 || !strings.Contains(oc.Reason, "no reply") || !strings.Contains(oc.Reason, c.why) {
					t.Fatalf("the other desk's acknowledgement %d: %+v", n, oc)
				}
				if f.countEvents(oc.Ticket, "robot_mail") != 1 {
					t.Fatalf("events of %s: %+v", oc.Ticket, f.events(oc.Ticket))
				}
			}
			var to []string
			for _, o := range f.outgoing() {
				if o.To == other {
					to = append(to, o.Kind+" "+o.Subject)
				}
			}
			if len(to) != 1 {
				t.Fatalf("mails to the other desk: %q; want the one acknowledgement", to)
			}
		})
	}
}
