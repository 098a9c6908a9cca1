package desk

import (
	"context"
	"fmt"
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
	Auto       tickets.AutoFigures

	BacklogAt time.Time           // the end of the range, or now when earlier
	Backlog   map[string][]int    // priority → per age bucket (tickets.BacklogBuckets)
	TopFAQ    []tickets.TopFAQRow // most automatic answers first
	TopPeople []tickets.CountRow  // busiest requesters
	TopTopics []tickets.CountRow  // most frequent subjects
	Targets   map[string]tickets.Targets
}

// PriorityTimes are the first responses and resolutions of one priority.
type PriorityTimes struct {
	Priority         string
	Respond, Resolve TimeFigures
}

// TimeFigures count the targets met and the wall-clock percentiles.
type TimeFigures struct {
	Count, InTime int
	P50, P90      time.Duration
	Target        time.Duration // the priority's target, in business time
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
	err = d.store.View(ctx, func(tx *tickets.Tx) error {
		vol, err := tx.ReportVolume(days)
		if err != nil {
			return err
		}
		for _, v := range vol {
			i := index[v.Day]
			r.ByType[v.Type][i] += v.Count
			r.ByPriority[v.Priority][i] += v.Count
			r.Created += v.Count
		}
		times, err := tx.ReportTimes(r.From, r.To)
		if err != nil {
			return err
		}
		r.Times = d.priorityTimes(times)
		comp, err := tx.ReportCompliance(r.From, r.To)
		if err != nil {
			return err
		}
		r.Compliance = d.compliance(comp)
		if r.Auto, err = tx.ReportAuto(r.From, r.To); err != nil {
			return err
		}
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
		r.TopTopics, err = tx.ReportTopSubjects(r.From, r.To, topN)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (d *Desk) priorityTimes(rows []tickets.TimesRow) []PriorityTimes {
	out := make([]PriorityTimes, len(tickets.Priorities))
	for i, p := range tickets.Priorities {
		t := d.opts.SLA.Target(p)
		out[i] = PriorityTimes{Priority: p, Respond: TimeFigures{Target: t.Respond}, Resolve: TimeFigures{Target: t.Resolve}}
	}
	for _, row := range rows {
		for i := range out {
			if out[i].Priority != row.Priority {
				continue
			}
			f := &out[i].Respond
			if row.Target == tickets.TargetResolve {
				f = &out[i].Resolve
			}
			f.Count, f.InTime, f.P50, f.P90 = row.Count, row.InTime, row.P50, row.P90
		}
	}
	return out
}

// compliance sums the store's rows per priority, then per tier.
func (d *Desk) compliance(rows []tickets.ComplianceRow) []Compliance {
	var out []Compliance
	byGroup := map[string]int{}
	add := func(group string, tier bool, r tickets.ComplianceRow) {
		i, ok := byGroup[group]
		if !ok {
			i = len(out)
			byGroup[group] = i
			out = append(out, Compliance{Group: group, Tier: tier})
		}
		out[i].Count += r.Count
		out[i].RespondBreached += r.RespondBreached
		out[i].ResolveBreached += r.ResolveBreached
	}
	for _, p := range tickets.Priorities {
		add(p, false, tickets.ComplianceRow{})
	}
	for _, r := range rows {
		add(r.Priority, false, r)
	}
	for i := range d.opts.Tiers {
		add(d.tierName(i), true, tickets.ComplianceRow{})
	}
	for _, r := range rows {
		name := ""
		if r.Tier >= 0 {
			name = d.tierName(r.Tier)
		}
		add(name, true, r)
	}
	return out
}
