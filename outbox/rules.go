package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// The rules every sender of outgoing rows follows, mail over SMTP
// (Sender) and events over HTTP (WebhookSender): a row is claimed before
// it is sent; an attempt the other side answered counts against
// MaxAttempts, one that never reached it (an outage) only against
// GiveUpAfter; the wait after a failure doubles up to RetryMax; an
// attempt that may have reached the other side without its answer marks
// the row unknown; an outcome the store does not take is held and
// recorded before anything else is sent; Run sleeps until the earliest
// retry, and backs off while the store cannot be written.

// rules are the retry policy of one sender.
type rules struct {
	peer        string // "relay", "receiver": who answers an attempt, in the rows' errors
	maxAttempts int
	retryBase   time.Duration
	retryMax    time.Duration
	giveUpAfter time.Duration
}

// failure is a failed attempt, classified by the sender from its error.
type failure struct {
	temporary bool // worth trying again
	counted   bool // the other side answered (or may have acted): counts against maxAttempts
	unknown   bool // it may have the mail or event all the same
	// notBefore: the other side asked not to be tried again sooner
	// (HTTP Retry-After); 0 = the backoff alone decides.
	notBefore time.Duration
	text      string
}

// rowState is what the rules read of a row before the attempt.
type rowState struct {
	attempts, deferrals int
	queued              time.Time // start of giveUpAfter
}

// decide is the outcome of one attempt on a row for owner: sent (f nil),
// try again later, or given up (too many answered attempts, too long in
// the queue, or a permanent failure).
func (r rules) decide(now time.Time, owner string, row rowState, f *failure) tickets.Attempt {
	a := tickets.Attempt{Owner: owner, At: now, Status: tickets.OutSent, Counted: true}
	if f == nil {
		return a
	}
	a.Counted, a.Unknown, a.Error = f.counted, f.unknown, f.text
	attempts := row.attempts
	if a.Counted {
		attempts++
	}
	switch {
	case !f.temporary:
		a.Status = tickets.OutFailed
	case attempts >= r.maxAttempts:
		a.Status = tickets.OutFailed
		a.Error = fmt.Sprintf("gave up after %d attempts the %s answered: %s", attempts, r.peer, a.Error)
	case now.Sub(row.queued) >= r.giveUpAfter:
		a.Status = tickets.OutFailed
		a.Error = fmt.Sprintf("gave up after %s in the queue: %s", r.giveUpAfter, a.Error)
	default:
		a.Status = tickets.OutPending
		a.Next = now.Add(max(r.backoff(attempts+row.deferrals+btoi(!a.Counted)), f.notBefore))
	}
	return a
}

