package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// TestParse_WhereGoMessageFails is why this package has a parser of its own:
// one row per kind of real-world mail that go-message v0.18.2 (with its
// charset package registered) reads wrongly or refuses, and that Parse
// reads. Each row names the field go-message gets wrong, and the test
// asserts both halves: go-message misses the wanted value (or stops with an
// error), Parse finds it. Rows from the shared corpus run when it is there
// (see sharedCorpus); the project's testdata rows always run. The package
// comment lists the same cases.
func TestParse_WhereGoMessageFails(t *testing.T) {
	tests := []goMessageCase{
		{
			name: "RFC 2047 word split inside an ISO-2022-JP character", file: "iso2022jp.eml",
			subject: "プリンタが印刷できません（至急）", goWrong: []string{"subject"},
		},
		{
			name: "CP50221 half-width kana by SO/SI", file: "cp50221-so-si.eml",
			text: "① ｶﾀｶﾅ OK", goWrong: []string{"text"},
		},
		{
			name: "RFC 2047 word inside a quoted display name", file: "broken-rfc2047.eml",
			fromName: "山田", goWrong: []string{"from"},
		},
		{
			name: "raw 8-bit Shift_JIS headers and body without a charset", file: "raw8bit-sjis-header.eml",
			fromAddr: "hanako@example.jp", fromName: "経理 花子", subject: "請求書の再発行について", text: "請求書を再発行してください。",
			goWrong: []string{"from", "subject", "text"},
		},
		{
			name: "ISO-8859-1 label on Shift_JIS text", file: "lying-latin1-sjis.eml",
			text: "共有フォルダにアクセスできません。", goWrong: []string{"text"},
		},
		{
			name: "unknown charsets in a header word and a body", file: "unknown-charset.eml",
			subject: "Hello world", text: "Café au lait, s'il vous plaît.", goWrong: []string{"subject", "text"},
		},
		{
			name: "malformed base64 in a text part", file: "malformed-base64.eml",
			text: "The VPN drops every hour", goWrong: []string{"error"},
		},
		{
			name: "multipart without its closing boundary", file: "enmime/low-quality-bad-final-boundary.eml",
			text: "A text section", goWrong: []string{"error"},
		},
		{
			name: "header that starts with white space", file: "low-quality/bad-header-start.raw", corpus: true,
			fromAddr: "james@makita.skynet", subject: "plain text", goWrong: []string{"from", "subject", "error"},
		},
		{
			name: "header not ended by a blank line", file: "mail/qp-utf8-header-no-break.raw", corpus: true,
			fromAddr: "jamehi03@jamehi03lx.noa.com", subject: "MIME UTF8 Test ¢ More Text", text: "Lorem ipsum dolor sit amet",
			goWrong: []string{"from", "subject", "text", "error"},
		},
		{
			name: "part header with a broken fold", file: "low-quality/bad-header-wrap.raw", corpus: true,
			text: "A text section", attachments: 1, goWrong: []string{"attachments", "error"},
		},
		{
			name: "part without a header", file: "parts/multi-malformed.raw", corpus: true,
			text: "Section two", goWrong: []string{"text", "error"},
		},
		{
			name: "multipart without a boundary parameter", file: "mail/multipart-wo-boundary.raw", corpus: true,
			text: "multipart message without boundary", goWrong: []string{"text", "error"},
		},
		{
			name: "plain text declared base64", file: "mail/mime-bad-content-transfer-encoding.raw", corpus: true,
			text: "ploozdect  nispplul", goWrong: []string{"text", "error"},
		},
		{
			name: "two mailboxes in From without a comma", file: "mail/malformed-multiple-address-header-values.raw", corpus: true,
			fromAddr: "bobby@extern", goWrong: []string{"from"}, // Parse keeps the last angle-addr; go-message none
		},
		{
			name: "bare address after an 8-bit name", file: "encode/utf8-to.raw.golden", corpus: true,
			fromAddr: "foo@bar.com", goWrong: []string{"from"},
		},
		{
			name: "base64 of 4n+1 characters", file: "parts/extra-base64-character.raw", corpus: true,
			text: "Hello World!", goWrong: []string{"error"},
		},
	}
	corpus, haveCorpus := sharedCorpus(t)
	ran := 0
	for _, tt := range tests {
		path := filepath.Join("testdata", tt.file)
		if tt.corpus {
			if !haveCorpus {
				continue
			}
			path = filepath.Join(corpus, tt.file)
		}
		ran++
		t.Run(tt.name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			own := readView{From: m.From, Subject: m.Subject, Text: m.Text, Attachments: len(m.Attachments)}
			if bad := tt.wrongFields(own); len(bad) > 0 {
				t.Errorf("Parse gets %q wrong: %+v", bad, own)
			}
			gm := readWithGoMessage(raw)
			goBad := tt.wrongFields(gm)
			if gm.Err != nil {
				goBad = append(goBad, "error")
			}
			for _, f := range tt.goWrong {
				if !contains(goBad, f) {
					t.Errorf("go-message gets %s right now (%+v, err %v): drop the row or parse with go-message", f, gm, gm.Err)
				}
			}
			t.Logf("go-message: %q wrong, err %v", goBad, gm.Err)
		})
	}
	if ran == 0 {
		t.Fatal("no row ran")
	}
}

