package outbox

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// Check connects to the relay as the sender does (TLS or STARTTLS, EHLO,
// AUTH as configured) and quits: what `check-config --connect` reports. It
// sends nothing and needs no store.
func Check(ctx context.Context, opts Options, log *slog.Logger) error {
	s, err := New(opts, noQueue{}, log)
	if err != nil {
		return err
	}
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	return s.client.CloseWithSMTPClient(c)
}

// noQueue is the queue of a sender that only checks the connection.
type noQueue struct{}

var errNoQueue = errors.New("outbox: a connection check sends nothing")

func (noQueue) ClaimOutgoing(context.Context, string, time.Time, time.Time, int) ([]tickets.Outgoing, error) {
	return nil, errNoQueue
}
func (noQueue) RecordAttempt(context.Context, int64, tickets.Attempt) error { return errNoQueue }
