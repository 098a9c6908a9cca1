package tickets

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at reads "2006-01-02 15:04" in loc.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustCalendar(t testing.TB, days []time.Weekday, from, to time.Duration, loc *time.Location, holidays ...Date) *Calendar {
	t.Helper()
	c, err := NewCalendar(days, from, to, loc, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	everyDay = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

// testCalendars are the calendars of the tables and property tests.
type testCalendars struct {
	tokyo       *Calendar // Mon–Fri 09:00–18:00 Asia/Tokyo, New Year holidays
	berlin      *Calendar // Mon–Fri 09:00–18:00 Europe/Berlin
	berlinAll   *Calendar // every day 00:00–24:00 Europe/Berlin: days of 23 and 25 hours
	berlinNight *Calendar // every day 01:00–04:00 Europe/Berlin: the DST changes fall inside
	tokyoLoc    *time.Location
	berlinLoc   *time.Location
}

func newTestCalendars(t testing.TB) testCalendars {
	tokyo, berlin := mustLoad(t, "Asia/Tokyo"), mustLoad(t, "Europe/Berlin")
	return testCalendars{
		tokyo:       mustCalendar(t, weekdays, 9*time.Hour, 18*time.Hour, tokyo, Date{2026, 12, 31}, Date{2027, 1, 1}),
		berlin:      mustCalendar(t, weekdays, 9*time.Hour, 18*time.Hour, berlin),
		berlinAll:   mustCalendar(t, everyDay, 0, 24*time.Hour, berlin),
		berlinNight: mustCalendar(t, everyDay, time.Hour, 4*time.Hour, berlin),
		tokyoLoc:    tokyo,
		berlinLoc:   berlin,
	}
}

func TestCalendar_Add(t *testing.T) {
	c := newTestCalendars(t)
	tk, be := c.tokyoLoc, c.berlinLoc
	tests := []struct {
		name string
		cal  *Calendar
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{"24x7 nil calendar", nil, at(t, tk, "2026-12-05 12:00"), 30 * time.Hour, at(t, tk, "2026-12-06 18:00")},
		{"24x7 zero calendar", &Calendar{}, at(t, tk, "2026-12-05 12:00"), 90 * time.Minute, at(t, tk, "2026-12-05 13:30")},
		{"24x7 ignores DST (real time)", nil, at(t, be, "2026-03-28 12:00"), 24 * time.Hour, at(t, be, "2026-03-29 13:00")},
		{"within the day", c.tokyo, at(t, tk, "2026-11-30 10:00"), 2 * time.Hour, at(t, tk, "2026-11-30 12:00")},
		{"crossing the night", c.tokyo, at(t, tk, "2026-11-30 17:00"), 2 * time.Hour, at(t, tk, "2026-12-01 10:00")},
		{"a business day is nine hours", c.tokyo, at(t, tk, "2026-11-30 10:00"), 9 * time.Hour, at(t, tk, "2026-12-01 10:00")},
		{"ends at closing, not at the next opening", c.tokyo, at(t, tk, "2026-11-30 09:00"), 9 * time.Hour, at(t, tk, "2026-11-30 18:00")},
		{"crossing the weekend", c.tokyo, at(t, tk, "2026-12-04 17:00"), 2 * time.Hour, at(t, tk, "2026-12-07 10:00")},
		{"starting on Saturday", c.tokyo, at(t, tk, "2026-12-05 12:00"), time.Hour, at(t, tk, "2026-12-07 10:00")},
		{"starting before opening", c.tokyo, at(t, tk, "2026-11-30 07:00"), time.Hour, at(t, tk, "2026-11-30 10:00")},
		{"starting after closing", c.tokyo, at(t, tk, "2026-11-30 19:00"), time.Hour, at(t, tk, "2026-12-01 10:00")},
		{"starting at closing", c.tokyo, at(t, tk, "2026-11-30 18:00"), time.Minute, at(t, tk, "2026-12-01 09:01")},
		{"holidays and a weekend", c.tokyo, at(t, tk, "2026-12-30 17:00"), 2 * time.Hour, at(t, tk, "2027-01-04 10:00")},
		{"starting on a holiday", c.tokyo, at(t, tk, "2026-12-31 10:00"), 30 * time.Minute, at(t, tk, "2027-01-04 09:30")},
		{"P5 target over weeks", c.tokyo, at(t, tk, "2026-11-30 09:00"), 168 * time.Hour, at(t, tk, "2026-12-24 15:00")},
		{"an instant in another zone", c.tokyo, at(t, time.UTC, "2026-11-30 08:30"), time.Hour, at(t, tk, "2026-12-01 09:30")},
		{"zero duration stays put outside hours", c.tokyo, at(t, tk, "2026-12-05 12:00"), 0, at(t, tk, "2026-12-05 12:00")},
		{"negative duration stays put", c.tokyo, at(t, tk, "2026-11-30 10:00"), -time.Hour, at(t, tk, "2026-11-30 10:00")},
		{"nanoseconds kept", c.tokyo, at(t, tk, "2026-11-30 17:59").Add(59*time.Second + 999999999*time.Nanosecond), 2 * time.Nanosecond, at(t, tk, "2026-12-01 09:00").Add(time.Nanosecond)},
		{"Berlin weekend with the March change", c.berlin, at(t, be, "2026-03-27 17:00"), 2 * time.Hour, at(t, be, "2026-03-30 10:00")},
		{"Berlin whole days: the March day has 23 hours", c.berlinAll, at(t, be, "2026-03-28 12:00"), 24 * time.Hour, at(t, be, "2026-03-29 13:00")},
		{"Berlin whole days: the October day has 25 hours", c.berlinAll, at(t, be, "2026-10-24 12:00"), 24 * time.Hour, at(t, be, "2026-10-25 11:00")},
		{"Berlin night hours in the March gap", c.berlinNight, at(t, be, "2026-03-29 01:00"), 2 * time.Hour, at(t, be, "2026-03-29 04:00")},
		{"Berlin night hours past the March gap", c.berlinNight, at(t, be, "2026-03-29 01:00"), 150 * time.Minute, at(t, be, "2026-03-30 01:30")},
		{"Berlin night hours in October are four", c.berlinNight, at(t, be, "2026-10-25 01:00"), 4 * time.Hour, at(t, be, "2026-10-25 04:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.from, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tt.from, tt.d, got, tt.want)
			}
			if tt.d >= 0 {
				if back := tt.cal.Between(tt.from, got); back != tt.d {
					t.Errorf("Between(%s, Add) = %s, want %s", tt.from, back, tt.d)
				}
			}
		})
	}
}

func TestCalendar_Between(t *testing.T) {
	c := newTestCalendars(t)
	tk, be := c.tokyoLoc, c.berlinLoc
	tests := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"24x7", nil, at(t, tk, "2026-12-05 12:00"), at(t, tk, "2026-12-07 13:30"), 49*time.Hour + 30*time.Minute},
		{"empty", c.tokyo, at(t, tk, "2026-11-30 10:00"), at(t, tk, "2026-11-30 10:00"), 0},
		{"reversed", c.tokyo, at(t, tk, "2026-11-30 12:00"), at(t, tk, "2026-11-30 10:00"), 0},
		{"reversed 24x7", nil, at(t, tk, "2026-11-30 12:00"), at(t, tk, "2026-11-30 10:00"), 0},
		{"within the day", c.tokyo, at(t, tk, "2026-11-30 10:00"), at(t, tk, "2026-11-30 12:15"), 135 * time.Minute},
		{"night only", c.tokyo, at(t, tk, "2026-11-30 18:00"), at(t, tk, "2026-12-01 09:00"), 0},
		{"the weekend only", c.tokyo, at(t, tk, "2026-12-04 18:00"), at(t, tk, "2026-12-07 09:00"), 0},
		{"Friday evening to Monday morning", c.tokyo, at(t, tk, "2026-12-04 17:00"), at(t, tk, "2026-12-07 10:00"), 2 * time.Hour},
		{"a full week", c.tokyo, at(t, tk, "2026-11-30 00:00"), at(t, tk, "2026-12-07 00:00"), 45 * time.Hour},
		{"New Year week", c.tokyo, at(t, tk, "2026-12-28 00:00"), at(t, tk, "2027-01-04 00:00"), 27 * time.Hour},
		{"a holiday", c.tokyo, at(t, tk, "2026-12-31 00:00"), at(t, tk, "2027-01-01 23:59"), 0},
		{"Berlin week over the March change", c.berlin, at(t, be, "2026-03-27 17:00"), at(t, be, "2026-03-30 10:00"), 2 * time.Hour},
		{"Berlin March day", c.berlinAll, at(t, be, "2026-03-29 00:00"), at(t, be, "2026-03-30 00:00"), 23 * time.Hour},
		{"Berlin October day", c.berlinAll, at(t, be, "2026-10-25 00:00"), at(t, be, "2026-10-26 00:00"), 25 * time.Hour},
		{"Berlin March night", c.berlinNight, at(t, be, "2026-03-29 00:00"), at(t, be, "2026-03-29 12:00"), 2 * time.Hour},
		{"Berlin October night", c.berlinNight, at(t, be, "2026-10-25 00:00"), at(t, be, "2026-10-25 12:00"), 4 * time.Hour},
		{"Tokyo business year 2027", c.tokyo, at(t, tk, "2027-01-01 00:00"), at(t, tk, "2028-01-01 00:00"), (261 - 1) * 9 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCalendar_IsBusinessTime(t *testing.T) {
	c := newTestCalendars(t)
	tk := c.tokyoLoc
	for s, want := range map[string]bool{
		"2026-11-30 09:00": true, "2026-11-30 17:59": true, "2026-11-30 18:00": false, "2026-11-30 08:59": false,
		"2026-12-05 12:00": false, "2026-12-31 12:00": false, "2027-01-04 12:00": true,
	} {
		if got := c.tokyo.IsBusinessTime(at(t, tk, s)); got != want {
			t.Errorf("IsBusinessTime(%s) = %v, want %v", s, got, want)
		}
	}
	if !(*Calendar)(nil).IsBusinessTime(at(t, tk, "2026-12-05 03:00")) {
		t.Error("a 24x7 calendar has a closed instant")
	}
}

// NextOpen is when a desk closed at t opens again: the same morning, the
// next business day, past a weekend and the New Year holidays.
func TestCalendar_NextOpenSkipsNightsWeekendsAndHolidays(t *testing.T) {
	c := newTestCalendars(t)
	tk := c.tokyoLoc
	for _, tt := range []struct{ at, want string }{
		{"2026-12-01 10:00", "2026-12-01 10:00"}, // open: at once
		{"2026-12-01 07:30", "2026-12-01 09:00"}, // early morning: this morning
		{"2026-12-01 18:00", "2026-12-02 09:00"}, // closing time: tomorrow
		{"2026-12-04 19:00", "2026-12-07 09:00"}, // Friday evening: Monday
		{"2026-12-05 12:00", "2026-12-07 09:00"}, // Saturday
		{"2026-12-30 18:30", "2027-01-04 09:00"}, // New Year holidays and a weekend
	} {
		if got := c.tokyo.NextOpen(at(t, tk, tt.at)); !got.Equal(at(t, tk, tt.want)) {
			t.Errorf("NextOpen(%s) = %s, want %s", tt.at, got.In(tk).Format("2006-01-02 15:04"), tt.want)
		}
	}
	now := at(t, tk, "2026-12-05 03:00")
	if got := (*Calendar)(nil).NextOpen(now); !got.Equal(now) {
		t.Errorf("around the clock NextOpen = %s, want the instant itself", got)
	}
}

// Add and Between are inverse, on random instants over two years, for
// every kind of calendar (DST zones included).
func TestCalendar_AddAndBetweenAreInverse(t *testing.T) {
	c := newTestCalendars(t)
	rng := rand.New(rand.NewPCG(8, 2026))
	start := at(t, time.UTC, "2026-01-01 00:00")
	span := int64(2 * 365 * 24 * time.Hour)
	for name, cal := range map[string]*Calendar{"24x7": nil, "tokyo": c.tokyo, "berlin": c.berlin, "berlin all day": c.berlinAll, "berlin night": c.berlinNight} {
		for i := range 2000 {
			a := start.Add(time.Duration(rng.Int64N(span)))
			d := time.Duration(rng.Int64N(int64(400 * time.Hour)))
			if i%10 == 0 {
				d = time.Duration(rng.Int64N(int64(time.Hour))) // short ones, near the edges of a day
			}
			end := cal.Add(a, d)
			if got := cal.Between(a, end); got != d {
				t.Fatalf("%s: Between(%s, Add(%s, %s) = %s) = %s", name, a, a, d, end, got)
			}
			if end.Before(a) || (d > 0 && !cal.IsBusinessTime(end.Add(-1))) {
				t.Fatalf("%s: Add(%s, %s) = %s: not the end of business time", name, a, d, end)
			}
			b := a.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			back := cal.Add(a, cal.Between(a, b))
			if back.After(b) || cal.Between(back, b) != 0 {
				t.Fatalf("%s: Add(a, Between(a, %s)) = %s: after b, or business time left before b", name, b, back)
			}
			if cal.IsBusinessTime(b) && !back.Equal(b) {
				t.Fatalf("%s: Add(a, Between(a, %s)) = %s, want b (b is business time)", name, b, back)
			}
		}
	}
}

func TestNewCalendar_RefusesWhatIsNoCalendar(t *testing.T) {
	tk := mustLoad(t, "Asia/Tokyo")
	tests := []struct {
		name     string
		days     []time.Weekday
		from, to time.Duration
		holidays []Date
		want     string
	}{
		{"from after to", weekdays, 18 * time.Hour, 9 * time.Hour, nil, "tickets: calendar: business hours 18:00–09:00 are not within a day, from before to"},
		{"empty hours", weekdays, 9 * time.Hour, 9 * time.Hour, nil, "business hours 09:00–09:00"},
		{"past midnight", weekdays, 9 * time.Hour, 25 * time.Hour, nil, "business hours 09:00–25:00"},
		{"negative from", weekdays, -time.Hour, 9 * time.Hour, nil, "are not within a day"},
		{"weekday 7", []time.Weekday{7}, 9 * time.Hour, 18 * time.Hour, nil, "tickets: calendar: weekday 7 is not within Sunday (0) .. Saturday (6)"},
		{"no date", weekdays, 9 * time.Hour, 18 * time.Hour, []Date{{2027, 2, 29}}, "tickets: calendar: holiday 2027-02-29 is not a date"},
		{"holidays on 24x7", nil, 0, 0, []Date{{2027, 1, 1}}, "business hours or holidays without business weekdays"},
		{"hours on 24x7", nil, 9 * time.Hour, 18 * time.Hour, nil, "business hours or holidays without business weekdays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCalendar(tt.days, tt.from, tt.to, tk, tt.holidays)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewCalendar = %v, want %s", err, tt.want)
			}
		})
	}
}

