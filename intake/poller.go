package intake

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/madoguchi/madoguchi/config"
)

// Errors callers branch on, matched with errors.Is.
var (
	// ErrConnect: the server could not be reached or the connection broke
	// before login (dial, TLS, greeting). Usually temporary.
	ErrConnect = errors.New("intake: cannot connect to IMAP server")
	// ErrAuth: the server refused the credentials. Retrying will not help
	// until the configuration changes.
	ErrAuth = errors.New("intake: IMAP login refused")
)

// PollerOptions configures a Poller. Zero fields take the defaults named.
type PollerOptions struct {
	// Name is the configured mailbox this poller reads, the "mailbox" of
	// its logs (the folder is then "folder"); "" = the folder.
	Name    string
	Address string // host:port
	// Security is "tls" (the default), "starttls" or "insecure". Insecure is
	// refused for anything but a loopback address.
	Security  string
	TLSConfig *tls.Config // nil: system roots, verification on; ServerName from Address

	Username, Password string
	Auth               string                                    // "login" (default), "plain" or "xoauth2"
	Token              func(ctx context.Context) (string, error) // xoauth2 only: called at each connect

	Mailbox string // default INBOX
	// ProcessedMailbox "" leaves handled mail in place with \Seen; otherwise
	// handled mail is moved there (created when missing).
	ProcessedMailbox string
	BatchSize        int // messages per batch handed to Sink.Store, default 100
	// BatchBytes bounds a batch by the sizes the server reports
	// (RFC822.SIZE), so that a batch of large mail is not held in memory
	// whole; default DefaultBatchBytes. A message larger than BatchBytes
	// but within MaxMessageBytes is fetched in a batch of its own.
	BatchBytes int64
	// MaxMessageBytes: a message the server reports larger than this is
	// fetched as its header alone (Fetched.HeaderOnly) and never read
	// whole; default DefaultMaxMessageBytes.
	MaxMessageBytes int64

	// PollInterval is the polling period of a server without IDLE and the
	// IDLE watchdog period; default 60s.
	PollInterval   time.Duration
	DialTimeout    time.Duration // default 30s
	CommandTimeout time.Duration // one command, or one message of a FETCH; default 2m
	BackoffMin     time.Duration // reconnect backoff, default 1s
	BackoffMax     time.Duration // default 5m

	// Observer hears how the poller fares (the metrics, the readiness
	// check); nil = nobody.
	Observer Observer
}

// Poller fetches the mail of one mailbox and hands it to a Sink. A message is
// flagged \Seen or moved only after Sink.Store (or the Commit of a
// Preparer's batch) returned nil for its batch. While one batch commits,
// the next is fetched and prepared, unless the two together would hold
// more than BatchBytes; commits run one at a time, in UID order.
// \Seen is set batch by batch; moves are grouped across batches (up to
// 1,000 UIDs per MOVE) and done at the latest when a pass over the mailbox
// ends, also when it ends in an error or a shutdown. A message stored but
// not yet filed when the process dies is filed by the next pass without a
// fetch (Sink.Known). Nothing is ever deleted, except by the COPY+EXPUNGE
// fallback of MOVE on a server without MOVE.
type Poller struct {
	opts PollerOptions
	host string
	sink Sink
	log  *slog.Logger

	lastUIDValidity atomic.Uint32
}

// Defaults of PollerOptions.
const (
	// DefaultBatchBytes fits one message of the default MaxMessageBytes,
	// so such a message is fetched with others only when they are small;
	// a batch of typical support mail (100 of ~6 KB) is far below it.
	DefaultBatchBytes      = 32 << 20
	DefaultMaxMessageBytes = 25 << 20
)

// knownChunk bounds the UIDs per Sink.Known call (SQL parameter limits).
const knownChunk = 500

// sizeChunk bounds the UIDs whose sizes one UID FETCH RFC822.SIZE asks
// for: the batches are planned from them.
const sizeChunk = 1000

// maxHeaderBytes is the most that is fetched of an oversize message: its
// header, which real mail (long Received chains, DKIM, ARC) keeps within
// tens of kilobytes.
const maxHeaderBytes = 1 << 20

