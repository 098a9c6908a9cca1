package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// cli runs the command tree in-process, as a user would from a shell.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func writeConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "madoguchi.toml")
	body := `[store]
path = "data/m.db"
[imap]
address = "127.0.0.1:1"
security = "insecure"
username = "support"
password = "imap-secret-value"
[smtp]
address = "127.0.0.1:1025"
security = "insecure"
from = "Support <support@example.com>"
[desk]
support_address = "support@example.com"
[log]
level = "error"
` + extra
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckConfig_MasksSecretsAndNamesBadKeys(t *testing.T) {
	cfg := writeConfig(t, "")
	out, _, err := cli(t, "", "--config", cfg, "check-config")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "imap-secret-value") || !strings.Contains(out, "******") {
		t.Fatalf("check-config output leaks or does not mask the password:\n%s", out)
	}
	bad := writeConfig(t, "[responder]\nauto_send_confidence = 1.5\n")
	_, _, err = cli(t, "", "--config", bad, "check-config")
	if err == nil || !strings.Contains(err.Error(), "responder.auto_send_confidence") {
		t.Fatalf("bad value: %v", err)
	}
	if code := err.(*exitError).code; code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
}

func TestLists_EmptyStorePrintsEmptyJSONArrays(t *testing.T) {
	cfg := writeConfig(t, "")
	for _, args := range [][]string{{"tickets", "list", "--json"}, {"inbound", "list", "--json"}, {"outbox", "list", "--json"}, {"faq", "list", "--json"}} {
		out, _, err := cli(t, "", append([]string{"--config", cfg}, args...)...)
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("%v: %q %v", args, out, err)
		}
	}
}

func TestFAQImport_BadRowsImportNothingAndNameTheirLines(t *testing.T) {
	cfg := writeConfig(t, "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "faq.jsonl")
	os.WriteFile(bad, []byte(`{"key":"ok","question":"q","answer":"a","status":"published"}
{"key":"","question":"q","answer":"a"}
{"key":"x","question":"q","answer":"a","status":"live"}
`), 0o600)
	_, _, err := cli(t, "", "--config", cfg, "faq", "import", bad)
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("import of bad rows: %v", err)
	}
	out, _, _ := cli(t, "", "--config", cfg, "faq", "list", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("half-imported: %s", out)
	}
	good := filepath.Join(dir, "faq.csv")
	os.WriteFile(good, []byte("key,question,answer,tags,language,status\nvpn,How do I connect to the VPN?,Use the client.,\"vpn,remote\",en,published\n"), 0o600)
	if _, _, err := cli(t, "", "--config", cfg, "faq", "import", good); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, "", "--config", cfg, "faq", "export", "--format", "yaml")
	if err != nil || !strings.Contains(out, "key: vpn") || !strings.Contains(out, "- remote") {
		t.Fatalf("export: %v\n%s", err, out)
	}
}

