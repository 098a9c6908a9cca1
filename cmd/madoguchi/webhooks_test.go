package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

const testHookSecret = "cmd-webhook-secret-0123456789abcdef"

// eventReceiver is a real HTTP receiver that checks every signature and
// hands each verified event to the test.
type eventReceiver struct {
	srv    *httptest.Server
	events chan webhook.Event

	mu  sync.Mutex
	bad []string
}

func newEventReceiver(t *testing.T) *eventReceiver {
	r := &eventReceiver{events: make(chan webhook.Event, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := webhook.Verify([]byte(testHookSecret), req.Header.Get(webhook.HeaderSignature), body, time.Now(), webhook.DefaultTolerance); err != nil {
			r.mu.Lock()
			r.bad = append(r.bad, err.Error())
			r.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e webhook.Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get(webhook.HeaderEventID) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.events <- e
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// next waits for the next event (30s at most: the gateway's wakes, not
// its minute-long fallback, must bring it).
func (r *eventReceiver) next(t *testing.T, what string) webhook.Event {
	t.Helper()
	select {
	case e := <-r.events:
		return e
	case <-time.After(30 * time.Second):
		r.mu.Lock()
		defer r.mu.Unlock()
		t.Fatalf("%s: no event came (refused signatures: %v)", what, r.bad)
	}
	return webhook.Event{}
}

func TestRun_AWebhookReceiverGetsEachEventSignedOnceFromTheGatewayAndTheTerminal(t *testing.T) {
	cfg, imapSrv, _ := onServers(t)
	cfg.IMAP.PollInterval = config.Duration{Duration: time.Hour}
	rec := newEventReceiver(t)
	cfg.Webhooks = []config.Webhook{{Name: "itsm", URL: config.Secret(rec.srv.URL + "/hooks/madoguchi"), Secret: testHookSecret, Format: "json"}}
	cfg.Web.BaseURL = "https://desk.example.com"
	for i := range cfg.Webhooks {
		cfg.Webhooks[i].Timeout, cfg.Webhooks[i].MaxAttempts = config.Duration{Duration: 10 * time.Second}, 8
		cfg.Webhooks[i].RetryBase, cfg.Webhooks[i].RetryMax, cfg.Webhooks[i].GiveUpAfter = config.Duration{Duration: time.Second}, config.Duration{Duration: time.Minute}, config.Duration{Duration: time.Hour}
	}
	stop := runInBackground(t, cfg)
	if _, err := imapSrv.Append("INBOX", []byte(printerMail)); err != nil {
		t.Fatal(err)
	}
	created := rec.next(t, "the new ticket")
	if created.Type != webhook.TicketCreated || created.Ticket.Ref != "INC-1001" || created.Ticket.URL != "https://desk.example.com/tickets/INC-1001" {
		t.Fatalf("first event: %+v", created)
	}
	// No FAQ entry answers it: it goes to people.
	if e := rec.next(t, "the escalation"); e.Type != webhook.TicketEscalated || e.Ticket.Ref != "INC-1001" {
		t.Fatalf("second event: %+v", e)
	}
	// An admin resolves it from the terminal, another process: its event
	// is queued there and sent by the running gateway at once.
	if _, _, err := cli(t, "", "--config", writeWholeConfig(t, cfg), "tickets", "resolve", "INC-1001", "--actor", "admin"); err != nil {
		t.Fatalf("tickets resolve: %v", err)
	}
	resolved := rec.next(t, "the resolution from the terminal")
	if resolved.Type != webhook.TicketResolved || resolved.Ticket.Status != "resolved" || resolved.ID == created.ID {
		t.Fatalf("third event: %+v", resolved)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	select {
	case e := <-rec.events:
		t.Errorf("an event came twice or unasked: %+v", e)
	default:
	}
	out, _, err := cli(t, "", "--config", writeWholeConfig(t, cfg), "webhooks", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []tickets.WebhookDelivery
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("webhooks list: %+v", list)
	}
	for _, d := range list {
		if d.Status != tickets.OutSent || d.Attempts != 1 {
			t.Errorf("webhooks list: %+v", d)
		}
	}
	if strings.Contains(out, "hooks/madoguchi") || strings.Contains(out, testHookSecret) {
		t.Errorf("webhooks list shows the URL or the secret:\n%s", out)
	}
}

// hookStore queues three events and gives two of them up: failed (an
// outage past give_up_after) and unknown (no answer after the request).
func hookStore(t *testing.T, cfgPath string) map[string]int64 {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tickets.Open(cfg.Store.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ids := map[string]int64{}
	err = st.Update(ctx, func(tx *tickets.Tx) error {
		for _, name := range []string{"failed", "unknown", "pending"} {
			d := &tickets.WebhookDelivery{EventID: "evt_" + name, EventType: webhook.TicketCreated, Webhook: "chat", Body: "{}"}
			if err := tx.QueueWebhook(d); err != nil {
				return err
			}
			ids[name] = d.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]tickets.Attempt{
		"failed":  {Status: tickets.OutFailed, Error: "gave up after 24h0m0s in the queue: cannot reach https://chat.example.com"},
		"unknown": {Status: tickets.OutFailed, Counted: true, Unknown: true, Error: "no answer"},
	} {
		if err := st.RecordWebhookAttempt(ctx, ids[name], a); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestWebhooks_ListByStatusAndRetryWhatWasGivenUp(t *testing.T) {
	cfg := writeConfig(t, "")
	ids := hookStore(t, cfg)
	list := func(args ...string) []tickets.WebhookDelivery {
		t.Helper()
		out, _, err := cli(t, "", append([]string{"--config", cfg, "webhooks", "list", "--json"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var l []tickets.WebhookDelivery
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return l
	}
	for status, want := range map[string]int64{"failed": ids["failed"], "unknown": ids["unknown"], "pending": ids["pending"]} {
		if l := list("--status", status); len(l) != 1 || l[0].ID != want {
			t.Errorf("--status %s: %+v", status, l)
		}
	}
	if l := list("--webhook", "other"); len(l) != 0 {
		t.Errorf("--webhook other: %+v", l)
	}
	out, _, err := cli(t, "", "--config", cfg, "webhooks", "list")
	if err != nil || !strings.Contains(out, "evt_unknown") || !strings.Contains(out, "LAST ERROR") {
		t.Errorf("table: %v\n%s", err, out)
	}
	// --failed leaves the unknown one alone.
	out, _, err = cli(t, "", "--config", cfg, "webhooks", "retry", "--failed", "--actor", "ops")
	if err != nil || !strings.Contains(out, "1 event re-queued") {
		t.Fatalf("retry --failed: %v %q", err, out)
	}
	if l := list("--status", "unknown"); len(l) != 1 {
		t.Errorf("unknown after --failed: %+v", l)
	}
	if _, _, err := cli(t, "", "--config", cfg, "webhooks", "retry", "--actor", "ops", "99999"); err == nil {
		t.Error("retry of an unknown id succeeded")
	}
	if _, _, err := cli(t, "", "--config", cfg, "webhooks", "retry", "--actor", "ops", "x"); err == nil || err.(*exitError).code != 2 {
		t.Errorf("retry of a non-number: %v", err)
	}
	out, _, err = cli(t, "", "--config", cfg, "webhooks", "retry", "--actor", "ops", "2")
	if err != nil || !strings.Contains(out, "evt_unknown") {
		t.Fatalf("retry by id: %v %q", err, out)
	}
	if l := list("--status", "pending"); len(l) != 3 {
		t.Errorf("pending after both retries: %d, want 3", len(l))
	}
}

func TestCheckConfig_ShowsEachWebhookToItsHostAndNeverItsURLOrSecret(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hook.key"), []byte(testHookSecret), 0o600)
	cfg := writeConfig(t, `
[[webhooks]]
name = "ops-chat"
url = "https://hooks.slack.com/services/T0/B0/slacktokenslacktoken"
format = "slack"
events = ["ticket.created", "ticket.escalated"]
priorities = ["P1", "P2"]

[[webhooks]]
name = "itsm"
url = "https://itsm.example.com/in/madoguchi?token=querytoken"
secret_file = "`+filepath.Join(dir, "hook.key")+`"
`)
	out, _, err := cli(t, "", "--config", cfg, "check-config")
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"slacktoken", "querytoken", testHookSecret} {
		if strings.Contains(out, leak) {
			t.Errorf("check-config shows %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{
		"# ops-chat: slack to https://hooks.slack.com/… , ticket.created, ticket.escalated of P1, P2, unsigned; no subject; given up after 1d",
		"# itsm: json to https://itsm.example.com/…",
		"signed (X-Madoguchi-Signature)",
		"web.base_url is not set",
	} {
		want = strings.Replace(want, "… ,", "…,", 1)
		if !strings.Contains(out, want) {
			t.Errorf("check-config lacks %q:\n%s", want, out)
		}
	}
}

func TestVersion_AndLogFormat(t *testing.T) {
	old := version
	version = "1.4.0-test"
	defer func() { version = old }()
	out, _, err := cli(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "madoguchi 1.4.0-test\nbuilt with go1.") {
		t.Fatalf("version: %v %q", err, out)
	}
	out, _, err = cli(t, "", "version", "--json", "--deps")
	var b buildInfo
	if err != nil || json.Unmarshal([]byte(out), &b) != nil || b.Version != "1.4.0-test" || b.Module != "github.com/madoguchi/madoguchi" ||
		!strings.HasPrefix(b.Go, "go1.") || b.Deps["github.com/spf13/cobra"] == "" {
		t.Errorf("version --json --deps: %v %+v", err, b)
	}
	// --log-format overrides log.format; anything else is refused.
	cfg := writeConfig(t, "")
	g := &globals{configPath: cfg, logFormat: "json"}
	c, err := loadConfig(g)
	if err != nil || c.Log.Format != "json" {
		t.Fatalf("--log-format json: %v %+v", err, c)
	}
	var buf strings.Builder
	gatewayLogger(c.Log, &buf).Error("x", "k", "v")
	if !strings.HasPrefix(buf.String(), "{") || !json.Valid([]byte(strings.TrimSpace(buf.String()))) {
		t.Errorf("log line %q is not JSON", buf.String())
	}
	_, _, err = cli(t, "", "--config", cfg, "--log-format", "xml", "tickets", "list")
	if err == nil || err.(*exitError).code != 2 || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v", err)
	}
	if !slices.Contains(config.WebhookEvents, webhook.TicketBreached) || !slices.Equal(config.WebhookEvents, webhook.Events) || !slices.Equal(config.WebhookFormats, webhook.Formats) {
		t.Errorf("config and webhook disagree: %v / %v", config.WebhookEvents, webhook.Events)
	}
}

// The systemd unit's ExecStart and the image's CMD are commands and flags
// this binary has: a renamed flag would break them only in production.
func TestDeploy_TheUnitAndTheImageRunCommandsOfThisBinary(t *testing.T) {
	unit, err := os.ReadFile("../../deploy/madoguchi.service")
	if err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var runs [][]string
	for _, line := range strings.Split(string(unit), "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			runs = append(runs, strings.Fields(rest)[1:])
		}
	}
	for _, line := range strings.Split(string(docker), "\n") {
		if rest, ok := strings.CutPrefix(line, "CMD "); ok {
			var args []string
			if err := json.Unmarshal([]byte(rest), &args); err != nil {
				t.Fatalf("CMD %s: %v", rest, err)
			}
			runs = append(runs, args)
		}
	}
	if len(runs) != 2 {
		t.Fatalf("found %d command lines, want ExecStart and CMD", len(runs))
	}
	for _, args := range runs {
		c, rest, err := newRoot().Find(args)
		if err != nil || c.Name() != "run" {
			t.Errorf("%q: %v, runs %q", args, err, c.Name())
			continue
		}
		if err := c.ParseFlags(rest); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}
