package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	second = time.Second
	minute = time.Minute
	hour   = time.Hour
)

// MaskedValue stands in for a secret that is set.
const MaskedValue = "******"

// Secret is a string that does not show itself: fmt, slog and JSON print
// "******" (or "" when it is empty). Reveal gives the value to the code that
// logs in with it. Its TOML encoding is the real value, so that [Config.TOML]
// round-trips; [Config.Masked] is the way to show a configuration.
type Secret string

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret for %v and %s.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return MaskedValue
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// LogValue masks the secret in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON masks the secret: a JSON view (an admin API) is a display.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// MarshalText gives the real value, for the TOML encoder.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s), nil }

// Duration is a time.Duration written as a duration string in TOML and in
// the environment: Go's units ("30s", "90m", "72h") and, for the long
// periods a help desk counts in, days and weeks ("7d", "2w", "1d12h"). A
// day is 24 hours and a week 7 days: calendar time. Business days ("bd")
// are not a Duration: only the keys that count business time take them
// ([BusinessTime]).
type Duration struct{ time.Duration }

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// UnmarshalText parses a duration string such as "30s", "72h", "7d" or
// "1w2d".
func (d *Duration) UnmarshalText(b []byte) error {
	sp, err := parseSpan(string(b))
	if err == nil && sp.businessDays != 0 {
		err = fmt.Errorf("%q counts business days (bd), which only the SLA targets and escalation.tiers[].escalate_after count in; write days (d) or hours", string(b))
	}
	if err == nil {
		d.Duration, err = sp.calendar(string(b))
	}
	if err != nil {
		return fmt.Errorf("not a duration such as \"30s\", \"72h\" or \"7d\" (units ms, s, m, h, d, w): %w", err)
	}
	return nil
}

// durationUnits are the units parseSpan takes: Go's and days, weeks
// (their nanoseconds), and business days (bd), whose length only the
// business hours tell (0 here).
var durationUnits = map[string]time.Duration{
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond,
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": day, "w": week,
	"bd": 0,
}

// span is a duration string read into its parts: what a clock counts
// (Go's units), calendar days (d, and w as 7 of them) and business days.
type span struct {
	clock        time.Duration
	days         float64
	businessDays float64
}

// parseSpan reads a duration string: numbers each with its unit, as in
// time.ParseDuration, and d, w, bd. Each number-and-unit part is checked
// here, so an error says which part is wrong; the day parts are summed
// here and the rest is left to time.ParseDuration, so "1d12h30m" is one
// day and "12h30m".
func parseSpan(text string) (span, error) {
	s := text
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" {
		return span{}, fmt.Errorf("%q has no number", text)
	}
	var sp span
	var rest strings.Builder
	for s != "" {
		i := 0
		for i < len(s) && (s[i] == '.' || '0' <= s[i] && s[i] <= '9') {
			i++
		}
		j := i
		for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
			j++
		}
		num, unit := s[:i], s[i:j]
		s = s[j:]
		per, ok := durationUnits[unit]
		n, err := strconv.ParseFloat(num, 64)
		switch {
		case unit == "":
			return span{}, fmt.Errorf("no unit after %q in %q", num, text)
		case num == "" || err != nil:
			return span{}, fmt.Errorf("no number before %q in %q", unit, text)
		case !ok:
			return span{}, fmt.Errorf("unknown unit %q in %q", unit, text)
		case unit == "bd":
			sp.businessDays += n
		case per >= day:
			sp.days += n * float64(per/day)
		default:
			rest.WriteString(num + unit)
		}
	}
	if rest.Len() > 0 {
		v, err := time.ParseDuration(rest.String())
		if err != nil { // the parts are checked: only the range is left
			return span{}, fmt.Errorf("%q is out of range", text)
		}
		sp.clock = v
	}
	if sp.days*float64(day) >= math.MaxInt64 || sp.businessDays*float64(day) >= math.MaxInt64 {
		return span{}, fmt.Errorf("%q is out of range", text)
	}
	if neg {
		sp = span{clock: -sp.clock, days: -sp.days, businessDays: -sp.businessDays}
	}
	return sp, nil
}

// calendar is the span with a day of 24 hours (business days aside).
func (sp span) calendar(text string) (time.Duration, error) {
	days := time.Duration(sp.days * float64(day))
	total := days + sp.clock
	if (days > 0 && sp.clock > 0 && total < 0) || (days < 0 && sp.clock < 0 && total > 0) {
		return 0, fmt.Errorf("%q is out of range", text)
	}
	return total, nil
}

// MarshalText writes the duration the way a person would: "3d" or "1w" for
// whole days or weeks, else "36h", "90m" → "1h30m", "30s"; never "72h0m0s".
// [Duration.UnmarshalText] reads every form back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String is the duration as MarshalText writes it, for messages.
func (d Duration) String() string {
	v := d.Duration
	sign := ""
	if v < 0 && v != math.MinInt64 {
		sign, v = "-", -v
	}
	switch {
	case v >= week && v%week == 0:
		return sign + strconv.FormatInt(int64(v/week), 10) + "w"
	case v >= day && v%day == 0:
		return sign + strconv.FormatInt(int64(v/day), 10) + "d"
	}
	return sign + clockString(v)
}

// clockString is v as time.Duration writes it, without the zero minutes
// and seconds it leaves at the end: "36h", "1h30m", "30s".
func clockString(v time.Duration) string {
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// human is the duration as MarshalText writes it ("3d"), for messages.
func (d Duration) human() string { return d.String() }

// ErrUnknownKey is the cause of a [KeyError] for a key that is not in the
// schema (usually a typo).
var ErrUnknownKey = errors.New("unknown key")

// KeyError is a problem with one configuration key. Key is the TOML path
// ("imap.security", "rules[2].pattern"); Env names the environment variable
// when the value came from there.
type KeyError struct {
	Key string
	Env string
	Err error
	// For an unknown key: its line in the file (0 when it cannot be
	// told) and the closest key of the schema ("" when none is close).
	Line    int
	Suggest string
}

func (e *KeyError) Error() string {
	if errors.Is(e.Err, ErrUnknownKey) {
		msg := fmt.Sprintf("config: unknown key %q", e.Key)
		if e.Line > 0 {
			msg += fmt.Sprintf(" (line %d)", e.Line)
		}
		if e.Suggest != "" {
			msg += fmt.Sprintf("; did you mean %q?", e.Suggest)
		}
		return msg
	}
	if e.Env != "" {
		return fmt.Sprintf("config: %s (from $%s): %v", e.Key, e.Env, e.Err)
	}
	return fmt.Sprintf("config: %s: %v", e.Key, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }
