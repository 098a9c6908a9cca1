package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// An automatic answer whose relay never answered the end of DATA may have
// reached the customer or not. While the outbox still retries it, silence
// is not the customer's; once it is given up ("unknown"), a person takes
// the ticket, and the audit trail says the delivery is uncertain rather
// than that it failed.
func TestTick_AutomaticAnswerOfUnknownOutcome(t *testing.T) {
	for _, c := range []struct {
		name       string
		attempt    tickets.Attempt
		wantStatus tickets.Status
		wantReason string
	}{
		{"still retried", tickets.Attempt{Status: tickets.OutPending, Counted: true, Unknown: true, Error: "no reply after DATA"},
			tickets.StatusAutoAnswered, ""},
		{"given up", tickets.Attempt{Status: tickets.OutFailed, Counted: true, Unknown: true, Error: "no reply after DATA"},
			tickets.StatusEscalated, "may not have reached the customer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
			ans := f.autoAnswered("en", "u1")
			a := c.attempt
			a.Next = f.now.Add(time.Hour)
			if err := f.store.RecordAttempt(context.Background(), ans.ID, a); err != nil {
				t.Fatal(err)
			}
			f.tickAfter(49 * time.Hour)
			if s := f.ticket(ans.TicketRef).Status; s != c.wantStatus {
				t.Fatalf("status %s, want %s", s, c.wantStatus)
			}
			reasons := f.statusReasons(ans.TicketRef)
			if !strings.Contains(reasons, c.wantReason) || strings.Contains(reasons, "failed:") {
				t.Fatalf("status changes %q: want %q and no claim that it failed", reasons, c.wantReason)
			}
		})
	}
}
