package tickets

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// This file holds what agents and the SLA timers change on a ticket. Every
// change is audited in the same transaction; setting what is already set
// changes nothing and writes no event.

// computeDue sets the due times (DueAt is the resolve one) of the targets
// still to be met from the start of the SLA clocks, the priority and the
// pause so far. A target met or breached keeps its due time: it is history.
func (t *Ticket) computeDue(p SLAPolicy) {
	if t.respondPending() {
		t.RespondDueAt = p.Due(t, TargetRespond)
	}
	if t.ResolveBreachedAt.IsZero() {
		t.ResolveDueAt = p.Due(t, TargetResolve)
		t.DueAt = t.ResolveDueAt
	}
}

// SetSLA recomputes the due times of t's targets still to be met from the
// start of its SLA clocks, its priority and the business time paused so
// far, with p (e.g. after the configuration's targets changed). Reminders and breaches already recorded stay: they
// happened, and a timer never fires twice for one target.
func (tx *Tx) SetSLA(t *Ticket, p SLAPolicy) error {
	respond, resolve := t.RespondDueAt, t.ResolveDueAt
	t.computeDue(p)
	if t.RespondDueAt.Equal(respond) && t.ResolveDueAt.Equal(resolve) {
		return nil
	}
	if _, err := tx.exec("set_ticket_sla", fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt), t.ID); err != nil {
		return err
	}
	if err := tx.reschedule(t); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "sla_changed", "system", map[string]any{
		"respond_due_at": fmtTime(t.RespondDueAt), "resolve_due_at": fmtTime(t.ResolveDueAt),
		"was_respond_due_at": fmtTime(respond), "was_resolve_due_at": fmtTime(resolve),
	})
}

// Priorities are the ITIL priorities, highest first.
var Priorities = []string{"P1", "P2", "P3", "P4", "P5"}

// SetPriority sets the priority (overriding the impact × urgency matrix)
// and recomputes the due times with p.
func (tx *Tx) SetPriority(t *Ticket, prio string, p SLAPolicy, actor string) error {
	if !slices.Contains(Priorities, prio) {
		return fmt.Errorf("tickets: unknown priority %q (want one of %s)", prio, strings.Join(Priorities, ", "))
	}
	if t.Priority == prio {
		return nil
	}
	from := t.Priority
	t.Priority, t.UpdatedAt = prio, tx.now
	t.computeDue(p)
	if _, err := tx.exec("set_ticket_priority", t.Priority, fmtTime(t.UpdatedAt), t.ID); err != nil {
		return err
	}
	if _, err := tx.exec("set_ticket_sla", fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt), t.ID); err != nil {
		return err
	}
	if err := tx.reschedule(t); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "priority_changed", actor, map[string]any{
		"from": from, "to": prio, "respond_due_at": fmtTime(t.RespondDueAt), "resolve_due_at": fmtTime(t.ResolveDueAt),
	})
}

// SetType sets the ticket type (Incident or ServiceRequest). The reference
// keeps its prefix: it is already in the customer's mail.
func (tx *Tx) SetType(t *Ticket, typ string, actor string) error {
	if typ != Incident && typ != ServiceRequest {
		return fmt.Errorf("tickets: unknown ticket type %q (want %s or %s)", typ, Incident, ServiceRequest)
	}
	if t.Type == typ {
		return nil
	}
	from := t.Type
	t.Type, t.UpdatedAt = typ, tx.now
	if _, err := tx.exec("set_ticket_type", t.Type, fmtTime(t.UpdatedAt), t.ID); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "type_changed", actor, map[string]any{"from": from, "to": typ})
}

// SetAssignee assigns the ticket to an agent's address (a display name is
// dropped, the address lower-cased); "" unassigns it.
func (tx *Tx) SetAssignee(t *Ticket, addr string, actor string) error {
	if addr = strings.TrimSpace(addr); addr != "" {
		a, err := mail.ParseAddress(addr)
		if err != nil {
			return fmt.Errorf("tickets: assignee %q is not a mail address: %w", addr, err)
		}
		addr = strings.ToLower(a.Address)
	}
	if t.Assignee == addr {
		return nil
	}
	from := t.Assignee
	t.Assignee, t.UpdatedAt = addr, tx.now
	if _, err := tx.exec("set_ticket_assignee", t.Assignee, fmtTime(t.UpdatedAt), t.ID); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "assignee_changed", actor, map[string]any{"from": from, "to": addr})
}

// SetTier sends the ticket to tier (an index into the configured tiers;
// the store does not know how many there are) from now on: TierSince is
// now, which starts that tier's escalate_after. The tier it is already
// with changes nothing, unless it was never sent to one. Another tier
// unassigns the ticket.
func (tx *Tx) SetTier(t *Ticket, tier int, actor, why string) error {
	if tier < 0 {
		return fmt.Errorf("tickets: tier %d is negative", tier)
	}
	if t.Tier == tier && !t.TierSince.IsZero() {
		return nil
	}
	from := t.Tier
	if from != tier && t.Assignee != "" {
		// An assignee works for a tier: once the ticket is another's, the
		// agent who had it is no longer its owner, and that tier's agents
		// take it (#take) rather than find it someone else's.
		if err := tx.SetAssignee(t, "", actor); err != nil {
			return err
		}
	}
	if tier > from && !t.TierSince.IsZero() {
		// On to a later tier; reaching the first one is the status
		// escalated (SetStatus).
		tx.changed(Change{Kind: ChangeEscalated, TicketID: t.ID})
	}
	t.Tier, t.TierSince, t.UpdatedAt = tier, tx.now, tx.now
	if _, err := tx.exec("set_ticket_tier", t.Tier, fmtTime(t.TierSince), t.ID); err != nil {
		return err
	}
	if err := tx.reschedule(t); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "tier_changed", actor, map[string]any{"from": from, "to": tier, "reason": why})
}

