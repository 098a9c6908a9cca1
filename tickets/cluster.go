package tickets

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// A gateway's place beside the others on its store. On SQLite there is
// one gateway: it holds the flock of lock.go, hears other processes
// through the pipe of wake.go, polls every mailbox and runs the timers.
// On PostgreSQL several run at once, and each holds, on a connection of
// its own (not the pool's), session-level advisory locks: one per mailbox
// it polls, one while it runs the timers, one that says it lives (its
// claims on outgoing rows are released when it is gone). PostgreSQL drops
// them when the connection ends: a gateway killed (its socket closed by
// the kernel) or cut off (TCP keepalives, below) lets a standby take its
// mailboxes within seconds. The gateway checks its connection every
// second, and a hold whose connection failed is lost: the poller stops
// before the server could give its mailbox to another. A second
// connection LISTENs: to wakes (another process's commit) and to new
// versions of the FAQ (a trigger on faq_version, migration 001), so each
// node's index takes an entry published on another within a second, and
// after a reconnection it catches up by the version number.

// The channels PostgreSQL's NOTIFY speaks on: a commit another process
// wants the gateways to see at once (Options.WakeGateway), and a new
// version of the FAQ.
const (
	channelWake = "madoguchi_wake"
	channelFAQ  = "madoguchi_faq"
)

// Advisory lock classes of a gateway's holds (postgres.go has the class
// of the store's own locks).
const (
	lockOwnerClass = lockClass + 2 // a live gateway, by its owner key
)

// How often the lock connection is checked, and a hold retried; how
// often the gateways are counted to share the mailboxes.
var (
	clusterCheckEvery = time.Second
	clusterPingWithin = 2 * time.Second
	shareEvery        = 3 * time.Second
)

// ErrHeld: another gateway holds what was asked for (Gateway.Hold without
// waiting).
var ErrHeld = errors.New("tickets: held by another gateway")

// Gateway is a running gateway's place on its store. Release gives it
// up.
type Gateway struct {
	lock *Lock      // SQLite
	pg   *pgCluster // PostgreSQL
}

// JoinAsGateway takes the store for a running gateway. On SQLite it is the
// writer lock: a second gateway is refused (*LockError, errors.Is
// ErrLocked). On PostgreSQL it connects the gateway's lock and listening
// connections; any number of gateways may join.
func (s *Store) JoinAsGateway(ctx context.Context) (*Gateway, error) {
	b, ok := s.be.(*pgBackend)
	if !ok {
		l, err := AcquireLock(s.path)
		if err != nil {
			return nil, err
		}
		return &Gateway{lock: l}, nil
	}
	c, err := joinPostgres(ctx, b)
	if err != nil {
		return nil, err
	}
	return &Gateway{pg: c}, nil
}

// Gateway is the place on its SQLite store of the gateway holding l
// (taken before the store is opened).
func (l *Lock) Gateway() *Gateway { return &Gateway{lock: l} }

// Shared reports whether other gateways may run on the store beside this
// one (PostgreSQL).
func (g *Gateway) Shared() bool { return g.pg != nil }

// Owner names this gateway in its claims on outgoing rows (outbox.Options
// .Owner); "" on SQLite, where the outbox names itself. A claim of an
// owner whose gateway is gone is released at once (Store.ClaimHolderDead).
func (g *Gateway) Owner() string {
	if g.pg == nil {
		return ""
	}
	return g.pg.owner
}

// Wakes returns a channel that receives a value whenever another process
// commits and asks to wake the gateways (Options.WakeGateway); once.
func (g *Gateway) Wakes() (<-chan struct{}, error) {
	if g.pg == nil {
		return g.lock.Wakes()
	}
	return g.pg.wake, nil
}

// FAQChanges receives a value when another gateway or process changed the
// FAQ, and after a lost connection to the database came back (changes may
// have been missed): time to bring the index up to date. nil (never) on
// SQLite, where the gateway's own tick looks.
func (g *Gateway) FAQChanges() <-chan struct{} {
	if g.pg == nil {
		return nil
	}
	return g.pg.faq
}

