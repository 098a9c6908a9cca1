package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestAPIToken_OneLiveTokenPerNameRevokedKeepsItsRow(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		return tx.AddAPIToken(&APIToken{ID: "id1", Name: "ci", Scope: "read", SecretHash: "h1", CreatedBy: "root"})
	})
	err := s.Update(context.Background(), func(tx *Tx) error {
		return tx.AddAPIToken(&APIToken{ID: "id2", Name: "ci", Scope: "write", SecretHash: "h2"})
	})
	if !errors.Is(err, ErrTokenNameInUse) {
		t.Fatalf("a second live token named ci: %v, want ErrTokenNameInUse", err)
	}
	s.now = t0.Add(time.Hour)
	s.update(t, func(tx *Tx) error {
		if ok, err := tx.RevokeAPIToken("ci"); err != nil || !ok {
			t.Errorf("revoke ci = %v, %v", ok, err)
		}
		if ok, err := tx.RevokeAPIToken("ci"); err != nil || ok {
			t.Errorf("revoke ci again = %v, %v; want false", ok, err)
		}
		// The name is free again; the old row stays, revoked.
		return tx.AddAPIToken(&APIToken{ID: "id2", Name: "ci", Scope: "write", SecretHash: "h2"})
	})
	s.View(context.Background(), func(tx *Tx) error {
		old, err := tx.APIToken("id1")
		if err != nil || !old.RevokedAt.Equal(t0.Add(time.Hour)) || old.SecretHash != "h1" || old.CreatedBy != "root" {
			t.Errorf("revoked token = %+v, %v", old, err)
		}
		if _, err := tx.APIToken("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id = %v, want ErrNotFound", err)
		}
		all, err := tx.APITokens()
		if err != nil || len(all) != 2 || all[0].ID != "id2" || all[1].ID != "id1" {
			t.Errorf("tokens = %+v, %v; want the live id2 before the revoked id1", all, err)
		}
		return nil
	})
}

func TestTouchAPIToken_AtMostOnceAMinute(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		return tx.AddAPIToken(&APIToken{ID: "id1", Name: "ci", Scope: "read", SecretHash: "h"})
	})
	lastUsed := func() time.Time {
		var at time.Time
		s.View(context.Background(), func(tx *Tx) error { tk, err := tx.APIToken("id1"); at = tk.LastUsedAt; return err })
		return at
	}
	for _, step := range []struct {
		at, want time.Time
	}{
		{t0, t0},
		{t0.Add(30 * time.Second), t0},
		{t0.Add(61 * time.Second), t0.Add(61 * time.Second)},
	} {
		s.now = step.at
		s.update(t, func(tx *Tx) error { return tx.TouchAPIToken("id1") })
		if got := lastUsed(); !got.Equal(step.want) {
			t.Errorf("used at %s: last_used_at %s, want %s", step.at.Format(time.TimeOnly), got.Format(time.TimeOnly), step.want.Format(time.TimeOnly))
		}
	}
}

// The gauges count the tickets not closed by status and tier, the mail
// not sent by status, and the queue time of the oldest waiting mail.
func TestGauges_OpenTicketsByStatusAndTierOutgoingAndOldestPending(t *testing.T) {
	s := openClock(t, t0, nil)
	var ids []int64
	s.update(t, func(tx *Tx) error {
		mk := func(tier int, status Status) error {
			tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "s", Requester: "a@example.com", Impact: Low, Urgency: Low})
			if err != nil {
				return err
			}
			if tier >= 0 {
				if err := tx.SetTier(tk, tier, "system", "test"); err != nil {
					return err
				}
			}
			if status == StatusClosed {
				if err := tx.SetStatus(tk, StatusResolved, "x", "test"); err != nil {
					return err
				}
			}
			if status != StatusNew {
				return tx.SetStatus(tk, status, "x", "test")
			}
			return nil
		}
		for _, c := range []struct {
			tier   int
			status Status
		}{{-1, StatusNew}, {-1, StatusNew}, {0, StatusEscalated}, {1, StatusEscalated}, {1, StatusResolved}, {0, StatusClosed}} {
			if err := mk(c.tier, c.status); err != nil {
				return err
			}
		}
		return nil
	})
	s.now = t0.Add(time.Minute)
	ids = queue(t, s.Store, 4)
	s.now = t0.Add(2 * time.Minute)
	for i, a := range []Attempt{
		{Status: OutSent, Counted: true},
		{Status: OutFailed, Counted: true, Error: "550"},
		{Status: OutFailed, Counted: true, Unknown: true, Error: "no reply after DATA"},
	} {
		a.At = s.now
		if err := s.RecordAttempt(context.Background(), ids[i], a); err != nil {
			t.Fatal(err)
		}
	}
	var g *Gauges
	s.View(context.Background(), func(tx *Tx) (err error) { g, err = tx.Gauges(); return err })
	got := map[string]int{}
	for _, c := range g.Open {
		got[fmt.Sprintf("%s/%d", c.Status, c.Tier)] += c.Count
	}
	want := map[string]int{"new/-1": 2, "escalated/0": 1, "escalated/1": 1, "resolved/1": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("open tickets = %v, want %v (closed ones not counted)", got, want)
	}
	if fmt.Sprint(g.Outgoing) != fmt.Sprint(map[OutStatus]int{OutPending: 1, OutFailed: 1, OutUnknown: 1}) {
		t.Errorf("outgoing = %v, want one each of pending, failed, unknown and no sent", g.Outgoing)
	}
	if !g.OldestPending.Equal(t0.Add(time.Minute)) {
		t.Errorf("oldest pending queued at %s, want %s", g.OldestPending, t0.Add(time.Minute))
	}
}

// The open tickets are read from their partial index, never by a scan
// of every ticket: closed tickets grow without bound.
func TestGauges_OpenTicketsReadFromTheirIndex(t *testing.T) {
	sqliteOnly(t)
	s := openTest(t)
	if p := explain(t, s, query("gauge_open_tickets")); !strings.Contains(p, "tickets_open_by_tier") {
		t.Errorf("plan %q does not use tickets_open_by_tier", p)
	}
}

// The robot check's look-up of the last mail sent to an address reads
// the newest row of outgoing_to_sent, not every mail the address was sent
// in the window: a storm from one address would make it grow with the
// storm.
func TestLastSentTo_ReadsTheNewestRowOfItsIndex(t *testing.T) {
	sqliteOnly(t)
	s := openTest(t)
	if p := explain(t, s, query("last_sent_to"), "a@example.com", "2026-12-01T00:00:00Z"); !strings.Contains(p, "outgoing_to_sent") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan %q does not read outgoing_to_sent in its order", p)
	}
}

// explain is SQLite's plan of q with args, its steps joined by "; ".
func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.r.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

func TestProbe_WritesItsOneRow(t *testing.T) {
	s := openClock(t, t0, nil)
	for range 2 {
		s.update(t, func(tx *Tx) error { return tx.Probe() })
	}
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM health_probe").Scan(&n); err != nil || n != 1 {
		t.Errorf("health_probe rows = %d, %v; want 1", n, err)
	}
}
