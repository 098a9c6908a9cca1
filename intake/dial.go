package intake

import (
	"net"
	"sync"
	"time"
)

// deadlineConn lets the poller put a deadline on a whole command.
// imapclient only sets read deadlines once a response has begun and clears
// them between responses (and during IDLE), so a server that accepts a
// command and then goes silent, or a half-open connection, would block a
// Wait forever. The client's own deadlines still apply; the earlier wins.
type deadlineConn struct {
	net.Conn

	mu         sync.Mutex
	command    time.Time // set by arm; zero when no command is in flight
	clientRead time.Time // as last set by imapclient or crypto/tls
}

func newDeadlineConn(c net.Conn) *deadlineConn { return &deadlineConn{Conn: c} }

// arm bounds everything read from now on to d; d <= 0 disarms.
func (c *deadlineConn) arm(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.command = time.Now().Add(d)
	} else {
		c.command = time.Time{}
	}
	_ = c.applyLocked()
}

func (c *deadlineConn) disarm() { c.arm(0) }

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clientRead = t
	return c.applyLocked()
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) applyLocked() error {
	d := c.clientRead
	if d.IsZero() || (!c.command.IsZero() && c.command.Before(d)) {
		d = c.command
	}
	return c.Conn.SetReadDeadline(d)
}
