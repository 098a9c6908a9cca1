// Package outbox delivers the outgoing mail rows the desk wrote (the
// transactional outbox) over SMTP with go-mail: one connection per batch,
// retries with capped exponential backoff for temporary failures, an
// immediate give-up for permanent ones, and the row's own Message-ID on
// every attempt so a retried mail is still the same mail.
//
// Each row is claimed in the store before it is sent (a claim with an
// expiry), so several senders on one store never send one row. An outage
// (no connection, DNS, TLS, login, no answer to MAIL FROM) does not count
// against MaxAttempts, only against GiveUpAfter. A mail whose DATA got no
// answer after its final "." may have arrived: the row says so, and when
// it is given up it is "unknown", not "failed". When the store cannot
// record an outcome, the sender holds it in memory, stops, and sends
// nothing until the store has taken it.
package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// Queue is where the sender takes its work from; tickets.Store implements it.
type Queue interface {
	// ClaimOutgoing claims up to limit due rows for owner until the claim
	// expires at until; rows another live claim holds are skipped.
	ClaimOutgoing(ctx context.Context, owner string, now, until time.Time, limit int) ([]tickets.Outgoing, error)
	// RecordAttempt records one attempt's outcome and ends owner's claim;
	// tickets.ErrNotPending when another sender recorded the row first.
	RecordAttempt(ctx context.Context, id int64, a tickets.Attempt) error
}

// nextDuer is optionally implemented by a Queue (tickets.Store does) so Run
// can sleep exactly until the earliest retry instead of polling.
type nextDuer interface {
	NextDue(ctx context.Context) (time.Time, error)
}

// ErrStore is wrapped by the errors of a pass that stopped because the
// store could not be written: a claim, or the outcome of a delivery. A
// delivery whose outcome could not be recorded is held in memory and
// recorded before anything else is sent; it is never delivered again by
// this process.
var ErrStore = errors.New("outbox: the store cannot be written")

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

	// MaxAttempts bounds the attempts the relay answered (MAIL, RCPT,
	// DATA); attempts that never reached it do not count. Default 8.
	MaxAttempts int
	RetryBase   time.Duration // default 30s
	RetryMax    time.Duration // default 1h
	// GiveUpAfter bounds how long a row stays queued (from its creation
	// or its last re-queue) through temporary failures; default 120h.
	GiveUpAfter time.Duration
	BatchSize   int           // rows per pass; default 50
	Interval    time.Duration // Run's fallback wake-up; default 1m

	// Owner names this sender in its claims; default host:pid:pidns:random,
	// which lets a sender on the same machine see that the holder died.
	Owner string

	Now func() time.Time // nil = time.Now

	// Observer hears each attempt and each connection to the relay (the
	// metrics, the readiness check); nil = nobody.
	Observer Observer
}

// Result counts what one DeliverDue did.
type Result struct {
	Sent, Retried, Failed int
	// Unknown counts rows given up whose outcome is unknown: the relay
	// may hold the mail (they are not in Failed).
	Unknown int
	// Unreachable is the error of a pass that could not connect or log in
	// to the server; its rows were deferred, which does not count against
	// MaxAttempts.
	Unreachable error
}

func (r Result) rows() int { return r.Sent + r.Retried + r.Failed + r.Unknown }

