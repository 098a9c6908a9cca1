package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// securityHeaders checks the headers every response must carry.
func securityHeaders(t *testing.T, what string, res response) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if !strings.Contains(csp, "sandbox") && !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("%s: scripts not limited to the console: %q", what, csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %s = %q, want %q", what, h, got, want)
		}
	}
}

func TestHeaders_OnEveryPageFileAndError(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	b := f.signIn(admin)
	anon := f.browser()
	for _, path := range []string{"/", "/queue/live", "/tickets/" + oc.Ticket, "/tickets/NOPE-1", "/faq", "/faq/new", "/faq/gaps", "/faq/test?text=printer",
		"/reports", "/reports/volume.csv", "/settings", "/account", "/static/app.css", "/static/htmx.min.js", "/nowhere",
		"/tickets/" + oc.Ticket + "/entries/1/raw"} {
		securityHeaders(t, "GET "+path, b.get(path))
	}
	for _, path := range []string{"/signin", "/healthz", "/", "/signin/not-a-token"} {
		securityHeaders(t, "anonymous GET "+path, anon.get(path))
	}
	securityHeaders(t, "cross-origin POST", b.post("/signout", nil, "Sec-Fetch-Site", "cross-site"))
	securityHeaders(t, "POST /signin", anon.post("/signin", url.Values{"address": {"x@example.com"}}))
}

// A state-changing request from another site is refused with 403 and
// changes nothing; the same request from the console itself works.
func TestCrossOriginPOST_Refused(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	b := f.signIn(agent)
	note := url.Values{"text": {"checked the toner"}}
	before := countEvents(f, oc.Ticket, "entry_added")
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "omit", "Origin", "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/tickets/"+oc.Ticket+"/act/note", strings.NewReader(note.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		res := b.do(req)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST with %v: %d, want 403", h, res.StatusCode)
		}
	}
	if n := countEvents(f, oc.Ticket, "entry_added"); n != before {
		t.Fatalf("a refused POST added entries: %d entry events", n)
	}
	res := b.post("/tickets/"+oc.Ticket+"/act/note", note)
	if res.StatusCode != http.StatusSeeOther || countEvents(f, oc.Ticket, "entry_added") <= before {
		t.Errorf("same-origin POST: %d, %d entries", res.StatusCode, countEvents(f, oc.Ticket, "entry_added"))
	}
	// The sign-in form is no exception: another site cannot make a
	// browser ask for links.
	if res := f.browser().post("/signin", url.Values{"address": {agent}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in request: %d", res.StatusCode)
	}
}

func countEvents(f *fixture, ref, kind string) int {
	n := 0
	for _, e := range f.events(ref) {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestSignInLink_WorksOnceAndSaysSoAfter(t *testing.T) {
	f := newFixture(t)
	link, err := f.desk.SignInLink(t.Context(), agent)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(link, f.srv.URL)
	b := f.browser()
	if res := b.get(path); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="signin-confirm"`) {
		t.Fatalf("the link's page: %d\n%s", res.StatusCode, res.body)
	}
	res := b.post(path, nil)
	cookie := res.Header.Get("Set-Cookie")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Fatalf("first use: %d, Set-Cookie %q", res.StatusCode, cookie)
	}
	if res := b.get("/"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="queue"`) {
		t.Fatalf("the queue after signing in: %d", res.StatusCode)
	}
	// Used, the link says so at its GET already, and its button too.
	for _, again := range []response{f.browser().get(path), f.browser().post(path, nil)} {
		if again.StatusCode != http.StatusGone || !strings.Contains(again.body, "used already") || !strings.Contains(again.body, `href="/signin"`) {
			t.Errorf("second use (%s): %d\n%s", again.Request.Method, again.StatusCode, again.body)
		}
		if strings.Contains(again.Header.Get("Set-Cookie"), "madoguchi=") {
			t.Errorf("a used link set a session cookie (%s)", again.Request.Method)
		}
	}
	if res := f.browser().get("/signin/" + strings.Repeat("x", 43)); res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, "not valid") {
		t.Errorf("a made-up link: %d\n%s", res.StatusCode, res.body)
	}
	// An expired link says so, in Japanese for a Japanese browser.
	link, _ = f.desk.SignInLink(t.Context(), agent)
	f.mu.Lock()
	f.now = f.now.Add(16 * time.Minute)
	f.mu.Unlock()
	late := f.browser().get(strings.TrimPrefix(link, f.srv.URL), "Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5")
	if late.StatusCode != http.StatusGone || !strings.Contains(late.body, "有効期限切れ") {
		t.Errorf("expired link: %d\n%s", late.StatusCode, late.body)
	}
}

