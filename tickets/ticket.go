package tickets

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Ticket types.
const (
	Incident       = "incident"
	ServiceRequest = "service_request"
)

// Status is where a ticket stands in the ITIL flow.
type Status string

// Statuses of the ITIL flow.
const (
	StatusNew          Status = "new"
	StatusAutoAnswered Status = "auto_answered"
	StatusEscalated    Status = "escalated"
	StatusInProgress   Status = "in_progress"
	StatusOnHold       Status = "on_hold"
	StatusResolved     Status = "resolved"
	StatusClosed       Status = "closed"
)

// Statuses lists every ticket status, in the order of the flow.
var Statuses = []Status{StatusNew, StatusAutoAnswered, StatusEscalated, StatusInProgress, StatusOnHold, StatusResolved, StatusClosed}

// transitions lists, for each status, the statuses it may move to.
var transitions = map[Status][]Status{
	StatusNew:          {StatusAutoAnswered, StatusEscalated, StatusInProgress, StatusOnHold, StatusResolved},
	StatusAutoAnswered: {StatusResolved, StatusEscalated, StatusInProgress},
	StatusEscalated:    {StatusInProgress, StatusOnHold, StatusResolved},
	StatusInProgress:   {StatusOnHold, StatusEscalated, StatusResolved},
	StatusOnHold:       {StatusInProgress, StatusEscalated, StatusResolved},
	StatusResolved:     {StatusClosed, StatusEscalated, StatusInProgress},
	StatusClosed:       nil,
}

// CanTransition reports whether a ticket may move from one status to another.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Impact and urgency levels.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Priority is the ITIL priority matrix: impact × urgency → P1 (highest) … P5.
func Priority(impact, urgency string) string {
	rank := map[string]int{High: 0, Medium: 1, Low: 2}
	i, ok1 := rank[impact]
	u, ok2 := rank[urgency]
	if !ok1 || !ok2 {
		return "P3"
	}
	return [3][3]string{
		{"P1", "P2", "P3"},
		{"P2", "P3", "P4"},
		{"P3", "P4", "P5"},
	}[i][u]
}

// ResolutionTarget is the SLA time to resolve a ticket of a priority.
func ResolutionTarget(priority string) time.Duration {
	switch priority {
	case "P1":
		return 4 * time.Hour
	case "P2":
		return 8 * time.Hour
	case "P3":
		return 24 * time.Hour
	case "P4":
		return 72 * time.Hour
	default:
		return 168 * time.Hour
	}
}

