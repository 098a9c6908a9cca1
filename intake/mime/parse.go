package mime

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Default limits of Parse, used for zero fields of Limits.
const (
	DefaultMaxBytes = 25 << 20
	DefaultMaxParts = 500
	DefaultMaxDepth = 20
)

// Stable quarantine reasons of Parse.
const (
	ReasonTooLarge     = "too large"
	ReasonTooManyParts = "too many parts"
	ReasonTooDeep      = "nesting too deep"
	ReasonEmpty        = "empty message"
	ReasonNoHeaders    = "no headers"
	ReasonNotAMessage  = "not a message"
)

// maxNotes bounds the notes of one message: a mail of 500 broken parts
// should not carry 500 notes.
const maxNotes = 20

// maxQuarantineHeader bounds what Parse reads of a message over MaxBytes to
// find its header: real headers (long Received chains, DKIM, ARC) take tens
// of kilobytes.
const maxQuarantineHeader = 1 << 20

// Parse reads one raw RFC 5322 message. It never panics. A message it cannot
// make an entry of returns a *QuarantineError with a short stable Reason.
// Unknown or lying charsets are not errors: best-effort text plus a Note.
//
// When the header of a quarantined message could be read (too large, too
// many parts, nesting too deep), Parse returns with the error a Message of
// the header fields alone: Raw, ContentHash, MessageID, InReplyTo,
// References, From (and FromProblem), Sender, ReturnPath, ReplyTo, To, Cc,
// Subject, Date and AuthResults, so the quarantine record says who sent
// what. Its body fields (Text, HTML, Attachments), Auto, DSN and Notes stay
// empty. Of a message over MaxBytes only the first MiB is read for the
// header. Otherwise (empty, no header, not a message, a parser failure) the
// Message is nil.
func Parse(raw []byte, lim Limits) (msg *Message, err error) {
	lim = lim.withDefaults()
	defer func() {
		// Parse promises never to panic; a bug on some input must cost one
		// quarantined message, not the poller.
		if r := recover(); r != nil {
			msg, err = nil, &QuarantineError{Reason: "parser failure", Err: fmt.Errorf("mime: parse panicked: %v", r)}
		}
	}()
	if int64(len(raw)) > lim.MaxBytes {
		return headerOf(raw), tooLarge(int64(len(raw)), lim.MaxBytes)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &QuarantineError{Reason: ReasonEmpty, Err: errors.New("mime: message has no bytes but white space")}
	}
	data := skipMboxLine(raw)
	h, body, end := parseHeader(data)
	if len(h) == 0 {
		return nil, &QuarantineError{Reason: ReasonNoHeaders, Err: errors.New("mime: message does not start with a header field")}
	}
	if !hasMailHeader(h) {
		return nil, &QuarantineError{Reason: ReasonNotAMessage, Err: fmt.Errorf("mime: none of the %d header fields is a mail header", len(h))}
	}

	msg = newMessage(raw)
	p := &parser{lim: lim, msg: msg}
	if end == endBadLine {
		p.note("header not ended by a blank line; the rest is read as body")
	}
	p.readHeaders(h)

	var c collector
	if err := p.entity(h, body, 0, "1", &c, ""); err != nil {
		// A limit hit inside the body: keep the header, drop what was read
		// of the body.
		msg.Attachments, msg.Notes = nil, nil
		return msg, err
	}
	p.finishBody(&c)
	p.finishAuto(h)
	return msg, nil
}

// ParseOversize reads what was fetched of a message too large to fetch
// whole: its header (at most its first MiB; what follows the header's end
// is ignored), of a message of size bytes over limit. It returns, like
// Parse for a message over Limits.MaxBytes, the header fields with a
// *QuarantineError of ReasonTooLarge; the Message's Raw and ContentHash are
// those of the header. The Message is nil when header holds no mail
// header.
func ParseOversize(header []byte, size, limit int64) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, tooLarge(size, limit)
		}
	}()
	return headerOf(header), tooLarge(size, limit)
}