// Mail scanners (Defender Safe Links, Proofpoint, Mimecast) open every
// link of a mail, by GET and HEAD, before its reader does, and staff's
// mail passes them as a customer's does: none of that spends a link or
// sets a cookie. The page says whom the link signs in and where it goes,
// in the console's own layout, and its button signs in afterwards.
func TestSignInLink_AScannersGetAndHeadSpendNothingTheButtonSignsIn(t *testing.T) {
	f := newFixtureWith(t, fixtureConfig{opts: withViewer})
	for _, addr := range []string{agent, admin, viewer} {
		link, err := f.desk.SignInLink(t.Context(), addr)
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, f.srv.URL)
		scanner := f.browser()
		for range 2 {
			for _, method := range []string{"GET", "HEAD"} {
				req, _ := http.NewRequest(method, f.srv.URL+path, nil)
				res := scanner.do(req)
				if res.StatusCode != http.StatusOK || res.Header.Get("Set-Cookie") != "" {
					t.Fatalf("%s: a scanner's %s: %d, Set-Cookie %q", addr, method, res.StatusCode, res.Header.Get("Set-Cookie"))
				}
			}
		}
		if res := scanner.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
			t.Errorf("%s: the scanner is signed in after GETs: %d %s", addr, res.StatusCode, res.Header.Get("Location"))
		}
		b := f.browser()
		page := b.get(path)
		if page.StatusCode != http.StatusOK || page.Header.Get("Set-Cookie") != "" || !strings.Contains(page.body, `id="signin-addr">`+addr+`<`) ||
			!strings.Contains(page.body, "the queue opens next") || !strings.Contains(page.body, `<a class="brand" href="/">`) ||
			!strings.Contains(page.body, `<form method="post" action="`+path+`"`) {
			t.Fatalf("%s: the link's page: %d\n%s", addr, page.StatusCode, page.body)
		}
		if res := b.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
			t.Errorf("%s: a GET of the link signed in: %d %s", addr, res.StatusCode, res.Header.Get("Location"))
		}
		if res := b.post(path, nil, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("%s: a cross-site press of the button: %d", addr, res.StatusCode)
		}
		res := b.post(path, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" || !strings.Contains(res.Header.Get("Set-Cookie"), "madoguchi=") {
			t.Fatalf("%s: the button: %d %s, Set-Cookie %q", addr, res.StatusCode, res.Header.Get("Location"), res.Header.Get("Set-Cookie"))
		}
		if res := b.get("/"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="queue"`) {
			t.Errorf("%s: the queue after the button: %d", addr, res.StatusCode)
		}
	}
}

// The cookie of a signed-out session opens nothing, in this browser or
// any other that kept it.
func TestSignOut_TheOldCookieIsRefused(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(agent)
	u, _ := url.Parse(f.srv.URL)
	stolen := b.client.Jar.Cookies(u)
	if len(stolen) != 1 {
		t.Fatalf("cookies %v", stolen)
	}
	if res := b.post("/signout", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("sign out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	other := f.browser()
	other.client.Jar.SetCookies(u, stolen)
	if res := other.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Errorf("GET with a signed-out cookie: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	other.client.Jar.SetCookies(u, stolen)
	if res := other.post("/signout/all", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with a signed-out cookie: %d", res.StatusCode)
	}
	// Signing out everywhere ends the other browsers' sessions.
	one, two := f.signIn(agent), f.signIn(agent)
	if res := one.post("/signout/all", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", res.StatusCode)
	}
	if res := two.get("/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the other browser after signing out everywhere: %d", res.StatusCode)
	}
}

func TestAgent_CannotReachAdminPages(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(agent)
	for _, path := range []string{"/faq", "/faq/new", "/faq/gaps", "/faq/test?text=x", "/faq/entries/vpn", "/reports", "/reports/volume.csv", "/settings"} {
		if res := b.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/faq/new", "/faq/entries/vpn", "/faq/entries/vpn/publish"} {
		if res := b.post(path, url.Values{"key": {"x"}, "question": {"q"}, "answer": {"a"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	if res := b.get("/"); strings.Contains(res.body, `href="/reports"`) {
		t.Error("an agent's navigation links the reports")
	}
	a := f.signIn(admin)
	for _, path := range []string{"/faq", "/reports", "/settings"} {
		if res := a.get(path); res.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d", path, res.StatusCode)
		}
	}
	if res := f.browser().get("/faq"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Errorf("anonymous GET /faq: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// Known or not, an address gets the same answer; only agents and admins
// get mail; and the limits hold per address and per client.
func TestSignInRequest_SameAnswerAndLimits(t *testing.T) {
	f := newFixture(t)
	known := f.browser().post("/signin", url.Values{"address": {"Alice <ALICE@example.com>"}})
	unknown := f.browser().post("/signin", url.Values{"address": {"mallory@evil.example"}})
	if known.StatusCode != http.StatusOK || known.StatusCode != unknown.StatusCode || known.body != unknown.body {
		t.Errorf("known %d, unknown %d; bodies equal: %v", known.StatusCode, unknown.StatusCode, known.body == unknown.body)
	}
	if !strings.Contains(known.body, `id="signin-sent"`) {
		t.Errorf("no sent message:\n%s", known.body)
	}
	mails := f.outgoing("signin_link")
	if len(mails) != 1 || mails[0].To != agent || !strings.Contains(mails[0].Text, f.srv.URL+"/signin/") {
		t.Fatalf("sign-in mails: %+v", mails)
	}
	if res := f.browser().post("/signin", url.Values{"address": {"not an address"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a malformed address: %d", res.StatusCode)
	}
	for i := 2; i <= limitPerAddr; i++ {
		f.browser().post("/signin", url.Values{"address": {agent}})
	}
	res := f.browser().post("/signin", url.Values{"address": {agent}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("request %d for one address: %d", limitPerAddr+1, res.StatusCode)
	}
	if n := len(f.outgoing("signin_link")); n != limitPerAddr {
		t.Errorf("%d sign-in mails to one address, want %d", n, limitPerAddr)
	}
	// An unknown address is limited alike: the limit tells nothing.
	for i := 1; i < limitPerAddr; i++ {
		f.browser().post("/signin", url.Values{"address": {"mallory@evil.example"}})
	}
	if res := f.browser().post("/signin", url.Values{"address": {"mallory@evil.example"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("an unknown address over the limit: %d", res.StatusCode)
	}
	// One client asking for many addresses.
	got := 0
	for i := 0; i < limitPerClient; i++ {
		if f.browser().post("/signin", url.Values{"address": {"x" + itoa(i) + "@example.com"}}).StatusCode == http.StatusTooManyRequests {
			got++
		}
	}
	if got == 0 {
		t.Errorf("no per-client limit after %d requests", limitPerClient+2*limitPerAddr)
	}
	f.mu.Lock()
	f.now = f.now.Add(limitPeriod)
	f.mu.Unlock()
	if res := f.browser().post("/signin", url.Values{"address": {agent}}); res.StatusCode != http.StatusOK {
		t.Errorf("after the window: %d", res.StatusCode)
	}
}

func TestSession_CookieIsSecureBehindTLS(t *testing.T) {
	f := newFixture(t)
	s, err := New(Options{BaseURL: "https://desk.example.com", Now: time.Now}, f.desk)
	if err != nil {
		t.Fatal(err)
	}
	link, _ := f.desk.SignInLink(t.Context(), agent)
	req, _ := http.NewRequest("POST", strings.TrimPrefix(link, f.srv.URL), nil)
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	c := rec.Header().Get("Set-Cookie")
	if !strings.HasPrefix(c, "__Host-madoguchi=") || !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Path=/") {
		t.Errorf("Set-Cookie over HTTPS: %q", c)
	}
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security over HTTPS")
	}
}
