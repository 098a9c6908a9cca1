//go:build e2e

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"mime"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// The outgoing-mail scenarios of issue 7 (items 1, 2 and 4): each gets a
// mailbox of its own in the restart user's account, so it never sees
// another scenario's mail.

// outboxConfig is what a scenario's config file says.
type outboxConfig struct {
	mailbox   string // created in the restart user's account
	smtpAddr  string
	storeDir  string
	imapExtra string // TOML lines added to [imap]
	smtpExtra string // TOML lines added to [smtp]
}

// outboxDeployment is a deployment reading c.mailbox; with c.smtpAddr ""
// it gets an SMTP server of its own, with c.storeDir "" a data directory.
func outboxDeployment(t *testing.T, c outboxConfig) (*deployment, outboxConfig) {
	t.Helper()
	d := &deployment{dir: t.TempDir(), user: userRestart}
	if c.smtpAddr == "" {
		srv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
		if err != nil {
			t.Fatalf("start SMTP server: %v", err)
		}
		t.Cleanup(func() { srv.Close() })
		d.smtp, c.smtpAddr = srv, srv.Addr
	}
	if c.storeDir == "" {
		c.storeDir = filepath.Join(d.dir, "data")
	}
	client := dialIMAP(t, d.user)
	if err := client.Create(c.mailbox, nil).Wait(); err != nil {
		t.Fatalf("CREATE %s: %v", c.mailbox, err)
	}
	client.Close()
	d.config = filepath.Join(d.dir, "madoguchi.toml")
	d.writeOutboxConfig(t, c)
	return d, c
}

