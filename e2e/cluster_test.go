//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/pgtest"
)

const userCluster = "cluster"

func init() { dovecotUsers = append(dovecotUsers, userCluster) }

// cluster is several gateways on one PostgreSQL database, one Dovecot
// mailbox and one relay, each with its own configuration, data directory
// (its FAQ index) and log.
type cluster struct {
	t     *testing.T
	dsn   string
	smtp  *mailserver.SMTPServer
	nodes []*clusterNode
	// admin is a configuration for the commands (lists, tokens): the
	// store alone.
	admin *deployment
}

type clusterNode struct {
	dir, config, log string
	web              string // "" or the console's address
	mu               sync.Mutex
	cmd              *exec.Cmd
	done             chan error
}

func newCluster(t *testing.T, n int, webNode int) *cluster {
	t.Helper()
	smtp, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatalf("start SMTP server: %v", err)
	}
	t.Cleanup(func() { smtp.Close() })
	c := &cluster{t: t, dsn: pgtest.DSN(t), smtp: smtp}
	dsnFile := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(dsnFile, []byte(c.dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store := fmt.Sprintf("[store]\ndriver = \"postgres\"\ndsn_file = %q\nmax_conns = 4\n", dsnFile)
	for i := range n {
		node := &clusterNode{dir: t.TempDir()}
		node.config = filepath.Join(node.dir, "madoguchi.toml")
		node.log = filepath.Join(node.dir, "madoguchi.log")
		web := ""
		if i == webNode {
			node.web = freeAddr(t)
			web = fmt.Sprintf("\n[web]\nlisten = %q\n", node.web)
		}
		conf := store + fmt.Sprintf(`
[imap]
address = %q
security = "insecure"
username = %q
password = %q
mailbox = "INBOX"
poll_interval = "5s"

[smtp]
address = %q
security = "insecure"
from = "Example Support <support@example.com>"

[desk]
support_address = "support@example.com"
language = "en"

[responder]
index_path = %q

[log]
level = "info"
`, env.imapAddr, userCluster, imapPassword, smtp.Addr, filepath.Join(node.dir, "faq.bleve")) + web
		if err := os.WriteFile(node.config, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, node)
	}
	c.admin = &deployment{dir: t.TempDir(), user: userCluster, smtp: smtp, config: filepath.Join(t.TempDir(), "admin.toml")}
	if err := os.WriteFile(c.admin.config, []byte(store+"[log]\nlevel = \"error\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.stop(syscall.SIGKILL)
		}
		if t.Failed() {
			for i, n := range c.nodes {
				b, _ := os.ReadFile(n.log)
				t.Logf("node %d log (tail):\n%s", i, tail(string(b), 25))
			}
		}
	})
	return c
}

// start starts the node's `run`, its log appended to its file.
func (n *clusterNode) start(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(env.bin, "--config", n.config, "run")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start madoguchi: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logf.Close() }()
	n.cmd, n.done = cmd, done
}

// stop signals the node and waits for it; it reports whether it ran.
func (n *clusterNode) stop(sig syscall.Signal) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	_ = n.cmd.Process.Signal(sig)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	n.cmd = nil
	return true
}

// poller is the index of the node whose gateway holds the mailbox's lock
// (-1 when none does): its lock connection's application_name names the
// process.
func (c *cluster) poller() int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		return -1
	}
	defer conn.Close(ctx)
	var app string
	err = conn.QueryRow(ctx, `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.classid::bigint = $1 AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		LIMIT 1`, int64(0x6d61646f+1)).Scan(&app)
	if err != nil {
		return -1
	}
	for i, n := range c.nodes {
		n.mu.Lock()
		running := n.cmd != nil && strings.Contains(app, fmt.Sprintf("pid %d ", n.cmd.Process.Pid))
		n.mu.Unlock()
		if running {
			return i
		}
	}
	return -1
}

// distinctSent counts the distinct Message-IDs the relay accepted.
func distinctSent(s *mailserver.SMTPServer) int {
	ids := map[string]bool{}
	for _, r := range s.Received() {
		ids[headerValue(r.Data, "Message-ID")] = true
	}
	return len(ids)
}

