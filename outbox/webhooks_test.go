package outbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

var hookSecret = []byte("a webhook secret of 32 bytes....")

// hookReceiver is a real HTTP receiver: it verifies each request's
// signature against the wall clock (now), counts the events it got by ID, and
// answers with the next status of its script (204 once the script ends).
type hookReceiver struct {
	srv *httptest.Server
	now func() time.Time

	mu      sync.Mutex
	got     map[string]int // event id → requests
	bad     []string       // why a request failed verification
	script  []int
	answers int
}

func newHookReceiver(t *testing.T, now func() time.Time, script ...int) *hookReceiver {
	r := &hookReceiver{now: now, got: map[string]int{}, script: script}
	r.srv = httptest.NewServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := webhook.Verify(hookSecret, req.Header.Get(webhook.HeaderSignature), body, r.now(), webhook.DefaultTolerance); err != nil {
		r.bad = append(r.bad, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.got[req.Header.Get(webhook.HeaderEventID)]++
	code := http.StatusNoContent
	if r.answers < len(r.script) {
		code = r.script[r.answers]
	}
	r.answers++
	w.WriteHeader(code)
}

func (r *hookReceiver) counts() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.got {
		out[k] = v
	}
	return out, append([]string(nil), r.bad...)
}

type hookFixture struct {
	store  *tickets.Store
	clock  *clock
	sender *WebhookSender
}

func newHookFixture(t *testing.T, hooks map[string]Hook) *hookFixture {
	t.Helper()
	f := &hookFixture{clock: &clock{t: start}}
	f.store = openStore(t, filepath.Join(t.TempDir(), "m.db"), f.clock.Now)
	var err error
	f.sender, err = NewWebhookSender(WebhookOptions{Hooks: hooks, Now: f.clock.Now}, f.store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.sender.Close)
	return f
}

// queue writes one delivery per event id for webhook.
func (f *hookFixture) queue(t *testing.T, hook string, ids ...string) []int64 {
	t.Helper()
	var out []int64
	err := f.store.Update(context.Background(), func(tx *tickets.Tx) error {
		for _, id := range ids {
			d := &tickets.WebhookDelivery{EventID: id, EventType: webhook.TicketCreated, Webhook: hook, Body: `{"id":"` + id + `"}`}
			if err := tx.QueueWebhook(d); err != nil {
				return err
			}
			out = append(out, d.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *hookFixture) get(t *testing.T, id int64) *tickets.WebhookDelivery {
	t.Helper()
	var d *tickets.WebhookDelivery
	if err := f.store.View(context.Background(), func(tx *tickets.Tx) (err error) {
		d, err = tx.WebhookDelivery(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// pass runs one pass and moves the clock to the next due time, as Run
// would sleep.
func (f *hookFixture) pass(t *testing.T) Result {
	t.Helper()
	res, err := f.sender.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	next, err := f.store.NextWebhookDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if next.After(f.clock.Now()) {
		f.clock.Advance(next.Sub(f.clock.Now()))
	}
	return res
}

func TestWebhookSender_EachEventReachesTheReceiverOnceSignedAndIsRecordedSent(t *testing.T) {
	rec := newHookReceiver(t, time.Now)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: rec.srv.URL + "/hook", Secret: hookSecret}})
	ids := f.queue(t, "ops", "evt_a", "evt_b", "evt_c")
	if res := f.pass(t); res.Sent != 3 {
		t.Fatalf("first pass: %+v", res)
	}
	if res := f.pass(t); res.rows() != 0 {
		t.Fatalf("second pass sent again: %+v", res)
	}
	got, bad := rec.counts()
	if len(bad) > 0 {
		t.Fatalf("receiver refused signatures: %v", bad)
	}
	for _, id := range []string{"evt_a", "evt_b", "evt_c"} {
		if got[id] != 1 {
			t.Errorf("%s received %d times, want once", id, got[id])
		}
	}
	for _, id := range ids {
		if d := f.get(t, id); d.Status != tickets.OutSent || d.Attempts != 1 || d.SentAt.IsZero() {
			t.Errorf("delivery %d: %+v", id, d)
		}
	}
}

func TestWebhookSender_AFailingReceiverIsRetriedWithBackoffThenGivenUp(t *testing.T) {
	rec := newHookReceiver(t, time.Now, 500, 503, 500, 500)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: rec.srv.URL, Secret: hookSecret, MaxAttempts: 3, RetryBase: time.Minute, RetryMax: 10 * time.Minute}})
	c := f.clock
	id := f.queue(t, "ops", "evt_x")[0]
	var waits []time.Duration
	for range 3 {
		before := c.Now()
		f.pass(t)
		waits = append(waits, c.Now().Sub(before))
	}
	d := f.get(t, id)
	if d.Status != tickets.OutFailed || d.Attempts != 3 || !strings.Contains(d.LastError, "gave up after 3 attempts the receiver answered") {
		t.Fatalf("after 3 answered failures: %+v", d)
	}
	// 1m then about 2m (less up to 20% jitter); the third pass gave up.
	if waits[0] < 48*time.Second || waits[0] > time.Minute || waits[1] < 96*time.Second || waits[1] > 2*time.Minute {
		t.Errorf("waits %v, want ~1m then ~2m", waits[:2])
	}
	got, _ := rec.counts()
	if got["evt_x"] != 3 {
		t.Errorf("receiver saw %d attempts, want 3", got["evt_x"])
	}
}

func TestWebhookSender_AnOutageCountsNoAttemptAndEndsOnlyAtGiveUpAfter(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	f := newHookFixture(t, map[string]Hook{"ops": {URL: "http://" + addr + "/hook", Secret: hookSecret, MaxAttempts: 2, GiveUpAfter: 6 * time.Hour}})
	ids := f.queue(t, "ops", "evt_1", "evt_2")
	res := f.pass(t)
	if res.Retried != 2 || res.Unreachable == nil {
		t.Fatalf("first pass: %+v", res)
	}
	for i := 0; i < 100 && len(pendingHooks(t, f.store)) > 0; i++ {
		f.pass(t)
	}
	for _, id := range ids {
		d := f.get(t, id)
		if d.Status != tickets.OutFailed || d.Attempts != 0 || d.Deferrals < 5 || !strings.Contains(d.LastError, "gave up after 6h0m0s in the queue") {
			t.Errorf("delivery %d after a 6h outage: status %s attempts %d deferrals %d error %q", id, d.Status, d.Attempts, d.Deferrals, d.LastError)
		}
		if strings.Contains(d.LastError, "/hook") {
			t.Errorf("the error shows the URL's path: %q", d.LastError)
		}
	}
}

func pendingHooks(t *testing.T, st *tickets.Store) []*tickets.WebhookDelivery {
	t.Helper()
	var out []*tickets.WebhookDelivery
	if err := st.View(context.Background(), func(tx *tickets.Tx) (err error) {
		out, err = tx.WebhookDeliveries(tickets.WebhookFilter{Status: tickets.OutPending})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWebhookSender_NoAnswerAfterTheEventIsUnknownNeverFailed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: srv.URL, Secret: hookSecret, MaxAttempts: 1, Timeout: 200 * time.Millisecond}})
	id := f.queue(t, "ops", "evt_u")[0]
	if res := f.pass(t); res.Unknown != 1 {
		t.Fatalf("pass: %+v", res)
	}
	if d := f.get(t, id); d.Status != tickets.OutUnknown || !d.OutcomeUnknown {
		t.Errorf("delivery: %+v", d)
	}
}

func TestWebhookSender_APermanentRefusalOrAnUnknownWebhookFailsAtOnce(t *testing.T) {
	rec := newHookReceiver(t, time.Now, 410)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: rec.srv.URL, Secret: hookSecret}})
	gone := f.queue(t, "ops", "evt_gone")[0]
	removed := f.queue(t, "removed", "evt_r")[0]
	if res := f.pass(t); res.Failed != 2 {
		t.Fatalf("pass: %+v", res)
	}
	if d := f.get(t, gone); d.Status != tickets.OutFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "410") {
		t.Errorf("410: %+v", d)
	}
	if d := f.get(t, removed); d.Status != tickets.OutFailed || !strings.Contains(d.LastError, `webhook "removed" is not configured`) {
		t.Errorf("removed webhook: %+v", d)
	}
}

