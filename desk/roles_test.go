package desk

import (
	"context"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// entries reads a ticket's entries.
func (f *fixture) entries(ref string) []tickets.Entry {
	f.t.Helper()
	var out []tickets.Entry
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		t, err := tx.Ticket(ref)
		if err != nil {
			return err
		}
		out, err = tx.Entries(t.ID)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// mailTo counts the outgoing mails to addr, and those that name ref.
func (f *fixture) mailTo(addr, ref string) (all, naming int) {
	for _, o := range f.outgoing() {
		if strings.EqualFold(o.To, addr) {
			all++
			if strings.Contains(o.Subject, ref) || strings.Contains(o.Text, ref) {
				naming++
			}
		}
	}
	return all, naming
}

func TestReceive_StrangerWithAMessageIDCannotResolveAnAutoAnsweredTicket(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("alice@customer.example", "VPN from home", "How do I connect to the office VPN from home?", "Message-ID: <s1@c>", "Cc: bob@customer.example"))
	if oc.Status != tickets.StatusAutoAnswered {
		t.Fatalf("setup: %+v", oc)
	}
	ans := f.outgoing()[0]
	r := f.one(mail("mallory@evil.example", "Re: "+ans.Subject, "Thanks, that fixed it!", "Message-ID: <s2@evil>", "In-Reply-To: <"+ans.MessageID+">"))
	if r.Disposition != tickets.DispAppended || r.Ticket != oc.Ticket || r.Status != tickets.StatusAutoAnswered || len(r.Sent) != 0 {
		t.Fatalf("stranger's thanks acted: %+v", r)
	}
	if !strings.Contains(r.Reason, "stranger") {
		t.Errorf("reason %q should say the sender is a stranger", r.Reason)
	}
	if e := f.faq("vpn-setup"); e.Helpful != 0 || len(e.Paraphrases) != 0 {
		t.Fatalf("stranger voted: %+v", e)
	}
	es := f.entries(oc.Ticket)
	last := es[len(es)-1]
	if last.Kind != tickets.KindThirdParty || last.Role != tickets.RoleStranger || last.From != "mallory@evil.example" {
		t.Fatalf("stranger's mail recorded as %+v", last)
	}
}

func TestReceive_StrangerCannotReopenAResolvedTicketAndIsSentNothingNamingIt(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("alice@customer.example", "Payroll export", "The payroll export fails.", "Message-ID: <r1@c>"))
	f.update(func(tx *tickets.Tx) error {
		tk, err := tx.Ticket(first.Ticket)
		if err != nil {
			return err
		}
		return tx.SetStatus(tk, tickets.StatusResolved, "agent@example.com", "fixed")
	})
	oc := f.one(mail("mallory@evil.example", "Re: Payroll export", "still broken", "Message-ID: <r2@evil>", "References: <r1@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Status != tickets.StatusResolved || len(oc.Sent) != 0 {
		t.Fatalf("stranger reopened: %+v", oc)
	}
	if all, _ := f.mailTo("mallory@evil.example", first.Ticket); all != 0 {
		t.Fatalf("%d mails to the stranger", all)
	}
	// The same on a closed ticket: no new ticket linked to it, no mail.
	f.update(func(tx *tickets.Tx) error {
		tk, _ := tx.Ticket(first.Ticket)
		return tx.SetStatus(tk, tickets.StatusClosed, "system", "")
	})
	oc = f.one(mail("mallory@evil.example", "Re: Payroll export", "and again broken", "Message-ID: <r3@evil>", "In-Reply-To: <r1@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Ticket != first.Ticket || len(oc.Sent) != 0 {
		t.Fatalf("stranger on a closed ticket: %+v", oc)
	}
	if all, naming := f.mailTo("mallory@evil.example", first.Ticket); all != 0 || naming != 0 {
		t.Fatalf("%d mails (%d naming the ticket) to the stranger", all, naming)
	}
}

func TestReceive_ParticipantOnTheRequestersCcActsLikeTheRequester(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("alice@customer.example", "Disk", "disk full", "Message-ID: <c1@c>", "Cc: Bob <Bob@Customer.example>"))
	f.update(func(tx *tickets.Tx) error {
		tk, err := tx.Ticket(first.Ticket)
		if err != nil {
			return err
		}
		return tx.SetStatus(tk, tickets.StatusResolved, "agent@example.com", "cleaned up")
	})
	oc := f.one(mail("bob@customer.example", "Re: Disk", "It is full again.", "Message-ID: <c2@c>", "In-Reply-To: <c1@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Status != tickets.StatusEscalated || len(oc.Sent) != 1 {
		t.Fatalf("participant's reply: %+v", oc)
	}
	es := f.entries(first.Ticket)
	var got string
	for _, e := range es {
		if e.From == "bob@customer.example" {
			got = string(e.Kind) + "/" + string(e.Role)
		}
	}
	if got != string(tickets.KindCustomer)+"/"+string(tickets.RoleParticipant) {
		t.Fatalf("participant's entry %s", got)
	}
	// A participant may also use the subject tag.
	oc = f.one(mail("bob@customer.example", "["+first.Ticket+"] Disk", "more details", "Message-ID: <c3@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Ticket != first.Ticket {
		t.Fatalf("participant's subject tag: %+v", oc)
	}
}

func TestReceive_UnusableSenderOpensTicketWithoutAcknowledgement(t *testing.T) {
	f := newFixture(t, nil)
	for i, from := range []string{"not an address at all", "<>", "@example.com", "user@", "\"Only a name\""} {
		oc := f.one(mail(from, "Help", "my screen is black", "Message-ID: <u"+string(rune('a'+i))+"@c>"))
		if oc.Disposition != tickets.DispNewTicket || len(oc.Sent) != 0 || !strings.Contains(oc.Reason, "sender address is unusable") {
			t.Errorf("From %q: %+v", from, oc)
			continue
		}
		if tk := f.ticket(oc.Ticket); tk.Requester != "" {
			t.Errorf("From %q: requester %q, want none", from, tk.Requester)
		}
	}
	if n := len(f.outgoing()); n != 0 {
		t.Fatalf("%d mails queued to unusable senders", n)
	}
	var reasons []string
	f.update(func(tx *tickets.Tx) error {
		l, err := tx.InboundList(0)
		for _, in := range l {
			reasons = append(reasons, in.Reason)
		}
		return err
	})
	for _, r := range reasons {
		if !strings.Contains(r, "sender address is unusable") {
			t.Errorf("inbound reason %q", r)
		}
	}
}

func TestReceive_MailWithoutSenderIsNeverTheRequesterOfAnAddresslessTicket(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("not an address", "Help", "broken", "Message-ID: <e1@c>"))
	f.update(func(tx *tickets.Tx) error {
		tk, _ := tx.Ticket(first.Ticket)
		return tx.SetStatus(tk, tickets.StatusResolved, "agent", "")
	})
	oc := f.one(mail("also not one", "Re: Help", "still broken", "Message-ID: <e2@c>", "In-Reply-To: <e1@c>"))
	if oc.Status != tickets.StatusResolved || len(oc.Sent) != 0 {
		t.Fatalf("an address-less sender acted as the requester: %+v", oc)
	}
}

func TestReceive_InboundRecordKeepsTheDateHeader(t *testing.T) {
	f := newFixture(t, nil)
	f.one(mail("alice@customer.example", "x", "y", "Message-ID: <dt@c>"))
	f.update(func(tx *tickets.Tx) error {
		l, err := tx.InboundList(0)
		if err != nil {
			return err
		}
		if got := l[0].Date.Format("2006-01-02T15:04"); got != "2026-11-25T09:00" {
			t.Errorf("date %s", got)
		}
		return nil
	})
}