// Sender delivers due rows. DeliverDue and Run may be called from several
// goroutines; deliveries are serialised. Several Senders, in one process
// or several, may share one store: each row is claimed before delivery.
type Sender struct {
	opts   Options
	q      Queue
	log    *slog.Logger
	client *mail.Client
	from   *netmail.Address

	rules rules

	mu   sync.Mutex // one delivery pass at a time; guards held
	held held
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
	case config.SecurityTLS:
		clientOpts = append(clientOpts, mail.WithSSL())
	case config.SecurityStartTLS:
		clientOpts = append(clientOpts, mail.WithTLSPolicy(mail.TLSMandatory))
	case config.SecurityInsecure:
		if err := config.RequireLoopback(host); err != nil {
			return nil, fmt.Errorf("outbox: security insecure is allowed only on loopback: %w", err)
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
	if opts.Security == config.SecurityInsecure {
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
	return &Sender{opts: opts, q: q, log: log.With("owner", opts.Owner), client: client, from: from, held: held{},
		rules: rules{peer: "relay", maxAttempts: opts.MaxAttempts, retryBase: opts.RetryBase, retryMax: opts.RetryMax, giveUpAfter: opts.GiveUpAfter}}, nil
}

// DeliverDue sends the rows that are due now, up to BatchSize, once each,
// over one connection where possible. Each row is claimed before it is
// sent. The error is for failures of the store or ctx (delivery failures
// are recorded on the rows and counted in Result); it wraps ErrStore when
// the store could not be written, and the pass stops there.
func (s *Sender) DeliverDue(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Result
	if err := s.held.recordAll(ctx, s.log, "mail", s.storeOutcome); err != nil {
		return res, err
	}
	if cr, ok := s.q.(claimReleaser); ok {
		if err := releaseDeadClaims(ctx, cr, s.opts.Owner, s.now(), s.log, "mail"); err != nil {
			return res, err
		}
	}
	var conn *smtp.Client
	defer func() {
		if conn != nil {
			_ = s.client.CloseWithSMTPClient(conn)
		}
	}()
	for range s.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("outbox: %w", err)
		}
		// One row at a time: the claim's lease covers one delivery.
		now := s.now()
		rows, err := s.q.ClaimOutgoing(ctx, s.opts.Owner, now, now.Add(s.lease()), 1)
		if err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("outbox: %w", ctx.Err())
			}
			return res, fmt.Errorf("%w: claiming due mail: %w", ErrStore, err)
		}
		if len(rows) == 0 {
			break
		}
		row := rows[0]
		derr, refusedCc := s.attempt(ctx, row, &conn, &res)
		if derr != nil && derr.cancelled {
			return res, fmt.Errorf("outbox: %w", ctx.Err()) // the claim runs out by itself
		}
		if err := s.record(ctx, row, derr, refusedCc, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// attempt builds and sends one claimed row, dialling when there is no
// connection yet. Once the server proved out of reach in this pass, the
// remaining rows share that fate without dialling again. A recipient on
// Cc that the relay refuses is left out, and the mail goes to the rest:
// refusedCc says who and why.
func (s *Sender) attempt(ctx context.Context, row tickets.Outgoing, conn **smtp.Client, res *Result) (derr *deliveryError, refusedCc []string) {
	msg, err := s.build(row)
	if err != nil {
		return &deliveryError{counted: true, err: err}, nil
	}
	if res.Unreachable != nil {
		return &deliveryError{temporary: true, connection: true, err: res.Unreachable}, nil
	}
	if *conn == nil {
		c, err := s.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return &deliveryError{cancelled: true, err: ctx.Err()}, nil
			}
			// Refused, DNS, TLS, greeting, login: the relay never saw the
			// mail, so this does not count against MaxAttempts.
			s.opts.Observer.Relay(false, s.now())
			res.Unreachable = fmt.Errorf("connecting to %s: %w", s.opts.Address, err)
			if op := (*net.OpError)(nil); errors.As(err, &op) && op.Addr != nil {
				res.Unreachable = fmt.Errorf("connecting: %w", err) // the dial error names the address
			}
			return &deliveryError{temporary: true, connection: true, err: res.Unreachable}, nil
		}
		*conn = c
		s.opts.Observer.Relay(true, s.now())
	}
	sendErr := s.client.SendWithSMTPClient(*conn, msg)
	var se *mail.SendError
	if len(row.Cc) > 0 && errors.As(sendErr, &se) && se.Reason == mail.ErrSMTPRcptTo {
		// The requester's mail must not wait for a participant's address
		// the relay refuses (someone who left, a typo on Cc): go-mail
		// does not say which recipient it was, so ask the relay for each.
		refused, why, err := s.refusedRecipients(*conn, s.fromOf(row), row.Cc)
		if err == nil && len(refused) > 0 {
			row.Cc, refusedCc = slices.DeleteFunc(slices.Clone(row.Cc), func(a string) bool { return slices.Contains(refused, a) }), why
			if msg, err = s.build(row); err != nil {
				return &deliveryError{counted: true, err: err}, nil
			}
			sendErr = s.client.SendWithSMTPClient(*conn, msg)
		}
	}
	if msg.IsDelivered() {
		// go-mail may report an error from the RSET after an accepted
		// DATA; the mail is delivered all the same.
		sendErr = nil
	}
	derr = classify(sendErr)
	if derr != nil && derr.connection {
		_ = s.client.CloseWithSMTPClient(*conn)
		*conn = nil
	}
	if derr != nil {
		refusedCc = nil // nothing went out
	}
	return derr, refusedCc
}

