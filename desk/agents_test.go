package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// Two tiers: L1 (alice, bob; notices to the l1 list) and L2 (carol).
func withTiers(o *Options) {
	o.Tiers = []Tier{
		{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"alice@example.com", "bob@example.com"}, EscalateAfter: 4 * time.Hour},
		{Name: "L2", Notify: []string{"l2@example.com"}, Agents: []string{"carol@example.com"}},
	}
	o.Secret = testSecret
	o.CloseAfter = 72 * time.Hour
}

func newAgentFixture(t *testing.T, mod func(*Options)) *fixture {
	return newFixture(t, func(o *Options) {
		withTiers(o)
		if mod != nil {
			mod(o)
		}
	})
}

// sent returns the outgoing mails of kind (to addr when not "").
func (f *fixture) sent(kind, addr string) []*tickets.Outgoing {
	var out []*tickets.Outgoing
	for _, o := range f.outgoing() {
		if o.Kind == kind && (addr == "" || strings.EqualFold(o.To, addr)) {
			out = append(out, o)
		}
	}
	return out
}

// agentMail is an agent's reply to a notice: To the signed Reply-To, in
// reply to the notice.
func agentMail(from string, notice *tickets.Outgoing, body, id string, headers ...string) string {
	return mail(from, "Re: "+notice.Subject, body, append([]string{"Message-ID: <" + id + "@agents.example>",
		"In-Reply-To: <" + notice.MessageID + ">"}, headers...)...)
}

// escalated opens a ticket from a customer's mail and returns it with its notice.
func (f *fixture) escalated(body string, headers ...string) (*tickets.Ticket, *tickets.Outgoing) {
	f.t.Helper()
	oc := f.one(mail("Hanako Yamada <hanako@customer.example>", "Printer on 3F", body, append([]string{"Message-ID: <q" + fmt.Sprint(f.uid.Load()+1) + "@customer.example>"}, headers...)...))
	if oc.Status != tickets.StatusEscalated {
		f.t.Fatalf("setup: %+v", oc)
	}
	notices := f.sent(mailNotice, "l1@example.com")
	if len(notices) == 0 {
		f.t.Fatalf("setup: no notice to L1 (outcome %+v)", oc)
	}
	return f.ticket(oc.Ticket), notices[len(notices)-1]
}

func TestAgents_EscalatedTicketNoticesItsTierFromASignedAddress(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	if !strings.HasPrefix(n.ReplyTo, "support+") || !strings.HasSuffix(n.ReplyTo, "@example.com") || len(n.ReplyTo) > 64+len("@example.com") {
		t.Fatalf("Reply-To %q", n.ReplyTo)
	}
	tok := tokenOfAddress(n.ReplyTo, "support@example.com")
	if got, err := parseToken(tok, testSecret); err != nil || got.Ticket != tk.ID || got.Tier != 0 || got.Role != tokenAgent {
		t.Fatalf("Reply-To token %+v %v", got, err)
	}
	if tokenOfMessageID(n.MessageID, "example.com") != tok {
		t.Fatalf("Message-ID %q does not carry the Reply-To's token", n.MessageID)
	}
	if !strings.Contains(n.Subject, tk.Ref) || !strings.Contains(n.Text, "prints blank pages") || n.AutoSubmitted != "auto-generated" {
		t.Fatalf("notice %+v", n)
	}
	if tk.Tier != 0 || tk.TierSince.IsZero() {
		t.Fatalf("ticket tier %d since %v", tk.Tier, tk.TierSince)
	}
	// The customer still gets the acknowledgement.
	if len(f.sent(mailAck, "hanako@customer.example")) != 1 {
		t.Fatal("no acknowledgement")
	}
}

func TestAgents_P1IsNoticedWithThePriorityFirst(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail("ops@customer.example", "URGENT: server down", "The production server is down, nobody can work.", "Message-ID: <p1@c>"))
	tk := f.ticket(oc.Ticket)
	if tk.Priority != "P1" && tk.Priority != "P2" {
		t.Fatalf("setup: classification gave %s, want P1 or P2", tk.Priority)
	}
	n := f.sent(mailNotice, "l1@example.com")
	if len(n) != 1 || !strings.HasPrefix(n[0].Subject, "["+tk.Priority+"]") {
		t.Fatalf("notice subject %q, want it to start with [%s]", n[0].Subject, tk.Priority)
	}
}

