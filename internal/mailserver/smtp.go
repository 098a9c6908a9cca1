package mailserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configures StartSMTP.
type SMTPOptions struct {
	// Username and Password, when Username is set, are required via AUTH
	// PLAIN before MAIL FROM is accepted. "" means no AUTH at all.
	Username, Password string
	// OAuthToken, when set with Username, also offers AUTH XOAUTH2: the
	// bearer token Username must present.
	OAuthToken string
	// TLSConfig, when set, offers STARTTLS, or with ImplicitTLS speaks TLS
	// from the first byte (as on port 465). See SelfSignedTLS.
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// Addr is the address to listen on, e.g. a port a test reserved to
	// bring a relay "back" after an outage; "" = 127.0.0.1:0.
	Addr string
}

// Stage is a point of an SMTP transaction where HoldNext withholds the
// server's reply.
type Stage int

const (
	// AtMailFrom: MAIL FROM was read; its reply never comes.
	AtMailFrom Stage = iota
	// AfterDataEnd: the message up to its final "." was received and kept
	// (it is in Received: the relay holds the mail); the reply never comes.
	AfterDataEnd
)

// Received is one message accepted by the SMTP server.
type Received struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// SMTPServer is a real go-smtp server on a loopback port that keeps every
// message it accepts in memory. Tests deliver to it; the demo prints from it.
type SMTPServer struct {
	// Addr is the listening address, 127.0.0.1:port.
	Addr string

	srv  *smtp.Server
	ln   net.Listener
	done chan struct{} // closed when Serve returns

	mu       sync.Mutex
	sessions int
	received []Received
	refused  []Received
	changed  chan struct{} // closed and replaced on every accepted message
	failures []*smtp.SMTPError
	noRcpt   map[string]*smtp.SMTPError // lower-case address → RCPT reply
	hook     func(Received)
	holds    map[Stage]int
	release  chan struct{} // closed by ReleaseHeld and Close
}

// StartSMTP listens on 127.0.0.1:0 and serves until Close.
func StartSMTP(opts SMTPOptions) (*SMTPServer, error) {
	if opts.ImplicitTLS && opts.TLSConfig == nil {
		return nil, errors.New("mailserver: smtp ImplicitTLS needs a TLSConfig")
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mailserver: smtp listen: %w", err)
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLSConfig)
	}
	s := &SMTPServer{
		Addr:    ln.Addr().String(),
		ln:      ln,
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		holds:   map[Stage]int{},
		release: make(chan struct{}),
	}
	srv := smtp.NewServer(&smtpBackend{server: s, opts: opts})
	srv.Domain = "localhost"
	// Plain-text AUTH is acceptable only because the listener is loopback.
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 32 << 20
	srv.MaxRecipients = 100
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if !opts.ImplicitTLS {
		srv.TLSConfig = opts.TLSConfig // non-nil: STARTTLS is offered
	}
	s.srv = srv
	go func() {
		defer close(s.done)
		_ = srv.Serve(ln) // returns smtp.ErrServerClosed after Close
	}()
	return s, nil
}

// Received returns a copy of every message accepted so far, in order.
func (s *SMTPServer) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Refused returns a copy of every message whose DATA was refused by
// FailNext, so a test can check what a failed attempt carried.
func (s *SMTPServer) Refused() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.refused...)
}

// Connections counts the SMTP sessions opened so far.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Wait blocks until at least n messages were accepted, or ctx is done.
func (s *SMTPServer) Wait(ctx context.Context, n int) ([]Received, error) {
	for {
		s.mu.Lock()
		if len(s.received) >= n {
			out := append([]Received(nil), s.received...)
			s.mu.Unlock()
			return out, nil
		}
		changed := s.changed
		have := len(s.received)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("mailserver: waiting for %d messages, have %d: %w", n, have, ctx.Err())
		}
	}
}

// FailNext makes the next `times` DATA commands fail with the given reply,
// e.g. FailNext(451, "4.3.0", "try later", 1) or FailNext(550, "5.1.1",
// "no such user", 1). enhanced "" sends the default X.0.0 code.
func (s *SMTPServer) FailNext(code int, enhanced string, message string, times int) {
	e := &smtp.SMTPError{Code: code, EnhancedCode: parseEnhanced(enhanced), Message: message}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.failures = append(s.failures, e)
	}
}

// RefuseRecipient makes every RCPT TO of addr fail with the given reply
// from now on, e.g. RefuseRecipient("gone@example.com", 550, "5.1.1",
// "no such user"): a relay that checks its local users.
func (s *SMTPServer) RefuseRecipient(addr string, code int, enhanced, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noRcpt == nil {
		s.noRcpt = map[string]*smtp.SMTPError{}
	}
	s.noRcpt[strings.ToLower(addr)] = &smtp.SMTPError{Code: code, EnhancedCode: parseEnhanced(enhanced), Message: message}
}

