package mime

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	// Imported for its side effect: go-message decodes only UTF-8 and
	// US-ASCII until this package registers its charset reader. Anything here
	// that hands text to go-message relies on it.
	_ "github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
)

// decoded is the outcome of turning bytes in some charset into UTF-8.
// Used names the charset the text was really read as; Lied is set when that
// differs from what the sender declared (unknown, missing or lying).
type decoded struct {
	Text string
	Used string
	Lied bool
	// Unknown is set when no decoder exists for the declared charset.
	Unknown bool
}

// decodeText turns b, declared as charset label, into valid UTF-8. It never
// fails: an unknown charset, or bytes that are invalid in the declared
// charset, are read by guessing (UTF-8, then the Japanese encodings, then
// windows-1252) and the result says so.
func decodeText(b []byte, label string) decoded {
	label = normalizeCharset(label)
	wide := strings.HasPrefix(label, "utf-16") || strings.HasPrefix(label, "utf-32") || label == "ucs-2"
	if !wide && isASCII(b) && bytes.IndexByte(b, 0x1b) < 0 {
		// ASCII reads the same in any charset; an unknown label is still
		// worth a note.
		unknown := label != "" && !knownCharset(label)
		return decoded{Text: string(b), Used: "us-ascii", Lied: unknown, Unknown: unknown}
	}
	switch {
	case label == "" || label == "us-ascii" || label == "ascii":
		// Undeclared or ASCII with 8-bit bytes in it: the sender lied or
		// forgot; guess silently if it is plainly UTF-8, else say so.
		if utf8.Valid(b) && bytes.IndexByte(b, 0x1b) < 0 {
			return decoded{Text: string(b), Used: "utf-8", Lied: label != ""}
		}
		g := guessText(b)
		g.Lied = true
		return g
	case isUTF8Label(label):
		if utf8.Valid(b) {
			return decoded{Text: string(b), Used: "utf-8"}
		}
		g := guessText(b)
		if g.Used == "windows-1252" {
			// Mostly UTF-8 with a few bad bytes reads better as UTF-8
			// with replacement characters than as mojibake.
			return decoded{Text: strings.ToValidUTF8(string(b), "\uFFFD"), Used: "utf-8", Lied: true}
		}
		return g
	case isISO2022JPLabel(label):
		if s, ok := decodeISO2022JP(b); ok {
			return decoded{Text: s, Used: "iso-2022-jp"}
		}
		g := guessText(b)
		g.Lied = true
		return g
	}
	enc := lookupCharset(label)
	if enc == nil {
		g := guessText(b)
		g.Lied, g.Unknown = true, true
		return g
	}
	if isSingleByte(enc) {
		// Every byte means something in a single-byte charset, so a lie
		// shows only as text that is plainly something else.
		if hasMultibyteUTF8(b) {
			return decoded{Text: string(b), Used: "utf-8", Lied: true}
		}
		if s, name, ok := guessJapanese(b); ok {
			return decoded{Text: s, Used: name, Lied: true}
		}
		if enc == charmap.Windows1252 {
			return decoded{Text: latin1(b), Used: label}
		}
		out, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			return decoded{Text: latin1(b), Used: "windows-1252", Lied: true}
		}
		return decoded{Text: strings.ToValidUTF8(string(out), "\uFFFD"), Used: label}
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err == nil && !introducedReplacement(b, out) {
		return decoded{Text: strings.ToValidUTF8(string(out), "\uFFFD"), Used: label}
	}
	g := guessText(b)
	if g.Used == "windows-1252" && err == nil {
		// Nothing fits better: the declared charset with a few
		// replacement characters keeps most of the text.
		return decoded{Text: strings.ToValidUTF8(string(out), "\uFFFD"), Used: label, Lied: true}
	}
	g.Lied = true
	return g
}

// guessText reads bytes of unknown charset: UTF-8 if valid, else the
// Japanese encoding that decodes cleanly into plausible Japanese, else
// windows-1252 (a superset of ISO-8859-1 that every byte decodes in).
func guessText(b []byte) decoded {
	if utf8.Valid(b) && bytes.IndexByte(b, 0x1b) < 0 {
		return decoded{Text: string(b), Used: "utf-8"}
	}
	if s, name, ok := guessJapanese(b); ok {
		return decoded{Text: s, Used: name}
	}
	return decoded{Text: latin1(b), Used: "windows-1252"}
}

