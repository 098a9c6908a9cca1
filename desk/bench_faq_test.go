//go:build faqbench

package desk

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// localgovfaq is the Japanese evaluation set in the repository's
// ../shared; it is read at run time and never copied here.
var localgovfaq = filepath.Join("..", "..", "shared", "bench", "localgovfaq", "faq.jsonl")

// benchFAQ is the FAQ of the matching benchmarks with the faqbench tag:
// the 1,786 published entries of the localgovfaq set. An absent set skips
// the benchmark with a message.
func benchFAQ(b *testing.B) []tickets.FAQ {
	f, err := os.Open(localgovfaq)
	if errors.Is(err, fs.ErrNotExist) {
		b.Skipf("skipped: the localgovfaq set is absent (%s); it lives in ../shared", localgovfaq)
	}
	if err != nil {
		b.Fatalf("localgovfaq: %v", err)
	}
	defer f.Close()
	var out []tickets.FAQ
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var row struct{ ID, Question, Answer string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			b.Fatalf("localgovfaq: %v", err)
		}
		out = append(out, tickets.FAQ{Key: "lg" + row.ID, Question: row.Question, Answer: row.Answer,
			Language: "ja", Status: tickets.FAQPublished})
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("localgovfaq: %v", err)
	}
	return out
}
