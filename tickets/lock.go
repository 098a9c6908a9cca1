package tickets

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked: another process holds the store's writer lock.
var ErrLocked = errors.New("tickets: store is locked by another process")

// Lock is the exclusive writer lock of a store: a file beside the database
// (PATH.lock) held with flock(2). The kernel drops the lock when its holder
// dies, so a crash never leaves a stale lock behind; the pid written into
// the file only tells a person who holds it.
type Lock struct {
	db, path string
	f        *os.File
	wake     *os.File      // the pipe of Wakes, nil until it is called
	wakeDone chan struct{} // closed when the pipe's reader has stopped
}

// LockError says which lock is held and by whom.
type LockError struct {
	Path string
	PID  int // 0 when the holder did not write its pid yet
}

func (e *LockError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("tickets: store lock %s is held by process %d (another madoguchi run on the same database?)", e.Path, e.PID)
	}
	return fmt.Sprintf("tickets: store lock %s is held by another process", e.Path)
}

func (e *LockError) Unwrap() error { return ErrLocked }

// LockPath is the lock file of the database at dbPath.
func LockPath(dbPath string) string { return dbPath + ".lock" }

// AcquireLock takes the writer lock of the database at dbPath without
// waiting: one gateway per store, whatever else (admin commands) reads or
// writes it. A held lock is a *LockError (errors.Is ErrLocked).
func AcquireLock(dbPath string) (*Lock, error) {
	if err := makeDirs(dbPath); err != nil {
		return nil, err
	}
	path := LockPath(dbPath)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("tickets: opening lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, &LockError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("tickets: locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{db: dbPath, path: path, f: f}, nil
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// Release drops the lock. The file stays: removing it would race with a
// process that has just opened it.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	if l.wake != nil {
		// Others' wakes find no reader from now on (the pipe stays).
		_ = l.wake.Close()
		<-l.wakeDone
		l.wake = nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
