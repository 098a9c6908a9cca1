package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// importFAQ imports a JSONL text into the configuration's store.
func importFAQ(t *testing.T, cfg, jsonl string) string {
	t.Helper()
	out, _, err := cli(t, jsonl, "--config", cfg, "faq", "import", "--format", "jsonl", "-")
	if err != nil {
		t.Fatalf("faq import: %v", err)
	}
	return out
}

// paraphrasesJSON is `faq paraphrases KEY --json`.
func paraphrasesJSON(t *testing.T, cfg, key string) []tickets.Paraphrase {
	t.Helper()
	out, _, err := cli(t, "", "--config", cfg, "faq", "paraphrases", key, "--json")
	if err != nil {
		t.Fatalf("faq paraphrases %s: %v", key, err)
	}
	var list []tickets.Paraphrase
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("faq paraphrases --json: %v\n%s", err, out)
	}
	return list
}

const vpnWithParaphrases = `{"key":"vpn","question":"How do I connect to the VPN from home?","answer":"Use the client.","status":"published",` +
	`"paraphrases":[{"text":"Cannot print\nThe queue is stuck.","state":"pending"},"VPN from a hotel"]}` + "\n"

// faq paraphrases lists an entry's wordings numbered with their states;
// faq paraphrase remove takes one out by number, audited, and the number
// stays; bad numbers, unknown entries and a second removal are refused
// by name.
func TestFAQParaphrases_ListedByNumberAndRemovedAudited(t *testing.T) {
	cfg := writeConfig(t, "")
	importFAQ(t, cfg, vpnWithParaphrases)
	out, _, err := cli(t, "", "--config", cfg, "faq", "paraphrases", "vpn")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"STATE", "1", "pending", "Cannot print ⏎ The queue is stuck.", "2", "confirmed", "VPN from a hotel", "import"} {
		if !strings.Contains(out, want) {
			t.Errorf("faq paraphrases lacks %q:\n%s", want, out)
		}
	}
	out, _, err = cli(t, "", "--config", cfg, "faq", "paraphrase", "remove", "vpn", "1", "--actor", "hanako", "--note", "a slip on INC-1014")
	if err != nil || !strings.Contains(out, "paraphrase 1 of vpn is removed") {
		t.Fatalf("remove: %v %q", err, out)
	}
	list := paraphrasesJSON(t, cfg, "vpn")
	if len(list) != 2 || list[0].N != 1 || list[0].State != tickets.ParaphraseRemoved || list[0].StateBy != "hanako" ||
		list[0].StateNote != "a slip on INC-1014" || list[1].N != 2 || list[1].State != tickets.ParaphraseConfirmed {
		t.Fatalf("after the removal: %+v", list)
	}
	var removed bool
	for _, e := range showFAQ(t, cfg, "vpn").Events {
		if e.Kind == "faq_paraphrase_removed" && e.Actor == "hanako" && e.Detail["paraphrase"] == float64(1) && e.Detail["note"] == "a slip on INC-1014" {
			removed = true
		}
	}
	if !removed {
		t.Errorf("faq show has no event of the removal: %+v", showFAQ(t, cfg, "vpn").Events)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"remove", "vpn", "1"}, 1, "faq paraphrase remove: paraphrase 1 of vpn is removed already; nothing changed"},
		{[]string{"remove", "vpn", "5"}, 1, "faq paraphrase remove: FAQ vpn has no paraphrase 5 (it has 2; faq paraphrases vpn lists them)"},
		{[]string{"remove", "vpn", "one"}, 2, `faq paraphrase remove: N "one" is not a paraphrase number`},
		{[]string{"remove", "nope", "1"}, 1, `faq paraphrase remove: no FAQ entry "nope"`},
		{[]string{"confirm", "vpn", "2"}, 1, "faq paraphrase confirm: paraphrase 2 of vpn is confirmed already"},
	} {
		_, _, err := cli(t, "", append([]string{"--config", cfg, "faq", "paraphrase"}, c.args...)...)
		if err == nil || exitCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("faq paraphrase %v: %v (exit %d), want %q, exit %d", c.args, err, exitCode(err), c.want, c.code)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "paraphrases", "nope"); err == nil || !errors.Is(err, tickets.ErrNotFound) {
		t.Errorf("faq paraphrases nope: %v", err)
	}
	if out, _, err := cli(t, "", "--config", cfg, "faq", "paraphrase", "confirm", "vpn", "1", "--actor", "hanako"); err != nil || !strings.Contains(out, "is confirmed") {
		t.Errorf("confirm a removed one: %v %q", err, out)
	}
}

