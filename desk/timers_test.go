package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// tickAt applies the timers at instant at.
func (f *fixture) tickAt(at time.Time) TickResult {
	f.t.Helper()
	f.now = at
	res, err := f.desk.Tick(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func TestTimers_ReminderAt75PercentThenBreachEscalatesToTheNextTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	t0 := f.now
	tk, _ := f.escalated("The scanner on 2F does not send mail.") // P3: respond 4h, resolve 24h
	if tk.Priority != "P3" || !tk.RespondDueAt.Equal(t0.Add(4*time.Hour)) {
		t.Fatalf("setup: %s respond due %v", tk.Priority, tk.RespondDueAt)
	}
	if r := f.tickAt(t0.Add(2*time.Hour + 59*time.Minute)); r.Reminded != 0 {
		t.Fatalf("reminded before 75%%: %+v", r)
	}
	r := f.tickAt(t0.Add(3 * time.Hour))
	rem := f.sent(mailReminder, "l1@example.com")
	if r.Reminded != 1 || len(rem) != 1 || !strings.Contains(rem[0].Text, tk.Ref) {
		t.Fatalf("reminder at 75%%: %+v, %d mails", r, len(rem))
	}
	if r := f.tickAt(t0.Add(3*time.Hour + 30*time.Minute)); r.Reminded != 0 {
		t.Fatalf("reminded twice: %+v", r)
	}
	r = f.tickAt(t0.Add(4 * time.Hour))
	if r.Breached != 1 || r.Escalated != 1 {
		t.Fatalf("at the respond target: %+v", r)
	}
	got := f.ticket(tk.Ref)
	if got.Tier != 1 || len(got.Breaches) != 1 || got.Breaches[0].Target != tickets.TargetRespond {
		t.Fatalf("after the breach: tier %d breaches %+v", got.Tier, got.Breaches)
	}
	if len(f.sent(mailBreach, "l1@example.com")) != 1 || len(f.sent(mailNotice, "l2@example.com")) != 1 {
		t.Fatal("breach notice to L1 or notice to L2 missing")
	}
	if r := f.tickAt(t0.Add(5 * time.Hour)); r.Breached+r.Escalated != 0 {
		t.Fatalf("the breach fired again: %+v", r)
	}
}

func TestTimers_NoAgentAnswerWithinEscalateAfterMovesTheTicketOn(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) {
		o.SLA.Targets = map[string]tickets.Targets{"P3": {Respond: 8 * time.Hour, Resolve: 48 * time.Hour}}
	})
	t0 := f.now
	tk, n := f.escalated("Teams calls drop.")
	if r := f.tickAt(t0.Add(3*time.Hour + 59*time.Minute)); r.Escalated != 0 {
		t.Fatalf("moved on early: %+v", r)
	}
	if r := f.tickAt(t0.Add(4 * time.Hour)); r.Escalated != 1 || f.ticket(tk.Ref).Tier != 1 {
		t.Fatalf("escalate_after: %+v", r)
	}
	// An answered ticket stays where it is.
	f2 := newAgentFixture(t, func(o *Options) {
		o.SLA.Targets = map[string]tickets.Targets{"P3": {Respond: 8 * time.Hour, Resolve: 48 * time.Hour}}
	})
	tk2, n2 := f2.escalated("Teams calls drop.")
	f2.one(agentMail("alice@example.com", n2, "Which headset do you use?", "q1"))
	if r := f2.tickAt(f2.now.Add(5 * time.Hour)); r.Escalated != 0 || f2.ticket(tk2.Ref).Tier != 0 {
		t.Fatalf("an answered ticket moved on: %+v", r)
	}
	_ = n
}

