package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

// WebhookQueue is where the webhook sender takes its work from;
// tickets.Store implements it.
type WebhookQueue interface {
	// ClaimWebhooks claims up to limit due deliveries for owner until the
	// claim expires at until; rows another live claim holds are skipped.
	ClaimWebhooks(ctx context.Context, owner string, now, until time.Time, limit int) ([]tickets.WebhookDelivery, error)
	// RecordWebhookAttempt records one attempt's outcome and ends owner's
	// claim; tickets.ErrNotPending when another sender recorded it first.
	RecordWebhookAttempt(ctx context.Context, id int64, a tickets.Attempt) error
}

// Optional parts of a WebhookQueue (tickets.Store has them): the time of
// the earliest retry, and the claims of dead senders.
type (
	webhookNextDuer interface {
		NextWebhookDue(ctx context.Context) (time.Time, error)
	}
	webhookClaimReleaser interface {
		WebhookClaimHolders(ctx context.Context, now time.Time) ([]string, error)
		ReleaseWebhookClaims(ctx context.Context, owner string) (int, error)
	}
)

// webhookClaims is a webhookClaimReleaser as the shared claimReleaser.
type webhookClaims struct{ q webhookClaimReleaser }

func (w webhookClaims) ClaimHolders(ctx context.Context, now time.Time) ([]string, error) {
	return w.q.WebhookClaimHolders(ctx, now)
}
func (w webhookClaims) ReleaseClaims(ctx context.Context, owner string) (int, error) {
	return w.q.ReleaseWebhookClaims(ctx, owner)
}
func (w webhookClaims) ClaimHolderDead(ctx context.Context, owner string) (dead, known bool, err error) {
	if hc, ok := w.q.(holderChecker); ok {
		return hc.ClaimHolderDead(ctx, owner)
	}
	return false, false, nil
}

// Hook is one webhook ([[webhooks]]) as the sender delivers to it. Zero
// values mean the documented defaults.
type Hook struct {
	URL       string      // https, or http to a loopback address only; never logged beyond its host
	Secret    []byte      // signs each request (X-Madoguchi-Signature); nil = unsigned
	TLSConfig *tls.Config // nil = the system's roots, verification on
	Timeout   time.Duration
	// MaxAttempts bounds the attempts that reached the receiver; an
	// outage counts only against GiveUpAfter. Default 8.
	MaxAttempts int
	RetryBase   time.Duration // default 30s
	RetryMax    time.Duration // default 1h
	GiveUpAfter time.Duration // default 24h
}

// WebhookOptions configure a WebhookSender.
type WebhookOptions struct {
	Hooks     map[string]Hook // by name
	UserAgent string
	BatchSize int           // deliveries per pass; default 50
	Interval  time.Duration // Run's fallback wake-up; default 1m
	Owner     string        // names this sender in its claims; default host:pid:pidns:random
	Now       func() time.Time
}

// WebhookSender delivers queued webhook events by the outbox's rules
// (rules.go): each delivery claimed before it is sent, retries with
// backoff, a receiver's outage not counted as an attempt, give-up time,
// an unanswered request marked unknown, an outcome the store refuses held
// and recorded first. An event is sent to a webhook once while its sender
// lives; a crash between the receiver's answer and its record sends it
// again after the restart, with the same event ID for the receiver to
// drop.
type WebhookSender struct {
	opts    WebhookOptions
	q       WebhookQueue
	log     *slog.Logger
	clients map[string]*webhook.Client
	rules   map[string]rules
	store   rules // how Run backs off while the store refuses writes

	mu   sync.Mutex // one pass at a time; guards held
	held held
}

