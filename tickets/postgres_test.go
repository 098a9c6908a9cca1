package tickets

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/madoguchi/madoguchi/internal/pgtest"
)

// postgresOnly runs a test of PostgreSQL's own parts in the PostgreSQL
// run only.
func postgresOnly(t testing.TB) {
	t.Helper()
	if testBackend != DriverPostgres {
		t.Skip("PostgreSQL's own: runs in the PostgreSQL run")
	}
}

func TestDialect_PlaceholdersLimitsAndQuotes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"UPDATE t SET a = ?, b = ?2, c = ?2 WHERE id = ?3;", "UPDATE t SET a = $1, b = $2, c = $2 WHERE id = $3"},
		{"SELECT ?2, ?", "SELECT $2, $3"},
		{"SELECT x FROM t WHERE y = '?' AND z = ? -- a ? here\nLIMIT ?", "SELECT x FROM t WHERE y = '?' AND z = $1 -- a ? here\nLIMIT NULLIF($2, -1)"},
		{"SELECT 'it''s ?' || ?1 FROM t LIMIT ?2 OFFSET ?3", "SELECT 'it''s ?' || $1 FROM t LIMIT NULLIF($2, -1) OFFSET $3"},
		{"SELECT $1, ?", "SELECT $1, $2"},
		{"SELECT \"a?\" FROM t ORDER BY x LIMIT 5", "SELECT \"a?\" FROM t ORDER BY x LIMIT 5"},
		{"SELECT sublimit ?", "SELECT sublimit $1"},
	}
	for _, c := range cases {
		got, err := postgresText(c.in)
		if err != nil || got != c.want {
			t.Errorf("postgresText(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := postgresText("SELECT 'open"); err == nil {
		t.Error("an unterminated quote is not an error")
	}
}

// Every named statement has a text PostgreSQL takes: the SQLite text with
// its placeholders translated, or its own in postgres/queries.sql. A
// statement added to a .sql file in SQLite's SQL alone fails here.
func TestDialect_EveryQueryPreparesOnPostgres(t *testing.T) {
	postgresOnly(t)
	s := openTest(t)
	texts, err := postgresQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != len(queries) {
		t.Errorf("%d statements for PostgreSQL, %d named", len(texts), len(queries))
	}
	conn := pgConn(t, s)
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := conn.Prepare(context.Background(), name, texts[name]); err != nil {
			t.Errorf("query %s does not prepare on PostgreSQL (give it a text in postgres/queries.sql): %v", name, err)
		}
		// A claim on a queue of rows (outgoing mail, webhooks, any to
		// come) takes them as river does: gateways claiming at once skip
		// each other's rows rather than wait or take them twice.
		if strings.HasSuffix(name, "_claim") && !strings.Contains(texts[name], "FOR UPDATE SKIP LOCKED") {
			t.Errorf("claim %s has no FOR UPDATE SKIP LOCKED on PostgreSQL", name)
		}
	}
}

// An override that names no statement (a query renamed or removed in its
// .sql file) is an error, not a text kept for nothing.
func TestDialect_OverridesNameStatementsThatExist(t *testing.T) {
	for name := range parseQueries(postgresQueriesFile) {
		if strings.HasPrefix(name, "frag_") {
			if _, ok := parseQueries(consoleFile)[name]; !ok {
				t.Errorf("postgres/queries.sql: fragment %s is not console.sql's", name)
			}
			continue
		}
		if _, ok := queries[name]; !ok {
			t.Errorf("postgres/queries.sql: %s names no statement", name)
		}
	}
	if _, err := postgresQueries(); err != nil {
		t.Fatal(err)
	}
}