// TestE2E_ThreeGatewaysOnOnePostgresSurviveKillNine: three gateways on one
// PostgreSQL database and one Dovecot mailbox take 1,000 mails arriving
// over half a minute while, every few seconds, a random one of them is
// killed with SIGKILL and started again. In the end every mail has exactly
// one recorded disposition, every new request one ticket and one
// acknowledgement, delivered, and a mail reached the relay twice at most
// once per kill (SMTP has no two-phase commit). Then an FAQ entry
// published through one gateway's JSON API answers, automatically, a mail
// another gateway reads.
func TestE2E_ThreeGatewaysOnOnePostgresSurviveKillNine(t *testing.T) {
	c := newCluster(t, 3, 0)
	corp := newCorpusOf(corpusSeed+17, 5)
	if len(corp.Mails) != 1000 {
		t.Fatalf("corpus of %d mails", len(corp.Mails))
	}
	for _, n := range c.nodes {
		n.start(t)
	}

	// The mail arrives in groups while the killer works.
	client := dialIMAP(t, userCluster)
	defer client.Close()
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		for i, m := range corp.Mails {
			cmd := client.Append("INBOX", int64(len(m.Raw)), nil)
			if _, err := cmd.Write(m.Raw); err == nil {
				err = cmd.Close()
			}
			if _, err := cmd.Wait(); err != nil {
				t.Errorf("APPEND mail %d: %v", i, err)
				return
			}
			if i%25 == 24 {
				time.Sleep(750 * time.Millisecond)
			}
		}
	}()
	r := rand.New(rand.NewPCG(17, 4))
	kills := 0
	start := time.Now()
	for stopKilling := false; !stopKilling; {
		time.Sleep(time.Duration(2000+r.IntN(2000)) * time.Millisecond)
		select {
		case <-appended:
			stopKilling = kills >= 8
		default:
		}
		// Every other kill is of the gateway polling the mailbox.
		i := r.IntN(len(c.nodes))
		if kills%2 == 0 {
			if h := c.poller(); h >= 0 {
				i = h
			}
		}
		if c.nodes[i].stop(syscall.SIGKILL) {
			kills++
		}
		time.Sleep(time.Duration(r.IntN(500)) * time.Millisecond)
		c.nodes[i].start(t)
	}
	<-appended
	t.Logf("1,000 mails appended and %d kills in %v", kills, time.Since(start).Round(time.Second))

	// Every acknowledgement goes out.
	want := corp.eligible()
	deadline := time.Now().Add(5 * time.Minute)
	for distinctSent(c.smtp) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledgements reached the relay within 5 minutes of the last kill", distinctSent(c.smtp), want)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("all %d acknowledgements sent %v after the start", want, time.Since(start).Round(time.Second))
	// Once no outgoing row is pending, no sender holds one to send again:
	// what the relay has then is all there will be.
	for pending := -1; pending != 0; {
		r := c.admin.madoguchi("outbox", "list", "--status", "pending", "--json")
		var rows []json.RawMessage
		if r.err != nil || json.Unmarshal([]byte(r.stdout), &rows) != nil {
			t.Fatalf("outbox list --status pending: %s", r)
		}
		if pending = len(rows); pending > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d outgoing rows still pending 5 minutes after the last kill", pending)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	for _, n := range c.nodes[1:] {
		n.stop(syscall.SIGTERM)
	}

	takeovers, released := 0, 0
	for _, n := range c.nodes {
		b, _ := os.ReadFile(n.log)
		takeovers += bytes.Count(b, []byte(`msg="mailbox taken over"`))
		released += bytes.Count(b, []byte("claims of a sender that died ended"))
	}
	t.Logf("mailbox taken over by a standby %d times; claims of a killed gateway released %d times", takeovers, released)

	s := collect(t, corp, c.admin)
	s.resendsAllowed = kills
	assertModel(t, s)
	if t.Failed() {
		return
	}

	// The FAQ, published through node 0's API with a token made at the
	// terminal; node 0 then stops, so another reads the question.
	tok := c.admin.madoguchi("web", "token", "create", "faq-bot", "--scope", "write")
	lines := strings.Split(strings.TrimSpace(tok.stdout), "\n")
	if tok.err != nil || !strings.HasPrefix(lines[len(lines)-1], "mdg_") {
		t.Fatalf("web token create: %s\n%s", tok, tok.stdout)
	}
	token := lines[len(lines)-1]
	api := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+c.nodes[0].web+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %d %s", path, res.StatusCode, data)
		}
	}
	const answer = "Open the VPN client, choose the Tokyo gateway and sign in with your badge PIN."
	api("/api/v1/faq", fmt.Sprintf(`{"key":"vpn-tokyo","question":"How do I connect to the Tokyo office VPN from home?","answer":%q,"language":"en"}`, answer))
	api("/api/v1/faq/vpn-tokyo/publish", `{}`)
	c.nodes[0].stop(syscall.SIGTERM)
	before := len(c.smtp.Received())
	for _, n := range c.nodes[1:] {
		n.start(t) // each reads the mailbox at start, whenever the mail lands
	}
	q := []byte("From: Hanako <hanako@customer.example>\r\nTo: support@example.com\r\nSubject: VPN from home\r\n" +
		"Message-ID: <faq-cluster-1@customer.example>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n\r\nHow do I connect to the Tokyo office VPN from home?\r\n")
	cmd := client.Append("INBOX", int64(len(q)), nil)
	if _, err := cmd.Write(q); err != nil {
		t.Fatal(err)
	}
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := c.smtp.Wait(ctx, before+1)
	if err != nil {
		t.Fatalf("no answer to the FAQ question from the other gateways: %v", err)
	}
	last := got[len(got)-1]
	if !bytes.Contains(last.Data, []byte("Tokyo gateway")) || last.To[0] != "hanako@customer.example" {
		t.Fatalf("the answer to the FAQ question does not carry the entry published on node 0:\n%s", last.Data)
	}
	tickets := list[ticketRecord](t, c.admin, "tickets")
	var status string
	for _, tk := range tickets {
		if tk.Requester == "hanako@customer.example" {
			status = tk.Status
		}
	}
	if status != "auto_answered" {
		t.Errorf("the FAQ question's ticket is %q, want auto_answered", status)
	}
}
