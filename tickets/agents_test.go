package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clockStore is a store on a real SQLite file whose clock the test moves.
type clockStore struct {
	*Store
	now time.Time
}

func openClock(t *testing.T, start time.Time, sla *SLAPolicy) *clockStore {
	t.Helper()
	cs := &clockStore{now: start}
	s, err := OpenSource(context.Background(), testSource(t), &Options{Now: func() time.Time { return cs.now }, SLA: sla})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cs.Store = s
	return cs
}

func (cs *clockStore) update(t *testing.T, fn func(*Tx) error) {
	t.Helper()
	if err := cs.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (cs *clockStore) ticket(t *testing.T, ref string) *Ticket {
	t.Helper()
	var tk *Ticket
	if err := cs.View(context.Background(), func(tx *Tx) (err error) { tk, err = tx.Ticket(ref); return err }); err != nil {
		t.Fatal(err)
	}
	return tk
}

// events returns the ticket's events of one kind.
func (cs *clockStore) events(t *testing.T, ref, kind string) []Event {
	t.Helper()
	var out []Event
	err := cs.View(context.Background(), func(tx *Tx) error {
		tk, err := tx.Ticket(ref)
		if err != nil {
			return err
		}
		all, err := tx.Events(tk.ID)
		for _, e := range all {
			if e.Kind == kind {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func detail(t *testing.T, e Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func create(t *testing.T, tx *Tx, n NewTicket) *Ticket {
	t.Helper()
	if n.Type == "" {
		n.Type = Incident
	}
	if n.Requester == "" {
		n.Requester = "ann@example.com"
	}
	tk, err := tx.CreateTicket(n)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func tokyoPolicy(t *testing.T) (*SLAPolicy, *time.Location) {
	c := newTestCalendars(t)
	return &SLAPolicy{Calendar: c.tokyo}, c.tokyoLoc
}

func TestCreateTicket_DueTimesFromThePolicy(t *testing.T) {
	policy, tk := tokyoPolicy(t)
	monday10 := at(t, tk, "2026-11-30 10:00")

	// No policy anywhere: 24x7 defaults, resolve = the old ResolutionTarget.
	plain := openClock(t, monday10, nil)
	plain.update(t, func(tx *Tx) error {
		tkt := create(t, tx, NewTicket{Subject: "a", Impact: High, Urgency: High})
		if !tkt.DueAt.Equal(monday10.Add(4*time.Hour)) || !tkt.ResolveDueAt.Equal(tkt.DueAt) || !tkt.RespondDueAt.Equal(monday10.Add(30*time.Minute)) {
			t.Errorf("24x7 P1: due %s, resolve %s, respond %s", tkt.DueAt, tkt.ResolveDueAt, tkt.RespondDueAt)
		}
		// NewTicket.SLA overrides.
		tkt = create(t, tx, NewTicket{Subject: "b", Impact: High, Urgency: High, SLA: &SLAPolicy{Calendar: policy.Calendar, Targets: map[string]Targets{"P1": {time.Hour, 9 * time.Hour}}}})
		if want := at(t, tk, "2026-12-01 10:00"); !tkt.ResolveDueAt.Equal(want) || !tkt.RespondDueAt.Equal(at(t, tk, "2026-11-30 11:00")) {
			t.Errorf("NewTicket.SLA: resolve %s (want %s), respond %s", tkt.ResolveDueAt, want, tkt.RespondDueAt)
		}
		return nil
	})

	// The store's policy applies when the ticket names none.
	s := openClock(t, at(t, tk, "2026-12-04 17:00"), policy) // a Friday
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "c"}) // P3: respond 4h, resolve 24h
		return nil
	})
	got := s.ticket(t, "INC-1001")
	if want := at(t, tk, "2026-12-07 12:00"); !got.RespondDueAt.Equal(want) {
		t.Errorf("respond due %s, want %s (the weekend does not count)", got.RespondDueAt, want)
	}
	if want := at(t, tk, "2026-12-09 14:00"); !got.ResolveDueAt.Equal(want) || !got.DueAt.Equal(want) {
		t.Errorf("resolve due %s / due %s, want %s", got.ResolveDueAt, got.DueAt, want)
	}
	ev := s.events(t, "INC-1001", "ticket_created")
	if len(ev) != 1 || detail(t, ev[0])["respond_due_at"] != fmtTime(got.RespondDueAt) || detail(t, ev[0])["resolve_due_at"] != fmtTime(got.ResolveDueAt) {
		t.Errorf("ticket_created event %s lacks the due times", ev)
	}
}

func TestSetPriority_RecomputesTheDueTimesAndAudits(t *testing.T) {
	policy, tk := tokyoPolicy(t)
	s := openClock(t, at(t, tk, "2026-11-30 10:00"), policy)
	s.update(t, func(tx *Tx) error {
		tkt := create(t, tx, NewTicket{Subject: "printer"}) // P3
		if err := tx.SetPriority(tkt, "P7", *policy, "alice@example.com"); err == nil || !strings.Contains(err.Error(), `tickets: unknown priority "P7"`) {
			t.Errorf("SetPriority(P7) = %v", err)
		}
		if err := tx.SetPriority(tkt, "P3", *policy, "alice@example.com"); err != nil {
			return err // the same: nothing happens
		}
		return tx.SetPriority(tkt, "P1", *policy, "alice@example.com")
	})
	got := s.ticket(t, "INC-1001")
	if got.Priority != "P1" || !got.RespondDueAt.Equal(at(t, tk, "2026-11-30 10:30")) || !got.ResolveDueAt.Equal(at(t, tk, "2026-11-30 14:00")) {
		t.Errorf("after P1: %s respond %s resolve %s", got.Priority, got.RespondDueAt, got.ResolveDueAt)
	}
	ev := s.events(t, "INC-1001", "priority_changed")
	if len(ev) != 1 || ev[0].Actor != "alice@example.com" || detail(t, ev[0])["from"] != "P3" || detail(t, ev[0])["to"] != "P1" ||
		detail(t, ev[0])["resolve_due_at"] != fmtTime(got.ResolveDueAt) {
		t.Errorf("priority events %s", ev)
	}

	// SetSLA recomputes with a new policy, and only a change is audited.
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		if err := tx.SetSLA(tkt, *policy); err != nil {
			return err
		}
		return tx.SetSLA(tkt, SLAPolicy{Calendar: policy.Calendar, Targets: map[string]Targets{"P1": {time.Hour, 2 * time.Hour}}})
	})
	got = s.ticket(t, "INC-1001")
	if !got.RespondDueAt.Equal(at(t, tk, "2026-11-30 11:00")) || !got.DueAt.Equal(at(t, tk, "2026-11-30 12:00")) {
		t.Errorf("after SetSLA: respond %s due %s", got.RespondDueAt, got.DueAt)
	}
	if ev := s.events(t, "INC-1001", "sla_changed"); len(ev) != 1 || detail(t, ev[0])["was_resolve_due_at"] != fmtTime(at(t, tk, "2026-11-30 14:00")) {
		t.Errorf("sla_changed events %s, want one with the old due time", ev)
	}
}

func TestSetType_AssigneeAndTier_AreAuditedWithTheActor(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		tkt := create(t, tx, NewTicket{Subject: "laptop"})
		if err := tx.SetType(tkt, "problem", "bob@example.com"); err == nil || !strings.Contains(err.Error(), `tickets: unknown ticket type "problem"`) {
			t.Errorf("SetType(problem) = %v", err)
		}
		if err := tx.SetType(tkt, ServiceRequest, "bob@example.com"); err != nil {
			return err
		}
		if err := tx.SetAssignee(tkt, "not an address", "bob@example.com"); err == nil || !strings.Contains(err.Error(), `tickets: assignee "not an address" is not a mail address`) {
			t.Errorf("SetAssignee(bad) = %v", err)
		}
		if err := tx.SetAssignee(tkt, "Alice <Alice@Example.COM>", "bob@example.com"); err != nil {
			return err
		}
		if err := tx.SetAssignee(tkt, "alice@example.com", "alice@example.com"); err != nil { // the same
			return err
		}
		if err := tx.SetTier(tkt, -1, "system", "x"); err == nil {
			t.Error("SetTier(-1) accepted")
		}
		// Tier 0 is the default, but a ticket never sent to a tier is sent now.
		if err := tx.SetTier(tkt, 0, "system", "escalated by the responder"); err != nil {
			return err
		}
		return tx.SetTier(tkt, 0, "system", "again") // the same: nothing
	})
	got := s.ticket(t, "INC-1001")
	if got.Type != ServiceRequest || got.Ref != "INC-1001" || got.Assignee != "alice@example.com" || got.Tier != 0 || !got.TierSince.Equal(t0) {
		t.Errorf("ticket %+v", got)
	}
	s.now = t0.Add(time.Hour)
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		// Another tier unassigns the ticket: alice worked for the first.
		return tx.SetTier(tkt, 1, "system", "respond breached")
	})
	got = s.ticket(t, "INC-1001")
	if got.Tier != 1 || !got.TierSince.Equal(t0.Add(time.Hour)) || got.Assignee != "" {
		t.Errorf("after escalation: tier %d since %s, assignee %q", got.Tier, got.TierSince, got.Assignee)
	}
	checks := []struct {
		kind, actor string
		n           int
		from, to    any
	}{
		{"type_changed", "bob@example.com", 1, Incident, ServiceRequest},
		{"assignee_changed", "system", 2, "alice@example.com", ""}, // the last one: the move to tier 1
		{"tier_changed", "system", 2, 0.0, 1.0},
	}
	for _, c := range checks {
		ev := s.events(t, "INC-1001", c.kind)
		if len(ev) != c.n {
			t.Errorf("%d %s events, want %d: %s", len(ev), c.kind, c.n, ev)
			continue
		}
		last := detail(t, ev[len(ev)-1])
		if ev[len(ev)-1].Actor != c.actor || last["from"] != c.from || last["to"] != c.to {
			t.Errorf("%s event %s by %s, want %v → %v by %s", c.kind, ev[len(ev)-1].Detail, ev[len(ev)-1].Actor, c.from, c.to, c.actor)
		}
	}
	if ev := s.events(t, "INC-1001", "tier_changed"); detail(t, ev[1])["reason"] != "respond breached" {
		t.Errorf("tier reason %s", ev[1].Detail)
	}
}

