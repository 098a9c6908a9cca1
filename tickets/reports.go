package tickets

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file reads the figures of the reports: counts and percentiles
// computed in SQL over the tickets created in a range [From, To), so a
// year of tickets never passes through memory one by one.

// Day is one day of a report in the desk's time zone, as the UTC instants
// it starts and ends at (a day across a daylight-saving change is 23 or
// 25 hours long).
type Day struct {
	Key      string // "2026-12-07"
	From, To time.Time
}

// DayGroup counts the tickets created on one day of one type, priority
// and tier, and what became of them.
type DayGroup struct {
	Day             string
	Type            string
	Priority        string
	Tier            int // -1 = never sent to a tier
	Count           int
	RespondBreached int
	ResolveBreached int
	AutoAnswered    int
	Responded       int // got a first agent answer
	RespondedInTime int // by the respond due time
	Resolved        int
	ResolvedInTime  int // by the resolve due time
}

// ReportDays counts the tickets created on each of days, by type,
// priority and tier; groups without tickets have no row.
func (tx *Tx) ReportDays(days []Day) ([]DayGroup, error) {
	spans, err := daySpans(days)
	if err != nil {
		return nil, err
	}
	var out []DayGroup
	err = tx.each("report_days", func(r *sql.Rows) error {
		var day string
		var groups sql.NullString
		if err := r.Scan(&day, &groups); err != nil {
			return err
		}
		return eachGroup(groups.String, 11, func(f []string, n []int) {
			out = append(out, DayGroup{Day: day, Type: f[0], Priority: f[1], Tier: n[2], Count: n[3], RespondBreached: n[4],
				ResolveBreached: n[5], AutoAnswered: n[6], Responded: n[7], RespondedInTime: n[8], Resolved: n[9], ResolvedInTime: n[10]})
		})
	}, spans)
	return out, err
}

// MinuteCount is one bar of a histogram: how many first responses (or
// resolutions) of a priority took this many whole minutes.
type MinuteCount struct {
	Target   string // TargetRespond | TargetResolve
	Priority string
	Minutes  int
	Count    int
}

// ReportMinutes is the histogram of the whole minutes from creation to
// the first agent answer and to the resolution of the tickets created in
// [from, to), per priority.
func (tx *Tx) ReportMinutes(from, to time.Time) ([]MinuteCount, error) {
	var out []MinuteCount
	err := tx.each("report_minutes", func(r *sql.Rows) error {
		var v MinuteCount
		if err := r.Scan(&v.Target, &v.Priority, &v.Minutes, &v.Count); err != nil {
			return err
		}
		v.Target = map[string]string{"r": TargetRespond, "s": TargetResolve}[v.Target]
		out = append(out, v)
		return nil
	}, fmtTime(from), fmtTime(to))
	return out, err
}

// eachGroup calls fn with the fields of each ";"-separated group of
// ","-separated fields, and each field read as a number (0 when it is
// not one): what report_days returns.
func eachGroup(s string, fields int, fn func(f []string, n []int)) error {
	if s == "" {
		return nil
	}
	n := make([]int, fields)
	for _, g := range strings.Split(s, ";") {
		f := strings.Split(g, ",")
		if len(f) != fields {
			return fmt.Errorf("a group of %d fields, want %d: %q", len(f), fields, g)
		}
		for i, x := range f {
			n[i], _ = strconv.Atoi(x)
		}
		fn(f, n)
	}
	return nil
}

func daySpans(days []Day) (string, error) {
	spans := make([][3]string, len(days))
	for i, d := range days {
		spans[i] = [3]string{d.Key, fmtTime(d.From), fmtTime(d.To)}
	}
	b, err := json.Marshal(spans)
	if err != nil {
		return "", fmt.Errorf("tickets: encoding days: %w", err)
	}
	return string(b), nil
}

// Votes are the customers' verdicts on automatic answers.
type Votes struct{ Helpful, NotHelpful int }

