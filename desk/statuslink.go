package desk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// A status link opens one ticket's page for one of its customers: every
// mail to a customer carries one, for the ticket it is about and the
// address it goes to. The token in it names the ticket and carries an
// HMAC-SHA256 over the ticket and that address, keyed with a key derived
// from desk.secret (previous secrets verify as they do reply tokens, in
// their grace period): a changed ticket number, another address, or a
// link of another desk opens nothing. The address is not in the link; the
// desk finds whose it is among the ticket's people, so a participant an
// agent dropped loses the page with the ticket. A link works while its
// ticket is open and for desk.close_after + 30 days after its resolution
// (or its close, when it closed some other way), so a mail read months
// later opens nothing.

// StatusPath is where the status pages live in the console.
const StatusPath = "/status/"

// StatusLinkGrace is how long a link works after its ticket closed by
// the quiet period (desk.close_after after its resolution).
const StatusLinkGrace = 30 * 24 * time.Hour

const (
	statusMACLen  = 16 // 128 bits: a link is tried over the web, not once per mail
	statusContext = "madoguchi status link v1\x00"
	statusKeyInfo = "madoguchi status links"
)

// Why a status link opens nothing.
var (
	ErrStatusLinkInvalid = errors.New("desk: this status link is not valid")
	ErrStatusLinkExpired = errors.New("desk: this status link has expired")
)

// statusMAC is the MAC of a link for ticket and addr under secret: keyed
// with a key of its own derived from the secret, so no reply token and no
// status link can stand for the other.
func statusMAC(secret []byte, ticket int64, addr string) []byte {
	k := hmac.New(sha256.New, secret)
	k.Write([]byte(statusKeyInfo))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(statusContext))
	m.Write(binary.AppendUvarint(nil, uint64(ticket)))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return m.Sum(nil)[:statusMACLen]
}

// statusToken is the token of ticket's status link for addr; "" without
// a secret or an address.
func (d *Desk) statusToken(ticket int64, addr string) string {
	if len(d.opts.Secret) == 0 || !usableAddress(strings.ToLower(addr)) {
		return ""
	}
	payload := binary.AppendUvarint(nil, uint64(ticket))
	return tokenEncoding.EncodeToString(append(payload, statusMAC(d.opts.Secret, ticket, addr)...))
}

// statusURL is ticket's status link for addr; "" when the desk has no
// console address or no secret to sign it with.
func (d *Desk) statusURL(ticket int64, addr string) string {
	tok := d.statusToken(ticket, addr)
	if tok == "" || d.opts.ConsoleURL == "" {
		return ""
	}
	return strings.TrimRight(d.opts.ConsoleURL, "/") + StatusPath + tok
}

// statusLinks fills in the links of a mail about ticket t to addr: its
// status page, and when rate is set the two rating links.
func (d *Desk) statusLinks(t *tickets.Ticket, addr string, rate bool) (status, good, bad string) {
	status = d.statusURL(t.ID, addr)
	if status == "" || !rate {
		return status, "", ""
	}
	return status, status + "/rate/" + tickets.RatingGood, status + "/rate/" + tickets.RatingBad
}

// statusClaim reads a status link's token: the ticket and the customer it
// was made for, who must still be one of the ticket's people. Anything
// else is ErrStatusLinkInvalid, whatever was wrong: the page tells a
// guesser nothing.
func (d *Desk) statusClaim(tx *tickets.Tx, token string) (*tickets.Ticket, string, error) {
	token = strings.ToLower(token)
	raw, err := tokenEncoding.DecodeString(token)
	// Only the one spelling of a token: its last letter's spare bits
	// changed is another link, refused like any other.
	if err != nil || len(token) > 64 || tokenEncoding.EncodeToString(raw) != token {
		return nil, "", ErrStatusLinkInvalid
	}
	id, n := binary.Uvarint(raw)
	if n <= 0 || id == 0 || id > 1<<53 || len(raw)-n != statusMACLen {
		return nil, "", ErrStatusLinkInvalid
	}
	mac := raw[n:]
	t, err := tx.TicketByID(int64(id))
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, "", ErrStatusLinkInvalid
	}
	if err != nil {
		return nil, "", err
	}
	people, err := tx.TicketPeople(t.ID)
	if err != nil {
		return nil, "", err
	}
	keys := d.tokenKeys(tx.Now())
	for _, addr := range people {
		for _, k := range keys {
			if len(k) > 0 && hmac.Equal(mac, statusMAC(k, t.ID, addr)) {
				return t, addr, nil
			}
		}
	}
	return nil, "", ErrStatusLinkInvalid
}

// statusExpiry is when the status links of t stop working: zero while it
// is not closed; else desk.close_after + StatusLinkGrace after its last
// resolution, or StatusLinkGrace after its close when that is later (an
// agent's #close, a merge).
func (d *Desk) statusExpiry(t *tickets.Ticket) time.Time {
	if t.Status != tickets.StatusClosed {
		return time.Time{}
	}
	end := t.ClosedAt
	if r := t.ResolvedAt.Add(d.opts.CloseAfter); !t.ResolvedAt.IsZero() && r.After(end) {
		end = r
	}
	return end.Add(StatusLinkGrace)
}

// openStatus reads a link and checks it still works at the transaction's
// time; an expired one is ErrStatusLinkExpired (wrapped, with when).
func (d *Desk) openStatus(tx *tickets.Tx, token string) (*tickets.Ticket, string, error) {
	t, addr, err := d.statusClaim(tx, token)
	if err != nil {
		return nil, "", err
	}
	if exp := d.statusExpiry(t); !exp.IsZero() && !tx.Now().Before(exp) {
		return nil, "", fmt.Errorf("%w (%s)", ErrStatusLinkExpired, exp.UTC().Format(time.DateOnly))
	}
	return t, addr, nil
}

// statusLinkRE finds the token of a status link in a text: a mail we
// sent, or a customer's reply quoting it.
var statusLinkRE = regexp.MustCompile(regexp.QuoteMeta(StatusPath) + `[a-z2-7]{20,64}`)

// maskStatusLinks takes the tokens out of the status links in a text
// the console shows: a link opens the customer's page and takes their
// reply, and nobody but the customer should hold it — not a viewer, nor
// an agent, who writes as herself.
func maskStatusLinks(s string) string {
	if !strings.Contains(s, StatusPath) {
		return s
	}
	return statusLinkRE.ReplaceAllString(s, StatusPath+"…")
}
