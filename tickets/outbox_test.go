package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// queue writes n outgoing rows (once per store) due now and returns their ids.
func queue(t *testing.T, s *Store, n int) []int64 {
	t.Helper()
	var ids []int64
	err := s.Update(context.Background(), func(tx *Tx) error {
		for i := range n {
			o := &Outgoing{Kind: "ack", To: "a@example.com", Subject: "s", Text: "t", MessageID: fmt.Sprintf("q%d@x", i)}
			if err := tx.QueueMail(o); err != nil {
				return err
			}
			ids = append(ids, o.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func outgoing(t *testing.T, s *Store, id int64) *Outgoing {
	t.Helper()
	var o *Outgoing
	err := s.View(context.Background(), func(tx *Tx) (err error) {
		o, err = tx.OutgoingByID(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Two stores on one file stand for two processes: claiming from both at
// once, every row goes to exactly one of them.
func TestClaimOutgoing_TwoStoresNeverHoldOneRow(t *testing.T) {
	src := testSource(t)
	open := func() *Store {
		s, err := OpenSource(context.Background(), src, &Options{Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	ids := queue(t, a, 60)

	var mu sync.Mutex
	holder := map[int64]string{}
	var wg sync.WaitGroup
	for name, s := range map[string]*Store{"a": a, "b": b} {
		wg.Go(func() {
			for {
				got, err := s.ClaimOutgoing(context.Background(), name, t0, t0.Add(time.Minute), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, o := range got {
					if prev, ok := holder[o.ID]; ok {
						t.Errorf("row %d claimed by %s and %s", o.ID, prev, name)
					}
					holder[o.ID] = name
					if o.ClaimedBy != name || !o.ClaimExpires.Equal(t0.Add(time.Minute)) {
						t.Errorf("row %d reads claimed by %q until %v", o.ID, o.ClaimedBy, o.ClaimExpires)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(holder) != len(ids) {
		t.Fatalf("%d of %d rows claimed", len(holder), len(ids))
	}
}

func TestClaimOutgoing_ExpiredClaimIsTakenOver(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := queue(t, s, 1)[0]
	if got, err := s.ClaimOutgoing(ctx, "dead", t0, t0.Add(time.Minute), 10); err != nil || len(got) != 1 {
		t.Fatalf("first claim: %v %v", got, err)
	}
	if got, _ := s.ClaimOutgoing(ctx, "live", t0.Add(59*time.Second), t0.Add(2*time.Minute), 10); len(got) != 0 {
		t.Fatalf("a live claim was taken: %+v", got)
	}
	// NextDue tells the other sender when the claim runs out, not "now".
	if next, err := s.NextDue(ctx); err != nil || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("NextDue = %v %v, want the claim's expiry", next, err)
	}
	got, err := s.ClaimOutgoing(ctx, "live", t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].ClaimedBy != "live" {
		t.Fatalf("takeover after expiry: %+v %v", got, err)
	}
}

func TestRecordAttempt_DeferralsDoNotCountAndClaimEnds(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := queue(t, s, 1)[0]
	s.ClaimOutgoing(ctx, "me", t0, t0.Add(time.Minute), 1)
	err := s.RecordAttempt(ctx, id, Attempt{Owner: "me", Status: OutPending, Next: t0.Add(30 * time.Second), At: t0, Error: "connection refused"})
	if err != nil {
		t.Fatal(err)
	}
	o := outgoing(t, s, id)
	if o.Attempts != 0 || o.Deferrals != 1 || o.ClaimedBy != "" || !o.NextAttemptAt.Equal(t0.Add(30*time.Second)) || o.Status != OutPending {
		t.Fatalf("after a deferral: %+v", o)
	}
	s.ClaimOutgoing(ctx, "me", t0.Add(time.Minute), t0.Add(2*time.Minute), 1)
	if err := s.RecordAttempt(ctx, id, Attempt{Owner: "me", Status: OutPending, Counted: true, Next: t0.Add(2 * time.Minute), Error: "451 busy"}); err != nil {
		t.Fatal(err)
	}
	if o := outgoing(t, s, id); o.Attempts != 1 || o.Deferrals != 1 || o.LastError != "451 busy" {
		t.Fatalf("after a counted retry: %+v", o)
	}
	if err := s.RecordAttempt(ctx, id, Attempt{Owner: "me", Status: OutSent, Counted: true, At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if o := outgoing(t, s, id); o.Status != OutSent || !o.SentAt.Equal(t0.Add(3*time.Minute)) || o.LastError != "" {
		t.Fatalf("after sent: %+v", o)
	}
	// A second outcome for the same row (another sender was first) changes nothing.
	err = s.RecordAttempt(ctx, id, Attempt{Owner: "other", Status: OutFailed, Counted: true, Error: "550"})
	if !errors.Is(err, ErrNotPending) {
		t.Fatalf("outcome for a sent row: %v, want ErrNotPending", err)
	}
	if o := outgoing(t, s, id); o.Status != OutSent {
		t.Fatalf("status %s after a late outcome", o.Status)
	}
}

// A row whose relay may hold the mail keeps saying so, and when it is
// given up it reads "unknown", never "failed".
func TestRecordAttempt_UnknownOutcomeIsNeverPlainFailed(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := queue(t, s, 1)[0]
	if err := s.RecordAttempt(ctx, id, Attempt{Status: OutPending, Counted: true, Unknown: true, Next: t0, Error: "timeout after DATA"}); err != nil {
		t.Fatal(err)
	}
	if o := outgoing(t, s, id); o.Status != OutPending || !o.OutcomeUnknown {
		t.Fatalf("after a timeout after DATA: %+v", o)
	}
	// A later definite refusal does not undo what the first attempt may have done.
	if err := s.RecordAttempt(ctx, id, Attempt{Status: OutFailed, Counted: true, Error: "550 no"}); err != nil {
		t.Fatal(err)
	}
	o := outgoing(t, s, id)
	if o.Status != OutUnknown || !o.OutcomeUnknown {
		t.Fatalf("given up: status %s unknown=%v, want unknown", o.Status, o.OutcomeUnknown)
	}
	err := s.View(ctx, func(tx *Tx) error {
		failed, err := tx.OutgoingWithStatus(OutFailed)
		if err != nil {
			return err
		}
		unknown, err := tx.OutgoingWithStatus(OutUnknown)
		if err != nil {
			return err
		}
		if len(failed) != 0 || len(unknown) != 1 {
			t.Errorf("listed as failed %d, unknown %d; want 0 and 1", len(failed), len(unknown))
		}
		if _, err := tx.OutgoingWithStatus("lost"); err == nil {
			t.Error("unknown status accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRequeue_GivenUpRowsComeBackAudited(t *testing.T) {
	clock := t0
	s, err := OpenSource(context.Background(), testSource(t), &Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ids := queue(t, s, 4)
	s.RecordAttempt(ctx, ids[0], Attempt{Status: OutFailed, Error: "gave up after 120h"})
	s.RecordAttempt(ctx, ids[1], Attempt{Status: OutFailed, Counted: true, Unknown: true, Error: "timeout after DATA"})
	s.RecordAttempt(ctx, ids[2], Attempt{Status: OutSent, Counted: true, At: t0})

	clock = t0.Add(200 * time.Hour)
	var got []*Outgoing
	err = s.Update(ctx, func(tx *Tx) error {
		var err error
		got, err = tx.RequeueFailed("alice")
		return err
	})
	if err != nil || len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("RequeueFailed = %+v, %v; want only the failed row", got, err)
	}
	o := got[0]
	if o.Status != OutPending || o.Attempts != 0 || o.Deferrals != 0 || !o.QueuedAt.Equal(clock) || !o.NextAttemptAt.Equal(clock) || !o.CreatedAt.Equal(t0) {
		t.Fatalf("re-queued row: %+v", o)
	}
	for _, c := range []struct {
		id   int64
		fail bool
	}{{ids[1], false}, {ids[2], true}, {ids[3], true}, {9999, true}} {
		err := s.Update(ctx, func(tx *Tx) error { _, err := tx.Requeue(c.id, "alice"); return err })
		if (err != nil) != c.fail {
			t.Errorf("Requeue(%d): %v", c.id, err)
		}
	}
	if o := outgoing(t, s, ids[1]); o.Status != OutPending || !o.OutcomeUnknown {
		t.Errorf("re-queued unknown row: %+v (it must remember the relay may hold it)", o)
	}
	var actors []string
	rows, err := s.r.Query(`SELECT actor FROM events WHERE kind = 'mail_requeued' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actors = append(actors, a)
	}
	if !slices.Equal(actors, []string{"alice", "alice"}) {
		t.Errorf("mail_requeued events by %v, want two by alice", actors)
	}
}

// A database at schema 3 with outgoing rows upgrades: the rows keep their
// state and their give-up clock starts at their creation.
func TestOpen_UpgradesOutgoingRowsFromSchema3(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"001_init.sql", "002_faq.sql", "003_ticket_rows.sql"} {
		body, err := migrationFiles.ReadFile("migrations/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 3;
		INSERT INTO outgoing (id, kind, to_addr, subject, text, message_id, auto_submitted, status, attempts, next_attempt_at, last_error, created_at)
		VALUES (1, 'ack', 'a@example.com', 's', 't', 'm1@x', 'auto-replied', 'failed', 8, '2026-11-20T09:00:00.000000Z', '451 busy', '2026-11-20T09:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := outgoing(t, s, 1)
	want := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if o.Status != OutFailed || o.Attempts != 8 || o.OutcomeUnknown || !o.QueuedAt.Equal(want) || o.ClaimedBy != "" {
		t.Fatalf("upgraded row: %+v", o)
	}
}

func TestReleaseClaims_EndsOnlyThatHoldersLiveClaims(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	queue(t, s, 3)
	s.ClaimOutgoing(ctx, "a", t0, t0.Add(time.Minute), 2)
	s.ClaimOutgoing(ctx, "b", t0, t0.Add(time.Minute), 1)
	holders, err := s.ClaimHolders(ctx, t0)
	if err != nil || !slices.Equal(holders, []string{"a", "b"}) {
		t.Fatalf("holders %v %v", holders, err)
	}
	if n, err := s.ReleaseClaims(ctx, "a"); err != nil || n != 2 {
		t.Fatalf("released %d %v, want 2", n, err)
	}
	if holders, _ := s.ClaimHolders(ctx, t0); !slices.Equal(holders, []string{"b"}) {
		t.Fatalf("holders after release %v", holders)
	}
	if holders, _ := s.ClaimHolders(ctx, t0.Add(time.Minute)); len(holders) != 0 {
		t.Fatalf("expired claims listed: %v", holders)
	}
}
