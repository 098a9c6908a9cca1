package mailserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// IMAPOptions configures StartIMAP.
type IMAPOptions struct {
	Username, Password string
	// Mailboxes to create besides INBOX, which always exists.
	Mailboxes []string
	// DisableIdle makes the server behave like one without IDLE: the
	// capability is not advertised and an IDLE command ends in BAD (after
	// the continuation, which imapserver always sends), so clients take
	// their polling path.
	DisableIdle bool
	// OAuthToken, when set, enables AUTHENTICATE XOAUTH2: the bearer token
	// Username must present.
	OAuthToken string
	// TLSConfig, when set, offers STARTTLS, or with ImplicitTLS speaks TLS
	// from the first byte (as on port 993). See SelfSignedTLS.
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// DisableMove leaves MOVE out of the capabilities, so clients fall back
	// to COPY, STORE \Deleted and (UID) EXPUNGE.
	DisableMove bool
	// OnMove, when set, runs for every MOVE command before it is carried
	// out (on the server's goroutine for that connection).
	OnMove func(MoveCommand)
}

// MoveCommand is one MOVE a client sent.
type MoveCommand struct {
	Set  string   // the set as sent, e.g. "1:1000"
	UIDs []uint32 // the UIDs of a UID MOVE without "*"; nil otherwise
	Dest string
}

// IMAPServer is a running in-process IMAP server with one user.
type IMAPServer struct {
	Addr string // 127.0.0.1:port

	opts   IMAPOptions
	mem    *imapmemserver.Server
	user   *imapmemserver.User
	server *imapserver.Server
	ln     net.Listener
	done   chan struct{} // closed when Serve returns

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	notify chan struct{} // closed and replaced on every Append, to wake IDLE
	moves  []MoveCommand

	sent   atomic.Int64 // bytes written to clients
	refuse atomic.Bool  // RefuseLogins
}

// StartIMAP starts an IMAP server on 127.0.0.1:0. Authentication works
// without TLS: the server only ever listens on loopback.
func StartIMAP(opts IMAPOptions) (*IMAPServer, error) {
	if opts.Username == "" {
		return nil, errors.New("mailserver: IMAP username is required")
	}
	if opts.ImplicitTLS && opts.TLSConfig == nil {
		return nil, errors.New("mailserver: implicit TLS needs a TLS config")
	}
	if opts.DisableIdle && opts.TLSConfig != nil && !opts.ImplicitTLS {
		// The IDLE filter sits below imapserver's STARTTLS upgrade.
		return nil, errors.New("mailserver: DisableIdle cannot be combined with STARTTLS")
	}
	// IMAP4rev1 plus the extensions a poller cares about; MOVE lets the
	// processed-mailbox path use a real UID MOVE.
	caps := imap.CapSet{
		imap.CapIMAP4rev1: {},
		imap.CapMove:      {},
		imap.CapUIDPlus:   {},
		imap.CapNamespace: {},
	}
	if opts.DisableMove {
		delete(caps, imap.CapMove)
	}
	var starttls *tls.Config
	if !opts.ImplicitTLS {
		starttls = opts.TLSConfig
	}
	s := &IMAPServer{
		opts:   opts,
		mem:    imapmemserver.New(),
		user:   imapmemserver.NewUser(opts.Username, opts.Password),
		conns:  make(map[net.Conn]struct{}),
		notify: make(chan struct{}),
		done:   make(chan struct{}),
	}
	s.mem.AddUser(s.user)
	for _, name := range append([]string{"INBOX"}, opts.Mailboxes...) {
		if err := s.user.Create(name, nil); err != nil && !isAlreadyExists(err) {
			return nil, fmt.Errorf("mailserver: create mailbox %q: %w", name, err)
		}
	}

	s.server = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		Caps:         caps,
		TLSConfig:    starttls,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0), // a test dropping connections is not news
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailserver: listen for IMAP: %w", err)
	}
	s.ln = ln
	s.Addr = ln.Addr().String()
	go func() {
		defer close(s.done)
		_ = s.server.Serve(&imapListener{Listener: ln, srv: s})
	}()
	return s, nil
}

