package intake

import "time"

// Observer hears how a poller fares, for the gateway's metrics and its
// readiness check, without the poller knowing of either. Its methods run
// on the poller's goroutine: they must not block.
type Observer interface {
	// Connected: a session logged in and selected the mailbox (true), or
	// it ended, failed or could not be opened (false).
	Connected(up bool)
	// Polled: a pass over the mailbox completed at at: every waiting mail
	// was handed to the sink and filed.
	Polled(at time.Time)
}

type noObserver struct{}

func (noObserver) Connected(bool)   {}
func (noObserver) Polled(time.Time) {}