func TestAgents_NoticeCarriesTheCustomersAttachmentsUpToTheCap(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.AttachMaxBytes = 1000 })
	raw := "From: hanako@customer.example\r\nTo: support@example.com\r\nSubject: Screen\r\nMessage-ID: <att@c>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n" +
		"--b\r\nContent-Type: text/plain; name=small.txt\r\nContent-Disposition: attachment; filename=small.txt\r\n\r\nsmall file\r\n" +
		"--b\r\nContent-Type: text/plain; name=big.txt\r\nContent-Disposition: attachment; filename=big.txt\r\n\r\n" + strings.Repeat("x", 2000) + "\r\n--b--\r\n"
	f.one(raw)
	var got *tickets.Outgoing
	rows, err := f.store.ClaimOutgoing(context.Background(), "test", f.now, f.now.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i].Kind == mailNotice {
			got = &rows[i]
		}
	}
	if got == nil || len(got.Attachments) != 1 || got.Attachments[0].Filename != "small.txt" {
		t.Fatalf("notice attachments %+v", got)
	}
	if !strings.Contains(got.Text, "big.txt") || !strings.Contains(got.Text, "small.txt") {
		t.Fatalf("notice does not name both files:\n%s", got.Text)
	}
}

func TestAgents_ProvenReplyIsRelayedWithoutQuotesOrSignatureAndCopiedToTheTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	body := "Please open the front cover and take out the orange tape.\n\n-- \nAlice, IT desk\n\nOn Tue, support wrote:\n> The printer on 3F prints blank pages."
	oc := f.one(agentMail("Alice <alice@example.com>", n, body, "a1", "To: "+n.ReplyTo))
	if oc.Disposition != tickets.DispAppended || oc.Status != tickets.StatusInProgress {
		t.Fatalf("agent reply: %+v", oc)
	}
	relays := f.sent(mailRelay, "hanako@customer.example")
	if len(relays) != 1 {
		t.Fatalf("%d relays", len(relays))
	}
	r := relays[0]
	if !strings.Contains(r.Text, "orange tape") || strings.Contains(r.Text, "Alice, IT desk") || strings.Contains(r.Text, "> The printer") {
		t.Fatalf("relayed text:\n%s", r.Text)
	}
	if !strings.Contains(r.Subject, tk.Ref) || r.InReplyTo == "" || !strings.HasPrefix(r.ReplyTo, "support+") {
		t.Fatalf("relay headers %+v", r)
	}
	if tok, _ := parseToken(tokenOfAddress(r.ReplyTo, "support@example.com"), testSecret); tok.Role != tokenCustomer {
		t.Fatalf("the customer's Reply-To carries %+v", tok)
	}
	if tk := f.ticket(tk.Ref); tk.FirstResponseAt.IsZero() {
		t.Fatal("first response not recorded")
	}
	if c := f.sent(mailCopy, "l1@example.com"); len(c) != 1 || !strings.Contains(c[0].Text, "orange tape") {
		t.Fatalf("copy to the tier: %+v", c)
	}
	// The customer's answer goes into the tier's thread.
	oc = f.replyTo(r, "It works now, but the paper jams sometimes.", "c2")
	if oc.Disposition != tickets.DispAppended || len(f.sent(mailForward, "l1@example.com")) != 1 {
		t.Fatalf("customer's reply: %+v", oc)
	}
	if fw := f.sent(mailForward, "l1@example.com")[0]; !strings.Contains(fw.Text, "paper jams") || fw.ReplyTo != n.ReplyTo {
		t.Fatalf("forward %+v", fw)
	}
}