// Append adds raw as a new unseen message to mailbox and returns its UID.
func (s *IMAPServer) Append(mailbox string, raw []byte) (uint32, error) {
	data, err := s.user.Append(mailbox, &imapLiteral{Reader: bytes.NewReader(raw), size: int64(len(raw))}, &imap.AppendOptions{})
	if err != nil {
		return 0, fmt.Errorf("mailserver: append to %q: %w", mailbox, err)
	}
	s.mu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
	return uint32(data.UID), nil
}

// Flags returns the flags of every message in mailbox, by UID.
func (s *IMAPServer) Flags(mailbox string) (map[uint32][]string, error) {
	c, err := s.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("mailserver: examine %q: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	all := imap.SeqSet{}
	all.AddRange(1, 0)
	buf, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("mailserver: fetch flags of %q: %w", mailbox, err)
	}
	out := make(map[uint32][]string, len(buf))
	for _, m := range buf {
		flags := make([]string, 0, len(m.Flags))
		for _, f := range m.Flags {
			flags = append(flags, string(f))
		}
		sort.Strings(flags)
		out[uint32(m.UID)] = flags
	}
	return out, nil
}

// Count returns the number of messages in mailbox.
func (s *IMAPServer) Count(mailbox string) (int, error) {
	st, err := s.user.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		return 0, fmt.Errorf("mailserver: status of %q: %w", mailbox, err)
	}
	return int(*st.NumMessages), nil
}

// UIDValidity returns the current UIDVALIDITY of mailbox.
func (s *IMAPServer) UIDValidity(mailbox string) (uint32, error) {
	st, err := s.user.Status(mailbox, &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		return 0, fmt.Errorf("mailserver: status of %q: %w", mailbox, err)
	}
	return st.UIDValidity, nil
}

// DropConnections closes every live client connection, as a server restart
// or a network failure would.
func (s *IMAPServer) DropConnections() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// ResetMailbox deletes mailbox and creates it again, so it gets a new
// UIDVALIDITY. With keep, the messages it held are appended again, unseen,
// as a server that rebuilt its index would present them. Live connections are
// dropped, as real servers do when a selected mailbox's UIDVALIDITY changes.
func (s *IMAPServer) ResetMailbox(name string, keep bool) error {
	var raws [][]byte
	if keep {
		var err error
		if raws, err = s.bodies(name); err != nil {
			return err
		}
	}
	if err := s.user.Delete(name); err != nil {
		return fmt.Errorf("mailserver: delete %q: %w", name, err)
	}
	if err := s.user.Create(name, nil); err != nil {
		return fmt.Errorf("mailserver: recreate %q: %w", name, err)
	}
	for _, raw := range raws {
		if _, err := s.Append(name, raw); err != nil {
			return err
		}
	}
	s.DropConnections()
	return nil
}

// Close stops the server and closes every connection.
func (s *IMAPServer) Close() error {
	err := s.server.Close()
	s.DropConnections()
	<-s.done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mailserver: close IMAP server: %w", err)
	}
	return nil
}

// RawFetch logs in to addr and fetches every message of mailbox with plain
// UID FETCH BODY.PEEK[] commands of batch UIDs each, reading every body to
// the end. It is the baseline that ingest benchmarks compare against: the
// fastest a client can pull mail off the server.
func RawFetch(addr, user, pass, mailbox string, batch int) (n int, size int64, err error) {
	if batch <= 0 {
		batch = 200
	}
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("mailserver: raw fetch: dial %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Login(user, pass).Wait(); err != nil {
		return 0, 0, fmt.Errorf("mailserver: raw fetch: login: %w", err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, fmt.Errorf("mailserver: raw fetch: select %q: %w", mailbox, err)
	}
	search, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, 0, fmt.Errorf("mailserver: raw fetch: search: %w", err)
	}
	uids := search.AllUIDs()
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
	for start := 0; start < len(uids); start += batch {
		end := min(start+batch, len(uids))
		cmd := c.Fetch(imap.UIDSetNum(uids[start:end]...), opts)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
					k, err := io.Copy(io.Discard, body.Literal)
					if err != nil {
						cmd.Close()
						return n, size, fmt.Errorf("mailserver: raw fetch: read body: %w", err)
					}
					size += k
					n++
				}
			}
		}
		if err := cmd.Close(); err != nil {
			return n, size, fmt.Errorf("mailserver: raw fetch: fetch: %w", err)
		}
	}
	if err := c.Logout().Wait(); err != nil {
		return n, size, fmt.Errorf("mailserver: raw fetch: logout: %w", err)
	}
	return n, size, nil
}

