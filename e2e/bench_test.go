//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/text/encoding/japanese"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// BenchmarkDovecotIngest runs the binary's `run --once` over a backlog of
// mixed real-world mail in a real Dovecot, once leaving handled mail in
// place with \Seen and once moving it to a processed mailbox, and reports
// for each msgs/s (mail handled per second of the poller's pass: fetch,
// parse, record durably, flag or move; from the binary's "mailbox pass done"
// log), run-msgs/s (the same over the whole run, start-up and sending
// included) and user-ms/msg (the process's user CPU time per mail):
//
//	make bench-e2e                     # or:
//	go test -tags e2e -run '^$' -bench DovecotIngest -benchtime 1x ./e2e
//
// MADOGUCHI_BENCH_N sets the backlog (default 10000). The mail cycles
// through enmime's corpus (../shared/corpus/enmime, when present) and the
// parser's testdata, every copy with a fresh Message-ID, interleaved with
// support mail of the usual shape (text and HTML, English or ISO-2022-JP
// Japanese, some with an attachment), about 5.6 KB on average. Senders
// repeat, so the per-sender limit keeps the acknowledgements (and the time
// spent sending them) small.
func BenchmarkDovecotIngest(b *testing.B) {
	mails := benchMails(b, benchN())
	var size int
	for _, m := range mails {
		size += len(m)
	}
	b.Logf("%d mails, %.1f KB on average", len(mails), float64(size)/float64(len(mails))/1000)
	modes := []struct {
		name, user, processed string
	}{
		{"seen", userBenchSeen, ""},
		{"move", userBenchMove, "Processed"},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				benchIngestOnce(b, mails, mode.user, mode.processed)
			}
		})
	}
}

func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("MADOGUCHI_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 10000
}

func benchIngestOnce(b *testing.B, mails [][]byte, user, processed string) {
	b.StopTimer()
	client := dialIMAP(b, user)
	defer client.Close()
	emptyMailbox(b, client, "INBOX")
	if processed != "" {
		emptyMailbox(b, client, processed)
	}
	t0 := time.Now()
	appendParallel(b, user, mails)
	b.Logf("APPEND of %d mails took %v", len(mails), time.Since(t0))

	config := benchDeployment(b, user, processed)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.bin, "--config", config, "run", "--once")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b.StartTimer()
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatalf("run --once: %v\n%s", err, tail(stderr.String(), 30))
	}
	handled, pass, moves, moving := passFromLog(b, stderr.Bytes())
	if handled != len(mails) {
		b.Fatalf("the poller handled %d mails, want %d", handled, len(mails))
	}
	checkFiled(b, client, len(mails), processed)

	n := float64(len(mails))
	b.ReportMetric(n/pass.Seconds(), "msgs/s")
	b.ReportMetric(n/wall.Seconds(), "run-msgs/s")
	b.ReportMetric(float64(cmd.ProcessState.UserTime().Microseconds())/1000/n, "user-ms/msg")
	if processed != "" {
		b.ReportMetric(float64(moves), "move-commands")
		b.Logf("%d MOVE commands took %v", moves, moving)
	}
	b.Logf("%s: pass %v, run %v, user CPU %v, sys CPU %v", user, pass, wall, cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime())
}

// appendParallel delivers mails into user's INBOX over four connections
// (one APPEND at a time each is what makes a large backlog slow to build).
func appendParallel(b *testing.B, user string, mails [][]byte) {
	const conns = 4
	errs := make(chan error, conns)
	for w := range conns {
		go func() {
			c, err := imapclient.DialInsecure(env.imapAddr, nil)
			if err == nil {
				err = c.Login(user, imapPassword).Wait()
			}
			if err != nil {
				errs <- fmt.Errorf("connect as %s: %w", user, err)
				return
			}
			defer c.Close()
			for i := w; i < len(mails); i += conns {
				cmd := c.Append("INBOX", int64(len(mails[i])), nil)
				if _, err := cmd.Write(mails[i]); err != nil {
					errs <- fmt.Errorf("APPEND mail %d: %w", i, err)
					return
				}
				if err := cmd.Close(); err != nil {
					errs <- fmt.Errorf("APPEND mail %d: %w", i, err)
					return
				}
				if _, err := cmd.Wait(); err != nil {
					errs <- fmt.Errorf("APPEND mail %d: %w", i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}

// benchDeployment writes a config for a fresh store reading user's INBOX,
// moving handled mail to processed unless it is "", logging JSON.
func benchDeployment(b *testing.B, user, processed string) string {
	smtp, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		b.Fatalf("start SMTP server: %v", err)
	}
	b.Cleanup(func() { smtp.Close() })
	dir := b.TempDir()
	config := filepath.Join(dir, "madoguchi.toml")
	conf := fmt.Sprintf(`[store]
path = %q

[imap]
address = %q
security = "insecure"
username = %q
password = %q
processed_mailbox = %q

[smtp]
address = %q
security = "insecure"
from = "Example Support <support@example.com>"

[desk]
support_address = "support@example.com"

[log]
format = "json"
`, filepath.Join(dir, "data", "madoguchi.db"), env.imapAddr, user, imapPassword, processed, smtp.Addr)
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		b.Fatal(err)
	}
	return config
}

// passFromLog reads the poller's "mailbox pass done" line (handled, took)
// and counts the moves it logged and the time they took.
func passFromLog(b *testing.B, log []byte) (handled int, took time.Duration, moves int, moving time.Duration) {
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	found := false
	for sc.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Handled int    `json:"handled"`
			Took    int64  `json:"took"` // slog writes a Duration in nanoseconds
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch line.Msg {
		case "mailbox pass done":
			handled += line.Handled
			took += time.Duration(line.Took)
			found = true
		case "moved handled mail":
			moves++
			moving += time.Duration(line.Took)
		}
	}
	if !found {
		b.Fatalf("no \"mailbox pass done\" line in the log:\n%s", tail(string(log), 30))
	}
	return handled, took, moves, moving
}

// checkFiled asserts every mail was filed: \Seen in INBOX, or moved out of
// it into processed.
func checkFiled(b *testing.B, c *imapclient.Client, n int, processed string) {
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		b.Fatal(err)
	}
	if processed == "" {
		unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
		if err != nil {
			b.Fatal(err)
		}
		if sel.NumMessages != uint32(n) || len(unseen.AllUIDs()) != 0 {
			b.Fatalf("INBOX holds %d messages, %d unseen; want %d, all seen", sel.NumMessages, len(unseen.AllUIDs()), n)
		}
		return
	}
	st, err := c.Status(processed, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		b.Fatal(err)
	}
	if sel.NumMessages != 0 || st.NumMessages == nil || *st.NumMessages != uint32(n) {
		b.Fatalf("INBOX holds %d messages, %s %v; want 0 and %d", sel.NumMessages, processed, st.NumMessages, n)
	}
}

func emptyMailbox(b *testing.B, c *imapclient.Client, mailbox string) {
	if err := c.Create(mailbox, nil).Wait(); err != nil && !strings.Contains(err.Error(), "ALREADYEXISTS") {
		b.Fatalf("create %s: %v", mailbox, err)
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		b.Fatalf("select %s: %v", mailbox, err)
	}
	if sel.NumMessages > 0 {
		var all imap.SeqSet
		all.AddRange(1, 0)
		if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			b.Fatalf("flag %s deleted: %v", mailbox, err)
		}
		if err := c.Expunge().Close(); err != nil {
			b.Fatalf("expunge %s: %v", mailbox, err)
		}
	}
	if err := c.Unselect().Wait(); err != nil {
		b.Fatal(err)
	}
}

