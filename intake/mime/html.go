package mime

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText renders an HTML body as readable plain text: script, style and
// head are dropped, block elements and <br> become line breaks, list items
// get a "- ", links keep their target as "text (url)" when it differs from
// the text, entities are decoded and white space is collapsed (except in
// <pre>). An empty line of the HTML (<div><br></div>, <br><br>) is a blank
// line; at most one blank line separates paragraphs.
func HTMLToText(s string) string {
	w := textWriter{}
	w.b.Grow(len(s) / 2)
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script/style/head/...
	pre := 0
	type link struct {
		href  string
		start int
	}
	var links []link
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if pre > 0 {
				w.raw(string(z.Text()))
			} else {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Noscript, atom.Svg, atom.Object:
				if tt == html.SelfClosingTagToken {
					continue
				}
				if end {
					if skip > 0 {
						skip--
					}
				} else {
					skip++
				}
				continue
			}
			if a == atom.Body && !end {
				// <body> ends the head even when </head> is missing.
				skip = 0
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.Br:
				w.lineBreak()
			case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Blockquote, atom.Hr, atom.Dl:
				w.paragraph()
			case atom.Pre:
				w.paragraph()
				if end {
					if pre > 0 {
						pre--
					}
				} else {
					pre++
				}
			case atom.Div, atom.Tr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dt, atom.Dd,
				atom.Form, atom.Address, atom.Center, atom.Main, atom.Nav, atom.Aside, atom.Figure, atom.Caption, atom.Tbody, atom.Thead:
				w.newline()
			case atom.Li:
				w.newline()
				if !end {
					w.raw("- ")
				}
			case atom.Td, atom.Th:
				if !end {
					w.space()
				}
			case atom.A:
				if end {
					if n := len(links); n > 0 {
						l := links[n-1]
						links = links[:n-1]
						w.linkEnd(l.href, l.start)
					}
					continue
				}
				href := ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = strings.TrimSpace(string(v))
					}
				}
				if tt == html.StartTagToken && len(links) < 64 {
					links = append(links, link{href: href, start: w.b.Len()})
				}
			case atom.Img:
				alt := ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "alt" {
						alt = string(v)
					}
				}
				if strings.TrimSpace(alt) != "" {
					w.text(alt)
				}
			}
		}
	}
}

// textWriter accumulates text with collapsed white space and at most one
// blank line in a row.
type textWriter struct {
	b        strings.Builder
	newlines int  // line breaks at the end of b (2 = blank line)
	pending  bool // a space is owed before the next word
}

func (w *textWriter) text(s string) {
	if s == "" {
		return
	}
	if first, _ := utf8.DecodeRuneInString(s); isHTMLSpace(first) {
		w.space()
	}
	for _, f := range strings.FieldsFunc(s, isHTMLSpace) {
		if w.pending && w.b.Len() > 0 && w.newlines == 0 {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(f)
		w.newlines = 0
		w.pending = true
	}
	if last, _ := utf8.DecodeLastRuneInString(s); !isHTMLSpace(last) {
		w.pending = false
	}
}

func (w *textWriter) raw(s string) {
	if s == "" {
		return
	}
	w.b.WriteString(s)
	w.pending = false
	w.newlines = 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		w.newlines++
	}
}

func (w *textWriter) space() {
	if w.b.Len() > 0 && w.newlines == 0 {
		w.pending = true
	}
}

func (w *textWriter) newline() {
	w.pending = false
	if w.b.Len() == 0 || w.newlines >= 1 {
		return
	}
	w.b.WriteByte('\n')
	w.newlines = 1
}

// lineBreak is a <br>: unlike the edge of a block it ends a line even
// right after another, so an empty line (Outlook's and Gmail's
// <div><br></div>, or <br><br>) stays a blank line.
func (w *textWriter) lineBreak() {
	w.pending = false
	if w.b.Len() == 0 || w.newlines >= 2 {
		return
	}
	w.b.WriteByte('\n')
	w.newlines++
}

func (w *textWriter) paragraph() {
	w.pending = false
	if w.b.Len() == 0 {
		return
	}
	for w.newlines < 2 {
		w.b.WriteByte('\n')
		w.newlines++
	}
}

// linkEnd appends " (url)" after a link's text when the url says more than
// the text does.
func (w *textWriter) linkEnd(href string, start int) {
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return
	}
	text := ""
	if start <= w.b.Len() {
		text = strings.TrimSpace(w.b.String()[start:])
	}
	bare := strings.TrimPrefix(href, "mailto:")
	if text == href || text == bare || strings.TrimSuffix(text, "/") == strings.TrimSuffix(bare, "/") ||
		strings.TrimPrefix(strings.TrimPrefix(bare, "https://"), "http://") == text {
		return
	}
	if text == "" {
		w.text(bare)
		return
	}
	w.space()
	w.text("(" + bare + ")")
}

func (w *textWriter) String() string {
	return strings.TrimSpace(w.b.String())
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == 0xa0
}
