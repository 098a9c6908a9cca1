package desk

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/tickets"

	"github.com/madoguchi/madoguchi/subject"
)

// Rule sets type, impact and/or urgency when it matches a field of an
// incoming mail. Later rules override earlier ones.
type Rule struct {
	Field   string         // subject | body | from | any
	Pattern *regexp.Regexp // a configured rule
	Type    string         // incident | service_request | ""
	Impact  string         // high | medium | low | ""
	Urgency string         // high | medium | low | ""
	// words are the built-in rules' lower-case keywords: a substring scan
	// is an order of magnitude cheaper than a regexp of alternations, and
	// classification runs on every mail. ids are their numbers in scan,
	// which finds the words of all the rules in one pass (wordscan.go).
	words []string
	ids   []int32
	scan  *wordScan
}

func (r Rule) match(plain, lower string) bool {
	if r.Pattern != nil {
		return r.Pattern.MatchString(plain)
	}
	for _, w := range r.words {
		if containsWord(lower, w) {
			return true
		}
	}
	return false
}

// containsWord finds w in s; an ASCII word must stand alone (no letter or
// digit on either side), Japanese needs no boundary.
func containsWord(s, w string) bool {
	ascii := w[0] < utf8.RuneSelf
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		if !ascii || (!wordByteBefore(s, j) && !wordByteAt(s, j+len(w))) {
			return true
		}
		i = j + 1
	}
}

func wordByteBefore(s string, i int) bool { return i > 0 && isWordByte(s[i-1]) }
func wordByteAt(s string, i int) bool     { return i < len(s) && isWordByte(s[i]) }
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b >= 'A' && b <= 'Z'
}

// DefaultRules are the built-in English and Japanese classification rules.
// Later rules override earlier ones, so the order is the policy:
//
//  1. A plain question is low urgency and impact.
//  2. Request words (install, access, new account, 申請, 発行, 追加, 変更依頼 …)
//     make a service request.
//  3. Words of failure (error, cannot, slow, できない, エラー …) make it an
//     incident again: "new laptop is very slow", "申請システムにログインできない".
//  4. A forgotten, expired or locked password or account is a service
//     request whatever failure comes with it: "my password expired and I
//     cannot log in" is fulfilled by a standard reset or unlock, not by
//     finding a fault. "Cannot log in" alone stays an incident.
//  5. Words of a breakdown (down, broken, crash, 障害, 停止, 故障 …) make an
//     incident of anything: "the password reset page is down".
//  6. Urgent words raise the urgency, and words of wide or production
//     impact the impact, whatever the type: "URGENT: how do I ..." stays
//     urgent.
func DefaultRules() []Rule {
	rules := defaultRules()
	var all []string
	for i := range rules {
		for _, w := range rules[i].words {
			rules[i].ids = append(rules[i].ids, int32(len(all)))
			all = append(all, w)
		}
	}
	builtinScan.once.Do(func() { builtinScan.ws = newWordScan(all) })
	for i := range rules {
		rules[i].scan = builtinScan.ws
	}
	return rules
}

func defaultRules() []Rule {
	r := func(field, words, typ, impact, urgency string) Rule {
		return Rule{Field: field, words: strings.Split(words, "|"), Type: typ, Impact: impact, Urgency: urgency}
	}
	return []Rule{
		r("subject", "question|how do i|how can i|how to|質問|教えて|方法", "", tickets.Low, tickets.Low),
		r("any", "request|requests|requesting|change request|please add|please create|please install|please grant|please order|"+
			"please provide|please set up|please enable|could you install|could you create|could you add|can i get|can i have|"+
			"could i get|i would like|i'd like|we would like|need access|request access|access request|grant access|access for|"+
			"vpn access|admin rights|permission|permissions|grant me|install|installation|set up|setup|new account|new laptop|"+
			"new monitor|new phone|new license|new licence|license|licence|licenses|licences|new user|new starter|new hire|"+
			"new employee|new joiner|onboarding|offboarding|order a|order new|purchase|add me|add user|shared mailbox|"+
			"distribution list|mailing list|quota|replacement|docking station|"+
			"申請|依頼|申し込み|申込|発行|追加|作成|貸与|貸出|貸し出し|購入|変更依頼|変更のお願い|変更をお願い|変更希望|変更したい|"+
			"手続き|付与|権限|導入|インストール|払い出し|手配|希望|利用したい|使いたい|欲しい|ほしい|入社|異動|退職|削除依頼|開通|ライセンス",
			tickets.ServiceRequest, "", ""),
		r("any", "cannot|can't|cant|unable|error|errors|fail|fails|failed|failure|failing|alert|critical|slow|timeout|timed out|"+
			"freezes|frozen|hangs|not responding|denied|stopped|problem|no access|"+
			"できません|できない|エラー|繋がらない|つながらない|落ち|不具合|遅い|固まる|フリーズ|表示されない|届かない|使えない|"+
			"失敗|印刷されない|映らない|送れない|送れません",
			tickets.Incident, "", ""),
		r("any", "password reset|reset password|reset my password|reset the password|reset his password|reset her password|"+
			"forgot password|forgot my password|forgotten password|forgot the password|password expired|password has expired|"+
			"expired password|locked out|account locked|account is locked|account has been locked|unlock|"+
			"パスワードリセット|パスワードのリセット|パスワード再設定|パスワードの再設定|パスワードを忘れ|パスワードの有効期限|"+
			"パスワードの期限|パスワード期限切れ|パスワードが期限切れ|パスワード初期化|パスワードの初期化|アカウントロック|ロックされ|ロック解除",
			tickets.ServiceRequest, "", ""),
		r("any", "outage|down|broken|crash|crashed|crashes|crashing|not working|doesn't work|doesnt work|does not work|"+
			"out of order|障害|停止|ダウン|故障|壊れ|動かない|起動しない",
			tickets.Incident, "", ""),
		r("any", "urgent|asap|emergency|immediately|critical|至急|緊急|大至急|急ぎ", "", "", tickets.High),
		r("any", "all users|all staff|all employees|everyone|entire office|entire company|whole office|whole company|whole team|"+
			"production|outage|server down|全員|全社|全体|全拠点|本番|サーバーが停止|サーバーがダウン|サーバー停止|サーバーダウン|サーバダウン",
			"", tickets.High, ""),
	}
}

