package intake

import (
	"context"
	"errors"
	"log/slog"
)

// CheckResult is what Check learnt of the server.
type CheckResult struct {
	UIDValidity uint32 // of the mailbox
	IDLE        bool   // the server has IDLE: new mail is seen at once
}

// Check connects as the poller does (TLS or STARTTLS, the greeting, the
// login) and selects the mailbox, then logs out: what `check-config
// --connect` reports. It fetches and flags nothing; like the poller's first
// connection, it creates the processed mailbox when it is missing. Errors
// match ErrConnect or ErrAuth as the poller's do.
func Check(ctx context.Context, opts PollerOptions, log *slog.Logger) (CheckResult, error) {
	p, err := NewPoller(opts, noSink{}, log)
	if err != nil {
		return CheckResult{}, err
	}
	s, err := p.connect(ctx)
	if err != nil {
		return CheckResult{}, err
	}
	defer s.close()
	return CheckResult{UIDValidity: s.uidValidity, IDLE: s.idle}, nil
}

// noSink is the sink of a poller that only checks the connection.
type noSink struct{}

var errNoSink = errors.New("intake: a connection check stores nothing")

func (noSink) Known(context.Context, string, uint32, []uint32) (map[uint32]bool, error) {
	return nil, errNoSink
}
func (noSink) LastUID(context.Context, string, uint32) (uint32, error) { return 0, errNoSink }
func (noSink) Store(context.Context, []Fetched) error                  { return errNoSink }
