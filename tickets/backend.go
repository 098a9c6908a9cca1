package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// The store runs on SQLite (one file, one gateway: the default) or on
// PostgreSQL (one database, several gateways). The workflow never knows
// which: desk, cmd, web and the outbox use *Store and *Tx, whose methods
// are the same on both, and each method runs its named statements
// (dialect.go). What differs lies below them, in a backend:
//
//   - the connections: database/sql over modernc.org/sqlite, one writer
//     and a few readers; database/sql over a pgx v5 pgxpool (pgx's stdlib
//     adapter, so both run the same Tx code);
//   - the text of a statement where the SQL differs, and the values bound
//     (PostgreSQL's integers take no Go bool; its text takes no NUL);
//   - the id of a new row (LastInsertId; RETURNING id);
//   - the writer: SQLite has one, and a second gateway is kept out by the
//     flock of lock.go; on PostgreSQL every write transaction first takes
//     one transaction-level advisory lock, so writes stay serial across
//     gateways as on SQLite and the workflow's read-then-write steps
//     (dedup, threading, timers) keep their meaning, while claims of
//     outgoing rows take their rows with FOR UPDATE SKIP LOCKED beside it;
//   - the wake of another process's commit: a pipe beside the SQLite
//     file (wake.go); NOTIFY on PostgreSQL (cluster.go);
//   - the schema and its migrations, each backend numbering its own.
//
// Not a Go interface over the ~200 methods of Store and Tx: their bodies
// are the same on both backends, and two copies of each would drift (and
// every method another engineer adds would need two).

// Drivers for Source.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Source names a database.
type Source struct {
	Driver string // DriverSQLite ("" too) or DriverPostgres
	Path   string // SQLite: the database file
	DSN    string // PostgreSQL: a URL (postgres://…) or key=value connection string
	// MaxConns is the PostgreSQL pool's size; 0 = 10.
	MaxConns int
}

// OpenSource opens the database src names and brings its schema up to
// date.
func OpenSource(ctx context.Context, src Source, opts *Options) (*Store, error) {
	switch src.Driver {
	case "", DriverSQLite:
		return openSQLite(src.Path, opts)
	case DriverPostgres:
		return openPostgres(ctx, src, opts)
	}
	return nil, fmt.Errorf("tickets: unknown store driver %q (want %s or %s)", src.Driver, DriverSQLite, DriverPostgres)
}

// Driver names the store's backend: DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.be.driver() }

// txKind is what a transaction may do.
type txKind int

const (
	txRead  txKind = iota // View
	txWrite               // Update: serial with every other write
	txClaim               // claims of outgoing rows: row locks only (PostgreSQL)
)

// backend is what differs between SQLite and PostgreSQL below the Tx
// methods.
type backend interface {
	driver() string
	// text is the statement name in this backend's SQL.
	text(name string) string
	// args are the values to bind, as this backend's driver takes them.
	args(args []any) []any
	begin(ctx context.Context, kind txKind) (*sql.Tx, error)
	// commit commits; wake: tell a running gateway (Options.WakeGateway);
	// later: the transaction asked to leave the search index to a later
	// commit (Tx.IndexSearchLater).
	commit(ctx context.Context, tx *sql.Tx, wake, later bool) error
	// insert runs the INSERT name of one row and returns its id.
	insert(tx *Tx, name string, args []any) (int64, error)
	schemaVersion(ctx context.Context) (int, error)
	close() error
}

// sqliteBackend is SQLite's: s.w writes, s.r reads.
type sqliteBackend struct{ s *Store }

func (b sqliteBackend) driver() string { return DriverSQLite }

func (b sqliteBackend) text(name string) string { return query(name) }

func (b sqliteBackend) args(args []any) []any { return args }

func (b sqliteBackend) begin(ctx context.Context, kind txKind) (*sql.Tx, error) {
	if kind == txRead {
		return b.s.r.BeginTx(ctx, nil)
	}
	return b.s.w.BeginTx(ctx, nil)
}

func (b sqliteBackend) commit(ctx context.Context, tx *sql.Tx, wake, later bool) error {
	if err := drainSearch(ctx, tx, later); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if wake {
		Wake(b.s.path)
	}
	return nil
}

