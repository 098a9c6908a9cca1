package desk

import (
	"context"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/tickets"
)

// The poller prepares (parses and matches) a batch while the batch before
// commits. What that commit changed must count as it would have had the
// batch been prepared after it: these tests prepare a batch, commit
// another one, then commit the first.

// prepared hands raws to Prepare under new UIDs, as the poller would.
func (f *fixture) prepared(raws ...string) *preparedBatch {
	f.t.Helper()
	var batch []intake.Fetched
	for _, r := range raws {
		batch = append(batch, intake.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid.Add(1), Raw: []byte(r)})
	}
	return f.desk.Prepare(callerContext(), batch).(*preparedBatch)
}

// callerContext is the context the poller passes; watchMatches checks
// that matching runs with it.
func callerContext() context.Context {
	return context.WithValue(context.Background(), ctxKey{}, "caller")
}

func (f *fixture) commitPrepared(b *preparedBatch) []Outcome {
	f.t.Helper()
	out, err := f.desk.commit(callerContext(), b)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// A customer's follow-up prepared while its ticket was open, committed
// after an agent's #close in the batch before: it opens a new ticket and
// is answered from the FAQ, as it is when it comes after the #close.
func TestReceiveBatch_AFollowUpPreparedBeforeItsTicketClosedIsMatchedAfterAll(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	_, n := f.escalated("Where do I get a new cartridge for the copier on floor 5?")
	ack := f.sent("ack", "hanako@customer.example")[0]
	matches := f.watchMatches(t)
	followUp := f.prepared(mail("hanako@customer.example", "Re: "+ack.Subject, "How do I replace the toner in the office printer?",
		"Message-ID: <t2@c>", "In-Reply-To: <"+ack.MessageID+">"))
	if n := matches(); n != 0 {
		t.Fatalf("a reply on an open ticket was matched %d times while prepared; want none", n)
	}
	if closed := f.one(agentMail("alice@example.com", n, "#close", "a1")); closed.Status != tickets.StatusClosed {
		t.Fatalf("the batch before: %+v; want the ticket closed", closed)
	}
	got := f.commitPrepared(followUp)[0]
	if got.Disposition != tickets.DispNewTicket || got.Status != tickets.StatusAutoAnswered || !strings.Contains(got.Reason, "printer-toner") {
		t.Errorf("follow-up committed after the #close: %+v; want a new ticket answered from printer-toner", got)
	}
	if n := matches(); n != 1 {
		t.Errorf("%d FAQ matches; want the one after the commit before", n)
	}
}

// A mail prepared before the FAQ learnt its answer, committed after: it is
// matched against the FAQ as it is at its commit.
func TestReceiveBatch_AMailPreparedBeforeTheFAQChangedIsMatchedAgainstTheNewFAQ(t *testing.T) {
	f := newFAQFixture(t, nil)
	b := f.prepared(mail("ken@customer.example", "Label printer", "How do I load a new roll into the label printer?", "Message-ID: <l1@c>"))
	entry := tickets.FAQ{Key: "label-roll", Question: "How do I load a new roll into the label printer?",
		Answer: "Lift the lid, drop the roll in with the labels facing up, close the lid.", Language: "en", Status: tickets.FAQPublished}
	if _, err := f.desk.PutFAQs(context.Background(), []tickets.FAQ{entry}, "admin"); err != nil {
		t.Fatal(err)
	}
	got := f.commitPrepared(b)[0]
	if got.Status != tickets.StatusAutoAnswered || !strings.Contains(got.Reason, "label-roll") {
		t.Errorf("mail committed after the FAQ changed: %+v; want it answered from label-roll", got)
	}
}

// The classification and language a batch's workers worked out are what
// its tickets get, and nothing of them is held after the commit, also
// of a batch whose commit failed.
func TestReceiveBatch_WhatTheWorkersWorkedOutIsUsedAndDroppedAtTheCommit(t *testing.T) {
	f := newFixture(t, nil)
	outs := f.deliver(mail("ken@customer.example", "URGENT: the whole office cannot print", "Since nine all users get an error.", "Message-ID: <w1@c>"),
		mail("yamada@customer.example", "申請", "新しいノートPCの貸与を申請します。", "Message-ID: <w2@c>"))
	if tk := f.ticket(outs[0].Ticket); tk.Type != tickets.Incident || tk.Urgency != tickets.High || tk.Impact != tickets.High || tk.Language != "en" {
		t.Errorf("first ticket %s %s/%s %s; want an English incident, high impact and urgency", tk.Type, tk.Impact, tk.Urgency, tk.Language)
	}
	if tk := f.ticket(outs[1].Ticket); tk.Type != tickets.ServiceRequest || tk.Language != "ja" {
		t.Errorf("second ticket %s %s; want a Japanese service request", tk.Type, tk.Language)
	}
	b := f.prepared(mail("lee@customer.example", "Printer", "It jams.", "Message-ID: <w3@c>"))
	f.store.Close() // the commit fails
	if _, err := f.desk.commit(callerContext(), b); err == nil {
		t.Fatal("commit on a closed store succeeded")
	}
	if held := len(f.desk.derived.m); held != 0 {
		t.Errorf("%d mails' derived values held after their batches committed", held)
	}
}

// A batch asks the store in three queries which of its UIDs and
// Message-IDs it holds; what it hears changes no outcome: a copy of a mail
// earlier in the same batch, of a mail recorded before, our own mail
// coming back, and the whole batch handed over again.
func TestReceiveBatch_TheBatchsLookAheadChangesNoOutcome(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("ann@customer.example", "Printer", "It jams.", "Message-ID: <p1@c>"))
	ours := f.outgoing()[0].MessageID
	batch := []intake.Fetched{
		{Mailbox: "INBOX", UIDValidity: 1, UID: 100, Raw: []byte(mail("bob@customer.example", "VPN", "VPN is down.", "Message-ID: <v1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 101, Raw: []byte("Received: from relay2\r\n" + mail("bob@customer.example", "VPN", "VPN is down.", "Message-ID: <v1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 102, Raw: []byte(mail("ann@customer.example", "Printer", "It jams.", "Message-ID: <p1@c>", "X-Copy: 2"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 103, Raw: []byte(mail("Mail Relay <relay@customer.example>", "Returned", "It came back.", "Message-ID: <"+ours+">"))},
	}
	outs, err := f.desk.ReceiveBatch(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tickets.DispNewTicket, tickets.DispDuplicate, tickets.DispDuplicate, tickets.DispOwnMail}
	for i, oc := range outs {
		if oc.Disposition != want[i] {
			t.Errorf("mail %d: %+v; want %s", i, oc, want[i])
		}
	}
	if outs[1].Ticket != outs[0].Ticket || outs[2].Ticket != first.Ticket || !strings.Contains(outs[3].Reason, "one of our outgoing mails") {
		t.Errorf("outcomes %+v; want the copies on their tickets and ours named as our outgoing mail", outs)
	}
	again, err := f.desk.ReceiveBatch(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, oc := range again {
		if oc.Disposition != outs[i].Disposition || oc.Ticket != outs[i].Ticket {
			t.Errorf("mail %d handed over again: %+v; want its first record %+v", i, oc, outs[i])
		}
	}
}
