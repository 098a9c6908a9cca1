package desk

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// fixture is a desk over a real SQLite file and the embedded templates,
// with a clock the test moves.
type fixture struct {
	t     *testing.T
	desk  *Desk
	store *tickets.Store
	now   time.Time
	uid   atomic.Uint32
	index *responder.Index // set before newFixture's New by newFAQFixture
}

func newFixture(t *testing.T, mod func(*Options)) *fixture {
	return newFixtureWith(t, nil, mod)
}

func newFixtureWith(t *testing.T, index *responder.Index, mod func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), index: index}
	opts := Options{SupportAddress: "support@example.com", Rules: DefaultRules()}
	if mod != nil {
		mod(&opts)
	}
	// The store counts time on hold and keeps the timers with the desk's
	// SLA policy, as `run` has it.
	opts.SLA = SLAPolicy(opts.SLA, opts.Tiers)
	store, err := tickets.Open(filepath.Join(t.TempDir(), "desk.db"), &tickets.Options{Now: func() time.Time { return f.now }, SLA: &opts.SLA})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(opts, Deps{Store: store, Templates: tmpl, Index: f.index})
	if err != nil {
		t.Fatal(err)
	}
	f.desk, f.store = d, store
	return f
}

// deliver hands raw messages to the desk as the poller would, each under a
// new UID, and returns their outcomes.
func (f *fixture) deliver(raws ...string) []Outcome {
	f.t.Helper()
	var batch []intake.Fetched
	for _, r := range raws {
		batch = append(batch, intake.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid.Add(1), Raw: []byte(r)})
	}
	out, err := f.desk.ReceiveBatch(context.Background(), batch)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) one(raw string) Outcome {
	f.t.Helper()
	return f.deliver(raw)[0]
}