// tooLarge is the quarantine error of a message over the size limit.
func tooLarge(size, limit int64) *QuarantineError {
	return &QuarantineError{Reason: ReasonTooLarge,
		Err: fmt.Errorf("mime: message of %d bytes exceeds the limit of %d bytes (limits.max_message_bytes)", size, limit)}
}

func newMessage(raw []byte) *Message {
	sum := sha256.Sum256(raw)
	return &Message{Raw: raw, ContentHash: hex.EncodeToString(sum[:])}
}

// headerOf reads the header fields of a message too large to parse, from
// its first maxQuarantineHeader bytes; nil when they hold no mail header.
func headerOf(raw []byte) *Message {
	data := skipMboxLine(raw)
	if len(data) > maxQuarantineHeader {
		data = data[:maxQuarantineHeader]
		// A field cut at the bound would be read half: end at a line.
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			data = data[:i+1]
		}
	}
	h, _, _ := parseHeader(data)
	if len(h) == 0 || !hasMailHeader(h) {
		return nil
	}
	msg := newMessage(raw)
	(&parser{msg: msg}).readHeaders(h)
	return msg
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// parser holds the state of one Parse call.
type parser struct {
	lim   Limits
	msg   *Message
	parts int

	dsn           *DSN   // from a message/delivery-status part
	reportType    string // report-type of a multipart/report
	attachedMsgID string // Message-ID of the first attached message or headers
}

// collector gathers the body texts of a subtree in order.
type collector struct {
	plain []string
	html  []string
}

func (p *parser) note(format string, args ...any) {
	if len(p.msg.Notes) < maxNotes {
		p.msg.Notes = append(p.msg.Notes, fmt.Sprintf(format, args...))
	}
}

