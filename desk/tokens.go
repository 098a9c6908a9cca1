package desk

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is who may use the JSON API: bearer tokens, each with a name
// (what its calls are audited under) and a scope. A token is printed
// once, when it is made; the store keeps the sha256 of its secret only.
// A token reads "mdg_<id>_<secret>": the id finds its row, and the
// secret's hash is compared with the stored one in constant time.

// Scope is what an API token may do.
type Scope string

// Scopes. A write token reads too, and a read token may scrape the
// metrics (it reads everything they count); alerts and metrics tokens do
// only their one thing, so a monitoring system's credentials never read
// a customer's mail.
const (
	ScopeRead    Scope = "read"    // tickets, the FAQ, the reports and /metrics
	ScopeWrite   Scope = "write"   // what read does, and the actions: on tickets and FAQ entries
	ScopeAlerts  Scope = "alerts"  // post monitoring alerts (/hooks/…), nothing else
	ScopeMetrics Scope = "metrics" // scrape /metrics on the console's listener, nothing else
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeAlerts, ScopeMetrics}

// Allows reports whether a token of scope s may do what needs scope need.
func (s Scope) Allows(need Scope) bool {
	switch need {
	case ScopeRead:
		return s == ScopeRead || s == ScopeWrite
	case ScopeMetrics:
		return s == ScopeMetrics || s == ScopeRead || s == ScopeWrite
	}
	return s == need
}

// APIToken is a token as the store keeps it (its secret's hash only).
type APIToken = tickets.APIToken

// Token failures.
var (
	// ErrBadToken: the bearer token is malformed, unknown or revoked; the
	// caller is told no more than that.
	ErrBadToken = errors.New("desk: the API token is not valid")
	// ErrNoToken: no live token has the name.
	ErrNoToken = errors.New("desk: no live API token has this name")
	// ErrTokenName: the name cannot name a token.
	ErrTokenName = errors.New("desk: an API token's name is 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
)

// tokenPrefix starts every token: a secret scanner (and a person) can
// tell one in a log or a repository.
const tokenPrefix = "mdg_"

// tokenName: what the audit trail can hold as an actor as it is (the
// desk writes actors in lower case), and never an address (no '@'), so
// it is never taken for an agent's.
var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// reservedActors are actors of the audit trail that are not tokens.
var reservedActors = []string{"system", "terminal"}

// CreateToken makes a token named name with scope and returns its
// secret, the only time it is seen: the store keeps its hash. by is who
// made it, for the audit trail. A live token of the same name is
// tickets.ErrTokenNameInUse.
func (d *Desk) CreateToken(ctx context.Context, name string, scope Scope, by string) (string, *APIToken, error) {
	if !tokenName.MatchString(name) || slices.Contains(reservedActors, name) {
		return "", nil, fmt.Errorf("%w: %q", ErrTokenName, name)
	}
	if !slices.Contains(Scopes, scope) {
		return "", nil, fmt.Errorf("desk: unknown API token scope %q (read, write, alerts, metrics)", scope)
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", nil, fmt.Errorf("desk: making a token id: %w", err)
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	t := &APIToken{ID: hex.EncodeToString(id[:]), Name: name, Scope: string(scope), SecretHash: hash, CreatedBy: by}
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		if err := tx.AddAPIToken(t); err != nil {
			return err
		}
		return tx.TokenEvent(name, "api_token_created", by, map[string]any{"scope": scope, "id": t.ID})
	})
	if err != nil {
		return "", nil, fmt.Errorf("desk: API token %s: %w", name, err)
	}
	d.log.Info("API token created", "name", name, "scope", scope, "id", t.ID, "by", by)
	return tokenPrefix + t.ID + "_" + secret, t, nil
}

// Tokens lists every token, the live ones first.
func (d *Desk) Tokens(ctx context.Context) ([]APIToken, error) {
	var out []APIToken
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) { out, err = tx.APITokens(); return err })
	return out, err
}

// RevokeToken revokes the live token named name at once: its next call is
// refused. by is who revoked it, for the audit trail.
func (d *Desk) RevokeToken(ctx context.Context, name, by string) error {
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		ok, err := tx.RevokeAPIToken(name)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %q", ErrNoToken, name)
		}
		return tx.TokenEvent(name, "api_token_revoked", by, nil)
	})
	if err == nil {
		d.log.Info("API token revoked", "name", name, "by", by)
	}
	return err
}

// Authenticate finds the live token of a bearer token's text; anything
// else is ErrBadToken. The use is noted (at most once a minute a token),
// for `web token list`.
func (d *Desk) Authenticate(ctx context.Context, bearer string) (*APIToken, error) {
	rest, ok := strings.CutPrefix(bearer, tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 16 || secret == "" {
		return nil, ErrBadToken
	}
	var t *APIToken
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) { t, err = tx.APIToken(id); return err })
	if errors.Is(err, tickets.ErrNotFound) {
		// The hash is computed all the same: an unknown id costs what a
		// wrong secret does.
		subtle.ConstantTimeCompare([]byte(hashOf(secret)), []byte(hashOf("")))
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashOf(secret)), []byte(t.SecretHash)) != 1 || !t.RevokedAt.IsZero() {
		return nil, ErrBadToken
	}
	if t.LastUsedAt.IsZero() || d.store.Now().Sub(t.LastUsedAt) >= tokenTouchEvery {
		if err := d.store.Update(ctx, func(tx *tickets.Tx) error { return tx.TouchAPIToken(t.ID) }); err != nil {
			// A store that takes no write still serves reads; the
			// write calls fail on their own.
			d.log.Warn("noting an API token's use failed", "token", t.Name, "err", err)
		}
	}
	return t, nil
}

// tokenTouchEvery is how often a token's last use is written.
const tokenTouchEvery = tickets.TokenTouchEvery
