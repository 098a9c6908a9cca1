package desk

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// An out-of-office notice the customer's mail server sent in answer to
// our acknowledgement is kept on the ticket, but the agent's relay
// answers the customer's own mail: a client threads it under what the
// customer wrote, not under her robot's notice.
func TestRelay_ThreadsToTheCustomersLastHumanMailNotHerOutOfOfficeNotice(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.", "Message-ID: <q1@customer.example>")
	ack := f.sent(mailAck, "hanako@customer.example")[0]
	oc := f.one(mail("Hanako Yamada <hanako@customer.example>", "Automatic reply: "+ack.Subject, "I am out of the office until Monday.",
		"Message-ID: <ooo1@customer.example>", "In-Reply-To: <"+ack.MessageID+">", "Auto-Submitted: auto-replied"))
	if oc.Disposition != tickets.DispAutomatic || oc.Ticket != tk.Ref {
		t.Fatalf("setup: the out-of-office notice: %+v", oc)
	}
	f.one(agentMail("alice@example.com", n, "Please open the front cover and take out the orange tape.", "a1"))
	relays := f.sent(mailRelay, "hanako@customer.example")
	if len(relays) != 1 {
		t.Fatalf("%d relays", len(relays))
	}
	r := relays[0]
	if r.InReplyTo != "q1@customer.example" {
		t.Errorf("relay In-Reply-To <%s>, want the customer's own mail <q1@customer.example>", r.InReplyTo)
	}
	if slices.Contains(r.References, "ooo1@customer.example") || !slices.Contains(r.References, "q1@customer.example") {
		t.Errorf("relay References %v: want the customer's mail, not the out-of-office notice", r.References)
	}
}

// #answer with a covering note: the customer reads the note, then the
// entry, then the agent's sign-off, then our signature — not the agent's
// name between the note and the answer it covers.
func TestRelay_AnswerWithACoveringNoteSignsBelowTheEntry(t *testing.T) {
	f := newAgentFixture(t, nil)
	_, n := f.escalated("Where do I get a new toner cartridge for the copier on floor 5?")
	f.update(func(tx *tickets.Tx) error {
		_, err := tx.PutFAQ(&tickets.FAQ{Key: "toner", Question: "Where do I get toner?", Answer: "Toner cartridges are in the cabinet next to each copier.", Status: tickets.FAQPublished}, 0, "admin")
		return err
	})
	for i, c := range []struct{ body, note, signOff string }{
		{"Here is where the cartridges are kept.\n\nBest regards,\nAlice Smith\nIT desk, ext. 1234", "where the cartridges are kept", "Best regards,\nAlice Smith\nIT desk, ext. 1234"},
		// A signature typed without a closing line: the name alone.
		{"Here is where the cartridges are kept.\n\nAlice Smith\nIT desk, ext. 1234", "where the cartridges are kept", "\n\nAlice Smith\nIT desk, ext. 1234"},
	} {
		f.one(agentMail("alice@example.com", n, "#answer toner\n"+c.body, fmt.Sprintf("a%d", i)))
		relays := f.sent(mailRelay, "hanako@customer.example")
		if len(relays) != i+1 {
			t.Fatalf("%d relays", len(relays))
		}
		text := relays[i].Text
		note, q, a := strings.Index(text, c.note), strings.Index(text, "Q: Where do I get toner?"), strings.Index(text, "A: Toner cartridges")
		signOff, ours := strings.Index(text, c.signOff), strings.Index(text, "\n-- \n")
		if note < 0 || q < note || a < q || signOff < a || ours < signOff {
			t.Fatalf("note at %d, Q at %d, A at %d, sign-off at %d, signature at %d; want this order:\n%s", note, q, a, signOff, ours, text)
		}
	}
}

// An agent who greets the customer herself ("伊藤様 / お疲れ様です") is the
// only one to: the relay's own greeting steps back to a one-line header.
func TestRelay_AnAgentWhoGreetsIsTheOnlyOneToGreet(t *testing.T) {
	f := newAgentFixture(t, nil)
	f.one(mail("伊藤 健 <ken@customer.example>", "プリンターが印刷できません", "3階のプリンターが白紙しか印刷しません。", "Message-ID: <k1@customer.example>"))
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.one(agentMail("alice@example.com", n, "伊藤様\n\nお疲れ様です。情報システム部の山田です。\nトナーを交換しましたので、もう一度印刷をお試しください。", "a1"))
	relays := f.sent(mailRelay, "ken@customer.example")
	if len(relays) != 1 {
		t.Fatalf("%d relays", len(relays))
	}
	text := relays[0].Text
	head, rest, _ := strings.Cut(text, "\n\n")
	if strings.Count(text, "伊藤") != 1 || strings.Contains(text, "お問い合わせいただき") || !strings.Contains(head, "担当者よりご連絡いたします") ||
		!strings.HasPrefix(rest, "伊藤様\n\nお疲れ様です。") {
		t.Fatalf("the customer is greeted twice, or not by the agent first:\n%s", text)
	}
	// An agent who does not greet leaves the greeting to the mail.
	f.one(agentMail("alice@example.com", n, "念のため、トナーの残量もご確認ください。", "a2"))
	if r := f.sent(mailRelay, "ken@customer.example"); len(r) != 2 || !strings.HasPrefix(r[1].Text, "伊藤 健 様\n") {
		t.Fatalf("the second relay does not greet:\n%s", r[len(r)-1].Text)
	}
}

// A P1 was a disruption: its resolution opens with an apology, not with
// thanks.
func TestResolution_P1OpensWithAnApologyNotThanks(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail("ops@customer.example", "URGENT: production server down", "The production server is down, nobody can work.", "Message-ID: <p1@c>"))
	if tk := f.ticket(oc.Ticket); tk.Priority != "P1" {
		t.Fatalf("setup: priority %s, want P1", tk.Priority)
	}
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.one(agentMail("alice@example.com", n, "#resolve\nThe power supply was replaced; the server is up again.", "a1"))
	res := f.sent(mailResolution, "ops@customer.example")
	if len(res) != 1 {
		t.Fatalf("%d resolutions", len(res))
	}
	opening, _, _ := strings.Cut(res[0].Text, "The power supply")
	if !strings.Contains(opening, "apologise") || strings.Contains(opening, "Thank") {
		t.Fatalf("the P1 resolution opens with:\n%s", opening)
	}
}
