package tickets

import (
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is what customers see and say: the rating of a ticket (one
// a ticket, replaced by a later one), the people a ticket's status links
// are for, a requester's own tickets, and a vote an FAQ entry loses when
// the customer changes their mind. Its statements live in ratings.sql.

//go:embed ratings.sql
var ratingsFile string

func init() {
	for name, q := range parseQueries(ratingsFile) {
		addQuery(name, q)
	}
}

// Ratings and who answered what was rated.
const (
	RatingGood = "good"
	RatingBad  = "bad"
	RatingAny  = "any"  // a filter: rated at all
	RatingNone = "none" // a filter: not rated

	AnswerAuto  = "auto"  // the FAQ responder's automatic answer
	AnswerAgent = "agent" // agents' answer and resolution
)

// Rating is a customer's rating of a ticket: good or bad, with an optional
// comment, and what the reports group it by as it was when it was given.
type Rating struct {
	Rating  string `json:"rating"`            // RatingGood | RatingBad
	Comment string `json:"comment,omitempty"` // the customer's words, as typed
	By      string `json:"rated_by"`          // the requester or a participant
	Answer  string `json:"answer"`            // AnswerAuto | AnswerAgent
	FAQKey  string `json:"faq_key,omitempty"` // the entry of an automatic answer
	Tier    int    `json:"tier_index"`        // the tier that resolved it; -1 = none
	// TierName is the name of Tier, filled in from the configuration by
	// the desk or the CLI; the store keeps the index.
	TierName     string    `json:"tier,omitempty"`
	Agent        string    `json:"agent,omitempty"` // who resolved it; "" = no agent
	Priority     string    `json:"priority"`
	Type         string    `json:"type"`
	FirstRatedAt time.Time `json:"first_rated_at"`
	RatedAt      time.Time `json:"rated_at"` // the last rating, the one that stands
}

// ValidRating reports whether r is a rating a customer may give.
func ValidRating(r string) bool { return r == RatingGood || r == RatingBad }

// PutRating records r as ticket t's rating, replacing the one before (its
// first time kept), at the transaction's time.
func (tx *Tx) PutRating(t *Ticket, r *Rating) error {
	if !ValidRating(r.Rating) {
		return fmt.Errorf("tickets: rating %q is neither %s nor %s", r.Rating, RatingGood, RatingBad)
	}
	if r.Answer != AnswerAuto && r.Answer != AnswerAgent {
		return fmt.Errorf("tickets: rated answer %q is neither %s nor %s", r.Answer, AnswerAuto, AnswerAgent)
	}
	r.By, r.RatedAt = strings.ToLower(r.By), tx.now
	_, err := tx.exec("rating_put", t.ID, r.Rating, r.Comment, r.By, r.Answer, r.FAQKey, r.Tier, strings.ToLower(r.Agent),
		r.Priority, r.Type, fmtTime(tx.now))
	if err != nil {
		return err
	}
	return tx.queryRow("rating_by_ticket", t.ID).Scan(ratingColumns(r)...)
}

// Rating is the rating of the ticket; nil when it has none.
func (tx *Tx) Rating(ticketID int64) (*Rating, error) {
	var r Rating
	err := tx.queryRow("rating_by_ticket", ticketID).Scan(ratingColumns(&r)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading the rating of ticket %d: %w", ticketID, err)
	}
	return &r, nil
}

// RatingsOf reads the ratings of the tickets, by ticket id; tickets
// without one are not in the map.
func (tx *Tx) RatingsOf(ids []int64) (map[int64]*Rating, error) {
	out := map[int64]*Rating{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("tickets: encoding ids: %w", err)
	}
	err = tx.each("ratings_of_tickets", func(rows *sql.Rows) error {
		var id int64
		var r Rating
		if err := rows.Scan(append([]any{&id}, ratingColumns(&r)...)...); err != nil {
			return err
		}
		out[id] = &r
		return nil
	}, string(list))
	return out, err
}

// ratingColumns are the destinations of a rating row's columns.
func ratingColumns(r *Rating) []any {
	return []any{&r.Rating, &r.Comment, &r.By, &r.Answer, &r.FAQKey, &r.Tier, &r.Agent, &r.Priority, &r.Type,
		timeText{&r.FirstRatedAt}, timeText{&r.RatedAt}}
}

// timeText scans a stored time (text) into a time.Time.
type timeText struct{ t *time.Time }

func (tt timeText) Scan(v any) error {
	switch s := v.(type) {
	case string:
		*tt.t = parseTime(s)
	case []byte:
		*tt.t = parseTime(string(s))
	case nil:
		*tt.t = time.Time{}
	default:
		return fmt.Errorf("tickets: a time stored as %T", v)
	}
	return nil
}

// RatedRow is one rating as the reports count it.
type RatedRow struct {
	Rating   string
	Answer   string
	Tier     int // -1 = none
	Agent    string
	Priority string
	Type     string
	RatedAt  time.Time
}

// RatingsBetween lists the ratings given in [from, to), oldest first: the
// ratings that stand, each at the time it was given.
func (tx *Tx) RatingsBetween(from, to time.Time) ([]RatedRow, error) {
	var out []RatedRow
	err := tx.each("ratings_between", func(rows *sql.Rows) error {
		var r RatedRow
		if err := rows.Scan(&r.Rating, &r.Answer, &r.Tier, &r.Agent, &r.Priority, &r.Type, timeText{&r.RatedAt}); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	}, fmtTime(from), fmtTime(to))
	return out, err
}

// TicketPeople lists everyone who acts on the ticket as its customer: its
// requester, its participants (not those an agent dropped), and the
// requesters and participants of the tickets merged into it.
func (tx *Tx) TicketPeople(ticketID int64) ([]string, error) {
	var out []string
	err := tx.each("ticket_people", func(rows *sql.Rows) error {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, ticketID)
	return out, err
}

// RequesterTickets lists the tickets addr is the requester of, newest
// first, at most limit.
func (tx *Tx) RequesterTickets(addr string, limit int) ([]*Ticket, error) {
	return tx.ticketList("requester_tickets", strings.ToLower(addr), limit)
}

// HasTickets reports whether addr is the requester of any ticket.
func (tx *Tx) HasTickets(addr string) (bool, error) {
	var yes bool
	if err := tx.queryRow("has_tickets", strings.ToLower(addr)).Scan(&yes); err != nil {
		return false, fmt.Errorf("tickets: has_tickets: %w", err)
	}
	return yes, nil
}

// WithdrawFAQVote takes back a vote the ticket counted for entry key (the
// customer changed their mind), audited as faq_vote_withdrawn. An entry
// deleted since is ErrNotFound.
func (tx *Tx) WithdrawFAQVote(key string, helpful bool, ticketID int64, actor string) error {
	q := "faq_unvote_not_helpful"
	if helpful {
		q = "faq_unvote_helpful"
	}
	res, err := tx.exec(q, fmtTime(tx.now), key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: FAQ %q", ErrNotFound, key)
	}
	return tx.faqChanged(key, "faq_vote_withdrawn", actor, map[string]any{"helpful": helpful, "ticket": ticketID})
}

// RemoveTicketParaphrases removes every wording of entry key that ticket
// taught it and that still counts (pending or confirmed), audited with
// how: the customer said the entry does not answer them after all. It
// reports whether it removed any.
func (tx *Tx) RemoveTicketParaphrases(ticketID int64, key, how, actor string) (bool, error) {
	type live struct {
		id  int64
		ref string
		n   int
	}
	var list []live
	err := tx.each("live_paraphrases_of_ticket", func(rows *sql.Rows) error {
		var p live
		if err := rows.Scan(&p.id, &p.ref, &p.n); err != nil {
			return err
		}
		list = append(list, p)
		return nil
	}, ticketID, key)
	if err != nil {
		return false, err
	}
	for _, p := range list {
		if err := tx.setParaphraseState(key, p.id, p.n, ParaphraseRemoved, how, "", actor, p.ref); err != nil {
			return false, err
		}
	}
	return len(list) > 0, nil
}
