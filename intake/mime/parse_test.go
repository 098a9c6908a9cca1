package mime

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func readEML(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return raw
}

func mustParse(t *testing.T, name string) *Message {
	t.Helper()
	m, err := Parse(readEML(t, name), Limits{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

// TestParse_RealMail is one row per real-world case: the decoded headers,
// the body text and the notes a reader of the ticket will see.
func TestParse_RealMail(t *testing.T) {
	tests := []struct {
		file        string
		from        Address
		subject     string
		textHas     []string
		textLacks   []string
		notes       []string // substrings, each must appear in some note
		noNotes     bool
		messageID   string
		wantDateUTC string
	}{
		{
			file:        "iso2022jp.eml",
			from:        Address{Name: "山田 太郎", Addr: "yamada@example.co.jp"},
			subject:     "プリンタが印刷できません（至急）", // split mid-character across two encoded-words
			textHas:     []string{"経理部の山田です。", "エラー表示は「E-02」です。"},
			noNotes:     true,
			messageID:   "20240115100000.1234@example.co.jp",
			wantDateUTC: "2024-01-15T01:00:00Z",
		},
		{
			file:    "cp50220.eml",
			from:    Address{Name: "㈱サンプル 田中", Addr: "tanaka@sample.co.jp"},
			subject: "①障害報告 ｻｰﾊﾞ",
			textHas: []string{"①サーバ停止の件", "㈱サンプル商事 ｼｽﾃﾑｶ ﾀﾅｶ", "②復旧見込み"},
			noNotes: true,
		},
		{
			file:    "cp50221-so-si.eml",
			from:    Address{Addr: "ops@sample.co.jp"},
			subject: "SO/SI kana",
			textHas: []string{"① ｶﾀｶﾅ OK"},
			noNotes: true,
		},
		{
			file:    "shiftjis.eml",
			from:    Address{Name: "髙橋 一郎", Addr: "takahashi@example.jp"},
			subject: "パスワード再設定の依頼",
			textHas: []string{"社員番号①２３４５の髙橋です。"},
			noNotes: true,
		},
		{
			file:    "windows31j-qp.eml",
			from:    Address{Addr: "sato@example.jp"},
			subject: "ＶＰＮ接続",
			textHas: []string{"ＶＰＮに接続できません。①番の手順で失敗します。"},
			noNotes: true,
		},
		{
			file:    "eucjp.eml",
			from:    Address{Addr: "suzuki@example.jp"},
			subject: "メールが届かない",
			textHas: []string{"昨日から外部のメールが届きません。"},
			noNotes: true,
		},
		{
			file:    "raw8bit-sjis-header.eml",
			from:    Address{Name: "経理 花子", Addr: "hanako@example.jp"},
			subject: "請求書の再発行について",
			textHas: []string{"請求書を再発行してください。"},
			notes:   []string{"no charset in part 1, read as shift_jis"},
		},
		{
			file:    "latin1.eml",
			from:    Address{Name: "François Lévêque", Addr: "francois@example.fr"},
			subject: "Problème d'accès",
			textHas: []string{"Je n'arrive pas à me connecter.", "François"},
			noNotes: true,
		},
		{
			file:    "lying-ascii-utf8.eml",
			from:    Address{Addr: "mueller@example.de"},
			subject: "Drucker",
			textHas: []string{"Büro druckt nur noch weiße Seiten"},
			notes:   []string{`part 1 is not valid us-ascii, read as utf-8`},
		},
		{
			file:    "lying-latin1-sjis.eml",
			from:    Address{Addr: "kato@example.jp"},
			subject: "latin1 but really Shift_JIS",
			textHas: []string{"共有フォルダにアクセスできません。"},
			notes:   []string{`not valid iso-8859-1, read as shift_jis`},
		},
		{
			file:    "unknown-charset.eml",
			from:    Address{Addr: "someone@example.net"},
			subject: "Hello world", // unknown charset in an encoded-word: ASCII still reads
			textHas: []string{"Café au lait, s'il vous plaît."},
			notes:   []string{`unknown charset "x-klingon" in part 1, read as windows-1252`},
		},
		{
			file:    "broken-rfc2047.eml",
			from:    Address{Name: "山田", Addr: "yamada@example.jp"}, // encoded-word inside quotes
			subject: "=?utf-8?B?!!!notbase64?= and café and =?utf-8?X?bad?= and 日本語tail",
			textHas: []string{"Body."},
		},
		{
			file:      "malformed-base64.eml",
			subject:   "malformed base64",
			from:      Address{Addr: "a@example.com"},
			textHas:   []string{"The VPN drops every hour"},
			textLacks: []string{"\uFFFD"},
			notes:     []string{"malformed base64 in part 1"},
		},
		{
			file:    "html-only.eml",
			from:    Address{Name: "Helpdesk Portal", Addr: "portal@example.org"},
			subject: "Password expiry &amp; HTML only",
			textHas: []string{
				"Hello Anna,\n\nYour password expires in 3 days.\nPlease change it at the SSO portal (https://sso.example.org/change).",
				"Questions? it@example.org\n",
				"- Step one\n- Step <two>",
				"Café & more ✓",
			},
			textLacks: []string{"alert", "color: red", "Ignored title", "(mailto:"},
			noNotes:   true,
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			m := mustParse(t, tt.file)
			if m.From != tt.from {
				t.Errorf("From = %+v, want %+v", m.From, tt.from)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, s := range tt.textHas {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text lacks %q; Text = %q", s, m.Text)
				}
			}
			for _, s := range tt.textLacks {
				if strings.Contains(m.Text, s) {
					t.Errorf("Text has %q; Text = %q", s, m.Text)
				}
			}
			if tt.noNotes && len(m.Notes) > 0 {
				t.Errorf("Notes = %q, want none", m.Notes)
			}
			for _, n := range tt.notes {
				if !containsNote(m.Notes, n) {
					t.Errorf("Notes = %q, want one containing %q", m.Notes, n)
				}
			}
			if tt.messageID != "" && m.MessageID != tt.messageID {
				t.Errorf("MessageID = %q, want %q", m.MessageID, tt.messageID)
			}
			if tt.wantDateUTC != "" && m.Date.UTC().Format(time.RFC3339) != tt.wantDateUTC {
				t.Errorf("Date = %v, want %s", m.Date, tt.wantDateUTC)
			}
			if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) {
				t.Errorf("Text or Subject is not valid UTF-8")
			}
		})
	}
}

func containsNote(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

func TestParse_KeepsRawAndHashesIt(t *testing.T) {
	raw := readEML(t, "iso2022jp.eml")
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if m.ContentHash != hex.EncodeToString(sum[:]) {
		t.Errorf("ContentHash = %s, want sha256 of raw", m.ContentHash)
	}
	if !bytes.Equal(m.Raw, raw) {
		t.Error("Raw differs from the input")
	}
	if m.ReturnPath != "yamada@example.co.jp" {
		t.Errorf("ReturnPath = %q", m.ReturnPath)
	}
}

func TestParse_ThreadingHeadersWithoutBrackets(t *testing.T) {
	m := mustParse(t, "reply-outlook.eml")
	if m.MessageID != "reply-outlook-1@example.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if want := []string{"ticket-1042@support.example.com"}; fmt.Sprint(m.InReplyTo) != fmt.Sprint(want) {
		t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, want)
	}
	if want := []string{"ticket-1042@support.example.com", "ticket-1042-2@support.example.com"}; fmt.Sprint(m.References) != fmt.Sprint(want) {
		t.Errorf("References = %q, want %q", m.References, want)
	}
	// Gmail appends a comment to In-Reply-To; only the id counts.
	g := mustParse(t, "reply-gmail.eml")
	if want := []string{"ticket-1043@support.example.com"}; fmt.Sprint(g.InReplyTo) != fmt.Sprint(want) {
		t.Errorf("gmail InReplyTo = %q, want %q", g.InReplyTo, want)
	}
}

