package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// apiClient calls the API with one bearer token, as a script would.
type apiClient struct {
	f     *fixture
	token string
}

// client makes a token of scope named name (as `web token create` does)
// and a client that uses it.
func (f *fixture) client(name string, scope desk.Scope) *apiClient {
	f.t.Helper()
	secret, _, err := f.desk.CreateToken(context.Background(), name, scope, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return &apiClient{f: f, token: secret}
}

type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

// call sends method path with body (nil: none; a string: as it is; else
// its JSON) and headers in pairs.
func (c *apiClient) call(method, path string, body any, headers ...string) apiResponse {
	c.f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.f.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, c.f.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return apiResponse{status: res.StatusCode, header: res.Header, body: data}
}

func (c *apiClient) get(path string) apiResponse { c.f.t.Helper(); return c.call("GET", path, nil) }

func (c *apiClient) post(path string, body any) apiResponse {
	c.f.t.Helper()
	return c.call("POST", path, body)
}

// decode decodes the answer's JSON into v, failing the test on a status
// other than want.
func (r apiResponse) decode(t *testing.T, want int, v any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, r.body)
	}
}

// code is the error code of an error answer ("" for anything else).
func (r apiResponse) code() string {
	var e apiError
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// refuses checks that an answer is the error status/code.
func (r apiResponse) refuses(t *testing.T, what string, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("%s: %d %s, want %d with code %s", what, r.status, r.body, status, code)
	}
}

// sampleBody is a body each action takes, for a ticket of the fixture.
func sampleBody(action string) map[string]any {
	switch action {
	case "reply", "note":
		return map[string]any{"text": "We are looking into it."}
	case "assign":
		return map[string]any{"to": "bob@example.com"}
	case "priority":
		return map[string]any{"priority": "P2"}
	case "type":
		return map[string]any{"type": "request"}
	case "answer":
		return map[string]any{"key": "printer-toner"}
	case "cc", "uncc":
		return map[string]any{"address": "mika@customer.example"}
	case "merge":
		return map[string]any{"into": "INC-1001"}
	case "link":
		return map[string]any{"other": "INC-1001"}
	}
	return map[string]any{}
}

func (f *fixture) eventCount(ref string) int { return len(f.events(ref)) }

// A read token reads, and every write route refuses it (403
// insufficient_scope) and changes nothing; a write token reads too.
// Tokens of scope alerts or metrics read nothing.
func TestAPI_ReadTokenIsRefusedEveryWrite(t *testing.T) {
	f := newFixture(t)
	f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	oc := f.mail(rawMail("Ken <ken@customer.example>", "Printer again", "Still blank pages.", "Message-ID: <h2@c>"))
	if _, err := f.desk.PutFAQs(context.Background(), []tickets.FAQ{{Key: "printer-toner", Question: "How do I replace the toner?",
		Answer: "Open the front cover and swap the cartridge.", Language: "en", Status: tickets.FAQDraft}}, "admin"); err != nil {
		t.Fatal(err)
	}
	reader := f.client("grafana", desk.ScopeRead)
	before := f.eventCount(oc.Ticket)
	writes := 0
	for _, rt := range f.web.apiRoutes() {
		path := strings.NewReplacer("{ref}", oc.Ticket, "{key}", "printer-toner").Replace(rt.Path)
		var body any
		if rt.Method == "POST" {
			body = sampleBody(path[strings.LastIndex(path, "/")+1:])
		}
		res := reader.call(rt.Method, path, body)
		if rt.Scope == desk.ScopeWrite {
			writes++
			res.refuses(t, "read token: "+rt.Method+" "+rt.Path, http.StatusForbidden, codeInsufficientScope)
			if h := res.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, `scope="write"`) {
				t.Errorf("%s: WWW-Authenticate %q", rt.Path, h)
			}
			continue
		}
		if res.status != http.StatusOK {
			t.Errorf("read token: %s %s: %d %s", rt.Method, path, res.status, res.body)
		}
	}
	if writes != len(apiActions)+3 {
		t.Errorf("%d write routes tried, want every action and the FAQ's three", writes)
	}
	if n := f.eventCount(oc.Ticket); n != before {
		t.Errorf("refused writes left %d events on %s, had %d", n, oc.Ticket, before)
	}
	if e, err := f.desk.FAQDetail(context.Background(), "printer-toner"); err != nil || e.Status != tickets.FAQDraft || len(e.Events) != 1 {
		t.Errorf("refused writes changed the FAQ entry: %+v %v", e, err)
	}
	writer := f.client("deploy", desk.ScopeWrite)
	if res := writer.get("/api/v1/tickets/" + oc.Ticket); res.status != http.StatusOK {
		t.Errorf("write token reading: %d %s", res.status, res.body)
	}
	for _, scope := range []desk.Scope{desk.ScopeAlerts, desk.ScopeMetrics} {
		c := f.client("only-"+string(scope), scope)
		c.get("/api/v1/tickets").refuses(t, string(scope)+" token listing tickets", http.StatusForbidden, codeInsufficientScope)
	}
}

