package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// The customers' pages over the real console: the status page a link in a
// real queued mail opens, the reply box, the rating page (a GET records
// nothing), and "my tickets" after signing in by a link.

var statusPathRE = regexp.MustCompile(`/status/[a-z2-7]+`)

// statusLink is the path of the status page in the last mail of kind on
// ticket ref.
func (f *fixture) statusLink(ref, kind string) string {
	f.t.Helper()
	var link string
	for _, o := range f.outgoing(kind) {
		if o.TicketRef == ref {
			link = statusPathRE.FindString(o.Text)
		}
	}
	if link == "" {
		f.t.Fatalf("no %s mail with a status link on %s", kind, ref)
	}
	return link
}

func (f *fixture) resolve(ref string) {
	f.t.Helper()
	if _, err := f.desk.Act(f.t.Context(), ref, desk.Action{Actor: agent, Commands: []string{"resolve"}, Text: "Replaced the toner."}); err != nil {
		f.t.Fatal(err)
	}
}

// rateBy rates ref as its customer does: the rating link of the
// resolution mail, then the page's button.
func (f *fixture) rateBy(ref, rating, comment string) response {
	f.t.Helper()
	link := f.statusLink(ref, "resolution")
	b := f.browser()
	if res := b.get(link + "/rate/" + rating); res.StatusCode != http.StatusOK {
		f.t.Fatalf("rating page of %s: %d", ref, res.StatusCode)
	}
	res := b.post(link+"/rate", url.Values{"rating": {rating}, "comment": {comment}})
	if res.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("rating %s: %d\n%s", ref, res.StatusCode, res.body)
	}
	return res
}

// The link in a real mail opens its ticket's page: how it stands, when
// the customer hears next, the thread as they saw it; no other ticket's,
// and a changed link nothing, with a page that says so.
func TestStatusPage_OpensItsTicketFromTheMailAndNoOther(t *testing.T) {
	f := newFixture(t)
	a := f.mail(rawMail("=?utf-8?b?5bGx55Sw?= <yamada@customer.example>", "プリンターが印刷できません", "3階のプリンターで印刷できません。", "Message-ID: <y1@c>")).Ticket
	b := f.mail(rawMail("Ken <ken@other.example>", "VPN drops", "The VPN drops every hour.", "Message-ID: <k1@c>")).Ticket
	if _, err := f.desk.Act(t.Context(), a, desk.Action{Actor: agent, Commands: []string{"note"}, Text: "SECRET-NOTE"}); err != nil {
		t.Fatal(err)
	}
	linkA, linkB := f.statusLink(a, "ack"), f.statusLink(b, "ack")
	anon := f.browser()
	res := anon.get(linkA)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the status page: %d\n%s", res.StatusCode, res.body)
	}
	securityHeaders(t, "status page", res)
	if res.Header.Get("X-Robots-Tag") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("status page headers: robots %q, cache %q", res.Header.Get("X-Robots-Tag"), res.Header.Get("Cache-Control"))
	}
	// A Japanese customer reads it in Japanese: the ticket's language.
	for _, want := range []string{a, "プリンターが印刷できません", tr("ja", "cstatus.escalated"), "回答予定", "3階のプリンターで印刷できません。", `id="reply-form"`, `lang="ja"`,
		"受付番号：" + a} {
		if !strings.Contains(res.body, want) {
			t.Errorf("A's page lacks %q", want)
		}
	}
	// The page's own token is in its forms; the mail it shows has no link.
	for _, bad := range []string{b, "SECRET-NOTE", "VPN drops", "/tickets/", "/status/…", "次のページから"} {
		if strings.Contains(res.body, bad) {
			t.Errorf("A's page shows %q", bad)
		}
	}
	if res := anon.get(linkB); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "VPN drops") || strings.Contains(res.body, "プリンター") {
		t.Errorf("B's page: %d", res.StatusCode)
	}
	// Changed links open nothing, and say so.
	tok := linkA[len("/status/"):]
	for _, bad := range []string{"/status/" + tok[:10] + map[bool]string{true: "b", false: "a"}[tok[10] == 'a'] + tok[11:], "/status/" + tok[:len(tok)-3],
		"/status/" + strings.ToUpper(tok) + "x", "/status/" + linkB[len("/status/"):len("/status/")+2] + tok[2:]} {
		res := anon.get(bad)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, tr("ja", "link.status_invalid")) && !strings.Contains(res.body, tr("en", "link.status_invalid")) {
			t.Errorf("GET %s: %d, want the invalid link's page", bad, res.StatusCode)
		}
		if res := anon.post(bad+"/reply", url.Values{"text": {"hello"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s/reply: %d", bad, res.StatusCode)
		}
	}
	// The page reads the same to a signed-in agent: it is the customer's.
	ag := f.signIn(agent)
	if res := ag.get(linkA); res.StatusCode != http.StatusOK || strings.Contains(res.body, "SECRET-NOTE") {
		t.Errorf("the page to an agent: %d", res.StatusCode)
	}
	// The console shows the acknowledgement with the link's token taken
	// out, as text: it would lead nowhere.
	if page := ag.get("/tickets/" + a).body; !strings.Contains(page, "/status/…") || strings.Contains(page, linkA) || strings.Contains(page, `href="`+f.srv.URL+`/status/`) {
		t.Error("the ticket page shows the customer's link, or links its masked form")
	}
}