// pgConn is a plain pgx connection to the store's database.
func pgConn(t testing.TB, s *Store) *pgx.Conn {
	t.Helper()
	b := s.be.(*pgBackend)
	conn, err := pgx.ConnectConfig(context.Background(), b.pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// The PostgreSQL schema has SQLite's tables and views, column for column
// in the same order, with PostgreSQL's kind of each type, and its text
// compares byte for byte as SQLite's does: a migration added on one side
// only fails here.
func TestSchema_PostgresHasTheTablesViewsAndColumnsOfSQLite(t *testing.T) {
	postgresOnly(t)
	lite, err := Open(filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := openTest(t)

	type column struct{ name, kind string }
	liteCols := map[string][]column{}
	rows, err := lite.r.Query(`SELECT m.name, m.type, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_fts%'
		ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, typ, name, decl string
		if err := rows.Scan(&table, &typ, &name, &decl); err != nil {
			t.Fatal(err)
		}
		kind := strings.ToUpper(decl)
		if typ == "view" {
			kind = "" // a view's columns have what their expressions give
		}
		liteCols[typ+" "+table] = append(liteCols[typ+" "+table], column{name, kind})
	}
	rows.Close()

	pgCols := map[string][]column{}
	rows, err = pg.r.Query(`SELECT CASE WHEN t.table_type = 'VIEW' THEN 'view' ELSE 'table' END, c.table_name, c.column_name, c.data_type,
			COALESCE(c.collation_name, '')
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.table_name <> 'schema_migrations'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	pgKind := map[string]string{"bigint": "INTEGER", "text": "TEXT", "bytea": "BLOB", "double precision": "REAL"}
	for rows.Next() {
		var typ, table, name, dataType, collation string
		if err := rows.Scan(&typ, &table, &name, &dataType, &collation); err != nil {
			t.Fatal(err)
		}
		kind := pgKind[dataType]
		if kind == "" {
			kind = dataType
		}
		if typ == "view" {
			kind = ""
		} else if dataType == "text" && collation != "C" {
			t.Errorf("%s.%s is text COLLATE %q; want \"C\" (SQLite compares text byte for byte)", table, name, collation)
		}
		pgCols[typ+" "+table] = append(pgCols[typ+" "+table], column{name, kind})
	}
	rows.Close()

	for rel, want := range liteCols {
		got, ok := pgCols[rel]
		if !ok {
			t.Errorf("PostgreSQL has no %s (a SQLite migration without its PostgreSQL one in postgres/migrations?)", rel)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n PostgreSQL %v\n SQLite     %v", rel, got, want)
		}
	}
	for rel := range pgCols {
		if _, ok := liteCols[rel]; !ok {
			t.Errorf("SQLite has no %s", rel)
		}
	}
}

func TestOpen_PostgresMigratesOnceAndRefusesNewerSchema(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	ctx := context.Background()
	s, err := OpenSource(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := postgresMigrations()
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(files) {
		t.Fatalf("version %d, %v; want %d", v, err, len(files))
	}
	s.Close()
	if s, err = OpenSource(ctx, src, nil); err != nil { // nothing to do
		t.Fatal(err)
	}
	if _, err := s.w.Exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'later')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenSource(ctx, src, nil); !errors.Is(err, ErrTooNew) {
		t.Fatalf("want ErrTooNew, got %v", err)
	}
}

// Gateways started at once each migrate; one migrates, the others wait for
// it and find nothing to do.
func TestOpen_PostgresGatewaysStartingAtOnceMigrateOnce(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := OpenSource(context.Background(), src, nil)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// A database at each past version of the PostgreSQL schema (its
// migrations up to there, frozen in postgres/migrations), holding a
// ticket, upgrades to the present and keeps the ticket.
func TestOpen_PostgresUpgradesFromEveryPastVersion(t *testing.T) {
	postgresOnly(t)
	files, err := postgresMigrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for n := 0; n < len(files); n++ {
		t.Run(fmt.Sprintf("from_v%d", n), func(t *testing.T) {
			src := testSource(t)
			conn, err := pgx.Connect(ctx, src.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				t.Fatal(err)
			}
			for i, f := range files[:n] {
				body, _ := postgresMigrationFiles.ReadFile(f)
				if _, err := conn.Exec(ctx, string(body)); err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", i+1, filepath.Base(f)); err != nil {
					t.Fatal(err)
				}
			}
			if n >= 1 {
				// A ticket as version 1 wrote it.
				if _, err := conn.Exec(ctx, `INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
					VALUES (1, 'INC-1001', 'incident', 'old', 'a@example.com', 'new', 'medium', 'medium', 'P3', '', '', '')`); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(ctx, `SELECT setval(pg_get_serial_sequence('tickets', 'id'), 1)`); err != nil {
					t.Fatal(err)
				}
			}
			s, err := OpenSource(ctx, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if v, _ := s.SchemaVersion(ctx); v != len(files) {
				t.Errorf("schema version %d, want %d", v, len(files))
			}
			err = s.Update(ctx, func(tx *Tx) error {
				if n >= 1 {
					old, err := tx.Ticket("inc-1001")
					if err != nil {
						return err
					}
					if old.Subject != "old" {
						t.Errorf("subject %q", old.Subject)
					}
				}
				tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "new", Requester: "b@example.com", Prefix: "INC"})
				if err != nil {
					return err
				}
				if n >= 1 && tk.Ref != "INC-1002" {
					t.Errorf("a new ticket after the old one is %s, want INC-1002", tk.Ref)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Ticket references come from a sequence: stores writing at once never
// take one number twice.
func TestCreateTicket_PostgresGatewaysWritingAtOnceNeverShareAReference(t *testing.T) {
	postgresOnly(t)
	src := testSource(t)
	const stores, each = 3, 40
	var wg sync.WaitGroup
	refs := make([][]string, stores)
	errs := make([]error, stores)
	for i := range stores {
		s, err := OpenSource(context.Background(), src, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Go(func() {
			for j := range each {
				errs[i] = s.Update(context.Background(), func(tx *Tx) error {
					tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: fmt.Sprintf("s%d-%d", i, j), Requester: "a@example.com", Prefix: "INC"})
					if err == nil {
						refs[i] = append(refs[i], tk.Ref)
					}
					return err
				})
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, list := range refs {
		for _, r := range list {
			if seen[r] {
				t.Errorf("reference %s taken twice", r)
			}
			seen[r] = true
		}
	}
	if len(seen) != stores*each {
		t.Errorf("%d references, want %d", len(seen), stores*each)
	}
}

// Text PostgreSQL cannot hold (a NUL, bytes that are not UTF-8), which a
// mail may carry and SQLite keeps, is stored with U+FFFD in its place
// rather than failing the mail's transaction.
func TestArgs_PostgresTextWithNULAndBadUTF8IsStoredCleaned(t *testing.T) {
	postgresOnly(t)
	s := openTest(t)
	var id int64
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "nul\x00 and \xff", Requester: "a@example.com", Prefix: "INC"})
		if err != nil {
			return err
		}
		id = tk.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx *Tx) error {
		tk, err := tx.TicketByID(id)
		if err != nil {
			return err
		}
		if tk.Subject != "nul\uFFFD and \uFFFD" {
			t.Errorf("subject %q", tk.Subject)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRedactDSN_HidesThePasswordWhereverItIs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://madoguchi:s3cret@db.example.com:5432/desk?sslmode=require", "postgres://madoguchi:xxxxx@db.example.com:5432/desk?sslmode=require"},
		{"postgresql://madoguchi@db/desk?password=s3cret&sslmode=disable", "postgresql://madoguchi@db/desk?password=xxxxx&sslmode=disable"},
		{"host=db user=madoguchi password=s3cret dbname=desk", "host=db user=madoguchi password=xxxxx dbname=desk"},
		{"host=db user=madoguchi", "host=db user=madoguchi"},
	} {
		if got := RedactDSN(c.in); got != c.want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

var _ = pgtest.DSN

// TLS verification is the default for a database beyond this machine, as
// for the mail servers: a DSN without sslmode gets verify-full there, one
// that asks for less is refused without showing its password, and a
// loopback address or a Unix socket is left as it is.
func TestVerifiedDSN_VerifiesBeyondLoopbackByDefault(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	cases := []struct {
		dsn, want string
		refused   bool
	}{
		{dsn: "postgres://desk:s3cret@db.example.com:5432/desk", want: "postgres://desk:s3cret@db.example.com:5432/desk?sslmode=verify-full"},
		{dsn: "postgres://desk:s3cret@db.example.com/desk?application_name=x", want: "postgres://desk:s3cret@db.example.com/desk?application_name=x&sslmode=verify-full"},
		{dsn: "host=db.example.com user=desk password=s3cret", want: "host=db.example.com user=desk password=s3cret sslmode=verify-full"},
		{dsn: "postgres://desk:s3cret@db.example.com/desk?sslmode=verify-ca", want: "postgres://desk:s3cret@db.example.com/desk?sslmode=verify-ca"},
		{dsn: "postgres://desk:s3cret@db.example.com/desk?sslmode=require", refused: true},
		{dsn: "host=db.example.com user=desk password=s3cret sslmode=disable", refused: true},
		{dsn: "postgres://desk:s3cret@127.0.0.1:5432/desk?sslmode=disable", want: "postgres://desk:s3cret@127.0.0.1:5432/desk?sslmode=disable"},
		{dsn: "postgres://desk@[::1]/desk", want: "postgres://desk@[::1]/desk"},
		{dsn: "host=/var/run/postgresql user=desk", want: "host=/var/run/postgresql user=desk"},
		{dsn: "postgres://desk@localhost/desk", want: "postgres://desk@localhost/desk"},
	}
	for _, c := range cases {
		got, err := verifiedDSN(c.dsn)
		if c.refused {
			if !errors.Is(err, ErrUnverifiedTLS) {
				t.Errorf("verifiedDSN(%s) = %q, %v; want ErrUnverifiedTLS", RedactDSN(c.dsn), got, err)
			} else if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the refusal shows the password: %v", err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("verifiedDSN(%s) = %q, %v; want %q", RedactDSN(c.dsn), got, err, c.want)
		}
	}
	t.Setenv("PGSSLMODE", "disable")
	if _, err := verifiedDSN("postgres://desk@db.example.com/desk"); !errors.Is(err, ErrUnverifiedTLS) {
		t.Errorf("$PGSSLMODE=disable to a remote server: %v; want ErrUnverifiedTLS", err)
	}
}