// refusedRecipients asks the relay, in a transaction it resets, which of
// addrs it refuses (RCPT TO) for mail from from, and with which reply
// ("gone@example.com: 550 5.1.1 no such user"). err is a failure to ask:
// the connection, MAIL.
func (s *Sender) refusedRecipients(c *smtp.Client, from *netmail.Address, addrs []string) (refused, why []string, err error) {
	if err := c.Mail(from.Address); err != nil {
		return nil, nil, err
	}
	for _, a := range addrs {
		err := c.Rcpt(a)
		var reply *textproto.Error
		switch {
		case err == nil:
		case errors.As(err, &reply):
			refused, why = append(refused, a), append(why, fmt.Sprintf("%s: %d %s", a, reply.Code, reply.Msg))
		default:
			return nil, nil, err
		}
	}
	return refused, why, c.Reset()
}

// Run delivers due mail until ctx is done. It wakes on wake (the desk
// signals after committing new rows), at the earliest retry when the queue
// can tell it, and at least every Options.Interval. After a pass that
// failed (the store cannot be written) it logs the error and waits at
// least RetryBase, doubling up to RetryMax, wakes or not.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}) error {
	r := runner{what: "mail", log: s.log, pass: s.DeliverDue, held: s.heldCount, rules: s.rules,
		batch: s.opts.BatchSize, interval: s.opts.Interval, now: s.now}
	if nd, ok := s.q.(nextDuer); ok {
		r.next = nd.NextDue
	}
	return r.run(ctx, wake)
}

// lease is how long a claim on one row lasts: a dial, a send and the
// recording of the outcome, each bounded by Timeout, with room to spare.
// A sender that dies holding a claim delays that row by at most this.
func (s *Sender) lease() time.Duration {
	return 3*s.opts.Timeout + time.Minute
}

func (s *Sender) heldCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// storeOutcome writes one outcome; an outcome the row no longer needs
// (another sender recorded it first, or it is gone) is dropped with a
// warning.
func (s *Sender) storeOutcome(ctx context.Context, id int64, a tickets.Attempt) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	err := s.q.RecordAttempt(ctx, id, a)
	if errors.Is(err, tickets.ErrNotPending) || errors.Is(err, tickets.ErrNotFound) {
		s.log.Warn("outcome not recorded: the mail is no longer pending", "mail", id, "status", a.Status, "error", err)
		return nil
	}
	return err
}

