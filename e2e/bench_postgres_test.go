//go:build e2e

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the SQLite store, read beside the gateway

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/pgtest"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// BenchmarkClusterIngest is issue 17's benchmark: the binary's `run` on
// one, two and three nodes against one PostgreSQL, beside one node on
// SQLite, ingesting the same MADOGUCHI_BENCH_N (default 10,000) mixed
// real-world mails of BenchmarkDovecotIngest (benchMails) spread over
// three mailboxes ([[mailboxes]]: three users of the private Dovecot, a
// third of the mail each). Each mailbox is polled by one node at a time,
// so three mailboxes are what lets three nodes share the polling; every
// row reads the same three mailboxes, so the rows compare like with
// like: SQLite and PostgreSQL on one node poll all three, two nodes
// share them two and one, three nodes one each.
//
// A round: empty INBOXes, a fresh store (a new SQLite file, or a new
// PostgreSQL database), `migrate`, the nodes started with `run` (IDLE,
// responder on with no FAQ entry, JSON logs, [metrics] listen), then,
// once the mailboxes are spread over the nodes (PostgreSQL: by the
// advisory locks in pg_locks) and four seconds more have passed (the same
// warm-up for every row), the backlog is copied into the three INBOXes at
// once (UID COPY from each user's Backlog) and the clock runs until the
// store holds a disposition for every mail (a count of the inbound
// table, every 25 ms). It reports
//
//   - msgs/s: mail ingested per second, from the COPY to the last
//     disposition (Dovecot's IDLE notice, about 0.5 s, is in it),
//
//   - gw-cpu-ms/msg: user+system CPU of all the nodes over that time,
//     per mail,
//
//   - db-cpu-ms/msg: the PostgreSQL server's (postmaster and its
//     children, read from /proc; absent when the server is not local),
//
//   - match-ms: the mean FAQ match time of the nodes over the run
//     (madoguchi_faq_match_duration_seconds),
//
//   - store-B/msg: growth of the store per mail (PostgreSQL:
//     pg_database_size; SQLite: the file and its WAL), with the table by
//     table figures logged for the first round of each row,
//
//   - load: the one-minute load average when the round started.
//
//     make bench-postgres          # three rounds; or one:
//     POSTGRES_DURABLE=1 go test -tags e2e -run '^$' -bench ClusterIngest -benchtime 1x -v ./e2e
//
// (The Makefile runs the rounds one invocation after another rather than
// with -count, which would run a row's rounds together.)
// PostgreSQL is $TEST_POSTGRES, else a cluster scripts/postgres.sh starts
// (POSTGRES_DURABLE=1 keeps fsync and synchronous_commit on, as SQLite's
// commits are fsync'd); the server's settings are logged. Without a
// server the PostgreSQL rows are skipped with a message.
// MADOGUCHI_BENCH_MAXLOAD (e.g. 1) makes every round wait, up to ten
// minutes, until the load average is below it.
func BenchmarkClusterIngest(b *testing.B) {
	mails := clusterBacklog(b)
	setups := []struct {
		name, driver string
		nodes        int
	}{
		{"sqlite-1", "sqlite", 1},
		{"postgres-1", "postgres", 1},
		{"postgres-2", "postgres", 2},
		{"postgres-3", "postgres", 3},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			for range b.N {
				load := waitForCalm(b)
				r := ingestRound(b, s.name, s.driver, s.nodes, len(mails))
				n := float64(len(mails))
				b.ReportMetric(n/r.took.Seconds(), "msgs/s")
				b.ReportMetric(r.gwCPU.Seconds()*1000/n, "gw-cpu-ms/msg")
				if r.dbCPU >= 0 {
					b.ReportMetric(r.dbCPU.Seconds()*1000/n, "db-cpu-ms/msg")
				}
				if r.matches > 0 {
					b.ReportMetric(r.matchSeconds*1000/float64(r.matches), "match-ms")
				}
				b.ReportMetric(float64(r.grown)/n, "store-B/msg")
				b.ReportMetric(load, "load")
				b.Logf("%s: %d mails in %v (%.0f msgs/s); mailboxes per node %v; gateways' CPU %v, database server's CPU %v; %d matches, mean %.3f ms; store grew %d bytes (%.0f a mail); load %.2f before, %.2f after",
					s.name, len(mails), r.took, n/r.took.Seconds(), r.spread, r.gwCPU, r.dbCPU, r.matches, r.matchSeconds*1000/max(float64(r.matches), 1),
					r.grown, float64(r.grown)/n, load, testutils.LoadAverage())
				if r.handovers > 0 {
					b.Logf("%s: %d mailboxes handed over during the ingest", s.name, r.handovers)
				}
			}
		})
	}
}

