package tickets

import (
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file holds what the console keeps: sign-in links and sessions, by
// the sha256 of their secret only (the caller hashes), and the digests
// sent. Its statements live in console.sql.

//go:embed console.sql
var consoleFile string

// queueOrders are the queue's sort orders, each a fragment of console.sql:
// the only orders a caller can ask for.
var queueOrders = []string{"due", "newest", "oldest", "updated", "priority"}

// QueueOrders lists the sort orders Queue knows, the default first.
func QueueOrders() []string { return append([]string(nil), queueOrders...) }

func init() {
	frags := map[string]string{}
	for name, q := range parseQueries(consoleFile) {
		if f, ok := strings.CutPrefix(name, "frag_"); ok {
			frags[f] = q
			continue
		}
		addQuery(name, q)
	}
	// One statement per sort order: the order is part of the SQL text (it
	// cannot be a bound parameter and still use an index), so each is a
	// whole statement made here, before anything runs, from console.sql
	// alone.
	ids := strings.Replace(frags["queue_ids"], "/*where*/", frags["queue_where"], 1)
	for _, o := range queueOrders {
		addQuery("queue_ids_"+o, strings.Replace(ids, "/*order*/", frags["queue_order_"+o], 1))
	}
	addQuery("queue_counts", strings.Replace(frags["queue_counts"], "/*where*/", frags["queue_where"], 1))
}

func addQuery(name, q string) {
	if _, dup := queries[name]; dup {
		panic(fmt.Sprintf("tickets: query %q is defined twice", name))
	}
	if strings.Contains(q, "/*") {
		panic(fmt.Sprintf("tickets: query %q has an unfilled fragment", name))
	}
	queries[name] = q
}

// Sign-in link failures a caller tells the person about.
var (
	ErrSignInUsed    = errors.New("tickets: sign-in link already used")
	ErrSignInExpired = errors.New("tickets: sign-in link expired")
)

// AddSignInToken records a sign-in link's token by its hash, for addr,
// valid until expires.
func (tx *Tx) AddSignInToken(hash, addr string, expires time.Time) error {
	_, err := tx.exec("signin_token_insert", hash, strings.ToLower(addr), fmtTime(tx.now), fmtTime(expires))
	return err
}

// UseSignInToken spends a sign-in token: it returns the address it was
// made for and marks it used, once. A token used before is ErrSignInUsed,
// one past its time ErrSignInExpired, one never made ErrNotFound.
func (tx *Tx) UseSignInToken(hash string) (string, error) {
	var addr string
	err := tx.queryRow("signin_token_use", hash, fmtTime(tx.now)).Scan(&addr)
	if err == nil {
		return addr, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tickets: using sign-in token: %w", err)
	}
	return "", tx.deadSignInToken(hash)
}

// PeekSignInToken says whom a sign-in token that still works was made
// for, without spending it: the console shows a link's page by it, and
// only the page's button spends the link. A token used, expired or never
// made is refused as UseSignInToken refuses it, so the page can say which.
func (tx *Tx) PeekSignInToken(hash string) (string, error) {
	var addr string
	err := tx.queryRow("signin_token_peek", hash, fmtTime(tx.now)).Scan(&addr)
	if err == nil {
		return addr, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tickets: reading sign-in token: %w", err)
	}
	return "", tx.deadSignInToken(hash)
}

// deadSignInToken says why a token signs nobody in: ErrSignInUsed,
// ErrSignInExpired or ErrNotFound.
func (tx *Tx) deadSignInToken(hash string) error {
	var used, expires string
	err := tx.queryRow("signin_token_state", hash).Scan(&used, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("tickets: reading sign-in token: %w", err)
	case used != "":
		return ErrSignInUsed
	}
	return ErrSignInExpired
}

// Session is a signed-in person's session.
type Session struct {
	Addr      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AddSession records a session by the hash of its id.
func (tx *Tx) AddSession(hash, addr string, expires time.Time) error {
	_, err := tx.exec("session_insert", hash, strings.ToLower(addr), fmtTime(tx.now), fmtTime(expires))
	return err
}

// Session finds a live session by the hash of its id; an expired or
// deleted one is ErrNotFound.
func (tx *Tx) Session(hash string) (*Session, error) {
	var s Session
	var created, expires string
	err := tx.queryRow("session_by_hash", hash, fmtTime(tx.now)).Scan(&s.Addr, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = parseTime(created), parseTime(expires)
	return &s, nil
}

// DeleteSession ends one session.
func (tx *Tx) DeleteSession(hash string) error {
	_, err := tx.exec("session_delete", hash)
	return err
}

// DeleteSessions ends every session of addr and says how many there were.
func (tx *Tx) DeleteSessions(addr string) (int, error) {
	res, err := tx.exec("sessions_delete_addr", strings.ToLower(addr))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CountSessions counts the live sessions of addr.
func (tx *Tx) CountSessions(addr string) (int, error) {
	var n int
	if err := tx.queryRow("sessions_count_addr", strings.ToLower(addr), fmtTime(tx.now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("tickets: counting sessions: %w", err)
	}
	return n, nil
}

// PurgeSignIns deletes expired sign-in tokens and sessions, and replaces
// the text of sign-in mails (kind, no ticket) made before deadBefore and
// no longer pending with scrubbed: their link is dead, and the store
// should not keep it.
func (tx *Tx) PurgeSignIns(kind, scrubbed string, deadBefore time.Time) error {
	if _, err := tx.exec("signin_tokens_purge", fmtTime(tx.now)); err != nil {
		return err
	}
	if _, err := tx.exec("sessions_purge", fmtTime(tx.now)); err != nil {
		return err
	}
	_, err := tx.exec("signin_mail_scrub", scrubbed, kind, fmtTime(deadBefore))
	return err
}

// MarkDigest records that the digest of period was sent, and reports
// whether this call did: false when it was sent before.
func (tx *Tx) MarkDigest(period string) (bool, error) {
	res, err := tx.exec("digest_mark", period, fmtTime(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DigestSent reports whether the digest of period was sent.
func (tx *Tx) DigestSent(period string) (bool, error) {
	var n int
	if err := tx.queryRow("digest_sent", period).Scan(&n); err != nil {
		return false, fmt.Errorf("tickets: digest_sent: %w", err)
	}
	return n > 0, nil
}