// maxMoveGroup is the most UIDs one UID MOVE carries. A server pays per MOVE
// command rather than per message (Dovecot rewrites its index on every
// expunge), so committed mail is moved in groups across fetch batches, not
// batch by batch; docs/intake.md has the measurements.
const maxMoveGroup = 1000

// NewPoller validates opts, fills in defaults and returns a Poller. A nil log
// discards logs.
func NewPoller(opts PollerOptions, sink Sink, log *slog.Logger) (*Poller, error) {
	if sink == nil {
		return nil, errors.New("intake: poller needs a sink")
	}
	host, _, err := net.SplitHostPort(opts.Address)
	if err != nil {
		return nil, fmt.Errorf("intake: IMAP address %q: %w", opts.Address, err)
	}
	switch opts.Security {
	case "":
		opts.Security = config.SecurityTLS
	case config.SecurityTLS, config.SecurityStartTLS:
	case config.SecurityInsecure:
		if err := config.RequireLoopback(host); err != nil {
			return nil, fmt.Errorf("intake: security \"insecure\" sends the password in clear and is only allowed for a loopback address (%w): use \"tls\" or \"starttls\"", err)
		}
	default:
		return nil, fmt.Errorf("intake: unknown IMAP security %q (want tls, starttls or insecure)", opts.Security)
	}
	switch opts.Auth {
	case "":
		opts.Auth = "login"
	case "login", "plain":
	case "xoauth2":
		if opts.Token == nil {
			return nil, errors.New("intake: auth xoauth2 needs a Token function")
		}
	default:
		return nil, fmt.Errorf("intake: unknown IMAP auth %q (want login, plain or xoauth2)", opts.Auth)
	}
	if opts.Username == "" {
		return nil, errors.New("intake: IMAP username is required")
	}
	if opts.Mailbox == "" {
		opts.Mailbox = "INBOX"
	}
	if opts.ProcessedMailbox != "" && strings.EqualFold(opts.ProcessedMailbox, opts.Mailbox) {
		return nil, fmt.Errorf("intake: processed mailbox %q is the polled mailbox", opts.ProcessedMailbox)
	}
	if opts.BatchSize < 0 || opts.BatchBytes < 0 || opts.MaxMessageBytes < 0 {
		return nil, fmt.Errorf("intake: negative batch size (%d), batch bytes (%d) or message size limit (%d)", opts.BatchSize, opts.BatchBytes, opts.MaxMessageBytes)
	}
	setDefault(&opts.BatchSize, 100)
	setDefault(&opts.BatchBytes, DefaultBatchBytes)
	setDefault(&opts.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&opts.PollInterval, 60*time.Second)
	setDefault(&opts.DialTimeout, 30*time.Second)
	setDefault(&opts.CommandTimeout, 2*time.Minute)
	setDefault(&opts.BackoffMin, time.Second)
	setDefault(&opts.BackoffMax, 5*time.Minute)
	if opts.BackoffMax < opts.BackoffMin {
		return nil, fmt.Errorf("intake: backoff max %v is below min %v", opts.BackoffMax, opts.BackoffMin)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	if opts.Name != "" {
		log = log.With("mailbox", opts.Name, "folder", opts.Mailbox)
	} else {
		log = log.With("mailbox", opts.Mailbox)
	}
	return &Poller{opts: opts, host: host, sink: sink, log: log}, nil
}

// RunOnce connects, hands all waiting mail to the sink, and logs out. handled
// counts the messages passed to Sink.Store (not those the sink already knew).
// A server that cannot be reached gives an error matching ErrConnect, a
// refused login one matching ErrAuth.
func (p *Poller) RunOnce(ctx context.Context) (handled int, err error) {
	_, handled, err = p.session(ctx, false)
	return handled, err
}

// Run handles waiting mail, then waits for more with IDLE (or polls every
// PollInterval when the server has no IDLE), until ctx is done. After a
// dropped connection or any other failure it reconnects with exponential
// backoff, reset by every successful cycle. It returns nil when ctx is done.
func (p *Poller) Run(ctx context.Context) error {
	backoff := p.opts.BackoffMin
	for {
		cycled, _, err := p.session(ctx, true)
		if ctx.Err() != nil {
			return nil
		}
		if cycled {
			backoff = p.opts.BackoffMin
		}
		wait := jitter(backoff)
		level := slog.LevelWarn
		if errors.Is(err, ErrAuth) {
			level = slog.LevelError
		}
		p.log.Log(ctx, level, "imap session failed, reconnecting", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, p.opts.BackoffMax)
	}
}

// session runs cycles on one connection: one when stay is false, else until
// ctx is done or the connection fails. cycled reports whether at least one
// cycle completed.
func (p *Poller) session(ctx context.Context, stay bool) (cycled bool, handled int, err error) {
	obs := p.opts.Observer
	s, err := p.connect(ctx)
	if err != nil {
		obs.Connected(false)
		return false, 0, err
	}
	obs.Connected(true)
	defer func() {
		s.close()
		obs.Connected(false)
	}()
	for {
		n, err := s.cycle(ctx)
		handled += n
		if err != nil {
			return cycled, handled, err
		}
		obs.Polled(time.Now())
		cycled = true
		if !stay {
			return cycled, handled, nil
		}
		if err := s.wait(ctx); err != nil {
			return cycled, handled, err
		}
	}
}

// conn is one logged-in connection with the mailbox selected.
type conn struct {
	p           *Poller
	c           *imapclient.Client
	dc          *deadlineConn
	wake        chan struct{} // signalled by the unilateral data handler
	uidValidity uint32
	idle        bool       // server has IDLE
	unfiled     []imap.UID // stored (committed) but not yet flagged or moved
}

func (p *Poller) connect(ctx context.Context) (*conn, error) {
	o := &p.opts
	dialer := &net.Dialer{Timeout: o.DialTimeout}
	raw, err := dialer.DialContext(ctx, "tcp", o.Address)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConnect, err) // a net.OpError names the address
	}
	s := &conn{p: p, dc: newDeadlineConn(raw), wake: make(chan struct{}, 1)}
	// Until the mailbox is selected, a cancelled ctx aborts at once.
	stop := context.AfterFunc(ctx, func() { s.dc.Close() })
	defer stop()

	signal := func() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	clientOpts := &imapclient.Options{
		TLSConfig: p.tlsConfig(),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: only signal.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					signal()
				}
			},
			Expunge: func(uint32) { signal() },
		},
	}

	s.dc.arm(o.DialTimeout)
	switch o.Security {
	case config.SecurityTLS:
		tc := tls.Client(s.dc, clientOpts.TLSConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			tc.Close()
			return nil, fmt.Errorf("%w: TLS handshake with %s: %w", ErrConnect, o.Address, err)
		}
		s.c = imapclient.New(tc, clientOpts)
	case config.SecurityStartTLS:
		s.c, err = imapclient.NewStartTLS(s.dc, clientOpts)
		if err != nil {
			return nil, fmt.Errorf("%w: STARTTLS with %s: %w", ErrConnect, o.Address, err)
		}
	default:
		s.c = imapclient.New(s.dc, clientOpts)
	}
	if err := s.c.WaitGreeting(); err != nil {
		s.c.Close()
		return nil, fmt.Errorf("%w: greeting from %s: %w", ErrConnect, o.Address, err)
	}

	s.dc.arm(o.CommandTimeout)
	if err := p.login(ctx, s.c); err != nil {
		s.c.Close()
		return nil, err
	}
	s.idle = s.c.Caps().Has(imap.CapIdle)
	if err := s.selectMailbox(); err != nil {
		s.c.Close()
		return nil, err
	}
	s.dc.disarm()
	if ctx.Err() != nil {
		s.c.Close()
		return nil, fmt.Errorf("intake: connect to %s: %w", o.Address, ctx.Err())
	}
	p.log.Info("imap connected", "address", o.Address, "uidvalidity", s.uidValidity, "idle", s.idle)
	return s, nil
}

