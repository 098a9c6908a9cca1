package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/agentstest"
	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Several mailboxes, one desk, in-process: each mailbox an account on an
// IMAP server of its own, whose INBOX has UIDVALIDITY 1 like the other's.
// e2e runs the same scenario as the built binary on two Dovecot users.
func TestMailboxes_SeveralMailboxesOneDesk(t *testing.T) {
	agentstest.SeveralMailboxesOneDesk(t, startMailboxesInProcess)
}

type mailboxesInProcess struct {
	path      string
	imap      map[string]*mailserver.IMAPServer
	smtp      *mailserver.SMTPServer
	passwords map[string]string // as the config has them
	config    func(account func(string) string) string
}

func startMailboxesInProcess(t *testing.T, config func(account func(string) string) string) agentstest.Mailboxes {
	t.Helper()
	g := &mailboxesInProcess{path: filepath.Join(t.TempDir(), "madoguchi.toml"), imap: map[string]*mailserver.IMAPServer{},
		passwords: map[string]string{}, config: config}
	for _, name := range []string{agentstest.Helpdesk, agentstest.Requests} {
		srv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: name, Password: g.Password(name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		g.imap[name], g.passwords[name] = srv, g.Password(name)
	}
	smtpSrv, err := mailserver.StartSMTP(mailserver.SMTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpSrv.Close() })
	g.smtp = smtpSrv
	g.write(t)
	return g
}

