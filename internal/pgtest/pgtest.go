// Package pgtest gives tests a PostgreSQL database of their own on a real
// server: the one $TEST_POSTGRES names (CI starts one with
// scripts/postgres.sh), else a throwaway cluster on loopback that the first
// test to ask starts with scripts/postgres.sh in a temporary directory, and
// Stop (from TestMain) stops. A test that asks where no server can be
// started is skipped with a message saying why, unless
// $TEST_POSTGRES_REQUIRED is set (CI): then it fails.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvServer names a server tests may create and drop databases on (a
// superuser's URL); EnvRequire makes a missing server a failure.
const (
	EnvServer  = "TEST_POSTGRES"
	EnvRequire = "TEST_POSTGRES_REQUIRED"
)

var (
	mu      sync.Mutex
	started bool
	admin   string // the server's DSN
	dir     string // the cluster we started, "" when the server is given
	failed  error  // why no server could be had
	counter atomic.Int64
)

// DSN returns the DSN of a new, empty database for t, dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	server, err := Server()
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("PostgreSQL: %v (%s is set: the PostgreSQL tests must run)", err, EnvRequire)
		}
		t.Skipf("PostgreSQL: %v; skipping the PostgreSQL run (apt-get install -y postgresql, or set %s)", err, EnvServer)
	}
	name := fmt.Sprintf("t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, counter.Add(1))
	ctx := context.Background()
	if err := adminExec(ctx, server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := adminExec(context.Background(), server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("PostgreSQL: dropping database %s: %v", name, err)
		}
	})
	return WithDatabase(server, name)
}

// Server returns the DSN of the server, starting a cluster the first time
// when none is given.
func Server() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if started {
		return admin, failed
	}
	started = true
	if dsn := os.Getenv(EnvServer); dsn != "" {
		admin = dsn
		if err := adminExec(context.Background(), dsn, "SELECT 1"); err != nil {
			failed = fmt.Errorf("%s does not answer: %w", EnvServer, err)
		}
		return admin, failed
	}
	admin, failed = start()
	return admin, failed
}

// Stop stops the cluster Server started, if it did. TestMain calls it.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if dir == "" {
		return
	}
	script, err := scriptPath()
	if err == nil {
		_ = exec.Command(script, "stop", dir).Run()
	}
	_ = os.RemoveAll(dir)
	dir, started, admin, failed = "", false, "", nil
}

// Main runs the tests of a package that uses DSN and stops the cluster.
func Main(m *testing.M) int {
	defer Stop()
	return m.Run()
}

// WithDatabase is dsn (a URL) naming database name instead.
func WithDatabase(dsn, name string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return dsn
	}
	q := ""
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		q = dsn[i:]
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s%s", cfg.User, cfg.Host, cfg.Port, name, q)
}

func adminExec(ctx context.Context, dsn, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// start starts a cluster with scripts/postgres.sh in a new directory
// under the system's temporary directory, which the postgres user can
// reach (a test's own TempDir is private to root when CI runs as root).
// A watcher stops it should this process die without Stop (a test
// binary killed at its timeout).
func start() (string, error) {
	script, err := scriptPath()
	if err != nil {
		return "", err
	}
	d, err := os.MkdirTemp("", "madoguchi-pgtest-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(d, 0o755); err != nil {
		return "", err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(script, "start", d)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(d)
		return "", fmt.Errorf("scripts/postgres.sh start: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	dir = d
	watch := exec.Command("sh", "-c", `while kill -0 "$1" 2>/dev/null; do sleep 2; done; "$2" stop "$3"; rm -rf "$3"`,
		"watch", strconv.Itoa(os.Getpid()), script, d)
	watch.Stdout, watch.Stderr = nil, nil
	if err := watch.Start(); err == nil {
		go watch.Wait()
	}
	return strings.TrimSpace(string(out)), nil
}

// scriptPath finds scripts/postgres.sh from this file's place in the
// source tree.
func scriptPath() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot find scripts/postgres.sh")
	}
	p := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "postgres.sh")
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}