// login authenticates. A refusal by the server (a NO) wraps ErrAuth; a broken
// connection wraps ErrConnect.
func (p *Poller) login(ctx context.Context, c *imapclient.Client) error {
	o := &p.opts
	var err error
	var x *xoauth2Client
	switch o.Auth {
	case "plain":
		err = c.Authenticate(sasl.NewPlainClient("", o.Username, o.Password))
	case "xoauth2":
		token, terr := o.Token(ctx)
		if terr != nil {
			return fmt.Errorf("intake: get XOAUTH2 token for %s: %w", o.Username, terr)
		}
		x = newXOAUTH2Client(o.Username, token)
		err = c.Authenticate(x)
	default:
		err = c.Login(o.Username, o.Password).Wait()
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		if x != nil && x.serverError != "" {
			return fmt.Errorf("%w: %s as %s (server said %s): %w", ErrAuth, o.Auth, o.Username, x.serverError, err)
		}
		return fmt.Errorf("%w: %s as %s: %w", ErrAuth, o.Auth, o.Username, err)
	}
	return fmt.Errorf("%w: %s as %s: %w", ErrConnect, o.Auth, o.Username, err)
}

func (s *conn) selectMailbox() error {
	o := &s.p.opts
	if o.ProcessedMailbox != "" {
		list, err := s.c.List("", o.ProcessedMailbox, nil).Collect()
		if err != nil {
			return fmt.Errorf("intake: list %q: %w", o.ProcessedMailbox, err)
		}
		if len(list) == 0 {
			if err := s.c.Create(o.ProcessedMailbox, nil).Wait(); err != nil && !isAlreadyExists(err) {
				return fmt.Errorf("intake: create processed mailbox %q: %w", o.ProcessedMailbox, err)
			}
			s.p.log.Info("created processed mailbox", "processed_mailbox", o.ProcessedMailbox)
		}
	}
	data, err := s.c.Select(o.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("intake: select %q: %w", o.Mailbox, err)
	}
	s.uidValidity = data.UIDValidity
	if prev := s.p.lastUIDValidity.Swap(data.UIDValidity); prev != 0 && prev != data.UIDValidity {
		// Every UID we knew is void; the messages come again under new
		// UIDs and the sink's dedup (Message-ID, content hash) recognises
		// them.
		s.p.log.Warn("uidvalidity changed", "previous", prev, "uidvalidity", data.UIDValidity)
	}
	return nil
}