// MarkFirstResponse records now as the first agent answer (which stops the
// respond clock); later answers change nothing. actor is the agent.
func (tx *Tx) MarkFirstResponse(t *Ticket, actor string) error {
	if !t.FirstResponseAt.IsZero() {
		return nil
	}
	res, err := tx.exec("set_first_response", fmtTime(tx.now), t.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // recorded by another transaction: t was stale
	}
	t.FirstResponseAt, t.UpdatedAt = tx.now, tx.now
	if err := tx.reschedule(t); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "first_response", actor, map[string]any{
		"respond_due_at": fmtTime(t.RespondDueAt), "late": !t.RespondDueAt.IsZero() && tx.now.After(t.RespondDueAt),
	})
}

// Hold puts the ticket on hold: SetStatus to StatusOnHold, which stops the
// SLA clock until the ticket leaves on_hold (SetStatus to any other status
// restarts it, adding the business time held to the pause).
func (tx *Tx) Hold(t *Ticket, actor, why string) error {
	return tx.SetStatus(t, StatusOnHold, actor, why)
}

// MarkReminded records that the reminder of target (TargetRespond or
// TargetResolve) was sent; a second call changes nothing.
func (tx *Tx) MarkReminded(t *Ticket, target string) error {
	return tx.markTimer(t, target, "reminded", &t.RespondRemindedAt, &t.ResolveRemindedAt)
}

// MarkBreached records that target passed its due time unmet; a second
// call changes nothing.
func (tx *Tx) MarkBreached(t *Ticket, target string) error {
	field, due := &t.RespondBreachedAt, t.RespondDueAt
	if target == TargetResolve {
		field, due = &t.ResolveBreachedAt, t.ResolveDueAt
	}
	was := *field
	if err := tx.markTimer(t, target, "breached", &t.RespondBreachedAt, &t.ResolveBreachedAt); err != nil {
		return err
	}
	if was.IsZero() && !field.IsZero() {
		tx.changed(Change{Kind: ChangeBreached, TicketID: t.ID, Target: target, DueAt: due})
	}
	t.setBreaches()
	return nil
}

func (tx *Tx) markTimer(t *Ticket, target, what string, respond, resolve *time.Time) error {
	field, due := respond, t.RespondDueAt
	switch target {
	case TargetRespond:
	case TargetResolve:
		field, due = resolve, t.ResolveDueAt
	default:
		return fmt.Errorf("tickets: unknown SLA target %q (want %s or %s)", target, TargetRespond, TargetResolve)
	}
	if !field.IsZero() {
		return nil
	}
	res, err := tx.exec("set_"+target+"_"+what, fmtTime(tx.now), t.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // recorded by another transaction: t was stale
	}
	*field = tx.now
	if err := tx.reschedule(t); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "sla_"+what, "system", map[string]any{"target": target, "due_at": fmtTime(due)})
}

// StatusOpen selects, in a ListFilter, every status but closed (resolved
// tickets too, until they close). No ticket has it.
const StatusOpen Status = "open"

// ListFilter selects tickets for ListTickets; zero fields select all.
type ListFilter struct {
	Status   Status // one status, or StatusOpen
	Priority string // P1..P5
	Assignee string // an agent's address
	// Overdue keeps the open tickets (new, escalated, in_progress, on_hold)
	// whose respond target (before the first answer) or resolve target was
	// due at Now; a ticket on hold counts as of when it was put on hold.
	Overdue bool
	Now     time.Time // zero = the transaction's time
	Search  string    // text in the subject or any entry's text (ASCII case ignored)
	// Mailbox keeps the tickets of one configured mailbox ("" = any).
	// With AlsoNotIn, the tickets whose mailbox is none of AlsoNotIn come
	// too: the desk answers those (of a mailbox no longer configured) from
	// its default mailbox, so a list of the default mailbox names every
	// configured one there.
	Mailbox   string
	AlsoNotIn []string
	Limit     int // <= 0 = no limit
	Offset    int
}

// ListTickets lists the tickets f selects, newest first.
func (tx *Tx) ListTickets(f ListFilter) ([]*Ticket, error) {
	if f.Status != "" && f.Status != StatusOpen {
		if _, ok := transitions[f.Status]; !ok {
			return nil, fmt.Errorf("tickets: unknown status %q", f.Status)
		}
	}
	if f.Priority != "" && !slices.Contains(Priorities, f.Priority) {
		return nil, fmt.Errorf("tickets: unknown priority %q (want one of %s)", f.Priority, strings.Join(Priorities, ", "))
	}
	if f.Offset < 0 {
		return nil, fmt.Errorf("tickets: negative offset %d", f.Offset)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	now := f.Now
	if now.IsZero() {
		now = tx.now
	}
	var pattern string
	if f.Search != "" {
		pattern = "%" + escapeLike(f.Search) + "%"
	}
	return tx.ticketList("tickets_filtered", f.Status, f.Priority, strings.ToLower(strings.TrimSpace(f.Assignee)),
		f.Overdue, fmtTime(now), pattern, limit, f.Offset, f.Mailbox, jsonList(f.AlsoNotIn))
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
