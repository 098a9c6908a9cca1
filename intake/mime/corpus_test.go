package mime

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// sharedCorpus is enmime's test mail (MIT licence) in ../shared/corpus/enmime
// beside the repository root: shared by the project's checkouts, not part of
// this repository. A few of its files are copied into testdata/enmime, so
// the tests that read it always have real mail of that kind.
func sharedCorpus(t *testing.T) (string, bool) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "corpus", "enmime")
	if _, err := os.Stat(corpus); err != nil {
		t.Logf("shared corpus %s is absent, only testdata is read: %v", corpus, err)
		return "", false
	}
	return corpus, true
}

// TestParse_Corpus runs every mail of testdata, and of the shared corpus when
// it is there, through Parse: each must end in a recorded outcome, a Message
// or a quarantine with a reason, and never a panic.
func TestParse_Corpus(t *testing.T) {
	dirs := []string{"testdata"}
	if dir, ok := sharedCorpus(t); ok {
		dirs = append(dirs, dir)
	}
	var parsed, quarantined int
	for _, root := range dirs {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isMailFile(path) {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			t.Run(filepath.Base(root)+"/"+rel, func(t *testing.T) {
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
			t.Fatalf("walk %s: %v", root, err)
		}
	}
	if parsed+quarantined == 0 {
		t.Fatalf("%q hold no mail", dirs)
	}
	t.Logf("%d parsed, %d quarantined", parsed, quarantined)
}

// isMailFile tells mail from the licence and images kept beside it.
func isMailFile(path string) bool {
	switch filepath.Ext(path) {
	case ".eml", ".raw", ".golden":
		return true
	}
	return false
}
