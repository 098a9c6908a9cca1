// Package tickets is the system of record: tickets and their entries,
// inbound records, outgoing mail rows, FAQ entries and audit events, with
// ITIL statuses, transitions, priorities and SLA due times, in one SQLite
// file or in a PostgreSQL database that several gateways share (backend.go).
// It knows nothing of IMAP, SMTP or Bleve.
package tickets

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Sentinel errors callers branch on.
var (
	ErrNotFound          = errors.New("tickets: not found")
	ErrInvalidTransition = errors.New("tickets: transition not allowed")
	ErrTooNew            = errors.New("tickets: database is newer than this program")
)

// Store is the system of record. On SQLite one connection writes (SQLite
// has one writer anyway, and a single connection keeps BEGIN IMMEDIATE
// from queueing on busy_timeout); reads go through a small pool. On
// PostgreSQL w and r are one pool (postgres.go).
type Store struct {
	path  string
	be    backend // what differs between SQLite and PostgreSQL (backend.go)
	wake  bool    // Options.WakeGateway
	w     *sql.DB
	r     *sql.DB
	now   func() time.Time
	sla   SLAPolicy
	stmts map[string]*sql.Stmt // on the writer: parsing SQL costs more than running it

	observer    atomic.Pointer[Observer] // hears of each write transaction's changes (changes.go)
	webhookWake chan struct{}            // WebhookWake
}

// Options for Open; nil means defaults.
type Options struct {
	Now func() time.Time // clock for tests; nil = time.Now
	// SLA is the desk's SLA policy: the due times of new tickets (unless
	// NewTicket.SLA is set) and the calendar that measures a hold when a
	// ticket leaves on_hold in SetStatus. nil = 24x7 with DefaultTargets.
	SLA *SLAPolicy
	// WakeGateway: after each write that commits, wake the gateway that
	// holds the store's lock (Wake), so that it sends the mail just queued
	// at once. For every process but the gateway itself.
	WakeGateway bool
}

// Open opens (creating when missing) the SQLite database at path and
// brings its schema up to date (OpenSource names a PostgreSQL database).
// Every commit is fsync'd (synchronous=FULL in WAL mode): a message is
// flagged on the server only after its commit is on disk.
func Open(path string, opts *Options) (*Store, error) {
	return OpenSource(context.Background(), Source{Path: path}, opts)
}

func openSQLite(path string, opts *Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("tickets: empty database path")
	}
	if err := makeDirs(path); err != nil {
		return nil, err
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	s := newStore(path, opts)
	s.be = sqliteBackend{s}
	var err error
	if s.w, err = sql.Open("sqlite", dsn(path, "immediate")); err != nil {
		return nil, fmt.Errorf("tickets: opening %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	if err := s.migrate(context.Background()); err != nil {
		s.w.Close()
		return nil, err
	}
	s.stmts = make(map[string]*sql.Stmt, len(queries))
	for name, q := range queries {
		st, err := s.w.Prepare(q)
		if err != nil {
			s.w.Close()
			return nil, fmt.Errorf("tickets: preparing %s: %w", name, err)
		}
		s.stmts[name] = st
	}
	if s.r, err = sql.Open("sqlite", dsn(path, "deferred")); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("tickets: opening %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(4)
	return s, nil
}

// The store holds raw mail and attachments: its files are readable by
// their owner only, whatever the umask. SQLite gives the -wal and -shm
// files the mode of the database file.
const (
	filePerm = 0o600
	dirPerm  = 0o700
)

// makeDirs creates the missing directories above path (0700); existing
// ones are left as the admin made them.
func makeDirs(path string) error {
	dir := filepath.Dir(path)
	if dir == "" || dir == "." {
		return nil
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("tickets: creating %s: %w", dir, err)
	}
	return nil
}

// createPrivate creates the database file 0600 when it is missing (an
// empty file is an empty SQLite database), so SQLite never creates it with
// the umask's mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tickets: creating %s: %w", path, err)
	}
	// OpenFile applies the umask; a umask can only remove bits, but Chmod
	// makes the mode exact either way.
	if err := f.Chmod(filePerm); err != nil {
		f.Close()
		return fmt.Errorf("tickets: creating %s: %w", path, err)
	}
	return f.Close()
}

// dsn sets the connection's pragmas. temp_store(MEMORY): every mail of a
// batch is handled inside a savepoint (Tx.Try), and SQLite keeps the
// original of each page a savepoint changes in a sub-journal, by default
// a temporary file written a page per system call; that was most of the
// writes of a batch (docs/intake.md). In memory it costs what the pages of
// one mail's savepoint take. The database file and its WAL are written
// and fsync'd as before.
func dsn(path, txlock string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	if txlock == "immediate" {
		// The writer copies the WAL into the database every 4,000 pages
		// (16 MB) instead of SQLite's 1,000: a backlog's commits rewrite
		// the same index pages, which each checkpoint writes and fsyncs
		// again. make bench-e2e with the FAQ: 1,942-1,965 -> 2,076-2,117
		// msg/s, less system time, the same peak (docs/intake.md). A
		// larger page cache was faster still but cost 5-10 MiB of peak.
		q.Add("_pragma", "wal_autocheckpoint(4000)")
	}
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.be.close()
}

