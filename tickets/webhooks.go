package tickets

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Outgoing webhooks: an event of a ticket change is queued for each
// webhook that wants it, in the change's transaction (QueueWebhook), and
// the outbox's webhook sender delivers the rows by the rules of outgoing
// mail: claims, attempts and deferrals, give-up time, unknown outcomes.
// The statements live in webhooks.sql.

//go:embed webhooks.sql
var webhooksFile string

func init() {
	for name, q := range parseQueries(webhooksFile) {
		if _, dup := queries[name]; dup {
			panic("tickets: query " + name + " is defined twice")
		}
		queries[name] = q
	}
	for _, n := range webhookMirrors {
		addQuery("webhook_"+n, webhookText(query("outgoing_"+n)))
	}
}

// webhookMirrors are the statements of the webhook queue that are the
// outgoing mail's on the other table: claims, attempts, the next due time,
// the given-up rows. One text serves both queues in each dialect
// (buildPostgresQueries derives PostgreSQL's the same way), so the two
// queues cannot drift apart.
var webhookMirrors = []string{"claim", "next_due", "claim_holders", "release_claims", "ticket", "attempt", "failed_ids"}

// outgoingTable is the outgoing mail's table named in a statement's SQL.
var outgoingTable = regexp.MustCompile(`\boutgoing\b`)

// webhookText is an outgoing mail's statement on webhook_deliveries; its
// comments are left as they are.
func webhookText(q string) string {
	lines := strings.Split(q, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines[i] = outgoingTable.ReplaceAllString(l, "webhook_deliveries")
		}
	}
	return strings.Join(lines, "\n")
}