func (p *parser) readHeaders(h header) {
	m := p.msg
	if ids := parseMsgIDs(h.get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = parseMsgIDs(h.get("In-Reply-To"))
	m.References = parseMsgIDs(h.get("References"))
	froms := h.values("From")
	var fromList []Address
	if len(froms) > 0 {
		if fromList = parseAddressList(froms[0]); len(fromList) > 0 {
			m.From = fromList[0]
		}
	}
	m.FromProblem = fromProblem(froms, fromList)
	for _, v := range h.values("Authentication-Results") {
		m.AuthResults = append(m.AuthResults, cleanLine(strings.ToValidUTF8(string(v), "\uFFFD")))
	}
	if l := parseAddressList(h.get("Sender")); len(l) > 0 {
		m.Sender = l[0]
	}
	m.ReturnPath = returnPath(h.get("Return-Path"), h.has("Return-Path"))
	m.ReplyTo = parseAddressList(h.get("Reply-To"))
	m.To = parseAddressList(h.get("To"))
	m.Cc = parseAddressList(h.get("Cc"))
	m.Subject = headerText(h.get("Subject"))
	m.Date = parseDate(h.get("Date"))
}

// entity reads one MIME entity (the message itself or a part of it) into
// the collector and the message's attachments.
func (p *parser) entity(h header, body []byte, depth int, path string, c *collector, defaultType string) error {
	p.parts++
	if p.parts > p.lim.MaxParts {
		return &QuarantineError{Reason: ReasonTooManyParts, Err: fmt.Errorf("mime: more than %d MIME parts", p.lim.MaxParts)}
	}
	ctRaw := h.get("Content-Type")
	ct, params := parseParams(ctRaw)
	switch {
	case ct == "" && defaultType != "":
		ct = defaultType
	case ct == "":
		ct = "text/plain"
	case strings.IndexByte(ct, '/') <= 0:
		p.note("invalid content type %q in part %s, read as text/plain", sanitize(ct, 40), path)
		ct = "text/plain"
	}
	disp, dparams := parseParams(h.get("Content-Disposition"))

	if strings.HasPrefix(ct, "multipart/") {
		return p.multipart(ct, params, body, depth, path, c)
	}
	data := p.transferDecode(h, body, path)
	filename := firstNonEmpty(dparams["filename"], params["name"])
	if filename != "" {
		filename = headerText([]byte(filename))
	}

	switch {
	case ct == "message/delivery-status" || ct == "message/global-delivery-status":
		p.readDSN(data)
		return nil
	case ct == "text/rfc822-headers" || ct == "message/rfc822" || ct == "message/global" || ct == "message/global-headers":
		if p.attachedMsgID == "" {
			hh, _, _ := parseHeader(data)
			if ids := parseMsgIDs(hh.get("Message-Id")); len(ids) > 0 {
				p.attachedMsgID = ids[0]
			}
		}
	case (ct == "text/plain" || ct == "text/html") && disp != "attachment" && filename == "":
		label := params["charset"]
		if label == "" && ct == "text/html" {
			label = htmlMetaCharset(data)
		}
		d := decodeText(data, label)
		p.charsetNote(d, label, path)
		if ct == "text/plain" {
			c.plain = append(c.plain, d.Text)
		} else {
			c.html = append(c.html, d.Text)
		}
		return nil
	}
	p.attach(ct, disp, filename, h, data)
	return nil
}

func (p *parser) multipart(ct string, params map[string]string, body []byte, depth int, path string, c *collector) error {
	if depth+1 > p.lim.MaxDepth {
		return &QuarantineError{Reason: ReasonTooDeep, Err: fmt.Errorf("mime: multipart nesting deeper than %d at part %s", p.lim.MaxDepth, path)}
	}
	boundary := params["boundary"]
	var parts [][]byte
	closed := false
	if boundary != "" {
		parts, closed = splitMultipart(body, boundary)
	}
	if len(parts) == 0 {
		// Without a usable boundary the body is all there is: keep it as
		// text rather than lose it.
		p.note("%s in part %s has no usable boundary, read as text", ct, path)
		d := decodeText(body, params["charset"])
		c.plain = append(c.plain, d.Text)
		return nil
	}
	if !closed {
		p.note("%s in part %s has no closing boundary", ct, path)
	}
	if ct == "multipart/report" {
		p.reportType = strings.ToLower(params["report-type"])
	}
	child := ""
	if ct == "multipart/digest" {
		child = "message/rfc822"
	}
	prefix := path + "."
	if depth == 0 {
		prefix = ""
	}
	if ct != "multipart/alternative" {
		for i, part := range parts {
			ph, pb, _ := parseHeader(part)
			if err := p.entity(ph, pb, depth+1, prefix+strconv.Itoa(i+1), c, child); err != nil {
				return err
			}
		}
		return nil
	}
	// Alternatives: plain text is preferred, HTML kept; the last one of
	// each kind wins, as the last alternative is the sender's favourite.
	var plain, html []string
	for i, part := range parts {
		var sub collector
		ph, pb, _ := parseHeader(part)
		if err := p.entity(ph, pb, depth+1, prefix+strconv.Itoa(i+1), &sub, ""); err != nil {
			return err
		}
		if len(sub.plain) > 0 && strings.TrimSpace(strings.Join(sub.plain, "")) != "" {
			plain = sub.plain
		}
		if len(sub.html) > 0 {
			html = sub.html
		}
	}
	c.plain = append(c.plain, plain...)
	c.html = append(c.html, html...)
	return nil
}

// splitMultipart cuts a multipart body at its boundary delimiter lines and
// reports whether the closing delimiter was seen. A delimiter must start a
// line and be followed by nothing but white space (or "--"), so a boundary
// that is a prefix of another one does not split it.
func splitMultipart(body []byte, boundary string) ([][]byte, bool) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // start of the current part's content
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		if i > 0 && body[i-1] != '\n' {
			pos = i + len(delim)
			continue
		}
		lineEnd := bytes.IndexByte(body[i:], '\n')
		if lineEnd < 0 {
			lineEnd = len(body)
		} else {
			lineEnd += i
		}
		rest := body[i+len(delim) : lineEnd]
		final := bytes.HasPrefix(rest, []byte("--"))
		if final {
			rest = rest[2:]
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			pos = i + len(delim)
			continue
		}
		if start >= 0 {
			parts = append(parts, trimPartEnd(body[start:i]))
		}
		if final {
			return parts, true
		}
		start = lineEnd + 1
		if start > len(body) {
			start = len(body)
		}
		pos = start
	}
	if start >= 0 && start < len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// trimPartEnd drops the line break that belongs to the next delimiter.
