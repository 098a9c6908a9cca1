package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// tokenFrom is the token `web token create` printed: its last line.
func tokenFrom(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, "mdg_") || strings.ContainsAny(tok, " \t") {
		t.Fatalf("the last line %q is not the token alone:\n%s", tok, out)
	}
	return tok
}

func TestWebToken_PrintedOnceListedWithoutItRevokedForGood(t *testing.T) {
	cfg := writeConfig(t, consoleConfig)
	out, _, err := cli(t, "", "--config", cfg, "web", "token", "create", "grafana", "--scope", "read", "--actor", "root")
	if err != nil {
		t.Fatal(err)
	}
	tok := tokenFrom(t, out)
	if !strings.Contains(out, "grafana (scope read") || !strings.Contains(out, "shown this once") {
		t.Errorf("create said:\n%s", out)
	}
	out, _, err = cli(t, "", "--config", cfg, "web", "token", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, tok[len("mdg_0123456789abcdef_"):]) {
		t.Fatalf("list shows the secret:\n%s", out)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0]["name"] != "grafana" || rows[0]["scope"] != "read" ||
		rows[0]["created_by"] != "root" || rows[0]["id"] != tok[4:20] || rows[0]["revoked_at"] != nil {
		t.Errorf("list --json: %v\n%s", err, out)
	}
	_, _, err = cli(t, "", "--config", cfg, "web", "token", "create", "grafana", "--scope", "write")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "revoke it first") {
		t.Errorf("a second live grafana: %v", err)
	}
	if out, _, err = cli(t, "", "--config", cfg, "web", "token", "revoke", "grafana"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	out, _, _ = cli(t, "", "--config", cfg, "web", "token", "list")
	if !strings.Contains(out, "grafana") || strings.Count(out, "\n") != 2 {
		t.Errorf("list after revoking:\n%s", out)
	}
	if _, _, err = cli(t, "", "--config", cfg, "web", "token", "revoke", "grafana"); !errors.As(err, &ee) || ee.code != 1 {
		t.Errorf("revoking it again: %v", err)
	}
	for _, args := range [][]string{
		{"create", "ci"},
		{"create", "ci", "--scope", "admin"},
		{"create", "alice@example.com", "--scope", "read"},
		{"create", "CI", "--scope", "read"},
	} {
		if _, _, err := cli(t, "", append([]string{"--config", cfg, "web", "token"}, args...)...); err == nil {
			t.Errorf("web token %v was accepted", args)
		}
	}
	out, _, err = cli(t, "", "web", "token", "--help")
	if err != nil || !strings.Contains(out, "metrics  scrape /metrics") || !strings.Contains(out, "printed once") {
		t.Errorf("web token --help:\n%s", out)
	}
}

