package desk

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Whether a new mail reports the same thing as a major incident is
// decided inside the receive transaction, for every new mail while a major
// incident is open: it must cost microseconds and need no index. So it is
// told by the words two texts share that say what they are about, not by
// the responder: English and other Latin-script words, and pairs of
// characters of Japanese kanji and katakana runs (Japanese has no
// spaces); hiragana (grammar, endings), numbers (times, counts) and the
// words every report of a fault uses ("not working", "error", "障害",
// "できません") say nothing about which fault it is.

// topicWords are the words of s that say what it is about.
func topicWords(s string) map[string]bool {
	out := map[string]bool{}
	var run []rune
	var class runeClass
	flush := func() {
		defer func() { run = run[:0] }()
		switch class {
		case classLatin:
			w := string(run)
			if len([]rune(w)) < 2 || strings.Trim(w, "0123456789") == "" || genericWords[w] {
				return
			}
			out[w] = true
		case classKanji, classKatakana:
			if len(run) == 1 {
				if class == classKanji {
					out[string(run)] = true
				}
				return
			}
			for i := 0; i+1 < len(run); i++ {
				if w := string(run[i : i+2]); !genericWords[w] {
					out[w] = true
				}
			}
		}
	}
	for _, r := range norm.NFKC.String(strings.ToLower(s)) {
		c := classOf(r)
		if c != class {
			flush()
			class = c
		}
		run = append(run, r)
	}
	flush()
	return out
}

type runeClass int

const (
	classOther runeClass = iota
	classLatin           // letters and digits of alphabetic scripts
	classKanji
	classKatakana
	classHiragana
)

func classOf(r rune) runeClass {
	switch {
	case unicode.Is(unicode.Han, r) || r == '々':
		return classKanji
	case unicode.Is(unicode.Katakana, r) || r == 'ー':
		return classKatakana
	case unicode.Is(unicode.Hiragana, r):
		return classHiragana
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return classLatin
	}
	return classOther
}

// genericWords say that something is wrong, not what: every report of a
// fault may use them. Japanese ones are the character pairs topicWords
// makes of them.
var genericWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a an the is are was were be been am i we you he she it they my our your its their me us
		to of in on at by for from with about into over since until after before and or but not no nor
		this that these those there here what which who when where why how
		can cannot cant could couldn do does doesn don did didn will won would wouldn
		has have had isn aren wasn weren
		please help urgent asap issue issues problem problems trouble error errors fail failed failing failure
		work works working worked broken down slow unable still again now today yesterday morning afternoon
		re fw fwd hi hello dear thanks thank regards all any some also just anyone everyone
		エラ ラー 障害 不具 具合 発生 現在 確認 対応 問題 至急 緊急 質問 件名 状態 本日 今朝 昨日 午前 午後 以下 以上 連絡 利用 使用 出来
	`) {
		m[w] = true
	}
	return m
}()

// alike measures how far two sets of topic words agree: how many they
// share, and their Dice coefficient (2 × shared / (|a| + |b|)).
func alike(a, b map[string]bool) (shared int, dice float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	small, large := a, b
	if len(small) > len(large) {
		small, large = large, small
	}
	for w := range small {
		if large[w] {
			shared++
		}
	}
	return shared, 2 * float64(shared) / float64(len(a)+len(b))
}

// sameReport reports whether a new mail (subject and own words) tells of
// what a major incident's ticket tells (its subject and its first report):
// either their subjects agree on at least two topic words and 60% of them
// (Dice; a person's paraphrase is in the subject), or the whole texts
// agree on at least four and 70% (a monitoring system's repeats differ in
// times and counts only, while its other alerts share half their words:
// alertname, service, env, severity). One shared word is never enough:
// "VPN" alone would take in every question about the VPN.
func sameReport(major, mail reportWords) bool {
	if n, d := alike(major.subject, mail.subject); n >= 2 && d >= 0.6 {
		return true
	}
	n, d := alike(major.all, mail.all)
	return n >= 4 && d >= 0.7
}

// reportWords are the topic words of a report: of its subject, and of
// its subject and text together (the text's start: a long mail's tail
// says little about what it is about).
type reportWords struct {
	subject, all map[string]bool
}

// maxReportRunes is how much of a report's text is read for its words.
const maxReportRunes = 2000

func wordsOfReport(subject, text string) reportWords {
	if r := []rune(text); len(r) > maxReportRunes {
		text = string(r[:maxReportRunes])
	}
	w := reportWords{subject: topicWords(subject), all: topicWords(text)}
	for k := range w.subject {
		w.all[k] = true
	}
	return w
}
