package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// tiersConfigWithSecret is writeConfig's configuration with tiers and a
// secret in its [desk].
func tiersConfigWithSecret(t *testing.T) string {
	t.Helper()
	cfg := writeConfig(t, tiersConfig)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "[desk]\n", "[desk]\nsecret = \"cli-test-secret-0123456789\"\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// `tickets merge`, `tickets link` and `tickets major` are the desk's
// #merge, #link and #major: a merge shows both ways in `tickets show`
// (merged into, merged here), a link both ways, a major incident its
// window; a merge that makes no sense exits 1 saying why, doing nothing.
func TestTickets_MergeLinkAndMajorFromTheTerminalShowBothWays(t *testing.T) {
	cfg := tiersConfigWithSecret(t)
	receive(t, cfg,
		"From: Hanako <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: Mail server down\r\nMessage-ID: <m1@c>\r\n\r\nOutlook cannot reach the mail server.\r\n",
		"From: Taro <taro@customer.example>\r\nTo: support@example.com\r\nSubject: Cannot reach the mail server\r\nMessage-ID: <m2@c>\r\n\r\nMy mail does not go out.\r\n",
		"From: Ken <ken@customer.example>\r\nTo: support@example.com\r\nSubject: VPN slow\r\nMessage-ID: <m3@c>\r\n\r\nThe VPN is slow.\r\n")
	const a, b, c = "INC-1001", "INC-1002", "INC-1003"

	if _, _, err := cli(t, "", "--config", cfg, "tickets", "merge", b, b); err == nil || !strings.Contains(err.Error(), "cannot be merged into itself") {
		t.Fatalf("merge into itself: %v", err)
	}
	out, _, err := cli(t, "", "--config", cfg, "tickets", "merge", b, a, "We track this under "+a+".", "--actor", "alice@example.com")
	if err != nil || !strings.Contains(out, b+": closed") || !strings.Contains(out, "merged") {
		t.Fatalf("merge: %v %q", err, out)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "link", c, a, "--actor", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "major", a, "--actor", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "tickets", "major", a, "on"); err == nil || !strings.Contains(err.Error(), `"on" is not off`) {
		t.Fatalf("major on: %v", err)
	}

	show := func(ref string) string {
		t.Helper()
		out, _, err := cli(t, "", "--config", cfg, "tickets", "show", ref)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for ref, want := range map[string][]string{
		a: {"merged here: " + b + " from Taro <taro@customer.example>: Cannot reach the mail server", "related " + c + " (escalated): VPN slow",
			"major incident (declared by alice@example.com at", "new mails about it attach until"},
		b: {"merged into " + a + ": its customer's mail acts there"},
		c: {"related " + a + " (escalated): Mail server down"},
	} {
		got := show(ref)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("tickets show %s lacks %q:\n%s", ref, w, got)
			}
		}
	}
	out, _, err = cli(t, "", "--config", cfg, "tickets", "show", a, "--json")
	var v struct {
		Related struct {
			Linked []struct{ Ref string }
			Merged []struct{ Ref, Requester string }
			Major  *struct {
				DeclaredBy string `json:"declared_by"`
			}
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || len(v.Related.Linked) != 1 || len(v.Related.Merged) != 1 ||
		v.Related.Merged[0].Requester != "taro@customer.example" || v.Related.Major == nil || v.Related.Major.DeclaredBy != "alice@example.com" {
		t.Fatalf("show --json: %v %+v", err, v.Related)
	}
	out, _, _ = cli(t, "", "--config", cfg, "outbox", "list", "--json")
	if !strings.Contains(out, `"merged"`) || !strings.Contains(out, "taro@customer.example") {
		t.Errorf("the merged ticket's customer is not told:\n%s", out)
	}
}

// `tickets recurring` lists the groups of alike resolved incidents, with
// counts by month, and refuses a window or a minimum that makes no sense.
func TestTickets_RecurringListsGroupsWithCountsByMonth(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	receive(t, cfg,
		"From: a@customer.example\r\nTo: support@example.com\r\nSubject: Badge reader rejects my card\r\nMessage-ID: <b1@c>\r\n\r\nThe east door badge reader rejects my card.\r\n",
		"From: b@customer.example\r\nTo: support@example.com\r\nSubject: East door badge reader\r\nMessage-ID: <b2@c>\r\n\r\nThe badge reader at the east door rejects my card.\r\n",
		"From: c@customer.example\r\nTo: support@example.com\r\nSubject: Monitor flickers\r\nMessage-ID: <b3@c>\r\n\r\nThe monitor flickers after docking.\r\n")
	for _, ref := range []string{"INC-1001", "INC-1002", "INC-1003"} {
		if _, _, err := cli(t, "", "--config", cfg, "tickets", "resolve", ref); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := cli(t, "", "--config", cfg, "tickets", "recurring", "--json")
	var list []struct {
		Count   int
		Tickets []string
		Months  []struct {
			Month string
			Count int
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Count != 2 ||
		strings.Join(list[0].Tickets, " ") != "INC-1002 INC-1001" || len(list[0].Months) != 1 || list[0].Months[0].Count != 2 {
		t.Fatalf("recurring --json: %v %s", err, out)
	}
	out, _, err = cli(t, "", "--config", cfg, "tickets", "recurring")
	if err != nil || !strings.Contains(out, "INC-1002 INC-1001") || !strings.Contains(out, ":2") {
		t.Fatalf("recurring: %v\n%s", err, out)
	}
	for _, bad := range [][]string{{"--since", "soon"}, {"--since", "0s"}, {"--min", "1"}, {"--limit", "0"}} {
		if _, _, err := cli(t, "", append([]string{"--config", cfg, "tickets", "recurring"}, bad...)...); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("recurring %v: %v", bad, err)
		}
	}
}

// faq gaps counts its groups by month, and a ticket merged into another
// is part of that one, no gap of its own.
func TestFAQGaps_CountByMonthAndLeaveOutMergedTickets(t *testing.T) {
	cfg := writeConfig(t, "")
	receive(t, cfg,
		"From: a@customer.example\r\nTo: support@example.com\r\nSubject: Badge\r\nMessage-ID: <g1@c>\r\n\r\nThe badge reader at the east door rejects my card.\r\n",
		"From: b@customer.example\r\nTo: support@example.com\r\nSubject: Badge again\r\nMessage-ID: <g2@c>\r\n\r\nMy badge does not open the east door reader.\r\n",
		"From: c@customer.example\r\nTo: support@example.com\r\nSubject: Badge\r\nMessage-ID: <g3@c>\r\n\r\nThe east door badge reader rejects my card.\r\n",
		"From: d@customer.example\r\nTo: support@example.com\r\nSubject: Badge reader east door\r\nMessage-ID: <g4@c>\r\n\r\nThe east door reader rejects badges.\r\n")
	for _, args := range [][]string{{"resolve", "INC-1001"}, {"resolve", "INC-1002"}, {"merge", "INC-1003", "INC-1004"}} {
		if _, _, err := cli(t, "", append([]string{"--config", cfg, "tickets"}, args...)...); err != nil {
			t.Fatalf("tickets %v: %v", args, err)
		}
	}
	out, _, err := cli(t, "", "--config", cfg, "faq", "gaps", "--json")
	var gaps []struct {
		Tickets []string
		Months  []struct {
			Month string
			Count int
		}
	}
	if err != nil || json.Unmarshal([]byte(out), &gaps) != nil || len(gaps) != 1 {
		t.Fatalf("faq gaps --json: %v %s", err, out)
	}
	month := time.Now().UTC().Format("2006-01")
	if got := strings.Join(slices.Sorted(slices.Values(gaps[0].Tickets)), " "); got != "INC-1001 INC-1002" ||
		len(gaps[0].Months) != 1 || gaps[0].Months[0].Count != 2 || gaps[0].Months[0].Month != month {
		t.Fatalf("the gap: %+v", gaps[0])
	}
	if out, _, err := cli(t, "", "--config", cfg, "faq", "gaps"); err != nil || !strings.Contains(out, "by month: "+month+":2") {
		t.Fatalf("faq gaps: %v\n%s", err, out)
	}
}