func TestAgents_ReplyKeepingOnlyTheReferencesStillProves(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("Laptop will not boot.")
	// The client dropped Reply-To (wrote to the plain support address) and
	// In-Reply-To, but kept References.
	oc := f.one(mail("bob@example.com", "Re: laptop", "Bring it to the desk on 2F.", "Message-ID: <b1@agents.example>", "References: <"+n.MessageID+">"))
	if oc.Ticket != tk.Ref || len(f.sent(mailRelay, "")) != 1 {
		t.Fatalf("outcome %+v", oc)
	}
	// And the other way round: only the signed address, no thread headers.
	oc = f.one(mail("bob@example.com", "laptop", "#hold\nWaiting for the part.", "Message-ID: <b2@agents.example>", "Cc: "+n.ReplyTo))
	if oc.Ticket != tk.Ref || oc.Status != tickets.StatusOnHold {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestAgents_NoteIsNeverRelayed(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("VPN drops every hour.")
	oc := f.one(agentMail("alice@example.com", n, "#note\nCustomer is on the old client; check the logs first.", "a2"))
	if len(f.sent(mailRelay, "")) != 0 || strings.Contains(fmt.Sprint(oc.Sent), mailRelay) {
		t.Fatalf("a note was relayed: %+v", oc)
	}
	es := f.entries(tk.Ref)
	if last := es[len(es)-1]; last.Kind != tickets.KindInternalNote || !strings.Contains(last.Text, "old client") {
		t.Fatalf("note recorded as %+v", last)
	}
	if c := f.sent(mailCopy, "l1@example.com"); len(c) != 1 || !strings.Contains(c[0].Text, "old client") {
		t.Fatalf("the tier did not see the note: %+v", c)
	}
	if f.ticket(tk.Ref).FirstResponseAt.IsZero() == false {
		t.Fatal("a note counted as the first response")
	}
}

func TestAgents_AnswerSendsTheEntryAndKeepsTheWordingAsPendingParaphrase(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	oc := f.one(mail("hanako@customer.example", "Toner", "Where do I get a new cartridge for the copier on floor 5?", "Message-ID: <t1@c>"))
	if oc.Status != tickets.StatusEscalated {
		t.Fatalf("setup %+v", oc)
	}
	n := f.sent(mailNotice, "l1@example.com")[0]
	oc = f.one(agentMail("alice@example.com", n, "#answer printer-toner\n#resolve\nThe toner cartridges are in the cabinet next to it.", "a3"))
	if oc.Status != tickets.StatusResolved {
		t.Fatalf("outcome %+v", oc)
	}
	res := f.sent(mailResolution, "hanako@customer.example")
	if len(res) != 1 || !strings.Contains(res[0].Text, "swap the cartridge") || !strings.Contains(res[0].Text, "cabinet next to it") {
		t.Fatalf("resolution %+v", res)
	}
	if e := f.faq("printer-toner"); len(e.Paraphrases) != 1 || !strings.Contains(e.Paraphrases[0].Text, "copier on floor 5") ||
		e.Paraphrases[0].State != tickets.ParaphrasePending || e.Paraphrases[0].AddedBy != "alice@example.com" {
		t.Fatalf("paraphrases %+v, want the customer's wording pending, added by alice", e.Paraphrases)
	}
}

func TestAgents_ResolveThenSilenceCloses(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("Outlook asks for my password every hour.")
	f.one(agentMail("alice@example.com", n, "#resolve\nWe reset your mail profile; it will not ask again.", "a4"))
	res := f.sent(mailResolution, "hanako@customer.example")
	if len(res) != 1 || !strings.Contains(res[0].Text, "mail profile") || !strings.Contains(res[0].Text, "3 days") {
		t.Fatalf("resolution mail %+v", res)
	}
	if r := f.tickAfter(71 * time.Hour); r.Closed != 0 {
		t.Fatalf("closed early: %+v", r)
	}
	if r := f.tickAfter(2 * time.Hour); r.Closed != 1 || f.ticket(tk.Ref).Status != tickets.StatusClosed {
		t.Fatalf("not closed after close_after: %+v", r)
	}
}

func TestAgents_CustomerReplyToResolutionReopensAndReachesTheTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("Wi-Fi in room B is down.")
	f.one(agentMail("alice@example.com", n, "#resolve\nThe access point was restarted.", "a5"))
	res := f.sent(mailResolution, "hanako@customer.example")[0]
	before := len(f.sent(mailNotice, "l1@example.com"))
	oc := f.replyTo(res, "It is down again since this morning.", "c5")
	if oc.Status != tickets.StatusEscalated || len(f.sent(mailNotice, "l1@example.com")) != before+1 {
		t.Fatalf("reopen: %+v", oc)
	}
	_ = tk
}

func TestAgents_ForgedRepliesActOnNothing(t *testing.T) {
	cases := []struct {
		name string
		mail func(f *fixture, n *tickets.Outgoing, other *tickets.Outgoing) string
		why  string
	}{
		{"agent's From without a token", func(f *fixture, n, _ *tickets.Outgoing) string {
			ack := f.sent(mailAck, "")[0]
			return mail("alice@example.com", "Re: "+ack.Subject, "#resolve\nDone.", "Message-ID: <f1@x>", "In-Reply-To: <"+ack.MessageID+">")
		}, "no valid reply token"},
		{"token with a From not on the list", func(f *fixture, n, _ *tickets.Outgoing) string {
			return agentMail("mallory@evil.example", n, "#resolve\nDone.", "f2", "To: "+n.ReplyTo)
		}, "not on the agents list"},
		{"token of another ticket", func(f *fixture, n, other *tickets.Outgoing) string {
			return agentMail("alice@example.com", n, "#resolve\nDone.", "f3", "Cc: "+other.ReplyTo)
		}, "another ticket"},
		{"token whose HMAC does not verify", func(f *fixture, n, _ *tickets.Outgoing) string {
			tok := tokenOfAddress(n.ReplyTo, "support@example.com")
			bad := tok[:len(tok)-1] + map[bool]string{true: "b", false: "a"}[tok[len(tok)-1] == 'a']
			return mail("alice@example.com", "Re: "+n.Subject, "#resolve\nDone.", "Message-ID: <f4@x>", "Cc: support+"+bad+"@example.com", "References: <"+f.sent(mailAck, "")[0].MessageID+">")
		}, "HMAC"},
		{"DMARC failure reported by the trusted server", func(f *fixture, n, _ *tickets.Outgoing) string {
			return "Authentication-Results: mx.example.com; spf=pass; dmarc=fail (p=reject) header.from=example.com\r\n" +
				agentMail("alice@example.com", n, "#resolve\nDone.", "f5", "To: "+n.ReplyTo)
		}, "dmarc=fail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAgentFixture(t, func(o *Options) { o.TrustedAuthservID = "mx.example.com" })
			tk, n := f.escalated("My account is locked.")
			_, other := f.escalated("Another problem entirely.")
			before := len(f.outgoing())
			sender := ""
			raw := c.mail(f, n, other)
			for _, l := range strings.Split(raw, "\r\n") {
				if a, ok := strings.CutPrefix(l, "From: "); ok {
					sender = a
				}
			}
			oc := f.one(raw)
			if oc.Ticket != tk.Ref || oc.Status != tickets.StatusEscalated || !strings.Contains(oc.Reason, c.why) || len(oc.Sent) != 0 {
				t.Fatalf("forged reply: %+v (want a refusal saying %q)", oc, c.why)
			}
			if len(f.outgoing()) != before {
				t.Fatalf("mail was queued for a forged reply")
			}
			if all, _ := f.mailTo(sender, tk.Ref); all != 0 && sender != "alice@example.com" {
				t.Fatalf("the forger was sent mail")
			}
			es := f.entries(tk.Ref)
			if last := es[len(es)-1]; last.Kind != tickets.KindThirdParty {
				t.Fatalf("recorded as %+v", last)
			}
			if tk := f.ticket(tk.Ref); tk.Status != tickets.StatusEscalated || !tk.FirstResponseAt.IsZero() {
				t.Fatalf("ticket changed: %+v", tk)
			}
		})
	}
}