func TestWebhookSender_RetryAfterIsWaitedFor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: srv.URL}})
	id := f.queue(t, "ops", "evt_slow")[0]
	f.pass(t)
	if d := f.get(t, id); d.Status != tickets.OutPending || d.NextAttemptAt.Sub(start) != 10*time.Minute {
		t.Errorf("after a 429 asking for 600s: next attempt %v after the first", d.NextAttemptAt.Sub(start))
	}
}

// faultyHooks is the real store whose outcomes cannot be recorded while
// fail is set, as on a full disk.
type faultyHooks struct {
	*tickets.Store
	fail atomic.Bool
}

func (q *faultyHooks) RecordWebhookAttempt(ctx context.Context, id int64, a tickets.Attempt) error {
	if q.fail.Load() {
		return fmt.Errorf("tickets: commit: %w", errDiskFull)
	}
	return q.Store.RecordWebhookAttempt(ctx, id, a)
}

func TestWebhookSender_AnUnrecordedOutcomeIsHeldAndNeverSentAgain(t *testing.T) {
	c := &clock{t: start}
	rec := newHookReceiver(t, time.Now)
	st := openStore(t, filepath.Join(t.TempDir(), "m.db"), c.Now)
	q := &faultyHooks{Store: st}
	s, err := NewWebhookSender(WebhookOptions{Hooks: map[string]Hook{"ops": {URL: rec.srv.URL, Secret: hookSecret}}, Now: c.Now}, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &hookFixture{store: st, clock: c, sender: s}
	ids := f.queue(t, "ops", "evt_1", "evt_2")
	q.fail.Store(true)
	for range 3 {
		if _, err := s.DeliverDue(context.Background()); !errors.Is(err, ErrStore) {
			t.Fatalf("pass with a full disk: %v, want ErrStore", err)
		}
		c.Advance(10 * time.Minute) // past the claim: the row is due again
	}
	if got, _ := rec.counts(); got["evt_1"] != 1 || got["evt_2"] != 0 {
		t.Fatalf("while the store refused: receiver got %v, want evt_1 once and nothing more", got)
	}
	q.fail.Store(false)
	if _, err := s.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.counts(); got["evt_1"] != 1 || got["evt_2"] != 1 {
		t.Errorf("after the store recovered: receiver got %v, want each once", got)
	}
	for _, id := range ids {
		if d := f.get(t, id); d.Status != tickets.OutSent {
			t.Errorf("delivery %d is %s", id, d.Status)
		}
	}
}

func TestWebhookSender_TwoSendersNeverSendOneEvent(t *testing.T) {
	rec := newHookReceiver(t, time.Now)
	path := filepath.Join(t.TempDir(), "m.db")
	var senders []*WebhookSender
	var stores []*tickets.Store
	for i := range 2 {
		st := openStore(t, path, nil)
		s, err := NewWebhookSender(WebhookOptions{Hooks: map[string]Hook{"ops": {URL: rec.srv.URL, Secret: hookSecret}}, Owner: fmt.Sprintf("sender-%d", i), BatchSize: 5}, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		senders, stores = append(senders, s), append(stores, st)
	}
	f := &hookFixture{store: stores[0], clock: &clock{t: time.Now()}}
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("evt_%02d", i))
	}
	f.queue(t, "ops", ids...)
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() {
			for {
				res, err := s.DeliverDue(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if res.rows() == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	got, _ := rec.counts()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s received %d times", id, got[id])
		}
	}
}

func TestRunWebhooks_WakesOnACommitAndStopsOnCancel(t *testing.T) {
	rec := newHookReceiver(t, time.Now)
	st := openStore(t, filepath.Join(t.TempDir(), "m.db"), nil)
	s, err := NewWebhookSender(WebhookOptions{Hooks: map[string]Hook{"ops": {URL: rec.srv.URL, Secret: hookSecret}}, Interval: time.Hour}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, st.WebhookWake()) }()
	f := &hookFixture{store: st, clock: &clock{t: time.Now()}}
	f.queue(t, "ops", "evt_w")
	deadline := time.After(10 * time.Second)
	for {
		if got, _ := rec.counts(); got["evt_w"] == 1 {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the queued event was not sent on the commit's wake")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A shutdown while a request is under way waits for its answer and
// records it: the receiver may have acted, and must not get it again
// after the restart.
func TestWebhookSender_AShutdownDuringARequestRecordsItsAnswer(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		close(arrived)
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	f := newHookFixture(t, map[string]Hook{"ops": {URL: srv.URL}})
	ids := f.queue(t, "ops", "evt_inflight", "evt_later")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.sender.DeliverDue(ctx)
		done <- err
	}()
	<-arrived
	cancel() // SIGTERM, as the receiver works on the event
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverDue = %v, want the cancellation after the request under way", err)
	}
	if d := f.get(t, ids[0]); d.Status != tickets.OutSent {
		t.Errorf("the event under way is %s, want sent", d.Status)
	}
	if d := f.get(t, ids[1]); d.Status != tickets.OutPending || d.Attempts+d.Deferrals != 0 {
		t.Errorf("the next event was tried after the shutdown: %+v", d)
	}
}
