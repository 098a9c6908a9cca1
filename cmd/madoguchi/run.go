package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/outbox"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/web"
)

func newRunCmd(g *globals) *cobra.Command {
	var once bool
	var nowFlag string
	cmd := &cobra.Command{
		Use:   "run [--once [--now TIMESTAMP]]",
		Short: "Run the gateway until SIGINT/SIGTERM (or once with --once)",
		Long: `run polls the support mailboxes (IDLE where the server has it), records every
mail, opens or updates tickets, and delivers the outgoing mail, until it gets
SIGINT or SIGTERM; then it finishes the batch at hand and stops. Each mailbox
([[mailboxes]], or the one of [imap]) has a poller of its own, with its own
connection, IDLE and backoff: one that fails (a refused login, a server
down) is logged with its name and retried without stopping the others. It applies
the due timers every minute, and delivers mail as soon as it is queued: by
itself, or by an admin command in another process (tickets reply, outbox
retry, faq add …), which wakes it through the pipe STORE.wake beside the
database (PostgreSQL: NOTIFY). run first brings the store's schema up to
date (madoguchi migrate).

With --once it fetches and handles all waiting mail of every mailbox,
applies all due timers (closing resolved tickets, SLA reminders and
breaches, tier escalation; several reminders and breaches to one address go
as one digest), delivers the due outgoing mail, and exits 0. A mailbox that
cannot be read does not keep the others from being handled, nor the timers
and the mail from going out; then it exits 3 naming that mailbox. It exits
non-zero with a clear message when a server cannot be reached or refuses
the login (3), when the
configuration is bad (2), when another run holds the store (4), or when the
store cannot be written (1): then delivery stops at once, and a mail
delivered but not recorded as sent may go out once more at the next run.

With [store] driver = "postgres" several gateways run on one database,
each with its own FAQ index directory: one polls each mailbox at a time
(the others stand by and take over within seconds when it dies), one runs
the timers, any delivers the outgoing mail (each row claimed by one), and
an FAQ change made on one reaches the index of every other at once.

With [web] listen set, run also serves the console (the queue, tickets,
FAQ and reports in a browser), the JSON API under /api/v1/ (tokens from
madoguchi web token create), /metrics (to a token of scope metrics or read),
/healthz and /readyz until it stops; with [metrics] listen, /metrics,
/healthz and /readyz also on a listener of their own, without a token.
run --once serves none of them.

--now TIMESTAMP (RFC 3339, with --once) runs the whole pass as if it were
that instant: timers due by then fire, and what is recorded carries that
time. For tests and replays; never earlier than what the store holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			var clock func() time.Time
			if nowFlag != "" {
				if !once {
					return usageErr("--now works only with --once")
				}
				at, err := time.Parse(time.RFC3339, nowFlag)
				if err != nil {
					return usageErr("--now %q: want an RFC 3339 time such as 2026-12-01T09:30:00+09:00", nowFlag)
				}
				clock = func() time.Time { return at }
			}
			a, err := openGateway(cmd.Context(), cfg, gatewayLogger(cfg.Log, cmd.ErrOrStderr()), clock)
			if err != nil {
				return err
			}
			defer a.close()
			if once {
				return a.runOnce(cmd.Context())
			}
			return a.run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "handle all waiting mail, apply due timers, deliver due mail, then exit")
	cmd.Flags().StringVar(&nowFlag, "now", "", "with --once: run as if at this instant (RFC 3339), for tests and replays")
	return cmd
}

// runOnce is one full pass: mail in, timers, mail out. A mailbox whose
// server cannot be reached still fails the run, but only after the other
// mailboxes, the due timers and the queued mail were handled: they do not
// depend on it.
func (a *app) runOnce(ctx context.Context) error {
	n, failed := a.pollAll(ctx)
	if len(failed) > 0 && ctx.Err() != nil {
		return a.pollErr(failed)
	}
	if err := a.tickOnce(ctx); err != nil {
		return err
	}
	// Deliver batch after batch until a pass leaves nothing due now.
	var total outbox.Result
	for {
		res, err := a.sender.DeliverDue(ctx)
		if errors.Is(err, outbox.ErrStore) {
			return &exitError{code: 1, err: fmt.Errorf("store %s: %w; delivery stopped after %d mails sent",
				storeName(a.cfg.Store), err, total.Sent+res.Sent)}
		}
		if err != nil {
			return serverErr("SMTP", a.cfg.SMTP.Address, err)
		}
		total.Sent, total.Retried, total.Failed, total.Unknown = total.Sent+res.Sent, total.Retried+res.Retried, total.Failed+res.Failed, total.Unknown+res.Unknown
		if res.Unreachable != nil {
			// The mail stays queued for the next run; say so loudly. The
			// outbox's error names the relay's address.
			return &exitError{code: 3, err: fmt.Errorf("SMTP relay: %w; %d %s queued for the next run",
				res.Unreachable, res.Retried, plural(res.Retried, "mail stays", "mails stay"))}
		}
		if res.Sent+res.Retried+res.Failed+res.Unknown == 0 {
			break
		}
	}
	if err := a.deliverWebhooks(ctx); err != nil {
		return err
	}
	if len(failed) > 0 {
		return a.pollErr(failed)
	}
	a.log.Info("run --once done", "received", n, "sent", total.Sent, "retried", total.Retried, "failed", total.Failed, "unknown", total.Unknown)
	return nil
}

// tickOnce applies every due timer and sends the digest, unless another
// gateway runs the timers (PostgreSQL).
func (a *app) tickOnce(ctx context.Context) error {
	h, err := a.gw.HoldTimers(ctx, false)
	if errors.Is(err, tickets.ErrHeld) {
		a.log.Info("another gateway runs the timers; not applied")
		_, err := a.desk.SyncIndex(ctx)
		return err
	}
	if err != nil {
		return err
	}
	defer h.Release()
	for {
		res, err := a.desk.Tick(ctx)
		if err != nil {
			return err
		}
		if !res.More {
			break
		}
	}
	_, err = a.desk.SendDigest(ctx)
	return err
}

// deliverWebhooks sends the due webhook events, batch after batch, for
// run --once. A receiver out of reach is warned of and its events stay
// queued: webhooks never fail the run (the mail is its business).
func (a *app) deliverWebhooks(ctx context.Context) error {
	if a.hooks == nil {
		return nil
	}
	var total outbox.Result
	for {
		res, err := a.hooks.DeliverDue(ctx)
		if errors.Is(err, outbox.ErrStore) {
			return &exitError{code: 1, err: fmt.Errorf("store %s: %w; webhook delivery stopped after %d events sent", storeName(a.cfg.Store), err, total.Sent+res.Sent)}
		}
		if err != nil {
			return err
		}
		total.Sent, total.Retried, total.Failed, total.Unknown = total.Sent+res.Sent, total.Retried+res.Retried, total.Failed+res.Failed, total.Unknown+res.Unknown
		if res.Unreachable != nil {
			a.log.Warn("webhook receivers out of reach; their events stay queued for the next run", "error", res.Unreachable, "queued", res.Retried)
		}
		if res.Sent+res.Failed+res.Unknown == 0 {
			break // nothing more is due now (deferred events wait for their time)
		}
	}
	if total.Sent+total.Retried+total.Failed+total.Unknown > 0 {
		a.log.Info("webhooks delivered", "sent", total.Sent, "retried", total.Retried, "failed", total.Failed, "unknown", total.Unknown)
	}
	return nil
}

// run keeps the poller, the sender and the timers going until ctx ends;
// each goroutine has this function as its owner and is waited for.
// The sender is woken by the desk's commits and the timers tick every
// minute; a commit of another process (an admin's `tickets reply`, `faq
// add`) wakes both at once through the store's wake pipe.
func (a *app) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	others, err := a.gw.Wakes()
	if err != nil {
		return err
	}
	// [metrics] listen is bound before anything runs: a port in use fails
	// run at once.
	var ops *web.Server
	var opsLn net.Listener
	if a.cfg.Metrics.Listen != "" || a.opsListener != nil {
		if ops, err = a.consoleServer(); err != nil {
			return err
		}
		if opsLn, err = a.metricsListener(); err != nil {
			return err
		}
	}
	sendNow, tickNow, hookNow := make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{}, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 5+len(a.pollers))
	wg.Add(3 + len(a.pollers))
	a.gw.ShareMailboxes(len(a.pollers))
	if faq := a.gw.FAQChanges(); faq != nil {
		// Another gateway (or an admin) changed the FAQ: this node's index
		// takes it at once, by the version number (SyncIndex).
		wg.Go(func() { a.followFAQ(ctx, faq) })
	}
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-a.desk.Wake():
				nudge(sendNow)
			case <-a.store.WebhookWake():
				nudge(hookNow)
			case <-others:
				nudge(sendNow)
				nudge(tickNow)
				nudge(hookNow)
			}
		}
	}()
	if a.hooks != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.hooks.Run(ctx, hookNow); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("webhooks: %w", err)
				cancel()
			}
		}()
	}
	if a.cfg.Web.Listen != "" || a.webListener != nil {
		srv, ln, err := a.console()
		if err != nil {
			if opsLn != nil {
				opsLn.Close()
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ctx, ln); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("console: %w", err)
				cancel()
			}
		}()
	}
	if ops != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ops.ServeOps(ctx, opsLn); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("metrics: %w", err)
				cancel()
			}
		}()
	}
	for _, p := range a.pollers {
		// Each mailbox's poller reconnects with its own backoff: one that
		// fails (logged with its name) holds up none of the others.
		go func() {
			defer wg.Done()
			if err := a.poll(ctx, p); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("poller of mailbox %s: %w", p.name, err)
				cancel()
			}
		}()
	}
	go func() {
		defer wg.Done()
		if err := a.sender.Run(ctx, sendNow); err != nil && ctx.Err() == nil {
			errs <- fmt.Errorf("outbox: %w", err)
			cancel()
		}
	}()
	timers := a.holdTimers(ctx, &wg)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if !timers.Load() {
				// Another gateway runs the timers; this one keeps its FAQ
				// index current all the same.
				if _, err := a.desk.SyncIndex(ctx); err != nil && ctx.Err() == nil {
					a.log.Error("FAQ index sync failed", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				case <-tickNow:
				}
				continue
			}
			res, err := a.desk.Tick(ctx)
			if err != nil && ctx.Err() == nil {
				a.log.Error("tick failed", "err", err)
			}
			if err == nil && res.More && ctx.Err() == nil {
				continue // a backlog of due timers: the next batches at once
			}
			if _, err := a.desk.SendDigest(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("digest failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-tickNow:
			}
		}
	}()
	for _, m := range a.cfg.EffectiveMailboxes() {
		a.log.Info("madoguchi reads a mailbox", "mailbox", m.Name, "imap", m.Address, "folder", m.Mailbox, "support_address", m.BareSupportAddress())
	}
	a.log.Info("madoguchi running", "mailboxes", len(a.pollers), "smtp", a.cfg.SMTP.Address, "webhooks", len(a.cfg.Webhooks))
	wg.Wait()
	close(errs)
	err = <-errs
	if err == nil {
		a.log.Info("madoguchi stopped")
	}
	return err
}

