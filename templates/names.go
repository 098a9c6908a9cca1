package templates

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// PersonName returns the display name of a mail's sender as a greeting may
// use it ("山田 太郎 様", "Hello Alice Example,"), or "" when it does not look
// like a person's name: a role or team ("Ops", "IT Support", "情報システム部",
// "ヘルプデスク"), a title before a name ("Agent Kobayashi", "Dr. Smith"), a
// company, an address or a login ("alice@example.com", "taro.yamada",
// "hanako"). A note in brackets goes ("山田 太郎（営業部）" → "山田 太郎"), and so
// does an honorific the sender wrote themselves ("山田様" → "山田").
//
// When in doubt it says no: a greeting to "お客様" or "Hello," is never
// wrong, a greeting to "Ops 様" always is.
func PersonName(display string) string {
	s := strings.Join(strings.Fields(OneLine(dropBracketed(display))), " ")
	for _, h := range []string{"様", "さま", "さん", "殿"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, h))
	}
	if s == "" || utf8.RuneCountInString(s) > MaxPersonName || !nameRunes(s) {
		return ""
	}
	for _, w := range roleSubstrings {
		if strings.Contains(s, w) {
			return ""
		}
	}
	tokens := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '.' || r == '・' || r == '･' })
	for _, tok := range tokens {
		if roleWords[strings.ToLower(tok)] || department(tok) {
			return ""
		}
	}
	if ascii(s) {
		// An all lower-case name is an account's ("hanako"); one word in
		// capitals an acronym's ("NOC", "ACME").
		if strings.ToLower(s) == s || len(tokens) == 1 && len(s) > 1 && strings.ToUpper(s) == s {
			return ""
		}
	}
	return s
}

// MaxPersonName is the longest display name, in characters, that
// PersonName takes for a person's.
const MaxPersonName = 64

// dropBracketed removes notes in brackets: (…), （…）, […], 【…】, <…>.
func dropBracketed(s string) string {
	pairs := map[rune]rune{'(': ')', '（': '）', '[': ']', '【': '】', '<': '>', '［': '］'}
	var b strings.Builder
	var close rune
	for _, r := range s {
		switch {
		case close != 0:
			if r == close {
				close = 0
			}
		case pairs[r] != 0:
			close = pairs[r]
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameRunes reports whether s is made of what names are made of: letters
// and marks, spaces, hyphens, apostrophes, the Japanese middle dot, and a
// full stop that ends an initial ("J. Smith"), never one inside a word
// ("taro.yamada"). A digit, "@" or "_" says it is not a person's name.
func nameRunes(s string) bool {
	letters := 0
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.M, r), r == ' ', r == '-', r == '\'', r == '’', r == '・', r == '･':
		case r == '.':
			if next, _ := utf8.DecodeRuneInString(s[i+1:]); i+1 < len(s) && next != ' ' {
				return false
			}
		default:
			return false
		}
	}
	return letters > 0
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// department reports a Japanese word that names an organisational unit by
// its ending (…部, …室, …課): many surnames end the same way (阿部, 服部,
// 氷室, 田所), so only a long word, or one with katakana in it, counts.
func department(tok string) bool {
	last, _ := utf8.DecodeLastRuneInString(tok)
	if !strings.ContainsRune("部室課係局班所", last) {
		return false
	}
	return utf8.RuneCountInString(tok) >= 4 || strings.IndexFunc(tok, func(r rune) bool { return unicode.Is(unicode.Katakana, r) && r != 'ー' }) >= 0
}

// roleWords are words of a display name (lower case) that name a role, a
// team, a robot, a company or a title rather than a person.
var roleWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		ops devops sre operations operator admin admins administrator administration sysadmin root
		support helpdesk help desk servicedesk service services helpline hotline info information
		reply noreply donotreply no_reply team staff system systems it ict hr sales billing accounts
		accounting finance legal marketing office mail mailer daemon postmaster webmaster hostmaster
		notification notifications notifier alert alerts alerting monitor monitoring bot robot
		automation automated auto server security network noc soc dept department division group
		center centre contact enquiries enquiry inquiry inquiries reception customer customers user
		users management manager the corp corporation inc incorporated ltd limited llc llp plc gmbh
		co company kk holdings university school hospital
		agent mr mrs ms miss mx dr prof professor sir madam dame officer director engineer technician
		tech specialist coordinator assistant secretary president ceo cto cio cfo vp head chief lead`) {
		m[w] = true
	}
	return m
}()

// roleSubstrings are Japanese words that, anywhere in a display name, say
// it is a role, a unit or a company: Japanese writes them without spaces
// ("情報システム部", "カスタマーセンター"). None of them occurs in a name.
var roleSubstrings = strings.Fields(`
	担当 窓口 センタ 事務 サポート ヘルプ デスク 管理 システム 情シス 株式会社 有限会社 合同会社 ㈱ ㈲ 会社
	受付 通知 自動 配信 送信専用 チーム グループ 御中 各位 一同 運用 運営 総務 人事 経理 財務 法務 情報
	営業 事業 技術 開発 企画 広報 購買 製造 品質 研究 設計 生産 物流 調達 施設 業務 本部 支店 支社 課 係
	問い合わせ 問合せ お問合わせ カスタマー サービス インフォ 監視 アラート 部門 部署 学校 大学 病院`)
