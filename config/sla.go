package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones load without the system's tzdata
)

// Priorities are the ITIL priorities, highest first: the keys of [sla.P1]
// to [sla.P5].
var Priorities = []string{"P1", "P2", "P3", "P4", "P5"}

// Target returns the targets of a priority ("P1".."P5"). An unknown
// priority gets P5's, the loosest, as tickets.ResolutionTarget does.
func (s SLA) Target(priority string) SLATarget {
	switch priority {
	case "P1":
		return s.P1
	case "P2":
		return s.P2
	case "P3":
		return s.P3
	case "P4":
		return s.P4
	}
	return s.P5
}

// BusinessHours is [sla.hours] read into plain values: what
// tickets.NewCalendar takes (config imports no package of ours, so the
// caller converts; a Date converts to tickets.Date as it is).
type BusinessHours struct {
	Weekdays []time.Weekday // none = 24x7
	From, To time.Duration  // since local midnight; To may be 24h
	Location *time.Location // UTC when Weekdays is empty
	Holidays []Date
}

// Date is a day of the calendar, with no time or zone of its own.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// Parse reads the business hours. With no weekdays the clock runs 24x7, and
// from, to, time_zone and holidays must be empty (they would be ignored
// silently otherwise). Every problem is a [KeyError] naming its key.
func (h Hours) Parse() (BusinessHours, error) {
	v := &validator{}
	out := BusinessHours{Location: time.UTC}
	if len(h.Weekdays) == 0 {
		for _, k := range []struct{ key, val string }{{"from", h.From}, {"to", h.To}, {"time_zone", h.TimeZone}} {
			if k.val != "" {
				v.add("sla.hours."+k.key, "is set but sla.hours.weekdays is empty (24x7): list the business days, or remove it")
			}
		}
		if len(h.Holidays) > 0 {
			v.add("sla.hours.holidays", "is set but sla.hours.weekdays is empty (24x7): list the business days, or remove it")
		}
		return out, v.err()
	}

	seen := map[time.Weekday]bool{}
	for i, name := range h.Weekdays {
		key := fmt.Sprintf("sla.hours.weekdays[%d]", i)
		d, ok := weekdayNames[strings.ToLower(name)]
		switch {
		case !ok:
			v.add(key, "%q is not a day: use mon, tue, wed, thu, fri, sat or sun", name)
		case seen[d]:
			v.add(key, "%q is listed twice", name)
		default:
			seen[d] = true
			out.Weekdays = append(out.Weekdays, d)
		}
	}

	var fromOK, toOK bool
	out.From, fromOK = parseClock(v, "sla.hours.from", h.From, false)
	out.To, toOK = parseClock(v, "sla.hours.to", h.To, true)
	if fromOK && toOK && out.From >= out.To {
		v.add("sla.hours.to", "%s is not after sla.hours.from (%s); business hours cannot cross midnight", h.To, h.From)
	}

	if h.TimeZone == "" {
		v.add("sla.hours.time_zone", "required with sla.hours.weekdays: an IANA name such as Asia/Tokyo or Europe/Berlin")
	} else if loc := loadZone(v, "sla.hours.time_zone", h.TimeZone); loc != nil {
		out.Location = loc
	}

	for i, s := range h.Holidays {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			v.add(fmt.Sprintf("sla.hours.holidays[%d]", i), "%q is not a date YYYY-MM-DD", s)
			continue
		}
		out.Holidays = append(out.Holidays, Date{d.Year(), d.Month(), d.Day()})
	}
	if err := v.err(); err != nil {
		return BusinessHours{}, err
	}
	return out, nil
}

// loadZone loads the IANA zone name for key; nil, with the problem
// added to v, when it is none. "Local" is refused: it would make a
// configuration mean different times on different machines.
func loadZone(v *validator, key, name string) *time.Location {
	if name == "Local" {
		v.add(key, `"Local" depends on the machine; name the zone, e.g. Asia/Tokyo`)
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		v.errs = append(v.errs, &KeyError{Key: key, Err: fmt.Errorf("%q is not an IANA time zone such as Asia/Tokyo: %w", name, err)})
		return nil
	}
	return loc
}

// Location is the time zone the desk shows times in, at the terminal and
// in the agents' mails: desk.timezone, else the business hours' zone
// (sla.hours.time_zone), else UTC. It does not depend on the machine, so
// one configuration shows one time everywhere. A configuration that
// failed validation gets UTC for a zone it could not load.
func (c *Config) Location() *time.Location {
	v := &validator{}
	if c.Desk.Timezone != "" {
		if loc := loadZone(v, "desk.timezone", c.Desk.Timezone); loc != nil {
			return loc
		}
		return time.UTC
	}
	if bh, err := c.SLA.Hours.Parse(); err == nil && len(bh.Weekdays) > 0 {
		return bh.Location
	}
	return time.UTC
}

// parseClock reads HH:MM as the time since midnight; "24:00" (the end of
// the day) only where end is true.
func parseClock(v *validator, key, s string, end bool) (time.Duration, bool) {
	if end && s == "24:00" {
		return 24 * time.Hour, true
	}
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		if s == "" {
			v.add(key, "required with sla.hours.weekdays: a time HH:MM such as 09:00")
		} else if end {
			v.add(key, "%q is not a time HH:MM from 00:01 to 24:00", s)
		} else {
			v.add(key, "%q is not a time HH:MM from 00:00 to 23:59", s)
		}
		return 0, false
	}
	hh, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// NotifyAddresses are the bare addresses of notify, lower case.
func (t Tier) NotifyAddresses() []string { return bareAddresses(t.Notify) }

// AgentAddresses are the bare addresses of agents, lower case.
func (t Tier) AgentAddresses() []string { return bareAddresses(t.Agents) }

// HasAgent reports whether addr (bare or "Name <addr>") is on the agents
// list, ignoring case.
func (t Tier) HasAgent(addr string) bool {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	for _, a := range t.AgentAddresses() {
		if strings.EqualFold(a, addr) {
			return true
		}
	}
	return false
}

// bareAddresses drops display names; an address that does not parse
// (validation has refused it) is left out.
func bareAddresses(list []string) []string {
	var out []string
	for _, s := range list {
		if a, err := mail.ParseAddress(s); err == nil {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out
}