// A reference is found by its number too: alone, or after the prefix of
// another type (the reference keeps the prefix it was opened with).
func TestFindTicket_ByReferenceOrNumber(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "VPN"})                          // INC-1001
		create(t, tx, NewTicket{Subject: "laptop", Type: ServiceRequest}) // REQ-1002
		for _, tt := range []struct{ ask, want string }{
			{"INC-1001", "INC-1001"}, {"inc-1001", "INC-1001"}, {"1001", "INC-1001"}, {"#1001", "INC-1001"},
			{" 1002 ", "REQ-1002"}, {"INC-1002", "REQ-1002"}, {"REQ-1001", "INC-1001"}, {"REQ-01001", "INC-1001"},
			{"1003", ""}, {"INC-1003", ""}, {"1000", ""}, {"0", ""}, {"-1", ""}, {"REQ", ""}, {"", ""}, {"99999999999999999999", ""},
		} {
			got, err := tx.FindTicket(tt.ask)
			switch {
			case tt.want == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("FindTicket(%q) = %v, %v; want ErrNotFound", tt.ask, got, err)
			case tt.want != "" && (err != nil || got.Ref != tt.want):
				t.Errorf("FindTicket(%q) = %v, %v; want %s", tt.ask, got, err, tt.want)
			}
		}
		return nil
	})
}