func (d *deployment) writeOutboxConfig(t *testing.T, c outboxConfig) {
	t.Helper()
	conf := fmt.Sprintf(`[store]
path = %q

[imap]
address = %q
security = "insecure"
username = %q
password = %q
mailbox = %q
%s
[smtp]
address = %q
security = "insecure"
from = "Example Support <support@example.com>"
%s
[desk]
support_address = "support@example.com"
language = "en"

[responder]
enabled = false
`, filepath.Join(c.storeDir, "madoguchi.db"), env.imapAddr, d.user, imapPassword, c.mailbox, c.imapExtra, c.smtpAddr, c.smtpExtra)
	if err := os.WriteFile(d.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// outboxState is a row of `outbox list --json` as these tests read it.
type outboxState struct {
	To             string `json:"to"`
	Status         string `json:"status"`
	Attempts       int    `json:"attempts"`
	Deferrals      int    `json:"deferrals"`
	OutcomeUnknown bool   `json:"outcome_unknown"`
	LastError      string `json:"last_error"`
}

// appendTo delivers raw mails into mailbox of user.
func appendTo(t *testing.T, user, mailbox string, mails [][]byte) {
	t.Helper()
	client := dialIMAP(t, user)
	defer client.Close()
	for i, raw := range mails {
		cmd := client.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatalf("APPEND mail %d: %v", i, err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("APPEND mail %d: %v", i, err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("APPEND mail %d: %v", i, err)
		}
	}
}

// customerMail is a new request from customer n, with an attachment of
// attach random bytes when attach > 0.
func customerMail(tag string, n int, subject string, attach int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Customer %d <customer%03d@example.org>\r\nTo: support@example.com\r\n", n, n)
	fmt.Fprintf(&b, "Subject: %s\r\nMessage-ID: <%s.%d@example.org>\r\n", mime.QEncoding.Encode("utf-8", subject), tag, n)
	fmt.Fprintf(&b, "Date: %s\r\nMIME-Version: 1.0\r\n", time.Now().Format(time.RFC1123Z))
	if attach == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer on 3F does not print.\r\n")
		return b.Bytes()
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer on 3F does not print; the log is attached.\r\n--b1\r\n")
	b.WriteString("Content-Type: application/octet-stream; name=\"printer.log\"\r\nContent-Disposition: attachment; filename=\"printer.log\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	data := make([]byte, attach)
	rand.Read(data) // random: nothing compresses or deduplicates it
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return b.Bytes()
}

// perMessageID counts what the SMTP server received per Message-ID.
func perMessageID(t *testing.T, srv *mailserver.SMTPServer) map[string]int {
	t.Helper()
	n := map[string]int{}
	for i, r := range srv.Received() {
		m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Fatalf("SMTP message %d does not parse: %v", i, err)
		}
		n[m.Header.Get("Message-ID")]++
	}
	return n
}

// Issue 7, item 1: the store on a 3 MiB tmpfs fills while 120 mails with
// 20 KB attachments come in and their acknowledgements go out. Before the
// fix, a delivered acknowledgement that could not be marked sent was sent
// again at once, over 10,000 times in 20 s. Now no mail reaches the relay
// more than twice (once per process; here there is one), and the outbox
// says that the store cannot be written.
func TestE2E_Outbox_FullDiskNeverFloods(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: mounting a 3 MiB tmpfs for the store needs root (CI runs as root); run make e2e as root to see the full disk")
	}
	storeDir := filepath.Join(t.TempDir(), "store")
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", storeDir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs on %s: %v\n%s", storeDir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", storeDir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", storeDir, err, out)
		}
	})
	d, _ := outboxDeployment(t, outboxConfig{mailbox: "fulldisk", storeDir: storeDir,
		imapExtra: "batch_size = 20\n", smtpExtra: "retry_base = \"2s\"\nretry_max = \"4s\"\n"})
	var mails [][]byte
	for i := range 120 {
		mails = append(mails, customerMail("fulldisk", i, fmt.Sprintf("Printer %d does not print", i), 20<<10))
	}
	appendTo(t, d.user, "fulldisk", mails)

	const window = 20 * time.Second
	var stderr bytes.Buffer
	cmd := exec.Command(env.bin, "--config", d.config, "run")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Logf("run exited by itself within the window: %v", err)
	case <-time.After(window): // the scenario's length, as in the issue
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	logs := stderr.String()
	if !strings.Contains(logs, "full") {
		t.Fatalf("the store never filled up, so the scenario did not happen; the log:\n%s", tail(logs, 40))
	}
	counts := perMessageID(t, d.smtp)
	most, total := 0, 0
	for id, n := range counts {
		total += n
		most = max(most, n)
		if n > 2 {
			t.Errorf("%s reached the relay %d times", id, n)
		}
	}
	t.Logf("store on a 3 MiB tmpfs, 120 mails with 20 KB attachments, run for %v: %d mails reached the relay for %d Message-IDs, at most %d copies of one",
		window, total, len(counts), most)
	if strings.Contains(logs, "the store cannot be written") {
		t.Logf("the outbox reported the full store and stopped")
	}

	// run --once on the full store: it exits non-zero and says why.
	r := d.madoguchi("run", "--once")
	t.Logf("run --once on the full store: exit %d: %s", exitCode(r.err), tail(r.stderr, 3))
	if r.err == nil {
		t.Errorf("run --once on a full store exited 0")
	}
	for id, n := range perMessageID(t, d.smtp) {
		if n > 2 {
			t.Errorf("after run --once, %s reached the relay %d times", id, n)
		}
	}
}

