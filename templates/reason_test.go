package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/madoguchi/madoguchi/internal/testutils"
)

// everyParameter fills each parameter of a Reason with a value a Japanese
// mail names as it is (a key, a reference, an address, a tier's name).
var everyParameter = Reason{Key: "teams-ja", Confidence: "0.85", Ticket: "INC-1001", Agent: "alice@example.com",
	Tier: "L2", FromTier: "L1", Priority: "P2", Type: "service_request", Target: "respond", Due: "2026-12-01 09:00 JST",
	After: 4*time.Hour + 30*time.Minute, Mail: "12", Status: "5.1.1",
	Words: "The licence server needs an admin.", Detail: "550 5.1.1 user unknown"}

// Every reason and every command's note reads in the mail's language: the
// Japanese words of each code hold no English but what a Japanese mail
// names as it is, the English words no Japanese; no code comes out as
// itself, and neither the agent's words nor the record's detail are in
// the line.
func TestReason_EveryCodeReadsInEachLanguage(t *testing.T) {
	s := mustNew(t, "")
	for _, code := range ReasonCodes() {
		r := everyParameter
		r.Code = code
		for _, lang := range []string{"en", "ja"} {
			got, err := s.Reason(lang, r)
			if err != nil {
				t.Fatalf("%s/%s: %v", code, lang, err)
			}
			if got == "" || got == code || strings.Contains(got, "<no value>") {
				t.Errorf("%s/%s renders %q: the code has no words of its own", code, lang, got)
			}
			if strings.Contains(got, "licence") || strings.Contains(got, "550") {
				t.Errorf("%s/%s renders the words or the detail: %q", code, lang, got)
			}
			if lang == "ja" {
				if w := testutils.EnglishWords(got, "teams-ja"); len(w) > 0 {
					t.Errorf("%s/ja %q has English words %q", code, got, w)
				}
			} else if strings.IndexFunc(got, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) >= 0 {
				t.Errorf("%s/en %q has Japanese", code, got)
			}
		}
	}
	// The durations are the mail's language's too.
	r := everyParameter
	r.Code = ReasonUnanswered
	if got, _ := s.Reason("ja", r); !strings.Contains(got, "4時間30分以内") {
		t.Errorf("ja unanswered: %q", got)
	}
	if got, _ := s.Reason("en", r); !strings.Contains(got, "within 4h 30m in L1: handed to L2") {
		t.Errorf("en unanswered: %q", got)
	}
}

// The issue's notice: a Japanese desk read "経緯：FAQ teams-ja suggested to
// agents (confidence 0.85)" and "#take: assigned to …".
func TestRender_JapaneseNoticeAndCopyCarryNoEnglishMachineText(t *testing.T) {
	s := mustNew(t, "")
	d := full
	d.Reason = Reason{Code: ReasonFAQSuggested, Key: "teams-ja", Confidence: "0.85"}
	n := render(t, s, "notice", "ja", d)
	if !strings.Contains(n.Text, "経緯　　　　：FAQ teams-ja を回答候補として提示しました（確信度 0.85）") {
		t.Errorf("notice/ja reason:\n%s", n.Text)
	}
	d.Applied = []Reason{{Code: ActionTake, Agent: "alice@example.com"}, {Code: ActionAnswer, Key: "teams-ja"}, {Code: ActionType, Type: "service_request"}}
	c := render(t, s, "copy", "ja", d)
	for _, want := range []string{"  #take：alice@example.com を担当者に設定しました", "  #answer：FAQ teams-ja をお客様へ送信しました", "  #type：種別をサービス要求に変更しました"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("copy/ja lacks %q:\n%s", want, c.Text)
		}
	}
	for name, m := range map[string]Mail{"notice": n, "copy": c} {
		if w := testutils.EnglishWords(m.Subject+"\n"+m.Text, dataValues(d)...); len(w) > 0 {
			t.Errorf("%s/ja has English words %q:\n%s", name, w, m.Text)
		}
	}
}

// story is a ticket's timeline as the desk hands it to a notice.
var story = []TimelineEntry{
	{When: "2026-12-01 09:00 JST", Who: "hanako@example.com", Kind: TimelineCustomer, Text: "The printer shows E-02.\n#resolve", Cut: true},
	{When: "2026-12-01 09:10 JST", Kind: TimelineAutoAnswer, Key: "printer-e02"},
	{When: "2026-12-01 09:30 JST", Who: "hanako@example.com", Kind: TimelineCustomer, Text: "Still E-02."},
	{When: "2026-12-01 10:00 JST", Who: "alice@example.com", Kind: TimelineNote, Text: "Toner is fine; fuser?"},
	{When: "2026-12-01 10:05 JST", Who: "alice@example.com", Kind: TimelineAgent, Text: "Please switch it off for a minute."},
	{When: "2026-12-01 10:06 JST", Who: "support@example.com", Kind: TimelineSent, Text: "A: Open tray 2."},
}

