package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

const viewer = "audit@example.org"

func withViewer(o *desk.Options) { o.Viewers = []string{viewer, "@corp.example"} }

// A viewer reads the queue, every ticket and the reports, and cannot act:
// every action URL of the console answers 403 with the page saying why
// and changes nothing; the ticket page has no actions, no raw mail and no
// internal note; each view of a ticket is on its audit trail.
func TestViewer_ReadsTheDeskAndCannotAct(t *testing.T) {
	f := newFixtureWith(t, fixtureConfig{opts: withViewer})
	oc := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	ref := oc.Ticket
	if _, err := f.desk.Act(t.Context(), ref, desk.Action{Actor: agent, Commands: []string{"note"}, Text: "SECRET-NOTE: lease ends in March"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Act(t.Context(), ref, desk.Action{Actor: agent, Text: "Please print a test page."}); err != nil {
		t.Fatal(err)
	}
	b := f.signIn(viewer)
	if f.desk.RoleOf("ken@corp.example") != desk.RoleViewer {
		t.Fatal("a domain's address is no viewer")
	}
	for _, path := range []string{"/", "/queue/live", "/tickets/" + ref, "/tickets/" + ref + "/attachments/1", "/reports",
		"/reports/volume.csv", "/reports/satisfaction.csv", "/account", "/?rating=bad"} {
		res := b.get(path)
		if res.StatusCode != http.StatusOK && !(strings.Contains(path, "attachments") && res.StatusCode == http.StatusNotFound) {
			t.Errorf("viewer GET %s: %d", path, res.StatusCode)
		}
	}
	page := b.get("/tickets/" + ref)
	for _, bad := range []string{`id="actions"`, "/act/", "/promote", "/raw", "SECRET-NOTE", "lease ends"} {
		if strings.Contains(page.body, bad) {
			t.Errorf("the viewer's ticket page holds %q", bad)
		}
	}
	for _, want := range []string{`id="read-only"`, "Please print a test page.", "It prints blank pages."} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the viewer's ticket page lacks %q", want)
		}
	}
	if home := b.get("/"); !strings.Contains(home.body, `href="/reports"`) || strings.Contains(home.body, `href="/faq"`) || strings.Contains(home.body, `href="/settings"`) {
		t.Error("the viewer's navigation: reports only, no FAQ, no settings")
	}

	before, status := len(f.events(ref)), f.ticket(ref).Status
	views := countEvents(f, ref, "ticket_viewed")
	form := url.Values{"text": {"x"}, "to": {agent}, "priority": {"P2"}, "type": {"incident"}, "key": {"vpn"}, "question": {"q"}, "answer": {"a"}}
	var posts []string
	for _, a := range actions {
		posts = append(posts, "/tickets/"+ref+"/act/"+a.Name)
	}
	posts = append(posts, "/tickets/"+ref+"/promote", "/faq/new", "/faq/entries/vpn", "/faq/entries/vpn/publish", "/faq/entries/vpn/retire")
	for _, path := range posts {
		res := b.post(path, form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, tr("en", "error.forbidden")) {
			t.Errorf("viewer POST %s: %d, want a 403 page", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/tickets/" + ref + "/entries/1/raw", "/tickets/" + ref + "/mails/1/raw", "/faq", "/faq/new", "/faq/gaps",
		"/faq/test?text=x", "/faq/entries/vpn", "/settings"} {
		if res := b.get(path); res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "<h1>") {
			t.Errorf("viewer GET %s: %d, want a 403 page", path, res.StatusCode)
		}
	}
	if res := b.post("/tickets/"+ref+"/act/note", form); !strings.Contains(res.body, tr("en", "error.read_only")) {
		t.Errorf("the refusal does not say why:\n%s", res.body)
	}
	if got := f.ticket(ref).Status; got != status || len(f.events(ref))-countEvents(f, ref, "ticket_viewed") != before-views {
		t.Fatalf("the viewer's requests changed the ticket: %s, %d events", got, len(f.events(ref)))
	}
	// Every view of the ticket page is audited: the three above.
	if n := countEvents(f, ref, "ticket_viewed"); n != views || views < 2 {
		t.Fatalf("%d views audited, want the %d GETs of the page", n, views)
	}
	b.get("/tickets/" + ref)
	if n := countEvents(f, ref, "ticket_viewed"); n != views+1 {
		t.Fatalf("one more view: %d audited, want %d", n, views+1)
	}
	// An agent still acts, and is not audited for reading.
	a := f.signIn(agent)
	a.get("/tickets/" + ref)
	if res := a.post("/tickets/"+ref+"/act/note", url.Values{"text": {"checked"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the agent's note: %d", res.StatusCode)
	}
	if n := countEvents(f, ref, "ticket_viewed"); n != views+1 {
		t.Errorf("an agent's read was audited as a viewer's: %d", n)
	}
	if res := a.get("/reports"); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent GET /reports: %d, want 403 still", res.StatusCode)
	}
}

// The queue filters by the customer's rating and marks the rated tickets.
func TestQueue_FiltersByRating(t *testing.T) {
	f := newFixtureWith(t, fixtureConfig{opts: withViewer})
	good := f.mail(rawMail("a@customer.example", "Printer", "Blank pages.", "Message-ID: <g1@c>")).Ticket
	bad := f.mail(rawMail("b@customer.example", "VPN", "It drops.", "Message-ID: <b1@c>")).Ticket
	none := f.mail(rawMail("c@customer.example", "Mail", "Slow.", "Message-ID: <n1@c>")).Ticket
	for ref, rating := range map[string]string{good: tickets.RatingGood, bad: tickets.RatingBad} {
		f.resolve(ref)
		f.rateBy(ref, rating, "")
	}
	b := f.signIn(viewer)
	for q, want := range map[string][]string{"good": {good}, "bad": {bad}, "none": {none}, "any": {good, bad}} {
		body := b.get("/?rating=" + q).body
		for _, ref := range []string{good, bad, none} {
			in := strings.Contains(body, `data-ref="`+ref+`"`)
			if in != contains(want, ref) {
				t.Errorf("rating=%s: %s shown %v", q, ref, in)
			}
		}
	}
	if res := b.get("/?rating=meh"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("rating=meh: %d", res.StatusCode)
	}
	if body := b.get("/").body; !strings.Contains(body, `data-rating="bad"`) {
		t.Error("the queue does not mark the bad rating")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
