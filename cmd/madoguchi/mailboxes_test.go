package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
