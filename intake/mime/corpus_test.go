package mime

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// corpusDir holds enmime's test mail (MIT licence), shared by the project
// and not part of this repository.
const corpusDir = "/work/shared/corpus/enmime"

// TestParse_Corpus runs every file of the shared corpus through Parse: each
// must end in a recorded outcome, a Message or a quarantine with a reason,
// and never a panic.
func TestParse_Corpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus %s is absent: %v", corpusDir, err)
	}
	var parsed, quarantined int
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, path)
		t.Run(rel, func(t *testing.T) {
			m, err := Parse(raw, Limits{})
			switch q, ok := IsQuarantine(err); {
			case err == nil && m != nil:
				parsed++
				if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) {
					t.Errorf("Text or Subject is not valid UTF-8")
				}
				for _, a := range m.Attachments {
					if a.Filename == "" {
						t.Errorf("attachment without a stored name: %+v", a)
					}
				}
			case ok && q.Reason != "":
				quarantined++
				t.Logf("quarantined: %v", err)
			default:
				t.Errorf("Parse = %v, %v; want a Message or a *QuarantineError with a reason", m, err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", corpusDir, err)
	}
	if parsed+quarantined == 0 {
		t.Fatalf("corpus %s holds no files", corpusDir)
	}
	t.Logf("%d parsed, %d quarantined", parsed, quarantined)
}