// ReportVotes counts the verdicts cast in [from, to).
func (tx *Tx) ReportVotes(from, to time.Time) (Votes, error) {
	var v Votes
	if err := tx.queryRow("report_votes", fmtTime(from), fmtTime(to)).Scan(&v.Helpful, &v.NotHelpful); err != nil {
		return v, fmt.Errorf("tickets: report_votes: %w", err)
	}
	return v, nil
}

// ReportBreaches counts the SLA targets breached in [from, to), whenever
// their tickets were created.
func (tx *Tx) ReportBreaches(from, to time.Time) (int, error) {
	var n int
	if err := tx.queryRow("report_breaches", fmtTime(from), fmtTime(to)).Scan(&n); err != nil {
		return 0, fmt.Errorf("tickets: report_breaches: %w", err)
	}
	return n, nil
}

// BacklogRow counts the tickets of one priority open at an instant whose
// age falls in one bucket.
type BacklogRow struct {
	Bucket   int // 0: under a day, 1: 1–3 days, 2: 3–7, 3: 7–30, 4: 30 and more
	Priority string
	Count    int
}

// BacklogBuckets are the lower bounds of the age buckets of ReportBacklog, in days.
var BacklogBuckets = []int{0, 1, 3, 7, 30}

// ReportBacklog counts the tickets open at at (created before it, neither
// resolved nor closed by then) by priority and age. At the transaction's
// time or later the open tickets are found by their status, which is
// quick; an earlier instant reads every ticket created before it.
func (tx *Tx) ReportBacklog(at time.Time) ([]BacklogRow, error) {
	q := "report_backlog"
	if !at.Before(tx.now) {
		q = "report_backlog_open"
	}
	var out []BacklogRow
	err := tx.each(q, func(r *sql.Rows) error {
		var v BacklogRow
		if err := r.Scan(&v.Bucket, &v.Priority, &v.Count); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, fmtTime(at))
	return out, err
}

// TopFAQRow is an FAQ entry with the tickets it answered automatically in
// a range and the votes it got then.
type TopFAQRow struct {
	Key        string
	Answered   int
	Helpful    int
	NotHelpful int
}

// ReportTopFAQ lists the entries that answered the most tickets created in
// [from, to), most first.
func (tx *Tx) ReportTopFAQ(from, to time.Time, limit int) ([]TopFAQRow, error) {
	var out []TopFAQRow
	err := tx.each("report_top_faq", func(r *sql.Rows) error {
		var v TopFAQRow
		if err := r.Scan(&v.Key, &v.Answered, &v.Helpful, &v.NotHelpful); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, fmtTime(from), fmtTime(to), limit)
	return out, err
}

// CountRow is a name (a requester, a subject) and how many tickets it has.
type CountRow struct {
	Name  string
	Count int
}

// ReportTopRequesters lists the requesters of the most tickets created in
// [from, to).
func (tx *Tx) ReportTopRequesters(from, to time.Time, limit int) ([]CountRow, error) {
	return tx.countRows("report_top_requesters", from, to, limit)
}

// ReportTopSubjects lists the subjects (case and surrounding space aside)
// of the most tickets created in [from, to).
func (tx *Tx) ReportTopSubjects(from, to time.Time, limit int) ([]CountRow, error) {
	return tx.countRows("report_top_subjects", from, to, limit)
}

func (tx *Tx) countRows(name string, from, to time.Time, limit int) ([]CountRow, error) {
	var out []CountRow
	err := tx.each(name, func(r *sql.Rows) error {
		var v CountRow
		if err := r.Scan(&v.Name, &v.Count); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, fmtTime(from), fmtTime(to), limit)
	return out, err
}

// each runs a query and calls fn on every row.
func (tx *Tx) each(name string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := tx.query(name, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("tickets: reading %s: %w", name, err)
		}
	}
	return rows.Err()
}