// A ticket that moves to another tier is no longer its assignee's: the
// agent worked for the tier it left. tickets show named the L1 agent
// after L2 had resolved it.
func TestSetTier_AnotherTierUnassignsTheTicket(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		tkt := create(t, tx, NewTicket{Subject: "VPN"})
		for _, step := range []error{
			tx.SetTier(tkt, 0, "system", "to agents"),
			tx.SetAssignee(tkt, "alice@example.com", "alice@example.com"),
			tx.SetTier(tkt, 0, "system", "the same tier"),
		} {
			if step != nil {
				return step
			}
		}
		if tkt.Assignee != "alice@example.com" {
			t.Errorf("the same tier again unassigned the ticket")
		}
		return tx.SetTier(tkt, 1, "system", "resolve breached")
	})
	if got := s.ticket(t, "INC-1001"); got.Assignee != "" || got.Tier != 1 {
		t.Fatalf("after the move: tier %d, assignee %q", got.Tier, got.Assignee)
	}
	ev := s.events(t, "INC-1001", "assignee_changed")
	if len(ev) != 2 || detail(t, ev[1])["from"] != "alice@example.com" || detail(t, ev[1])["to"] != "" {
		t.Fatalf("the unassignment is not audited: %s", ev)
	}
}

func TestMarkFirstResponse_OnlyTheFirstCounts(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "vpn", Impact: High, Urgency: High}) // respond due in 30m
		return nil
	})
	s.now = t0.Add(45 * time.Minute)
	for _, agent := range []string{"alice@example.com", "bob@example.com"} {
		s.update(t, func(tx *Tx) error {
			tkt, err := tx.Ticket("INC-1001")
			if err != nil {
				return err
			}
			return tx.MarkFirstResponse(tkt, agent)
		})
		s.now = s.now.Add(time.Hour)
	}
	got := s.ticket(t, "INC-1001")
	if !got.FirstResponseAt.Equal(t0.Add(45 * time.Minute)) {
		t.Errorf("first response %s, want the first answer's time", got.FirstResponseAt)
	}
	ev := s.events(t, "INC-1001", "first_response")
	if len(ev) != 1 || ev[0].Actor != "alice@example.com" || detail(t, ev[0])["late"] != true {
		t.Errorf("first_response events %s, want one by alice, late", ev)
	}
	// A stale copy of the ticket does not record a second one.
	s.update(t, func(tx *Tx) error {
		return tx.MarkFirstResponse(&Ticket{ID: got.ID}, "mallory@example.com")
	})
	if ev := s.events(t, "INC-1001", "first_response"); len(ev) != 1 {
		t.Errorf("a stale ticket recorded a second first response: %s", ev)
	}
}

