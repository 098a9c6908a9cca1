package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// twoMailboxes is a desk on two accounts of one server: the help desk,
// and an it-requests@ address whose mail opens service requests for L2.
const twoMailboxes = `
[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]

[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com"]
agents = ["carol@example.com"]

[desk]
language = "en"
[desk.signature]
en = "Example Corp IT"

[[mailboxes]]
name = "helpdesk"
address = "imap.example.com:993"
username = "helpdesk"
password = "helpdesk-imap-secret"
support_address = "Help Desk <helpdesk@example.com>"

[[mailboxes]]
name = "requests"
address = "imap.example.com:993"
username = "itreq"
password_file = "itreq.pass"
mailbox = "Requests"
processed_mailbox = "Requests/Done"
support_address = "it-requests@example.com"
language = "ja"
default_type = "service_request"
default_tier = "l2"
signature.ja = "情報システム部 申請窓口"
`

func TestParse_MailboxesAreReadEachWithTheKeysAndDefaultsOfIMAP(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "itreq.pass"), []byte("itreq-imap-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(twoMailboxes), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Mailboxes) != 2 {
		t.Fatalf("%d mailboxes", len(c.Mailboxes))
	}
	h, r := c.Mailboxes[0], c.Mailboxes[1]
	if h.Name != "helpdesk" || h.Security != SecurityTLS || h.Auth != AuthLogin || h.Mailbox != "INBOX" || h.BatchSize != 100 ||
		h.PollInterval.Duration != Default().IMAP.PollInterval.Duration || h.Password.Reveal() != "helpdesk-imap-secret" {
		t.Errorf("helpdesk: %+v; want [imap]'s defaults for what it does not set", h)
	}
	if r.Mailbox != "Requests" || r.ProcessedMailbox != "Requests/Done" || r.Password.Reveal() != "itreq-imap-secret" ||
		r.PasswordFile != filepath.Join(dir, "itreq.pass") || r.DefaultType != "service_request" || r.Signature.JA != "情報システム部 申請窓口" {
		t.Errorf("requests: %+v", r)
	}
	if err := c.RequireRun(); err == nil || !strings.Contains(err.Error(), "smtp.address: required") || strings.Contains(err.Error(), "smtp.from") ||
		strings.Contains(err.Error(), "imap.") || strings.Contains(err.Error(), "desk.support_address") {
		t.Errorf("RequireRun() = %v; want only the relay's address missing (smtp.from, [imap] and desk.support_address are the shorthand's)", err)
	}

	eff := c.EffectiveMailboxes()
	if eff[0].Language != "en" || eff[0].Signature.EN != "Example Corp IT" || eff[1].Language != "ja" || eff[1].Signature.EN != "Example Corp IT" ||
		eff[1].Signature.JA != "情報システム部 申請窓口" {
		t.Errorf("effective mailboxes %+v; want desk.language and desk.signature where a mailbox has none", eff)
	}
	if eff[0].BareSupportAddress() != "helpdesk@example.com" || c.TierIndex(eff[1].DefaultTier) != 1 || eff[1].Key("password") != "mailboxes[1].password" {
		t.Errorf("helpdesk address %q, requests tier %d, key %q", eff[0].BareSupportAddress(), c.TierIndex(eff[1].DefaultTier), eff[1].Key("password"))
	}

	masked, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(masked), "imap-secret") || strings.Count(string(masked), MaskedValue) != 1 {
		t.Errorf("check-config would show a mailbox's password, or not mask the one set in the file:\n%s", masked)
	}
	round, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(round, nil, "")
	if err != nil {
		t.Fatalf("the encoded configuration does not parse: %v\n%s", err, round)
	}
	if !reflect.DeepEqual(back.Mailboxes, c.Mailboxes) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back.Mailboxes, c.Mailboxes)
	}
}

