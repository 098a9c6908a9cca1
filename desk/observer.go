package desk

import (
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is how the desk tells the gateway's metrics what it did,
// without knowing of Prometheus: an Observer hears of each event once the
// transaction that made it committed (a batch undone, or a mail whose
// handling was rolled back to its quarantine, is never counted).

// Observer hears what the desk did, after the commit. Its methods run on
// the desk's goroutines (parse workers included): they must be safe for
// concurrent use, must not block and must not call the desk.
type Observer interface {
	// MailReceived: a fetched mail of mailbox was recorded with its
	// disposition (tickets.Disp*).
	MailReceived(mailbox, disposition string)
	// TicketOpened: a ticket was opened, of type (tickets.Incident,
	// tickets.ServiceRequest) and priority (P1 … P5).
	TicketOpened(typ, priority string)
	// AutoAnswer: an automatic answer from the FAQ reached an outcome
	// (AutoAnswerSent, …).
	AutoAnswer(outcome string)
	// SLATimer: an SLA reminder or breach (TimerReminder, TimerBreach)
	// of target (tickets.TargetRespond, tickets.TargetResolve) fired for
	// a ticket of priority.
	SLATimer(kind, target, priority string)
	// Matched: the FAQ index answered a mail's match, in took.
	Matched(took time.Duration)
}

// The outcomes of an automatic answer, as Observer.AutoAnswer hears them.
const (
	AutoAnswerSent        = "sent"             // mailed to the customer in place of the acknowledgement
	AutoAnswerConfirmed   = "confirmed"        // the customer said it helped: resolved
	AutoAnswerNotHelpful  = "not_helpful"      // the customer said it did not: escalated
	AutoAnswerUnclear     = "unclear"          // the customer's reply said neither: escalated without a vote
	AutoAnswerQuiet       = "resolved_quietly" // no reply within confirm_after: resolved
	AutoAnswerUndelivered = "undelivered"      // it never reached the customer: escalated
)

// AutoAnswerOutcomes lists every outcome, for an observer to show each
// from the start.
var AutoAnswerOutcomes = []string{AutoAnswerSent, AutoAnswerConfirmed, AutoAnswerNotHelpful, AutoAnswerUnclear, AutoAnswerQuiet, AutoAnswerUndelivered}

// The SLA timers, as Observer.SLATimer hears them.
const (
	TimerReminder = "reminder"
	TimerBreach   = "breach"
)

// noObserver hears nothing: a desk without an observer.
type noObserver struct{}

func (noObserver) MailReceived(string, string)     {}
func (noObserver) TicketOpened(string, string)     {}
func (noObserver) AutoAnswer(string)               {}
func (noObserver) SLATimer(string, string, string) {}
func (noObserver) Matched(time.Duration)           {}

// notes are what an Outcome carries for the observer: set where the
// thing happens inside the transaction, told once it committed.
type notes struct {
	openedType, openedPriority string // a ticket was opened
	autoAnswer                 string // an automatic answer's outcome
}

// opened notes that t was opened.
func (n *notes) opened(t *tickets.Ticket) { n.openedType, n.openedPriority = t.Type, t.Priority }

// tell tells the observer what a committed outcome noted.
func (d *Desk) tell(mailbox string, oc Outcome) {
	d.obs.MailReceived(mailbox, oc.Disposition)
	if oc.notes.openedType != "" {
		d.obs.TicketOpened(oc.notes.openedType, oc.notes.openedPriority)
	}
	if oc.notes.autoAnswer != "" {
		d.obs.AutoAnswer(oc.notes.autoAnswer)
	}
}

// timerNote is an SLA timer a tick fired, for the observer.
type timerNote struct{ kind, target, priority string }

// tellTick tells the observer what one committed batch of a tick did.
func (d *Desk) tellTick(r TickResult) {
	for _, n := range r.timers {
		d.obs.SLATimer(n.kind, n.target, n.priority)
	}
	for range r.Confirmed {
		d.obs.AutoAnswer(AutoAnswerQuiet)
	}
	for range r.Undelivered {
		d.obs.AutoAnswer(AutoAnswerUndelivered)
	}
}
