package mime

import (
	"bytes"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// field is one header field as it came: the name as written and the value
// unfolded but otherwise raw (still possibly 8-bit or RFC 2047 encoded).
type field struct {
	name  string
	value []byte
}

// header is a parsed header section in message order. Lookups compare names
// case-insensitively; a linear scan beats a map for the ~20 fields of a mail.
type header []field

func (h header) get(name string) []byte {
	for i := range h {
		if strings.EqualFold(h[i].name, name) {
			return h[i].value
		}
	}
	return nil
}

// values returns the values of every field called name, in order.
func (h header) values(name string) [][]byte {
	var out [][]byte
	for i := range h {
		if strings.EqualFold(h[i].name, name) {
			out = append(out, h[i].value)
		}
	}
	return out
}

func (h header) has(name string) bool {
	for i := range h {
		if strings.EqualFold(h[i].name, name) {
			return true
		}
	}
	return false
}

// headerEnd says how a header section ended.
type headerEnd int

const (
	endBlankLine headerEnd = iota // the normal case
	endEOF                        // the data ended inside the header
	endBadLine                    // a line that is no header field started the body
)

// parseHeader reads a header section leniently: folded lines are joined,
// a line that is not a field ends the header (the blank line is often
// missing in broken mail) and the rest is the body.
func parseHeader(b []byte) (header, []byte, headerEnd) {
	h := make(header, 0, 24)
	// The value of the current field spans b[valStart:valEnd]; folded
	// values are unfolded once when the field is complete, so a field of
	// many continuation lines costs linear time.
	valStart, valEnd, folded := 0, 0, false
	finish := func() {
		if n := len(h); n > 0 && folded {
			h[n-1].value = unfold(b[valStart:valEnd])
		}
		folded = false
	}
	pos := 0
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		next := len(b)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(b)
		}
		line := b[pos:end]
		lineEnd := end
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
			lineEnd--
		}
		if len(line) == 0 {
			finish()
			return h, b[next:], endBlankLine
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return h, b[pos:], endBadLine
			}
			valEnd, folded = lineEnd, true
			pos = next
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(bytes.TrimRight(line[:colon], " \t")) {
			// A parameter list wrapped without indentation continues
			// its field; anything else starts the body.
			if len(h) > 0 {
				if last := bytes.TrimRight(b[valStart:valEnd], " \t\r\n"); len(last) > 0 && (last[len(last)-1] == ';' || last[len(last)-1] == ',') {
					valEnd, folded = lineEnd, true
					pos = next
					continue
				}
			}
			finish()
			return h, b[pos:], endBadLine
		}
		finish()
		v := bytes.TrimLeft(line[colon+1:], " \t")
		valStart, valEnd = lineEnd-len(v), lineEnd
		h = append(h, field{name: string(bytes.TrimRight(line[:colon], " \t")), value: v})
		pos = next
	}
	finish()
	return h, nil, endEOF
}

