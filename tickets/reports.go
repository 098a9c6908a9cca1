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

// VolumeRow counts the tickets created on one day of one type and priority.
type VolumeRow struct {
	Day      string
	Type     string
	Priority string
	Count    int
}

// ReportVolume counts the tickets created on each day, by type and
// priority; days without tickets have no rows.
func (tx *Tx) ReportVolume(days []Day) ([]VolumeRow, error) {
	spans := make([][3]string, len(days))
	for i, d := range days {
		spans[i] = [3]string{d.Key, fmtTime(d.From), fmtTime(d.To)}
	}
	b, err := json.Marshal(spans)
	if err != nil {
		return nil, fmt.Errorf("tickets: encoding days: %w", err)
	}
	var out []VolumeRow
	err = tx.each("report_volume", func(r *sql.Rows) error {
		var v VolumeRow
		if err := r.Scan(&v.Day, &v.Type, &v.Priority, &v.Count); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, string(b))
	return out, err
}

// TimesRow is one priority's first responses or resolutions: how many,
// how many were in time, and the wall-clock 50th and 90th percentiles.
type TimesRow struct {
	Target   string // TargetRespond | TargetResolve
	Priority string
	Count    int
	InTime   int
	P50, P90 time.Duration
}

// ReportTimes measures the first responses and resolutions of the tickets
// created in [from, to), per priority.
func (tx *Tx) ReportTimes(from, to time.Time) ([]TimesRow, error) {
	var out []TimesRow
	err := tx.each("report_times", func(r *sql.Rows) error {
		var v TimesRow
		var p50, p90 float64
		if err := r.Scan(&v.Target, &v.Priority, &v.Count, &v.InTime, &p50, &p90); err != nil {
			return err
		}
		v.P50, v.P90 = seconds(p50), seconds(p90)
		out = append(out, v)
		return nil
	}, fmtTime(from), fmtTime(to))
	return out, err
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}

// ComplianceRow counts the tickets of one priority and tier created in a
// range and the breaches of each target among them.
type ComplianceRow struct {
	Priority        string
	Tier            int // -1 = never sent to a tier
	Count           int
	RespondBreached int
	ResolveBreached int
}

// ReportCompliance counts the recorded SLA breaches of the tickets created
// in [from, to), per priority and tier.
func (tx *Tx) ReportCompliance(from, to time.Time) ([]ComplianceRow, error) {
	var out []ComplianceRow
	err := tx.each("report_compliance", func(r *sql.Rows) error {
		var v ComplianceRow
		if err := r.Scan(&v.Priority, &v.Tier, &v.Count, &v.RespondBreached, &v.ResolveBreached); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	}, fmtTime(from), fmtTime(to))
	return out, err
}

// AutoFigures are the automatic answers of a range.
type AutoFigures struct {
	Tickets    int // created in the range
	Answered   int // of those, answered automatically
	Helpful    int // votes the FAQ entries got in the range
	NotHelpful int
}

// ReportAuto counts the automatic answers of the tickets created in
// [from, to) and the votes cast in that time.
func (tx *Tx) ReportAuto(from, to time.Time) (AutoFigures, error) {
	var a AutoFigures
	err := tx.queryRow("report_auto", fmtTime(from), fmtTime(to)).Scan(&a.Tickets, &a.Answered, &a.Helpful, &a.NotHelpful)
	if err != nil {
		return a, fmt.Errorf("tickets: report_auto: %w", err)
	}
	return a, nil
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
// resolved nor closed by then) by priority and age.
func (tx *Tx) ReportBacklog(at time.Time) ([]BacklogRow, error) {
	var out []BacklogRow
	err := tx.each("report_backlog", func(r *sql.Rows) error {
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
