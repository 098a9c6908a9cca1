package tickets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Copy moves a whole desk from one store to another (SQLite to
// PostgreSQL, or back): every table of the schema (tickets, entries,
// inbound records with their raw mail, attachments, FAQ, audit, outgoing
// rows, timers, sessions), row for row with their ids, in one transaction
// on the destination, from one snapshot of the source. Then it reads the
// destination back and compares each table's row count and checksum with
// the source's. Both stores must be at the present schema (opening them
// migrates), no gateway may run on either, and the destination must hold
// no desk yet.
//
// Text PostgreSQL cannot hold (NUL, bytes that are not UTF-8) is copied
// with U+FFFD in its place, as the store writes it, and counted.
func Copy(ctx context.Context, from, to *Store, progress func(table string, rows int64)) (*CopyReport, error) {
	if from == to {
		return nil, errors.New("tickets: copy: the source and the destination are one store")
	}
	tables, err := from.copyTables(ctx)
	if err != nil {
		return nil, err
	}
	dest, err := to.copyTables(ctx)
	if err != nil {
		return nil, err
	}
	if err := sameTables(tables, dest); err != nil {
		return nil, err
	}
	for _, s := range []*Store{from, to} {
		if err := s.noGatewayRuns(ctx); err != nil {
			return nil, err
		}
	}
	if err := to.copyEmpty(ctx, tables); err != nil {
		return nil, err
	}

	src, err := from.be.begin(ctx, txRead)
	if err != nil {
		return nil, fmt.Errorf("tickets: copy: reading the source: %w", err)
	}
	defer src.Rollback()
	report := &CopyReport{}
	w, err := to.copyWriter(ctx)
	if err != nil {
		return nil, err
	}
	defer w.rollback()
	for _, t := range tables {
		rows, err := src.QueryContext(ctx, t.selectAll())
		if err != nil {
			return nil, fmt.Errorf("tickets: copy: reading %s: %w", t.name, err)
		}
		tr := TableReport{Table: t.name}
		sum := newRowHash()
		r := &rowReader{rows: rows, n: len(t.columns), clean: to.Driver() == DriverPostgres, sum: sum, cleaned: &tr.Cleaned}
		n, err := w.copy(ctx, t, r)
		rows.Close()
		if err == nil {
			err = r.err
		}
		if err != nil {
			return nil, fmt.Errorf("tickets: copy: writing %s: %w", t.name, err)
		}
		tr.Rows, tr.Checksum = n, sum.sum()
		report.Tables = append(report.Tables, tr)
		if progress != nil {
			progress(t.name, n)
		}
	}
	if err := w.commit(ctx, tables); err != nil {
		return nil, fmt.Errorf("tickets: copy: commit: %w", err)
	}
	// What arrived, read back and compared.
	for i, t := range tables {
		n, sum, err := to.tableChecksum(ctx, t)
		if err != nil {
			return report, err
		}
		tr := &report.Tables[i]
		tr.Verified = n == tr.Rows && sum == tr.Checksum
		if !tr.Verified {
			return report, fmt.Errorf("%w: %s has %d rows (checksum %s) in the destination, %d (%s) in the source",
				ErrCopyMismatch, t.name, n, sum[:12], tr.Rows, tr.Checksum[:12])
		}
	}
	return report, nil
}

// ErrCopyMismatch: what arrived is not what was sent.
var ErrCopyMismatch = errors.New("tickets: copy: the destination differs from the source")

// CopyReport says what Copy moved, table by table.
type CopyReport struct {
	Tables []TableReport
}

// TableReport is one table's rows and checksum (sha256 of its rows in the
// order of its primary key), on both sides when Verified.
type TableReport struct {
	Table    string
	Rows     int64
	Checksum string
	Cleaned  int64 // text values stored with U+FFFD in place of what PostgreSQL cannot hold
	Verified bool
}

// copyTable is one table of the schema: its columns, and its primary key
// (what its rows are ordered by, on both sides).
type copyTable struct {
	name    string
	columns []string
	key     []string
}

func (t copyTable) selectAll() string {
	// Names from the schema itself, quoted: nothing a person typed.
	return "SELECT " + quoteList(t.columns) + " FROM " + quoteIdent(t.name) + " ORDER BY " + quoteList(t.key)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quoteIdent(n)
	}
	return strings.Join(out, ", ")
}

// singletons are the tables of one row the schema creates (id = 1): the
// destination's is replaced.
var singletons = map[string]bool{"faq_version": true, "timer_policy": true}

