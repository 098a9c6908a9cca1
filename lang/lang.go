// Package lang tells which of the languages madoguchi writes in, Japanese
// or English, a customer's text is in. The desk picks the language of its
// mails with it and the responder the language of an FAQ entry, so the two
// never disagree.
//
// Grammar decides, not names: hiragana carries Japanese grammar (particles,
// endings) and a short list of function words ("the", "is", "my", "can")
// carries English grammar, while product names, a signature's company name
// or an error code in either script are only names. Japanese that names
// Microsoft Teams and Outlook is still Japanese; an English mail signed
// "山田太郎 株式会社サンプル" is still English. Chinese shares the Han
// characters but has no kana, so it is neither.
package lang

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The languages Detect reports.
const (
	Japanese = "ja"
	English  = "en"
)

// maxScan bounds how much of a text Detect reads: the first few
// kilobytes of a mail say which language it is in as well as all of it.
const maxScan = 16 << 10

// Detect returns Japanese or English and true when the text decides, or ""
// and false when it does not: no letters (numbers, URLs, addresses), too
// little text, or another language (Chinese, Korean...). A signature after
// the conventional "-- " line is read only when the text above it decides
// nothing.
func Detect(text string) (string, bool) {
	if len(text) > maxScan {
		text = text[:maxScan]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	body, sig, found := cutSignature(text)
	if l, ok := decide(count(body)); ok || !found {
		return l, ok
	}
	return decide(count(body + "\n" + sig))
}

// DetectOr returns the language of text, or fallback when the text decides
// nothing.
func DetectOr(text, fallback string) string {
	if l, ok := Detect(text); ok {
		return l
	}
	return fallback
}

// cutSignature splits text at a line that is exactly "-- " (RFC 3676), or
// "--" as many mailers trim it.
func cutSignature(text string) (body, sig string, found bool) {
	for _, sep := range []string{"\n-- \n", "\n--\n", "\n-- \r\n", "\n--\r\n"} {
		if i := strings.Index(text, sep); i >= 0 {
			return text[:i], text[i+len(sep):], true
		}
	}
	return text, "", false
}

// counts are what decide weighs.
type counts struct {
	hiragana, katakana, han int // characters
	other                   int // letters of other scripts: Hangul, Cyrillic...
	latinWords              int // runs of Latin letters outside URLs and addresses
	functionWords           int // the English function words among them
}

// Thresholds of decide.
const (
	// minHiragana is the least Japanese grammar that counts: one hiragana
	// may be a stray の in a name.
	minHiragana = 2
	// hiraganaPerFunctionWord weighs the two kinds of grammar: a sentence
	// of either language carries about one English function word for every
	// two hiragana ("my PC does not start" / "パソコンが起動しません").
	hiraganaPerFunctionWord = 2
	// minWords is the least English that counts when no function word is
	// there ("printer broken again").
	minWords = 3
)

func decide(c counts) (string, bool) {
	kana := c.hiragana + c.katakana
	switch {
	case c.hiragana >= minHiragana && c.hiragana >= hiraganaPerFunctionWord*c.functionWords:
		// Japanese grammar outweighs English grammar.
		return Japanese, true
	case c.functionWords > 0 && c.latinWords >= 2 && (kana > 0 || 2*c.latinWords >= c.han+c.other):
		// English grammar wins. Han characters beside kana are Japanese
		// (a signature) and were weighed above; without kana they may be
		// Chinese, and English must then be the larger part.
		return English, true
	case c.functionWords == 0 && kana > 0 && kana+c.han >= max(2, c.latinWords):
		// Without English grammar, kana with or without Han characters
		// ("Outlook パスワード リセット", "納付証明書の発行") is written for
		// a Japanese reader: Chinese has no kana.
		return Japanese, true
	case c.functionWords == 0 && kana == 0 && c.han+c.other == 0 && c.latinWords >= minWords:
		return English, true
	}
	return "", false
}

// count reads text once. Printable-ASCII runs that hold "://", "@" or
// start with "www." are URLs or addresses and count for nothing.
func count(text string) counts {
	var c counts
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r > ' ' && r <= '~' {
			j := i
			for j < len(text) && text[j] > ' ' && text[j] <= '~' {
				j++
			}
			run := text[i:j]
			if !strings.Contains(run, "://") && !strings.Contains(run, "@") && !hasPrefixFold(run, "www.") {
				c.addLatin(run)
			}
			i = j
			continue
		}
		switch {
		case unicode.Is(unicode.Hiragana, r):
			c.hiragana++
		case unicode.Is(unicode.Katakana, r) || r == 'ー':
			c.katakana++
		case unicode.Is(unicode.Han, r):
			c.han++
		case unicode.Is(unicode.Latin, r):
			// Accented or full-width Latin: read the whole word.
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !unicode.Is(unicode.Latin, r2) && !(r2 > ' ' && r2 <= '~' && unicode.IsLetter(r2)) {
					break
				}
				j += s2
			}
			c.addLatin(text[i:j])
			i = j
			continue
		case unicode.IsLetter(r):
			c.other++
		}
		i += size
	}
	return c
}

// addLatin counts the words of a run of Latin text.
func (c *counts) addLatin(run string) {
	for _, w := range strings.FieldsFunc(run, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		c.latinWords++
		if _, ok := functionWords[strings.ToLower(w)]; ok {
			c.functionWords++
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// functionWords are English words that carry grammar rather than topic, as
// customers use them in support mail.
var functionWords = map[string]struct{}{
	"a": {}, "an": {}, "the": {}, "this": {}, "that": {}, "these": {}, "those": {},
	"i": {}, "i'm": {}, "i've": {}, "me": {}, "my": {}, "we": {}, "our": {}, "us": {},
	"you": {}, "your": {}, "it": {}, "it's": {}, "its": {}, "he": {}, "she": {}, "they": {}, "their": {},
	"is": {}, "are": {}, "was": {}, "were": {}, "be": {}, "been": {}, "am": {},
	"do": {}, "does": {}, "did": {}, "don't": {}, "doesn't": {}, "didn't": {},
	"have": {}, "has": {}, "had": {}, "can": {}, "can't": {}, "cannot": {}, "could": {},
	"will": {}, "won't": {}, "would": {}, "should": {}, "not": {},
	"to": {}, "of": {}, "in": {}, "on": {}, "at": {}, "for": {}, "with": {}, "from": {},
	"by": {}, "since": {}, "after": {}, "before": {}, "into": {}, "about": {},
	"and": {}, "or": {}, "but": {}, "if": {}, "when": {}, "where": {}, "why": {},
	"how": {}, "what": {}, "which": {}, "who": {}, "there": {}, "any": {}, "some": {},
	"please": {}, "thanks": {}, "thank": {}, "hello": {}, "hi": {}, "dear": {},
}