// Export writes every entry's paraphrases in their states and whether it
// needs review, in each format, and import reads them back the same.
func TestFAQExportImport_RoundTripParaphrasesAndReview(t *testing.T) {
	src := writeConfig(t, "")
	importFAQ(t, src, vpnWithParaphrases)
	if _, _, err := cli(t, "", "--config", src, "faq", "paraphrase", "remove", "vpn", "2"); err != nil {
		t.Fatal(err)
	}
	ref := resolvedTicket(t, src, "The badge reader at the east door rejects my card.", "Re-register the badge at reception.")
	if _, _, err := cli(t, "", "--config", src, "faq", "promote", ref, "--key", "badge"); err != nil {
		t.Fatal(err)
	}
	want := paraphrasesJSON(t, src, "vpn")
	for _, format := range []string{"jsonl", "csv", "yaml"} {
		t.Run(format, func(t *testing.T) {
			out, _, err := cli(t, "", "--config", src, "faq", "export", "--format", format)
			if err != nil {
				t.Fatal(err)
			}
			dst := writeConfig(t, "")
			file := filepath.Join(t.TempDir(), "faq."+format)
			os.WriteFile(file, []byte(out), 0o600)
			if _, _, err := cli(t, "", "--config", dst, "faq", "import", file); err != nil {
				t.Fatalf("import of the export: %v\n%s", err, out)
			}
			got := paraphrasesJSON(t, dst, "vpn")
			if len(got) != len(want) {
				t.Fatalf("paraphrases %+v, want %+v\n%s", got, want, out)
			}
			for i := range got {
				if got[i].Text != want[i].Text || got[i].State != want[i].State {
					t.Errorf("paraphrase %d: %q %s, want %q %s", i+1, got[i].Text, got[i].State, want[i].Text, want[i].State)
				}
			}
			if f := showFAQ(t, dst, "badge"); !f.NeedsReview || f.Status != tickets.FAQDraft {
				t.Errorf("badge after the round trip: needs review %v, status %s", f.NeedsReview, f.Status)
			}
		})
	}
}

// faq add over an entry says what became of its paraphrases: kept, and
// how many of them are pending.
func TestFAQAdd_SaysItKeptTheParaphrases(t *testing.T) {
	cfg := writeConfig(t, "")
	importFAQ(t, cfg, vpnWithParaphrases)
	out, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "vpn", "--question", "How do I connect to the VPN?", "--answer", "Use the new client.")
	if err != nil || !strings.Contains(out, "FAQ vpn updated") || !strings.Contains(out, "paraphrases of vpn kept: 2 (1 pending)") {
		t.Fatalf("faq add over vpn: %v\n%s", err, out)
	}
	out, _, err = cli(t, "", "--config", cfg, "faq", "list")
	if err != nil || !strings.Contains(out, "2 (1 pending)") {
		t.Fatalf("faq list: %v\n%s", err, out)
	}
}