func TestAgents_BadCommandAnswersTheAgentAndDoesNothing(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("Need a new monitor.")
	oc := f.one(agentMail("alice@example.com", n, "#resolve\n#priorty P2\nOrdered.", "a6"))
	if oc.Status != tickets.StatusEscalated || len(f.sent(mailRelay, ""))+len(f.sent(mailResolution, "")) != 0 {
		t.Fatalf("a bad command acted: %+v", oc)
	}
	errs := f.sent(mailCommandError, "alice@example.com")
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "#priorty") || errs[0].AutoSubmitted != "auto-replied" {
		t.Fatalf("error mail %+v", errs)
	}
	// The errors mail is rate-limited like any automatic reply.
	for i := 0; i < 10; i++ {
		f.one(agentMail("alice@example.com", n, "#bogus", fmt.Sprintf("a7-%d", i)))
	}
	if got := len(f.sent(mailCommandError, "alice@example.com")); got > 5 {
		t.Fatalf("%d error mails to one agent within the hour", got)
	}
	_ = tk
}

func TestAgents_CommandsSetAssigneePriorityTypeAndTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("Please install Visio on my PC.")
	f.one(agentMail("alice@example.com", n, "#take\n#priority P2\n#type request", "a8"))
	got := f.ticket(tk.Ref)
	if got.Assignee != "alice@example.com" || got.Priority != "P2" || got.Type != tickets.ServiceRequest {
		t.Fatalf("after commands: assignee %q priority %s type %s", got.Assignee, got.Priority, got.Type)
	}
	if !got.RespondDueAt.Before(tk.RespondDueAt) {
		t.Fatalf("P2's respond due %v is not earlier than P3's %v", got.RespondDueAt, tk.RespondDueAt)
	}
	oc := f.one(agentMail("bob@example.com", n, "#escalate\nNeeds a licence from L2.", "a9"))
	if got := f.ticket(tk.Ref); got.Tier != 1 || oc.Status != tickets.StatusEscalated {
		t.Fatalf("#escalate: tier %d, %+v", got.Tier, oc)
	}
	l2 := f.sent(mailNotice, "l2@example.com")
	if len(l2) != 1 {
		t.Fatal("L2 got no notice")
	}
	// An L1 agent cannot act with L2's token; carol can.
	oc = f.one(agentMail("alice@example.com", l2[0], "#resolve\nDone.", "a10", "To: "+l2[0].ReplyTo))
	if !strings.Contains(oc.Reason, "not on the agents list") {
		t.Fatalf("L1 agent with L2 token: %+v", oc)
	}
	oc = f.one(agentMail("carol@example.com", l2[0], "#resolve\nLicence assigned, Visio installed.", "a11", "To: "+l2[0].ReplyTo))
	if oc.Status != tickets.StatusResolved {
		t.Fatalf("carol: %+v", oc)
	}
}