// Issue 7, item 2: with max_attempts = 1, a relay that refuses every
// connection costs no attempt: the acknowledgements stay queued. Past
// give_up_after they fail, `outbox retry --failed` re-queues them
// (audited), and they go out once when the relay is back.
func TestE2E_Outbox_OutageLosesNoMail(t *testing.T) {
	addr := testutils.ClosedAddr(t)
	d, c := outboxDeployment(t, outboxConfig{mailbox: "outage", smtpAddr: addr})
	setSMTP := func(giveUp string) {
		c.smtpExtra = fmt.Sprintf("max_attempts = 1\nretry_base = \"1s\"\nretry_max = \"1s\"\ngive_up_after = %q\n", giveUp)
		d.writeOutboxConfig(t, c)
	}
	setSMTP("120h")
	var mails [][]byte
	for i := range 5 {
		mails = append(mails, customerMail("outage", i, "VPN down", 0))
	}
	appendTo(t, d.user, c.mailbox, mails)

	// Runs during the outage until every row was deferred three times.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := d.madoguchi("run", "--once")
		if r.err != nil && exitCode(r.err) != 3 {
			t.Fatalf("run --once during the outage: %s", r)
		}
		rows := list[outboxState](t, d, "outbox")
		if len(rows) != 5 {
			t.Fatalf("%d outgoing rows, want 5 acknowledgements", len(rows))
		}
		done := true
		for _, o := range rows {
			if o.Status != "pending" || o.Attempts != 0 {
				t.Fatalf("during the outage mail to %s is %s after %d attempts (%s); want pending, no attempt counted",
					o.To, o.Status, o.Attempts, o.LastError)
			}
			done = done && o.Deferrals >= 3
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rows not deferred three times in 2 minutes: %+v", rows)
		}
	}

	// The outage outlasts give_up_after: the rows fail, with the reason.
	setSMTP("2s")
	deadline = time.Now().Add(2 * time.Minute)
	for {
		d.madoguchi("run", "--once")
		failed := list[outboxState](t, d, "outbox")
		n := 0
		for _, o := range failed {
			if o.Status == "failed" && strings.Contains(o.LastError, "gave up after 2s in the queue") {
				n++
			}
		}
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rows not given up: %+v", failed)
		}
	}
	r := d.madoguchi("outbox", "list", "--status", "failed")
	if r.err != nil || strings.Count(r.stdout, "failed") < 5 {
		t.Fatalf("outbox list --status failed: %s\n%s", r, r.stdout)
	}

	srv, err := mailserver.StartSMTP(mailserver.SMTPOptions{Addr: addr})
	if err != nil {
		t.Fatalf("bring the relay back on %s: %v", addr, err)
	}
	t.Cleanup(func() { srv.Close() })
	setSMTP("120h")
	r = d.madoguchi("outbox", "retry", "--failed", "--actor", "e2e-admin")
	if r.err != nil || !strings.Contains(r.stdout, "5 mails re-queued") {
		t.Fatalf("outbox retry --failed: %s\n%s", r, r.stdout)
	}
	d.runOnce(t)
	counts := perMessageID(t, srv)
	if len(counts) != 5 {
		t.Fatalf("the relay got %d distinct mails, want the 5 acknowledgements", len(counts))
	}
	for id, n := range counts {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	for _, o := range list[outboxState](t, d, "outbox") {
		if o.Status != "sent" {
			t.Errorf("mail to %s is %s after the relay came back", o.To, o.Status)
		}
	}
	ref := list[ticketRecord](t, d, "tickets")[0].Ref
	r = d.madoguchi("tickets", "show", ref, "--json")
	if r.err != nil || !strings.Contains(r.stdout, `"mail_requeued"`) || !strings.Contains(r.stdout, `"e2e-admin"`) {
		t.Errorf("ticket %s has no audited re-queue by e2e-admin:\n%s", ref, tail(r.stdout, 30))
	}
}

// Issue 7, item 4: a 200,000-character subject in Dovecot; the
// acknowledgement's Subject is at most 200 characters and no line the
// relay gets is longer than 998 octets.
func TestE2E_Outbox_GiantSubjectIsCut(t *testing.T) {
	d, _ := outboxDeployment(t, outboxConfig{mailbox: "giant"})
	subject := strings.Repeat("プリンターが印刷できません printer ", 200000/22)
	appendTo(t, d.user, "giant", [][]byte{customerMail("giant", 1, subject, 0)})
	d.runOnce(t)
	got := d.smtp.Received()
	if len(got) != 1 {
		t.Fatalf("the relay got %d mails, want the acknowledgement", len(got))
	}
	for i, line := range bytes.Split(got[0].Data, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i+1, len(line))
		}
	}
	m, err := netmail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(subj); n > 200 || !strings.HasSuffix(subj, "…") {
		t.Errorf("acknowledgement subject of %d characters: %.80q…", n, subj)
	}
	t.Logf("200,000-character subject: acknowledgement subject %d characters, %d bytes on the wire", utf8.RuneCountInString(subj), len(got[0].Data))
}
