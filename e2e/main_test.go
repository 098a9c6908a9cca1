//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/pgtest"
)

// env is what TestMain sets up once for every test: the binary and one
// private Dovecot with a mailbox user per scenario.
var env struct {
	bin      string // the madoguchi binary built from ./cmd/madoguchi
	imapAddr string // the private Dovecot, 127.0.0.1:port
}

// Dovecot users: one fresh mailbox per scenario, so the runs never see each
// other's mail. All share the password.
const (
	userUndisturbed = "support"
	userRestart     = "restart"
	userBench       = "bench" // BenchmarkDovecotIngest: the backlog, and a copy of it per pass
	imapPassword    = "secret"
)

// dovecotUsers are the mailboxes TestMain creates; a test file with a
// scenario of its own adds its user in an init function.
var dovecotUsers = []string{userUndisturbed, userRestart, userBench}

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "madoguchi-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// The PostgreSQL the cluster scenarios use ($TEST_POSTGRES, else a
	// throwaway cluster started on first use) is stopped at the end.
	defer pgtest.Stop()
	// Dovecot's mail processes run as the dovecot user and must reach the
	// maildirs under tmp.
	if err := os.Chmod(tmp, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	env.bin = filepath.Join(tmp, "madoguchi")
	build := exec.Command("go", "build", "-o", env.bin, "github.com/madoguchi/madoguchi/cmd/madoguchi")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building cmd/madoguchi failed: %v\n%s", err, out)
		return 1
	}

	script, err := filepath.Abs("../scripts/dovecot.sh")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if _, err := exec.LookPath("dovecot"); err != nil {
		if _, err2 := os.Stat("/usr/sbin/dovecot"); err2 != nil {
			fmt.Fprintln(os.Stderr, "e2e: dovecot is not installed; the end-to-end tests need a real Dovecot: apt-get install -y dovecot-imapd")
			return 1
		}
	}
	dovecotDir := filepath.Join(tmp, "dovecot")
	start := exec.Command(script, "start", dovecotDir)
	var users []string
	for _, u := range dovecotUsers {
		users = append(users, u+":"+imapPassword)
	}
	start.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin", "DOVECOT_USERS="+strings.Join(users, " "))
	var stderr bytes.Buffer
	start.Stderr = &stderr
	out, err := start.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: starting Dovecot failed: %v\n%s", err, stderr.String())
		return 1
	}
	defer func() {
		stop := exec.Command(script, "stop", dovecotDir)
		if out, err := stop.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stopping Dovecot failed: %v\n%s", err, out)
		}
	}()
	env.imapAddr = strings.TrimSpace(string(out))
	return m.Run()
}

// deployment is one madoguchi installation: its config, its data directory,
// its own SMTP server and the Dovecot user whose INBOX it serves.
type deployment struct {
	dir    string
	config string
	user   string
	smtp   *mailserver.SMTPServer
}

