package desk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// A reply token proves that a mail answers one we sent: it names a ticket,
// a tier and a role (agent or customer) and carries an HMAC-SHA256 of them
// keyed with desk.secret. It travels in the plus address our mails carry
// in Reply-To (support+TOKEN@example.com) and in their Message-ID
// (madoguchi.tk-TOKEN.RANDOM@example.com), so a reply carries it whichever
// of the two the mail client keeps. Lower-case base32 survives mail
// systems that fold the case of local parts; 26 characters keep the local
// part well under the 64 octets every client accepts.
type replyToken struct {
	Ticket int64
	Tier   int
	Role   tokenRole
}

type tokenRole byte

const (
	tokenAgent    tokenRole = 'a'
	tokenCustomer tokenRole = 'c'
)

func (r tokenRole) String() string {
	switch r {
	case tokenAgent:
		return "agent"
	case tokenCustomer:
		return "customer"
	}
	return fmt.Sprintf("role %q", byte(r))
}

// Why a token is refused; the desk records these as the reason.
var (
	errTokenMalformed = errors.New("reply token is malformed")
	errTokenForged    = errors.New("reply token's HMAC does not verify")
)

const (
	tokenMACLen  = 10 // 80 bits: a forger gets one try per mail
	tokenContext = "madoguchi reply token v1\x00"
	tokenIDTag   = "tk-" // before the token in a Message-ID's local part
)

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// sign makes the token of tok under secret.
func (tok replyToken) sign(secret []byte) string {
	payload := tok.payload()
	return tokenEncoding.EncodeToString(append(payload, tokenMAC(secret, payload)...))
}

func (tok replyToken) payload() []byte {
	b := binary.AppendUvarint(nil, uint64(tok.Ticket))
	b = binary.AppendUvarint(b, uint64(tok.Tier))
	return append(b, byte(tok.Role))
}

func tokenMAC(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(tokenContext))
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}

// parseToken reads and verifies a token under one secret.
func parseToken(s string, secret []byte) (replyToken, error) {
	return verifyToken(s, [][]byte{secret})
}

// verifyToken reads s and verifies it under any of keys (desk.secret and
// the previous secrets still in their grace period). A token that does
// not verify is returned with what it claims and errTokenForged: the desk
// refuses a claimed agent token, and lets a customer's that no longer
// verifies (its secret rotated away) grant and thread nothing, as if the
// mail had gone to the plain support address. The claim is no secret:
// the payload travels in the clear, only the MAC proves it.
func verifyToken(s string, keys [][]byte) (replyToken, error) {
	raw, err := tokenEncoding.DecodeString(strings.ToLower(s))
	if err != nil || len(raw) < tokenMACLen+3 || len(raw) > tokenMACLen+12 {
		return replyToken{}, errTokenMalformed
	}
	payload, mac := raw[:len(raw)-tokenMACLen], raw[len(raw)-tokenMACLen:]
	ticket, n := binary.Uvarint(payload)
	if n <= 0 || ticket == 0 || ticket > 1<<53 {
		return replyToken{}, errTokenMalformed
	}
	tier, m := binary.Uvarint(payload[n:])
	if m <= 0 || tier > 255 || n+m != len(payload)-1 {
		return replyToken{}, errTokenMalformed
	}
	role := tokenRole(payload[len(payload)-1])
	if role != tokenAgent && role != tokenCustomer {
		return replyToken{}, errTokenMalformed
	}
	tok := replyToken{Ticket: int64(ticket), Tier: int(tier), Role: role}
	for _, k := range keys {
		if hmac.Equal(mac, tokenMAC(k, payload)) {
			return tok, nil
		}
	}
	return tok, errTokenForged
}

// plusAddress is the support address with a token: support+TOKEN@domain.
func plusAddress(support, token string) string {
	at := strings.LastIndexByte(support, '@')
	if at < 0 {
		return support
	}
	return support[:at] + "+" + token + support[at:]
}

// tokenOfAddress returns the token of a plus address of support, "" when
// addr is not one.
func tokenOfAddress(addr, support string) string {
	tok, _ := plusTag(addr, support)
	return tok
}

// plusTag reads addr as a plus address of support (support+TAG@domain,
// case ignored) and returns the tag; ok is false when it is not one.
func plusTag(addr, support string) (tag string, ok bool) {
	addr = strings.ToLower(addr)
	at, sat := strings.LastIndexByte(addr, '@'), strings.LastIndexByte(support, '@')
	if at < 0 || sat < 0 || addr[at:] != support[sat:] {
		return "", false
	}
	tag, ok = strings.CutPrefix(addr[:at], support[:sat]+"+")
	if !ok {
		return "", false
	}
	return tag, true
}

// tokenOfMessageID returns the token inside one of our Message-IDs
// (madoguchi.tk-TOKEN.RANDOM@domain) at the domain of one of the desk's
// mailboxes, and that domain; "" when it holds none.
func (d *Desk) tokenOfMessageID(id string) (token, domain string) {
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return "", ""
	}
	for _, b := range d.opts.Mailboxes {
		if strings.EqualFold(id[at+1:], b.MessageIDDomain) {
			return tokenOfMessageID(id, b.MessageIDDomain), strings.ToLower(id[at+1:])
		}
	}
	return "", ""
}

// tokenOfMessageID returns the token inside one of our Message-IDs
// (madoguchi.tk-TOKEN.RANDOM@domain), "" when it holds none.
func tokenOfMessageID(id, domain string) string {
	at := strings.LastIndexByte(id, '@')
	if at < 0 || !strings.EqualFold(id[at+1:], domain) {
		return ""
	}
	rest, ok := strings.CutPrefix(strings.ToLower(id[:at]), "madoguchi."+tokenIDTag)
	if !ok {
		return ""
	}
	tok, _, _ := strings.Cut(rest, ".")
	return tok
}