// Two hours on hold, counted in business time, move both due times on by
// two hours of business time; the hold is audited.
func TestHold_PausesBothClocksByTheBusinessTimeHeld(t *testing.T) {
	policy, tk := tokyoPolicy(t)
	s := openClock(t, at(t, tk, "2026-11-30 10:00"), policy)
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "a", Impact: High, Urgency: Medium}) // P2: respond 1h, resolve 8h
		create(t, tx, NewTicket{Subject: "b", Impact: High, Urgency: Medium})
		return nil
	})
	if got := s.ticket(t, "INC-1001"); !got.RespondDueAt.Equal(at(t, tk, "2026-11-30 11:00")) || !got.ResolveDueAt.Equal(at(t, tk, "2026-11-30 18:00")) {
		t.Fatalf("before the hold: respond %s resolve %s", got.RespondDueAt, got.ResolveDueAt)
	}
	hold := func(ref, when string) {
		s.now = at(t, tk, when)
		s.update(t, func(tx *Tx) error {
			tkt, err := tx.Ticket(ref)
			if err != nil {
				return err
			}
			return tx.Hold(tkt, "alice@example.com", "waiting for the customer")
		})
	}
	resume := func(ref string, to Status, when string) {
		s.now = at(t, tk, when)
		s.update(t, func(tx *Tx) error {
			tkt, err := tx.Ticket(ref)
			if err != nil {
				return err
			}
			return tx.SetStatus(tkt, to, "ann@example.com", "customer replied")
		})
	}

	// INC-1001: on hold 10:30–12:30, two business hours.
	hold("INC-1001", "2026-11-30 10:30")
	if got := s.ticket(t, "INC-1001"); got.Status != StatusOnHold || !got.HoldSince.Equal(at(t, tk, "2026-11-30 10:30")) {
		t.Fatalf("on hold: %s since %s", got.Status, got.HoldSince)
	}
	resume("INC-1001", StatusInProgress, "2026-11-30 12:30")
	got := s.ticket(t, "INC-1001")
	if got.SLAPaused != 2*time.Hour || !got.HoldSince.IsZero() {
		t.Errorf("paused %s, hold since %s; want 2h and no hold", got.SLAPaused, got.HoldSince)
	}
	// 11:00 + 2h = 13:00; Monday 18:00 + 2h of business time = Tuesday 11:00.
	if !got.RespondDueAt.Equal(at(t, tk, "2026-11-30 13:00")) || !got.ResolveDueAt.Equal(at(t, tk, "2026-12-01 11:00")) || !got.DueAt.Equal(got.ResolveDueAt) {
		t.Errorf("after the hold: respond %s (want 13:00), resolve %s (want Tue 11:00)", got.RespondDueAt, got.ResolveDueAt)
	}

	// INC-1002: on hold from 17:00 to 10:00 the next day: the night is not
	// business time, so two hours again; resolved straight from hold.
	hold("INC-1002", "2026-11-30 17:00")
	resume("INC-1002", StatusResolved, "2026-12-01 10:00")
	got = s.ticket(t, "INC-1002")
	if got.SLAPaused != 2*time.Hour || !got.ResolveDueAt.Equal(at(t, tk, "2026-12-01 11:00")) {
		t.Errorf("held overnight: paused %s, resolve due %s", got.SLAPaused, got.ResolveDueAt)
	}

	// A second hold adds to the first.
	hold("INC-1001", "2026-12-01 09:00")
	resume("INC-1001", StatusInProgress, "2026-12-01 09:45")
	if got := s.ticket(t, "INC-1001"); got.SLAPaused != 2*time.Hour+45*time.Minute || !got.ResolveDueAt.Equal(at(t, tk, "2026-12-01 11:45")) {
		t.Errorf("two holds: paused %s, resolve %s", got.SLAPaused, got.ResolveDueAt)
	}

	ev := s.events(t, "INC-1001", "status_changed")
	if len(ev) != 4 {
		t.Fatalf("status events %s", ev)
	}
	d := detail(t, ev[1])
	if d["from"] != string(StatusOnHold) || d["held"] != "2h0m0s" || d["resolve_due_at"] != fmtTime(at(t, tk, "2026-12-01 11:00")) || ev[1].Actor != "ann@example.com" {
		t.Errorf("leaving hold audited as %s by %s", ev[1].Detail, ev[1].Actor)
	}
}

