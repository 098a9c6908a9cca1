package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// officeHours are the business hours of a Japanese in-house desk: a
// working day of nine hours.
const officeHours = `
[sla.hours]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
from = "09:00"
to = "18:00"
time_zone = "Asia/Tokyo"
`

// A business day is the working day of [sla.hours] (around the clock, 24
// hours); hours stay hours. Before, "1d" was read as 24 business hours:
// with 09:00–18:00, three calendar days for a P3.
func TestBusinessTime_ABusinessDayIsOneWorkingDay(t *testing.T) {
	c := mustParse(t, officeHours+"[sla.P3]\nrespond = \"2h\"\nresolve = \"1bd\"\n[sla.P4]\nresolve = \"2bd4h\"\n")
	bh, err := c.SLA.Hours.Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  string
		got  BusinessTime
		want time.Duration
	}{
		{"sla.P3.respond", c.SLA.P3.Respond, 2 * time.Hour},
		{"sla.P3.resolve", c.SLA.P3.Resolve, 9 * time.Hour},
		{"sla.P4.resolve", c.SLA.P4.Resolve, 22 * time.Hour},
		{"sla.P5.resolve (default 7bd)", c.SLA.P5.Resolve, 63 * time.Hour},
	} {
		if n := tt.got.Length(bh); n != tt.want {
			t.Errorf("%s = %s is %v of business time, want %v", tt.key, tt.got, n, tt.want)
		}
	}

	around := mustParse(t, "[sla.P3]\nresolve = \"1d\"\n[sla.P5]\nresolve = \"1w\"\n")
	bh, _ = around.SLA.Hours.Parse()
	if n := around.SLA.P3.Resolve.Length(bh); n != 24*time.Hour {
		t.Errorf("around the clock 1d = %v, want 24h", n)
	}
	if n := around.SLA.P5.Resolve.Length(bh); n != 7*24*time.Hour {
		t.Errorf("around the clock 1w = %v, want 168h", n)
	}
	if n := Default().SLA.P3.Resolve.Length(bh); n != 24*time.Hour {
		t.Errorf("around the clock the default P3 resolve (1bd) = %v, want 24h as before", n)
	}
}

// With business hours a calendar day could be a day or 24 business hours:
// the configuration refuses it, names the key and says both ways to write
// what was meant.
func TestParse_CalendarDaysWithBusinessHoursAreRefusedWithAHint(t *testing.T) {
	for _, tt := range []struct{ src, key, hint string }{
		{"[sla.P3]\nresolve = \"1d\"\n", "sla.P3.resolve", `"1d" counts calendar days, which the SLA clock cannot tell from business time under sla.hours: write "1bd" for business days (a business day is 9h of business time, 09:00–18:00) or "24h" for that many business hours`},
		{"[sla.P5]\nrespond = \"1d12h\"\n", "sla.P5.respond", `write "1bd12h" for business days`},
		{"[sla.P5]\nresolve = \"2w\"\n", "sla.P5.resolve", `write "14bd" for business days`},
		{"[[escalation.tiers]]\nname = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]\nescalate_after = \"1d\"\n", "escalation.tiers[0].escalate_after", `or "24h" for that many business hours`},
	} {
		_, err := Parse([]byte(officeHours+tt.src), nil, "")
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != tt.key || !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("%s: error %v\nwant a KeyError of %s saying %s", strings.TrimSpace(tt.src), err, tt.key, tt.hint)
		}
	}
	if _, err := Parse([]byte(officeHours+"[sla.P3]\nresolve = \"24h\"\n[sla.P4]\nresolve = \"3bd\"\n"), nil, ""); err != nil {
		t.Errorf("hours and business days with business hours: %v", err)
	}
}

// Business days count only where business time is counted: a quiet
// period or a retry delay runs in calendar time.
func TestParse_BusinessDaysElsewhereAreRefused(t *testing.T) {
	_, err := Parse([]byte("[desk]\nclose_after = \"3bd\"\n"), nil, "")
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "desk.close_after" || !strings.Contains(err.Error(), "business days (bd)") {
		t.Fatalf("close_after = 3bd: %v", err)
	}
	c, err := Parse(nil, envMap(map[string]string{"MADOGUCHI_SLA_P4_RESOLVE": "2bd"}), "")
	if err != nil || c.SLA.P4.Resolve != (BusinessTime{BusinessDays: 2}) {
		t.Fatalf("business days from the environment: %+v %v", c.SLA.P4.Resolve, err)
	}
	b, err := c.TOML()
	if err != nil || !strings.Contains(string(b), `resolve = "2bd"`) || !strings.Contains(string(b), `resolve = "4h"`) {
		t.Fatalf("TOML() does not write the targets as they were given: %v\n%s", err, b)
	}
}

// Times are shown in desk.timezone, else in the business hours' zone,
// else in UTC, never in whatever zone a machine happens to have.
func TestLocation_DeskTimezoneElseTheBusinessHoursZoneElseUTC(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"", "UTC"},
		{officeHours, "Asia/Tokyo"},
		{"[desk]\ntimezone = \"Europe/Berlin\"\n" + officeHours, "Europe/Berlin"},
		{"[desk]\ntimezone = \"America/New_York\"\n", "America/New_York"},
	} {
		if got := mustParse(t, tt.src).Location().String(); got != tt.want {
			t.Errorf("%q: Location() = %s, want %s", tt.src, got, tt.want)
		}
	}
	for _, tt := range []struct{ zone, want string }{
		{"Asia/Osaka", `config: desk.timezone: "Asia/Osaka" is not an IANA time zone such as Asia/Tokyo`},
		{"Local", `config: desk.timezone: "Local" depends on the machine`},
	} {
		_, err := Parse([]byte("[desk]\ntimezone = \""+tt.zone+"\"\n"), nil, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("desk.timezone = %q: %v, want %s", tt.zone, err, tt.want)
		}
	}
	if _, err := Parse([]byte("[desk]\ntimzone = \"Asia/Tokyo\"\n"), nil, ""); err == nil || !strings.Contains(err.Error(), `did you mean "desk.timezone"?`) {
		t.Errorf("a misspelt desk.timezone: %v", err)
	}
}

func TestParse_OnCallIsOneLine(t *testing.T) {
	c := mustParse(t, "[escalation]\non_call = \"当番エンジニア（090-1234-5678）\"\n")
	if c.Escalation.OnCall != "当番エンジニア（090-1234-5678）" {
		t.Fatalf("on_call = %q", c.Escalation.OnCall)
	}
	for _, bad := range []string{"a\nb", strings.Repeat("x", MaxOnCallRunes+1)} {
		_, err := Parse([]byte("[escalation]\non_call = "+tomlString(bad)+"\n"), nil, "")
		if err == nil || !strings.Contains(err.Error(), "config: escalation.on_call: must be one line") {
			t.Errorf("on_call %q: %v", bad, err)
		}
	}
}

func tomlString(s string) string {
	return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
}
