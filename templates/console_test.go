package templates

import (
	"strings"
	"testing"
	"unicode"
)

func TestRenderConsole_EveryMailInBothLanguages(t *testing.T) {
	if got := strings.Join(ConsoleNames(), ","); got != "customer_signin,digest,signin_link" {
		t.Fatalf("ConsoleNames() = %s", got)
	}
	d := ConsoleData{Address: "alice@example.com", Link: "https://desk.example.com/signin/abc", ValidMinutes: 15,
		Period: "weekly", Range: "2026-11-30 – 2026-12-06", Created: 42, Open: 7, Breaches: 2, AutoAnswered: 10, AutoShare: "24%",
		Helpful: 6, NotHelpful: 1, Gaps: []string{"VPN drops (3 tickets: INC-1001, INC-1004, INC-1009)"},
		RatedGood: 5, RatedBad: 1, GoodShare: "83%", AutoGood: 2, AgentGood: 3, AgentBad: 1}
	for _, name := range ConsoleNames() {
		for _, lang := range []string{"en", "ja"} {
			m, err := RenderConsole(name, lang, d)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			if m.Subject == "" || !strings.Contains(m.Text, d.Link) {
				t.Errorf("%s/%s: subject %q, text without the link:\n%s", name, lang, m.Subject, m.Text)
			}
			hasJapanese := strings.IndexFunc(m.Subject+m.Text, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) >= 0
			if hasJapanese != (lang == "ja") {
				t.Errorf("%s/%s: Japanese text %v:\n%s", name, lang, hasJapanese, m.Text)
			}
		}
	}
	if m, _ := RenderConsole("digest", "ja", d); !strings.Contains(m.Text, "良かった 5件、良くなかった 1件（良かった 83%）") {
		t.Errorf("the Japanese digest lacks the satisfaction:\n%s", m.Text)
	}
	if m, _ := RenderConsole("digest", "en", ConsoleData{Period: "daily"}); !strings.Contains(m.Text, "Satisfaction:             no ratings") {
		t.Errorf("a digest without ratings:\n%s", m.Text)
	}
	m, _ := RenderConsole("digest", "en", d)
	for _, want := range []string{"New tickets:              42", "Open at the end:          7", "SLA breaches:             2", "10 (24% of new tickets)", "6 helpful, 1 not helpful", "  - VPN drops",
		"Satisfaction:             5 good, 1 bad (83% good)", "automatic answers:      2 good, 0 bad", "agents' answers:        3 good, 1 bad"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("digest lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestRenderConsole_ValuesStayOneLine(t *testing.T) {
	m, err := RenderConsole("signin_link", "en", ConsoleData{Address: "a@example.com\r\nBcc: x@evil.example", Link: "https://d/x\nhttps://evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(l, "Bcc:") || strings.HasPrefix(l, "https://evil") {
			t.Errorf("a value started a line of its own: %q", l)
		}
	}
	if _, err := RenderConsole("nope", "en", ConsoleData{}); err == nil {
		t.Error("an unknown console mail rendered")
	}
}
