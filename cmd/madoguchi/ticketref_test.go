package main

import (
	"errors"
	"strings"
	"testing"
)

// twoTiers is the rest of a [desk] section: L1 (alice, bob) and L2 (carol),
// around the clock.
const twoTiers = `secret = "tickets-secret-0123456789"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com", "bob@example.com"]

[[escalation.tiers]]
name = "L2"
notify = ["l2@example.com"]
agents = ["carol@example.com"]
`

// madoguchi runs a command on g's configuration and returns its output,
// standard error and error.
func (g *inProcess) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return cli(t, "", append([]string{"--config", g.config}, args...)...)
}

// tickets show promised an audit trail and printed none, and named the L1
// agent who had taken the ticket after L2 had resolved it. It shows the
// owner now (the tier and that tier's assignee), who resolved it, and
// every event: who did what, when.
func TestTicketsShow_TheOwnerNowAndWhoDidWhat(t *testing.T) {
	g := startInProcess(t, twoTiers).(*inProcess)
	g.Deliver(t, printerMail)
	g.Madoguchi(t, "run", "--once", "--now", "2026-12-01T09:00:00Z")
	g.Madoguchi(t, "tickets", "take", "INC-1001", "--actor", "alice@example.com")
	if show := g.Madoguchi(t, "tickets", "show", "INC-1001"); !strings.Contains(show, "owner L1 · alice@example.com\n") {
		t.Fatalf("after alice's #take:\n%s", show)
	}
	g.Madoguchi(t, "tickets", "escalate", "INC-1001", "--actor", "alice@example.com")
	g.Madoguchi(t, "tickets", "resolve", "INC-1001", "--actor", "carol@example.com", "The fuser was replaced.")

	// The history's columns are aligned: compare with single spaces.
	show := strings.Join(strings.Fields(g.Madoguchi(t, "tickets", "show", "INC-1001")), " ")
	for _, want := range []string{
		"owner L2 · not assigned resolved by carol@example.com at ",
		"── history ",
		"ticket_created: ",
		"alice@example.com assignee_changed: - → alice@example.com",
		"alice@example.com tier_changed: L1 → L2",
		"assignee_changed: alice@example.com → -",
		"carol@example.com status_changed: escalated → resolved",
		"mail_queued 6: kind=resolution to=hanako@customer.example",
		"ticket_created: impact=medium priority=P3 ref=INC-1001 resolve_due_at=2026-12-02 09:00 UTC respond_due_at=2026-12-01 13:00 UTC",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("tickets show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "owner L2 · alice") || strings.Contains(show, "assigned to alice") {
		t.Errorf("tickets show names alice as the owner of L2's ticket:\n%s", show)
	}
	if list := g.Madoguchi(t, "tickets", "list", "--assignee", "alice@example.com"); strings.Contains(list, "INC-1001") {
		t.Errorf("alice's list still has the ticket L2 resolved:\n%s", list)
	}
}

// A ticket is found by its number, alone or after another prefix, and the
// user is told its reference; a misspelt flag, status or agent is named
// with what was probably meant instead of a bare refusal or an empty list.
func TestTickets_NumbersFlagsStatusesAndAgentsNameWhatWasMeant(t *testing.T) {
	g := startInProcess(t, twoTiers).(*inProcess)
	g.Deliver(t, printerMail)
	g.Madoguchi(t, "run", "--once", "--now", "2026-12-01T09:00:00Z")

	for _, ref := range []string{"1001", "REQ-1001", "inc-1001"} {
		out, stderr, err := g.run(t, "tickets", "show", ref)
		if err != nil || !strings.HasPrefix(out, "INC-1001  Printer on 3F") {
			t.Errorf("tickets show %s: %v\n%s", ref, err, out)
		}
		if note := "madoguchi: " + ref + " is INC-1001"; (ref != "inc-1001") != strings.Contains(stderr, note) {
			t.Errorf("tickets show %s: standard error %q (want the reference said unless only the case differs)", ref, stderr)
		}
	}
	out, stderr, err := g.run(t, "tickets", "note", "1001", "--actor", "alice@example.com", "checked the queue")
	if err != nil || !strings.HasPrefix(out, "INC-1001: ") || !strings.Contains(stderr, "1001 is INC-1001") {
		t.Errorf("tickets note 1001: %v %q %q", err, out, stderr)
	}
	if _, _, err := g.run(t, "tickets", "show", "1002"); err == nil || !strings.Contains(err.Error(), "tickets show: no ticket 1002") {
		t.Errorf("tickets show 1002: %v", err)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"tickets", "list", "--state", "open"}, "unknown flag: --state; did you mean --status?"},
		{[]string{"tickets", "list", "--status", "opne"}, `unknown status "opne"`},
		{[]string{"tickets", "list", "--status", "opne"}, `did you mean "open"?`},
		{[]string{"tickets", "list", "--assignee", "nobody@example.com"}, "--assignee nobody@example.com matches no agent: no tier lists it and no ticket is assigned to it (agents: alice@example.com, bob@example.com, carol@example.com)"},
		{[]string{"tickets", "list", "--assignee", "alise@example.com"}, "did you mean alice@example.com? (agents: "},
	} {
		_, _, err := g.run(t, tt.args...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want exit 2 saying %s", strings.Join(tt.args, " "), err, tt.want)
		}
	}

	g.Madoguchi(t, "tickets", "take", "INC-1001", "--actor", "alice@example.com")
	for _, args := range [][]string{{"--status", "open"}, {"--assignee", "alice"}, {"--assignee", "ALICE@example.com"}} {
		if list := g.Madoguchi(t, append([]string{"tickets", "list"}, args...)...); !strings.Contains(list, "INC-1001") {
			t.Errorf("tickets list %s:\n%s", strings.Join(args, " "), list)
		}
	}
	if list := g.Madoguchi(t, "tickets", "list", "--assignee", "carol"); strings.Contains(list, "INC-1001") {
		t.Errorf("tickets list --assignee carol:\n%s", list)
	}
	g.Madoguchi(t, "tickets", "close", "INC-1001", "--actor", "alice@example.com")
	if list := g.Madoguchi(t, "tickets", "list", "--status", "open"); strings.Contains(list, "INC-1001") {
		t.Errorf("tickets list --status open lists a closed ticket:\n%s", list)
	}
}
