package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// fixture is the console over a real desk and SQLite file, served by an
// httptest server, with a clock the test moves.
type fixture struct {
	t     *testing.T
	srv   *httptest.Server
	web   *Server
	desk  *desk.Desk
	store *tickets.Store
	mu    sync.Mutex
	now   time.Time
	uid   atomic.Uint32
}

const (
	admin = "boss@example.com"
	agent = "alice@example.com"
)

func newFixture(t *testing.T) *fixture { t.Helper(); return newFixtureWith(t, fixtureConfig{}) }

// fixtureConfig changes what newFixtureWith builds: the desk's options
// (viewers, say) and dependencies (an observer), and the console's options
// (metrics, checks, a log), given the desk.
type fixtureConfig struct {
	opts func(*desk.Options)
	deps func(*desk.Deps)
	web  func(*Options, *desk.Desk)
}

func newFixtureWith(t *testing.T, cfg fixtureConfig) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
	opts := desk.Options{
		SupportAddress: "support@example.com", Rules: desk.DefaultRules(), Secret: []byte("0123456789abcdef0123"),
		Tiers: []desk.Tier{
			{Name: "L1", Notify: []string{"l1@example.com"}, Agents: []string{agent, "bob@example.com"}, EscalateAfter: 4 * time.Hour},
			{Name: "L2", Notify: []string{"l2@example.com"}, Agents: []string{"carol@example.com"}},
		},
		Admins: []string{admin},
	}
	if cfg.opts != nil {
		cfg.opts(&opts)
	}
	policy := desk.SLAPolicy(opts.SLA, opts.Tiers)
	store, err := tickets.Open(filepath.Join(t.TempDir(), "web.db"), &tickets.Options{Now: clock, SLA: &policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tmpl, err := templates.New("")
	if err != nil {
		t.Fatal(err)
	}
	index, err := responder.Open(responder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { index.Close() })
	// The console's address is the test server's, known once it listens.
	f.srv = httptest.NewUnstartedServer(nil)
	opts.ConsoleURL = "http://" + f.srv.Listener.Addr().String()
	deps := desk.Deps{Store: store, Templates: tmpl, Index: index}
	if cfg.deps != nil {
		cfg.deps(&deps)
	}
	if f.desk, err = desk.New(opts, deps); err != nil {
		t.Fatal(err)
	}
	f.store = store
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	wopts := Options{BaseURL: opts.ConsoleURL, Now: clock, Version: "test", Log: log}
	if cfg.web != nil {
		cfg.web(&wopts, f.desk)
	}
	if f.web, err = New(wopts, f.desk); err != nil {
		t.Fatal(err)
	}
	f.srv.Config.Handler = f.web.Handler()
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// mail delivers a raw mail to the desk as the poller would.
func (f *fixture) mail(raw string) desk.Outcome {
	f.t.Helper()
	out, err := f.desk.ReceiveBatch(context.Background(), []intake.Fetched{{Mailbox: "INBOX", UIDValidity: 1, UID: f.uid.Add(1), Raw: []byte(raw)}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out[0]
}

func rawMail(from, subject, body string, headers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n", from, subject)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.String()
}

// browser is one person's browser: a cookie jar, no redirects followed
// unless asked, and Sec-Fetch-Site as a browser sends it for the
// console's own pages.
type browser struct {
	f      *fixture
	client *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn gives a browser a session of addr, through a link as `web link`
// makes it: open it, press the button of its page.
func (f *fixture) signIn(addr string) *browser {
	f.t.Helper()
	b := f.browser()
	link, err := f.desk.SignInLink(context.Background(), addr)
	if err != nil {
		f.t.Fatal(err)
	}
	path := strings.TrimPrefix(link, f.srv.URL)
	if res := b.get(path); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="signin-confirm"`) {
		f.t.Fatalf("sign-in link's page: %d\n%s", res.StatusCode, res.body)
	}
	res := b.post(path, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		f.t.Fatalf("sign-in button: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	return b
}

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.f.t.Helper()
	switch req.Header.Get("Sec-Fetch-Site") {
	case "":
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	case "omit": // a browser from before Sec-Fetch-Site
		req.Header.Del("Sec-Fetch-Site")
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{res, string(body)}
}

func (b *browser) get(path string, headers ...string) response {
	b.f.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.f.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (f *fixture) ticket(ref string) *tickets.Ticket {
	f.t.Helper()
	var t *tickets.Ticket
	if err := f.store.View(context.Background(), func(tx *tickets.Tx) (err error) { t, err = tx.Ticket(ref); return err }); err != nil {
		f.t.Fatal(err)
	}
	return t
}

func (f *fixture) outgoing(kind string) []*tickets.Outgoing {
	f.t.Helper()
	var out []*tickets.Outgoing
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		all, err := tx.OutgoingList(0)
		for _, o := range all {
			if o.Kind == kind {
				out = append(out, o)
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) events(ref string) []tickets.Event {
	f.t.Helper()
	var out []tickets.Event
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		t, err := tx.Ticket(ref)
		if err != nil {
			return err
		}
		out, err = tx.Events(t.ID)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