func TestParse_AlternativePrefersPlainTextAndKeepsHTML(t *testing.T) {
	m := mustParse(t, "reply-gmail.eml")
	if !strings.HasPrefix(m.Text, "I deleted old mail, it works now. Thanks!") || strings.Contains(m.Text, "<div") {
		t.Errorf("Text = %q, want the text/plain alternative", m.Text)
	}
	if !strings.Contains(m.HTML, `<div dir="ltr">`) {
		t.Errorf("HTML = %q, want the text/html alternative", m.HTML)
	}
}

func TestParse_AttachmentsAndInlineImage(t *testing.T) {
	m := mustParse(t, "attachments.eml")
	if m.Text != "The error is in the screenshot." {
		t.Errorf("Text = %q", m.Text)
	}
	if !strings.Contains(m.HTML, "cid:shot1@example.com") {
		t.Errorf("HTML = %q, want the related HTML", m.HTML)
	}
	want := []struct {
		name, orig, ct, cid string
		inline              bool
		size                int64
	}{
		{"screen shot.png", "screen shot.png", "image/png", "shot1@example.com", true, 70},
		{"report_2024_.pdf", `..\..\windows\report:2024?.pdf`, "application/pdf", "", false, 45},
		{"attachment-3.bin", "", "application/octet-stream", "", false, 5},
		{"message.eml", "", "message/rfc822", "", false, 128},
		{"見積.xls", "見積.xls", "application/vnd.ms-excel", "", false, 8},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("got %d attachments, want %d: %+v", len(m.Attachments), len(want), m.Attachments)
	}
	for i, w := range want {
		a := m.Attachments[i]
		if a.Filename != w.name || a.Original != w.orig || a.ContentType != w.ct || a.ContentID != w.cid || a.Inline != w.inline || a.Size != w.size {
			t.Errorf("attachment %d = {%q %q %q %q %v %d}, want %+v", i, a.Filename, a.Original, a.ContentType, a.ContentID, a.Inline, a.Size, w)
		}
		if int64(len(a.Data)) != a.Size {
			t.Errorf("attachment %d: len(Data) = %d, Size = %d", i, len(a.Data), a.Size)
		}
	}
	if !bytes.HasPrefix(m.Attachments[1].Data, []byte("%PDF-1.4")) {
		t.Errorf("pdf data = %q", m.Attachments[1].Data)
	}
}

func TestSafeFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\evil.exe`, "evil.exe"},
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{`what<is>this:"|?*.doc`, "what_is_this_____.doc"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"...", ""},
		{"  ", ""},
		{"CON.txt", "_CON.txt"},
		{".bashrc", "bashrc"},
		{strings.Repeat("あ", 100) + ".pdf", strings.Repeat("あ", 65) + ".pdf"},
	}
	for _, tt := range tests {
		if got := safeFilename(tt.in); got != tt.want {
			t.Errorf("safeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := safeFilename(tt.in); len(got) > 200 || !utf8.ValidString(got) {
			t.Errorf("safeFilename(%q) = %q: too long or invalid", tt.in, got)
		}
	}
}

func TestParse_Quarantine(t *testing.T) {
	deep := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
	for i := 1; i <= 5; i++ {
		deep += fmt.Sprintf("--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	many := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
	for i := 0; i < 10; i++ {
		many += "--x\r\nContent-Type: text/plain\r\n\r\npart\r\n"
	}
	many += "--x--\r\n"
	tests := []struct {
		name       string
		raw        string
		lim        Limits
		reason     string
		withHeader bool // a header-only Message comes with the error
	}{
		{"too large", "From: a@example.com\r\n\r\n" + strings.Repeat("x", 100), Limits{MaxBytes: 50}, ReasonTooLarge, true},
		{"too many parts", many, Limits{MaxParts: 5}, ReasonTooManyParts, true},
		{"nesting too deep", deep, Limits{MaxDepth: 3}, ReasonTooDeep, true},
		{"too large and no header", strings.Repeat("x", 100), Limits{MaxBytes: 50}, ReasonTooLarge, false},
		{"empty", "\r\n \r\n", Limits{}, ReasonEmpty, false},
		{"no header at all", "Hello, this is just text.\r\nNo header here.\r\n", Limits{}, ReasonNoHeaders, false},
		{"starts with a body line", "\r\nHello\r\nFrom: a@example.com\r\n\r\nbody", Limits{}, ReasonNoHeaders, false},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Limits{}, ReasonNoHeaders, false},
		{"fields but no mail header", "Foo: bar\r\nBaz: qux\r\n\r\nbody", Limits{}, ReasonNotAMessage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), tt.lim)
			q, ok := IsQuarantine(err)
			if !ok {
				t.Fatalf("Parse = %v, %v; want a *QuarantineError", m, err)
			}
			if tt.withHeader != (m != nil) {
				t.Fatalf("Parse = %v with %v; want a Message %v", m, err, tt.withHeader)
			}
			if m != nil && (m.From.Addr != "a@example.com" || m.Text != "" || len(m.Attachments) != 0) {
				t.Errorf("Message = From %+v, Text %q, %d attachments; want the header's From and no body", m.From, m.Text, len(m.Attachments))
			}
			if q.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", q.Reason, tt.reason)
			}
			if q.Err == nil || !strings.HasPrefix(q.Err.Error(), "mime: ") {
				t.Errorf("Err = %v, want a cause saying mime failed", q.Err)
			}
		})
	}
}