// NewWebhookSender checks opts; it does not connect.
func NewWebhookSender(opts WebhookOptions, q WebhookQueue, log *slog.Logger) (*WebhookSender, error) {
	if q == nil {
		return nil, errors.New("outbox: nil webhook queue")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Owner == "" {
		opts.Owner = defaultOwner()
	}
	hooks := opts.Hooks
	opts.Hooks = make(map[string]Hook, len(hooks))
	s := &WebhookSender{opts: opts, q: q, log: log.With("owner", opts.Owner), clients: map[string]*webhook.Client{},
		rules: map[string]rules{}, held: held{}, store: rules{retryBase: 30 * time.Second, retryMax: time.Hour}}
	for name, h := range hooks {
		if err := config.CheckWebhookURL(h.URL); err != nil {
			return nil, fmt.Errorf("outbox: webhook %s: %w", name, err)
		}
		h = hookDefaults(h)
		s.opts.Hooks[name] = h
		s.clients[name] = webhook.NewClient(webhook.ClientOptions{Timeout: h.Timeout, TLSConfig: h.TLSConfig, UserAgent: opts.UserAgent})
		s.rules[name] = rules{peer: "receiver", maxAttempts: h.MaxAttempts, retryBase: h.RetryBase, retryMax: h.RetryMax, giveUpAfter: h.GiveUpAfter}
	}
	return s, nil
}

func hookDefaults(h Hook) Hook {
	if h.Timeout <= 0 {
		h.Timeout = 10 * time.Second
	}
	if h.MaxAttempts <= 0 {
		h.MaxAttempts = 8
	}
	if h.RetryBase <= 0 {
		h.RetryBase = 30 * time.Second
	}
	if h.RetryMax <= 0 {
		h.RetryMax = time.Hour
	}
	h.RetryMax = max(h.RetryMax, h.RetryBase)
	if h.GiveUpAfter <= 0 {
		h.GiveUpAfter = 24 * time.Hour
	}
	return h
}

// Close drops the senders' idle connections.
func (s *WebhookSender) Close() {
	for _, c := range s.clients {
		c.Close()
	}
}

// DeliverDue sends the deliveries that are due now, up to BatchSize, each
// claimed first. A receiver found out of reach in this pass is not tried
// again in it: its other deliveries are deferred at once. The error is
// for failures of the store or ctx; it wraps ErrStore when the store
// could not be written, and the pass stops there.
func (s *WebhookSender) DeliverDue(ctx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Result
	if err := s.held.recordAll(ctx, s.log, "webhook_delivery", s.storeOutcome); err != nil {
		return res, err
	}
	if cr, ok := s.q.(webhookClaimReleaser); ok {
		if err := releaseDeadClaims(ctx, webhookClaims{cr}, s.opts.Owner, s.now(), s.log, "webhook delivery"); err != nil {
			return res, err
		}
	}
	down := map[string]error{} // receivers out of reach in this pass
	for range s.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("outbox: %w", err)
		}
		now := s.now()
		rows, err := s.q.ClaimWebhooks(ctx, s.opts.Owner, now, now.Add(s.lease()), 1)
		if err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("outbox: %w", ctx.Err())
			}
			return res, fmt.Errorf("%w: claiming due webhook deliveries: %w", ErrStore, err)
		}
		if len(rows) == 0 {
			break
		}
		row := rows[0]
		f := s.attempt(ctx, row, down)
		if err := s.record(ctx, row, f, &res); err != nil {
			return res, err
		}
	}
	if len(down) > 0 {
		var errs []error
		for _, err := range down {
			errs = append(errs, err)
		}
		res.Unreachable = errors.Join(errs...)
	}
	return res, nil
}

