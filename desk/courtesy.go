package desk

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// An agent's words reach the customer inside a mail of ours (relay,
// resolution), which has a greeting, a body and a signature of its own.
// Two things of the agent's must fit into it: a greeting (the mail then
// does not greet a second time) and a sign-off (with an FAQ entry sent
// by #answer, it goes below the entry, where a letter signs, not between
// the covering note and the entry).

// opensWithGreeting reports whether an agent's words open with a greeting
// of their own: "Hi Ken,", "Dear Ms Ito", "Hello", an addressee with an
// honorific ("伊藤様", "伊藤さん", "営業部各位"), or a set opening of Japanese
// business mail ("お疲れ様です", "いつもお世話になっております").
func opensWithGreeting(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(width.Fold.String(line))
		if line == "" {
			continue
		}
		return greetingRe.MatchString(line) || utf8.RuneCountInString(line) <= maxAddresseeRunes && addresseeRe.MatchString(line)
	}
	return false
}

// maxAddresseeRunes bounds a line that is only an addressee: a sentence
// that ends in 様 ("…をご確認いただけますでしょうか、田中様") is no greeting.
const maxAddresseeRunes = 30

var (
	greetingRe = regexp.MustCompile(`(?i)^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b|` +
		`^(?:いつも|大変)?お世話に(?:なっております|なります)|^お疲れ(?:様|さま)です|^こんにちは|^おはようございます|^こんばんは`)
	addresseeRe = regexp.MustCompile(`^[^。、！？!?]+(?:様|さま|さん|殿|各位|御中)[\s、,。:：]*$`)
)

// splitSignOff cuts an agent's words before their sign-off: a closing
// line ("Best regards,", "Thanks, Alice", "よろしくお願いいたします。",
// "以上です。") or a rule of dashes ("━━━━", "-----"), with the few short
// lines under it (the name, the team, the extension); else a last
// paragraph that is only a name and such lines ("情報システム部 山田",
// "Alice\nIT desk, ext. 1234"). It returns both parts, trimmed; words
// without a sign-off come back whole. The separator "-- " has been cut
// with what follows it (agentWords).
func splitSignOff(text string) (words, signOff string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, line := range lines {
		trimmed := strings.TrimSpace(width.Fold.String(line))
		if !closingRe.MatchString(trimmed) && !ruleRe.MatchString(trimmed) {
			continue
		}
		if !signatureShaped(lines[i+1:]) {
			continue // a closing formula in the middle of the answer
		}
		return strings.TrimSpace(strings.Join(lines[:i], "\n")), strings.TrimSpace(strings.Join(lines[i:], "\n"))
	}
	if i := nameParagraph(lines); i > 0 {
		return strings.TrimSpace(strings.Join(lines[:i], "\n")), strings.Join(lines[i:], "\n")
	}
	return strings.TrimSpace(text), ""
}

// nameParagraph is where the last paragraph of lines starts when it reads
// as a signature without a closing line: after a blank line, at most
// maxNameLines short lines, none a sentence (no end mark, no colon), a
// list item or a link. 0 when it does not, or when it is all there is.
func nameParagraph(lines []string) int {
	start := len(lines)
	for start > 0 && strings.TrimSpace(lines[start-1]) != "" {
		start--
	}
	if start == 0 || start == len(lines) || len(lines)-start > maxNameLines {
		return 0
	}
	for _, l := range lines[start:] {
		l = strings.TrimSpace(width.Fold.String(l))
		if utf8.RuneCountInString(l) > maxNameRunes || sentenceEndRe.MatchString(l) || listItemRe.MatchString(l) || strings.Contains(l, "://") {
			return 0
		}
	}
	return start
}

// A name paragraph has at most maxNameLines lines of at most
// maxNameRunes: the name, the team, an extension or an address.
const (
	maxNameLines = 4
	maxNameRunes = 40
)

var (
	sentenceEndRe = regexp.MustCompile(`[。.!?！？:：、,]$`)
	listItemRe    = regexp.MustCompile(`^(?:[-*・•>]|\d+[.)]|\(\d+\))\s*`)
)

// A sign-off has at most maxSignOffLines lines under its closing line,
// none longer than maxSignOffRunes: what is longer is part of the answer.
const (
	maxSignOffLines = 6
	maxSignOffRunes = 60
)

func signatureShaped(rest []string) bool {
	n := 0
	for _, l := range rest {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n++
		if n > maxSignOffLines || utf8.RuneCountInString(strings.TrimSpace(l)) > maxSignOffRunes {
			return false
		}
	}
	return true
}

var (
	// A closing formula alone on its line, a name after it only behind a
	// comma: "Thanks, Alice" signs off, "Thanks for waiting." does not.
	closingRe = regexp.MustCompile(`(?i)^(?:best(?: regards| wishes)?|kind regards|warm regards|regards|many thanks|thanks(?: again)?|thank you(?: again)?|cheers|sincerely|yours(?: sincerely| truly)?|all the best)` +
		`(?:[.!]?|,(?:\s*[\p{L}][\p{L} .'-]{0,40})?)$|` +
		`^(?:以上、?)?(?:引き続き|今後とも)?(?:どうぞ|何卒|なにとぞ)?(?:よろしく|宜しく)お願い(?:いた|致|申し上げ)?(?:します|いたします|致します|ます)[。!]?$|^以上(?:です)?[。.]?$`)
	// A rule that some signatures start with.
	ruleRe = regexp.MustCompile(`^[-=_*━─＝ー~]{4,}$`)
)