// A calendar whose holidays close it for years is refused with a clear
// error, so no search ever walks years looking for business time; one that
// closes for most of a year still works, and Add jumps the gap.
func TestNewCalendar_BoundsTheDaysWithoutBusinessTime(t *testing.T) {
	tk := mustLoad(t, "Asia/Tokyo")
	holidays := func(from Date, n int) []Date {
		var out []Date
		for i := range n {
			out = append(out, DateOf(from.utc().AddDate(0, 0, i)))
		}
		return out
	}
	_, err := NewCalendar(weekdays, 9*time.Hour, 18*time.Hour, tk, holidays(Date{2027, 1, 1}, 3*365))
	if !errors.Is(err, ErrNoBusinessTime) || !strings.Contains(err.Error(), "no business day from 2027-01-01 for more than 366 days") {
		t.Errorf("three years of holidays: %v, want ErrNoBusinessTime naming the first closed day", err)
	}
	// Holidays only on Mondays to Fridays of 2027 leave weekends closed
	// too: one run of a year and more.
	_, err = NewCalendar(weekdays, 9*time.Hour, 18*time.Hour, tk, holidays(Date{2027, 1, 1}, 367))
	if !errors.Is(err, ErrNoBusinessTime) {
		t.Errorf("a year and two days of holidays: %v, want ErrNoBusinessTime", err)
	}
	c, err := NewCalendar(weekdays, 9*time.Hour, 18*time.Hour, tk, holidays(Date{2027, 1, 1}, 300))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Add(at(t, tk, "2026-12-31 17:00"), 2*time.Hour)
	// 300 days from 2027-01-01 end on 2027-10-27 (Wednesday); Thursday the 28th opens.
	if want := at(t, tk, "2027-10-28 10:00"); !got.Equal(want) {
		t.Errorf("Add across 300 holidays = %s, want %s", got, want)
	}
}