// Release gives up the gateway's place: its holds, its connections, its
// lock.
func (g *Gateway) Release() error {
	if g == nil {
		return nil
	}
	if g.pg != nil {
		g.pg.close()
		return nil
	}
	return g.lock.Release()
}

// Hold is one thing a gateway holds until Release: a mailbox it polls, or
// the timers it runs.
type Hold struct {
	lost    chan struct{}
	surplus chan struct{} // closed: hand the mailbox over (ShareMailboxes)
	release func()
	once    sync.Once
}

// Surplus is closed when this gateway holds more mailboxes than its share
// and this one is to be handed over: its poller stops after the batch at
// hand and releases it, and a gateway with fewer takes it. Never on
// SQLite.
func (h *Hold) Surplus() <-chan struct{} { return h.surplus }

// Lost is closed when the hold is lost (its connection to the database
// failed): whatever it guarded must stop at once. Never on SQLite.
func (h *Hold) Lost() <-chan struct{} { return h.lost }

// Release gives the hold up.
func (h *Hold) Release() {
	h.once.Do(func() {
		if h.release != nil {
			h.release()
		}
	})
}

// HoldMailbox holds the mailbox name for this gateway's poller: one
// gateway polls a mailbox at a time. With wait, it waits until the
// mailbox is free (a standby), checking every second; without, a mailbox
// another gateway holds is ErrHeld. With ShareMailboxes set, a gateway
// takes no more than its share of the mailboxes while others run.
func (g *Gateway) HoldMailbox(ctx context.Context, name string, wait bool) (*Hold, error) {
	return g.hold(ctx, lockMailboxClass, keyOf("mailbox:"+name), wait)
}

// ShareMailboxes spreads n mailboxes over the gateways running: each
// holds at most its share, n divided by the gateways (rounded up), so
// that gateways on several machines share the polling, and hands its
// surplus over when more gateways join (Hold.Surplus). One gateway alone
// polls every mailbox. Gateways count themselves by their owner locks
// every few seconds.
func (g *Gateway) ShareMailboxes(n int) {
	if g.pg != nil {
		g.pg.mu.Lock()
		g.pg.mailboxes = n
		g.pg.mu.Unlock()
	}
}

// HoldTimers makes this gateway the one that runs the timers (SLA
// reminders and breaches, escalations, closing): once cluster-wide.
func (g *Gateway) HoldTimers(ctx context.Context, wait bool) (*Hold, error) {
	return g.hold(ctx, lockClass, lockLeader, wait)
}

func (g *Gateway) hold(ctx context.Context, class, key int32, wait bool) (*Hold, error) {
	if g.pg == nil {
		return &Hold{lost: make(chan struct{}), surplus: make(chan struct{})}, nil
	}
	return g.pg.hold(ctx, class, key, wait)
}

// keyOf is a name's advisory lock key: 31 bits of its FNV-1a hash. Two
// names that share a key share a lock, which costs only that one gateway
// polls both.
func keyOf(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int32(h.Sum32() & 0x7fffffff)
}