// poll runs a mailbox's poller while this gateway holds the mailbox. On
// SQLite it always does; on PostgreSQL one gateway polls a mailbox at a
// time, and the others stand by until it is gone (killed, cut off), then
// one takes over and resumes from the stored UIDs. A hold lost (this
// gateway's lock connection failed) stops the poller at once, before
// another gateway can take the mailbox. The gateways share the mailboxes
// (tickets.Gateway.ShareMailboxes): one holding more than its share hands
// the surplus over after the batch at hand.
func (a *app) poll(ctx context.Context, p mailboxPoller) error {
	standby := false
	for {
		var h *tickets.Hold
		var err error
		if !standby {
			h, err = a.gw.HoldMailbox(ctx, p.name, false)
			if errors.Is(err, tickets.ErrHeld) {
				a.log.Info("mailbox polled by another gateway; standing by", "mailbox", p.name)
				standby = true
			}
		}
		if standby {
			if h, err = a.gw.HoldMailbox(ctx, p.name, true); err == nil {
				a.log.Info("mailbox taken over", "mailbox", p.name)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		pctx, stop := context.WithCancel(ctx)
		go func() {
			select {
			case <-h.Lost():
				stop()
			case <-h.Surplus():
				stop()
			case <-pctx.Done():
			}
		}()
		err = p.poller.Run(pctx)
		stop()
		h.Release()
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-h.Lost():
			a.log.Warn("lost the mailbox's lock (the database connection failed): polling stopped until it is held again", "mailbox", p.name)
		case <-h.Surplus():
			a.log.Info("mailbox handed over to share the polling with the other gateways", "mailbox", p.name)
		default:
			return err
		}
		standby = true
	}
}

// holdTimers keeps trying to be the gateway that runs the timers (once
// cluster-wide on PostgreSQL; always the one on SQLite) and reports
// whether it is.
func (a *app) holdTimers(ctx context.Context, wg *sync.WaitGroup) *atomic.Bool {
	var held atomic.Bool
	h, err := a.gw.HoldTimers(ctx, false)
	if err == nil {
		held.Store(true)
	}
	wg.Go(func() {
		for {
			if h == nil {
				var err error
				if h, err = a.gw.HoldTimers(ctx, true); err != nil {
					return // ctx ended
				}
				held.Store(true)
				a.log.Info("this gateway runs the timers now")
			}
			select {
			case <-ctx.Done():
				held.Store(false)
				h.Release()
				return
			case <-h.Lost():
				a.log.Warn("lost the timers' lock (the database connection failed)")
			}
			held.Store(false)
			h.Release()
			h = nil
		}
	})
	return &held
}

// followFAQ brings this gateway's FAQ index up to date whenever the FAQ
// changed in the database (PostgreSQL's notification).
func (a *app) followFAQ(ctx context.Context, changed <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		rebuilt, err := a.desk.SyncIndex(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Error("FAQ index sync failed", "err", err)
		} else if rebuilt {
			a.log.Info("FAQ index brought up to date with the database")
		}
	}
}

