package outbox

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/tickets"
)

// withCc is a relay to Hanako with her manager and a colleague on Cc, on
// a ticket of the fixture's store (events are recorded on it).
func (f *fixture) withCc(t *testing.T, cc ...string) tickets.Outgoing {
	t.Helper()
	o := row("[INC-1001] Re: Printer on 3F does not print")
	o.Kind, o.Cc = "relay", cc
	err := f.store.Update(context.Background(), func(tx *tickets.Tx) error {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Prefix: "INC", Subject: "Printer", Requester: o.To})
		o.TicketID, o.TicketRef = tk.ID, tk.Ref
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// One mail to the requester with the participants on Cc: each gets it
// (an RCPT each), and each sees who else did.
func TestDeliverDue_CcRecipientsGetTheMailWithTheRequester(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.add(t, f.withCc(t, "boss@customer.example", "ken@customer.example"))
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("pass = %+v", res)
	}
	got := f.srv.Received()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"hanako@customer.example", "boss@customer.example", "ken@customer.example"}) {
		t.Fatalf("envelopes %+v", got)
	}
	p := parse(t, got[0].Data)
	cc, _ := p.header.AddressList("Cc")
	if len(cc) != 2 || cc[0].Address != "boss@customer.example" || cc[1].Address != "ken@customer.example" {
		t.Fatalf("Cc header %v", cc)
	}
}

// A participant's address the relay refuses (she left the company) never
// keeps the requester's mail back: it goes to the others, and the ticket's
// audit trail says who was left out and why.
func TestDeliverDue_ARefusedCcRecipientNeverHoldsBackTheRequestersMail(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.srv.RefuseRecipient("gone@customer.example", 550, "5.1.1", "no such user")
	o := f.withCc(t, "gone@customer.example", "boss@customer.example")
	id := f.add(t, o)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("pass = %+v, want the mail sent", res)
	}
	got := f.srv.Received()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"hanako@customer.example", "boss@customer.example"}) {
		t.Fatalf("envelopes %+v, want the requester and the manager", got)
	}
	p := parse(t, got[0].Data)
	if cc, _ := p.header.AddressList("Cc"); len(cc) != 1 || cc[0].Address != "boss@customer.example" {
		t.Fatalf("Cc header %v: want only who got it", cc)
	}
	if row := f.get(t, id); row.Status != tickets.OutSent || row.MessageID != o.MessageID {
		t.Fatalf("row %+v", row)
	}
	var refused string
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		events, err := tx.Events(o.TicketID)
		for _, e := range events {
			if e.Kind == "mail_sent" {
				refused = string(e.Detail)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "gone@customer.example: 550") || !strings.Contains(refused, "no such user") {
		t.Fatalf("mail_sent event %s: want the refused Cc recipient with the relay's reply", refused)
	}
}

// When the relay refuses the requester herself, the mail is not sent to
// the participants alone: it fails as a mail to her does.
func TestDeliverDue_ARefusedRequesterIsNotReplacedByHerCc(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.srv.RefuseRecipient("hanako@customer.example", 550, "5.1.1", "no such user")
	id := f.add(t, f.withCc(t, "boss@customer.example"))
	if res := f.deliver(t); res != (Result{Failed: 1}) {
		t.Fatalf("pass = %+v, want the mail failed", res)
	}
	if n := len(f.srv.Received()); n != 0 {
		t.Fatalf("%d mails went out", n)
	}
	if row := f.get(t, id); row.Status != tickets.OutFailed || !strings.Contains(row.LastError, "550") {
		t.Fatalf("row %s: %s", row.Status, row.LastError)
	}
}
