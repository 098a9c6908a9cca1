package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// refused checks that a reply claiming agent rights on tk was refused as
// forged for why: recorded on the ticket, nothing sent, nothing changed.
func (f *fixture) refused(oc Outcome, tk *tickets.Ticket, outgoing int, why string) {
	f.t.Helper()
	if oc.Ticket != tk.Ref || !strings.Contains(oc.Reason, "forged agent reply refused") || !strings.Contains(oc.Reason, why) || len(oc.Sent) != 0 {
		f.t.Fatalf("outcome %+v, want a forged reply on %s refused because %q", oc, tk.Ref, why)
	}
	if n := len(f.outgoing()); n != outgoing {
		f.t.Fatalf("%d mails queued for a refused reply", n-outgoing)
	}
	if got := f.ticket(tk.Ref); got.Status != tk.Status || got.Tier != tk.Tier || !got.FirstResponseAt.Equal(tk.FirstResponseAt) {
		f.t.Fatalf("ticket changed: %s tier %d, first response %v", got.Status, got.Tier, got.FirstResponseAt)
	}
	es := f.entries(tk.Ref)
	if last := es[len(es)-1]; last.Kind != tickets.KindThirdParty || last.Role != tickets.RoleStranger {
		f.t.Fatalf("recorded as %s/%s", last.Kind, last.Role)
	}
}

// proven checks that an agent's reply acted: relayed to the customer.
func (f *fixture) proven(oc Outcome, tk *tickets.Ticket) {
	f.t.Helper()
	if oc.Ticket != tk.Ref || oc.Status != tickets.StatusInProgress || strings.Contains(oc.Reason, "refused") {
		f.t.Fatalf("a genuine agent reply did not act: %+v", oc)
	}
}

// A From that could be read as more than one address is never an agent's,
// whichever of them is on the list and whatever token the mail carries.
func TestAgents_FromThatIsNotOneMailboxIsNeverAnAgent(t *testing.T) {
	cases := []struct{ name, from, why string }{
		{"two addresses", "From: alice@example.com, mallory@evil.example", "holds 2 addresses"},
		{"two angle addresses", "From: <mallory@evil.example> <alice@example.com>", "text after its address"},
		{"an address as the display name", "From: mallory@evil.example <alice@example.com>", "address in its display name"},
		{"two From fields", "From: alice@example.com\r\nFrom: mallory@evil.example", "2 From header fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, nil)
			tk, n := f.escalated("My account is locked.")
			before := len(f.outgoing())
			raw := strings.Replace(agentMail("alice@example.com", n, "#resolve\nDone.", "m1", "Cc: "+n.ReplyTo), "From: alice@example.com", c.from, 1)
			f.refused(f.one(raw), tk, before, c.why)
			if all, _ := f.mailTo("mallory@evil.example", tk.Ref); all != 0 {
				t.Fatal("mallory was sent mail")
			}
			// Without a token the mail claims nothing; its record says why
			// it could never have been an agent's.
			oc := f.one(strings.Replace(mail("alice@example.com", "Printer", "The printer is broken.", "Message-ID: <m2@x>"), "From: alice@example.com", c.from, 1))
			if oc.Disposition != tickets.DispNewTicket || !strings.Contains(oc.Reason, c.why) || !strings.Contains(oc.Reason, "never an agent's mail") {
				t.Fatalf("the same From without a token: %+v", oc)
			}
		})
	}
}