func trimPartEnd(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	if bytes.HasSuffix(b, []byte("\n")) {
		return b[:len(b)-1]
	}
	return b
}

// transferDecode undoes the Content-Transfer-Encoding. Damage is not fatal:
// what could be decoded is kept and a note says what happened.
func (p *parser) transferDecode(h header, body []byte, path string) []byte {
	cte := strings.ToLower(strings.TrimSpace(string(h.get("Content-Transfer-Encoding"))))
	if i := strings.IndexAny(cte, " ;("); i >= 0 {
		cte = cte[:i]
	}
	switch cte {
	case "", "7bit", "8bit", "binary", "7-bit", "8-bit", "none":
		return body
	case "base64":
		out, clean := decodeBase64(body)
		if !clean && len(out) == 0 && len(bytes.TrimSpace(body)) > 0 {
			p.note("part %s is declared base64 but is not, kept the raw bytes", path)
			return body
		}
		if !clean {
			p.note("malformed base64 in part %s, kept the %d bytes that decoded", path, len(out))
		}
		return out
	case "quoted-printable":
		return decodeQP(body, false)
	default:
		p.note("unknown transfer encoding %q in part %s, kept the raw bytes", sanitize(cte, 40), path)
		return body
	}
}

func (p *parser) charsetNote(d decoded, label, path string) {
	if !d.Lied {
		return
	}
	label = sanitize(normalizeCharset(label), 40)
	switch {
	case label == "":
		p.note("no charset in part %s, read as %s", path, d.Used)
	case d.Unknown:
		p.note("unknown charset %q in part %s, read as %s", label, path, d.Used)
	case d.Used == label || (d.Used == "utf-8" && isUTF8Label(label)):
		p.note("text in part %s has invalid %s sequences, replaced", path, label)
	default:
		p.note("text in part %s is not valid %s, read as %s", path, label, d.Used)
	}
}

func (p *parser) attach(ct, disp, filename string, h header, data []byte) {
	n := len(p.msg.Attachments) + 1
	cid := ""
	if ids := parseMsgIDs(h.get("Content-Id")); len(ids) > 0 {
		cid = ids[0]
	} else if v := strings.TrimSpace(string(h.get("Content-Id"))); v != "" {
		cid = cleanID(v)
	}
	safe := safeFilename(filename)
	if safe == "" {
		if ct == "message/rfc822" || ct == "message/global" {
			safe = "message.eml"
		} else {
			safe = "attachment-" + strconv.Itoa(n) + extensionFor(ct)
		}
	}
	p.msg.Attachments = append(p.msg.Attachments, Attachment{
		Filename:    safe,
		Original:    filename,
		ContentType: ct,
		ContentID:   cid,
		Inline:      disp == "inline" || (disp == "" && cid != ""),
		Size:        int64(len(data)),
		Data:        data,
	})
}