// clusterBenchUsers are the three mailboxes of BenchmarkClusterIngest.
var clusterBenchUsers = []string{"pgbench1", "pgbench2", "pgbench3"}

func init() { dovecotUsers = append(dovecotUsers, clusterBenchUsers...) }

// clusterBacklogMails is appended once per test process, a third into
// each user's Backlog.
var clusterBacklogMails struct {
	sync.Mutex
	mails [][]byte
}

// clusterBacklog fills the Backlog mailbox of each of clusterBenchUsers
// with every third mail of benchMails, the first time it is called.
func clusterBacklog(b *testing.B) [][]byte {
	clusterBacklogMails.Lock()
	defer clusterBacklogMails.Unlock()
	if clusterBacklogMails.mails != nil {
		return clusterBacklogMails.mails
	}
	mails := benchMails(b, benchN())
	var size int
	for _, m := range mails {
		size += len(m)
	}
	b.Logf("%d mails, %.1f KB on average, %d bytes in all, over %d mailboxes", len(mails), float64(size)/float64(len(mails))/1000, size, len(clusterBenchUsers))
	t0 := time.Now()
	for k, user := range clusterBenchUsers {
		client := dialIMAP(b, user)
		emptyMailbox(b, client, backlogMailbox)
		client.Close()
		var part [][]byte
		for i := k; i < len(mails); i += len(clusterBenchUsers) {
			part = append(part, mails[i])
		}
		appendParallel(b, user, backlogMailbox, part)
	}
	b.Logf("APPEND of %d mails took %v", len(mails), time.Since(t0))
	clusterBacklogMails.mails = mails
	return mails
}

// waitForCalm waits, when MADOGUCHI_BENCH_MAXLOAD is set, until the load
// average is below it (ten minutes at most), and returns the load.
func waitForCalm(b *testing.B) float64 {
	b.StopTimer()
	limit, err := strconv.ParseFloat(os.Getenv("MADOGUCHI_BENCH_MAXLOAD"), 64)
	load := testutils.LoadAverage()
	if err != nil || limit <= 0 {
		return load
	}
	start := time.Now()
	for load >= limit && time.Since(start) < 10*time.Minute {
		time.Sleep(5 * time.Second)
		load = testutils.LoadAverage()
	}
	if load >= limit {
		b.Logf("the load average is still %.2f after ten minutes (limit %.2f): measuring all the same", load, limit)
	} else if waited := time.Since(start); waited > time.Second {
		b.Logf("waited %v for the load average to fall below %.2f", waited.Round(time.Second), limit)
	}
	return load
}

// ingestResult is what one round measured.
type ingestResult struct {
	took         time.Duration
	gwCPU, dbCPU time.Duration // dbCPU -1: not measured
	matches      int
	matchSeconds float64
	grown        int64 // bytes the store grew by
	spread       []int // mailboxes held per node when the mail came
	handovers    int
}

