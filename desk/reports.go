package desk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the reports: the figures of the tickets created in a range
// of days, counted in the desk's time zone, for the console's charts, its
// CSV files and the admins' digest.

// MaxReportDays bounds a report's range.
const MaxReportDays = 731

// topN is how many entries, requesters and subjects the tops list.
const topN = 10

// Report is the figures of the tickets created from the first day of a
// range to its last, both included, in the desk's time zone.
type Report struct {
	From, To time.Time // the start of the first day and of the day after the last
	Days     []string  // every day of the range, "2026-12-07"

	// Created per day (index as Days), by type and by priority.
	ByType     map[string][]int
	ByPriority map[string][]int
	Created    int

	Times      []PriorityTimes // per priority
	Compliance []Compliance    // per priority, then per tier
	Auto       AutoFigures

	BacklogAt time.Time           // the end of the range, or now when earlier
	Backlog   map[string][]int    // priority → per age bucket (tickets.BacklogBuckets)
	TopFAQ    []tickets.TopFAQRow // most automatic answers first
	TopPeople []tickets.CountRow  // busiest requesters
	TopTopics []tickets.CountRow  // most frequent subjects
	Targets   map[string]tickets.Targets

	// Satisfaction is the customers' ratings given in the range (whenever
	// their tickets were created).
	Satisfaction Satisfaction
}

// AutoFigures are the automatic answers of a range.
type AutoFigures struct {
	Tickets    int // created in the range
	Answered   int // of those, answered automatically
	Helpful    int // the customers' verdicts cast in the range
	NotHelpful int
}

// PriorityTimes are the first responses and resolutions of one priority.
type PriorityTimes struct {
	Priority         string
	Respond, Resolve TimeFigures
}

// TimeFigures count the targets met and the wall-clock percentiles,
// exact to the minute.
type TimeFigures struct {
	Count, InTime int
	P50, P90      time.Duration
	Target        time.Duration // the priority's target, in business time
	minutes       map[int]int   // the histogram the percentiles are read from
}

// Compliance is the share of tickets of a priority (or a tier) with no
// recorded breach of a target.
type Compliance struct {
	Group           string // "P1" … "P5", or "tier L1" / "no tier"
	Tier            bool   // a tier's row
	Count           int
	RespondBreached int
	ResolveBreached int
}

// RespondMet is the share (0..1) of tickets that did not breach the
// respond target; 1 without tickets.
func (c Compliance) RespondMet() float64 { return share(c.Count-c.RespondBreached, c.Count) }

// ResolveMet is the share of tickets that did not breach the resolve target.
func (c Compliance) ResolveMet() float64 { return share(c.Count-c.ResolveBreached, c.Count) }

func share(n, of int) float64 {
	if of == 0 {
		return 1
	}
	return float64(n) / float64(of)
}

// ReportDays are the days from first to last (both included) in the
// desk's zone, as the store counts them.
func (d *Desk) ReportDays(first, last time.Time) ([]tickets.Day, error) {
	loc := d.Location()
	a := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	b := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, loc)
	if b.Before(a) {
		return nil, fmt.Errorf("desk: report range ends (%s) before it starts (%s)", b.Format(time.DateOnly), a.Format(time.DateOnly))
	}
	var days []tickets.Day
	for day := a; !day.After(b); day = day.AddDate(0, 0, 1) {
		if len(days) == MaxReportDays {
			return nil, fmt.Errorf("desk: report range of more than %d days", MaxReportDays)
		}
		days = append(days, tickets.Day{Key: day.Format(time.DateOnly), From: day, To: day.AddDate(0, 0, 1)})
	}
	return days, nil
}

