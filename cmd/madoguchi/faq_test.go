package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// exitCode is the code main would exit with for err.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

// faqKeys lists the keys `faq list --json` prints.
func faqKeys(t *testing.T, cfg string) []string {
	t.Helper()
	out, _, err := cli(t, "", "--config", cfg, "faq", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []tickets.FAQ
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("faq list --json: %v\n%s", err, out)
	}
	var keys []string
	for _, f := range list {
		keys = append(keys, f.Key)
	}
	return keys
}

// resolvedTicket stores a resolved ticket with a customer question and an
// agent's answer in the configuration's database, as the desk would.
func resolvedTicket(t *testing.T, cfg, question, answer string) string {
	t.Helper()
	s, err := tickets.Open(filepath.Join(filepath.Dir(cfg), "data", "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ref string
	err = s.Update(context.Background(), func(tx *tickets.Tx) error {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: question, Requester: "c@customer.example", Impact: tickets.Medium, Urgency: tickets.Medium})
		if err != nil {
			return err
		}
		if err := tx.AddEntry(tk, &tickets.Entry{Kind: tickets.KindCustomer, Direction: "in", Subject: question, Text: question}, "c@customer.example"); err != nil {
			return err
		}
		if answer != "" {
			if err := tx.AddEntry(tk, &tickets.Entry{Kind: tickets.KindAgent, Direction: "out", Text: answer}, "agent@example.com"); err != nil {
				return err
			}
		}
		ref = tk.Ref
		return tx.SetStatus(tk, tickets.StatusResolved, "agent@example.com", "done")
	})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

type faqShown struct {
	tickets.FAQ
	Events []struct {
		Kind   string
		Actor  string
		Detail map[string]any
	}
}

func showFAQ(t *testing.T, cfg, key string) faqShown {
	t.Helper()
	out, _, err := cli(t, "", "--config", cfg, "faq", "show", "--json", key)
	if err != nil {
		t.Fatalf("faq show %s: %v", key, err)
	}
	var v faqShown
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("faq show --json: %v\n%s", err, out)
	}
	return v
}

// Spreadsheet programs and Windows editors start UTF-8 files with a byte
// order mark; it is not part of the first row in any format.
func TestFAQImport_LeadingByteOrderMarkIsIgnoredInEveryFormat(t *testing.T) {
	cfg := writeConfig(t, "")
	dir := t.TempDir()
	files := map[string]string{
		"faq.jsonl": `{"key":"j1","question":"How do I book a meeting room?","answer":"Use the calendar."}` + "\n",
		"faq.csv":   "key,question,answer\nc1,How do I order toner?,Ask facilities.\n",
		"faq.yaml":  "- key: y1\n  question: How do I get a parking permit?\n  answer: At reception.\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("\ufeff"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli(t, "", "--config", cfg, "faq", "import", path); err != nil {
			t.Errorf("import %s with a BOM: %v", name, err)
		}
	}
	if _, _, err := cli(t, "\ufeff"+`{"key":"s1","question":"How do I unlock my account?","answer":"Call the desk."}`+"\n",
		"--config", cfg, "faq", "import", "--format", "jsonl", "-"); err != nil {
		t.Errorf("import of standard input with a BOM: %v", err)
	}
	if got := strings.Join(faqKeys(t, cfg), " "); got != "c1 j1 s1 y1" {
		t.Fatalf("imported keys %q, want c1 j1 s1 y1", got)
	}
}

func TestFAQKeyCommands_UnknownKeyIsNamed(t *testing.T) {
	cfg := writeConfig(t, "")
	for _, verb := range []string{"publish", "retire", "show"} {
		_, _, err := cli(t, "", "--config", cfg, "faq", verb, "nope")
		want := fmt.Sprintf("faq %s: no FAQ entry %q", verb, "nope")
		if err == nil || err.Error() != want || exitCode(err) == 0 {
			t.Errorf("faq %s nope: %v (exit %d), want %q and a non-zero exit", verb, err, exitCode(err), want)
		}
		if !errors.Is(err, tickets.ErrNotFound) {
			t.Errorf("faq %s nope: %v does not wrap tickets.ErrNotFound", verb, err)
		}
	}
}

func TestFAQListAndExport_UnknownStatusIsAUsageError(t *testing.T) {
	cfg := writeConfig(t, "")
	for _, cmd := range []string{"list", "export"} {
		out, _, err := cli(t, "", "--config", cfg, "faq", cmd, "--status", "bogus")
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), `"bogus"`) || !strings.Contains(err.Error(), "draft, published, retired") {
			t.Errorf("faq %s --status bogus: %v (exit %d), want exit 2 naming the allowed statuses; printed %q", cmd, err, exitCode(err), out)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "list", "--status", "published"); err != nil {
		t.Errorf("faq list --status published: %v", err)
	}
}

