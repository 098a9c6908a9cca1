package tickets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Calendar counts business time: the hours from–to of the business
// weekdays in one time zone, less holidays. Business time is real elapsed
// time inside those local hours, so a day whose hours span a daylight-saving
// change is an hour shorter or longer. The zero Calendar, a nil one, and one
// with no weekdays count every instant (24x7).
//
// Add and Between walk the calendar a day at a time (one interval per
// business day), never minute by minute.
type Calendar struct {
	days     [7]bool       // business weekdays, by time.Weekday
	from, to time.Duration // since local midnight; 0 <= from < to <= 24h
	loc      *time.Location
	holidays map[Date]bool
}

// Date is a day of the calendar, with no time or zone of its own.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// utc is the date as midnight UTC: days step by exactly 24h there, and its
// weekday is the date's.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Limits of the calendar's search.
const (
	// MaxClosedDays is the longest run of days without business hours a
	// calendar may have (holidays next to weekends); a longer one is
	// refused by NewCalendar, so every search finds business time soon.
	MaxClosedDays = 366
	// searchDays bounds Add: business time needing more than 100 years of
	// calendar is, for an SLA, never.
	searchDays = 100 * 366
)

// ErrNoBusinessTime is the cause of NewCalendar's error for a calendar that
// would leave more than MaxClosedDays in a row without business hours.
var ErrNoBusinessTime = errors.New("tickets: calendar without business time")

// NewCalendar returns the calendar of business hours from–to (since local
// midnight, to at most 24h) on weekdays in loc (nil = UTC), except on
// holidays. No weekdays means 24x7, and then from, to and holidays must be
// zero. Holidays that, with the days off around them, leave more than
// MaxClosedDays in a row without business hours are refused
// (ErrNoBusinessTime).
func NewCalendar(weekdays []time.Weekday, from, to time.Duration, loc *time.Location, holidays []Date) (*Calendar, error) {
	if len(weekdays) == 0 {
		if from != 0 || to != 0 || len(holidays) > 0 {
			return nil, errors.New("tickets: calendar: business hours or holidays without business weekdays (none means 24x7)")
		}
		return &Calendar{}, nil
	}
	c := &Calendar{from: from, to: to, loc: loc, holidays: make(map[Date]bool, len(holidays))}
	if c.loc == nil {
		c.loc = time.UTC
	}
	for _, w := range weekdays {
		if w < time.Sunday || w > time.Saturday {
			return nil, fmt.Errorf("tickets: calendar: weekday %d is not within Sunday (0) .. Saturday (6)", int(w))
		}
		c.days[w] = true
	}
	if from < 0 || to > 24*time.Hour || from >= to {
		return nil, fmt.Errorf("tickets: calendar: business hours %s–%s are not within a day, from before to", clock(from), clock(to))
	}
	for _, h := range holidays {
		if h != DateOf(h.utc()) {
			return nil, fmt.Errorf("tickets: calendar: holiday %s is not a date", h)
		}
		c.holidays[h] = true
	}
	if err := c.checkClosedRuns(holidays); err != nil {
		return nil, err
	}
	return c, nil
}

// checkClosedRuns refuses a calendar with more than MaxClosedDays in a row
// without business hours. Away from the holidays the longest run is the
// days off between business weekdays (at most six), so only the span of
// the holidays needs walking.
func (c *Calendar) checkClosedRuns(holidays []Date) error {
	if len(holidays) == 0 {
		return nil
	}
	sorted := slices.SortedFunc(slices.Values(holidays), func(a, b Date) int { return a.utc().Compare(b.utc()) })
	first, last := sorted[0].utc().AddDate(0, 0, -7), sorted[len(sorted)-1].utc().AddDate(0, 0, 7)
	run := 0
	var runStart time.Time
	for u := first; !u.After(last); u = u.Add(24 * time.Hour) {
		if c.isBusinessDay(u) {
			run = 0
			continue
		}
		if run == 0 {
			runStart = u
		}
		if run++; run > MaxClosedDays {
			return fmt.Errorf("%w: no business day from %s for more than %d days", ErrNoBusinessTime, DateOf(runStart), MaxClosedDays)
		}
	}
	return nil
}

// AroundTheClock reports whether c counts every instant (24x7).
func (c *Calendar) AroundTheClock() bool { return c == nil || c.days == [7]bool{} }

// Add returns the earliest instant at which d of business time has passed
// since t: t + d around the clock; with business hours, an instant inside
// business hours or at the end of a business day. d <= 0 returns t as it
// is. Business time that needs more than 100 years of calendar returns t
// plus 100 years (for an SLA: never).
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	if c.AroundTheClock() {
		return t.Add(d)
	}
	u := DateOf(t.In(c.loc)).utc()
	for range searchDays {
		if s, e, ok := c.interval(u); ok && e.After(t) {
			if s.Before(t) {
				s = t
			}
			avail := e.Sub(s)
			if d <= avail {
				return s.Add(d)
			}
			d -= avail
		}
		u = u.Add(24 * time.Hour)
	}
	return t.AddDate(100, 0, 0)
}

