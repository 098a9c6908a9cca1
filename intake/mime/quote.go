package mime

import (
	"strings"
	"unicode/utf8"
)

// StripQuoted removes quoted history and signatures from the text of a
// reply, so that a ticket entry holds what the sender wrote this time.
// Everything from the first of these on is cut: an attribution line
// ("On ... wrote:", "Am … schrieb …:", "… さんは書きました:", Gmail's
// Japanese "2024年1月15日(月) 10:00 名前 <addr>:", Apple Mail's "…のメール:"),
// an "-----Original Message-----" separator (also "元のメッセージ",
// "Ursprüngliche Nachricht", ...), the header block a client puts above
// the quoted mail (Outlook desktop and on the web, in English, Japanese,
// German, French and Spanish: "From: ... Sent: ... To: ...", "差出人: ...
// 送信日時: ...", "Von: ... Gesendet: ... An: ..."; Lotus Notes' sender
// and date lines above a bare "To"/"Subject" block), and the "-- "
// signature delimiter. Lines quoted with ">" are dropped wherever they are,
// so interleaved answers keep only the answers. It returns "" when nothing
// of the sender's own remains.
//
// A client that quotes without marks under a header block of its own that
// is none of these is beyond this function: the desk also cuts a reply at
// the first line that repeats a mail it sent.
func StripQuoted(text string) string {
	text = normalizeNewlines(text)
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	for i, line := range lines {
		if line == "-- " || line == "--" || line == "-- \u3000" {
			break
		}
		t := strings.TrimSpace(strings.Trim(line, "\u3000"))
		if isSeparatorLine(t) || isAttribution(lines, i, t) || isHeaderBlock(lines, i, t) || isNotesHeader(lines, i, t) {
			break
		}
		if isQuotedLine(t) {
			continue
		}
		out = append(out, strings.TrimRight(line, " \t"))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func isQuotedLine(t string) bool {
	return strings.HasPrefix(t, ">") || strings.HasPrefix(t, "＞")
}

// isSeparatorLine matches "-----Original Message-----" and its variants in
// the languages of the clients agents and customers use.
func isSeparatorLine(t string) bool {
	if !(strings.HasPrefix(t, "--") || strings.HasPrefix(t, "==") || strings.HasPrefix(t, "__") || strings.HasPrefix(t, "*--")) {
		return false
	}
	core := strings.ToLower(strings.TrimSpace(strings.Trim(t, "-=_* ")))
	switch core {
	case "original message", "original message follows", "元のメッセージ", "オリジナルメッセージ", "元のメール", "返信元のメッセージ",
		"ursprüngliche nachricht", "originalnachricht", "message d'origine", "mensaje original", "messaggio originale", "oorspronkelijk bericht":
		return true
	}
	return false
}

// wroteWords end an attribution line before its colon in languages other
// than English and Japanese ("Am 1. Dez. 2026 um 09:01 schrieb X <x@y>:").
var wroteWords = []string{"schrieb", "a écrit", "escribió", "ha scritto", "escreveu", "schreef", "skrev", "napisał", "napisał(a)", "написал", "写道"}

// isAttribution matches the line a mail client puts above the quoted
// message. Gmail wraps long ones, so up to two following lines are joined.
func isAttribution(lines []string, i int, t string) bool {
	if t == "" || len(t) > 400 {
		return false
	}
	joined := t
	if (strings.HasPrefix(t, "On ") || strings.HasPrefix(t, "Am ") || strings.HasPrefix(t, "Le ") || strings.HasPrefix(t, "El ")) && !endsWithColon(t) {
		for j := i + 1; j < len(lines) && j <= i+2; j++ {
			joined += " " + strings.TrimSpace(lines[j])
			if endsWithColon(joined) {
				break
			}
		}
	}
	if !endsWithColon(joined) {
		return false
	}
	lower := strings.ToLower(joined)
	nextQuoted := nextNonBlankQuoted(lines, i)
	switch {
	case strings.Contains(joined, "さんは書きました") || strings.Contains(joined, "は書きました") ||
		strings.Contains(joined, "さんが書きました"):
		return true
	case strings.HasPrefix(joined, "On ") && (strings.HasSuffix(lower, "wrote:") || strings.HasSuffix(lower, "writes:")):
		return true
	case strings.HasSuffix(lower, "wrote:") || strings.HasSuffix(lower, "writes:"):
		return nextQuoted || strings.Contains(joined, "@")
	case strings.Contains(joined, "年") && strings.Contains(joined, "月") && strings.Contains(joined, "日") &&
		(strings.HasSuffix(joined, ">:") || strings.HasSuffix(joined, ">：")):
		return true // Gmail in Japanese
	case strings.HasSuffix(joined, "のメール:") || strings.HasSuffix(joined, "のメール："):
		return true // Apple Mail in Japanese
	case wroteBeforeColon(lower) && (strings.Contains(joined, "@") || strings.ContainsAny(joined, "0123456789")):
		return true // German, French, Spanish, ...: names a sender or a date
	}
	// Any other language: a line ending in ":" that names an address or a
	// date right above quoted text.
	return nextQuoted && (strings.Contains(joined, "@") || strings.ContainsAny(joined, "0123456789"))
}

// wroteBeforeColon reports whether a lower-cased line that ends in a colon
// says "wrote" in one of wroteWords: at its end ("… schrieb Alice:" reads
// "schrieb Alice" as the end too, so the sender may follow it), or, in
// German Gmail's form, before the date ("Alice <a@b> schrieb am Di.,
// 1. Dez. 2026, 09:01:").
func wroteBeforeColon(lower string) bool {
	for _, w := range wroteWords {
		i := strings.LastIndex(lower, " "+w)
		if i < 0 {
			continue
		}
		rest := lower[i+1+len(w):]
		switch {
		case rest == ":" || rest == " :":
			return true
		case strings.HasPrefix(rest, " am ") && strings.Contains(lower[:i], "@"):
			return true
		case strings.HasPrefix(lower, "am ") && !strings.Contains(rest, "."):
			return true // Thunderbird: "Am 01.12.26 um 09:01 schrieb Example Support:"
		}
	}
	return false
}

func endsWithColon(s string) bool {
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：")
}

func nextNonBlankQuoted(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			continue
		}
		return isQuotedLine(t)
	}
	return false
}

