package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

// slaNotes say what each SLA target and escalate_after means on the
// clock: how much business time it is, and, with business hours, when a
// ticket opened as the desk opens on its first business day of a week
// falls due ("resolve = 1bd (9h of business time; from Mon 09:00 due Mon
// 18:00)"), so "1bd" and "24h" cannot be confused. Holidays aside: a
// week without them shows what the units mean. And where times are shown.
func slaNotes(cfg *config.Config) []string {
	bh, err := cfg.SLA.Hours.Parse()
	if err != nil {
		return nil // validated at load
	}
	zone := "desk.timezone"
	switch {
	case cfg.Desk.Timezone != "":
	case len(bh.Weekdays) > 0:
		zone = "sla.hours.time_zone, as desk.timezone is not set"
	default:
		zone = "UTC, as neither desk.timezone nor sla.hours.time_zone is set"
	}
	notes := []string{fmt.Sprintf("times are shown in %s (%s); --utc shows UTC", cfg.Location(), zone)}
	var reading func(config.BusinessTime) string
	if len(bh.Weekdays) == 0 {
		notes = append(notes, "SLA targets count around the clock: a business day (bd) is 24h")
		reading = func(b config.BusinessTime) string { return clockText(b.Length(bh)) + " around the clock" }
	} else {
		cal, err := tickets.NewCalendar(bh.Weekdays, bh.From, bh.To, bh.Location, nil)
		if err != nil {
			return notes
		}
		start := firstOpening(cal, bh)
		var days []string
		for _, d := range bh.Weekdays {
			days = append(days, strings.ToLower(d.String()[:3]))
		}
		notes = append(notes, fmt.Sprintf("SLA targets count business time: %s %s–%s %s, holidays aside; a business day (bd) is %s",
			strings.Join(days, ", "), start.Format("15:04"), start.Add(bh.Workday()).Format("15:04"), bh.Location, clockText(bh.Workday())))
		reading = func(b config.BusinessTime) string {
			d := b.Length(bh)
			due := cal.Add(start, d).In(bh.Location)
			s := fmt.Sprintf("%s of business time; from %s due %s", clockText(d), start.Format("Mon 15:04"), due.Format("Mon 15:04"))
			if n := daysBetween(start, due); n > 0 {
				s += fmt.Sprintf(", %d %s later", n, plural(n, "day", "days"))
			}
			return s
		}
	}
	for _, p := range config.Priorities {
		t := cfg.SLA.Target(p)
		notes = append(notes,
			fmt.Sprintf("sla.%s.respond = %s (%s)", p, t.Respond, reading(t.Respond)),
			fmt.Sprintf("sla.%s.resolve = %s (%s)", p, t.Resolve, reading(t.Resolve)))
	}
	for i, t := range cfg.Escalation.Tiers {
		what := "never by time"
		switch {
		case i == len(cfg.Escalation.Tiers)-1:
			what = "the last tier keeps its tickets"
		case t.EscalateAfter.Length(bh) > 0:
			what = reading(t.EscalateAfter)
		}
		notes = append(notes, fmt.Sprintf("escalation.tiers[%d].escalate_after = %s (%s: %s)", i, t.EscalateAfter, t.Name, what))
	}
	return notes
}

// firstOpening is the opening of the first business day of a week
// (Monday's when Monday is one), in a week long past: what a target
// counts from in the notes.
func firstOpening(cal *tickets.Calendar, bh config.BusinessHours) time.Time {
	monday := time.Date(2001, 1, 1, 0, 0, 0, 0, bh.Location) // a Monday
	return cal.NextOpen(monday).In(bh.Location)
}

// daysBetween counts the calendar days from a's date to b's.
func daysBetween(a, b time.Time) int {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return int(time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC).Sub(time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

// clockText writes business time in hours and minutes: "9h", "1h30m",
// "63h" (never days, which would read as calendar days).
func clockText(d time.Duration) string { return config.BusinessTimeOf(d).String() }