// run serves the API, /metrics and /readyz beside the gateway: a token
// made at the terminal lists, shows and resolves a ticket that came by
// mail (a read token may not resolve), and the metrics, scraped without a
// token from [metrics] listen, agree with `tickets list --json`.
func TestRun_ServesTheAPIAndMetricsThatAgreeWithTicketsList(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.Desk.Secret = "api-secret-0123456789"
	cfg.Escalation.Tiers = []config.Tier{{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"alice@example.com"}}}
	cfg.IMAP.PollInterval = config.Duration{Duration: time.Hour}
	web, ops := testutils.ClosedAddr(t), testutils.ClosedAddr(t)
	cfg.Web.Listen, cfg.Web.BaseURL, cfg.Metrics.Listen = web, "http://"+web, ops
	stop := runInBackground(t, cfg)
	defer stop()
	waitHealthy(t, "http://"+web, nil)
	for i, m := range []struct{ from, subject, body string }{
		{"hanako@customer.example", "Printer on 3F", "It prints blank pages."},
		{"dave@customer.example", "I need a new laptop", "Please order a new laptop for me."},
		{"bob@customer.example", "URGENT: the whole office is down, nobody can work", "Nothing works."},
	} {
		raw := fmt.Sprintf("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <api%d@customer.example>\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\n%s\r\n", m.from, m.subject, i, m.body)
		if _, err := imapSrv.Append("INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	// Each mail is acknowledged and noticed to L1 once recorded.
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if _, err := smtpSrv.Wait(wctx, 6); err != nil {
		t.Fatalf("the acknowledgements and notices: %v", err)
	}
	path := writeWholeConfig(t, cfg)
	out, _, err := cli(t, "", "--config", path, "tickets", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var listed []struct{ Ref, Type, Priority, Status string }
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 3 {
		t.Fatalf("tickets list --json: %v\n%s", err, out)
	}

	out, _, err = cli(t, "", "--config", path, "web", "token", "create", "reader", "--scope", "read")
	if err != nil {
		t.Fatal(err)
	}
	reader := tokenFrom(t, out)
	out, _, err = cli(t, "", "--config", path, "web", "token", "create", "ci-bot", "--scope", "write")
	if err != nil {
		t.Fatal(err)
	}
	writer := tokenFrom(t, out)
	call := func(method, url, token, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, data
	}
	api := "http://" + web + "/api/v1"
	status, data := call("GET", api+"/tickets", reader, "")
	var page struct {
		Tickets []struct{ Ref string }
		Total   int
	}
	if err := json.Unmarshal(data, &page); status != 200 || err != nil || page.Total != 3 || page.Tickets[0].Ref != listed[0].Ref {
		t.Fatalf("GET /tickets: %d %s", status, data)
	}
	ref := listed[len(listed)-1].Ref
	if status, data = call("GET", api+"/tickets/"+ref, reader, ""); status != 200 || !strings.Contains(string(data), `"ref":"`+ref+`"`) {
		t.Fatalf("GET /tickets/%s: %d %s", ref, status, data)
	}
	if status, data = call("POST", api+"/tickets/"+ref+"/resolve", reader, `{"text":"Fixed."}`); status != http.StatusForbidden || !strings.Contains(string(data), "insufficient_scope") {
		t.Fatalf("a read token resolving: %d %s", status, data)
	}
	if status, data = call("POST", api+"/tickets/"+ref+"/resolve", writer, `{"text":"Fixed."}`); status != 200 || !strings.Contains(string(data), `"status":"resolved"`) {
		t.Fatalf("a write token resolving: %d %s", status, data)
	}
	out, _, err = cli(t, "", "--config", path, "tickets", "show", ref, "--json")
	if err != nil || !strings.Contains(out, `"actor": "ci-bot"`) || !strings.Contains(out, `"status": "resolved"`) {
		t.Errorf("tickets show after the API resolved it: %v\n%s", err, out)
	}

	// /metrics on its own listener, without a token.
	res, err := http.Get("http://" + ops + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	s, err := testutils.ParseMetrics(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range listed {
		want := 0.0
		for _, o := range listed {
			if o.Type == tk.Type && o.Priority == tk.Priority {
				want++
			}
		}
		if got, _ := s.Sum("madoguchi_tickets_opened_total", "type", tk.Type, "priority", tk.Priority); got != want {
			t.Errorf("tickets opened %s %s = %v, want %v as tickets list says", tk.Type, tk.Priority, got, want)
		}
	}
	if got, _ := s.Sum("madoguchi_mails_fetched_total", "mailbox", "default", "disposition", "new_ticket"); got != 3 {
		t.Errorf("mails fetched as new tickets = %v, want 3", got)
	}
	if got, _ := s.Sum("madoguchi_tickets_open", "status", "resolved"); got != 1 {
		t.Errorf("resolved tickets open = %v, want 1", got)
	}
	if got, _ := s.Sum("madoguchi_imap_connected", "mailbox", "default"); got != 1 {
		t.Errorf("imap connected = %v, want 1", got)
	}
	if got, _ := s.Sum("madoguchi_delivery_attempts_total", "result", "sent"); got < 6 {
		t.Errorf("mails sent = %v, want the 6 delivered at least", got)
	}
	// /metrics on the console's listener asks for a token.
	if status, _ := call("GET", "http://"+web+"/metrics", "", ""); status != http.StatusUnauthorized {
		t.Errorf("the console's /metrics without a token: %d", status)
	}
	for _, base := range []string{"http://" + web, "http://" + ops} {
		if status, data := call("GET", base+"/readyz", "", ""); status != http.StatusOK || !strings.Contains(string(data), `"status":"ready"`) {
			t.Errorf("%s/readyz: %d %s", base, status, data)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}
