package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

const (
	pollUser   = "support@example.com"
	pollPass   = "s3cret-pass"
	pollerWait = 10 * time.Second
)

// recordingSink is a real Sink over a map: Store records a batch, Known
// answers from what was stored (plus any preset UIDs), like the desk's store.
type recordingSink struct {
	mu      sync.Mutex
	stored  map[sinkKey][]byte
	calls   map[sinkKey]int // Store calls per message, to catch double delivery
	batches [][]uint32
	preset  map[sinkKey]bool
	failErr error           // returned by the next Store, once
	onStore func([]Fetched) // runs inside Store before it returns
	arrived chan Fetched    // every stored message, for tests to wait on
}

type sinkKey struct {
	mailbox     string
	uidValidity uint32
	uid         uint32
}

func newRecordingSink() *recordingSink {
	return &recordingSink{
		stored:  make(map[sinkKey][]byte),
		calls:   make(map[sinkKey]int),
		preset:  make(map[sinkKey]bool),
		arrived: make(chan Fetched, 1000),
	}
}

func (s *recordingSink) Known(_ context.Context, mailbox string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint32]bool)
	for _, u := range uids {
		k := sinkKey{mailbox, uidValidity, u}
		if _, ok := s.stored[k]; ok || s.preset[k] {
			out[u] = true
		}
	}
	return out, nil
}

func (s *recordingSink) LastUID(_ context.Context, mailbox string, uidValidity uint32) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last uint32
	for k := range s.stored {
		if k.mailbox == mailbox && k.uidValidity == uidValidity {
			last = max(last, k.uid)
		}
	}
	return last, nil
}

