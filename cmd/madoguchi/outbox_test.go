package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

// outboxStore opens the store of cfgPath and queues one mail per outcome
// on one ticket: sent, failed, unknown (given up, may have arrived),
// pending. It returns the ticket's reference and the ids by outcome.
func outboxStore(t *testing.T, cfgPath string) (string, map[string]int64) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tickets.Open(cfg.Store.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ids := map[string]int64{}
	var ref string
	err = st.Update(ctx, func(tx *tickets.Tx) error {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: "VPN down", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		ref = tk.Ref
		for _, name := range []string{"sent", "failed", "unknown", "pending"} {
			o := &tickets.Outgoing{TicketID: tk.ID, Kind: "ack", To: name + "@example.com", Subject: "s", Text: "t", MessageID: name + "@desk.example.com"}
			if err := tx.QueueMail(o); err != nil {
				return err
			}
			ids[name] = o.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]tickets.Attempt{
		"sent":    {Status: tickets.OutSent, Counted: true},
		"failed":  {Status: tickets.OutFailed, Error: "gave up after 120h0m0s in the queue: connection refused"},
		"unknown": {Status: tickets.OutFailed, Counted: true, Unknown: true, Error: "no reply after the end of DATA"},
	} {
		if err := st.RecordAttempt(ctx, ids[name], a); err != nil {
			t.Fatal(err)
		}
	}
	return ref, ids
}

func outboxList(t *testing.T, cfg string, args ...string) []tickets.Outgoing {
	t.Helper()
	out, _, err := cli(t, "", append([]string{"--config", cfg, "outbox", "list", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var list []tickets.Outgoing
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return list
}

func TestOutboxList_FiltersByStatusAndNeverCallsUnknownFailed(t *testing.T) {
	cfg := writeConfig(t, "")
	_, ids := outboxStore(t, cfg)
	for status, want := range map[string]int64{"sent": ids["sent"], "failed": ids["failed"], "unknown": ids["unknown"], "pending": ids["pending"]} {
		list := outboxList(t, cfg, "--status", status)
		if len(list) != 1 || list[0].ID != want || string(list[0].Status) != status {
			t.Errorf("--status %s: %+v, want only mail %d", status, list, want)
		}
	}
	out, _, err := cli(t, "", "--config", cfg, "outbox", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "unknown@example.com") && !strings.Contains(line, " unknown ") {
			t.Errorf("the unknown mail's line does not say unknown: %q", line)
		}
	}
	_, _, err = cli(t, "", "--config", cfg, "outbox", "list", "--status", "lost")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), `"lost"`) || !strings.Contains(err.Error(), "pending, sent, failed, unknown") {
		t.Fatalf("unknown status: %v (exit %d), want a usage error listing the statuses", err, exitCode(err))
	}
	help, _, _ := cli(t, "", "outbox", "list", "--help")
	for _, s := range tickets.OutStatuses {
		if !strings.Contains(help, "  "+string(s)+" ") {
			t.Errorf("outbox list --help does not explain status %s:\n%s", s, help)
		}
	}
}

func TestOutboxRetry_RequeuesGivenUpMailAudited(t *testing.T) {
	cfg := writeConfig(t, "")
	ref, ids := outboxStore(t, cfg)

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"outbox", "retry"}, 2, "give mail IDs or --failed"},
		{[]string{"outbox", "retry", "--failed", "3"}, 2, "not both"},
		{[]string{"outbox", "retry", "x1"}, 2, `"x1" is not a mail ID`},
		{[]string{"outbox", "retry", "--failed", "--actor", " "}, 2, "--actor is empty"},
		{[]string{"outbox", "retry", "999"}, 1, "mail 999"},
		{[]string{"outbox", "retry", fmt.Sprint(ids["failed"]), fmt.Sprint(ids["sent"])}, 1, "is sent"},
	} {
		_, _, err := cli(t, "", append([]string{"--config", cfg}, c.args...)...)
		if exitCode(err) != c.code || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("%v: %v (exit %d), want exit %d and %q", c.args, err, exitCode(err), c.code, c.want)
		}
	}
	// The failed mail named together with a sent one was not re-queued.
	if list := outboxList(t, cfg, "--status", "failed"); len(list) != 1 {
		t.Fatalf("a refused retry changed something: %+v", list)
	}

	out, _, err := cli(t, "", "--config", cfg, "outbox", "retry", "--failed", "--actor", "ops-alice")
	if err != nil || !strings.Contains(out, "1 mails re-queued") {
		t.Fatalf("retry --failed: %v\n%s", err, out)
	}
	if list := outboxList(t, cfg, "--status", "unknown"); len(list) != 1 {
		t.Fatalf("--failed re-queued the unknown mail too: %+v", list)
	}
	if _, _, err := cli(t, "", "--config", cfg, "outbox", "retry", fmt.Sprint(ids["unknown"]), "--actor", "ops-bob"); err != nil {
		t.Fatal(err)
	}
	pending := outboxList(t, cfg, "--status", "pending")
	if len(pending) != 3 {
		t.Fatalf("pending after the retries: %+v, want 3", pending)
	}
	for _, o := range pending {
		if o.Attempts != 0 || o.Deferrals != 0 {
			t.Errorf("mail %d re-queued with attempts %d, deferrals %d", o.ID, o.Attempts, o.Deferrals)
		}
	}

	out, _, err = cli(t, "", "--config", cfg, "tickets", "show", ref, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var shown struct {
		Events []tickets.Event `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatal(err)
	}
	var audit []string
	for _, e := range shown.Events {
		if e.Kind == "mail_requeued" {
			audit = append(audit, e.Subject+" by "+e.Actor)
		}
	}
	want := []string{fmt.Sprintf("%d by ops-alice", ids["failed"]), fmt.Sprintf("%d by ops-bob", ids["unknown"])}
	if strings.Join(audit, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit trail %v, want %v", audit, want)
	}
}
