package responder

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanLearned prepares text the desk learns from a ticket: the customer's
// wording kept as a paraphrase, the question and the answer of a draft
// made from a ticket. Such text outlives its ticket and is shown to other
// customers, so beyond what CleanQuery drops for matching (greetings, set
// phrases, self-introductions, sign-offs and what follows them,
// signatures, disclaimers) it drops the lines that name people (an
// addressee, "担当：佐藤", "Name: …", a name alone), opening thanks and
// closing courtesies ("Hope this helps", "ご不明な点がございましたら…"),
// and takes out names with an honorific ("田中さんの", "Mr. Sato"),
// employee numbers, mail addresses and phone numbers. Lines stay lines
// (one blank line at most between them) and sentences keep their marks,
// so what a person reviews reads as it was written.
func CleanLearned(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var kept []string
	blank := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			blank = len(kept) > 0
			continue
		}
		if rest := strings.TrimSpace(openingThanksRe.ReplaceAllString(trimmed, "")); rest == "" || punctOnlyRe.MatchString(rest) {
			// "Thanks for reaching out." opens an answer; the sign-off
			// rule below would take it for the end of one.
			continue
		}
		if sigSepRe.MatchString(trimmed) || disclaimRe.MatchString(trimmed) || signOffRe.MatchString(trimmed) || closingLineRe.MatchString(trimmed) {
			// Everything from here on is signature, disclaimer or courtesy.
			if len(kept) > 0 || !sigSepRe.MatchString(trimmed) {
				break
			}
			continue
		}
		if sentFromRe.MatchString(trimmed) || addresseeRe.MatchString(trimmed) || greetingOnlyRe.MatchString(trimmed) ||
			honorificLineRe.MatchString(trimmed) || contactLineRe.MatchString(trimmed) || isNameLine(trimmed) {
			continue
		}
		trimmed = greetingLineRe.ReplaceAllString(trimmed, "")
		for _, re := range []*regexp.Regexp{jaPhraseRe, jaSelfIntroRe, enSelfIntroRe, openingThanksRe, closingPhraseRe, employeeNumberRe, mailAddressRe, phoneRe, enHonorificRe} {
			trimmed = re.ReplaceAllString(trimmed, "")
		}
		trimmed = dropJapaneseNames(trimmed)
		trimmed = strings.TrimSpace(collapseSpaces(trimmed))
		if trimmed == "" || punctOnlyRe.MatchString(trimmed) {
			continue
		}
		if blank {
			kept = append(kept, "")
		}
		blank = false
		kept = append(kept, trimmed)
	}
	return strings.Join(kept, "\n")
}

