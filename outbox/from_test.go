package outbox

import (
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Each mail goes out from its row's From, the address of its ticket's
// mailbox, in the header and as the envelope sender (a bounce comes back
// to that mailbox); a row without one (queued before mailboxes had
// addresses of their own) goes from the configured From as it always did.
func TestDeliverDue_EachMailGoesFromItsRowsFromEnvelopeToo(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.srv.RefuseRecipient("gone@customer.example", 550, "5.1.1", "no such user")
	req := f.withCc(t, "gone@customer.example")
	req.From, req.MessageID = "IT Requests <it-requests@example.org>", "req.1@example.org"
	f.add(t, req)
	old := row("[INC-1042] Received")
	f.add(t, old)
	if res := f.deliver(t); res != (Result{Sent: 2}) {
		t.Fatalf("pass = %+v, want both sent", res)
	}
	got := f.srv.Received()
	if len(got) != 2 {
		t.Fatalf("%d mails received", len(got))
	}
	for i, want := range []struct{ envelope, name, addr string }{
		{"it-requests@example.org", "IT Requests", "it-requests@example.org"},
		{"support@example.com", "Example Support", "support@example.com"},
	} {
		p := parse(t, got[i].Data)
		from, err := p.header.AddressList("From")
		if got[i].From != want.envelope || err != nil || len(from) != 1 || from[0].Address != want.addr || from[0].Name != want.name {
			t.Errorf("mail %d: envelope sender %s, From %v (%v); want %s and %s <%s>", i, got[i].From, from, err, want.envelope, want.name, want.addr)
		}
	}
}
