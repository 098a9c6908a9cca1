//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	userRoles = "roles"
	userLock  = "lock"
)

func init() { dovecotUsers = append(dovecotUsers, userRoles, userLock) }

// appendRaw delivers raw messages to user's INBOX by IMAP APPEND.
func appendRaw(t *testing.T, user string, raws ...string) {
	t.Helper()
	client := dialIMAP(t, user)
	defer client.Close()
	for _, raw := range raws {
		raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
		cmd := client.Append("INBOX", int64(len(raw)), nil)
		if _, err := io.WriteString(cmd, raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

func plainMail(from, subject, body string, headers ...string) string {
	h := fmt.Sprintf("From: %s\nTo: support@example.com\nSubject: %s\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n", from, subject)
	for _, x := range headers {
		h += x + "\n"
	}
	return h + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n"
}

// A stranger who learned a Message-ID of a customer's thread (anyone on
// Cc of one mail does) acts on nothing: the ticket keeps its status, the
// FAQ entry gets no vote, and the stranger gets no mail at all. A
// participant (on the requester's Cc) does act.
func TestE2E_StrangerInACustomersThreadActsOnNothing(t *testing.T) {
	d := newDeployment(t, userRoles, imapPassword, env.imapAddr)
	if r := d.madoguchi("faq", "add", "--key", "vpn-home", "--question", "How do I connect to the office VPN from home?",
		"--answer", "Install the VPN client from the portal and sign in.", "--status", "published"); r.err != nil {
		t.Fatalf("faq add: %s", r)
	}
	appendRaw(t, userRoles, plainMail("Alice <alice@customer.example>", "VPN from home",
		"How do I connect to the office VPN from home?", "Message-ID: <q1@customer.example>", "Cc: bob@customer.example"))
	d.runOnce(t)
	out := list[outboxRow](t, d, "outbox")
	if len(out) != 1 || out[0].Kind != "auto_answer" {
		t.Fatalf("want one automatic answer, got %+v", out)
	}
	ans := out[0]

	appendRaw(t, userRoles,
		plainMail("mallory@evil.example", "Re: "+ans.Subject, "Thanks, that fixed it!", "Message-ID: <m1@evil.example>", "In-Reply-To: <"+ans.MessageID+">"),
		plainMail("mallory@evil.example", "Re: "+ans.Subject, "It is still broken.", "Message-ID: <m2@evil.example>", "In-Reply-To: <"+ans.MessageID+">"))
	d.runOnce(t)
	tk := list[ticketRecord](t, d, "tickets")
	if len(tk) != 1 || tk[0].Status != "auto_answered" {
		t.Fatalf("after the stranger's mails: %+v, want one ticket still auto_answered", tk)
	}

	appendRaw(t, userRoles, plainMail("bob@customer.example", "Re: "+ans.Subject, "Thanks, that fixed it!", "Message-ID: <b1@customer.example>", "In-Reply-To: <"+ans.MessageID+">"))
	d.runOnce(t)
	if tk := list[ticketRecord](t, d, "tickets"); len(tk) != 1 || tk[0].Status != "resolved" {
		t.Fatalf("the participant's thanks: %+v, want resolved", tk)
	}
	appendRaw(t, userRoles, plainMail("mallory@evil.example", "Re: "+ans.Subject, "Still broken, reopen it.", "Message-ID: <m3@evil.example>", "References: <q1@customer.example>"))
	d.runOnce(t)
	if tk := list[ticketRecord](t, d, "tickets"); len(tk) != 1 || tk[0].Status != "resolved" {
		t.Fatalf("the stranger reopened: %+v", tk)
	}
	for _, m := range d.smtp.Received() {
		for _, to := range m.To {
			if strings.Contains(strings.ToLower(to), "mallory") {
				t.Fatalf("the stranger was sent mail:\n%s", m.Data)
			}
		}
	}
	var thirdParty int
	for _, in := range list[inboundRecord](t, d, "inbound") {
		if strings.Contains(in.Reason, "stranger") {
			thirdParty++
		}
	}
	if thirdParty != 3 {
		t.Fatalf("%d inbound records say the sender is a stranger, want 3", thirdParty)
	}
}

// Two gateways on one store would deliver the same rows: while `run`
// holds the store, `run --once` exits at once (code 4) naming the lock
// file and the pid of the running gateway; after it stops, it works.
func TestE2E_SecondGatewayOnOneStoreIsRefused(t *testing.T) {
	d := newDeployment(t, userLock, imapPassword, env.imapAddr)
	cmd := exec.Command(env.bin, "--config", d.config, "run")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "madoguchi running") {
				close(running)
				signalled = true
			}
		}
	}()
	select {
	case <-running:
	case <-time.After(2 * time.Minute):
		t.Fatal("madoguchi run did not report running within 2 minutes")
	}
	r := d.madoguchi("run", "--once")
	if exitCode(r.err) != 4 {
		t.Fatalf("run --once beside a running gateway: want exit 4, got %s", r)
	}
	if !strings.Contains(r.stderr, "madoguchi.db.lock") || !strings.Contains(r.stderr, fmt.Sprint(cmd.Process.Pid)) {
		t.Fatalf("the refusal does not name the lock and the pid %d:\n%s", cmd.Process.Pid, r.stderr)
	}
	if r.took > 10*time.Second {
		t.Errorf("the refusal took %s: it should come at once", r.took)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	d.runOnce(t)
}
