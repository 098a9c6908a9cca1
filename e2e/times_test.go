//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/agentstest"
)

// Issue 13's times and operations as the built binary runs them on
// Dovecot: the out-of-hours scenario of internal/agentstest (times.go),
// and a running gateway woken by an admin's command in another process.

const (
	userAgentsTimes = "agentstimes"
	userWake        = "wake"
)

func init() {
	dovecotUsers = append(dovecotUsers, userAgentsTimes, userWake)
}

func TestE2E_AgentsOutOfHoursAndTheStoryAtTheTerminal(t *testing.T) {
	agentstest.OutOfHoursAndTheStoryAtTheTerminal(t, onDovecot(userAgentsTimes))
}

// `madoguchi run` keeps going on Dovecot; `madoguchi tickets reply`, a
// process of its own, queues a relay. The gateway used to send it at its
// next tick, up to a minute later: the command's commit wakes it, and the
// relay reaches the SMTP server well within the sender's one-minute
// fallback.
func TestE2E_AnAdminsReplyIsSentByTheRunningGatewayAtOnce(t *testing.T) {
	d := newDeployment(t, userWake, imapPassword, env.imapAddr)
	f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(agentstest.DeskConfig("0s", ""))
	if cerr := f.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := exec.CommandContext(ctx, env.bin, "--config", d.config, "run")
	run.Cancel = func() error { return run.Process.Signal(syscall.SIGTERM) }
	var stderr bytes.Buffer
	run.Stderr = &stderr
	if err := run.Start(); err != nil {
		t.Fatalf("start madoguchi run: %v", err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- run.Wait() }()
	defer func() {
		cancel() // SIGTERM: it finishes what it has and exits 0
		if err := <-stopped; run.ProcessState == nil || run.ProcessState.ExitCode() != 0 {
			t.Errorf("run after SIGTERM: %v\n%s", err, tail(stderr.String(), 40))
		}
	}()

	wait := func(n int, what string) {
		t.Helper()
		// Half the sender's fallback: only a wake meets it.
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		if _, err := d.smtp.Wait(wctx, n); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, tail(stderr.String(), 40))
		}
	}
	appendRaw(t, d.user, plainMail("Hanako Yamada <hanako@customer.example>", "Printer on 3F", "The printer on the third floor prints blank pages.", "Message-ID: <w1@customer.example>"))
	wait(2, "the acknowledgement and the notice (IDLE)")

	r := d.madoguchi("tickets", "reply", "INC-1001", "--actor", "alice@example.com", "Please switch the printer off and on again.")
	if r.err != nil || !strings.Contains(r.stdout, "queued relay") {
		t.Fatalf("tickets reply: %s\n%s", r, r.stdout)
	}
	// The relay to the customer and the copy to the tier, in whatever
	// order the sender takes them.
	wait(4, "the relay and the tier's copy while run is running")
	relayed := false
	for _, m := range d.smtp.Received()[2:] {
		relayed = relayed || len(m.To) == 1 && m.To[0] == "hanako@customer.example" && strings.Contains(string(m.Data), "switch the printer off")
	}
	if !relayed {
		t.Fatalf("no relay to the customer among %+v", d.smtp.Received()[2:])
	}
}