// readDSN reads the fields of a message/delivery-status part: one block for
// the message, then one block per recipient.
func (p *parser) readDSN(data []byte) {
	d := &DSN{}
	rest := data
	for len(bytes.TrimSpace(rest)) > 0 {
		rest = bytes.TrimLeft(rest, "\r\n \t")
		h, r, _ := parseHeader(rest)
		if len(h) == 0 {
			break
		}
		rest = r
		if v := h.get("Original-Message-Id"); v != nil && d.OriginalMessageID == "" {
			if ids := parseMsgIDs(v); len(ids) > 0 {
				d.OriginalMessageID = ids[0]
			}
		}
		rcpt := h.get("Final-Recipient")
		if rcpt == nil {
			rcpt = h.get("Original-Recipient")
		}
		if rcpt != nil {
			if a := typedValue(rcpt); a != "" {
				d.Recipients = append(d.Recipients, strings.Trim(a, "<>"))
			}
		}
		action := strings.ToLower(cleanLine(string(h.get("Action"))))
		if action == "" || (d.Action != "" && (d.Action == "failed" || action != "failed")) {
			continue
		}
		d.Action = sanitize(action, 20)
		d.Status = sanitize(cleanLine(string(h.get("Status"))), 20)
		d.Diagnostic = sanitize(typedValue(h.get("Diagnostic-Code")), 500)
	}
	if p.dsn == nil {
		p.dsn = d
	}
}

// typedValue strips the type of a DSN field ("rfc822; a@b", "smtp; 550 ...").
func typedValue(raw []byte) string {
	s := cleanLine(string(raw))
	if i := strings.IndexByte(s, ';'); i > 0 && !strings.ContainsAny(s[:i], " \t") {
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}

func (p *parser) finishBody(c *collector) {
	plain := strings.Join(c.plain, "\n")
	html := strings.Join(c.html, "\n")
	if strings.TrimSpace(plain) != "" || html == "" {
		p.msg.Text = normalizeNewlines(plain)
	} else {
		p.msg.Text = HTMLToText(html)
	}
	p.msg.HTML = html
	if !utf8.ValidString(p.msg.Text) {
		p.msg.Text = strings.ToValidUTF8(p.msg.Text, "\uFFFD")
	}
}

func (p *parser) finishAuto(h header) {
	p.msg.Auto = detectAutomatic(h, p.msg.From, p.msg.ReturnPath, p.msg.Subject)
	if p.dsn == nil && p.reportType != "delivery-status" {
		return
	}
	d := p.dsn
	if d == nil {
		d = &DSN{}
	}
	if d.OriginalMessageID == "" {
		d.OriginalMessageID = p.attachedMsgID
	}
	p.msg.DSN = d
	if p.msg.Auto.Kind != AutoBounce {
		reason := "message/delivery-status part"
		if p.reportType == "delivery-status" {
			reason = "Content-Type: multipart/report; report-type=delivery-status"
		}
		p.msg.Auto = Automatic{Kind: AutoBounce, Reason: reason}
	}
}

// decodeBase64 decodes leniently: line breaks are skipped, each padded
// segment is decoded on its own (some mailers concatenate encoded blocks),
// a stray character inside a line is skipped and a dangling character
// dropped. A line that is mostly not base64 (a text a gateway appended)
// ends the data. clean is false when anything was skipped or dropped.
func decodeBase64(b []byte) (out []byte, clean bool) {
	clean = true
	// The characters of a segment are decoded every base64Chunk of them
	// (whole groups of four decode alike alone or together), so a large
	// attachment costs its decoded size and not a copy of the encoded one.
	buf := make([]byte, 0, min(len(b), base64Chunk))
	out = make([]byte, 0, len(b)*3/4+3)
	decode := func() {
		n := len(out)
		out = out[:n+len(buf)*3/4]
		m, err := b64.Decode(out[n:], buf)
		out = out[:n+m]
		if err != nil {
			clean = false
		}
		buf = buf[:0]
	}
	flush := func() {
		if len(buf)%4 == 1 {
			buf = buf[:len(buf)-1]
			clean = false
		}
		decode()
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		bad := 0
		for _, c := range line {
			if !isBase64(c) && c != '=' {
				bad++
			}
		}
		if bad > 0 {
			clean = false
			if bad*10 > len(line) || bytes.ContainsAny(line, " \t") {
				break
			}
		}
		for _, c := range line {
			switch {
			case isBase64(c):
				if buf = append(buf, c); len(buf) == base64Chunk {
					decode()
				}
			case c == '=':
				flush()
			}
		}
	}
	flush()
	return out, clean
}

// base64Chunk is how many base64 characters decodeBase64 collects before
// it decodes them; a multiple of four.
const base64Chunk = 64 << 10

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// decodeQP decodes quoted-printable leniently: a "=" that starts no valid
// escape is kept as it is. In headers (RFC 2047 Q) "_" is a space.
func decodeQP(b []byte, header bool) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		// Copy the run of ordinary bytes in one go.
		j := i
		for j < len(b) && b[j] != '=' && b[j] != ' ' && b[j] != '\t' && b[j] != '_' {
			j++
		}
		out = append(out, b[i:j]...)
		if j == len(b) {
			break
		}
		i = j
		switch c := b[i]; {
		case c == '_':
			if header {
				out = append(out, ' ')
			} else {
				out = append(out, '_')
			}
			i++
		case c == '=':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
				i += 3
				continue
			}
			// Soft line break: "=" then optional white space then EOL.
			k := i + 1
			for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
				k++
			}
			if k < len(b) && b[k] == '\r' {
				k++
			}
			switch {
			case k < len(b) && b[k] == '\n':
				i = k + 1
			case k == len(b):
				i = k
			default:
				out = append(out, c)
				i++
			}
		default: // space or tab
			k := i
			for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
				k++
			}
			// Trailing white space before a line break is padding.
			if header || k == len(b) || (b[k] != '\r' && b[k] != '\n') {
				out = append(out, b[i:k]...)
			}
			i = k
		}
	}
	return out
}

