package config

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const examplePath = "../config.example.toml"

// envMap is an env func over a fixed set of variables.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// exampleEnv supplies what config.example.toml leaves to the environment.
var exampleEnv = envMap(map[string]string{
	"MADOGUCHI_IMAP_PASSWORD": "imap-secret",
	"MADOGUCHI_SMTP_PASSWORD": "smtp-secret",
})

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), nil, "")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParse_EmptyFileGivesDefaults(t *testing.T) {
	got := mustParse(t, "")

	want := Default()
	want.Responder.IndexPath = filepath.Join("data", "faq.bleve") // derived: beside the store
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(\"\") =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDefault_HasTheDocumentedValues(t *testing.T) {
	d := Default()
	checks := []struct {
		key       string
		got, want any
	}{
		{"store.path", d.Store.Path, "data/madoguchi.db"},
		{"imap.security", d.IMAP.Security, "tls"},
		{"imap.auth", d.IMAP.Auth, "login"},
		{"imap.mailbox", d.IMAP.Mailbox, "INBOX"},
		{"imap.batch_size", d.IMAP.BatchSize, 100},
		{"imap.batch_bytes", d.IMAP.BatchBytes, int64(33554432)},
		{"imap.poll_interval", d.IMAP.PollInterval.Duration, 60 * time.Second},
		{"smtp.security", d.SMTP.Security, "starttls"},
		{"smtp.auth", d.SMTP.Auth, ""},
		{"smtp.timeout", d.SMTP.Timeout.Duration, 30 * time.Second},
		{"smtp.max_attempts", d.SMTP.MaxAttempts, 8},
		{"smtp.retry_base", d.SMTP.RetryBase.Duration, 30 * time.Second},
		{"smtp.retry_max", d.SMTP.RetryMax.Duration, time.Hour},
		{"smtp.give_up_after", d.SMTP.GiveUpAfter.Duration, 120 * time.Hour},
		{"desk.language", d.Desk.Language, "en"},
		{"desk.auto_reply_sender_limit", d.Desk.AutoReplySenderLimit, 5},
		{"desk.auto_reply_ticket_limit", d.Desk.AutoReplyTicketLimit, 3},
		{"desk.auto_reply_window", d.Desk.AutoReplyWindow.Duration, time.Hour},
		{"desk.relay_limit", d.Desk.RelayLimit, 10},
		{"desk.tier_mail_limit", d.Desk.TierMailLimit, 20},
		{"desk.agent_error_limit", d.Desk.AgentErrorLimit, 5},
		{"desk.robot_reply_within", d.Desk.RobotReplyWithin.Duration, 30 * time.Second},
		{"desk.major_window", d.Desk.MajorWindow.Duration, 4 * time.Hour},
		{"desk.reference_prefix_incident", d.Desk.ReferencePrefixIncident, "INC"},
		{"desk.reference_prefix_request", d.Desk.ReferencePrefixRequest, "REQ"},
		{"desk.close_after", d.Desk.CloseAfter.Duration, 72 * time.Hour},
		{"desk.default_rules", d.Desk.DefaultRules, true},
		{"desk.secret", d.Desk.Secret, Secret("")},
		{"desk.secret_file", d.Desk.SecretFile, ""},
		{"desk.trusted_authserv_id", d.Desk.TrustedAuthservID, ""},
		{"escalation.attach_max_bytes", d.Escalation.AttachMaxBytes, int64(5242880)},
		{"escalation.tier_bounce_window", d.Escalation.TierBounceWindow.Duration, 24 * time.Hour},
		{"escalation.tiers", len(d.Escalation.Tiers), 0},
		{"sla.P1.respond", d.SLA.P1.Respond, BusinessTimeOf(30 * time.Minute)},
		{"sla.P1.resolve", d.SLA.P1.Resolve, BusinessTimeOf(4 * time.Hour)},
		{"sla.P2.respond", d.SLA.P2.Respond, BusinessTimeOf(time.Hour)},
		{"sla.P2.resolve", d.SLA.P2.Resolve, BusinessTimeOf(8 * time.Hour)},
		{"sla.P3.respond", d.SLA.P3.Respond, BusinessTimeOf(4 * time.Hour)},
		{"sla.P3.resolve", d.SLA.P3.Resolve, BusinessTime{BusinessDays: 1}},
		{"sla.P4.respond", d.SLA.P4.Respond, BusinessTimeOf(8 * time.Hour)},
		{"sla.P4.resolve", d.SLA.P4.Resolve, BusinessTime{BusinessDays: 3}},
		{"sla.P5.respond", d.SLA.P5.Respond, BusinessTime{BusinessDays: 1}},
		{"sla.P5.resolve", d.SLA.P5.Resolve, BusinessTime{BusinessDays: 7}},
		{"sla.hours.weekdays", len(d.SLA.Hours.Weekdays), 0},
		{"sla.hours.from", d.SLA.Hours.From, ""},
		{"sla.hours.to", d.SLA.Hours.To, ""},
		{"sla.hours.time_zone", d.SLA.Hours.TimeZone, ""},
		{"sla.hours.holidays", len(d.SLA.Hours.Holidays), 0},
		{"limits.max_message_bytes", d.Limits.MaxMessageBytes, int64(26214400)},
		{"limits.max_parts", d.Limits.MaxParts, 500},
		{"limits.max_depth", d.Limits.MaxDepth, 20},
		{"responder.enabled", d.Responder.Enabled, true},
		{"responder.auto_send_confidence", d.Responder.AutoSendConfidence, 0.85},
		{"responder.learned_auto_confidence", d.Responder.LearnedAutoConfidence, 0.80},
		{"responder.suggest_confidence", d.Responder.SuggestConfidence, 0.20},
		{"responder.min_margin", d.Responder.MinMargin, 0.10},
		{"responder.max_unhelpful_ratio", d.Responder.MaxUnhelpfulRatio, 0.5},
		{"responder.min_votes", d.Responder.MinVotes, 3},
		{"responder.confirm_after", d.Responder.ConfirmAfter.Duration, 72 * time.Hour},
		{"responder.max_candidates", d.Responder.MaxCandidates, 5},
		{"log.level", d.Log.Level, "info"},
		{"log.format", d.Log.Format, "text"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.key, c.got, c.want)
		}
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
}

func TestExampleFile_LoadsAndIsReadyToRun(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	c, err := Parse(data, exampleEnv, dir)
	if err != nil {
		t.Fatalf("Parse(config.example.toml): %v", err)
	}
	if err := c.RequireRun(); err != nil {
		t.Errorf("RequireRun() = %v", err)
	}
	if c.IMAP.Address != "imap.example.com:993" || c.SMTP.From != "Example Support <support@example.com>" {
		t.Errorf("example values not read: imap.address %q, smtp.from %q", c.IMAP.Address, c.SMTP.From)
	}
	if c.Store.Path != filepath.Join(dir, "data", "madoguchi.db") {
		t.Errorf("store.path = %q, want it relative to the config dir %q", c.Store.Path, dir)
	}
	if c.Desk.MessageIDDomain != "example.com" {
		t.Errorf("message_id_domain = %q, want it derived from support_address", c.Desk.MessageIDDomain)
	}
	if c.SMTP.Auth != AuthPlain {
		t.Errorf("smtp.auth = %q, want plain (username set, auth empty)", c.SMTP.Auth)
	}
}

// requiredExampleKeys are the keys the example sets to example.com values;
// every other key must show its default.
var requiredExampleKeys = map[string]bool{
	"imap.address": true, "imap.username": true,
	"smtp.address": true, "smtp.username": true, "smtp.from": true,
	"desk.support_address": true,
}

func TestExampleFile_ShowsEveryKeyWithItsDefaultAndAComment(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		t.Fatal(err)
	}
	fromFile := Default()
	if err := decodeRaw(fromFile, raw, string(data)); err != nil {
		t.Fatal(err)
	}
	file := reflect.ValueOf(fromFile).Elem()
	def := reflect.ValueOf(Default()).Elem()
	for _, f := range sectionFields() {
		if !hasKey(raw, f.key) {
			t.Errorf("%s is missing from the example", f.key)
			continue
		}
		got, want := file.FieldByIndex(f.index).Interface(), def.FieldByIndex(f.index).Interface()
		if !requiredExampleKeys[f.key] && !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v in the example, want the default %v", f.key, got, want)
		}
	}
	for _, array := range []struct {
		name   string
		fields []field
	}{{"[[rules]]", ruleFields()}, {"[[escalation.tiers]]", tierFields()}, {"[[mailboxes]]", mailboxFields()}, {"[[webhooks]]", webhookFields()}, {"[[alerts.mail]]", alertMailFields()}} {
		if !strings.Contains(string(data), "# "+array.name+"\n") {
			t.Errorf("the example has no commented %s", array.name)
		}
		for _, k := range array.fields {
			if !regexp.MustCompile(`(?m)^# ` + k.key + ` = .*#`).Match(data) {
				t.Errorf("the commented %s example lacks %q", array.name, k.key)
			}
		}
	}
	assignment := regexp.MustCompile(`^[a-z_]+ = `)
	for i, line := range strings.Split(string(data), "\n") {
		if assignment.MatchString(line) && !strings.Contains(line, " # ") {
			t.Errorf("line %d has no comment: %s", i+1, line)
		}
	}
}

// hasKey reports whether the dotted key ("sla.P1.respond") is set in raw.
func hasKey(raw map[string]any, key string) bool {
	var cur any = raw
	for _, part := range strings.Split(key, ".") {
		table, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = table[part]; !ok {
			return false
		}
	}
	return true
}

func TestParse_UnknownKeysAreAllNamed(t *testing.T) {
	src := `
[imap]
pasword = "x"
[smtp.tls]
verify = false
[[rules]]
fields = "subject"
pattern = "x"
type = "incident"
[bogus]
`
	_, err := Parse([]byte(src), nil, "")
	if err == nil {
		t.Fatal("Parse accepted unknown keys")
	}
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("errors.Is(err, ErrUnknownKey) = false for %v", err)
	}
	for _, want := range []string{
		`config: unknown key "imap.pasword"`,
		`config: unknown key "smtp.tls.verify"`,
		`config: unknown key "rules[0].fields"`,
		`config: unknown key "bogus"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// A misspelt key names its line and the key that was meant.
func TestParse_UnknownKeyNamesItsLineAndTheClosestKey(t *testing.T) {
	src := `[store]
path = "m.db"

[imap]
security = "tls"
# the address, misspelt:
adress = "imap.example.com:993"

[smtp.tls]
verify = false

[[rules]]
field = "subject"
patern = "down"
type = "incident"

[[rules]]
field = "body"
pattern = "x"
impact = "low"
urgncy = "high"

[imapp]
mailbox = "INBOX"
[desk]
"quoted.key" = 1
bogus = true
`
	_, err := Parse([]byte(src), nil, "")
	if err == nil {
		t.Fatal("Parse accepted unknown keys")
	}
	for _, want := range []string{
		`config: unknown key "imap.adress" (line 7); did you mean "imap.address"?`,
		`config: unknown key "smtp.tls.verify" (line 10)` + "\n",
		`config: unknown key "rules[0].patern" (line 14); did you mean "rules[0].pattern"?`,
		`config: unknown key "rules[1].urgncy" (line 21); did you mean "rules[1].urgency"?`,
		`config: unknown key "imapp.mailbox" (line 24); did you mean "imap.mailbox"?`,
		`config: unknown key "desk.quoted.key" (line 26)` + "\n",
		`config: unknown key "desk.bogus" (line 27)`,
	} {
		if !strings.Contains(err.Error()+"\n", want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// Two elements of an array of tables with the same unknown key: the
	// parser keeps only one position for both, so neither gets a line
	// rather than one getting the other's.
	_, err = Parse([]byte("[[rules]]\nfield = \"any\"\npatern = \"a\"\ntype = \"incident\"\n[[rules]]\nfield = \"any\"\npatern = \"b\"\ntype = \"incident\"\n"), nil, "")
	if err == nil || !strings.Contains(err.Error(), `config: unknown key "rules[0].patern"; did you mean "rules[0].pattern"?`) ||
		!strings.Contains(err.Error(), `config: unknown key "rules[1].patern"; did you mean "rules[1].pattern"?`) {
		t.Errorf("the same unknown key in two rules: %v", err)
	}
}

// A misspelt environment variable is not ignored in silence: it is named
// with the variable that was meant.
func TestUnknownEnv_NamesEveryStrayVariableWithTheClosestKey(t *testing.T) {
	got := UnknownEnv([]string{
		"MADOGUCHI_IMAP_ADRESS=imap.example.com:993",
		"MADOGUCHI_SMTP_PASSWROD=secret-value",
		"MADOGUCHI_IMAP_ADDRESS=imap.example.com:993", // a key
		"MADOGUCHI_SLA_P1_RESPOND=1h",                 // a key of a nested table
		"MADOGUCHI_CONFIG=/etc/madoguchi.toml",        // documented, not a key
		"MADOGUCHI_BENCH_N=10000",
		"MADOGUCHI_FAQBENCH_DIR=/tmp/x",
		"MADOGUCHI_RULES=x",
		"MADOGUCHI_MAILBOXES_REQUESTS_PASSWORD=secret-value",
		"MADOGUCHI_SOMETHING_ELSE_ENTIRELY=1",
		"HOME=/root",
		"madoguchi_imap_address=lower case is another variable",
	})
	want := []string{
		"$MADOGUCHI_IMAP_ADRESS names no configuration key and is ignored; did you mean $MADOGUCHI_IMAP_ADDRESS?",
		"$MADOGUCHI_MAILBOXES_REQUESTS_PASSWORD names no configuration key and is ignored (mailboxes come only from the file)",
		"$MADOGUCHI_RULES names no configuration key and is ignored (rules come only from the file)",
		"$MADOGUCHI_SMTP_PASSWROD names no configuration key and is ignored; did you mean $MADOGUCHI_SMTP_PASSWORD?",
		"$MADOGUCHI_SOMETHING_ELSE_ENTIRELY names no configuration key and is ignored",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("UnknownEnv =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range got {
		if strings.Contains(w, "secret-value") {
			t.Errorf("a warning shows a value: %s", w)
		}
	}
}

func TestParse_BadValueNamesItsKey(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the error's line for this key
	}{
		{"security enum", "[imap]\nsecurity = \"foo\"", `config: imap.security: "foo" is not one of tls, starttls, insecure`},
		{"smtp security enum", "[smtp]\nsecurity = \"ssl\"", `config: smtp.security: "ssl" is not one of`},
		{"imap auth enum", "[imap]\nauth = \"\"", `config: imap.auth: "" is not one of login, plain, xoauth2`},
		{"smtp auth enum", "[smtp]\nauth = \"cram-md5\"", `config: smtp.auth: "cram-md5" is not one of "", plain, login, xoauth2`},
		{"address without port", "[imap]\naddress = \"imap.example.com\"", `config: imap.address: "imap.example.com" is not host:port`},
		{"address bad port", "[smtp]\naddress = \"smtp.example.com:smtp\"", `config: smtp.address: "smtp.example.com:smtp": port "smtp" is not a number`},
		{"batch size zero", "[imap]\nbatch_size = 0", `config: imap.batch_size: 0 is not within 1..1000`},
		{"batch size too big", "[imap]\nbatch_size = 1001", `config: imap.batch_size: 1001 is not within 1..1000`},
		{"batch bytes below a MiB", "[imap]\nbatch_bytes = 1000", `config: imap.batch_bytes: 1000 is less than 1048576`},
		{"batch size wrong type", "[imap]\nbatch_size = \"100\"", `config: imap.batch_size: want an integer, got a string ("100")`},
		{"poll interval too short", "[imap]\npoll_interval = \"500ms\"", `config: imap.poll_interval: 500ms is less than 1s`},
		{"poll interval not a duration", "[imap]\npoll_interval = \"often\"", `config: imap.poll_interval: not a duration such as "30s", "72h" or "7d" (units ms, s, m, h, d, w): no number before "often" in "often"`},
		{"duration as a number", "[desk]\nclose_after = 3600", `config: desk.close_after: want a duration string such as "30s", got an integer (3600)`},
		{"same processed mailbox", "[imap]\nprocessed_mailbox = \"INBOX\"", `config: imap.processed_mailbox: is the same as imap.mailbox`},
		{"both token sources", "[imap]\nauth = \"xoauth2\"\ntoken_file = \"t\"\ntoken_command = \"c\"", `config: imap.token_command: set together with imap.token_file`},
		{"token without xoauth2", "[smtp]\ntoken_command = \"c\"", `config: smtp.token_command: is set but smtp.auth is ""`},
		{"from not an address", "[smtp]\nfrom = \"Support\"", `config: smtp.from: "Support" is not a mail address`},
		{"max attempts", "[smtp]\nmax_attempts = 0", `config: smtp.max_attempts: 0 is not within 1..100`},
		{"retry max below base", "[smtp]\nretry_base = \"2m\"\nretry_max = \"1m\"", `config: smtp.retry_max: 1m is less than smtp.retry_base (2m)`},
		{"give up before the retries run out", "[smtp]\ngive_up_after = \"30m\"", `config: smtp.give_up_after: 30m is less than smtp.retry_max (1h)`},
		{"give up after not a duration", "[smtp]\ngive_up_after = \"5 days\"", `config: smtp.give_up_after: not a duration such as "30s", "72h" or "7d" (units ms, s, m, h, d, w): unknown unit " days" in "5 days"`},
		{"support address", "[desk]\nsupport_address = \"support at example.com\"", `config: desk.support_address: "support at example.com" is not a mail address`},
		{"language", "[desk]\nlanguage = \"fr\"", `config: desk.language: "fr" is not one of en, ja`},
		{"message id domain", "[desk]\nmessage_id_domain = \"exa mple.com\"", `config: desk.message_id_domain: "exa mple.com" is not a domain name`},
		{"negative sender limit", "[desk]\nauto_reply_sender_limit = -1", `config: desk.auto_reply_sender_limit: -1 is less than 0`},
		{"no relays at all", "[desk]\nrelay_limit = 0", `config: desk.relay_limit: 0 is less than 1`},
		{"no tier mail at all", "[desk]\ntier_mail_limit = 0", `config: desk.tier_mail_limit: 0 is less than 1`},
		{"robot replies within minutes", "[desk]\nrobot_reply_within = \"15m\"", `config: desk.robot_reply_within: 15m is not between 0s (never) and 10m`},
		{"major window of seconds", "[desk]\nmajor_window = \"30s\"", `config: desk.major_window: 30s is not between 1m and 7d`},
		{"major window of a month", "[desk]\nmajor_window = \"30d\"", `config: desk.major_window: 30d is not between 1m and 7d`},
		{"prefix lower case", "[desk]\nreference_prefix_incident = \"inc\"", `config: desk.reference_prefix_incident: "inc" must be 1 to 10 upper-case letters`},
		{"prefixes equal", "[desk]\nreference_prefix_request = \"INC\"", `config: desk.reference_prefix_request: is the same as desk.reference_prefix_incident`},
		{"close after zero", "[desk]\nclose_after = \"0s\"", `config: desk.close_after: 0s is less than 1s`},
		{"default rules type", "[desk]\ndefault_rules = \"yes\"", `config: desk.default_rules: want true or false, got a string ("yes")`},
		{"rule regexp", "[[rules]]\nfield = \"subject\"\npattern = \"(down\"\ntype = \"incident\"", `config: rules[0].pattern: error parsing regexp`},
		{"second rule field", "[[rules]]\nfield = \"subject\"\npattern = \"a\"\ntype = \"incident\"\n[[rules]]\nfield = \"header\"\npattern = \"b\"\nimpact = \"low\"", `config: rules[1].field: "header" is not one of subject, body, from, any`},
		{"rule type", "[[rules]]\nfield = \"body\"\npattern = \"a\"\ntype = \"problem\"", `config: rules[0].type: "problem" is not one of "", incident, service_request`},
		{"rule urgency", "[[rules]]\nfield = \"any\"\npattern = \"a\"\nurgency = \"critical\"", `config: rules[0].urgency: "critical" is not one of "", high, medium, low`},
		{"rule does nothing", "[[rules]]\nfield = \"any\"\npattern = \"a\"", `config: rules[0]: sets none of type, impact, urgency`},
		{"rule without pattern", "[[rules]]\nfield = \"any\"\ntype = \"incident\"", `config: rules[0].pattern: required`},
		{"rules not tables", "rules = [1]", `config: rules[0]: want a table ([[rules]]), got an integer (1)`},
		{"message too small", "[limits]\nmax_message_bytes = 100", `config: limits.max_message_bytes: 100 is less than 1024`},
		{"max depth", "[limits]\nmax_depth = 0", `config: limits.max_depth: 0 is not within 1..1000`},
		{"confidence above one", "[responder]\nauto_send_confidence = 1.5", `config: responder.auto_send_confidence: 1.5 is not within [0, 1]`},
		{"confidence nan", "[responder]\nmin_margin = nan", `config: responder.min_margin: NaN is not within [0, 1]`},
		{"suggest above auto", "[responder]\nsuggest_confidence = 0.9", `config: responder.suggest_confidence: 0.9 is greater than responder.auto_send_confidence (0.85)`},
		{"unhelpful ratio", "[responder]\nmax_unhelpful_ratio = -0.1", `config: responder.max_unhelpful_ratio: -0.1 is not within [0, 1]`},
		{"min votes", "[responder]\nmin_votes = 0", `config: responder.min_votes: 0 is less than 1`},
		{"confirm after", "[responder]\nconfirm_after = \"-1h\"", `config: responder.confirm_after: -1h is less than 1s`},
		{"log level", "[log]\nlevel = \"verbose\"", `config: log.level: "verbose" is not one of debug, info, warn, error`},
		{"log format", "[log]\nformat = \"xml\"", `config: log.format: "xml" is not one of text, json`},
		{"store path empty", "[store]\npath = \"\"", `config: store.path: required`},
		{"section as value", "imap = 1", `config: unknown key "imap"`},
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

func TestParse_ReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Parse([]byte("[imap]\nbatch_size = \"x\"\nsecurity = \"foo\"\n[log]\nlevel = \"loud\""), nil, "")
	if err == nil {
		t.Fatal("Parse accepted bad values")
	}
	for _, key := range []string{"imap.batch_size", "imap.security", "log.level"} {
		if !strings.Contains(err.Error(), "config: "+key+":") {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

func TestParse_SyntaxErrorNamesTheLine(t *testing.T) {
	_, err := Parse([]byte("[imap]\naddress = \"x\n"), nil, "")
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line != 2 {
		t.Fatalf("error = %v, want a toml.ParseError at line 2", err)
	}
	if !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("error %q does not say config", err)
	}
}

func TestParse_InsecureIsAllowedOnlyToLoopback(t *testing.T) {
	tests := []struct {
		address string
		ok      bool
	}{
		{"127.0.0.1:1143", true},
		{"127.0.0.53:25", true},
		{"localhost:143", true},
		{"LocalHost:143", true},
		{"[::1]:143", true},
		{"imap.example.com:143", false},
		{"192.168.1.10:143", false},
		{"[2001:db8::1]:143", false},
		{"localhost.example.com:143", false},
	}
	for _, tt := range tests {
		for _, section := range []string{"imap", "smtp"} {
			t.Run(section+" "+tt.address, func(t *testing.T) {
				src := fmt.Sprintf("[%s]\naddress = %q\nsecurity = \"insecure\"", section, tt.address)
				_, err := Parse([]byte(src), nil, "")
				if tt.ok && err != nil {
					t.Errorf("Parse = %v, want insecure accepted to loopback", err)
				}
				if !tt.ok && (err == nil || !strings.Contains(err.Error(), "config: "+section+".security: insecure (plain text) is allowed only to a loopback address")) {
					t.Errorf("Parse = %v, want insecure refused to %s", err, tt.address)
				}
			})
		}
	}
}

func TestParse_EnvironmentOverridesAnyKey(t *testing.T) {
	src := `
[imap]
address = "imap.example.com:993"
batch_size = 10
[smtp]
username = "file-user"
`
	env := envMap(map[string]string{
		"MADOGUCHI_IMAP_PASSWORD":                  "from-env",
		"MADOGUCHI_IMAP_BATCH_SIZE":                "50",
		"MADOGUCHI_IMAP_POLL_INTERVAL":             "5m",
		"MADOGUCHI_SMTP_USERNAME":                  "env-user",
		"MADOGUCHI_DESK_DEFAULT_RULES":             "false",
		"MADOGUCHI_RESPONDER_AUTO_SEND_CONFIDENCE": "0.9",
		"MADOGUCHI_LIMITS_MAX_MESSAGE_BYTES":       "1048576",
		"MADOGUCHI_LOG_LEVEL":                      "",
	})
	c, err := Parse([]byte(src), env, "")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"imap.password", c.IMAP.Password.Reveal(), "from-env"},
		{"imap.address (not in env)", c.IMAP.Address, "imap.example.com:993"},
		{"imap.batch_size", c.IMAP.BatchSize, 50},
		{"imap.poll_interval", c.IMAP.PollInterval.Duration, 5 * time.Minute},
		{"smtp.username", c.SMTP.Username, "env-user"},
		{"desk.default_rules", c.Desk.DefaultRules, false},
		{"responder.auto_send_confidence", c.Responder.AutoSendConfidence, 0.9},
		{"limits.max_message_bytes", c.Limits.MaxMessageBytes, int64(1 << 20)},
		{"log.level (empty variable is unset)", c.Log.Level, "info"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.key, ch.got, ch.want)
		}
	}
}

func TestParse_EnvironmentValueThatDoesNotParseNamesTheVariable(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"MADOGUCHI_IMAP_BATCH_SIZE", "many", `config: imap.batch_size (from $MADOGUCHI_IMAP_BATCH_SIZE): "many" is not an integer`},
		{"MADOGUCHI_DESK_DEFAULT_RULES", "maybe", `config: desk.default_rules (from $MADOGUCHI_DESK_DEFAULT_RULES): "maybe" is not true or false`},
		{"MADOGUCHI_SMTP_TIMEOUT", "30", `config: smtp.timeout (from $MADOGUCHI_SMTP_TIMEOUT): not a duration`},
		{"MADOGUCHI_RESPONDER_MIN_MARGIN", "high", `config: responder.min_margin (from $MADOGUCHI_RESPONDER_MIN_MARGIN): "high" is not a number`},
		{"MADOGUCHI_IMAP_SECURITY", "none", `config: imap.security: "none" is not one of tls, starttls, insecure`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(nil, envMap(map[string]string{tt.name: tt.value}), "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestParse_PasswordFileIsRelativeToTheConfigDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets", "imap"), []byte("pa ss\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "madoguchi.toml")
	if err := os.WriteFile(cfgPath, []byte("[imap]\npassword_file = \"secrets/imap\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MADOGUCHI_IMAP_PASSWORD", "") // Load reads the real environment

	c, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.IMAP.Password.Reveal(); got != "pa ss" {
		t.Errorf("password = %q, want the file's contents without the newline", got)
	}
	if c.IMAP.PasswordFile != filepath.Join(dir, "secrets", "imap") {
		t.Errorf("password_file = %q, want it resolved against %s", c.IMAP.PasswordFile, dir)
	}
}

func TestParse_PasswordFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want string
	}{
		{"both in the file", "[smtp]\npassword = \"x\"\npassword_file = \"pw\"", nil,
			"config: smtp.password_file: set together with smtp.password (or $MADOGUCHI_SMTP_PASSWORD); use one of them"},
		{"password from env and file", "[imap]\npassword_file = \"pw\"", map[string]string{"MADOGUCHI_IMAP_PASSWORD": "y"},
			"config: imap.password_file: set together with imap.password"},
		{"missing file", "[imap]\npassword_file = \"nope\"", nil, "config: imap.password_file: open " + filepath.Join(dir, "nope")},
		{"empty file", "[imap]\npassword_file = \"empty\"", nil, "config: imap.password_file: " + filepath.Join(dir, "empty") + " is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), envMap(tt.env), dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	_, err := Parse([]byte("[imap]\npassword_file = \"nope\""), nil, dir)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("errors.Is(err, os.ErrNotExist) = false for %v", err)
	}
}

func TestMasked_HidesPasswordsAndTOMLRoundTrips(t *testing.T) {
	src := `
[imap]
address = "127.0.0.1:1143"
security = "insecure"
username = "agent"
password = "hunter2-imap"
[smtp]
address = "smtp.example.com:465"
security = "tls"
from = "Support <support@example.com>"
[desk]
support_address = "support@example.com"
language = "ja"
[[rules]]
field = "subject"
pattern = '(?i)server\s+down|障害'
type = "incident"
impact = "high"
[[rules]]
field = "from"
pattern = "@monitoring\\.example\\.com$"
urgency = "low"
`
	c := mustParse(t, src)
	m := c.Masked()
	if m.IMAP.Password != MaskedValue {
		t.Errorf("masked imap.password = %q, want %q", m.IMAP.Password.Reveal(), MaskedValue)
	}
	if m.SMTP.Password != "" {
		t.Errorf("masked smtp.password = %q, want empty: an unset secret stays unset", m.SMTP.Password.Reveal())
	}
	if c.IMAP.Password.Reveal() != "hunter2-imap" {
		t.Error("Masked changed the original")
	}

	for name, cfg := range map[string]*Config{"masked": m, "unmasked": c} {
		b, err := cfg.TOML()
		if err != nil {
			t.Fatalf("%s TOML: %v", name, err)
		}
		if name == "masked" && bytes.Contains(b, []byte("hunter2")) {
			t.Errorf("masked TOML shows the password:\n%s", b)
		}
		back, err := Parse(b, nil, "")
		if err != nil {
			t.Fatalf("%s: Parse(TOML()) = %v\n%s", name, err, b)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Errorf("%s: Parse(TOML()) =\n%+v\nwant\n%+v", name, back, cfg)
		}
	}
}

func TestTOML_NamesThePasswordFileNotItsContents(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("[smtp]\nusername = \"u\"\npassword_file = \"pw\""), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("file-secret")) {
		t.Errorf("TOML shows the password file's contents:\n%s", b)
	}
	back, err := Parse(b, nil, dir)
	if err != nil {
		t.Fatalf("Parse(TOML()) = %v", err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("Parse(TOML()) =\n%+v\nwant\n%+v", back, c)
	}
}

func TestSecret_IsMaskedWhenPrintedOrLogged(t *testing.T) {
	c := mustParse(t, "[imap]\npassword = \"hunter2\"")

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("login", "password", c.IMAP.Password)
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", *c),
		"%#v":  fmt.Sprintf("%#v", c.IMAP.Password),
		"%s":   fmt.Sprintf("%s", c.IMAP.Password),
		"slog": logged.String(),
		"json": string(js),
	}
	for how, s := range shown {
		if strings.Contains(s, "hunter2") {
			t.Errorf("%s shows the secret: %s", how, s)
		}
		if !strings.Contains(s, MaskedValue) {
			t.Errorf("%s does not show that a secret is set: %s", how, s)
		}
	}
}

func TestDuration_EncodesTheWayAPersonWritesIt(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3d"},
		{168 * time.Hour, "1w"},
		{14 * 24 * time.Hour, "2w"},
		{36 * time.Hour, "36h"},
		{-48 * time.Hour, "-2d"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{2 * time.Minute, "2m"},
		{30 * time.Second, "30s"},
		{90 * time.Second, "1m30s"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		b, _ := Duration{tt.d}.MarshalText()
		if string(b) != tt.want {
			t.Errorf("%v encodes as %q, want %q", tt.d, b, tt.want)
		}
		var back Duration
		if err := back.UnmarshalText(b); err != nil || back.Duration != tt.d {
			t.Errorf("%q decodes to %v, %v; want %v", b, back.Duration, err, tt.d)
		}
	}
}

// An admin writes a week as "7d", not "168h": days and weeks are accepted
// wherever a duration is configured, in the file and in the environment.
func TestDuration_AcceptsDaysAndWeeks(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"7d", 7 * 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1w2d3h4m5s", (9*24+3)*time.Hour + 4*time.Minute + 5*time.Second},
		{"12h1d", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"0d", 0},
		{"-1d", -24 * time.Hour},
		{"90m", 90 * time.Minute},
		{"500ms", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		var d Duration
		if err := d.UnmarshalText([]byte(tt.in)); err != nil || d.Duration != tt.want {
			t.Errorf("%q = %v, %v; want %v", tt.in, d.Duration, err, tt.want)
		}
	}
	for _, bad := range []string{"", "d", "7", "7 d", "7days", "1d-5h", "+", "1.2.3d", "100000000w", "15250w3d", "2562048h"} {
		var d Duration
		err := d.UnmarshalText([]byte(bad))
		if err == nil {
			t.Errorf("%q accepted as %v", bad, d.Duration)
			continue
		}
		if !strings.HasPrefix(err.Error(), "not a duration such as") || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("%q: error %q does not say it is not a duration and quote it", bad, err)
		}
	}

	c, err := Parse([]byte("[desk]\nclose_after = \"7d\"\n[smtp]\ngive_up_after = \"1w\"\n"),
		envMap(map[string]string{"MADOGUCHI_RESPONDER_CONFIRM_AFTER": "2d", "MADOGUCHI_SLA_P5_RESOLVE": "1w1d"}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Desk.CloseAfter.Duration != 7*24*time.Hour || c.SMTP.GiveUpAfter.Duration != 7*24*time.Hour ||
		c.Responder.ConfirmAfter.Duration != 48*time.Hour || c.SLA.P5.Resolve != (BusinessTime{Days: 8}) {
		t.Fatalf("days and weeks: close_after %v, give_up_after %v, confirm_after %v, P5 resolve %v",
			c.Desk.CloseAfter, c.SMTP.GiveUpAfter, c.Responder.ConfirmAfter, c.SLA.P5.Resolve)
	}
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`close_after = "1w"`, `confirm_after = "2d"`, `resolve = "8d"`, `poll_interval = "1m"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("TOML() lacks %s:\n%s", want, b)
		}
	}
}