// unfold joins the lines of a folded value: CR is dropped, a line break
// before white space is dropped, any other line break becomes a space.
func unfold(v []byte) []byte {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\r':
		case '\n':
			if i+1 < len(v) && (v[i+1] == ' ' || v[i+1] == '\t') {
				continue
			}
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

func validFieldName(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// headerText decodes a header value for display: raw 8-bit bytes are read
// by guessing their charset, RFC 2047 encoded-words are decoded (adjacent
// words of one charset together, so a character split across two words
// survives), undecodable words stay as they were, and line breaks, tabs and
// control characters become spaces.
func headerText(raw []byte) string {
	s := rawText(raw)
	if strings.Contains(s, "=?") {
		s = decodeWords(s)
	}
	return cleanLine(s)
}

// rawText is a header value as text: plain ASCII as it is, anything else
// (8-bit, or ISO-2022-JP's escapes) by guessing its charset.
func rawText(raw []byte) string {
	if isASCII(raw) && bytes.IndexByte(raw, 0x1b) < 0 {
		return string(raw)
	}
	return guessText(raw).Text
}

// decodeWords decodes RFC 2047 encoded-words anywhere in s, leniently.
func decodeWords(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	var pendCharset string
	var pend []byte
	flush := func() {
		if pend != nil {
			out.WriteString(decodeText(pend, pendCharset).Text)
			pend, pendCharset = nil, ""
		}
	}
	i := 0
	for i < len(s) {
		start := strings.Index(s[i:], "=?")
		if start < 0 {
			break
		}
		start += i
		charset, payload, end, ok := parseWord(s, start)
		if !ok {
			flush()
			out.WriteString(s[i : start+2])
			i = start + 2
			continue
		}
		between := s[i:start]
		if pend == nil || strings.Trim(between, " \t\r\n") != "" {
			flush()
			out.WriteString(between)
		} else if !strings.EqualFold(charset, pendCharset) {
			flush()
		}
		if pend == nil {
			pendCharset = charset
			pend = make([]byte, 0, len(payload))
		}
		pend = append(pend, payload...)
		i = end
	}
	flush()
	out.WriteString(s[i:])
	return out.String()
}

// parseWord reads the encoded-word at s[start:] ("=?cs?B?...?=") and returns
// its charset and decoded bytes, and where it ends.
func parseWord(s string, start int) (charset string, payload []byte, end int, ok bool) {
	p := start + 2
	q := strings.IndexByte(s[p:], '?')
	if q <= 0 || q > 64 || strings.ContainsAny(s[p:p+q], " \t\r\n=") {
		return "", nil, 0, false
	}
	charset = s[p : p+q]
	p += q + 1
	if p+2 > len(s) || s[p+1] != '?' {
		return "", nil, 0, false
	}
	enc := s[p] | 0x20
	p += 2
	q = strings.Index(s[p:], "?=")
	if q < 0 {
		return "", nil, 0, false
	}
	text := s[p : p+q]
	end = p + q + 2
	switch enc {
	case 'b':
		// Strict here: a word that is not base64 stays readable as it is
		// rather than turning into noise.
		if strings.Trim(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= ") != "" {
			return "", nil, 0, false
		}
		out, clean := decodeBase64([]byte(text))
		if !clean && len(out) == 0 {
			return "", nil, 0, false
		}
		payload = out
	case 'q':
		payload = decodeQP([]byte(text), true)
	default:
		return "", nil, 0, false
	}
	return charset, payload, end, true
}

// cleanLine turns control characters and line breaks into single spaces and
// trims, so a header value is one readable line of valid UTF-8.
func cleanLine(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ' ' || (r >= 0x80 && r < 0xa0) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// addressText is an address header as text. A header with no @ of its own
// whose encoded-words hold one is an address hidden in encoded-words
// ("=?utf-8?b?...?=" around "伊藤 美咲 <m.ito@example.co.jp>", as PHP's
// mb_encode_mimeheader and some web forms write it, against RFC 2047):
// it is decoded first, and read like any other. Elsewhere encoded-words
// are left for the display names (unquoteName), so an @ in a name never
// makes an address.
func addressText(raw []byte) string {
	s := rawText(raw)
	if strings.Contains(s, "=?") && !strings.Contains(s, "@") {
		if dec := decodeWords(s); strings.Contains(dec, "@") {
			return dec
		}
	}
	return s
}

// parseAddressList reads an address header leniently: quoted names,
// comments, groups, bare addresses and RFC 2047 names (even inside quotes,
// where they do not belong but often are) all give an Address.
func parseAddressList(raw []byte) []Address {
	if len(raw) == 0 {
		return nil
	}
	s := addressText(raw)
	var list []Address
	quoted, angle, paren := false, 0, 0
	start := 0
	emit := func(end int) {
		if a, ok := parseOneAddress(s[start:end]); ok {
			list = append(list, a)
		}
		start = end + 1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
		case c == '"':
			quoted = true
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case paren > 0:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ',' || c == ';':
			emit(i)
		case c == ':':
			// A group ("Team: a@x, b@y;"): its display name is dropped.
			start = i + 1
		}
	}
	emit(len(s))
	return list
}

func parseOneAddress(s string) (Address, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, false
	}
	var name, addr, comment string
	if lt := lastTopLevel(s, '<'); lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			addr = s[lt+1:]
			name = s[:lt]
		} else {
			addr = s[lt+1 : lt+gt]
			name = s[:lt] + " " + s[lt+gt+1:]
		}
		// Drop an obsolete source route ("<@a,@b:user@c>").
		if strings.HasPrefix(addr, "@") {
			if c := strings.IndexByte(addr, ':'); c >= 0 {
				addr = addr[c+1:]
			}
		}
	} else {
		addr, comment = stripComments(s)
		// "user@example.com John" without brackets: the token with @ wins.
		if f := strings.Fields(addr); len(f) > 1 {
			for _, t := range f {
				if strings.Contains(t, "@") {
					addr = t
				}
			}
		}
	}
	if name != "" {
		name, comment = stripCommentsKeep(name)
	}
	name = unquoteName(name)
	if name == "" && comment != "" {
		name = unquoteName(comment)
	}
	addr = strings.Map(func(r rune) rune {
		if r <= ' ' || r == '"' || r == 0x7f {
			return -1
		}
		return r
	}, addr)
	addr = strings.TrimPrefix(addr, "mailto:")
	if addr == "" && name == "" {
		return Address{}, false
	}
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		// ASCII only: Unicode lower-casing makes a lookalike (the Kelvin
		// sign K) into the letter it imitates, and the desk must see it.
		addr = addr[:at+1] + lowerASCII(addr[at+1:])
	}
	return Address{Name: name, Addr: strings.ToValidUTF8(addr, "")}, true
}

