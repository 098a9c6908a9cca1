package tickets

import (
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"
)

// This file holds what the JSON API, /metrics and /readyz keep and read:
// the API's bearer tokens (by the hash of their secret only; the caller
// hashes), the readiness probe's one row, and the gauges read at every
// scrape. Its statements live in api.sql.

//go:embed api.sql
var apiFile string

func init() {
	for name, q := range parseQueries(apiFile) {
		addQuery(name, q)
	}
}

// ErrTokenNameInUse: a live token has that name already.
var ErrTokenNameInUse = errors.New("tickets: a live API token has this name")

// APIToken is a bearer token of the JSON API as the store keeps it: never
// its secret, only the secret's hash.
type APIToken struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Scope      string    `json:"scope"`
	SecretHash string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by,omitempty"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// AddAPIToken records a new token; a live token of the same name is
// ErrTokenNameInUse.
func (tx *Tx) AddAPIToken(t *APIToken) error {
	var n int
	if err := tx.queryRow("api_token_live_name", t.Name).Scan(&n); err != nil {
		return fmt.Errorf("tickets: api_token_live_name: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: %s", ErrTokenNameInUse, t.Name)
	}
	t.CreatedAt = tx.now
	_, err := tx.exec("api_token_insert", t.ID, t.Name, t.Scope, t.SecretHash, fmtTime(t.CreatedAt), t.CreatedBy)
	return err
}

// APIToken reads a token by its id, revoked or not; ErrNotFound when no
// token has it.
func (tx *Tx) APIToken(id string) (*APIToken, error) {
	t, err := scanAPIToken(tx.queryRow("api_token_by_id", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

// APITokens lists every token, the live ones first, by name.
func (tx *Tx) APITokens() ([]APIToken, error) {
	rows, err := tx.query("api_tokens_all")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes the live token named name and reports whether
// there was one.
func (tx *Tx) RevokeAPIToken(name string) (bool, error) {
	res, err := tx.exec("api_token_revoke", name, fmtTime(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// TokenTouchEvery is how often a token's last use is written: a busy
// client does not make every read a write.
const TokenTouchEvery = time.Minute

// TouchAPIToken notes that the token id was used now, unless that was
// noted less than TokenTouchEvery ago.
func (tx *Tx) TouchAPIToken(id string) error {
	_, err := tx.exec("api_token_touch", id, fmtTime(tx.now), fmtTime(tx.now.Add(-TokenTouchEvery)))
	return err
}

// tokenSubject is what a token's audit events are about.
func tokenSubject(name string) string { return "api_token:" + name }

// TokenEvent records an event of the token named name (made, revoked) in
// the audit trail.
func (tx *Tx) TokenEvent(name, kind, actor string, detail any) error {
	return tx.Event(0, tokenSubject(name), kind, actor, detail)
}

// TokenEvents lists the audit events of the tokens named name, oldest
// first.
func (tx *Tx) TokenEvents(name string) ([]Event, error) {
	rows, err := tx.query("api_token_events", tokenSubject(name))
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

func scanAPIToken(row interface{ Scan(...any) error }) (*APIToken, error) {
	var t APIToken
	var created, used, revoked string
	if err := row.Scan(&t.ID, &t.Name, &t.Scope, &t.SecretHash, &created, &t.CreatedBy, &used, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("tickets: reading API token: %w", err)
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = parseTime(created), parseTime(used), parseTime(revoked)
	return &t, nil
}

// Probe writes the readiness probe's row: a write transaction that
// commits it proves the store takes durable writes.
func (tx *Tx) Probe() error {
	_, err := tx.exec("health_probe", fmtTime(tx.now))
	return err
}

// Gauges are the figures of the store /metrics reports as they are at
// the moment of the scrape, each read by a bounded query.
type Gauges struct {
	// Open counts the tickets not closed by status and tier (-1: not
	// with a tier yet).
	Open []OpenCount
	// Outgoing counts the mail not sent by status: pending, failed,
	// unknown (sent mail is not counted).
	Outgoing map[OutStatus]int
	// OldestPending is when the mail waiting longest was queued; zero
	// when none waits.
	OldestPending time.Time
}

// OpenCount is the number of tickets of one status with one tier.
type OpenCount struct {
	Status Status
	Tier   int
	Count  int
}

// Gauges reads the store's gauges.
func (tx *Tx) Gauges() (*Gauges, error) {
	g := &Gauges{Outgoing: map[OutStatus]int{}}
	rows, err := tx.query("gauge_open_tickets")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c OpenCount
		if err := rows.Scan(&c.Status, &c.Tier, &c.Count); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: gauge_open_tickets: %w", err)
		}
		g.Open = append(g.Open, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tickets: gauge_open_tickets: %w", err)
	}
	if rows, err = tx.query("gauge_outgoing"); err != nil {
		return nil, err
	}
	for rows.Next() {
		var s OutStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: gauge_outgoing: %w", err)
		}
		g.Outgoing[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tickets: gauge_outgoing: %w", err)
	}
	var oldest sql.NullString
	if err := tx.queryRow("gauge_oldest_pending").Scan(&oldest); err != nil {
		return nil, fmt.Errorf("tickets: gauge_oldest_pending: %w", err)
	}
	g.OldestPending = parseTime(oldest.String)
	return g, nil
}
