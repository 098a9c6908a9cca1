package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/testutils"
)

const consoleConfig = tiersConfig + `[web]
listen = "127.0.0.1:8025"
admins = ["boss@example.com"]
`

func TestWebLink_LastLineIsTheURLAlone(t *testing.T) {
	cfg := writeConfig(t, consoleConfig)
	out, _, err := cli(t, "", "--config", cfg, "web", "link", "Boss@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "http://127.0.0.1:8025/signin/") || strings.ContainsAny(last, " \t") || len(last) != len("http://127.0.0.1:8025/signin/")+43 {
		t.Errorf("last line %q, want the URL alone", last)
	}
	if !strings.Contains(out, "(admin)") {
		t.Errorf("output does not say the role:\n%s", out)
	}
	_, _, err = cli(t, "", "--config", cfg, "web", "link", "stranger@example.com")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "neither in web.admins nor on a tier's agents list") {
		t.Errorf("a link for a stranger: %v", err)
	}
	_, _, err = cli(t, "", "--config", writeConfig(t, tiersConfig), "web", "link", "alice@example.com")
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "web.base_url") {
		t.Errorf("a link without a console address: %v", err)
	}
}

// run serves the console beside the gateway and stops it with the rest;
// a link from `web link` signs in to it.
func TestRun_ServesTheConsoleUntilItStops(t *testing.T) {
	cfg, _, _ := onServers(t)
	addr := testutils.ClosedAddr(t)
	cfg.Web.Listen, cfg.Web.BaseURL, cfg.Web.Admins = addr, "http://"+addr, []string{"boss@example.com"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := openGateway(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	waitHealthy(t, "http://"+addr, done)

	link, err := a.desk.SignInLink(ctx, "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="signin-confirm"`) || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("opening the link: %d\n%s", res.StatusCode, body)
	}
	if res, err = client.Post(link, "application/x-www-form-urlencoded", nil); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="queue"`) || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("the link's button: %d\n%s", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the console still listens after run stopped")
	}
}

// waitHealthy waits until the console answers /healthz (or run ends).
func waitHealthy(t *testing.T, base string, done chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before the console answered: %v", err)
		case <-time.After(20 * time.Millisecond): // the next probe of a server starting up
		}
		if time.Now().After(deadline) {
			t.Fatal("the console did not answer within 30 s")
		}
	}
}

// The reports count what `tickets list --json` lists: the same tickets
// per day, per type and priority, the same backlog.
func TestReports_AgreeWithTicketsListJSON(t *testing.T) {
	path := consoleConfigWith(t, "secret = \"cli-test-secret-0123456789\"\ntimezone = \"Asia/Tokyo\"\n")
	var raws []string
	for i, s := range []string{"Printer jam", "VPN down for all users", "New laptop request", "Mail is slow", "URGENT: server down"} {
		raws = append(raws, fmt.Sprintf("From: c%d@customer.example\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <agree%d@c>\r\n\r\n%s\r\n", i, s, i, s))
	}
	receive(t, path, raws...)
	if _, _, err := cli(t, "", "--config", path, "tickets", "resolve", "INC-1001", "--actor", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "", "--config", path, "tickets", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Ref       string    `json:"ref"`
		Type      string    `json:"type"`
		Priority  string    `json:"priority"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"created_at"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 5 {
		t.Fatalf("tickets list --json: %v\n%s", err, out)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	want := map[string]map[string]int{} // day → column → count
	open := 0
	for _, tk := range list {
		day := tk.CreatedAt.In(tokyo).Format(time.DateOnly)
		if want[day] == nil {
			want[day] = map[string]int{}
		}
		want[day]["total"]++
		want[day][tk.Type]++
		want[day][tk.Priority]++
		if tk.Status != "resolved" && tk.Status != "closed" {
			open++
		}
	}

	a, h := openConsole(t, path)
	link, _ := a.desk.SignInLink(context.Background(), "boss@example.com")
	// In-process: sign in with the link's button, then read with the
	// cookie.
	jar, _ := cookiejar.New(nil)
	if res := doRequest(h, jar, "POST", strings.TrimPrefix(link, "http://127.0.0.1:8025")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	get := func(path string) string {
		t.Helper()
		res := doRequest(h, jar, "GET", path)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	today := time.Now().In(tokyo).Format(time.DateOnly)
	rows, err := csv.NewReader(strings.NewReader(get("/reports/volume.csv?from=" + today + "&to=" + today))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	for _, row := range rows[1:] {
		for i, col := range head[1:] {
			if got := row[i+1]; got != fmt.Sprint(want[row[0]][col]) {
				t.Errorf("%s %s: report %s, tickets list %d", row[0], col, got, want[row[0]][col])
			}
		}
	}
	backlog, _ := csv.NewReader(strings.NewReader(get("/reports/backlog.csv?from=" + today + "&to=" + today))).ReadAll()
	n := 0
	for _, row := range backlog[1:] {
		for _, c := range row[1:] {
			var x int
			fmt.Sscan(c, &x)
			n += x
		}
	}
	if n != open {
		t.Errorf("backlog %d, tickets list says %d open", n, open)
	}
}

// consoleConfigWith writes consoleConfig with more lines of [desk].
func consoleConfigWith(t *testing.T, desk string) string {
	t.Helper()
	path := writeConfig(t, consoleConfig)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "[desk]\n", "[desk]\n"+desk, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openConsole opens the configuration at path for reading, with its
// console's handler to serve requests in-process.
func openConsole(t *testing.T, path string) (*app, http.Handler) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openReader(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.close() })
	srv, err := a.consoleServer()
	if err != nil {
		t.Fatal(err)
	}
	return a, srv.Handler()
}

// doRequest serves one request in-process with the cookies of jar.
func doRequest(h http.Handler, jar http.CookieJar, method, path string) *http.Response {
	req, _ := http.NewRequest(method, "http://127.0.0.1:8025"+path, nil)
	for _, c := range jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	jar.SetCookies(req.URL, res.Cookies())
	return res
}

// The digest goes to the admins once per period, even across runs: the
// store remembers the periods sent.
func TestRunOnce_MailsTheDigestOncePerDay(t *testing.T) {
	cfg, imapSrv, smtpSrv := onServers(t)
	cfg.Web.Admins, cfg.Web.BaseURL, cfg.Reports.Digest = []string{"boss@example.com"}, "https://desk.example.com", config.DigestDaily
	path := writeConfigFile(t, cfg)
	imapSrv.Append("INBOX", []byte("From: a@customer.example\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <dg1@c>\r\n\r\nbroken\r\n"))
	day1 := time.Now().UTC().Truncate(24 * time.Hour).Add(10 * time.Hour)
	for i, at := range []time.Time{day1, day1.Add(time.Hour), day1.Add(24 * time.Hour)} {
		if _, _, err := cli(t, "", "--config", path, "run", "--once", "--now", at.Format(time.RFC3339)); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	var digests []string
	for _, m := range smtpSrv.Received() {
		msg, err := m.Message()
		if err == nil && strings.Contains(msg.Subject, "daily digest") {
			digests = append(digests, msg.Subject)
			if m.To[0] != "boss@example.com" || !strings.Contains(msg.Text, "https://desk.example.com/reports?from=") {
				t.Errorf("digest to %v:\n%s", m.To, msg.Text)
			}
		}
	}
	// The first run mails yesterday's digest, the second (same day) none,
	// the third (the next day) the first day's, counting the printer ticket.
	if len(digests) != 2 {
		t.Fatalf("digests %q, want 2", digests)
	}
	if !strings.Contains(digests[1], day1.Format(time.DateOnly)) {
		t.Errorf("second digest %q is not of %s", digests[1], day1.Format(time.DateOnly))
	}
}

// writeConfigFile writes cfg whole, as a file the CLI loads.
func writeConfigFile(t *testing.T, cfg *config.Config) string {
	t.Helper()
	b, err := cfg.TOML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "madoguchi.toml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineWriter is a demo's output, read by the test while the demo writes.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	more chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	select {
	case w.more <- struct{}{}:
	default:
	}
	return n, err
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The demo serves the console on loopback and prints a sign-in link that
// works; its last line says where the console is and how to stop it.
func TestDemo_ServesTheConsoleWithASignInLink(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{more: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- runDemo(ctx, out, t.TempDir(), false) }()
	linkRE := regexp.MustCompile(`(?m)^  (http://127\.0\.0\.1:\d+/signin/\S+)\nConsole at (http://127\.0\.0\.1:\d+)/ on loopback until Ctrl-C stops the demo\.\n$`)
	var m []string
	for m == nil {
		select {
		case <-out.more:
			m = linkRE.FindStringSubmatch(out.String())
		case err := <-done:
			t.Fatalf("the demo ended: %v\n%s", err, out.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("no console link after two minutes:\n%s", out.String())
		}
	}
	waitHealthy(t, m[2], done)
	// The link opens a page whose button signs in, as a browser shows it.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	res, err := client.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="signin-confirm"`) || !strings.Contains(string(body), "admin@demo.example") {
		t.Fatalf("the demo's sign-in link: %d\n%s", res.StatusCode, body)
	}
	if res, err = client.Post(m[1], "application/x-www-form-urlencoded", nil); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-ref="INC-1003"`) || !strings.Contains(string(body), "admin@demo.example") {
		t.Errorf("the demo's console after signing in: %d\n%s", res.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("the demo after Ctrl-C: %v", err)
	}
}