// lowerASCII lower-cases the ASCII letters of s and leaves the rest.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// fromProblem says why the From fields are not exactly one mailbox, ""
// when they are. parseAddressList reads anything that has an address in
// it, which is right for opening a ticket; whether a mail may prove an
// agent needs the strict reading: one field, one mailbox, and nothing
// beside it that could be another address ("mallory@evil.example
// <alice@example.com>", "<mallory@evil.example> <alice@example.com>").
// list is the first field as parseAddressList reads it.
func fromProblem(fields [][]byte, list []Address) string {
	switch len(fields) {
	case 0:
		return "no From header field"
	case 1:
	default:
		return fmt.Sprintf("%d From header fields", len(fields))
	}
	// The decoded text of an address hidden in encoded-words is held to
	// the same rules: one mailbox and nothing that could be another.
	s := addressText(fields[0])
	switch n := len(list); {
	case n == 0:
		return fmt.Sprintf("From %q holds no address", sanitize(s, 80))
	case n > 1:
		return fmt.Sprintf("From %q holds %d addresses", sanitize(s, 120), n)
	}
	// One entry: read its structure outside quoted strings and comments.
	var angles, ats, words, lt int
	closed, inWord, group := false, false, false
	quoted, paren := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '"' {
				quoted = false
			}
			continue
		case paren > 0:
			switch c {
			case '\\':
				i++
			case '(':
				paren++
			case ')':
				paren--
			}
			continue
		}
		space := c == ' ' || c == '\t'
		switch {
		case c == '"':
			quoted = true
		case c == '(':
			paren++
		case c == '<':
			angles++
			lt = i
		case c == '>':
			closed = true
		case c == ':' && angles == 0:
			group = true
		case c == '@' && (angles == 0 || closed):
			ats++ // an address-like word outside the one angle-addr
		}
		if !space && c != '(' && !inWord && angles == 0 {
			words++
		}
		inWord = !space && c != '(' && c != ')'
		if closed && !space && c != '>' && c != '(' {
			return fmt.Sprintf("From %q has text after its address", sanitize(s, 120))
		}
	}
	switch {
	case group:
		return fmt.Sprintf("From %q is a group, not one mailbox", sanitize(s, 120))
	case angles > 1:
		return fmt.Sprintf("From %q holds %d <addresses>", sanitize(s, 120), angles)
	case angles == 1 && ats > 0 && !strings.EqualFold(strings.TrimSpace(s[:lt]), list[0].Addr):
		// "alice@example.com <alice@example.com>", as some clients write
		// a name they do not know, names no other address.
		return fmt.Sprintf("From %q has an address in its display name", sanitize(s, 120))
	case angles == 0 && (ats != 1 || words != 1):
		return fmt.Sprintf("From %q is not one address", sanitize(s, 120))
	}
	return ""
}

// lastTopLevel finds the last c outside quotes and comments.
func lastTopLevel(s string, c byte) int {
	quoted, paren, at := false, 0, -1
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case quoted:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				quoted = false
			}
		case ch == '"':
			quoted = true
		case ch == '(':
			paren++
		case ch == ')' && paren > 0:
			paren--
		case paren == 0 && ch == c:
			at = i
		}
	}
	return at
}

// stripComments removes (comments) outside quotes and returns the rest and
// the first comment's text.
func stripComments(s string) (string, string) {
	if !strings.Contains(s, "(") {
		return s, ""
	}
	var b strings.Builder
	var comment strings.Builder
	quoted, paren, first := false, 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '"' {
				quoted = false
			}
			b.WriteByte(c)
		case c == '"' && paren == 0:
			quoted = true
			b.WriteByte(c)
		case c == '(':
			paren++
			if paren > 1 && first {
				comment.WriteByte(c)
			}
		case c == ')' && paren > 0:
			paren--
			if paren == 0 {
				first = comment.Len() == 0
			} else if first {
				comment.WriteByte(c)
			}
		case paren > 0:
			if first {
				comment.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), comment.String()
}

func stripCommentsKeep(s string) (string, string) {
	rest, comment := stripComments(s)
	if strings.TrimSpace(rest) == "" {
		return comment, ""
	}
	return rest, comment
}

// unquoteName removes the quotes and escapes of a display name and decodes
// its encoded-words.
func unquoteName(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\"\\") {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
				continue
			}
			if c != '"' {
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	if strings.Contains(s, "=?") {
		s = decodeWords(s)
	}
	s = cleanLine(s)
	s = strings.Trim(s, "'")
	return strings.TrimSpace(s)
}