// pollFailure is one mailbox's failed pass.
type pollFailure struct {
	name, address string
	err           error
}

// pollAll runs one pass over every mailbox, each on its own connection at
// the same time, and returns how many mails were handled and the mailboxes
// that failed; the others are handled whatever those do.
func (a *app) pollAll(ctx context.Context) (int, []pollFailure) {
	var wg sync.WaitGroup
	counts := make([]int, len(a.pollers))
	errs := make([]error, len(a.pollers))
	for i, p := range a.pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A mailbox another gateway polls is its to read.
			h, err := a.gw.HoldMailbox(ctx, p.name, false)
			if errors.Is(err, tickets.ErrHeld) {
				a.log.Info("mailbox polled by another gateway; not read", "mailbox", p.name)
				return
			}
			if err != nil {
				errs[i] = err
				return
			}
			defer h.Release()
			counts[i], errs[i] = p.poller.RunOnce(ctx)
		}()
	}
	wg.Wait()
	n := 0
	var failed []pollFailure
	for i, p := range a.pollers {
		n += counts[i]
		if errs[i] != nil {
			a.log.Error("mailbox not read", "mailbox", p.name, "imap", p.address, "err", errs[i])
			failed = append(failed, pollFailure{name: p.name, address: p.address, err: errs[i]})
		}
	}
	return n, failed
}

