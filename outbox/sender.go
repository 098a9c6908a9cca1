// Package outbox delivers the outgoing mail rows the desk wrote (the
// transactional outbox) over SMTP with go-mail: one connection per batch,
// retries with capped exponential backoff for temporary failures, an
// immediate give-up for permanent ones, and the row's own Message-ID on
// every attempt so a retried mail is still the same mail.
package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// Queue is where the sender takes its work from; tickets.Store implements it.
type Queue interface {
	DueOutgoing(ctx context.Context, now time.Time, limit int) ([]tickets.Outgoing, error)
	MarkSent(ctx context.Context, id int64, at time.Time) error
	MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id int64, attempts int, lastErr string) error
}

// nextDuer is optionally implemented by a Queue (tickets.Store does) so Run
// can sleep exactly until the earliest retry instead of polling.
type nextDuer interface {
	NextDue(ctx context.Context) (time.Time, error)
}

// Security modes.
const (
	SecurityTLS      = "tls"      // implicit TLS (port 465)
	SecurityStartTLS = "starttls" // STARTTLS required (port 587)
	SecurityInsecure = "insecure" // plain text; loopback only
)

// Options configures a Sender. Zero values mean the documented defaults.
type Options struct {
	Address   string      // host:port; the port defaults to 465 (tls), 587 (starttls), 25 (insecure)
	Security  string      // tls | starttls (default) | insecure (loopback only)
	TLSConfig *tls.Config // nil = system roots, verification on

	Username, Password string
	Auth               string                                    // "" (none) | plain | login | xoauth2
	Token              func(ctx context.Context) (string, error) // xoauth2 access token, fetched per connection

	From      string // "Example Support <support@example.com>"
	HelloName string
	Timeout   time.Duration // per connection and command; default 30s

	MaxAttempts int           // default 8
	RetryBase   time.Duration // default 30s
	RetryMax    time.Duration // default 1h
	BatchSize   int           // default 50
	Interval    time.Duration // Run's fallback wake-up; default 1m

	Now func() time.Time // nil = time.Now
}

// Result counts what one DeliverDue did.
type Result struct {
	Sent, Retried, Failed int
	// Unreachable is the error of a pass that could not connect or log in
	// to the server; its rows were deferred as temporary failures.
	Unreachable error
}

// Sender delivers due rows. DeliverDue and Run may be called from several
// goroutines; deliveries are serialised.
type Sender struct {
	opts   Options
	q      Queue
	log    *slog.Logger
	client *mail.Client
	from   *netmail.Address

	mu sync.Mutex // one delivery pass at a time
}

