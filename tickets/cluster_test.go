package tickets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// openGateway opens a store on src and joins it as a gateway.
func openGateway(t *testing.T, src Source, opts *Options) (*Store, *Gateway) {
	t.Helper()
	s, err := OpenSource(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.JoinAsGateway(context.Background())
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Release()
		s.Close()
	})
	return s, g
}

// terminateLockConnection ends g's lock connection from the server's side,
// as a gateway killed or cut off loses it.
func terminateLockConnection(t *testing.T, s *Store, g *Gateway) {
	t.Helper()
	g.pg.mu.Lock()
	pid := g.pg.conn.PgConn().PID()
	g.pg.mu.Unlock()
	var ok bool
	if err := s.r.QueryRow("SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminating the lock connection: %v %v", ok, err)
	}
}

// One gateway polls a mailbox; a standby waiting for it takes it within
// seconds of the holder's connection ending, and the holder is told to
// stop first.
func TestGateway_AStandbyTakesAMailboxOverWithinSecondsOfItsHoldersDeath(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	sa, a := openGateway(t, src, nil)
	_, b := openGateway(t, src, nil)
	ctx := context.Background()

	ha, err := a.HoldMailbox(ctx, "support", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.HoldMailbox(ctx, "support", false); !errors.Is(err, ErrHeld) {
		t.Fatalf("a second gateway on a held mailbox: %v, want ErrHeld", err)
	}
	if _, err := b.HoldMailbox(ctx, "sales", false); err != nil {
		t.Fatalf("another mailbox is free: %v", err)
	}
	got := make(chan *Hold, 1)
	go func() {
		h, err := b.HoldMailbox(ctx, "support", true)
		if err != nil {
			t.Error(err)
		}
		got <- h
	}()
	select {
	case <-got:
		t.Fatal("the standby took a mailbox that is held")
	case <-time.After(1500 * time.Millisecond):
	}
	start := time.Now()
	terminateLockConnection(t, sa, a)
	select {
	case <-ha.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("the holder was not told it lost its mailbox")
	}
	select {
	case h := <-got:
		t.Logf("taken over %s after the holder's connection ended", time.Since(start).Round(10*time.Millisecond))
		h.Release()
	case <-time.After(5 * time.Second):
		t.Fatal("the standby did not take the mailbox over within 5 s")
	}
	// The holder's connection comes back: it is a standby now.
	if _, err := a.HoldMailbox(ctx, "sales", false); !errors.Is(err, ErrHeld) {
		t.Errorf("the old holder took a mailbox the other holds: %v", err)
	}
}

// The timers have one holder cluster-wide; a released hold is free again.
func TestGateway_TimersRunOnOneGatewayAtATime(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	_, a := openGateway(t, src, nil)
	_, b := openGateway(t, src, nil)
	ctx := context.Background()
	h, err := a.HoldTimers(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.HoldTimers(ctx, false); !errors.Is(err, ErrHeld) {
		t.Fatalf("two gateways run the timers: %v", err)
	}
	h.Release()
	if _, err := b.HoldTimers(ctx, false); err != nil {
		t.Fatalf("released timers not taken: %v", err)
	}
}

// An FAQ change committed anywhere reaches every gateway at once, and a
// write of another process that asks to wake them does too.
func TestGateway_FAQChangesAndWakesReachEveryGateway(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	_, g := openGateway(t, src, nil)
	faq, wakes := g.FAQChanges(), mustWakes(t, g)
	drain(faq)
	drain(wakes)

	admin, err := OpenSource(context.Background(), src, &Options{WakeGateway: true})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	start := time.Now()
	err = admin.Update(context.Background(), func(tx *Tx) error {
		_, err := tx.PutFAQ(&FAQ{Key: "vpn", Question: "VPN?", Answer: "Restart it."}, 0, "admin")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]<-chan struct{}{"faq": faq, "wake": wakes} {
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Errorf("no %s notification within a second", name)
		}
	}
	t.Logf("heard after %s", time.Since(start).Round(time.Millisecond))
}

func mustWakes(t *testing.T, g *Gateway) <-chan struct{} {
	t.Helper()
	c, err := g.Wakes()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// drain waits for the signals a new listener gives (catch-up) and drops
// them.
func drain(ch <-chan struct{}) {
	deadline := time.After(2 * time.Second)
	for {
		select {
		case <-ch:
		case <-deadline:
			return
		case <-time.After(300 * time.Millisecond):
			return
		}
	}
}

// A claim of a gateway that is gone is known dead, at once; a live
// gateway's is alive; an owner no gateway registered is unknown (its
// claims expire).
func TestClaimHolderDead_AGatewayGoneIsKnownDead(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	s, a := openGateway(t, src, nil)
	ctx := context.Background()
	owner := a.Owner()
	if dead, known, err := s.ClaimHolderDead(ctx, owner); err != nil || !known || dead {
		t.Fatalf("live gateway: dead %v known %v %v", dead, known, err)
	}
	if _, known, _ := s.ClaimHolderDead(ctx, "host:123:4026531836:0badf00d"); known {
		t.Error("an owner no gateway registered is known")
	}
	a.Release()
	if dead, known, err := s.ClaimHolderDead(ctx, owner); err != nil || !known || !dead {
		t.Fatalf("gateway gone: dead %v known %v %v", dead, known, err)
	}
}

// On SQLite the one gateway holds everything, and a second is refused.
func TestGateway_SQLiteHasOneGatewayThatHoldsEverything(t *testing.T) {
	sqliteOnly(t)
	src := testSource(t)
	_, g := openGateway(t, src, nil)
	if g.Shared() || g.Owner() != "" {
		t.Errorf("shared %v owner %q", g.Shared(), g.Owner())
	}
	if _, err := g.HoldMailbox(context.Background(), "support", false); err != nil {
		t.Fatal(err)
	}
	if _, err := g.HoldTimers(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenSource(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.JoinAsGateway(context.Background()); !errors.Is(err, ErrLocked) {
		t.Fatalf("second gateway on SQLite: %v, want ErrLocked", err)
	}
}

// Three gateways share three mailboxes: the first takes all, and hands one
// over to each gateway that joins, so the polling spreads over the
// machines; one gateway left takes every mailbox back. The periods keep
// their production ratio (a count every third check): a gateway's own
// standby pollers count the gateways as they wait, and the hand-over must
// not depend on which of them counts first.
func TestGateway_MailboxesSpreadOverTheGatewaysAndComeBackToTheLastOne(t *testing.T) {
	postgresOnly(t)
	defer func(check, share time.Duration) { clusterCheckEvery, shareEvery = check, share }(clusterCheckEvery, shareEvery)
	clusterCheckEvery, shareEvery = 100*time.Millisecond, 300*time.Millisecond
	src := testSource(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	boxes := []string{"support", "sales", "hr"}
	type holder struct {
		mu   sync.Mutex
		held map[string]bool
	}
	// run polls every mailbox as `run` does: hold (waiting), poll until
	// the hold is lost or surplus, release, wait again.
	run := func(g *Gateway, h *holder) {
		g.ShareMailboxes(len(boxes))
		for _, box := range boxes {
			go func() {
				for ctx.Err() == nil {
					hold, err := g.HoldMailbox(ctx, box, true)
					if err != nil {
						return
					}
					h.mu.Lock()
					h.held[box] = true
					h.mu.Unlock()
					select {
					case <-ctx.Done():
					case <-hold.Surplus():
					case <-hold.Lost():
					}
					h.mu.Lock()
					delete(h.held, box)
					h.mu.Unlock()
					hold.Release()
				}
			}()
		}
	}
	count := func(h *holder) int {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.held)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		// Ten periods of counting: each step takes one count and a
		// waiting gateway's next try.
		within := 10 * shareEvery
		deadline := time.Now().Add(within)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("not within %v: %s", within, what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	var gws []*Gateway
	var hs []*holder
	for i := range 3 {
		_, g := openGateway(t, src, nil)
		h := &holder{held: map[string]bool{}}
		gws, hs = append(gws, g), append(hs, h)
		run(g, h)
		want := []int{3, 2, 1}[i]
		waitFor(fmt.Sprintf("%d gateways: the first holds %d", i+1, want), func() bool {
			total := 0
			for _, h := range hs {
				total += count(h)
			}
			return count(hs[0]) == want && total == 3
		})
	}
	for i, h := range hs {
		if n := count(h); n != 1 {
			t.Errorf("gateway %d holds %d mailboxes, want 1", i, n)
		}
	}
	gws[1].Release()
	gws[2].Release()
	waitFor("the last gateway holds every mailbox again", func() bool { return count(hs[0]) == 3 })
}