func TestResolvePath_FlagThenEnvironmentThenDefault(t *testing.T) {
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", "/etc/madoguchi/a.toml", "/env.toml", "/etc/madoguchi/a.toml"},
		{"environment", "", "/env.toml", "/env.toml"},
		{"default", "", "", "madoguchi.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolvePath(tt.flag, envMap(map[string]string{EnvConfig: tt.env}))
			if got != tt.want {
				t.Errorf("ResolvePath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoad_MissingFileIsNotExist(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "madoguchi.toml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("Load = %v, want a config: error wrapping os.ErrNotExist", err)
	}
}

func TestRequireRun_NamesEveryMissingKey(t *testing.T) {
	c := mustParse(t, "[smtp]\nauth = \"login\"")
	err := c.RequireRun()
	if err == nil {
		t.Fatal("RequireRun accepted an empty config")
	}
	for _, key := range []string{"imap.address", "imap.username", "imap.password", "smtp.address", "smtp.from", "smtp.username", "smtp.password", "desk.support_address"} {
		if !strings.Contains(err.Error(), "config: "+key+": required") {
			t.Errorf("RequireRun error does not name %s:\n%v", key, err)
		}
	}
	if !strings.Contains(err.Error(), "$MADOGUCHI_IMAP_PASSWORD") {
		t.Errorf("RequireRun error does not point at the environment variable:\n%v", err)
	}
}

func TestRequireRun_XOAUTH2NeedsATokenSourceNotAPassword(t *testing.T) {
	base := "[imap]\naddress = \"imap.example.com:993\"\nusername = \"u\"\nauth = \"xoauth2\"\n" +
		"[smtp]\naddress = \"smtp.example.com:587\"\nfrom = \"s@example.com\"\n[desk]\nsupport_address = \"s@example.com\"\n"

	err := mustParse(t, base).RequireRun()
	if err == nil || !strings.Contains(err.Error(), "config: imap.token_file: required for run with xoauth2 (or imap.token_command)") {
		t.Errorf("RequireRun = %v, want imap.token_file required", err)
	}
	if err := mustParse(t, strings.Replace(base, "auth = \"xoauth2\"\n", "auth = \"xoauth2\"\ntoken_command = \"printf tok\"\n", 1)).RequireRun(); err != nil {
		t.Errorf("RequireRun with token_command = %v", err)
	}
}

func TestRequireRun_ChecksCAFileAndTemplatesDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "not-pem"), []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := "[imap]\nca_file = \"not-pem\"\n[smtp]\nca_file = \"missing.pem\"\n[templates]\ndir = \"not-pem\"\n"
	c, err := Parse([]byte(src), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	err = c.RequireRun()
	for _, want := range []string{
		"config: imap.ca_file: " + filepath.Join(dir, "not-pem") + " holds no PEM certificate",
		"config: smtp.ca_file: open " + filepath.Join(dir, "missing.pem"),
		"config: templates.dir: " + filepath.Join(dir, "not-pem") + " is not a directory",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("RequireRun = %v, want a line containing %s", err, want)
		}
	}
}

