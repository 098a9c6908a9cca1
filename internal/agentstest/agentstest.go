// Package agentstest holds the scenarios of agents by mail (issue 8) as
// a customer, agents and forgers live them, to run against any madoguchi
// gateway: in-process on the go-imap and go-smtp servers of
// internal/mailserver (cmd/madoguchi), and as the built binary on Dovecot
// (e2e). A scenario delivers mail into the support mailbox, runs
// `madoguchi run --once` (with --now for the SLA clocks), and asserts on
// what the SMTP server received, read back as a mail client reads it, and
// on `tickets show --json`, `inbound list --json`, `outbox list --json`
// and `faq show --json`.
//
// The package is for tests only: it imports testing.
package agentstest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Gateway is one fresh installation of madoguchi: a support mailbox, an
// SMTP server that keeps what it accepts, and a config whose [desk]
// section goes on with what DeskConfig returned.
type Gateway interface {
	// Deliver puts raw mails (CRLF line ends) into the support INBOX, unseen.
	Deliver(t *testing.T, raws ...string)
	// Madoguchi runs `madoguchi --config CONFIG args...` and returns its
	// standard output; a non-zero exit fails the test.
	Madoguchi(t *testing.T, args ...string) string
	// Received is every mail the SMTP server accepted so far, in order.
	Received() []mailserver.Received
}

// Start makes a Gateway whose config has desk appended to its [desk]
// section (the last section written before it).
type Start func(t *testing.T, desk string) Gateway

// Secret is the desk.secret of the scenarios.
const Secret = "agents-flow-secret-0123456789"

// DeskConfig is the rest of the [desk] section and what follows it: the
// secret, close_after 72h and a trusted authserv-id; two tiers (L1: alice
// and bob, notices to l1@example.com, moving unanswered tickets on after
// escalateAfter; L2: carol, notices to l2@example.com); P3 targets of 4h
// and 24h; then extra (e.g. [sla.hours]).
func DeskConfig(escalateAfter, extra string) string {
	return fmt.Sprintf(`secret = %q
close_after = "72h"
trusted_authserv_id = "mx.example.com"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com", "bob@example.com"]
escalate_after = %q

[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com"]
agents = ["carol@example.com"]
escalate_after = "0s"

[sla.P3]
respond = "4h"
resolve = "24h"
`, Secret, escalateAfter) + extra
}

// installation is a Gateway as a scenario drives it, with how many of the
// SMTP server's mails the scenario has looked at.
type installation struct {
	t    *testing.T
	g    Gateway
	seen int
}

func open(t *testing.T, start Start, escalateAfter, extra string) *installation {
	t.Helper()
	return &installation{t: t, g: start(t, DeskConfig(escalateAfter, extra))}
}

// deliver puts raw mails into the support INBOX as the MX of example.com
// (DeskConfig's trusted authserv-id) delivers them: each with the MX's
// Authentication-Results on top, saying dmarc=pass for its From's domain,
// unless the mail carries a verdict of the MX already (a scenario on
// DMARC writes it itself, on top). deliverPastTheMX leaves mail as it is.
func (d *installation) deliver(raws ...string) {
	d.t.Helper()
	for i := range raws {
		raws[i] = stampedByMX(crlf(raws[i]))
	}
	d.g.Deliver(d.t, raws...)
}

// deliverPastTheMX puts raw mails into the INBOX as they are, as mail
// that reached the mailbox without the MX would.
func (d *installation) deliverPastTheMX(raws ...string) {
	d.t.Helper()
	for i := range raws {
		raws[i] = crlf(raws[i])
	}
	d.g.Deliver(d.t, raws...)
}

// trustedMX is the authserv-id of DeskConfig.
const trustedMX = "mx.example.com"

// fromDomain finds the domain of the last address on a From line.
var fromDomain = regexp.MustCompile(`(?im)^From:[^\r\n]*@([a-z0-9.-]+)`)