// Without a valid bearer token nothing is served: no token, another
// scheme, a made-up or revoked token, or a signed-in console session.
func TestAPI_WithoutAValidTokenNothingIsServed(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	path := "/api/v1/tickets/" + oc.Ticket
	anon := &apiClient{f: f}
	res := anon.get(path)
	res.refuses(t, "no token", http.StatusUnauthorized, codeUnauthorized)
	if h := res.header.Get("WWW-Authenticate"); h != `Bearer realm="madoguchi"` {
		t.Errorf("WWW-Authenticate %q", h)
	}
	anon.call("GET", path, nil, "Authorization", "Basic YWRtaW46YWRtaW4=").refuses(t, "basic auth", http.StatusUnauthorized, codeUnauthorized)
	c := f.client("ci", desk.ScopeWrite)
	(&apiClient{f: f, token: c.token + "x"}).get(path).refuses(t, "a mistyped token", http.StatusUnauthorized, codeInvalidToken)
	(&apiClient{f: f, token: "mdg_0123456789abcdef_nope"}).get(path).refuses(t, "a made-up token", http.StatusUnauthorized, codeInvalidToken)
	if res := c.get(path); res.status != http.StatusOK {
		t.Fatalf("the token: %d %s", res.status, res.body)
	}
	if err := f.desk.RevokeToken(context.Background(), "ci", "test"); err != nil {
		t.Fatal(err)
	}
	c.get(path).refuses(t, "a revoked token", http.StatusUnauthorized, codeInvalidToken)
	c.post(path+"/resolve", map[string]any{}).refuses(t, "a revoked token resolving", http.StatusUnauthorized, codeInvalidToken)
	// A signed-in admin's browser session grants nothing here.
	b := f.signIn(admin)
	if res := b.get(path); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.body, codeUnauthorized) {
		t.Errorf("a console session reading the API: %d %s", res.StatusCode, res.body)
	}
	if res := b.post(path+"/resolve", url.Values{}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a console session resolving through the API: %d %s", res.StatusCode, res.body)
	}
	if s := f.ticket(oc.Ticket).Status; s == tickets.StatusResolved {
		t.Error("the ticket was resolved without a token")
	}
}

// A client that keeps calling with tokens that are not valid is refused
// for the rest of the period (429 with Retry-After), before its tokens
// are looked up: its good token too, until the period ends.
func TestAPI_ManyBadTokensFromOneClientAreStoppedForAWhile(t *testing.T) {
	f := newFixture(t)
	good := f.client("ci", desk.ScopeRead)
	bad := &apiClient{f: f, token: good.token + "x"}
	for i := 1; i <= limitBadTokens; i++ {
		bad.get("/api/v1/tickets").refuses(t, fmt.Sprintf("bad token %d", i), http.StatusUnauthorized, codeInvalidToken)
	}
	res := bad.get("/api/v1/tickets")
	res.refuses(t, "one bad token too many", http.StatusTooManyRequests, codeTooMany)
	if res.header.Get("Retry-After") == "" {
		t.Error("a 429 without Retry-After")
	}
	good.get("/api/v1/tickets").refuses(t, "the good token from the stopped client", http.StatusTooManyRequests, codeTooMany)
	f.mu.Lock()
	f.now = f.now.Add(limitPeriod)
	f.mu.Unlock()
	if res := good.get("/api/v1/tickets"); res.status != http.StatusOK {
		t.Errorf("the good token after the period: %d %s", res.status, res.body)
	}
}

