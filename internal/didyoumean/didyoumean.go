// Package didyoumean finds the word a user probably meant among the ones
// that mean something: a configuration key, a flag, a status, an agent's
// address. It is a leaf: anyone may use it.
package didyoumean

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Closest is the word of known nearest to word by edit distance (case
// aside), "" when none is near enough to be what was meant: at most a
// quarter of the word's letters, and never more than two for a short
// one. Of equally near words, the first in sorted order wins.
func Closest(word string, known []string) string {
	best, bestDist := "", max(2, utf8.RuneCountInString(word)/4)+1
	for _, k := range slices.Sorted(slices.Values(known)) {
		if d := editDistance(word, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes,
// ignoring case (an environment variable is upper case, a key lower).
func editDistance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
