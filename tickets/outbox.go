package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// QueueMail writes an outgoing row in status pending, due now. The caller
// fixes MessageID; it never changes afterwards.
func (tx *Tx) QueueMail(o *Outgoing) error {
	if o.MessageID == "" {
		return errors.New("tickets: outgoing mail without Message-ID")
	}
	if o.AutoSubmitted == "" {
		o.AutoSubmitted = "auto-replied"
	}
	o.Status, o.Attempts, o.CreatedAt, o.NextAttemptAt = OutPending, 0, tx.now, tx.now
	id, err := tx.insert("insert_outgoing", nullID(o.TicketID), o.Kind, o.ToName, o.To, o.Subject, o.Text, o.HTML,
		o.MessageID, o.InReplyTo, strings.Join(o.References, " "), o.AutoSubmitted, o.Status, fmtTime(o.NextAttemptAt), fmtTime(o.CreatedAt))
	if err != nil {
		return err
	}
	o.ID = id
	return tx.Event(o.TicketID, fmt.Sprint(id), "mail_queued", "system", map[string]any{"kind": o.Kind, "to": o.To, "message_id": o.MessageID})
}

// OutgoingByMessageID finds one of our mails by its Message-ID.
func (tx *Tx) OutgoingByMessageID(id string) (*Outgoing, error) {
	return scanOutgoing(tx.queryRow("outgoing_by_message_id", id))
}

// OutgoingList lists outgoing mail, oldest first; ticketID 0 = all.
func (tx *Tx) OutgoingList(ticketID int64) ([]*Outgoing, error) {
	rows, err := tx.query("outgoing_list", ticketID)
	if err != nil {
		return nil, err
	}
	return collectOutgoing(rows)
}

// CountAutoRepliesTo counts the mails of the given kinds queued to an
// address since t.
func (tx *Tx) CountAutoRepliesTo(addr string, since time.Time, kinds []string) (int, error) {
	var n int
	err := tx.queryRow("count_auto_to", addr, fmtTime(since), jsonList(kinds)).Scan(&n)
	return n, err
}

// CountAutoRepliesOnTicket counts the mails of the given kinds queued on a
// ticket since t.
func (tx *Tx) CountAutoRepliesOnTicket(ticketID int64, since time.Time, kinds []string) (int, error) {
	var n int
	err := tx.queryRow("count_auto_ticket", ticketID, fmtTime(since), jsonList(kinds)).Scan(&n)
	return n, err
}

func jsonList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // strings always encode
	return string(b)
}

// DueOutgoing returns pending rows whose next attempt is due (for outbox.Queue).
func (s *Store) DueOutgoing(ctx context.Context, now time.Time, limit int) ([]Outgoing, error) {
	rows, err := s.r.QueryContext(ctx, query("outgoing_due"), fmtTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("tickets: outgoing_due: %w", err)
	}
	list, err := collectOutgoing(rows)
	out := make([]Outgoing, len(list))
	for i, o := range list {
		out[i] = *o
	}
	return out, err
}

// NextDue reports when the earliest pending row is due (zero when none).
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	var t sql.NullString
	if err := s.r.QueryRowContext(ctx, query("outgoing_next_due")).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("tickets: outgoing_next_due: %w", err)
	}
	return parseTime(t.String), nil
}

// MarkSent records a delivered row.
func (s *Store) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return s.markOutgoing(ctx, id, "mail_sent", func(tx *Tx) error {
		_, err := tx.exec("outgoing_sent", fmtTime(at), id)
		return err
	}, nil)
}

// MarkRetry records a temporary failure and the time of the next attempt.
func (s *Store) MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return s.markOutgoing(ctx, id, "mail_retry", func(tx *Tx) error {
		_, err := tx.exec("outgoing_retry", attempts, fmtTime(next), lastErr, id)
		return err
	}, map[string]any{"attempts": attempts, "next": fmtTime(next), "error": lastErr})
}

// MarkFailed records a permanent failure.
func (s *Store) MarkFailed(ctx context.Context, id int64, attempts int, lastErr string) error {
	return s.markOutgoing(ctx, id, "mail_failed", func(tx *Tx) error {
		_, err := tx.exec("outgoing_failed", attempts, lastErr, id)
		return err
	}, map[string]any{"attempts": attempts, "error": lastErr})
}

func (s *Store) markOutgoing(ctx context.Context, id int64, kind string, fn func(*Tx) error, detail map[string]any) error {
	return s.Update(ctx, func(tx *Tx) error {
		var ticketID sql.NullInt64
		if err := tx.queryRow("outgoing_ticket", id).Scan(&ticketID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: outgoing %d", ErrNotFound, id)
			}
			return fmt.Errorf("tickets: outgoing %d: %w", id, err)
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Event(ticketID.Int64, fmt.Sprint(id), kind, "outbox", detail)
	})
}

func collectOutgoing(rows *sql.Rows) ([]*Outgoing, error) {
	defer rows.Close()
	var out []*Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func scanOutgoing(r scanner) (*Outgoing, error) {
	var o Outgoing
	var tid sql.NullInt64
	var ref sql.NullString
	var refs, next, created, sent string
	err := r.Scan(&o.ID, &tid, &ref, &o.Kind, &o.ToName, &o.To, &o.Subject, &o.Text, &o.HTML, &o.MessageID, &o.InReplyTo,
		&refs, &o.AutoSubmitted, &o.Status, &o.Attempts, &next, &o.LastError, &created, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading outgoing: %w", err)
	}
	o.TicketID, o.TicketRef = tid.Int64, ref.String
	o.References = strings.Fields(refs)
	o.NextAttemptAt, o.CreatedAt, o.SentAt = parseTime(next), parseTime(created), parseTime(sent)
	return &o, nil
}