func (f *fixture) outgoing() []*tickets.Outgoing {
	f.t.Helper()
	var list []*tickets.Outgoing
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		var err error
		list, err = tx.OutgoingList(0)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

func (f *fixture) ticket(ref string) *tickets.Ticket {
	f.t.Helper()
	var t *tickets.Ticket
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		var err error
		t, err = tx.Ticket(ref)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func (f *fixture) update(fn func(tx *tickets.Tx) error) {
	f.t.Helper()
	if err := f.store.Update(context.Background(), fn); err != nil {
		f.t.Fatal(err)
	}
}

func mail(from, subject, body string, headers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n", from, subject)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.String()
}

func TestReceive_NewMailOpensTicketAndQueuesOneAck(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("Alice <alice@customer.example>", "Printer jam", "The printer on floor 3 is jammed.", "Message-ID: <a1@customer.example>"))
	if oc.Disposition != tickets.DispNewTicket || oc.Ticket != "INC-1001" || len(oc.Sent) != 1 || oc.Sent[0] != "ack" {
		t.Fatalf("outcome %+v", oc)
	}
	out := f.outgoing()
	if len(out) != 1 {
		t.Fatalf("outgoing %d", len(out))
	}
	o := out[0]
	if o.To != "alice@customer.example" || o.InReplyTo != "a1@customer.example" || o.AutoSubmitted != "auto-replied" ||
		!strings.Contains(o.Subject, "[INC-1001]") || !strings.Contains(o.Text, "INC-1001") || o.Status != tickets.OutPending {
		t.Fatalf("ack %+v", o)
	}
	if got := o.References; len(got) != 1 || got[0] != "a1@customer.example" {
		t.Errorf("references %v", got)
	}
}

func TestReceive_SameMessageIDTwiceIsDuplicateWithoutSecondAck(t *testing.T) {
	f := newFixture(t, nil)
	raw := mail("alice@customer.example", "VPN", "VPN broken", "Message-ID: <dup@customer.example>")
	first := f.one(raw)
	// Same Message-ID, different bytes (another relay added a header).
	second := f.one("Received: from relay2\r\n" + raw)
	if first.Disposition != tickets.DispNewTicket || second.Disposition != tickets.DispDuplicate || second.Ticket != first.Ticket {
		t.Fatalf("first %+v second %+v", first, second)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d outgoing mails, want 1", n)
	}
}

func TestReceive_NoMessageIDSameContentIsDuplicate(t *testing.T) {
	f := newFixture(t, nil)
	raw := mail("alice@customer.example", "No id", "body")
	out := f.deliver(raw, raw)
	if out[0].Disposition != tickets.DispNewTicket || out[1].Disposition != tickets.DispDuplicate {
		t.Fatalf("outcomes %+v", out)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d outgoing mails, want 1", n)
	}
}

func TestReceive_SameUIDAgainKeepsTheFirstRecord(t *testing.T) {
	f := newFixture(t, nil)
	batch := []intake.Fetched{{Mailbox: "INBOX", UIDValidity: 9, UID: 4, Raw: []byte(mail("a@customer.example", "x", "y", "Message-ID: <u4@c>"))}}
	for i := 0; i < 2; i++ {
		if _, err := f.desk.ReceiveBatch(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	known, err := f.desk.Known(context.Background(), "INBOX", 9, []uint32{3, 4})
	if err != nil || !known[4] || known[3] {
		t.Fatalf("known %v %v", known, err)
	}
	var n int
	f.update(func(tx *tickets.Tx) error {
		l, err := tx.InboundList(0)
		n = len(l)
		return err
	})
	if n != 1 || len(f.outgoing()) != 1 {
		t.Fatalf("%d records, %d outgoing", n, len(f.outgoing()))
	}
}

func TestReceive_EveryMessageGetsOneRecordedDisposition(t *testing.T) {
	f := newFixture(t, nil)
	out := f.deliver(
		mail("a@customer.example", "one", "x", "Message-ID: <m1@c>"),
		"this is not a mail at all\x00\x01",
		mail("b@customer.example", "ooo", "away", "Auto-Submitted: auto-replied", "Message-ID: <m3@c>"),
		mail("support@example.com", "loop", "ours", "Message-ID: <m4@c>"),
	)
	var recs []*tickets.Inbound
	f.update(func(tx *tickets.Tx) error {
		var err error
		recs, err = tx.InboundList(0)
		return err
	})
	if len(recs) != 4 {
		t.Fatalf("%d records for 4 messages", len(recs))
	}
	want := []string{tickets.DispNewTicket, "", tickets.DispAutomatic, tickets.DispOwnMail}
	for i, r := range recs {
		if r.Disposition == "" || (want[i] != "" && r.Disposition != want[i]) || r.Disposition != out[i].Disposition {
			t.Errorf("record %d: %s (%s), want %s", i, r.Disposition, r.Reason, want[i])
		}
		if r.RawHash == "" || r.Size == 0 {
			t.Errorf("record %d keeps no raw message", i)
		}
	}
	if recs[1].Disposition != tickets.DispQuarantined && recs[1].Disposition != tickets.DispNewTicket {
		t.Errorf("garbage got %s", recs[1].Disposition)
	}
	if recs[1].Disposition == tickets.DispQuarantined && recs[1].Reason == "" {
		t.Error("quarantined without a reason")
	}
}

// A mail the poller found too large to fetch arrives as its header alone:
// it is quarantined with its size and the limit, its record keeps the
// header fields and the header as its raw bytes, and nothing is sent.
func TestReceive_MailFetchedAsItsHeaderIsQuarantinedWithItsSizeAndHeaderFields(t *testing.T) {
	f := newFixture(t, nil)
	header := "From: Kenji Mori <kenji.mori@customer.example>\r\nTo: support@example.com\r\nSubject: Crash dump attached\r\n" +
		"Message-ID: <dump-2@customer.example>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n\r\n"
	out, err := f.desk.ReceiveBatch(context.Background(), []intake.Fetched{{Mailbox: "INBOX", UIDValidity: 1, UID: 7,
		Raw: []byte(header), Size: 40 << 20, HeaderOnly: true, SizeLimit: 25 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	wantReason := "too large: mime: message of 41943040 bytes exceeds the limit of 26214400 bytes (limits.max_message_bytes)"
	if out[0].Disposition != tickets.DispQuarantined || out[0].Reason != wantReason || len(out[0].Sent) != 0 {
		t.Fatalf("outcome %+v; want quarantined with reason %q, nothing sent", out[0], wantReason)
	}
	var rec *tickets.Inbound
	var raw []byte
	f.update(func(tx *tickets.Tx) error {
		var err error
		if rec, err = tx.InboundAt(tickets.DefaultMailbox, "INBOX", 1, 7); err != nil {
			return err
		}
		raw, err = tx.Blob(rec.RawHash)
		return err
	})
	if rec.From != "kenji.mori@customer.example" || rec.MessageID != "dump-2@customer.example" || rec.Subject != "Crash dump attached" || rec.Date.IsZero() {
		t.Errorf("record: From %q, Message-ID %q, Subject %q, Date %v; want the header's", rec.From, rec.MessageID, rec.Subject, rec.Date)
	}
	if string(raw) != header || rec.Reason != wantReason {
		t.Errorf("record keeps raw %q and reason %q; want the header and %q", raw, rec.Reason, wantReason)
	}
	if len(f.outgoing()) != 0 {
		t.Errorf("mail queued for a quarantined message: %+v", f.outgoing())
	}
}

// TestReceive_TooLargeMailIsRecordedWithItsHeader: a quarantined mail's
// record says who sent what, and a second copy of it (same Message-ID) is a
// duplicate of the quarantined one, as for any other mail.
func TestReceive_TooLargeMailIsRecordedWithItsHeader(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Limits.MaxBytes = 4096 })
	big := mail("Kenji Mori <kenji.mori@customer.example>", "Crash dump attached", strings.Repeat("0123456789abcdef\n", 400),
		"Message-ID: <dump-1@customer.example>")
	out := f.deliver(big, big)
	if out[0].Disposition != tickets.DispQuarantined || !strings.HasPrefix(out[0].Reason, "too large") || len(out[0].Sent) != 0 {
		t.Fatalf("first copy: outcome %+v, want quarantined as too large, nothing sent", out[0])
	}
	if out[1].Disposition != tickets.DispDuplicate {
		t.Errorf("second copy: outcome %+v, want a duplicate of the quarantined one", out[1])
	}
	var recs []*tickets.Inbound
	f.update(func(tx *tickets.Tx) error {
		var err error
		recs, err = tx.InboundList(0)
		return err
	})
	if len(recs) != 2 {
		t.Fatalf("%d inbound records, want 2", len(recs))
	}
	r := recs[0]
	if r.From != "kenji.mori@customer.example" || r.MessageID != "dump-1@customer.example" || r.Subject != "Crash dump attached" {
		t.Errorf("record: From %q, Message-ID %q, Subject %q; want the header's", r.From, r.MessageID, r.Subject)
	}
	if recs[1].DuplicateOf != r.ID {
		t.Errorf("second record duplicate_of %d, want %d", recs[1].DuplicateOf, r.ID)
	}
}

func TestReceive_AutomaticMailNeverAnswered(t *testing.T) {
	cases := []struct {
		name, from string
		headers    []string
	}{
		{"auto-submitted", "a@customer.example", []string{"Auto-Submitted: auto-replied"}},
		{"precedence bulk", "a@customer.example", []string{"Precedence: bulk"}},
		{"list-id", "a@customer.example", []string{"List-Id: <news.customer.example>"}},
		{"x-autoreply", "a@customer.example", []string{"X-Autoreply: yes"}},
		{"mailer-daemon", "MAILER-DAEMON@customer.example", nil},
		{"noreply", "no-reply@customer.example", nil},
		{"empty return-path", "a@customer.example", []string{"Return-Path: <>"}},
		{"monitoring alert", "nagios@customer.example", []string{"Auto-Submitted: auto-generated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			oc := f.one(mail(c.from, "Server down alert", "CRITICAL: disk full", c.headers...))
			if oc.Disposition != tickets.DispAutomatic && oc.Disposition != tickets.DispBounce {
				t.Errorf("disposition %s (%s)", oc.Disposition, oc.Reason)
			}
			if n := len(f.outgoing()); n != 0 {
				t.Errorf("%d mails sent to a machine", n)
			}
		})
	}
}

// TestReceive_HeaderlessAutoReplyIsRecordedNeverAnswered: out-of-office
// mail whose robot set no automatic header, known only by its Subject
// prefix, opens nothing, is kept on the ticket it answers and is never
// answered; a customer asking about auto-replies is still a person.
func TestReceive_HeaderlessAutoReplyIsRecordedNeverAnswered(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("=?UTF-8?B?5L2Q6Jek?= <sato@customer.example>", "=?UTF-8?B?44CQ6Ieq5YuV6L+U5L+h44CR5LiN5Zyo44Gu44GK55+l44KJ44Gb?=", // 【自動返信】不在のお知らせ
		"ただいま不在にしております。", "Message-ID: <oof-ja@customer.example>"))
	if oc.Disposition != tickets.DispAutomatic || oc.Ticket != "" || len(oc.Sent) != 0 || !strings.Contains(oc.Reason, "【自動返信】") {
		t.Fatalf("Japanese auto-reply: outcome %+v, want automatic, no ticket, nothing sent", oc)
	}

	f.one(mail("Dan <dan@customer.example>", "VPN drops every hour", "Since Monday the VPN drops.", "Message-ID: <vpn-1@customer.example>"))
	ack := f.outgoing()[0]
	oc = f.one(mail("Dan <dan@customer.example>", "Automatic reply: "+ack.Subject, "I am on leave until 15 January.",
		"Message-ID: <oof-en@customer.example>", "In-Reply-To: <"+ack.MessageID+">", "X-MS-Has-Attach:"))
	if oc.Disposition != tickets.DispAutomatic || oc.Ticket != ack.TicketRef || len(oc.Sent) != 0 || !strings.Contains(oc.Reason, `"Automatic reply:"`) {
		t.Fatalf("Outlook auto-reply: outcome %+v, want automatic on %s, nothing sent", oc, ack.TicketRef)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d outgoing mails after the auto-replies, want only the first ack", n)
	}

	oc = f.one(mail("Emi <emi@customer.example>", "自動返信が届きません", "Outlookで自動返信を設定しましたが相手に届きません。", "Message-ID: <q-1@customer.example>"))
	if oc.Disposition != tickets.DispNewTicket || len(oc.Sent) != 1 {
		t.Fatalf("customer's question about auto-replies: outcome %+v, want a new ticket with an ack", oc)
	}
}

func TestReceive_AutoSubmittedNoStillGetsAck(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("a@customer.example", "Question", "How do I?", "Auto-Submitted: no"))
	if oc.Disposition != tickets.DispNewTicket || len(oc.Sent) != 1 {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestReceive_MonitoringAlertOpensIncidentWithoutReply(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("alerts@monitor.example", "CRITICAL: db01 down", "Host db01 is DOWN", "Auto-Submitted: auto-generated"))
	if oc.Disposition != tickets.DispAutomatic || oc.Ticket == "" || len(oc.Sent) != 0 {
		t.Fatalf("outcome %+v", oc)
	}
	if tk := f.ticket(oc.Ticket); tk.Type != tickets.Incident {
		t.Errorf("type %s", tk.Type)
	}
}

func TestReceive_RateLimitHoldsAgainstRobotWithoutHeaders(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AutoReplySenderLimit = 3 })
	for i := 0; i < 10; i++ {
		f.one(mail("robot@customer.example", fmt.Sprintf("Report %d", i), "numbers", fmt.Sprintf("Message-ID: <r%d@c>", i)))
	}
	if n := len(f.outgoing()); n != 3 {
		t.Fatalf("%d acks to a looping robot, want 3", n)
	}
	f.now = f.now.Add(2 * time.Hour) // the window has passed
	f.one(mail("robot@customer.example", "Report 11", "numbers", "Message-ID: <r11@c>"))
	if n := len(f.outgoing()); n != 4 {
		t.Fatalf("%d acks after the window, want 4", n)
	}
}

func TestReceive_ReplyThreadsByInReplyToOurAck(t *testing.T) {
	f := newFixture(t, nil)
	f.one(mail("alice@customer.example", "VPN", "VPN broken", "Message-ID: <v1@c>"))
	ack := f.outgoing()[0]
	oc := f.one(mail("alice@customer.example", "Re: "+ack.Subject, "Still broken.\n\nOn Wed, support wrote:\n> we got it", "Message-ID: <v2@c>", "In-Reply-To: <"+ack.MessageID+">"))
	if oc.Disposition != tickets.DispAppended || oc.Ticket != ack.TicketRef || len(oc.Sent) != 0 {
		t.Fatalf("outcome %+v", oc)
	}
	// A colleague in Cc replying to the thread also lands there.
	oc = f.one(mail("colleague@customer.example", "Re: VPN", "Me too", "Message-ID: <v3@c>", "References: <v1@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Ticket != ack.TicketRef {
		t.Fatalf("colleague %+v", oc)
	}
}

func TestReceive_SubjectTagFromRequesterAppendsWithEveryPrefix(t *testing.T) {
	for _, prefix := range []string{"Re:", "RE:", "Fwd:", "AW:", "SV:", "VS:", "回答:", "転送:", "Re: Re:"} {
		t.Run(prefix, func(t *testing.T) {
			f := newFixture(t, nil)
			first := f.one(mail("alice@customer.example", "VPN", "VPN broken", "Message-ID: <t1@c>"))
			oc := f.one(mail("Alice <ALICE@customer.example>", prefix+" ["+first.Ticket+"] VPN", "more", "Message-ID: <t2@c>"))
			if oc.Disposition != tickets.DispAppended || oc.Ticket != first.Ticket {
				t.Fatalf("outcome %+v", oc)
			}
		})
	}
}

func TestReceive_ForgedSubjectTagFromStrangerOpensNewTicket(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("alice@customer.example", "Payroll", "my salary question", "Message-ID: <p1@c>"))
	oc := f.one(mail("mallory@evil.example", "Re: ["+first.Ticket+"] Payroll", "add me", "Message-ID: <p2@c>"))
	if oc.Disposition != tickets.DispNewTicket || oc.Ticket == first.Ticket || !strings.Contains(oc.Reason, "not its requester") {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestReceive_ReplyToResolvedReopensAndToClosedOpensLinkedTicket(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("alice@customer.example", "Disk", "disk full", "Message-ID: <d1@c>"))
	f.update(func(tx *tickets.Tx) error {
		t, err := tx.Ticket(first.Ticket)
		if err != nil {
			return err
		}
		return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "cleaned up")
	})
	oc := f.one(mail("alice@customer.example", "Re: ["+first.Ticket+"] Disk", "full again", "Message-ID: <d2@c>", "In-Reply-To: <d1@c>"))
	if oc.Disposition != tickets.DispAppended || oc.Status != tickets.StatusEscalated || oc.Reason != "reopened" {
		t.Fatalf("reply to resolved: %+v", oc)
	}
	f.update(func(tx *tickets.Tx) error {
		t, _ := tx.Ticket(first.Ticket)
		if err := tx.SetStatus(t, tickets.StatusResolved, "agent", ""); err != nil {
			return err
		}
		return tx.SetStatus(t, tickets.StatusClosed, "system", "")
	})
	oc = f.one(mail("alice@customer.example", "Re: ["+first.Ticket+"] Disk", "and again", "Message-ID: <d3@c>", "In-Reply-To: <d1@c>"))
	if oc.Disposition != tickets.DispNewTicket || oc.Ticket == first.Ticket {
		t.Fatalf("reply to closed: %+v", oc)
	}
	if tk := f.ticket(oc.Ticket); tk.LinkedTicket != first.Ticket {
		t.Errorf("new ticket links %q, want %s", tk.LinkedTicket, first.Ticket)
	}
}

func TestReceive_OwnMailComingBackIsIgnored(t *testing.T) {
	f := newFixture(t, nil)
	f.one(mail("alice@customer.example", "x", "y", "Message-ID: <o1@c>"))
	ack := f.outgoing()[0]
	oc := f.one(mail("someone@relay.example", ack.Subject, "copy", "Message-ID: <"+ack.MessageID+">"))
	if oc.Disposition != tickets.DispOwnMail {
		t.Fatalf("our Message-ID back: %+v", oc)
	}
	oc = f.one(mail("Support <support@example.com>", "hello", "x", "Message-ID: <o2@c>"))
	if oc.Disposition != tickets.DispOwnMail || len(f.outgoing()) != 1 {
		t.Fatalf("From our address: %+v", oc)
	}
}

func TestReceive_BounceIsLinkedToTheMailItReports(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("gone@customer.example", "Help", "please", "Message-ID: <b1@c>"))
	ack := f.outgoing()[0]
	dsn := "From: MAILER-DAEMON@mx.customer.example\r\nTo: support@example.com\r\nSubject: Undelivered Mail\r\nMessage-ID: <bn1@mx>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + ack.MessageID + ">\r\n--b--\r\n"
	oc := f.one(dsn)
	if oc.Disposition != tickets.DispBounce || oc.Ticket != first.Ticket || !strings.Contains(oc.Reason, "5.1.1") {
		t.Fatalf("bounce %+v", oc)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("a bounce was answered: %d outgoing", n)
	}
}