// SelfSignedTLS makes a throw-away certificate for 127.0.0.1, ::1 and
// localhost, and returns a server config using it and a client config that
// trusts exactly it.
func SelfSignedTLS() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("mailserver: generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "madoguchi test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("mailserver: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("mailserver: parse certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool}
	return server, client, nil
}

// bodies returns the raw messages of mailbox in UID order.
func (s *IMAPServer) bodies(mailbox string) ([][]byte, error) {
	c, err := s.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("mailserver: examine %q: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	all := imap.SeqSet{}
	all.AddRange(1, 0)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("mailserver: fetch bodies of %q: %w", mailbox, err)
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].UID < msgs[j].UID })
	raws := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		raws = append(raws, m.FindBodySection(section))
	}
	return raws, nil
}

// dial opens an authenticated client connection for the helpers above.
func (s *IMAPServer) dial() (*imapclient.Client, error) {
	var c *imapclient.Client
	var err error
	if s.opts.ImplicitTLS {
		// Our own server on loopback: there is nothing to verify.
		c, err = imapclient.DialTLS(s.Addr, &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	} else {
		c, err = imapclient.DialInsecure(s.Addr, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("mailserver: dial %s: %w", s.Addr, err)
	}
	if err := c.Login(s.opts.Username, s.opts.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("mailserver: login: %w", err)
	}
	return c, nil
}

func (s *IMAPServer) track(c net.Conn) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
}

func (s *IMAPServer) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func isAlreadyExists(err error) bool {
	var imapErr *imap.Error
	return errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists
}

// imapSession is the imapmemserver session with our own authentication, so
// the server can offer XOAUTH2 and refuse IDLE.
type imapSession struct {
	*imapmemserver.UserSession // nil until authenticated
	srv                        *IMAPServer
}

var (
	_ imapserver.SessionIMAP4rev2 = (*imapSession)(nil)
	_ imapserver.SessionSASL      = (*imapSession)(nil)
)

func (sess *imapSession) Login(username, password string) error {
	if sess.srv.refuse.Load() {
		return imapserver.ErrAuthFailed
	}
	if err := sess.srv.user.Login(username, password); err != nil {
		return err
	}
	sess.UserSession = imapmemserver.NewUserSession(sess.srv.user)
	return nil
}

func (sess *imapSession) Close() error {
	if sess.UserSession == nil {
		return nil
	}
	return sess.UserSession.Close()
}

// Idle replaces imapmemserver's, which misses an update that lands between
// the "+ idling" continuation and its tracker registration (it does not poll
// when it starts). Here every wake-up polls, and the notification channel is
// taken before the poll, so an Append can never fall in a gap. The ticker
// covers changes made by other sessions (APPEND, COPY, MOVE commands).
func (sess *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if sess.srv.opts.DisableIdle {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "IDLE not supported"}
	}
	const otherSessions = 100 * time.Millisecond
	ticker := time.NewTicker(otherSessions)
	defer ticker.Stop()
	for {
		sess.srv.mu.Lock()
		notify := sess.srv.notify
		sess.srv.mu.Unlock()
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-notify:
		case <-ticker.C:
		}
	}
}

