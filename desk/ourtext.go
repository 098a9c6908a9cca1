package desk

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// ourText is what the desk itself wrote on a ticket: the texts of the
// mails it sent, as a reply may repeat them below its own words. Mail
// clients quote with "> " (StripQuoted drops those lines), but also
// indented, or with no mark at all under a header block of their own,
// re-wrapped, or flattened from HTML into one line a paragraph; so a
// reply is compared line by line with our mails, white space and
// character width set aside.
type ourText struct {
	lines map[string]bool // our lines, normalised, long enough to tell
	whole []string        // each of our mails normalised as one run
	// theirs is what people wrote on the ticket, normalised: our mails
	// carry the customer's words and the agents' answers, which a reply
	// may repeat as its own ("Thank you for your patience.").
	theirs []string
	// marks are lower-cased strings only a header block quoting one of
	// our mails carries: our addresses and the ticket's tag.
	marks []string
	// plus is our support address split at its "@" (local part with a
	// "+", "@" and domain), for the plus addresses with a token.
	plus [2]string
}

// A line of a reply that is contained in one of our mails and at least
// minQuotedRun long is our mail quoted; so is one equal to a line of ours
// of at least minQuotedLine characters (our greeting "お客様" has 3) that
// a line of ours follows. The run is long enough that a customer's own
// "誠にありがとうございます。" is not taken for ours.
const (
	minQuotedLine = 3
	minQuotedRun  = 16
)

// newOurText indexes the texts of our mails (sent), the words of the
// people on the ticket that are never counted as ours (theirs), and the
// marks of a quoted header block (see ourText.marks; "" entries are
// ignored). support is our support address, "" for none.
func newOurText(sent, theirs, marks []string, support string) *ourText {
	o := &ourText{lines: map[string]bool{}}
	for _, s := range sent {
		for _, l := range strings.Split(s, "\n") {
			if c := normLine(l); utf8.RuneCountInString(c) >= minQuotedLine {
				o.lines[c] = true
			}
		}
		o.whole = append(o.whole, normLine(s))
	}
	for _, s := range theirs {
		if c := normLine(s); c != "" {
			o.theirs = append(o.theirs, c)
		}
	}
	for _, m := range marks {
		if m = strings.ToLower(strings.TrimSpace(m)); m != "" {
			o.marks = append(o.marks, m)
		}
	}
	if at := strings.LastIndexByte(support, '@'); at > 0 {
		o.plus = [2]string{strings.ToLower(support[:at]) + "+", strings.ToLower(support[at:])}
	}
	return o
}

// cut returns the index of the first line of lines that repeats one of
// our mails, or len(lines) when none does. Lines quoted with ">" are
// passed over: StripQuoted drops them, whatever they hold, and an answer
// may follow them.
func (o *ourText) cut(lines []string) int {
	for i, l := range lines {
		c := normLine(l)
		if c == "" || quotedLine(c) || o.isTheirs(c) {
			continue
		}
		quoted := o.run(c)
		if !quoted && o.lines[c] {
			// A short line ("Hello,") is ours only when the next one
			// is ours too: people greet the same way.
			for _, next := range lines[i+1:] {
				if n := normLine(next); n != "" && !quotedLine(n) {
					quoted = o.ours(n)
					break
				}
			}
		}
		if quoted {
			return i
		}
	}
	return len(lines)
}

// cutWithHeader is cut, moved up over the header block a client put
// above the quoted mail when StripQuoted did not know it: the paragraphs
// right above the cut that look like header fields ("Von: …", a bare
// "To", a date), up to the highest one that names our address or the
// ticket's tag. Higher paragraphs, and ones that name nothing of ours,
// are the sender's.
func (o *ourText) cutWithHeader(lines []string) int {
	at := o.cut(lines)
	if at == len(lines) {
		return at
	}
	best, end := at, at
	for range 4 {
		for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		start := end
		for start > 0 && strings.TrimSpace(lines[start-1]) != "" {
			start--
		}
		para := lines[start:end]
		if len(para) == 0 || len(para) > 8 || !headerLike(para) {
			break
		}
		if o.marked(para) {
			best = start
		}
		end = start
	}
	return best
}

// ours reports whether the normalised line c repeats our text.
func (o *ourText) ours(c string) bool {
	return !o.isTheirs(c) && (o.lines[c] || o.run(c))
}

// run reports whether c is a long enough run of one of our mails.
func (o *ourText) run(c string) bool {
	if utf8.RuneCountInString(c) < minQuotedRun {
		return false
	}
	for _, w := range o.whole {
		if strings.Contains(w, c) {
			return true
		}
	}
	return false
}

func (o *ourText) isTheirs(c string) bool {
	for _, w := range o.theirs {
		if strings.Contains(w, c) {
			return true
		}
	}
	return false
}

// marked reports whether a paragraph names one of our addresses (also
// support+TOKEN@…) or the ticket's tag.
func (o *ourText) marked(para []string) bool {
	for _, l := range para {
		l = strings.ToLower(l)
		for _, m := range o.marks {
			if strings.Contains(l, m) {
				return true
			}
		}
		if o.plus[0] != "" {
			if i := strings.Index(l, o.plus[0]); i >= 0 && strings.Contains(l[i:], o.plus[1]) {
				return true
			}
		}
	}
	return false
}

// headerLike reports whether every line of a paragraph could be a line of
// a header block: a field ("Gesendet: …"), or, unless it ends like a
// sentence, an address or a short line (a bare field name, a date, a
// separator).
func headerLike(para []string) bool {
	for _, l := range para {
		t := strings.TrimSpace(l)
		n := utf8.RuneCountInString(t)
		colon := strings.IndexAny(t, ":：")
		switch {
		case n > 120:
			return false
		case colon > 0 && utf8.RuneCountInString(t[:colon]) <= 30:
		case strings.ContainsAny(t[len(t)-1:], ".!?") || strings.HasSuffix(t, "。") || strings.HasSuffix(t, "！") || strings.HasSuffix(t, "？"):
			return false
		case strings.Contains(t, "@") || n <= 40:
		default:
			return false
		}
	}
	return true
}

// quotedLine reports whether a normalised line is quoted with ">".
func quotedLine(c string) bool {
	return strings.HasPrefix(c, ">")
}

// normLine is a line as compared with ours: without white space, so a quote
// re-wrapped by a mail client compares equal to the text we sent, and
// with full-width ASCII folded.
func normLine(s string) string {
	return width.Fold.String(squeeze(s))
}

// squeeze drops white space.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
