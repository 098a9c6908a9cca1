package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/testutils"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// errDiskFull stands for SQLite's "database or disk is full".
var errDiskFull = errors.New("injected fault: database or disk is full")

// faultyQueue is the real store with an injected fault: while fail is set,
// no outcome can be recorded, as on a full disk. Claims still succeed,
// the worst case: the sender may deliver, and then cannot say so.
type faultyQueue struct {
	*tickets.Store
	fail    atomic.Bool
	refused chan struct{} // one value per refused write, when someone listens
}

func newFaultyQueue(st *tickets.Store) *faultyQueue {
	return &faultyQueue{Store: st, refused: make(chan struct{}, 1000)}
}

func (q *faultyQueue) RecordAttempt(ctx context.Context, id int64, a tickets.Attempt) error {
	if q.fail.Load() {
		select {
		case q.refused <- struct{}{}:
		default:
		}
		return fmt.Errorf("tickets: commit: %w", errDiskFull)
	}
	return q.Store.RecordAttempt(ctx, id, a)
}

// copies counts the mails the server received per Message-ID.
func copies(t *testing.T, srv *mailserver.SMTPServer) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range srv.Received() {
		p := parse(t, r.Data)
		id, err := p.header.MessageID()
		if err != nil {
			t.Fatal(err)
		}
		n[id]++
	}
	return n
}

func rows(n int) []tickets.Outgoing {
	out := make([]tickets.Outgoing, n)
	for i := range out {
		out[i] = row(fmt.Sprintf("Printer %d", i))
		out[i].MessageID = fmt.Sprintf("ack.%d@desk.example.com", i)
	}
	return out
}

