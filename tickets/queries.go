package tickets

import (
	_ "embed"
	"fmt"
	"strings"
)

// queries.sql holds every statement of the package, each under a
// "-- name: X" line; all parameters are bound, never formatted in.
//
//go:embed queries.sql
var queriesFile string

var queries = parseQueries(queriesFile)

func parseQueries(src string) map[string]string {
	out := map[string]string{}
	var name string
	var b strings.Builder
	flush := func() {
		if name != "" {
			out[name] = strings.TrimSpace(b.String())
		}
		b.Reset()
	}
	for _, line := range strings.Split(src, "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(n)
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	flush()
	return out
}

func query(name string) string {
	q, ok := queries[name]
	if !ok {
		// A missing name is a programming error caught by the first test.
		panic(fmt.Sprintf("tickets: no query named %q", name))
	}
	return q
}