// SLA is the store's SLA policy (Options.SLA).
func (s *Store) SLA() SLAPolicy { return s.sla }

// Path is the database file; "" on PostgreSQL.
func (s *Store) Path() string { return s.path }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Update runs fn in one write transaction and commits it durably. On
// SQLite a transaction begun runs to its end: a ctx done before it begins fails it,
// one done while it runs does not interrupt its statements (fn may still
// look at ctx and give up). The driver watches a cancellable context on a
// goroutine of its own for every statement, which cost more than most of
// our statements themselves (docs/intake.md); a write transaction is
// short, and finishing it is what a shutdown wants anyway.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("tickets: begin: %w", err)
	}
	if s.be.driver() == DriverSQLite {
		// PostgreSQL keeps the cancel: a statement over a cut network
		// connection would otherwise hold a shutdown forever, and a
		// transaction cancelled there is rolled back whole.
		ctx = context.WithoutCancel(ctx)
	}
	return s.run(ctx, txWrite, fn)
}

// View runs fn in a read transaction.
func (s *Store) View(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, txRead, fn)
}

func (s *Store) run(ctx context.Context, kind txKind, fn func(*Tx) error) error {
	sqltx, err := s.be.begin(ctx, kind)
	if err != nil {
		return fmt.Errorf("tickets: begin: %w", err)
	}
	// A panic (or a test's t.Fatal) inside fn must not leave the
	// transaction open: on SQLite it holds the one writer connection, and
	// every later write would wait for it for ever (net/http recovers a
	// handler's panic and serves on). After a commit this does nothing.
	defer sqltx.Rollback()
	tx := &Tx{tx: sqltx, ctx: ctx, now: s.Now(), sla: s.sla, be: s.be}
	if kind != txRead {
		tx.stmts = s.stmts
	}
	if err := fn(tx); err != nil {
		return err
	}
	if kind == txRead {
		// Nothing to index, nobody to wake.
		if err := sqltx.Commit(); err != nil {
			return fmt.Errorf("tickets: commit: %w", err)
		}
		return nil
	}
	if err := s.observe(tx); err != nil {
		return err
	}
	if err := s.be.commit(ctx, sqltx, s.wake, tx.searchLater); err != nil {
		return fmt.Errorf("tickets: commit: %w", err)
	}
	if tx.webhooksQueued > 0 {
		select {
		case s.webhookWake <- struct{}{}:
		default: // a wake is pending already
		}
	}
	return nil
}

// Tx is one transaction. Its methods are the store's whole write API, so a
// ticket change and the mail it causes commit together.
type Tx struct {
	tx    *sql.Tx
	be    backend
	ctx   context.Context
	now   time.Time
	sla   SLAPolicy            // the store's (Options.SLA)
	stmts map[string]*sql.Stmt // prepared statements of a write transaction

	changes        []Change // noted for the store's observer (changes.go)
	webhooksQueued int      // webhook deliveries queued: the commit wakes the webhook sender
	searchLater    bool     // IndexSearchLater
	// updatedNow holds the tickets whose row this transaction wrote with
	// updated_at = now (created, status set, touched): touching them again
	// would write the same value (Touch). Forgotten when a savepoint is
	// rolled back.
	updatedNow map[int64]bool
	// noOpenMajors: OpenMajors found none in this transaction, and it has
	// declared none since.
	noOpenMajors bool
}

// IndexSearchLater lets the commit leave the console's search index of
// the rows this transaction inserted to a later commit, up to a bound
// (drainSearch): an intake batch's, so that a backlog's indexing waits
// until the backlog is in. Searches find such rows all the same;
// IndexSearch indexes them.
func (tx *Tx) IndexSearchLater() { tx.searchLater = true }

// IndexSearch indexes for the console's search what intake batches left
// for later (IndexSearchLater). It takes the writer only when something
// waits; on PostgreSQL nothing ever does.
func (s *Store) IndexSearch(ctx context.Context) error {
	if s.be.driver() != DriverSQLite {
		return nil
	}
	if noted, err := searchNoted(ctx, s.r); err != nil || !noted {
		return err
	}
	// An empty transaction: its commit indexes what is noted. It wakes
	// nobody: nothing a gateway acts on changed.
	ctx = context.WithoutCancel(ctx)
	sqltx, err := s.be.begin(ctx, txWrite)
	if err != nil {
		return fmt.Errorf("tickets: begin: %w", err)
	}
	defer sqltx.Rollback() // after the commit: nothing
	if err := s.be.commit(ctx, sqltx, false, false); err != nil {
		return fmt.Errorf("tickets: commit: %w", err)
	}
	return nil
}