func TestAgents_TerminalActionsGoThroughTheSameChecks(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, _ := f.escalated("Shared drive is read-only.")
	ctx := context.Background()
	if _, err := f.desk.Act(ctx, tk.Ref, Action{Actor: "admin", Commands: []string{"priority P9"}}); err == nil {
		t.Fatal("a bad priority was accepted")
	}
	var ae *ActionError
	if _, err := f.desk.Act(ctx, tk.Ref, Action{Actor: "admin", Commands: []string{"escalate", "resolve"}}); !errors.As(err, &ae) {
		t.Fatalf("contradicting commands: %v", err)
	}
	oc, err := f.desk.Act(ctx, tk.Ref, Action{Actor: "admin", Text: "We fixed the permissions; please try again."})
	if err != nil || oc.Status != tickets.StatusInProgress || len(f.sent(mailRelay, "hanako@customer.example")) != 1 {
		t.Fatalf("reply from the terminal: %+v %v", oc, err)
	}
	if _, err := f.desk.Act(ctx, tk.Ref, Action{Actor: "admin", Commands: []string{"resolve"}}); err != nil {
		t.Fatal(err)
	}
	if f.ticket(tk.Ref).Status != tickets.StatusResolved {
		t.Fatal("not resolved")
	}
}

func TestAgents_BounceOfARelayedAnswerIsShownToTheTier(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("My mailbox is full.")
	f.one(agentMail("alice@example.com", n, "We doubled your quota.", "bq1"))
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	oc := f.one(dsn("bq2", relay.MessageID, relay.To, "failed", "5.2.2"))
	if oc.Disposition != tickets.DispBounce || oc.Ticket != tk.Ref {
		t.Fatalf("bounce: %+v", oc)
	}
	b := f.sent(mailBounceNotice, "l1@example.com")
	if len(b) != 1 || !strings.Contains(b[0].Text, "hanako@customer.example") || !strings.Contains(b[0].Text, "5.2.2") {
		t.Fatalf("bounce notice %+v", b)
	}
	// A delay report is no failure: the tier hears nothing more.
	f.one(dsn("bq3", relay.MessageID, relay.To, "delayed", "4.4.1"))
	if len(f.sent(mailBounceNotice, "")) != 1 {
		t.Fatal("a delay report was shown as a bounce")
	}
}

