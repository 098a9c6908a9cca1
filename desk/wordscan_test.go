package desk

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/intake/mime"
)

// The one-pass scan of the built-in rules' words classifies every text as
// looking for each word in turn does: the mail of the parser's testdata,
// and texts made of the rules' own words glued to letters, digits,
// punctuation and Japanese, where an ASCII word stands alone or does not.
func TestClassify_OneScanOfTheWordsDecidesAsOneSearchAWord(t *testing.T) {
	rules := DefaultRules()
	perWord := make([]Rule, len(rules))
	for i, r := range rules {
		r.scan, r.ids = nil, nil
		perWord[i] = r
	}
	var texts [][2]string
	files, _ := filepath.Glob("../intake/mime/testdata/*.eml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if msg, err := mime.Parse(raw, mime.Limits{}); err == nil {
			texts = append(texts, [2]string{msg.Subject, msg.Text})
		}
	}
	var words []string
	for _, r := range rules {
		words = append(words, r.words...)
	}
	glue := []string{" ", "", "a", "7", "_", "-", ".", "'", "の", "、", "\n", "X"}
	rng := rand.New(rand.NewPCG(18, 1))
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			b.WriteString(glue[rng.IntN(len(glue))])
			w := words[rng.IntN(len(words))]
			if rng.IntN(4) == 0 {
				w = strings.ToUpper(w)
			}
			if rng.IntN(5) == 0 && len(w) > 2 {
				w = w[:len(w)-1] // a word cut short
			}
			b.WriteString(w)
		}
		b.WriteString(glue[rng.IntN(len(glue))])
		texts = append(texts, [2]string{b.String(), ""}, [2]string{"", b.String()})
	}
	if len(texts) < 6000 {
		t.Fatalf("only %d texts", len(texts))
	}
	for _, tx := range texts {
		if got, want := classify(rules, "", tx[0], tx[1], "user@customer.example"), classify(perWord, "", tx[0], tx[1], "user@customer.example"); got != want {
			t.Errorf("subject %q, body %.80q: one scan gives %+v, a search a word %+v", tx[0], tx[1], got, want)
		}
	}
}