// backoff is the delay after the attempt-th failed attempt: retryBase
// doubled per attempt, capped at retryMax, less up to 20% of jitter so
// rows that failed together do not come back together.
func (r rules) backoff(attempt int) time.Duration {
	d := r.retryBase
	for i := 1; i < attempt && d < r.retryMax; i++ {
		d *= 2
	}
	d = min(d, r.retryMax)
	if j := int64(d / 5); j > 0 {
		d -= time.Duration(rand.Int64N(j + 1))
	}
	return d
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// held are attempts whose outcome the store did not take, by row: until
// they are recorded, nothing else is sent, and their rows are never sent
// again by this process.
type held map[int64]tickets.Attempt

// recordAll records the held outcomes in row order through rec, which
// reports a row no longer pending as done (nil); it stops at the first
// the store refuses, saying what.
func (h held) recordAll(ctx context.Context, log *slog.Logger, what string, rec func(context.Context, int64, tickets.Attempt) error) error {
	ids := slices.Sorted(maps.Keys(h))
	for _, id := range ids {
		a := h[id]
		if err := rec(ctx, id, a); err != nil {
			return fmt.Errorf("%w: %d delivery outcomes still unrecorded, the first of %s %d (%s): %w",
				ErrStore, len(ids), what, id, a.Status, err)
		}
		delete(h, id)
		log.Info("held outcome recorded", what, id, "status", a.Status)
	}
	return nil
}

// words are what a sender's log lines and errors call its rows and what
// became of them.
type words struct {
	noun                                              string // "mail", "webhook delivery"
	sent                                              string
	sentLevel                                         slog.Level
	deferredOutage, deferred, unknown, failed, heldIt string
}

var (
	mailWords = words{noun: "mail", sent: "mail sent", sentLevel: slog.LevelInfo,
		deferredOutage: "mail deferred: the relay was not reached", deferred: "mail deferred",
		unknown: "mail given up; the relay may have delivered it (outcome unknown)", failed: "mail failed",
		heldIt: "outcome not recorded: held in memory, the mail is not sent again by this process"}
	webhookWords = words{noun: "webhook delivery", sent: "webhook event delivered", sentLevel: slog.LevelInfo,
		deferredOutage: "webhook event deferred: the receiver was not reached", deferred: "webhook event deferred",
		unknown: "webhook event given up; the receiver may have it (outcome unknown)", failed: "webhook event failed",
		heldIt: "outcome not recorded: held in memory, the event is not sent again by this process"}
)

// settle counts the outcome a of row id in res and logs it (rowUnknown:
// an earlier attempt may have reached the other side); err is the store's
// answer to recording it: an outcome it did not take is held, and the
// error wraps ErrStore.
func settle(log *slog.Logger, w words, id int64, a tickets.Attempt, rowUnknown bool, res *Result, h held, err error) error {
	switch {
	case a.Status == tickets.OutSent:
		res.Sent++
		log.Log(context.Background(), w.sentLevel, w.sent)
	case a.Status == tickets.OutPending && !a.Counted:
		res.Retried++
		log.Warn(w.deferredOutage, "next_attempt", a.Next)
	case a.Status == tickets.OutPending:
		res.Retried++
		log.Warn(w.deferred, "next_attempt", a.Next)
	case a.Unknown || rowUnknown:
		res.Unknown++
		log.Error(w.unknown)
	default:
		res.Failed++
		log.Error(w.failed)
	}
	if err != nil {
		h[id] = a
		log.Error(w.heldIt, "status", a.Status, "store_error", err)
		return fmt.Errorf("%w: recording %s %d as %s: %w", ErrStore, w.noun, id, a.Status, err)
	}
	return nil
}

// storeTimeout bounds the recording of one outcome: the attempt has
// happened, so a shutdown arriving now must not keep its outcome from the
// queue, or a delivered row would be sent again.
const storeTimeout = 30 * time.Second

func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// runner is the loop of Run, the same for every sender: pass delivers
// what is due; next tells when the earliest pending row is due (zero when
// none, nil when the queue cannot tell).
type runner struct {
	what     string // "mail", "webhook": names the sender in its log lines
	log      *slog.Logger
	pass     func(ctx context.Context) (Result, error)
	next     func(ctx context.Context) (time.Time, error)
	held     func() int
	rules    rules
	batch    int
	interval time.Duration
	now      func() time.Time
}

// run delivers due rows until ctx is done. It wakes on wake, at the
// earliest retry when the queue can tell it, and at least every interval.
// After a pass that failed (the store cannot be written) it logs the error
// and waits at least retryBase, doubling up to retryMax, wakes or not.
func (r runner) run(ctx context.Context, wake <-chan struct{}) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
			if failures > 0 {
				continue // still backing off: the timer decides
			}
		case <-timer.C:
		}
		res, err := r.pass(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			wait := r.rules.backoff(failures)
			r.log.Error("outbox stopped: no "+r.what+" is sent until the store takes writes again",
				"error", err, "held", r.held(), "retry_in", wait)
			timer.Reset(wait)
			continue
		}
		if failures > 0 {
			r.log.Info("outbox resumed: the store takes writes again")
		}
		failures = 0
		if res.rows() > 0 {
			r.log.Info("outbox pass", "sent", res.Sent, "retried", res.Retried, "failed", res.Failed, "unknown", res.Unknown)
		}
		timer.Reset(r.untilNext(ctx, res))
	}
}

// untilNext is how long run may sleep: until the earliest pending row, at
// most interval; at once again when the batch was full.
func (r runner) untilNext(ctx context.Context, res Result) time.Duration {
	if res.rows() >= r.batch {
		return 0
	}
	d := r.interval
	if r.next != nil {
		next, err := r.next(ctx)
		if err == nil && !next.IsZero() {
			d = min(d, max(next.Sub(r.now()), 0))
		}
	}
	return d
}

// releaseDeadClaims ends the claims of dead senders on this machine (and,
// on PostgreSQL, of gateways known gone on any machine), so a gateway
// restarted after a crash, or another one, sends at once what the dead one
// held.
func releaseDeadClaims(ctx context.Context, cr claimReleaser, self string, now time.Time, log *slog.Logger, what string) error {
	holders, err := cr.ClaimHolders(ctx, now)
	if err != nil {
		log.Warn("cannot list the senders holding claims", "error", err)
		return nil
	}
	hc, _ := cr.(holderChecker)
	for _, h := range holders {
		if h == self {
			continue
		}
		dead := deadHolder(h)
		if !dead && hc != nil {
			// A gateway of another machine, known gone (PostgreSQL).
			if d, known, err := hc.ClaimHolderDead(ctx, h); err == nil && known {
				dead = d
			}
		}
		if !dead {
			continue
		}
		n, err := cr.ReleaseClaims(ctx, h)
		if err != nil {
			return fmt.Errorf("%w: ending the claims of dead sender %s: %w", ErrStore, h, err)
		}
		log.Warn("claims of a sender that died ended; its "+what+" is sent now, maybe a second time", "dead_owner", h, what+"s", n)
	}
	return nil
}
