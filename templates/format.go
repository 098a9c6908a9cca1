package templates

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Quote marks every line of s with "> " as a mail client quotes, so that
// whatever a customer or agent wrote stays visibly theirs: no line of it can
// pass for the mail's own words (a fake "how to act" section, a command, a
// reply address). Control characters other than tab and the invisible
// bidirectional controls that reorder what a reader sees are dropped, line
// ends are normalised, and blank lines at either end are left out.
func Quote(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		l = strings.TrimRight(l, " \t")
		if l == "" {
			b.WriteString(">")
		} else {
			b.WriteString("> " + l)
		}
	}
	return b.String()
}

var jaWeekdays = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// FormatTime writes an instant for a mail in lang, in t's own location:
// "Tue, 1 Dec 2026 14:30 JST" or "2026年12月1日（火）14:30 JST". The zero
// time is "".
func FormatTime(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "ja" {
		return fmt.Sprintf("%d年%d月%d日（%s）%s", t.Year(), t.Month(), t.Day(), jaWeekdays[t.Weekday()], t.Format("15:04 MST"))
	}
	return t.Format("Mon, 2 Jan 2006 15:04 MST")
}

// FormatDay writes the day of t for a mail in lang, in t's own location,
// without the year: "12月7日（月）" or "Monday 7 December".
func FormatDay(t time.Time, lang string) string {
	if lang == "ja" {
		return fmt.Sprintf("%d月%d日（%s）", t.Month(), t.Day(), jaWeekdays[t.Weekday()])
	}
	return t.Format("Monday 2 January")
}

// FormatDuration writes a span of time for a mail in lang, to the nearest
// minute: "1d 2h 5m", "45m" or "1日2時間5分", "45分". A negative span is 0.
func FormatDuration(d time.Duration, lang string) string {
	if d < 0 {
		d = 0
	}
	m := int64(d.Round(time.Minute) / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	units := [3]string{"d", "h", "m"}
	sep := " "
	if lang == "ja" {
		units, sep = [3]string{"日", "時間", "分"}, ""
	}
	var parts []string
	for i, n := range [3]int64{days, hours, mins} {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, units[i]))
		}
	}
	if len(parts) == 0 {
		return "0" + units[2]
	}
	return strings.Join(parts, sep)
}

// FormatSize writes a byte count the way mail clients show attachment
// sizes: "512 B", "120 KB", "4.8 MB" (powers of 1024).
func FormatSize(n int64) string {
	const k = 1024
	switch {
	case n < 0:
		n = 0
		fallthrough
	case n < k:
		return fmt.Sprintf("%d B", n)
	case n < k*k:
		return fmt.Sprintf("%d KB", (n+k/2)/k)
	case n < k*k*k:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(k*k))) + " MB"
	default:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(k*k*k))) + " GB"
	}
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
