package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// Issue 12 item 12: a tier's address that bounces is told to the next
// tier (for the last tier, to the first) once per address and window,
// not once per bounce; every bounce stays on its ticket.
func TestBounce_ATierAddressThatBouncesIsToldToAnotherTierOncePerWindow(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, notice := f.escalated("The scanner on 2F does not send mail.")
	oc := f.one(dsn("tb1", notice.MessageID, "l1@example.com", "failed", "5.1.1"))
	if oc.Disposition != tickets.DispBounce || oc.Ticket != tk.Ref {
		t.Fatalf("the bounce of L1's notice: %+v", oc)
	}
	alerts := f.sent("tier_bounce", "l2@example.com")
	if len(alerts) != 1 {
		t.Fatalf("%d reports to L2 that L1's address bounces, want 1 (outcome %+v)", len(alerts), oc)
	}
	for _, want := range []string{"L1", "l1@example.com", "5.1.1", tk.Ref} {
		if !strings.Contains(alerts[0].Subject+alerts[0].Text, want) {
			t.Fatalf("the report lacks %q: %q\n%s", want, alerts[0].Subject, alerts[0].Text)
		}
	}
	if alerts[0].ReplyTo != "l2@example.com" || strings.Contains(alerts[0].MessageID, "tk-") {
		t.Fatalf("report Reply-To %q, Message-ID %q: a reply must not pass for an agent's", alerts[0].ReplyTo, alerts[0].MessageID)
	}

	// The same address bounces again within the window: recorded on its
	// ticket, not told again.
	f.now = f.now.Add(time.Hour)
	tk2, notice2 := f.escalated("VPN drops every hour.")
	f.one(dsn("tb2", notice2.MessageID, "l1@example.com", "failed", "5.1.1"))
	if n := len(f.sent("tier_bounce", "")); n != 1 {
		t.Fatalf("%d reports after a second bounce within the window, want 1", n)
	}
	var bounced bool
	for _, e := range f.events(tk2.Ref) {
		bounced = bounced || e.Kind == "mail_bounced"
	}
	if !bounced {
		t.Fatalf("the second bounce is not on %s", tk2.Ref)
	}

	// A window later it is told again.
	f.now = f.now.Add(24 * time.Hour)
	_, notice3 := f.escalated("Teams calls drop.")
	f.one(dsn("tb3", notice3.MessageID, "l1@example.com", "failed", "5.1.1"))
	if n := len(f.sent("tier_bounce", "l2@example.com")); n != 2 {
		t.Fatalf("%d reports a window later, want 2", n)
	}

	// The last tier's address: the first tier hears of it.
	if _, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "alice@example.com", Commands: []string{"escalate"}}); err != nil {
		t.Fatal(err)
	}
	l2 := f.sent(mailNotice, "l2@example.com")
	f.one(dsn("tb4", l2[len(l2)-1].MessageID, "l2@example.com", "failed", "5.2.2"))
	if got := f.sent("tier_bounce", "l1@example.com"); len(got) != 1 || !strings.Contains(got[0].Text, "l2@example.com") {
		t.Fatalf("reports to L1 that the last tier's address bounces: %+v", got)
	}
	// A delay is no bounce.
	_, notice5 := f.escalated("The projector in room 4 flickers.")
	f.now = f.now.Add(48 * time.Hour)
	f.one(dsn("tb5", notice5.MessageID, "l1@example.com", "delayed", "4.4.1"))
	if n := len(f.sent("tier_bounce", "l2@example.com")); n != 2 {
		t.Fatalf("a delay report was told as a bounce: %d reports", n)
	}
}