// New checks opts and prepares the SMTP client; it does not connect.
func New(opts Options, q Queue, log *slog.Logger) (*Sender, error) {
	if q == nil {
		return nil, errors.New("outbox: nil queue")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	setDefaults(&opts)
	from, err := netmail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("outbox: From %q: %w", opts.From, err)
	}
	host, port, err := splitAddress(opts.Address, opts.Security)
	if err != nil {
		return nil, err
	}
	clientOpts := []mail.Option{
		mail.WithPort(port),
		mail.WithTimeout(opts.Timeout),
	}
	switch opts.Security {
	case SecurityTLS:
		clientOpts = append(clientOpts, mail.WithSSL())
	case SecurityStartTLS:
		clientOpts = append(clientOpts, mail.WithTLSPolicy(mail.TLSMandatory))
	case SecurityInsecure:
		if err := requireLoopback(host); err != nil {
			return nil, err
		}
		clientOpts = append(clientOpts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("outbox: security %q: want tls, starttls or insecure", opts.Security)
	}
	if opts.TLSConfig != nil {
		cfg := opts.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		clientOpts = append(clientOpts, mail.WithTLSConfig(cfg))
	}
	if opts.HelloName != "" {
		clientOpts = append(clientOpts, mail.WithHELO(opts.HelloName))
	}
	// go-mail refuses PLAIN/LOGIN without TLS unless the host is literally
	// localhost/127.0.0.1/::1; insecure is already proven loopback above.
	plain, login := mail.SMTPAuthPlain, mail.SMTPAuthLogin
	if opts.Security == SecurityInsecure {
		plain, login = mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc
	}
	switch strings.ToLower(opts.Auth) {
	case "":
	case "plain":
		clientOpts = append(clientOpts, mail.WithSMTPAuth(plain))
	case "login":
		clientOpts = append(clientOpts, mail.WithSMTPAuth(login))
	case "xoauth2":
		if opts.Token == nil && opts.Password == "" {
			return nil, errors.New("outbox: auth xoauth2 needs a token source")
		}
		clientOpts = append(clientOpts, mail.WithSMTPAuth(mail.SMTPAuthXOAUTH2))
	default:
		return nil, fmt.Errorf("outbox: auth %q: want plain, login or xoauth2", opts.Auth)
	}
	if opts.Auth != "" {
		clientOpts = append(clientOpts, mail.WithUsername(opts.Username), mail.WithPassword(opts.Password))
	}
	client, err := mail.NewClient(host, clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("outbox: smtp client: %w", err)
	}
	return &Sender{opts: opts, q: q, log: log, client: client, from: from}, nil
}

// DeliverDue sends every row that is due now, once, over one connection
// where possible. The error is for failures of the queue or ctx; delivery
// failures are recorded on the rows and counted in Result.
func (s *Sender) DeliverDue(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Result
	rows, err := s.q.DueOutgoing(ctx, s.now(), s.opts.BatchSize)
	if err != nil {
		return res, fmt.Errorf("outbox: listing due mail: %w", err)
	}
	var conn *smtp.Client
	defer func() {
		if conn != nil {
			_ = s.client.CloseWithSMTPClient(conn)
		}
	}()
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("outbox: %w", err)
		}
		msg, err := s.build(row)
		if err != nil {
			if err := s.record(ctx, row, &deliveryError{err: err}, &res); err != nil {
				return res, err
			}
			continue
		}
		if conn == nil {
			conn, err = s.dial(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return res, fmt.Errorf("outbox: %w", ctx.Err())
				}
				// The server is out of reach: every row of this batch
				// shares the fate, and dialling again per row would only
				// multiply the timeouts.
				derr := &deliveryError{temporary: true, err: fmt.Errorf("connecting to %s: %w", s.opts.Address, err)}
				res.Unreachable = derr.err
				for _, r := range rows[i:] {
					if err := s.record(ctx, r, derr, &res); err != nil {
						return res, err
					}
				}
				return res, nil
			}
		}
		sendErr := s.client.SendWithSMTPClient(conn, msg)
		if msg.IsDelivered() {
			// go-mail may report an error from the RSET after an accepted
			// DATA; the mail is delivered all the same.
			sendErr = nil
		}
		derr := classify(sendErr)
		if derr != nil && derr.connection {
			_ = s.client.CloseWithSMTPClient(conn)
			conn = nil
		}
		if err := s.record(ctx, row, derr, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Run delivers due mail until ctx is done. It wakes on wake (the desk
// signals after committing new rows), at the earliest retry when the queue
// can tell it, and at least every Options.Interval.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-timer.C:
		}
		res, err := s.DeliverDue(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Error("outbox pass failed", "error", err)
		} else if res != (Result{}) {
			s.log.Info("outbox pass", "sent", res.Sent, "retried", res.Retried, "failed", res.Failed)
		}
		timer.Reset(s.untilNext(ctx, res))
	}
}

// untilNext is how long Run may sleep: until the earliest pending row, at
// most Interval; at once again when the batch was full.
func (s *Sender) untilNext(ctx context.Context, res Result) time.Duration {
	if res.Sent+res.Retried+res.Failed >= s.opts.BatchSize {
		return 0
	}
	d := s.opts.Interval
	if nd, ok := s.q.(nextDuer); ok {
		next, err := nd.NextDue(ctx)
		if err == nil && !next.IsZero() {
			d = min(d, max(next.Sub(s.now()), 0))
		}
	}
	return d
}