// Issue 7, item 1: a delivered mail whose "sent" cannot be recorded is not
// delivered again by this process, however often it tries; once the store
// takes writes again the held outcome is recorded first.
func TestDeliverDue_UnrecordedOutcomeIsNeverDeliveredAgain(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	q := newFaultyQueue(f.store)
	s, err := New(f.sender.opts, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 3)
	for i, o := range rows(3) {
		ids[i] = f.add(t, o)
	}
	q.fail.Store(true)
	res, err := s.DeliverDue(context.Background())
	if !errors.Is(err, ErrStore) || !errors.Is(err, errDiskFull) {
		t.Fatalf("pass on a full store: %v, want ErrStore wrapping the cause", err)
	}
	if res.Sent != 1 {
		t.Fatalf("first pass %+v: want the first mail delivered, then the pass stopped", res)
	}
	for range 10 {
		f.clock.Advance(time.Hour)
		if _, err := s.DeliverDue(context.Background()); !errors.Is(err, ErrStore) {
			t.Fatalf("pass while the store is still full: %v", err)
		}
	}
	if got := copies(t, f.srv); len(f.srv.Received()) != 1 || got["ack.0@desk.example.com"] != 1 {
		t.Fatalf("after 11 passes on a full store the server has %v, want one copy of the first mail", got)
	}

	q.fail.Store(false)
	if res, err := s.DeliverDue(context.Background()); err != nil || res.Sent != 2 {
		t.Fatalf("pass after the store recovered: %+v %v", res, err)
	}
	for id, n := range copies(t, f.srv) {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	for _, id := range ids {
		if o := f.get(t, id); o.Status != tickets.OutSent || o.ClaimedBy != "" {
			t.Errorf("row %d: %s claimed by %q, want sent and unclaimed", id, o.Status, o.ClaimedBy)
		}
	}
}

// The outcome held in memory dies with the process: the next sender
// delivers that mail once more (after the dead one's claim expired), and
// never a third time.
func TestDeliverDue_UnrecordedOutcomeAcrossARestartIsAtMostTwice(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	q := newFaultyQueue(f.store)
	dying, err := New(f.sender.opts, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := f.add(t, rows(1)[0])
	q.fail.Store(true)
	if _, err := dying.DeliverDue(context.Background()); !errors.Is(err, ErrStore) {
		t.Fatalf("want ErrStore, got %v", err)
	}
	q.fail.Store(false) // the disk has room again, and the process is gone

	opts := f.sender.opts
	opts.Owner = "next-process"
	next, err := New(opts, f.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := next.DeliverDue(context.Background()); err != nil || res.rows() != 0 {
		t.Fatalf("while the dead sender's claim runs: %+v %v, want nothing", res, err)
	}
	f.clock.Advance(dying.lease())
	for range 5 {
		if _, err := next.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
	}
	if n := copies(t, f.srv)["ack.0@desk.example.com"]; n != 2 {
		t.Fatalf("delivered %d times, want 2 (once per process)", n)
	}
	if o := f.get(t, first); o.Status != tickets.OutSent {
		t.Fatalf("status %s, want sent", o.Status)
	}
}

// lockedBuffer is a log sink Run's goroutine may write while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Run on a store that cannot be written stops delivering, says so in the
// error log, tries again after RetryBase (not at once), and resumes when
// the store recovers; each mail arrives once.
func TestRun_StoreFaultStopsDeliveryAndSaysSo(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) {
		o.Now, o.RetryBase, o.RetryMax, o.Interval = nil, 20*time.Millisecond, 50*time.Millisecond, time.Hour
	})
	q := newFaultyQueue(f.store)
	var logs lockedBuffer
	s, err := New(f.sender.opts, q, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rows(3) {
		f.add(t, o)
	}
	q.fail.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wake := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, wake) }()
	// Five refused writes: the first outcome, then four passes that tried
	// to record it again, each after a backoff; wakes do not cut it short.
	for i := range 5 {
		select {
		case <-q.refused:
		case <-ctx.Done():
			t.Fatalf("only %d refused writes", i)
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	if n := len(f.srv.Received()); n != 1 {
		t.Fatalf("server received %d mails while the store was full, want 1", n)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "the store cannot be written") {
		t.Fatalf("the log does not say the store cannot be written:\n%s", l)
	}
	q.fail.Store(false)
	if _, err := f.srv.Wait(ctx, 3); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for id, n := range copies(t, f.srv) {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// passUntilNext runs one pass and moves the clock to the next due time, as
// Run would sleep.
func passUntilNext(t *testing.T, s *Sender, st *tickets.Store, c *clock) Result {
	t.Helper()
	res, err := s.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	next, err := st.NextDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if next.After(c.Now()) {
		c.Advance(next.Sub(c.Now()))
	}
	return res
}

// Issue 7, item 2: a relay down for ten hours (refused connections) costs
// no attempt: with the defaults every mail is still queued, and goes out
// once when the relay is back.
func TestDeliverDue_OutageDoesNotCountAgainstMaxAttempts(t *testing.T) {
	addr := testutils.ClosedAddr(t)
	c := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "m.db"), c.Now)
	s, err := New(Options{Address: addr, Security: config.SecurityInsecure, From: "support@example.com", Timeout: 2 * time.Second, Now: c.Now}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range rows(20) {
		ids = append(ids, add(t, st, o))
	}
	passes := 0
	for c.Now().Sub(start) < 10*time.Hour {
		if res := passUntilNext(t, s, st, c); res.Failed+res.Unknown > 0 {
			t.Fatalf("pass %d at %v gave mail up: %+v", passes, c.Now().Sub(start), res)
		}
		passes++
	}
	for _, id := range ids {
		if o := get(t, st, id); o.Status != tickets.OutPending || o.Attempts != 0 || o.Deferrals < 8 {
			t.Fatalf("after the outage row %d is %s, attempts %d, deferrals %d; want pending with 0 attempts and at least 8 deferrals",
				id, o.Status, o.Attempts, o.Deferrals)
		}
	}
	srv, err := mailserver.StartSMTP(mailserver.SMTPOptions{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c.Advance(time.Hour) // the longest backoff
	var sent int
	for range 5 {
		sent += passUntilNext(t, s, st, c).Sent
	}
	if sent != 20 || len(srv.Received()) != 20 {
		t.Fatalf("after the relay came back: %d sent, %d received, want 20", sent, len(srv.Received()))
	}
	t.Logf("10 h outage, %d passes: 0 of 20 mails given up; all 20 delivered once the relay was back", passes)
}

// Past give_up_after a row that never reached the relay is given up, with
// the reason on the row.
func TestDeliverDue_GiveUpAfterEndsAnOutage(t *testing.T) {
	addr := testutils.ClosedAddr(t)
	c := &clock{t: start}
	st := openStore(t, filepath.Join(t.TempDir(), "m.db"), c.Now)
	s, err := New(Options{Address: addr, Security: config.SecurityInsecure, From: "support@example.com", Timeout: 2 * time.Second,
		GiveUpAfter: 2 * time.Hour, Now: c.Now}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := add(t, st, row("Printer"))
	var failed int
	for range 50 {
		failed += passUntilNext(t, s, st, c).Failed
		if failed > 0 {
			break
		}
	}
	o := get(t, st, id)
	if failed != 1 || o.Status != tickets.OutFailed || c.Now().Sub(start) < 2*time.Hour {
		t.Fatalf("row %s after %v (%d failed)", o.Status, c.Now().Sub(start), failed)
	}
	if !strings.Contains(o.LastError, "gave up after 2h0m0s in the queue") || !strings.Contains(o.LastError, addr) {
		t.Errorf("last error %q does not say why and where", o.LastError)
	}
}

// A relay that takes the connection but never answers MAIL FROM, and a
// name that does not resolve, are outages too: neither counts, even with
// max_attempts = 1.
func TestDeliverDue_NoAnswerToMailFromAndDNSFailureAreDeferrals(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.MaxAttempts, o.Timeout = 1, 500*time.Millisecond })
	f.srv.HoldNext(mailserver.AtMailFrom, 1)
	id := f.add(t, row("Printer"))
	if res := f.deliver(t); res != (Result{Retried: 1}) {
		t.Fatalf("no answer to MAIL FROM: %+v, want deferred", res)
	}
	if o := f.get(t, id); o.Status != tickets.OutPending || o.Attempts != 0 || o.Deferrals != 1 {
		t.Fatalf("row %+v, want pending with one deferral", o)
	}
	f.srv.ReleaseHeld()
	f.clock.Advance(time.Hour)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("next pass: %+v", res)
	}

	dns := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) {
		o.MaxAttempts, o.Timeout, o.Address, o.Security = 1, 2*time.Second, "relay.invalid:587", config.SecurityStartTLS
	})
	id = dns.add(t, row("Printer"))
	if res := dns.deliver(t); res.Unreachable == nil || res.Retried != 1 {
		t.Fatalf("unresolvable relay: %+v", res)
	}
	if o := dns.get(t, id); o.Status != tickets.OutPending || o.Attempts != 0 || o.Deferrals != 1 || !strings.Contains(o.LastError, "relay.invalid") {
		t.Fatalf("row %+v, want pending with one deferral naming the relay", o)
	}
}

// Issue 7, item 3: no answer after the final "." of DATA: the relay may
// hold the mail. The row says so, is retried with the same Message-ID,
// and when it is given up it is "unknown", never "failed".
func TestDeliverDue_TimeoutAfterDataIsUnknownNotFailed(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.Timeout = 500 * time.Millisecond })
	f.srv.HoldNext(mailserver.AfterDataEnd, 1)
	id := f.add(t, row("Printer"))
	if res := f.deliver(t); res != (Result{Retried: 1}) {
		t.Fatalf("stalled after DATA: %+v, want retried", res)
	}
	o := f.get(t, id)
	if o.Status != tickets.OutPending || !o.OutcomeUnknown || o.Attempts != 1 || !strings.Contains(o.LastError, "may hold the mail") {
		t.Fatalf("row after the stall: %+v", o)
	}
	f.srv.ReleaseHeld()
	f.clock.Advance(time.Hour)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("retry: %+v", res)
	}
	if got := copies(t, f.srv); len(got) != 1 || got[o.MessageID] != 2 {
		t.Fatalf("server holds %v, want the one Message-ID twice", got)
	}
	if o := f.get(t, id); o.Status != tickets.OutSent {
		t.Fatalf("status %s, want sent", o.Status)
	}

	once := newFixture(t, mailserver.SMTPOptions{}, func(o *Options) { o.Timeout, o.MaxAttempts = 500*time.Millisecond, 1 })
	once.srv.HoldNext(mailserver.AfterDataEnd, 1)
	id = once.add(t, row("Printer"))
	if res := once.deliver(t); res != (Result{Unknown: 1}) {
		t.Fatalf("given up after a stall: %+v, want counted as unknown, not failed", res)
	}
	if o := once.get(t, id); o.Status != tickets.OutUnknown {
		t.Fatalf("given-up row reads %q, want %q", o.Status, tickets.OutUnknown)
	}
}