// faq gaps reads a bounded window: --since (days and weeks allowed) and
// --limit, both checked.
func TestFAQGaps_SinceAndLimitBoundWhatIsRead(t *testing.T) {
	cfg := writeConfig(t, "")
	out, _, err := cli(t, "", "--config", cfg, "faq", "gaps", "--since", "2w", "--limit", "50")
	if err != nil || !strings.Contains(out, "no gaps: every ticket resolved in the last 2w") {
		t.Errorf("faq gaps --since 2w --limit 50: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--since", "0s"}, {"--since", "soon"}, {"--limit", "0"}} {
		if _, _, err := cli(t, "", append([]string{"--config", cfg, "faq", "gaps"}, args...)...); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("faq gaps %v: %v; want an error naming %s", args, err, args[0])
		}
	}
}

func TestFAQMatch_LimitAboveMaxCandidatesIsHonoured(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nmax_candidates = 3\n")
	for i, thing := range []string{"laptop", "phone", "tablet", "printer", "scanner", "monitor", "keyboard"} {
		if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", fmt.Sprintf("k%d", i), "--question", "How do I reset my "+thing+" password?",
			"--answer", "Use the reset page.", "--status", "published"); err != nil {
			t.Fatal(err)
		}
	}
	count := func(args ...string) int {
		t.Helper()
		out, _, err := cli(t, "", append([]string{"--config", cfg, "faq", "match", "--json"}, args...)...)
		if err != nil {
			t.Fatalf("faq match %v: %v", args, err)
		}
		var line matchLine
		if err := json.Unmarshal([]byte(out), &line); err != nil {
			t.Fatal(err)
		}
		return len(line.Candidates)
	}
	if n := count("reset password"); n != 3 {
		t.Errorf("no --limit: %d candidates, want max_candidates = 3", n)
	}
	if n := count("--limit", "6", "reset password"); n != 6 {
		t.Errorf("--limit 6: %d candidates, want 6", n)
	}
	if n := count("--limit", "2", "reset password"); n != 2 {
		t.Errorf("--limit 2: %d candidates, want 2", n)
	}
	_, _, err := cli(t, "", "--config", cfg, "faq", "match", "--limit", "-1", "reset password")
	if exitCode(err) != 2 {
		t.Errorf("--limit -1: %v, want a usage error", err)
	}
}

func TestFAQPromote_NeverReplacesAnExistingEntry(t *testing.T) {
	cfg := writeConfig(t, "")
	ref := resolvedTicket(t, cfg, "The badge reader at the east door rejects my card.", "Re-register the badge at reception.")
	key := strings.ToLower(ref)
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", key, "--question", "How do I re-register my badge?",
		"--answer", "Curated answer.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	_, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", key)) || !strings.Contains(err.Error(), "published") || !strings.Contains(err.Error(), "--key") {
		t.Fatalf("promote onto an existing key: %v, want a refusal naming %q, its status and --key", err, key)
	}
	if f := showFAQ(t, cfg, key); f.Status != tickets.FAQPublished || f.Answer != "Curated answer." {
		t.Fatalf("the existing entry was changed: %+v", f.FAQ)
	}
	out, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref, "--key", "badge-east")
	if err != nil || !strings.Contains(out, "draft FAQ badge-east") {
		t.Fatalf("promote --key badge-east: %v\n%s", err, out)
	}
	if f := showFAQ(t, cfg, "badge-east"); f.Status != tickets.FAQDraft || f.Answer != "Re-register the badge at reception." || f.SourceTicket != ref {
		t.Fatalf("promoted entry %+v", f.FAQ)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref, "--key", "badge-east"); err == nil || !strings.Contains(err.Error(), "draft") {
		t.Fatalf("second promote onto the same key: %v, want a refusal", err)
	}
}

func TestFAQChanges_AuditWhoCuratedAndWhatChanged(t *testing.T) {
	t.Setenv("USER", "hanako")
	cfg := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "vpn", "--question", "How do I connect to the VPN?", "--answer", "Use the client."); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--actor", "taro", "--key", "vpn", "--question", "How do I connect to the VPN?",
		"--answer", "Use the new client.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "retire", "--actor", "jiro", "vpn"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "publish", "--actor", "", "vpn"); exitCode(err) != 2 {
		t.Errorf("--actor \"\": %v, want a usage error", err)
	}
	ev := showFAQ(t, cfg, "vpn").Events
	if len(ev) != 3 {
		t.Fatalf("events %+v, want 3", ev)
	}
	if ev[0].Kind != "faq_created" || ev[0].Actor != "hanako" {
		t.Errorf("created by %q (%s), want the OS user hanako", ev[0].Actor, ev[0].Kind)
	}
	if e := ev[1]; e.Kind != "faq_updated" || e.Actor != "taro" || fmt.Sprint(e.Detail["changed"]) != "[answer status]" ||
		e.Detail["from_status"] != "draft" || e.Detail["status"] != "published" {
		t.Errorf("update event %+v, want taro changing answer and status draft → published", e)
	}
	if e := ev[2]; e.Kind != "faq_status_changed" || e.Actor != "jiro" || e.Detail["from_status"] != "published" || e.Detail["status"] != "retired" {
		t.Errorf("status event %+v, want jiro: published → retired", e)
	}
}

