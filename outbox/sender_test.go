package outbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/textproto"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/tickets"
)

// clock is the injected time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a Sender on a real SQLite store and a real go-smtp server.
type fixture struct {
	srv    *mailserver.SMTPServer
	store  *tickets.Store
	clock  *clock
	sender *Sender
}

var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, srvOpts mailserver.SMTPOptions, tweak func(*Options)) *fixture {
	t.Helper()
	srv, err := mailserver.StartSMTP(srvOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	f := &fixture{srv: srv, clock: &clock{t: start}}
	opts := Options{
		Address:   srv.Addr,
		Security:  config.SecurityInsecure,
		From:      "Example Support <support@example.com>",
		Timeout:   5 * time.Second,
		RetryBase: 30 * time.Second,
		RetryMax:  time.Hour,
		Now:       f.clock.Now,
	}
	if tweak != nil {
		tweak(&opts)
	}
	f.store = openStore(t, filepath.Join(t.TempDir(), "m.db"), opts.Now)
	f.sender, err = New(opts, f.store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// openStore opens a store on the sender's clock (nil = the real one).
func openStore(t *testing.T, path string, now func() time.Time) *tickets.Store {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	st, err := tickets.Open(path, &tickets.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// add queues o in the store, due now, and returns its id.
func add(t *testing.T, st *tickets.Store, o tickets.Outgoing) int64 {
	t.Helper()
	err := st.Update(context.Background(), func(tx *tickets.Tx) error { return tx.QueueMail(&o) })
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// get reads a row back.
func get(t *testing.T, st *tickets.Store, id int64) tickets.Outgoing {
	t.Helper()
	var o *tickets.Outgoing
	err := st.View(context.Background(), func(tx *tickets.Tx) (err error) {
		o, err = tx.OutgoingByID(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return *o
}

func (f *fixture) add(t *testing.T, o tickets.Outgoing) int64 { t.Helper(); return add(t, f.store, o) }
func (f *fixture) get(t *testing.T, id int64) tickets.Outgoing {
	t.Helper()
	return get(t, f.store, id)
}

func (f *fixture) deliver(t *testing.T) Result {
	t.Helper()
	res, err := f.sender.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func row(subject string) tickets.Outgoing {
	return tickets.Outgoing{
		TicketRef:     "INC-1042",
		Kind:          "ack",
		ToName:        "Hanako Yamada",
		To:            "hanako@customer.example",
		Subject:       subject,
		Text:          "We received your request.\n",
		MessageID:     "ack.1042.abc@desk.example.com",
		InReplyTo:     "CAF=orig1@mail.customer.example",
		References:    []string{"first@mail.customer.example", "CAF=orig1@mail.customer.example"},
		AutoSubmitted: "auto-replied",
	}
}

// parsed is a received message read back with go-message, as a mail
// client would.
type parsed struct {
	header mail.Header
	raw    textproto.MIMEHeader
}

func parse(t *testing.T, data []byte) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, data)
	}
	raw, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(data))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	return parsed{header: mr.Header, raw: raw}
}

func TestDeliverDue_DeliversOnceWithThreadingHeaders(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	en := row("[INC-1042] Re: Printer on 3F does not print")
	id1 := f.add(t, en)
	ja := row("[INC-1043] Re: プリンターが印刷できません（至急）")
	ja.MessageID = "ack.1043.def@desk.example.com"
	ja.AutoSubmitted = "auto-generated"
	ja.HTML = "<p>受付番号 INC-1043</p>"
	id2 := f.add(t, ja)

	if res := f.deliver(t); res != (Result{Sent: 2}) {
		t.Fatalf("first pass = %+v, want 2 sent", res)
	}
	if res := f.deliver(t); res != (Result{}) {
		t.Fatalf("second pass = %+v, want nothing to do", res)
	}
	got := f.srv.Received()
	if len(got) != 2 {
		t.Fatalf("server received %d mails, want 2", len(got))
	}
	for i, want := range []tickets.Outgoing{en, ja} {
		r := got[i]
		if r.From != "support@example.com" || !slices.Equal(r.To, []string{"hanako@customer.example"}) {
			t.Errorf("mail %d envelope = %s → %v", i, r.From, r.To)
		}
		p := parse(t, r.Data)
		if mid, _ := p.header.MessageID(); mid != want.MessageID {
			t.Errorf("mail %d Message-ID = %q, want %q", i, mid, want.MessageID)
		}
		if irt := p.raw.Get("In-Reply-To"); irt != "<"+want.InReplyTo+">" {
			t.Errorf("mail %d In-Reply-To = %q", i, irt)
		}
		if refs, _ := p.header.MsgIDList("References"); !slices.Equal(refs, want.References) {
			t.Errorf("mail %d References = %q, want %q", i, refs, want.References)
		}
		if as := p.raw.Get("Auto-Submitted"); as != want.AutoSubmitted {
			t.Errorf("mail %d Auto-Submitted = %q, want %q", i, as, want.AutoSubmitted)
		}
		if s := p.raw.Get("X-Auto-Response-Suppress"); s != "All" {
			t.Errorf("mail %d X-Auto-Response-Suppress = %q", i, s)
		}
		if subj, err := p.header.Subject(); err != nil || subj != want.Subject {
			t.Errorf("mail %d subject decodes to %q (%v), want %q", i, subj, err, want.Subject)
		}
		if d, err := p.header.Date(); err != nil || !d.Equal(f.clock.Now()) {
			t.Errorf("mail %d Date = %v (%v), want the injected clock", i, d, err)
		}
		if to, _ := p.header.AddressList("To"); len(to) != 1 || to[0].Name != "Hanako Yamada" {
			t.Errorf("mail %d To = %v", i, to)
		}
	}
	if raw := string(got[1].Data); !strings.Contains(raw, "=?UTF-8?") || !strings.Contains(raw, "multipart/alternative") {
		t.Errorf("Japanese mail: want an encoded-word subject and an HTML alternative:\n%s", raw)
	}
	for _, id := range []int64{id1, id2} {
		if o := f.get(t, id); o.Status != tickets.OutSent || !o.SentAt.Equal(f.clock.Now()) {
			t.Errorf("row %d = %s at %v, want sent at the clock", id, o.Status, o.SentAt)
		}
	}
}

func TestDeliverDue_HeaderInjectionIsNeutralised(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	o := row("Help\r\nBcc: evil@example.com")
	o.ToName = "Eve\r\nBcc: evil2@example.com\r\n"
	o.InReplyTo = "x@y\r\nBcc: evil3@example.com"
	o.References = []string{"ok@example.com", "bad id@example.com", "<wrapped@example.com>", "a@b\nX-Evil: 1", "noat"}
	id := f.add(t, o)

	if res := f.deliver(t); res.Sent != 1 {
		t.Fatalf("result = %+v (last error %q), want sent", res, f.get(t, id).LastError)
	}
	got := f.srv.Received()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"hanako@customer.example"}) {
		t.Fatalf("envelope recipients = %v, want only the customer", got[0].To)
	}
	p := parse(t, got[0].Data)
	for _, h := range []string{"Bcc", "X-Evil", "In-Reply-To"} {
		if v, ok := p.raw[h]; ok {
			t.Errorf("header %s present: %q", h, v)
		}
	}
	// The injected text survives only as harmless words inside the subject
	// and the display name.
	if subj, _ := p.header.Subject(); subj != "Help Bcc: evil@example.com" {
		t.Errorf("subject = %q, want one line", subj)
	}
	if to, _ := p.header.AddressList("To"); len(to) != 1 || to[0].Address != "hanako@customer.example" || strings.ContainsAny(to[0].Name, "\r\n") {
		t.Errorf("To = %v", to)
	}
	// The store keeps references space-separated, so "bad id@example.com"
	// comes back as two words; only words that are valid ids are sent.
	if refs, _ := p.header.MsgIDList("References"); !slices.Equal(refs, []string{"ok@example.com", "id@example.com", "a@b"}) {
		t.Errorf("References = %q, want only the valid ids", refs)
	}
	// The store refuses any Auto-Submitted but ours (a CHECK); the sender
	// writes only its own constants all the same.
	if got := autoSubmitted("no\r\nBcc: evil4@example.com"); got != "auto-replied" {
		t.Errorf("autoSubmitted of an injected value = %q", got)
	}
}

func TestDeliverDue_TemporaryFailureRetriesWithSameMessageID(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.srv.FailNext(451, "4.3.0", "mailbox busy, try later", 1)
	id := f.add(t, row("Printer"))
	start := f.clock.Now()

	if res := f.deliver(t); res != (Result{Retried: 1}) {
		t.Fatalf("first pass = %+v, want 1 retried", res)
	}
	o := f.get(t, id)
	if o.Status != tickets.OutPending || o.Attempts != 1 || !strings.Contains(o.LastError, "451") {
		t.Fatalf("after 451: status %s attempts %d error %q", o.Status, o.Attempts, o.LastError)
	}
	// Backoff after the first failure: RetryBase less at most 20% jitter.
	if wait := o.NextAttemptAt.Sub(start); wait < 24*time.Second || wait > 30*time.Second {
		t.Fatalf("next attempt in %v, want 24s..30s", wait)
	}
	if res := f.deliver(t); res != (Result{}) {
		t.Fatalf("pass before the retry time = %+v, want nothing", res)
	}

	f.clock.Advance(30 * time.Second)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("retry pass = %+v, want 1 sent", res)
	}
	refused, got := f.srv.Refused(), f.srv.Received()
	if len(refused) != 1 || len(got) != 1 {
		t.Fatalf("server saw %d refused and %d received, want 1 and 1 (two attempts, one delivery)", len(refused), len(got))
	}
	for _, data := range [][]byte{refused[0].Data, got[0].Data} {
		p := parse(t, data)
		if mid, _ := p.header.MessageID(); mid != o.MessageID {
			t.Errorf("attempt carried Message-ID %q, want the row's %q", mid, o.MessageID)
		}
	}
	if o := f.get(t, id); o.Status != tickets.OutSent {
		t.Errorf("status = %s, want sent", o.Status)
	}
}

func TestDeliverDue_BackoffDoublesAndIsCapped(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) {
		o.RetryBase, o.RetryMax, o.MaxAttempts = 10*time.Second, 50*time.Second, 10
	})
	f.srv.FailNext(421, "4.4.2", "closing", 5)
	id := f.add(t, row("Printer"))
	for attempt, max := range []time.Duration{10, 20, 40, 50, 50} {
		before := f.clock.Now()
		if res := f.deliver(t); res != (Result{Retried: 1}) {
			t.Fatalf("attempt %d: %+v", attempt+1, res)
		}
		o := f.get(t, id)
		max *= time.Second
		if wait := o.NextAttemptAt.Sub(before); wait > max || wait < max*4/5 {
			t.Errorf("after attempt %d: wait %v, want %v..%v", o.Attempts, wait, max*4/5, max)
		}
		f.clock.Advance(max)
	}
	if res := f.deliver(t); res.Sent != 1 {
		t.Fatalf("final pass: %+v", res)
	}
}

func TestDeliverDue_PermanentFailureIsFinal(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	f.srv.FailNext(550, "5.1.1", "no such user here", 1)
	id := f.add(t, row("Printer"))

	if res := f.deliver(t); res != (Result{Failed: 1}) {
		t.Fatalf("result = %+v, want 1 failed", res)
	}
	o := f.get(t, id)
	if o.Status != tickets.OutFailed || o.Attempts != 1 {
		t.Fatalf("status %s attempts %d, want failed after 1", o.Status, o.Attempts)
	}
	if !strings.HasPrefix(o.LastError, "550 5.1.1 no such user here") {
		t.Errorf("last error = %q, want the server's 550 5.1.1 answer", o.LastError)
	}
	f.clock.Advance(24 * time.Hour)
	if res := f.deliver(t); res != (Result{}) {
		t.Fatalf("later pass = %+v, want no further attempt", res)
	}
	if n := len(f.srv.Refused()) + len(f.srv.Received()); n != 1 {
		t.Errorf("server saw %d attempts, want 1", n)
	}
}

func TestDeliverDue_UnreachableServerIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more

	c := &clock{t: start}
	q := openStore(t, filepath.Join(t.TempDir(), "m.db"), c.Now)
	s, err := New(Options{Address: addr, Security: config.SecurityInsecure, From: "support@example.com", Timeout: 2 * time.Second, Now: c.Now}, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := row("one"), row("two")
	b.MessageID = "two@desk.example.com"
	ida, idb := add(t, q, a), add(t, q, b)
	res, err := s.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Unreachable == nil || res != (Result{Retried: 2, Unreachable: res.Unreachable}) {
		t.Fatalf("result = %+v, want both retried", res)
	}
	for _, id := range []int64{ida, idb} {
		o := get(t, q, id)
		// The relay was never reached: a deferral, not an attempt.
		if o.Status != tickets.OutPending || o.Attempts != 0 || o.Deferrals != 1 || !o.NextAttemptAt.After(c.Now()) || o.LastError == "" {
			t.Errorf("row %d: %+v", id, o)
		}
		if !strings.Contains(o.LastError, addr) {
			t.Errorf("last error %q does not say where it tried", o.LastError)
		}
	}
}

func TestDeliverDue_MaxAttemptsExhaustedFails(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.MaxAttempts = 3 })
	f.srv.FailNext(451, "4.3.0", "still busy", 10)
	id := f.add(t, row("Printer"))

	want := []Result{{Retried: 1}, {Retried: 1}, {Failed: 1}}
	for i, w := range want {
		if res := f.deliver(t); res != w {
			t.Fatalf("pass %d = %+v, want %+v", i+1, res, w)
		}
		f.clock.Advance(time.Hour)
	}
	o := f.get(t, id)
	if o.Status != tickets.OutFailed || o.Attempts != 3 || !strings.Contains(o.LastError, "451") {
		t.Fatalf("row = %s attempts %d error %q, want failed after 3 with the last 451", o.Status, o.Attempts, o.LastError)
	}
	if res := f.deliver(t); res != (Result{}) {
		t.Fatalf("pass after giving up = %+v", res)
	}
}