// pgCluster is a gateway's two connections of its own to PostgreSQL.
type pgCluster struct {
	cfg      *pgx.ConnConfig
	owner    string
	ownerKey int32
	wake     chan struct{}
	faq      chan struct{}

	mu    sync.Mutex
	conn  *pgx.Conn // the lock connection; nil while it is down
	holds map[[2]int32]*Hold
	order [][2]int32 // the mailbox holds, oldest first
	// mailboxes is how many a gateway shares with the others
	// (ShareMailboxes; 0 = no sharing); gateways how many run, counted
	// every shareEvery.
	mailboxes, gateways int
	counted             time.Time

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// ownerPrefix marks the owners of gateways on PostgreSQL: "pg:KEY:host:pid",
// KEY the owner lock's key in hex.
const ownerPrefix = "pg:"

func joinPostgres(ctx context.Context, b *pgBackend) (*pgCluster, error) {
	cfg := b.pool.Config().ConnConfig.Copy()
	// A gateway cut off from the database (no FIN, no RST) is noticed by
	// the server within about 11 s, and its locks go to a standby.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "5"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "2"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	host, _ := os.Hostname()
	// Which gateway holds which lock, for a person looking at pg_locks
	// joined with pg_stat_activity.
	cfg.RuntimeParams["application_name"] = fmt.Sprintf("madoguchi gateway pid %d on %s", os.Getpid(), host)
	key := int32(rand.Uint32() & 0x7fffffff)
	c := &pgCluster{
		cfg: cfg, ownerKey: key,
		owner: fmt.Sprintf("%s%08x:%s:%d", ownerPrefix, key, host, os.Getpid()),
		wake:  make(chan struct{}, 1), faq: make(chan struct{}, 1),
		holds: map[[2]int32]*Hold{},
	}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	c.wg.Add(2)
	go c.watch(cctx)
	go c.listen(cctx)
	return c, nil
}

// connect (re)opens the lock connection and takes the owner lock on it.
// Called with mu held, or before the goroutines start.
func (c *pgCluster) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, c.cfg)
	if err != nil {
		return fmt.Errorf("tickets: the gateway's lock connection to %s: %w", describe(c.cfg), err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, $2)", lockOwnerClass, c.ownerKey); err != nil {
		conn.Close(ctx)
		return fmt.Errorf("tickets: the gateway's owner lock: %w", err)
	}
	c.conn = conn
	return nil
}

// watch checks the lock connection every second; when it fails, every
// hold is lost and the connection is made again.
func (c *pgCluster) watch(ctx context.Context) {
	defer c.wg.Done()
	t := time.NewTicker(clusterCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.mu.Lock()
		if c.conn == nil {
			_ = c.connect(ctx) // retried at the next tick
		} else if c.mailboxes > 0 && time.Since(c.counted) >= shareEvery {
			// Counting the gateways proves the connection as a ping does.
			if err := c.countLocked(ctx); err != nil && ctx.Err() == nil {
				c.dropLocked()
			} else {
				c.handOverLocked()
			}
		} else {
			pctx, cancel := context.WithTimeout(ctx, clusterPingWithin)
			err := c.conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				c.dropLocked()
			}
		}
		c.mu.Unlock()
	}
}

// countLocked counts the gateways running on the database: their owner
// locks. Called with mu held.
func (c *pgCluster) countLocked(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, clusterPingWithin)
	defer cancel()
	var n int
	err := c.conn.QueryRow(qctx, `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objsubid = 2 AND granted`, int64(lockOwnerClass)).Scan(&n)
	if err != nil {
		return err
	}
	c.gateways, c.counted = max(n, 1), time.Now()
	return nil
}

// shareLocked is how many mailboxes this gateway may hold: all of them
// without sharing. Called with mu held.
func (c *pgCluster) shareLocked() int {
	if c.mailboxes <= 0 {
		return int(^uint(0) >> 1)
	}
	g := max(c.gateways, 1)
	return (c.mailboxes + g - 1) / g
}

// mailboxHoldsLocked lists the mailbox holds not being handed over,
// newest first. Called with mu held.
func (c *pgCluster) mailboxHoldsLocked() []*Hold {
	var out []*Hold
	for i := len(c.order) - 1; i >= 0; i-- {
		h := c.holds[c.order[i]]
		select {
		case <-h.surplus:
			continue
		default:
		}
		out = append(out, h)
	}
	return out
}

// handOverLocked marks the newest mailbox holds over this gateway's share
// as surplus: their pollers stop and another gateway takes them. One at a
// time, so that a gateway joining takes one before the next goes.
// Called with mu held.
func (c *pgCluster) handOverLocked() {
	held := c.mailboxHoldsLocked()
	if len(held) > c.shareLocked() {
		close(held[0].surplus)
	}
}

// dropLocked closes the lock connection (the server releases its locks)
// and loses every hold. Called with mu held.
func (c *pgCluster) dropLocked() {
	if c.conn != nil {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = c.conn.Close(cctx)
		cancel()
		c.conn = nil
	}
	for k, h := range c.holds {
		close(h.lost)
		delete(c.holds, k)
	}
	c.order = nil
}

