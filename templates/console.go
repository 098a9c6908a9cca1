package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The console's mails (a sign-in link, the admins' digest) go to the desk's
// own people, not about a ticket: they have no ticket tag, no customer
// greeting and no signature block, so they live apart from the mails of
// the Set, in console/NAME.LANG.txt, in the same "Subject: ..." form.

//go:embed console/*.txt
var consoleFiles embed.FS

// ConsoleData is what a console mail may use. Render makes every field
// one line.
type ConsoleData struct {
	// signin_link
	Address      string // who signs in
	Link         string // the one-time link; also digest: the reports page
	ValidMinutes int

	// digest
	Period       string // "daily" | "weekly"
	Range        string // the days covered, formatted
	Created      int    // tickets created in the period
	Open         int    // open at its end
	Breaches     int    // SLA targets breached in the period
	AutoAnswered int    // tickets answered automatically
	AutoShare    string // of the tickets created, "12%"
	Helpful      int    // customers' verdicts on automatic answers
	NotHelpful   int
	Gaps         []string // recurring incidents no entry answers, one line each
	// The customers' ratings given in the period: in all (GoodShare of
	// them good, "83%"), of automatic answers and of agents' answers.
	RatedGood, RatedBad int
	GoodShare           string
	AutoGood, AutoBad   int
	AgentGood, AgentBad int
}

// consoleMails are the parsed console mails, name → lang → template. They
// are embedded: a fault is a programming error, found by the first test.
var consoleMails = func() map[string]map[string]*mailTemplate {
	out := map[string]map[string]*mailTemplate{}
	files, err := fs.Glob(consoleFiles, "console/*.txt")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := consoleFiles.ReadFile(f)
		if err != nil {
			panic(err)
		}
		base := strings.TrimPrefix(f, "console/")
		name, lang, ok := splitName(base, ".txt")
		if !ok {
			panic("templates: console mail " + f + " is not NAME.LANG.txt")
		}
		mt, err := parseMail(base, lang, map[string]source{base: {path: "embedded " + f, data: b}}, textBases{})
		if err != nil {
			panic(err)
		}
		if out[name] == nil {
			out[name] = map[string]*mailTemplate{}
		}
		out[name][lang] = mt
	}
	return out
}()

// ConsoleNames lists the console mails, sorted.
func ConsoleNames() []string {
	var out []string
	for n := range consoleMails {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RenderConsole renders a console mail in lang (English when the mail has
// no such language).
func RenderConsole(name, lang string, d ConsoleData) (Mail, error) {
	langs, ok := consoleMails[name]
	if !ok {
		return Mail{}, fmt.Errorf("templates: unknown console mail %q", name)
	}
	mt := langs[lang]
	if mt == nil {
		mt = langs[DefaultLang]
	}
	for _, p := range []*string{&d.Address, &d.Link, &d.Period, &d.Range, &d.AutoShare} {
		*p = OneLine(*p)
	}
	d.Gaps = oneLines(d.Gaps)
	for i, g := range d.Gaps {
		d.Gaps[i] = Truncate(g, MaxSubject)
	}
	var b strings.Builder
	if err := mt.subject.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: subject: %w", mt.file, err)
	}
	m := Mail{Subject: Truncate(OneLine(b.String()), MaxSubject)}
	b.Reset()
	if err := mt.text.Execute(&b, d); err != nil {
		return Mail{}, fmt.Errorf("templates: %s: %w", mt.file, err)
	}
	m.Text = b.String()
	return m, nil
}