// Try runs fn inside a savepoint of the transaction: when fn fails, all it
// wrote is undone and the transaction goes on without it. One message of a
// batch whose handling fails this way cannot take the batch down with it.
// Every savepoint has one name: SQLite's ROLLBACK TO and RELEASE take the
// innermost of that name, so Try nests, and the three statements are
// prepared once (savepoint_*).
func (tx *Tx) Try(fn func() error) error {
	if _, err := tx.exec("savepoint_begin"); err != nil {
		return err
	}
	noted, queued := len(tx.changes), tx.webhooksQueued
	if err := fn(); err != nil {
		// What fn noted is undone with what it wrote.
		tx.changes, tx.webhooksQueued = tx.changes[:noted], queued
		tx.updatedNow = nil
		if _, rerr := tx.exec("savepoint_rollback"); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := tx.exec("savepoint_release"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := tx.exec("savepoint_release")
	return err
}

// Now is the transaction's time: every row written in it carries it.
func (tx *Tx) Now() time.Time { return tx.now }

// stmt returns the prepared statement for name bound to this transaction,
// or nil for a read transaction (whose pool connections prepare on use).
func (tx *Tx) stmt(name string) *sql.Stmt {
	if st := tx.stmts[name]; st != nil {
		return tx.tx.StmtContext(tx.ctx, st)
	}
	return nil
}

func (tx *Tx) exec(name string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if st := tx.stmt(name); st != nil {
		res, err = st.ExecContext(tx.ctx, args...)
	} else {
		res, err = tx.tx.ExecContext(tx.ctx, tx.be.text(name), tx.be.args(args)...)
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: %s: %w", name, err)
	}
	return res, nil
}

// insert runs an INSERT of one row and returns the row's id.
func (tx *Tx) insert(name string, args ...any) (int64, error) {
	return tx.be.insert(tx, name, args)
}

func (tx *Tx) queryRow(name string, args ...any) *sql.Row {
	if st := tx.stmt(name); st != nil {
		return st.QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, tx.be.text(name), tx.be.args(args)...)
}

func (tx *Tx) query(name string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	var err error
	if st := tx.stmt(name); st != nil {
		rows, err = st.QueryContext(tx.ctx, args...)
	} else {
		rows, err = tx.tx.QueryContext(tx.ctx, tx.be.text(name), tx.be.args(args)...)
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: %s: %w", name, err)
	}
	return rows, nil
}

// migrate applies the embedded migrations above PRAGMA user_version, all in
// one transaction, so a failed upgrade leaves the old schema untouched.
func (s *Store) migrate(ctx context.Context) error {
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("tickets: listing migrations: %w", err)
	}
	sort.Strings(files)
	var current int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("tickets: reading schema version of %s: %w", s.path, err)
	}
	if current > len(files) {
		return fmt.Errorf("%w: %s has schema version %d, this program knows %d", ErrTooNew, s.path, current, len(files))
	}
	if current == len(files) {
		return nil
	}
	// A migration may rebuild a table (SQLite cannot change a CHECK in
	// place): foreign keys are off while it runs, as SQLite's own
	// procedure for schema changes asks, and checked before the commit.
	// The writer has one connection, so the pragma holds for the
	// transaction below.
	if _, err := s.w.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("tickets: migration: %w", err)
	}
	defer s.w.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tickets: begin migration: %w", err)
	}
	defer tx.Rollback()
	for i, f := range files {
		version := i + 1
		if n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0]); err != nil || n != version {
			return fmt.Errorf("tickets: migration %s is out of sequence (want %03d)", f, version)
		}
		if version <= current {
			continue
		}
		body, err := migrationFiles.ReadFile(f)
		if err != nil {
			return fmt.Errorf("tickets: reading %s: %w", f, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("tickets: applying %s: %w", f, err)
		}
	}
	var broken int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil {
		return fmt.Errorf("tickets: checking foreign keys after migration: %w", err)
	}
	if broken > 0 {
		return fmt.Errorf("tickets: migration to version %d leaves %d broken foreign keys", len(files), broken)
	}
	// PRAGMA takes no bound parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(files))); err != nil {
		return fmt.Errorf("tickets: setting schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tickets: commit migration: %w", err)
	}
	return nil
}

// SchemaVersion reports the version of the database's schema: SQLite's
// PRAGMA user_version, the last migration PostgreSQL recorded. Each
// backend numbers its own migrations.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return s.be.schemaVersion(ctx)
}

const timeLayout = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// newStore is a store of either backend with opts applied, before its
// connections are opened.
func newStore(path string, opts *Options) *Store {
	s := &Store{path: path, now: time.Now, webhookWake: make(chan struct{}, 1)}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.SLA != nil {
			s.sla = *opts.SLA
		}
		s.wake = opts.WakeGateway
	}
	return s
}

// wroteUpdatedNow notes that t's row was just written with updated_at =
// tx.now.
func (tx *Tx) wroteUpdatedNow(t *Ticket) {
	if tx.updatedNow == nil {
		tx.updatedNow = map[int64]bool{}
	}
	tx.updatedNow[t.ID] = true
}