func TestFAQMatch_StdinJSONLines(t *testing.T) {
	cfg := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "A-17", "--question", "How do I reset my password?",
		"--answer", "Use the reset page.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, `{"id": "q1", "text": "how do I reset my password"}
{"id": 2, "text": "invoice for November"}
`, "--config", cfg, "faq", "match", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var first struct {
		ID         any
		Decision   string
		Candidates []struct {
			Key        string
			Confidence float64
			Score      float64
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.ID != "q1" || first.Decision == "" || len(first.Candidates) == 0 || first.Candidates[0].Key != "A-17" {
		t.Fatalf("first line %s", lines[0])
	}
}

func TestReindex_RecoversFromDeletedIndex(t *testing.T) {
	cfg := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "wifi", "--question", "How do I join the guest wifi?",
		"--answer", "Ask reception.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(filepath.Dir(cfg), "data", "faq.bleve")
	if err := os.RemoveAll(index); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(index, 0o755)
	os.WriteFile(filepath.Join(index, "index_meta.json"), []byte("garbage"), 0o644)
	// Start-up sees the unreadable index and rebuilds it from the database.
	out, _, err := cli(t, "", "--config", cfg, "faq", "match", "--json", "guest wifi")
	if err != nil || !strings.Contains(out, `"wifi"`) {
		t.Fatalf("match after corrupting the index: %v\n%s", err, out)
	}
	out, _, err = cli(t, "", "--config", cfg, "reindex")
	if err != nil || !strings.Contains(out, "1 entries") {
		t.Fatalf("reindex: %v %s", err, out)
	}
}

// An unreachable server is named once, with its address once: each layer
// of the message adds only what it knows.
func TestRunOnce_UnreachableServersExitNonZero(t *testing.T) {
	cfg := writeConfig(t, "")
	_, _, err := cli(t, "", "--config", cfg, "run", "--once")
	ee, ok := err.(*exitError)
	if !ok || ee.code != 3 || !strings.Contains(err.Error(), "cannot connect to IMAP server") {
		t.Fatalf("run --once against nothing: %v", err)
	}
	if n := strings.Count(err.Error(), "127.0.0.1:1"); n != 1 {
		t.Errorf("the address is named %d times: %v", n, err)
	}
	if n := strings.Count(err.Error(), "cannot connect"); n != 1 {
		t.Errorf("\"cannot connect\" is said %d times: %v", n, err)
	}
}

// A relay that cannot be reached after the mail was fetched: exit 3, the
// address once, and how many mails wait for the next run.
func TestRunOnce_UnreachableRelayNamesItOnce(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	smtpAddr := smtpSrv.Addr
	smtpSrv.Close()
	if _, err := imapSrv.Append("INBOX", []byte("From: a@customer.example\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <u1@c>\r\n\r\nbroken\r\n")); err != nil {
		t.Fatal(err)
	}
	a, err := openGateway(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	err = a.runOnce(context.Background())
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(err.Error(), "SMTP") || !strings.Contains(err.Error(), "1 mail stays queued") {
		t.Fatalf("run --once with the relay down: %v", err)
	}
	if n := strings.Count(err.Error(), smtpAddr); n != 1 {
		t.Errorf("the address is named %d times: %v", n, err)
	}
}

// A refused IMAP login names the server, and says "refused" once.
func TestRunOnce_RefusedLoginNamesTheServerOnce(t *testing.T) {
	cfg, _, _ := onServers(t)
	cfg.IMAP.Password = "wrong"
	a, err := openGateway(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	err = a.runOnce(context.Background())
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(err.Error(), "IMAP") {
		t.Fatalf("run --once with a wrong password: %v", err)
	}
	if n := strings.Count(err.Error(), cfg.IMAP.Address); n != 1 {
		t.Errorf("the address is named %d times: %v", n, err)
	}
	if n := strings.Count(err.Error(), "refused"); n != 1 {
		t.Errorf("\"refused\" is said %d times: %v", n, err)
	}
}

func TestDemo_ShowsEveryDisposition(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	if err := runDemo(context.Background(), &out, dir, true); err != nil {
		t.Fatal(err)
	}
	// It ends by itself, its last line saying what it did and where the
	// database is (make demo used to run until Ctrl-C).
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "Demo done: ") || !strings.Contains(last, "tickets opened") ||
		!strings.HasSuffix(last, "the database is "+filepath.Join(dir, "madoguchi.db")) {
		t.Errorf("the demo's last line: %q", last)
	}
	for _, want := range []string{"→ new_ticket", "→ appended", "→ automatic", "→ bounce", "ignored: sender is not its requester or a participant", "ack mail sent",
		"auto_answer mail sent to alice", "auto_answer mail sent to yamada", "suggested to agents", "customer confirmed FAQ", "did not help: escalated",
		"notice mail sent to l1@demo.example", "[P1] [INC-1004]", "relay mail sent to carol@customer.example", "forged agent reply refused",
		"forward mail sent to l1@demo.example", "┌── relay mail to carol", "┌── notice mail to l1@demo.example", "┌── ack mail to", "madoguchi.toml"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// The configuration's responder defaults are the responder's calibrated
// ones: a recalibration that forgets the config would otherwise ship
// thresholds nobody measured.
func TestConfigDefaults_MatchResponderCalibration(t *testing.T) {
	r := config.Default().Responder
	if r.AutoSendConfidence != responder.DefaultAutoSendConfidence || r.LearnedAutoConfidence != responder.DefaultLearnedAutoConfidence ||
		r.SuggestConfidence != responder.DefaultSuggestConfidence ||
		r.MinMargin != responder.DefaultMinMargin || r.MaxUnhelpfulRatio != responder.DefaultMaxUnhelpfulRatio ||
		r.MinVotes != responder.DefaultMinVotes || r.MaxCandidates != responder.DefaultMaxCandidates {
		t.Fatalf("config defaults %+v differ from the responder's calibrated defaults", r)
	}
}

// An admin curating the FAQ needs only the store in the configuration.
func TestFAQCommands_NeedOnlyTheStore(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "madoguchi.toml")
	os.WriteFile(cfg, []byte("[store]\npath = \"m.db\"\n"), 0o600)
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "k1", "--question", "How do I print?", "--answer", "Press print.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "", "--config", cfg, "faq", "gaps")
	if err != nil || !strings.Contains(out, "no gaps") {
		t.Fatalf("faq gaps: %v %q", err, out)
	}
}

func TestPrintable_DropsTerminalEscapes(t *testing.T) {
	if got := printable("ok\x1b[31mred\x1b]0;title\x07\u202etxt.exe\nline2\ttab"); got != "ok[31mred]0;titletxt.exe\nline2\ttab" {
		t.Fatalf("printable = %q", got)
	}
}

// `run` end to end on the in-process servers: a mail arriving while it
// idles is acknowledged without any polling delay (IDLE wakes the poller,
// the commit wakes the sender), and cancelling (SIGINT/SIGTERM) stops every
// goroutine it owns.
func TestRun_AnswersNewMailThenStopsOnSignal(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.IMAP.PollInterval = config.Duration{Duration: time.Hour} // only IDLE can wake it in time
	stop := runInBackground(t, cfg)
	if _, err := imapSrv.Append("INBOX", []byte("From: a@customer.example\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <r1@c>\r\n\r\nbroken\r\n")); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	got, err := smtpSrv.Wait(wctx, 1)
	if err != nil {
		t.Fatalf("no acknowledgement while running: %v", err)
	}
	if len(got[0].To) != 1 || got[0].To[0] != "a@customer.example" {
		t.Fatalf("sent to %v", got[0].To)
	}
	if err := stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}

// An admin curates the FAQ while the gateway runs and holds the index
// directory: the commands neither wait for it nor touch it (faq match and
// gaps build a temporary index from the database); the change goes to the
// database and the gateway's next tick picks it up.
func TestFAQCommands_WhileTheGatewayHoldsTheIndex(t *testing.T) {
	cfgPath := writeConfig(t, "")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gw, err := openDesk(ctx, cfg, slog.New(slog.DiscardHandler), indexOwn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.close()
	defer func(wait time.Duration) { lockTimeout = wait }(lockTimeout)
	lockTimeout = time.Millisecond
	if _, err := openDesk(ctx, cfg, slog.New(slog.DiscardHandler), indexOwn, nil); !errors.Is(err, responder.ErrLocked) {
		t.Fatalf("a second gateway on the same index: %v, want ErrLocked", err)
	}
	// However long a gateway would wait for the index, an admin command
	// does not wait for it at all: were it to, this test would not end.
	lockTimeout = time.Hour
	if _, _, err := cli(t, "", "--config", cfgPath, "faq", "add", "--key", "badge", "--question", "How do I get a visitor badge?",
		"--answer", "At reception.", "--status", "published"); err != nil {
		t.Fatalf("faq add while the gateway runs: %v", err)
	}
	out, _, err := cli(t, "", "--config", cfgPath, "faq", "match", "--json", "How do I get a visitor badge?")
	if err != nil || !strings.Contains(out, `"badge"`) {
		t.Fatalf("faq match while the gateway runs: %v\n%s", err, out)
	}
	if _, _, err := cli(t, "", "--config", cfgPath, "faq", "gaps"); err != nil {
		t.Fatalf("faq gaps while the gateway runs: %v", err)
	}
	if _, _, err := cli(t, "", "--config", cfgPath, "reindex"); err == nil || !strings.Contains(err.Error(), "held by a running madoguchi") {
		t.Fatalf("reindex while the gateway runs: %v", err)
	}
	if m, err := gw.index.Match(ctx, "", "How do I get a visitor badge?"); err != nil || len(m.Candidates) > 0 && m.Candidates[0].Key == "badge" {
		t.Fatalf("the gateway's index changed under it: %+v %v", m, err)
	}
	res, err := gw.desk.Tick(ctx)
	if err != nil || !res.IndexRebuilt {
		t.Fatalf("tick: %+v %v; want the index brought up to date from the database", res, err)
	}
	m, err := gw.index.Match(ctx, "", "How do I get a visitor badge?")
	if err != nil || len(m.Candidates) == 0 || m.Candidates[0].Key != "badge" {
		t.Fatalf("gateway match after tick: %+v %v", m, err)
	}
}

// `run --once` with the IMAP server gone still applies the due timers and
// delivers the queued mail before it exits 3: neither depends on IMAP.
func TestRunOnce_IMAPDownStillAppliesDueTimers(t *testing.T) {
	cfg, imapSrv, _ := onServers(t)
	ctx := context.Background()
	pass := func() error {
		a, err := openGateway(ctx, cfg, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		return a.runOnce(ctx)
	}

	// First pass: the question is answered from the FAQ.
	if _, _, err := cli(t, "", "--config", writeConfigFor(t, cfg), "faq", "add", "--key", "vpn", "--question", "How do I connect to the office VPN from home?",
		"--answer", "Install the VPN client from the portal and sign in.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	if _, err := imapSrv.Append("INBOX", []byte("From: a@customer.example\r\nTo: support@example.com\r\nSubject: VPN\r\nMessage-ID: <t1@c>\r\n\r\nHow do I connect to the office VPN from home?\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := pass(); err != nil {
		t.Fatalf("first pass: %v", err)
	}
	status := func() string {
		out, _, err := cli(t, "", "--config", writeConfigFor(t, cfg), "tickets", "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var list []struct{ Status string }
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
			t.Fatalf("tickets list: %v %s", err, out)
		}
		return list[0].Status
	}
	if s := status(); s != "auto_answered" {
		t.Fatalf("after the first pass: %s", s)
	}

	// Second pass: IMAP is gone and the confirmation period is over.
	imapSrv.Close()
	cfg.Responder.ConfirmAfter = config.Duration{Duration: time.Nanosecond}
	err := pass()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(err.Error(), "IMAP") {
		t.Fatalf("second pass: %v, want exit 3 naming IMAP", err)
	}
	if s := status(); s != "resolved" {
		t.Fatalf("after a pass without IMAP the due confirmation was not applied: %s", s)
	}
}

// writeConfigFor writes cfg's store and responder paths as a config file
// for the CLI commands that need only the store.
func writeConfigFor(t *testing.T, cfg *config.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "madoguchi.toml")
	body := "[store]\npath = \"" + cfg.Store.Path + "\"\n[responder]\nindex_path = \"" + cfg.Responder.IndexPath + "\"\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// onServers starts the in-process IMAP and SMTP servers and returns a
// gateway configuration on them, with its store in a temporary directory.
func onServers(t *testing.T) (*config.Config, *mailserver.IMAPServer, *mailserver.SMTPServer) {
	t.Helper()
	imapSrv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imapSrv.Close() })
	smtpSrv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpSrv.Close() })
	cfg := config.Default()
	dir := t.TempDir()
	cfg.Store.Path, cfg.Responder.IndexPath = filepath.Join(dir, "m.db"), filepath.Join(dir, "faq.bleve")
	cfg.IMAP.Address, cfg.IMAP.Security, cfg.IMAP.Username, cfg.IMAP.Password = imapSrv.Addr, config.SecurityInsecure, "u", "p"
	cfg.SMTP.Address, cfg.SMTP.Security, cfg.SMTP.From = smtpSrv.Addr, config.SecurityInsecure, "Support <support@example.com>"
	cfg.Desk.SupportAddress, cfg.Desk.MessageIDDomain = "support@example.com", "example.com"
	return cfg, imapSrv, smtpSrv
}

func TestRun_SecondGatewayOnOneStoreExitsAtOnceNamingTheLock(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	db := filepath.Join(filepath.Dir(cfg), "data", "m.db")
	held, err := tickets.AcquireLock(db)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	for _, args := range [][]string{{"run", "--once"}, {"run"}} {
		_, _, err := cli(t, "", append([]string{"--config", cfg}, args...)...)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 4 {
			t.Fatalf("%v with the store locked: want exit 4, got %v", args, err)
		}
		if !strings.Contains(err.Error(), db+".lock") || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
			t.Fatalf("%v: message %q should name the lock and the holder's pid", args, err)
		}
	}
}

// A mail over limits.max_message_bytes is never fetched whole: the gateway
// records it as quarantined with the size and the limit, its header fields,
// and its header as the raw bytes kept; it is flagged \Seen like any
// handled mail, and stays on the server, where an admin finds it by UID.
func TestRunOnce_OversizeMailIsQuarantinedWithItsHeaderAndLeftOnTheServer(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.Limits.MaxMessageBytes = 64 << 10
	header := "From: Kenji Mori <kenji.mori@customer.example>\r\nTo: support@example.com\r\nSubject: Crash dump attached\r\n" +
		"Message-ID: <dump-1@customer.example>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0900\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	big := header + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n", 4<<20/78)
	uid, err := imapSrv.Append("INBOX", []byte(big))
	if err != nil {
		t.Fatal(err)
	}
	a, err := openGateway(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	sentBefore := imapSrv.BytesSent()
	err = a.runOnce(context.Background())
	a.close()
	if err != nil {
		t.Fatalf("run --once: %v", err)
	}
	if sent := imapSrv.BytesSent() - sentBefore; sent >= int64(len(big)) {
		t.Errorf("the IMAP server sent %d bytes; the %d-byte mail was fetched whole", sent, len(big))
	}

	conf := writeConfigFor(t, cfg)
	out, _, err := cli(t, "", "--config", conf, "inbound", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []tickets.Inbound
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("inbound list: %v\n%s", err, out)
	}
	r := recs[0]
	wantReason := fmt.Sprintf("too large: mime: message of %d bytes exceeds the limit of 65536 bytes (limits.max_message_bytes)", len(big))
	if r.Disposition != tickets.DispQuarantined || r.Reason != wantReason || r.UID != uid ||
		r.From != "kenji.mori@customer.example" || r.Subject != "Crash dump attached" || r.MessageID != "dump-1@customer.example" {
		t.Errorf("record %+v; want quarantined, reason %q, uid %d and the header's From, Subject and Message-ID", r, wantReason, uid)
	}
	raw, _, err := cli(t, "", "--config", conf, "inbound", "show", fmt.Sprint(r.ID), "--raw")
	if err != nil || raw != header {
		t.Errorf("inbound show --raw: %v; wrote %d bytes; want the %d-byte header alone", err, len(raw), len(header))
	}
	if n := len(smtpSrv.Received()); n != 0 {
		t.Errorf("%d mails sent for a quarantined one", n)
	}
	flags, err := imapSrv.Flags("INBOX")
	if err != nil || len(flags) != 1 || !slices.Contains(flags[uid], `\Seen`) {
		t.Errorf("INBOX flags %v (%v); want the mail kept and flagged \\Seen", flags, err)
	}
}
