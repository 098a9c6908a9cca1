package mime

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks the promises of Parse on any input: no panic, an error
// is always a *QuarantineError with a reason, and the texts are valid UTF-8.
// Seeds are every mail in testdata; a crasher the fuzzer finds lands in
// testdata/fuzz/FuzzParse and from then on runs with the plain tests.
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".eml" {
			return err
		}
		raw, err := os.ReadFile(path)
		if err == nil {
			f.Add(raw)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Limits{MaxBytes: 1 << 20, MaxParts: 50, MaxDepth: 8})
		if err != nil {
			var q *QuarantineError
			if !errors.As(err, &q) || q.Reason == "" {
				t.Fatalf("error %v is not a *QuarantineError with a reason", err)
			}
			if q.Reason == "parser failure" {
				t.Fatalf("Parse panicked: %v", err)
			}
			if m != nil && (m.Text != "" || len(m.Attachments) != 0 || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.From.Name)) {
				t.Fatalf("quarantined Message is not header-only valid UTF-8: %+v", m)
			}
			return
		}
		if m == nil {
			t.Fatal("nil Message and nil error")
		}
		if !utf8.ValidString(m.Text) {
			t.Errorf("Text is not valid UTF-8: %q", m.Text)
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.From.Name) {
			t.Errorf("Subject or From name is not valid UTF-8")
		}
		for _, a := range m.Attachments {
			if a.Filename == "" || !utf8.ValidString(a.Filename) {
				t.Errorf("bad stored name %q", a.Filename)
			}
		}
		_ = StripQuoted(m.Text)
	})
}
