package outbox

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/tickets"
)

// noted is an Observer that writes down what it hears.
type noted struct {
	mu   sync.Mutex
	list []string
}

func (n *noted) Attempted(result, class string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, strings.TrimSpace("attempt "+result+" "+class))
}

func (n *noted) Relay(reachable bool, at time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	state := "down"
	if reachable {
		state = "up"
	}
	n.list = append(n.list, "relay "+state+" "+at.Format(time.TimeOnly))
}

func (n *noted) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.list
	n.list = nil
	return out
}

// Each attempt is heard with what it came to and, when it failed, why;
// each connection with whether the relay was reached, at the sender's
// time.
func TestObserver_HearsEachAttemptAndItsClassOfFailure(t *testing.T) {
	obs := &noted{}
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) {
		o.Observer, o.MaxAttempts, o.Timeout = obs, 2, 500*time.Millisecond
	})
	n := 0
	row := func(subject string) tickets.Outgoing {
		n++
		o := row(subject)
		o.MessageID = fmt.Sprintf("obs%d@desk.example.com", n)
		return o
	}
	hour := func(n int) string { return "relay up " + start.Add(time.Duration(n)*time.Hour).Format(time.TimeOnly) }
	f.srv.FailNext(451, "4.3.0", "busy", 1)
	f.add(t, row("one"))
	f.deliver(t) // one: 451
	f.clock.Advance(time.Hour)
	f.deliver(t) // one: sent
	f.srv.FailNext(550, "5.1.1", "no such user", 1)
	f.add(t, row("two"))
	f.deliver(t) // two: 550
	f.srv.HoldNext(mailserver.AfterDataEnd, 2)
	f.add(t, row("three"))
	f.deliver(t) // three: no answer after DATA
	f.clock.Advance(time.Hour)
	f.deliver(t) // three: again, and given up (max_attempts 2)
	f.srv.ReleaseHeld()
	// Each pass dials once.
	want := []string{
		hour(0), "attempt retry temporary",
		hour(1), "attempt sent",
		hour(1), "attempt failed permanent",
		hour(1), "attempt retry unknown",
		hour(2), "attempt unknown unknown",
	}
	if got := obs.take(); !slices.Equal(got, want) {
		t.Errorf("heard\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A relay that cannot be reached is heard as down, and the mail as a
// connection failure to be retried.
func TestObserver_HearsAnUnreachableRelay(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &clock{t: start}
	obs := &noted{}
	q := openStore(t, filepath.Join(t.TempDir(), "m.db"), c.Now)
	s, err := New(Options{Address: addr, Security: config.SecurityInsecure, From: "support@example.com", Timeout: time.Second, Now: c.Now, Observer: obs}, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	add(t, q, row("one"))
	b := row("two")
	b.MessageID = "two@desk.example.com"
	add(t, q, b)
	if _, err := s.DeliverDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"relay down " + start.Format(time.TimeOnly), "attempt retry connection", "attempt retry connection"}
	if got := obs.take(); !slices.Equal(got, want) {
		t.Errorf("heard %v, want %v (one dial, two deferrals)", got, want)
	}
}
