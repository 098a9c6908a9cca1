package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is who may use the console and how they sign in: by a
// one-time link mailed through the outbox (or printed at the terminal for
// the first admin), which opens a session. Links and sessions are stored
// by the sha256 of their secret; the secrets themselves are never logged.

// Role is what a signed-in person may do in the console.
type Role string

// Roles. An admin does all an agent does, and curates the FAQ, reads the
// reports and the settings. A viewer (Options.Viewers) reads the queue,
// the tickets and the reports and does nothing; a customer (the requester
// of a ticket, signed in by a link like everyone) sees their own tickets
// alone (customer.go).
const (
	RoleNone     Role = ""
	RoleCustomer Role = "customer"
	RoleViewer   Role = "viewer"
	RoleAgent    Role = "agent"
	RoleAdmin    Role = "admin"
)

// MayRead reports whether the role reads the queue and the tickets.
func (r Role) MayRead() bool { return r == RoleViewer || r == RoleAgent || r == RoleAdmin }

// MayAct reports whether the role works tickets: every action of the
// ticket page.
func (r Role) MayAct() bool { return r == RoleAgent || r == RoleAdmin }

// MayReport reports whether the role reads the reports.
func (r Role) MayReport() bool { return r == RoleViewer || r == RoleAdmin }

// MayCurate reports whether the role curates the FAQ and reads the
// settings.
func (r Role) MayCurate() bool { return r == RoleAdmin }

// SignInLifetime is how long a sign-in link works.
const SignInLifetime = 15 * time.Minute

// mailSignIn is the kind of the outgoing row of a sign-in link.
const mailSignIn = "signin_link"

// Sign-in and session failures the console answers differently.
var (
	ErrNotAllowed   = errors.New("desk: this address may not sign in")
	ErrLinkUsed     = errors.New("desk: this sign-in link was used already")
	ErrLinkExpired  = errors.New("desk: this sign-in link has expired")
	ErrLinkUnknown  = errors.New("desk: this sign-in link is not valid")
	ErrNoSession    = errors.New("desk: not signed in")
	ErrNoConsoleURL = errors.New("desk: no console address (web.base_url) for the link")
)

// RoleOf says what addr may do in the console as the desk's own people
// have it: admins are listed in Options.Admins, agents on any tier's
// agents list, viewers in Options.Viewers (an address, or "@domain" for
// everyone there). A customer's role comes from the store (roleIn).
func (d *Desk) RoleOf(addr string) Role {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return RoleNone
	}
	if slices.ContainsFunc(d.opts.Admins, func(a string) bool { return strings.EqualFold(a, addr) }) {
		return RoleAdmin
	}
	if len(d.agentTiers(addr)) > 0 {
		return RoleAgent
	}
	if d.isViewer(addr) {
		return RoleViewer
	}
	return RoleNone
}

// isViewer reports whether addr (lower case) is on Options.Viewers: the
// address itself, or "@domain" of its domain (not of a subdomain).
func (d *Desk) isViewer(addr string) bool {
	if !usableAddress(addr) {
		return false
	}
	for _, v := range d.opts.Viewers {
		v = strings.ToLower(strings.TrimSpace(v))
		if strings.HasPrefix(v, "@") && strings.HasSuffix(addr, v) || v == addr {
			return true
		}
	}
	return false
}

// roleIn is RoleOf, and for anyone else RoleCustomer when addr is the
// requester of a ticket.
func (d *Desk) roleIn(tx *tickets.Tx, addr string) (Role, error) {
	if r := d.RoleOf(addr); r != RoleNone {
		return r, nil
	}
	has, err := tx.HasTickets(strings.ToLower(strings.TrimSpace(addr)))
	if err != nil || !has {
		return RoleNone, err
	}
	return RoleCustomer, nil
}

