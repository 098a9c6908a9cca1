package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/templates"
)

// This file is the pages' templates: one file per page beside the shared
// layout, embedded and parsed once at start-up, and what every page may
// call.

//go:embed templates/*.html
var pageFiles embed.FS

//go:embed static
var staticFiles embed.FS

// assetVersions maps each static file to a short hash of its bytes: the
// pages link "/static/app.css?v=HASH", so a browser may keep a file for a
// year and still sees a new build's at once.
var assetVersions = func() map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(staticFiles, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}()

// funcs are the template functions that do not depend on the reader's
// language (those are view's methods).
var funcs = template.FuncMap{
	"asset": func(name string) (string, error) {
		v, ok := assetVersions[name]
		if !ok {
			return "", fmt.Errorf("web: no static file %q", name)
		}
		return "/static/" + name + "?v=" + v, nil
	},
	"linkify": linkify,
	"pct":     func(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) },
	"ratio": func(n, of int) string {
		if of == 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
	},
	"size": func(n int64) string { return templates.FormatSize(n) },
	"add":  func(a, b int) int { return a + b },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"sat": func(v *view, title, kind string, rows []desk.SatisfactionRow) satTable {
		return satTable{V: v, Title: title, Kind: kind, Rows: rows}
	},
}

// parsePages parses the layout with each page.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(pageFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parsing the layout: %w", err)
	}
	names, err := fs.Glob(pageFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(pageFiles, n)
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page's template gets: the page's own data and the
// reader's language, session and zone.
type view struct {
	Lang     string
	Session  *desk.Session
	Title    string
	Section  string // the navigation entry of the page
	Back     string // the page's path and query: where the language switch returns
	Customer bool   // a customer's page: the desk's name, no console navigation
	Flash    string // what was just done, in the reader's language
	Error    string // what went wrong, in the reader's language
	Version  string
	Data     any
	loc      *time.Location
	now      time.Time
}

// T is the reader's words for key (see messages), with args formatted in.
func (v *view) T(key string, args ...any) string { return tr(v.Lang, key, args...) }

// Is reports whether the page belongs to a navigation entry.
func (v *view) Is(section string) bool { return v.Section == section }

// Admin reports whether the reader is an admin.
func (v *view) Admin() bool { return v.Session != nil && v.Session.Role == desk.RoleAdmin }

// Staff reports whether the reader is one of the desk's people (reads the
// queue); a customer signed in is not.
func (v *view) Staff() bool { return v.Session != nil && v.Session.Role.MayRead() }

// Reports reports whether the reader may open the reports.
func (v *view) Reports() bool { return v.Session != nil && v.Session.Role.MayReport() }

// Zone names the time zone the page shows times in.
func (v *view) Zone() string { return v.loc.String() }

// When writes an instant in the desk's zone; the zero time is "–".
func (v *view) When(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(v.loc)
	if v.Lang == "ja" {
		return t.Format("2006/01/02 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

// Since is the time from t to the page's instant.
func (v *view) Since(t time.Time) time.Duration { return v.now.Sub(t) }

// Dur writes a duration as a person reads it: "45m", "3h 20m", "2d 4h".
func (v *view) Dur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	units := map[string][3]string{"en": {"d", "h", "m"}, "ja": {"日", "時間", "分"}}[v.Lang]
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(math.Round(float64(d%time.Hour)/float64(time.Minute)))
	if mins == 60 {
		hours, mins = hours+1, 0
	}
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d%s %d%s", days, units[0], hours, units[1])
	case days > 0:
		return fmt.Sprintf("%d%s", days, units[0])
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d%s %d%s", hours, units[1], mins, units[2])
	case hours > 0:
		return fmt.Sprintf("%d%s", hours, units[1])
	}
	return fmt.Sprintf("%d%s", mins, units[2])
}

// Due says how far a due time is: "in 2h" or "3h overdue".
func (v *view) Due(due time.Time, overdue bool) string {
	if overdue {
		return v.T("due.overdue", v.Dur(v.now.Sub(due)))
	}
	return v.T("due.in", v.Dur(due.Sub(v.now)))
}

// urlRE finds web addresses in mail text: http and https only, so a
// "javascript:" or "data:" address never becomes a link.
var urlRE = regexp.MustCompile(`https?://[^\s<>"'` + "`" + `\x{3000}-\x{30ff}\x{ff00}-\x{ffef}]+`)

// linkify escapes mail text for HTML and makes its http(s) addresses
// links that leave the console without a referrer; everything else stays
// text.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		// Punctuation closing a sentence is not part of the address.
		for end > start && strings.ContainsRune(".,;:!?)]}", rune(text[end-1])) {
			end--
		}
		b.WriteString(html.EscapeString(text[last:start]))
		u := html.EscapeString(text[start:end])
		if strings.Contains(u, "…") {
			// A customer's status link with its token taken out leads
			// nowhere: it stays text.
			b.WriteString(u)
		} else {
			fmt.Fprintf(&b, `<a href="%s" rel="noopener noreferrer nofollow" target="_blank">%s</a>`, u, u)
		}
		last = end
	}
	b.WriteString(html.EscapeString(text[last:]))
	return template.HTML(b.String())
}
