//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// The console (issue 14) as a person uses it: the built binary's `run`
// serving the console over a real store, Dovecot delivering the mail and
// the deployment's SMTP server taking what the outbox sends, driven by
// Debian's headless Chromium.

const userConsole = "console"

func init() { dovecotUsers = append(dovecotUsers, userConsole) }

const (
	consoleAdmin = "boss@example.com"
	consoleAgent = "alice@example.com"
)

// TestE2E_ConsoleInChromium signs in by a link, watches new tickets
// arrive in the queue without a reload, filters and searches, opens a
// ticket, replies (the customer gets the mail) and resolves it, publishes
// an FAQ entry, tries the test box, opens the reports and sees a drawn
// chart, and reads a hostile mail: no script of any mail runs, and no
// page logs an error. Screenshots go to the test's artifact directory
// (make e2e keeps them under e2e-artifacts/).
func TestE2E_ConsoleInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	d, base := newConsoleDeployment(t)
	faqFile := filepath.Join(d.dir, "faq.jsonl")
	os.WriteFile(faqFile, []byte(`{"key":"printer-toner","question":"How do I replace the toner cartridge in the office printer?","answer":"Open the front cover, pull out the old cartridge and push the new one in until it clicks.","language":"en"}`+"\n"), 0o600)
	if r := d.madoguchi("faq", "import", faqFile); r.err != nil {
		t.Fatalf("faq import: %s", r)
	}
	stop := d.serve(t, base)
	defer stop()

	r := d.madoguchi("web", "link", consoleAdmin)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	link := lines[len(lines)-1]
	if r.err != nil || !strings.HasPrefix(link, base+"/signin/") {
		t.Fatalf("web link: %s\nstdout:\n%s", r, r.stdout)
	}

	b := newBrowser(t, chromium)
	b.probe(t)
	shot := b.shooter(t)

	// Sign in by the link: its page names the address and spends nothing
	// (a mail scanner opens it too); its button lands on the queue, empty
	// for now.
	b.do(t, "open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin-confirm")))
	if got := b.text(t, chromedp.Text(chromedp.CSS("#signin-addr"))); got != consoleAdmin {
		t.Errorf("the link's page signs in %q, want %s", got, consoleAdmin)
	}
	shot("00-signin-link")
	b.do(t, "sign in", chromedp.Click(chromedp.CSS("#signin-confirm")), chromedp.WaitVisible(chromedp.CSS("#queue")))
	if loc := b.text(t, chromedp.Location()); loc != base+"/" {
		t.Fatalf("the link led to %s, want the queue", loc)
	}
	// New mail appears in the open queue without a reload: the page's
	// marker survives while the rows arrive by polling.
	b.do(t, "mark the page", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("window.__notReloaded = true")(ctx, tg)
		return err
	}))
	appendAll(t, d.user, consoleMails())
	b.do(t, "tickets arrive", chromedp.WaitVisible(chromedp.CSS(`tr[data-ref="REQ-1003"]`)), chromedp.WaitVisible(chromedp.CSS(`tr[data-ref="INC-1001"]`)))
	if !b.eval(t, "window.__notReloaded === true") {
		t.Error("the queue was reloaded to show new tickets")
	}
	shot("01-queue")

	// Filter by status, then search (Japanese, through the trigram index).
	b.do(t, "filter", chromedp.SetValue(chromedp.CSS(`select[name=status]`), "escalated"), chromedp.Submit(chromedp.CSS("#filters")),
		chromedp.WaitVisible(chromedp.CSS(`nav.counts a[aria-current][data-status="escalated"]`)))
	if n := b.count(t, "#queue tbody tr[data-ref]"); n < 2 {
		t.Errorf("%d escalated tickets shown, want the 2 escalated ones at least", n)
	}
	b.do(t, "search", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#queue")),
		chromedp.SetValue(chromedp.CSS(`input[name=q]`), "プリンター"), chromedp.Submit(chromedp.CSS("#filters")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=q][value="プリンター"]`)))
	if got := b.attrs(t, "#queue tbody tr[data-ref]", "data-ref"); got != "INC-1002" {
		t.Errorf("search プリンター shows %q, want INC-1002", got)
	}
	shot("02-search")

	// Open a ticket, reply to the customer: the outbox mails it.
	b.do(t, "open ticket", chromedp.Click(chromedp.CSS(`a[href="/tickets/INC-1002"]`)), chromedp.WaitVisible(chromedp.CSS("#thread")))
	reply := "トナーを交換しました。印刷をお試しください。"
	b.do(t, "reply", chromedp.SetValue(chromedp.CSS("#f-reply-text"), reply), chromedp.Click(chromedp.CSS(`#action-reply button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	waitMail(t, d.smtp, func(m mailserver.Received) bool {
		msg, err := m.Message()
		return err == nil && len(m.To) == 1 && m.To[0] == "sato@customer.example" && strings.Contains(msg.Text, reply)
	})
	shot("03-ticket-replied")

	// Resolve it.
	b.do(t, "resolve", chromedp.Click(chromedp.CSS("#action-resolve summary")), chromedp.SetValue(chromedp.CSS("#f-resolve-text"), "解決しました。"),
		chromedp.Click(chromedp.CSS(`#action-resolve button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#ticket-status.status-resolved")))

	// Publish the imported FAQ entry.
	b.do(t, "publish", chromedp.Navigate(base+"/faq/entries/printer-toner"), chromedp.WaitVisible(chromedp.CSS("#faq-publish")),
		chromedp.Click(chromedp.CSS("#faq-publish")), chromedp.WaitVisible(chromedp.CSS("#faq-status.faq-published")))
	shot("04-faq-entry")

	// The test box: ranked matches, confidence, decision.
	b.do(t, "test box", chromedp.Navigate(base+"/faq/test"), chromedp.WaitVisible(chromedp.CSS("#text")),
		chromedp.SetValue(chromedp.CSS("#text"), "How do I replace the toner cartridge in the office printer?"),
		chromedp.Click(chromedp.CSS("#test-run")), chromedp.WaitVisible(chromedp.CSS("#decision")))
	if got := b.attrs(t, "#candidates tbody td a", "href"); !strings.Contains(got, "/faq/entries/printer-toner") {
		t.Errorf("the test box ranks %q, want printer-toner", got)
	}
	shot("05-test-box")

	// The reports: a chart drawn (pixels on the canvas).
	b.do(t, "reports", chromedp.Navigate(base+"/reports"), chromedp.WaitVisible(chromedp.CSS(`#volume canvas[data-drawn]`)))
	painted := b.eval(t, `(() => { const c = document.querySelector('#volume canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) n++; } return n > 1000; })()`)
	if !painted {
		t.Error("the volume chart's canvas is blank")
	}
	shot("06-reports")

	// The hostile mail's ticket: shown as text, nothing of it runs.
	b.do(t, "hostile ticket", chromedp.Navigate(base+"/?q=alert"), chromedp.WaitVisible(chromedp.CSS("#queue tbody tr[data-ref]")))
	ref := b.attrs(t, "#queue tbody tr[data-ref]", "data-ref")
	b.do(t, "open hostile", chromedp.Navigate(base+"/tickets/"+ref), chromedp.WaitVisible(chromedp.CSS("#thread")))
	if n := b.count(t, "script"); n != 2 {
		t.Errorf("%d script elements on the hostile ticket's page, want the console's 2", n)
	}
	if n := b.count(t, `a[href^="javascript:"], img[src="x"], svg`); n != 0 {
		t.Errorf("%d elements from the hostile mail became markup", n)
	}
	shot("07-hostile-ticket")

	// On a phone the queue is cards, still readable.
	b.do(t, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#queue")))
	shot("08-queue-phone")

	b.finish(t)
}

// shooter returns what saves a screenshot of the page by name to the
// test's artifact directory.
func (b *browser) shooter(t *testing.T) func(name string) {
	shots := t.ArtifactDir()
	return func(name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	t.Fatal("chromium is not installed; the console's browser test needs it: apt-get install -y chromium")
	return ""
}

// newConsoleDeployment is a deployment with a tier of agents, an admin and
// the console on a free loopback port.
func newConsoleDeployment(t *testing.T) (*deployment, string) {
	return newConsoleDeploymentOf(t, userConsole, "")
}

// newConsoleDeploymentOf is newConsoleDeployment on the mailbox of user,
// with more lines of [web] (web, "" for none).
func newConsoleDeploymentOf(t *testing.T, user, web string) (*deployment, string) {
	t.Helper()
	d := newDeployment(t, user, imapPassword, env.imapAddr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f, err := os.OpenFile(d.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, `secret = "e2e-console-secret-0123456789"

[[escalation.tiers]]
name = "L1"
notify = ["l1@example.com"]
agents = [%q, "bob@example.com"]

[web]
listen = %q
admins = [%q]
%s`, consoleAgent, addr, consoleAdmin, web)
	f.Close()
	return d, "http://" + addr
}

// serve starts `madoguchi run` and waits until the console answers; the
// returned func stops it with SIGTERM and waits for it to exit.
func (d *deployment) serve(t *testing.T, base string) func() {
	t.Helper()
	cmd := exec.Command(env.bin, "--config", d.config, "run")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("madoguchi run exited before serving the console: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond): // the next probe of a server starting up
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the console did not answer at %s within a minute\n%s", base, stderr.String())
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("madoguchi run after SIGTERM: %v\n%s", err, tail(stderr.String(), 30))
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Errorf("madoguchi run did not stop within 30 s of SIGTERM\n%s", tail(stderr.String(), 30))
			}
		})
	}
}

// consoleMails are what the customers send: an English incident, a
// Japanese one, a request, and a hostile mail.
func consoleMails() *corpus {
	mk := func(from, subject, body, id string) mail {
		raw := fmt.Sprintf("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
			from, subject, id, time.Now().Format(time.RFC1123Z), body)
		return mail{Raw: []byte(raw), MessageID: id}
	}
	c := &corpus{}
	c.Mails = append(c.Mails,
		mk("Ann <ann@customer.example>", "VPN drops every hour", "The VPN connection drops every hour since Monday.", "c1@customer.example"),
		mk("=?utf-8?b?5L2Q6Jek?= <sato@customer.example>", "=?utf-8?b?44OX44Oq44Oz44K/44O844GM5Y2w5Yi344Gn44GN44G+44Gb44KT?=", "3階のプリンターで印刷できません。エラーが表示されます。", "c2@customer.example"),
		mk("Ben <ben@customer.example>", "New laptop request", "Please order a laptop for our new colleague.", "c3@customer.example"),
		mail{Raw: []byte(hostileConsoleMail), MessageID: "evil1@attacker.example"},
	)
	return c
}

// hostileConsoleMail tries script in the subject, the sender's name and
// the HTML body, a javascript: link, an SVG with script.
const hostileConsoleMail = "From: =?utf-8?q?<script>alert('name')</script>?= <evil@attacker.example>\r\n" +
	"To: support@example.com\r\nSubject: <script>alert('subject')</script><img src=x onerror=alert(1)>\r\nMessage-ID: <evil1@attacker.example>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
	"<p>Hi <script>alert('body')</script><img src=x onerror=alert(2)> <a href=\"javascript:alert('link')\">click</a> javascript:alert(3)</p>\r\n" +
	"--b\r\nContent-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=\"x.svg\"\r\n\r\n" +
	"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert('svg')\"><script>alert('svg2')</script></svg>\r\n" +
	"--b--\r\n"

// waitMail waits until the SMTP server received a mail match accepts.
func waitMail(t *testing.T, s *mailserver.SMTPServer, match func(mailserver.Received) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for n := 1; ; n++ {
		got, err := s.Wait(ctx, n)
		if err != nil {
			t.Fatalf("the mail never came: %v", err)
		}
		if match(got[n-1]) {
			return
		}
	}
}

// browser is headless Chromium driven by chromedp, with every JS dialog
// and console error of every page recorded.
type browser struct {
	ctx    context.Context
	cancel func()
	mu     sync.Mutex
	faults []string
	seen   chan struct{} // a fault was recorded
}

func newBrowser(t *testing.T, chromium string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-gpu", true))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &browser{ctx: ctx, cancel: func() { cancel(); acancel() }, seen: make(chan struct{}, 100)}
	t.Cleanup(b.cancel)
	// Start the browser with no timeout (a timeout on the first run would
	// end the browser with it), then listen to every page it shows.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.fault("JS dialog: " + ev.Message)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				b.fault(fmt.Sprintf("console %s: %s (%s)", m.Type, m.Text, m.URL))
			}
		}
	}()
	return b
}