func (s *recordingSink) Store(_ context.Context, batch []Fetched) error {
	s.mu.Lock()
	hook := s.onStore
	if err := s.failErr; err != nil {
		s.failErr = nil
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	if hook != nil {
		hook(batch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	uids := make([]uint32, len(batch))
	for i, f := range batch {
		k := sinkKey{f.Mailbox, f.UIDValidity, f.UID}
		s.stored[k] = f.Raw
		s.calls[k]++
		uids[i] = f.UID
	}
	s.batches = append(s.batches, uids)
	for _, f := range batch {
		s.arrived <- f
	}
	return nil
}

// storedAt reports whether k was stored, and its raw message.
func (s *recordingSink) storedAt(k sinkKey) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.stored[k]
	return raw, ok
}

func (s *recordingSink) batchUIDs() [][]uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// next waits for the next stored message.
func (s *recordingSink) next(t *testing.T) Fetched {
	t.Helper()
	select {
	case f := <-s.arrived:
		return f
	case <-time.After(pollerWait):
		t.Fatal("timed out waiting for the sink to receive a message")
		return Fetched{}
	}
}

func startPollerServer(t *testing.T, opts mailserver.IMAPOptions) *mailserver.IMAPServer {
	t.Helper()
	opts.Username, opts.Password = pollUser, pollPass
	s, err := mailserver.StartIMAP(opts)
	if err != nil {
		t.Fatalf("StartIMAP: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pollerMail(i int) []byte {
	return fmt.Appendf(nil, "From: user%d@example.com\r\nTo: support@example.com\r\nSubject: printer %d is broken\r\nMessage-ID: <m%d@example.com>\r\n\r\nIt does not print.\r\n", i, i, i)
}

func appendMails(t *testing.T, s *mailserver.IMAPServer, mailbox string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if _, err := s.Append(mailbox, pollerMail(i)); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
}

func newTestPoller(t *testing.T, s *mailserver.IMAPServer, sink Sink, edit func(*PollerOptions)) *Poller {
	t.Helper()
	opts := PollerOptions{
		Address:    s.Addr,
		Security:   "insecure",
		Username:   pollUser,
		Password:   pollPass,
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(&opts)
	}
	p, err := NewPoller(opts, sink, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatalf("NewPoller: %v", err)
	}
	return p
}

// seen returns the UIDs of mailbox flagged \Seen, sorted.
func seenUIDs(t *testing.T, s *mailserver.IMAPServer, mailbox string) []uint32 {
	t.Helper()
	flags, err := s.Flags(mailbox)
	if err != nil {
		t.Fatalf("Flags: %v", err)
	}
	var out []uint32
	for uid, fs := range flags {
		if slices.Contains(fs, `\Seen`) {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return out
}

// runPoller starts Run and returns a function that cancels it and
// checks that it returned nil.
func runPoller(t *testing.T, p *Poller) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel; want nil", err)
			}
		case <-time.After(pollerWait):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestRunOnce_FetchesInUIDOrderInBatchesAndFlagsAfterStore(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 5)
	sink := newRecordingSink()
	sink.onStore = func(batch []Fetched) {
		// BODY.PEEK[] must not have set \Seen: only the poller's STORE
		// after this returns may.
		flagged := seenUIDs(t, s, "INBOX")
		for _, f := range batch {
			if slices.Contains(flagged, f.UID) {
				t.Errorf("uid %d already \\Seen while its batch is being stored", f.UID)
			}
		}
	}
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 2 })

	n, err := p.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if n != 5 {
		t.Fatalf("handled %d; want 5", n)
	}
	if got, want := sink.batchUIDs(), [][]uint32{{1, 2}, {3, 4}, {5}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Store batches %v; want %v", got, want)
	}
	uv, _ := s.UIDValidity("INBOX")
	for i := 1; i <= 5; i++ {
		raw := sink.stored[sinkKey{"INBOX", uv, uint32(i)}]
		if !bytes.Equal(raw, pollerMail(i)) {
			t.Errorf("uid %d stored as %q; want mail %d verbatim", i, raw, i)
		}
	}
	if got := seenUIDs(t, s, "INBOX"); !slices.Equal(got, []uint32{1, 2, 3, 4, 5}) {
		t.Fatalf("\\Seen uids %v; want all five", got)
	}

	n, err = p.RunOnce(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("second RunOnce = %d, %v; want 0, nil", n, err)
	}
	if len(sink.batchUIDs()) != 3 {
		t.Fatalf("second RunOnce called Store again: %v", sink.batchUIDs())
	}
	if c, _ := s.Count("INBOX"); c != 5 {
		t.Fatalf("INBOX holds %d messages; want 5 (nothing deleted)", c)
	}
}

// sizedMail is a mail of about n bytes: a header and a body of text lines.
func sizedMail(i, n int) []byte {
	head := fmt.Sprintf("From: user%d@example.com\r\nTo: support@example.com\r\nSubject: log files %d\r\nMessage-ID: <big%d@example.com>\r\n\r\n", i, i, i)
	line := "The server log of last night, attached inline as text.\r\n"
	return []byte(head + strings.Repeat(line, max(n-len(head), 0)/len(line)))
}

// A message over MaxMessageBytes is fetched as its header alone: its body
// never crosses the wire, the sink gets the header with the size the server
// reported, and it is filed like any stored message once Store returned.
func TestRunOnce_OversizeMessageIsFetchedAsItsHeaderOnly(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1)
	big := sizedMail(2, 2<<20)
	if _, err := s.Append("INBOX", big); err != nil {
		t.Fatal(err)
	}
	appendMails(t, s, "INBOX", 3, 3)
	sink := newRecordingSink()
	var got []Fetched
	sink.onStore = func(batch []Fetched) { got = append(got, batch...) }
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.MaxMessageBytes = 64 << 10 })

	sentBefore := s.BytesSent()
	n, err := p.RunOnce(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v; want 3, nil", n, err)
	}
	if sent := s.BytesSent() - sentBefore; sent >= int64(len(big)) {
		t.Errorf("the server sent %d bytes for one pass; the %d-byte message was fetched whole", sent, len(big))
	}
	if len(got) != 3 {
		t.Fatalf("stored %d messages; want 3", len(got))
	}
	header, _, _ := bytes.Cut(big, []byte("\r\n\r\n"))
	want := Fetched{Mailbox: "INBOX", UIDValidity: got[1].UIDValidity, UID: 2, Raw: append(header, "\r\n\r\n"...),
		Size: int64(len(big)), HeaderOnly: true, SizeLimit: 64 << 10}
	if f := got[1]; f.UID != want.UID || !bytes.Equal(f.Raw, want.Raw) || f.Size != want.Size || !f.HeaderOnly || f.SizeLimit != want.SizeLimit {
		t.Errorf("oversize message stored as {UID %d, %d bytes of raw, Size %d, HeaderOnly %v, SizeLimit %d}; want {UID 2, its %d-byte header, Size %d, HeaderOnly true, SizeLimit %d}",
			f.UID, len(f.Raw), f.Size, f.HeaderOnly, f.SizeLimit, len(want.Raw), want.Size, want.SizeLimit)
	}
	for _, i := range []int{0, 2} {
		if f := got[i]; f.HeaderOnly || f.Size != int64(len(f.Raw)) || !bytes.Equal(f.Raw, pollerMail(int(f.UID))) {
			t.Errorf("uid %d stored as %d bytes, HeaderOnly %v, Size %d; want the whole mail", f.UID, len(f.Raw), f.HeaderOnly, f.Size)
		}
	}
	if flagged := seenUIDs(t, s, "INBOX"); !slices.Equal(flagged, []uint32{1, 2, 3}) {
		t.Errorf("\\Seen uids %v; want all three, the oversize one too", flagged)
	}
}

