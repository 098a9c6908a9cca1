//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/webhook"
)

// Issue 16: outgoing webhooks and monitoring alerts, with the binary.

const (
	userWebhooks = "webhooks"
	userAlerts   = "alerts"
	e2eSecret    = "e2e-webhook-secret-0123456789abcdef"
)

func init() { dovecotUsers = append(dovecotUsers, userWebhooks, userAlerts) }

// receiver is a webhook receiver as a customer would write one: it checks
// every request's signature and timestamp, refuses what fails, and keeps
// each event it accepted by its id (the idempotency key), with its body.
type receiver struct {
	srv *httptest.Server

	mu     sync.Mutex
	got    map[string]int    // event id → accepted requests
	bodies map[string][]byte // event id → the first body
	sameID []string          // a resend whose body differs from the first
	bad    []string          // requests refused: why
}

func newReceiver(t *testing.T, delay time.Duration) *receiver {
	r := &receiver{got: map[string]int{}, bodies: map[string][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		id := req.Header.Get(webhook.HeaderEventID)
		err := webhook.Verify([]byte(e2eSecret), req.Header.Get(webhook.HeaderSignature), body, time.Now(), webhook.DefaultTolerance)
		var e webhook.Event
		if err == nil {
			if jerr := json.Unmarshal(body, &e); jerr != nil || e.ID != id || e.Type != req.Header.Get(webhook.HeaderEvent) {
				err = fmt.Errorf("body and headers disagree: %v", jerr)
			}
		}
		r.mu.Lock()
		if err != nil {
			r.bad = append(r.bad, err.Error())
			r.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if first, ok := r.bodies[id]; ok && !bytes.Equal(first, body) {
			r.sameID = append(r.sameID, id)
		} else if !ok {
			r.bodies[id] = body
		}
		r.got[id]++
		r.mu.Unlock()
		time.Sleep(delay) // a receiver that takes its time widens the window a kill can hit
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// addConfig appends TOML to the deployment's configuration.
func (d *deployment) addConfig(t *testing.T, toml string) {
	t.Helper()
	f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, toml); err != nil {
		t.Fatal(err)
	}
}

type deliveryRow struct {
	ID        int64  `json:"id"`
	EventID   string `json:"event_id"`
	EventType string `json:"event"`
	Webhook   string `json:"webhook"`
	Ticket    string `json:"ticket"`
	Body      string `json:"body"`
	Status    string `json:"status"`
}

// runAndKillDaemon starts `run` (the gateway as a service runs it) and
// sends it SIGKILL after the given time. It fails the test when run
// stopped by itself.
func (d *deployment) runAndKillDaemon(t *testing.T, after time.Duration) {
	t.Helper()
	cmd := exec.Command(env.bin, "--config", d.config, "run")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start madoguchi run: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("run stopped by itself: %v\n%s", err, tail(stderr.String(), 40))
	case <-time.After(after):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	err := <-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("run after SIGKILL: %v\n%s", err, tail(stderr.String(), 40))
	}
}

// A webhook receiver checking the signature gets every event of 30 new
// tickets while the gateway is killed with SIGKILL again and again: each
// event at least once, a second time only by the same id and body, at
// most once per kill (the window between the receiver's answer and its
// record), and every ticket's creation written exactly once.
func TestE2E_WebhookReceiverGetsEachEventByItsIdAcrossKillNine(t *testing.T) {
	d := newDeployment(t, userWebhooks, imapPassword, env.imapAddr)
	rec := newReceiver(t, 15*time.Millisecond)
	d.addConfig(t, fmt.Sprintf(`
[web]
base_url = "https://desk.example.com"

[[webhooks]]
name = "itsm"
url = %q
secret = %q
retry_base = "1s"
retry_max = "2s"
`, rec.srv.URL+"/hooks/madoguchi", e2eSecret))
	const mails = 30
	var raws []string
	for i := range mails {
		raws = append(raws, fmt.Sprintf("From: customer%02d@customer.example\r\nTo: support@example.com\r\nSubject: Printer %02d is broken\r\n"+
			"Message-ID: <hook-%02d@customer.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\r\nIt prints blank pages. Call me at 090-0000-%04d.\r\n", i, i, i, i))
	}
	appendRaw(t, userWebhooks, raws...)

	seed := uint64(time.Now().UnixNano())
	r := mrand.New(mrand.NewPCG(seed, 16))
	t.Logf("kill moments from seed %d", seed)
	const kills = 6
	for range kills {
		d.runAndKillDaemon(t, time.Duration(150+r.IntN(900))*time.Millisecond)
	}
	d.runOnce(t) // whatever the kills left: mail, then every due event

	tks := list[ticketRecord](t, d, "tickets")
	if len(tks) != mails {
		t.Fatalf("%d tickets, want %d", len(tks), mails)
	}
	rows := list[deliveryRow](t, d, "webhooks")
	created := map[string]int{}
	for _, row := range rows {
		if row.Status != "sent" {
			t.Errorf("delivery %d (%s of %s) is %s", row.ID, row.EventType, row.Ticket, row.Status)
		}
		if row.EventType == webhook.TicketCreated {
			created[row.Ticket]++
		}
		for _, leak := range []string{"customer.example", "090-0000", "blank pages", "Printer"} {
			if strings.Contains(row.Body, leak) {
				t.Errorf("event %s carries customer text %q", row.EventID, leak)
			}
		}
	}
	for _, tk := range tks {
		if created[tk.Ref] != 1 {
			t.Errorf("%s has %d ticket.created events, want exactly one", tk.Ref, created[tk.Ref])
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.bad) > 0 {
		t.Errorf("the receiver refused %d requests: %v", len(rec.bad), rec.bad[:min(5, len(rec.bad))])
	}
	if len(rec.sameID) > 0 {
		t.Errorf("resends with another body under the same id: %v", rec.sameID)
	}
	resends := 0
	for _, row := range rows {
		n := rec.got[row.EventID]
		if n == 0 {
			t.Errorf("event %s (%s of %s) never reached the receiver", row.EventID, row.EventType, row.Ticket)
		}
		resends += max(n-1, 0)
	}
	if len(rec.got) != len(rows) {
		t.Errorf("the receiver got %d distinct events, the store holds %d", len(rec.got), len(rows))
	}
	if resends > kills {
		t.Errorf("%d events sent twice, at most one per kill (%d) allowed", resends, kills)
	}
	t.Logf("%d events to the receiver across %d kills, %d sent a second time by the same id", len(rows), kills, resends)
}

// An Alertmanager sequence fed through the CLI, each call its own
// process: firing opens one incident and tells L1, the repeat is appended,
// resolved resolves it and tells L1; the webhook of P1 tickets hears of
// it, from an alert.
func TestE2E_AlertmanagerSequenceThroughTheCLIIsOneIncidentOpenedThenResolved(t *testing.T) {
	d := newDeployment(t, userAlerts, imapPassword, env.imapAddr)
	rec := newReceiver(t, 0)
	d.addConfig(t, fmt.Sprintf(`secret = "e2e-alerts-desk-secret-0123456789"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]

[[webhooks]]
name = "pager"
url = %q
secret = %q
priorities = ["P1", "P2"]
`, rec.srv.URL, e2eSecret))
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	firing := write("firing.json", `{"version":"4","groupKey":"{}:{alertname=\"MailQueueStuck\"}","status":"firing","receiver":"madoguchi",
 "groupLabels":{"alertname":"MailQueueStuck"},"commonLabels":{"alertname":"MailQueueStuck","severity":"critical","service":"mail"},
 "commonAnnotations":{"summary":"Outgoing mail queue is stuck"},"externalURL":"http://am.example.com",
 "alerts":[{"status":"firing","labels":{"alertname":"MailQueueStuck","instance":"mx1","severity":"critical","service":"mail"},
 "annotations":{"summary":"Outgoing mail queue is stuck","description":"1200 mails waiting on mx1"},"startsAt":"2026-12-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]}`)
	resolved := write("resolved.json", strings.ReplaceAll(strings.ReplaceAll(string(mustRead(t, firing)), `"status":"firing"`, `"status":"resolved"`),
		`"endsAt":"0001-01-01T00:00:00Z"`, `"endsAt":"2026-12-01T01:00:00Z"`))

	for i, step := range []struct{ file, want string }{
		{firing, "opened INC-1001 (P1, escalated)"},
		{firing, "appended INC-1001 (P1, escalated)"},
		{resolved, "resolved INC-1001 (P1, resolved)"},
	} {
		res := d.madoguchi("alerts", "post", step.file)
		if res.err != nil || !strings.HasPrefix(res.stdout, step.want) {
			t.Fatalf("step %d: alerts post: %q, want %q\n%s", i+1, res.stdout, step.want, res)
		}
	}
	tks := list[ticketRecord](t, d, "tickets")
	if len(tks) != 1 || tks[0].Status != "resolved" || tks[0].Priority != "P1" || tks[0].Type != "incident" || tks[0].Subject != "mail: Outgoing mail queue is stuck" {
		t.Fatalf("tickets: %+v", tks)
	}
	d.runOnce(t)
	var notice, copied bool
	for _, m := range d.smtp.Received() {
		if len(m.To) == 1 && m.To[0] == "l1@example.com" {
			notice = notice || bytes.Contains(m.Data, []byte("1200 mails waiting on mx1"))
			copied = copied || bytes.Contains(m.Data, []byte("is over: resolved"))
		}
	}
	if !notice || !copied {
		t.Errorf("L1 got the notice: %t, the resolution: %t (%d mails sent)", notice, copied, len(d.smtp.Received()))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var types []string
	for _, b := range rec.bodies {
		var e webhook.Event
		json.Unmarshal(b, &e)
		if e.Ticket.Source != "alert" {
			t.Errorf("event %s: source %q", e.Type, e.Ticket.Source)
		}
		types = append(types, e.Type)
	}
	for _, want := range []string{webhook.TicketCreated, webhook.TicketEscalated, webhook.TicketResolved} {
		if !containsString(types, want) {
			t.Errorf("the pager got %v, no %s", types, want)
		}
	}
	if len(rec.bad) > 0 {
		t.Errorf("refused: %v", rec.bad)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