// b64 decodes the unpadded segments decodeBase64 collects.
var b64 = base64.RawStdEncoding

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// parseParams reads a Content-Type or Content-Disposition value leniently:
// the lower-cased value before the first ";" and its parameters with keys
// lower-cased, quotes removed, RFC 2231 continuations joined and decoded in
// any charset. Broken quoting and duplicates do not make it fail.
func parseParams(raw []byte) (string, map[string]string) {
	s := string(raw)
	semi := strings.IndexByte(s, ';')
	if semi < 0 {
		return strings.ToLower(strings.TrimSpace(stripParens(s))), nil
	}
	value := strings.ToLower(strings.TrimSpace(stripParens(s[:semi])))
	params := make(map[string]string, 4)
	type piece struct {
		val     string
		encoded bool
	}
	var ext map[string]map[int]piece
	s = s[semi+1:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		if i := strings.IndexByte(key, ';'); i >= 0 {
			// "a; b=c" where a had no value.
			key = strings.TrimSpace(key[i+1:])
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, "\"") {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(s[i])
					continue
				}
				if s[i] == '"' {
					break
				}
				b.WriteByte(s[i])
			}
			val = b.String()
			if i < len(s) {
				s = s[i+1:]
			} else {
				s = ""
			}
			if j := strings.IndexByte(s, ';'); j >= 0 {
				s = s[j:]
			} else {
				s = ""
			}
		} else {
			j := strings.IndexByte(s, ';')
			if j < 0 {
				j = len(s)
			}
			val = strings.TrimSpace(s[:j])
			s = s[j:]
		}
		if star := strings.IndexByte(key, '*'); star >= 0 {
			name, rest := key[:star], key[star+1:]
			encoded := strings.HasSuffix(rest, "*") || rest == ""
			rest = strings.TrimSuffix(rest, "*")
			n := 0
			if rest != "" {
				var err error
				if n, err = strconv.Atoi(rest); err != nil || n < 0 || n > 100 {
					continue
				}
			}
			if ext == nil {
				ext = make(map[string]map[int]piece)
			}
			if ext[name] == nil {
				ext[name] = make(map[int]piece)
			}
			ext[name][n] = piece{val, encoded}
			continue
		}
		if _, dup := params[key]; !dup && key != "" {
			params[key] = val
		}
	}
	for name, pieces := range ext {
		var raw []byte
		charset := ""
		for i := 0; i <= 100; i++ {
			pc, ok := pieces[i]
			if !ok {
				break
			}
			v := pc.val
			if pc.encoded {
				if i == 0 {
					if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
						charset, v = parts[0], parts[2]
					}
				}
				raw = append(raw, percentDecode(v)...)
			} else {
				raw = append(raw, v...)
			}
		}
		if len(raw) > 0 {
			params[name] = decodeText(raw, charset).Text
		}
	}
	return value, params
}

