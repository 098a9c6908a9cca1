package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The tick's query reads the due tickets through the partial index on
// next_timer_at: a backlog of tickets with no timer left costs it nothing.
func TestDueTimers_ReadThroughTheNextTimerIndex(t *testing.T) {
	sqliteOnly(t)
	s := openTest(t)
	rows, err := s.r.Query("EXPLAIN QUERY PLAN "+query("due_timers"), fmtTime(t0), 500)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "USING COVERING INDEX tickets_next_timer (next_timer_at<?)") || strings.Contains(got, "SCAN tickets") {
		t.Fatalf("due_timers does not read through the index:\n%s", got)
	}
}

// A reopening starts a new SLA cycle at the reopening instant: the resolve
// target counts afresh, without the hold of the old cycle; a target met
// keeps its due time; the old resolve breach stays among the breaches.
func TestSetStatus_ReopeningStartsANewSLACycle(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		tk := create(t, tx, NewTicket{Subject: "scanner"}) // P3: respond 4h, resolve 24h
		return tx.SetStatus(tk, StatusEscalated, "system", "")
	})
	step := func(at time.Duration, fn func(tx *Tx, tk *Ticket) error) {
		t.Helper()
		s.now = t0.Add(at)
		s.update(t, func(tx *Tx) error {
			tk, err := tx.Ticket("INC-1001")
			if err != nil {
				return err
			}
			return fn(tx, tk)
		})
	}
	step(time.Hour, func(tx *Tx, tk *Ticket) error { return tx.MarkFirstResponse(tk, "alice@example.com") })
	step(2*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.Hold(tk, "alice@example.com", "") })
	step(4*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.SetStatus(tk, StatusInProgress, "customer", "") })
	step(26*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.MarkBreached(tk, TargetResolve) }) // due at 26h after the 2h hold
	step(27*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.SetStatus(tk, StatusResolved, "alice@example.com", "") })
	step(30*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.SetStatus(tk, StatusEscalated, "customer", "reopened") })

	tk := s.ticket(t, "INC-1001")
	if !tk.SLAStartedAt.Equal(t0.Add(30*time.Hour)) || tk.SLAPaused != 0 {
		t.Errorf("SLA cycle from %v with %v paused, want from the reopening with nothing paused", tk.SLAStartedAt, tk.SLAPaused)
	}
	if !tk.ResolveDueAt.Equal(t0.Add(54*time.Hour)) || !tk.DueAt.Equal(tk.ResolveDueAt) || !tk.RespondDueAt.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("due: respond %v (met: unchanged), resolve %v (want +54h)", tk.RespondDueAt, tk.ResolveDueAt)
	}
	if !tk.ResolveBreachedAt.IsZero() || !tk.ResolveRemindedAt.IsZero() {
		t.Errorf("marks of the old cycle kept: breached %v, reminded %v", tk.ResolveBreachedAt, tk.ResolveRemindedAt)
	}
	if len(tk.Breaches) != 1 || tk.Breaches[0].Target != TargetResolve || !tk.Breaches[0].At.Equal(t0.Add(26*time.Hour)) {
		t.Errorf("breaches %+v: want the old cycle's resolve breach", tk.Breaches)
	}
	ev := s.events(t, "INC-1001", "status_changed")
	if last := string(ev[len(ev)-1].Detail); !strings.Contains(last, `"sla_restarted":true`) || !strings.Contains(last, `"was_resolve_due_at":"2026-11-26T11:00:00.000000Z"`) {
		t.Errorf("the reopening's event: %s", last)
	}
	// The new cycle's breach is recorded beside the old one.
	step(54*time.Hour, func(tx *Tx, tk *Ticket) error { return tx.MarkBreached(tk, TargetResolve) })
	if tk := s.ticket(t, "INC-1001"); len(tk.Breaches) != 2 || !tk.Breaches[1].At.Equal(t0.Add(54*time.Hour)) {
		t.Errorf("breaches after the new cycle's: %+v", tk.Breaches)
	}
}