// record decides what one attempt means for its row (sent, retry later,
// given up), writes it to the queue and logs it. When the queue does not
// take it, the outcome is held in memory (held, rules.go) and the error
// wraps ErrStore.
func (s *Sender) record(ctx context.Context, row tickets.Outgoing, derr *deliveryError, refusedCc []string, res *Result) error {
	queued := row.QueuedAt
	if queued.IsZero() {
		queued = row.CreatedAt
	}
	var f *failure
	if derr != nil {
		f = &failure{temporary: derr.temporary, counted: derr.counted, unknown: derr.unknown, text: derr.Error()}
	}
	a := s.rules.decide(s.now(), s.opts.Owner, rowState{attempts: row.Attempts, deferrals: row.Deferrals, queued: queued}, f)
	a.RefusedCc = refusedCc
	log := s.log.With("mail", row.ID, "ticket", row.TicketRef, "kind", row.Kind, "to", row.To,
		"message_id", row.MessageID)
	if len(row.Cc) > 0 {
		log = log.With("cc", row.Cc)
	}
	if derr != nil {
		log = log.With("attempts", row.Attempts+btoi(a.Counted), "deferrals", row.Deferrals+btoi(!a.Counted), "error", a.Error)
		if a.Unknown || row.OutcomeUnknown {
			log = log.With("outcome_unknown", true)
		}
	}
	s.opts.Observer.Attempted(attemptResult(a, row), derr.class())
	err := s.storeOutcome(ctx, row.ID, a)
	w := mailWords
	if a.Status == tickets.OutSent && len(refusedCc) > 0 {
		w.sent, w.sentLevel = "mail sent without the Cc recipients the relay refused", slog.LevelWarn
		log = log.With("cc_refused", refusedCc)
	}
	return settle(log, w, row.ID, a, row.OutcomeUnknown, res, s.held, err)
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

// fromOf is the From of row: its own (the address of its ticket's
// mailbox), else the sender's (Options.From), as for rows queued before
// mailboxes had addresses of their own. The desk writes a row's From from
// the configuration; one that does not read as an address falls back too,
// rather than hold the mail.
func (s *Sender) fromOf(row tickets.Outgoing) *netmail.Address {
	if row.From == "" {
		return s.from
	}
	a, err := netmail.ParseAddress(templates.OneLine(row.From))
	if err != nil {
		s.log.Warn("outgoing row has a From that is no address; sending from the configured one", "id", row.ID, "from", row.From, "err", err)
		return s.from
	}
	a.Name = templates.Truncate(a.Name, templates.MaxName)
	return a
}

// build turns a row into a go-mail message. Everything that may come from
// inbound mail is cleaned here: no value reaches a header with a line
// break in it, the subject and the display name are cut to
// templates.MaxSubject and MaxName characters, and no line of the result
// is longer than RFC 5322's 998 octets (a relay may drop such a mail).
func (s *Sender) build(row tickets.Outgoing) (*mail.Msg, error) {
	if !validMessageID(row.MessageID) {
		return nil, fmt.Errorf("invalid Message-ID %q", row.MessageID)
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	// The From is also the envelope sender: a bounce of a mailbox's mail
	// comes back to that mailbox, where its poller reads it.
	msg.FromMailAddress(s.fromOf(row))
	to, err := netmail.ParseAddress(templates.OneLine(row.To))
	if err != nil {
		return nil, fmt.Errorf("recipient %q: %w", templates.Truncate(templates.OneLine(row.To), 100), err)
	}
	to.Name = templates.Truncate(templates.OneLine(row.ToName), templates.MaxName)
	msg.ToMailAddress(to)
	if len(row.Cc) > 0 {
		ccs := make([]*netmail.Address, len(row.Cc))
		for i, a := range row.Cc {
			if ccs[i], err = netmail.ParseAddress(templates.OneLine(a)); err != nil {
				return nil, fmt.Errorf("Cc recipient %q: %w", templates.Truncate(templates.OneLine(a), 100), err)
			}
		}
		msg.CcMailAddress(ccs...)
	}
	msg.Subject(templates.Truncate(templates.OneLine(row.Subject), templates.MaxSubject))
	msg.SetMessageIDWithValue(row.MessageID)
	msg.SetDateWithValue(s.now())
	if validMessageID(row.InReplyTo) {
		msg.SetGenHeader(mail.HeaderInReplyTo, "<"+row.InReplyTo+">")
	}
	if refs := references(row.References); len(refs) > 0 {
		// One header line, ids separated by a space (RFC 5322 3.6.4); go-mail
		// would join several values with ", ", and folds at the spaces.
		msg.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " "))
	}
	// go-mail has no setter for Auto-Submitted; its preformatted setter
	// writes the value raw, so only our own constants may reach it.
	msg.SetGenHeaderPreformatted("Auto-Submitted", autoSubmitted(row.AutoSubmitted))
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	if row.ReplyTo != "" {
		rt, err := netmail.ParseAddress(templates.OneLine(row.ReplyTo))
		if err != nil {
			return nil, fmt.Errorf("Reply-To %q: %w", templates.Truncate(templates.OneLine(row.ReplyTo), 100), err)
		}
		msg.ReplyToMailAddress(rt)
	}
	msg.SetBodyString(mail.TypeTextPlain, row.Text)
	if row.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, row.HTML)
	}
	for _, a := range row.Attachments {
		ct := a.ContentType
		if ct == "" || strings.ContainsAny(ct, "\r\n") {
			ct = "application/octet-stream"
		}
		msg.AttachReadSeeker(templates.OneLine(a.Filename), bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(ct)))
	}
	if err := checkLines(msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// maxReferences bounds the References header: a thread of hundreds of
// mails would otherwise make a header relays refuse. The first id (the
// thread's root) and the latest ones are what clients thread by
// (RFC 5322 3.6.4 lets a reply trim the list).
const maxReferences = 20

// references returns the valid ids of refs in brackets, trimmed to the
// first and the last maxReferences-1.
func references(refs []string) []string {
	var out []string
	for _, r := range refs {
		if validMessageID(r) {
			out = append(out, "<"+r+">")
		}
	}
	if len(out) > maxReferences {
		out = append(out[:1], out[len(out)-(maxReferences-1):]...)
	}
	return out
}

// maxLine is RFC 5322's limit on a line, without its CRLF.
const maxLine = 998

// checkLines writes msg out and refuses it when a line is longer than
// maxLine: the last line of defence behind the caps in build.
func checkLines(msg *mail.Msg) error {
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("writing the message: %w", err)
	}
	for i, line := range bytes.Split(buf.Bytes(), []byte("\r\n")) {
		if len(line) > maxLine {
			return fmt.Errorf("line %d of the message is %d octets long, more than %d", i+1, len(line), maxLine)
		}
	}
	return nil
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
	temporary  bool // retry later
	connection bool // the connection is unusable afterwards
	// counted: the relay answered MAIL FROM (or refused what we asked
	// for), so the attempt counts against MaxAttempts. Refused connections,
	// DNS, TLS and login failures, a 421, and timeouts before MAIL FROM's
	// reply do not: they are the relay's outage, not the mail's problem.
	counted bool
	// unknown: the final "." of DATA went out and no reply came back; the
	// relay may hold the mail.
	unknown   bool
	cancelled bool   // ctx ended before the attempt happened
	code      int    // SMTP reply code, 0 when the server did not answer
	enhanced  string // "5.1.1", "" when unknown
	err       error
}