func (c *pgCluster) hold(ctx context.Context, class, key int32, wait bool) (*Hold, error) {
	k := [2]int32{class, key}
	mailbox := class == lockMailboxClass
	for {
		c.mu.Lock()
		if c.conn != nil && mailbox && c.mailboxes > 0 && time.Since(c.counted) >= shareEvery {
			// A count here is the period's count: the hand-over that
			// watch does after its own count is due now too, or a
			// gateway with a standby poller (which waits here every
			// clusterCheckEvery) would count before watch every time and
			// never hand its surplus over.
			if err := c.countLocked(ctx); err != nil && ctx.Err() == nil {
				c.dropLocked()
			} else {
				c.handOverLocked()
			}
		}
		_, mine := c.holds[k]
		// A gateway waiting for a mailbox takes it only under its share;
		// without waiting (run --once) it reads what is free.
		fair := !mailbox || !wait || len(c.mailboxHoldsLocked()) < c.shareLocked()
		if !mine && c.conn != nil && fair {
			var got bool
			qctx, cancel := context.WithTimeout(ctx, clusterPingWithin)
			err := c.conn.QueryRow(qctx, "SELECT pg_try_advisory_lock($1, $2)", class, key).Scan(&got)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				c.dropLocked()
			case got:
				h := &Hold{lost: make(chan struct{}), surplus: make(chan struct{})}
				h.release = func() { c.unhold(k, h) }
				c.holds[k] = h
				if mailbox {
					c.order = append(c.order, k)
				}
				c.mu.Unlock()
				return h, nil
			}
		}
		c.mu.Unlock()
		if !wait {
			return nil, ErrHeld
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(clusterCheckEvery):
		}
	}
}

func (c *pgCluster) unhold(k [2]int32, h *Hold) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds[k] != h {
		return // lost already
	}
	delete(c.holds, k)
	if i := slices.Index(c.order, k); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
	if c.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterPingWithin)
	defer cancel()
	if _, err := c.conn.Exec(ctx, "SELECT pg_advisory_unlock($1, $2)", k[0], k[1]); err != nil {
		c.dropLocked()
	}
}

// listen hears the wakes and the FAQ's versions on a connection of its
// own; after each (re)connection it says the FAQ may have changed.
func (c *pgCluster) listen(ctx context.Context) {
	defer c.wg.Done()
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, c.cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+channelWake+"; LISTEN "+channelFAQ)
		}
		if err == nil {
			signal(c.faq) // catch up with what was missed
			signal(c.wake)
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					break
				}
				switch n.Channel {
				case channelWake:
					signal(c.wake)
				case channelFAQ:
					signal(c.faq)
				}
			}
		}
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.Close(cctx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(clusterCheckEvery):
		}
	}
}

func (c *pgCluster) close() {
	c.stop()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		// Free at once, not when the server notices the connection end.
		ctx, cancel := context.WithTimeout(context.Background(), clusterPingWithin)
		_, _ = c.conn.Exec(ctx, "SELECT pg_advisory_unlock_all()")
		cancel()
	}
	c.dropLocked()
}

// signal sets ch without waiting: one pending signal is enough.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// ClaimHolderDead reports whether owner, the holder of claims on outgoing
// rows, is a gateway on PostgreSQL that is gone (its owner lock is free):
// known is false for any other owner (SQLite's, a run --once), whose
// claims run until they expire.
func (s *Store) ClaimHolderDead(ctx context.Context, owner string) (dead, known bool, err error) {
	if _, ok := s.be.(*pgBackend); !ok || !strings.HasPrefix(owner, ownerPrefix) {
		return false, false, nil
	}
	hex, _, _ := strings.Cut(strings.TrimPrefix(owner, ownerPrefix), ":")
	key, perr := strconv.ParseUint(hex, 16, 31)
	if perr != nil {
		return false, false, nil
	}
	var held bool
	err = s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2 AND granted)`, int64(lockOwnerClass), int64(key)).Scan(&held)
	if err != nil {
		return false, false, fmt.Errorf("tickets: is %s alive: %w", owner, err)
	}
	return !held, true, nil
}