// stampedByMX is raw with the MX's dmarc=pass for its From's domain on
// top, unless raw holds an Authentication-Results of the MX already.
func stampedByMX(raw string) string {
	head, _, _ := strings.Cut(raw, "\r\n\r\n")
	for _, line := range strings.Split(strings.ToLower(head), "\r\n") {
		if v, ok := strings.CutPrefix(line, "authentication-results:"); ok && strings.Contains(v, trustedMX) {
			return raw
		}
	}
	domain := "invalid"
	if m := fromDomain.FindStringSubmatch(head); m != nil {
		domain = strings.ToLower(m[1])
	}
	return "Authentication-Results: " + trustedMX + "; dmarc=pass (p=reject) header.from=" + domain + "\r\n" + raw
}

// run is `madoguchi run --once`, at the instant now when it is not "".
func (d *installation) run(now string) {
	d.t.Helper()
	args := []string{"run", "--once"}
	if now != "" {
		args = append(args, "--now", now)
	}
	d.cli(args...)
}

func (d *installation) cli(args ...string) string {
	d.t.Helper()
	return d.g.Madoguchi(d.t, args...)
}

// sent returns the mails the SMTP server accepted since the last call.
func (d *installation) sent() sentMails {
	d.t.Helper()
	all := d.g.Received()
	var out sentMails
	for _, r := range all[d.seen:] {
		m, err := r.Message()
		if err != nil {
			d.t.Fatal(err)
		}
		out = append(out, sentMail{Message: m, rcpt: strings.Join(r.To, ","), raw: string(r.Data), envelope: r.From})
	}
	d.seen = len(all)
	return out
}

// ticket is `tickets show REF --json`.
func (d *installation) ticket(ref string) ticketJSON {
	d.t.Helper()
	var tk ticketJSON
	if err := json.Unmarshal([]byte(d.cli("tickets", "show", ref, "--json")), &tk); err != nil {
		d.t.Fatal(err)
	}
	return tk
}

// refs lists the tickets' references, oldest first.
func (d *installation) refs() []string {
	d.t.Helper()
	var list []struct{ Ref string }
	if err := json.Unmarshal([]byte(d.cli("tickets", "list", "--json")), &list); err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Ref)
	}
	return out
}

// inbound returns the record of the inbound mail with this Message-ID.
func (d *installation) inbound(messageID string) inboundJSON {
	d.t.Helper()
	var list []inboundJSON
	if err := json.Unmarshal([]byte(d.cli("inbound", "list", "--json")), &list); err != nil {
		d.t.Fatal(err)
	}
	for _, in := range list {
		if in.MessageID == messageID {
			return in
		}
	}
	d.t.Fatalf("no inbound record of <%s>", messageID)
	return inboundJSON{}
}

// outboxKinds counts `outbox list --json` rows by kind and recipient
// ("relay hanako@customer.example": 1).
func (d *installation) outboxKinds() map[string]int {
	d.t.Helper()
	var list []struct{ Kind, To, Status string }
	if err := json.Unmarshal([]byte(d.cli("outbox", "list", "--json")), &list); err != nil {
		d.t.Fatal(err)
	}
	out := map[string]int{}
	for _, o := range list {
		if o.Status != "sent" {
			d.t.Errorf("outbox row %s to %s is %s after run --once", o.Kind, o.To, o.Status)
		}
		out[o.Kind+" "+o.To]++
	}
	return out
}

type ticketJSON struct {
	Ref               string
	Status            string
	Priority          string
	Type              string
	Tier              string
	Assignee          string
	FirstResponseAt   time.Time `json:"first_response_at"`
	RespondDueAt      time.Time `json:"respond_due_at"`
	ResolveDueAt      time.Time `json:"resolve_due_at"`
	RespondRemindedAt time.Time `json:"respond_reminded_at"`
	ResolveRemindedAt time.Time `json:"resolve_reminded_at"`
	Breaches          []struct {
		Target string
		At     time.Time
	}
	Entries []struct {
		Kind, Direction, From, Role, Text string
	}
	Events []struct {
		Kind, Actor string
		Detail      json.RawMessage
	}
}

// entries counts the ticket's entries of kind (from from, when not "").
func (tk ticketJSON) entries(kind, from string) int {
	n := 0
	for _, e := range tk.Entries {
		if e.Kind == kind && (from == "" || e.From == from) {
			n++
		}
	}
	return n
}

