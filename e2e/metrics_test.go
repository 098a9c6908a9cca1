//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

// Issue 16's metrics and API on the built binary: `madoguchi run` reads
// a corpus of real-world mail from Dovecot; /metrics, scraped from its
// own listener and parsed with Prometheus' parser, agrees with `tickets
// list --json` and `inbound list --json`; a token made with `web token
// create` lists, shows and resolves a ticket through the API, and a read
// token is refused the write.

const userMetrics = "metrics"

func init() { dovecotUsers = append(dovecotUsers, userMetrics) }

// freeAddr is a loopback address nothing listens on yet.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape fetches url's /metrics (with token when not "") and parses it.
func scrape(t *testing.T, url, token string) testutils.Scrape {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s/metrics: %d %s", url, res.StatusCode, body)
	}
	s, err := testutils.ParseMetrics(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestE2E_MetricsAndAPIOfTheRunningGateway(t *testing.T) {
	d := newDeployment(t, userMetrics, imapPassword, env.imapAddr)
	web, ops := freeAddr(t), freeAddr(t)
	f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, `secret = "e2e-metrics-secret-0123456789"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = ["alice@example.com"]

[web]
listen = %q

[metrics]
listen = %q
`, web, ops)
	f.Close()
	base, opsURL := "http://"+web, "http://"+ops
	stop := d.serve(t, base)
	defer stop()

	c := newCorpus(16)
	appendAll(t, d.user, c)
	// Every mail counted once recorded: wait until all are.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if v, _ := scrape(t, opsURL, "").Sum("madoguchi_mails_fetched_total"); v == float64(len(c.Mails)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway did not record %d mails within 2 minutes", len(c.Mails))
		}
		time.Sleep(200 * time.Millisecond) // the next look at a counter still rising
	}
	s := scrape(t, opsURL, "")

	// The counters agree with what the store lists.
	listed := list[ticketRecord](t, d, "tickets")
	byTypePriority, byStatus := map[[2]string]float64{}, map[string]float64{}
	for _, tk := range listed {
		byTypePriority[[2]string{tk.Type, tk.Priority}]++
		byStatus[tk.Status]++
	}
	for k, n := range byTypePriority {
		if got, _ := s.Sum("madoguchi_tickets_opened_total", "type", k[0], "priority", k[1]); got != n {
			t.Errorf("tickets opened %s %s = %v, tickets list --json has %v", k[0], k[1], got, n)
		}
	}
	if got, _ := s.Sum("madoguchi_tickets_opened_total"); got != float64(len(listed)) {
		t.Errorf("tickets opened = %v, tickets list --json has %d", got, len(listed))
	}
	for st, n := range byStatus {
		if got, _ := s.Sum("madoguchi_tickets_open", "status", st); got != n {
			t.Errorf("tickets open %s = %v, tickets list --json has %v", st, got, n)
		}
	}
	records := list[inboundRecord](t, d, "inbound")
	byDisposition := map[string]float64{}
	for _, r := range records {
		byDisposition[r.Disposition]++
	}
	for disp, n := range byDisposition {
		if got, _ := s.Sum("madoguchi_mails_fetched_total", "mailbox", "default", "disposition", disp); got != n {
			t.Errorf("mails fetched %s = %v, inbound list --json has %v", disp, got, n)
		}
	}
	if got, _ := s.Sum("madoguchi_imap_connected", "mailbox", "default"); got != 1 {
		t.Errorf("imap connected = %v", got)
	}
	if got, _ := s.Sum("madoguchi_imap_last_good_poll_timestamp_seconds", "mailbox", "default"); got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last good poll at %v, more than a minute ago", got)
	}
	if got, _ := s.Sum("madoguchi_faq_match_duration_seconds"); got == 0 {
		t.Error("no FAQ match timed")
	}

	// The API, with tokens made at the terminal.
	token := func(name, scope string) string {
		t.Helper()
		r := d.madoguchi("web", "token", "create", name, "--scope", scope)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.err != nil || !strings.HasPrefix(lines[len(lines)-1], "mdg_") {
			t.Fatalf("web token create %s: %s\n%s", name, r, r.stdout)
		}
		return lines[len(lines)-1]
	}
	reader, writer, prom := token("dashboard", "read"), token("ci-bot", "write"), token("prometheus", "metrics")
	call := func(method, path, tok, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, data
	}
	status, data := call("GET", "/api/v1/tickets?limit=500", reader, "")
	var page struct {
		Tickets []ticketRecord `json:"tickets"`
		Total   int            `json:"total"`
	}
	if err := json.Unmarshal(data, &page); status != http.StatusOK || err != nil || page.Total != len(listed) || len(page.Tickets) != len(listed) {
		t.Fatalf("GET /api/v1/tickets: %d, %d of %d tickets (tickets list --json has %d): %v", status, len(page.Tickets), page.Total, len(listed), err)
	}
	for i := range listed {
		if page.Tickets[i] != listed[i] {
			t.Fatalf("ticket %d: the API says %+v, tickets list --json %+v", i, page.Tickets[i], listed[i])
		}
	}
	var target ticketRecord
	for _, tk := range listed {
		if tk.Status == "escalated" && tk.Requester != "" {
			target = tk
			break
		}
	}
	if target.Ref == "" {
		t.Fatal("no escalated ticket in the corpus's tickets")
	}
	if status, data = call("GET", "/api/v1/tickets/"+target.Ref, reader, ""); status != http.StatusOK || !strings.Contains(string(data), `"ref":"`+target.Ref+`"`) {
		t.Fatalf("GET /api/v1/tickets/%s: %d %s", target.Ref, status, data)
	}
	if status, data = call("POST", "/api/v1/tickets/"+target.Ref+"/resolve", reader, `{"text":"Done."}`); status != http.StatusForbidden || !strings.Contains(string(data), `"code":"insufficient_scope"`) {
		t.Fatalf("a read token resolving: %d %s", status, data)
	}
	const words = "The mailbox quota was raised; please try again."
	if status, data = call("POST", "/api/v1/tickets/"+target.Ref+"/resolve", writer, `{"text":"`+words+`"}`); status != http.StatusOK || !strings.Contains(string(data), `"status":"resolved"`) {
		t.Fatalf("a write token resolving: %d %s", status, data)
	}
	r := d.madoguchi("tickets", "show", target.Ref, "--json")
	if r.err != nil || !strings.Contains(r.stdout, `"actor": "ci-bot"`) || !strings.Contains(r.stdout, `"status": "resolved"`) {
		t.Errorf("tickets show after the API: %s\n%s", r, tail(r.stdout, 30))
	}
	waitMail(t, d.smtp, func(m mailserver.Received) bool {
		msg, err := m.Message()
		return err == nil && len(m.To) == 1 && m.To[0] == target.Requester && strings.Contains(msg.Text, words)
	})

	// /metrics on the console's listener: for a token.
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the console's /metrics without a token: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	s = scrape(t, base, prom)
	if got, _ := s.Sum("madoguchi_tickets_open", "status", "resolved"); got != byStatus["resolved"]+1 {
		t.Errorf("resolved tickets open = %v, want %v", got, byStatus["resolved"]+1)
	}
	res, err := http.Get(opsURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ready"`) {
		t.Errorf("/readyz: %d %s", res.StatusCode, body)
	}
}