func TestTLSConfig_TrustsCAFileAndVerifiesTheConfiguredName(t *testing.T) {
	dir := t.TempDir()
	caPEM, ca := selfSignedCA(t)
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("[imap]\naddress = \"10.0.0.5:993\"\nca_file = \"ca.pem\"\ntls_server_name = \"mail.internal\"\n[smtp]\naddress = \"smtp.example.com:465\""), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.IMAP.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc.ServerName != "mail.internal" {
		t.Errorf("ServerName = %q, want tls_server_name", tc.ServerName)
	}
	if _, err := ca.Verify(x509.VerifyOptions{Roots: tc.RootCAs}); err != nil {
		t.Errorf("the CA from ca_file is not trusted: %v", err)
	}
	tc, err = c.SMTP.TLSConfig()
	if err != nil || tc.ServerName != "smtp.example.com" || tc.RootCAs != nil {
		t.Errorf("SMTP TLSConfig = %+v, %v; want the address's host and the system roots", tc, err)
	}
}

func selfSignedCA(t *testing.T) ([]byte, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "madoguchi test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), cert
}

func TestTokenFunc_FromFileIsReReadAtEachCall(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	if err := os.WriteFile(path, []byte("first-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, fmt.Sprintf("[imap]\nauth = \"xoauth2\"\ntoken_file = %q", path))
	token := c.IMAP.TokenFunc()

	if got, err := token(context.Background()); err != nil || got != "first-token" {
		t.Fatalf("token = %q, %v; want first-token", got, err)
	}
	if err := os.WriteFile(path, []byte("refreshed-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := token(context.Background()); err != nil || got != "refreshed-token" {
		t.Errorf("token after refresh = %q, %v; want refreshed-token", got, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := token(context.Background()); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "config: imap.token_file:") {
		t.Errorf("token with the file gone = %v, want a config: imap.token_file: error wrapping os.ErrNotExist", err)
	}
}

func TestTokenFunc_FromCommand(t *testing.T) {
	c := mustParse(t, "[smtp]\nauth = \"xoauth2\"\ntoken_command = \"printf tok\"")
	got, err := c.SMTP.TokenFunc()(context.Background())
	if err != nil || got != "tok" {
		t.Errorf("token = %q, %v; want tok", got, err)
	}
}

func TestTokenFunc_FailingCommandShowsStderrButNeverTheToken(t *testing.T) {
	cmd := `printf 's3cr3t-access'; echo 'helper: refresh failed after s3cr3t-access' >&2; exit 3`
	c := mustParse(t, fmt.Sprintf("[imap]\nauth = \"xoauth2\"\ntoken_command = %q", cmd))
	_, err := c.IMAP.TokenFunc()(context.Background())
	if err == nil {
		t.Fatal("a failing token command gave a token")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t-access") {
		t.Errorf("error shows the token: %s", msg)
	}
	for _, want := range []string{"config: imap.token_command:", "exit status 3", "helper: refresh failed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestTokenFunc_CommandThatPrintsNothingIsAnError(t *testing.T) {
	c := mustParse(t, "[imap]\nauth = \"xoauth2\"\ntoken_command = \"true\"")
	if _, err := c.IMAP.TokenFunc()(context.Background()); err == nil || !strings.Contains(err.Error(), "printed no token") {
		t.Errorf("error = %v, want printed no token", err)
	}
}

func TestTokenFunc_CommandIsStoppedWithItsContext(t *testing.T) {
	c := mustParse(t, "[imap]\nauth = \"xoauth2\"\ntoken_command = \"sleep 30\"")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.IMAP.TokenFunc()(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the command ran for %v after its context ended", d)
	}
}

func TestTokenFunc_WithoutSourceSaysWhatIsMissing(t *testing.T) {
	c := mustParse(t, "[smtp]\nauth = \"xoauth2\"")
	_, err := c.SMTP.TokenFunc()(context.Background())
	if err == nil || !strings.Contains(err.Error(), "config: smtp.token_file: xoauth2 needs smtp.token_file or smtp.token_command") {
		t.Errorf("error = %v", err)
	}
}

func TestParse_SMTPUsernameWithoutAuthMeansPlain(t *testing.T) {
	if got := mustParse(t, "[smtp]\nusername = \"u\"").SMTP.Auth; got != AuthPlain {
		t.Errorf("smtp.auth = %q, want plain", got)
	}
	if got := mustParse(t, "[smtp]\nusername = \"u\"\nauth = \"login\"").SMTP.Auth; got != AuthLogin {
		t.Errorf("smtp.auth = %q, want login kept", got)
	}
	if got := mustParse(t, "").SMTP.Auth; got != AuthNone {
		t.Errorf("smtp.auth = %q, want none without a username", got)
	}
}

func TestLog_SlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got := (Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", level, got, want)
		}
	}
}

func TestRequireLoopback_OneRuleForEveryCaller(t *testing.T) {
	for host, ok := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.5.6.7": true, "::1": true, "[::1]": true,
		"10.0.0.1": false, "192.0.2.7": false, "::ffff:192.0.2.7": false, "no-such-host.invalid": false,
	} {
		if err := RequireLoopback(host); (err == nil) != ok {
			t.Errorf("RequireLoopback(%q) = %v, want ok=%v", host, err, ok)
		}
	}
}