// ingestRound runs one round of BenchmarkClusterIngest on nodes gateways
// of a fresh store of driver; n mails are waiting in the Backlogs.
func ingestRound(b *testing.B, name, driver string, nodes, n int) ingestResult {
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for _, user := range clusterBenchUsers {
		c := dialIMAP(b, user)
		emptyMailbox(b, c, "INBOX")
		c.Close()
	}
	smtp, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		b.Fatalf("start SMTP server: %v", err)
	}
	b.Cleanup(func() { smtp.Close() })

	// The store: one SQLite file, or a new database every node shares.
	var store storeProbe
	storeConf := ""
	if driver == "postgres" {
		dsn := pgtest.DSN(b) // skips the row when no server can be had
		dsnFile := filepath.Join(b.TempDir(), "dsn")
		if err := os.WriteFile(dsnFile, []byte(dsn+"\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		storeConf = fmt.Sprintf("driver = \"postgres\"\ndsn_file = %q\n", dsnFile)
		pg, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatalf("connect to the benchmark's database: %v", err)
		}
		defer pg.Close(context.Background())
		store = &pgProbe{conn: pg}
		logServerSettings(b, ctx, pg)
	} else {
		path := filepath.Join(b.TempDir(), "madoguchi.db")
		storeConf = fmt.Sprintf("path = %q\n", path)
		store = &sqliteProbe{path: path}
	}

	var gateways []*clusterNode
	for range nodes {
		node := &clusterNode{dir: b.TempDir()}
		node.config = filepath.Join(node.dir, "madoguchi.toml")
		node.log = filepath.Join(node.dir, "madoguchi.log")
		node.web = freeAddr(b) // here: the [metrics] listener
		nodeStore := storeConf
		if driver == "postgres" {
			// Each node has its own directory for what lives beside the
			// store's path.
			nodeStore += fmt.Sprintf("path = %q\n", filepath.Join(node.dir, "data", "madoguchi.db"))
		}
		if err := os.WriteFile(node.config, []byte(clusterBenchConfig(nodeStore, node, smtp.Addr)), 0o600); err != nil {
			b.Fatal(err)
		}
		gateways = append(gateways, node)
	}
	b.Cleanup(func() {
		for _, g := range gateways {
			g.stop(syscall.SIGKILL)
		}
		if b.Failed() {
			for i, g := range gateways {
				raw, _ := os.ReadFile(g.log)
				b.Logf("node %d log (tail):\n%s", i, tail(string(raw), 25))
			}
		}
	})
	if out, err := execBin(ctx, gateways[0].config, "migrate"); err != nil {
		b.Fatalf("madoguchi migrate: %v\n%s", err, out)
	}
	for _, g := range gateways {
		g.start(b)
	}
	if err := store.open(ctx); err != nil {
		b.Fatal(err)
	}
	defer store.close()
	spread := waitSpread(b, ctx, store, gateways)
	time.Sleep(4 * time.Second) // the same warm-up for every row
	if again := waitSpread(b, ctx, store, gateways); !slices.Equal(spread, again) {
		b.Fatalf("the mailboxes moved during the warm-up: %v, then %v", spread, again)
	}
	handedOver := countLog(gateways, "mailbox handed over")
	base, err := store.sizes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	gw0, db0 := gatewaysCPU(gateways), store.serverCPU(ctx)

	b.StartTimer()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(clusterBenchUsers))
	for _, user := range clusterBenchUsers {
		wg.Go(func() { errs <- copyBacklog(user) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	for {
		got, err := store.count(ctx)
		if err != nil {
			b.Fatalf("count the inbound records: %v", err)
		}
		if got >= n {
			break
		}
		if time.Since(start) > 15*time.Minute {
			b.Fatalf("%d of %d mails have a disposition after 15 minutes", got, n)
		}
		time.Sleep(25 * time.Millisecond)
	}
	r := ingestResult{took: time.Since(start), spread: spread}
	b.StopTimer()
	r.gwCPU = gatewaysCPU(gateways) - gw0
	r.dbCPU = -1
	if db0 >= 0 {
		r.dbCPU = store.serverCPU(ctx) - db0
	}
	r.handovers = countLog(gateways, "mailbox handed over") - handedOver
	for _, g := range gateways {
		count, sum := matchTimes(b, g.web)
		r.matches += count
		r.matchSeconds += sum
	}

	// Every mail filed on the server, then the nodes stopped; nothing
	// recorded twice.
	waitAllSeen(b, n)
	for _, g := range gateways {
		g.stop(syscall.SIGTERM)
	}
	if err := store.settle(ctx); err != nil {
		b.Fatal(err)
	}
	if got, err := store.count(ctx); err != nil || got != n {
		b.Fatalf("the store holds %d inbound records after the run, want %d (%v)", got, n, err)
	}
	end, err := store.sizes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r.grown = end.total - base.total
	if !storageLogged[name] {
		storageLogged[name] = true
		logStorage(b, name, base, end, n)
		if d, err := store.dispositions(ctx); err == nil {
			b.Logf("%s: dispositions %v", name, d)
		}
		if pg, ok := store.(*pgProbe); ok {
			pg.logWork(b, ctx, n)
		}
	}
	return r
}

// storageLogged: the table by table storage is logged once per row.
var storageLogged = map[string]bool{}

// clusterBenchConfig is a node's configuration: the three mailboxes, the
// store section's keys, its own index and metrics listener.
func clusterBenchConfig(store string, node *clusterNode, smtpAddr string) string {
	var sb strings.Builder
	sb.WriteString("[store]\n" + store)
	for i, u := range clusterBenchUsers {
		fmt.Fprintf(&sb, "\n[[mailboxes]]\nname = %q\naddress = %q\nsecurity = \"insecure\"\nusername = %q\npassword = %q\nsupport_address = \"Support %d <support-%s@example.com>\"\n",
			u, env.imapAddr, u, imapPassword, i+1, u)
	}
	fmt.Fprintf(&sb, "\n[smtp]\naddress = %q\nsecurity = \"insecure\"\n\n[responder]\nindex_path = %q\n\n[metrics]\nlisten = %q\n\n[log]\nformat = \"json\"\n",
		smtpAddr, filepath.Join(node.dir, "faq.bleve"), node.web)
	return sb.String()
}

func execBin(ctx context.Context, config string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, env.bin, append([]string{"--config", config}, args...)...).CombinedOutput()
}

// waitSpread waits until the three mailboxes are spread over the nodes as
// they share them (each node at most its share: 3, 2+1, 1+1+1) and every
// poller has connected, and returns the mailboxes per holder, largest
// first. On SQLite the one node polls all three.
func waitSpread(b *testing.B, ctx context.Context, store storeProbe, nodes []*clusterNode) []int {
	boxes := len(clusterBenchUsers)
	holders := min(len(nodes), boxes)
	share := (boxes + len(nodes) - 1) / len(nodes)
	deadline := time.Now().Add(time.Minute)
	var spread []int
	for time.Now().Before(deadline) {
		var err error
		if spread, err = store.holders(ctx); err != nil {
			b.Fatal(err)
		}
		sum := 0
		for _, k := range spread {
			sum += k
		}
		if spread == nil {
			spread = []int{boxes} // SQLite: one gateway polls every mailbox
			sum = boxes
		}
		if countLog(nodes, "imap connected") >= boxes && sum == boxes && len(spread) == holders && spread[0] <= share {
			return spread
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.Fatalf("the mailboxes were not spread over %d nodes within a minute (held: %v)", len(nodes), spread)
	return nil
}

// countLog counts the log lines with message msg over the nodes' logs.
func countLog(nodes []*clusterNode, msg string) int {
	k := 0
	for _, g := range nodes {
		raw, _ := os.ReadFile(g.log)
		k += strings.Count(string(raw), `"msg":"`+msg+`"`)
	}
	return k
}

// copyBacklog copies user's Backlog into its INBOX, unseen.
func copyBacklog(user string) error {
	c, err := imapclient.DialInsecure(env.imapAddr, nil)
	if err != nil {
		return fmt.Errorf("dial Dovecot at %s: %w", env.imapAddr, err)
	}
	defer c.Close()
	if err := c.Login(user, imapPassword).Wait(); err != nil {
		return fmt.Errorf("LOGIN %s to Dovecot: %w", user, err)
	}
	if _, err := c.Select(backlogMailbox, nil).Wait(); err != nil {
		return fmt.Errorf("select %s of %s: %w", backlogMailbox, user, err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	if _, err := c.Copy(all, "INBOX").Wait(); err != nil {
		return fmt.Errorf("copy %s of %s to INBOX: %w", backlogMailbox, user, err)
	}
	return nil
}

// waitAllSeen waits until the n mails of the three INBOXes are \Seen:
// the last batches are filed beside, or after, their commit.
func waitAllSeen(b *testing.B, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		total, unseen := 0, 0
		for _, user := range clusterBenchUsers {
			c := dialIMAP(b, user)
			sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
			if err != nil {
				b.Fatal(err)
			}
			data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
			total += int(sel.NumMessages)
			unseen += len(data.AllUIDs())
		}
		if total == n && unseen == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the INBOXes hold %d mails, %d unseen, 30 s after the last disposition; want %d, all seen", total, unseen, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// matchTimes reads the FAQ match histogram of a node's /metrics: how many
// matches, and their seconds in all.
func matchTimes(b *testing.B, addr string) (int, float64) {
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		b.Fatalf("scrape %s: %v", addr, err)
	}
	defer res.Body.Close()
	s, err := testutils.ParseMetrics(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	count, sum := 0, 0.0
	if f := s["madoguchi_faq_match_duration_seconds"]; f != nil {
		for _, m := range f.Metric {
			count += int(m.GetHistogram().GetSampleCount())
			sum += m.GetHistogram().GetSampleSum()
		}
	}
	return count, sum
}

// gatewaysCPU is the user and system CPU the running nodes have used.
func gatewaysCPU(nodes []*clusterNode) time.Duration {
	var d time.Duration
	for _, g := range nodes {
		g.mu.Lock()
		if g.cmd != nil {
			d += procCPU(g.cmd.Process.Pid, false)
		}
		g.mu.Unlock()
	}
	return d
}

// procCPU is a process's user and system CPU from /proc/PID/stat, with
// its waited-for children's when children is set (0 when unreadable).
func procCPU(pid int, children bool) time.Duration {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	ticks := atoi(f[11]) + atoi(f[12]) // utime, stime
	if children {
		ticks += atoi(f[13]) + atoi(f[14]) // cutime, cstime
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// procStat is the fields of /proc/PID/stat after the command's name: [0]
// is the state, [1] the parent's pid.
func procStat(pid int) []string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func procName(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(raw))
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

// storeSizes is a store's size on disk: in all, and by table (with its
// indexes).
type storeSizes struct {
	total  int64
	tables map[string]tableSize
}

type tableSize struct {
	total, heap, index int64 // heap: the table's own pages (PostgreSQL: main fork); the rest is TOAST and maps
}

// storeProbe reads the store beside the running gateways.
type storeProbe interface {
	open(ctx context.Context) error
	close()
	count(ctx context.Context) (int, error)
	holders(ctx context.Context) ([]int, error) // nil: no cluster
	sizes(ctx context.Context) (storeSizes, error)
	serverCPU(ctx context.Context) time.Duration // -1: not measured
	dispositions(ctx context.Context) (map[string]int, error)
	// settle is called once the gateways stopped: SQLite's WAL is
	// checkpointed into the file and truncated, as the last connection
	// to close would (ours kept it open).
	settle(ctx context.Context) error
}

type pgProbe struct {
	conn       *pgx.Conn
	postmaster int
}

func (p *pgProbe) open(ctx context.Context) error {
	var backend int
	if err := p.conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return err
	}
	// The server's processes are the postmaster and its children, when
	// the server runs on this machine.
	if procName(backend) == "postgres" {
		if f := procStat(backend); len(f) > 1 {
			p.postmaster = int(atoi(f[1]))
		}
	}
	return nil
}

func (p *pgProbe) close() {}

func (p *pgProbe) settle(context.Context) error { return nil }

func (p *pgProbe) count(ctx context.Context) (int, error) {
	var n int
	err := p.conn.QueryRow(ctx, "SELECT count(*) FROM inbound").Scan(&n)
	return n, err
}

func (p *pgProbe) holders(ctx context.Context) ([]int, error) {
	rows, err := p.conn.Query(ctx, `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND classid::bigint = $1 AND granted
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		GROUP BY pid ORDER BY count(*) DESC`, int64(0x6d61646f+1)) // tickets.lockMailboxClass
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if out == nil {
		out = []int{}
	}
	return out, err
}

func (p *pgProbe) sizes(ctx context.Context) (storeSizes, error) {
	s := storeSizes{tables: map[string]tableSize{}}
	if err := p.conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&s.total); err != nil {
		return s, err
	}
	rows, err := p.conn.Query(ctx, `SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname = current_schema()`)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var t tableSize
		if err := rows.Scan(&name, &t.total, &t.heap, &t.index); err != nil {
			return s, err
		}
		s.tables[name] = t
	}
	return s, rows.Err()
}

func (p *pgProbe) serverCPU(context.Context) time.Duration {
	if p.postmaster == 0 {
		return -1
	}
	// The postmaster's own and its exited children's, and the live
	// children's (the gateways' pools keep their backends).
	d := procCPU(p.postmaster, true)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := procStat(pid); len(f) > 1 && atoi(f[1]) == int64(p.postmaster) {
			d += procCPU(pid, false)
		}
	}
	return d
}

// logWork logs what the database did for the round (its statistics
// since the database was made), per mail: commits, rows written and read.
func (p *pgProbe) logWork(b *testing.B, ctx context.Context, n int) {
	var commits, inserted, updated, deleted, fetched int64
	err := p.conn.QueryRow(ctx, `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&commits, &inserted, &updated, &deleted, &fetched)
	if err != nil {
		b.Logf("pg_stat_database unreadable: %v", err)
		return
	}
	f := float64(n)
	b.Logf("the database's work per mail: %.2f commits, %.1f rows inserted, %.1f updated, %.1f deleted, %.1f fetched",
		float64(commits)/f, float64(inserted)/f, float64(updated)/f, float64(deleted)/f, float64(fetched)/f)
}

func (p *pgProbe) dispositions(ctx context.Context) (map[string]int, error) {
	rows, err := p.conn.Query(ctx, "SELECT disposition, count(*) FROM inbound GROUP BY disposition")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var k int
		if err := rows.Scan(&d, &k); err != nil {
			return nil, err
		}
		out[d] = k
	}
	return out, rows.Err()
}

type sqliteProbe struct {
	path string
	db   *sql.DB
}

func (p *sqliteProbe) open(context.Context) error {
	var err error
	// Read only, as `store copy` reads a running gateway's store.
	p.db, err = sql.Open("sqlite", "file:"+p.path+"?mode=ro&_pragma=busy_timeout(10000)")
	return err
}

func (p *sqliteProbe) close() {
	if p.db != nil {
		p.db.Close()
	}
}

func (p *sqliteProbe) settle(ctx context.Context) error {
	p.db.Close()
	var err error
	if p.db, err = sql.Open("sqlite", "file:"+p.path+"?_pragma=busy_timeout(10000)"); err != nil {
		return err
	}
	var busy, frames, done int
	if err := p.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done); err != nil || busy != 0 {
		return fmt.Errorf("checkpoint the store after the run: busy %d, %v", busy, err)
	}
	return nil
}

func (p *sqliteProbe) count(ctx context.Context) (int, error) {
	var n int
	err := p.db.QueryRowContext(ctx, "SELECT count(*) FROM inbound").Scan(&n)
	return n, err
}

func (p *sqliteProbe) holders(context.Context) ([]int, error) { return nil, nil }

func (p *sqliteProbe) sizes(ctx context.Context) (storeSizes, error) {
	s := storeSizes{tables: map[string]tableSize{}}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(p.path + suffix); err == nil {
			s.total += fi.Size()
		}
	}
	rows, err := p.db.QueryContext(ctx, `SELECT coalesce(m.tbl_name, s.name), coalesce(m.type, 'table'), SUM(s.pgsize)
		FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name`)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var table, kind string
		var size int64
		if err := rows.Scan(&table, &kind, &size); err != nil {
			return s, err
		}
		t := s.tables[table]
		t.total += size
		if kind == "index" {
			t.index += size
		} else {
			t.heap += size
		}
		s.tables[table] = t
	}
	return s, rows.Err()
}

func (p *sqliteProbe) serverCPU(context.Context) time.Duration { return -1 }

func (p *sqliteProbe) dispositions(ctx context.Context) (map[string]int, error) {
	rows, err := p.db.QueryContext(ctx, "SELECT disposition, count(*) FROM inbound GROUP BY disposition")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var k int
		if err := rows.Scan(&d, &k); err != nil {
			return nil, err
		}
		out[d] = k
	}
	return out, rows.Err()
}

// logStorage logs the store's tables after the run, largest first, with
// their growth per mail.
func logStorage(b *testing.B, name string, base, end storeSizes, n int) {
	var names []string
	for t := range end.tables {
		names = append(names, t)
	}
	slices.SortFunc(names, func(x, y string) int { return int(end.tables[y].total - end.tables[x].total) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: store %d bytes before the mail, %d after (%.0f a mail)\n", name, base.total, end.total, float64(end.total-base.total)/float64(n))
	fmt.Fprintf(&sb, "%-24s %12s %12s %12s %12s %10s\n", "table", "total", "heap", "indexes", "TOAST/maps", "B/mail")
	for _, t := range names {
		e := end.tables[t]
		grown := e.total - base.tables[t].total
		if grown == 0 {
			continue
		}
		fmt.Fprintf(&sb, "%-24s %12d %12d %12d %12d %10.0f\n", t, e.total, e.heap, e.index, e.total-e.heap-e.index, float64(grown)/float64(n))
	}
	b.Log(sb.String())
}

// logServerSettings logs, once, what decides PostgreSQL's cost per commit.
func logServerSettings(b *testing.B, ctx context.Context, conn *pgx.Conn) {
	serverLogged.Do(func() {
		var version, fsync, sync, fpw, buffers string
		err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
			current_setting('full_page_writes'), current_setting('shared_buffers')`).Scan(&version, &fsync, &sync, &fpw, &buffers)
		if err != nil {
			b.Logf("PostgreSQL settings unreadable: %v", err)
			return
		}
		b.Logf("PostgreSQL %s: fsync %s, synchronous_commit %s, full_page_writes %s, shared_buffers %s", version, fsync, sync, fpw, buffers)
	})
}

var serverLogged sync.Once
