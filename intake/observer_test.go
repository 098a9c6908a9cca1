package intake

import (
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// watcher is an Observer that hands each observation to the test.
type watcher struct {
	seen chan string
}

func newWatcher() *watcher { return &watcher{seen: make(chan string, 100)} }

func (w *watcher) Connected(up bool) {
	if up {
		w.seen <- "up"
	} else {
		w.seen <- "down"
	}
}

func (w *watcher) Polled(at time.Time) {
	if time.Since(at) > time.Minute || at.After(time.Now()) {
		w.seen <- "polled at a wrong time"
		return
	}
	w.seen <- "polled"
}

// next waits for the next observation.
func (w *watcher) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-w.seen:
		return s
	case <-time.After(pollerWait):
		t.Fatal("timed out waiting for the poller's observer")
		return ""
	}
}

// The observer hears the connection come up, each completed pass once
// the pass's mail is stored and filed, the connection drop, and the next
// connection's passes.
func TestRun_ObserverHearsTheConnectionAndEachCompletedPass(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1)
	sink := newRecordingSink()
	w := newWatcher()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.PollInterval = time.Hour; o.Observer = w })
	stop := runPoller(t, p)
	if got := w.next(t); got != "up" {
		t.Fatalf("first observation %q, want up", got)
	}
	if got := w.next(t); got != "polled" {
		t.Fatalf("then %q, want polled", got)
	}
	if _, ok := sink.storedAt(sinkKey{"INBOX", mustUIDValidity(t, s), 1}); !ok {
		t.Error("a pass was reported before its mail was stored")
	}
	s.DropConnections()
	if got := w.next(t); got != "down" {
		t.Fatalf("after the drop %q, want down", got)
	}
	for _, want := range []string{"up", "polled"} {
		if got := w.next(t); got != want {
			t.Fatalf("after reconnecting %q, want %q", got, want)
		}
	}
	stop()
	if got := w.next(t); got != "down" {
		t.Fatalf("after the stop %q, want down", got)
	}
}

// A refused login is a connection that never came up, and no pass.
func TestRunOnce_ObserverHearsARefusedLoginAsDown(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	w := newWatcher()
	p := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.Password = "wrong"; o.Observer = w })
	if _, err := p.RunOnce(t.Context()); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if got := w.next(t); got != "down" {
		t.Errorf("observed %q, want down", got)
	}
	if len(w.seen) != 0 {
		t.Errorf("observed more: %q", <-w.seen)
	}
}

func mustUIDValidity(t *testing.T, s *mailserver.IMAPServer) uint32 {
	t.Helper()
	uv, err := s.UIDValidity("INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return uv
}