// Report reads the figures of the tickets created on the days from first
// to last, both included.
func (d *Desk) Report(ctx context.Context, first, last time.Time) (*Report, error) {
	days, err := d.ReportDays(first, last)
	if err != nil {
		return nil, err
	}
	r := &Report{From: days[0].From, To: days[len(days)-1].To, ByType: map[string][]int{}, ByPriority: map[string][]int{},
		Backlog: map[string][]int{}, Targets: map[string]tickets.Targets{}}
	index := map[string]int{}
	for i, day := range days {
		r.Days = append(r.Days, day.Key)
		index[day.Key] = i
	}
	for _, typ := range []string{tickets.Incident, tickets.ServiceRequest} {
		r.ByType[typ] = make([]int, len(days))
	}
	for _, p := range tickets.Priorities {
		r.ByPriority[p] = make([]int, len(days))
		r.Backlog[p] = make([]int, len(tickets.BacklogBuckets))
		r.Targets[p] = d.opts.SLA.Target(p)
	}
	r.Times = d.priorityTimes()
	r.Compliance = d.compliance()
	err = d.store.View(ctx, func(tx *tickets.Tx) error {
		groups, err := tx.ReportDays(days)
		if err != nil {
			return err
		}
		for _, g := range groups {
			d.count(r, index[g.Day], g)
		}
		bars, err := tx.ReportMinutes(r.From, r.To)
		if err != nil {
			return err
		}
		for _, b := range bars {
			if f := r.timeFigures(b.Priority, b.Target); f != nil {
				f.minutes[b.Minutes] += b.Count
			}
		}
		for i := range r.Times {
			r.Times[i].Respond.percentiles()
			r.Times[i].Resolve.percentiles()
		}
		votes, err := tx.ReportVotes(r.From, r.To)
		if err != nil {
			return err
		}
		r.Auto.Helpful, r.Auto.NotHelpful = votes.Helpful, votes.NotHelpful
		r.BacklogAt = r.To
		if now := tx.Now(); now.Before(r.BacklogAt) {
			r.BacklogAt = now
		}
		backlog, err := tx.ReportBacklog(r.BacklogAt)
		if err != nil {
			return err
		}
		for _, b := range backlog {
			if row := r.Backlog[b.Priority]; row != nil && b.Bucket < len(row) {
				row[b.Bucket] += b.Count
			}
		}
		if r.TopFAQ, err = tx.ReportTopFAQ(r.From, r.To, topN); err != nil {
			return err
		}
		if r.TopPeople, err = tx.ReportTopRequesters(r.From, r.To, topN); err != nil {
			return err
		}
		if r.TopTopics, err = tx.ReportTopSubjects(r.From, r.To, topN); err != nil {
			return err
		}
		r.Satisfaction, err = d.satisfactionOf(tx, r.From, r.To)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// count adds a day's group of tickets to the report's figures.
func (d *Desk) count(r *Report, day int, g tickets.DayGroup) {
	if row := r.ByType[g.Type]; row != nil {
		row[day] += g.Count
	}
	if row := r.ByPriority[g.Priority]; row != nil {
		row[day] += g.Count
	}
	r.Created += g.Count
	r.Auto.Tickets += g.Count
	r.Auto.Answered += g.AutoAnswered
	if f := r.timeFigures(g.Priority, tickets.TargetRespond); f != nil {
		f.Count += g.Responded
		f.InTime += g.RespondedInTime
	}
	if f := r.timeFigures(g.Priority, tickets.TargetResolve); f != nil {
		f.Count += g.Resolved
		f.InTime += g.ResolvedInTime
	}
	tier := ""
	if g.Tier >= 0 {
		tier = d.tierName(g.Tier)
	}
	for i := range r.Compliance {
		c := &r.Compliance[i]
		if !c.Tier && c.Group == g.Priority || c.Tier && c.Group == tier {
			c.Count += g.Count
			c.RespondBreached += g.RespondBreached
			c.ResolveBreached += g.ResolveBreached
		}
	}
}

func (r *Report) timeFigures(priority, target string) *TimeFigures {
	for i := range r.Times {
		if r.Times[i].Priority == priority {
			if target == tickets.TargetResolve {
				return &r.Times[i].Resolve
			}
			return &r.Times[i].Respond
		}
	}
	return nil
}

// percentiles reads the nearest-rank 50th and 90th percentiles off the
// histogram.
func (f *TimeFigures) percentiles() {
	total := 0
	keys := make([]int, 0, len(f.minutes))
	for m, n := range f.minutes {
		keys = append(keys, m)
		total += n
	}
	if total == 0 {
		return
	}
	slices.Sort(keys)
	rank50, rank90 := (total*50+99)/100, (total*90+99)/100
	seen := 0
	for _, m := range keys {
		seen += f.minutes[m]
		if f.P50 == 0 && seen >= rank50 {
			f.P50 = time.Duration(m) * time.Minute
		}
		if seen >= rank90 {
			f.P90 = time.Duration(m) * time.Minute
			return
		}
	}
}

func (d *Desk) priorityTimes() []PriorityTimes {
	out := make([]PriorityTimes, len(tickets.Priorities))
	for i, p := range tickets.Priorities {
		t := d.opts.SLA.Target(p)
		out[i] = PriorityTimes{Priority: p, Respond: TimeFigures{Target: t.Respond, minutes: map[int]int{}},
			Resolve: TimeFigures{Target: t.Resolve, minutes: map[int]int{}}}
	}
	return out
}

// compliance is a row per priority, then one per configured tier and
// one for the tickets never sent to a tier, all at zero.
func (d *Desk) compliance() []Compliance {
	var out []Compliance
	for _, p := range tickets.Priorities {
		out = append(out, Compliance{Group: p})
	}
	for i := range d.opts.Tiers {
		out = append(out, Compliance{Group: d.tierName(i), Tier: true})
	}
	return append(out, Compliance{Group: "", Tier: true})
}