// A batch is bounded by bytes as well as by count: small mail shares a
// batch up to BatchBytes, and a mail larger than BatchBytes (within the
// size limit) is fetched whole in a batch of its own.
func TestRunOnce_BatchesAreBoundedByBytes(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	for i, size := range []int{30_000, 30_000, 30_000, 30_000, 150_000, 10_000} {
		if _, err := s.Append("INBOX", sizedMail(i+1, size)); err != nil {
			t.Fatal(err)
		}
	}
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchBytes = 100 << 10; o.MaxMessageBytes = 1 << 20 })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 6 {
		t.Fatalf("RunOnce = %d, %v; want 6, nil", n, err)
	}
	if got, want := sink.batchUIDs(), [][]uint32{{1, 2, 3}, {4}, {5}, {6}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Store batches %v; want %v", got, want)
	}
	uv, _ := s.UIDValidity("INBOX")
	if raw, _ := sink.storedAt(sinkKey{"INBOX", uv, 5}); len(raw) < 150_000-100 {
		t.Errorf("the 150 kB mail was stored as %d bytes; want it whole", len(raw))
	}
}

// sizedLiteral is a literal as imapclient hands one over.
type sizedLiteral struct {
	*bytes.Reader
	size int64
}

func (l sizedLiteral) Size() int64 { return l.size }

// A server that sends more than the size it reported cannot make the
// poller hold a message over the limit: a literal larger than the limit is
// read as its first MiB, and of that the header is kept.
func TestReadLiteral_OverTheLimitKeepsTheHeaderOfItsFirstMiB(t *testing.T) {
	header := "From: a@example.com\r\nSubject: dump\r\n\r\n"
	raw := []byte(header + strings.Repeat("x", 3<<20))
	got, cut, err := readLiteral(sizedLiteral{bytes.NewReader(raw), int64(len(raw))}, 2<<20)
	if err != nil || !cut || len(got) != maxHeaderBytes || string(headerOf(got)) != header {
		t.Errorf("readLiteral of %d bytes over a 2 MiB limit: %d bytes, cut %v, a header of %d bytes, %v; want its first MiB, cut, and the %d-byte header",
			len(raw), len(got), cut, len(headerOf(got)), err, len(header))
	}
	got, cut, err = readLiteral(sizedLiteral{bytes.NewReader(raw), int64(len(raw))}, 4<<20)
	if err != nil || cut || !bytes.Equal(got, raw) || cap(got) != len(raw) {
		t.Errorf("readLiteral within the limit: %d bytes (cap %d), cut %v, %v; want all %d in a buffer of that size", len(got), cap(got), cut, err, len(raw))
	}
}

func TestRunOnce_StoreErrorLeavesBatchUnflaggedAndNextRunRefetchesIt(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 5)
	sink := newRecordingSink()
	boom := errors.New("disk full")
	calls := 0
	sink.onStore = func([]Fetched) {
		calls++
		if calls == 1 {
			sink.mu.Lock()
			sink.failErr = boom // the second batch fails
			sink.mu.Unlock()
		}
	}
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 2 })

	n, err := p.RunOnce(t.Context())
	if !errors.Is(err, boom) {
		t.Fatalf("RunOnce error %v; want it to wrap the sink's error", err)
	}
	if n != 2 {
		t.Fatalf("handled %d before the failure; want 2", n)
	}
	if got := seenUIDs(t, s, "INBOX"); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("\\Seen uids %v; want only the stored batch 1,2", got)
	}

	n, err = p.RunOnce(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("retry RunOnce = %d, %v; want 3, nil", n, err)
	}
	if got, want := sink.batchUIDs(), [][]uint32{{1, 2}, {3, 4}, {5}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Store batches %v; want %v", got, want)
	}
	if got := seenUIDs(t, s, "INBOX"); len(got) != 5 {
		t.Fatalf("\\Seen uids %v; want all five", got)
	}
}

func TestRunOnce_KnownUIDsAreFlaggedWithoutStore(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 5)
	uv, _ := s.UIDValidity("INBOX")
	sink := newRecordingSink()
	// Committed before a crash that hit between commit and flag.
	sink.preset[sinkKey{"INBOX", uv, 2}] = true
	sink.preset[sinkKey{"INBOX", uv, 4}] = true
	p := newTestPoller(t, s, sink, nil)

	n, err := p.RunOnce(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v; want 3, nil", n, err)
	}
	if got, want := sink.batchUIDs(), [][]uint32{{1, 3, 5}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Store batches %v; want %v", got, want)
	}
	if got := seenUIDs(t, s, "INBOX"); len(got) != 5 {
		t.Fatalf("\\Seen uids %v; want all five", got)
	}
}

