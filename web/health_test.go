package web

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/internal/testutils"
	"github.com/madoguchi/madoguchi/metrics"
	"github.com/madoguchi/madoguchi/tickets"
)

// metricsFixture is the console with the real metrics: the desk reports
// to them, /metrics serves them, /readyz asks the mailbox and the relay.
func metricsFixture(t *testing.T) (*fixture, *metrics.Metrics, *metrics.Mailbox, *metrics.Delivery) {
	t.Helper()
	var f *fixture
	m := metrics.New(metrics.Options{Version: "test", Tiers: []string{"L1", "L2"}, Now: func() time.Time { return f.clock() }})
	var mb *metrics.Mailbox
	var dl *metrics.Delivery
	f = newFixtureWith(t, fixtureConfig{
		deps: func(d *desk.Deps) { d.Observer = m },
		web: func(o *Options, d *desk.Desk) {
			m.ReadGauges(d)
			o.Metrics = m.Handler()
			o.Checks = []Check{{Name: "mailbox default", Ready: func() error { return mb.Ready() }}, {Name: "relay", Ready: func() error { return dl.Ready() }}}
		},
	})
	mb, dl = m.Mailbox(tickets.DefaultMailbox, time.Minute), m.Delivery(30*time.Second)
	return f, m, mb, dl
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

// /metrics on the console's listener is for a token of scope metrics
// (or read, or write: they read all the metrics count); what it serves
// parses with Prometheus' parser and counts what the desk did.
func TestMetrics_OnTheConsoleNeedAMetricsToken(t *testing.T) {
	f, _, _, _ := metricsFixture(t)
	f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	(&apiClient{f: f}).get("/metrics").refuses(t, "no token", http.StatusUnauthorized, codeUnauthorized)
	f.client("alerts", desk.ScopeAlerts).get("/metrics").refuses(t, "an alerts token", http.StatusForbidden, codeInsufficientScope)
	if res := f.client("reader", desk.ScopeRead).get("/metrics"); res.status != http.StatusOK {
		t.Errorf("a read token: %d", res.status)
	}
	res := f.client("prometheus", desk.ScopeMetrics).get("/metrics")
	if res.status != http.StatusOK {
		t.Fatalf("metrics token: %d %s", res.status, res.body)
	}
	s, err := testutils.ParseMetrics(strings.NewReader(string(res.body)))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Sum("madoguchi_tickets_opened_total"); v != 1 {
		t.Errorf("tickets opened = %v, want 1", v)
	}
	if v, _ := s.Sum("madoguchi_mails_fetched_total", "mailbox", "default", "disposition", "new_ticket"); v != 1 {
		t.Errorf("mails fetched = %v, want 1", v)
	}
	// The metrics token reads nothing else.
	f.client("prometheus2", desk.ScopeMetrics).get("/api/v1/tickets").refuses(t, "a metrics token listing tickets", http.StatusForbidden, codeInsufficientScope)
}

type readiness struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	Checks []struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Reason string `json:"reason"`
	} `json:"checks"`
}

func getReady(t *testing.T, url string) (int, readiness) {
	t.Helper()
	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r readiness
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, r
}

// /healthz says the process serves; /readyz is 200 when the store takes
// a write, the mailbox was polled within its interval and the relay is
// within reach, else 503 with each reason.
func TestReadyz_SaysWhyNotReady(t *testing.T) {
	f, _, mb, dl := metricsFixture(t)
	res := f.browser().get("/healthz", "Accept", "application/json")
	if res.StatusCode != http.StatusOK || strings.TrimSpace(res.body) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", res.StatusCode, res.body)
	}
	status, r := getReady(t, f.srv.URL)
	if status != http.StatusServiceUnavailable || r.Status != "not_ready" || !strings.Contains(r.Reason, "mailbox default: mailbox default: not polled yet") {
		t.Errorf("before the first poll: %d %+v", status, r)
	}
	mb.Connected(true)
	mb.Polled(f.clock())
	status, r = getReady(t, f.srv.URL)
	if status != http.StatusOK || r.Status != "ready" || len(r.Checks) != 3 || r.Reason != "" {
		t.Errorf("polled: %d %+v", status, r)
	}
	dl.Relay(false, f.clock())
	f.now = f.now.Add(90 * time.Second)
	status, r = getReady(t, f.srv.URL)
	if status != http.StatusServiceUnavailable || !strings.Contains(r.Reason, "relay: relay unreachable for 1m30s") || strings.Contains(r.Reason, "mailbox") {
		t.Errorf("relay down 90s: %d %+v", status, r)
	}
	dl.Relay(true, f.clock())
	mb.Polled(f.clock())
	// A store that takes no write (a full disk, injected here) is not ready.
	db, err := sql.Open("sqlite", "file:"+f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER full_disk BEFORE UPDATE ON health_probe BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	status, r = getReady(t, f.srv.URL)
	if status != http.StatusServiceUnavailable || r.Reason != "store: the store takes no write (the gateway's log says why)" {
		t.Errorf("a full disk: %d %+v", status, r)
	}
}

// The [metrics] listener serves /metrics to anyone, the health checks
// beside it, and nothing of the console or the API.
func TestOps_ServesMetricsAndHealthOnly(t *testing.T) {
	f, _, mb, _ := metricsFixture(t)
	mb.Polled(f.clock())
	ops := httptest.NewServer(f.web.OpsHandler())
	defer ops.Close()
	res, err := http.Get(ops.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	s, err := testutils.ParseMetrics(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: %d %v", res.StatusCode, err)
	}
	if _, ok := s["madoguchi_tickets_open"]; !ok {
		t.Errorf("no madoguchi_tickets_open in %s", s)
	}
	if status, r := getReady(t, ops.URL); status != http.StatusOK || r.Status != "ready" {
		t.Errorf("readyz: %d %+v", status, r)
	}
	for _, path := range []string{"/", "/api/v1/tickets", "/signin", "/healthz/x"} {
		res, err := http.Get(ops.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on the metrics listener: %d", path, res.StatusCode)
		}
	}
	res, err = http.Get(ops.URL + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("healthz: %v %v", res, err)
	}
}
