package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// tiersSrc is a valid configuration with two tiers, SLA targets and
// business hours.
const tiersSrc = `
[desk]
support_address = "Support <support@example.com>"
secret = "0123456789abcdef-desk"
trusted_authserv_id = "mx.example.com"
[escalation]
attach_max_bytes = 1048576
[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["Alice <Alice@Example.com>", "bob@example.com"]
escalate_after = "4h"
[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com", "oncall@example.com"]
agents = ["carol@example.com"]
[sla.P1]
respond = "15m"
resolve = "2h"
[sla.P3]
resolve = "48h"
[sla.hours]
weekdays = ["mon", "Tue", "wednesday", "thu", "fri"]
from = "09:00"
to = "18:30"
time_zone = "Asia/Tokyo"
holidays = ["2026-12-31", "2027-01-01"]
`

func TestParse_TiersSLAAndHoursAreRead(t *testing.T) {
	c := mustParse(t, tiersSrc)

	want := []Tier{
		{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"Alice <Alice@Example.com>", "bob@example.com"}, EscalateAfter: BusinessTimeOf(4 * time.Hour)},
		{Name: "L2", Notify: []string{"l2@example.com", "oncall@example.com"}, Agents: []string{"carol@example.com"}},
	}
	if !reflect.DeepEqual(c.Escalation.Tiers, want) {
		t.Errorf("tiers = %+v\nwant %+v", c.Escalation.Tiers, want)
	}
	if c.Escalation.AttachMaxBytes != 1<<20 || c.Desk.Secret.Reveal() != "0123456789abcdef-desk" || c.Desk.TrustedAuthservID != "mx.example.com" {
		t.Errorf("escalation/desk = %+v / %q %q", c.Escalation.AttachMaxBytes, c.Desk.Secret.Reveal(), c.Desk.TrustedAuthservID)
	}
	targets := map[string]SLATarget{
		"P1": {BusinessTimeOf(15 * time.Minute), BusinessTimeOf(2 * time.Hour)},                // both set
		"P2": {BusinessTimeOf(time.Hour), BusinessTimeOf(8 * time.Hour)},                       // default
		"P3": {BusinessTimeOf(4 * time.Hour), BusinessTimeOf(48 * time.Hour)},                  // resolve set, respond default
		"P5": {BusinessTime{BusinessDays: 1}, BusinessTime{BusinessDays: 7}},                   // default
		"P9": {BusinessTime{BusinessDays: 1}, BusinessTime{BusinessDays: 7}},                   // unknown: P5's
		"":   {Respond: BusinessTime{BusinessDays: 1}, Resolve: BusinessTime{BusinessDays: 7}}, // unknown: P5's
	}
	for p, want := range targets {
		if got := c.SLA.Target(p); got != want {
			t.Errorf("Target(%q) = %v, want %v", p, got, want)
		}
	}

	bh, err := c.SLA.Hours.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bh.Weekdays, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}) {
		t.Errorf("weekdays = %v", bh.Weekdays)
	}
	if bh.From != 9*time.Hour || bh.To != 18*time.Hour+30*time.Minute || bh.Location.String() != "Asia/Tokyo" {
		t.Errorf("from %v to %v in %v", bh.From, bh.To, bh.Location)
	}
	if !slices.Equal(bh.Holidays, []Date{{2026, time.December, 31}, {2027, time.January, 1}}) || bh.Holidays[0].String() != "2026-12-31" {
		t.Errorf("holidays = %v", bh.Holidays)
	}
	if err := c.RequireRun(); err != nil && strings.Contains(err.Error(), "desk.secret") {
		t.Errorf("RequireRun complains of the secret: %v", err)
	}
}

func TestHours_EmptyIsAroundTheClockAndEndOfDayIs24h(t *testing.T) {
	bh, err := Hours{}.Parse()
	if err != nil || len(bh.Weekdays) != 0 || bh.Location != time.UTC {
		t.Errorf("Hours{}.Parse() = %+v, %v; want 24x7 in UTC", bh, err)
	}
	bh, err = Hours{Weekdays: []string{"sat", "sun"}, From: "00:00", To: "24:00", TimeZone: "Europe/Berlin"}.Parse()
	if err != nil || bh.From != 0 || bh.To != 24*time.Hour || bh.Location.String() != "Europe/Berlin" {
		t.Errorf("whole weekend days = %+v, %v", bh, err)
	}
}

