package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// BusinessTime is an amount of business time, as the SLA targets and a
// tier's escalate_after are written: hours, minutes and seconds of
// business time ("4h", "90m"), business days ("1bd": one working day of
// [sla.hours], its from–to; "2bd4h"), and calendar days and weeks ("1d",
// "1w"). A calendar day says what it means only on a clock that runs 24x7
// (24 hours); with business hours it could be a calendar day or 24
// business hours, so [Config.Validate] refuses it there, suggesting bd or
// hours. [BusinessTime.Length] is the business time it stands for.
type BusinessTime struct {
	Clock        time.Duration // the ms, s, m and h: business time as it is
	BusinessDays float64       // bd
	Days         float64       // d, and w as 7 of them: 24 hours each on a 24x7 clock
}

// BusinessTimeOf is d of business time, written in hours, minutes, seconds.
func BusinessTimeOf(d time.Duration) BusinessTime { return BusinessTime{Clock: d} }

// UnmarshalText parses "4h", "1bd", "2bd4h", "1d" (see [BusinessTime]).
func (b *BusinessTime) UnmarshalText(text []byte) error {
	sp, err := parseSpan(string(text))
	if err != nil {
		return fmt.Errorf("not a duration such as \"30m\", \"4h\" or \"1bd\" (units ms, s, m, h, bd = business days; d, w only around the clock): %w", err)
	}
	*b = BusinessTime{Clock: sp.clock, BusinessDays: sp.businessDays, Days: sp.days}
	return nil
}

// MarshalText writes b as UnmarshalText reads it back: "1bd", "4h",
// "1bd4h", "3d"; hours stay hours ("24h", never "1d").
func (b BusinessTime) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// String is b as MarshalText writes it, for messages.
func (b BusinessTime) String() string {
	// The parser gives every part the sign of the whole.
	sign := ""
	if b.Clock < 0 || b.BusinessDays < 0 || b.Days < 0 {
		sign = "-"
		b = BusinessTime{Clock: -b.Clock, BusinessDays: -b.BusinessDays, Days: -b.Days}
	}
	var parts []string
	if b.Days != 0 {
		if w := b.Days / 7; w == math.Trunc(w) && w != 0 {
			parts = append(parts, formatCount(w)+"w")
		} else {
			parts = append(parts, formatCount(b.Days)+"d")
		}
	}
	if b.BusinessDays != 0 {
		parts = append(parts, formatCount(b.BusinessDays)+"bd")
	}
	if b.Clock != 0 || len(parts) == 0 {
		parts = append(parts, clockString(b.Clock))
	}
	return sign + strings.Join(parts, "")
}

func formatCount(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// Length is the business time b stands for under hours h: a business day
// is h's working day (24 hours around the clock), and so is a calendar
// day on a 24x7 clock (Validate refuses calendar days with business
// hours; read anyway, they count 24 hours). Beyond the range of a
// time.Duration it saturates.
func (b BusinessTime) Length(h BusinessHours) time.Duration {
	v := float64(b.Clock) + b.BusinessDays*float64(h.Workday()) + b.Days*float64(day)
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(v)
}

// Workday is the length of one business day: to − from, or 24 hours
// when the clock runs 24x7.
func (h BusinessHours) Workday() time.Duration {
	if len(h.Weekdays) == 0 || h.To <= h.From {
		return day
	}
	return h.To - h.From
}

// checkBusinessTime refuses, under business hours h, a span written in
// calendar days (which could mean a calendar day or 24 business hours),
// naming both ways to say it.
func checkBusinessTime(v *validator, key string, b BusinessTime, h BusinessHours) {
	if b.Days == 0 || len(h.Weekdays) == 0 {
		return
	}
	inDays := BusinessTime{Clock: b.Clock, BusinessDays: b.BusinessDays + b.Days}
	inHours := BusinessTime{Clock: b.Clock + time.Duration(b.Days*float64(day)), BusinessDays: b.BusinessDays}
	v.add(key, "%q counts calendar days, which the SLA clock cannot tell from business time under sla.hours: write %q for business days (a business day is %s of business time, %s–%s) or %q for that many business hours",
		b.String(), inDays.String(), clockString(h.Workday()), clock(h.From), clock(h.To), inHours.String())
}

// clock writes a time of day since midnight as HH:MM.
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
