package mailserver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

func startSMTP(t *testing.T, opts SMTPOptions) *SMTPServer {
	t.Helper()
	s, err := StartSMTP(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func send(addr string, auth sasl.Client, from string, to []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	return c.SendMail(from, to, strings.NewReader(body))
}

const sampleMail = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n"

func TestSMTP_StoresEnvelopeAndData(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Fatalf("Addr = %q, want loopback", s.Addr)
	}
	if err := send(s.Addr, nil, "a@example.com", []string{"b@example.com", "c@example.com"}, sampleMail); err != nil {
		t.Fatal(err)
	}
	got := s.Received()
	if len(got) != 1 {
		t.Fatalf("received %d, want 1", len(got))
	}
	r := got[0]
	if r.From != "a@example.com" || strings.Join(r.To, ",") != "b@example.com,c@example.com" {
		t.Errorf("envelope = %q -> %q", r.From, r.To)
	}
	if !strings.Contains(string(r.Data), "Subject: hi") || r.At.IsZero() {
		t.Errorf("data/at not stored: %q %v", r.Data, r.At)
	}
}

func TestSMTP_FailNextRefusesDataThenAccepts(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	s.FailNext(451, "4.3.0", "try again later", 1)
	s.FailNext(550, "5.1.1", "no such user", 1)

	err := send(s.Addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Fatalf("first send: err = %v, want 451 4.3.0", err)
	}
	err = send(s.Addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail)
	if !errors.As(err, &se) || se.Code != 550 || !strings.Contains(se.Message, "no such user") {
		t.Fatalf("second send: err = %v, want 550", err)
	}
	if err := send(s.Addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if n := len(s.Received()); n != 1 {
		t.Fatalf("received %d, want 1 (refused ones are not stored)", n)
	}
	if n := len(s.Refused()); n != 2 {
		t.Fatalf("refused %d, want 2", n)
	}
}

func TestSMTP_AuthRequiredWhenUsernameSet(t *testing.T) {
	s := startSMTP(t, SMTPOptions{Username: "u", Password: "secret"})

	err := send(s.Addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 502 {
		t.Fatalf("unauthenticated send: err = %v, want 502", err)
	}
	err = send(s.Addr, sasl.NewPlainClient("", "u", "wrong"), "a@example.com", []string{"b@example.com"}, sampleMail)
	if !errors.As(err, &se) || se.Code != 535 {
		t.Fatalf("wrong password: err = %v, want 535", err)
	}
	if err := send(s.Addr, sasl.NewPlainClient("", "u", "secret"), "a@example.com", []string{"b@example.com"}, sampleMail); err != nil {
		t.Fatalf("authenticated send: %v", err)
	}
	if n := len(s.Received()); n != 1 {
		t.Fatalf("received %d, want 1", n)
	}
}

func TestSMTP_WaitBlocksUntilConcurrentSessionsDeliver(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	var hooked sync.Map
	s.OnReceive(func(r Received) { hooked.Store(string(r.Data), true) })

	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() { errs <- send(s.Addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail) }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := s.Wait(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != n {
		t.Fatalf("Wait returned %d, want %d", len(got), n)
	}
	if _, ok := hooked.Load(sampleMail); !ok {
		t.Error("OnReceive hook was not called")
	}
}

func TestSMTP_WaitHonoursContext(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait err = %v, want context.Canceled", err)
	}
}

func TestSMTP_StartTLSAndImplicitTLS(t *testing.T) {
	serverTLS, clientTLS, err := SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	starttls := startSMTP(t, SMTPOptions{TLSConfig: serverTLS})
	c, err := smtp.DialStartTLS(starttls.Addr, clientTLS)
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Error("STARTTLS connection is not encrypted")
	}
	if err := c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(sampleMail)); err != nil {
		t.Fatal(err)
	}
	c.Close()

	implicit := startSMTP(t, SMTPOptions{TLSConfig: serverTLS, ImplicitTLS: true})
	c, err = smtp.DialTLS(implicit.Addr, clientTLS)
	if err != nil {
		t.Fatalf("implicit TLS: %v", err)
	}
	if err := c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(sampleMail)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(starttls.Received()) != 1 || len(implicit.Received()) != 1 {
		t.Fatalf("received %d and %d, want 1 each", len(starttls.Received()), len(implicit.Received()))
	}
	if _, err := StartSMTP(SMTPOptions{ImplicitTLS: true}); err == nil {
		t.Error("ImplicitTLS without a TLSConfig must be refused")
	}
}

type smtpXOAuth2Client struct{ user, token string }

func (x smtpXOAuth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}
func (x smtpXOAuth2Client) Next([]byte) ([]byte, error) { return []byte{}, nil }

func TestSMTP_XOAUTH2AcceptsTokenAndRefusesOthers(t *testing.T) {
	s := startSMTP(t, SMTPOptions{Username: "desk@example.com", OAuthToken: "ya29.token"})
	err := send(s.Addr, smtpXOAuth2Client{"desk@example.com", "stale"}, "a@example.com", []string{"b@example.com"}, sampleMail)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 535 {
		t.Fatalf("wrong token: err = %v, want 535", err)
	}
	if err := send(s.Addr, smtpXOAuth2Client{"desk@example.com", "ya29.token"}, "a@example.com", []string{"b@example.com"}, sampleMail); err != nil {
		t.Fatalf("right token: %v", err)
	}
	if len(s.Received()) != 1 || s.Connections() != 2 {
		t.Fatalf("received %d over %d connections, want 1 over 2", len(s.Received()), s.Connections())
	}
}

// A stalled relay: the reply to the final "." never comes, yet the
// message was kept; the reply to MAIL FROM never comes, and nothing is
// kept. Release lets the sessions end.
func TestSMTP_HoldNextWithholdsTheReply(t *testing.T) {
	s := startSMTP(t, SMTPOptions{})
	sendWithTimeout := func() error {
		c, err := smtp.Dial(s.Addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.CommandTimeout, c.SubmissionTimeout = 300*time.Millisecond, 300*time.Millisecond
		return c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(sampleMail))
	}

	s.HoldNext(AfterDataEnd, 1)
	if err := sendWithTimeout(); err == nil {
		t.Fatal("the reply after the final dot came")
	}
	if n := len(s.Received()); n != 1 {
		t.Fatalf("received %d, want the held message kept", n)
	}
	s.HoldNext(AtMailFrom, 1)
	if err := sendWithTimeout(); err == nil {
		t.Fatal("the reply to MAIL FROM came")
	}
	s.ReleaseHeld()
	if err := sendWithTimeout(); err != nil {
		t.Fatalf("after the holds were used up: %v", err)
	}
	if n := len(s.Received()); n != 2 {
		t.Fatalf("received %d, want 2", n)
	}
}

// A server can come up on an address chosen before, as a relay comes back
// after an outage.
func TestSMTP_ListensOnAGivenAddress(t *testing.T) {
	first := startSMTP(t, SMTPOptions{})
	addr := first.Addr
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again := startSMTP(t, SMTPOptions{Addr: addr})
	if again.Addr != addr {
		t.Fatalf("listening on %s, want %s", again.Addr, addr)
	}
	if err := send(addr, nil, "a@example.com", []string{"b@example.com"}, sampleMail); err != nil {
		t.Fatal(err)
	}
}
