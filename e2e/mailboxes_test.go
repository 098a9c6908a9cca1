//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/agentstest"
	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// Several mailboxes, one desk (issue 16) as the built binary runs it: two
// Dovecot users of the private Dovecot, read by one `run --once`. Their
// INBOXes are made as the scenario first delivers to them, within the
// same second more often than not, and then share a UIDVALIDITY.

var mailboxUsers = map[string]string{agentstest.Helpdesk: "mbhelpdesk", agentstest.Requests: "mbrequests"}

func init() {
	dovecotUsers = append(dovecotUsers, mailboxUsers[agentstest.Helpdesk], mailboxUsers[agentstest.Requests])
}

func TestE2E_SeveralMailboxesOneDesk(t *testing.T) {
	agentstest.SeveralMailboxesOneDesk(t, startMailboxesOnDovecot)
}

// mailboxesOnDovecot is a deployment reading both users' INBOXes.
type mailboxesOnDovecot struct {
	d         *deployment
	passwords map[string]string
	config    func(account func(string) string) string
}

func startMailboxesOnDovecot(t *testing.T, config func(account func(string) string) string) agentstest.Mailboxes {
	t.Helper()
	g := &mailboxesOnDovecot{d: newDeployment(t, "", imapPassword, env.imapAddr), config: config,
		passwords: map[string]string{agentstest.Helpdesk: imapPassword, agentstest.Requests: imapPassword}}
	g.write(t)
	return g
}

func (g *mailboxesOnDovecot) write(t *testing.T) {
	t.Helper()
	account := func(name string) string {
		return fmt.Sprintf("address = %q\nsecurity = \"insecure\"\nusername = %q\npassword = %q", env.imapAddr, mailboxUsers[name], g.passwords[name])
	}
	conf := fmt.Sprintf("[store]\npath = %q\n\n[smtp]\naddress = %q\nsecurity = \"insecure\"\n\n", filepath.Join(g.d.dir, "data", "madoguchi.db"), g.d.smtp.Addr) +
		g.config(account)
	if err := os.WriteFile(g.d.config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (g *mailboxesOnDovecot) DeliverTo(t *testing.T, mailbox string, raws ...string) {
	t.Helper()
	appendRaw(t, mailboxUsers[mailbox], raws...)
}

func (g *mailboxesOnDovecot) Madoguchi(t *testing.T, args ...string) string {
	t.Helper()
	r := g.d.madoguchi(args...)
	if r.err != nil {
		t.Fatalf("madoguchi %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

func (g *mailboxesOnDovecot) Fails(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r := g.d.madoguchi(args...)
	if r.err == nil {
		t.Fatalf("madoguchi %s succeeded; want it to fail", strings.Join(args, " "))
	}
	return exitCode(r.err), r.stderr
}

func (g *mailboxesOnDovecot) Received() []mailserver.Received { return g.d.smtp.Received() }

func (g *mailboxesOnDovecot) SetPassword(t *testing.T, mailbox, password string) {
	g.passwords[mailbox] = password
	g.write(t)
}

func (g *mailboxesOnDovecot) Password(string) string { return imapPassword }