// Between returns the business time in [a, b); 0 when b is not after a.
// For any t and d >= 0, Between(t, Add(t, d)) == d (within 100 years).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.AroundTheClock() {
		return b.Sub(a)
	}
	var total time.Duration
	last := DateOf(b.In(c.loc)).utc()
	for u := DateOf(a.In(c.loc)).utc(); !u.After(last); u = u.Add(24 * time.Hour) {
		s, e, ok := c.interval(u)
		if !ok {
			continue
		}
		if s.Before(a) {
			s = a
		}
		if e.After(b) {
			e = b
		}
		if e.After(s) {
			if total > math.MaxInt64-e.Sub(s) {
				return math.MaxInt64 // beyond 292 years: saturate
			}
			total += e.Sub(s)
		}
	}
	return total
}

// IsBusinessTime reports whether t falls inside business hours.
func (c *Calendar) IsBusinessTime(t time.Time) bool {
	if c.AroundTheClock() {
		return true
	}
	s, e, ok := c.interval(DateOf(t.In(c.loc)).utc())
	return ok && !t.Before(s) && t.Before(e)
}

// NextOpen returns the first instant at or after t within business hours:
// t itself when it is business time (always, around the clock), else the
// start of the next business day's hours, weekends and holidays skipped.
// It is what "we will look at it from …" promises a mail received at t.
// Zero when no business hours come within 100 years.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.AroundTheClock() {
		return t
	}
	u := DateOf(t.In(c.loc)).utc()
	for range searchDays {
		if s, e, ok := c.interval(u); ok && e.After(t) {
			if s.After(t) {
				return s
			}
			return t
		}
		u = u.Add(24 * time.Hour)
	}
	return time.Time{}
}

