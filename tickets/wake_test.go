package tickets

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A write committed by another process (an admin's `tickets reply`)
// wakes the gateway that holds the lock at once: it need not wait for its
// next tick to send what was queued.
func TestWake_AWriteByAnotherProcessWakesTheGateway(t *testing.T) {
	sqliteOnly(t)
	db := filepath.Join(t.TempDir(), "m.db")
	gateway, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	defer gateway.Release()
	wakes, err := gateway.Wakes()
	if err != nil {
		t.Fatal(err)
	}
	admin, err := Open(db, &Options{WakeGateway: true})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.View(context.Background(), func(tx *Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wakes:
		t.Fatal("a read woke the gateway")
	default:
	}
	if err := admin.Update(context.Background(), func(tx *Tx) error { return tx.Event(0, "", "test", "admin", nil) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wakes:
	case <-time.After(30 * time.Second): // a bound on a failure, not a wait for success
		t.Fatal("the commit did not wake the gateway")
	}
}

// Without a gateway a wake goes nowhere and never waits: no pipe, or a
// pipe nobody reads (a gateway that has stopped, or was killed).
func TestWake_WithoutAGatewayNothingWaits(t *testing.T) {
	sqliteOnly(t)
	db := filepath.Join(t.TempDir(), "m.db")
	Wake(db) // no pipe yet
	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Wakes(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(WakePath(db))
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe beside the store: %v %v", fi, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100_000 { // more than a pipe holds
			Wake(db)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("waking a stopped gateway blocks")
	}

	// A file in the pipe's place (left by hand) is neither written nor kept.
	if err := os.Remove(WakePath(db)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(WakePath(db), []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	Wake(db)
	if b, _ := os.ReadFile(WakePath(db)); string(b) != "notes" {
		t.Fatalf("a wake wrote into a plain file: %q", b)
	}
	l, err = AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := l.Wakes(); err != nil {
		t.Fatalf("the gateway did not replace the plain file with its pipe: %v", err)
	}
}
