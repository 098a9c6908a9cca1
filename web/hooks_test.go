package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/madoguchi/madoguchi/desk"
)

// hookPayload is one of the alerts package's payloads, as a monitoring
// system posts it.
func hookPayload(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "alerts", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Alertmanager posts a group firing, then again, then resolved: one
// incident opened, appended to, resolved — the same desk.Alert as `madoguchi
// alerts post` and the mail rules. Only a token of scope alerts (or write)
// may post; a payload that is no alert is a 400 saying why.
func TestHooks_AlertmanagerFiringRepeatResolvedIsOneIncident(t *testing.T) {
	f := newFixture(t)
	c := f.client("monitoring", desk.ScopeAlerts)
	var first desk.AlertOutcome
	c.post("/hooks/alertmanager", hookPayload(t, "alertmanager_firing.json")).decode(t, 200, &first)
	// The fixture's desk maps no severity: every alert is the default P3.
	if first.Action != desk.AlertOpened || first.Ticket == "" || first.Priority != "P3" || first.Status != "escalated" {
		t.Fatalf("firing: %+v", first)
	}
	var again, resolved desk.AlertOutcome
	c.post("/hooks/alertmanager", hookPayload(t, "alertmanager_firing.json")).decode(t, 200, &again)
	if again.Action != "appended" || again.Ticket != first.Ticket {
		t.Fatalf("repeat: %+v, want appended to %s", again, first.Ticket)
	}
	c.post("/hooks/alertmanager", hookPayload(t, "alertmanager_resolved.json")).decode(t, 200, &resolved)
	if resolved.Action != "resolved" || resolved.Ticket != first.Ticket || resolved.Status != "resolved" {
		t.Fatalf("resolved: %+v", resolved)
	}

	var generic desk.AlertOutcome
	c.post("/hooks/alert", `{"key":"backup-nightly","status":"firing","summary":"Nightly backup failed","severity":"warning"}`).decode(t, 200, &generic)
	if generic.Action != desk.AlertOpened || generic.Ticket == first.Ticket || generic.Priority != "P3" {
		t.Fatalf("generic alert: %+v", generic)
	}

	if r := c.post("/hooks/alert", `{"status":"firing"}`); r.status != 400 || r.code() != codeBadRequest {
		t.Fatalf("an alert without a key: %d %s", r.status, r.body)
	}
	if r := f.client("reader", desk.ScopeRead).post("/hooks/alertmanager", hookPayload(t, "alertmanager_firing.json")); r.status != 403 {
		t.Fatalf("a read token posted an alert: %d %s", r.status, r.body)
	}
	if r := (&apiClient{f: f}).post("/hooks/alert", `{"key":"x","status":"firing","summary":"x"}`); r.status != 401 {
		t.Fatalf("no token posted an alert: %d %s", r.status, r.body)
	}
}
