package desk

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/madoguchi/madoguchi/tickets"
)

// Rule sets type, impact and/or urgency when its pattern matches a field
// of an incoming mail. Later rules override earlier ones.
type Rule struct {
	Field   string // subject | body | from | any
	Pattern *regexp.Regexp
	Type    string // incident | service_request | ""
	Impact  string // high | medium | low | ""
	Urgency string // high | medium | low | ""
}

// DefaultRules are the built-in English and Japanese classification rules.
// A plain question comes first and urgent or wide-impact words last, so
// "URGENT: how do I ..." stays urgent; service-request words come before
// incident words so that "please fix, it is broken" stays an incident.
func DefaultRules() []Rule {
	r := func(field, pattern, typ, impact, urgency string) Rule {
		return Rule{Field: field, Pattern: regexp.MustCompile(pattern), Type: typ, Impact: impact, Urgency: urgency}
	}
	return []Rule{
		r("subject", `(?i)\b(question|how (do|can|to) i)\b|質問|教えて|方法`, "", tickets.Low, tickets.Low),
		r("any", `(?i)\b(request(ing)?|please (add|create|install|grant|order|provide|set up)|access to|new (account|laptop|license|user)|onboard(ing)?)\b|申請|依頼|申し込み|申込|発行して|追加して|作成して|貸与|購入`, tickets.ServiceRequest, "", ""),
		r("any", `(?i)\b(outage|down|not working|doesn'?t work|cannot|can'?t|unable|error|broken|fail(s|ed|ure)?|crash(ed|es)?|alert|critical)\b|障害|停止|ダウン|できません|できない|エラー|繋がらない|つながらない|動かない|起動しない|落ちて|不具合`, tickets.Incident, "", ""),
		r("any", `(?i)\b(urgent|asap|emergency|immediately|critical)\b|至急|緊急|大至急|急ぎ`, "", "", tickets.High),
		r("any", `(?i)\b(all (users|staff|employees)|everyone|entire (office|company)|whole (office|company|team)|production|outage|server down)\b|全員|全社|全体|全拠点|本番|サーバー?(が)?(停止|ダウン)`, "", tickets.High, ""),
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

func classify(rules []Rule, subject, body, from string) classification {
	c := classification{Type: tickets.Incident, Impact: tickets.Medium, Urgency: tickets.Medium}
	// Rules look at the start of the body only: a long quoted thread should
	// not turn a question into an outage.
	if len(body) > 4000 {
		body = body[:4000]
	}
	for _, r := range rules {
		var hit bool
		switch r.Field {
		case "subject":
			hit = r.Pattern.MatchString(subject)
		case "body":
			hit = r.Pattern.MatchString(body)
		case "from":
			hit = r.Pattern.MatchString(from)
		default:
			hit = r.Pattern.MatchString(subject) || r.Pattern.MatchString(body)
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

// replyPrefixes are the reply and forward markers of common mail clients,
// English, German, Nordic and Japanese.
var replyPrefixes = []string{"re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "回答", "返信", "転送", "答复", "回复"}

// baseSubject strips reply/forward prefixes and ticket tags.
func baseSubject(s string) string {
	s = strings.TrimSpace(s)
	for {
		prev := s
		if strings.HasPrefix(s, "[") {
			if j := strings.IndexByte(s, ']'); j > 0 {
				s = strings.TrimSpace(s[j+1:])
			}
		}
		for _, p := range replyPrefixes {
			if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
				rest := strings.TrimLeft(s[len(p):], " ")
				if strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "：") {
					s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rest, ":"), "："))
				}
			}
		}
		if s == prev {
			return s
		}
	}
}