func TestDeliverDue_AuthPlainOnLoopback(t *testing.T) {
	creds := mailserver.SMTPOptions{Username: "desk", Password: "s3cret"}
	f := newFixture(t, creds, func(o *Options) { o.Auth, o.Username, o.Password = "plain", "desk", "s3cret" })
	f.add(t, row("Printer"))
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("with the right password: %+v", res)
	}
	// The same over "localhost", which go-mail's own loopback check knows
	// only by name.
	byName := newFixture(t, creds, func(o *Options) {
		_, port, _ := net.SplitHostPort(o.Address)
		o.Address = "localhost:" + port
		o.Auth, o.Username, o.Password = "plain", "desk", "s3cret"
	})
	byName.add(t, row("Printer"))
	if res := byName.deliver(t); res.Sent != 1 {
		t.Fatalf("via localhost: %+v", res)
	}

	bad := newFixture(t, creds, func(o *Options) { o.Auth, o.Username, o.Password = "plain", "desk", "wrong" })
	id := bad.add(t, row("Printer"))
	if res := bad.deliver(t); res.Unreachable == nil || res != (Result{Retried: 1, Unreachable: res.Unreachable}) {
		t.Fatalf("with a wrong password: %+v, want retried (a configuration problem is not the mail's fault)", res)
	}
	if le := bad.get(t, id).LastError; strings.Contains(le, "wrong") || !strings.Contains(le, "535") {
		t.Errorf("last error = %q, want the 535 and never the password", le)
	}
}