// attempt posts one claimed delivery to its webhook; nil means delivered.
// Once claimed, a delivery is attempted and its outcome recorded whatever
// ctx does: a shutdown stops the pass before the next claim.
func (s *WebhookSender) attempt(ctx context.Context, row tickets.WebhookDelivery, down map[string]error) *failure {
	h, ok := s.opts.Hooks[row.Webhook]
	if !ok {
		return &failure{text: fmt.Sprintf("webhook %q is not configured (any more): restore it and run `madoguchi webhooks retry`", row.Webhook)}
	}
	if err := down[row.Webhook]; err != nil {
		return &failure{temporary: true, text: err.Error()}
	}
	// A request under way is not cut short by a shutdown: the receiver
	// may act on it, so its answer is waited for (Timeout at most) and
	// recorded, and the event is not sent again after the restart.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.Timeout+time.Second)
	defer cancel()
	// The signature carries the wall clock whatever the sender's clock
	// (run --once --now): a receiver checks it against its own.
	err := s.clients[row.Webhook].Post(pctx, webhook.Delivery{URL: h.URL, Secret: h.Secret, EventID: row.EventID,
		EventType: row.EventType, Body: []byte(row.Body), Now: time.Now()})
	if err == nil {
		return nil
	}
	var we *webhook.Error
	if !errors.As(err, &we) {
		// Not the client's: retrying is the safe side; GiveUpAfter bounds it.
		return &failure{temporary: true, counted: true, text: err.Error()}
	}
	if !we.Reached {
		down[row.Webhook] = err
	}
	return &failure{temporary: we.Temporary, counted: we.Reached, unknown: we.Unknown, notBefore: we.RetryAfter, text: err.Error()}
}

// record decides what one attempt means for its delivery, writes it and
// logs it; an outcome the queue does not take is held (rules.go).
func (s *WebhookSender) record(ctx context.Context, row tickets.WebhookDelivery, f *failure, res *Result) error {
	r, ok := s.rules[row.Webhook]
	if !ok {
		r = rules{peer: "receiver", maxAttempts: 1, retryBase: time.Minute, retryMax: time.Minute, giveUpAfter: time.Nanosecond}
	}
	queued := row.QueuedAt
	if queued.IsZero() {
		queued = row.CreatedAt
	}
	a := r.decide(s.now(), s.opts.Owner, rowState{attempts: row.Attempts, deferrals: row.Deferrals, queued: queued}, f)
	log := s.log.With("delivery", row.ID, "webhook", row.Webhook, "event", row.EventType, "event_id", row.EventID, "ticket", row.TicketRef)
	if f != nil {
		log = log.With("attempts", row.Attempts+btoi(a.Counted), "deferrals", row.Deferrals+btoi(!a.Counted), "error", a.Error)
		if a.Unknown || row.OutcomeUnknown {
			log = log.With("outcome_unknown", true)
		}
	}
	err := s.storeOutcome(ctx, row.ID, a)
	return settle(log, webhookWords, row.ID, a, row.OutcomeUnknown, res, s.held, err)
}

// storeOutcome writes one outcome; one the delivery no longer needs is
// dropped with a warning.
func (s *WebhookSender) storeOutcome(ctx context.Context, id int64, a tickets.Attempt) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	err := s.q.RecordWebhookAttempt(ctx, id, a)
	if errors.Is(err, tickets.ErrNotPending) || errors.Is(err, tickets.ErrNotFound) {
		s.log.Warn("outcome not recorded: the webhook delivery is no longer pending", "delivery", id, "status", a.Status, "error", err)
		return nil
	}
	return err
}

// Run delivers due events until ctx is done: on wake (a commit that queued
// one), at the earliest retry, and at least every Interval; it backs off
// while the store refuses writes.
func (s *WebhookSender) Run(ctx context.Context, wake <-chan struct{}) error {
	r := runner{what: "webhook event", log: s.log, pass: s.DeliverDue, held: s.heldCount, rules: s.store,
		batch: s.opts.BatchSize, interval: s.opts.Interval, now: s.now}
	if nd, ok := s.q.(webhookNextDuer); ok {
		r.next = nd.NextWebhookDue
	}
	return r.run(ctx, wake)
}

func (s *WebhookSender) heldCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// lease is how long a claim on one delivery lasts: the longest request
// and the recording of its outcome, with room to spare.
func (s *WebhookSender) lease() time.Duration {
	longest := 10 * time.Second
	for _, h := range s.opts.Hooks {
		longest = max(longest, h.Timeout)
	}
	return 2*longest + time.Minute
}

func (s *WebhookSender) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}
