package metrics

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/internal/testutils"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// fixture is the metrics over a real desk on a real SQLite file, served
// by an httptest server as /metrics is, with a clock the test moves.
type fixture struct {
	t       *testing.T
	m       *Metrics
	desk    *desk.Desk
	store   *tickets.Store
	srv     *httptest.Server
	logs    *bytes.Buffer
	mu      sync.Mutex
	now     time.Time
	uid     atomic.Uint32
	path    string
	options desk.Options
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fixture) advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

var sampleFAQ = []tickets.FAQ{
	{Key: "vpn-setup", Question: "How do I connect to the office VPN from home?", Answer: "Install the VPN client and sign in with your account.", Language: "en", Status: tickets.FAQPublished},
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), logs: &bytes.Buffer{}}
	f.options = desk.Options{
		SupportAddress: "support@example.com", Rules: desk.DefaultRules(), Secret: []byte("0123456789abcdef0123"),
		Tiers: []desk.Tier{
			{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{"alice@example.com"}, EscalateAfter: 4 * time.Hour},
			{Name: "L2", Notify: []string{"l2@example.com"}, Agents: []string{"carol@example.com"}},
		},
	}
	f.options.SLA = desk.SLAPolicy(f.options.SLA, f.options.Tiers)
	f.path = filepath.Join(t.TempDir(), "m.db")
	var err error
	if f.store, err = tickets.Open(f.path, &tickets.Options{Now: f.clock, SLA: &f.options.SLA}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	index, err := responder.Open(responder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { index.Close() })
	f.m = New(Options{Version: "test", Tiers: []string{"L1", "L2"}, Now: f.clock,
		Log: slog.New(slog.NewTextHandler(f.logs, nil))})
	if f.desk, err = desk.New(f.options, desk.Deps{Store: f.store, Templates: tmpl, Index: index, Observer: f.m}); err != nil {
		t.Fatal(err)
	}
	f.m.ReadGauges(f.desk)
	if _, err := f.desk.PutFAQs(context.Background(), append([]tickets.FAQ(nil), sampleFAQ...), "admin"); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.m.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// mail delivers raw mails to the desk as the poller would.
func (f *fixture) mail(raws ...string) []desk.Outcome {
	f.t.Helper()
	var batch []intake.Fetched
	for _, r := range raws {
		batch = append(batch, intake.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid.Add(1), Raw: []byte(r)})
	}
	out, err := f.desk.ReceiveBatch(context.Background(), batch)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func rawMail(from, subject, body string, headers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n", from, subject)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return b.String()
}

// scrape fetches /metrics as Prometheus does and parses it with its
// parser.
func (f *fixture) scrape() testutils.Scrape {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL, nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		f.t.Fatalf("scrape: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s, err := testutils.ParseMetrics(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func value(t *testing.T, s testutils.Scrape, name string, match ...string) float64 {
	t.Helper()
	v, ok := s.Sum(name, match...)
	if !ok {
		t.Fatalf("no series %s%v in the scrape (families: %s)", name, match, s)
	}
	return v
}

// The counters agree with the tickets the store holds (what `tickets
// list --json` reads), by type and priority, and with the mails'
// dispositions; the open tickets by status and tier agree with the queue.
func TestScrape_CountersAgreeWithTheStore(t *testing.T) {
	f := newFixture(t)
	f.m.Mailbox("default", time.Minute)
	f.mail(
		rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <a1@c>"),
		rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <a1@c>"),
		rawMail("bob@customer.example", "URGENT: the whole office is down, nobody can work", "Nothing works.", "Message-ID: <a2@c>"),
		rawMail("dave@customer.example", "I need a new laptop", "Please order a new laptop for me.", "Message-ID: <a3@c>"),
		rawMail("ken@customer.example", "VPN from home", "How do I connect to the office VPN from home?", "Message-ID: <a4@c>"),
		rawMail("monitor@customer.example", "disk /var 95% on db1", "alert", "Message-ID: <a5@c>", "Auto-Submitted: auto-generated"),
		rawMail("carol@customer.example", "Out of office", "I am away.", "Message-ID: <a6@c>", "Auto-Submitted: auto-replied"),
	)
	s := f.scrape()
	q, err := f.desk.Queue(context.Background(), desk.QueueFilter{Tier: -1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Items) != 5 {
		t.Fatalf("%d tickets, want 5", len(q.Items))
	}
	opened := map[string]int{}
	open := map[string]int{}
	for _, it := range q.Items {
		opened[it.Type+" "+it.Priority]++
		tier := desk.NoTier
		if it.TierName != "" {
			tier = it.TierName
		}
		open[string(it.Status)+" "+tier]++
	}
	for k, n := range opened {
		typ, p, _ := strings.Cut(k, " ")
		if got := value(t, s, "madoguchi_tickets_opened_total", "type", typ, "priority", p); got != float64(n) {
			t.Errorf("tickets opened %s = %v, want %d", k, got, n)
		}
	}
	if got := value(t, s, "madoguchi_tickets_opened_total"); got != 5 {
		t.Errorf("tickets opened in all = %v, want 5", got)
	}
	for k, n := range open {
		st, tier, _ := strings.Cut(k, " ")
		if got := value(t, s, "madoguchi_tickets_open", "status", st, "tier", tier); got != float64(n) {
			t.Errorf("tickets open %s = %v, want %d", k, got, n)
		}
	}
	if got := value(t, s, "madoguchi_tickets_open"); got != 5 {
		t.Errorf("tickets open in all = %v, want 5", got)
	}
	for disp, n := range map[string]float64{"new_ticket": 4, "duplicate": 1, "automatic": 2, "bounce": 0} {
		if got := value(t, s, "madoguchi_mails_fetched_total", "mailbox", "default", "disposition", disp); got != n {
			t.Errorf("mails fetched %s = %v, want %v", disp, got, n)
		}
	}
	if got := value(t, s, "madoguchi_auto_answers_total", "outcome", desk.AutoAnswerSent); got != 1 {
		t.Errorf("automatic answers sent = %v, want 1 (the VPN question)", got)
	}
	if got := value(t, s, "madoguchi_faq_match_duration_seconds"); got < 4 {
		t.Errorf("%v matches timed, want one per mail that may open a ticket (4)", got)
	}
	if got := value(t, s, "madoguchi_outgoing_mails", "status", "pending"); got != float64(len(outgoing(t, f))) {
		t.Errorf("outgoing pending = %v, want %d", got, len(outgoing(t, f)))
	}
	f.advance(90 * time.Second)
	if got := value(t, f.scrape(), "madoguchi_outbox_oldest_due_age_seconds"); got != 90 {
		t.Errorf("oldest due age = %v, want 90", got)
	}
	for _, lv := range s.LabelValues() {
		if strings.Contains(lv, "@") || strings.Contains(lv, "INC-") || strings.Contains(lv, "REQ-") {
			t.Errorf("a label value names an address or a ticket: %s", lv)
		}
	}
}

func outgoing(t *testing.T, f *fixture) []*tickets.Outgoing {
	var out []*tickets.Outgoing
	if err := f.store.View(context.Background(), func(tx *tickets.Tx) (err error) { out, err = tx.OutgoingList(0); return err }); err != nil {
		t.Fatal(err)
	}
	return out
}

// The gauges are read from the store at each scrape: what another process
// (a second gateway, an admin's command) changed shows at once; the
// counters count this process's events only.
func TestScrape_GaugesReadTheStoreCountersThisProcess(t *testing.T) {
	f := newFixture(t)
	f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <b1@c>"))
	other, err := tickets.Open(f.path, &tickets.Options{Now: f.clock, SLA: &f.options.SLA})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.Update(context.Background(), func(tx *tickets.Tx) error {
		_, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.ServiceRequest, Subject: "chair", Requester: "x@customer.example", Impact: tickets.Low, Urgency: tickets.Low})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := f.scrape()
	if got := value(t, s, "madoguchi_tickets_open"); got != 2 {
		t.Errorf("tickets open = %v, want 2: the other process's ticket too", got)
	}
	if got := value(t, s, "madoguchi_tickets_opened_total"); got != 1 {
		t.Errorf("tickets opened = %v, want 1: this process's", got)
	}
}

// Names, types, help and units pass Prometheus' own linter, and every
// family a dashboard reads is there before anything happened.
func TestScrape_NamesFollowPrometheusConventions(t *testing.T) {
	f := newFixture(t)
	f.m.Mailbox("default", time.Minute)
	fams, err := f.m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	s := f.scrape()
	for _, name := range metricNames {
		if _, ok := s[name]; !ok {
			t.Errorf("%s is not served before any event", name)
		}
		if !strings.HasPrefix(name, "madoguchi_") {
			t.Errorf("%s lacks the madoguchi_ prefix", name)
		}
	}
	for name, fam := range s {
		if strings.HasPrefix(name, "madoguchi_") && fam.GetType().String() == "COUNTER" && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
	}
}

// metricNames are every madoguchi family, as the README lists them.
var metricNames = []string{
	"madoguchi_mails_fetched_total", "madoguchi_tickets_opened_total", "madoguchi_tickets_open", "madoguchi_outgoing_mails",
	"madoguchi_delivery_attempts_total", "madoguchi_delivery_failures_total", "madoguchi_faq_match_duration_seconds",
	"madoguchi_auto_answers_total", "madoguchi_sla_reminders_total", "madoguchi_sla_breaches_total",
	"madoguchi_imap_connected", "madoguchi_imap_last_good_poll_timestamp_seconds", "madoguchi_smtp_relay_reachable",
	"madoguchi_outbox_oldest_due_age_seconds", "madoguchi_build_info",
}

// A store that cannot be read leaves its gauges out of the scrape and
// says so in the log; the counters are still served.
func TestScrape_AStoreThatCannotBeReadLeavesItsGaugesOut(t *testing.T) {
	f := newFixture(t)
	f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <c1@c>"))
	f.store.Close()
	s := f.scrape()
	if _, ok := s["madoguchi_tickets_open"]; ok {
		t.Error("madoguchi_tickets_open served from a closed store")
	}
	if got := value(t, s, "madoguchi_tickets_opened_total"); got != 1 {
		t.Errorf("tickets opened = %v, want 1", got)
	}
	if !strings.Contains(f.logs.String(), "reading the store's gauges failed") {
		t.Errorf("the failure is not logged: %s", f.logs)
	}
}

// A mailbox is ready while its passes come within its poll interval and
// as much again; the relay while it was reached, or has been out of
// reach for less than the first backoff.
func TestReady_MailboxPolledWithinItsIntervalRelayWithinItsBackoff(t *testing.T) {
	f := newFixture(t)
	mb := f.m.Mailbox("default", time.Minute)
	if err := mb.Ready(); err == nil || !strings.Contains(err.Error(), "not polled yet") {
		t.Errorf("before the first pass: %v", err)
	}
	mb.Connected(true)
	mb.Polled(f.clock())
	f.advance(2 * time.Minute)
	if err := mb.Ready(); err != nil {
		t.Errorf("2m after a pass (interval 1m): %v", err)
	}
	f.advance(time.Second)
	mb.Connected(false)
	err := mb.Ready()
	if err == nil || !strings.Contains(err.Error(), "mailbox default: last good poll 2m1s ago") || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("2m1s after a pass: %v", err)
	}
	s := f.scrape()
	if got := value(t, s, "madoguchi_imap_last_good_poll_timestamp_seconds", "mailbox", "default"); got != float64(f.clock().Add(-121*time.Second).Unix()) {
		t.Errorf("last good poll = %v", got)
	}
	if got := value(t, s, "madoguchi_imap_connected", "mailbox", "default"); got != 0 {
		t.Errorf("connected = %v, want 0", got)
	}

	d := f.m.Delivery(30 * time.Second)
	if err := d.Ready(); err != nil {
		t.Errorf("before any delivery: %v", err)
	}
	d.Relay(false, f.clock())
	d.Attempted("retry", "connection")
	f.advance(30 * time.Second)
	d.Relay(false, f.clock())
	if err := d.Ready(); err != nil {
		t.Errorf("out of reach for its backoff: %v", err)
	}
	f.advance(time.Second)
	if err := d.Ready(); err == nil || !strings.Contains(err.Error(), "relay unreachable for 31s") {
		t.Errorf("out of reach 31s (backoff 30s): %v", err)
	}
	if got := value(t, f.scrape(), "madoguchi_smtp_relay_reachable"); got != 0 {
		t.Errorf("relay reachable = %v, want 0", got)
	}
	d.Relay(true, f.clock())
	d.Attempted("sent", "")
	if err := d.Ready(); err != nil {
		t.Errorf("reached again: %v", err)
	}
	s = f.scrape()
	if value(t, s, "madoguchi_delivery_attempts_total", "result", "retry") != 1 || value(t, s, "madoguchi_delivery_attempts_total", "result", "sent") != 1 ||
		value(t, s, "madoguchi_delivery_failures_total", "class", "connection") != 1 || value(t, s, "madoguchi_smtp_relay_reachable") != 1 {
		t.Errorf("delivery series: %v %v", s.By("madoguchi_delivery_attempts_total", "result"), s.By("madoguchi_delivery_failures_total", "class"))
	}
}