// TestParse_QuarantinedMessageKeepsItsHeader: a message quarantined for a
// limit still says who sent what, so its record can be found and answered
// by hand; the body is not read.
func TestParse_QuarantinedMessageKeepsItsHeader(t *testing.T) {
	const header = "Return-Path: <kimura@example.jp>\r\n" +
		"From: =?UTF-8?B?5pyo5p2R?= <kimura@Example.JP>\r\n" +
		"To: support@example.com\r\n" +
		"Subject: =?UTF-8?B?44Ot44Kw44OV44Kh44Kk44Or44KS6YCB44KK44G+44GZ?=\r\n" + // ログファイルを送ります
		"Date: Tue, 16 Jan 2024 18:30:00 +0900\r\n" +
		"Message-ID: <big-1@example.jp>\r\n" +
		"In-Reply-To: <ticket-7@support.example.com>\r\n"
	attach := "Content-Type: application/zip; name=logs.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("UEsDBBQAAAAIAA==\r\n", 400)
	large := header + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nLogs attached.\r\n--b\r\n" + attach + "--b--\r\n"
	var many strings.Builder
	many.WriteString(header + "Content-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range 20 {
		many.WriteString("--b\r\n" + attach)
	}
	many.WriteString("--b--\r\n")
	// A header of more than the bound Parse reads of a too-large message:
	// the fields before the bound are still found.
	huge := header + "X-Padding: " + strings.Repeat("a", 2<<20) + "\r\n\r\nbody\r\n"

	tests := []struct {
		name, raw, reason string
		lim               Limits
		inReplyTo         bool
	}{
		{"too large", large, ReasonTooLarge, Limits{MaxBytes: 4096}, true},
		{"too many parts", many.String(), ReasonTooManyParts, Limits{MaxParts: 5}, true},
		{"too large with a header beyond the read bound", huge, ReasonTooLarge, Limits{MaxBytes: 1 << 20}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), tt.lim)
			q, ok := IsQuarantine(err)
			if !ok || q.Reason != tt.reason {
				t.Fatalf("err = %v, want quarantine %q", err, tt.reason)
			}
			if m == nil {
				t.Fatal("no Message with the quarantine error")
			}
			if m.From != (Address{Name: "木村", Addr: "kimura@example.jp"}) || m.MessageID != "big-1@example.jp" ||
				m.Subject != "ログファイルを送ります" || m.Date.UTC().Format(time.RFC3339) != "2024-01-16T09:30:00Z" ||
				m.ReturnPath != "kimura@example.jp" || len(m.InReplyTo) != 1 || m.InReplyTo[0] != "ticket-7@support.example.com" {
				t.Errorf("header fields = From %+v, MessageID %q, Subject %q, Date %v, ReturnPath %q, InReplyTo %q",
					m.From, m.MessageID, m.Subject, m.Date, m.ReturnPath, m.InReplyTo)
			}
			sum := sha256.Sum256([]byte(tt.raw))
			if m.ContentHash != hex.EncodeToString(sum[:]) || len(m.Raw) != len(tt.raw) {
				t.Errorf("ContentHash %s over %d bytes, want the hash of all %d", m.ContentHash, len(m.Raw), len(tt.raw))
			}
			if m.Text != "" || m.HTML != "" || len(m.Attachments) != 0 || m.Auto.IsAutomatic() || m.DSN != nil {
				t.Errorf("body fields set: Text %q, %d attachments, Auto %+v", m.Text, len(m.Attachments), m.Auto)
			}
		})
	}
}

func TestParse_DefaultLimitsAcceptTheirBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for i := 0; i < DefaultMaxParts-1; i++ {
		b.WriteString("--x\r\nContent-Type: application/octet-stream\r\n\r\nAA\r\n")
	}
	b.WriteString("--x--\r\n")
	m, err := Parse([]byte(b.String()), Limits{})
	if err != nil {
		t.Fatalf("Parse of %d parts: %v", DefaultMaxParts, err)
	}
	if len(m.Attachments) != DefaultMaxParts-1 {
		t.Errorf("attachments = %d", len(m.Attachments))
	}
	b.WriteString("")
}

func TestParse_BrokenStructureStillYieldsText(t *testing.T) {
	tests := []struct {
		name, raw, text, note string
	}{
		{
			"missing blank line after header",
			"From: a@example.com\r\nSubject: hi\r\nthis line starts the body\r\n",
			"this line starts the body", "header not ended by a blank line",
		},
		{
			"multipart without boundary",
			"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nplain words\r\n",
			"plain words", "has no usable boundary",
		},
		{
			"no closing boundary",
			"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nfirst\r\n",
			"first", "has no closing boundary",
		},
		{
			"unknown transfer encoding",
			"From: a@example.com\r\nContent-Transfer-Encoding: x-rot13\r\n\r\nraw stays\r\n",
			"raw stays", `unknown transfer encoding "x-rot13" in part 1`,
		},
		{
			"similar boundary does not split",
			"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\none\r\n--abc\r\ntwo\r\n--ab--\r\n",
			"one\r\n--abc\r\ntwo", "",
		},
		{
			"blank line and indentation before the header",
			"\r\n From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n",
			"body", "",
		},
		{
			"mbox separator line",
			"From a@example.com Mon Jan 15 10:00:00 2024\r\nFrom: a@example.com\r\n\r\nbody\r\n",
			"body", "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !strings.Contains(m.Text, normalizeNewlines(tt.text)) {
				t.Errorf("Text = %q, want it to contain %q", m.Text, tt.text)
			}
			if tt.note != "" && !containsNote(m.Notes, tt.note) {
				t.Errorf("Notes = %q, want %q", m.Notes, tt.note)
			}
		})
	}
}

func TestParse_Addresses(t *testing.T) {
	raw := "From: \"Doe, John\" <John.Doe@EXAMPLE.COM>\r\n" +
		"To: undisclosed-recipients:;\r\n" +
		"Cc: a@example.com (Alice A), =?UTF-8?B?5L2Q6Jek?= <sato@Example.JP>, Team: b@example.com, c@example.com;, <@route.example:d@example.com>\r\n" +
		"Reply-To: bare@example.com\r\n" +
		"Sender: secretary@example.com\r\n" +
		"Return-Path: <>\r\n\r\nbody"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Address{Name: "Doe, John", Addr: "John.Doe@example.com"}); m.From != want {
		t.Errorf("From = %+v, want %+v", m.From, want)
	}
	if len(m.To) != 0 {
		t.Errorf("To = %+v, want none", m.To)
	}
	wantCc := []Address{{"Alice A", "a@example.com"}, {"佐藤", "sato@example.jp"}, {"", "b@example.com"}, {"", "c@example.com"}, {"", "d@example.com"}}
	if fmt.Sprint(m.Cc) != fmt.Sprint(wantCc) {
		t.Errorf("Cc = %+v, want %+v", m.Cc, wantCc)
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Addr != "bare@example.com" {
		t.Errorf("ReplyTo = %+v", m.ReplyTo)
	}
	if m.Sender.Addr != "secretary@example.com" {
		t.Errorf("Sender = %+v", m.Sender)
	}
	if m.ReturnPath != "<>" {
		t.Errorf("ReturnPath = %q, want <>", m.ReturnPath)
	}
}

