package testutils

import (
	"strings"
	"testing"
)

// InOrder requires each of want in text, each after the one before: what
// a mail tells, in the order it tells it.
func InOrder(t testing.TB, what, text string, want ...string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(text[at:], w)
		if i < 0 {
			t.Fatalf("%s lacks %q after what came before it:\n%s", what, w, text)
		}
		at += i + len(w)
	}
}