// Addresses are compared as the same characters, ASCII letters in any
// case: a Kelvin sign (U+212A) or full-width letters read as an agent's
// address only after Unicode compatibility mapping, and are refused as
// lookalikes. Strings.EqualFold took the Kelvin sign for k.
func TestAgents_NonASCIILookalikeOfAnAgentAddressIsRefused(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.Tiers[0].Agents = append(o.Tiers[0].Agents, "ken@example.com") })
	tk, n := f.escalated("My account is locked.")
	before := len(f.outgoing())
	for i, from := range []string{"\u212Aen@example.com", "\uff4ben@example.com", "ken@ex\u0430mple.com"} {
		oc := f.one(agentMail(from, n, "#resolve\nDone.", "k"+string(rune('1'+i)), "Cc: "+n.ReplyTo))
		why := "imitates the agent address ken@example.com"
		if i == 2 { // a Cyrillic a maps to no Latin letter: simply not on the list
			why = "is not on the agents list"
		}
		f.refused(oc, tk, before, why)
	}
	f.proven(f.one(agentMail("Ken <KEN@Example.COM>", n, "Please restart the PC.", "k4", "Cc: "+n.ReplyTo)), tk)
}

// With desk.trusted_authserv_id, only that server's dmarc=pass for the
// From's domain proves the agent, read from the topmost field of that
// server (our MX writes above anything the sender wrote), with comments
// wherever RFC 8601 allows them.
func TestAgents_DMARCMustPassAtTheTrustedServer(t *testing.T) {
	cases := []struct {
		name   string
		fields []string // Authentication-Results values, top first
		why    string   // "" = the reply acts
	}{
		{"pass", []string{"mx.example.com; spf=pass smtp.mailfrom=example.com; dmarc=pass (p=reject dis=none) header.from=example.com"}, ""},
		{"pass, version and folded comments", []string{"mx.example.com 1; (checked; twice)\r\n\tdmarc=pass\r\n\t(p=none) header.from=Example.COM"}, ""},
		{"a sender's fail below the MX's pass", []string{"mx.example.com; dmarc=pass header.from=example.com", "mx.example.com; dmarc=fail header.from=example.com"}, ""},
		{"an untrusted server's fail", []string{"relay.evil.example; dmarc=fail", "mx.example.com; dmarc=pass header.from=example.com"}, ""},

		{"fail with a comment and no space", []string{"mx.example.com; dmarc=fail(p=reject) header.from=example.com"}, "says dmarc=fail"},
		{"fail with spaces around =", []string{"mx.example.com; dmarc = fail header.from = example.com"}, "says dmarc=fail"},
		{"fail after a leading comment", []string{"(our MX) mx.example.com; dmarc=fail header.from=example.com"}, "says dmarc=fail"},
		{"none", []string{"mx.example.com; dmarc=none header.from=example.com"}, "says dmarc=none"},
		{"temperror", []string{"mx.example.com; dmarc=temperror header.from=example.com"}, "says dmarc=temperror"},
		{"permerror", []string{"mx.example.com; dmarc=permerror header.from=example.com"}, "says dmarc=permerror"},
		{"no dmarc result", []string{"mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com"}, "holds no dmarc result"},
		{"no result at all", []string{"mx.example.com; none"}, "holds no dmarc result"},
		{"pass for another domain", []string{"mx.example.com; dmarc=pass header.from=evil.example"}, "not for the From's domain example.com"},
		{"pass without header.from", []string{"mx.example.com; dmarc=pass"}, "not for the From's domain"},
		{"the sender's pass below the MX's fail", []string{"mx.example.com; dmarc=fail header.from=example.com", "mx.example.com; dmarc=pass header.from=example.com"}, "says dmarc=fail"},
		{"only an untrusted server's pass", []string{"relay.evil.example; dmarc=pass header.from=example.com"}, "no Authentication-Results of mx.example.com"},
		{"no field at all", nil, "no Authentication-Results of mx.example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, func(o *Options) { o.TrustedAuthservID = "mx.example.com" })
			tk, n := f.escalated("My account is locked.")
			before := len(f.outgoing())
			raw := agentMail("alice@example.com", n, "Please restart the PC.", "d1", "Cc: "+n.ReplyTo)
			for i := len(c.fields) - 1; i >= 0; i-- {
				raw = "Authentication-Results: " + c.fields[i] + "\r\n" + raw
			}
			oc := f.one(raw)
			if c.why == "" {
				f.proven(oc, tk)
				return
			}
			f.refused(oc, tk, before, c.why)
		})
	}
}