func TestParse_LenientDates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mon, 15 Jan 2024 10:00:00 +0900", "2024-01-15T01:00:00Z"},
		{"15 Jan 2024 10:00:00 +0900 (JST)", "2024-01-15T01:00:00Z"},
		{"Mon,  15 Jan 2024 10:00 +0000", "2024-01-15T10:00:00Z"},
		{"Mon Jan 15 10:00:00 2024", "2024-01-15T10:00:00Z"},
		{"2024-01-15T10:00:00+09:00", "2024-01-15T01:00:00Z"},
		{"not a date", "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		if got := parseDate([]byte(tt.in)).UTC().Format(time.RFC3339); got != tt.want {
			t.Errorf("parseDate(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecodeText_Charsets(t *testing.T) {
	tests := []struct {
		label string
		in    []byte
		want  string
	}{
		{"GB2312", []byte{0xc4, 0xe3, 0xba, 0xc3}, "你好"},
		{"gbk", []byte{0xc4, 0xe3, 0xba, 0xc3}, "你好"},
		{"Big5", []byte{0xa7, 0x41, 0xa6, 0x6e}, "你好"},
		{"EUC-KR", []byte{0xbe, 0xc8, 0xb3, 0xe7}, "안녕"},
		{"ks_c_5601-1987", []byte{0xbe, 0xc8, 0xb3, 0xe7}, "안녕"},
		{"windows-1251", []byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2}, "Привет"},
		{"ISO-8859-15", []byte{0xa4}, "€"},
		{"windows-1252", []byte{0x93, 'h', 'i', 0x94}, "\u201chi\u201d"},
		{"x-sjis", []byte{0x82, 0xa0}, "あ"},
		{"MS932", []byte{0x87, 0x40}, "①"},
		{"CP932", []byte{0x87, 0x8a}, "㈱"},
		{"\"UTF-8\"", []byte("ok ✓"), "ok ✓"},
	}
	for _, tt := range tests {
		d := decodeText(tt.in, tt.label)
		if d.Text != tt.want || d.Lied {
			t.Errorf("decodeText(%q) = %q (used %s, lied %v), want %q", tt.label, d.Text, d.Used, d.Lied, tt.want)
		}
	}
}

func TestQuarantineError_WrapsCause(t *testing.T) {
	_, err := Parse([]byte("From: a@example.com\r\n\r\n"+strings.Repeat("x", 10)), Limits{MaxBytes: 5})
	var q *QuarantineError
	if !errors.As(err, &q) || !strings.Contains(err.Error(), "mime: quarantined: too large") {
		t.Fatalf("err = %v", err)
	}
}

// benchFiles are the testdata mails BenchmarkParse reads.
func benchFiles(b *testing.B) [][]byte {
	var out [][]byte
	err := filepath.Walk("testdata", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".eml") {
			return err
		}
		raw, err := os.ReadFile(path)
		out = append(out, raw)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkParse parses every testdata mail once per iteration; MB/s is
// over their total size, allocs are per iteration.
func BenchmarkParse(b *testing.B) {
	files := benchFiles(b)
	total := 0
	for _, f := range files {
		total += len(f)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			_, _ = Parse(f, Limits{})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(files)), "µs/msg")
}