func TestRunOnce_ProcessedMailboxReceivesMessagesOnlyAfterStore(t *testing.T) {
	sink := newRecordingSink()
	var s *mailserver.IMAPServer
	s = startPollerServer(t, mailserver.IMAPOptions{OnMove: func(mc mailserver.MoveCommand) {
		uv, _ := s.UIDValidity("INBOX")
		for _, uid := range mc.UIDs {
			if _, ok := sink.storedAt(sinkKey{"INBOX", uv, uid}); !ok {
				t.Errorf("MOVE %s carries uid %d, which the sink has not stored", mc.Set, uid)
			}
		}
	}})
	appendMails(t, s, "INBOX", 1, 5)
	storedBefore := 0
	sink.onStore = func(batch []Fetched) {
		if c, err := s.Count("Processed"); err != nil || c > storedBefore {
			t.Errorf("Processed holds %d (%v) while storing a batch; want at most the %d stored before", c, err, storedBefore)
		}
		storedBefore += len(batch)
	}
	// "Processed" does not exist yet: the poller creates it.
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 2; o.ProcessedMailbox = "Processed" })

	n, err := p.RunOnce(t.Context())
	if err != nil || n != 5 {
		t.Fatalf("RunOnce = %d, %v; want 5, nil", n, err)
	}
	if c, _ := s.Count("INBOX"); c != 0 {
		t.Fatalf("INBOX holds %d after moving; want 0", c)
	}
	if c, _ := s.Count("Processed"); c != 5 {
		t.Fatalf("Processed holds %d; want 5", c)
	}
	if mv := s.MoveCommands(); len(mv) != 1 || len(mv[0].UIDs) != 5 {
		t.Fatalf("MOVE commands %+v; want one for all five, after the last batch", mv)
	}
	if n, err := p.RunOnce(t.Context()); err != nil || n != 0 {
		t.Fatalf("second RunOnce = %d, %v; want 0, nil", n, err)
	}
}

// TestRunOnce_MovesInGroupsAcrossBatches: a server pays per MOVE command,
// so 2,500 mails fetched 100 at a time leave in three moves (1,000, 1,000,
// 500), each only of stored mail, not in 25.
func TestRunOnce_MovesInGroupsAcrossBatches(t *testing.T) {
	const mails = 2500
	sink := newRecordingSink()
	sink.arrived = make(chan Fetched, mails)
	var s *mailserver.IMAPServer
	s = startPollerServer(t, mailserver.IMAPOptions{OnMove: func(mc mailserver.MoveCommand) {
		uv, _ := s.UIDValidity("INBOX")
		for _, uid := range mc.UIDs {
			if _, ok := sink.storedAt(sinkKey{"INBOX", uv, uid}); !ok {
				t.Errorf("MOVE %s carries uid %d before the sink stored it", mc.Set, uid)
				return
			}
		}
	}})
	appendMails(t, s, "INBOX", 1, mails)
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 100; o.ProcessedMailbox = "Processed" })

	n, err := p.RunOnce(t.Context())
	if err != nil || n != mails {
		t.Fatalf("RunOnce = %d, %v; want %d, nil", n, err, mails)
	}
	if got := len(sink.batchUIDs()); got != 25 {
		t.Errorf("%d Store batches; want 25", got)
	}
	var sizes []int
	for _, mc := range s.MoveCommands() {
		sizes = append(sizes, len(mc.UIDs))
	}
	if !slices.Equal(sizes, []int{1000, 1000, 500}) {
		t.Fatalf("MOVE command sizes %v; want [1000 1000 500]", sizes)
	}
	if c, _ := s.Count("Processed"); c != mails {
		t.Fatalf("Processed holds %d; want %d", c, mails)
	}
}