// Move records the command, so tests can see how a client groups its
// moves, then lets imapmemserver carry it out.
func (sess *imapSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	mc := MoveCommand{Set: numSet.String(), Dest: dest}
	if set, ok := numSet.(imap.UIDSet); ok {
		if uids, ok := set.Nums(); ok {
			mc.UIDs = make([]uint32, len(uids))
			for i, u := range uids {
				mc.UIDs[i] = uint32(u)
			}
		}
	}
	sess.srv.mu.Lock()
	sess.srv.moves = append(sess.srv.moves, mc)
	sess.srv.mu.Unlock()
	if sess.srv.opts.OnMove != nil {
		sess.srv.opts.OnMove(mc)
	}
	return sess.UserSession.Move(w, numSet, dest)
}

// RefuseLogins makes every login fail as a wrong password does, from now
// until it is called with false: an account whose password changed.
func (s *IMAPServer) RefuseLogins(refuse bool) { s.refuse.Store(refuse) }

// BytesSent is how many bytes the server has written to its clients so far
// (before TLS), e.g. to tell whether a client fetched a message's body.
func (s *IMAPServer) BytesSent() int64 { return s.sent.Load() }

// MoveCommands returns the MOVE commands received so far, in order.
func (s *IMAPServer) MoveCommands() []MoveCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.moves)
}

func (sess *imapSession) AuthenticateMechanisms() []string {
	if sess.srv.opts.OAuthToken != "" {
		return []string{"PLAIN", "XOAUTH2"}
	}
	return []string{"PLAIN"}
}

func (sess *imapSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return imapserver.ErrAuthFailed
			}
			return sess.Login(username, password)
		}), nil
	case "XOAUTH2":
		if sess.srv.opts.OAuthToken != "" {
			return &xoauth2Server{sess: sess}, nil
		}
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// xoauth2Server checks "user=U\x01auth=Bearer T\x01\x01". A bad token gets
// the JSON error challenge Gmail sends; the client's (empty) answer to it
// then fails the exchange.
type xoauth2Server struct {
	sess   *imapSession
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, false, imapserver.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	user, token := parseXOAuth2(resp)
	srv := x.sess.srv
	if user != srv.opts.Username || token == "" || token != srv.opts.OAuthToken {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	x.sess.UserSession = imapmemserver.NewUserSession(srv.user)
	return nil, true, nil
}

// parseXOAuth2 reads the user and bearer token of an XOAUTH2 initial
// response ("user=U\x01auth=Bearer T\x01\x01"), for both servers.
func parseXOAuth2(resp []byte) (user, token string) {
	for _, field := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(field, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(field, "auth=Bearer "); ok {
			token = v
		}
	}
	return user, token
}

// imapListener tracks accepted connections for DropConnections.
type imapListener struct {
	net.Listener
	srv *IMAPServer
}

func (l *imapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.srv.opts.ImplicitTLS {
		// Below the IDLE filter, which must see plain text.
		c = tls.Server(c, l.srv.opts.TLSConfig)
	}
	tc := &imapConn{Conn: c, srv: l.srv}
	l.srv.track(tc)
	return tc, nil
}

// imapConn is a server-side connection. With DisableIdle it strips IDLE from
// the capability lists it writes: imapserver advertises IDLE unconditionally
// for IMAP4rev1, and a capability response is small enough to arrive in one
// Write.
type imapConn struct {
	net.Conn
	srv *IMAPServer
}

func (c *imapConn) Write(p []byte) (int, error) {
	c.srv.sent.Add(int64(len(p)))
	if c.srv.opts.DisableIdle && bytes.Contains(p, []byte("CAPABILITY")) {
		q := bytes.ReplaceAll(p, []byte(" IDLE "), []byte(" "))
		q = bytes.ReplaceAll(q, []byte(" IDLE]"), []byte("]"))
		q = bytes.ReplaceAll(q, []byte(" IDLE\r\n"), []byte("\r\n"))
		if _, err := c.Conn.Write(q); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *imapConn) Close() error {
	c.srv.untrack(c)
	return c.Conn.Close()
}

// imapLiteral adapts a byte slice to imap.LiteralReader.
type imapLiteral struct {
	*bytes.Reader
	size int64
}

func (l *imapLiteral) Size() int64 { return l.size }