// Without desk.trusted_authserv_id no Authentication-Results counts: the
// token and the agents list are the proof.
func TestAgents_WithoutATrustedServerTheTokenAloneProves(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("My account is locked.")
	f.proven(f.one("Authentication-Results: mx.example.com; dmarc=fail header.from=example.com\r\n"+
		agentMail("alice@example.com", n, "Please restart the PC.", "d1", "Cc: "+n.ReplyTo)), tk)
}

// After a ticket moves on to L2, the L1 token of an L1 agent acts on
// nothing: the reply is kept as an internal note and she is told, in
// desk.language, that the ticket has moved; L2 acts with its own token.
func TestAgents_TokenOfATierTheTicketHasLeftActsOnNothing(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.Language = "ja" })
	tk, n := f.escalated("Need a licence for Visio.")
	f.one(agentMail("bob@example.com", n, "#escalate", "e1"))
	l2 := f.sent(mailNotice, "l2@example.com")
	if got := f.ticket(tk.Ref); got.Tier != 1 || len(l2) != 1 {
		t.Fatalf("setup: tier %d, %d notices to L2", got.Tier, len(l2))
	}
	before := f.ticket(tk.Ref)
	oc := f.one(agentMail("alice@example.com", n, "#resolve\nInstalled the trial version.", "e2", "Cc: "+n.ReplyTo))
	if oc.Ticket != tk.Ref || !strings.Contains(oc.Reason, "moved from L1 to L2") || len(f.sent(mailResolution, ""))+len(f.sent(mailRelay, "")) != 0 {
		t.Fatalf("L1 token after the move: %+v", oc)
	}
	if got := f.ticket(tk.Ref); got.Status != before.Status || got.Tier != 1 || !got.FirstResponseAt.IsZero() {
		t.Fatalf("the ticket changed: %s tier %d", got.Status, got.Tier)
	}
	told := f.sent(mailCommandError, "alice@example.com")
	if len(told) != 1 || !strings.Contains(told[0].Subject, "L2") || !strings.Contains(told[0].Text, "L1 から L2 に移っており") || told[0].AutoSubmitted != "auto-replied" {
		t.Fatalf("alice was told %+v", told)
	}
	if strings.Contains(told[0].Text, tokenOfAddress(n.ReplyTo, "support@example.com")) || told[0].ReplyTo != "" {
		t.Fatalf("the refusal hands out a reply address: %q\n%s", told[0].ReplyTo, told[0].Text)
	}
	kept := false
	for _, e := range f.entries(tk.Ref) {
		kept = kept || e.Kind == tickets.KindInternalNote && e.From == "alice@example.com" && strings.Contains(e.Text, "trial version")
	}
	if !kept {
		t.Fatal("the reply is not kept as an internal note")
	}
	if c := f.sent(mailCopy, "l1@example.com"); len(c) != 1 { // bob's #escalate only
		t.Fatalf("%d copies to L1", len(c))
	}

	f.proven(f.one(agentMail("carol@example.com", l2[0], "Licence assigned; please restart Visio.", "e3", "Cc: "+l2[0].ReplyTo)), tk)
	if c := f.sent(mailCopy, "l2@example.com"); len(c) != 1 {
		t.Fatalf("%d copies to L2", len(c))
	}
}

