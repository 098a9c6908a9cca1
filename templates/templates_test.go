package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

var sample = Data{
	Ticket:         "INC-1042",
	Subject:        "Printer on 3F does not print",
	Name:           "Hanako Yamada",
	SupportAddress: "support@example.com",
	Question:       "The printer shows error E-02",
	Answer:         "Open tray 2 and remove the jammed paper.",
	FAQKey:         "printer-e02",
	OldTicket:      "INC-0999",
}

func mustNew(t *testing.T, dir string) *Set {
	t.Helper()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRender_EveryNameInBothLanguages(t *testing.T) {
	s := mustNew(t, "")
	want := []string{"ack", "auto_answer", "new_after_closed", "reopened"}
	if got := strings.Join(s.Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("Names() = %s, want %s", got, strings.Join(want, ","))
	}
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m, err := s.Render(name, lang, sample)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			if m.Subject != "[INC-1042] Re: Printer on 3F does not print" {
				t.Errorf("%s/%s subject = %q", name, lang, m.Subject)
			}
			if !strings.Contains(m.Text, "INC-1042") || !strings.Contains(m.Text, "support@example.com") {
				t.Errorf("%s/%s text lacks ticket or support address:\n%s", name, lang, m.Text)
			}
			if lang == "ja" && !strings.Contains(m.Text, "受付番号") {
				t.Errorf("%s/ja text is not Japanese:\n%s", name, m.Text)
			}
			if strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") {
				t.Errorf("%s/%s rendered a missing value", name, lang)
			}
		}
	}
}

func TestRender_ContentPerTemplate(t *testing.T) {
	s := mustNew(t, "")
	cases := []struct{ name, lang, want string }{
		{"ack", "en", "reference INC-1042"},
		{"ack", "ja", "お問い合わせいただき、誠にありがとうございます"},
		{"ack", "ja", "Hanako Yamada 様"},
		{"auto_answer", "en", "Open tray 2 and remove the jammed paper."},
		{"auto_answer", "en", "no reply is needed"},
		{"auto_answer", "ja", "ご返信は不要です"},
		{"auto_answer", "ja", "Q：The printer shows error E-02"},
		{"new_after_closed", "en", "earlier request INC-0999"},
		{"new_after_closed", "ja", "受付番号 INC-0999"},
		{"reopened", "ja", "再開いたしました"},
	}
	for _, c := range cases {
		m, err := s.Render(c.name, c.lang, sample)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("%s/%s text lacks %q:\n%s", c.name, c.lang, c.want, m.Text)
		}
	}
}

func TestRender_UnknownLanguageFallsBackToEnglish(t *testing.T) {
	s := mustNew(t, "")
	en, _ := s.Render("ack", "en", sample)
	for _, lang := range []string{"de", "", "JA-jp"} {
		m, err := s.Render("ack", lang, sample)
		if err != nil {
			t.Fatal(err)
		}
		if m != en {
			t.Errorf("lang %q did not fall back to English", lang)
		}
	}
}

func TestRender_UnknownNameIsAnError(t *testing.T) {
	s := mustNew(t, "")
	if _, err := s.Render("nope", "en", sample); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("err = %v, want unknown template naming it", err)
	}
}

func TestRender_SubjectDoesNotStackReOrTags(t *testing.T) {
	s := mustNew(t, "")
	cases := map[string]string{
		"Re: RE: Printer":              "[INC-1042] Re: Printer",
		"[INC-1042] Re: Printer":       "[INC-1042] Re: Printer",
		"Re: [INC-1042] Re: Printer":   "[INC-1042] Re: Printer",
		"AW: Fwd: Printer":             "[INC-1042] Re: Printer",
		"返信: Printer":                  "[INC-1042] Re: Printer",
		"Re[2]: Printer":               "[INC-1042] Re: Printer",
		"Re: [INC-0999] Printer again": "[INC-1042] Re: Printer again",
		"Regarding the printer":        "[INC-1042] Re: Regarding the printer",
		"":                             "[INC-1042] We have received your request",
		"Re:":                          "[INC-1042] We have received your request",
	}
	for in, want := range cases {
		d := sample
		d.Subject = in
		m, err := s.Render("ack", "en", d)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != want {
			t.Errorf("subject %q → %q, want %q", in, m.Subject, want)
		}
	}
}

