//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	netmail "net/mail"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// corpusSeed fixes the 200 mails both the undisturbed and the crashing run handle.
const corpusSeed = 20261125

// TestE2E_TwoHundredMails delivers 200 varied mails into Dovecot, runs the
// binary twice, and checks that every mail got exactly one disposition,
// every person with a new request exactly one acknowledgement, and no
// machine any mail at all.
func TestE2E_TwoHundredMails(t *testing.T) {
	s := undisturbed(t)
	t.Logf("undisturbed: %d mails, %d eligible for an acknowledgement, first run %v",
		len(s.corpus.Mails), s.corpus.eligible(), s.firstRun)
	assertModel(t, s)
}

// TestE2E_KillNineRestart handles the same 200 mails in a fresh deployment
// while killing the binary with SIGKILL at spread-out moments, then lets it
// finish, and requires the end state of the undisturbed run.
func TestE2E_KillNineRestart(t *testing.T) {
	base := undisturbed(t)
	c := newCorpus(corpusSeed)
	d := newDeployment(t, userRestart, imapPassword, env.imapAddr)
	appendAll(t, d.user, c)

	// Kill moments spread over the length of an undisturbed first run;
	// later runs have less left to do, so some of them finish first.
	const kills = 7
	seed := uint64(7)
	if v := os.Getenv("E2E_KILL_SEED"); v != "" { // to explore other kill moments by hand
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("E2E_KILL_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("kill moments from seed %d (E2E_KILL_SEED)", seed)
	r := rand.New(rand.NewPCG(seed, 9))
	killed := 0
	for i := range kills {
		after := time.Duration(float64(base.firstRun) * (float64(i) + r.Float64()) / kills)
		after = max(after, 20*time.Millisecond)
		cut := d.runAndKill(t, after)
		if cut {
			killed++
		}
		t.Logf("run %d: SIGKILL after %v: cut short=%v", i+1, after, cut)
	}
	t.Logf("%d of %d runs were killed before they finished", killed, kills)
	d.runOnce(t)
	d.runOnce(t)

	s := collect(t, c, d)
	s.resendsAllowed = killed
	assertModel(t, s)

	if diff := diffDispositions(base.dispositions(), s.dispositions()); diff != "" {
		t.Errorf("dispositions differ from the undisturbed run (Message-ID: undisturbed → after kills):\n%s", diff)
	}
	if !maps.Equal(base.ticketStatuses(), s.ticketStatuses()) {
		t.Errorf("tickets by status: undisturbed %v, after kills %v", base.ticketStatuses(), s.ticketStatuses())
	}
	if b, a := len(base.acks()), len(s.acks()); b != a {
		t.Errorf("ack rows: undisturbed %d, after kills %d", b, a)
	}
}

// TestE2E_CheckConfigConnect: check-config --connect logs in to the real
// Dovecot and the relay and says so; a wrong password is reported as a
// refused login, without the password.
func TestE2E_CheckConfigConnect(t *testing.T) {
	d := newDeployment(t, userUndisturbed, imapPassword, env.imapAddr)
	r := d.madoguchi("check-config", "--connect")
	if r.err != nil || !strings.Contains(r.stdout, "# IMAP "+env.imapAddr) || strings.Count(r.stdout, ": ok") != 2 {
		t.Fatalf("check-config --connect against Dovecot: %s\n%s", r, r.stdout)
	}
	const wrong = "not-the-password-41c2"
	d = newDeployment(t, userUndisturbed, wrong, env.imapAddr)
	r = d.madoguchi("check-config", "--connect")
	if exitCode(r.err) != 3 || !strings.Contains(r.stdout, "login refused") || strings.Contains(r.stdout+r.stderr, wrong) {
		t.Fatalf("check-config --connect with a wrong password: %s\n%s", r, r.stdout)
	}
}

// TestE2E_UnreachableAndBadLogin: the binary fails loudly, with the cause,
// when the IMAP server refuses the login or is not there at all.
func TestE2E_UnreachableAndBadLogin(t *testing.T) {
	t.Run("wrong password", func(t *testing.T) {
		const wrong = "not-the-password-7f3a"
		d := newDeployment(t, userUndisturbed, wrong, env.imapAddr)
		r := d.madoguchi("run", "--once")
		out := r.stdout + r.stderr
		if r.err == nil || exitCode(r.err) <= 0 {
			t.Fatalf("run --once with a wrong password: want a non-zero exit, got %s", r)
		}
		if !regexp.MustCompile(`(?i)(login|authenticat)`).MatchString(out) ||
			!regexp.MustCompile(`(?i)(refused|rejected|failed|denied|invalid)`).MatchString(out) {
			t.Errorf("run --once with a wrong password: the output does not say the login was refused:\n%s", tail(out, 20))
		}
		if strings.Contains(out, wrong) {
			t.Errorf("run --once with a wrong password: the password appears in the output")
		}
	})
	t.Run("nothing listening", func(t *testing.T) {
		addr := testutils.ClosedAddr(t)
		d := newDeployment(t, userUndisturbed, imapPassword, addr)
		r := d.madoguchi("run", "--once")
		out := r.stdout + r.stderr
		if r.err == nil || exitCode(r.err) <= 0 {
			t.Fatalf("run --once against %s where nothing listens: want a non-zero exit, got %s", addr, r)
		}
		if !regexp.MustCompile(`(?i)connect`).MatchString(out) || !strings.Contains(out, addr) {
			t.Errorf("run --once against %s: the output does not say it could not connect to that address:\n%s", addr, tail(out, 20))
		}
	})
}

// scenario is one deployment after all its mail was handled: the corpus it
// got and everything the binary and the SMTP server report.
type scenario struct {
	corpus   *corpus
	user     string
	firstRun time.Duration
	inbound  []inboundRecord
	outbox   []outboxRow
	tickets  []ticketRecord
	sent     []sentMail
	flags    map[uint32][]imap.Flag
	// resendsAllowed is how many mails may reach the SMTP server a second
	// time with the same Message-ID: SMTP has no two-phase commit, so a
	// process killed after the relay accepted a mail and before the row was
	// marked sent resends it (at-least-once, same Message-ID, so receivers
	// can drop the copy). At most one per kill.
	resendsAllowed int
}

// sentMail is one message the SMTP server accepted, as far as the tests read it.
type sentMail struct {
	To            []string // envelope recipients, lower case
	MessageID     string   // without <>
	AutoSubmitted string
}

// baseline is the undisturbed run, made once and shared: test 1 checks it
// against the model, test 2 compares its crashing run with it.
var baseline struct {
	sync.Mutex
	tried bool
	s     *scenario
}

func undisturbed(t *testing.T) *scenario {
	t.Helper()
	baseline.Lock()
	defer baseline.Unlock()
	if baseline.s != nil {
		return baseline.s
	}
	if baseline.tried {
		t.Fatal("the undisturbed run failed earlier (see TestE2E_TwoHundredMails)")
	}
	baseline.tried = true
	c := newCorpus(corpusSeed)
	d := newDeployment(t, userUndisturbed, imapPassword, env.imapAddr)
	t0 := time.Now()
	appendAll(t, d.user, c)
	t.Logf("APPEND of %d mails into Dovecot took %v", len(c.Mails), time.Since(t0))
	first := d.runOnce(t)
	second := d.runOnce(t)
	t.Logf("run --once: first %v, second %v", first, second)
	s := collect(t, c, d)
	s.firstRun = first
	baseline.s = s
	return s
}

// collect reads the end state of d through the binary, Dovecot and the SMTP server.
func collect(t *testing.T, c *corpus, d *deployment) *scenario {
	t.Helper()
	s := &scenario{
		corpus:  c,
		user:    d.user,
		inbound: list[inboundRecord](t, d, "inbound"),
		outbox:  list[outboxRow](t, d, "outbox"),
		tickets: list[ticketRecord](t, d, "tickets"),
		flags:   inboxFlags(t, d.user),
	}
	for i, r := range d.smtp.Received() {
		m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			t.Errorf("SMTP message %d is not a readable mail: %v", i, err)
			continue
		}
		sm := sentMail{
			MessageID:     strings.Trim(strings.TrimSpace(m.Header.Get("Message-ID")), "<>"),
			AutoSubmitted: m.Header.Get("Auto-Submitted"),
		}
		for _, to := range r.To {
			sm.To = append(sm.To, strings.ToLower(to))
		}
		s.sent = append(s.sent, sm)
	}
	return s
}

// assertModel checks a finished scenario against what the corpus must yield.
func assertModel(t *testing.T, s *scenario) {
	t.Helper()
	c := s.corpus

	// Nothing is lost: one record per fetched message, and every message flagged.
	if len(s.inbound) != len(c.Mails) {
		t.Errorf("inbound records: got %d, want %d (one per delivered mail)", len(s.inbound), len(c.Mails))
	}
	seenUID := map[[2]uint32]bool{}
	for _, r := range s.inbound {
		key := [2]uint32{r.UIDValidity, r.UID}
		if seenUID[key] {
			t.Errorf("inbound: UIDVALIDITY %d UID %d recorded twice", r.UIDValidity, r.UID)
		}
		seenUID[key] = true
	}
	if diff := diffDispositions(c.dispositions(), s.dispositions()); diff != "" {
		t.Errorf("dispositions (Message-ID: want → got):\n%s", diff)
	}
	s.assertThreading(t)
	if len(s.flags) != len(c.Mails) {
		t.Errorf("INBOX of %s holds %d messages, want %d", s.user, len(s.flags), len(c.Mails))
	}
	var unseen []uint32
	for uid, flags := range s.flags {
		if !slices.Contains(flags, imap.FlagSeen) {
			unseen = append(unseen, uid)
		}
	}
	if len(unseen) > 0 {
		slices.Sort(unseen)
		t.Errorf("%d messages in Dovecot are not \\Seen after the runs, UIDs %v", len(unseen), unseen)
	}

	// One ticket per new request, one acknowledgement per ticket, all sent.
	if len(s.tickets) != c.eligible() {
		t.Errorf("tickets: got %d, want %d (one per new request from a person)", len(s.tickets), c.eligible())
	}
	acks := s.acks()
	if len(acks) != c.eligible() {
		t.Errorf("ack rows in the outbox: got %d, want %d", len(acks), c.eligible())
	}
	for _, a := range acks {
		if a.Status != "sent" {
			t.Errorf("ack %s for ticket %s to %s: status %q (attempts %d, last error %q), want sent",
				a.MessageID, a.Ticket, a.To, a.Status, a.Attempts, a.LastError)
		}
	}
	s.assertSent(t)
}

// assertThreading: a reply lands on the ticket its thread started.
func (s *scenario) assertThreading(t *testing.T) {
	t.Helper()
	ticketOf := map[string]string{} // Message-ID → ticket of its first record
	for _, r := range s.inbound {
		if _, ok := ticketOf[r.MessageID]; !ok {
			ticketOf[r.MessageID] = r.Ticket
		}
	}
	for i, m := range s.corpus.Mails {
		if m.Kind != kindReply {
			continue
		}
		root := i
		for s.corpus.Mails[root].Kind == kindReply {
			root = s.corpus.Mails[root].Parent
		}
		want, got := ticketOf[s.corpus.Mails[root].MessageID], ticketOf[m.MessageID]
		if want == "" || got != want {
			t.Errorf("reply %s: on ticket %q, want the ticket of %s (%q)", m.MessageID, got, s.corpus.Mails[root].MessageID, want)
		}
	}
}

// assertSent checks what reached the SMTP server: exactly one
// acknowledgement per requester and per ticket, each with its own
// Message-ID and Auto-Submitted, and nothing to a machine.
func (s *scenario) assertSent(t *testing.T) {
	t.Helper()
	c := s.corpus
	rowByID := map[string]outboxRow{}
	for _, r := range s.outbox {
		rowByID[r.MessageID] = r
	}
	byID := map[string]int{}
	perTicket := map[string]int{}
	perRecipient := map[string]int{}
	machines := c.automaticSenders()
	for _, m := range s.sent {
		if m.MessageID == "" {
			t.Errorf("a mail to %v has no Message-ID", m.To)
		}
		byID[m.MessageID]++
		if a := strings.ToLower(strings.TrimSpace(m.AutoSubmitted)); a == "" || a == "no" {
			t.Errorf("mail %s to %v: Auto-Submitted is %q, want auto-replied or auto-generated", m.MessageID, m.To, m.AutoSubmitted)
		}
		for _, to := range m.To {
			if machines[to] {
				t.Errorf("mail %s was sent to %s, an automatic sender", m.MessageID, to)
			}
		}
		if byID[m.MessageID] > 1 {
			continue // a resend: counted below, not as another mail
		}
		for _, to := range m.To {
			perRecipient[to]++
		}
		if row, ok := rowByID[m.MessageID]; !ok {
			t.Errorf("mail %s to %v matches no outbox row", m.MessageID, m.To)
		} else if row.Kind == "ack" {
			perTicket[row.Ticket]++
		}
	}
	if len(byID) != c.eligible() {
		t.Errorf("SMTP server received %d distinct mails, want %d (one acknowledgement per new request)", len(byID), c.eligible())
	}
	resends := len(s.sent) - len(byID)
	if resends > s.resendsAllowed {
		for id, n := range byID {
			if n > 1 {
				t.Errorf("Message-ID %s (ticket %s) reached the SMTP server %d times", id, rowByID[id].Ticket, n)
			}
		}
		t.Errorf("%d resends, at most %d allowed (one per kill that cut a run short; none without kills)", resends, s.resendsAllowed)
	} else if resends > 0 {
		t.Logf("%d mail(s) resent with the same Message-ID after a kill between SMTP acceptance and the sent mark", resends)
	}
	for _, a := range s.acks() {
		if n := perTicket[a.Ticket]; n != 1 {
			t.Errorf("ticket %s: %d acknowledgements reached the SMTP server, want exactly 1", a.Ticket, n)
		}
	}
	for addr := range c.requesters() {
		if n := perRecipient[addr]; n != 1 {
			t.Errorf("requester %s received %d mails, want exactly 1 acknowledgement", addr, n)
		}
	}
}

func (s *scenario) acks() []outboxRow {
	var out []outboxRow
	for _, r := range s.outbox {
		if r.Kind == "ack" {
			out = append(out, r)
		}
	}
	return out
}

// dispositions returns, per Message-ID, the sorted dispositions of its records.
func (s *scenario) dispositions() map[string][]string {
	out := map[string][]string{}
	for _, r := range s.inbound {
		out[r.MessageID] = append(out[r.MessageID], r.Disposition)
	}
	for _, d := range out {
		slices.Sort(d)
	}
	return out
}

func (s *scenario) ticketStatuses() map[string]int {
	out := map[string]int{}
	for _, tk := range s.tickets {
		out[tk.Status]++
	}
	return out
}

// diffDispositions lists the Message-IDs whose dispositions differ, at most 30.
func diffDispositions(want, got map[string][]string) string {
	var lines []string
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if !slices.Equal(want[id], got[id]) {
			lines = append(lines, fmt.Sprintf("  %s: %v → %v", id, want[id], got[id]))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[id]; !ok {
			lines = append(lines, fmt.Sprintf("  %s: (not delivered) → %v", id, got[id]))
		}
	}
	if len(lines) > 30 {
		lines = append(lines[:30], fmt.Sprintf("  ... and %d more", len(lines)-30))
	}
	return strings.Join(lines, "\n")
}

// runAndKill starts `run --once` and sends it SIGKILL after the given time,
// unless it finished first. It reports whether the kill cut the run short.
func (d *deployment) runAndKill(t *testing.T, after time.Duration) bool {
	t.Helper()
	cmd := exec.Command(env.bin, "--config", d.config, "run", "--once")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start madoguchi: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(after)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run --once (finished before the kill) failed: %v\n%s", err, tail(stderr.String(), 40))
		}
		return false
	case <-timer.C:
		_ = cmd.Process.Signal(syscall.SIGKILL) // it may have exited an instant ago
		err := <-done
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
				return true
			}
		}
		if err != nil {
			t.Fatalf("run --once failed before the kill: %v\n%s", err, tail(stderr.String(), 40))
		}
		return false
	}
}