// escalation.previous_tiers_may_act: an agent of a tier the ticket has
// left acts while that tier's list has her, and the tier the ticket is
// with now hears of it.
func TestAgents_PreviousTierActsWhenConfiguredAndTheCurrentTierHears(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.PreviousTiersMayAct = true })
	tk, n := f.escalated("Need a licence for Visio.")
	f.one(agentMail("bob@example.com", n, "#escalate", "e1"))
	copiesL1 := len(f.sent(mailCopy, "l1@example.com"))
	f.proven(f.one(agentMail("alice@example.com", n, "The trial version is installed for now.", "e2", "Cc: "+n.ReplyTo)), tk)
	if r := f.sent(mailRelay, "hanako@customer.example"); len(r) != 1 {
		t.Fatalf("%d relays", len(r))
	}
	if c := f.sent(mailCopy, "l2@example.com"); len(c) != 1 || !strings.Contains(c[0].Text, "trial version") {
		t.Fatalf("L2 was not told: %+v", c)
	}
	if got := len(f.sent(mailCopy, "l1@example.com")); got != copiesL1 {
		t.Fatalf("the copy went to L1 (%d → %d), not to the ticket's tier", copiesL1, got)
	}
}

// A customer writing to support+billing@ writes to the support address: a
// plus address that is no token is not a forged one.
func TestReceive_PlusAddressThatIsNoTokenIsTheSupportAddress(t *testing.T) {
	f := newAgentFixture(t, nil)
	raw := strings.Replace(mail("Hanako Yamada <hanako@customer.example>", "Invoice for November", "The invoice for November is missing.", "Message-ID: <b1@customer.example>"),
		"To: support@example.com", "To: Billing <support+billing@example.com>", 1)
	oc := f.one(raw)
	if oc.Disposition != tickets.DispNewTicket || strings.Contains(oc.Reason, "forged") || !strings.Contains(oc.Reason, "support+billing@example.com is no reply address of ours") {
		t.Fatalf("mail to support+billing: %+v", oc)
	}
	if len(f.sent(mailAck, "hanako@customer.example")) != 1 {
		t.Fatal("no acknowledgement")
	}
}

// An agent mailing her own problem to the support address, without a
// token, is a customer: a ticket of her own, acknowledged. On someone
// else's ticket she is a stranger like anyone else, with no agent rights,
// and is sent nothing.
func TestReceive_AgentWithoutATokenIsACustomer(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail("Alice <alice@example.com>", "My laptop does not boot", "My own laptop shows a black screen.", "Message-ID: <own1@example.com>"))
	if oc.Disposition != tickets.DispNewTicket || strings.Contains(oc.Reason, "forged") || !strings.Contains(oc.Reason, "no agent rights") {
		t.Fatalf("an agent's own problem: %+v", oc)
	}
	own := f.ticket(oc.Ticket)
	if own.Requester != "alice@example.com" || len(f.sent(mailAck, "alice@example.com")) != 1 {
		t.Fatalf("requester %q, acks %d", own.Requester, len(f.sent(mailAck, "alice@example.com")))
	}
	ack := f.sent(mailAck, "alice@example.com")[0]
	if r := f.replyTo(ack, "It boots again after I unplugged the dock.", "own2"); r.Ticket != own.Ref || strings.Contains(r.Reason, "forged") {
		t.Fatalf("her reply to her own acknowledgement: %+v", r)
	}

	tk, _ := f.escalated("Printer on 3F prints blank pages.")
	hanakoAck := f.sent(mailAck, "hanako@customer.example")[0]
	before := len(f.outgoing())
	oc = f.one(mail("alice@example.com", "Re: "+hanakoAck.Subject, "#resolve\nDone.", "Message-ID: <own3@example.com>", "In-Reply-To: <"+hanakoAck.MessageID+">"))
	if oc.Ticket != tk.Ref || !strings.Contains(oc.Reason, "stranger") || len(oc.Sent) != 0 || len(f.outgoing()) != before {
		t.Fatalf("an agent without a token on someone else's ticket: %+v", oc)
	}
	if got := f.ticket(tk.Ref); got.Status != tickets.StatusEscalated {
		t.Fatalf("the ticket changed: %s", got.Status)
	}
}

