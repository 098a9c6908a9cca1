package responder

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/subject"
)

// maxQueryRunes bounds what reaches the index: the first sentences and the
// question sentences of a long mail carry its topic; the rest (history,
// context, logs) mostly adds noise and latency.
const maxQueryRunes = 400

var (
	// Subject prefixes of replies and forwards in the languages our users
	// write, and ticket tags such as [INC-123] or [#42], repeated.
	// A leading tag in brackets ("[INC-1001]", "【至急】"): reply markers
	// are package subject's.
	subjectTagRe = regexp.MustCompile(`^\s*(?:\[[^\]\s]{1,30}\]\s*|【[^】]{1,30}】\s*)`)

	greetingLineRe = regexp.MustCompile(`(?i)^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^,\n!]{0,40}[,!]\s*`)
	greetingOnlyRe = regexp.MustCompile(`(?i)^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^.?!\n]{0,30}$`)
	// A short line that is only a sign-off: what follows is signature.
	signOffRe   = regexp.MustCompile(`(?i)^\s*(?:thanks|thank you|many thanks|thanks in advance|thx|best|best regards|kind regards|warm regards|regards|sincerely|yours sincerely|yours truly|cheers|br|mfg|以上|以上です|以上、?よろしくお願い(?:いた|致)?します)[\s,.!。、]*(?:[\p{L} .'-]{0,30})$`)
	sigSepRe    = regexp.MustCompile(`^(?:--\s*|[-=_*━─＝ー]{8,})$`)
	disclaimRe  = regexp.MustCompile(`(?i)^\s*(?:this e-?mail\b.*\b(?:confidential|intended)|this message\b.*\bconfidential|confidentiality notice|the information (?:contained|in this)|disclaimer:|本メール.*(?:機密|秘密|誤送信|宛先)|このメール.*(?:機密|秘密|誤送信)|【?機密保持)`)
	sentFromRe  = regexp.MustCompile(`(?i)^\s*(?:sent from my|送信元:|iphoneから送信)`)
	addresseeRe = regexp.MustCompile(`^\s*[^\n。]{0,20}(?:様|御中|各位|ご担当者様|担当者様)[\s、,]*$`)
	// Set phrases of Japanese business mail, removed wherever they stand.
	jaPhraseRe = regexp.MustCompile(`(?:いつも|大変)?お世話に(?:なっております|なります|なりました)[。、！!]?|お疲れ(?:様|さま)です[。、！!]?|(?:何卒|なにとぞ|どうぞ)?(?:よろしく|宜しく)お願い(?:いた|致|申し上げ)?(?:します|いたします|致します|ます)[。！!]?|突然のご連絡失礼いたします[。]?|ご確認(?:の程|のほど)?(?:よろしく)?お願いいたします[。]?`)
	// Self-introductions name the customer, not the problem, and must not
	// end up in a paraphrase of an FAQ entry: "営業部の山田です。",
	// "山田と申します。", "My name is Ann Lee from Sales.", "This is Bob."
	// ("This is urgent." and "I'm stuck." stay: they are the problem.)
	jaSelfIntroRe = regexp.MustCompile(`(?:^|[。！!\s])\s*(?:[^。！!？?\n]{0,30}?の)?[^。！!？?\n、の]{1,12}(?:と申します)[。、！!]?|^\s*[^。！!？?\n、をにがはで]{0,20}(?:部|課|室|係|会社|センター|グループ|チーム|店)の[^。！!？?\n、をにがはでとのもかし]{1,8}です(?:[。！!]|\s|$)`)
	enSelfIntroRe = regexp.MustCompile(`^\s*(?:[Mm]y name is [\p{L}'-]+(?: [\p{L}'-]+){0,2}|[Tt]his is \p{Lu}[\p{L}'-]*(?: \p{Lu}[\p{L}'-]*){0,2})(?: from [\p{L}&' -]{1,40}?)?[.,!]\s*`)
	// A sentence ends at Japanese or Latin end punctuation or a line break;
	// a Latin full stop only before white space (not in "v1.2" or "e.g").
	// The line break after an end mark belongs to its sentence: sentences
	// put back together must not run into each other ("home?I'm").
	sentenceRe = regexp.MustCompile(`(?:[^。．！？!?\n.]|\.[^\s.。．！？!?])+(?:[。．！？!?.]+[ \t]*\n?|\n|$)`)
)

// CleanQuery turns a mail into the text worth matching: subject prefixes and
// ticket tags, greetings, set phrases, sign-offs and whatever follows them,
// signatures and disclaimers are removed, and a long mail is cut to its first
// sentences plus its question sentences.
func CleanQuery(subject, body string) string {
	subject = cleanSubject(subject)
	body = cleanBody(body)
	var parts []string
	if subject != "" {
		parts = append(parts, subject)
	}
	if body != "" {
		parts = append(parts, body)
	}
	return shorten(dedupeSentences(strings.Join(parts, "\n")), maxQueryRunes)
}

