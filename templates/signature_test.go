package templates

import (
	"strings"
	"testing"
)

// Every mail we send, to a customer or to a tier, in either language,
// signs off below "-- " (dash, dash, space: RFC 3676's separator), the
// line mail clients fold away and trim from a reply; "--" alone is not
// one to most of them.
func TestRender_EverySignatureStandsBelowDashDashSpace(t *testing.T) {
	s := mustNew(t, "")
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m := render(t, s, name, lang, full)
			lines := strings.Split(m.Text, "\n")
			seps := 0
			for i, l := range lines {
				switch l {
				case "-- ":
					seps++
					if i == len(lines)-1 || strings.TrimSpace(lines[i+1]) == "" {
						t.Errorf("%s/%s: nothing signed below the separator:\n%s", name, lang, m.Text)
					}
				case "--":
					t.Errorf("%s/%s: line %d is %q, the separator without its space:\n%s", name, lang, i+1, l, m.Text)
				}
			}
			if seps != 1 {
				t.Errorf("%s/%s has %d signature separators, want 1:\n%s", name, lang, seps, m.Text)
			}
			if m.HTML != "" && !strings.Contains(m.HTML, "<p>-- <br>") {
				t.Errorf("%s/%s HTML signature lacks its separator:\n%s", name, lang, m.HTML)
			}
		}
	}
}