// RequestSignIn mails addr a sign-in link in lang, through the outbox,
// when addr may sign in — one of the desk's people, or the requester of
// a ticket, whose link opens their own tickets; otherwise it does
// nothing. It reports neither: the console answers the same either way,
// so nobody learns from it who the agents and admins are, nor who wrote.
func (d *Desk) RequestSignIn(ctx context.Context, addr, lang string) error {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if d.opts.ConsoleURL == "" {
		if d.RoleOf(addr) == RoleNone {
			return nil
		}
		return ErrNoConsoleURL
	}
	token, hash, err := newSecret()
	if err != nil {
		return err
	}
	role := RoleNone
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		if role, err = d.roleIn(tx, addr); err != nil || role == RoleNone {
			return err
		}
		// A customer's link opens their own tickets, and says so.
		name := mailSignIn
		if role == RoleCustomer {
			name = "customer_signin"
		}
		m, err := templates.RenderConsole(name, lang, templates.ConsoleData{
			Address: addr, Link: d.signInURL(token), ValidMinutes: int(SignInLifetime / time.Minute),
		})
		if err != nil {
			return fmt.Errorf("desk: rendering the sign-in mail: %w", err)
		}
		if err := tx.AddSignInToken(hash, addr, tx.Now().Add(SignInLifetime)); err != nil {
			return err
		}
		return tx.QueueMail(&tickets.Outgoing{Kind: mailSignIn, To: addr, Subject: m.Subject, Text: m.Text,
			MessageID: d.newMessageID(d.defaultBox(), ""), From: d.defaultBox().From, AutoSubmitted: "auto-generated"})
	})
	if err != nil {
		return fmt.Errorf("desk: sign-in link for %s: %w", addr, err)
	}
	if role == RoleNone {
		d.log.Info("sign-in link refused: neither one of the desk's people nor a requester", "addr", addr)
		return nil
	}
	d.log.Info("sign-in link mailed", "addr", addr, "role", role)
	d.poke()
	return nil
}

// SignInLink makes a sign-in link for addr and returns it, for the
// terminal (`madoguchi web link`): the first admin has no console to ask
// for one in.
func (d *Desk) SignInLink(ctx context.Context, addr string) (string, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if d.RoleOf(addr) == RoleNone {
		return "", fmt.Errorf("%w: %s is neither in web.admins nor on a tier's agents list (nor in web.viewers)", ErrNotAllowed, addr)
	}
	if d.opts.ConsoleURL == "" {
		return "", ErrNoConsoleURL
	}
	token, hash, err := newSecret()
	if err != nil {
		return "", err
	}
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		return tx.AddSignInToken(hash, addr, tx.Now().Add(SignInLifetime))
	})
	if err != nil {
		return "", fmt.Errorf("desk: sign-in link for %s: %w", addr, err)
	}
	d.log.Info("sign-in link made at the terminal", "addr", addr)
	return d.signInURL(token), nil
}

func (d *Desk) signInURL(token string) string {
	return strings.TrimRight(d.opts.ConsoleURL, "/") + "/signin/" + token
}

// Session is a signed-in person.
type Session struct {
	Addr      string
	Role      Role
	ExpiresAt time.Time
}

// SignIn spends the token of a sign-in link and opens a session: it
// returns the session's secret (the cookie's value) and the session. A
// link used before, expired or never made is refused with ErrLinkUsed,
// ErrLinkExpired or ErrLinkUnknown; an address that lost its role since
// the link was made, with ErrNotAllowed.
func (d *Desk) SignIn(ctx context.Context, token string) (string, Session, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return "", Session{}, err
	}
	var s Session
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		addr, err := tx.UseSignInToken(hashOf(token))
		if err != nil {
			return linkError(err)
		}
		s = Session{Addr: addr, ExpiresAt: tx.Now().Add(d.opts.SessionLifetime)}
		if s.Role, err = d.roleIn(tx, addr); err != nil {
			return err
		}
		if s.Role == RoleNone {
			return fmt.Errorf("%w: %s", ErrNotAllowed, addr)
		}
		return tx.AddSession(hash, addr, s.ExpiresAt)
	})
	if err != nil {
		return "", Session{}, err
	}
	d.log.Info("signed in", "addr", s.Addr, "role", s.Role)
	return secret, s, nil
}