// dedupeSentences drops a sentence seen before: a pasted error repeated
// twenty times says no more than once, and would otherwise fill the budget
// of shorten and cost tokenisation for nothing. It stops reading after
// maxScanRunes, far beyond what shorten keeps.
func dedupeSentences(text string) string {
	if len(text) > 4*maxScanRunes {
		text = text[:4*maxScanRunes]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	sentences := sentenceRe.FindAllString(text, -1)
	if len(sentences) < 2 {
		return text
	}
	seen := make(map[string]bool, len(sentences))
	var b strings.Builder
	for _, s := range sentences {
		key := strings.TrimSpace(s)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		b.WriteString(s)
	}
	return strings.TrimSpace(b.String())
}

// maxScanRunes bounds how much of a mail CleanQuery reads at all.
const maxScanRunes = 4000

func cleanSubject(s string) string {
	for {
		t := subjectTagRe.ReplaceAllString(subject.StripReplies(s), "")
		if t == s {
			break
		}
		s = t
	}
	s = strings.TrimSpace(jaPhraseRe.ReplaceAllString(s, ""))
	if genericSubject(s) {
		return ""
	}
	return s
}

// genericSubject tells a subject that names no topic ("お問い合わせ",
// "質問です", "Question", "Help needed"): it says that the mail asks,
// which every mail does. Kept, it would join the words of every mail
// under it, and of every paraphrase learned from one, so that unrelated
// questions would look alike.
func genericSubject(s string) bool {
	s = strings.ToLower(strings.TrimFunc(normalizeText(s), func(r rune) bool {
		return unicode.IsPunct(r) || unicode.IsSpace(r) || unicode.IsSymbol(r)
	}))
	if s == "" {
		return false
	}
	for _, suffix := range []string{"について", "です", "があります", "がございます", "します", "いたします", "致します"} {
		s = strings.TrimSuffix(s, suffix)
	}
	_, ok := genericSubjects[strings.Join(strings.Fields(s), " ")]
	return ok
}

var genericSubjects = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, s := range strings.Split("お問い合わせ,お問い合せ,お問合せ,お問合わせ,問い合わせ,問合せ,問い合せ,質問,ご質問,"+
		"相談,ご相談,お願い,確認,ご確認,教えてください,教えて下さい,教えて,件名なし,無題,"+
		"question,questions,quick question,a question,help,help needed,need help,help please,please help,"+
		"inquiry,enquiry,request,support,support request,hello,hi,no subject,(no subject)", ",") {
		m[s] = struct{}{}
	}
	return m
}()

func cleanBody(body string) string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var kept []string
	size := 0 // of kept joined by line breaks
	for _, line := range strings.Split(body, "\n") {
		if size >= 4*maxScanRunes {
			// dedupeSentences reads no further than this.
			break
		}
		trimmed := strings.TrimSpace(line)
		if sigSepRe.MatchString(trimmed) || disclaimRe.MatchString(trimmed) || signOffRe.MatchString(trimmed) {
			// Everything from here on is signature, disclaimer or courtesy.
			if len(kept) > 0 || !sigSepRe.MatchString(trimmed) {
				break
			}
			continue
		}
		if sentFromRe.MatchString(trimmed) || addresseeRe.MatchString(trimmed) || greetingOnlyRe.MatchString(trimmed) {
			continue
		}
		trimmed = greetingLineRe.ReplaceAllString(trimmed, "")
		trimmed = removeIfAny(jaPhraseRe, trimmed, jaPhraseWords...)
		trimmed = removeIfAny(jaSelfIntroRe, trimmed, jaSelfIntroWords...)
		trimmed = enSelfIntroRe.ReplaceAllString(trimmed, "")
		trimmed = strings.TrimSpace(collapseSpaces(trimmed))
		if trimmed != "" {
			kept = append(kept, trimmed)
			size += len(trimmed) + 1
		}
	}
	return strings.Join(kept, "\n")
}

// collapseSpaces makes every run of spaces, tabs and ideographic spaces
// (U+3000) one space: what a regexp did at a tenth of the gateway's
// matching time. A line with none to collapse is returned as it is.
func collapseSpaces(s string) string {
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' }
	clean := true
	prev := false
	for _, r := range s {
		sp := isSpace(r)
		if sp && (prev || r != ' ') {
			clean = false
			break
		}
		prev = sp
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev = false
	for _, r := range s {
		if isSpace(r) {
			if !prev {
				b.WriteByte(' ')
			}
			prev = true
			continue
		}
		prev = false
		b.WriteRune(r)
	}
	return b.String()
}

// Every match of jaPhraseRe holds one of jaPhraseWords, every match of
// jaSelfIntroRe one of jaSelfIntroWords. Neither regexp begins with a
// literal Go's regexp could skip to, so a line is tried at every position:
// about 0.2 and 0.4 ms for a 2,000-character line of English, most of what
// cleaning a mail cost (docs/intake.md). A line without the words cannot
// match and is left as it is.
var (
	jaPhraseWords    = []string{"お世話に", "お疲れ", "お願い", "突然のご連絡"}
	jaSelfIntroWords = []string{"と申します", "です"}
)

// removeIfAny removes the matches of re from s, which holds none unless it
// holds one of words.
func removeIfAny(re *regexp.Regexp, s string, words ...string) string {
	for _, w := range words {
		if strings.Contains(s, w) {
			return re.ReplaceAllString(s, "")
		}
	}
	return s
}

// shorten keeps a text within limit runes: the first two sentences (they
// usually name the topic), then question sentences, then the rest in order.
func shorten(text string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	sentences := sentenceRe.FindAllString(text, -1)
	keep := make([]bool, len(sentences))
	budget := limit
	take := func(i int) {
		n := utf8.RuneCountInString(sentences[i])
		if keep[i] || n > budget {
			return
		}
		keep[i] = true
		budget -= n
	}
	for i := 0; i < len(sentences) && i < 2; i++ {
		take(i)
	}
	for i, s := range sentences {
		if isQuestionSentence(s) {
			take(i)
		}
	}
	for i := range sentences {
		take(i)
	}
	var b strings.Builder
	for i, s := range sentences {
		if keep[i] {
			b.WriteString(s)
		}
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		// One giant sentence: keep its head.
		r := []rune(text)
		out = string(r[:limit])
	}
	return out
}

func isQuestionSentence(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") || strings.HasSuffix(s, "か。") ||
		strings.HasSuffix(s, "か") || strings.Contains(s, "教えて") || strings.Contains(s, "知りたい") ||
		strings.Contains(s, "できない") || strings.Contains(s, "できません")
}
