package responder

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// synonymsGz is the table generated from Sudachi's synonym dictionary
// (synonyms_gen_test.go; licence in synonyms.LICENSE): one group a line,
// its lexemes separated by ';', a lexeme's spellings by ',', each as the
// analyzer emits it; a '!' marks a word that is expanded to, never from.
//
//go:embed synonyms.txt.gz
var synonymsGz []byte

// synonymTable is the table as matching reads it.
type synonymTable struct {
	// variant maps a spelling to its lexeme's first spelling (こども,
	// 子ども → 子供; 引越し → 引越).
	variant map[string]string
	// syn maps a lexeme's first spelling to those of the other lexemes of
	// its groups (補助金 → 助成金, 交付金, ...).
	syn map[string][]string
}

// maxSynonyms bounds the expansion of one term: a large group ranges
// wide, and each synonym is one more clause per field.
const maxSynonyms = 6

var (
	synOnce  sync.Once
	synTable *synonymTable
)

// synonyms loads the table once, on first use.
func synonyms() *synonymTable {
	synOnce.Do(func() { synTable = parseSynonyms(synonymsGz) })
	return synTable
}

func parseSynonyms(gz []byte) *synonymTable {
	t := &synonymTable{variant: map[string]string{}, syn: map[string][]string{}}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return t // without the table nothing is expanded
	}
	ambiguous := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var reps []string
		var triggers []bool
		for _, lex := range strings.Split(sc.Text(), ";") {
			rep, trigger := "", true
			for _, v := range strings.Split(lex, ",") {
				bang := strings.HasPrefix(v, "!")
				v = strings.TrimPrefix(v, "!")
				if utf8.RuneCountInString(v) < 2 {
					continue // one character means too many things
				}
				if rep == "" {
					rep, trigger = v, !bang
					continue
				}
				if old, ok := t.variant[v]; ok && old != rep || ambiguous[v] {
					ambiguous[v] = true
					delete(t.variant, v)
					continue
				}
				if v != rep {
					t.variant[v] = rep
				}
			}
			if rep != "" {
				reps = append(reps, rep)
				triggers = append(triggers, trigger)
			}
		}
		for i, a := range reps {
			if !triggers[i] {
				continue
			}
			for _, b := range reps {
				if b != a && len(t.syn[a]) < maxSynonyms && !slices.Contains(t.syn[a], b) {
					t.syn[a] = append(t.syn[a], b)
				}
			}
		}
	}
	return t
}