// A ticket resolved outside the mail thread has no agent reply to promote:
// the command says so and takes the answer from --answer.
func TestFAQPromote_WithoutAnAgentReplyTakesTheAnswerFromTheFlag(t *testing.T) {
	cfg := writeConfig(t, "")
	ref := resolvedTicket(t, cfg, "The projector in room 3 shows no picture.", "")
	_, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref)
	if err == nil || !strings.Contains(err.Error(), "no agent reply") || !strings.Contains(err.Error(), "--answer") {
		t.Fatalf("promote without an agent reply: %v, want a hint at --answer", err)
	}
	out, _, err := cli(t, "", "--config", cfg, "faq", "promote", ref, "--key", "projector", "--answer", "Press Input on the remote until HDMI 1 shows.")
	if err != nil || !strings.Contains(out, "draft FAQ projector") {
		t.Fatalf("promote --answer: %v\n%s", err, out)
	}
	if f := showFAQ(t, cfg, "projector"); f.Answer != "Press Input on the remote until HDMI 1 shows." || !strings.Contains(f.Question, "projector") || f.SourceTicket != ref {
		t.Fatalf("promoted entry %+v", f.FAQ)
	}
}

// faqStatuses maps each key to its status, from `faq list --json`.
func faqStatuses(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out, _, err := cli(t, "", "--config", cfg, "faq", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []tickets.FAQ
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("faq list --json: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, f := range list {
		m[f.Key] = f.Status
	}
	return m
}

func TestFAQPublishAndRetire_TakeSeveralKeysAndAllDrafts(t *testing.T) {
	cfg := writeConfig(t, "")
	add := func(keys ...string) {
		for _, k := range keys {
			if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", k, "--question", "How do I "+k+"?", "--answer", "Like this."); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("d1", "d2", "d3")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "publish", "d1", "d2", "d1"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(faqStatuses(t, cfg)); got != "map[d1:published d2:published d3:draft]" {
		t.Fatalf("after publish d1 d2: %s", got)
	}
	_, _, err := cli(t, "", "--config", cfg, "faq", "publish", "d3", "nope", "other")
	if err == nil || err.Error() != `faq publish: no FAQ entry "nope" and "other"; nothing was changed` || !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("publish with unknown keys: %v", err)
	}
	if got := faqStatuses(t, cfg)["d3"]; got != "draft" {
		t.Fatalf("publish with an unknown key changed d3 to %s", got)
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "retire", "d1", "d2"); err != nil {
		t.Fatal(err)
	}
	add("d4", "d5")
	out, _, err := cli(t, "", "--config", cfg, "faq", "publish", "--all-drafts")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(faqStatuses(t, cfg)); got != "map[d1:retired d2:retired d3:published d4:published d5:published]" {
		t.Fatalf("after --all-drafts: %s\n%s", got, out)
	}
	out, _, err = cli(t, "", "--config", cfg, "faq", "publish", "--all-drafts")
	if err != nil || !strings.Contains(out, "no draft entries") {
		t.Fatalf("--all-drafts without drafts: %v %q", err, out)
	}
	for _, args := range [][]string{{"publish"}, {"publish", "--all-drafts", "d1"}, {"retire"}} {
		if _, _, err := cli(t, "", append([]string{"--config", cfg, "faq"}, args...)...); exitCode(err) != 2 {
			t.Errorf("faq %v: %v, want a usage error", args, err)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "faq", "retire", "--all-drafts"); err == nil {
		t.Error("faq retire --all-drafts was accepted")
	}
}

// A row with several faults names all of them: an empty answer does not
// hide the bad language of the same row. A good import prints its result
// and nothing on standard error.
func TestFAQImport_EveryErrorOfEveryRowIsReported(t *testing.T) {
	cfg := writeConfig(t, "")
	b, _ := os.ReadFile(cfg) // as an admin leaves it: info is the default level
	os.WriteFile(cfg, []byte(strings.Replace(string(b), `level = "error"`, `level = "info"`, 1)), 0o600)
	dir := t.TempDir()
	bad := filepath.Join(dir, "faq.csv")
	os.WriteFile(bad, []byte("key,question,answer,tags,language,status\n"+
		"vpn,VPNに接続できません,,vpn;remote,xx,published\n"+
		"ok,How do I print?,Press print.,,en,\n"+
		"has space,,Answer.,,en,live\n"), 0o600)
	_, _, err := cli(t, "", "--config", cfg, "faq", "import", bad)
	if err == nil {
		t.Fatal("a file with bad rows was imported")
	}
	for _, want := range []string{
		`line 2: answer is empty; language "xx" is not one of en, ja`,
		`line 4: key "has space" contains white space; question is empty; status "live" is not one of draft, published, retired`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "line 3") {
		t.Errorf("the good row is reported:\n%v", err)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("- key: vpn\n  question: VPNに接続できません\n  answer: クライアントを入れてください。\n  tags: [vpn, remote]\n  language: ja\n"), 0o600)
	out, stderr, err := cli(t, "", "--config", cfg, "faq", "import", good)
	if err != nil || !strings.Contains(out, "imported 1 entries") {
		t.Fatalf("import: %v %q", err, out)
	}
	if stderr != "" {
		t.Errorf("a good import writes to standard error:\n%s", stderr)
	}
}

// A slow first match says why on standard error, and only a slow one.
func TestFAQMatch_ASlowFirstMatchSaysWhy(t *testing.T) {
	cfg := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "vpn", "--question", "VPNに接続できません",
		"--answer", "クライアントを再起動してください。", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	was := slowMatch
	defer func() { slowMatch = was }()
	slowMatch = 0 // every match counts as slow
	out, stderr, err := cli(t, "", "--config", cfg, "faq", "match", "VPNにつながらない")
	if err != nil || !strings.Contains(out, "vpn") {
		t.Fatalf("faq match: %v %s", err, out)
	}
	if strings.Count(stderr, "faq match: the first match took") != 1 || !strings.Contains(stderr, "Japanese dictionary") {
		t.Errorf("a slow match does not say why:\n%s", stderr)
	}
	out, stderr, err = cli(t, `{"id":1,"text":"VPNにつながらない"}
{"id":2,"text":"VPNが遅い"}
`, "--config", cfg, "faq", "match", "-")
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Fatalf("faq match -: %v %s", err, out)
	}
	if n := strings.Count(stderr, "faq match: the first match took"); n != 1 {
		t.Errorf("faq match - says it %d times, want once for the first query:\n%s", n, stderr)
	}
	slowMatch = time.Hour
	if _, stderr, err := cli(t, "", "--config", cfg, "faq", "match", "VPNにつながらない"); err != nil || stderr != "" {
		t.Errorf("a fast match writes to standard error: %v %q", err, stderr)
	}
	help, _, _ := cli(t, "", "faq", "match", "--help")
	if !strings.Contains(help, "morphological dictionary") {
		t.Errorf("faq match --help does not tell of the dictionary's load time:\n%s", help)
	}
}

// The README's example of each FAQ file format imports as it stands.
func TestREADME_FAQFileExamplesImport(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "### FAQ files")
	if i < 0 {
		t.Fatal(`README has no "### FAQ files" section`)
	}
	doc = doc[i:]
	if j := strings.Index(doc[4:], "\n## "); j >= 0 {
		doc = doc[:j+4]
	}
	for _, f := range []struct{ fence, ext string }{{"```json\n", "jsonl"}, {"```csv\n", "csv"}, {"```yaml\n", "yaml"}} {
		k := strings.Index(doc, f.fence)
		if k < 0 {
			t.Errorf("no %s example", f.ext)
			continue
		}
		body := doc[k+len(f.fence):]
		body = body[:strings.Index(body, "```")]
		cfg := writeConfig(t, "")
		file := filepath.Join(t.TempDir(), "faq."+f.ext)
		os.WriteFile(file, []byte(body), 0o600)
		out, _, err := cli(t, "", "--config", cfg, "faq", "import", file)
		if err != nil || !strings.Contains(out, "imported 2 entries") {
			t.Errorf("the README's %s example: %v %s", f.ext, err, out)
			continue
		}
		st := faqStatuses(t, cfg)
		if len(st) != 2 || st["vpn-ja"] == "" {
			t.Errorf("the README's %s example imported %v", f.ext, st)
		}
		out, _, _ = cli(t, "", "--config", cfg, "faq", "show", "--json", "vpn-ja")
		if !strings.Contains(out, `"vpn"`) {
			t.Errorf("the README's %s example lost vpn-ja's tags: %s", f.ext, out)
		}
		var states []string
		for _, p := range paraphrasesJSON(t, cfg, "vpn") {
			states = append(states, p.State+": "+p.Text)
		}
		if got := strings.Join(states, "|"); got != "confirmed: VPN from a hotel does not connect|pending: The tunnel app stays at connecting." {
			t.Errorf("the README's %s example gave vpn the paraphrases %q", f.ext, got)
		}
	}
}
