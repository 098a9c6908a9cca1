package outbox

import (
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// Observer hears how delivery goes, for the gateway's metrics and its
// readiness check, without the sender knowing of either. Its methods run
// on the sender's goroutine: they must not block.
type Observer interface {
	// Attempted: one delivery attempt ended with result (AttemptSent,
	// AttemptRetry, AttemptFailed, AttemptUnknown); class is why it
	// failed (FailureConnection, …), "" when it did not.
	Attempted(result, class string)
	// Relay: a connection to the relay was made (true) or could not be
	// (false: refused, DNS, TLS, greeting, login), at at.
	Relay(reachable bool, at time.Time)
}

// What an attempt came to: sent, to be retried, or given up — failed, or
// with its outcome unknown (the relay may hold the mail).
const (
	AttemptSent    = "sent"
	AttemptRetry   = "retry"
	AttemptFailed  = "failed"
	AttemptUnknown = "unknown"
)

// AttemptResults lists every result.
var AttemptResults = []string{AttemptSent, AttemptRetry, AttemptFailed, AttemptUnknown}

// Why an attempt failed.
const (
	// FailureConnection: the relay was not reached, or went away before it
	// answered (refused, DNS, TLS, login, 421): an outage, not the mail's
	// fault; it does not count against smtp.max_attempts.
	FailureConnection = "connection"
	// FailureTemporary: the relay answered 4xx, or the connection broke
	// after it answered: tried again later.
	FailureTemporary = "temporary"
	// FailurePermanent: the relay answered 5xx, or the mail cannot be
	// sent as it is: given up at once.
	FailurePermanent = "permanent"
	// FailureUnknown: no answer after the end of DATA: the relay may hold
	// the mail.
	FailureUnknown = "unknown"
)

// FailureClasses lists every class of failure.
var FailureClasses = []string{FailureConnection, FailureTemporary, FailurePermanent, FailureUnknown}

// attemptResult is what an attempt recorded as a came to.
func attemptResult(a tickets.Attempt, row tickets.Outgoing) string {
	switch {
	case a.Status == tickets.OutSent:
		return AttemptSent
	case a.Status == tickets.OutPending:
		return AttemptRetry
	case a.Unknown || row.OutcomeUnknown:
		return AttemptUnknown
	}
	return AttemptFailed
}

type noObserver struct{}

func (noObserver) Attempted(string, string) {}
func (noObserver) Relay(bool, time.Time)    {}