// The list takes the filters of `tickets list` and lists what the
// desk's queue does; one ticket reads whole; resolving goes through the
// desk under the token's name and mails the customer.
func TestAPI_ListShowAndResolveAuditedUnderTheTokensName(t *testing.T) {
	f := newFixture(t)
	a := f.mail(rawMail("Hanako <hanako@customer.example>", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	f.mail(rawMail("dave@customer.example", "I need a new laptop", "Please order a new laptop for me.", "Message-ID: <h2@c>"))
	f.mail(rawMail("bob@customer.example", "URGENT: the whole office is down, nobody can work", "Nothing works.", "Message-ID: <h3@c>"))
	c := f.client("ci-bot", desk.ScopeWrite)
	for _, q := range []struct {
		query  string
		filter desk.QueueFilter
	}{
		{"", desk.QueueFilter{Tier: -1, Order: "newest"}},
		{"status=open&order=oldest", desk.QueueFilter{Tier: -1, Status: tickets.StatusOpen, Order: "oldest"}},
		{"type=service_request", desk.QueueFilter{Tier: -1, Type: tickets.ServiceRequest, Order: "newest"}},
		{"priority=p3", desk.QueueFilter{Tier: -1, Priority: "P3", Order: "newest"}},
		{"tier=l1&order=due", desk.QueueFilter{Tier: 0, Order: "due"}},
		{"search=printer", desk.QueueFilter{Tier: -1, Search: "printer", Order: "newest"}},
		{"assignee=-&overdue=false&auto=false", desk.QueueFilter{Tier: -1, Assignee: "-", Order: "newest"}},
		{"limit=1&offset=1", desk.QueueFilter{Tier: -1, Order: "newest", Limit: 1, Offset: 1}},
	} {
		var got ticketList
		c.get("/api/v1/tickets?"+q.query).decode(t, http.StatusOK, &got)
		want, err := f.desk.Queue(context.Background(), q.filter)
		if err != nil {
			t.Fatal(err)
		}
		var gotRefs, wantRefs []string
		for _, it := range got.Tickets {
			gotRefs = append(gotRefs, it.Ref)
		}
		for _, it := range want.Items {
			wantRefs = append(wantRefs, it.Ref)
		}
		if !slices.Equal(gotRefs, wantRefs) || got.Total != want.Total {
			t.Errorf("?%s: %v (total %d), want %v (total %d)", q.query, gotRefs, got.Total, wantRefs, want.Total)
		}
	}
	for _, name := range []string{a.Ticket, strings.ToLower(a.Ticket), strings.TrimPrefix(a.Ticket, "INC-")} {
		var d map[string]any
		c.get("/api/v1/tickets/"+name).decode(t, http.StatusOK, &d)
		if d["ref"] != a.Ticket || d["subject"] != "Printer on 3F" || len(d["entries"].([]any)) == 0 || len(d["events"].([]any)) == 0 {
			t.Errorf("ticket %s: %v", name, d)
		}
	}
	var oc outcome
	c.post("/api/v1/tickets/"+a.Ticket+"/resolve", map[string]any{"text": "We replaced the toner."}).decode(t, http.StatusOK, &oc)
	if oc.Ticket != a.Ticket || oc.Status != string(tickets.StatusResolved) || !slices.Contains(oc.Sent, "resolution") {
		t.Errorf("outcome %+v", oc)
	}
	found := false
	for _, e := range f.events(a.Ticket) {
		found = found || e.Kind == "status_changed" && e.Actor == "ci-bot" && strings.Contains(string(e.Detail), `"resolved"`)
	}
	if !found {
		t.Errorf("the resolution is not audited under ci-bot: %+v", f.events(a.Ticket))
	}
	mails := f.outgoing("resolution")
	if len(mails) != 1 || mails[0].To != "hanako@customer.example" || !strings.Contains(mails[0].Text, "We replaced the toner.") {
		t.Errorf("resolution mail %+v", mails)
	}
}

// Every action is the desk's command of its name: what it does shows on
// the ticket, audited under the token's name.
func TestAPI_EveryActionGoesThroughTheDesk(t *testing.T) {
	f := newFixture(t)
	if _, err := f.desk.PutFAQs(context.Background(), []tickets.FAQ{{Key: "printer-toner", Question: "How do I replace the toner?",
		Answer: "Open the front cover and swap the cartridge.", Language: "en", Status: tickets.FAQPublished}}, "admin"); err != nil {
		t.Fatal(err)
	}
	survivor := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <s1@c>"))
	if survivor.Ticket != "INC-1001" {
		t.Fatalf("first ticket %s", survivor.Ticket)
	}
	c := f.client("ci-bot", desk.ScopeWrite)
	for _, step := range []struct {
		action string
		check  func(t *testing.T, tk *tickets.Ticket, evs []tickets.Event) bool
	}{
		{"note", func(_ *testing.T, _ *tickets.Ticket, evs []tickets.Event) bool {
			return hasEvent(evs, "entry_added", "ci-bot")
		}},
		{"reply", func(*testing.T, *tickets.Ticket, []tickets.Event) bool { return len(f.outgoing("relay")) > 0 }},
		{"assign", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool {
			return tk.Assignee == "bob@example.com"
		}},
		{"priority", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool { return tk.Priority == "P2" }},
		{"type", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool {
			return tk.Type == tickets.ServiceRequest
		}},
		{"cc", func(_ *testing.T, tk *tickets.Ticket, evs []tickets.Event) bool {
			return hasEvent(evs, "participant_added", "ci-bot")
		}},
		{"uncc", func(_ *testing.T, tk *tickets.Ticket, evs []tickets.Event) bool {
			return hasEvent(evs, "participant_dropped", "ci-bot")
		}},
		{"hold", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool {
			return tk.Status == tickets.StatusOnHold
		}},
		{"escalate", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool { return tk.Tier == 1 }},
		{"link", func(_ *testing.T, tk *tickets.Ticket, evs []tickets.Event) bool {
			return hasEvent(evs, "ticket_linked", "ci-bot")
		}},
		{"answer", func(*testing.T, *tickets.Ticket, []tickets.Event) bool { return len(f.outgoing("relay")) > 1 }},
		{"resolve", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool {
			return tk.Status == tickets.StatusResolved
		}},
		{"close", func(_ *testing.T, tk *tickets.Ticket, _ []tickets.Event) bool {
			return tk.Status == tickets.StatusClosed
		}},
	} {
		ref := f.mail(rawMail("ken@customer.example", "Scanner "+step.action, "The scanner does not send mail.", "Message-ID: <"+step.action+"@c>")).Ticket
		if step.action == "uncc" {
			c.post("/api/v1/tickets/"+ref+"/cc", sampleBody("cc")).decode(t, http.StatusOK, &outcome{})
		}
		var oc outcome
		c.post("/api/v1/tickets/"+ref+"/"+step.action, sampleBody(step.action)).decode(t, http.StatusOK, &oc)
		if tk := f.ticket(ref); !step.check(t, tk, f.events(ref)) {
			t.Errorf("%s: ticket %+v, outcome %+v, events %+v", step.action, tk, oc, f.events(ref))
		}
	}
	// merge folds a ticket into the survivor; major declares one.
	merged := f.mail(rawMail("ken@customer.example", "Printer 3F blank", "Blank pages again.", "Message-ID: <m1@c>")).Ticket
	var oc outcome
	c.post("/api/v1/tickets/"+merged+"/merge", map[string]any{"into": survivor.Ticket, "text": "The same fault."}).decode(t, http.StatusOK, &oc)
	if tk := f.ticket(merged); tk.Status != tickets.StatusClosed || tk.MergedInto != survivor.Ticket {
		t.Errorf("merge: %+v", tk)
	}
	c.post("/api/v1/tickets/"+survivor.Ticket+"/major", nil).decode(t, http.StatusOK, &oc)
	c.post("/api/v1/tickets/"+survivor.Ticket+"/major", map[string]any{"off": true}).decode(t, http.StatusOK, &oc)
	if !strings.Contains(oc.Reason, "#major off") {
		t.Errorf("major off: %+v", oc)
	}
}

func hasEvent(evs []tickets.Event, kind, actor string) bool {
	return slices.ContainsFunc(evs, func(e tickets.Event) bool { return e.Kind == kind && e.Actor == actor })
}

// Every error is JSON with a stable code, and a refused action changes
// nothing.
func TestAPI_ErrorsAreJSONWithAStableCode(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	c := f.client("ci", desk.ScopeWrite)
	tk := "/api/v1/tickets/" + oc.Ticket
	before := f.eventCount(oc.Ticket)
	c.get("/api/v1/tickets/INC-9999").refuses(t, "an unknown ticket", http.StatusNotFound, codeNotFound)
	c.post("/api/v1/tickets/INC-9999/resolve", nil).refuses(t, "resolving an unknown ticket", http.StatusNotFound, codeNotFound)
	c.get("/api/v1/nowhere").refuses(t, "an unknown route", http.StatusNotFound, codeNotFound)
	c.post(tk+"/explode", nil).refuses(t, "an unknown action", http.StatusNotFound, codeNotFound)
	res := c.call("DELETE", tk, nil)
	res.refuses(t, "DELETE a ticket", http.StatusMethodNotAllowed, codeMethodNotAllowed)
	if res.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", res.header.Get("Allow"))
	}
	c.get(tk+"/resolve").refuses(t, "GET an action", http.StatusMethodNotAllowed, codeMethodNotAllowed)
	c.get("/api/v1/tickets?stauts=open").refuses(t, "a misspelt parameter", http.StatusBadRequest, codeBadRequest)
	c.get("/api/v1/tickets?status=open&status=closed").refuses(t, "a parameter twice", http.StatusBadRequest, codeBadRequest)
	for _, q := range []string{"status=nope", "priority=P9", "type=bug", "tier=L9", "assignee=nobody@x.example", "overdue=maybe", "order=random", "limit=0", "limit=501", "offset=-1"} {
		c.get("/api/v1/tickets?"+q).refuses(t, "?"+q, http.StatusBadRequest, codeBadRequest)
	}
	c.post(tk+"/resolve", map[string]any{"txt": "typo"}).refuses(t, "an unknown field", http.StatusBadRequest, codeBadRequest)
	c.post(tk+"/resolve", map[string]any{"priority": "P1"}).refuses(t, "another action's field", http.StatusBadRequest, codeBadRequest)
	c.post(tk+"/reply", map[string]any{}).refuses(t, "a reply without text", http.StatusBadRequest, codeBadRequest)
	c.post(tk+"/assign", map[string]any{"to": "bob@example.com\n#close"}).refuses(t, "a second command in a field", http.StatusBadRequest, codeBadRequest)
	c.post(tk+"/resolve", `["not an object"]`).refuses(t, "an array", http.StatusBadRequest, codeBadRequest)
	c.call("POST", tk+"/resolve", "text=done", "Content-Type", "application/x-www-form-urlencoded").refuses(t, "a form", http.StatusUnsupportedMediaType, codeUnsupportedType)
	c.post(tk+"/note", map[string]any{"text": strings.Repeat("x", maxBody)}).refuses(t, "a body over 1 MiB", http.StatusRequestEntityTooLarge, codeTooLarge)
	c.post(tk+"/priority", map[string]any{"priority": "P9"}).refuses(t, "a priority the desk refuses", http.StatusUnprocessableEntity, codeRefused)
	c.post(tk+"/assign", map[string]any{"to": "stranger@customer.example"}).refuses(t, "assigning to a stranger", http.StatusUnprocessableEntity, codeRefused)
	if n := f.eventCount(oc.Ticket); n != before {
		t.Errorf("refused calls left %d events, had %d", n, before)
	}
}

// FAQ entries: a new draft (never replacing one), published, retired;
// one drafted from a ticket is published only once reviewed.
func TestAPI_FAQDraftPublishRetire(t *testing.T) {
	f := newFixture(t)
	c := f.client("curator", desk.ScopeWrite)
	entry := map[string]any{"key": "vpn-setup", "question": "How do I connect to the VPN?", "answer": "Install the client.", "language": "en", "tags": []string{"vpn"}}
	res := c.post("/api/v1/faq", entry)
	var e faqEntry
	res.decode(t, http.StatusCreated, &e)
	if e.Status != tickets.FAQDraft || res.header.Get("Location") != "/api/v1/faq/vpn-setup" || len(e.Events) != 1 || e.Events[0].Actor != "curator" {
		t.Errorf("draft %+v, Location %q", e, res.header.Get("Location"))
	}
	entry["answer"] = "Something else."
	c.post("/api/v1/faq", entry).refuses(t, "a key in use", http.StatusConflict, codeConflict)
	c.post("/api/v1/faq", map[string]any{"key": "two words", "question": "q", "answer": "a"}).refuses(t, "a key with a space", http.StatusUnprocessableEntity, codeInvalid)
	c.post("/api/v1/faq", map[string]any{"key": "x", "question": "q", "answer": "a", "status": "published"}).refuses(t, "a status field", http.StatusBadRequest, codeBadRequest)
	c.post("/api/v1/faq/vpn-setup/publish", nil).decode(t, http.StatusOK, &e)
	if e.Status != tickets.FAQPublished || e.Answer != "Install the client." {
		t.Errorf("published %+v", e)
	}
	var l faqList
	c.get("/api/v1/faq?status=published").decode(t, http.StatusOK, &l)
	if l.Total != 1 || len(l.Entries) != 1 || l.Entries[0].Key != "vpn-setup" {
		t.Errorf("list %+v", l)
	}
	c.post("/api/v1/faq/vpn-setup/retire", nil).decode(t, http.StatusOK, &e)
	if e.Status != tickets.FAQRetired || e.Events[len(e.Events)-1].Actor != "curator" {
		t.Errorf("retired %+v", e)
	}
	c.post("/api/v1/faq/nope/publish", nil).refuses(t, "publishing an unknown entry", http.StatusNotFound, codeNotFound)
	c.get("/api/v1/faq/nope").refuses(t, "an unknown entry", http.StatusNotFound, codeNotFound)

	// A draft from a resolved ticket needs review.
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	c.post("/api/v1/tickets/"+oc.Ticket+"/resolve", map[string]any{"text": "Replaced the toner cartridge."}).decode(t, http.StatusOK, &outcome{})
	if _, err := f.desk.Promote(context.Background(), oc.Ticket, "toner", "", "admin"); err != nil {
		t.Fatal(err)
	}
	c.post("/api/v1/faq/toner/publish", nil).refuses(t, "publishing an unreviewed draft", http.StatusUnprocessableEntity, codeNeedsReview)
	c.post("/api/v1/faq/toner/publish", map[string]any{"reviewed": true}).decode(t, http.StatusOK, &e)
	if e.Status != tickets.FAQPublished || e.NeedsReview {
		t.Errorf("reviewed and published: %+v", e)
	}
}

// The reports are the console's figures, for any range of days.
func TestAPI_ReportsAreTheConsolesFigures(t *testing.T) {
	f := newFixture(t)
	f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	f.mail(rawMail("dave@customer.example", "I need a new laptop", "Please order a new laptop for me.", "Message-ID: <h2@c>"))
	c := f.client("grafana", desk.ScopeRead)
	var r report
	c.get("/api/v1/reports?from=2026-11-25&to=2026-12-01").decode(t, http.StatusOK, &r)
	want, err := f.desk.Report(context.Background(), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if r.Created != 2 || r.Created != want.Created || len(r.Days) != 7 || r.ByType["incident"][6] != 1 || r.ByType["service_request"][6] != 1 ||
		len(r.Times) != len(want.Times) || r.TimeZone != "UTC" {
		t.Errorf("report %+v", r)
	}
	var def report
	c.get("/api/v1/reports").decode(t, http.StatusOK, &def)
	if len(def.Days) != 30 || def.To != "2026-12-01" {
		t.Errorf("default range %s … %s, %d days", def.From, def.To, len(def.Days))
	}
	c.get("/api/v1/reports?from=2026-12-02&to=2026-12-01").refuses(t, "a range that ends before it starts", http.StatusBadRequest, codeBadRequest)
	c.get("/api/v1/reports?from=yesterday").refuses(t, "a day that is no date", http.StatusBadRequest, codeBadRequest)
}

// The API takes a token, not a cookie: a request from another origin
// with a token works (it is no browser's ambient credential), and the
// console's forms stay refused across origins.
func TestAPI_CrossOriginCallsNeedTheTokenAndTheConsoleStaysProtected(t *testing.T) {
	f := newFixture(t)
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	c := f.client("ci", desk.ScopeWrite)
	var out outcome
	c.call("POST", "/api/v1/tickets/"+oc.Ticket+"/note", map[string]any{"text": "from the CI"}, "Sec-Fetch-Site", "cross-site", "Origin", "https://ci.example").
		decode(t, http.StatusOK, &out)
	anon := &apiClient{f: f}
	anon.call("POST", "/api/v1/tickets/"+oc.Ticket+"/resolve", nil, "Sec-Fetch-Site", "cross-site").refuses(t, "cross-site without a token", http.StatusUnauthorized, codeUnauthorized)
	b := f.signIn(agent)
	if res := b.post("/tickets/"+oc.Ticket+"/act/note", url.Values{"text": {"x"}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the console's cross-site POST: %d", res.StatusCode)
	}
}

// syncBuffer is a log sink tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// Every call is logged under the token's name; the token itself never
// reaches the log, not even a wrong one.
func TestAPI_CallsAreLoggedByTokenNameNeverByToken(t *testing.T) {
	logs := &syncBuffer{}
	f := newFixtureWith(t, fixtureConfig{web: func(o *Options, _ *desk.Desk) {
		o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}})
	oc := f.mail(rawMail("hanako@customer.example", "Printer on 3F", "It prints blank pages.", "Message-ID: <h1@c>"))
	c := f.client("ci-bot", desk.ScopeWrite)
	c.get("/api/v1/tickets/" + oc.Ticket)
	c.post("/api/v1/tickets/"+oc.Ticket+"/note", map[string]any{"text": "checked"})
	wrong := c.token[:len(c.token)-4] + "AAAA"
	(&apiClient{f: f, token: wrong}).get("/api/v1/tickets")
	out := logs.String()
	if strings.Count(out, "token=ci-bot") < 2 {
		t.Errorf("the calls are not logged under ci-bot:\n%s", out)
	}
	// mdg_ and 16 hex digits of id, then _ and the secret.
	secret := c.token[len("mdg_0123456789abcdef_"):]
	if strings.Contains(out, secret) || strings.Contains(out, wrong[len("mdg_0123456789abcdef_"):]) {
		t.Errorf("a token's secret is in the log:\n%s", out)
	}
	if !strings.Contains(out, "token that is not valid") {
		t.Errorf("the wrong token is not logged:\n%s", out)
	}
}

func TestAPI_EveryActionHasItsRoute(t *testing.T) {
	// The route table and the action table agree: every action has one
	// route, under /api/v1/tickets/{ref}/.
	f := newFixture(t)
	var paths []string
	for _, rt := range f.web.apiRoutes() {
		paths = append(paths, rt.Method+" "+rt.Path)
	}
	for _, a := range apiActions {
		if !slices.Contains(paths, "POST /api/v1/tickets/{ref}/"+a.Name) {
			t.Errorf("no route for %s", a.Name)
		}
	}
	if want := fmt.Sprint(len(apiActions) + 8); fmt.Sprint(len(paths)) != want {
		t.Errorf("%d routes, want %s", len(paths), want)
	}
}
