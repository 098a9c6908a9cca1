package tickets

import (
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// One incident, many reporters. A ticket can be folded into another that
// lives on (a merge, or a new mail attached to a major incident): it closes
// with a reason and points at that ticket, its reporter acts on that one
// as a participant, and its customers' mails are copied there. Tickets
// can be related without merging (links). A major incident is a ticket
// that new mails alike attach to for a while. The statements live in
// incidents.sql.

//go:embed incidents.sql
var incidentsFile string

func init() {
	for name, q := range parseQueries(incidentsFile) {
		if _, dup := queries[name]; dup {
			panic("tickets: query " + name + " is defined twice")
		}
		queries[name] = q
	}
}

// Closed reasons: why a closed ticket lives on in another.
const (
	ClosedMerged   = "merged"   // an agent merged it into another (#merge)
	ClosedAttached = "attached" // a new mail attached to a major incident
)

// MergeTicket folds t into into: t closes with reason (ClosedMerged or
// ClosedAttached) and points at into, with no timer left; the tickets
// merged into t before go on to into. Both tickets' audit trails say so.
// The caller checks that the merge makes sense (not into itself, nor into
// a closed ticket).
func (tx *Tx) MergeTicket(t, into *Ticket, reason, actor string) error {
	if t.ID == into.ID {
		return fmt.Errorf("tickets: merging %s into itself", t.Ref)
	}
	if reason != ClosedMerged && reason != ClosedAttached {
		return fmt.Errorf("tickets: unknown merge reason %q", reason)
	}
	from := t.Status
	if _, err := tx.exec("merge_ticket", t.ID, into.ID, reason, fmtTime(tx.now)); err != nil {
		return err
	}
	if _, err := tx.exec("merge_flatten", t.ID, into.ID); err != nil {
		return err
	}
	t.Status, t.ClosedReason, t.MergedInto, t.MergedIntoID = StatusClosed, reason, into.Ref, into.ID
	t.ClosedAt, t.UpdatedAt, t.ResolvedAt, t.HoldSince, t.NextTimerAt = tx.now, tx.now, time.Time{}, time.Time{}, time.Time{}
	if err := tx.Event(t.ID, "", "status_changed", actor, map[string]any{"from": from, "to": StatusClosed, "reason": reason + " into " + into.Ref}); err != nil {
		return err
	}
	tx.changed(Change{Kind: ChangeClosed, TicketID: t.ID})
	if err := tx.Event(t.ID, "", "ticket_"+reason, actor, map[string]any{"into": into.Ref}); err != nil {
		return err
	}
	if err := tx.Event(into.ID, "", "ticket_"+reason+"_here", actor, map[string]any{"from": t.Ref, "requester": t.Requester, "subject": t.Subject}); err != nil {
		return err
	}
	return tx.Touch(into)
}

// CopyCustomerEntries copies the mails t's customers sent (requester and
// participants, automatic ones too) to into, with their attachments, as
// a participant's entries, so into's agents read the whole report; the
// originals stay on t. It reports how many it copied.
func (tx *Tx) CopyCustomerEntries(t, into *Ticket) (int, error) {
	rows, err := tx.query("copy_customer_entries", t.ID, into.ID, fmtTime(tx.now))
	if err != nil {
		return 0, err
	}
	type copied struct{ id, inbound int64 }
	var list []copied
	for rows.Next() {
		var c copied
		var in sql.NullInt64
		if err := rows.Scan(&c.id, &in); err != nil {
			rows.Close()
			return 0, fmt.Errorf("tickets: copying the entries of %s: %w", t.Ref, err)
		}
		c.inbound = in.Int64
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range list {
		if c.inbound == 0 {
			continue
		}
		if _, err := tx.exec("copy_entry_attachments", c.id, c.inbound, t.ID); err != nil {
			return 0, err
		}
	}
	if len(list) > 0 {
		if err := tx.Event(into.ID, "", "entries_copied", "system", map[string]any{"from": t.Ref, "entries": len(list)}); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// Link relates two tickets both ways and audits it on both; it reports
// false when they were related already (nothing written).
func (tx *Tx) Link(a, b *Ticket, actor string) (bool, error) {
	if a.ID == b.ID {
		return false, fmt.Errorf("tickets: linking %s to itself", a.Ref)
	}
	res, err := tx.exec("insert_link", a.ID, b.ID, actor, fmtTime(tx.now))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if err := tx.Event(a.ID, "", "ticket_linked", actor, map[string]any{"with": b.Ref}); err != nil {
		return false, err
	}
	if err := tx.Event(b.ID, "", "ticket_linked", actor, map[string]any{"with": a.Ref}); err != nil {
		return false, err
	}
	return true, nil
}

// Related is another ticket as a ticket's relations name it.
type Related struct {
	Ref           string `json:"ref"`
	Subject       string `json:"subject"`
	Status        Status `json:"status"`
	Requester     string `json:"requester,omitempty"`
	RequesterName string `json:"requester_name,omitempty"`
}

// Relations are the tickets a ticket is related to: linked both ways, and
// the ones merged or attached into it (the first MaxRelated of each, with
// the counts).
type Relations struct {
	Linked        []Related `json:"linked"`
	Merged        []Related `json:"merged"` // tickets merged into this one
	MergedCount   int       `json:"merged_count"`
	Attached      []Related `json:"attached"` // new mails attached to this major incident
	AttachedCount int       `json:"attached_count"`
	Major         *Major    `json:"major,omitempty"` // set when the ticket is or was a major incident
}

// MaxRelated bounds each list of Relations.
const MaxRelated = 100

// Relations reads t's relations.
func (tx *Tx) Relations(t *Ticket) (*Relations, error) {
	r := &Relations{Linked: []Related{}, Merged: []Related{}, Attached: []Related{}}
	rows, err := tx.query("links_of", t.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var x Related
		if err := rows.Scan(&x.Ref, &x.Subject, &x.Status); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: reading the links of %s: %w", t.Ref, err)
		}
		r.Linked = append(r.Linked, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		reason string
		list   *[]Related
		count  *int
	}{{ClosedMerged, &r.Merged, &r.MergedCount}, {ClosedAttached, &r.Attached, &r.AttachedCount}} {
		if err := tx.queryRow("merged_into_count", t.ID, k.reason).Scan(k.count); err != nil {
			return nil, fmt.Errorf("tickets: counting the tickets merged into %s: %w", t.Ref, err)
		}
		if *k.count == 0 {
			continue
		}
		rows, err := tx.query("merged_into_list", t.ID, k.reason, MaxRelated)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var x Related
			if err := rows.Scan(&x.Ref, &x.Subject, &x.Status, &x.Requester, &x.RequesterName); err != nil {
				rows.Close()
				return nil, fmt.Errorf("tickets: reading the tickets merged into %s: %w", t.Ref, err)
			}
			*k.list = append(*k.list, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	m, err := tx.Major(t.ID)
	switch {
	case err == nil:
		r.Major = m
	case !errors.Is(err, ErrNotFound):
		return nil, err
	}
	return r, nil
}

// Reporters lists the tickets merged into t whose requester wrote as a
// person (not only automatic mail), oldest first: the people told of t's
// resolution besides its own requester.
func (tx *Tx) Reporters(t *Ticket) ([]*Ticket, error) {
	return tx.ticketList("reporters", t.ID)
}

// IsReporter reports whether addr is the requester or a participant of a
// ticket merged into the ticket: such a sender acts on it as a
// participant.
func (tx *Tx) IsReporter(ticketID int64, addr string) (bool, error) {
	var yes bool
	if err := tx.queryRow("is_reporter", ticketID, strings.ToLower(addr)).Scan(&yes); err != nil {
		return false, fmt.Errorf("tickets: is_reporter: %w", err)
	}
	return yes, nil
}

// Major is a ticket's major incident window.
type Major struct {
	DeclaredBy   string    `json:"declared_by"`
	DeclaredAt   time.Time `json:"declared_at"`
	Until        time.Time `json:"until"` // new mails attach until then
	EndedAt      time.Time `json:"ended_at,omitzero"`
	EndedBy      string    `json:"ended_by,omitempty"`
	ReportedUpto int64     `json:"-"`
}

// Open reports whether new mail may attach to the major incident at now
// (its ticket must be open as well).
func (m *Major) Open(now time.Time) bool { return m.EndedAt.IsZero() && now.Before(m.Until) }

// Major reads a ticket's major incident window; ErrNotFound when it never
// was one.
func (tx *Tx) Major(ticketID int64) (*Major, error) {
	var m Major
	var declared, until, ended string
	err := tx.queryRow("major_of", ticketID).Scan(&m.DeclaredBy, &declared, &until, &ended, &m.EndedBy, &m.ReportedUpto)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading a major incident: %w", err)
	}
	m.DeclaredAt, m.Until, m.EndedAt = parseTime(declared), parseTime(until), parseTime(ended)
	return &m, nil
}

// DeclareMajor makes t a major incident until until (again, when it was
// one before: a new window), audited.
func (tx *Tx) DeclareMajor(t *Ticket, until time.Time, actor string) error {
	tx.noOpenMajors = false
	if _, err := tx.exec("upsert_major", t.ID, actor, fmtTime(tx.now), fmtTime(until)); err != nil {
		return err
	}
	return tx.Event(t.ID, "", "major_declared", actor, map[string]any{"until": fmtTime(until)})
}

// EndMajor ends t's major incident window, audited with why; it reports
// false when there was none open.
func (tx *Tx) EndMajor(t *Ticket, actor, why string) (bool, error) {
	res, err := tx.exec("end_major", t.ID, fmtTime(tx.now), actor)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, tx.Event(t.ID, "", "major_ended", actor, map[string]any{"why": why})
}

// OpenMajor is a major incident new mail may attach to.
type OpenMajor struct {
	*Ticket
	Until time.Time
}

// OpenMajors lists the major incidents new mail may attach to now, the
// newest first, at most limit.
func (tx *Tx) OpenMajors(limit int) ([]OpenMajor, error) {
	if tx.noOpenMajors {
		return nil, nil
	}
	rows, err := tx.query("open_majors", fmtTime(tx.now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenMajor
	for rows.Next() {
		var until string
		t, err := scanTicket(rows, &until)
		if err != nil {
			return nil, err
		}
		out = append(out, OpenMajor{Ticket: t, Until: parseTime(until)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// None now stays none for this transaction (its instant is fixed)
	// until it declares one: every other change only ends them.
	tx.noOpenMajors = len(out) == 0
	return out, nil
}

// Report is a ticket attached to a major incident, as the tier is told.
type Report struct {
	ID                                     int64
	Ref, Subject, Requester, RequesterName string
}

// NewReports is what was attached to a major incident since its tier was
// last told: the first (at most limit) and how many in all.
type NewReports struct {
	Major *Ticket
	First []Report
	Count int
	Last  int64 // the last one's ticket id: SetMajorReported marks up to it
}

// MajorsWithNewReports lists the major incidents (at most limit) with
// reports attached since their tier was last told, each with the first
// perMajor of them.
func (tx *Tx) MajorsWithNewReports(limit, perMajor int) ([]NewReports, error) {
	rows, err := tx.query("majors_with_new_reports", limit)
	if err != nil {
		return nil, err
	}
	type major struct {
		t    *Ticket
		upto int64
	}
	var majors []major
	for rows.Next() {
		var m major
		if m.t, err = scanTicket(rows, &m.upto); err != nil {
			rows.Close()
			return nil, err
		}
		majors = append(majors, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []NewReports
	for _, m := range majors {
		n := NewReports{Major: m.t}
		if err := tx.queryRow("new_reports_count", m.t.ID, m.upto).Scan(&n.Count, &n.Last); err != nil {
			return nil, fmt.Errorf("tickets: counting the reports of %s: %w", m.t.Ref, err)
		}
		rows, err := tx.query("new_reports", m.t.ID, m.upto, perMajor)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r Report
			if err := rows.Scan(&r.ID, &r.Ref, &r.Subject, &r.Requester, &r.RequesterName); err != nil {
				rows.Close()
				return nil, fmt.Errorf("tickets: reading the reports of %s: %w", m.t.Ref, err)
			}
			n.First = append(n.First, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// SetMajorReported records that the tier was told of a major incident's
// reports up to the ticket id upto.
func (tx *Tx) SetMajorReported(major *Ticket, upto int64) error {
	_, err := tx.exec("set_major_reported", major.ID, upto)
	return err
}

// ResolvedIncident is a resolved incident as the recurring incidents are
// found among: the ticket, its customer's first mail and the FAQ entry
// that answered it ("" when none).
type ResolvedIncident struct {
	*Ticket
	FirstSubject, FirstText string
	FAQKey                  string
}

// ResolvedIncidents lists the incidents resolved (closed, when never
// resolved) at since or later that were not merged into another, newest
// first, at most limit, in one query.
func (tx *Tx) ResolvedIncidents(since time.Time, limit int) ([]*ResolvedIncident, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("tickets: resolved incidents: limit %d is not positive", limit)
	}
	rows, err := tx.query("resolved_incidents", fmtTime(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ResolvedIncident
	for rows.Next() {
		var r ResolvedIncident
		if r.Ticket, err = scanTicket(rows, &r.FirstSubject, &r.FirstText, &r.FAQKey); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// FirstReport is the subject and text of the first mail a customer (or
// a machine, for a monitoring alert) wrote on the ticket; "" when none.
func (tx *Tx) FirstReport(ticketID int64) (subject, text string, err error) {
	err = tx.queryRow("first_report", ticketID).Scan(&subject, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("tickets: reading the first report of a ticket: %w", err)
	}
	return subject, text, nil
}

// Resolution is when a ticket was resolved (closed, when it never was),
// and whether it was merged into another.
type Resolution struct {
	At     time.Time
	Merged bool
}

// Resolutions reads the resolutions of the tickets refs, in one query.
func (tx *Tx) Resolutions(refs []string) (map[string]Resolution, error) {
	list, err := json.Marshal(refs)
	if err != nil {
		return nil, fmt.Errorf("tickets: resolutions: %w", err)
	}
	rows, err := tx.query("resolutions_of", string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]Resolution, len(refs))
	for rows.Next() {
		var ref, at string
		var r Resolution
		if err := rows.Scan(&ref, &at, &r.Merged); err != nil {
			return nil, fmt.Errorf("tickets: reading resolutions: %w", err)
		}
		r.At = parseTime(at)
		out[ref] = r
	}
	return out, rows.Err()
}
