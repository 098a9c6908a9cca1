package desk

import (
	"context"
	"fmt"
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
	// A restart with tiers configured: the store opens with the new policy.
	opts := Options{SupportAddress: "support@example.com"}
	withTiers(&opts)
	opts.SLA = SLAPolicy(opts.SLA, opts.Tiers)
	store, err := tickets.Open(f.store.Path(), &tickets.Options{Now: func() time.Time { return f.now }, SLA: &opts.SLA})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d, err := New(opts, Deps{Store: store, Templates: tmpl})
	if err != nil {
		t.Fatal(err)
	}
	f.desk, f.store = d, store
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

// staleBacklog writes n tickets opened at `at` that breached both targets
// and wait unanswered on the last tier: every timer of theirs has fired.
func (f *fixture) staleBacklog(n int, at time.Time) {
	f.t.Helper()
	f.now = at
	f.update(func(tx *tickets.Tx) error { return writeStaleBacklog(tx, n, &f.desk.opts.SLA) })
}

// writeStaleBacklog writes n tickets that breached both targets and wait
// unanswered on tier 1, the last of withTiers.
func writeStaleBacklog(tx *tickets.Tx, n int, sla *tickets.SLAPolicy) error {
	for i := range n {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: fmt.Sprintf("stale %d", i),
			Requester: fmt.Sprintf("user%d@customer.example", i), SLA: sla})
		if err != nil {
			return err
		}
		for _, err := range []error{
			tx.SetStatus(tk, tickets.StatusEscalated, "system", "no FAQ answer"),
			tx.SetTier(tk, 1, "system", "breached"),
			tx.MarkBreached(tk, tickets.TargetRespond),
			tx.MarkBreached(tk, tickets.TargetResolve),
		} {
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// Issue 12 item 2: a backlog of tickets whose timers have all fired
// (breached, unanswered on the last tier) never keeps a new ticket's
// reminder and breach from their instants.
func TestTimers_TenThousandStaleTicketsNeverStarveANewOne(t *testing.T) {
	f := newAgentFixture(t, nil)
	t0 := f.now
	f.staleBacklog(10000, t0.Add(-72*time.Hour))
	f.now = t0
	tk, _ := f.escalated("The scanner on 2F does not send mail.") // P3: respond 4h, resolve 24h
	if r := f.tickAt(t0.Add(2*time.Hour + 59*time.Minute)); r.Reminded+r.Breached+r.Escalated != 0 {
		t.Fatalf("timers before the first one was due: %+v", r)
	}
	r := f.tickAt(t0.Add(3 * time.Hour))
	if rem := f.sent("reminder", "l1@example.com"); r.Reminded != 1 || len(rem) != 1 || !strings.Contains(rem[0].Subject, tk.Ref) {
		t.Fatalf("reminder at 75%% of the new ticket's respond target behind 10,000 stale tickets: %+v, %d mails", r, len(rem))
	}
	r = f.tickAt(t0.Add(4 * time.Hour))
	if got := f.ticket(tk.Ref); r.Breached != 1 || got.Tier != 1 || len(got.Breaches) != 1 {
		t.Fatalf("breach at the respond target: %+v, tier %d, breaches %+v", r, got.Tier, got.Breaches)
	}
}

// Issue 12 item 9: a reopened ticket gets a new resolve target counted
// from the reopening (the time it spent resolved and the hold before do
// not count); its reminder and breach can fire again, and the breach of
// the old target stays in its history.
func TestTimers_ReopenedTicketStartsANewResolveTargetAndKeepsTheOldBreach(t *testing.T) {
	f := newAgentFixture(t, nil)
	t0 := f.now
	tk, n := f.escalated("The scanner on 2F does not send mail.") // P3: respond 4h, resolve 24h
	f.now = t0.Add(time.Hour)
	f.one(agentMail("alice@example.com", n, "Please restart the scanner.", "r1"))
	if r := f.tickAt(t0.Add(24 * time.Hour)); r.Breached != 1 {
		t.Fatalf("the first resolve target: %+v", r)
	}
	f.now = t0.Add(25 * time.Hour)
	if _, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "carol@example.com", Commands: []string{"resolve"}, Text: "The scanner's SMTP password was renewed."}); err != nil {
		t.Fatal(err)
	}
	resolution := f.sent("resolution", "hanako@customer.example")[0]

	// Reopened 30 hours after it opened: nothing is due at once.
	f.now = t0.Add(30 * time.Hour)
	if oc := f.replyTo(resolution, "It stopped sending again this morning.", "r2"); oc.Status != tickets.StatusEscalated {
		t.Fatalf("the customer's problem report: %+v", oc)
	}
	reopened := f.ticket(tk.Ref)
	if want := t0.Add(54 * time.Hour); !reopened.ResolveDueAt.Equal(want) {
		t.Fatalf("resolve due %v after the reopening, want %v", reopened.ResolveDueAt, want)
	}
	if r := f.tickAt(t0.Add(30*time.Hour + time.Minute)); r.Breached+r.Reminded != 0 {
		t.Fatalf("a reopened ticket breached or was reminded at once: %+v", r)
	}
	if r := f.tickAt(t0.Add(48 * time.Hour)); r.Reminded != 1 {
		t.Fatalf("the new resolve target's reminder (75%% of 24h after the reopening): %+v", r)
	}
	if r := f.tickAt(t0.Add(54 * time.Hour)); r.Breached != 1 {
		t.Fatalf("the new resolve target's breach: %+v", r)
	}
	got := f.ticket(tk.Ref)
	if len(got.Breaches) != 2 || got.Breaches[0].Target != tickets.TargetResolve || !got.Breaches[0].At.Equal(t0.Add(24*time.Hour)) ||
		!got.Breaches[1].At.Equal(t0.Add(54*time.Hour)) {
		t.Fatalf("breaches %+v: want the old one at 24h and the new one at 54h", got.Breaches)
	}
}