// cycle handles every waiting message: known ones are filed without a fetch,
// the rest fetched in UID order and stored batch by batch, each batch
// fetched and prepared while the one before commits; each stored batch is
// filed after its commit returned (see file). Whatever was stored is filed
// before cycle returns, also after an error or a cancelled ctx.
func (s *conn) cycle(ctx context.Context) (handled int, err error) {
	o := &s.p.opts
	start := time.Now()
	defer func() {
		if ferr := s.fileAll(); ferr != nil {
			err = errors.Join(err, ferr)
		}
		if handled > 0 {
			s.p.log.Info("mailbox pass done", "uidvalidity", s.uidValidity, "handled", handled, "took", time.Since(start), "err", err)
			if pe, ok := s.p.sink.(PassEnder); ok {
				if perr := pe.PassDone(ctx); perr != nil {
					s.p.log.Warn("after the pass", "err", perr)
				}
			}
		}
	}()
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if o.ProcessedMailbox == "" {
		// \Seen marks what we handled, but a person may also read a mail
		// in their client before we fetch it: above the last recorded UID
		// of this UIDVALIDITY everything counts, below it only unseen mail
		// (a crash between commit and flag). With no record yet (first
		// start, or a new UIDVALIDITY) unseen mail is the queue, so old
		// read mail is not ticketed.
		last, err := s.p.sink.LastUID(ctx, o.Mailbox, s.uidValidity)
		if err != nil {
			return 0, fmt.Errorf("intake: ask sink for the last recorded UID of %q: %w", o.Mailbox, err)
		}
		unseen := imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
		if last == 0 {
			criteria.And(&unseen)
		} else {
			var above imap.UIDSet
			above.AddRange(imap.UID(last+1), 0) // last+1:*
			criteria.Or = append(criteria.Or, [2]imap.SearchCriteria{{UID: []imap.UIDSet{above}}, unseen})
		}
	}
	var data *imap.SearchData
	err = s.timed(func() (err error) {
		data, err = s.c.UIDSearch(criteria, nil).Wait()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("intake: search %q: %w", o.Mailbox, err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	if len(uids) == 0 {
		return 0, nil
	}

	known, err := s.known(ctx, uids)
	if err != nil {
		return 0, err
	}
	if len(known) > 0 {
		s.p.log.Info("filing already recorded messages", "uidvalidity", s.uidValidity, "count", len(known), "uids", imap.UIDSetNum(known...).String())
		if err := s.file(known); err != nil {
			return 0, err
		}
		uids = slices.DeleteFunc(uids, func(u imap.UID) bool { _, ok := slices.BinarySearch(known, u); return ok })
	}

	// The batch committing beside the next fetch; waited for before cycle
	// returns, whatever ends it, so its mail is filed if it committed.
	var cur *inflight
	defer func() {
		if cur != nil {
			n, serr := s.settle(cur)
			handled += n
			err = errors.Join(err, serr)
		}
	}()
	for start := 0; start < len(uids); start += sizeChunk {
		chunk := uids[start:min(start+sizeChunk, len(uids))]
		sized, err := s.sizes(chunk)
		if err != nil {
			return handled, err
		}
		for _, want := range s.plan(sized) {
			if err := ctx.Err(); err != nil {
				return handled, err
			}
			if cur != nil && cur.bytes+s.cost(want) > o.BatchBytes {
				// Both batches in memory at once would pass the bound that
				// keeps large mail from piling up: this one waits.
				n, err := s.settle(cur)
				cur, handled = nil, handled+n
				if err != nil {
					return handled, err
				}
			}
			next, err := s.prepare(ctx, want)
			if err != nil {
				return handled, err
			}
			done := cur
			if done != nil {
				cur = nil
				if err := s.committed(done); err != nil {
					return handled, err
				}
				handled += len(done.uids)
			}
			if next != nil {
				cur = s.commit(ctx, next)
			}
			if done != nil {
				// Filed (a STORE, or a MOVE of a full group) while the
				// next batch commits.
				if err := s.file(done.uids); err != nil {
					return handled, err
				}
			}
		}
	}
	return handled, nil
}

// inflight is a fetched and prepared batch whose commit runs beside the
// poller's next fetch.
type inflight struct {
	uids     []imap.UID
	bytes    int64 // the raw messages it holds
	prepared PreparedBatch
	done     chan error // the commit's result
}

// prepare fetches one planned batch and has the sink prepare it; nil when
// the server had none of it any more (expunged meanwhile).
func (s *conn) prepare(ctx context.Context, want []sized) (*inflight, error) {
	batch, err := s.fetch(want)
	if err != nil || len(batch) == 0 {
		return nil, err
	}
	f := &inflight{uids: make([]imap.UID, len(batch)), done: make(chan error, 1)}
	for i, m := range batch {
		f.uids[i] = imap.UID(m.UID)
		f.bytes += int64(len(m.Raw))
	}
	if p, ok := s.p.sink.(Preparer); ok {
		f.prepared = p.Prepare(ctx, batch)
	} else {
		f.prepared = storeBatch{s.p.sink, batch}
	}
	return f, nil
}

// commit starts the commit of f on a goroutine of its own; settle waits
// for it.
func (s *conn) commit(ctx context.Context, f *inflight) *inflight {
	go func() { f.done <- f.prepared.Commit(ctx) }()
	return f
}

// settle waits for the commit of f and files its mail when it committed;
// it returns how many messages were stored.
func (s *conn) settle(f *inflight) (int, error) {
	if err := s.committed(f); err != nil {
		return 0, err
	}
	return len(f.uids), s.file(f.uids)
}

// committed waits for the commit of f. After a large batch it collects the
// garbage at once (largeBatch).
func (s *conn) committed(f *inflight) error {
	err := <-f.done
	f.prepared = nil // the mail, parsed and raw: garbage from here on
	if f.bytes >= largeBatch {
		runtime.GC()
	}
	if err != nil {
		return fmt.Errorf("intake: store %d messages from %q: %w", len(f.uids), s.p.opts.Mailbox, err)
	}
	s.p.log.Info("stored batch", "uidvalidity", s.uidValidity, "count", len(f.uids), "bytes", f.bytes, "uids", imap.UIDSetNum(f.uids...).String())
	return nil
}

// largeBatch is the size of a batch (its raw mail) after whose commit the
// poller runs a collection. The collector sets its next goal from the
// heap it finds live: run while a 25 MiB mail and its decoded attachment
// were both live, it found ~49 MB and let the heap grow to ~137 MB, run
// during the next fetch ~30 MB and ~75 MB; which one came first changed
// from run to run (peak RSS 161 or 232 MiB over ten 25 MiB mails,
// docs/intake.md). Collected once the batch is done (and dropped), the
// goal follows what stays live: 137 MiB every run. A batch of typical
// mail (100 of ~6 KB) is far below.
const largeBatch = 8 << 20

// file queues stored uids for filing and files every full group: \Seen at
// once (a STORE costs the server little), moves maxMoveGroup UIDs at a time.
func (s *conn) file(uids []imap.UID) error {
	s.unfiled = append(s.unfiled, uids...)
	group := maxMoveGroup
	if s.p.opts.ProcessedMailbox == "" {
		group = 1
	}
	for len(s.unfiled) >= group {
		if err := s.fileGroup(); err != nil {
			return err
		}
	}
	return nil
}

// fileAll files whatever stored mail is still queued. On a connection
// already closed it leaves that to the next pass (Sink.Known) at once,
// rather than wait for another command to fail.
func (s *conn) fileAll() error {
	select {
	case <-s.c.Closed():
		if n := len(s.unfiled); n > 0 {
			s.unfiled = nil
			return fmt.Errorf("intake: connection to %s closed before %d stored messages were filed", s.p.opts.Address, n)
		}
		return nil
	default:
	}
	for len(s.unfiled) > 0 {
		if err := s.fileGroup(); err != nil {
			return err
		}
	}
	return nil
}

// fileGroup flags or moves the first maxMoveGroup queued UIDs. After a failure
// the queue is dropped: the connection is likely gone, and the next pass
// files those messages without a fetch (Sink.Known).
func (s *conn) fileGroup() error {
	n := min(len(s.unfiled), maxMoveGroup)
	if err := s.markDone(s.unfiled[:n]); err != nil {
		s.unfiled = nil
		return err
	}
	s.unfiled = slices.Delete(s.unfiled, 0, n)
	return nil
}

// known asks the sink which uids it has already recorded; sorted.
func (s *conn) known(ctx context.Context, uids []imap.UID) ([]imap.UID, error) {
	o := &s.p.opts
	var known []imap.UID
	for start := 0; start < len(uids); start += knownChunk {
		chunk := uids[start:min(start+knownChunk, len(uids))]
		plain := make([]uint32, len(chunk))
		for i, u := range chunk {
			plain[i] = uint32(u)
		}
		got, err := s.p.sink.Known(ctx, o.Mailbox, s.uidValidity, plain)
		if err != nil {
			return nil, fmt.Errorf("intake: ask sink for recorded messages of %q: %w", o.Mailbox, err)
		}
		for _, u := range chunk {
			if got[uint32(u)] {
				known = append(known, u)
			}
		}
	}
	return known, nil
}

// sized is a message to fetch with the size the server reported for it.
type sized struct {
	uid  imap.UID
	size int64
}

// sizes asks the server for the RFC822.SIZE of uids; a message expunged
// meanwhile is missing from the answer. In UID order.
func (s *conn) sizes(uids []imap.UID) ([]sized, error) {
	o := &s.p.opts
	var out []sized
	err := s.timed(func() error {
		msgs, err := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		for _, m := range msgs {
			if m.UID != 0 {
				out = append(out, sized{uid: m.UID, size: m.RFC822Size})
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("intake: fetch the sizes of %d messages from %q: %w", len(uids), o.Mailbox, err)
	}
	slices.SortFunc(out, func(a, b sized) int { return cmp.Compare(a.uid, b.uid) })
	return out, nil
}

// plan cuts messages into batches of at most BatchSize messages and
// BatchBytes bytes, in UID order. An oversize message counts with the
// header that is all of it fetched; a message larger than BatchBytes on its
// own makes a batch of one.
func (s *conn) plan(msgs []sized) [][]sized {
	o := &s.p.opts
	var batches [][]sized
	var cur []sized
	var total int64
	for _, m := range msgs {
		cost := s.cost([]sized{m})
		if len(cur) > 0 && (len(cur) >= o.BatchSize || total+cost > o.BatchBytes) {
			batches = append(batches, cur)
			cur, total = nil, 0
		}
		cur = append(cur, m)
		total += cost
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

// cost is what the messages of a batch take in memory once fetched: an
// oversize message is fetched as its header alone.
func (s *conn) cost(batch []sized) int64 {
	var n int64
	for _, m := range batch {
		if m.size > s.p.opts.MaxMessageBytes {
			n += min(m.size, maxHeaderBytes)
		} else {
			n += m.size
		}
	}
	return n
}

// fetch reads the raw messages of batch with BODY.PEEK[], which leaves
// \Seen alone, and the header alone (BODY.PEEK[HEADER], its first MiB) of
// those larger than MaxMessageBytes; in UID order. The deadline is
// re-armed for every message, so a large batch is bounded by progress, not
// by its total size.
func (s *conn) fetch(batch []sized) ([]Fetched, error) {
	o := &s.p.opts
	var whole, headers []imap.UID
	size := make(map[imap.UID]int64, len(batch))
	for _, m := range batch {
		size[m.uid] = m.size
		if m.size > o.MaxMessageBytes {
			headers = append(headers, m.uid)
		} else {
			whole = append(whole, m.uid)
		}
	}
	out := make([]Fetched, 0, len(batch))
	for _, part := range []struct {
		uids    []imap.UID
		section *imap.FetchItemBodySection
	}{
		{whole, &imap.FetchItemBodySection{Peek: true}},
		{headers, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true, Partial: &imap.SectionPartial{Size: maxHeaderBytes}}},
	} {
		if len(part.uids) == 0 {
			continue
		}
		got, err := s.fetchSection(part.uids, part.section, size)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b Fetched) int { return cmp.Compare(a.UID, b.UID) })
	return out, nil
}

// fetchSection fetches one body section of uids. A literal larger than
// MaxMessageBytes (the server reported a smaller size than it sends) is
// kept as its first MiB, the header, like any oversize message: nothing
// larger than the limit is ever held in memory.
func (s *conn) fetchSection(uids []imap.UID, section *imap.FetchItemBodySection, size map[imap.UID]int64) ([]Fetched, error) {
	o := &s.p.opts
	headerOnly := section.Specifier == imap.PartSpecifierHeader
	out := make([]Fetched, 0, len(uids))
	err := s.timed(func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			f := Fetched{Mailbox: o.Mailbox, UIDValidity: s.uidValidity, HeaderOnly: headerOnly}
			var raw []byte
			var sent int64 // the literal's size
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch item := item.(type) {
				case imapclient.FetchItemDataUID:
					f.UID = uint32(item.UID)
				case imapclient.FetchItemDataBodySection:
					if item.Literal == nil {
						continue
					}
					var cut bool
					var err error
					if raw, cut, err = readLiteral(item.Literal, o.MaxMessageBytes); err != nil {
						cmd.Close()
						return err
					}
					if sent = item.Literal.Size(); cut && !headerOnly {
						f.HeaderOnly, raw = true, headerOf(raw)
					}
				}
			}
			s.dc.arm(o.CommandTimeout)
			if f.UID == 0 || raw == nil {
				s.p.log.Warn("server sent a message without UID or body", "uidvalidity", s.uidValidity, "seq", msg.SeqNum, "uid", f.UID)
				continue
			}
			f.Raw, f.Size = raw, size[imap.UID(f.UID)]
			if f.HeaderOnly {
				f.SizeLimit = o.MaxMessageBytes
			}
			if !headerOnly {
				f.Size = max(f.Size, sent)
			}
			out = append(out, f)
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("intake: fetch %d messages from %q: %w", len(uids), o.Mailbox, err)
	}
	return out, nil
}

// headerOf is the header of a raw message, up to and with the blank line
// that ends it; all of raw when there is none.
func headerOf(raw []byte) []byte {
	for _, end := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, end); i >= 0 {
			return bytes.Clone(raw[:i+len(end)]) // not the MiB read behind it
		}
	}
	return raw
}

// readLiteral reads a literal into a buffer of its exact size. One larger
// than limit is read as its first maxHeaderBytes only (cut); the caller's
// next read discards the rest without keeping it.
func readLiteral(lit imap.LiteralReader, limit int64) (raw []byte, cut bool, err error) {
	n := lit.Size()
	if n > limit {
		n, cut = min(n, maxHeaderBytes), true
	}
	raw = make([]byte, n)
	if _, err := io.ReadFull(lit, raw); err != nil {
		return nil, false, err
	}
	return raw, cut, nil
}

// markDone flags uids \Seen, or moves them to the processed mailbox.
func (s *conn) markDone(uids []imap.UID) error {
	o := &s.p.opts
	set := imap.UIDSetNum(uids...)
	if o.ProcessedMailbox == "" {
		err := s.timed(func() error {
			return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
		})
		if err != nil {
			return fmt.Errorf("intake: flag %d messages \\Seen in %q: %w", len(uids), o.Mailbox, err)
		}
		return nil
	}
	start := time.Now()
	err := s.timed(func() error {
		_, err := s.c.Move(set, o.ProcessedMailbox).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("intake: move %d messages from %q to %q: %w", len(uids), o.Mailbox, o.ProcessedMailbox, err)
	}
	s.p.log.Info("moved handled mail", "uidvalidity", s.uidValidity, "count", len(uids), "processed_mailbox", o.ProcessedMailbox, "took", time.Since(start))
	return nil
}

// wait returns when there may be new mail: IDLE reported some, the watchdog
// period passed, or (without IDLE) the poll interval passed. It returns
// ctx.Err() when ctx is done and an error when the connection failed.
func (s *conn) wait(ctx context.Context) error {
	o := &s.p.opts
	timer := time.NewTimer(o.PollInterval)
	defer timer.Stop()
	if !s.idle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return fmt.Errorf("%w: connection to %s closed", ErrConnect, o.Address)
		case <-timer.C:
			return nil
		}
	}

	select {
	case <-s.wake: // arrived while the last cycle ran
		return nil
	default:
	}
	var idle *imapclient.IdleCommand
	err := s.timed(func() (err error) {
		idle, err = s.c.Idle()
		return err
	})
	if err != nil {
		return fmt.Errorf("intake: start IDLE on %q: %w", o.Mailbox, err)
	}
	watchdog := false
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-s.c.Closed():
	case <-timer.C:
		watchdog = true
	}
	err = s.timed(func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
	if err != nil {
		return fmt.Errorf("intake: stop IDLE on %q: %w", o.Mailbox, err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if watchdog {
		// IDLE reads without a deadline: a NOOP with one is what tells a
		// quiet mailbox from a half-open connection.
		if err := s.timed(func() error { return s.c.Noop().Wait() }); err != nil {
			return fmt.Errorf("intake: watchdog NOOP on %q: %w", o.Mailbox, err)
		}
	}
	return nil
}

// timed runs one command with the command timeout armed on the connection.
func (s *conn) timed(f func() error) error {
	s.dc.arm(s.p.opts.CommandTimeout)
	defer s.dc.disarm()
	return f()
}

// close logs out politely when the connection still works, then closes it.
func (s *conn) close() {
	select {
	case <-s.c.Closed():
	default:
		if err := s.timed(func() error { return s.c.Logout().Wait() }); err != nil {
			s.p.log.Debug("imap logout failed", "err", err)
		}
	}
	_ = s.c.Close()
}

func (p *Poller) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if p.opts.TLSConfig != nil {
		cfg = p.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = p.host
	}
	return cfg
}

func isAlreadyExists(err error) bool {
	var imapErr *imap.Error
	return errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists
}

// jitter spreads reconnects over [d/2, d] so many pollers restarted together
// do not reconnect in step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
