package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// refsIn lists the tickets a queue page shows, in order.
func refsIn(body string) string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr class="[^"]*" data-ref="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " ")
}

func TestQueue_FiltersSearchOrderAndCounts(t *testing.T) {
	f := newFixture(t)
	f.mail(rawMail("ann@customer.example", "URGENT: production mail server down for all users", "Nobody can send mail.", "Message-ID: <q1@c>")) // INC-1001 P1
	f.mail(rawMail("ben@customer.example", "Printer on 3F", "プリンターが印刷できません。トナーは交換済みです。", "Message-ID: <q2@c>"))                                 // INC-1002
	f.mail(rawMail("cy@customer.example", "New laptop request", "Please order a laptop for our new hire.", "Message-ID: <q3@c>"))               // REQ-1003
	b := f.signIn(agent)
	if _, err := f.desk.Act(context.Background(), "INC-1002", desk.Action{Actor: agent, Commands: []string{"take"}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.now = f.now.Add(time.Hour) // INC-1001's first response (P1: 30m) is overdue
	f.mu.Unlock()
	res := b.get("/")
	if got := refsIn(res.body); got != "INC-1001 INC-1002 REQ-1003" && !strings.HasPrefix(got, "INC-1001 ") {
		t.Errorf("default order %q: the overdue ticket first", got)
	}
	if !strings.Contains(res.body, `<tr class="overdue" data-ref="INC-1001"`) {
		t.Errorf("INC-1001 not marked overdue:\n%s", res.body)
	}
	for _, c := range []struct{ query, want string }{
		{"q=" + url.QueryEscape("トナー"), "INC-1002"},
		{"q=laptop", "REQ-1003"},
		{"q=印刷", "INC-1002"},
		{"type=service_request", "REQ-1003"},
		{"assignee=me", "INC-1002"},
		{"assignee=-&order=newest", "REQ-1003 INC-1001"},
		{"overdue=1", "INC-1001"},
		{"priority=P1", "INC-1001"},
		{"status=in_progress", "INC-1002"},
		{"order=oldest", "INC-1001 INC-1002 REQ-1003"},
	} {
		if got := refsIn(b.get("/?" + c.query).body); got != c.want {
			t.Errorf("/?%s shows %q, want %q", c.query, got, c.want)
		}
	}
	if res := b.get("/?status=open"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown status: %d", res.StatusCode)
	}
	if res := b.get("/?order=subject"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an order not offered: %d", res.StatusCode)
	}
	// The counts per status, and the live part the page polls.
	live := b.get("/queue/live?q=laptop", "HX-Request", "true")
	if live.StatusCode != http.StatusOK || strings.Contains(live.body, "<html") || refsIn(live.body) != "REQ-1003" ||
		!strings.Contains(live.body, `hx-get="/queue/live?q=laptop"`) {
		t.Errorf("live part: %d\n%s", live.StatusCode, live.body)
	}
	if !regexp.MustCompile(`data-status="in_progress"[^>]*>in progress <b>1</b>`).MatchString(res.body) {
		t.Errorf("no count of in_progress tickets:\n%s", res.body)
	}
	// A new ticket shows up in the live part without a reload.
	f.mail(rawMail("dee@customer.example", "VPN slow", "The VPN is slow today.", "Message-ID: <q4@c>"))
	if got := refsIn(b.get("/queue/live?order=newest").body); !strings.HasPrefix(got, "INC-1004 ") {
		t.Errorf("live part after a new mail: %q", got)
	}
}

func TestQueue_PagesInSQL(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < pageSize+3; i++ {
		f.mail(rawMail("c@customer.example", "Question "+itoa(i), "How do I do thing "+itoa(i)+"?", "Message-ID: <p"+itoa(i)+"@c>"))
	}
	b := f.signIn(agent)
	first := b.get("/?order=newest")
	if n := len(strings.Fields(refsIn(first.body))); n != pageSize || !strings.Contains(first.body, `rel="next"`) {
		t.Fatalf("first page: %d rows", n)
	}
	second := b.get("/?order=newest&page=2")
	if got := refsIn(second.body); got != "INC-1003 INC-1002 INC-1001" || !strings.Contains(second.body, "page 2 of 2") {
		t.Errorf("second page: %q", got)
	}
}

// Every action goes through the desk as the signed-in agent: the mail to
// the customer, the audit trail with the agent as actor.
func TestTicket_ActionsActAsTheSignedInAgent(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	b := f.signIn(agent)
	page := b.get("/tickets/" + oc.Ticket)
	for _, want := range []string{`id="action-reply"`, `action="/tickets/` + oc.Ticket + `/act/resolve"`, "It prints blank pages.", `data-mark="customer"`, `data-mark="tier_mail"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("ticket page lacks %s", want)
		}
	}
	res := b.post("/tickets/"+oc.Ticket+"/act/reply", url.Values{"text": {"Please power-cycle the printer."}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/tickets/"+oc.Ticket+"?done=reply") {
		t.Fatalf("reply: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	relays := f.outgoing("relay")
	if len(relays) != 1 || relays[0].To != "hanako@customer.example" || !strings.Contains(relays[0].Text, "Please power-cycle the printer.") {
		t.Fatalf("relayed mail: %+v", relays)
	}
	if tk := f.ticket(oc.Ticket); tk.Status != tickets.StatusInProgress || tk.FirstResponseAt.IsZero() {
		t.Errorf("after the reply: %s, first response %v", tk.Status, tk.FirstResponseAt)
	}
	for _, a := range []struct {
		name string
		form url.Values
	}{
		{"priority", url.Values{"priority": {"P2"}}},
		{"assign", url.Values{"to": {"bob@example.com"}}},
		{"note", url.Values{"text": {"toner ordered"}}},
		{"resolve", url.Values{"text": {"Fixed: a new drum."}}},
	} {
		if res := b.post("/tickets/"+oc.Ticket+"/act/"+a.name, a.form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", a.name, res.StatusCode, res.body)
		}
	}
	tk := f.ticket(oc.Ticket)
	if tk.Priority != "P2" || tk.Assignee != "bob@example.com" || tk.Status != tickets.StatusResolved {
		t.Errorf("ticket after the actions: %s %s %s", tk.Priority, tk.Assignee, tk.Status)
	}
	actors := map[string]string{}
	for _, e := range f.events(oc.Ticket) {
		actors[e.Kind] = e.Actor
	}
	for _, kind := range []string{"priority_changed", "assignee_changed", "status_changed", "first_response"} {
		if actors[kind] != agent {
			t.Errorf("%s audited as %q, want %s", kind, actors[kind], agent)
		}
	}
	if len(f.outgoing("resolution")) != 1 || len(f.outgoing("copy")) == 0 {
		t.Errorf("resolution mails %d, copies to the tier %d", len(f.outgoing("resolution")), len(f.outgoing("copy")))
	}
	// A refused action says why and changes nothing.
	if res := b.post("/tickets/"+oc.Ticket+"/act/answer", url.Values{"key": {"no-such-entry"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "no FAQ entry no-such-entry") {
		t.Errorf("answer with an unknown entry: %d\n%s", res.StatusCode, res.body)
	}
	// Promote the resolution to a draft FAQ entry.
	if res := b.post("/tickets/"+oc.Ticket+"/promote", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote: %d\n%s", res.StatusCode, res.body)
	}
	d, err := f.desk.FAQDetail(context.Background(), strings.ToLower(oc.Ticket))
	if err != nil || d.Status != tickets.FAQDraft || !strings.Contains(d.Answer, "a new drum") {
		t.Errorf("promoted entry %+v, %v", d, err)
	}
}

// A form value can carry no second command: "P1\n#close" is refused,
// not split into #priority P1 and #close.
func TestTicket_InjectedCommandsRefused(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "blank pages", "Message-ID: <h1@c>"))
	b := f.signIn(agent)
	for _, c := range []struct {
		action string
		form   url.Values
	}{
		{"priority", url.Values{"priority": {"P1\n#close"}}},
		{"assign", url.Values{"to": {"mallory@evil.example"}}},
		{"answer", url.Values{"key": {"vpn\n#close"}}},
		{"type", url.Values{"type": {"problem"}}},
		{"reply", url.Values{"text": {"  "}}},
		{"frobnicate", url.Values{}},
	} {
		res := b.post("/tickets/"+oc.Ticket+"/act/"+c.action, c.form)
		if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %v: %d", c.action, c.form, res.StatusCode)
		}
	}
	if tk := f.ticket(oc.Ticket); tk.Status == tickets.StatusClosed || tk.Priority == "P1" || tk.Assignee != "" {
		t.Errorf("ticket changed: %+v", tk)
	}
}

// A hostile mail (script in subject, name and HTML body, a javascript:
// link, an SVG attachment) is shown as text; nothing of it is markup.
func TestTicket_HostileMailIsText(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(hostileMail)
	b := f.signIn(agent)
	for _, path := range []string{"/tickets/" + oc.Ticket, "/?order=newest", "/queue/live"} {
		body := b.get(path).body
		for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`, "onerror=", "<svg"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s holds %q", path, bad)
			}
		}
	}
	page := b.get("/tickets/" + oc.Ticket).body
	if !strings.Contains(page, "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;") {
		t.Errorf("the subject is not shown escaped")
	}
	if !strings.Contains(page, `<a href="https://example.com/help" rel="noopener noreferrer nofollow" target="_blank">`) {
		t.Errorf("an https address did not become a link")
	}
	// The SVG is a download of its own type under a sandbox, even asked inline.
	for _, q := range []string{"", "?inline=1"} {
		res := b.get("/tickets/" + oc.Ticket + "/attachments/1" + q)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") ||
			res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("SVG%s: %d %v", q, res.StatusCode, res.Header)
		}
	}
	if strings.Contains(page, `<img src="/tickets/`+oc.Ticket+`/attachments/1`) {
		t.Error("the SVG is shown inline")
	}
	// A real PNG is shown inline; the same bytes named .png but declared
	// as HTML are not.
	png := b.get("/tickets/" + oc.Ticket + "/attachments/2?inline=1")
	if png.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("PNG inline: %v", png.Header)
	}
	if !strings.Contains(page, `<img src="/tickets/`+oc.Ticket+`/attachments/2?inline=1"`) {
		t.Error("the PNG is not shown in the page")
	}
	fake := b.get("/tickets/" + oc.Ticket + "/attachments/3?inline=1")
	if !strings.HasPrefix(fake.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("a PNG whose bytes are HTML: %v", fake.Header)
	}
	raw := b.get("/tickets/" + oc.Ticket + "/entries/1/raw")
	if raw.Header.Get("Content-Type") != "text/plain" || !strings.HasPrefix(raw.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(raw.body, "<script>alert('subject')</script>") {
		t.Errorf("raw mail: %v\n%s", raw.Header, raw.body)
	}
}

