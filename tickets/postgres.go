package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL backend: a pgx v5 pool behind database/sql (pgx's stdlib
// adapter), so the Tx methods run on it unchanged; the statements'
// PostgreSQL text (dialect.go); its own migrations
// (postgres/migrations/*.sql, recorded in schema_migrations); writes
// serial across gateways by one advisory lock per transaction.

// Advisory lock keys, in the two-key form pg_advisory_lock(class, key):
// the class is madoguchi's, so they meet no other program's in the
// database.
const (
	lockClass        = 0x6d61646f // "mado"
	lockWriter       = 1          // taken by every write transaction
	lockMigrate      = 2          // held while migrations run
	lockLeader       = 3          // the gateway that runs the timers (cluster.go)
	lockMailboxClass = lockClass + 1
)

// defaultMaxConns is the pool's size when Source.MaxConns is 0.
const defaultMaxConns = 10

type pgBackend struct {
	s     *Store
	pool  *pgxpool.Pool
	db    *sql.DB
	texts map[string]string
}

func openPostgres(ctx context.Context, src Source, opts *Options) (*Store, error) {
	if src.DSN == "" {
		return nil, errors.New("tickets: postgres store without a dsn")
	}
	texts, err := postgresQueries()
	if err != nil {
		return nil, err
	}
	dsn, err := verifiedDSN(src.DSN)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message hides the password already; ours never names the DSN.
		return nil, fmt.Errorf("tickets: postgres dsn: %w", err)
	}
	cfg.MaxConns = int32(defaultMaxConns)
	if src.MaxConns > 0 {
		cfg.MaxConns = int32(src.MaxConns)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "madoguchi"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("tickets: postgres %s: %w", describe(cfg.ConnConfig), err)
	}
	s := newStore("", opts)
	b := &pgBackend{s: s, pool: pool, db: stdlib.OpenDBFromPool(pool), texts: texts}
	s.be, s.w, s.r = b, b.db, b.db
	if err := b.migrate(ctx); err != nil {
		b.close()
		return nil, err
	}
	return s, nil
}

// describe names a database for messages: host, port, database and user,
// never the password.
func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

func (b *pgBackend) driver() string { return DriverPostgres }

func (b *pgBackend) text(name string) string {
	q, ok := b.texts[name]
	if !ok {
		panic(fmt.Sprintf("tickets: no query named %q", name))
	}
	return q
}

// args makes the values bindable: PostgreSQL's integer columns take no Go
// bool (SQLite stores one as 0 or 1, and so does the schema here), and its
// text takes neither NUL nor bytes that are not UTF-8, which SQLite keeps:
// such text is stored with U+FFFD in their place (the raw mail, bytea, is
// kept whole).
func (b *pgBackend) args(args []any) []any {
	var out []any
	for i, a := range args {
		var v any
		switch x := a.(type) {
		case bool:
			v = int64(0)
			if x {
				v = int64(1)
			}
		case string:
			if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
				v = cleanText(x)
			}
		}
		if v == nil {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}

// cleanText is s as PostgreSQL's text can hold it.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func (b *pgBackend) begin(ctx context.Context, kind txKind) (*sql.Tx, error) {
	switch kind {
	case txRead:
		// One snapshot for the whole read, as SQLite's read transaction.
		return b.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	case txClaim:
		return b.db.BeginTx(ctx, nil)
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	// Read committed, each write after the last one's commit: the
	// statements of this transaction see every write before it, as on
	// SQLite's one writer.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lockClass, lockWriter); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("taking the writer lock: %w", err)
	}
	return tx, nil
}

func (b *pgBackend) commit(ctx context.Context, tx *sql.Tx, wake, _ bool) error {
	if wake {
		// Delivered at the commit, to every gateway listening (cluster.go).
		if _, err := tx.ExecContext(ctx, "SELECT pg_notify($1, '')", channelWake); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

func (b *pgBackend) insert(tx *Tx, name string, args []any) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(tx.ctx, b.text(name)+" RETURNING id", b.args(args)...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("tickets: %s: %w", name, err)
	}
	return id, nil
}

func (b *pgBackend) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := b.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

func (b *pgBackend) close() error {
	err := b.db.Close()
	b.pool.Close()
	return err
}

// postgresMigrations lists postgres/migrations/*.sql in order.
func postgresMigrations() ([]string, error) {
	files, err := fs.Glob(postgresMigrationFiles, "postgres/migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("tickets: listing migrations: %w", err)
	}
	sort.Strings(files)
	for i, f := range files {
		if n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0]); err != nil || n != i+1 {
			return nil, fmt.Errorf("tickets: migration %s is out of sequence (want %03d)", f, i+1)
		}
	}
	return files, nil
}