func stripParens(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		return s[:i]
	}
	return s
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// htmlMetaCharset finds a <meta charset> in the start of an HTML body whose
// MIME header named none.
func htmlMetaCharset(b []byte) string {
	if len(b) > 2048 {
		b = b[:2048]
	}
	// ASCII letters lowered byte for byte: bytes.ToLower turns a byte of
	// invalid UTF-8 into three, and the index would not be b's.
	lower := make([]byte, len(b))
	for j, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[j] = c
	}
	i := bytes.Index(lower, []byte("charset="))
	if i < 0 {
		return ""
	}
	rest := b[i+len("charset="):]
	rest = bytes.TrimLeft(rest, "\"' ")
	end := bytes.IndexAny(rest, "\"' ;>/")
	if end < 0 || end > 40 {
		return ""
	}
	return string(rest[:end])
}

// safeFilename makes a sender's file name safe to store: no directories, no
// control or reserved characters, no leading dots, no Windows device names,
// at most 200 bytes with the extension kept. "" when nothing is left.
func safeFilename(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// Bidi controls disguise extensions ("invoice\u202Efdp.exe").
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return ""
	}
	base := name
	if dot := strings.IndexByte(base, '.'); dot >= 0 {
		base = base[:dot]
	}
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		name = "_" + name
	}
	const maxLen = 200
	if len(name) > maxLen {
		ext := ""
		if dot := strings.LastIndexByte(name, '.'); dot >= 0 && len(name)-dot <= 16 {
			ext = name[dot:]
		}
		keep := maxLen - len(ext)
		for keep > 0 && !utf8.RuneStart(name[keep]) {
			keep--
		}
		name = name[:keep] + ext
	}
	return name
}

func extensionFor(ct string) string {
	switch ct {
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "text/rfc822-headers":
		return ".txt"
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "application/zip":
		return ".zip"
	case "application/pgp-signature":
		return ".asc"
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return ".p7s"
	}
	return ".bin"
}

// mailHeaders are fields of which at least one must be present for the
// data to count as a mail at all.
var mailHeaders = [...]string{
	"From", "Sender", "To", "Cc", "Bcc", "Subject", "Date", "Message-Id", "Received",
	"Return-Path", "Mime-Version", "Content-Type", "Delivered-To", "Reply-To", "In-Reply-To", "References",
}

func hasMailHeader(h header) bool {
	for _, k := range mailHeaders {
		if h.has(k) {
			return true
		}
	}
	return false
}

// skipMboxLine drops an mbox "From " separator line that exports leave in,
// and white space or blank lines before the first header field (seen in
// mail that went through broken stores).
func skipMboxLine(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	if len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		t := bytes.TrimLeft(b, " \t\r\n")
		line := t
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			line = t[:i]
		}
		if colon := bytes.IndexByte(line, ':'); colon > 0 && validFieldName(bytes.TrimRight(line[:colon], " \t")) {
			return t
		}
	}
	return b
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// sanitize makes an untrusted value safe for a note or reason: one line,
// valid UTF-8, at most max bytes.
func sanitize(s string, max int) string {
	s = cleanLine(s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