func (tk ticketJSON) events(kind string) []string {
	var out []string
	for _, e := range tk.Events {
		if e.Kind == kind {
			out = append(out, string(e.Detail))
		}
	}
	return out
}

type inboundJSON struct {
	MessageID   string `json:"message_id"`
	Disposition string
	Reason      string
	Ticket      string
}

// sentMail is one mail the SMTP server accepted, read back.
type sentMail struct {
	*mailserver.Message
	rcpt     string // the envelope recipients, comma-separated
	raw      string
	envelope string // the envelope sender
}

type sentMails []sentMail

// to returns the mails addr is an envelope recipient of (alone, or with
// the participants a mail to a customer Cc's).
func (ms sentMails) to(addr string) sentMails {
	var out sentMails
	for _, m := range ms {
		if slices.Contains(strings.Split(m.rcpt, ","), addr) {
			out = append(out, m)
		}
	}
	return out
}

func (ms sentMails) String() string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "\n  to %s: %q", m.rcpt, m.Subject)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// one requires exactly one mail to addr among ms, and returns it.
func (ms sentMails) one(t *testing.T, addr string) sentMail {
	t.Helper()
	got := ms.to(addr)
	if len(got) != 1 {
		t.Fatalf("%d mails to %s, want 1; sent:%s", len(got), addr, ms)
	}
	return got[0]
}

// replyTo is the one Reply-To address of m.
func (m sentMail) replyTo(t *testing.T) string {
	t.Helper()
	if len(m.ReplyTo) != 1 {
		t.Fatalf("mail to %s %q has Reply-To %v, want one address", m.rcpt, m.Subject, m.ReplyTo)
	}
	return m.ReplyTo[0]
}

var plusToken = regexp.MustCompile(`^support\+([a-z2-7]+)@example\.com$`)

// token is the reply token in m's Reply-To, checked for its form.
func (m sentMail) token(t *testing.T) string {
	t.Helper()
	rt := m.replyTo(t)
	sub := plusToken.FindStringSubmatch(rt)
	if sub == nil || len(rt)-len("@example.com") > 64 {
		t.Fatalf("Reply-To %q is not support+TOKEN@example.com with a lower-case base32 token in a local part of at most 64", rt)
	}
	return sub[1]
}

// customerMail is a customer's mail as a mail client writes it.
func customerMail(from, to, subject, id, body string, headers ...string) string {
	h := fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n", from, to, subject, id)
	for _, x := range headers {
		h += x + "\n"
	}
	return h + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
}

// replyMail answers m from from, to m's Reply-To, in its thread.
func replyMail(t *testing.T, from string, m sentMail, id, body string, headers ...string) string {
	t.Helper()
	return customerMail(from, m.replyTo(t), "Re: "+m.Subject, id, body,
		append([]string{"In-Reply-To: <" + m.MessageID + ">", "References: <" + m.MessageID + ">"}, headers...)...)
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

const hanako = "hanako@customer.example"

// question is Hanako's question, with a file attached.
const question = `From: Hanako Yamada <hanako@customer.example>
To: support@example.com
Subject: Printer on 3F prints blank pages
Message-ID: <q1@customer.example>
Date: Tue, 01 Dec 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

The printer on the third floor prints only blank pages since this morning.
--b
Content-Type: text/plain; name=test-page.txt
Content-Disposition: attachment; filename=test-page.txt

printer self-test: toner 80%
--b--
`

// escalated delivers Hanako's question, runs the gateway at now, and
// returns the ticket's reference and the notice L1 got.
func (d *installation) escalated(now string) (string, sentMail) {
	d.t.Helper()
	d.deliver(question)
	d.run(now)
	sent := d.sent()
	refs := d.refs()
	if len(refs) != 1 {
		d.t.Fatalf("tickets %v, want one", refs)
	}
	if len(sent) != 2 || len(sent.to(hanako)) != 1 {
		d.t.Fatalf("want the acknowledgement and the notice; sent:%s", sent)
	}
	return refs[0], sent.one(d.t, "l1@example.com")
}

// noMail requires that the SMTP server got nothing since the last look.
func (d *installation) noMail(when string) {
	d.t.Helper()
	if s := d.sent(); len(s) > 0 {
		d.t.Fatalf("%s: mail was sent:%s", when, s)
	}
}