func (b *browser) fault(s string) {
	b.mu.Lock()
	b.faults = append(b.faults, s)
	b.mu.Unlock()
	select {
	case b.seen <- struct{}{}:
	default:
	}
}

// probe proves the listeners hear what they must: a console error and a
// dialog the test raises itself are recorded, then forgotten.
func (b *browser) probe(t *testing.T) {
	t.Helper()
	b.do(t, "probe", chromedp.Navigate("about:blank"), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any]("console.error('madoguchi probe'); alert('madoguchi probe'); true")(ctx, tg)
		return err
	}))
	timeout := time.After(30 * time.Second)
	for {
		b.mu.Lock()
		var dialog, console bool
		for _, f := range b.faults {
			dialog = dialog || f == "JS dialog: madoguchi probe"
			console = console || strings.Contains(f, "madoguchi probe") && strings.HasPrefix(f, "console error")
		}
		if dialog && console {
			b.faults = nil
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		select {
		case <-b.seen:
		case <-timeout:
			t.Fatalf("the browser's listeners missed a probe: dialog %v, console error %v", dialog, console)
		}
	}
}

// do runs steps, each waiting on what it needs, within a minute.
func (b *browser) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

func (b *browser) text(t *testing.T, a chromedp.Action[string]) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *browser) eval(t *testing.T, js string) bool {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (b *browser) count(t *testing.T, css string) int {
	t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// attrs joins an attribute of every element css selects.
func (b *browser) attrs(t *testing.T, css, attr string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf("Array.from(document.querySelectorAll(%q)).map(e => e.getAttribute(%q)).join(' ')", css, attr)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// finish fails the test on any dialog or console error seen.
func (b *browser) finish(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range b.faults {
		t.Error(f)
	}
}