func (b sqliteBackend) insert(tx *Tx, name string, args []any) (int64, error) {
	res, err := tx.exec(name, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (b sqliteBackend) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := b.s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (b sqliteBackend) close() error { return errors.Join(b.s.r.Close(), b.s.w.Close()) }

// text is the statement name in the store's SQL, for the few reads made
// outside a transaction.
func (s *Store) text(name string) string { return s.be.text(name) }

// RedactDSN hides the password of a PostgreSQL connection string, URL or
// key=value, for logs and messages.
func RedactDSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		scheme, rest, _ := strings.Cut(dsn, "://")
		auth, host, ok := strings.Cut(rest, "@")
		if !ok {
			return redactQuery(dsn)
		}
		if user, _, hasPass := strings.Cut(auth, ":"); hasPass {
			auth = user + ":xxxxx"
		}
		return redactQuery(scheme + "://" + auth + "@" + host)
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if k, _, ok := strings.Cut(f, "="); ok && strings.EqualFold(strings.TrimSpace(k), "password") {
			fields[i] = k + "=xxxxx"
		}
	}
	return strings.Join(fields, " ")
}

// redactQuery hides a password=… parameter of a URL.
func redactQuery(u string) string {
	base, q, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	params := strings.Split(q, "&")
	for i, p := range params {
		if k, _, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "password") {
			params[i] = k + "=xxxxx"
		}
	}
	return base + "?" + strings.Join(params, "&")
}

// SchemaStatus reports the schema version of the database src names and
// the version this program brings it to, changing nothing (a database
// not created yet is at 0).
func SchemaStatus(ctx context.Context, src Source) (current, latest int, err error) {
	if src.Driver == DriverPostgres {
		return postgresSchemaStatus(ctx, src)
	}
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return 0, 0, err
	}
	if _, err := os.Stat(src.Path); errors.Is(err, fs.ErrNotExist) {
		return 0, len(files), nil
	}
	db, err := sql.Open("sqlite", "file:"+src.Path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, 0, fmt.Errorf("tickets: opening %s: %w", src.Path, err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return 0, 0, fmt.Errorf("tickets: reading schema version of %s: %w", src.Path, err)
	}
	return current, len(files), nil
}

// Backup writes a consistent copy of a SQLite store to path (VACUUM
// INTO), while gateways and commands go on using it. A PostgreSQL store
// is backed up with pg_dump.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.Driver() != DriverSQLite {
		return errors.New("tickets: backup: a PostgreSQL store is backed up with pg_dump (README \"PostgreSQL\")")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("tickets: backup: %s exists already", path)
	}
	if err := makeDirs(path); err != nil {
		return err
	}
	// The path is bound, not formatted in.
	if _, err := s.r.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("tickets: backup to %s: %w", path, err)
	}
	return os.Chmod(path, filePerm)
}

// searchDrainRows is how many noted rows an intake batch's commit leaves
// for later at most (about 10,000 mails: a ticket and an entry each). A
// variable for the tests.
var searchDrainRows = 20000

// drainSearch indexes, for the console's search, the tickets and entries
// noted in search_fts_pending by the insert triggers (migration 018), and
// empties the note: just before a commit, outside every savepoint. FTS5
// flushes its pending terms at each SAVEPOINT of a transaction that wrote
// to it, so indexing each mail inside its own savepoint made a segment a
// mail and the merges after them. A transaction that inserted neither
// costs one look-up.
//
// later (an intake batch's commit, Tx.IndexSearchLater) leaves the notes
// for a later commit until searchDrainRows of them wait. Indexing in
// larger pieces costs about as much a row; what the pass gains is that
// the work waits until the backlog is in: the poller indexes what is left
// once its pass is done (Store.IndexSearch). A search meanwhile reads the
// noted rows with LIKE (console.sql's queue_where), so it finds them all
// the same.
func drainSearch(ctx context.Context, tx *sql.Tx, later bool) error {
	if later {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM search_fts_pending LIMIT ?)", searchDrainRows).Scan(&n)
		if err != nil {
			return fmt.Errorf("tickets: search index: %w", err)
		}
		if n < searchDrainRows {
			return nil
		}
	} else if noted, err := searchNoted(ctx, tx); err != nil || !noted {
		return err
	}
	for _, q := range []string{
		"INSERT INTO tickets_fts(rowid, subject) SELECT t.id, t.subject FROM search_fts_pending p JOIN tickets t ON t.id = p.id WHERE p.kind = 'ticket'",
		"INSERT INTO entries_fts(rowid, text) SELECT e.id, e.text FROM search_fts_pending p JOIN entries e ON e.id = p.id WHERE p.kind = 'entry'",
		"DELETE FROM search_fts_pending",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("tickets: search index: %w", err)
		}
	}
	return nil
}

// searchNoted says whether any row waits in search_fts_pending.
func searchNoted(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM search_fts_pending LIMIT 1").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tickets: search index: %w", err)
	}
	return true, nil
}
