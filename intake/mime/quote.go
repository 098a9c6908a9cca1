package mime

import (
	"strings"
)

// StripQuoted removes quoted history and signatures from the text of a
// reply, so that a ticket entry holds what the sender wrote this time.
// Everything from the first of these on is cut: an attribution line
// ("On ... wrote:", "… さんは書きました:", Gmail's Japanese "2024年1月15日(月)
// 10:00 名前 <addr>:"), an "-----Original Message-----" or
// "-------- 元のメッセージ --------" separator, an Outlook header block
// ("From: ... Sent: ... To: ..." or "差出人: ... 送信日時: ..."), and the
// "-- " signature delimiter. Lines quoted with ">" are dropped wherever they
// are, so interleaved answers keep only the answers. It returns "" when
// nothing of the sender's own remains.
func StripQuoted(text string) string {
	text = normalizeNewlines(text)
	lines := strings.Split(text, "\n")
	out := make([]string, 0, len(lines))
	for i, line := range lines {
		if line == "-- " || line == "--" || line == "-- \u3000" {
			break
		}
		t := strings.TrimSpace(strings.Trim(line, "\u3000"))
		if isSeparatorLine(t) || isAttribution(lines, i, t) || isHeaderBlock(lines, i, t) {
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
// English and Japanese.
func isSeparatorLine(t string) bool {
	if !(strings.HasPrefix(t, "--") || strings.HasPrefix(t, "==") || strings.HasPrefix(t, "__")) {
		return false
	}
	core := strings.ToLower(strings.TrimSpace(strings.Trim(t, "-=_* ")))
	switch core {
	case "original message", "original message follows", "元のメッセージ", "オリジナルメッセージ", "元のメール", "返信元のメッセージ":
		return true
	}
	return false
}

// isAttribution matches the line a mail client puts above the quoted
// message. Gmail wraps long ones, so up to two following lines are joined.
func isAttribution(lines []string, i int, t string) bool {
	if t == "" || len(t) > 400 {
		return false
	}
	joined := t
	if strings.HasPrefix(t, "On ") && !endsWithColon(t) {
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
	}
	// Any other language: a line ending in ":" that names an address or a
	// date right above quoted text.
	return nextQuoted && (strings.Contains(joined, "@") || strings.ContainsAny(joined, "0123456789"))
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

// isHeaderBlock matches the header block Outlook puts above the quoted
// message ("From: ... Sent: ... To: ... Subject: ..."), in English and
// Japanese, plain or with the *bold* markers of a converted HTML mail, and
// the line of underscores above it.
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

// headerKey names the header a quoted-header line starts with, "" if none.
func headerKey(t string) string {
	t = strings.TrimLeft(t, "*")
	for _, k := range [...]struct{ prefix, key string }{
		{"From:", "from"}, {"From：", "from"}, {"差出人:", "from"}, {"差出人：", "from"}, {"送信者:", "from"}, {"送信者：", "from"},
		{"Sent:", "sent"}, {"Date:", "sent"}, {"送信日時:", "sent"}, {"送信日時：", "sent"}, {"日付:", "sent"}, {"日付：", "sent"},
		{"To:", "to"}, {"宛先:", "to"}, {"宛先：", "to"},
		{"Cc:", "cc"}, {"CC:", "cc"}, {"Cc：", "cc"},
		{"Subject:", "subject"}, {"件名:", "subject"}, {"件名：", "subject"},
	} {
		if strings.HasPrefix(t, k.prefix) || strings.HasPrefix(t, strings.TrimSuffix(k.prefix, ":")+"*:") {
			return k.key
		}
	}
	return ""
}