// isHeaderBlock matches the header block a client puts above the quoted
// message ("From: ... Sent: ... To: ... Subject: ..."), in the languages
// of quotedHeaders, plain or with the *bold* markers of a converted HTML
// mail, and the line of underscores above it.
func isHeaderBlock(lines []string, i int, t string) bool {
	if strings.HasPrefix(t, "________") && strings.Trim(t, "_") == "" {
		for j := i + 1; j < len(lines) && j <= i+3; j++ {
			if n := strings.TrimSpace(lines[j]); n != "" {
				return headerKey(n) == "from"
			}
		}
		return false
	}
	if headerKey(t) != "from" {
		return false
	}
	seen := 0
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		switch headerKey(strings.TrimSpace(lines[j])) {
		case "sent", "to", "subject", "cc":
			seen++
		}
	}
	return seen >= 2
}

// quotedHeaders are the names of the header fields a client writes above
// a quoted mail, by what they say, in English, Japanese, German, French,
// Spanish and Dutch (the languages of Outlook installations agents use).
var quotedHeaders = map[string]string{
	"from": "from", "差出人": "from", "送信者": "from", "von": "from", "de": "from", "van": "from",
	"sent": "sent", "date": "sent", "送信日時": "sent", "日付": "sent", "gesendet": "sent", "datum": "sent",
	"envoyé": "sent", "enviado": "sent", "enviado el": "sent", "fecha": "sent", "verzonden": "sent",
	"to": "to", "宛先": "to", "an": "to", "à": "to", "para": "to", "aan": "to",
	"cc": "cc", "kopie": "cc",
	"subject": "subject", "件名": "subject", "betreff": "subject", "objet": "subject", "asunto": "subject", "onderwerp": "subject",
}

// headerKey names the header a quoted-header line starts with ("from",
// "sent", "to", "cc", "subject"), "" if none: a known field name, maybe in
// *bold*, then ":" or "：" (French puts a space before it) and a value.
func headerKey(t string) string {
	i := strings.IndexAny(t, ":：")
	if i <= 0 || i > 40 {
		return ""
	}
	name := strings.ToLower(strings.TrimSpace(strings.Trim(t[:i], "* \t\u00a0")))
	return quotedHeaders[name]
}

// isNotesHeader matches the block Lotus Notes (HCL Notes) puts above a
// quoted mail: a line naming the sender with an address, its date, then
// the field names on lines of their own with the values below them:
//
//	Example Support <support@example.com>
//	2026/12/01 09:01
//
//	To
//	l1@example.com
//	cc
//
//	Subject
//	[INC-1042] ...
func isNotesHeader(lines []string, i int, t string) bool {
	if !strings.Contains(t, "@") || utf8.RuneCountInString(t) > 200 {
		return false
	}
	to := 0
	for j := i + 1; j < len(lines) && j <= i+12; j++ {
		switch bareHeaderName(strings.TrimSpace(lines[j])) {
		case "to":
			if j > i+8 {
				return false
			}
			to = j
		case "subject":
			return to > 0
		}
	}
	return false
}

// bareHeaderName names a field name that stands alone on its line, as
// Lotus Notes writes them, "" if the line is no such name.
func bareHeaderName(t string) string {
	switch strings.ToLower(strings.Trim(t, "* \t\u00a0")) {
	case "to", "宛先", "an", "à", "para", "aan":
		return "to"
	case "subject", "件名", "betreff", "objet", "asunto", "onderwerp":
		return "subject"
	}
	return ""
}
