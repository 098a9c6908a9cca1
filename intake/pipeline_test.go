package intake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// preparingSink is a recordingSink that prepares and commits in two steps
// (Preparer) and writes down the order of the steps, by each batch's first
// UID: "prepare 3", "commit 1", "committed 1".
type preparingSink struct {
	*recordingSink
	mu     sync.Mutex
	events []string
	// onCommit runs at the start of a batch's Commit, before it stores.
	onCommit func(first uint32)
	// prepared is signalled after every Prepare, with the batch's first UID.
	prepared chan uint32
}

func newPreparingSink() *preparingSink {
	return &preparingSink{recordingSink: newRecordingSink(), prepared: make(chan uint32, 100)}
}

func (s *preparingSink) note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, fmt.Sprintf(format, args...))
}

func (s *preparingSink) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func (s *preparingSink) Prepare(_ context.Context, batch []Fetched) PreparedBatch {
	s.note("prepare %d", batch[0].UID)
	s.prepared <- batch[0].UID
	return preparedTestBatch{s, batch}
}

type preparedTestBatch struct {
	s     *preparingSink
	batch []Fetched
}

func (b preparedTestBatch) Commit(ctx context.Context) error {
	first := b.batch[0].UID
	b.s.note("commit %d", first)
	if b.s.onCommit != nil {
		b.s.onCommit(first)
	}
	err := b.s.Store(ctx, b.batch)
	b.s.note("committed %d", first)
	return err
}

// waitPrepared waits until the batch beginning at uid is prepared; false
// after a while (the poller did not prepare it while the caller waited).
func (s *preparingSink) waitPrepared(uid uint32) bool {
	timeout := time.After(2 * time.Second)
	for {
		select {
		case got := <-s.prepared:
			if got == uid {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// TestRunOnce_NextBatchIsFetchedAndPreparedWhileOneCommits: the poller
// fetches and prepares batch n+1 while batch n commits, commits in UID
// order, and flags a batch only after its own commit returned.
func TestRunOnce_NextBatchIsFetchedAndPreparedWhileOneCommits(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	appendMails(t, s, "INBOX", 1, 6)
	sink := newPreparingSink()
	overlapped := 0
	sink.onCommit = func(first uint32) {
		if first < 5 && sink.waitPrepared(first+2) {
			overlapped++
		}
		for _, uid := range []uint32{first, first + 1} {
			if slices.Contains(seenUIDs(t, s, "INBOX"), uid) {
				t.Errorf("uid %d is \\Seen before its batch committed", uid)
			}
		}
	}
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchSize = 2 })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 6 {
		t.Fatalf("RunOnce = %d, %v; want 6, nil", n, err)
	}
	if overlapped != 2 {
		t.Errorf("the next batch was prepared during %d of the first two commits; want both\n%v", overlapped, sink.log())
	}
	if got, want := sink.batchUIDs(), [][]uint32{{1, 2}, {3, 4}, {5, 6}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Store batches %v; want %v", got, want)
	}
	if got := seenUIDs(t, s, "INBOX"); len(got) != 6 {
		t.Fatalf("\\Seen uids %v; want all six", got)
	}
}

// TestRunOnce_BatchesOverTheByteBoundAreNeverInFlightTogether: two
// batches that would hold more than BatchBytes between them are not
// fetched at once; the next one waits for the commit of the one before.
func TestRunOnce_BatchesOverTheByteBoundAreNeverInFlightTogether(t *testing.T) {
	s := startPollerServer(t, mailserver.IMAPOptions{})
	for i := 1; i <= 4; i++ {
		if _, err := s.Append("INBOX", sizedMail(i, 60_000)); err != nil {
			t.Fatal(err)
		}
	}
	sink := newPreparingSink()
	p := newTestPoller(t, s, sink, func(o *PollerOptions) { o.BatchBytes = 100 << 10; o.MaxMessageBytes = 1 << 20 })
	if n, err := p.RunOnce(t.Context()); err != nil || n != 4 {
		t.Fatalf("RunOnce = %d, %v; want 4, nil", n, err)
	}
	want := []string{"prepare 1", "commit 1", "committed 1", "prepare 2", "commit 2", "committed 2",
		"prepare 3", "commit 3", "committed 3", "prepare 4", "commit 4", "committed 4"}
	if got := sink.log(); !slices.Equal(got, want) {
		t.Fatalf("steps %v; want %v", got, want)
	}
}

// TestRunOnce_CrashWhileTheNextBatchIsPreparedLosesNothing: the connection
// dies while batch n commits and batch n+1 is fetched and prepared (a
// crash at that point). The committed batch is filed by the next pass
// without a fetch; the prepared one was never committed, so it is fetched
// and stored again: every mail stored once, every mail filed. Both ways of
// filing, and a crash at every batch.
func TestRunOnce_CrashWhileTheNextBatchIsPreparedLosesNothing(t *testing.T) {
	const mails = 7
	for _, processed := range []string{"", "Processed"} {
		for crashAt := uint32(1); crashAt <= mails; crashAt += 2 {
			t.Run(fmt.Sprintf("processed=%q/commit-of-%d", processed, crashAt), func(t *testing.T) {
				s := startPollerServer(t, mailserver.IMAPOptions{})
				appendMails(t, s, "INBOX", 1, mails)
				sink := newPreparingSink()
				crashed := false
				sink.onCommit = func(first uint32) {
					if first == crashAt && !crashed {
						crashed = true
						sink.waitPrepared(first + 2) // none after the last batch
						s.DropConnections()
					}
				}
				opts := func(o *PollerOptions) { o.BatchSize = 2; o.ProcessedMailbox = processed }
				if _, err := newTestPoller(t, s, sink, opts).RunOnce(t.Context()); err == nil && crashAt < mails {
					t.Fatal("RunOnce over a dropped connection returned no error")
				}
				if _, err := newTestPoller(t, s, sink, opts).RunOnce(t.Context()); err != nil {
					t.Fatalf("RunOnce after the restart: %v", err)
				}
				sink.recordingSink.mu.Lock()
				defer sink.recordingSink.mu.Unlock()
				if len(sink.calls) != mails {
					t.Fatalf("the sink stored %d distinct messages; want %d\n%v", len(sink.calls), mails, sink.log())
				}
				for k, c := range sink.calls {
					if c != 1 {
						t.Errorf("uid %d stored %d times; want once\n%v", k.uid, c, sink.log())
					}
				}
				if processed == "" {
					if got := seenUIDs(t, s, "INBOX"); len(got) != mails {
						t.Errorf("\\Seen uids %v; want all %d", got, mails)
					}
				} else if c, _ := s.Count(processed); c != mails {
					t.Errorf("%s holds %d; want all %d", processed, c, mails)
				}
			})
		}
	}
}
