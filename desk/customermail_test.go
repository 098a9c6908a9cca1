package desk

import (
	"slices"
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