func TestMarkRemindedAndBreached_OnceEachAndShownAsBreaches(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "x"})
		return nil
	})
	mark := func(fn func(tx *Tx, tkt *Ticket) error) {
		s.update(t, func(tx *Tx) error {
			tkt, err := tx.Ticket("INC-1001")
			if err != nil {
				return err
			}
			return fn(tx, tkt)
		})
	}
	js, _ := json.Marshal(s.ticket(t, "INC-1001"))
	if !strings.Contains(string(js), `"breaches":[]`) || !strings.Contains(string(js), `"respond_due_at":"2026-11-25T13:00:00Z"`) {
		t.Errorf("JSON of a fresh ticket: %s", js)
	}
	mark(func(tx *Tx, tkt *Ticket) error {
		if err := tx.MarkReminded(tkt, "answer"); err == nil || !strings.Contains(err.Error(), `tickets: unknown SLA target "answer"`) {
			t.Errorf("MarkReminded(answer) = %v", err)
		}
		if err := tx.MarkBreached(tkt, ""); err == nil {
			t.Error("MarkBreached(\"\") accepted")
		}
		return tx.MarkReminded(tkt, TargetRespond)
	})
	s.now = t0.Add(4 * time.Hour)
	mark(func(tx *Tx, tkt *Ticket) error {
		if err := tx.MarkReminded(tkt, TargetRespond); err != nil { // again: nothing
			return err
		}
		if err := tx.MarkBreached(tkt, TargetRespond); err != nil {
			return err
		}
		if len(tkt.Breaches) != 1 || tkt.Breaches[0].Target != TargetRespond {
			t.Errorf("in-memory breaches %v", tkt.Breaches)
		}
		return nil
	})
	s.now = t0.Add(24 * time.Hour)
	mark(func(tx *Tx, tkt *Ticket) error {
		if err := tx.MarkReminded(tkt, TargetResolve); err != nil {
			return err
		}
		if err := tx.MarkBreached(tkt, TargetResolve); err != nil {
			return err
		}
		return tx.MarkBreached(tkt, TargetRespond) // again: nothing
	})
	got := s.ticket(t, "INC-1001")
	if !got.RespondRemindedAt.Equal(t0) || !got.RespondBreachedAt.Equal(t0.Add(4*time.Hour)) || !got.ResolveRemindedAt.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("marks: %+v", got)
	}
	js, _ = json.Marshal(got)
	if want := `"breaches":[{"target":"respond","at":"2026-11-25T13:00:00Z"},{"target":"resolve","at":"2026-11-26T09:00:00Z"}]`; !strings.Contains(string(js), want) {
		t.Errorf("JSON %s\nlacks %s", js, want)
	}
	if n := len(s.events(t, "INC-1001", "sla_reminded")); n != 2 {
		t.Errorf("%d sla_reminded events, want 2", n)
	}
	ev := s.events(t, "INC-1001", "sla_breached")
	if len(ev) != 2 || detail(t, ev[0])["target"] != TargetRespond || detail(t, ev[0])["due_at"] != "2026-11-25T13:00:00.000000Z" {
		t.Errorf("sla_breached events %s", ev)
	}
}