// WebhookDelivery is one event queued for one webhook.
type WebhookDelivery struct {
	ID        int64     `json:"id"`
	EventID   string    `json:"event_id"` // the receiver's idempotency key
	EventType string    `json:"event"`
	Webhook   string    `json:"webhook"` // the [[webhooks]] name
	TicketID  int64     `json:"-"`
	TicketRef string    `json:"ticket"`
	Body      string    `json:"body"` // the request body, as the webhook's format has it
	Status    OutStatus `json:"status"`
	Attempts  int       `json:"attempts"`  // attempts that reached the receiver
	Deferrals int       `json:"deferrals"` // attempts that could not reach it (outage)
	// OutcomeUnknown: an attempt sent the whole request and got no
	// answer, so the receiver may have the event.
	OutcomeUnknown bool      `json:"outcome_unknown"`
	NextAttemptAt  time.Time `json:"next_attempt_at"`
	LastError      string    `json:"last_error,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	QueuedAt       time.Time `json:"queued_at"` // start of give_up_after: creation or the last re-queue
	SentAt         time.Time `json:"sent_at,omitzero"`
	ClaimedBy      string    `json:"claimed_by,omitempty"`
	ClaimExpires   time.Time `json:"claim_expires,omitzero"`
}

// QueueWebhook writes a delivery in status pending, due now, and audits
// it on its ticket.
func (tx *Tx) QueueWebhook(d *WebhookDelivery) error {
	if d.EventID == "" || d.Webhook == "" || d.EventType == "" {
		return errors.New("tickets: webhook delivery without event id, type or webhook")
	}
	d.Status, d.Attempts, d.CreatedAt, d.QueuedAt, d.NextAttemptAt = OutPending, 0, tx.now, tx.now, tx.now
	id, err := tx.insert("insert_webhook_delivery", d.EventID, d.EventType, d.Webhook, nullID(d.TicketID), d.Body, fmtTime(tx.now))
	if err != nil {
		return err
	}
	d.ID = id
	tx.webhooksQueued++
	return tx.Event(d.TicketID, fmt.Sprint(id), "webhook_queued", "system",
		map[string]any{"webhook": d.Webhook, "event": d.EventType, "event_id": d.EventID})
}

// WebhookFilter selects deliveries; zero fields select all.
type WebhookFilter struct {
	Status   OutStatus
	Webhook  string
	TicketID int64
}

// WebhookDeliveries lists deliveries, oldest first.
func (tx *Tx) WebhookDeliveries(f WebhookFilter) ([]*WebhookDelivery, error) {
	if f.Status != "" && !slices.Contains(OutStatuses, f.Status) {
		return nil, fmt.Errorf("tickets: unknown delivery status %q (want one of %s)", f.Status, joinStatuses(OutStatuses))
	}
	rows, err := tx.query("webhook_list", f.Status, f.Webhook, f.TicketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WebhookDelivery
	for rows.Next() {
		d, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// WebhookDelivery reads one delivery.
func (tx *Tx) WebhookDelivery(id int64) (*WebhookDelivery, error) {
	d, err := scanWebhook(tx.queryRow("webhook_by_id", id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: webhook delivery %d", ErrNotFound, id)
	}
	return d, err
}

// RequeueWebhook puts a given-up delivery (failed or unknown) back in the
// queue, due now, attempts and deferrals counted afresh and give_up_after
// running from now. Its event keeps its id and body: a receiver that had
// it already knows it again. actor is audited.
func (tx *Tx) RequeueWebhook(id int64, actor string) (*WebhookDelivery, error) {
	d, err := tx.WebhookDelivery(id)
	if err != nil {
		return nil, err
	}
	if d.Status != OutFailed && d.Status != OutUnknown {
		return nil, fmt.Errorf("%w: webhook delivery %d is %s; only failed or unknown deliveries can be re-queued", ErrInvalidTransition, id, d.Status)
	}
	if _, err := tx.exec("webhook_requeue", fmtTime(tx.now), id); err != nil {
		return nil, err
	}
	tx.webhooksQueued++
	err = tx.Event(d.TicketID, fmt.Sprint(id), "webhook_requeued", actor, map[string]any{
		"webhook": d.Webhook, "was": d.Status, "attempts": d.Attempts, "deferrals": d.Deferrals, "error": d.LastError})
	if err != nil {
		return nil, err
	}
	return tx.WebhookDelivery(id)
}

// RequeueFailedWebhooks re-queues every failed delivery (not the unknown
// ones, which the receiver may have: name those one by one).
func (tx *Tx) RequeueFailedWebhooks(actor string) ([]*WebhookDelivery, error) {
	rows, err := tx.query("webhook_failed_ids")
	if err != nil {
		return nil, err
	}
	ids, err := collectIDs(rows, "webhook_failed_ids")
	if err != nil {
		return nil, err
	}
	out := make([]*WebhookDelivery, 0, len(ids))
	for _, id := range ids {
		d, err := tx.RequeueWebhook(id, actor)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

var webhookQueue = rowQueue{what: "webhook delivery", events: "webhook", ticket: "webhook_ticket", attempt: "webhook_attempt",
	claim: "webhook_claim", nextDue: "webhook_next_due", holders: "webhook_claim_holders", release: "webhook_release_claims"}

// ClaimWebhooks claims up to limit pending deliveries that are due at now
// and not held by a live claim, for owner until until, in due order (on
// PostgreSQL with FOR UPDATE SKIP LOCKED, as ClaimOutgoing).
func (s *Store) ClaimWebhooks(ctx context.Context, owner string, now, until time.Time, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	err := s.run(ctx, txClaim, func(tx *Tx) error {
		ids, err := tx.claimIDs(webhookQueue, owner, now, until, limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			d, err := tx.WebhookDelivery(id)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b WebhookDelivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RecordWebhookAttempt records the outcome of one attempt on a pending
// delivery and ends a.Owner's claim; ErrNotPending when it was recorded
// already.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id int64, a Attempt) error {
	return s.recordAttempt(ctx, webhookQueue, id, a)
}

// NextWebhookDue reports when the earliest pending delivery is due (zero
// when none).
func (s *Store) NextWebhookDue(ctx context.Context) (time.Time, error) {
	return s.nextDue(ctx, webhookQueue)
}

// WebhookClaimHolders lists the owners of live claims on pending deliveries.
func (s *Store) WebhookClaimHolders(ctx context.Context, now time.Time) ([]string, error) {
	return s.claimHolders(ctx, webhookQueue, now)
}

// ReleaseWebhookClaims ends every claim owner holds on pending deliveries,
// for a caller that knows the holder is dead.
func (s *Store) ReleaseWebhookClaims(ctx context.Context, owner string) (int, error) {
	return s.releaseClaims(ctx, webhookQueue, owner)
}

// WebhookWake receives a value after a commit that queued a webhook
// delivery (an event, a re-queue), so the webhook sender of this process
// sends it at once; another process's commit wakes the gateway through the
// store's wake pipe (Wake) instead.
func (s *Store) WebhookWake() <-chan struct{} { return s.webhookWake }

func collectIDs(rows *sql.Rows, name string) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("tickets: %s: %w", name, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tickets: %s: %w", name, err)
	}
	return ids, nil
}

func scanWebhook(r scanner) (*WebhookDelivery, error) {
	var d WebhookDelivery
	var tid sql.NullInt64
	var next, created, queued, sent, claimExpires string
	err := r.Scan(&d.ID, &d.EventID, &d.EventType, &d.Webhook, &tid, &d.TicketRef, &d.Body, &d.Status, &d.Attempts,
		&d.Deferrals, &d.OutcomeUnknown, &next, &d.LastError, &created, &queued, &sent, &d.ClaimedBy, &claimExpires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading webhook delivery: %w", err)
	}
	d.TicketID = tid.Int64
	d.NextAttemptAt, d.CreatedAt, d.QueuedAt, d.SentAt = parseTime(next), parseTime(created), parseTime(queued), parseTime(sent)
	d.ClaimExpires = parseTime(claimExpires)
	return &d, nil
}