func TestRender_SubjectWithInjectedHeaderStaysOneLine(t *testing.T) {
	s := mustNew(t, "")
	d := sample
	d.Subject = "Help\r\nBcc: x@evil.example\x00\u2028\u200e more"
	d.Name = "Eve\r\nBcc: y@evil.example"
	for _, name := range s.Names() {
		for _, lang := range []string{"en", "ja"} {
			m, err := s.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.IndexFunc(m.Subject, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' }) >= 0 {
				t.Errorf("%s/%s subject has a control character: %q", name, lang, m.Subject)
			}
			if m.Subject != "[INC-1042] Re: Help Bcc: x@evil.example more" {
				t.Errorf("%s/%s subject = %q", name, lang, m.Subject)
			}
		}
	}
}

func TestRender_HTMLEscapesCustomerText(t *testing.T) {
	s := mustNew(t, "")
	d := sample
	d.Subject = `<script>alert(1)</script>`
	d.Name = `<img src=x onerror=alert(2)>`
	d.Answer = `Use <b>this</b> & that`
	for _, lang := range []string{"en", "ja"} {
		for _, name := range []string{"ack", "auto_answer"} {
			m, err := s.Render(name, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.HTML == "" {
				t.Fatalf("%s/%s has no HTML", name, lang)
			}
			if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") || strings.Contains(m.HTML, "<b>this") {
				t.Errorf("%s/%s HTML not escaped:\n%s", name, lang, m.HTML)
			}
			if name == "ack" && !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("%s/%s HTML lacks the escaped subject:\n%s", name, lang, m.HTML)
			}
			// The text alternative is plain text: it keeps the characters.
			if name == "ack" && !strings.Contains(m.Text, "<script>alert(1)</script>") {
				t.Errorf("%s/%s text altered the subject:\n%s", name, lang, m.Text)
			}
		}
	}
}

func TestNew_OverrideDirWins(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ack.en.txt", "Subject: [{{.Ticket}}] Custom ack\n\nCustom body for {{.Ticket}}.\n")
	write(t, dir, "survey.en.txt", "Subject: [{{.Ticket}}] How did we do?\n\nPlease rate us.\n")
	s := mustNew(t, dir)

	m, err := s.Render("ack", "en", sample)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "[INC-1042] Custom ack" || m.Text != "Custom body for INC-1042.\n" {
		t.Errorf("override not used: %+v", m)
	}
	if m.HTML != "" {
		t.Errorf("embedded HTML kept beside an overridden text: %q", m.HTML)
	}
	ja, err := s.Render("ack", "ja", sample)
	if err != nil || !strings.Contains(ja.Text, "受付番号") {
		t.Errorf("embedded ja ack should stay: %v %q", err, ja.Text)
	}
	if _, err := s.Render("survey", "ja", sample); err != nil {
		t.Errorf("new template from the dir: %v", err)
	}
}

func TestNew_BrokenOverrideNamesTheFile(t *testing.T) {
	cases := map[string]string{
		"reopened.ja.txt": "Subject: [{{.Ticket}}] x\n\n{{if .Name}}unclosed\n",
		"ack.en.html":     "<p>{{.Ticket</p>",
		"ack.ja.txt":      "no subject line\n",
	}
	for file, content := range cases {
		dir := t.TempDir()
		write(t, dir, file, content)
		_, err := New(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, file)) {
			t.Errorf("%s: err = %v, want one naming the file", file, err)
		}
	}
}

func TestNew_MissingOverrideDirIsAnError(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
