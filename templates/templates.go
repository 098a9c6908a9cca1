// Package templates renders the mails the desk sends (English and Japanese)
// from embedded text/HTML templates, optionally overridden from a directory.
//
// A template is named NAME.LANG.txt: its first line is "Subject: ...", then a
// blank line, then the plain-text body (text/template). An optional
// NAME.LANG.html (html/template) adds an HTML alternative. A file of the same
// name in the override directory wins; a .txt override without its own .html
// also drops the embedded .html, so the two alternatives never disagree.
package templates

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed files/*
var embedded embed.FS

// DefaultLang is used for an unknown or missing language.
const DefaultLang = "en"

// Set holds every parsed template, keyed by name and language.
type Set struct {
	mails map[string]map[string]*mailTemplate // name → lang → template
}

// Data is what a template may use. Every string may hold anything a
// customer wrote; Render cleans the subject before templates see it.
type Data struct {
	Ticket         string // "INC-1042"
	Subject        string // the customer's subject, already decoded
	Name           string // customer's display name, may be empty
	SupportAddress string
	Question       string // FAQ question, for auto_answer
	Answer         string // FAQ answer, for auto_answer
	FAQKey         string
	OldTicket      string // for new_after_closed
}

// Mail is one rendered mail. HTML is "" when the template has none.
type Mail struct {
	Subject, Text, HTML string
}

type mailTemplate struct {
	file    string // file name of the text template, for errors
	subject *template.Template
	text    *template.Template
	html    *htmltemplate.Template // nil if none
}

// New loads the embedded templates and, when dir is not "", the files in
// dir on top of them. Every template is parsed here, so a broken file fails
// start-up with an error naming it rather than a mail later.
func New(dir string) (*Set, error) {
	files, err := readFiles(dir)
	if err != nil {
		return nil, err
	}
	s := &Set{mails: map[string]map[string]*mailTemplate{}}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		name, lang, ok := splitTextName(f)
		if !ok {
			continue
		}
		mt, err := parseMail(f, files[f].data, files)
		if err != nil {
			return nil, err
		}
		if s.mails[name] == nil {
			s.mails[name] = map[string]*mailTemplate{}
		}
		s.mails[name][lang] = mt
	}
	for f, src := range files {
		if strings.HasSuffix(f, ".html") {
			if _, ok := files[strings.TrimSuffix(f, ".html")+".txt"]; !ok {
				return nil, fmt.Errorf("templates: %s: no matching .txt template", src.path)
			}
		}
	}
	for name, langs := range s.mails {
		if langs[DefaultLang] == nil {
			return nil, fmt.Errorf("templates: %q has no %s version", name, DefaultLang)
		}
	}
	return s, nil
}

// Render renders the named mail in lang ("ja" or "en"; anything else, or a
// language the template lacks, falls back to English).
func (s *Set) Render(name, lang string, d Data) (Mail, error) {
	langs, ok := s.mails[name]
	if !ok {
		return Mail{}, fmt.Errorf("templates: unknown template %q", name)
	}
	mt := langs[lang]
	if mt == nil {
		mt = langs[DefaultLang]
	}
	// A customer's subject or name may be any length; a relay drops a mail
	// whose header line passes 998 octets, and a body that quotes 200,000
	// characters of subject helps nobody.
	d.Subject = Truncate(baseSubject(d.Subject, d.Ticket, d.OldTicket), MaxSubject)
	d.Name = Truncate(OneLine(d.Name), MaxName)

	var m Mail
	var b strings.Builder
	if err := mt.subject.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: subject: %w", mt.file, err)
	}
	m.Subject = Truncate(OneLine(b.String()), MaxSubject)
	b.Reset()
	if err := mt.text.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: %w", mt.file, err)
	}
	m.Text = b.String()
	if mt.html != nil {
		b.Reset()
		if err := mt.html.Execute(&b, d); err != nil {
			return Mail{}, fmt.Errorf("templates: %s: html: %w", mt.file, err)
		}
		m.HTML = b.String()
	}
	return m, nil
}

// Names lists the template names, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.mails))
	for n := range s.mails {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type source struct {
	path string // shown in errors: "embedded:files/ack.en.txt" or the override path
	data []byte
}

// readFiles merges the embedded files with the override directory.
func readFiles(dir string) (map[string]source, error) {
	files := map[string]source{}
	err := fs.WalkDir(embedded, "files", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		files[e.Name()] = source{path: "embedded " + p, data: b}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("templates: reading embedded files: %w", err)
	}
	if dir == "" {
		return files, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("templates: override dir: %w", err)
	}
	overridden := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".txt") || strings.HasSuffix(e.Name(), ".html")) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		files[e.Name()] = source{path: p, data: b}
		overridden[e.Name()] = true
	}
	for f := range overridden {
		if html, ok := strings.CutSuffix(f, ".txt"); ok && !overridden[html+".html"] {
			delete(files, html+".html")
		}
	}
	return files, nil
}

// splitTextName splits "ack.en.txt" into ("ack", "en").
func splitTextName(f string) (name, lang string, ok bool) {
	base, ok := strings.CutSuffix(f, ".txt")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return "", "", false
	}
	return base[:i], base[i+1:], true
}

var errNoSubject = errors.New(`first line must be "Subject: ..." followed by a blank line`)

func parseMail(file string, data []byte, files map[string]source) (*mailTemplate, error) {
	src := files[file]
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	subj, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return nil, fmt.Errorf("templates: %s: %w", src.path, errNoSubject)
	}
	body, ok := strings.CutPrefix(rest, "\n")
	if !ok {
		return nil, fmt.Errorf("templates: %s: %w", src.path, errNoSubject)
	}
	mt := &mailTemplate{file: src.path}
	var err error
	if mt.subject, err = template.New(file + ":subject").Option("missingkey=error").Parse(strings.TrimSpace(subj)); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", src.path, err)
	}
	if mt.text, err = template.New(file).Option("missingkey=error").Parse(body); err != nil {
		return nil, fmt.Errorf("templates: %s: %w", src.path, err)
	}
	htmlFile := strings.TrimSuffix(file, ".txt") + ".html"
	if h, ok := files[htmlFile]; ok {
		if mt.html, err = htmltemplate.New(htmlFile).Option("missingkey=error").Parse(string(h.data)); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", h.path, err)
		}
	}
	return mt, nil
}

// replyPrefix matches the reply/forward markers mail clients stack up,
// in English, German, Nordic and Japanese clients.
var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|aw|sv|fw|fwd|wg|返信|転送)\s*(\[\d+\])?\s*[:：]\s*`)

// baseSubject turns a customer's subject into the bare topic: one line, no
// control characters, no stacked "Re:" and no ticket tag of ours, so a
// template can write "[TAG] Re: {{.Subject}}" without "Re: Re:".
func baseSubject(subject string, tags ...string) string {
	s := OneLine(subject)
	for {
		before := s
		for _, t := range tags {
			if t != "" {
				s = strings.TrimSpace(strings.ReplaceAll(s, "["+t+"]", ""))
			}
		}
		s = replyPrefix.ReplaceAllString(s, "")
		if s == before {
			break
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// Longest subject and display name, in characters (runes), of any mail we
// send. The outbox enforces them too.
const (
	MaxSubject = 200
	MaxName    = 200
)

// Truncate cuts s to at most max runes, the last of them "…" when it cut,
// on a character boundary: never inside a UTF-8 sequence, and never
// between a character and the combining marks or variation selectors
// that belong to it.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	// Back off to the start of the character the cut falls in: a cut
	// before a combining mark, a joiner, or the character a joiner glues
	// on is inside one.
	for cut > 0 {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		prev, size := utf8.DecodeLastRuneInString(s[:cut])
		if !unicode.Is(unicode.M, r) && !isJoiner(r) && !isJoiner(prev) && norm.NFC.PropertiesString(s[cut:]).BoundaryBefore() {
			break
		}
		cut -= size
	}
	return strings.TrimRight(s[:cut], " ") + "…"
}

// isJoiner reports the zero-width joiners that glue characters into one
// (emoji sequences, Indic conjuncts).
func isJoiner(r rune) bool { return r == '\u200d' || r == '\u200c' }

// OneLine replaces CR, LF, tabs and every other control or format
// character by a space and collapses runs of spaces: a value that reaches
// a mail header (a rendered subject, a name from inbound mail) must never
// be able to start a new header line or hide text. The outbox uses it too.
func OneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
