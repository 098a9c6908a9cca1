package desk

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/authres"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// What proves an agent besides the reply token (claimAgent): the secrets
// a token may verify under, the trusted server's DMARC verdict, and the
// tier the ticket is with.

// allTokenKeys are desk.secret and every previous secret, whatever the
// grace period: what a token may have been signed with.
func (d *Desk) allTokenKeys() [][]byte {
	return append([][]byte{d.opts.Secret}, d.opts.PreviousSecrets...)
}

// tokenKeys are the secrets a reply token verifies under at now:
// desk.secret, and the secrets it replaced until their grace period ends.
func (d *Desk) tokenKeys(now time.Time) [][]byte {
	keys := [][]byte{d.opts.Secret}
	if now.Before(d.opts.PreviousSecretsUntil) {
		keys = append(keys, d.opts.PreviousSecrets...)
	}
	return keys
}

// dmarcProblem says why the Authentication-Results fields of a mail (top
// first) do not prove its From address's domain, "" when they do: the
// topmost field of authservID must report dmarc=pass for header.from
// equal to the From's domain. Anything else refuses: fail, none,
// temperror, permerror, no dmarc result, no such field, a field that
// cannot be read.
//
// Only the topmost field of that authserv-id counts. The rule relies on
// our MX adding one to every mail it takes in, above whatever the sender
// wrote (every MTA prepends), so a sender's own field naming our server
// sits below it; RFC 8601 §5 asks the MX to remove such fields, and not
// every MX does. A mail that reaches the mailbox without passing the MX
// (local delivery around it) has no field of ours on top, and a sender's
// forged one could then be read: every way into the support mailbox must
// get the MX's verdict.
func dmarcProblem(fields []string, authservID, from string) string {
	who := "Authentication-Results of " + authservID
	for _, f := range fields {
		v := withoutComments(f)
		id, _, _ := strings.Cut(v, ";")
		if id, _, _ = strings.Cut(strings.TrimSpace(id), " "); !strings.EqualFold(id, authservID) {
			continue
		}
		_, results, err := authres.Parse(v)
		if err != nil {
			return fmt.Sprintf("%s cannot be read (%v): no DMARC verdict", who, err)
		}
		var verdicts []*authres.DMARCResult
		for _, r := range results {
			if r, ok := r.(*authres.DMARCResult); ok {
				verdicts = append(verdicts, r)
			}
		}
		if len(verdicts) == 0 {
			return who + " holds no dmarc result"
		}
		domain := strings.ToLower(from[strings.LastIndexByte(from, '@')+1:])
		for _, r := range verdicts {
			switch hf := strings.TrimSuffix(strings.ToLower(r.From), "."); {
			case r.Value != authres.ResultPass:
				return fmt.Sprintf("%s says dmarc=%s", who, r.Value)
			case hf != domain:
				return fmt.Sprintf("%s says dmarc=pass for header.from=%s, not for the From's domain %s", who, hf, domain)
			}
		}
		return ""
	}
	return "no Authentication-Results of " + authservID + " (desk.trusted_authserv_id): no DMARC verdict"
}

// withoutComments removes the comments of a header value (RFC 5322
// CFWS, nested, outside quoted strings) and the white space around "=",
// before authres reads it: go-msgauth v0.7.0 splits on ";" and white
// space and knows no comments, so "dmarc=fail(p=reject)", "dmarc = fail"
// and a leading "(comment)" would be misread or not read at all.
func withoutComments(v string) string {
	var b strings.Builder
	quoted, depth := false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted:
			if c == '\\' && i+1 < len(v) {
				b.WriteByte(c)
				i++
				c = v[i]
			} else if c == '"' {
				quoted = false
			} else if c == ';' {
				c = ',' // authres splits the value on ";", quoted or not
			}
		case depth > 0:
			switch c {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
			}
			continue
		case c == '(':
			depth++
			b.WriteByte(' ')
			continue
		case c == '"':
			quoted = true
		case c == '\t' || c == '\r' || c == '\n':
			c = ' '
		}
		b.WriteByte(c)
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	s = strings.ReplaceAll(s, " =", "=")
	return strings.ReplaceAll(s, "= ", "=")
}

// movedOn answers a proven agent whose reply carries the token of a tier
// the ticket has left (escalation.previous_tiers_may_act off): nothing is
// done, the reply is kept as an internal note, and the agent is told, in
// desk.language and as an automatic, rate-limited mail, which tier has
// the ticket now.
func (d *Desk) movedOn(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket, tier int) (Outcome, error) {
	agent := strings.ToLower(msg.From.Addr)
	was, now := d.tierName(tier), d.tierName(t.Tier)
	why := fmt.Sprintf("%s has moved from %s to %s: a reply to %s's mail no longer acts on it", t.Ref, was, now, was)
	e := &tickets.Entry{Kind: tickets.KindInternalNote, Direction: tickets.DirIn, From: agent, Role: tickets.RoleAgent,
		To: joinAddrs(msg.To), Cc: joinAddrs(msg.Cc), Subject: msg.Subject, Text: stripSignature(mime.StripQuoted(msg.Text)),
		MessageID: msg.MessageID, InboundID: in.ID}
	if err := tx.AddEntry(t, e, agent); err != nil {
		return Outcome{}, err
	}
	if err := tx.Event(t.ID, "", "agent_reply_refused", agent, map[string]any{"errors": []string{why}}); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	oc := Outcome{Disposition: tickets.DispAppended, Ticket: t.Ref, Status: t.Status,
		Reason: "agent " + agent + ": refused, nothing done: " + why}
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return Outcome{}, err
	}
	data.Agent, data.Tier, data.NextTier, data.Text = agent, was, now, ""
	_, err = d.answerTo(tx, t, msg, agent, "", mailCommandError, "tier_moved", d.opts.Language, data, &oc, nil)
	return oc, err
}