func (g *mailboxesInProcess) write(t *testing.T) {
	t.Helper()
	account := func(name string) string {
		return fmt.Sprintf("address = %q\nsecurity = \"insecure\"\nusername = %q\npassword = %q", g.imap[name].Addr, name, g.passwords[name])
	}
	body := fmt.Sprintf("[store]\npath = \"data/m.db\"\n[smtp]\naddress = %q\nsecurity = \"insecure\"\n[log]\nlevel = \"error\"\n", g.smtp.Addr) + g.config(account)
	if err := os.WriteFile(g.path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (g *mailboxesInProcess) DeliverTo(t *testing.T, mailbox string, raws ...string) {
	t.Helper()
	for _, raw := range raws {
		if _, err := g.imap[mailbox].Append("INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
}

func (g *mailboxesInProcess) Madoguchi(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := cli(t, "", append([]string{"--config", g.path}, args...)...)
	if err != nil {
		t.Fatalf("madoguchi %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (g *mailboxesInProcess) Fails(t *testing.T, args ...string) (int, string) {
	t.Helper()
	_, _, err := cli(t, "", append([]string{"--config", g.path}, args...)...)
	var ee *exitError
	if !errors.As(err, &ee) {
		t.Fatalf("madoguchi %s: %v, want it to fail with an exit code", strings.Join(args, " "), err)
	}
	return ee.code, err.Error()
}

func (g *mailboxesInProcess) Received() []mailserver.Received { return g.smtp.Received() }

func (g *mailboxesInProcess) SetPassword(t *testing.T, mailbox, password string) {
	g.passwords[mailbox] = password
	g.write(t)
}

func (g *mailboxesInProcess) Password(mailbox string) string { return mailbox + "-imap-password" }

// onTwoMailboxes is a gateway configuration on two accounts, each on an
// in-process IMAP server of its own: helpdesk (the default) and
// requests, whose tickets are service requests.
func onTwoMailboxes(t *testing.T) (*config.Config, map[string]*mailserver.IMAPServer, *mailserver.SMTPServer) {
	t.Helper()
	cfg, _, smtpSrv := onServers(t)
	cfg.Desk.SupportAddress = ""
	servers := map[string]*mailserver.IMAPServer{}
	for _, name := range []string{"helpdesk", "requests"} {
		srv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: name, Password: name + "-secret-value"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		servers[name] = srv
		m := config.Mailbox{Name: name, IMAP: config.Default().IMAP, SupportAddress: name + "@example.com"}
		m.Address, m.Security, m.Username, m.Password = srv.Addr, config.SecurityInsecure, name, config.Secret(name+"-secret-value")
		if name == "requests" {
			m.SupportAddress, m.DefaultType = "IT Requests <it-requests@example.com>", "service_request"
		}
		cfg.Mailboxes = append(cfg.Mailboxes, m)
	}
	cfg.IMAP = config.Default().IMAP
	return cfg, servers, smtpSrv
}

// `run` reads each mailbox with a poller of its own: one whose login is
// refused is logged with its name and retried with its own backoff, and
// the other answers its mail all the while; once the login works again,
// the waiting mail is read without a restart.
func TestRun_AMailboxThatFailsIsRetriedAndHoldsUpNoneOfTheOthers(t *testing.T) {
	cfg, servers, smtpSrv := onTwoMailboxes(t)
	cfg.Mailboxes[1].PollInterval = config.Duration{Duration: time.Hour} // only IDLE or a reconnect can bring its mail in
	servers["requests"].RefuseLogins(true)
	refused := make(chan struct{})
	var once sync.Once
	log := slog.New(&watchHandler{hit: func(r slog.Record, attrs map[string]string) {
		if r.Level >= slog.LevelError && attrs["mailbox"] == "requests" && strings.Contains(attrs["err"], "login refused") {
			once.Do(func() { close(refused) })
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openGateway(ctx, cfg, log, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after cancel: %v", err)
		}
		a.close()
	}()
	wait, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()

	if _, err := servers["requests"].Append("INBOX", []byte("From: ken@customer.example\r\nTo: it-requests@example.com\r\nSubject: Monitor\r\nMessage-ID: <m1@c>\r\n\r\nPlease order a second monitor.\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := servers["helpdesk"].Append("INBOX", []byte("From: a@customer.example\r\nTo: helpdesk@example.com\r\nSubject: printer\r\nMessage-ID: <p1@c>\r\n\r\nbroken\r\n")); err != nil {
		t.Fatal(err)
	}
	got, err := smtpSrv.Wait(wait, 1)
	if err != nil || got[0].From != "helpdesk@example.com" || got[0].To[0] != "a@customer.example" {
		t.Fatalf("while the requests mailbox is refused: %v %+v; want the help desk's mail acknowledged", err, got)
	}
	select {
	case <-refused:
	case <-wait.Done():
		t.Fatal("the refused login of mailbox requests was not logged as an error naming it")
	}
	servers["requests"].RefuseLogins(false)
	got, err = smtpSrv.Wait(wait, 2)
	if err != nil || got[1].From != "it-requests@example.com" || got[1].To[0] != "ken@customer.example" {
		t.Fatalf("after the login works again: %v %+v; want the waiting request acknowledged from it-requests@", err, got)
	}
}

// watchHandler hands each record, with its logger's attributes, to hit.
type watchHandler struct {
	attrs []slog.Attr
	hit   func(r slog.Record, attrs map[string]string)
}

func (h *watchHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *watchHandler) Handle(_ context.Context, r slog.Record) error {
	all := map[string]string{}
	for _, a := range h.attrs {
		all[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool { all[a.Key] = a.Value.String(); return true })
	h.hit(r, all)
	return nil
}
func (h *watchHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &watchHandler{attrs: append(slices.Clone(h.attrs), attrs...), hit: h.hit}
}
func (h *watchHandler) WithGroup(string) slog.Handler { return h }

// check-config lists the mailboxes the gateway reads, each password
// masked; --connect logs in to each and names the one that failed.
func TestCheckConfig_ListsEachMailboxAndConnectNamesTheOneThatFailed(t *testing.T) {
	cfg, servers, _ := onTwoMailboxes(t)
	cfg.Escalation.Tiers = []config.Tier{{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"alice@example.com"}},
		{Name: "L2", Notify: []string{"l2@example.com"}, Agents: []string{"carol@example.com"}}}
	cfg.Desk.Secret = "0123456789abcdef0123"
	cfg.Mailboxes[1].DefaultTier = "L2"
	servers["requests"].RefuseLogins(true)
	path := writeWholeConfig(t, cfg)
	out, _, err := cli(t, "", "--config", path, "check-config")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# mailboxes: 2, the first the default one ([imap] is not read beside them)\n",
		"# helpdesk: helpdesk@example.com · IMAP " + servers["helpdesk"].Addr + " (insecure, login as helpdesk) · folder INBOX, handled mail flagged \\Seen · language en · new tickets: incident",
		"# requests: IT Requests <it-requests@example.com> · IMAP " + servers["requests"].Addr + " (insecure, login as requests)",
		"new tickets: service_request (the rules may make it an incident), first to tier L2\n",
		"[[mailboxes]]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "-secret-value") || strings.Count(out, `password = "******"`) != 2 {
		t.Errorf("check-config shows a mailbox's password, or does not mask each:\n%s", out)
	}
	out, _, err = cli(t, "", "--config", path, "check-config", "--connect")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 || !strings.Contains(err.Error(), "IMAP of mailbox requests") || strings.Contains(err.Error(), "mailbox helpdesk") {
		t.Fatalf("check-config --connect with requests refused: %v; want exit 3 naming requests alone", err)
	}
	if !strings.Contains(out, "# mailbox helpdesk: IMAP "+servers["helpdesk"].Addr+" (insecure, login as helpdesk): ok, logged in") ||
		!strings.Contains(out, "# mailbox requests: IMAP "+servers["requests"].Addr+" (insecure, login as requests): FAILED: ") {
		t.Errorf("check-config --connect:\n%s", out)
	}

	// The one mailbox of [imap] is listed as such.
	out, _, err = cli(t, "", "--config", writeConfig(t, ""), "check-config")
	if err != nil || !strings.Contains(out, "# mailboxes: 1, from [imap] and desk.support_address, named \"default\"\n# default: support@example.com · IMAP 127.0.0.1:1 (insecure, login as support)") {
		t.Errorf("check-config of the [imap] shorthand: %v\n%s", err, out)
	}
}

// --mailbox names a mailbox of the configuration; another name is an
// error naming them, and the one probably meant.
func TestTicketsList_AMailboxNoneHasIsNamedWithTheMailboxes(t *testing.T) {
	cfg, _, _ := onTwoMailboxes(t)
	_, _, err := cli(t, "", "--config", writeWholeConfig(t, cfg), "tickets", "list", "--mailbox", "reqests")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "--mailbox reqests names no mailbox (mailboxes: helpdesk, requests); did you mean requests?") {
		t.Fatalf("tickets list --mailbox reqests: %v", err)
	}
}

// A database of the one-mailbox gateway goes on as the mailbox of [imap]:
// a mail it recorded but had not flagged when it stopped is flagged by
// the upgraded gateway's first pass without being fetched or recorded
// again, and its ticket is the default mailbox's.
func TestRunOnce_AnUpgradedOneMailboxDatabaseResumesItsMailbox(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	raw := "From: a@customer.example\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <old1@c>\r\n\r\nbroken\r\n"
	uid, err := imapSrv.Append("INBOX", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	uv, err := imapSrv.UIDValidity("INBOX")
	if err != nil {
		t.Fatal(err)
	}
	// The store as the gateway before several mailboxes left it.
	db, err := sql.Open("sqlite", cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../tickets/migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_mailboxes.sql") {
			break
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n++
	}
	for _, q := range []string{
		fmt.Sprintf("PRAGMA user_version = %d", n),
		`INSERT INTO blobs (hash, size, data) VALUES ('h1', 3, 'raw')`,
		`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
		 VALUES (1, 'INC-1001', 'incident', 'printer', 'a@customer.example', 'new', 'medium', 'medium', 'P3',
		         '2026-11-26T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z')`,
		fmt.Sprintf(`INSERT INTO inbound (id, mailbox, uidvalidity, uid, message_id, content_hash, raw_hash, size, disposition, ticket_id, received_at)
		 VALUES (1, 'INBOX', %d, %d, 'old1@c', 'c1', 'h1', 3, 'new_ticket', 1, '2026-11-25T09:00:00.000000Z')`, uv, uid),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	a, err := openGateway(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = a.runOnce(context.Background())
	a.close()
	if err != nil {
		t.Fatal(err)
	}
	flags, err := imapSrv.Flags("INBOX")
	if err != nil || !slices.Contains(flags[uid], `\Seen`) {
		t.Errorf("INBOX flags %v (%v); want the recorded mail flagged \\Seen", flags, err)
	}
	conf := writeConfigFor(t, cfg)
	out, _, err := cli(t, "", "--config", conf, "inbound", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct{ Mailbox, Folder, Ticket string }
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 || recs[0].Mailbox != "default" || recs[0].Folder != "INBOX" {
		t.Errorf("inbound records %s (%v); want the one from before, of mailbox default, folder INBOX", out, err)
	}
	if n := len(smtpSrv.Received()); n != 0 {
		t.Errorf("%d mails sent for a mail handled before the upgrade", n)
	}
	out, _, err = cli(t, "", "--config", conf, "tickets", "list", "--mailbox", "default", "--json")
	if err != nil || !strings.Contains(out, `"ref": "INC-1001"`) || !strings.Contains(out, `"mailbox": "default"`) {
		t.Errorf("tickets of the default mailbox: %v\n%s", err, out)
	}
}