// rotate gives the fixture a new desk on the same store whose secret is
// next, keeping the old one as a previous secret until until (zero: no
// previous secrets at all).
func (f *fixture) rotate(next []byte, until time.Time, mod func(*Options)) {
	f.t.Helper()
	opts := f.desk.opts
	opts.PreviousSecrets, opts.PreviousSecretsUntil = nil, time.Time{}
	if !until.IsZero() {
		opts.PreviousSecrets, opts.PreviousSecretsUntil = [][]byte{opts.Secret}, until
	}
	opts.Secret = next
	if mod != nil {
		mod(&opts)
	}
	tmpl, err := templates.New("")
	if err != nil {
		f.t.Fatal(err)
	}
	d, err := New(opts, Deps{Store: f.store, Templates: tmpl})
	if err != nil {
		f.t.Fatal(err)
	}
	f.desk = d
}

var rotatedSecret = []byte("fedcba9876543210-new-secret")

// After desk.secret is rotated, a customer's reply to a mail sent before
// is the customer's: in its thread it never reads as a forged agent reply,
// with or without previous secrets.
func TestReceive_CustomerReplyAfterTheSecretWasRotatedIsTheCustomers(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a1"))
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	f.rotate(rotatedSecret, time.Time{}, nil)
	raw := strings.Replace(mail("hanako@customer.example", "Re: "+relay.Subject, "The test page is blank too.", "Message-ID: <c2@customer.example>", "In-Reply-To: <"+relay.MessageID+">"),
		"To: support@example.com", "To: "+relay.ReplyTo, 1)
	oc := f.one(raw)
	if oc.Ticket != tk.Ref || oc.Disposition != tickets.DispAppended || strings.Contains(oc.Reason, "forged") || len(f.sent(mailForward, "l1@example.com")) != 1 {
		t.Fatalf("the customer's reply after the rotation: %+v", oc)
	}
}

// desk.previous_secrets verify the tokens of mails sent before the
// rotation until their grace period ends: the customer's signed address
// threads and the agents' old notices prove. After it, an old agent token
// is refused and an old customer token is the plain support address.
func TestAgents_PreviousSecretVerifiesOldTokensUntilItsGracePeriodEnds(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a1"))
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	until := f.now.Add(7 * 24 * time.Hour)
	f.rotate(rotatedSecret, until, nil)

	tokenOnly := func(id string) string { // the client kept only the signed address
		return strings.Replace(mail("hanako@customer.example", "printer again", "Still blank.", "Message-ID: <"+id+"@customer.example>"),
			"To: support@example.com", "To: "+relay.ReplyTo, 1)
	}
	if oc := f.one(tokenOnly("c2")); oc.Ticket != tk.Ref || oc.Disposition != tickets.DispAppended {
		t.Fatalf("the customer's old token within the grace period: %+v", oc)
	}
	f.proven(f.one(agentMail("bob@example.com", n, "Which tray do you print from?", "b1", "Cc: "+n.ReplyTo)), tk)
	// Mail sent now carries tokens of the new secret.
	if r := f.sent(mailRelay, "hanako@customer.example"); len(r) != 2 {
		t.Fatalf("%d relays", len(r))
	} else if _, err := parseToken(tokenOfAddress(r[1].ReplyTo, "support@example.com"), rotatedSecret); err != nil {
		t.Fatalf("a mail sent after the rotation is signed with the old secret: %v", err)
	}

	f.now = until
	before := len(f.outgoing())
	f.refused(f.one(agentMail("bob@example.com", n, "#resolve\nDone.", "b2", "Cc: "+n.ReplyTo)), f.ticket(tk.Ref), before, "HMAC does not verify")
	if oc := f.one(tokenOnly("c3")); oc.Ticket == tk.Ref || oc.Disposition != tickets.DispNewTicket || strings.Contains(oc.Reason, "forged") {
		t.Fatalf("the customer's old token after the grace period: %+v", oc)
	}
}
