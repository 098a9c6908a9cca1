//go:build synonymsgen

package responder

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The generator of synonyms.txt.gz from Sudachi's synonym dictionary
// (Apache-2.0), as the npm package sudachi-synonyms-dictionary ships it.
// `make synonyms` fetches the package with npm and runs
//
//	go test -tags synonymsgen -count=1 -run TestGenerateSynonyms ./responder -args -sudachi=DIR/sudachi-synonyms-dictionary.json
//
// It is a test of the package so that every word goes through the
// analyzer the index uses: a line of the table holds terms as the
// analyzer emits them (base forms, spellings folded), so that a term of a
// query meets its synonyms without analysing anything at match time.
var (
	flagSudachi = flag.String("sudachi", "", "sudachi-synonyms-dictionary.json of the npm package")
	flagSynOut  = flag.String("synout", "synonyms.txt.gz", "the table to write")
)

type sudachiGroup struct {
	ID    string `json:"id"`
	Items []struct {
		Control int    `json:"expandControl"`
		Vocab   *int   `json:"vocabularyNumber"`
		Form    string `json:"gokeiSyubetsu"`
		Word    string `json:"midashi"`
	} `json:"items"`
}

func TestGenerateSynonyms(t *testing.T) {
	if *flagSudachi == "" {
		t.Fatal("-sudachi=PATH of sudachi-synonyms-dictionary.json is required")
	}
	raw, err := os.ReadFile(*flagSudachi)
	if err != nil {
		t.Fatal(err)
	}
	var groups []sudachiGroup
	if err := json.Unmarshal(raw, &groups); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	kept, terms := 0, 0
	for _, g := range groups {
		// One lexeme per vocabulary number: its spellings, folded to one
		// term by the analyzer or not.
		var order []int
		lexemes := map[int][]string{}
		for i, it := range g.Items {
			if it.Control == 2 || asciiOnly(it.Word) {
				continue
			}
			term, ok := oneTerm(it.Word)
			if !ok {
				continue
			}
			v := -i // an item without a number is a lexeme of its own
			if it.Vocab != nil {
				v = *it.Vocab
			}
			if _, seen := lexemes[v]; !seen {
				order = append(order, v)
			}
			if !slices.Contains(lexemes[v], term) {
				// Control 1: expanded to, never from; marked with a
				// leading '!'.
				if it.Control == 1 {
					term = "!" + term
				}
				lexemes[v] = append(lexemes[v], term)
			}
		}
		var parts []string
		n := 0
		for _, v := range order {
			parts = append(parts, strings.Join(lexemes[v], ","))
			n += len(lexemes[v])
		}
		if n < 2 {
			continue
		}
		kept++
		terms += n
		out.WriteString(strings.Join(parts, ";"))
		out.WriteByte('\n')
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := w.Write(out.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*flagSynOut, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(fmt.Sprintf("%d of %d groups kept, %d terms; %d bytes, %d gzipped, written to %s", kept, len(groups), terms, out.Len(), gz.Len(), *flagSynOut))
}

// oneTerm is the analyzer's one term for a word: a word it cuts into
// several (but two nouns it also joins into one compound) has no single
// term to meet.
func oneTerm(word string) (string, bool) {
	a, err := indexAnalyzer()
	if err != nil {
		return "", false
	}
	var ts []string
	for _, tok := range a.Analyze([]byte(word)) {
		ts = append(ts, string(tok.Term))
	}
	switch {
	case len(ts) == 1:
		return ts[0], true
	case len(ts) == 3 && ts[1] == ts[0]+ts[2]:
		return ts[1], true
	}
	return "", false
}

func asciiOnly(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII {
			return false
		}
	}
	return true
}