func TestReceive_JapaneseMailGetsJapaneseAckAndUrgentWordsRaisePriority(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("yamada@customer.example", "【至急】全員メールが送れません", "お世話になっております。全員メールが送れません。至急対応をお願いします。", "Message-ID: <j1@c>"))
	tk := f.ticket(oc.Ticket)
	if tk.Language != "ja" || tk.Type != tickets.Incident || tk.Urgency != tickets.High || tk.Impact != tickets.High || tk.Priority != "P1" {
		t.Fatalf("ticket %+v", tk)
	}
	ack := f.outgoing()[0]
	if !isJapanese(ack.Text) {
		t.Errorf("ack is not Japanese: %q", ack.Text)
	}
}

func TestReceive_RequestWordsMakeServiceRequest(t *testing.T) {
	f := newFixture(t, nil)
	oc := f.one(mail("a@customer.example", "アカウント発行の申請", "新入社員のアカウント発行を依頼します。", "Message-ID: <s1@c>"))
	if !strings.HasPrefix(oc.Ticket, "REQ-") || f.ticket(oc.Ticket).Type != tickets.ServiceRequest {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestTick_ClosesResolvedAfterQuietPeriod(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.CloseAfter = 24 * time.Hour })
	oc := f.one(mail("a@customer.example", "x", "y", "Message-ID: <c1@c>"))
	f.update(func(tx *tickets.Tx) error {
		t, _ := tx.Ticket(oc.Ticket)
		return tx.SetStatus(t, tickets.StatusResolved, "agent", "")
	})
	if res, err := f.desk.Tick(context.Background()); err != nil || res.Closed != 0 {
		t.Fatalf("closed too early: %+v %v", res, err)
	}
	f.now = f.now.Add(25 * time.Hour)
	if res, err := f.desk.Tick(context.Background()); err != nil || res.Closed != 1 {
		t.Fatalf("tick %+v %v", res, err)
	}
	if s := f.ticket(oc.Ticket).Status; s != tickets.StatusClosed {
		t.Fatalf("status %s", s)
	}
}