// Issue 7, item 4: a 200,000-character subject, a huge display name and a
// long thread: every line the relay gets is at most 998 octets, the
// subject at most 200 characters.
func TestDeliverDue_GiantHeadersAreCutAndFolded(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	o := row("")
	o.Subject = strings.Repeat("Printer\u0301プリンター", 200000/14)
	o.ToName = strings.Repeat("Y", 10000)
	long := strings.Repeat("x", 220) // ids of ~245 octets, near validMessageID's limit
	o.References = nil
	for i := range 500 {
		o.References = append(o.References, fmt.Sprintf("%s.%d@mail.customer.example", long, i))
	}
	o.InReplyTo = o.References[499]
	o.Text = strings.Repeat("a very long body line without a break ", 2000)
	f.add(t, o)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("result %+v", res)
	}
	data := f.srv.Received()[0].Data
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets: %.60q…", i+1, len(line), line)
		}
	}
	p := parse(t, data)
	subj, err := p.header.Subject()
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(subj); n > templates.MaxSubject || !strings.HasSuffix(subj, "…") || !utf8.ValidString(subj) {
		t.Errorf("subject of %d characters, want at most %d ending in …", n, templates.MaxSubject)
	}
	if to, _ := p.header.AddressList("To"); len(to) != 1 || utf8.RuneCountInString(to[0].Name) > templates.MaxName || to[0].Address != o.To {
		t.Errorf("To = %v", to)
	}
	refs, _ := p.header.MsgIDList("References")
	if len(refs) != maxReferences || refs[0] != o.References[0] || refs[len(refs)-1] != o.References[499] {
		t.Errorf("References: %d ids, want the first and the last %d", len(refs), maxReferences-1)
	}
}

