package tickets

import (
	"database/sql"
	"encoding/json"
	"fmt"
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
		var day, groups string
		if err := r.Scan(&day, &groups); err != nil {
			return err
		}
		var rows [][]any
		if err := json.Unmarshal([]byte(groups), &rows); err != nil {
			return err
		}
		for _, g := range rows {
			if len(g) != 11 {
				return fmt.Errorf("report_days: a group of %d values", len(g))
			}
			v := DayGroup{Day: day, Type: str(g[0]), Priority: str(g[1]), Tier: num(g[2]), Count: num(g[3]), RespondBreached: num(g[4]),
				ResolveBreached: num(g[5]), AutoAnswered: num(g[6]), Responded: num(g[7]), RespondedInTime: num(g[8]),
				Resolved: num(g[9]), ResolvedInTime: num(g[10])}
			out = append(out, v)
		}
		return nil
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

// ReportMinutes is the histogram of the minutes from creation to the
// first agent answer and to the resolution of the tickets created on
// days, per priority, a day's bars apart (the caller adds them up).
func (tx *Tx) ReportMinutes(days []Day) ([]MinuteCount, error) {
	spans, err := daySpans(days)
	if err != nil {
		return nil, err
	}
	var out []MinuteCount
	err = tx.each("report_minutes", func(r *sql.Rows) error {
		var groups string
		if err := r.Scan(&groups); err != nil {
			return err
		}
		var rows [][]any
		if err := json.Unmarshal([]byte(groups), &rows); err != nil {
			return err
		}
		for _, g := range rows {
			if len(g) != 4 {
				return fmt.Errorf("report_minutes: a bar of %d values", len(g))
			}
			out = append(out, MinuteCount{Target: str(g[0]), Priority: str(g[1]), Minutes: num(g[2]), Count: num(g[3])})
		}
		return nil
	}, spans)
	return out, err
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

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
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