// Adversarial shapes that once cost quadratic time: a header folded over
// many lines and a body full of boundary look-alikes. With the quadratic
// code each took tens of seconds; now they parse in milliseconds.
func TestParse_PathologicalShapesStayFast(t *testing.T) {
	folded := "From: a@example.com\r\nSubject: x" + strings.Repeat("\r\n y", 1<<18) + "\r\n\r\nbody"
	m, err := Parse([]byte(folded), Limits{})
	if err != nil || !strings.HasPrefix(m.Subject, "x y y") || m.Text != "body" {
		t.Fatalf("folded: Subject %.20q, Text %q, err %v", m.Subject, m.Text, err)
	}
	dashes := "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\nfirst\r\n" + strings.Repeat("--a", 1<<18)
	m, err = Parse([]byte(dashes), Limits{})
	if err != nil || !strings.HasPrefix(m.Text, "first") {
		t.Fatalf("dashes: Text %.20q, err %v", m.Text, err)
	}
}

func TestParse_RawISO2022JPHeadersWithoutEncodedWords(t *testing.T) {
	yamada := "\x1b$B;3ED\x1b(B" // 山田, sent raw by old Japanese mailers
	raw := "From: " + yamada + " <yamada@example.jp>\r\nSubject: " + yamada + " test\r\n\r\nbody"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "山田 test" || m.From.Name != "山田" {
		t.Errorf("Subject = %q, From = %+v", m.Subject, m.From)
	}
}

func TestDecodeQP(t *testing.T) {
	tests := []struct {
		in     string
		header bool
		want   string
	}{
		{"caf=C3=A9 au lait=\r\n, s'il=20\r\nvous  \r\nplait", false, "café au lait, s'il \r\nvous\r\nplait"},
		{"a=zz b= \nc=", false, "a=zz bc"},
		{"snake_case", false, "snake_case"},
		{"Hello_w=6Frld", true, "Hello world"},
		{"lower=c3=a9", false, "loweré"},
	}
	for _, tt := range tests {
		if got := string(decodeQP([]byte(tt.in), tt.header)); got != tt.want {
			t.Errorf("decodeQP(%q, %v) = %q, want %q", tt.in, tt.header, got, tt.want)
		}
	}
}

// An attachment far larger than the decoder's chunk decodes to its bytes
// exactly, whether its base64 is wrapped in lines, one long line, or
// padded segments that meet a chunk boundary.
func TestDecodeBase64_LargeDataDecodesExactly(t *testing.T) {
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var wrapped strings.Builder
	for i := 0; i < len(enc); i += 76 {
		wrapped.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
	}
	// Two padded blocks, the first ending just past a chunk boundary.
	first, second := data[:base64Chunk*3/4+1], data[base64Chunk*3/4+1:]
	joined := base64.StdEncoding.EncodeToString(first) + base64.StdEncoding.EncodeToString(second)
	for name, in := range map[string]string{"wrapped": wrapped.String(), "one line": enc, "padded segments": joined} {
		out, clean := decodeBase64([]byte(in))
		if !clean || !bytes.Equal(out, data) {
			t.Errorf("%s: decoded %d bytes (clean %v); want the %d bytes encoded", name, len(out), clean, len(data))
		}
	}
}

// An HTML body's <meta charset> is found however its letters are cased,
// and a byte of invalid UTF-8 before it does not shift where it is read
// (bytes.ToLower made such a byte three, and the slice ran off the end:
// a fuzzer's find).
func TestHTMLMetaCharset_InvalidUTF8BeforeItShiftsNothing(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`<meta charset="Shift_JIS">`, "Shift_JIS"},
		{"\xb2<META CHARSET=euc-jp>", "euc-jp"},
		{"\xb2\xb3\xb4ChArset=", ""},
		{"\xb2ChArset=iso-2022-jp;", "iso-2022-jp"},
		{"no meta here", ""},
	} {
		if got := htmlMetaCharset([]byte(c.body)); got != c.want {
			t.Errorf("htmlMetaCharset(%q) = %q, want %q", c.body, got, c.want)
		}
	}
	m, err := Parse([]byte("Content-Type: text/html\n\n\xb2ChArset="), Limits{})
	if err != nil || m == nil {
		t.Fatalf("Parse of an HTML body with a stray byte before charset=: %v", err)
	}
}