// parseMsgIDs returns the message ids in a Message-ID, In-Reply-To or
// References value, without <>. Text outside brackets (comments such as
// "(message from ...)") is ignored; a bare id without brackets is kept.
func parseMsgIDs(raw []byte) []string {
	s := string(raw)
	var ids []string
	for {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			break
		}
		if id := cleanID(s[lt+1 : lt+gt]); id != "" {
			ids = append(ids, id)
		}
		s = s[lt+gt+1:]
	}
	if ids == nil {
		for _, f := range strings.Fields(string(raw)) {
			if strings.Contains(f, "@") {
				if id := cleanID(f); id != "" {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

func cleanID(s string) string {
	s = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' {
			return -1
		}
		return r
	}, s)
	return strings.ToValidUTF8(s, "")
}

// dateLayouts are what net/mail misses in the wild: missing seconds or
// weekday are handled by net/mail; these cover odd orders and zones.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006/01/02 15:04:05",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04:05 -0700",
}

// parseDate reads a Date header leniently; zero when unreadable.
func parseDate(raw []byte) time.Time {
	s := cleanLine(string(raw))
	if s == "" {
		return time.Time{}
	}
	if t, ok := parseRFC5322Date(s); ok {
		return t
	}
	if t, err := netmail.ParseDate(s); err == nil {
		return t
	}
	// Trailing comments and doubled spaces are the usual breakage.
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
		if t, err := netmail.ParseDate(s); err == nil {
			return t
		}
	}
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, ",", ", ")), " ")
	s = strings.ReplaceAll(s, " ,", ",")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseRFC5322Date reads the common shape "[Mon,] 2 Jan 2006 15:04[:05]
// -0700 [(comment)]" by hand: time.Parse through net/mail's layout list
// was a third of the cost of parsing a small mail.
func parseRFC5322Date(s string) (time.Time, bool) {
	f := strings.Fields(s)
	if len(f) > 0 && (strings.HasSuffix(f[0], ",") || (len(f[0]) == 3 && f[0][0] > '9')) {
		f = f[1:]
	}
	if len(f) < 4 {
		return time.Time{}, false
	}
	day, ok1 := atoiSmall(f[0])
	mon := monthOf(f[1])
	year, ok2 := atoiSmall(f[2])
	if !ok1 || !ok2 || mon == 0 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	switch {
	case len(f[2]) == 2 && year < 50:
		year += 2000
	case len(f[2]) == 2:
		year += 1900
	case len(f[2]) != 4:
		return time.Time{}, false
	}
	hms := strings.Split(f[3], ":")
	if len(hms) < 2 || len(hms) > 3 {
		return time.Time{}, false
	}
	var clock [3]int
	for i, p := range hms {
		v, ok := atoiSmall(p)
		if !ok || len(p) > 2 {
			return time.Time{}, false
		}
		clock[i] = v
	}
	if clock[0] > 23 || clock[1] > 59 || clock[2] > 60 {
		return time.Time{}, false
	}
	offset := 0
	if len(f) > 4 {
		z := f[4]
		switch {
		case len(z) == 5 && (z[0] == '+' || z[0] == '-'):
			hh, ok1 := atoiSmall(z[1:3])
			mm, ok2 := atoiSmall(z[3:5])
			if !ok1 || !ok2 {
				return time.Time{}, false
			}
			offset = hh*3600 + mm*60
			if z[0] == '-' {
				offset = -offset
			}
		default:
			o, ok := zoneOffsets[strings.ToUpper(z)]
			if !ok {
				return time.Time{}, false
			}
			offset = o * 3600
		}
	}
	loc := time.UTC
	if offset != 0 {
		loc = time.FixedZone("", offset)
	}
	return time.Date(year, mon, day, clock[0], clock[1], clock[2], 0, loc), true
}

var zoneOffsets = map[string]int{"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "JST": 9, "KST": 9, "CET": 1, "CEST": 2, "BST": 1}

func atoiSmall(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func monthOf(s string) time.Month {
	if len(s) < 3 {
		return 0
	}
	const names = "janfebmaraprmayjunjulaugsepoctnovdec"
	m := strings.ToLower(s[:3])
	for i := 0; i < 12; i++ {
		if names[i*3:i*3+3] == m {
			return time.Month(i + 1)
		}
	}
	return 0
}

// returnPath reports a Return-Path value: "<>" for the null path, the
// address without brackets otherwise, "" when absent.
func returnPath(raw []byte, present bool) string {
	if !present {
		return ""
	}
	s := strings.TrimSpace(string(raw))
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">"))
	if inner == "" {
		return "<>"
	}
	if a, ok := parseOneAddress(s); ok && a.Addr != "" {
		return a.Addr
	}
	return cleanID(inner)
}