func TestRun_DeliversOnWakeAndStopsOnCancel(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.Interval = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- f.sender.Run(ctx, wake) }()

	f.add(t, row("first"))
	wake <- struct{}{}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if _, err := f.srv.Wait(wctx, 1); err != nil {
		t.Fatal(err)
	}
	second := row("second")
	second.MessageID = "second@desk.example.com"
	f.add(t, second)
	wake <- struct{}{}
	if _, err := f.srv.Wait(wctx, 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v, want nil on cancel", err)
	}
}

func TestNew_RefusesBadOptions(t *testing.T) {
	q := openStore(t, filepath.Join(t.TempDir(), "m.db"), nil)
	cases := map[string]Options{
		"insecure to a non-loopback address": {Address: "192.0.2.10:25", Security: config.SecurityInsecure, From: "support@example.com"},
		"insecure to a public IPv6 address":  {Address: "[2001:db8::1]:25", Security: config.SecurityInsecure, From: "support@example.com"},
		"unknown security":                   {Address: "smtp.example.com:587", Security: "none", From: "support@example.com"},
		"bad From":                           {Address: "smtp.example.com:587", From: "not an address"},
		"unknown auth":                       {Address: "smtp.example.com:587", From: "support@example.com", Auth: "cram"},
		"xoauth2 without a token":            {Address: "smtp.example.com:587", From: "support@example.com", Auth: "xoauth2"},
	}
	for name, opts := range cases {
		if _, err := New(opts, q, nil); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	for _, addr := range []string{"127.0.0.1:2525", "localhost:25", "[::1]:25", "127.0.0.2", "[::1]"} {
		if _, err := New(Options{Address: addr, Security: config.SecurityInsecure, From: "support@example.com"}, q, nil); err != nil {
			t.Errorf("insecure to %s: %v", addr, err)
		}
	}
}

func TestDeliverDue_OneConnectionPerBatch(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	for i := range 5 {
		o := row("Printer")
		o.MessageID = fmt.Sprintf("batch.%d@desk.example.com", i)
		f.add(t, o)
	}
	f.srv.FailNext(550, "5.1.1", "no such user", 1) // a refused mail does not cost the connection
	if res := f.deliver(t); res != (Result{Sent: 4, Failed: 1}) {
		t.Fatalf("result = %+v", res)
	}
	if n := f.srv.Connections(); n != 1 {
		t.Errorf("connections = %d, want 1 for the batch", n)
	}
}

func TestDeliverDue_StartTLSVerifiesTheServer(t *testing.T) {
	serverTLS, clientTLS, err := mailserver.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	srvOpts := mailserver.SMTPOptions{TLSConfig: serverTLS}

	trusted := newFixture(t, srvOpts, func(o *Options) { o.Security, o.TLSConfig = config.SecurityStartTLS, clientTLS })
	trusted.add(t, row("Printer"))
	if res := trusted.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("trusted certificate: %+v", res)
	}

	// No TLSConfig means the system roots, which do not know the test CA.
	untrusted := newFixture(t, srvOpts, func(o *Options) { o.Security = config.SecurityStartTLS })
	id := untrusted.add(t, row("Printer"))
	if res := untrusted.deliver(t); res.Unreachable == nil || res != (Result{Retried: 1, Unreachable: res.Unreachable}) {
		t.Fatalf("untrusted certificate: %+v, want retried", res)
	}
	if le := untrusted.get(t, id).LastError; !strings.Contains(le, "certificate") {
		t.Errorf("last error = %q, want the certificate failure", le)
	}
	if n := len(untrusted.srv.Received()); n != 0 {
		t.Errorf("mail went out over an unverified connection")
	}
}

