package tickets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestAcquireLock_SecondHolderIsRefusedWithPathAndPID(t *testing.T) {
	sqliteOnly(t)
	db := filepath.Join(t.TempDir(), "m.db")
	l, err := AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(db)
	var le *LockError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: want *LockError, got %v", err)
	}
	if le.Path != db+".lock" || le.PID != os.Getpid() {
		t.Fatalf("lock error names %s pid %d, want %s pid %d", le.Path, le.PID, db+".lock", os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, db+".lock") || !strings.Contains(msg, strconv.Itoa(os.Getpid())) {
		t.Fatalf("message %q should name the lock and the pid", msg)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(db)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestOpen_StoreFilesArePrivateWhateverTheUmask(t *testing.T) {
	sqliteOnly(t)
	for _, umask := range []int{0o022, 0o000} {
		old := syscall.Umask(umask)
		dir := filepath.Join(t.TempDir(), "data", "sub")
		db := filepath.Join(dir, "m.db")
		s, err := Open(db, nil)
		if err != nil {
			syscall.Umask(old)
			t.Fatal(err)
		}
		// A write makes sure the -wal and -shm files exist.
		err = s.Update(context.Background(), func(tx *Tx) error { return tx.Event(0, "", "test", "", nil) })
		l, lerr := AcquireLock(db)
		syscall.Umask(old)
		if err != nil || lerr != nil {
			t.Fatal(err, lerr)
		}
		for _, f := range []string{db, db + "-wal", db + "-shm", db + ".lock"} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatalf("umask %03o: %v", umask, err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("umask %03o: %s has mode %03o, want 600", umask, filepath.Base(f), m)
			}
		}
		for _, d := range []string{dir, filepath.Dir(dir)} {
			fi, err := os.Stat(d)
			if err != nil {
				t.Fatal(err)
			}
			if m := fi.Mode().Perm(); m != 0o700 {
				t.Errorf("umask %03o: directory %s has mode %03o, want 700", umask, d, m)
			}
		}
		l.Release()
		s.Close()
	}
}