// A store opened with another policy (escalate_after configured since)
// recomputes every ticket's next timer once; SyncTimers with the same
// policy again does nothing.
func TestSyncTimers_APolicyChangeRecomputesEveryTimer(t *testing.T) {
	src := testSource(t)
	now := t0
	open := func(p SLAPolicy) *Store {
		s, err := OpenSource(context.Background(), src, &Options{Now: func() time.Time { return now }, SLA: &p})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open(SLAPolicy{})
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk := create(t, tx, NewTicket{Subject: "waiting in L1"})
		if err := tx.SetStatus(tk, StatusEscalated, "system", ""); err != nil {
			return err
		}
		return tx.SetTier(tk, 0, "system", "")
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	s = open(SLAPolicy{EscalateAfter: []time.Duration{time.Hour, 0}})
	defer s.Close()
	now = t0.Add(time.Hour)
	due := func() (refs []string, synced int) {
		t.Helper()
		err := s.Update(context.Background(), func(tx *Tx) error {
			var err error
			if synced, err = tx.SyncTimers(); err != nil {
				return err
			}
			list, err := tx.DueTimers(10)
			for _, tk := range list {
				refs = append(refs, tk.Ref)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return refs, synced
	}
	if refs, n := due(); n != 1 || strings.Join(refs, " ") != "INC-1001" {
		t.Fatalf("after the policy changed: %d recomputed, due %v; want escalate_after due at +1h", n, refs)
	}
	if _, n := due(); n != 0 {
		t.Fatalf("the same policy again recomputed %d timers", n)
	}
}

// A version 7 database upgrades in place: every ticket that may have a
// timer left gets an instant no later than it (so the first tick looks at
// it), one with none left gets none; the first SyncTimers computes the
// exact instants with the store's policy.
func TestOpen_UpgradeFromV7FindsEveryTicketThatMayHaveATimer(t *testing.T) {
	sqliteOnly(t)
	db, path := atVersion(t, 7)
	const cols = `(id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at,
		tier, tier_since, first_response_at, respond_due_at, resolve_due_at, respond_breached_at, resolve_breached_at)`
	if _, err := db.Exec(`PRAGMA user_version = 7;
		INSERT INTO tickets ` + cols + ` VALUES
		(1, 'INC-1001', 'incident', 'pending in L1', 'a@example.com', 'escalated', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', 0, '2026-11-25T09:00:00.000000Z', '', '2026-11-25T13:00:00.000000Z', '2026-11-26T09:00:00.000000Z', '', ''),
		(2, 'INC-1002', 'incident', 'both breached in L2', 'b@example.com', 'escalated', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', 1, '2026-11-25T13:00:00.000000Z', '', '2026-11-25T13:00:00.000000Z', '2026-11-26T09:00:00.000000Z', '2026-11-25T13:00:00.000000Z', '2026-11-26T09:00:00.000000Z'),
		(3, 'INC-1003', 'incident', 'answered, resolve breached', 'c@example.com', 'in_progress', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', 0, '2026-11-25T09:00:00.000000Z', '2026-11-25T10:00:00.000000Z', '2026-11-25T13:00:00.000000Z', '2026-11-26T09:00:00.000000Z', '', '2026-11-26T09:00:00.000000Z'),
		(4, 'INC-1004', 'incident', 'resolved', 'd@example.com', 'resolved', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', 0, '2026-11-25T09:00:00.000000Z', '', '2026-11-25T13:00:00.000000Z', '2026-11-26T09:00:00.000000Z', '', ''),
		(5, 'INC-1005', 'incident', 'from before tiers', 'e@example.com', 'new', 'medium', 'medium', 'P3', '',
		 '', '', 0, '', '', '', '', '', '');`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s, err := Open(path, &Options{Now: func() time.Time { return now }, SLA: &SLAPolicy{EscalateAfter: []time.Duration{4 * time.Hour, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		err := s.View(context.Background(), func(tx *Tx) error {
			list, err := tx.ListTickets(ListFilter{})
			for _, tk := range list {
				out[tk.Ref] = fmtTime(tk.NextTimerAt)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := map[string]string{
		"INC-1001": "2026-11-25T09:00:00.000000Z", // targets pending: no later than its creation
		"INC-1002": "2026-11-25T13:00:00.000000Z", // escalated: escalate_after may be pending, from tier_since
		"INC-1003": "", "INC-1004": "",
		"INC-1005": "1970-01-01T00:00:00.000000Z", // no creation time kept: at once
	}
	if got := next(); !mapsEqual(got, want) {
		t.Errorf("after the upgrade: %v, want %v", got, want)
	}
	err = s.Update(context.Background(), func(tx *Tx) error {
		n, err := tx.SyncTimers()
		if n != 4 {
			t.Errorf("the first sync recomputed %d tickets, want the 3 open ones and INC-1002", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want["INC-1001"] = "2026-11-25T12:00:00.000000Z" // its respond reminder at 75% of 4h
	want["INC-1002"] = ""                            // the last tier, both breached: nothing left
	if got := next(); !mapsEqual(got, want) {
		t.Errorf("after the first sync: %v, want %v", got, want)
	}
	if v, _ := s.SchemaVersion(context.Background()); v != len(mustGlob(t)) {
		t.Errorf("schema version %d, want %d", v, len(mustGlob(t)))
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
