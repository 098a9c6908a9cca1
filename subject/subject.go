// Package subject reads the Subject line of a mail: the reply and forward
// markers that mail clients stack in front of a topic ("Re:", "AW:",
// "RE[2]:", "返信：", "回复:"). It is the one list of them: the MIME
// parser skips them to find an auto-reply marker, the desk to find a
// ticket's topic, the templates to write "Re: topic" once, and the FAQ
// responder to clean a query.
package subject

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyWords are the reply and forward markers of common mail clients, in
// lower case: English, German (AW, WG, Antw), Nordic (SV, VS), French (TR),
// Japanese and Chinese.
var replyWords = []string{"re", "fwd", "fw", "aw", "wg", "sv", "vs", "tr", "antw", "回答", "返信", "転送", "答复", "回复", "回覆", "轉寄"}

// TrimReply removes one reply or forward marker from the start of s, after
// white space: a marker word, an optional count in brackets ("RE[2]"), and
// a colon, half- or full-width, maybe after spaces. It reports whether
// there was one; rest has its leading white space removed.
func TrimReply(s string) (rest string, ok bool) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	for _, w := range replyWords {
		n, ok := HasPrefixFold(s, w)
		if !ok {
			continue
		}
		r := strings.TrimLeft(s[n:], " \t")
		if strings.HasPrefix(r, "[") {
			if j := strings.IndexByte(r, ']'); j > 1 && j <= 6 && strings.Trim(r[1:j], "0123456789") == "" {
				r = r[j+1:]
			}
		}
		r = strings.TrimLeft(r, " \t")
		if c, size := utf8.DecodeRuneInString(r); c == ':' || c == '：' {
			return strings.TrimLeftFunc(r[size:], unicode.IsSpace), true
		}
	}
	return s, false
}

// maxReplies bounds the markers StripReplies removes, so a subject of a
// thousand "Re:" costs nothing.
const maxReplies = 32

// StripReplies removes every reply and forward marker from the start of s
// ("Re: AW: Fwd: topic" → "topic").
func StripReplies(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	for range maxReplies {
		rest, ok := TrimReply(s)
		if !ok {
			break
		}
		s = rest
	}
	return s
}

// HasPrefixFold reports whether s begins with the lower-case word,
// ignoring the case of s, and the byte length of that prefix in s.
func HasPrefixFold(s, word string) (int, bool) {
	n := 0
	for _, wr := range word {
		if n >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if r != wr && unicode.ToLower(r) != wr {
			return 0, false
		}
		n += size
	}
	return n, true
}
