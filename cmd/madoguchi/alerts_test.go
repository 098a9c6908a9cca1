package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/desk"
)

func TestAlertsPost_FiringRepeatResolvedIsOneIncidentFromFilesAndStdin(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	payload := func(name string) string { return filepath.Join("..", "..", "alerts", "testdata", name) }
	post := func(stdin string, args ...string) string {
		t.Helper()
		out, _, err := cli(t, stdin, append([]string{"--config", cfg, "alerts", "post"}, args...)...)
		if err != nil {
			t.Fatalf("alerts post %v: %v", args, err)
		}
		return out
	}
	if out := post("", payload("alertmanager_firing.json")); !strings.HasPrefix(out, "opened INC-1001 (P1, escalated): a monitoring alert is firing") {
		t.Fatalf("firing: %q", out)
	}
	if out := post("", payload("alertmanager_firing.json")); out != "appended INC-1001 (P1, escalated)\n" {
		t.Fatalf("repeat: %q", out)
	}
	var oc desk.AlertOutcome
	if err := json.Unmarshal([]byte(post("", "--json", payload("alertmanager_resolved.json"))), &oc); err != nil || oc.Action != "resolved" || oc.Ticket != "INC-1001" {
		t.Fatalf("resolved: %+v %v", oc, err)
	}
	list := func() []ticketRow {
		out, _, err := cli(t, "", "--config", cfg, "tickets", "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var l []ticketRow
		json.Unmarshal([]byte(out), &l)
		return l
	}
	if l := list(); len(l) != 1 || l[0].Status != "resolved" || l[0].Priority != "P1" || l[0].Subject != "fileserver: Disk /srv is almost full" {
		t.Errorf("tickets: %+v", l)
	}
	// The generic alert from standard input, told apart by its fields.
	if out := post(`{"key":"vpn","status":"firing","summary":"VPN gateway down","severity":"warning"}`, "-"); !strings.HasPrefix(out, "opened INC-1002 (P3, escalated)") {
		t.Errorf("generic from stdin: %q", out)
	}
	if out := post(`{"key":"nothing-open","status":"resolved"}`, "--format", "alert", "-"); !strings.HasPrefix(out, "ignored: ") {
		t.Errorf("resolution of nothing: %q", out)
	}
	for name, c := range map[string]struct{ stdin, want string }{
		"typo":       {`{"key":"a","status":"firing","summary":"x","sevrity":"critical"}`, `unknown field "sevrity"`},
		"not JSON":   {`firing`, "not a JSON object"},
		"bad status": {`{"key":"a","status":"open","summary":"x"}`, `status "open"`},
	} {
		_, _, err := cli(t, c.stdin, "--config", cfg, "alerts", "post", "-")
		if err == nil || err.(*exitError).code != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want exit 2 saying %q", name, err, c.want)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "alerts", "post", "--format", "xml", "-"); err == nil || err.(*exitError).code != 2 {
		t.Errorf("--format xml: %v", err)
	}
	if n := len(list()); n != 2 {
		t.Errorf("%d tickets after the refused payloads, want 2", n)
	}
}

type ticketRow struct {
	Ref      string `json:"ref"`
	Subject  string `json:"subject"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
}