// rcptRefusal is the reply RefuseRecipient set for addr, nil for none.
func (s *SMTPServer) rcptRefusal(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.noRcpt[strings.ToLower(addr)]; e != nil {
		return e
	}
	return nil
}

// HoldNext makes the server withhold its reply at stage in the next
// `times` transactions that reach it, until ReleaseHeld or Close, so the
// client times out waiting: a relay that stalls.
func (s *SMTPServer) HoldNext(stage Stage, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holds[stage] += times
}

// ReleaseHeld lets every withheld reply go (to a client that may have
// left); later holds wait for the next release.
func (s *SMTPServer) ReleaseHeld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// hold blocks when a hold is queued for stage, until it is released.
func (s *SMTPServer) hold(stage Stage) {
	s.mu.Lock()
	if s.holds[stage] == 0 {
		s.mu.Unlock()
		return
	}
	s.holds[stage]--
	release := s.release
	s.mu.Unlock()
	<-release
}

// OnReceive sets a hook called (outside the lock) for every accepted message.
func (s *SMTPServer) OnReceive(f func(Received)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = f
}

// Close stops the listener, ends open sessions and waits for Serve to return.
func (s *SMTPServer) Close() error {
	s.ReleaseHeld()
	err := s.srv.Close()
	// Serve may not have registered the listener with srv yet, in which
	// case srv.Close cannot close it: close it here too.
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	<-s.done
	if err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mailserver: smtp close: %w", err)
	}
	return nil
}

// accept stores a message, or refuses it when a failure is queued.
func (s *SMTPServer) accept(r Received) error {
	s.mu.Lock()
	if len(s.failures) > 0 {
		e := s.failures[0]
		s.failures = s.failures[1:]
		s.refused = append(s.refused, r)
		s.mu.Unlock()
		return e
	}
	s.received = append(s.received, r)
	close(s.changed)
	s.changed = make(chan struct{})
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	return nil
}

func parseEnhanced(s string) smtp.EnhancedCode {
	var c smtp.EnhancedCode
	if _, err := fmt.Sscanf(s, "%d.%d.%d", &c[0], &c[1], &c[2]); err != nil {
		return smtp.EnhancedCodeNotSet
	}
	return c
}

type smtpBackend struct {
	server *SMTPServer
	opts   SMTPOptions
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.server.mu.Lock()
	b.server.sessions++
	b.server.mu.Unlock()
	return &smtpSession{backend: b, authed: b.opts.Username == ""}, nil
}

// smtpSession is used by one connection only; go-smtp serialises its calls.
type smtpSession struct {
	backend *smtpBackend
	authed  bool
	from    string
	to      []string
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.backend.opts.Username == "" {
		return nil
	}
	if s.backend.opts.OAuthToken != "" {
		return []string{sasl.Plain, xoauth2}
	}
	return []string{sasl.Plain}
}

const xoauth2 = "XOAUTH2"

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	switch {
	case mech == xoauth2 && s.backend.opts.OAuthToken != "":
		return &smtpXOAuth2Server{sess: s}, nil
	case mech != sasl.Plain:
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.backend.opts.Username || password != s.backend.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	s.to = nil
	s.backend.server.hold(AtMailFrom)
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	if err := s.backend.server.rcptRefusal(to); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return fmt.Errorf("mailserver: reading DATA: %w", err)
	}
	err := s.backend.server.accept(Received{
		From: s.from,
		To:   append([]string(nil), s.to...),
		Data: buf.Bytes(),
		At:   time.Now(),
	})
	if err == nil {
		s.backend.server.hold(AfterDataEnd)
	}
	return err
}

func (s *smtpSession) Reset() {
	s.from = ""
	s.to = nil
}

func (s *smtpSession) Logout() error { return nil }

// smtpXOAuth2Server checks "user=U\x01auth=Bearer T\x01\x01" (the
// initial response go-mail and Gmail clients send).
type smtpXOAuth2Server struct {
	sess *smtpSession
}

func (x *smtpXOAuth2Server) Next(resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	user, token := parseXOAuth2(resp)
	opts := x.sess.backend.opts
	if user != opts.Username || token == "" || token != opts.OAuthToken {
		return nil, false, smtp.ErrAuthFailed
	}
	x.sess.authed = true
	return nil, true, nil
}

// ClosedAddr returns a loopback address where nothing listens (a port the
// kernel just handed out and took back): a server that is down.
func ClosedAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("mailserver: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}
