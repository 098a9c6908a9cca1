package testutils

import (
	"regexp"
	"slices"
	"strings"
)

// EnglishWords returns the English words left in a mail the desk wrote in
// Japanese: every word of two or more Latin letters on a line of the
// mail's own, after taking out what a Japanese mail names as it is —
// quoted lines ("> ", someone else's words), addresses, ticket
// references, commands (#resolve, `madoguchi tickets show`), times with
// their zone, sizes, the terms FAQ, SLA and the product's name, the
// arguments the command help explains (incident, request) — and the data
// the caller lists in allowed (keys, tier names, people's names, subjects,
// file names). Longer allowed values are taken out first.
func EnglishWords(text string, allowed ...string) []string {
	allowed = slices.Clone(allowed)
	slices.SortFunc(allowed, func(a, b string) int { return len(b) - len(a) })
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, ">") {
			continue
		}
		for _, a := range allowed {
			if a != "" {
				line = strings.ReplaceAll(line, a, " ")
			}
		}
		for _, re := range ownTerms {
			line = re.ReplaceAllString(line, " ")
		}
		for _, w := range latinWord.FindAllString(line, -1) {
			if !termWords[w] {
				out = append(out, w)
			}
		}
	}
	return out
}

var (
	latinWord = regexp.MustCompile(`[A-Za-z][A-Za-z_'-]*[A-Za-z]`)
	ownTerms  = []*regexp.Regexp{
		regexp.MustCompile(`[^\s<>()（）「」、：:]+@[^\s<>()（）「」、：:]+`), // addresses
		regexp.MustCompile(`\b[A-Z]{2,10}-\d+\b`),                 // ticket references
		regexp.MustCompile(`[#＃][A-Za-z_]+( off\b)?`),             // commands (#major off)
		regexp.MustCompile(`madoguchi tickets show`),              // the command that shows a ticket
		regexp.MustCompile(`\d{1,2}:\d{2}( [A-Z]{2,5}\b)?`),       // times and their zone
		regexp.MustCompile(`\d+(\.\d+)? [KMG]?B\b`),               // sizes
		regexp.MustCompile(`\bincident\|request\b`),               // #type's arguments
	}
	termWords = map[string]bool{"FAQ": true, "SLA": true, "madoguchi": true, "Re": true, "CC": true, "incident": true, "request": true}
)
