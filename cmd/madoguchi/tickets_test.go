package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/intake"
)

const tiersConfig = `[responder]
enabled = false
[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]
[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com"]
agents = ["carol@example.com"]
`

// receive hands raw mails to the desk of the configuration at path, as
// the poller would.
func receive(t *testing.T, path string, raws ...string) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openDesk(context.Background(), cfg, slog.New(slog.DiscardHandler), indexWrite, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	var batch []intake.Fetched
	for i, r := range raws {
		batch = append(batch, intake.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(100 + i), Raw: []byte(r)})
	}
	if _, err := a.desk.ReceiveBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

func TestTickets_ActionsFromTheTerminalAreAuditedAndMailed(t *testing.T) {
	cfg := writeConfig(t, tiersConfig)
	// writeConfig has its own [desk]: put the secret there.
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "[desk]\n", "[desk]\nsecret = \"cli-test-secret-0123456789\"\n", 1)), 0o600)
	receive(t, cfg, "From: Hanako <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: Printer on 3F\r\nMessage-ID: <p1@c>\r\n\r\nIt prints blank pages.\r\n")

	out, _, err := cli(t, "", "--config", cfg, "tickets", "list", "--status", "escalated", "--json")
	var list []struct{ Ref, Tier, Status string }
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Tier != "L1" {
		t.Fatalf("list: %v %s", err, out)
	}
	ref := list[0].Ref
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "priority", ref, "P9"); err == nil {
		t.Fatal("priority P9 accepted")
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "take", ref, "--actor", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, "Please take the orange tape out of the toner.\n", "--config", cfg, "tickets", "reply", ref, "-", "--actor", "alice@example.com")
	if err != nil || !strings.Contains(out, "in_progress") || !strings.Contains(out, "relay") {
		t.Fatalf("reply: %v %q", err, out)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "resolve", ref, "Fixed on site.", "--actor", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, "", "--config", cfg, "tickets", "show", ref, "--json")
	var show struct {
		Status, Assignee, Tier string
		FirstResponseAt        string `json:"first_response_at"`
		RespondDueAt           string `json:"respond_due_at"`
		ResolveDueAt           string `json:"resolve_due_at"`
		Breaches               []any
		Events                 []struct{ Kind, Actor string }
	}
	if err != nil || json.Unmarshal([]byte(out), &show) != nil {
		t.Fatalf("show: %v %s", err, out)
	}
	if show.Status != "resolved" || show.Assignee != "alice@example.com" || show.Tier != "L1" || show.FirstResponseAt == "" ||
		show.RespondDueAt == "" || show.ResolveDueAt == "" || show.Breaches == nil {
		t.Fatalf("show: %+v", show)
	}
	audited := 0
	for _, e := range show.Events {
		if e.Actor == "alice@example.com" {
			audited++
		}
	}
	if audited < 3 {
		t.Fatalf("only %d events under the actor: %+v", audited, show.Events)
	}
	out, _, _ = cli(t, "", "--config", cfg, "outbox", "list", "--json")
	for _, kind := range []string{`"relay"`, `"resolution"`, `"copy"`, `"notice"`} {
		if !strings.Contains(out, kind) {
			t.Errorf("outbox lacks a %s mail", kind)
		}
	}
	out, _, err = cli(t, "", "--config", cfg, "tickets", "list", "--assignee", "alice@example.com", "--search", "blank pages")
	if err != nil || !strings.Contains(out, ref) {
		t.Fatalf("list --assignee --search: %v %s", err, out)
	}
}

// `tickets escalate REF TEXT` is #escalate with its words: they tell the
// next tier why, in its notice, and never reach the customer.
func TestTickets_EscalateWithWordsTellsTheNextTierAndNotTheCustomer(t *testing.T) {
	cfg := writeConfig(t, tiersConfig)
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "[desk]\n", "[desk]\nsecret = \"cli-test-secret-0123456789\"\n", 1)), 0o600)
	receive(t, cfg, "From: Hanako <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: Printer on 3F\r\nMessage-ID: <p1@c>\r\n\r\nIt prints blank pages.\r\n")
	out, _, err := cli(t, "The fuser needs the vendor; L2 holds the contract.\n", "--config", cfg, "tickets", "escalate", "INC-1001", "-", "--actor", "alice@example.com")
	if err != nil || !strings.Contains(out, "escalated") || strings.Contains(out, "relay") {
		t.Fatalf("escalate: %v %q", err, out)
	}
	out, _, _ = cli(t, "", "--config", cfg, "outbox", "list", "--json")
	var rows []struct{ Kind, To, Text string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	told := false
	for _, r := range rows {
		if r.To == "hanako@customer.example" && strings.Contains(r.Text, "fuser") {
			t.Errorf("the words went to the customer in a %s mail", r.Kind)
		}
		told = told || r.Kind == "notice" && r.To == "l2@example.com" &&
			strings.Contains(r.Text, "alice@example.com wrote, handing it on:\n\n> The fuser needs the vendor; L2 holds the contract.")
	}
	if !told {
		t.Errorf("the L2 notice does not carry the words:\n%s", out)
	}
}
