package tickets

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Every statement of the package is named, and its text lives in the
// embedded .sql files: queries.sql, console.sql, incidents.sql and the
// others hold SQLite's. PostgreSQL runs the same text where it means the
// same thing there: translating the placeholders (SQLite's ? and ?N become
// $N) and SQLite's negative LIMIT ("no limit") is all it takes for most
// statements. A statement whose SQL differs (JSON functions, the full-text
// search, date arithmetic, index hints, scalar MIN/MAX, claims with
// FOR UPDATE SKIP LOCKED) has its own PostgreSQL text under the same name
// in postgres/queries.sql. TestDialect_EveryQueryPreparesOnPostgres
// prepares every statement on a real server, so a query added to a .sql
// file without a text that PostgreSQL takes fails there, not in
// production.

//go:embed postgres/queries.sql
var postgresQueriesFile string

//go:embed postgres/migrations/*.sql
var postgresMigrationFiles embed.FS

var postgresQueries = sync.OnceValues(buildPostgresQueries)

// buildPostgresQueries makes PostgreSQL's text of every named statement.
// An override of a fragment (frag_*, console.sql) replaces that
// fragment's text wherever SQLite's statements were made from it.
func buildPostgresQueries() (map[string]string, error) {
	overrides := parseQueries(postgresQueriesFile)
	frags := map[string][2]string{} // name -> SQLite's text, PostgreSQL's
	for name, q := range overrides {
		if !strings.HasPrefix(name, "frag_") {
			continue
		}
		orig, ok := parseQueries(consoleFile)[name]
		if !ok {
			return nil, fmt.Errorf("tickets: postgres/queries.sql overrides fragment %s, which console.sql does not have", name)
		}
		frags[name] = [2]string{orig, q}
		delete(overrides, name)
	}
	// The longest fragment first, so one inside another is not replaced
	// before its container.
	fragNames := make([]string, 0, len(frags))
	for name := range frags {
		fragNames = append(fragNames, name)
	}
	sort.Slice(fragNames, func(i, j int) bool { return len(frags[fragNames[i]][0]) > len(frags[fragNames[j]][0]) })

	out := make(map[string]string, len(queries))
	for name, q := range queries {
		if o, ok := overrides[name]; ok {
			q = o
			delete(overrides, name)
		} else {
			for _, f := range fragNames {
				q = strings.ReplaceAll(q, frags[f][0], frags[f][1])
			}
		}
		pq, err := postgresText(q)
		if err != nil {
			return nil, fmt.Errorf("tickets: query %s: %w", name, err)
		}
		out[name] = pq
	}
	for _, n := range webhookMirrors {
		out["webhook_"+n] = webhookText(out["outgoing_"+n])
	}
	if len(overrides) > 0 {
		names := make([]string, 0, len(overrides))
		for name := range overrides {
			names = append(names, name)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("tickets: postgres/queries.sql names statements no .sql file has: %s", strings.Join(names, ", "))
	}
	return out, nil
}

// postgresText rewrites SQLite's placeholders as PostgreSQL's: ?N is $N,
// and a bare ? is one more than the largest number before it (SQLite's
// rule). A LIMIT of a bound value takes NULL for SQLite's "-1 = no limit".
// Text in quotes, quoted identifiers and comments is left alone; $N
// placeholders (a text written for PostgreSQL) pass through.
func postgresText(q string) (string, error) {
	var b strings.Builder
	b.Grow(len(q) + 16)
	highest := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				return "", fmt.Errorf("unterminated quote at %d", i)
			}
			b.WriteString(q[i : j+1])
			i = j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '$' && i+1 < len(q) && q[i+1] == '$':
			// A dollar-quoted body (a function in a migration): as is.
			j := strings.Index(q[i+2:], "$$")
			if j < 0 {
				return "", fmt.Errorf("unterminated $$ at %d", i)
			}
			b.WriteString(q[i : i+2+j+2])
			i += 2 + j + 2
		case c == '$':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(q[i+1 : j]); err == nil {
				highest = max(highest, n)
			}
			b.WriteString(q[i:j])
			i = j
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			highest = max(highest, n)
			p := "$" + strconv.Itoa(n)
			if limitBefore(b.String()) {
				p = "NULLIF(" + p + ", -1)"
			}
			b.WriteString(p)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	// A statement without its closing semicolon takes more (RETURNING).
	return strings.TrimRight(strings.TrimSpace(b.String()), ";"), nil
}

// limitBefore reports whether the text so far ends in the keyword LIMIT.
func limitBefore(s string) bool {
	s = strings.TrimRight(s, " \t\n")
	if len(s) < 5 || !strings.EqualFold(s[len(s)-5:], "LIMIT") {
		return false
	}
	if len(s) == 5 {
		return true
	}
	c := s[len(s)-6]
	return !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
}
