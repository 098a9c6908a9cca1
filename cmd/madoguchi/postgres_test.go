package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/pgtest"
	"github.com/madoguchi/madoguchi/tickets"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

// onPostgres is onServers with the store on a new PostgreSQL database.
func onPostgres(t *testing.T) (*config.Config, *mailserver.IMAPServer, *mailserver.SMTPServer) {
	t.Helper()
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.Store.Driver, cfg.Store.DSN, cfg.Store.MaxConns = config.StorePostgres, config.Secret(pgtest.DSN(t)), 4
	return cfg, imapSrv, smtpSrv
}

// node is cfg for one more gateway: the same database and servers, an FAQ
// index directory of its own.
func node(t *testing.T, cfg *config.Config) *config.Config {
	c := *cfg
	c.Responder.IndexPath = filepath.Join(t.TempDir(), "faq.bleve")
	return &c
}

// Three gateways on one PostgreSQL database and one mailbox: each mail is
// handled once (one ticket, one acknowledgement), whichever polls; when
// the one polling stops, another takes the mailbox over and goes on from
// the stored UIDs; an FAQ entry published through one gateway answers
// mail on another at once.
func TestRun_ThreeGatewaysOnOnePostgresHandleEachMailOnceAndTakeOver(t *testing.T) {
	cfg, imapSrv, smtpSrv := onPostgres(t)
	cfg.IMAP.PollInterval = config.Duration{Duration: time.Second}
	var stops []func() error
	var apps []*app
	for range 3 {
		stop, a := runGateway(t, node(t, cfg))
		stops, apps = append(stops, stop), append(apps, a)
	}
	mail := func(i int, subject, body string) {
		t.Helper()
		raw := fmt.Sprintf("From: c%d@customer.example\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <pg%d@c>\r\n\r\n%s\r\n", i, subject, i, body)
		if _, err := imapSrv.Append("INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(n int) []mailserver.Received {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		got, err := smtpSrv.Wait(ctx, n)
		if err != nil {
			t.Fatalf("%d mails sent, want %d: %v", len(smtpSrv.Received()), n, err)
		}
		return got
	}
	for i := range 10 {
		mail(i, fmt.Sprintf("printer %d", i), "It jams.")
	}
	wait(10)

	// The gateway polling stops; one of the others takes the mailbox.
	holder := -1
	for i, a := range apps {
		if h, err := a.gw.HoldMailbox(context.Background(), config.DefaultMailboxName, false); err == nil {
			h.Release()
		} else {
			holder = i
		}
	}
	if holder < 0 {
		t.Fatal("no gateway holds the mailbox")
	}
	if err := stops[holder](); err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 15; i++ {
		mail(i, fmt.Sprintf("screen %d", i), "It flickers.")
	}
	wait(15)

	// An FAQ entry published through one gateway's desk answers on
	// whichever polls.
	other := (holder + 1) % 3
	if _, err := apps[other].desk.PutFAQs(context.Background(), []tickets.FAQ{{Key: "vpn", Question: "How do I connect to the office VPN from home?",
		Answer: "Install the VPN client from the portal and sign in.", Status: "published", Language: "en"}}, "admin"); err != nil {
		t.Fatal(err)
	}
	// Within a second and a half every running node's own index matches
	// the new entry (NOTIFY, not a poll of this test's making).
	for i, a := range apps {
		if i == holder {
			continue
		}
		deadline := time.Now().Add(1500 * time.Millisecond)
		for !matches(t, a, "How do I connect to the office VPN from home?", "vpn") {
			if time.Now().After(deadline) {
				t.Fatalf("gateway %d's index has not taken the entry published on gateway %d", i, other)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	mail(15, "VPN", "How do I connect to the office VPN from home?")
	got := wait(16)
	if !bytes.Contains(got[15].Data, []byte("Install the VPN client")) {
		t.Errorf("the FAQ entry published on gateway %d did not answer on the one polling:\n%s", other, got[15].Data)
	}
	// Once every outgoing row is recorded sent, no sender holds one to
	// send again: what the relay has then is all there will be.
	deadline := time.Now().Add(30 * time.Second)
	for !allSent(t, apps[other].store) {
		if time.Now().After(deadline) {
			t.Fatal("outgoing mail still pending after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(smtpSrv.Received()); n != 16 {
		t.Errorf("%d mails sent for 16 received", n)
	}
	seen := map[string]int{}
	for _, r := range smtpSrv.Received() {
		seen[r.To[0]]++
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s was sent %d mails", to, n)
		}
	}
	err := apps[other].store.View(context.Background(), func(tx *tickets.Tx) error {
		list, err := tx.Tickets("", 0)
		if len(list) != 16 {
			t.Errorf("%d tickets for 16 mails", len(list))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runGateway runs `run` on cfg until the test ends or stop is called.
func runGateway(t *testing.T, cfg *config.Config) (stop func() error, a *app) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openGateway(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		var err error
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			err = fmt.Errorf("run did not stop within 30s")
		}
		a.close()
		return err
	}
	t.Cleanup(func() { stop() })
	return stop, a
}

// migrate says the version, migrates, and says nothing is left; store
// copy moves a SQLite desk into the configured PostgreSQL database,
// verified, and the commands then read it there; check-config never shows
// the DSN's password.
func TestStoreCopy_ASQLiteDeskMovesToPostgresAndIsReadThere(t *testing.T) {
	dsn := pgtest.DSN(t)
	withPassword := strings.Replace(dsn, "postgres@", "postgres:s3cret-pw@", 1)
	lite := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", lite, "faq", "add", "--key", "vpn", "--question", "VPN?", "--answer", "Restart it.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dsnFile := filepath.Join(dir, "dsn")
	if err := os.WriteFile(dsnFile, []byte(withPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pg := filepath.Join(dir, "madoguchi.toml")
	if err := os.WriteFile(pg, []byte("[store]\ndriver = \"postgres\"\ndsn_file = \"dsn\"\n[log]\nlevel = \"error\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out, _, err := cli(t, "", "--config", pg, "migrate", "--status")
	if err != nil || !strings.Contains(out, "schema version 0;") || strings.Contains(out, "s3cret") {
		t.Fatalf("migrate --status: %v\n%s", err, out)
	}
	out, _, err = cli(t, "", "--config", pg, "migrate")
	if err != nil || !regexp.MustCompile(`schema migrated from version 0 to \d+`).MatchString(out) || strings.Contains(out, "s3cret") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, _, err = cli(t, "", "--config", pg, "migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate again: %v\n%s", err, out)
	}

	litePath := filepath.Join(filepath.Dir(lite), "data", "m.db")
	out, _, err = cli(t, "", "--config", pg, "store", "copy", "--from", "sqlite:"+litePath, "--to", "config")
	if err != nil || !strings.Contains(out, "copied and verified") || strings.Contains(out, "s3cret") {
		t.Fatalf("store copy: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`faq_entries\s+1\s+\S+\s+yes`).MatchString(out) {
		t.Errorf("store copy does not show the FAQ entry verified:\n%s", out)
	}
	out, _, err = cli(t, "", "--config", pg, "faq", "list", "--json")
	var list []struct{ Key string }
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Key != "vpn" {
		t.Fatalf("faq list on PostgreSQL after the copy: %v\n%s", err, out)
	}
	// Again into a desk: refused.
	if _, _, err := cli(t, "", "--config", pg, "store", "copy", "--from", "sqlite:"+litePath, "--to", "config"); err == nil ||
		!strings.Contains(err.Error(), "holds a desk already") {
		t.Errorf("a second copy: %v", err)
	}
	whole := writeConfig(t, "")
	b, _ := os.ReadFile(whole)
	b = bytes.Replace(b, []byte("[store]\n"), []byte("[store]\ndriver = \"postgres\"\ndsn_file = \""+dsnFile+"\"\n"), 1)
	if err := os.WriteFile(whole, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli(t, "", "--config", whole, "check-config")
	if err != nil || strings.Contains(out, "s3cret") || !strings.Contains(out, `driver = "postgres"`) {
		t.Errorf("check-config shows the DSN's password, or fails: %v\n%s", err, out)
	}
	if _, _, err := cli(t, "", "--config", pg, "store", "copy", "--from", "mysql:x", "--to", "config"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a bad store: %v", err)
	}
}

// A backup of a SQLite store taken while it is open reads as the store.
func TestStoreBackup_WritesAConsistentCopyOfTheSQLiteStore(t *testing.T) {
	cfg := writeConfig(t, "")
	if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", "vpn", "--question", "VPN?", "--answer", "Restart it.", "--status", "published"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	if _, _, err := cli(t, "", "--config", cfg, "store", "backup", file); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, "", "--config", cfg, "store", "backup", file); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a backup over a file: %v", err)
	}
	s, err := tickets.Open(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(context.Background(), func(tx *tickets.Tx) error {
		_, err := tx.FAQ("vpn")
		return err
	})
	if err != nil {
		t.Fatalf("the backup: %v", err)
	}
}

// matches reports whether a's FAQ index puts key first for text.
func matches(t *testing.T, a *app, text, key string) bool {
	t.Helper()
	res, err := a.desk.TestMatch(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Candidates) > 0 && res.Candidates[0].Key == key
}

// allSent reports whether every outgoing row of the store is sent.
func allSent(t *testing.T, s *tickets.Store) bool {
	t.Helper()
	var pending bool
	err := s.View(context.Background(), func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(0)
		for _, o := range list {
			pending = pending || o.Status != tickets.OutSent
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return !pending
}
