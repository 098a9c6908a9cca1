package tickets

import "time"

// A transaction notes the ticket changes the world outside the desk may
// hear of (outgoing webhooks) where they happen: CreateTicket, SetStatus,
// MergeTicket, MarkBreached, SetTier. Before the transaction commits, the
// store's observer hears of them, with the transaction, and writes what
// they cause (the webhook rows) in it: a change and its event commit
// together or not at all, whichever door (mail, terminal, console, API)
// the change came through.

// ChangeKind names a change; the names are the webhook event types.
type ChangeKind string

// Changes others may hear of.
const (
	ChangeCreated      ChangeKind = "ticket.created"
	ChangeEscalated    ChangeKind = "ticket.escalated" // status escalated, or on to a later tier
	ChangeBreached     ChangeKind = "ticket.breached"  // an SLA target passed unmet
	ChangeResolved     ChangeKind = "ticket.resolved"
	ChangeClosed       ChangeKind = "ticket.closed" // closed, merged or attached
	ChangeAutoAnswered ChangeKind = "faq.auto_answered"
)

// Change is one change of a ticket in a transaction.
type Change struct {
	Kind     ChangeKind
	TicketID int64
	Target   string    // ChangeBreached: TargetRespond or TargetResolve
	DueAt    time.Time // ChangeBreached: when the target was due
}

// Observer hears of the changes of a write transaction after its work is
// done and before it commits, each (ticket, kind) once however often it
// happened, in the order they first happened; what it writes with tx
// commits with them, and an error it returns rolls the whole transaction
// back. The tickets it reads through tx are as they will be committed.
type Observer func(tx *Tx, changes []Change) error

// Observe makes o the store's observer (nil: none). The desk sets it when
// it is built.
func (s *Store) Observe(o Observer) {
	if o == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&o)
}

// changed notes c, unless the transaction noted it already.
func (tx *Tx) changed(c Change) {
	for _, p := range tx.changes {
		if p.Kind == c.Kind && p.TicketID == c.TicketID && p.Target == c.Target {
			return
		}
	}
	tx.changes = append(tx.changes, c)
}

// observe hands the transaction's changes to the observer, if any.
func (s *Store) observe(tx *Tx) error {
	o := s.observer.Load()
	if o == nil || len(tx.changes) == 0 {
		return nil
	}
	return (*o)(tx, tx.changes)
}

// Changes are the changes the transaction has noted so far: what the
// observer will hear of.
func (tx *Tx) Changes() []Change { return append([]Change(nil), tx.changes...) }