// TestRunOnce_StoreFailureMovesTheCommittedMailOnly: when a batch fails,
// the batches committed before it are still moved in that pass; the failed
// one stays in the mailbox and the next pass stores it.
func TestRunOnce_StoreFailureMovesTheCommittedMailOnly(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 250)
	sink := newRecordingSink()
	boom := errors.New("disk full")
	calls := 0
	sink.onStore = func([]Fetched) {
		calls++
		if calls == 2 {
			sink.mu.Lock()
			sink.failErr = boom // the third batch fails
			sink.mu.Unlock()
		}
	}
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 100; o.ProcessedMailbox = "Processed" })

	n, err := p.RunOnce(t.Context())
	if !errors.Is(err, boom) || n != 200 {
		t.Fatalf("RunOnce = %d, %v; want 200 and the sink's error", n, err)
	}
	if c, _ := s.Count("Processed"); c != 200 {
		t.Fatalf("Processed holds %d after the failed pass; want the 200 committed", c)
	}
	if c, _ := s.Count("INBOX"); c != 50 {
		t.Fatalf("INBOX holds %d; want the 50 of the failed batch", c)
	}
	if n, err := p.RunOnce(t.Context()); err != nil || n != 50 {
		t.Fatalf("second RunOnce = %d, %v; want 50, nil", n, err)
	}
	if c, _ := s.Count("Processed"); c != 250 {
		t.Fatalf("Processed holds %d; want all 250", c)
	}
}

// TestRunOnce_CrashBetweenCommitAndMoveLosesNothing: the connection dies
// after the sink committed every batch and before any move. A new poller
// (a restarted process, over the same store) moves all of them without
// fetching or storing any again.
func TestRunOnce_CrashBetweenCommitAndMoveLosesNothing(t *testing.T) {
	const mails = 250
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, mails)
	sink := newRecordingSink()
	stored := 0
	sink.onStore = func(batch []Fetched) {
		stored += len(batch)
		if stored == mails {
			s.DropConnections() // the last batch commits; the move never comes
		}
	}
	opts := func(o *PollerOptions) { o.BatchSize = 100; o.ProcessedMailbox = "Processed" }
	if _, err := newTestPoller(t, s, sink, opts).RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce over a dropped connection returned no error")
	}
	if c, _ := s.Count("INBOX"); c != mails {
		t.Fatalf("INBOX holds %d after the crash; want all %d (none moved)", c, mails)
	}

	n, err := newTestPoller(t, s, sink, opts).RunOnce(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("RunOnce after restart = %d, %v; want 0 stored again, nil", n, err)
	}
	if c, _ := s.Count("Processed"); c != mails {
		t.Fatalf("Processed holds %d; want %d", c, mails)
	}
	if c, _ := s.Count("INBOX"); c != 0 {
		t.Fatalf("INBOX holds %d; want 0", c)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.calls) != mails {
		t.Fatalf("sink stored %d distinct messages; want %d", len(sink.calls), mails)
	}
	for k, c := range sink.calls {
		if c != 1 {
			t.Errorf("uid %d stored %d times; want once", k.uid, c)
		}
	}
}

func TestRunOnce_ProcessedMailboxWithoutMOVEUsesCopyAndExpungesOnlyItsOwn(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{DisableMove: true, Mailboxes: []string{"Processed"}})
	appendMails(t, s, "INBOX", 1, 4)
	// Someone else marked uid 4 \Deleted without expunging it: the fallback
	// must not expunge it for them (UID EXPUNGE of our UIDs only).
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(pollUser, pollPass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(4), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}

	p := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.ProcessedMailbox = "Processed" })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v; want 3 (the \\Deleted one skipped), nil", n, err)
	}
	if c, _ := s.Count("INBOX"); c != 1 {
		t.Fatalf("INBOX holds %d; want 1 (the other client's \\Deleted message)", c)
	}
	if c, _ := s.Count("Processed"); c != 3 {
		t.Fatalf("Processed holds %d; want 3", c)
	}
}

func TestRun_IdleWakesOnNewMail(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1)
	proxy := startFreezingProxy(t, s.Addr) // never frozen here: it only reports IDLE
	sink := newRecordingSink()
	// An hour-long poll interval: only IDLE can deliver the second mail.
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.Address = proxy.addr; o.PollInterval = time.Hour })
	stop := runPoller(t, p)

	if f := sink.next(t); f.UID != 1 {
		t.Fatalf("first stored uid %d; want 1", f.UID)
	}
	select {
	case <-proxy.idling:
	case <-time.After(pollerWait):
		t.Fatal("the poller never entered IDLE")
	}
	appendMails(t, s, "INBOX", 2, 2)
	if f := sink.next(t); f.UID != 2 || !bytes.Equal(f.Raw, pollerMail(2)) {
		t.Fatalf("second stored uid %d; want 2 with its raw mail", f.UID)
	}
	stop()
	if got := seenUIDs(t, s, "INBOX"); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("\\Seen uids %v; want 1,2", got)
	}
}

func TestRun_PollsAServerWithoutIdle(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{DisableIdle: true})
	appendMails(t, s, "INBOX", 1, 1)
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.PollInterval = 20 * time.Millisecond })
	runPoller(t, p)

	if f := sink.next(t); f.UID != 1 {
		t.Fatalf("first stored uid %d; want 1", f.UID)
	}
	appendMails(t, s, "INBOX", 2, 2)
	if f := sink.next(t); f.UID != 2 {
		t.Fatalf("second stored uid %d; want 2", f.UID)
	}
}