// newDeployment writes a config for a fresh data directory; imapAddr and
// password may be changed to point it at a dead port or a wrong password.
func newDeployment(t *testing.T, user, password, imapAddr string) *deployment {
	t.Helper()
	smtp, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatalf("start SMTP server: %v", err)
	}
	t.Cleanup(func() { smtp.Close() })
	d := &deployment{dir: t.TempDir(), user: user, smtp: smtp}
	if err := os.MkdirAll(filepath.Join(d.dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	d.config = filepath.Join(d.dir, "madoguchi.toml")
	conf := fmt.Sprintf(`[store]
path = %q

[imap]
address = %q
security = "insecure"
username = %q
password = %q
mailbox = "INBOX"

[smtp]
address = %q
security = "insecure"
from = "Example Support <support@example.com>"

[desk]
support_address = "support@example.com"
language = "en"
`, filepath.Join(d.dir, "data", "madoguchi.db"), imapAddr, user, password, smtp.Addr)
	if err := os.WriteFile(d.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// result is one finished invocation of the binary.
type result struct {
	stdout, stderr string
	err            error // nil for exit status 0
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("err=%v\nstderr (tail):\n%s", r.err, tail(r.stderr, 40))
}

// madoguchi runs the binary with this deployment's config and waits for it.
func (d *deployment) madoguchi(args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.bin, append([]string{"--config", d.config}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(t0)}
}

// runOnce runs `run --once` and fails the test unless it exits 0.
func (d *deployment) runOnce(t *testing.T) time.Duration {
	t.Helper()
	r := d.madoguchi("run", "--once")
	if r.err != nil {
		t.Fatalf("madoguchi run --once failed: %s", r)
	}
	return r.took
}

// list runs `<what> list --json` and decodes the array.
func list[T any](t *testing.T, d *deployment, what string) []T {
	t.Helper()
	r := d.madoguchi(what, "list", "--json")
	if r.err != nil {
		t.Fatalf("madoguchi %s list --json failed: %s", what, r)
	}
	var out []T
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("madoguchi %s list --json: output is not a JSON array: %v\n%s", what, err, tail(r.stdout, 20))
	}
	return out
}

// The JSON records of the list subcommands, as far as the tests read them.
type (
	inboundRecord struct {
		MessageID   string `json:"message_id"`
		Mailbox     string `json:"mailbox"`
		UID         uint32 `json:"uid"`
		UIDValidity uint32 `json:"uidvalidity"`
		Disposition string `json:"disposition"`
		Reason      string `json:"reason"`
		Ticket      string `json:"ticket"`
	}
	outboxRow struct {
		Ticket    string `json:"ticket"`
		Kind      string `json:"kind"`
		To        string `json:"to"`
		Subject   string `json:"subject"`
		MessageID string `json:"message_id"`
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	ticketRecord struct {
		Ref       string `json:"ref"`
		Subject   string `json:"subject"`
		Requester string `json:"requester"`
		Status    string `json:"status"`
		Type      string `json:"type"`
		Priority  string `json:"priority"`
	}
)

// appendAll delivers the corpus into user's INBOX in order, as a mail
// server would: by IMAP APPEND, unseen.
func appendAll(t *testing.T, user string, c *corpus) {
	t.Helper()
	client := dialIMAP(t, user)
	defer client.Close()
	for i, m := range c.Mails {
		cmd := client.Append("INBOX", int64(len(m.Raw)), nil)
		if _, err := cmd.Write(m.Raw); err != nil {
			t.Fatalf("APPEND mail %d (%s): %v", i, m.MessageID, err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("APPEND mail %d (%s): %v", i, m.MessageID, err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("APPEND mail %d (%s): %v", i, m.MessageID, err)
		}
	}
}

// inboxFlags returns the flags of every message in user's INBOX by UID,
// read without changing them (EXAMINE).
func inboxFlags(t *testing.T, user string) map[uint32][]imap.Flag {
	t.Helper()
	return mailboxFlags(t, user, "INBOX")
}

// mailboxFlags is inboxFlags for any mailbox of user.
func mailboxFlags(t *testing.T, user, mailbox string) map[uint32][]imap.Flag {
	t.Helper()
	client := dialIMAP(t, user)
	defer client.Close()
	sel, err := client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE %s of %s: %v", mailbox, user, err)
	}
	out := map[uint32][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	msgs, err := client.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatalf("FETCH FLAGS of %s: %v", user, err)
	}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
	return out
}

func dialIMAP(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	client, err := imapclient.DialInsecure(env.imapAddr, nil)
	if err != nil {
		t.Fatalf("dial Dovecot at %s: %v", env.imapAddr, err)
	}
	if err := client.Login(user, imapPassword).Wait(); err != nil {
		client.Close()
		t.Fatalf("LOGIN %s to Dovecot: %v", user, err)
	}
	return client
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// exitCode returns the exit status of a failed run, or -1 when it did not exit normally.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