// CompileRule builds a Rule from text, with errors naming what was wrong.
func CompileRule(field, pattern, typ, impact, urgency string) (Rule, error) {
	switch field {
	case "subject", "body", "from", "any":
	default:
		return Rule{}, fmt.Errorf("desk: rule field %q is not one of subject, body, from, any", field)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Rule{}, fmt.Errorf("desk: rule pattern: %w", err)
	}
	return Rule{Field: field, Pattern: re, Type: typ, Impact: impact, Urgency: urgency}, nil
}

// classification is what the rules decided.
type classification struct {
	Type, Impact, Urgency string
}

// classify runs the rules over a mail; typ is the type before they speak
// (its mailbox's; "" = incident).
func classify(rules []Rule, typ, subject, body, from string) classification {
	if typ == "" {
		typ = tickets.Incident
	}
	c := classification{Type: typ, Impact: tickets.Medium, Urgency: tickets.Medium}
	// Rules look at the start of the body only: a long quoted thread should
	// not turn a question into an outage.
	if len(body) > 2000 {
		body = body[:2000]
	}
	plain := [3]string{subject, body, from}
	var lower [3]string
	for i, s := range plain {
		lower[i] = strings.ToLower(s)
	}
	// The words of the built-in rules found in each field, by one scan of
	// it, when a rule asks.
	var found [3][]bool
	match := func(r Rule, f int) bool {
		if r.scan == nil || r.Pattern != nil {
			return r.match(plain[f], lower[f])
		}
		if found[f] == nil {
			found[f] = make([]bool, len(r.scan.words))
			r.scan.scan(lower[f], found[f])
		}
		for _, id := range r.ids {
			if found[f][id] {
				return true
			}
		}
		return false
	}
	for _, r := range rules {
		var hit bool
		switch r.Field {
		case "subject":
			hit = match(r, 0)
		case "body":
			hit = match(r, 1)
		case "from":
			hit = match(r, 2)
		default:
			hit = match(r, 0) || match(r, 1)
		}
		if !hit {
			continue
		}
		if r.Type != "" {
			c.Type = r.Type
		}
		if r.Impact != "" {
			c.Impact = r.Impact
		}
		if r.Urgency != "" {
			c.Urgency = r.Urgency
		}
	}
	return c
}

// subjectTag finds a ticket tag like [INC-1042] in a subject.
func subjectTag(prefixes []string, subject string) string {
	for {
		i := strings.IndexByte(subject, '[')
		if i < 0 {
			return ""
		}
		subject = subject[i+1:]
		j := strings.IndexByte(subject, ']')
		if j < 0 {
			return ""
		}
		tag := strings.ToUpper(strings.TrimSpace(subject[:j]))
		for _, p := range prefixes {
			if num, ok := strings.CutPrefix(tag, strings.ToUpper(p)+"-"); ok && num != "" && strings.Trim(num, "0123456789") == "" {
				return tag
			}
		}
	}
}

// baseSubject strips reply/forward prefixes (package subject), ticket
// tags, and the labels of our own subjects ("【受付完了】", "Received:")
// standing beside a tag.
func baseSubject(s string, labels ...string) string {
	s = strings.TrimSpace(s)
	for {
		prev := s
		for _, l := range labels {
			if rest, ok := strings.CutPrefix(s, "【"+l+"】"); ok && strings.HasPrefix(strings.TrimSpace(rest), "[") {
				s = strings.TrimSpace(rest)
				break
			}
		}
		if strings.HasPrefix(s, "[") {
			if j := strings.IndexByte(s, ']'); j > 0 {
				s = strings.TrimSpace(s[j+1:])
				for _, l := range labels {
					if rest, ok := strings.CutPrefix(s, l+":"); ok {
						s = strings.TrimSpace(rest)
						break
					}
				}
			}
		}
		s = subject.StripReplies(s)
		if s == prev {
			return s
		}
	}
}