// record writes the outcome of one attempt to the queue and logs it.
func (s *Sender) record(ctx context.Context, row tickets.Outgoing, derr *deliveryError, res *Result) error {
	// The attempt has happened: a shutdown arriving now must not keep its
	// outcome from the queue, or a delivered mail would be sent again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	now := s.now()
	attempt := row.Attempts + 1
	log := s.log.With("ticket", row.TicketRef, "kind", row.Kind, "to", row.To,
		"message_id", row.MessageID, "attempt", attempt)
	var err error
	switch {
	case derr == nil:
		err = s.q.MarkSent(ctx, row.ID, now)
		res.Sent++
		log.Info("mail sent")
	case derr.temporary && attempt < s.opts.MaxAttempts:
		next := now.Add(s.backoff(attempt))
		err = s.q.MarkRetry(ctx, row.ID, attempt, next, derr.Error())
		res.Retried++
		log.Warn("mail deferred", "error", derr, "next_attempt", next)
	default:
		err = s.q.MarkFailed(ctx, row.ID, attempt, derr.Error())
		res.Failed++
		log.Error("mail failed", "error", derr, "temporary", derr.temporary)
	}
	if err != nil {
		return fmt.Errorf("outbox: recording mail %d: %w", row.ID, err)
	}
	return nil
}

// backoff is the delay after the attempt-th failed attempt: RetryBase
// doubled per attempt, capped at RetryMax, less up to 20% of jitter so
// mails that failed together do not come back together.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.opts.RetryBase
	for i := 1; i < attempt && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.opts.RetryMax)
	if j := int64(d / 5); j > 0 {
		d -= time.Duration(rand.Int64N(j + 1))
	}
	return d
}

// dial connects, says EHLO, does STARTTLS and AUTH as configured.
func (s *Sender) dial(ctx context.Context) (*smtp.Client, error) {
	if strings.EqualFold(s.opts.Auth, "xoauth2") && s.opts.Token != nil {
		tok, err := s.opts.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("xoauth2 token: %w", err)
		}
		s.client.SetPassword(tok)
	}
	return s.client.DialToSMTPClientWithContext(ctx)
}

// build turns a row into a go-mail message. Everything that may come from
// inbound mail is cleaned here: no value reaches a header with a line
// break in it.
func (s *Sender) build(row tickets.Outgoing) (*mail.Msg, error) {
	if !validMessageID(row.MessageID) {
		return nil, fmt.Errorf("invalid Message-ID %q", row.MessageID)
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	to, err := netmail.ParseAddress(templates.OneLine(row.To))
	if err != nil {
		return nil, fmt.Errorf("recipient %q: %w", templates.OneLine(row.To), err)
	}
	to.Name = templates.OneLine(row.ToName)
	msg.ToMailAddress(to)
	msg.Subject(templates.OneLine(row.Subject))
	msg.SetMessageIDWithValue(row.MessageID)
	msg.SetDateWithValue(s.now())
	if validMessageID(row.InReplyTo) {
		msg.SetGenHeader(mail.HeaderInReplyTo, "<"+row.InReplyTo+">")
	}
	var refs []string
	for _, r := range row.References {
		if validMessageID(r) {
			refs = append(refs, "<"+r+">")
		}
	}
	if len(refs) > 0 {
		// One header line, ids separated by a space (RFC 5322 3.6.4); go-mail
		// would join several values with ", ".
		msg.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " "))
	}
	// go-mail has no setter for Auto-Submitted; its preformatted setter
	// writes the value raw, so only our own constants may reach it.
	msg.SetGenHeaderPreformatted("Auto-Submitted", autoSubmitted(row.AutoSubmitted))
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(mail.TypeTextPlain, row.Text)
	if row.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, row.HTML)
	}
	return msg, nil
}

func (s *Sender) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// deliveryError is the outcome of a failed attempt, classified once from the
// error values (not from strings), in the spirit of maddy's exterrors.
type deliveryError struct {
	temporary  bool   // retry later
	connection bool   // the connection is unusable afterwards
	code       int    // SMTP reply code, 0 when the server did not answer
	enhanced   string // "5.1.1", "" when unknown
	err        error
}

