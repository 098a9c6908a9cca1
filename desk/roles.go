package desk

import (
	"fmt"
	netmail "net/mail"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// senderRole decides who a mail threaded to ticket t comes from, before it
// may act (invariant 5): its requester, a participant (on To/Cc of the
// requester's mails on the ticket), or a stranger. Knowing a Message-ID
// of the thread proves nothing: anyone on Cc of one mail learns them.
// Proven agents come with signed reply tokens.
func (d *Desk) senderRole(tx *tickets.Tx, t *tickets.Ticket, from string) (tickets.Role, error) {
	addr := strings.ToLower(strings.TrimSpace(from))
	if !usableAddress(addr) {
		return tickets.RoleStranger, nil
	}
	if t.Requester != "" && addr == t.Requester {
		return tickets.RoleRequester, nil
	}
	ok, err := tx.IsParticipant(t.ID, addr)
	if err != nil {
		return "", err
	}
	if !ok {
		// The customers of a ticket merged into t report the same thing.
		if ok, err = tx.IsReporter(t.ID, addr); err != nil {
			return "", err
		}
	}
	if ok {
		return tickets.RoleParticipant, nil
	}
	return tickets.RoleStranger, nil
}

// requesterRole is the role of the mail that opened t: a ticket without a
// usable requester address has nobody who may act by mail.
func requesterRole(t *tickets.Ticket) tickets.Role {
	if t.Requester == "" {
		return tickets.RoleStranger
	}
	return tickets.RoleRequester
}

// thirdParty records a stranger's mail on the ticket it threads to. It
// changes nothing there (no status, no vote, no paraphrase) and sends
// nothing: a reply would name the ticket to someone not entitled to it.
func (d *Desk) thirdParty(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket) (Outcome, error) {
	if err := d.addInboundEntry(tx, t, in, msg, tickets.KindThirdParty, tickets.RoleStranger); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	return Outcome{Disposition: tickets.DispAppended, Ticket: t.Ref, Status: t.Status,
		Reason: fmt.Sprintf("sender %s is a stranger to %s (neither its requester nor a participant): recorded as a third-party entry, nothing done", strings.ToLower(msg.From.Addr), t.Ref)}, nil
}

// usableAddress reports whether mail can be sent to addr: one local part
// and one domain, in a form a relay takes. "notanaddressatall" (what
// `From: not an address at all` reads as) is not one.
func usableAddress(addr string) bool {
	if addr == "" || len(addr) > 254 || strings.ContainsAny(addr, " \t\r\n<>()[],;:\\\"") {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.Count(addr, "@") != 1 {
		return false
	}
	domain := addr[at+1:]
	if strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	for _, r := range domain {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80) {
			return false
		}
	}
	_, err := netmail.ParseAddress("<" + addr + ">")
	return err == nil
}

// printableFrom is what a From header said, for a ticket whose sender
// cannot be written to.
func printableFrom(a mime.Address) string {
	return strings.TrimSpace(strings.TrimSpace(a.Name + " " + a.Addr))
}

// onAgentsList reports whether addr is one of list, as agents are told
// apart: the same characters, ASCII letters in any case, nothing
// normalised. Not strings.EqualFold, nor even NFC: Unicode reads the
// Kelvin sign K (U+212A) as the letter K (a canonical equivalent, and a
// case variant of k), and "\u212Aen@example.com" would pass for ken's.
// An address that matches one of list only after compatibility mapping
// and case folding (NFKC: the Kelvin sign, full-width letters) is a
// lookalike of it: look names the address it imitates.
func onAgentsList(addr string, list []string) (listed bool, look string) {
	for _, a := range list {
		switch {
		case sameAddress(addr, a):
			return true, ""
		case look == "" && foldedNFKC(addr) == foldedNFKC(a):
			look = a
		}
	}
	return false, look
}

// sameAddress compares two addresses as the desk compares agents'.
func sameAddress(a, b string) bool { return lowerASCII(a) == lowerASCII(b) }

// foldedNFKC is s as Unicode reads it loosely: compatibility forms mapped
// (NFKC) and case folded, then mapped again, as NFKC_Casefold does.
func foldedNFKC(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}

// lowerASCII lower-cases the ASCII letters of s and leaves the rest.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// checkParticipants lists why an agent's #cc or #uncc cannot be done. A
// participant is someone on the customer's side: never the requester
// again, an address of the desk, or an agent (agents hear of the ticket
// through their tier, and the customer's mail must not carry them; the
// requester may still have put one on her own mail's Cc).
func (d *Desk) checkParticipants(tx *tickets.Tx, t *tickets.Ticket, r agentReply) []problem {
	var errs []problem
	add := func(en, ja string, args ...any) { errs = append(errs, problemf(en, ja, args...)) }
	cc, uncc := r.arg("cc"), r.arg("uncc")
	switch {
	case cc == "":
	case cc == t.Requester:
		add("#cc: %s is the requester of %s: the mails go to her anyway", "#cc：%s は %s の依頼者です（メールは依頼者に送られます）", cc, t.Ref)
	case d.isDeskAddress(cc):
		add("#cc: %s is an address of the desk", "#cc：%s は窓口のアドレスです", cc)
	case len(d.agentTiers(cc)) > 0:
		add("#cc: %s is on an agents list: agents hear of the ticket through their tier, not on the customer's Cc",
			"#cc：%s は担当者一覧に登録された担当者です。担当者にはお客様への CC ではなく担当チーム宛てに連絡が届きます", cc)
	}
	if uncc == "" {
		return errs
	}
	if uncc == cc {
		add("#cc and #uncc name the same address %s: use one", "#cc と #uncc が同じアドレス %s を指定しています。どちらか一つにしてください", uncc)
		return errs
	}
	ok, err := tx.IsParticipant(t.ID, uncc)
	switch {
	case err != nil:
		add("#uncc: %v", "#uncc：%v", err)
	case !ok:
		add("#uncc: %s is no participant of %s", "#uncc：%s は %s の参加者ではありません", uncc, t.Ref)
	}
	return errs
}

// isDeskAddress reports whether addr is the desk's own: a mailbox's
// support address, one of its plus addresses, or a tier's notify address.
func (d *Desk) isDeskAddress(addr string) bool {
	if d.isOurAddress(addr) {
		return true
	}
	for _, tr := range d.opts.Tiers {
		for _, n := range tr.Notify {
			if sameAddress(addr, n) {
				return true
			}
		}
	}
	return false
}
