package tickets

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Bounce is a delivery report of failure for one of a ticket's mails, to
// the customer or to a tier.
type Bounce struct {
	Mail   string    `json:"mail"` // the kind of mail: notice, relay, reminder, ...
	To     string    `json:"to"`
	Action string    `json:"action"` // failed, or what the report said
	Status string    `json:"status,omitempty"`
	At     time.Time `json:"at"` // when the report arrived
}

// Bounces lists the delivery reports of failure for the ticket's mails,
// oldest first; reports of a delay or of success are not listed.
func (tx *Tx) Bounces(ticketID int64) ([]Bounce, error) {
	rows, err := tx.query("bounces_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Bounce{}
	for rows.Next() {
		var b Bounce
		var at string
		if err := rows.Scan(&b.Mail, &b.To, &b.Action, &b.Status, &at); err != nil {
			return nil, fmt.Errorf("tickets: reading a bounce: %w", err)
		}
		b.At = parseTime(at)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ReportTierBounce decides whether to report now that a tier's address
// bounces: true, and the report recorded as made now, when none was made
// since since; false when one was (once per address and window, however
// often it bounces).
func (tx *Tx) ReportTierBounce(addr string, since time.Time) (bool, error) {
	var got string
	err := tx.queryRow("report_tier_bounce", addr, fmtTime(tx.now), fmtTime(since)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tickets: recording the report that %s bounces: %w", addr, err)
	}
	return true, nil
}