// Ticket is one incident or service request.
type Ticket struct {
	ID            int64     `json:"-"`
	Ref           string    `json:"ref"`
	Type          string    `json:"type"`
	Subject       string    `json:"subject"`
	Requester     string    `json:"requester"`
	RequesterName string    `json:"requester_name,omitempty"`
	Language      string    `json:"language"`
	Status        Status    `json:"status"`
	Impact        string    `json:"impact"`
	Urgency       string    `json:"urgency"`
	Priority      string    `json:"priority"`
	LinkedTicket  string    `json:"linked_ticket,omitempty"`
	DueAt         time.Time `json:"due_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	ResolvedAt    time.Time `json:"resolved_at,omitzero"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`
	AutoAnswerKey string    `json:"auto_answer_key,omitempty"` // the FAQ entry mailed as an automatic answer
	AutoAnswerAt  time.Time `json:"auto_answered_at,omitzero"`

	Assignee string `json:"assignee"`   // agent address, lower case; "" = nobody
	Tier     int    `json:"tier_index"` // index into the configured escalation tiers
	// TierName is the name of Tier, filled in from the configuration by the
	// desk or the CLI before showing the ticket; the store keeps the index.
	TierName          string        `json:"tier,omitempty"`
	TierSince         time.Time     `json:"tier_since,omitzero"` // zero = never sent to a tier
	FirstResponseAt   time.Time     `json:"first_response_at,omitzero"`
	RespondDueAt      time.Time     `json:"respond_due_at,omitzero"`
	ResolveDueAt      time.Time     `json:"resolve_due_at,omitzero"` // the same as DueAt
	SLAPaused         time.Duration `json:"-"`                       // business time on hold so far
	HoldSince         time.Time     `json:"hold_since,omitzero"`     // set while on_hold
	RespondRemindedAt time.Time     `json:"respond_reminded_at,omitzero"`
	ResolveRemindedAt time.Time     `json:"resolve_reminded_at,omitzero"`
	RespondBreachedAt time.Time     `json:"-"` // shown in Breaches
	ResolveBreachedAt time.Time     `json:"-"`
	Breaches          []Breach      `json:"breaches"` // recorded breaches, oldest first, earlier SLA cycles too; never null
	// SLAStartedAt is where the SLA clocks count from: the creation, or
	// the last reopening, which starts a new cycle.
	SLAStartedAt time.Time `json:"sla_started_at,omitzero"`
	NextTimerAt  time.Time `json:"next_timer_at,omitzero"` // when its next SLA timer falls due; zero = none left
	earlier      []Breach  // breaches of earlier SLA cycles

	// ClosedReason says why a closed ticket closed when it was not an
	// ordinary close: merged into another (ClosedMerged) or attached to a
	// major incident (ClosedAttached); MergedInto is then that ticket.
	ClosedReason string `json:"closed_reason,omitempty"`
	MergedInto   string `json:"merged_into,omitempty"`
	MergedIntoID int64  `json:"-"`

	// Mailbox is the configured mailbox the ticket belongs to: its mail
	// goes out from that mailbox's address, and its reply tokens hold
	// only there. DefaultMailbox for tickets from before several mailboxes.
	Mailbox string `json:"mailbox"`
}

// slaStart is where the SLA clocks of t count from.
func (t *Ticket) slaStart() time.Time {
	if !t.SLAStartedAt.IsZero() {
		return t.SLAStartedAt
	}
	return t.CreatedAt
}

// respondPending reports whether the respond target is still to be met:
// no agent answered and it did not breach.
func (t *Ticket) respondPending() bool {
	return t.FirstResponseAt.IsZero() && t.RespondBreachedAt.IsZero()
}

// Breach is an SLA target that passed its due time unmet.
type Breach struct {
	Target string    `json:"target"` // TargetRespond | TargetResolve
	At     time.Time `json:"at"`
}

// NewTicket is what CreateTicket needs.
type NewTicket struct {
	Type          string
	Prefix        string // reference prefix, e.g. "INC"; by type when empty
	Subject       string
	Requester     string
	RequesterName string
	Language      string
	Impact        string
	Urgency       string
	LinkedTicket  int64 // 0 = none
	Actor         string
	// Mailbox is the configured mailbox the ticket belongs to; "" =
	// DefaultMailbox.
	Mailbox string
	// Tier is the tier the ticket goes to when it first reaches people
	// (its mailbox's default tier); 0 = the first.
	Tier int
	// SLA computes the due times; nil = the store's (Options.SLA), else
	// 24x7 with DefaultTargets (resolve = ResolutionTarget).
	SLA *SLAPolicy
}

// CreateTicket inserts a ticket in status new, with its reference
// (prefix-number, numbers shared across types and starting at 1001) and an
// audit event.
func (tx *Tx) CreateTicket(n NewTicket) (*Ticket, error) {
	if n.Type != Incident && n.Type != ServiceRequest {
		return nil, fmt.Errorf("tickets: unknown ticket type %q", n.Type)
	}
	if n.Prefix == "" {
		n.Prefix = map[string]string{Incident: "INC", ServiceRequest: "REQ"}[n.Type]
	}
	if n.Impact == "" {
		n.Impact = Medium
	}
	if n.Urgency == "" {
		n.Urgency = Medium
	}
	if n.Language == "" {
		n.Language = "en"
	}
	if n.Mailbox == "" {
		n.Mailbox = DefaultMailbox
	}
	if n.Tier < 0 {
		return nil, fmt.Errorf("tickets: negative tier %d", n.Tier)
	}
	var id int64
	if err := tx.queryRow("next_ticket_id").Scan(&id); err != nil {
		return nil, fmt.Errorf("tickets: next ticket id: %w", err)
	}
	t := &Ticket{
		ID: id, Ref: fmt.Sprintf("%s-%d", n.Prefix, refBase+id), Type: n.Type,
		Subject: n.Subject, Requester: n.Requester, RequesterName: n.RequesterName,
		Language: n.Language, Status: StatusNew, Impact: n.Impact, Urgency: n.Urgency,
		Priority: Priority(n.Impact, n.Urgency), CreatedAt: tx.now, UpdatedAt: tx.now,
		Mailbox: n.Mailbox, Tier: n.Tier,
	}
	policy := tx.sla
	if n.SLA != nil {
		policy = *n.SLA
	}
	t.computeDue(policy)
	t.NextTimerAt = tx.sla.NextTimer(t)
	var linked any
	if n.LinkedTicket != 0 {
		linked = n.LinkedTicket
	}
	if _, err := tx.exec("insert_ticket", t.ID, t.Ref, t.Type, t.Subject, t.Requester, t.RequesterName,
		t.Language, t.Status, t.Impact, t.Urgency, t.Priority, linked, fmtTime(t.DueAt), fmtTime(t.CreatedAt),
		fmtTime(t.RespondDueAt), nullTime(t.NextTimerAt), t.Mailbox, t.Tier); err != nil {
		return nil, err
	}
	tx.wroteUpdatedNow(t)
	if err := tx.Event(t.ID, "", "ticket_created", n.Actor, map[string]any{
		"ref": t.Ref, "type": t.Type, "impact": t.Impact, "urgency": t.Urgency, "priority": t.Priority, "linked": n.LinkedTicket,
		"respond_due_at": fmtTime(t.RespondDueAt), "resolve_due_at": fmtTime(t.ResolveDueAt),
	}); err != nil {
		return nil, err
	}
	tx.changed(Change{Kind: ChangeCreated, TicketID: t.ID})
	if n.LinkedTicket != 0 {
		if err := tx.queryRow("ticket_ref_by_id", n.LinkedTicket).Scan(&t.LinkedTicket); err != nil {
			return nil, fmt.Errorf("tickets: linked ticket %d: %w", n.LinkedTicket, err)
		}
	}
	return t, nil
}

// Ticket loads a ticket by reference (case-insensitive).
func (tx *Tx) Ticket(ref string) (*Ticket, error) {
	return scanTicket(tx.queryRow("ticket_by_ref", ref))
}

// FindTicket loads the ticket ref names: its reference in any case
// ("inc-1006"), or its number, alone ("1006", "#1006", as people say it)
// or with another prefix ("REQ-1006"): a number names one ticket whatever
// its type, and a reference keeps the prefix it was opened with when the
// type changes later. The caller tells the user when the reference it
// returns is not the one asked for.
func (tx *Tx) FindTicket(ref string) (*Ticket, error) {
	ref = strings.TrimSpace(ref)
	t, err := tx.Ticket(ref)
	if !errors.Is(err, ErrNotFound) {
		return t, err
	}
	num := strings.TrimPrefix(ref, "#")
	if i := strings.LastIndexByte(num, '-'); i >= 0 {
		num = num[i+1:]
	}
	n, perr := strconv.ParseInt(num, 10, 64)
	if perr != nil || n <= refBase {
		return nil, err
	}
	t, err = tx.TicketByID(n - refBase)
	if err != nil || !strings.HasSuffix(t.Ref, "-"+strconv.FormatInt(n, 10)) {
		return nil, ErrNotFound
	}
	return t, nil
}

// refBase is what a ticket's number adds to its row id: INC-1001 is the first.
const refBase = 1000

// TicketByID loads a ticket by its row id.
func (tx *Tx) TicketByID(id int64) (*Ticket, error) {
	return scanTicket(tx.queryRow("ticket_by_id", id))
}

// Tickets lists tickets, newest first, optionally of one status.
func (tx *Tx) Tickets(status string, limit int) ([]*Ticket, error) {
	if limit <= 0 {
		limit = -1
	}
	return tx.ticketList("tickets_list", status, limit)
}

type scanner interface{ Scan(...any) error }

// scanTicket reads a row of ticket_rows, in the view's column order, and
// then the row's extra columns into extra.
func scanTicket(r scanner, extra ...any) (*Ticket, error) {
	var t Ticket
	var due, created, updated, resolved, closed, autoAt string
	var tierSince, firstResp, respondDue, resolveDue, holdSince, respRem, resRem, respBr, resBr string
	var next, slaStart, earlier string
	var paused int64
	var linked sql.NullString
	err := r.Scan(append([]any{&t.ID, &t.Ref, &t.Type, &t.Subject, &t.Requester, &t.RequesterName, &t.Language,
		&t.Status, &t.Impact, &t.Urgency, &t.Priority, &linked, &due, &created, &updated, &resolved, &closed,
		&t.AutoAnswerKey, &autoAt,
		&t.Assignee, &t.Tier, &tierSince, &firstResp, &respondDue, &resolveDue, &paused,
		&holdSince, &respRem, &resRem, &respBr, &resBr,
		&next, &slaStart, &earlier,
		&t.ClosedReason, &t.MergedIntoID, &t.MergedInto, &t.Mailbox}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading ticket: %w", err)
	}
	t.LinkedTicket = linked.String
	t.DueAt, t.CreatedAt, t.UpdatedAt = parseTime(due), parseTime(created), parseTime(updated)
	t.ResolvedAt, t.ClosedAt, t.AutoAnswerAt = parseTime(resolved), parseTime(closed), parseTime(autoAt)
	t.TierSince, t.FirstResponseAt = parseTime(tierSince), parseTime(firstResp)
	t.RespondDueAt, t.ResolveDueAt, t.SLAPaused = parseTime(respondDue), parseTime(resolveDue), time.Duration(paused)
	t.HoldSince, t.RespondRemindedAt, t.ResolveRemindedAt = parseTime(holdSince), parseTime(respRem), parseTime(resRem)
	t.RespondBreachedAt, t.ResolveBreachedAt = parseTime(respBr), parseTime(resBr)
	t.NextTimerAt, t.SLAStartedAt = parseTime(next), parseTime(slaStart)
	if err := json.Unmarshal([]byte(earlier), &t.earlier); err != nil {
		return nil, fmt.Errorf("tickets: reading the earlier breaches of %s: %w", t.Ref, err)
	}
	t.setBreaches()
	return &t, nil
}

// setBreaches derives Breaches from the breach times and the breaches of
// earlier SLA cycles, oldest first.
func (t *Ticket) setBreaches() {
	t.Breaches = slices.Clone(t.earlier)
	if t.Breaches == nil {
		t.Breaches = []Breach{}
	}
	for _, b := range []Breach{{TargetRespond, t.RespondBreachedAt}, {TargetResolve, t.ResolveBreachedAt}} {
		if !b.At.IsZero() {
			t.Breaches = append(t.Breaches, b)
		}
	}
	slices.SortStableFunc(t.Breaches, func(a, b Breach) int { return a.At.Compare(b.At) })
}

// SetStatus moves a ticket to a new status if the transition is allowed,
// and audits it with the reason.
func (tx *Tx) SetStatus(t *Ticket, to Status, actor, reason string) error {
	if t.Status == to {
		return nil
	}
	if !CanTransition(t.Status, to) {
		return fmt.Errorf("%w: %s from %s to %s", ErrInvalidTransition, t.Ref, t.Status, to)
	}
	from := t.Status
	if from == StatusResolved || from == StatusClosed {
		// A major incident's ticket reopened is one new mail may attach
		// to again (OpenMajors).
		tx.noOpenMajors = false
	}
	t.Status, t.UpdatedAt = to, tx.now
	switch to {
	case StatusResolved:
		t.ResolvedAt = tx.now
	case StatusClosed:
		t.ClosedAt = tx.now
	default:
		t.ResolvedAt = time.Time{}
	}
	if _, err := tx.exec("update_ticket_status", t.Status, fmtTime(t.UpdatedAt), fmtTime(t.ResolvedAt), fmtTime(t.ClosedAt), t.ID); err != nil {
		return err
	}
	tx.wroteUpdatedNow(t)
	detail := map[string]any{"from": from, "to": to, "reason": reason}
	if err := tx.holdClock(t, from, to, detail); err != nil {
		return err
	}
	if from == StatusResolved && to != StatusClosed {
		if err := tx.restartSLA(t, detail); err != nil {
			return err
		}
	}
	if err := tx.reschedule(t); err != nil {
		return err
	}
	if kind, ok := statusChanges[to]; ok {
		tx.changed(Change{Kind: kind, TicketID: t.ID})
	}
	return tx.Event(t.ID, "", "status_changed", actor, detail)
}

// statusChanges are the statuses whose reaching others may hear of.
var statusChanges = map[Status]ChangeKind{
	StatusEscalated: ChangeEscalated, StatusResolved: ChangeResolved, StatusClosed: ChangeClosed,
	StatusAutoAnswered: ChangeAutoAnswered,
}

// restartSLA starts a new SLA cycle when a resolved ticket reopens: the
// resolve target, and the respond target when no agent answered and it did
// not breach, count afresh from now, with nothing paused yet (the time it
// spent resolved, and any hold before, belong to the old cycle), and
// their reminders and breaches may fire again. A breach of the old resolve
// target stays in Breaches.
func (tx *Tx) restartSLA(t *Ticket, detail map[string]any) error {
	was := t.ResolveDueAt
	if !t.ResolveBreachedAt.IsZero() {
		t.earlier = append(t.earlier, Breach{TargetResolve, t.ResolveBreachedAt})
	}
	t.ResolveBreachedAt, t.ResolveRemindedAt = time.Time{}, time.Time{}
	if t.respondPending() {
		t.RespondRemindedAt = time.Time{}
	}
	t.SLAStartedAt, t.SLAPaused, t.HoldSince = tx.now, 0, time.Time{}
	t.computeDue(tx.sla)
	t.setBreaches()
	earlier, err := json.Marshal(t.earlier)
	if err != nil {
		return fmt.Errorf("tickets: encoding the earlier breaches of %s: %w", t.Ref, err)
	}
	if _, err := tx.exec("restart_ticket_sla", fmtTime(t.SLAStartedAt), fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt),
		fmtTime(t.RespondRemindedAt), string(earlier), t.ID); err != nil {
		return err
	}
	detail["sla_restarted"] = true
	detail["respond_due_at"], detail["resolve_due_at"], detail["was_resolve_due_at"] = fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt), fmtTime(was)
	return nil
}

// holdClock stops the SLA clock when a ticket goes on hold and restarts it
// when the ticket leaves on_hold (for any status): the business time on
// hold, counted on the store's calendar (Options.SLA), is added to the
// pause and both due times move on by it. What it did goes into the
// status event's detail.
func (tx *Tx) holdClock(t *Ticket, from, to Status, detail map[string]any) error {
	switch {
	case to == StatusOnHold:
		t.HoldSince = tx.now
	case from == StatusOnHold && !t.HoldSince.IsZero():
		held := tx.sla.Calendar.Between(t.HoldSince, tx.now)
		t.SLAPaused += held
		t.HoldSince = time.Time{}
		t.computeDue(tx.sla)
		if _, err := tx.exec("set_ticket_sla", fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt), t.ID); err != nil {
			return err
		}
		detail["held"] = held.String()
		detail["respond_due_at"], detail["resolve_due_at"] = fmtTime(t.RespondDueAt), fmtTime(t.ResolveDueAt)
	default:
		return nil
	}
	_, err := tx.exec("set_ticket_hold", fmtTime(t.HoldSince), int64(t.SLAPaused), t.ID)
	return err
}

// Touch marks a ticket updated now.
func (tx *Tx) Touch(t *Ticket) error {
	t.UpdatedAt = tx.now
	if tx.updatedNow[t.ID] {
		return nil // written so already in this transaction
	}
	if _, err := tx.exec("touch_ticket", fmtTime(t.UpdatedAt), t.ID); err != nil {
		return err
	}
	tx.wroteUpdatedNow(t)
	return nil
}

// Event writes an audit event. detail is encoded as JSON.
func (tx *Tx) Event(ticketID int64, subjectKey, kind, actor string, detail any) error {
	if actor == "" {
		actor = "system"
	}
	var b []byte
	if detail != nil {
		var err error
		if b, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("tickets: encoding event %s: %w", kind, err)
		}
	}
	var tid any
	if ticketID != 0 {
		tid = ticketID
	}
	_, err := tx.exec("insert_event", tid, subjectKey, kind, actor, string(b), fmtTime(tx.now))
	return err
}

// Event is one audit record.
type Event struct {
	Kind      string          `json:"kind"`
	Actor     string          `json:"actor"`
	Subject   string          `json:"subject,omitempty"`
	Detail    json.RawMessage `json:"detail,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Events lists a ticket's audit events, oldest first.
func (tx *Tx) Events(ticketID int64) ([]Event, error) {
	rows, err := tx.query("events_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var detail, created string
		if err := rows.Scan(&e.Kind, &e.Actor, &e.Subject, &detail, &created); err != nil {
			return nil, fmt.Errorf("tickets: reading event: %w", err)
		}
		if detail != "" {
			e.Detail = json.RawMessage(detail)
		}
		e.CreatedAt = parseTime(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ResolvedBefore lists resolved tickets whose resolution is older than t,
// at most limit (> 0), oldest first.
func (tx *Tx) ResolvedBefore(t time.Time, limit int) ([]*Ticket, error) {
	return tx.ticketList("tickets_resolved_before", fmtTime(t), limit)
}

// ResolvedWithoutFAQAnswer lists the resolved and closed tickets that no
// FAQ entry settled: those never answered automatically, and those whose
// automatic answer did not hold — the customer said it did not help
// (escalated), an agent took the ticket on, or it was reopened. Only an
// automatic answer followed by nothing but resolved and closed settles a
// ticket. It reads the tickets resolved (closed, when never resolved) at
// since or later, newest first, at most limit, each with the customer's
// first mail, in one query.
func (tx *Tx) ResolvedWithoutFAQAnswer(since time.Time, limit int) ([]*ResolvedTicket, error) {
	rows, err := tx.query("resolved_without_faq_answer", fmtTime(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ResolvedTicket
	for rows.Next() {
		var r ResolvedTicket
		if r.Ticket, err = scanTicket(withColumns{rows, []any{&r.FirstSubject, &r.FirstText}}); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// ResolvedTicket is a resolved ticket with the subject and text of its
// customer's first mail ("" when there is none).
type ResolvedTicket struct {
	*Ticket
	FirstSubject, FirstText string
}

// withColumns scans a ticket row followed by more columns.
type withColumns struct {
	r    scanner
	more []any
}

func (w withColumns) Scan(dest ...any) error { return w.r.Scan(append(dest, w.more...)...) }

// SetAutoAnswer records which FAQ entry answered the ticket, and when.
func (tx *Tx) SetAutoAnswer(t *Ticket, key string) error {
	t.AutoAnswerKey, t.AutoAnswerAt = key, tx.now
	_, err := tx.exec("set_auto_answer", key, fmtTime(tx.now), t.ID)
	return err
}

func (tx *Tx) ticketList(name string, args ...any) ([]*Ticket, error) {
	rows, err := tx.query(name, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	return out, rows.Err()
}