func TestRun_ReconnectsAfterDroppedConnection(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1)
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.PollInterval = time.Hour })
	stop := runPoller(t, p)

	if f := sink.next(t); f.UID != 1 {
		t.Fatalf("first stored uid %d; want 1", f.UID)
	}
	s.DropConnections()
	appendMails(t, s, "INBOX", 2, 2)
	if f := sink.next(t); f.UID != 2 {
		t.Fatalf("stored uid %d after the drop; want 2", f.UID)
	}
	stop()
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for k, n := range sink.calls {
		if n != 1 {
			t.Errorf("uid %d stored %d times; want once (known messages are only flagged)", k.uid, n)
		}
	}
}

func TestRunOnce_UIDValidityChangeRedeliversUnderNewUIDValidity(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 3)
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, nil)
	if n, err := p.RunOnce(t.Context()); err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v; want 3, nil", n, err)
	}
	old, _ := s.UIDValidity("INBOX")

	if err := s.ResetMailbox("INBOX", true); err != nil {
		t.Fatalf("ResetMailbox: %v", err)
	}
	uv, _ := s.UIDValidity("INBOX")
	if n, err := p.RunOnce(t.Context()); err != nil || n != 3 {
		t.Fatalf("RunOnce after reset = %d, %v; want 3, nil", n, err)
	}
	for i := 0; i < 6; i++ {
		f := sink.next(t)
		want := old
		if i >= 3 {
			want = uv
		}
		if f.UIDValidity != want {
			t.Fatalf("delivery %d has uidvalidity %d; want %d", i, f.UIDValidity, want)
		}
	}
	if got := seenUIDs(t, s, "INBOX"); len(got) != 3 {
		t.Fatalf("\\Seen uids %v after reset; want all three", got)
	}
}

func TestRunOnce_RefusedLoginIsErrAuth(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	for _, auth := range []string{"login", "plain"} {
		p := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.Auth = auth; o.Password = "wrong" })
		_, err := p.RunOnce(t.Context())
		if !errors.Is(err, ErrAuth) || errors.Is(err, ErrConnect) {
			t.Errorf("auth %s with a wrong password: %v; want ErrAuth only", auth, err)
		}
	}
}

func TestRunOnce_NothingListeningIsErrConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p, err := NewPoller(PollerOptions{Address: addr, Security: "insecure", Username: pollUser, Password: pollPass}, newRecordingSink(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.RunOnce(t.Context()); !errors.Is(err, ErrConnect) {
		t.Fatalf("RunOnce against a closed port: %v; want ErrConnect", err)
	}
}

func TestRunOnce_PlainAuthFetches(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 2)
	p := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.Auth = "plain" })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v; want 2, nil", n, err)
	}
}