// hostileMail has script in the subject, the sender's name and the HTML
// body, a javascript: link, an SVG with script, a PNG and an HTML file
// posing as a PNG.
var hostileMail = "From: =?utf-8?q?<script>alert('name')</script>?= <evil@attacker.example>\r\n" +
	"To: support@example.com\r\nSubject: <script>alert('subject')</script>\r\nMessage-ID: <evil1@attacker.example>\r\n" +
	"Date: Tue, 1 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
	"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
	"<p>Hi <script>alert('body')</script><img src=x onerror=alert(1)> <a href=\"javascript:alert('link')\">click</a> javascript:alert(2) https://example.com/help</p>\r\n" +
	"--b\r\nContent-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=\"x.svg\"\r\n\r\n" +
	"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert('svg')</script></svg>\r\n" +
	"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"dot.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n" +
	"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"fake.png\"\r\n\r\n" +
	"<html><script>alert('fake')</script></html>\r\n" +
	"--b--\r\n"

func TestLanguage_AcceptLanguageThenTheReadersChoice(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	if res := b.get("/signin", "Accept-Language", "ja,en-US;q=0.8"); !strings.Contains(res.body, `<html lang="ja">`) || !strings.Contains(res.body, "サインイン") {
		t.Errorf("Japanese browser got:\n%s", res.body)
	}
	if res := b.get("/signin", "Accept-Language", "de-DE,en;q=0.5"); !strings.Contains(res.body, `<html lang="en">`) {
		t.Error("a German browser did not get English")
	}
	res := b.post("/lang", url.Values{"lang": {"ja"}, "back": {"/signin"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("switch: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := b.get("/signin", "Accept-Language", "en"); !strings.Contains(res.body, `<html lang="ja">`) {
		t.Error("the choice was not remembered over Accept-Language")
	}
	if res := b.post("/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}}); res.Header.Get("Location") != "/" {
		t.Errorf("switch back to another site: %s", res.Header.Get("Location"))
	}
}

func TestFAQ_CreateEditPublishRetireAndTest(t *testing.T) {
	f := newFixture(t)
	b := f.signIn(admin)
	res := b.post("/faq/new", url.Values{"key": {"vpn-home"}, "question": {"How do I connect to the office VPN from home?"},
		"answer": {"Install the VPN client from the portal."}, "tags": {"vpn, remote"}, "language": {"en"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/faq/entries/vpn-home?done=saved" {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if res := b.post("/faq/new", url.Values{"key": {"vpn-home"}, "question": {"q"}, "answer": {"a"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a second entry with the key: %d", res.StatusCode)
	}
	if res := b.post("/faq/entries/vpn-home/publish", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", res.StatusCode)
	}
	res = b.post("/faq/entries/vpn-home", url.Values{"question": {"How do I connect to the office VPN from home?"}, "answer": {"Install the VPN client from the portal and sign in."}, "tags": {"vpn"}, "language": {"en"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.StatusCode, res.body)
	}
	d, _ := f.desk.FAQDetail(context.Background(), "vpn-home")
	if d.Status != tickets.FAQPublished || !strings.HasSuffix(d.Answer, "and sign in.") || strings.Join(d.Tags, ",") != "vpn" {
		t.Errorf("entry after the edit: %+v", d.FAQ)
	}
	page := b.get("/faq/entries/vpn-home").body
	for _, want := range []string{"faq_created", "faq_status_changed", "faq_updated", admin, `id="faq-retire"`} {
		if !strings.Contains(page, want) {
			t.Errorf("entry page lacks %q", want)
		}
	}
	test := b.get("/faq/test?text=" + url.QueryEscape("How do I connect to the office VPN from home?"))
	if !strings.Contains(test.body, `id="decision"`) || !strings.Contains(test.body, "vpn-home") {
		t.Errorf("test box:\n%s", test.body)
	}
	list := b.get("/faq?q=vpn")
	if !strings.Contains(list.body, `data-key="vpn-home"`) {
		t.Errorf("FAQ list search:\n%s", list.body)
	}
	if res := b.post("/faq/entries/vpn-home/retire", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire: %d", res.StatusCode)
	}
	if d, _ := f.desk.FAQDetail(context.Background(), "vpn-home"); d.Status != tickets.FAQRetired {
		t.Errorf("after retiring: %s", d.Status)
	}
	if !strings.Contains(b.get("/faq/gaps").body, `id="gaps"`) {
		t.Error("no gaps page")
	}
}

// The reports page draws its charts from the same figures its CSV files
// carry, for any range.
func TestReports_PageAndCSV(t *testing.T) {
	f := newFixture(t)
	for i, s := range []string{"Printer jam", "VPN slow", "Printer jam"} {
		f.mu.Lock()
		f.now = f.now.Add(time.Duration(i) * 24 * time.Hour)
		f.mu.Unlock()
		f.mail(rawMail("c@customer.example", s, s, "Message-ID: <r"+itoa(i)+"@c>"))
	}
	b := f.signIn(admin)
	page := b.get("/reports?from=2026-11-30&to=2026-12-05")
	if page.StatusCode != http.StatusOK || strings.Count(page.body, "<canvas data-chart=") != 6 || !strings.Contains(page.body, "3 in all") {
		t.Fatalf("reports page: %d\n%s", page.StatusCode, page.body)
	}
	res := b.get("/reports/volume.csv?from=2026-11-30&to=2026-12-05")
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV headers %v", res.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 7 || rows[0][0] != "day" || rows[2][0] != "2026-12-01" || rows[2][1] != "1" || rows[5][1] != "1" {
		t.Errorf("volume CSV %v %v", rows, err)
	}
	subj := b.get("/reports/top-subjects.csv?from=2026-11-30&to=2026-12-05").body
	if !strings.Contains(subj, "Printer jam,2") {
		t.Errorf("top subjects CSV:\n%s", subj)
	}
	for _, bad := range []string{"/reports?from=2026-12-05&to=2026-11-30", "/reports?from=yesterday", "/reports?from=2020-01-01&to=2026-01-01"} {
		if res := b.get(bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
	if res := b.get("/reports/secrets.csv"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown CSV: %d", res.StatusCode)
	}
}

func TestCSVCell_NoFormulasFromMail(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1 555": "'+1 555", "@SUM(A1)": "'@SUM(A1)", "-3": "-3", "Printer": "Printer", "": ""} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	if res := f.browser().get("/healthz"); res.StatusCode != http.StatusOK || res.body != "ok\n" {
		t.Errorf("healthz: %d %q", res.StatusCode, res.body)
	}
}