func TestTicketJSON_HasTheAgentFields(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		tkt := create(t, tx, NewTicket{Subject: "x"})
		if err := tx.SetTier(tkt, 1, "system", ""); err != nil {
			return err
		}
		if err := tx.SetAssignee(tkt, "alice@example.com", "alice@example.com"); err != nil {
			return err
		}
		return tx.MarkFirstResponse(tkt, "alice@example.com")
	})
	got := s.ticket(t, "INC-1001")
	got.TierName = "L2" // from the configuration, by the desk or the CLI
	js, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"assignee":"alice@example.com"`, `"tier_index":1`, `"tier":"L2"`, `"tier_since":"2026-11-25T09:00:00Z"`,
		`"first_response_at":"2026-11-25T09:00:00Z"`, `"respond_due_at":"2026-11-25T13:00:00Z"`, `"resolve_due_at":"2026-11-26T09:00:00Z"`, `"breaches":[]`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
	if strings.Contains(string(js), "hold_since") || strings.Contains(string(js), "reminded_at") {
		t.Errorf("JSON shows unset times:\n%s", js)
	}
}

// Each ticket is found at its next timer's instant (reminder, breach,
// escalate_after), the longest due first; a ticket whose timers have all
// fired, or whose clocks stand still, is never found; one that never
// reached a tier is found at once.
func TestDueTimers_FindEachTicketAtItsNextInstantAndNeverOneWithNothingLeft(t *testing.T) {
	s := openClock(t, t0, &SLAPolicy{EscalateAfter: []time.Duration{2 * time.Hour, 0}})
	s.update(t, func(tx *Tx) error {
		noTier := create(t, tx, NewTicket{Subject: "p3, never sent to a tier"})                                                  // 1001: at once
		p1 := create(t, tx, NewTicket{Subject: "p1 escalated", Impact: High, Urgency: High})                                     // 1002: reminder +22m30s
		done := create(t, tx, NewTicket{Subject: "answered, resolve breached", Impact: Low, Urgency: Low})                       // 1003: nothing left
		resolved := create(t, tx, NewTicket{Subject: "resolved"})                                                                // 1004: nothing
		held := create(t, tx, NewTicket{Subject: "on hold"})                                                                     // 1005: clocks stand still
		answered := create(t, tx, NewTicket{Subject: "answered, resolve pending", Impact: Low, Urgency: Low})                    // 1006: resolve reminder +126h
		unanswered := create(t, tx, NewTicket{Subject: "both breached, unanswered on the last tier", Impact: Low, Urgency: Low}) // 1007: nothing left
		auto := create(t, tx, NewTicket{Subject: "auto answered"})                                                               // 1008: no SLA timer
		inL1 := create(t, tx, NewTicket{Subject: "p5 escalated to L1"})                                                          // 1009: escalate_after +2h
		for _, step := range []error{
			tx.SetStatus(p1, StatusEscalated, "", ""),
			tx.SetTier(p1, 0, "system", ""),
			tx.SetStatus(done, StatusInProgress, "", ""),
			tx.SetTier(done, 0, "system", ""),
			tx.MarkFirstResponse(done, "alice@example.com"),
			tx.MarkBreached(done, TargetResolve),
			tx.SetStatus(resolved, StatusResolved, "", ""),
			tx.SetTier(held, 0, "system", ""),
			tx.Hold(held, "", ""),
			tx.SetStatus(answered, StatusInProgress, "", ""),
			tx.SetTier(answered, 0, "system", ""),
			tx.MarkFirstResponse(answered, "alice@example.com"),
			tx.SetStatus(unanswered, StatusEscalated, "", ""),
			tx.SetTier(unanswered, 1, "system", ""),
			tx.MarkBreached(unanswered, TargetRespond),
			tx.MarkBreached(unanswered, TargetResolve),
			tx.SetStatus(auto, StatusAutoAnswered, "", ""),
			tx.SetPriority(inL1, "P5", SLAPolicy{}, ""),
			tx.SetStatus(inL1, StatusEscalated, "", ""),
			tx.SetTier(inL1, 0, "system", ""),
		} {
			if step != nil {
				return step
			}
		}
		_ = noTier
		return nil
	})
	for _, c := range []struct {
		at   time.Duration
		want string
	}{
		{0, "INC-1001"},
		{22*time.Minute + 29*time.Second, "INC-1001"},
		{22*time.Minute + 30*time.Second, "INC-1001 INC-1002"},
		{2 * time.Hour, "INC-1001 INC-1002 INC-1009"},
		{1000 * time.Hour, "INC-1001 INC-1002 INC-1009 INC-1006"},
	} {
		s.now = t0.Add(c.at)
		var refs []string
		err := s.View(context.Background(), func(tx *Tx) error {
			list, err := tx.DueTimers(100)
			for _, tk := range list {
				refs = append(refs, tk.Ref)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(refs, " "); got != c.want {
			t.Errorf("due at +%v: %s, want %s", c.at, got, c.want)
		}
	}
	for ref, want := range map[string]time.Time{
		"INC-1001": t0, "INC-1002": t0.Add(22*time.Minute + 30*time.Second), "INC-1003": {}, "INC-1004": {}, "INC-1005": {},
		"INC-1006": t0.Add(126 * time.Hour), "INC-1007": {}, "INC-1008": {}, "INC-1009": t0.Add(2 * time.Hour),
	} {
		if got := s.ticket(t, ref).NextTimerAt; !got.Equal(want) {
			t.Errorf("%s: next timer %v, want %v", ref, got, want)
		}
	}
	// The limit bounds a batch; the longest due come first.
	s.now = t0.Add(1000 * time.Hour)
	err := s.View(context.Background(), func(tx *Tx) error {
		list, err := tx.DueTimers(2)
		if len(list) != 2 || list[0].Ref != "INC-1001" || list[1].Ref != "INC-1002" {
			t.Errorf("limit 2: %d tickets", len(list))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// "open" is a group: every status but closed, resolved ones too (they
// reopen on a reply until they close).
func TestListTickets_OpenIsEveryStatusButClosed(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		create(t, tx, NewTicket{Subject: "new"}) // INC-1001
		resolved := create(t, tx, NewTicket{Subject: "resolved"})
		closed := create(t, tx, NewTicket{Subject: "closed"})
		for _, step := range []error{
			tx.SetStatus(resolved, StatusResolved, "", ""),
			tx.SetStatus(closed, StatusResolved, "", ""),
			tx.SetStatus(closed, StatusClosed, "", ""),
		} {
			if step != nil {
				return step
			}
		}
		list, err := tx.ListTickets(ListFilter{Status: StatusOpen})
		if err != nil {
			return err
		}
		var refs []string
		for _, tk := range list {
			refs = append(refs, tk.Ref)
		}
		if strings.Join(refs, " ") != "INC-1002 INC-1001" {
			t.Errorf("open tickets %v, want INC-1002 INC-1001", refs)
		}
		return nil
	})
}

func TestListTickets_Filters(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		a := create(t, tx, NewTicket{Subject: "VPN down", Impact: High, Urgency: High})     // 1001 P1
		b := create(t, tx, NewTicket{Subject: "プリンターが動かない"})                                // 1002 P3
		c := create(t, tx, NewTicket{Subject: "disk 100% full", Impact: Low, Urgency: Low}) // 1003 P5
		d := create(t, tx, NewTicket{Subject: "disk 100 percent"})                          // 1004 P3
		e := create(t, tx, NewTicket{Subject: `a_b and axb in C:\temp`})                    // 1005 P3
		if err := tx.AddEntry(b, &Entry{Kind: KindCustomer, Direction: "in", Text: "三階の複合機で印刷できません。印刷は100%失敗します。"}, ""); err != nil {
			return err
		}
		if err := tx.AddEntry(d, &Entry{Kind: KindCustomer, Direction: "in", Text: "quota at 100% since Monday"}, ""); err != nil {
			return err
		}
		for _, step := range []error{
			tx.SetAssignee(a, "alice@example.com", ""),
			tx.SetAssignee(c, "alice@example.com", ""),
			tx.SetStatus(a, StatusInProgress, "", ""),
			tx.SetStatus(e, StatusResolved, "", ""),
		} {
			if step != nil {
				return step
			}
		}
		return nil
	})
	// INC-1004 (P3, respond due +4h) goes on hold at +3h: not overdue
	// however long the hold lasts.
	s.now = t0.Add(3 * time.Hour)
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1004")
		if err != nil {
			return err
		}
		return tx.Hold(tkt, "", "")
	})
	// At +5h INC-1002 (P3) is answered, a little late: its respond due time
	// no longer counts, and its resolve (+24h) is not due. INC-1001 (P1:
	// +30m, +4h) is overdue; INC-1003 (P5: +24h, +168h) is not.
	s.now = t0.Add(5 * time.Hour)
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1002")
		if err != nil {
			return err
		}
		return tx.MarkFirstResponse(tkt, "bob@example.com")
	})

	tests := []struct {
		name string
		f    ListFilter
		want string
	}{
		{"all, newest first", ListFilter{}, "INC-1005 INC-1004 INC-1003 INC-1002 INC-1001"},
		{"status", ListFilter{Status: StatusInProgress}, "INC-1001"},
		{"priority", ListFilter{Priority: "P3"}, "INC-1005 INC-1004 INC-1002"},
		{"assignee, any case", ListFilter{Assignee: "Alice@Example.com"}, "INC-1003 INC-1001"},
		{"overdue now", ListFilter{Overdue: true}, "INC-1001"},
		{"overdue at an instant", ListFilter{Overdue: true, Now: t0.Add(25 * time.Hour)}, "INC-1003 INC-1002 INC-1001"},
		{"overdue before anything is due", ListFilter{Overdue: true, Now: t0.Add(10 * time.Minute)}, ""},
		{"respond overdue only", ListFilter{Overdue: true, Now: t0.Add(time.Hour)}, "INC-1001"},
		{"overdue and a priority", ListFilter{Overdue: true, Now: t0.Add(25 * time.Hour), Priority: "P3"}, "INC-1002"},
		{"search the subject in Japanese", ListFilter{Search: "プリンター"}, "INC-1002"},
		{"search entry text in Japanese", ListFilter{Search: "複合機"}, "INC-1002"},
		{"search with a literal %", ListFilter{Search: "100%"}, "INC-1004 INC-1003 INC-1002"},
		{"Japanese and a %", ListFilter{Search: "100%失敗"}, "INC-1002"},
		{"% is not a wildcard", ListFilter{Search: "印刷%失敗"}, ""},
		{"_ is not a wildcard", ListFilter{Search: "a_b"}, "INC-1005"},
		{"search ignores ASCII case", ListFilter{Search: "vpn"}, "INC-1001"},
		{"a backslash is literal", ListFilter{Search: `C:\t`}, "INC-1005"},
		{"a backslash before % is literal", ListFilter{Search: `\%`}, ""},
		{"search and assignee", ListFilter{Search: "disk", Assignee: "alice@example.com"}, "INC-1003"},
		{"limit", ListFilter{Limit: 2}, "INC-1005 INC-1004"},
		{"limit and offset", ListFilter{Limit: 2, Offset: 2}, "INC-1003 INC-1002"},
		{"offset past the end", ListFilter{Offset: 10}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refs []string
			err := s.View(context.Background(), func(tx *Tx) error {
				list, err := tx.ListTickets(tt.f)
				for _, tk := range list {
					refs = append(refs, tk.Ref)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(refs, " "); got != tt.want {
				t.Errorf("ListTickets(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
	for _, f := range []struct {
		f    ListFilter
		want string
	}{
		{ListFilter{Status: "opened"}, `tickets: unknown status "opened"`},
		{ListFilter{Priority: "high"}, `tickets: unknown priority "high"`},
		{ListFilter{Offset: -1}, `tickets: negative offset -1`},
	} {
		err := s.View(context.Background(), func(tx *Tx) error { _, err := tx.ListTickets(f.f); return err })
		if err == nil || !strings.Contains(err.Error(), f.want) {
			t.Errorf("ListTickets(%+v) = %v, want %s", f.f, err, f.want)
		}
	}
}

// A version 4 database (before agents and SLA clocks) upgrades in place:
// its tickets keep their due time as the resolve due time, get a respond
// due time from the default target of their priority, and read back with
// the new fields empty.
func TestOpen_UpgradeFromV4AddsTheSLAColumns(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "v4.db")
	db, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"001_init.sql", "002_faq.sql", "003_ticket_rows.sql", "004_senders.sql"} {
		body, _ := migrationFiles.ReadFile("migrations/" + f)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 4;
		INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
		VALUES (1, 'INC-1001', 'incident', 'vpn', 'ann@example.com', 'escalated', 'high', 'high', 'P1', '2026-01-01T04:00:00.000000Z', '2026-01-01T00:00:00.250000Z', '2026-01-01T00:00:00.250000Z'),
		       (2, 'REQ-1002', 'service_request', 'laptop', 'bob@example.com', 'closed', 'low', 'low', 'P5', '2026-01-08T23:30:00.000000Z', '2026-01-01T23:30:00.000000Z', '2026-01-02T00:00:00.000000Z'),
		       (3, 'INC-1003', 'incident', 'old', 'c@example.com', 'new', 'medium', 'medium', 'P3', '', '', '');
		INSERT INTO entries (id, ticket_id, kind, direction, text, created_at, role) VALUES (1, 1, 'customer', 'in', 'VPN切断', '2026-01-01T00:00:00.250000Z', 'requester');`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(context.Background()); v != len(mustGlob(t)) {
		t.Errorf("schema version %d, want %d", v, len(mustGlob(t)))
	}
	err = s.View(context.Background(), func(tx *Tx) error {
		vpn, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		if got := fmtTime(vpn.RespondDueAt); got != "2026-01-01T00:30:00.250000Z" {
			t.Errorf("P1 respond due %s, want created + 30m", got)
		}
		if !vpn.ResolveDueAt.Equal(vpn.DueAt) || fmtTime(vpn.DueAt) != "2026-01-01T04:00:00.000000Z" {
			t.Errorf("resolve due %s, due %s", vpn.ResolveDueAt, vpn.DueAt)
		}
		if vpn.Assignee != "" || vpn.Tier != 0 || !vpn.TierSince.IsZero() || !vpn.FirstResponseAt.IsZero() || vpn.SLAPaused != 0 || len(vpn.Breaches) != 0 {
			t.Errorf("new fields not empty: %+v", vpn)
		}
		laptop, err := tx.Ticket("REQ-1002")
		if err != nil {
			return err
		}
		if got := fmtTime(laptop.RespondDueAt); got != "2026-01-02T23:30:00.000000Z" {
			t.Errorf("P5 respond due %s, want created + 24h across midnight", got)
		}
		old, err := tx.Ticket("INC-1003")
		if err != nil {
			return err
		}
		if !old.RespondDueAt.IsZero() || !old.ResolveDueAt.IsZero() {
			t.Errorf("a ticket without times got due times: %+v", old)
		}
		found, err := tx.ListTickets(ListFilter{Search: "切断"})
		if err != nil {
			return err
		}
		if len(found) != 1 || found[0].Ref != "INC-1001" {
			t.Errorf("search after upgrade: %v", found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The upgraded tickets take the new methods.
	err = s.Update(context.Background(), func(tx *Tx) error {
		vpn, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		if err := tx.SetAssignee(vpn, "alice@example.com", "admin"); err != nil {
			return err
		}
		return tx.MarkBreached(vpn, TargetRespond)
	})
	if err != nil {
		t.Fatal(err)
	}
}
