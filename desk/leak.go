package desk

import (
	"errors"
	"slices"
	"strings"
)

// errForeignToken: a mail to a customer would carry a reply token that is
// not the customer's own. With an agent's token (support+TOKEN@… or the
// token of a notice's Message-ID) and a forged From, the customer would
// act as an agent; so such a mail is never sent. The error names no
// token: it is logged and mailed to the agent.
var errForeignToken = errors.New("the mail to the customer would carry a reply address or Message-ID of the agents (a reply token that is not the customer's own); nothing was sent")

// Reply tokens are 13 to 22 bytes (see parseToken): 21 to 36 characters
// of base32.
const (
	minTokenChars = 21
	maxTokenChars = 36
)

// foreignToken reports whether text carries a reply token other than the
// customer's own of ticket: in a plus address of a mailbox's address or
// after the "tk-" of one of our Message-IDs, whether it verifies or not
// (it may be signed with a secret this desk had before), or bare, when it
// verifies under the secret or any previous one (past its grace period
// too: such a token no longer proves, but it is still the agents').
func (d *Desk) foreignToken(ticket int64, text string) bool {
	lower := strings.ToLower(text)
	var plus []string // "support+" of every mailbox's address
	for _, b := range d.opts.Mailboxes {
		if at := strings.LastIndexByte(b.Address, '@'); at > 0 {
			plus = append(plus, b.Address[:at]+"+")
		}
	}
	for start := 0; start < len(lower); {
		if !isTokenChar(lower[start]) {
			start++
			continue
		}
		end := start
		for end < len(lower) && isTokenChar(lower[end]) {
			end++
		}
		run := lower[start:end]
		if len(run) >= minTokenChars && len(run) <= maxTokenChars {
			before := lower[:start]
			tagged := strings.HasSuffix(before, tokenIDTag) || slices.ContainsFunc(plus, func(p string) bool { return strings.HasSuffix(before, p) })
			tok, err := verifyToken(run, d.allTokenKeys())
			switch {
			case err == nil && tok.Role == tokenCustomer && tok.Ticket == ticket:
				// The customer's own: our mails to them carry it.
			case err == nil, tagged && !errors.Is(err, errTokenMalformed):
				return true
			}
		}
		start = end
	}
	return false
}

// isTokenChar reports whether c may stand in a run of letters and digits
// that could be a token; digits outside base32 end no run, so a longer
// run of them is no token.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