// PeekSignIn says whom a sign-in link would sign in, and as what,
// without spending it. The console shows a link's page by it and only
// the page's button spends the link (SignIn): mail scanners (Safe Links,
// Proofpoint, Mimecast) open every link of a mail, the desk's people's as
// much as the customers'. A link that would not sign in is refused as
// SignIn refuses it, so its page can say why at once.
func (d *Desk) PeekSignIn(ctx context.Context, token string) (addr string, role Role, err error) {
	err = d.store.View(ctx, func(tx *tickets.Tx) error {
		if addr, err = tx.PeekSignInToken(hashOf(token)); err != nil {
			return linkError(err)
		}
		if role, err = d.roleIn(tx, addr); err != nil {
			return err
		}
		if role == RoleNone {
			return fmt.Errorf("%w: %s", ErrNotAllowed, addr)
		}
		return nil
	})
	if err != nil {
		return "", RoleNone, err
	}
	return addr, role, nil
}

// linkError is the desk's word for the store's refusal of a sign-in
// token.
func linkError(err error) error {
	switch {
	case errors.Is(err, tickets.ErrSignInUsed):
		return ErrLinkUsed
	case errors.Is(err, tickets.ErrSignInExpired):
		return ErrLinkExpired
	case errors.Is(err, tickets.ErrNotFound):
		return ErrLinkUnknown
	}
	return err
}

// Session finds the live session of a secret (a cookie's value). The role
// is read from the configuration each time, so an agent taken off the
// lists is out at once.
func (d *Desk) Session(ctx context.Context, secret string) (Session, error) {
	if secret == "" {
		return Session{}, ErrNoSession
	}
	var s Session
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		ts, err := tx.Session(hashOf(secret))
		if errors.Is(err, tickets.ErrNotFound) {
			return ErrNoSession
		}
		if err != nil {
			return err
		}
		s = Session{Addr: ts.Addr, ExpiresAt: ts.ExpiresAt}
		if s.Role, err = d.roleIn(tx, ts.Addr); err != nil {
			return err
		}
		if s.Role == RoleNone {
			return ErrNoSession
		}
		return nil
	})
	return s, err
}

// SignOut ends the session of secret.
func (d *Desk) SignOut(ctx context.Context, secret string) error {
	return d.store.Update(ctx, func(tx *tickets.Tx) error { return tx.DeleteSession(hashOf(secret)) })
}

// SignOutEverywhere ends every session of addr (a lost phone, a shared
// computer) and says how many there were.
func (d *Desk) SignOutEverywhere(ctx context.Context, addr string) (int, error) {
	var n int
	err := d.store.Update(ctx, func(tx *tickets.Tx) (err error) { n, err = tx.DeleteSessions(addr); return err })
	if err == nil {
		d.log.Info("signed out everywhere", "addr", addr, "sessions", n)
	}
	return n, err
}

// Sessions counts the live sessions of addr (the browsers signed in).
func (d *Desk) Sessions(ctx context.Context, addr string) (int, error) {
	var n int
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) { n, err = tx.CountSessions(addr); return err })
	return n, err
}

// scrubbedSignIn replaces the text of a sign-in mail whose link is dead.
const scrubbedSignIn = "(a sign-in link; expired, removed from the store)"

// PurgeSignIns deletes expired links and sessions and takes the dead
// links out of the sign-in mails kept in the outbox.
func (d *Desk) PurgeSignIns(ctx context.Context) error {
	return d.store.Update(ctx, func(tx *tickets.Tx) error {
		return tx.PurgeSignIns(mailSignIn, scrubbedSignIn, tx.Now().Add(-SignInLifetime))
	})
}

// newSecret makes a random secret (256 bits, URL-safe) and its hash as
// the store keeps it.
func newSecret() (secret, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("desk: making a secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashOf(secret), nil
}

func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
