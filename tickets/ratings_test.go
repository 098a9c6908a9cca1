package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// One rating a ticket: a later one replaces it and keeps when the first
// came; the queue finds the tickets by their rating.
func TestPutRating_OneATicketALaterOneReplacesItAndTheQueueFindsThem(t *testing.T) {
	s := openClock(t, t0, nil)
	var a, b, c *Ticket
	s.update(t, func(tx *Tx) (err error) {
		if a, err = tx.CreateTicket(NewTicket{Type: Incident, Subject: "printer", Requester: "a@example.com"}); err != nil {
			return err
		}
		if b, err = tx.CreateTicket(NewTicket{Type: ServiceRequest, Subject: "laptop", Requester: "b@example.com"}); err != nil {
			return err
		}
		c, err = tx.CreateTicket(NewTicket{Type: Incident, Subject: "vpn", Requester: "c@example.com"})
		return err
	})
	s.update(t, func(tx *Tx) error {
		return tx.PutRating(a, &Rating{Rating: RatingGood, By: "A@Example.com", Answer: AnswerAgent, Tier: 0, Agent: "Alice@Example.com", Priority: a.Priority, Type: a.Type})
	})
	s.now = t0.Add(time.Hour)
	var r *Rating
	s.update(t, func(tx *Tx) error {
		if err := tx.PutRating(a, &Rating{Rating: RatingBad, Comment: "slow", By: "a@example.com", Answer: AnswerAgent, Tier: 1, Priority: "P2", Type: a.Type}); err != nil {
			return err
		}
		if err := tx.PutRating(b, &Rating{Rating: RatingGood, By: "b@example.com", Answer: AnswerAuto, FAQKey: "laptop", Tier: -1, Priority: b.Priority, Type: b.Type}); err != nil {
			return err
		}
		var err error
		r, err = tx.Rating(a.ID)
		return err
	})
	if r.Rating != RatingBad || r.Comment != "slow" || r.Tier != 1 || r.Agent != "" || r.Priority != "P2" || !r.FirstRatedAt.Equal(t0) || !r.RatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("the replaced rating %+v", r)
	}
	err := s.View(context.Background(), func(tx *Tx) error {
		if r, err := tx.Rating(c.ID); err != nil || r != nil {
			t.Errorf("an unrated ticket's rating: %+v %v", r, err)
		}
		got, err := tx.RatingsOf([]int64{a.ID, b.ID, c.ID})
		if err != nil || len(got) != 2 || got[b.ID].FAQKey != "laptop" || got[a.ID].Rating != RatingBad {
			t.Errorf("RatingsOf: %+v %v", got, err)
		}
		for rating, want := range map[string][]string{RatingGood: {b.Ref}, RatingBad: {a.Ref}, RatingAny: {b.Ref, a.Ref}, RatingNone: {c.Ref}, "": {c.Ref, b.Ref, a.Ref}} {
			page, err := tx.Queue(QueueFilter{Tier: -1, Rating: rating, Order: "newest"})
			if err != nil {
				return err
			}
			var refs []string
			for _, tk := range page.Tickets {
				refs = append(refs, tk.Ref)
			}
			if len(refs) != len(want) || page.Total != len(want) {
				t.Errorf("rating %q: %v (total %d), want %v", rating, refs, page.Total, want)
				continue
			}
			for i := range want {
				if refs[i] != want[i] {
					t.Errorf("rating %q: %v, want %v", rating, refs, want)
				}
			}
		}
		if _, err := tx.Queue(QueueFilter{Tier: -1, Rating: "meh"}); err == nil {
			t.Error("a rating filter that is no rating")
		}
		rows, err := tx.RatingsBetween(t0, t0.Add(2*time.Hour))
		if err != nil || len(rows) != 2 || rows[0].RatedAt.Before(t0.Add(time.Hour)) {
			t.Errorf("RatingsBetween: %+v %v", rows, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx *Tx) error { return tx.PutRating(c, &Rating{Rating: "meh", Answer: AnswerAgent}) }); err == nil {
		t.Error("a rating that is neither good nor bad was stored")
	}
}

// A store of the version before ratings upgrades: its tickets stay,
// unrated, and take ratings.
func TestOpen_UpgradeTakesRatings(t *testing.T) {
	before := slices.IndexFunc(mustGlob(t), func(name string) bool { return strings.HasSuffix(name, "_ratings.sql") })
	db, path := atVersion(t, before)
	if _, err := db.Exec(`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at) VALUES
		(1, 'INC-1001', 'incident', 'old printer', 'a@example.com', 'resolved', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z');`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, db, path)
	var tk *Ticket
	if err := s.View(context.Background(), func(tx *Tx) (err error) { tk, err = tx.Ticket("INC-1001"); return err }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(context.Background(), func(tx *Tx) error {
		if r, err := tx.Rating(tk.ID); err != nil || r != nil {
			t.Errorf("an old ticket's rating after the upgrade: %+v %v", r, err)
		}
		return tx.PutRating(tk, &Rating{Rating: RatingGood, By: "a@example.com", Answer: AnswerAgent, Tier: -1, Priority: tk.Priority, Type: tk.Type})
	})
	if err != nil {
		t.Fatal(err)
	}
}