// migrate applies the migrations the database has not seen, in one
// transaction, while it holds the migration lock: gateways starting at
// once migrate one after the other, and the later ones find nothing to
// do.
func (b *pgBackend) migrate(ctx context.Context) error {
	files, err := postgresMigrations()
	if err != nil {
		return err
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("tickets: begin migration: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lockClass, lockMigrate); err != nil {
		return fmt.Errorf("tickets: taking the migration lock: %w", err)
	}
	var encoding string
	if err := tx.QueryRowContext(ctx, "SHOW server_encoding").Scan(&encoding); err != nil {
		return fmt.Errorf("tickets: reading the database's encoding: %w", err)
	}
	if encoding != "UTF8" {
		return fmt.Errorf("tickets: the database's encoding is %s; madoguchi needs UTF8 (createdb -E UTF8 -T template0)", encoding)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("tickets: creating schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("tickets: reading schema version: %w", err)
	}
	if current > len(files) {
		return fmt.Errorf("%w: the database has schema version %d, this program knows %d", ErrTooNew, current, len(files))
	}
	if current == len(files) {
		return nil
	}
	for i, f := range files[current:] {
		body, err := postgresMigrationFiles.ReadFile(f)
		if err != nil {
			return fmt.Errorf("tickets: reading %s: %w", f, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("tickets: applying %s: %w", f, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
			current+i+1, filepath.Base(f)); err != nil {
			return fmt.Errorf("tickets: recording %s: %w", f, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("tickets: commit migration: %w", err)
	}
	return nil
}

func postgresSchemaStatus(ctx context.Context, src Source) (current, latest int, err error) {
	files, err := postgresMigrations()
	if err != nil {
		return 0, 0, err
	}
	dsn, err := verifiedDSN(src.DSN)
	if err != nil {
		return 0, 0, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return 0, 0, fmt.Errorf("tickets: postgres dsn: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, 0, fmt.Errorf("tickets: postgres %s: %w", describe(cfg), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return 0, 0, fmt.Errorf("tickets: reading schema version: %w", err)
	}
	if exists {
		if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return 0, 0, fmt.Errorf("tickets: reading schema version: %w", err)
		}
	}
	return current, len(files), nil
}

// ErrUnverifiedTLS: a DSN that names a server beyond this machine asks
// for a connection that does not verify the server's certificate.
var ErrUnverifiedTLS = errors.New("tickets: postgres dsn: the connection to a server beyond this machine must verify its certificate")

// verifiedDSN makes TLS verification the default, as it is for IMAP and
// SMTP: libpq's (and pgx's) default sslmode is "prefer", which takes any
// certificate and falls back to plain text. A DSN without sslmode that
// names a host beyond loopback (or a Unix socket) gets
// sslmode=verify-full; one that asks for less (disable, allow, prefer,
// require) there is refused. $PGSSLMODE counts as the DSN's own.
// sslrootcert in the DSN names a private CA.
func verifiedDSN(dsn string) (string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("tickets: postgres dsn: %w", err)
	}
	local := localHost(cfg.Host)
	for _, f := range cfg.Fallbacks {
		local = local && localHost(f.Host)
	}
	if local {
		return dsn, nil
	}
	mode := os.Getenv("PGSSLMODE")
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if m := u.Query().Get("sslmode"); m != "" {
			mode = m
		}
		if mode == "" {
			q := u.Query()
			q.Set("sslmode", "verify-full")
			u.RawQuery = q.Encode()
			return u.String(), nil
		}
	} else {
		for _, field := range strings.Fields(dsn) {
			if k, v, ok := strings.Cut(field, "="); ok && strings.TrimSpace(k) == "sslmode" {
				mode = strings.Trim(v, "'")
			}
		}
		if mode == "" {
			return dsn + " sslmode=verify-full", nil
		}
	}
	switch mode {
	case "verify-full", "verify-ca":
		return dsn, nil
	}
	return "", fmt.Errorf("%w: sslmode=%s on %s (use verify-full, with sslrootcert= for a private CA; a plain connection only to a loopback address or a Unix socket)", ErrUnverifiedTLS, mode, cfg.Host)
}

// localHost: a loopback address, "localhost" or a Unix socket directory.
func localHost(h string) bool {
	if strings.HasPrefix(h, "/") || h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}