// goMessageCase is one row of TestParse_WhereGoMessageFails.
type goMessageCase struct {
	name   string
	file   string // in testdata, or in the shared corpus when corpus is set
	corpus bool
	// What a reader must get; empty fields are not checked.
	fromAddr, fromName, subject, text string
	attachments                       int
	// goWrong names the fields go-message gets wrong: "from", "subject",
	// "text", "attachments", and "error" when it stops with an error other
	// than an unknown charset (whose entity stays readable).
	goWrong []string
}

// wrongFields lists the wanted fields v misses.
func (c goMessageCase) wrongFields(v readView) []string {
	var bad []string
	if (c.fromAddr != "" && v.From.Addr != c.fromAddr) || (c.fromName != "" && v.From.Name != c.fromName) {
		bad = append(bad, "from")
	}
	if c.subject != "" && v.Subject != c.subject {
		bad = append(bad, "subject")
	}
	if c.text != "" && !strings.Contains(v.Text, c.text) {
		bad = append(bad, "text")
	}
	if c.attachments != 0 && v.Attachments != c.attachments {
		bad = append(bad, "attachments")
	}
	return bad
}

// readView is what a reader of a mail gets, from either parser.
type readView struct {
	From        Address
	Subject     string
	Text        string // the text/plain parts, LF line ends
	Attachments int
	Err         error // the first error that stopped reading
}

// readWithGoMessage reads raw the way a program built on go-message's mail
// reader would: header fields through its decoding helpers, the text/plain
// inline parts as the text, the attachment parts counted. Unknown-charset
// errors do not stop it (the entity stays readable, as go-message documents).
func readWithGoMessage(raw []byte) readView {
	var v readView
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if r == nil {
		v.Err = fmt.Errorf("go-message: create reader: %w", err)
		return v
	}
	keep := func(err error) {
		if err != nil && v.Err == nil && !message.IsUnknownCharset(err) {
			v.Err = err
		}
	}
	keep(err)
	v.Subject, _ = r.Header.Subject()
	if from, err := r.Header.AddressList("From"); err == nil && len(from) > 0 {
		v.From = Address{Name: from[0].Name, Addr: from[0].Address}
	}
	var text strings.Builder
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		keep(err)
		if p == nil {
			break
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" || ct == "" {
				b, err := io.ReadAll(p.Body)
				keep(err)
				text.Write(b)
			}
		case *mail.AttachmentHeader:
			v.Attachments++
		}
	}
	v.Text = strings.ReplaceAll(text.String(), "\r\n", "\n")
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
