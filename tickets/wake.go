package tickets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// A running gateway hears of what other processes (the admin commands)
// commit through a named pipe beside the database, PATH.wake: it reads
// the pipe while it holds the store's lock, and a process that wrote to
// the store writes a byte to it. The byte carries nothing but "look now":
// the database is the truth, so a wake lost (no gateway, a full pipe) only
// leaves the gateway to find the change at its next tick.

// WakePath is the pipe through which the gateway of the database at
// dbPath is woken.
func WakePath(dbPath string) string { return dbPath + ".wake" }

// Wakes returns a channel that receives a value whenever another process
// wakes the gateway holding l (Wake), until Release. Only the holder of the
// lock listens, so a wake is never taken by anyone else; once.
func (l *Lock) Wakes() (<-chan struct{}, error) {
	if l.wake != nil {
		return nil, errors.New("tickets: the gateway's pipe is read already")
	}
	path := WakePath(l.db)
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&fs.ModeNamedPipe == 0:
		// Not ours to read: the name is ours, so the file is replaced.
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("tickets: replacing %s with the gateway's pipe: %w", path, err)
		}
		fallthrough
	case errors.Is(err, fs.ErrNotExist):
		if err := syscall.Mkfifo(path, filePerm); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("tickets: creating the gateway's pipe %s: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("tickets: the gateway's pipe %s: %w", path, err)
	}
	// Read and write: the pipe never reaches end-of-file while the
	// gateway has it open, however many writers come and go, and opening
	// it never waits for a writer.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("tickets: opening the gateway's pipe %s: %w", path, err)
	}
	c := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64)
		for {
			if _, err := f.Read(buf); err != nil {
				return // closed by Release
			}
			select {
			case c <- struct{}{}:
			default: // a wake is pending already
			}
		}
	}()
	l.wake, l.wakeDone = f, done
	return c, nil
}

// Wake wakes the gateway of the database at dbPath, if one runs, so that
// it delivers the mail just queued and picks up the change at once rather
// than at its next tick. It never waits and never fails: without a
// gateway there is nobody to wake.
func Wake(dbPath string) {
	path := WakePath(dbPath)
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		return
	}
	// Without a reader (no gateway) the open fails at once (ENXIO); a
	// full pipe fails the write (EAGAIN), and a wake is pending anyway.
	// Plain system calls: an os.File would wait for room in the pipe.
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	_, _ = syscall.Write(fd, []byte{1})
	_ = syscall.Close(fd)
}