func TestRunOnce_XOAUTH2UsesTokenAndNeverLogsIt(t *testing.T) {
	const token = "ya29.secret-token"
	s := startPollerServer(t, mailserver.IMAPOptions{OAuthToken: token})
	appendMails(t, s, "INBOX", 1, 1)
	var logs bytes.Buffer
	newPoller := func(tok string) *Poller {
		p, err := NewPoller(PollerOptions{
			Address: s.Addr, Security: "insecure", Username: pollUser, Auth: "xoauth2",
			Token: func(context.Context) (string, error) { return tok, nil },
		}, newRecordingSink(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	if n, err := newPoller(token).RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("RunOnce with a good token = %d, %v; want 1, nil", n, err)
	}
	_, err := newPoller("expired").RunOnce(t.Context())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("RunOnce with a bad token: %v; want ErrAuth", err)
	}
	if !strings.Contains(err.Error(), `"status":"401"`) {
		t.Errorf("error %q does not carry the server's explanation", err)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(err.Error(), "expired") {
		t.Errorf("token leaked into logs or errors")
	}
}

func TestXOAUTH2Client_InitialResponse(t *testing.T) {
	c := newXOAUTH2Client("someone@example.com", "abc123")
	mech, ir, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	if mech != "XOAUTH2" {
		t.Fatalf("mechanism %q; want XOAUTH2", mech)
	}
	if want := "user=someone@example.com\x01auth=Bearer abc123\x01\x01"; string(ir) != want {
		t.Fatalf("initial response %q; want %q", ir, want)
	}
	resp, err := c.Next([]byte(`{"status":"400"}`))
	if err != nil || resp == nil || len(resp) != 0 {
		t.Fatalf("answer to the error challenge = %q, %v; want an empty response", resp, err)
	}
}

func TestNewPoller_RejectsBadOptions(t *testing.T) {
	base := PollerOptions{Address: "imap.example.com:993", Username: pollUser, Password: pollPass}
	for _, tc := range []struct {
		name string
		edit func(*PollerOptions)
		want string
	}{
		{"insecure to a remote host", func(o *PollerOptions) { o.Security = "insecure"; o.Address = "imap.example.com:143" }, "loopback"},
		{"insecure to a private address", func(o *PollerOptions) { o.Security = "insecure"; o.Address = "10.0.0.1:143" }, "loopback"},
		{"unknown security", func(o *PollerOptions) { o.Security = "ssl3" }, "security"},
		{"unknown auth", func(o *PollerOptions) { o.Auth = "cram-md5" }, "auth"},
		{"xoauth2 without token", func(o *PollerOptions) { o.Auth = "xoauth2" }, "Token"},
		{"address without port", func(o *PollerOptions) { o.Address = "imap.example.com" }, "address"},
		{"processed is the polled mailbox", func(o *PollerOptions) { o.ProcessedMailbox = "inbox" }, "processed"},
		{"no username", func(o *PollerOptions) { o.Username = "" }, "username"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.edit(&o)
			_, err := NewPoller(o, newRecordingSink(), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewPoller error %v; want one mentioning %q", err, tc.want)
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:143", "[::1]:143", "localhost:143"} {
		o := base
		o.Security, o.Address = "insecure", addr
		if _, err := NewPoller(o, newRecordingSink(), nil); err != nil {
			t.Errorf("insecure to loopback %s refused: %v", addr, err)
		}
	}
}

func TestRunOnce_TLSAndSTARTTLSVerifyTheServer(t *testing.T) {
	serverTLS, clientTLS, err := mailserver.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	for _, security := range []string{"tls", "starttls"} {
		t.Run(security, func(t *testing.T) {
			s := startPollerServer(t, mailserver.IMAPOptions{TLSConfig: serverTLS, ImplicitTLS: security == "tls"})
			appendMails(t, s, "INBOX", 1, 2)

			untrusted := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.Security = security })
			if _, err := untrusted.RunOnce(t.Context()); !errors.Is(err, ErrConnect) {
				t.Fatalf("RunOnce trusting only system roots: %v; want ErrConnect (certificate refused)", err)
			}

			p := newTestPoller(t, s, newRecordingSink(), func(o *PollerOptions) { o.Security = security; o.TLSConfig = clientTLS })
			if n, err := p.RunOnce(t.Context()); err != nil || n != 2 {
				t.Fatalf("RunOnce = %d, %v; want 2, nil", n, err)
			}
			if got := seenUIDs(t, s, "INBOX"); len(got) != 2 {
				t.Fatalf("\\Seen uids %v; want both", got)
			}
		})
	}
}

func TestRunOnce_SilentServerTimesOutInsteadOfHanging(t *testing.T) {
	// Greets, then never answers: what a wedged server or a half-open
	// connection looks like to the client.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			io.WriteString(c, "* OK [CAPABILITY IMAP4rev1] ready\r\n")
			go io.Copy(io.Discard, c)
		}
	}()
	p, err := NewPoller(PollerOptions{
		Address: ln.Addr().String(), Security: "insecure", Username: pollUser, Password: pollPass,
		CommandTimeout: 100 * time.Millisecond,
	}, newRecordingSink(), nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.RunOnce(t.Context()); done <- err }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, ErrAuth) {
			t.Fatalf("RunOnce against a silent server: %v; want a connection error", err)
		}
	case <-time.After(pollerWait):
		t.Fatal("RunOnce hung on a silent server")
	}
}

func TestRun_IdleWatchdogNoticesHalfOpenConnection(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1)
	proxy := startFreezingProxy(t, s.Addr)
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) {
		o.Address = proxy.addr
		o.PollInterval = 50 * time.Millisecond
		o.CommandTimeout = 200 * time.Millisecond
	})
	runPoller(t, p)

	if f := sink.next(t); f.UID != 1 {
		t.Fatalf("first stored uid %d; want 1", f.UID)
	}
	select {
	case <-proxy.idling:
	case <-time.After(pollerWait):
		t.Fatal("the poller never entered IDLE")
	}
	// The established connection now swallows everything in both
	// directions without closing: no EOF will ever tell the poller. Only
	// the watchdog (leave IDLE, NOOP under a deadline) can notice.
	proxy.freeze()
	appendMails(t, s, "INBOX", 2, 2)
	if f := sink.next(t); f.UID != 2 {
		t.Fatalf("stored uid %d after the freeze; want 2", f.UID)
	}
}