// A notice after the first tells the whole story, oldest first, each
// entry's words quoted (they cannot pass for the mail's own), a cut entry
// and the entries left out pointing to `madoguchi tickets show`; and who
// escalated, with their words. The customer's last words are in the story,
// not once more on their own.
func TestRender_NoticeTellsTheStoryOldestFirst(t *testing.T) {
	s := mustNew(t, "")
	d := full
	d.Timeline, d.TimelineLeftOut = story, 3
	d.Reason = Reason{Code: ReasonAgentEscalated, Agent: "alice@example.com", Tier: "L2", Words: "Fuser unit, needs L2.\n#close"}
	for _, c := range []struct {
		lang             string
		want             []string
		customerSection  string
		leftOut, cutHere string
	}{
		{"en", []string{"Why:          escalated by alice@example.com to L2", "alice@example.com wrote, handing it on:\n\n> Fuser unit, needs L2.\n> #close",
			"2026-12-01 09:00 JST  customer, hanako@example.com\n> The printer shows E-02.\n> #resolve",
			"automatic answer: FAQ printer-e02", "internal note, alice@example.com\n> Toner is fine; fuser?",
			"agent, to the customer, alice@example.com\n> Please switch it off", "sent to the customer, support@example.com\n> A: Open tray 2."},
			"The customer wrote:", "(3 more entries left out here; all of them: madoguchi tickets show INC-1042)", "(cut here; the whole text: madoguchi tickets show INC-1042)"},
		{"ja", []string{"経緯　　　　：alice@example.com が L2 へエスカレーションしました", "■ エスカレーションの理由（alice@example.com より）\n\n> Fuser unit, needs L2.",
			"■ これまでの経緯（古い順）", "2026-12-01 09:00 JST　お客様（hanako@example.com）\n> The printer shows E-02.", "自動回答：FAQ printer-e02",
			"社内メモ（alice@example.com）\n> Toner is fine", "担当者からお客様へ（alice@example.com）", "お客様へ送信（support@example.com）"},
			"■ お問い合わせ内容", "（ここで 3 件を省略しました。すべての経緯：madoguchi tickets show INC-1042）", "（以下省略。全文：madoguchi tickets show INC-1042）"},
	} {
		m := render(t, s, "notice", c.lang, d)
		for _, w := range append(c.want, c.leftOut, c.cutHere) {
			if !strings.Contains(m.Text, w) {
				t.Errorf("notice/%s lacks %q:\n%s", c.lang, w, m.Text)
			}
		}
		if strings.Contains(m.Text, c.customerSection) {
			t.Errorf("notice/%s shows the customer's words twice (%q):\n%s", c.lang, c.customerSection, m.Text)
		}
		first, last := strings.Index(m.Text, "The printer shows E-02"), strings.Index(m.Text, "A: Open tray 2.")
		if first < 0 || last < first || strings.Index(m.Text, c.leftOut) < first || strings.Index(m.Text, c.leftOut) > strings.Index(m.Text, "Still E-02") {
			t.Errorf("notice/%s: not oldest first with the left-out entries after the first:\n%s", c.lang, m.Text)
		}
		for _, line := range strings.Split(m.Text, "\n") {
			if strings.HasPrefix(line, "#") {
				t.Errorf("notice/%s: a line passes for a command: %q", c.lang, line)
			}
		}
		if c.lang == "ja" {
			if w := testutils.EnglishWords(m.Subject+"\n"+m.Text, dataValues(d)...); len(w) > 0 {
				t.Errorf("notice/ja has English words %q:\n%s", w, m.Text)
			}
		}
	}
}

// An override of the common blocks that lacks the reason block (an old
// copy) fails at start-up, naming it, rather than in the first notice.
func TestNew_OverrideWithoutTheReasonBlockFailsAtStartUp(t *testing.T) {
	all, err := embedded.ReadFile("files/_common.ja.txt")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(all), `{{define "reason"}}`)
	old := string(all)[:i] + `{{define "reason"}}{{.Nonsense}}{{end}}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "_common.ja.txt"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = New(dir)
	if err == nil || !strings.Contains(err.Error(), "reason block of ja") {
		t.Fatalf("New = %v, want the broken reason block of ja named", err)
	}
}