// pollErr is the error of a pass in which mailboxes failed: exit 3 when
// every failure is a server's (unreachable, login refused), each named
// by its mailbox when there are several; a failure of anything else
// (the store) exits 1.
func (a *app) pollErr(failed []pollFailure) error {
	code := 3
	var errs []error
	for _, f := range failed {
		err := serverErr("IMAP", f.address, f.err)
		if ee, ok := err.(*exitError); ok {
			err = ee.err
		} else {
			code = 1
		}
		if !a.cfg.Shorthand() {
			err = fmt.Errorf("mailbox %s: %w", f.name, err)
		}
		errs = append(errs, err)
	}
	return &exitError{code: code, err: errors.Join(errs...)}
}

// nudge sets c without waiting: one pending signal is enough.
func nudge(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// serverErr gives a server's error its exit code (3) and what the cause
// does not say already. intake's errors say what failed and, for a
// connection, where (the dial error names the address); a refused login
// does not name the server, so the address is added there.
func serverErr(proto, addr string, err error) error {
	switch {
	case errors.Is(err, intake.ErrAuth):
		return &exitError{code: 3, err: fmt.Errorf("%s server %s: %w", proto, addr, err)}
	case errors.Is(err, intake.ErrConnect):
		return &exitError{code: 3, err: err}
	}
	return err
}
