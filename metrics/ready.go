package metrics

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/outbox"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the observers of the pollers and the sender: what they
// report sets the connection gauges, the delivery counters, and the
// readiness of each.

// Mailbox observes one mailbox's poller. Its readiness: a pass over the
// mailbox completed within the poll interval, with as much again (at
// least a minute) for the pass itself.
type Mailbox struct {
	m        *Metrics
	name     string
	interval time.Duration

	mu       sync.Mutex
	started  time.Time
	lastPoll time.Time
	up       bool
}

var _ intake.Observer = (*Mailbox)(nil)

// Mailbox is the observer of the poller of the mailbox named name (a
// bounded name from the configuration: the label of its series), which
// polls every interval (imap.poll_interval; the IDLE watchdog's period).
// Asking twice for one name gives one observer.
func (m *Metrics) Mailbox(name string, interval time.Duration) *Mailbox {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mb := m.mailboxes[name]; mb != nil {
		return mb
	}
	mb := &Mailbox{m: m, name: name, interval: interval, started: m.opts.Now()}
	m.mailboxes[name] = mb
	for _, d := range dispositions {
		m.mailsFetched.WithLabelValues(name, d)
	}
	m.imapConnected.WithLabelValues(name).Set(0)
	m.imapLastPoll.WithLabelValues(name).Set(0)
	return mb
}

// Name is the mailbox's name.
func (mb *Mailbox) Name() string { return mb.name }

// Connected implements intake.Observer.
func (mb *Mailbox) Connected(up bool) {
	mb.mu.Lock()
	mb.up = up
	mb.mu.Unlock()
	v := 0.0
	if up {
		v = 1
	}
	mb.m.imapConnected.WithLabelValues(mb.name).Set(v)
}

// Polled implements intake.Observer.
func (mb *Mailbox) Polled(at time.Time) {
	mb.mu.Lock()
	mb.lastPoll = at
	mb.mu.Unlock()
	mb.m.imapLastPoll.WithLabelValues(mb.name).Set(float64(at.UnixNano()) / 1e9)
}

// grace is how long after its last pass a mailbox still counts as polled.
func (mb *Mailbox) grace() time.Duration { return mb.interval + max(mb.interval, time.Minute) }

// Ready says why the mailbox is not ready (a pass is overdue), or nil.
func (mb *Mailbox) Ready() error {
	mb.mu.Lock()
	last, up, started := mb.lastPoll, mb.up, mb.started
	mb.mu.Unlock()
	now := mb.m.opts.Now()
	connection := "connected"
	if !up {
		connection = "not connected"
	}
	if last.IsZero() {
		return fmt.Errorf("mailbox %s: not polled yet since the start %s ago (%s)", mb.name, round(now.Sub(started)), connection)
	}
	if age := now.Sub(last); age > mb.grace() {
		return fmt.Errorf("mailbox %s: last good poll %s ago, more than its poll interval of %s allows (%s)", mb.name, round(age), mb.interval, connection)
	}
	return nil
}

// Delivery observes the outbox's sender. Its readiness: the relay was
// reached at the last try, or has been out of reach for less than the
// sender's first backoff (smtp.retry_base): it is tried again before then.
type Delivery struct {
	m       *Metrics
	backoff time.Duration

	mu        sync.Mutex
	downSince time.Time // zero while the relay is reachable
}

var _ outbox.Observer = (*Delivery)(nil)

// Delivery is the observer of the sender, whose first backoff is backoff.
func (m *Metrics) Delivery(backoff time.Duration) *Delivery {
	return &Delivery{m: m, backoff: backoff}
}

// Attempted implements outbox.Observer.
func (d *Delivery) Attempted(result, class string) {
	d.m.attempts.WithLabelValues(result).Inc()
	if class != "" {
		d.m.failures.WithLabelValues(class).Inc()
	}
}

// Relay implements outbox.Observer.
func (d *Delivery) Relay(reachable bool, at time.Time) {
	d.mu.Lock()
	switch {
	case reachable:
		d.downSince = time.Time{}
	case d.downSince.IsZero():
		d.downSince = at
	}
	d.mu.Unlock()
	v := 0.0
	if reachable {
		v = 1
	}
	d.m.relayUp.Set(v)
}

// errRelay says the relay is out of reach.
var errRelay = errors.New("relay unreachable")

// Ready says why delivery is not ready (the relay has been out of reach
// too long), or nil.
func (d *Delivery) Ready() error {
	d.mu.Lock()
	since := d.downSince
	d.mu.Unlock()
	if since.IsZero() {
		return nil
	}
	if down := d.m.opts.Now().Sub(since); down > d.backoff {
		return fmt.Errorf("%w for %s, longer than its backoff of %s", errRelay, round(down), d.backoff)
	}
	return nil
}

// round is a duration to the second, as a person reads it.
func round(d time.Duration) time.Duration { return d.Round(time.Second) }

// openStatuses are the statuses of the tickets not closed.
var openStatuses = func() []tickets.Status {
	var out []tickets.Status
	for _, s := range tickets.Statuses {
		if s != tickets.StatusClosed {
			out = append(out, s)
		}
	}
	return out
}()
