package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	o.Status, o.Attempts, o.CreatedAt, o.QueuedAt, o.NextAttemptAt = OutPending, 0, tx.now, tx.now, tx.now
	id, err := tx.insert("insert_outgoing", nullID(o.TicketID), o.Kind, o.ToName, o.To, o.Subject, o.Text, o.HTML,
		o.MessageID, o.InReplyTo, strings.Join(o.References, " "), o.AutoSubmitted, o.Status, fmtTime(o.NextAttemptAt),
		fmtTime(o.CreatedAt), fmtTime(o.QueuedAt), o.ReplyTo, strings.Join(o.Cc, ", "), o.From)
	if err != nil {
		return err
	}
	o.ID = id
	for i := range o.Attachments {
		a := &o.Attachments[i]
		hash, err := tx.PutBlob(a.Data)
		if err != nil {
			return err
		}
		a.SHA256, a.Size = hash, int64(len(a.Data))
		if _, err := tx.exec("insert_outgoing_attachment", id, a.Filename, a.ContentType, a.Size, hash); err != nil {
			return err
		}
	}
	detail := map[string]any{"kind": o.Kind, "to": o.To, "message_id": o.MessageID}
	if len(o.Cc) > 0 {
		detail["cc"] = o.Cc
	}
	return tx.Event(o.TicketID, fmt.Sprint(id), "mail_queued", "system", detail)
}

// loadOutgoingAttachments reads the attachments of a row, with their
// bytes, for delivery.
func (tx *Tx) loadOutgoingAttachments(o *Outgoing) error {
	if o.attachmentCount == 0 {
		return nil
	}
	rows, err := tx.query("outgoing_attachments", o.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.Data); err != nil {
			return fmt.Errorf("tickets: reading attachment of outgoing %d: %w", o.ID, err)
		}
		o.Attachments = append(o.Attachments, a)
	}
	return rows.Err()
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

