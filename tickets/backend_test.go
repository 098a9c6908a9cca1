package tickets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/madoguchi/madoguchi/internal/pgtest"
)

// testBackend is the backend the store's tests run on: TestMain runs the
// whole suite on SQLite, then again on PostgreSQL
// ($TEST_STORE_BACKEND=sqlite or postgres runs one of them).
var testBackend = DriverSQLite

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	only := os.Getenv("TEST_STORE_BACKEND")
	code := 0
	if only == "" || only == DriverSQLite {
		code = m.Run()
	}
	if only == "" || only == DriverPostgres {
		defer pgtest.Stop()
		testBackend = DriverPostgres
		fmt.Println("=== the store's tests again, on PostgreSQL")
		code |= m.Run()
	}
	return code
}

// testSource names a new, empty database of the backend under test, which
// a failing test names.
func testSource(t testing.TB) Source {
	t.Helper()
	if testBackend == DriverPostgres {
		t.Cleanup(func() {
			if t.Failed() {
				t.Log("(on PostgreSQL)")
			}
		})
		return Source{Driver: DriverPostgres, DSN: pgtest.DSN(t), MaxConns: 4}
	}
	return Source{Path: filepath.Join(t.TempDir(), "m.db")}
}

// sqliteOnly skips, in the PostgreSQL run, a test of SQLite's own parts
// (its file, its pragmas, its frozen schemas); PostgreSQL's have tests of
// their own.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testBackend != DriverSQLite {
		t.Skip("SQLite's own machinery")
	}
}

// sqlFor is a statement a test wrote in SQLite's SQL, in the store's.
func sqlFor(s *Store, q string) string {
	if s.Driver() == DriverPostgres {
		p, err := postgresText(q)
		if err != nil {
			panic(err)
		}
		return p
	}
	return q
}

var _ = context.Background
