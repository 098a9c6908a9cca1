package templates

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// A 200,000-character subject (and name) comes out of every template at
// most MaxSubject characters long, and the body does not quote it whole.
func TestRender_GiantSubjectIsCut(t *testing.T) {
	s := mustNew(t, "")
	d := sample
	d.Subject = strings.Repeat("プリンターが印刷できません ", 200000/14)
	d.Name = strings.Repeat("Yamada", 20000)
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m, err := s.Render(name, lang, d)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			if slices.Contains(aboutNoTicket, name) {
				if n := utf8.RuneCountInString(m.Subject); n > MaxSubject || len(m.Text) > 10000 {
					t.Errorf("%s/%s: subject of %d characters, body of %d bytes", name, lang, n, len(m.Text))
				}
				continue
			}
			if n := utf8.RuneCountInString(m.Subject); n > MaxSubject || !strings.HasSuffix(m.Subject, "…") {
				t.Errorf("%s/%s: subject of %d characters, want at most %d ending in …", name, lang, n, MaxSubject)
			}
			if !strings.Contains(m.Subject, "[INC-1042]") {
				t.Errorf("%s/%s: subject lost its ticket tag: %q", name, lang, m.Subject)
			}
			if len(m.Text) > 10000 || len(m.HTML) > 10000 {
				t.Errorf("%s/%s: body of %d/%d bytes quotes the giant subject or name", name, lang, len(m.Text), len(m.HTML))
			}
		}
	}
}

func TestTruncate_CutsOnCharacterBoundaries(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"short enough", "Printer", 7, "Printer"},
		{"ascii", "Printer broken", 8, "Printer…"},
		{"japanese", "プリンターが印刷できません", 6, "プリンター…"},
		{"combining accent stays with its letter", "cafe\u0301s", 5, "caf…"},
		{"two combining marks", "xa\u0323\u0302b", 3, "x…"},
		{"variation selector", "ab\u2764\ufe0fc", 4, "ab…"},
		{"zero-width joiner", "ab\U0001F468\u200d\U0001F469c", 5, "ab…"},
		{"emoji", "😀😀😀", 2, "😀…"},
		{"trailing space", "ab cd", 4, "ab…"},
	} {
		got := Truncate(c.in, c.max)
		if got != c.want {
			t.Errorf("%s: Truncate(%q, %d) = %q, want %q", c.name, c.in, c.max, got, c.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > c.max {
			t.Errorf("%s: %q is not valid or longer than %d", c.name, got, c.max)
		}
	}
}