// A message typed in the box takes the path of a reply by mail (a
// resolved request reopens, the tier hears of it); another site cannot
// post it; a closed request takes none; past its expiry the link opens
// nothing, with a page that says the request closed long ago.
func TestStatusPage_ReplyAndTheExpiryOfAClosedTicketsLink(t *testing.T) {
	f := newFixture(t)
	ref := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>")).Ticket
	link := f.statusLink(ref, "ack")
	f.resolve(ref)
	b := f.browser()
	if res := b.post(link+"/reply", url.Values{"text": {"still broken"}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site reply: %d", res.StatusCode)
	}
	if got := f.ticket(ref).Status; got != tickets.StatusResolved {
		t.Fatalf("a refused reply changed the ticket: %s", got)
	}
	res := b.post(link+"/reply", url.Values{"text": {"It still prints blank pages."}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != link+"?sent=1#thread" {
		t.Fatalf("reply: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if got := f.ticket(ref).Status; got != tickets.StatusEscalated {
		t.Fatalf("after the reply: %s, want reopened (escalated)", got)
	}
	if len(f.outgoing("notice")) != 2 || len(f.outgoing("reopened")) != 1 {
		t.Fatalf("notices %d, reopened %d", len(f.outgoing("notice")), len(f.outgoing("reopened")))
	}
	page := b.get(link + "?sent=1")
	if !strings.Contains(page.body, "It still prints blank pages.") || !strings.Contains(page.body, tr("en", "spage.sent")) {
		t.Errorf("the page after the reply:\n%s", page.body)
	}
	if res := b.post(link+"/reply", url.Values{"text": {"  "}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, tr("en", "spage.empty")) {
		t.Errorf("an empty reply: %d", res.StatusCode)
	}
	// Closed: no box, no reply; past close_after + 30 days, no page.
	if _, err := f.desk.Act(t.Context(), ref, desk.Action{Actor: agent, Commands: []string{"close"}}); err != nil {
		t.Fatal(err)
	}
	if page := b.get(link); page.StatusCode != http.StatusOK || strings.Contains(page.body, `id="reply-form"`) || !strings.Contains(page.body, `id="closed-note"`) {
		t.Errorf("the closed ticket's page: %d", page.StatusCode)
	}
	if res := b.post(link+"/reply", url.Values{"text": {"Hello?"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a reply to a closed ticket: %d", res.StatusCode)
	}
	f.mu.Lock()
	f.now = f.now.Add(7*24*time.Hour + desk.StatusLinkGrace) // desk.close_after's default, then the 30 days
	f.mu.Unlock()
	res = b.get(link)
	if res.StatusCode != http.StatusGone || !strings.Contains(res.body, tr("en", "link.status_expired")) || strings.Contains(res.body, "Printer on 3F") {
		t.Fatalf("the expired link: %d\n%s", res.StatusCode, res.body)
	}
	securityHeaders(t, "expired link", res)
}

// A rating link's GET (a mail scanner's, a browser's) shows the page and
// records nothing, however often; the page's button records the rating
// once; the bad rating reaches the tier; the page shows it.
func TestRatingLink_AGetRecordsNothingAndThePostRecordsOnce(t *testing.T) {
	f := newFixture(t)
	ref := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>")).Ticket
	f.resolve(ref)
	link := f.statusLink(ref, "resolution")
	scanner := f.browser()
	events := len(f.events(ref))
	for _, method := range []string{"GET", "HEAD", "GET"} {
		req, _ := http.NewRequest(method, f.srv.URL+link+"/rate/bad", nil)
		if res := scanner.do(req); res.StatusCode != http.StatusOK {
			t.Fatalf("%s of the rating link: %d", method, res.StatusCode)
		}
	}
	page := scanner.get(link + "/rate/bad")
	if !strings.Contains(page.body, `id="rate-form"`) || !regexp.MustCompile(`value="bad" id="rating-bad"\s+checked`).MatchString(page.body) {
		t.Fatalf("the rating page:\n%s", page.body)
	}
	if n := len(f.events(ref)); n != events || countEvents(f, ref, "rated") != 0 || len(f.outgoing("rating_bad")) != 0 {
		t.Fatalf("the GETs recorded something: %d events (was %d)", n, events)
	}
	b := f.browser()
	for range 2 {
		res := b.post(link+"/rate", url.Values{"rating": {"bad"}, "comment": {"Nobody called back."}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), link+"?rated=") {
			t.Fatalf("rating: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	}
	if n := countEvents(f, ref, "rated"); n != 1 {
		t.Fatalf("%d ratings recorded, want 1", n)
	}
	tier := f.outgoing("rating_bad")
	if len(tier) != 2 || !strings.Contains(tier[0].Text, "Nobody called back.") {
		t.Fatalf("rating_bad mails %d", len(tier))
	}
	to := map[string]bool{}
	for _, m := range tier {
		to[m.To] = true
	}
	if !to["l1@example.com"] || !to[admin] {
		t.Fatalf("rating_bad to %v, want L1 and the admin", to)
	}
	if page := b.get(link); !strings.Contains(page.body, `id="current-rating" data-rating="bad"`) || !strings.Contains(page.body, "Nobody called back.") {
		t.Errorf("the page does not show the rating")
	}
	if page := f.signIn(agent).get("/tickets/" + ref); !strings.Contains(page.body, `id="ticket-rating"`) || !strings.Contains(page.body, "Nobody called back.") {
		t.Errorf("the ticket page does not show the rating")
	}
	if res := b.post(link+"/rate", url.Values{"rating": {"meh"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("a rating that is neither: %d", res.StatusCode)
	}
	if res := b.get(link + "/rate/meh"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET a rating that is neither: %d", res.StatusCode)
	}
}

// A requester signs in by a mailed link — its GET only shows a button
// (a scanner's GET does not spend it) — and sees their own requests and
// nobody else's; the desk's pages are not theirs.
func TestMyTickets_ACustomerSignsInByLinkAndSeesTheirOwn(t *testing.T) {
	f := newFixture(t)
	own := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>", "Cc: taro@customer.example")).Ticket
	other := f.mail(rawMail("Ken <ken@other.example>", "VPN drops", "It drops.", "Message-ID: <k1@c>")).Ticket
	f.browser().post("/signin", url.Values{"address": {"Hanako@customer.example"}})
	mails := f.outgoing("signin_link")
	if len(mails) != 1 || mails[0].To != "hanako@customer.example" {
		t.Fatalf("sign-in mails %+v", mails)
	}
	link := regexp.MustCompile(`/signin/[A-Za-z0-9_-]{43}`).FindString(mails[0].Text)
	b := f.browser()
	for range 2 {
		res := b.get(link)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `id="signin-confirm"`) || len(res.Cookies()) != 0 {
			t.Fatalf("GET of the customer's link: %d\n%s", res.StatusCode, res.body)
		}
	}
	if res := b.post(link, nil, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site press of the button: %d", res.StatusCode)
	}
	res := b.post(link, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/my" {
		t.Fatalf("the button: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	my := b.get("/my")
	if my.StatusCode != http.StatusOK || !strings.Contains(my.body, `data-ref="`+own+`"`) || strings.Contains(my.body, other) || strings.Contains(my.body, "VPN") {
		t.Fatalf("my tickets: %d\n%s", my.StatusCode, my.body)
	}
	if p := statusPathRE.FindString(my.body); p == "" || !strings.Contains(b.get(p).body, "Printer on 3F") {
		t.Errorf("my tickets' link does not open the request")
	}
	if res := b.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/my" {
		t.Errorf("a customer's GET /: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/tickets/" + own, "/queue/live", "/reports", "/faq", "/settings", "/tickets/" + own + "/attachments/1"} {
		if res := b.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("a customer's GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	if res := b.post("/tickets/"+own+"/act/note", url.Values{"text": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a customer's POST of an action: %d", res.StatusCode)
	}
	if res := b.post(link, nil); res.StatusCode != http.StatusGone {
		t.Errorf("the used link again: %d", res.StatusCode)
	}
	// A participant has no requests of their own to sign in to.
	f.browser().post("/signin", url.Values{"address": {"taro@customer.example"}})
	if n := len(f.outgoing("signin_link")); n != 1 {
		t.Errorf("%d sign-in mails after a participant asked, want 1", n)
	}
}