// Error reads like the server's answer first ("550 5.1.1 no such user
// (sending SMTP DATA command)"), since that is what an admin looks for in
// last_error.
func (e *deliveryError) Error() string {
	prefix := ""
	if e.unknown {
		prefix = "no reply after the end of DATA, the relay may hold the mail: "
	}
	if e.code == 0 {
		return prefix + e.err.Error()
	}
	var se *mail.SendError
	if errors.As(e.err, &se) {
		if reply, ok := serverReply(e.err.Error(), e.code); ok {
			return fmt.Sprintf("%s%d %s (%s)", prefix, e.code, reply, se.Reason)
		}
	}
	return prefix + strings.TrimSpace(fmt.Sprintf("%d %s", e.code, e.enhanced)) + ": " + e.err.Error()
}

func (e *deliveryError) Unwrap() error { return e.err }

// class is what kind of failure the attempt was, for the observer: ""
// for none.
func (e *deliveryError) class() string {
	switch {
	case e == nil:
		return ""
	case e.unknown:
		return FailureUnknown
	case e.temporary && !e.counted:
		return FailureConnection
	case e.temporary:
		return FailureTemporary
	}
	return FailurePermanent
}

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
// SMTP 4xx is temporary and 5xx permanent; 421 is the relay going away.
// Where the transaction stood (go-mail's SendError.Reason) decides
// whether the relay was reached (counted) and whether, without a reply,
// it may hold the mail (unknown). A message go-mail cannot take apart
// will never go out and is permanent.
func classify(err error) *deliveryError {
	if err == nil {
		return nil
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		// Not go-mail's: a network error or an unknown one. Retrying is
		// the safe side; GiveUpAfter bounds it.
		return &deliveryError{temporary: true, connection: true, err: err}
	}
	d := &deliveryError{err: err, code: se.ErrorCode(), enhanced: se.EnhancedStatusCode(), counted: true}
	switch se.Reason {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		return d // permanent: the message itself is at fault
	case mail.ErrConnCheck:
		// The NOOP before the mail failed: the connection is gone.
		d.temporary, d.connection, d.counted = true, true, false
		return d
	}
	switch {
	case d.code == 421:
		// "Service not available, closing transmission channel".
		d.temporary, d.connection, d.counted = true, true, false
	case d.code >= 400 && d.code < 500:
		d.temporary = true
	case d.code >= 500:
		d.temporary = false
	default:
		// No reply at all: a timeout or a lost connection.
		d.temporary, d.connection = true, true
		switch se.Reason {
		case mail.ErrSMTPMailFrom:
			d.counted = false // the relay never answered MAIL FROM
		case mail.ErrSMTPDataClose:
			d.unknown = true // the final "." went out, its answer did not come
		}
	}
	return d
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
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.Security == "" {
		o.Security = config.SecurityStartTLS
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
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = 120 * time.Hour
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
}

func splitAddress(addr, security string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		// No port given: the usual one for the security mode.
		host, portStr = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), map[string]string{config.SecurityTLS: "465", config.SecurityStartTLS: "587", config.SecurityInsecure: "25"}[strings.ToLower(security)]
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