func TestDeliverDue_StartTLSRequiredButNotOffered(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.Security = config.SecurityStartTLS })
	f.add(t, row("Printer"))
	if res := f.deliver(t); res.Unreachable == nil || res != (Result{Retried: 1, Unreachable: res.Unreachable}) {
		t.Fatalf("result = %+v, want retried", res)
	}
	if n := len(f.srv.Received()); n != 0 {
		t.Fatalf("mail was sent in the clear to a server without STARTTLS")
	}
}

func TestDeliverDue_ImplicitTLS(t *testing.T) {
	serverTLS, clientTLS, err := mailserver.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, mailserver.SMTPOptions{TLSConfig: serverTLS, ImplicitTLS: true},
		func(o *Options) { o.Security, o.TLSConfig = config.SecurityTLS, clientTLS })
	f.add(t, row("Printer"))
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("result = %+v", res)
	}
}

func TestDeliverDue_XOAUTH2FetchesATokenPerConnection(t *testing.T) {
	serverTLS, clientTLS, err := mailserver.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	f := newFixture(t, mailserver.SMTPOptions{Username: "desk@example.com", OAuthToken: "ya29.fresh", TLSConfig: serverTLS},
		func(o *Options) {
			o.Security, o.TLSConfig = config.SecurityStartTLS, clientTLS
			o.Auth, o.Username = "xoauth2", "desk@example.com"
			o.Token = func(context.Context) (string, error) { calls++; return "ya29.fresh", nil }
		})
	f.add(t, row("one"))
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("first pass: %+v", res)
	}
	o := row("two")
	o.MessageID = "two@desk.example.com"
	f.add(t, o)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("second pass: %+v", res)
	}
	if calls != 2 {
		t.Errorf("token fetched %d times, want once per connection (2)", calls)
	}
}