// copyTables lists the store's tables with their columns and keys: the
// schema's own (not SQLite's full-text tables, nor PostgreSQL's record of
// migrations), by name.
func (s *Store) copyTables(ctx context.Context) ([]copyTable, error) {
	var q string
	if s.Driver() == DriverPostgres {
		q = `SELECT c.table_name, c.column_name,
				COALESCE((SELECT k.ordinal_position FROM information_schema.key_column_usage k
				          JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name AND tc.table_schema = k.table_schema
				          WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema AND k.table_name = c.table_name
				            AND k.column_name = c.column_name), 0)
			FROM information_schema.columns c JOIN information_schema.tables t
			  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migrations'
			ORDER BY c.table_name, c.ordinal_position`
	} else {
		q = `SELECT m.name, p.name, p.pk FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '%_fts%'
			ORDER BY m.name, p.cid`
	}
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("tickets: copy: listing tables: %w", err)
	}
	defer rows.Close()
	var out []copyTable
	keys := map[string]map[int]string{}
	for rows.Next() {
		var table, col string
		var pk int
		if err := rows.Scan(&table, &col, &pk); err != nil {
			return nil, fmt.Errorf("tickets: copy: listing tables: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].name != table {
			out = append(out, copyTable{name: table})
			keys[table] = map[int]string{}
		}
		t := &out[len(out)-1]
		t.columns = append(t.columns, col)
		if pk > 0 {
			keys[table][pk] = col
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		t := &out[i]
		for k := 1; k <= len(keys[t.name]); k++ {
			t.key = append(t.key, keys[t.name][k])
		}
		if len(t.key) == 0 {
			t.key = t.columns // no key: every column orders it
		}
	}
	return out, nil
}

// sameTables checks that both sides have one schema.
func sameTables(a, b []copyTable) error {
	var diff []string
	byName := map[string]copyTable{}
	for _, t := range b {
		byName[t.name] = t
	}
	for _, t := range a {
		o, ok := byName[t.name]
		switch {
		case !ok:
			diff = append(diff, t.name+" is missing in the destination")
		case !slices.Equal(sortedCopy(t.columns), sortedCopy(o.columns)):
			diff = append(diff, fmt.Sprintf("%s has columns %v in the source, %v in the destination", t.name, t.columns, o.columns))
		}
		delete(byName, t.name)
	}
	for name := range byName {
		diff = append(diff, name+" is missing in the source")
	}
	if len(diff) > 0 {
		slices.Sort(diff)
		return fmt.Errorf("tickets: copy: the two schemas differ (is one program older than the other?): %s", strings.Join(diff, "; "))
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// noGatewayRuns refuses a store a gateway runs on: its writes would be
// missed or mixed in.
func (s *Store) noGatewayRuns(ctx context.Context) error {
	if s.Driver() != DriverPostgres {
		l, err := AcquireLock(s.path)
		if err != nil {
			return fmt.Errorf("tickets: copy: stop the gateway first: %w", err)
		}
		return l.Release()
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objsubid = 2 AND granted`, int64(lockOwnerClass)).Scan(&n)
	if err != nil {
		return fmt.Errorf("tickets: copy: looking for gateways: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("tickets: copy: %d %s on the PostgreSQL database; stop them first", n, map[bool]string{true: "gateway runs", false: "gateways run"}[n == 1])
	}
	return nil
}

// copyEmpty refuses a destination that holds a desk already.
func (s *Store) copyEmpty(ctx context.Context, tables []copyTable) error {
	for _, t := range tables {
		if singletons[t.name] {
			continue
		}
		var any bool
		if err := s.r.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteIdent(t.name)+")").Scan(&any); err != nil {
			return fmt.Errorf("tickets: copy: %w", err)
		}
		if any {
			return fmt.Errorf("tickets: copy: the destination holds a desk already (%s has rows); copy into an empty database", t.name)
		}
	}
	return nil
}

// tableChecksum counts and hashes a table's rows as Copy did.
func (s *Store) tableChecksum(ctx context.Context, t copyTable) (int64, string, error) {
	tx, err := s.be.begin(ctx, txRead)
	if err != nil {
		return 0, "", err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, t.selectAll())
	if err != nil {
		return 0, "", fmt.Errorf("tickets: copy: reading back %s: %w", t.name, err)
	}
	defer rows.Close()
	sum := newRowHash()
	r := &rowReader{rows: rows, n: len(t.columns), sum: sum}
	var n int64
	for r.Next() {
		n++
	}
	if r.err != nil {
		return 0, "", fmt.Errorf("tickets: copy: reading back %s: %w", t.name, r.err)
	}
	return n, sum.sum(), nil
}

// rowReader reads rows, each hashed as it goes (and, for PostgreSQL,
// its text cleaned first); it is the pgx.CopyFromSource of a copy into
// PostgreSQL.
type rowReader struct {
	rows    *sql.Rows
	n       int
	clean   bool
	sum     *rowHash
	cleaned *int64
	vals    []any
	err     error
}

func (r *rowReader) Next() bool {
	if r.err != nil || !r.rows.Next() {
		if r.err == nil {
			r.err = r.rows.Err()
		}
		return false
	}
	vals := make([]any, r.n)
	ptrs := make([]any, r.n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return false
	}
	for i, v := range vals {
		if s, ok := v.(string); ok && r.clean {
			if c := cleanText(s); c != s {
				vals[i] = c
				*r.cleaned++
			}
		}
	}
	r.sum.row(vals)
	r.vals = vals
	return true
}

func (r *rowReader) Values() ([]any, error) { return r.vals, nil }

func (r *rowReader) Err() error { return r.err }

// rowHash hashes rows by value, whatever type each driver gives: an
// integer is an integer, text is text, bytes are bytes.
type rowHash struct{ h hash.Hash }

func newRowHash() *rowHash { return &rowHash{h: sha256.New()} }

func (h *rowHash) row(vals []any) {
	var b [9]byte
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			h.h.Write([]byte{'n'})
		case int64:
			b[0] = 'i'
			binary.BigEndian.PutUint64(b[1:], uint64(x))
			h.h.Write(b[:])
		case float64:
			b[0] = 'f'
			binary.BigEndian.PutUint64(b[1:], math.Float64bits(x))
			h.h.Write(b[:])
		case bool: // never in our schema; kept apart all the same
			b[0], b[1] = 'b', 0
			if x {
				b[1] = 1
			}
			h.h.Write(b[:2])
		case string:
			h.bytes('s', []byte(x))
		case []byte:
			h.bytes('x', x)
		default:
			h.bytes('?', fmt.Append(nil, x))
		}
	}
	h.h.Write([]byte{'\n'})
}

func (h *rowHash) bytes(tag byte, p []byte) {
	var b [9]byte
	b[0] = tag
	binary.BigEndian.PutUint64(b[1:], uint64(len(p)))
	h.h.Write(b[:])
	h.h.Write(p)
}

func (h *rowHash) sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// copyWriter writes a copy into one store in one transaction.
type copyWriter interface {
	copy(ctx context.Context, t copyTable, r *rowReader) (int64, error)
	commit(ctx context.Context, tables []copyTable) error
	rollback()
}

func (s *Store) copyWriter(ctx context.Context) (copyWriter, error) {
	if b, ok := s.be.(*pgBackend); ok {
		conn, err := b.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("tickets: copy: %w", err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			conn.Release()
			return nil, fmt.Errorf("tickets: copy: %w", err)
		}
		w := &pgCopy{conn: conn.Release, tx: tx}
		for _, q := range []string{
			fmt.Sprintf("SELECT pg_advisory_xact_lock(%d, %d)", lockClass, lockWriter),
			"SET CONSTRAINTS ALL DEFERRED",
			"DELETE FROM faq_version", "DELETE FROM timer_policy",
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				w.rollback()
				return nil, fmt.Errorf("tickets: copy: %w", err)
			}
		}
		return w, nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("tickets: copy: %w", err)
	}
	for _, q := range []string{"PRAGMA defer_foreign_keys = ON", "DELETE FROM faq_version", "DELETE FROM timer_policy"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("tickets: copy: %w", err)
		}
	}
	return &sqliteCopy{tx: tx}, nil
}

// pgCopy writes with COPY FROM, a table at a time.
type pgCopy struct {
	conn func()
	tx   pgx.Tx
	done bool
}

func (w *pgCopy) copy(ctx context.Context, t copyTable, r *rowReader) (int64, error) {
	return w.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, r)
}

func (w *pgCopy) commit(ctx context.Context, tables []copyTable) error {
	// The identity columns go on after the ids copied.
	for _, t := range tables {
		if !slices.Contains(t.columns, "id") {
			continue
		}
		var seq *string
		if err := w.tx.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, 'id')", t.name).Scan(&seq); err != nil {
			return fmt.Errorf("sequence of %s: %w", t.name, err)
		}
		if seq == nil {
			continue // an id of its own (a token's), or one row (id = 1)
		}
		q := "SELECT setval($1, COALESCE((SELECT MAX(id) FROM " + quoteIdent(t.name) + "), 1), " +
			"(SELECT MAX(id) FROM " + quoteIdent(t.name) + ") IS NOT NULL)"
		if _, err := w.tx.Exec(ctx, q, *seq); err != nil {
			return fmt.Errorf("sequence of %s: %w", t.name, err)
		}
	}
	err := w.tx.Commit(ctx)
	w.done = true
	w.conn()
	return err
}

func (w *pgCopy) rollback() {
	if w.done {
		return
	}
	w.done = true
	_ = w.tx.Rollback(context.Background())
	w.conn()
}

// sqliteCopy writes with one prepared INSERT per table.
type sqliteCopy struct {
	tx   *sql.Tx
	done bool
}

func (w *sqliteCopy) copy(ctx context.Context, t copyTable, r *rowReader) (int64, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ")
	st, err := w.tx.PrepareContext(ctx, "INSERT INTO "+quoteIdent(t.name)+" ("+quoteList(t.columns)+") VALUES ("+marks+")")
	if err != nil {
		return 0, err
	}
	defer st.Close()
	var n int64
	for r.Next() {
		if _, err := st.ExecContext(ctx, r.vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, r.err
}

func (w *sqliteCopy) commit(ctx context.Context, _ []copyTable) error {
	w.done = true
	if err := drainSearch(ctx, w.tx, false); err != nil {
		_ = w.tx.Rollback()
		return err
	}
	return w.tx.Commit()
}

func (w *sqliteCopy) rollback() {
	if !w.done {
		w.done = true
		_ = w.tx.Rollback()
	}
}