var (
	// An addressee with an honorific CleanQuery's addressee rule leaves:
	// "伊藤さん", "山田部長、", "Ito-san,", "Mr. Ito,".
	honorificLineRe = regexp.MustCompile(`^[^。！？!?\n]{0,20}(?:さん|くん|君|殿|先輩|部長|課長|係長|主任)[\s、,:：]*$|` +
		`(?i)^(?:(?:mr|mrs|ms|miss|dr)\.? [\p{L}'-]+(?: [\p{L}'-]+)?|\p{L}+-san)[\s,:]*$`)
	// A line that is a contact detail or a label naming someone.
	contactLineRe = regexp.MustCompile(`(?i)^\s*(?:担当者?|氏名|名前|差出人|送信者|宛先|連絡先|電話|内線|携帯|tel|fax|phone|mobile|e-?mail|mail|name|from|contact|ext)\s*[:：.]`)
	// Thanks that open an agent's answer.
	openingThanksRe = regexp.MustCompile(`(?i)(?:お問い合わせ|お問合せ|ご連絡|ご質問|ご報告)(?:を)?(?:いただき|頂き)?(?:、)?(?:誠に|大変)?ありがとうございます[。！!]?|` +
		`\bthanks? (?:you )?for (?:contacting|reaching out|your (?:mail|e-?mail|message|patience|question|report))[^.!?\n]*[.!]?`)
	// Courtesies that close an answer, wherever they stand.
	closingPhraseRe = regexp.MustCompile(`(?i)(?:その他)?(?:ご不明な?点|不明な点|ご質問|何か)(?:が|は|など|等)?(?:ございましたら|ありましたら|あれば|あります場合は)[^。！!\n]*[。！!]?|` +
		`\b(?:(?:i )?hope (?:this|that) helps|(?:please )?(?:let (?:me|us) know|feel free to (?:ask|contact|reach out))[^.!?\n]*)[.!]?`)
	// A closing line after which only signature follows.
	closingLineRe = regexp.MustCompile(`(?i)^\s*(?:引き続き|今後とも)?(?:よろしくお願い(?:いた|致|申し上げ)?(?:します|いたします|致します|ます))[。！!]?\s*$|^\s*(?:best|kind|warm)?\s*regards[,.]?\s*$`)
	// Employee numbers: "社員番号 12345", "社員番号は A-1234 です。", "employee ID 4711".
	employeeNumberRe = regexp.MustCompile(`(?:私の)?(?:社員|従業員|職員|社員ID|社員コード)(?:番号|ID|コード)?\s*(?:は|：|:)?\s*[A-Za-z0-9０-９-]*[0-9０-９][A-Za-z0-9０-９-]*\s*(?:です|になります)?[。.]?|` +
		`(?i)\b(?:my )?(?:employee|staff|personnel|emp)\.? ?(?:no\.?|number|id|#)(?: is)?\s*[:#]?\s*[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*\.?`)
	mailAddressRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)
	// Phone numbers with their separators ("03-1234-5678", "+81 3 1234
	// 5678"); an error code or a version has none of that shape.
	phoneRe       = regexp.MustCompile(`(?:\+\d{1,3}[ -]?)?\(?0?\d{1,4}\)?[ -]\d{2,4}[ -]\d{3,4}\b`)
	enHonorificRe = regexp.MustCompile(`\b(?:Mr|Mrs|Ms|Miss|Dr)\.? \p{Lu}[\p{L}'-]+(?: \p{Lu}[\p{L}'-]+)?|\b\p{Lu}\p{L}+-san\b`)
	// A name with an honorific inside a sentence, and the particle after it.
	jaHonorificRe = regexp.MustCompile(`([\p{Han}\p{Katakana}ー々]{1,6})(?:さん|様|さま|くん|君|氏|殿|部長|課長)(?:の|が|は|に|から|へ)?`)
	// A line of a name alone: a common surname, maybe with a given name.
	punctOnlyRe = regexp.MustCompile(`^[\p{P}\p{S}\s]+$`)
)

// notNames are words an honorific follows that name nobody in particular.
var notNames = []string{"客", "皆", "担当者", "ご担当者", "担当", "利用者", "管理者", "各位", "社員", "関係者", "先方", "御社", "貴社", "皆々"}

// dropJapaneseNames takes out a name with an honorific and its particle
// ("田中さんのPCが" → "PCが"). A word that names nobody in particular
// (お客様, システム管理者様) stays, and so does one the match would cut
// out of a longer word.
func dropJapaneseNames(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range jaHonorificRe.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		prev, _ := utf8.DecodeLastRuneInString(s[:m[0]])
		if m[0] > 0 && (unicode.In(prev, unicode.Han, unicode.Katakana) || prev == 'ー' || prev == '々') ||
			slices.ContainsFunc(notNames, func(n string) bool { return strings.HasSuffix(name, n) }) {
			continue
		}
		b.WriteString(s[last:m[0]])
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// commonSurnames are the most frequent Japanese family names: a line that
// is one of them (with a given name, a department, or です) names a person,
// as the last lines of a signature without a separator do.
var commonSurnames = strings.Fields(`佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水
	山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 斉藤 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦`)

var nameLineRe = regexp.MustCompile(`^(?:[^\s。、]{0,20}(?:部|課|室|係|グループ|チーム|センター)\s*)?([\p{Han}々]{1,4})(?:\s*[\p{Han}\p{Hiragana}\p{Katakana}々]{1,4})?\s*(?:です|と申します)?[。.]?$`)

func isNameLine(s string) bool {
	m := nameLineRe.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	rest := strings.TrimPrefix(strings.TrimSpace(m[0][strings.Index(m[0], m[1]):]), m[1])
	for _, sn := range commonSurnames {
		// A one-character surname (林, 森) must stand alone or before a
		// space: "森林火災です" names nobody.
		if strings.HasPrefix(m[1], sn) && (utf8.RuneCountInString(sn) > 1 || m[1] == sn && (rest == "" || strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "です") || strings.HasPrefix(rest, "と申します"))) {
			return true
		}
	}
	return false
}