// The Reply-To of a relay carries the customer's token so that a reply
// threads even when the client kept neither the thread headers nor the
// tag; it does so for the customer, not for a stranger who has the address.
func TestAgents_CustomerTokenAloneThreadsTheCustomerNotAStranger(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a1"))
	r := f.sent(mailRelay, "hanako@customer.example")[0]
	oc := f.one(mail("hanako@customer.example", "printer again", "The test page is blank too.", "Message-ID: <c5@customer.example>", "Cc: "+r.ReplyTo))
	if oc.Ticket != tk.Ref || oc.Disposition != tickets.DispAppended || len(f.sent(mailForward, "l1@example.com")) != 1 {
		t.Fatalf("the customer's mail to the signed address alone: %+v", oc)
	}
	oc = f.one(mail("mallory@evil.example", "printer again", "Close it.", "Message-ID: <m5@evil.example>", "Cc: "+r.ReplyTo))
	if oc.Ticket == tk.Ref || oc.Disposition != tickets.DispNewTicket || !strings.Contains(oc.Reason, "reply token of "+tk.Ref+" ignored") {
		t.Fatalf("a stranger's mail to the signed address: %+v", oc)
	}
}

// #faq drafts an entry keyed by the ticket: without an answer, or with
// that key taken, the reply is refused as a whole (and the batch it came
// in goes on).
func TestAgents_FAQCommandWithoutAnswerOrWithATakenKeyIsRefused(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.Language = "ja" })
	tk, n := f.escalated("The projector in room 4 shows no picture.")
	oc := f.one(agentMail("alice@example.com", n, "#faq", "fq1"))
	if oc.Status != tickets.StatusEscalated || !strings.Contains(oc.Reason, "#faq: write the answer") {
		t.Fatalf("#faq without an answer: %+v", oc)
	}
	if e := f.sent(mailCommandError, "alice@example.com"); len(e) != 1 || !strings.Contains(e[0].Text, "FAQ の回答をコマンドの下の行に") {
		t.Fatalf("error mail in desk.language: %+v", e)
	}
	f.update(func(tx *tickets.Tx) error {
		_, err := tx.PutFAQ(&tickets.FAQ{Key: strings.ToLower(tk.Ref), Question: "q", Answer: "a", Status: tickets.FAQDraft}, 0, "admin")
		return err
	})
	outs := f.deliver(agentMail("alice@example.com", n, "#faq\nPress the input button twice.", "fq2"),
		mail("other@customer.example", "Keyboard", "My keyboard types double letters.", "Message-ID: <fq3@c>"))
	if outs[0].Status != tickets.StatusEscalated || !strings.Contains(outs[0].Reason, "exists already") {
		t.Fatalf("#faq onto a taken key: %+v", outs[0])
	}
	if outs[1].Disposition != tickets.DispNewTicket {
		t.Fatalf("the rest of the batch: %+v", outs[1])
	}
}