// guessJapanese tries ISO-2022-JP (when escapes are present), Shift_JIS and
// EUC-JP, and keeps the one whose text looks most like Japanese.
func guessJapanese(b []byte) (string, string, bool) {
	if bytes.Contains(b, []byte{0x1b, '$'}) {
		if s, ok := decodeISO2022JP(b); ok {
			return s, "iso-2022-jp", true
		}
	}
	if isASCII(b) {
		return "", "", false
	}
	best, bestName, bestScore := "", "", 0
	for _, c := range [...]struct {
		name  string
		enc   encoding.Encoding
		valid func([]byte) bool
	}{{"shift_jis", japanese.ShiftJIS, plausibleSJIS}, {"euc-jp", japanese.EUCJP, plausibleEUCJP}} {
		if !c.valid(b) {
			continue
		}
		out, err := c.enc.NewDecoder().Bytes(b)
		if err != nil || introducedReplacement(b, out) {
			continue
		}
		if sc := japaneseScore(out); sc > bestScore {
			best, bestName, bestScore = string(out), c.name, sc
		}
	}
	return best, bestName, bestScore > 0
}

// plausibleSJIS checks the byte structure of Shift_JIS (CP932) cheaply, so
// the decoders only run on text that can be it.
func plausibleSJIS(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x80 || (c >= 0xa1 && c <= 0xdf):
		case (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc):
			if i+1 >= len(b) {
				return false
			}
			t := b[i+1]
			if t < 0x40 || t == 0x7f || t > 0xfc {
				return false
			}
			i++
		default:
			return false
		}
	}
	return true
}

// plausibleEUCJP checks the byte structure of EUC-JP cheaply.
func plausibleEUCJP(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x80:
		case c == 0x8e:
			if i+1 >= len(b) || b[i+1] < 0xa1 || b[i+1] > 0xdf {
				return false
			}
			i++
		case c == 0x8f:
			if i+2 >= len(b) || b[i+1] < 0xa1 || b[i+2] < 0xa1 || b[i+1] == 0xff || b[i+2] == 0xff {
				return false
			}
			i += 2
		case c >= 0xa1 && c <= 0xfe:
			if i+1 >= len(b) || b[i+1] < 0xa1 || b[i+1] == 0xff {
				return false
			}
			i++
		default:
			return false
		}
	}
	return true
}

// japaneseScore rates how much decoded text looks like Japanese: kana count
// most, kanji some, while halfwidth katakana and Latin-1 letters (what a
// wrong guess tends to produce) count against it.
func japaneseScore(s []byte) int {
	score, kana := 0, 0
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		switch {
		case r < 0x80:
		case r >= 0x3040 && r <= 0x30ff:
			score += 3
			kana++
		case r >= 0x4e00 && r <= 0x9fff:
			score++
		case r >= 0x3000 && r <= 0x303f, r >= 0xff01 && r <= 0xff5e, r >= 0x2460 && r <= 0x24ff, r >= 0x3200 && r <= 0x33ff:
			score++
		case r >= 0xff61 && r <= 0xff9f:
			score--
		default:
			score -= 3
		}
	}
	if kana == 0 && score < 4 {
		return 0
	}
	return score
}

// decodeISO2022JP decodes ISO-2022-JP with golang.org/x/text and, where that
// fails (CP50220/CP50221 extensions such as SO/SI halfwidth katakana or
// 8-bit kana), with the lenient transcoder below.
func decodeISO2022JP(b []byte) (string, bool) {
	// x/text passes SO/SI through as control characters instead of
	// failing, so mail that uses them goes to the transcoder directly.
	if bytes.IndexByte(b, 0x0e) < 0 && isASCII(b) {
		out, err := japanese.ISO2022JP.NewDecoder().Bytes(b)
		if err == nil && !introducedReplacement(b, out) {
			return string(out), true
		}
	}
	euc, ok := iso2022ToEUCJP(b)
	if !ok {
		return "", false
	}
	out, err := japanese.EUCJP.NewDecoder().Bytes(euc)
	if err != nil || introducedReplacement(euc, out) {
		return "", false
	}
	return string(out), true
}

