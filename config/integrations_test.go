package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const hookSecret = "a-webhook-secret-0123456789abcdef"

func TestParse_WebhooksTakeDefaultsAndTheirSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	const slackURL = "https://hooks.slack.com/services/T000/B000/tokentokentoken"
	for name, v := range map[string]string{"slack.url": slackURL + "\n", "hook.key": hookSecret + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := `
[web]
base_url = "https://desk.example.com/"

[[webhooks]]
name = "ops-chat"
url_file = "slack.url"
format = "slack"
events = ["ticket.created", "ticket.escalated"]
priorities = ["P1", "P2"]

[[webhooks]]
name = "itsm"
url = "https://itsm.example.com/hooks/madoguchi"
secret_file = "hook.key"
include_subject = true
give_up_after = "5d"
`
	c, err := Parse([]byte(src), nil, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Webhooks) != 2 {
		t.Fatalf("webhooks: %+v", c.Webhooks)
	}
	chat, itsm := c.Webhooks[0], c.Webhooks[1]
	if chat.URL.Reveal() != slackURL || chat.Format != "slack" || chat.Timeout.Duration != 10*time.Second || chat.MaxAttempts != 8 ||
		chat.RetryBase.Duration != 30*time.Second || chat.RetryMax.Duration != time.Hour || chat.GiveUpAfter.Duration != 24*time.Hour {
		t.Errorf("ops-chat with defaults: %+v", chat)
	}
	if itsm.Format != "json" || itsm.Secret.Reveal() != hookSecret || !itsm.IncludeSubject || itsm.GiveUpAfter.Duration != 5*24*time.Hour {
		t.Errorf("itsm: %+v", itsm)
	}
	if !chat.Wants("ticket.created", "P1") || chat.Wants("ticket.created", "P3") || chat.Wants("ticket.resolved", "P1") || !itsm.Wants("faq.auto_answered", "P5") {
		t.Error("Wants does not follow events and priorities")
	}
	if got := c.Web.TicketURL("INC-1042"); got != "https://desk.example.com/tickets/INC-1042" {
		t.Errorf("TicketURL = %q", got)
	}
	// Masked for check-config: neither the URL (a credential) nor the secret.
	m, err := c.Masked().TOML()
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"tokentoken", hookSecret, "itsm.example.com/hooks"} {
		if strings.Contains(string(m), leak) {
			t.Errorf("masked configuration shows %q:\n%s", leak, m)
		}
	}
	// The encoded file names the files, never their contents, and reads back.
	b, err := c.TOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "tokentoken") || strings.Contains(string(b), hookSecret) {
		t.Errorf("encoded configuration holds a file's secret:\n%s", b)
	}
	back, err := Parse(b, nil, "")
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back.Webhooks, c.Webhooks) {
		t.Errorf("read back: %+v\nwant %+v", back.Webhooks, c.Webhooks)
	}
}

func TestParse_BadWebhooksNameTheirKeys(t *testing.T) {
	src := `
[web]
base_url = "desk.example.com"

[[webhooks]]
name = "chat"
url = "http://192.0.2.10/hook/secretpath"
format = "xml"
events = ["ticket.reopened"]
priorities = ["P0"]

[[webhooks]]
name = "chat"
url = "https://example.com/h"
secret = "short"
retry_base = "2h"
retry_max = "1h"

[[webhooks]]
name = "unsigned"
url = "https://example.com/h"
`
	_, err := Parse([]byte(src), nil, "")
	if err == nil {
		t.Fatal("Parse accepted bad webhooks")
	}
	msg := err.Error()
	for _, want := range []string{
		"web.base_url", "webhooks[0].url", "plain http is allowed only to a loopback address", "webhooks[0].format",
		"webhooks[0].events[0]", "webhooks[0].priorities[0]", `webhooks[1].name: "chat" is already the name of webhooks[0]`,
		"webhooks[1].secret: is 5 bytes", "webhooks[1].retry_max", "webhooks[2].secret: required for format json",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "secretpath") || strings.Contains(msg, "short\"") {
		t.Errorf("error shows a credential:\n%s", msg)
	}
}

func TestParse_AlertsMapSeveritiesWithoutCaseAndCheckTheirMailRules(t *testing.T) {
	d := Default().Alerts
	if d.Severity["critical"] != "P1" || d.DefaultPriority != "P3" || !reflect.DeepEqual(d.ServiceLabels, []string{"service", "job", "app"}) {
		t.Fatalf("defaults: %+v", d)
	}
	c := mustParse(t, `
[alerts]
severity = { Critical = "P1", page = "P2" }
default_priority = "P4"

[[alerts.mail]]
name = "nagios"
from = "^nagios@"
subject = "Alert: (?P<key>\\S+) is (?P<severity>[A-Z]+)"
resolved = "RECOVERY"
severity = "page"
`)
	if !reflect.DeepEqual(c.Alerts.Severity, map[string]string{"critical": "P1", "page": "P2"}) || c.Alerts.DefaultPriority != "P4" {
		t.Errorf("alerts: %+v", c.Alerts)
	}
	if len(c.Alerts.Mail) != 1 || c.Alerts.Mail[0].Resolved != "RECOVERY" {
		t.Errorf("alerts.mail: %+v", c.Alerts.Mail)
	}
	env := map[string]string{"MADOGUCHI_ALERTS_SEVERITY": "disaster=P1, average=P3"}
	c, err := Parse(nil, func(k string) string { return env[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Alerts.Severity, map[string]string{"disaster": "P1", "average": "P3"}) {
		t.Errorf("from the environment: %v", c.Alerts.Severity)
	}

	_, err = Parse([]byte(`
[alerts]
severity = { critical = "urgent" }
default_priority = "P9"
service_labels = ["service name"]

[[alerts.mail]]
name = "a"
subject = "no group here"
from = "(["
severity = "whatever"

[[alerts.mail]]
name = "a"
`), nil, "")
	if err == nil {
		t.Fatal("Parse accepted bad alerts")
	}
	for _, want := range []string{"alerts.severity.critical", "alerts.default_priority", "alerts.service_labels[0]",
		"alerts.mail[0].subject", "has no group", "alerts.mail[0].from", "alerts.mail[0].severity", "alerts.mail[1].name", "alerts.mail[1].subject: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestCheckWebhookURL_HTTPOnlyToLoopback(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://hooks.slack.com/services/T/B/X": true,
		"http://127.0.0.1:8080/hook":             true,
		"http://localhost/hook":                  true,
		"http://192.0.2.10/hook":                 false,
		"ftp://example.com/x":                    false,
		"/relative":                              false,
	} {
		err := CheckWebhookURL(u)
		if (err == nil) != ok {
			t.Errorf("CheckWebhookURL(%q) = %v", u, err)
		}
		if err != nil && strings.Contains(err.Error(), "/B/X") {
			t.Errorf("error shows the path: %v", err)
		}
	}
}