// freezingProxy forwards TCP to a backend; freeze makes every connection
// open at that moment drop all traffic while staying open. Later
// connections work.
type freezingProxy struct {
	addr   string
	idling chan struct{} // signalled when the server accepts an IDLE
	mu     sync.Mutex
	live   []*atomic.Bool
}

func startFreezingProxy(t *testing.T, backend string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &freezingProxy{addr: ln.Addr().String(), idling: make(chan struct{}, 1)}
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", backend)
			if err != nil {
				client.Close()
				continue
			}
			frozen := new(atomic.Bool)
			px.mu.Lock()
			px.live = append(px.live, frozen)
			px.mu.Unlock()
			closeBoth := func() { client.Close(); server.Close() }
			t.Cleanup(closeBoth)
			conns.Add(2)
			go func() { defer conns.Done(); proxyPump(server, client, frozen, nil); closeBoth() }()
			go func() { defer conns.Done(); proxyPump(client, server, frozen, px.sawServer); closeBoth() }()
		}
	}()
	return px
}

func (px *freezingProxy) freeze() {
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, f := range px.live {
		f.Store(true)
	}
}

// sawServer watches server output for the continuation that starts IDLE
// (imapserver sends "+ idling").
func (px *freezingProxy) sawServer(p []byte) {
	if bytes.Contains(p, []byte("+ idling")) {
		select {
		case px.idling <- struct{}{}:
		default:
		}
	}
}

func proxyPump(dst io.Writer, src io.Reader, frozen *atomic.Bool, watch func([]byte)) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && watch != nil {
			watch(buf[:n])
		}
		if n > 0 && !frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// A person reading a new mail in their client (setting \Seen) before the
// poller fetched it must not hide it: above the last recorded UID every
// message counts. Below it, and before anything is recorded, read mail is
// left alone (it was there before madoguchi, or already handled).
func TestRunOnce_MailReadByAPersonBeforeFetchIsNotLost(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 1) // old mail, already read before madoguchi started
	markSeenByPerson(t, s, 1)
	appendMails(t, s, "INBOX", 2, 2)
	sink := newRecordingSink()
	p := newTestPoller(t, s, sink, nil)
	if n, err := p.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("first run: handled %d, %v; want only the unread mail", n, err)
	}
	appendMails(t, s, "INBOX", 3, 3)
	markSeenByPerson(t, s, 3)
	if n, err := p.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("second run: handled %d, %v; want the mail read by a person", n, err)
	}
	got := sink.batchUIDs()
	if len(got) != 2 || got[0][0] != 2 || got[1][0] != 3 {
		t.Fatalf("batches %v, want [[2] [3]]", got)
	}
}

// markSeenByPerson flags a message \Seen from another client session, as a
// person's mail client would.
func markSeenByPerson(t *testing.T, s *mailserver.IMAPServer, uid uint32) {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(pollUser, pollPass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(imap.UIDSetNum(imap.UID(uid)), store, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

// passEndingSink is a recordingSink that is an intake.PassEnder.
type passEndingSink struct {
	*recordingSink
	ends     int
	seenThen []uint32 // the \Seen UIDs when PassDone was called last
	seen     func() []uint32
}

func (s *passEndingSink) PassDone(context.Context) error {
	s.ends++
	s.seenThen = s.seen()
	return nil
}

// A sink that is a PassEnder hears of a pass that stored mail once every
// batch of it was stored and filed; a pass that found nothing tells it
// nothing.
func TestRunOnce_APassEnderHearsOfAPassAfterItsMailIsFiled(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 5)
	sink := &passEndingSink{recordingSink: newRecordingSink(), seen: func() []uint32 { return seenUIDs(t, s, "INBOX") }}
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 2 })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 5 {
		t.Fatalf("RunOnce = %d, %v; want 5, nil", n, err)
	}
	if sink.ends != 1 {
		t.Fatalf("PassDone called %d times after a pass of 5 mails; want 1", sink.ends)
	}
	if !slices.Equal(sink.seenThen, []uint32{1, 2, 3, 4, 5}) {
		t.Fatalf("\\Seen when PassDone was called: %v; want all five filed first", sink.seenThen)
	}
	if n, err := p.RunOnce(t.Context()); err != nil || n != 0 {
		t.Fatalf("second RunOnce = %d, %v; want 0, nil", n, err)
	}
	if sink.ends != 1 {
		t.Fatalf("PassDone called %d times in all after an empty pass; want still 1", sink.ends)
	}
}