// Business time beyond what 100 years of the calendar hold is "never":
// Add returns t plus 100 years, after a bounded search.
func TestCalendar_AddBeyondTheHorizonIsNever(t *testing.T) {
	tk := mustLoad(t, "Asia/Tokyo")
	c := mustCalendar(t, []time.Weekday{time.Monday}, 9*time.Hour, 9*time.Hour+time.Minute, tk) // a minute a week
	from := at(t, tk, "2026-11-30 12:00")
	start := time.Now()
	got := c.Add(from, 8760*time.Hour)
	if want := from.AddDate(100, 0, 0); !got.Equal(want) {
		t.Errorf("Add = %s, want %s", got, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the bounded search took %s", d)
	}
	// Within the horizon it is exact: 52 Mondays hold 52 minutes.
	if got, want := c.Add(from, 52*time.Minute), at(t, tk, "2027-11-29 09:01"); !got.Equal(want) {
		t.Errorf("Add(52m) = %s, want %s", got, want)
	}
}

func TestSLAPolicy_DueAndReminderFromTheTicket(t *testing.T) {
	c := newTestCalendars(t)
	tk := c.tokyoLoc
	p := SLAPolicy{Calendar: c.tokyo, Targets: map[string]Targets{"P1": {Respond: 4 * time.Hour, Resolve: 8 * time.Hour}}}
	ticket := &Ticket{Priority: "P1", CreatedAt: at(t, tk, "2026-11-30 16:00")}
	checks := []struct {
		name      string
		got, want time.Time
	}{
		{"respond due", p.Due(ticket, TargetRespond), at(t, tk, "2026-12-01 11:00")},
		{"resolve due", p.Due(ticket, TargetResolve), at(t, tk, "2026-12-01 15:00")},
		{"respond reminder (3h)", p.Reminder(ticket, TargetRespond), at(t, tk, "2026-12-01 10:00")},
		{"resolve reminder (6h)", p.Reminder(ticket, TargetResolve), at(t, tk, "2026-12-01 13:00")},
	}
	ticket2 := &Ticket{Priority: "P1", CreatedAt: at(t, tk, "2026-11-30 16:00"), SLAPaused: 2 * time.Hour}
	checks = append(checks,
		struct {
			name      string
			got, want time.Time
		}{"respond due after a pause", p.Due(ticket2, TargetRespond), at(t, tk, "2026-12-01 13:00")},
		struct {
			name      string
			got, want time.Time
		}{"P3 from the defaults", p.Due(&Ticket{Priority: "P3", CreatedAt: at(t, tk, "2026-11-30 09:00")}, TargetRespond), at(t, tk, "2026-11-30 13:00")},
	)
	for _, ch := range checks {
		if !ch.got.Equal(ch.want) {
			t.Errorf("%s = %s, want %s", ch.name, ch.got, ch.want)
		}
	}
	// The zero policy is 24x7 with the defaults, whose resolve times are
	// the old ResolutionTarget.
	for _, prio := range Priorities {
		tkt := &Ticket{Priority: prio, CreatedAt: t0}
		if got := (SLAPolicy{}).Due(tkt, TargetResolve); !got.Equal(t0.Add(ResolutionTarget(prio))) {
			t.Errorf("%s: zero policy resolve due %s, want %s", prio, got, t0.Add(ResolutionTarget(prio)))
		}
	}
	if got := (SLAPolicy{}).Target("P9"); got != DefaultTargets()["P5"] {
		t.Errorf("unknown priority gets %v, want P5's", got)
	}
}

// BenchmarkCalendar_AddP5 is a P5 resolve target (168h of business time,
// about four weeks of a 9-to-6 calendar) and its Between back.
func BenchmarkCalendar_AddP5(b *testing.B) {
	c := newTestCalendars(b)
	from := at(b, c.tokyoLoc, "2026-11-30 16:00")
	for b.Loop() {
		due := c.tokyo.Add(from, 168*time.Hour)
		if c.tokyo.Between(from, due) != 168*time.Hour {
			b.Fatal("not inverse")
		}
	}
}