// Issue 7, item 5: two senders (two store handles, as two processes) on
// one database deliver 200 rows concurrently: each row exactly once.
func TestDeliverDue_TwoSendersNeverSendOneRow(t *testing.T) {
	srv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &clock{t: start}
	path := filepath.Join(t.TempDir(), "m.db")
	stores := []*tickets.Store{openStore(t, path, c.Now), openStore(t, path, c.Now)}
	for _, o := range rows(200) {
		add(t, stores[0], o)
	}
	var wg sync.WaitGroup
	sent := make([]int, 2)
	for i, st := range stores {
		s, err := New(Options{Address: srv.Addr, Security: config.SecurityInsecure, From: "support@example.com",
			BatchSize: 7, Owner: fmt.Sprintf("sender-%d", i), Now: c.Now}, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for {
				res, err := s.DeliverDue(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				sent[i] += res.Sent
				if res.rows() == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	got := copies(t, srv)
	if len(got) != 200 || sent[0]+sent[1] != 200 {
		t.Fatalf("%d distinct mails, %d+%d sent; want 200", len(got), sent[0], sent[1])
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	t.Logf("sender-0 sent %d, sender-1 sent %d", sent[0], sent[1])
}

// A claim whose holder this machine cannot check (a sender elsewhere) is
// taken over when it expires, not before.
func TestDeliverDue_ForeignClaimIsTakenOverWhenItExpires(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	id := f.add(t, row("Printer"))
	now := f.clock.Now()
	if got, err := f.store.ClaimOutgoing(context.Background(), "other-host:4242:4026531836:0000abcd", now, now.Add(10*time.Minute), 1); err != nil || len(got) != 1 {
		t.Fatalf("claim: %v %v", got, err)
	}
	if res := f.deliver(t); res != (Result{}) {
		t.Fatalf("while the claim runs: %+v", res)
	}
	f.clock.Advance(10 * time.Minute)
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("after the claim expired: %+v", res)
	}
	if o := f.get(t, id); o.Status != tickets.OutSent || o.ClaimedBy != "" {
		t.Fatalf("row %+v", o)
	}
}

// A claim of a sender process on this machine that is gone (a gateway
// killed with SIGKILL) is taken over at once: the restarted gateway sends
// the mail without waiting for the claim to expire. A claim of a live
// process is not.
func TestDeliverDue_ClaimOfADeadProcessIsTakenOverAtOnce(t *testing.T) {
	f := newFixture(t, mailserver.SMTPOptions{}, nil)
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("%s:%d:%s:%08x", host, gone.Process.Pid, pidNamespace(), 1)
	live := fmt.Sprintf("%s:%d:%s:%08x", host, os.Getpid(), pidNamespace(), 2) // another sender of this process
	now := f.clock.Now()
	ids := map[string]int64{}
	for _, owner := range []string{dead, live} {
		o := row("Printer")
		o.MessageID = "claimed." + owner[len(owner)-1:] + "@desk.example.com"
		ids[owner] = f.add(t, o)
		if got, err := f.store.ClaimOutgoing(context.Background(), owner, now, now.Add(10*time.Minute), 1); err != nil || len(got) != 1 {
			t.Fatalf("claim for %s: %v %v", owner, got, err)
		}
	}
	if res := f.deliver(t); res != (Result{Sent: 1}) {
		t.Fatalf("result %+v, want the dead process's mail sent", res)
	}
	if o := f.get(t, ids[dead]); o.Status != tickets.OutSent {
		t.Errorf("the dead process's mail is %s", o.Status)
	}
	if o := f.get(t, ids[live]); o.Status != tickets.OutPending || o.ClaimedBy != live {
		t.Errorf("the live sender's mail: %s claimed by %q", o.Status, o.ClaimedBy)
	}
}