func TestParse_BadDeskEscalationAndSLAValuesNameTheirKey(t *testing.T) {
	tier := func(body string) string { return "[[escalation.tiers]]\n" + body + "\n" }
	okTier := tier(`name = "L1"` + "\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]")
	hours := func(body string) string { return "[sla.hours]\n" + body + "\n" }
	week := "weekdays = [\"mon\"]\nfrom = \"09:00\"\nto = \"18:00\"\ntime_zone = \"Asia/Tokyo\"\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"short secret", "[desk]\nsecret = \"too-short\"", `config: desk.secret: is 9 bytes; at least 16 are needed`},
		{"secret not a string", "[desk]\nsecret = 12345678901234567", `config: desk.secret: want a string`},
		{"authserv id with space", "[desk]\ntrusted_authserv_id = \"mx example.com\"", `config: desk.trusted_authserv_id: "mx example.com" is not an authserv-id`},
		{"authserv id with semicolon", "[desk]\ntrusted_authserv_id = \"mx.example.com;\"", `config: desk.trusted_authserv_id: "mx.example.com;" is not an authserv-id`},
		{"negative attach max", "[escalation]\nattach_max_bytes = -1", `config: escalation.attach_max_bytes: -1 is less than 0`},
		{"tier bounce window too short", "[escalation]\ntier_bounce_window = \"30s\"", `config: escalation.tier_bounce_window: 30s is less than 1m`},
		{"tiers not an array", "[escalation]\ntiers = \"L1\"", `config: escalation.tiers: want an array of tables ([[escalation.tiers]]), got a string ("L1")`},
		{"tier not a table", "[escalation]\ntiers = [1]", `config: escalation.tiers[0]: want a table ([[escalation.tiers]]), got an integer (1)`},
		{"tier without name", tier("notify = [\"n@example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].name: required`},
		{"tier name with space", tier("name = \"level 1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].name: "level 1" must be 1 to 32 letters, digits, _ or -`},
		{"tier name too long", tier("name = \"" + strings.Repeat("x", 33) + "\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].name: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" must be 1 to 32`},
		{"tier names equal but for case", okTier + tier("name = \"l1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[1].name: "l1" is already the name of escalation.tiers[0]`},
		{"tier without notify", tier("name = \"L1\"\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].notify: required: at least one address`},
		{"tier with empty agents", tier("name = \"L1\"\nnotify = [\"n@example.com\"]\nagents = []"), `config: escalation.tiers[0].agents: required: at least one address`},
		{"tier agent not an address", okTier + tier("name = \"L2\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\", \"bob at example.com\"]"), `config: escalation.tiers[1].agents[1]: "bob at example.com" is not a mail address`},
		{"tier agent empty", tier("name = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"\"]"), `config: escalation.tiers[0].agents[0]: empty; want a mail address`},
		{"tier notify two in one", tier("name = \"L1\"\nnotify = [\"n@example.com, m@example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].notify[0]: "n@example.com, m@example.com" is not a mail address`},
		{"tier notify is our own address", "[desk]\nsupport_address = \"support@example.com\"\n" + tier("name = \"L1\"\nnotify = [\"Support+l1@Example.com\"]\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].notify[0]: "Support+l1@Example.com" is desk.support_address`},
		{"tier notify a string", tier("name = \"L1\"\nnotify = \"n@example.com\"\nagents = [\"a@example.com\"]"), `config: escalation.tiers[0].notify: want an array of strings such as ["a", "b"], got a string ("n@example.com")`},
		{"tier agents of numbers", tier("name = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\", 2]"), `config: escalation.tiers[0].agents: item 1: want a string, got an integer (2)`},
		{"tier negative escalate_after", tier("name = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]\nescalate_after = \"-1h\""), `config: escalation.tiers[0].escalate_after: -1h is negative`},
		{"tier escalate_after not a duration", tier("name = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"a@example.com\"]\nescalate_after = \"4 hours\""), `config: escalation.tiers[0].escalate_after: not a duration`},
		{"respond zero", "[sla.P2]\nrespond = \"0s\"", `config: sla.P2.respond: 0s is less than 1s`},
		{"resolve over a year", "[sla.P5]\nresolve = \"9000h\"", `config: sla.P5.resolve: 9000h is more than a year (365d)`},
		{"respond after resolve", "[sla.P1]\nrespond = \"5h\"", `config: sla.P1.respond: 5h is more than sla.P1.resolve (4h)`},
		{"target as a number", "[sla.P3]\nresolve = 24", `config: sla.P3.resolve: want a duration string such as "30s", got an integer (24)`},
		{"bad weekday", hours(strings.Replace(week, `["mon"]`, `["mon", "mo"]`, 1)), `config: sla.hours.weekdays[1]: "mo" is not a day: use mon, tue, wed, thu, fri, sat or sun`},
		{"weekday twice", hours(strings.Replace(week, `["mon"]`, `["mon", "Monday"]`, 1)), `config: sla.hours.weekdays[1]: "Monday" is listed twice`},
		{"from without minutes", hours(strings.Replace(week, `"09:00"`, `"9"`, 1)), `config: sla.hours.from: "9" is not a time HH:MM from 00:00 to 23:59`},
		{"from 24:00", hours(strings.Replace(week, `"09:00"`, `"24:00"`, 1)), `config: sla.hours.from: "24:00" is not a time HH:MM from 00:00 to 23:59`},
		{"to 25:00", hours(strings.Replace(week, `"18:00"`, `"25:00"`, 1)), `config: sla.hours.to: "25:00" is not a time HH:MM from 00:01 to 24:00`},
		{"to before from", hours(strings.Replace(week, `"18:00"`, `"08:00"`, 1)), `config: sla.hours.to: 08:00 is not after sla.hours.from (09:00); business hours cannot cross midnight`},
		{"to equals from", hours(strings.Replace(week, `"18:00"`, `"09:00"`, 1)), `config: sla.hours.to: 09:00 is not after sla.hours.from (09:00)`},
		{"from missing", hours(strings.Replace(week, "from = \"09:00\"\n", "", 1)), `config: sla.hours.from: required with sla.hours.weekdays`},
		{"zone missing", hours(strings.Replace(week, "time_zone = \"Asia/Tokyo\"\n", "", 1)), `config: sla.hours.time_zone: required with sla.hours.weekdays`},
		{"zone unknown", hours(strings.Replace(week, "Asia/Tokyo", "Asia/Osaka", 1)), `config: sla.hours.time_zone: "Asia/Osaka" is not an IANA time zone such as Asia/Tokyo`},
		{"zone Local", hours(strings.Replace(week, "Asia/Tokyo", "Local", 1)), `config: sla.hours.time_zone: "Local" depends on the machine`},
		{"holiday not a date", hours(week + "holidays = [\"2026-12-31\", \"31.12.2026\"]"), `config: sla.hours.holidays[1]: "31.12.2026" is not a date YYYY-MM-DD`},
		{"holiday that does not exist", hours(week + "holidays = [\"2027-02-29\"]"), `config: sla.hours.holidays[0]: "2027-02-29" is not a date YYYY-MM-DD`},
		{"hours without weekdays", hours("from = \"09:00\""), `config: sla.hours.from: is set but sla.hours.weekdays is empty (24x7)`},
		{"holidays without weekdays", hours("holidays = [\"2026-12-31\"]"), `config: sla.hours.holidays: is set but sla.hours.weekdays is empty (24x7)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), nil, "")
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.src)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error =\n%v\nwant a line containing\n%s", err, tt.want)
			}
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Errorf("error is not a *KeyError: %T", err)
			}
		})
	}
}

func TestParse_UnknownKeysInTiersAndSLAAreNamed(t *testing.T) {
	src := `
[[escalation.tiers]]
name = "L1"
notify = ["n@example.com"]
agent = ["a@example.com"]
[sla.P6]
respond = "1h"
[sla.p1]
respond = "1h"
[sla.hours]
zone = "UTC"
[sla.P2.extra]
x = 1
`
	_, err := Parse([]byte(src), nil, "")
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("error = %v, want unknown keys", err)
	}
	for _, want := range []string{
		`config: unknown key "escalation.tiers[0].agent"`,
		`config: unknown key "sla.P6.respond"`,
		`config: unknown key "sla.p1.respond"`,
		`config: unknown key "sla.hours.zone"`,
		`config: unknown key "sla.P2.extra.x"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestRequireRun_TiersNeedTheDeskSecret(t *testing.T) {
	src := strings.Replace(tiersSrc, "secret = \"0123456789abcdef-desk\"\n", "", 1)
	err := mustParse(t, src).RequireRun()
	want := "config: desk.secret: required for run when escalation.tiers are set, to sign reply tokens (or desk.secret_file, or $MADOGUCHI_DESK_SECRET); at least 16 bytes"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("RequireRun = %v, want %s", err, want)
	}
	// Without tiers nothing is signed: no secret needed.
	if err := mustParse(t, "").RequireRun(); err != nil && strings.Contains(err.Error(), "desk.secret") {
		t.Errorf("RequireRun without tiers = %v", err)
	}
}

func TestParse_DeskSecretFromEnvironmentOrFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "desk.key"), []byte("file-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short.key"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.key"), []byte("\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	c, err := Parse([]byte(""), envMap(map[string]string{"MADOGUCHI_DESK_SECRET": "env-secret-0123456789"}), dir)
	if err != nil || c.Desk.Secret.Reveal() != "env-secret-0123456789" {
		t.Errorf("from $MADOGUCHI_DESK_SECRET: %q, %v", c.Desk.Secret.Reveal(), err)
	}
	c, err = Parse([]byte("[desk]\nsecret_file = \"desk.key\""), nil, dir)
	if err != nil || c.Desk.Secret.Reveal() != "file-secret-0123456789" || c.Desk.SecretFile != filepath.Join(dir, "desk.key") {
		t.Errorf("from secret_file: %q (%s), %v", c.Desk.Secret.Reveal(), c.Desk.SecretFile, err)
	}

	tests := []struct {
		name string
		src  string
		env  map[string]string
		want string
	}{
		{"both in the file", "[desk]\nsecret = \"inline-secret-0123456789\"\nsecret_file = \"desk.key\"", nil,
			"config: desk.secret_file: set together with desk.secret (or $MADOGUCHI_DESK_SECRET); use one of them"},
		{"env and file", "[desk]\nsecret_file = \"desk.key\"", map[string]string{"MADOGUCHI_DESK_SECRET": "env-secret-0123456789"},
			"config: desk.secret_file: set together with desk.secret"},
		{"missing file", "[desk]\nsecret_file = \"nope.key\"", nil, "config: desk.secret_file: open " + filepath.Join(dir, "nope.key")},
		{"empty file", "[desk]\nsecret_file = \"empty.key\"", nil, "config: desk.secret_file: " + filepath.Join(dir, "empty.key") + " is empty"},
		{"short file", "[desk]\nsecret_file = \"short.key\"", nil, "config: desk.secret: is 5 bytes; at least 16 are needed"},
		{"short env", "", map[string]string{"MADOGUCHI_DESK_SECRET": "envshort"}, "config: desk.secret: is 8 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), envMap(tt.env), dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
			for _, secret := range []string{"secret-0123456789", "short", "envshort"} {
				if err != nil && strings.Contains(err.Error(), secret) && !strings.Contains(err.Error(), secret+".key") {
					t.Errorf("error shows the secret %q: %v", secret, err)
				}
			}
		})
	}
}

func TestDeskSecret_IsMaskedEverywhere(t *testing.T) {
	const secret = "desk-hmac-key-never-shown"
	c := mustParse(t, strings.Replace(tiersSrc, "0123456789abcdef-desk", secret, 1))

	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("desk", "secret", c.Desk.Secret, "desk", c.Desk)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	masked, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{
		"%v":          fmt.Sprintf("%v", c),
		"%+v":         fmt.Sprintf("%+v", *c),
		"%#v":         fmt.Sprintf("%#v", c.Desk.Secret),
		"slog":        logged.String(),
		"json":        string(js),
		"masked toml": string(masked),
	}
	for how, s := range shown {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the desk secret: %s", how, s)
		}
		if !strings.Contains(s, MaskedValue) {
			t.Errorf("%s does not show that the secret is set: %s", how, s)
		}
	}
	if !regexp.MustCompile(`(?m)^secret = "\*\*\*\*\*\*"$`).Match(masked) {
		t.Errorf("masked TOML lacks secret = \"******\":\n%s", masked)
	}
	if c.Desk.Secret.Reveal() != secret {
		t.Error("Masked changed the original")
	}
}

func TestTOML_RoundTripsTiersSLAAndHours(t *testing.T) {
	c := mustParse(t, tiersSrc)
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b, nil, "")
	if err != nil {
		t.Fatalf("Parse(TOML()) = %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("Parse(TOML()) =\n%+v\nwant\n%+v\n%s", back, c, b)
	}
	// The copy behind TOML and Masked shares no slice with c.
	m := c.Masked()
	m.Escalation.Tiers[0].Agents[0] = "mallory@example.com"
	m.SLA.Hours.Holidays[0] = "2030-01-01"
	if c.Escalation.Tiers[0].Agents[0] == "mallory@example.com" || c.SLA.Hours.Holidays[0] == "2030-01-01" {
		t.Error("Masked shares slices with the original")
	}
}

func TestTOML_NamesTheSecretFileNotItsContents(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "desk.key"), []byte("file-secret-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("[desk]\nsecret_file = \"desk.key\""), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("file-secret")) {
		t.Errorf("TOML shows the secret file's contents:\n%s", b)
	}
	back, err := Parse(b, nil, dir)
	if err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("Parse(TOML()) = %+v, %v; want %+v", back, err, c)
	}
}

func TestParse_EnvironmentSetsSLAKeysAndLists(t *testing.T) {
	env := envMap(map[string]string{
		"MADOGUCHI_SLA_P1_RESPOND":              "10m",
		"MADOGUCHI_SLA_HOURS_WEEKDAYS":          "mon, tue,,wed",
		"MADOGUCHI_SLA_HOURS_FROM":              "08:00",
		"MADOGUCHI_SLA_HOURS_TO":                "17:00",
		"MADOGUCHI_SLA_HOURS_TIME_ZONE":         "Europe/Berlin",
		"MADOGUCHI_ESCALATION_ATTACH_MAX_BYTES": "0",
	})
	c, err := Parse(nil, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SLA.P1.Respond != BusinessTimeOf(10*time.Minute) || !slices.Equal(c.SLA.Hours.Weekdays, []string{"mon", "tue", "wed"}) ||
		c.SLA.Hours.TimeZone != "Europe/Berlin" || c.Escalation.AttachMaxBytes != 0 {
		t.Errorf("from the environment: %+v, attach %d", c.SLA, c.Escalation.AttachMaxBytes)
	}
	_, err = Parse(nil, envMap(map[string]string{"MADOGUCHI_SLA_P2_RESOLVE": "soon"}), "")
	if err == nil || !strings.Contains(err.Error(), "config: sla.P2.resolve (from $MADOGUCHI_SLA_P2_RESOLVE): not a duration") {
		t.Errorf("bad duration from the environment: %v", err)
	}
}

func TestTier_AddressesAreBareAndLowerCase(t *testing.T) {
	c := mustParse(t, tiersSrc)
	l1 := c.Escalation.Tiers[0]
	if got := l1.AgentAddresses(); !slices.Equal(got, []string{"alice@example.com", "bob@example.com"}) {
		t.Errorf("AgentAddresses = %v", got)
	}
	if got := c.Escalation.Tiers[1].NotifyAddresses(); !slices.Equal(got, []string{"l2@example.com", "oncall@example.com"}) {
		t.Errorf("NotifyAddresses = %v", got)
	}
	for addr, want := range map[string]bool{
		"ALICE@example.com":           true,
		"Bob B <bob@example.com>":     true,
		"carol@example.com":           false, // an L2 agent
		"alice@example.com.evil.test": false,
		"not an address":              false,
	} {
		if got := l1.HasAgent(addr); got != want {
			t.Errorf("HasAgent(%q) = %v, want %v", addr, got, want)
		}
	}
}

// The commented [[escalation.tiers]] of the example is a working tier once
// uncommented.
func TestExampleFile_CommentedTierParses(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var tier []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		if line == "# [[escalation.tiers]]" {
			in = true
		}
		if in && !strings.HasPrefix(line, "# ") {
			break
		}
		if in {
			tier = append(tier, strings.TrimPrefix(line, "# "))
		}
	}
	src := "[desk]\nsecret = \"0123456789abcdef\"\n" + strings.Join(tier, "\n")
	c, err := Parse([]byte(src), nil, "")
	if err != nil {
		t.Fatalf("the example tier: %v\n%s", err, src)
	}
	if len(c.Escalation.Tiers) != 1 || c.Escalation.Tiers[0].Name != "L1" || c.Escalation.Tiers[0].EscalateAfter != BusinessTimeOf(4*time.Hour) {
		t.Errorf("the example tier read as %+v", c.Escalation.Tiers)
	}
}