func TestDeliverDue_UnsendableRowFailsAtOnce(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	badID := row("Printer")
	badID.MessageID = "no brackets <allowed>@x"
	badTo := row("Printer")
	badTo.MessageID = "ok@desk.example.com"
	badTo.To = "not an address"
	ida, idb := f.add(t, badID), f.add(t, badTo)
	if res := f.deliver(t); res != (Result{Failed: 2}) {
		t.Fatalf("result = %+v, want both failed", res)
	}
	for _, id := range []int64{ida, idb} {
		if o := f.get(t, id); o.Status != tickets.OutFailed || o.LastError == "" {
			t.Errorf("row %d: %s %q", id, o.Status, o.LastError)
		}
	}
	if n := len(f.srv.Received()) + len(f.srv.Refused()); n != 0 {
		t.Errorf("server saw %d mails, want none", n)
	}
}

func TestRun_WakesAtTheEarliestRetry(t *testing.T) {
	// Real clock: the retry is due 20-25ms after the 451, while the
	// fallback interval is an hour, so only the retry time can wake Run.
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) {
		o.Now, o.Interval, o.RetryBase, o.RetryMax = nil, time.Hour, 25*time.Millisecond, time.Second
	})
	f.srv.FailNext(451, "4.3.0", "busy", 1)
	f.add(t, row("Printer"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.sender.Run(ctx, nil) }()
	if _, err := f.srv.Wait(ctx, 1); err != nil {
		t.Fatalf("retry never ran: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(f.srv.Refused()); n != 1 {
		t.Errorf("refused %d, want 1", n)
	}
}

func TestDeliverDue_ReplyToAndAttachmentsGoOut(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	r := row("[INC-1042] Escalated to L1: printer")
	r.ReplyTo = "support+abc234@desk.example.com"
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 300)...)
	r.Attachments = []tickets.Attachment{
		{Filename: "screen shot.png", ContentType: "image/png", Data: png},
		{Filename: "log.txt", ContentType: "text/plain\r\nX-Evil: 1", Data: []byte("line 1\nline 2\n")},
	}
	f.add(t, r)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("pass = %+v", res)
	}
	got := f.srv.Received()
	p := parse(t, got[0].Data)
	if rt, _ := p.header.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != r.ReplyTo {
		t.Fatalf("Reply-To = %v, want %s", rt, r.ReplyTo)
	}
	if strings.Contains(string(got[0].Data), "X-Evil") && !strings.Contains(string(got[0].Data), "application/octet-stream") {
		t.Fatalf("a content type with a line break reached the headers:\n%s", got[0].Data)
	}
	mr, err := mail.CreateReader(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		if h, ok := part.Header.(*mail.AttachmentHeader); ok {
			name, _ := h.Filename()
			b, _ := io.ReadAll(part.Body)
			files[name] = b
		}
	}
	if !bytes.Equal(files["screen shot.png"], png) || string(files["log.txt"]) != "line 1\nline 2\n" {
		t.Fatalf("attachments received: %d files %v", len(files), slices.Collect(maps.Keys(files)))
	}
}