// OutgoingByID reads one outgoing row.
func (tx *Tx) OutgoingByID(id int64) (*Outgoing, error) {
	o, err := scanOutgoing(tx.queryRow("outgoing_by_id", id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: outgoing %d", ErrNotFound, id)
	}
	return o, err
}

// OutgoingWithStatus lists the outgoing mail in one status (see
// OutStatuses), oldest first.
func (tx *Tx) OutgoingWithStatus(status OutStatus) ([]*Outgoing, error) {
	if !slices.Contains(OutStatuses, status) {
		return nil, fmt.Errorf("tickets: unknown outgoing status %q (want one of %s)", status, joinStatuses(OutStatuses))
	}
	rows, err := tx.query("outgoing_list_status", status)
	if err != nil {
		return nil, err
	}
	return collectOutgoing(rows)
}

// Requeue puts a given-up row (failed or unknown) back in the queue, due
// now, with its attempts and deferrals counted afresh and give_up_after
// running from now. Its Message-ID stays: a mail that may have arrived
// already arrives again as the same mail. actor is audited.
func (tx *Tx) Requeue(id int64, actor string) (*Outgoing, error) {
	o, err := tx.OutgoingByID(id)
	if err != nil {
		return nil, err
	}
	if o.Status != OutFailed && o.Status != OutUnknown {
		return nil, fmt.Errorf("%w: outgoing %d is %s; only failed or unknown mail can be re-queued", ErrInvalidTransition, id, o.Status)
	}
	if _, err := tx.exec("outgoing_requeue", fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	err = tx.Event(o.TicketID, fmt.Sprint(id), "mail_requeued", actor, map[string]any{
		"was": o.Status, "attempts": o.Attempts, "deferrals": o.Deferrals, "error": o.LastError})
	if err != nil {
		return nil, err
	}
	return tx.OutgoingByID(id)
}

// RequeueFailed re-queues every failed row (not the unknown ones, which
// the customer may have: name those one by one) and returns them.
func (tx *Tx) RequeueFailed(actor string) ([]*Outgoing, error) {
	rows, err := tx.query("outgoing_failed_ids")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: outgoing_failed_ids: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tickets: outgoing_failed_ids: %w", err)
	}
	out := make([]*Outgoing, 0, len(ids))
	for _, id := range ids {
		o, err := tx.Requeue(id, actor)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// CountQueuedTo counts the mails of the given kinds queued to an address
// since a time, up to atMost: a limit needs to know only whether it is
// reached.
func (tx *Tx) CountQueuedTo(addr string, kinds []string, since time.Time, atMost int) (int, error) {
	var n int
	err := tx.queryRow("count_queued_to", addr, fmtTime(since), jsonList(kinds), atMost).Scan(&n)
	return n, err
}

// CountQueuedOnTicket counts the mails of the given kinds queued on a
// ticket since a time, up to atMost.
func (tx *Tx) CountQueuedOnTicket(ticketID int64, kinds []string, since time.Time, atMost int) (int, error) {
	var n int
	err := tx.queryRow("count_queued_on_ticket", ticketID, fmtTime(since), jsonList(kinds), atMost).Scan(&n)
	return n, err
}

// LastSentTo is when the last mail to an address queued since a time was
// sent; zero when none was.
func (tx *Tx) LastSentTo(addr string, since time.Time) (time.Time, error) {
	var s string
	err := tx.queryRow("last_sent_to", addr, fmtTime(since)).Scan(&s)
	return parseTime(s), err
}

func jsonList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // strings always encode
	return string(b)
}

// DueOutgoing lists the pending rows whose next attempt is due, claimed or
// not (a read; the outbox takes its rows with ClaimOutgoing).
func (s *Store) DueOutgoing(ctx context.Context, now time.Time, limit int) ([]Outgoing, error) {
	rows, err := s.r.QueryContext(ctx, s.text("outgoing_due"), fmtTime(now), limit)
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

// ClaimOutgoing claims up to limit pending rows that are due at now and
// not held by a live claim, for owner until the claim expires at until,
// and returns them in due order. One UPDATE takes them, so two senders on
// one store never hold the same row (on PostgreSQL with FOR UPDATE SKIP
// LOCKED, beside the other gateways' writes rather than after them).
func (s *Store) ClaimOutgoing(ctx context.Context, owner string, now, until time.Time, limit int) ([]Outgoing, error) {
	var out []Outgoing
	err := s.run(ctx, txClaim, func(tx *Tx) error {
		ids, err := tx.claimIDs(mailQueue, owner, now, until, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			o, err := tx.OutgoingByID(id)
			if err != nil {
				return err
			}
			if err := tx.loadOutgoingAttachments(o); err != nil {
				return err
			}
			out = append(out, *o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Outgoing) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// ClaimHolders lists the owners of the claims on pending rows that are
// still running at now.
func (s *Store) ClaimHolders(ctx context.Context, now time.Time) ([]string, error) {
	return s.claimHolders(ctx, mailQueue, now)
}

// ReleaseClaims ends every claim owner holds on pending rows, for a
// caller that knows the holder is dead; it returns how many it ended.
func (s *Store) ReleaseClaims(ctx context.Context, owner string) (int, error) {
	return s.releaseClaims(ctx, mailQueue, owner)
}

// RecordAttempt records the outcome of one attempt on a pending row and
// ends a.Owner's claim on it. A row that is no longer pending (another
// sender recorded it first) is left alone: ErrNotPending.
func (s *Store) RecordAttempt(ctx context.Context, id int64, a Attempt) error {
	return s.recordAttempt(ctx, mailQueue, id, a)
}

// rowQueue is what tells apart the queues of rows the outbox delivers,
// outgoing mail and webhook deliveries, whose claims and attempts follow
// one set of rules: the names of its statements, and of it in errors and
// audit events.
type rowQueue struct {
	what                                              string // "outgoing", "webhook delivery"
	events                                            string // "mail", "webhook": audit events mail_sent, webhook_retry, …
	ticket, attempt, claim, nextDue, holders, release string
}

var mailQueue = rowQueue{what: "outgoing", events: "mail", ticket: "outgoing_ticket", attempt: "outgoing_attempt",
	claim: "outgoing_claim", nextDue: "outgoing_next_due", holders: "outgoing_claim_holders", release: "outgoing_release_claims"}

// recordAttempt records one attempt's outcome on a row of q.
func (s *Store) recordAttempt(ctx context.Context, q rowQueue, id int64, a Attempt) error {
	counted, deferred := 0, 1
	if a.Counted {
		counted, deferred = 1, 0
	}
	kind := map[OutStatus]string{OutSent: "_sent", OutPending: "_retry", OutFailed: "_failed"}[a.Status]
	if kind == "" {
		return fmt.Errorf("tickets: %s %d: cannot record status %q", q.what, id, a.Status)
	}
	if a.Status == OutPending && !a.Counted {
		kind = "_deferred"
	}
	detail := map[string]any{"counted": a.Counted}
	if a.Unknown {
		detail["outcome_unknown"] = true
	}
	if a.Error != "" {
		detail["error"] = a.Error
	}
	if len(a.RefusedCc) > 0 {
		detail["cc_refused"] = a.RefusedCc
	}
	if a.Status == OutPending {
		detail["next"] = fmtTime(a.Next)
	}
	return s.Update(ctx, func(tx *Tx) error {
		var ticketID sql.NullInt64
		if err := tx.queryRow(q.ticket, id).Scan(&ticketID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %s %d", ErrNotFound, q.what, id)
			}
			return fmt.Errorf("tickets: %s %d: %w", q.what, id, err)
		}
		res, err := tx.exec(q.attempt, a.Status, counted, deferred, a.Unknown, fmtTime(a.Next), fmtTime(a.At),
			a.Error, a.Owner, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("tickets: %s: %w", q.attempt, err)
		} else if n == 0 {
			return fmt.Errorf("%w: %s %d", ErrNotPending, q.what, id)
		}
		return tx.Event(ticketID.Int64, fmt.Sprint(id), q.events+kind, "outbox", detail)
	})
}

// claimIDs claims up to limit due rows of q for owner until until, in one
// statement, and returns their ids.
func (tx *Tx) claimIDs(q rowQueue, owner string, now, until time.Time, limit int) ([]int64, error) {
	if owner == "" {
		return nil, errors.New("tickets: claim without an owner")
	}
	rows, err := tx.query(q.claim, owner, fmtTime(until), fmtTime(now), limit)
	if err != nil {
		return nil, err
	}
	return collectIDs(rows, q.claim)
}

// nextDue reports when the earliest pending row of q is due (zero when none).
func (s *Store) nextDue(ctx context.Context, q rowQueue) (time.Time, error) {
	var t sql.NullString
	if err := s.r.QueryRowContext(ctx, s.text(q.nextDue)).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("tickets: %s: %w", q.nextDue, err)
	}
	return parseTime(t.String), nil
}

// claimHolders lists the owners of the live claims on pending rows of q.
func (s *Store) claimHolders(ctx context.Context, q rowQueue, now time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.text(q.holders), fmtTime(now))
	if err != nil {
		return nil, fmt.Errorf("tickets: %s: %w", q.holders, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("tickets: %s: %w", q.holders, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// releaseClaims ends every claim owner holds on pending rows of q.
func (s *Store) releaseClaims(ctx context.Context, q rowQueue, owner string) (int, error) {
	var n int64
	err := s.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(q.release, owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// NextDue reports when the earliest pending row is due (zero when none).
func (s *Store) NextDue(ctx context.Context) (time.Time, error) { return s.nextDue(ctx, mailQueue) }

// ErrNotPending: the outgoing row was sent or given up already.
var ErrNotPending = errors.New("tickets: outgoing mail is no longer pending")

// MarkSent records a delivered row. MarkSent, MarkRetry and MarkFailed
// set a row's state directly (tests, tools); the outbox records its
// attempts with RecordAttempt.
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
	var refs, next, created, queued, sent, claimExpires, cc string
	err := r.Scan(&o.ID, &tid, &ref, &o.Kind, &o.ToName, &o.To, &o.Subject, &o.Text, &o.HTML, &o.MessageID, &o.InReplyTo,
		&refs, &o.AutoSubmitted, &o.Status, &o.Attempts, &o.Deferrals, &o.OutcomeUnknown, &next, &o.LastError,
		&created, &queued, &sent, &o.ClaimedBy, &claimExpires, &o.ReplyTo, &o.attachmentCount, &cc, &o.From)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading outgoing: %w", err)
	}
	o.TicketID, o.TicketRef = tid.Int64, ref.String
	o.References = strings.Fields(refs)
	if cc != "" {
		o.Cc = strings.Split(cc, ", ")
	}
	o.NextAttemptAt, o.CreatedAt, o.QueuedAt, o.SentAt = parseTime(next), parseTime(created), parseTime(queued), parseTime(sent)
	o.ClaimExpires = parseTime(claimExpires)
	return &o, nil
}

func joinStatuses[S ~string](list []S) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}