// Without [[mailboxes]], [imap] and desk.support_address are one mailbox
// named "default", as the database's records from before are.
func TestEffectiveMailboxes_TheIMAPShorthandIsOneMailboxNamedDefault(t *testing.T) {
	c := mustParse(t, "[imap]\naddress = \"imap.example.com:993\"\nusername = \"support\"\nmailbox = \"Support\"\n[desk]\nsupport_address = \"support@example.com\"\nlanguage = \"ja\"\n")
	eff := c.EffectiveMailboxes()
	if len(eff) != 1 || eff[0].Name != DefaultMailboxName || eff[0].Address != "imap.example.com:993" || eff[0].Mailbox != "Support" ||
		eff[0].SupportAddress != "support@example.com" || eff[0].Language != "ja" || eff[0].Key("password") != "imap.password" || !c.Shorthand() {
		t.Fatalf("effective mailboxes %+v", eff)
	}
}

func TestParse_BadMailboxesNameTheirKey(t *testing.T) {
	box := func(body string) string {
		return "[[mailboxes]]\naddress = \"imap.example.com:993\"\n" + body + "\n"
	}
	ok := func(name, user, addr string) string {
		return box("name = \"" + name + "\"\nusername = \"" + user + "\"\nsupport_address = \"" + addr + "\"")
	}
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"duplicate names", ok("helpdesk", "a", "a@example.com") + ok("HelpDesk", "b", "b@example.com"),
			`config: mailboxes[1].name: "HelpDesk" is already the name of mailboxes[0]`},
		{"no name", box("username = \"a\"\nsupport_address = \"a@example.com\""), `config: mailboxes[0].name: required`},
		{"a name with a space", ok("help desk", "a", "a@example.com"), `config: mailboxes[0].name: "help desk" must be 1 to 32 letters`},
		{"two mailboxes with one support address", ok("a", "a", "Help <help@example.com>") + ok("b", "b", "HELP@example.com"),
			`config: mailboxes[1].support_address: help@example.com is the support address of mailboxes[0] too`},
		{"a plus address of another mailbox", ok("a", "a", "help@example.com") + ok("b", "b", "help+it@example.com"),
			`config: mailboxes[1].support_address: help+it@example.com is the support address of mailboxes[0] too`},
		{"no support address", box("name = \"a\"\nusername = \"a\""), `config: mailboxes[0].support_address: required`},
		{"a support address that is none", ok("a", "a", "help at example.com"), `config: mailboxes[0].support_address: "help at example.com" is not a mail address`},
		{"one folder read twice", ok("a", "same", "a@example.com") + ok("b", "same", "b@example.com"),
			`config: mailboxes[1]: reads the same folder as mailboxes[0] (imap.example.com:993 as same, INBOX)`},
		{"a language of its own", ok("a", "a", "a@example.com") + "language = \"de\"", `config: mailboxes[0].language: "de" is not one of "", en, ja`},
		{"a type that is none", ok("a", "a", "a@example.com") + "default_type = \"request\"", `config: mailboxes[0].default_type: "request" is not one of "", incident, service_request`},
		{"a tier without tiers", ok("a", "a", "a@example.com") + "default_tier = \"L2\"", `config: mailboxes[0].default_tier: "L2": no escalation.tiers are configured`},
		{"an unknown tier", "[[escalation.tiers]]\nname = \"L1\"\nnotify = [\"n@example.com\"]\nagents = [\"x@example.com\"]\n" + ok("a", "a", "a@example.com") + "default_tier = \"L3\"",
			`config: mailboxes[0].default_tier: "L3" is not one of the tiers (L1)`},
		{"a bad server", box("name = \"a\"\nusername = \"a\"\nsupport_address = \"a@example.com\"\nsecurity = \"insecure\""),
			`config: mailboxes[0].security: insecure (plain text) is allowed only to a loopback address`},
		{"processed folder is the folder", ok("a", "a", "a@example.com") + "processed_mailbox = \"INBOX\"", `config: mailboxes[0].processed_mailbox: is the same as mailboxes[0].mailbox "INBOX"`},
		{"a signature with a control character", ok("a", "a", "a@example.com") + "signature.en = \"Help\\u0007Desk\"", `config: mailboxes[0].signature.en: line 1 has the control character U+0007`},
		{"a misspelt key", ok("a", "a", "a@example.com") + "suport_address = \"x@example.com\"", `config: unknown key "mailboxes[0].suport_address" (line 6); did you mean "mailboxes[0].support_address"?`},
		{"[imap] beside them", "[imap]\nusername = \"old\"\n" + ok("a", "a", "a@example.com"), `config: imap.username: set together with [[mailboxes]], which replace [imap]: set it in each mailbox (mailboxes[N].username)`},
		{"desk.support_address beside them", "[desk]\nsupport_address = \"old@example.com\"\n" + ok("a", "a", "a@example.com"),
			`config: desk.support_address: set together with [[mailboxes]]: each mailbox has its own support_address`},
		{"a tier's address is a mailbox's", ok("a", "a", "help@example.com") + "[[escalation.tiers]]\nname = \"L1\"\nnotify = [\"help+l1@example.com\"]\nagents = [\"x@example.com\"]\n",
			`config: escalation.tiers[0].notify[0]: "help+l1@example.com" is mailboxes[0].support_address`},
		{"mailboxes not tables", "mailboxes = [\"a\"]", `config: mailboxes[0]: want a table ([[mailboxes]]), got a string ("a")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), nil, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

// `run` needs each mailbox's server and login, and says which mailbox
// lacks them: a mailbox without credentials is named by its key.
func TestRequireRun_AMailboxWithoutCredentialsNamesItsKeys(t *testing.T) {
	c := mustParse(t, `[smtp]
address = "smtp.example.com:587"
[[mailboxes]]
name = "helpdesk"
address = "imap.example.com:993"
username = "helpdesk"
password = "x"
support_address = "helpdesk@example.com"
[[mailboxes]]
name = "requests"
support_address = "it-requests@example.com"
[[mailboxes]]
name = "oauth"
address = "outlook.office365.com:993"
username = "oauth@example.com"
auth = "xoauth2"
support_address = "oauth@example.com"
`)
	err := c.RequireRun()
	if err == nil {
		t.Fatal("RequireRun accepted mailboxes without a server and credentials")
	}
	for _, want := range []string{
		"config: mailboxes[1].address: required", "config: mailboxes[1].username: required",
		"config: mailboxes[1].password: required for run (or mailboxes[1].password_file)",
		"config: mailboxes[2].token_file: required for run with xoauth2 (or mailboxes[2].token_command)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("RequireRun() = %v\nwant %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "mailboxes[0]") || strings.Contains(err.Error(), "$MADOGUCHI_MAILBOXES") {
		t.Errorf("RequireRun() = %v; names the complete mailbox, or an environment variable no key has", err)
	}
}

// The README's example of [[mailboxes]] is a configuration that runs, as
// it stands, beside the tiers its own example of agents has.
func TestREADME_MailboxesExampleParsesAndIsReadyToRun(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Several mailboxes\n")
	_, block, ok2 := strings.Cut(section, "```toml\n")
	block, _, ok3 := strings.Cut(block, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no toml example under \"## Several mailboxes\"")
	}
	dir := t.TempDir()
	for _, f := range []string{"helpdesk.pass", "itreq.pass"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := "[smtp]\naddress = \"smtp.example.com:587\"\n[desk]\nsecret = \"0123456789abcdef0123\"\n" +
		"[[escalation.tiers]]\nname = \"L1\"\nnotify = [\"l1@example.com\"]\nagents = [\"alice@example.com\"]\n" +
		"[[escalation.tiers]]\nname = \"L2\"\nnotify = [\"l2@example.com\"]\nagents = [\"carol@example.com\"]\n" + block
	c, err := Parse([]byte(src), nil, dir)
	if err != nil {
		t.Fatalf("the README's example: %v\n%s", err, block)
	}
	if err := c.RequireRun(); err != nil {
		t.Errorf("the README's example is not ready to run: %v", err)
	}
	if eff := c.EffectiveMailboxes(); len(eff) != 2 || eff[1].DefaultType != "service_request" || c.TierIndex(eff[1].DefaultTier) != 1 {
		t.Errorf("the README's example reads as %+v", eff)
	}
}