// Location is the time zone of the business hours (UTC around the clock).
func (c *Calendar) Location() *time.Location {
	if c.AroundTheClock() || c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// interval returns the business hours of the date u (midnight UTC of the
// date), as instants; ok is false on a day without them.
func (c *Calendar) interval(u time.Time) (start, end time.Time, ok bool) {
	if !c.isBusinessDay(u) {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := u.Date()
	start, end = c.wall(y, m, d, c.from), c.wall(y, m, d, c.to)
	// A daylight-saving gap can swallow short hours.
	return start, end, end.After(start)
}

func (c *Calendar) isBusinessDay(u time.Time) bool {
	return c.days[u.Weekday()] && !c.holidays[DateOf(u)]
}

// wall is the instant when the local clock of date y-m-d shows since
// (24h is midnight at the end of the day).
func (c *Calendar) wall(y int, m time.Month, d int, since time.Duration) time.Time {
	return time.Date(y, m, d, int(since/time.Hour), int(since%time.Hour/time.Minute),
		int(since%time.Minute/time.Second), int(since%time.Second), c.loc)
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// SLA targets.
const (
	TargetRespond = "respond" // to the first agent answer
	TargetResolve = "resolve" // to the resolution
)

// Targets are the SLA times of one priority, in business time.
type Targets struct{ Respond, Resolve time.Duration }

// Of returns the target named target (TargetRespond or TargetResolve).
func (t Targets) Of(target string) time.Duration {
	if target == TargetRespond {
		return t.Respond
	}
	return t.Resolve
}

// DefaultTargets are the targets of an unconfigured desk (the resolve
// times are those of ResolutionTarget).
func DefaultTargets() map[string]Targets {
	return map[string]Targets{
		"P1": {30 * time.Minute, 4 * time.Hour},
		"P2": {time.Hour, 8 * time.Hour},
		"P3": {4 * time.Hour, 24 * time.Hour},
		"P4": {8 * time.Hour, 72 * time.Hour},
		"P5": {24 * time.Hour, 168 * time.Hour},
	}
}

// SLAPolicy is how due times are computed: targets by priority ("P1".."P5")
// counted on a calendar, and when a ticket no agent answers moves on to
// the next tier. The zero SLAPolicy is 24x7 with DefaultTargets, and no
// ticket moves on by time.
type SLAPolicy struct {
	Calendar *Calendar          // nil = 24x7
	Targets  map[string]Targets // a priority missing here gets its DefaultTargets
	// EscalateAfter is, by tier index, the business time a ticket may wait
	// in that tier (new or escalated) without an agent's answer before it
	// moves to the next tier; 0, and every tier past the list, never. The
	// desk fills it from its tiers (the last one never moves a ticket on):
	// the store needs it to know when a ticket's next timer falls due.
	EscalateAfter []time.Duration
}

// Target returns the targets of a priority.
func (p SLAPolicy) Target(priority string) Targets {
	if t, ok := p.Targets[priority]; ok {
		return t
	}
	if t, ok := DefaultTargets()[priority]; ok {
		return t
	}
	return DefaultTargets()["P5"]
}

// Due returns the instant a target of a ticket falls due: target plus the
// business time paused on hold, counted from the start of its SLA clocks
// (its creation, or its last reopening).
func (p SLAPolicy) Due(t *Ticket, target string) time.Time {
	return p.Calendar.Add(t.slaStart(), p.Target(t.Priority).Of(target)+t.SLAPaused)
}

// Reminder returns the instant of a target's reminder: 75% of the target
// (plus the pause), counted from the start of the ticket's SLA clocks.
func (p SLAPolicy) Reminder(t *Ticket, target string) time.Time {
	d := p.Target(t.Priority).Of(target)
	return p.Calendar.Add(t.slaStart(), d-d/4+t.SLAPaused) // integer 3/4: exact to the nanosecond
}

// EscalateAt returns the instant a ticket no agent answered moves on from
// its tier (escalate_after, counted from when it reached the tier); ok is
// false when it never does: an agent is on it (it is not new or
// escalated), it has not reached a tier yet, or its tier keeps it.
func (p SLAPolicy) EscalateAt(t *Ticket) (at time.Time, ok bool) {
	if t.Status != StatusNew && t.Status != StatusEscalated || t.TierSince.IsZero() ||
		t.Tier < 0 || t.Tier >= len(p.EscalateAfter) || p.EscalateAfter[t.Tier] <= 0 {
		return time.Time{}, false
	}
	return p.Calendar.Add(t.TierSince, p.EscalateAfter[t.Tier]), true
}

// NextTimer returns the instant the next of t's timers falls due: the
// reminder, else the breach, of each target not yet met or breached, and
// EscalateAt; zero when none is left (the ticket is not open, or on hold:
// its clocks stand still). A ticket open but never sent to a tier is due
// at once: a desk with tiers sends it to the first.
func (p SLAPolicy) NextTimer(t *Ticket) time.Time {
	switch t.Status {
	case StatusNew, StatusEscalated, StatusInProgress:
	default:
		return time.Time{}
	}
	var next time.Time
	earliest := func(at time.Time) {
		if at.IsZero() {
			at = longAgo // a time an old version did not keep: at once
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if t.TierSince.IsZero() {
		earliest(t.CreatedAt)
		return next
	}
	for _, c := range []struct {
		target      string
		pending     bool
		due         time.Time
		notReminded bool
	}{
		{TargetRespond, t.respondPending(), t.RespondDueAt, t.RespondRemindedAt.IsZero()},
		{TargetResolve, t.ResolveBreachedAt.IsZero(), t.ResolveDueAt, t.ResolveRemindedAt.IsZero()},
	} {
		switch {
		case !c.pending:
		case c.notReminded:
			earliest(p.Reminder(t, c.target))
			earliest(c.due) // a due time from an earlier policy may come first
		default:
			earliest(c.due)
		}
	}
	if at, ok := p.EscalateAt(t); ok {
		earliest(at)
	}
	return next
}

// longAgo stands for an instant a ticket lacks: its timer is due at once.
var longAgo = time.Unix(0, 0).UTC()

// Equal reports whether two policies compute the same due times and
// timers: the same targets, calendar and escalate_after.
func (p SLAPolicy) Equal(q SLAPolicy) bool { return p.fingerprint() == q.fingerprint() }

// fingerprint names what a policy computes, for Equal and for telling
// whether the stored timers were computed with this policy.
func (p SLAPolicy) fingerprint() string {
	var b strings.Builder
	for _, prio := range Priorities {
		t := p.Target(prio)
		fmt.Fprintf(&b, "%s %d %d;", prio, t.Respond, t.Resolve)
	}
	if c := p.Calendar; c.AroundTheClock() {
		b.WriteString("24x7;")
	} else {
		days := slices.SortedFunc(maps.Keys(c.holidays), func(a, b Date) int { return a.utc().Compare(b.utc()) })
		fmt.Fprintf(&b, "%v %d-%d %s %v;", c.days, c.from, c.to, c.loc, days)
	}
	esc := p.EscalateAfter
	for len(esc) > 0 && esc[len(esc)-1] <= 0 {
		esc = esc[:len(esc)-1] // a trailing "never" is the same as none
	}
	for _, d := range esc {
		fmt.Fprintf(&b, "%d,", max(d, 0))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}