// faq edit changes the texts from flags or in the admin's editor, audited;
// an unknown key is refused before any editor opens; an unchanged file
// changes nothing, a file without its answer is refused.
func TestFAQEdit_FromFlagsOrTheEditor(t *testing.T) {
	cfg := writeConfig(t, "")
	importFAQ(t, cfg, vpnWithParaphrases)
	out, _, err := cli(t, "", "--config", cfg, "faq", "edit", "vpn", "--answer", "Install the client from the portal.", "--actor", "hanako")
	if err != nil || !strings.Contains(out, "FAQ vpn edited") {
		t.Fatalf("edit --answer: %v %q", err, out)
	}
	f := showFAQ(t, cfg, "vpn")
	last := f.Events[len(f.Events)-1]
	if f.Answer != "Install the client from the portal." || f.Question != "How do I connect to the VPN from home?" || last.Kind != "faq_updated" || last.Actor != "hanako" {
		t.Fatalf("after edit: %+v, last event %+v", f.FAQ, last)
	}
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o700)
		return p
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script("opens-nothing", "echo the editor must not run >&2; exit 1"))
	if _, _, err := cli(t, "", "--config", cfg, "faq", "edit", "nope"); err == nil || err.Error() != `faq edit: no FAQ entry "nope"` {
		t.Fatalf("edit nope: %v", err)
	}
	t.Setenv("EDITOR", script("edit", `sed -i 's/from home?/from a hotel?/' "$1"`))
	if out, _, err := cli(t, "", "--config", cfg, "faq", "edit", "vpn"); err != nil || !strings.Contains(out, "Q: How do I connect to the VPN from a hotel?") {
		t.Fatalf("edit in the editor: %v %q", err, out)
	}
	t.Setenv("EDITOR", script("keep", "exit 0"))
	if out, _, err := cli(t, "", "--config", cfg, "faq", "edit", "vpn"); err != nil || out != "FAQ vpn unchanged\n" {
		t.Fatalf("editor leaving the file: %v %q", err, out)
	}
	t.Setenv("EDITOR", script("drop-answer", `sed -i '/^\[answer\]/,$d' "$1"`))
	if _, _, err := cli(t, "", "--config", cfg, "faq", "edit", "vpn"); err == nil || !strings.Contains(err.Error(), "[answer]") || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("editor dropping the answer: %v", err)
	}
	if f := showFAQ(t, cfg, "vpn"); f.Question != "How do I connect to the VPN from a hotel?" || f.Answer != "Install the client from the portal." {
		t.Fatalf("entry after the refused edit: %+v", f.FAQ)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "edit", "vpn", "--question", " "); exitCode(err) != 2 {
		t.Fatalf("edit --question ' ': %v, want a usage error", err)
	}
}

// A draft made from a ticket shows that it needs review, and publishing
// it asks for --reviewed, changing nothing until then.
func TestFAQPublish_ADraftFromATicketNeedsReviewed(t *testing.T) {
	cfg := writeConfig(t, "")
	ref := resolvedTicket(t, cfg, "The badge reader at the east door rejects my card.", "Hi,\nRe-register the badge at reception.\nBest regards,\nAlice")
	key := strings.ToLower(ref)
	if _, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref); err != nil {
		t.Fatal(err)
	}
	if f := showFAQ(t, cfg, key); !f.NeedsReview || f.Answer != "Re-register the badge at reception." {
		t.Fatalf("promoted %+v", f.FAQ)
	}
	out, _, _ := cli(t, "", "--config", cfg, "faq", "list")
	if !strings.Contains(out, "REVIEW") || !strings.Contains(out, "needed") {
		t.Errorf("faq list does not show the review:\n%s", out)
	}
	out, _, _ = cli(t, "", "--config", cfg, "faq", "show", key)
	if !strings.Contains(out, "needs review") || !strings.Contains(out, "--reviewed") {
		t.Errorf("faq show does not say it needs review:\n%s", out)
	}
	for _, args := range [][]string{{key}, {"--all-drafts"}} {
		_, _, err := cli(t, "", append([]string{"--config", cfg, "faq", "publish"}, args...)...)
		if err == nil || !errors.Is(err, tickets.ErrNeedsReview) || !strings.Contains(err.Error(), key+" (from "+ref+") is drafted from a ticket") ||
			!strings.Contains(err.Error(), "--reviewed") || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("faq publish %v: %v", args, err)
		}
	}
	if f := showFAQ(t, cfg, key); f.Status != tickets.FAQDraft {
		t.Fatalf("published without review: %s", f.Status)
	}
	if out, _, err := cli(t, "", "--config", cfg, "faq", "publish", key, "--reviewed", "--actor", "hanako"); err != nil || !strings.Contains(out, "is published") {
		t.Fatalf("publish --reviewed: %v %q", err, out)
	}
	f := showFAQ(t, cfg, key)
	var reviewed bool
	for _, e := range f.Events {
		reviewed = reviewed || e.Kind == "faq_reviewed" && e.Actor == "hanako"
	}
	if f.NeedsReview || f.Status != tickets.FAQPublished || !reviewed {
		t.Fatalf("after publish --reviewed: %+v %+v", f.FAQ, f.Events)
	}
}