func TestBaseSubject_StripsPrefixesAndTags(t *testing.T) {
	for in, want := range map[string]string{
		"Re: [INC-1001] VPN":    "VPN",
		"RE: Fwd: AW: hello":    "hello",
		"回答: 転送: パスワード":         "パスワード",
		"Re：全角コロン":              "全角コロン",
		"Regarding the printer": "Regarding the printer",
	} {
		if got := baseSubject(in); got != want {
			t.Errorf("baseSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

// Invariant 3: a ticket change and the mail it causes commit together. A
// fault in the middle of a batch (injected with a trigger on the real
// SQLite file) leaves neither a ticket nor a queued mail behind, and the
// retried batch then does everything once.
func TestReceiveBatch_FaultLeavesNoTicketWithoutItsMailAndNoMailWithoutItsTicket(t *testing.T) {
	f := newFixture(t, nil)
	db, err := sql.Open("sqlite", "file:"+f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER inject_fault BEFORE INSERT ON inbound WHEN NEW.uid = 2
		BEGIN SELECT RAISE(ABORT, 'injected fault'); END`); err != nil {
		t.Fatal(err)
	}
	batch := []intake.Fetched{
		{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte(mail("a@customer.example", "one", "x", "Message-ID: <x1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 2, Raw: []byte(mail("b@customer.example", "two", "y", "Message-ID: <x2@c>"))},
	}
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err == nil || !strings.Contains(err.Error(), "injected fault") {
		t.Fatalf("want the injected fault, got %v", err)
	}
	count := func(table string) (n int) {
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, table := range []string{"tickets", "entries", "outgoing", "inbound", "events"} {
		if n := count(table); n != 0 {
			t.Errorf("%s has %d rows after a failed batch", table, n)
		}
	}
	if _, err := db.Exec(`DROP TRIGGER inject_fault`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if count("tickets") != 2 || count("outgoing") != 2 || count("inbound") != 2 {
		t.Errorf("after the retry: %d tickets, %d mails, %d records; want 2 of each", count("tickets"), count("outgoing"), count("inbound"))
	}
}

// Thanks for an agent's resolution are appended; only a reply that needs
// something reopens the ticket (TestReceive_ReplyToResolvedReopens...).
func TestReceive_ThanksOnResolvedTicketIsAppendedWithoutReopening(t *testing.T) {
	f := newFixture(t, nil)
	first := f.one(mail("alice@customer.example", "Disk", "disk full", "Message-ID: <r1@c>"))
	f.update(func(tx *tickets.Tx) error {
		t, err := tx.Ticket(first.Ticket)
		if err != nil {
			return err
		}
		return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "cleaned up")
	})
	for i, body := range []string{"Thank you!", "ありがとうございました。"} {
		oc := f.one(mail("alice@customer.example", "Re: ["+first.Ticket+"] Disk", body, fmt.Sprintf("Message-ID: <r%d@c>", i+2), "In-Reply-To: <r1@c>"))
		if oc.Disposition != tickets.DispAppended || oc.Status != tickets.StatusResolved || len(oc.Sent) != 0 {
			t.Fatalf("reply %q: %+v", body, oc)
		}
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d mails, want only the ack", n)
	}
}

// A message whose handling fails for a reason of its own (here a broken
// acknowledgement template) is undone and quarantined with the reason;
// the other messages of its batch are handled, and the batch commits.
func TestReceiveBatch_AMessageWhoseHandlingFailsIsQuarantinedAndTheBatchGoesOn(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ack.en.txt"), []byte("Subject: {{.Ticket}}\n\n{{index .Suggestions 3}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil)
	f.desk.tmpl = tmpl
	out := f.deliver(
		mail("a@customer.example", "Printer", "broken", "Message-ID: <h1@c>"),
		mail("b@customer.example", "away", "on leave", "Message-ID: <h2@c>", "Auto-Submitted: auto-replied"),
	)
	if out[0].Disposition != tickets.DispQuarantined || !strings.Contains(out[0].Reason, "handling failed") || !strings.Contains(out[0].Reason, "index") {
		t.Fatalf("failed mail: %+v", out[0])
	}
	if out[1].Disposition != tickets.DispAutomatic {
		t.Fatalf("the rest of the batch: %+v", out[1])
	}
	var nTickets int
	f.update(func(tx *tickets.Tx) error {
		l, err := tx.Tickets("", 0)
		nTickets = len(l)
		return err
	})
	if nTickets != 0 || len(f.outgoing()) != 0 {
		t.Fatalf("the failed mail left %d tickets and %d mails behind", nTickets, len(f.outgoing()))
	}
}