// Error reads like the server's answer first ("550 5.1.1 no such user
// (sending SMTP DATA command)"), since that is what an admin looks for in
// last_error.
func (e *deliveryError) Error() string {
	if e.code == 0 {
		return e.err.Error()
	}
	var se *mail.SendError
	if errors.As(e.err, &se) {
		if reply, ok := serverReply(e.err.Error(), e.code); ok {
			return fmt.Sprintf("%d %s (%s)", e.code, reply, se.Reason)
		}
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", e.code, e.enhanced)) + ": " + e.err.Error()
}

func (e *deliveryError) Unwrap() error { return e.err }

// IsTemporary reports whether err, as returned by the sender's delivery,
// is worth retrying.
func IsTemporary(err error) bool {
	var d *deliveryError
	if errors.As(err, &d) {
		return d.temporary
	}
	return classify(err).temporary
}

// classify maps a go-mail send error to a deliveryError; nil stays nil.
// SMTP 4xx is temporary and 5xx permanent; go-mail's own failures on the
// wire (no reply code) are connection trouble and so temporary; a message
// go-mail cannot take apart will never go out and is permanent.
func classify(err error) *deliveryError {
	if err == nil {
		return nil
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		d := &deliveryError{err: err, code: se.ErrorCode(), enhanced: se.EnhancedStatusCode()}
		switch {
		case d.code == 421:
			// "Service not available, closing transmission channel".
			d.temporary, d.connection = true, true
		case d.code >= 400 && d.code < 500:
			d.temporary = true
		case d.code >= 500:
			d.temporary = false
		default:
			switch se.Reason {
			case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
				d.temporary = false
			default:
				d.temporary, d.connection = true, true
			}
		}
		return d
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return &deliveryError{temporary: true, connection: true, err: err}
	}
	// Unknown errors: retrying is the safe side, MaxAttempts bounds it.
	return &deliveryError{temporary: true, connection: true, err: err}
}

// serverReply finds the server's reply text inside a go-mail error string,
// where net/textproto prints it as `550 "5.1.1 text"`. It is used for the
// message only; classification never looks at strings.
func serverReply(s string, code int) (string, bool) {
	prefix := fmt.Sprintf("%03d ", code)
	i := strings.Index(s, prefix+`"`)
	if i < 0 {
		return "", false
	}
	q, err := strconv.QuotedPrefix(s[i+len(prefix):])
	if err != nil {
		return "", false
	}
	text, err := strconv.Unquote(q)
	if err != nil {
		return "", false
	}
	return templates.OneLine(text), true
}

func setDefaults(o *Options) {
	if o.Security == "" {
		o.Security = SecurityStartTLS
	}
	o.Security = strings.ToLower(o.Security)
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 30 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = o.RetryBase
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 50
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
}

func splitAddress(addr, security string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		// No port given: the usual one for the security mode.
		host, portStr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), map[string]string{SecurityTLS: "465", SecurityStartTLS: "587", SecurityInsecure: "25"}[strings.ToLower(security)]
		if portStr == "" {
			portStr = "587"
		}
	}
	if host == "" {
		return "", 0, fmt.Errorf("outbox: address %q has no host", addr)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("outbox: address %q: bad port", addr)
	}
	return host, port, nil
}

// requireLoopback refuses plain-text SMTP to anything but this machine:
// credentials and customer mail must not cross a network in the clear.
func requireLoopback(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("outbox: security insecure is allowed only on loopback, not %s", host)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("outbox: security insecure: resolving %s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return fmt.Errorf("outbox: security insecure is allowed only on loopback, %s resolves to %s", host, a.IP)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("outbox: security insecure: %s has no address", host)
	}
	return nil
}

// validMessageID accepts an id without its angle brackets that can be
// written into a header as is: printable ASCII, no spaces, no brackets,
// one "@" with text on both sides.
func validMessageID(id string) bool {
	if id == "" || len(id) > 250 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f || r == '<' || r == '>' || r == '"' || r == '\\' || r == ',' || r == ';' {
			return false
		}
	}
	at := strings.LastIndexByte(id, '@')
	return at > 0 && at < len(id)-1
}

func autoSubmitted(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "auto-generated":
		return "auto-generated"
	default:
		return "auto-replied"
	}
}