var benchMessageID = regexp.MustCompile(`(?im)^message-id:`)

// benchMails is the backlog: real mail from the corpus and testdata, each
// copy with a fresh Message-ID, interleaved with support mail of the usual
// shape; deterministic.
func benchMails(b *testing.B, n int) [][]byte {
	var real [][]byte
	for _, root := range []string{"../../shared/corpus/enmime", "../intake/mime/testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".eml", ".raw", ".golden":
			default:
				return nil
			}
			raw, err := os.ReadFile(path)
			if err == nil && bytes.Contains(raw, []byte(":")) {
				real = append(real, raw)
			}
			return err
		})
		if err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	if len(real) == 0 {
		b.Fatal("no mail found in ../../shared/corpus/enmime or ../intake/mime/testdata")
	}
	r := rand.New(rand.NewPCG(5, 6))
	out := make([][]byte, 0, n)
	for i := range n {
		id := fmt.Sprintf("Message-ID: <bench-%d.%d@bench.example>\r\n", i, r.Uint32())
		if i%2 == 0 {
			raw := benchMessageID.ReplaceAll(real[(i/2)%len(real)], []byte("X-Original-Message-ID:"))
			out = append(out, append([]byte(id), raw...))
			continue
		}
		out = append(out, supportMail(r, i, id))
	}
	return out
}

// supportMail is a customer's mail of the usual shape: multipart/alternative
// text and HTML, English or Japanese (ISO-2022-JP), every third one with a
// small screenshot attached. Fifty senders.
func supportMail(r *rand.Rand, i int, id string) []byte {
	var b strings.Builder
	from := fmt.Sprintf("user%d@customer%d.example", i%50, i%7)
	text := strings.Repeat("The shared drive on floor 3 disconnects every few minutes and Outlook asks for the password again. ", 10+r.IntN(20))
	subject, charset, cte := "Shared drive keeps disconnecting", "utf-8", "8bit"
	if i%4 == 1 {
		subject = mime.BEncoding.Encode("ISO-2022-JP", iso2022jp("共有フォルダーに接続できません"))
		line := iso2022jp("共有フォルダーに数分ごとに接続できなくなり、Outlookでパスワードを何度も求められます。") + "\r\n"
		text, charset, cte = strings.Repeat(line, 5+r.IntN(10)), "ISO-2022-JP", "7bit"
	}
	fmt.Fprintf(&b, "%sFrom: %s\r\nTo: support@example.com\r\nSubject: %s\r\nDate: Wed, 25 Nov 2026 09:00:00 +0900\r\nMIME-Version: 1.0\r\n", id, from, subject)
	b.WriteString("Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n")
	fmt.Fprintf(&b, "--alt\r\nContent-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n%s\r\n", charset, cte, text)
	fmt.Fprintf(&b, "--alt\r\nContent-Type: text/html; charset=%s\r\nContent-Transfer-Encoding: %s\r\n\r\n<html><body><p>%s</p></body></html>\r\n--alt--\r\n", charset, cte, text)
	if i%3 == 0 {
		shot := make([]byte, 2000+r.IntN(4000))
		for j := range shot {
			shot[j] = byte(r.Uint32())
		}
		enc := base64.StdEncoding.EncodeToString(shot)
		b.WriteString("--outer\r\nContent-Type: image/png; name=screenshot.png\r\nContent-Disposition: attachment; filename=screenshot.png\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

func iso2022jp(s string) string {
	out, err := japanese.ISO2022JP.NewEncoder().String(s)
	if err != nil {
		panic(fmt.Sprintf("e2e: bench text not encodable in ISO-2022-JP: %v", err)) // a bug in the fixed text
	}
	return out
}
