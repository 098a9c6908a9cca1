package tickets

import (
	"fmt"
	"time"
)

// This file holds what the desk's tick reads: the tickets whose SLA timers
// fall due, found by next_timer_at through its index, and the automatic
// answers waiting for a decision, each in one bounded query.
//
// next_timer_at is kept by the store itself: every method that changes
// one of its inputs (status, hold, reopening, tier, priority, first
// response, reminders and breaches marked, the due times) recomputes it
// with the store's SLA policy (Options.SLA), which must be the desk's.

// reschedule recomputes when t's next timer falls due, after a change to
// what decides it, and writes it when it moved.
func (tx *Tx) reschedule(t *Ticket) error {
	next := tx.sla.NextTimer(t)
	if fmtTime(next) == fmtTime(t.NextTimerAt) {
		return nil
	}
	t.NextTimerAt = next
	_, err := tx.exec("set_next_timer", nullTime(next), t.ID)
	return err
}

// nullTime is t for a nullable time column: NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// DueTimers lists the tickets one of whose timers falls due by the
// transaction's time, the longest due first, at most limit (> 0). A ticket
// whose timers have all fired is not among them, however old.
func (tx *Tx) DueTimers(limit int) ([]*Ticket, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("tickets: due timers: limit %d is not positive", limit)
	}
	return tx.ticketList("due_timers", fmtTime(tx.now), limit)
}

// RescheduleTimer recomputes when t's next timer falls due, with the
// store's policy, for a ticket the caller looked at.
func (tx *Tx) RescheduleTimer(t *Ticket) error { return tx.reschedule(t) }

// PostponeTimer sets t's next timer to at: for a ticket whose timer came
// due but that nothing could be done for now, so it does not come back at
// once.
func (tx *Tx) PostponeTimer(t *Ticket, at time.Time) error {
	t.NextTimerAt = at
	_, err := tx.exec("set_next_timer", nullTime(at), t.ID)
	return err
}

// SyncTimers makes the stored timers agree with the store's SLA policy:
// when they were computed with another one (the configuration's targets,
// business hours or tiers changed, or the database was upgraded), it
// recomputes next_timer_at for every ticket that is open or has a timer,
// and reports how many it looked at.
func (tx *Tx) SyncTimers() (int, error) {
	want := tx.sla.fingerprint()
	var have string
	if err := tx.queryRow("timer_policy").Scan(&have); err != nil {
		return 0, fmt.Errorf("tickets: reading the timer policy: %w", err)
	}
	if have == want {
		return 0, nil
	}
	list, err := tx.ticketList("timer_tickets")
	if err != nil {
		return 0, err
	}
	for _, t := range list {
		if err := tx.reschedule(t); err != nil {
			return 0, err
		}
	}
	if _, err := tx.exec("set_timer_policy", want); err != nil {
		return 0, err
	}
	return len(list), nil
}

// AutoAnswerDelivery is what became of a ticket's automatic answer.
type AutoAnswerDelivery struct {
	Ticket *Ticket
	// GivenUp is the first answer row the outbox gave up on (0 = none):
	// GivenUpStatus OutFailed, or OutUnknown when the relay may hold it.
	GivenUp       int64
	GivenUpStatus OutStatus
	GivenUpError  string
	// Bounced is the first answer row a delivery report of failure was
	// linked to (0 = none), with the report's action and status.
	Bounced      int64
	BounceAction string
	BounceStatus string
	SentAt       time.Time // when the relay first took an answer; zero while queued
}

// AutoAnswerDelivery reads what became of t's automatic answer.
func (tx *Tx) AutoAnswerDelivery(t *Ticket) (AutoAnswerDelivery, error) {
	list, err := tx.autoAnswerDeliveries("auto_answer_delivery_of", t.ID)
	if err != nil {
		return AutoAnswerDelivery{}, err
	}
	if len(list) == 0 {
		return AutoAnswerDelivery{}, fmt.Errorf("%w: ticket %s", ErrNotFound, t.Ref)
	}
	return list[0], nil
}

// AutoAnswersDue lists the tickets waiting in auto_answered since before
// cutoff whose answer needs a decision: given up, reported bounced, or
// taken by the relay before cutoff; at most limit (> 0), oldest first. An
// answer still queued is not the customer's silence: its ticket is not
// listed, so any number of them never keeps the others from their turn.
func (tx *Tx) AutoAnswersDue(cutoff time.Time, limit int) ([]AutoAnswerDelivery, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("tickets: automatic answers due: limit %d is not positive", limit)
	}
	return tx.autoAnswerDeliveries("auto_answers_due", fmtTime(cutoff), limit)
}

func (tx *Tx) autoAnswerDeliveries(name string, args ...any) ([]AutoAnswerDelivery, error) {
	rows, err := tx.query(name, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AutoAnswerDelivery
	for rows.Next() {
		var d AutoAnswerDelivery
		var givenUp, bounced *int64
		var status, sent string
		t, err := scanTicket(rows, &givenUp, &status, &d.GivenUpError, &bounced, &d.BounceAction, &d.BounceStatus, &sent)
		if err != nil {
			return nil, err
		}
		d.Ticket, d.GivenUpStatus, d.SentAt = t, OutStatus(status), parseTime(sent)
		if givenUp != nil {
			d.GivenUp = *givenUp
		}
		if bounced != nil {
			d.Bounced = *bounced
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// TimerNote is a reminder or breach a tier has yet to be told of: written
// in the transaction that marks it, told at the end of the tick, so that
// one tick's notes to one address can go as one mail however many
// transactions the tick took.
type TimerNote struct {
	ID       int64
	Ticket   *Ticket // TimerNotes reads it back as it stands now
	Tier     int     // the tier to tell: the one the ticket was with
	Kind     string  // the mail: reminder or breach
	Target   string  // TargetRespond or TargetResolve
	Due      time.Time
	Left     time.Duration // reminder: business time left until Due
	NextTier string        // breach: the tier it moved to; "" = it stays
}

// AddTimerNote records a note about t.
func (tx *Tx) AddTimerNote(t *Ticket, n TimerNote) error {
	_, err := tx.exec("insert_timer_note", t.ID, n.Tier, n.Kind, n.Target, fmtTime(n.Due), int64(n.Left), n.NextTier, fmtTime(tx.now))
	return err
}

// TimerNotes lists the notes not told yet, oldest first, with their
// tickets.
func (tx *Tx) TimerNotes() ([]TimerNote, error) {
	rows, err := tx.query("timer_notes")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TimerNote
	for rows.Next() {
		var n TimerNote
		var due string
		var left int64
		if n.Ticket, err = scanTicket(rows, &n.ID, &n.Tier, &n.Kind, &n.Target, &due, &left, &n.NextTier); err != nil {
			return nil, err
		}
		n.Due, n.Left = parseTime(due), time.Duration(left)
		out = append(out, n)
	}
	return out, rows.Err()
}

// DeleteTimerNotes deletes the notes up to id, once told.
func (tx *Tx) DeleteTimerNotes(through int64) error {
	_, err := tx.exec("delete_timer_notes", through)
	return err
}