// iso2022ToEUCJP rewrites ISO-2022-JP and its Microsoft variants into EUC-JP,
// whose decoder knows the same JIS X 0208 table including the NEC row 13
// (①, ㈱) and IBM extensions. Kana arrive as ESC ( I, SO/SI or 8-bit bytes.
func iso2022ToEUCJP(b []byte) ([]byte, bool) {
	const (
		ascii = iota
		jis0208
		jis0212
		kana
	)
	out := make([]byte, 0, len(b)+len(b)/2)
	mode, shifted := ascii, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == 0x1b:
			if i+2 >= len(b) {
				return nil, false
			}
			switch {
			case b[i+1] == '$' && (b[i+2] == 'B' || b[i+2] == '@'):
				mode, i = jis0208, i+2
			case b[i+1] == '$' && b[i+2] == '(' && i+3 < len(b) && b[i+3] == 'D':
				mode, i = jis0212, i+3
			case b[i+1] == '$' && b[i+2] == '(' && i+3 < len(b) && (b[i+3] == 'B' || b[i+3] == 'Q' || b[i+3] == 'O'):
				mode, i = jis0208, i+3
			case b[i+1] == '(' && (b[i+2] == 'B' || b[i+2] == 'J' || b[i+2] == 'H'):
				mode, i = ascii, i+2
			case b[i+1] == '(' && b[i+2] == 'I':
				mode, i = kana, i+2
			default:
				return nil, false
			}
		case c == 0x0e:
			shifted = true
		case c == 0x0f:
			shifted = false
		case c >= 0xa1 && c <= 0xdf:
			out = append(out, 0x8e, c)
		case c >= 0x80:
			return nil, false
		case c == '\r' || c == '\n':
			// A line break resets to ASCII in practice even without ESC ( B.
			out = append(out, c)
			mode, shifted = ascii, false
		case shifted || mode == kana:
			if c >= 0x21 && c <= 0x5f {
				out = append(out, 0x8e, c|0x80)
			} else {
				out = append(out, c)
			}
		case mode == jis0208 || mode == jis0212:
			if c < 0x21 || c > 0x7e || i+1 >= len(b) || b[i+1] < 0x21 || b[i+1] > 0x7e {
				out = append(out, c)
				continue
			}
			if mode == jis0212 {
				out = append(out, 0x8f)
			}
			out = append(out, c|0x80, b[i+1]|0x80)
			i++
		default:
			out = append(out, c)
		}
	}
	return out, true
}

var charsetCache sync.Map // normalized label -> encoding.Encoding (nil entries: unknown)

// lookupCharset finds the decoder for a MIME charset label. WHATWG labels
// first (they match what mail clients really send, e.g. iso-8859-1 as
// windows-1252, gb2312 as GBK, ks_c_5601-1987 as EUC-KR), then IANA names.
func lookupCharset(label string) encoding.Encoding {
	if v, ok := charsetCache.Load(label); ok {
		e, _ := v.(encoding.Encoding)
		return e
	}
	var enc encoding.Encoding
	switch label {
	case "cp932", "ms932", "windows-31j", "x-sjis", "sjis", "shift-jis", "x-ms-cp932", "ibm-943", "cp943":
		enc = japanese.ShiftJIS
	case "x-euc-jp", "eucjp", "euc-jp-ms", "cp51932", "eucjp-ms":
		enc = japanese.EUCJP
	case "latin1", "latin-1", "iso8859-1", "iso_8859_1":
		enc = charmap.Windows1252
	}
	if enc == nil {
		if e, err := htmlindex.Get(label); err == nil && e != nil {
			enc = e
		}
	}
	if enc == nil {
		if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
			enc = e
		}
	}
	if enc == encoding.Replacement {
		enc = nil
	}
	if len(label) <= 64 {
		charsetCache.Store(label, enc)
	}
	return enc
}

// normalizeCharset lower-cases a label and drops quotes, spaces and an
// RFC 2231 language suffix ("utf-8*en").
func normalizeCharset(label string) string {
	label = strings.TrimSpace(label)
	label = strings.Trim(label, "\"' ")
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	label = strings.ToLower(label)
	// "charset=charset=us-ascii" is seen in the wild.
	for strings.HasPrefix(label, "charset=") {
		label = strings.TrimPrefix(label, "charset=")
	}
	return label
}

func knownCharset(l string) bool {
	return l == "us-ascii" || l == "ascii" || isUTF8Label(l) || isISO2022JPLabel(l) || lookupCharset(l) != nil
}

func isUTF8Label(l string) bool {
	return l == "utf-8" || l == "utf8" || l == "x-utf_8j" || l == "unicode-1-1-utf-8"
}

func isISO2022JPLabel(l string) bool {
	return strings.HasPrefix(l, "iso-2022-jp") || strings.HasPrefix(l, "iso2022jp") ||
		l == "cp50220" || l == "cp50221" || l == "cp50222" || l == "csiso2022jp" || l == "x-windows-iso2022jp" || l == "jis"
}

func isSingleByte(enc encoding.Encoding) bool {
	if _, ok := enc.(*charmap.Charmap); ok {
		return true
	}
	return enc == charmap.Windows1252
}

// introducedReplacement reports whether decoding produced U+FFFD that was
// not already in the input, i.e. the input was invalid in that charset.
func introducedReplacement(in, out []byte) bool {
	n := bytes.Count(out, []byte("\uFFFD"))
	return n > 0 && n > bytes.Count(in, []byte("\uFFFD"))
}

func hasMultibyteUTF8(b []byte) bool {
	return !isASCII(b) && utf8.Valid(b)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// latin1 decodes windows-1252 (the superset of ISO-8859-1 that mail
// really uses) by table; its five unassigned bytes keep their C1 code
// points, as ISO-8859-1 would read them.
func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xa0:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

var cp1252 = [32]rune{
	0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
}