// Issue 12 item 11: the reminders and breaches of one tick to one address
// come as one digest in desk.language, each ticket listed with what
// happened to it; P1 and P2 tickets still come one by one, and each
// ticket moved on still reaches its new tier as a notice of its own (the
// thread that tier answers in).
func TestTimers_ManyBreachesInOneTickComeAsOneDigestPerAddress(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			f := newAgentFixture(t, func(o *Options) { o.Language = lang })
			t0 := f.now
			var batch []string
			for i := range 100 {
				batch = append(batch, mail(fmt.Sprintf("user%d@customer.example", i), fmt.Sprintf("Scanner %d does not send mail", i),
					"The scanner does not send mail.", fmt.Sprintf("Message-ID: <d%d@customer.example>", i)))
			}
			f.deliver(batch...)
			f.now = t0.Add(3*time.Hour + 30*time.Minute) // its respond target (30m) falls at 4h, with the others'
			p1 := f.one(mail("boss@customer.example", "URGENT: the whole site is down", "All users cannot work: the server is down.", "Message-ID: <p1@customer.example>"))
			if p1.Ticket == "" || f.ticket(p1.Ticket).Priority != "P1" {
				t.Fatalf("setup: the P1 ticket %+v", p1)
			}
			before := len(f.outgoing())

			r := f.tickAt(t0.Add(4 * time.Hour))
			if r.Breached != 101 || r.Escalated != 101 {
				t.Fatalf("tick: %+v, want 101 breaches and escalations", r)
			}
			var l1, l2Notices, l2Other []*tickets.Outgoing
			for _, o := range f.outgoing()[before:] {
				switch {
				case o.To == "l1@example.com":
					l1 = append(l1, o)
				case o.To == "l2@example.com" && o.Kind == "notice":
					l2Notices = append(l2Notices, o)
				default:
					l2Other = append(l2Other, o)
				}
			}
			if len(l1) != 2 || len(l2Notices) != 101 || len(l2Other) != 0 {
				t.Fatalf("mails: %d to L1 (want the digest and the P1's breach), %d notices to L2 (want 101), %d others", len(l1), len(l2Notices), len(l2Other))
			}
			var digest, p1Breach *tickets.Outgoing
			for _, o := range l1 {
				if o.Kind == "digest" {
					digest = o
				} else if o.Kind == "breach" && o.TicketRef == p1.Ticket {
					p1Breach = o
				}
			}
			if digest == nil || p1Breach == nil {
				t.Fatalf("to L1: %+v", l1)
			}
			for i := range 100 {
				ref := fmt.Sprintf("INC-%d", 1001+i)
				if !strings.Contains(digest.Text, ref) {
					t.Fatalf("the digest does not list %s:\n%s", ref, digest.Text)
				}
			}
			if strings.Contains(digest.Text, p1.Ticket) {
				t.Fatalf("the digest lists the P1 ticket:\n%s", digest.Text)
			}
			want := []string{"Scanner 7 does not send mail", "P3", "L2", "2026-11-25 13:00 UTC"}
			if lang == "ja" {
				want = append(want, "超過")
			} else {
				want = append(want, "overdue")
			}
			for _, w := range want {
				if !strings.Contains(digest.Text, w) {
					t.Fatalf("the digest lacks %q:\n%s", w, digest.Text)
				}
			}
			// A reply to the digest is not an agent's reply to one ticket: it
			// goes back to the list, carries no token, names no ticket.
			if digest.ReplyTo != "l1@example.com" || digest.TicketRef != "" || strings.Contains(digest.MessageID, "tk-") ||
				!strings.Contains(digest.Text, "l1@example.com") {
				t.Fatalf("digest Reply-To %q, ticket %q, Message-ID %q:\n%s", digest.ReplyTo, digest.TicketRef, digest.MessageID, digest.Text)
			}
			// A reply that reaches the desk all the same (a client that drops
			// Reply-To), with a command, acts on none of the tickets listed.
			f.one(mail("alice@example.com", "Re: "+digest.Subject, "#resolve\nAll done.",
				"Message-ID: <dr1@agents.example>", "In-Reply-To: <"+digest.MessageID+">"))
			for i := range 100 {
				got := f.ticket(fmt.Sprintf("INC-%d", 1001+i))
				if got.Status != tickets.StatusEscalated {
					t.Fatalf("a reply to the digest changed %s: %s", got.Ref, got.Status)
				}
				for _, e := range f.entries(got.Ref) {
					if e.From == "alice@example.com" {
						t.Fatalf("a reply to the digest is on %s: %+v", got.Ref, e)
					}
				}
			}
			// Each ticket's audit trail has its breach, and where it was told.
			var breached, inDigest bool
			for _, e := range f.events("INC-1042") {
				breached = breached || e.Kind == "sla_breached" && strings.Contains(string(e.Detail), `"respond"`)
				inDigest = inDigest || e.Kind == "in_digest" && e.Subject == fmt.Sprint(digest.ID) && strings.Contains(string(e.Detail), "l1@example.com")
			}
			if !breached || !inDigest {
				t.Fatalf("INC-1042's audit trail: breach %v, digest %v: %+v", breached, inDigest, f.events("INC-1042"))
			}
		})
	}
}