// Business hours Mon-Fri 09:00-18:00 in Tokyo, with a holiday: a P3
// opened on Friday at 17:00 has its 4 business hours of respond target
// 1 hour on Friday and 3 on the next business day.
func TestTimers_BusinessHoursAndHolidaysAreHonoured(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := tickets.NewCalendar([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		9*time.Hour, 18*time.Hour, tokyo, []tickets.Date{{Year: 2026, Month: 12, Day: 7}})
	if err != nil {
		t.Fatal(err)
	}
	f := newAgentFixture(t, func(o *Options) { o.SLA.Calendar = cal })
	f.now = time.Date(2026, 12, 4, 17, 0, 0, 0, tokyo) // Friday
	tk, _ := f.escalated("Cannot print PDFs.")
	wantDue := time.Date(2026, 12, 8, 12, 0, 0, 0, tokyo) // Monday 7th is a holiday
	if !tk.RespondDueAt.Equal(wantDue) {
		t.Fatalf("respond due %v, want %v", tk.RespondDueAt.In(tokyo), wantDue)
	}
	if r := f.tickAt(time.Date(2026, 12, 7, 23, 0, 0, 0, tokyo)); r.Reminded+r.Breached != 0 {
		t.Fatalf("timers over the weekend and the holiday: %+v", r)
	}
	if r := f.tickAt(time.Date(2026, 12, 8, 11, 0, 0, 0, tokyo)); r.Reminded != 1 {
		t.Fatalf("reminder at 3 business hours: %+v", r)
	}
	if r := f.tickAt(wantDue); r.Breached != 1 {
		t.Fatalf("breach at the due time: %+v", r)
	}
}

func TestTimers_OnHoldPausesTheClock(t *testing.T) {
	f := newAgentFixture(t, nil)
	t0 := f.now
	tk, n := f.escalated("Need access to the finance share.") // P3 resolve 24h
	f.now = t0.Add(time.Hour)
	f.one(agentMail("alice@example.com", n, "#hold\nWaiting for your manager's approval; please forward it.", "h1"))
	if got := f.ticket(tk.Ref); got.Status != tickets.StatusOnHold {
		t.Fatalf("status %s", got.Status)
	}
	if r := f.tickAt(t0.Add(30 * time.Hour)); r.Breached != 0 {
		t.Fatalf("a ticket on hold breached: %+v", r)
	}
	// The customer's reply takes it off hold after 29 hours on hold.
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	f.now = t0.Add(30 * time.Hour)
	f.replyTo(relay, "Here is the approval from my manager.", "h2")
	got := f.ticket(tk.Ref)
	if got.Status != tickets.StatusInProgress || !got.ResolveDueAt.Equal(t0.Add(24*time.Hour+29*time.Hour)) {
		t.Fatalf("after the hold: %s, resolve due %v (want %v)", got.Status, got.ResolveDueAt, t0.Add(53*time.Hour))
	}
	if r := f.tickAt(t0.Add(52 * time.Hour)); r.Breached != 0 {
		t.Fatalf("breached before the moved due time: %+v", r)
	}
	if r := f.tickAt(t0.Add(53 * time.Hour)); r.Breached != 1 {
		t.Fatalf("no breach at the moved due time: %+v", r)
	}
}

// Tickets that waited before tiers were configured reach the first tier
// with one notice, not with a reminder and a breach at once.
func TestTimers_TicketsFromBeforeTiersGetOneNotice(t *testing.T) {
	f := newFixture(t, nil) // no tiers
	oc := f.one(mail("hanako@customer.example", "Old problem", "Still waiting from last week.", "Message-ID: <old1@c>"))
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{SupportAddress: "support@example.com"}
	withTiers(&opts)
	d, err := New(opts, Deps{Store: f.store, Templates: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	f.desk = d
	res := f.tickAt(f.now.Add(30 * time.Hour)) // far past every target
	if res.Escalated != 1 || res.Breached != 0 || res.Reminded != 0 {
		t.Fatalf("first tick with tiers: %+v", res)
	}
	if n := f.sent(mailNotice, "l1@example.com"); len(n) != 1 || !strings.Contains(n[0].Subject, oc.Ticket) {
		t.Fatalf("notices %+v", n)
	}
	if got := f.ticket(oc.Ticket); got.Status != tickets.StatusEscalated || got.TierSince.IsZero() {
		t.Fatalf("ticket %s since %v", got.Status, got.TierSince)
	}
	// From then on its clocks run: it is overdue, so the next tick breaches.
	if res := f.tickAt(f.now.Add(time.Minute)); res.Breached == 0 {
		t.Fatalf("second tick: %+v", res)
	}
}
