package web

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// The OpenAPI document is kept true by these tests: it describes every
// route the API serves and no other, with the scope, parameters and
// bodies the handlers take, and what the handlers answer fits the
// schemas it gives, for a sample of every route.

// openAPI is the part of the document the tests read.
type openAPIDoc3 struct {
	OpenAPI string `json:"openapi"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	OperationID string      `json:"operationId"`
	Scope       string      `json:"x-madoguchi-scope"`
	Security    *[]any      `json:"security"`
	Parameters  []parameter `json:"parameters"`
	RequestBody *struct {
		Required bool                                `json:"required"`
		Content  map[string]struct{ Schema *schema } `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct{ Schema *schema } `json:"content"`
	} `json:"responses"`
}

type parameter struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *schema `json:"schema"`
}

// schema is the part of JSON Schema (2020-12, as OpenAPI 3.1 has it)
// the document uses.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	Enum                 []any              `json:"enum"`
	Format               string             `json:"format"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
}

func readOpenAPI(t *testing.T) *openAPIDoc3 {
	t.Helper()
	var doc openAPIDoc3
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != apiPrefix {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	return &doc
}

// validate checks v (decoded JSON) against sc, naming where it fails.
func (doc *openAPIDoc3) validate(sc *schema, v any, at string) []string {
	if sc == nil {
		return nil // any
	}
	if sc.Ref != "" {
		name := strings.TrimPrefix(sc.Ref, "#/components/schemas/")
		target := doc.Components.Schemas[name]
		if target == nil {
			return []string{at + ": no schema " + sc.Ref}
		}
		return doc.validate(target, v, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if sc.Type != nil && !typeFits(sc.Type, v) {
		fail("%v is not of type %v", short(v), sc.Type)
		return errs
	}
	if len(sc.Enum) > 0 && !slices.ContainsFunc(sc.Enum, func(e any) bool { return e == v }) {
		fail("%v is not one of %v", v, sc.Enum)
	}
	if s, ok := v.(string); ok {
		switch sc.Format {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				fail("%q is not a date-time", s)
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				fail("%q is not a date", s)
			}
		}
	}
	if n, ok := v.(float64); ok {
		if sc.Minimum != nil && n < *sc.Minimum || sc.Maximum != nil && n > *sc.Maximum {
			fail("%v is out of range", n)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, name := range sc.Required {
			if _, ok := x[name]; !ok {
				fail("required %q is missing", name)
			}
		}
		for name, fv := range x {
			if p, ok := sc.Properties[name]; ok {
				errs = append(errs, doc.validate(p, fv, at+"."+name)...)
				continue
			}
			switch ap := strings.TrimSpace(string(sc.AdditionalProperties)); {
			case ap == "false":
				fail("%q is not in the schema", name)
			case ap == "" || ap == "true":
			default:
				var extra schema
				if err := json.Unmarshal(sc.AdditionalProperties, &extra); err != nil {
					fail("additionalProperties: %v", err)
				} else {
					errs = append(errs, doc.validate(&extra, fv, at+"."+name)...)
				}
			}
		}
	case []any:
		for i, item := range x {
			errs = append(errs, doc.validate(sc.Items, item, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return errs
}

func typeFits(typ any, v any) bool {
	var types []string
	switch t := typ.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	for _, t := range types {
		switch x := v.(type) {
		case nil:
			if t == "null" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case float64:
			if t == "number" || t == "integer" && x == float64(int64(x)) {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		}
	}
	return false
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

func TestOpenAPI_DescribesEveryRouteAndNoOther(t *testing.T) {
	f := newFixture(t)
	doc := readOpenAPI(t)
	documented := map[string]operation{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+apiPrefix+path] = op
		}
	}
	served := map[string]apiRoute{"GET " + apiPrefix + "/openapi.json": {Method: "GET", Path: apiPrefix + "/openapi.json"}}
	for _, rt := range f.web.apiRoutes() {
		served[rt.Method+" "+rt.Path] = rt
	}
	if d, s := slices.Sorted(maps.Keys(documented)), slices.Sorted(maps.Keys(served)); !slices.Equal(d, s) {
		t.Fatalf("documented routes\n%s\nserved routes\n%s", strings.Join(d, "\n"), strings.Join(s, "\n"))
	}
	for key, rt := range served {
		op := documented[key]
		if rt.Path == apiPrefix+"/openapi.json" {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s: the document is served to anyone; its operation must say security: []", key)
			}
			continue
		}
		if op.Scope != string(rt.Scope) {
			t.Errorf("%s: documented scope %q, served with %q", key, op.Scope, rt.Scope)
		}
		var pathParams []string
		for _, p := range op.Parameters {
			if p.In == "path" {
				pathParams = append(pathParams, p.Name)
				if !p.Required {
					t.Errorf("%s: path parameter %s not required", key, p.Name)
				}
			}
		}
		var inPath []string
		for _, part := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(part, "{") {
				inPath = append(inPath, strings.Trim(part, "{}"))
			}
		}
		if !slices.Equal(pathParams, inPath) {
			t.Errorf("%s: path parameters %v documented, %v in the path", key, pathParams, inPath)
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		}
	}
	// An action's body: exactly the fields it takes, the required ones
	// required.
	for _, a := range apiActions {
		op := documented["POST "+apiPrefix+"/tickets/{ref}/"+a.Name]
		body := op.RequestBody.Content["application/json"].Schema
		if got := slices.Sorted(maps.Keys(body.Properties)); !slices.Equal(got, slices.Sorted(slices.Values(a.Fields))) {
			t.Errorf("%s: documented fields %v, takes %v", a.Name, got, a.Fields)
		}
		if !slices.Equal(slices.Sorted(slices.Values(body.Required)), slices.Sorted(slices.Values(a.Required))) {
			t.Errorf("%s: documented required %v, needs %v", a.Name, body.Required, a.Required)
		}
		if op.RequestBody.Required != (len(a.Required) > 0) {
			t.Errorf("%s: requestBody.required %v", a.Name, op.RequestBody.Required)
		}
	}
}

// apiSample is a desk with one of everything, so that every route has
// something to answer about.
func apiSample(t *testing.T) (*fixture, *apiClient, map[string]string) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.desk.PutFAQs(ctx, []tickets.FAQ{
		{Key: "printer-toner", Question: "How do I replace the toner?", Answer: "Open the front cover and swap the cartridge.", Language: "en", Status: tickets.FAQPublished, Tags: []string{"printer"}},
		{Key: "old-vpn", Question: "How do I use the old VPN?", Answer: "It is gone.", Language: "en", Status: tickets.FAQDraft},
	}, "admin"); err != nil {
		t.Fatal(err)
	}
	attach := "Content-Type: multipart/mixed; boundary=b\r\n"
	raw := rawMail("Hanako Yamada <hanako@customer.example>", "Printer on 3F", "", "Message-ID: <s1@c>", "Cc: ken@customer.example")
	raw = strings.Replace(raw, "Content-Type: text/plain; charset=utf-8\r\n\r\n",
		attach+"\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIt prints blank pages.\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"page.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n", 1)
	a := f.mail(raw)
	b := f.mail(rawMail("dave@customer.example", "Printer on 3F blank pages", "Blank pages here too.", "Message-ID: <s2@c>"))
	c := f.client("sample", desk.ScopeWrite)
	c.post("/api/v1/tickets/"+a.Ticket+"/note", map[string]any{"text": "Toner ordered."}).decode(t, http.StatusOK, &outcome{})
	c.post("/api/v1/tickets/"+b.Ticket+"/merge", map[string]any{"into": a.Ticket}).decode(t, http.StatusOK, &outcome{})
	f.now = f.now.Add(72 * time.Hour) // past the SLA targets: breaches
	if _, err := f.desk.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	return f, c, map[string]string{"{ref}": a.Ticket, "{key}": "printer-toner", "merged": b.Ticket}
}

// Every documented operation answers (never a 404 for a route that
// exists) with a status it documents, and a body its schema for that
// status fits; so do the documented errors.
func TestOpenAPI_EveryOperationAnswersWhatItDocuments(t *testing.T) {
	f, c, vars := apiSample(t)
	doc := readOpenAPI(t)
	reader := f.client("reader", desk.ScopeRead)
	anon := &apiClient{f: f}
	check := func(key, status string, op operation, res apiResponse) {
		t.Helper()
		resp, ok := op.Responses[status]
		if !ok {
			t.Errorf("%s answered %s, which it does not document: %s", key, status, res.body)
			return
		}
		if res.status == http.StatusNotFound && !strings.Contains(key, "INC-9999") && !strings.Contains(key, "nope") {
			t.Errorf("%s: 404 for a documented route", key)
		}
		var body any
		if err := json.Unmarshal(res.body, &body); err != nil {
			t.Errorf("%s: not JSON: %v", key, err)
			return
		}
		for _, e := range doc.validate(resp.Content["application/json"].Schema, body, key) {
			t.Error(e)
		}
	}
	// The order matters: the read-only operations first, the ones that
	// change the sample last.
	keys := slices.SortedFunc(maps.Keys(doc.Paths), func(a, b string) int {
		return cmpInt(writesLast(a), writesLast(b), strings.Compare(a, b))
	})
	for _, path := range keys {
		for method, op := range doc.Paths[path] {
			real := apiPrefix + strings.NewReplacer("{ref}", vars["{ref}"], "{key}", vars["{key}"]).Replace(path)
			key := strings.ToUpper(method) + " " + real
			var body any
			if method == "post" {
				body = sampleBody(path[strings.LastIndex(path, "/")+1:])
				if path == "/faq" {
					body = map[string]any{"key": "new-entry", "question": "How do I print in colour?", "answer": "Pick the colour printer.", "language": "en", "tags": []string{"printer"}}
				}
				if strings.HasSuffix(path, "/merge") {
					body = map[string]any{"into": vars["merged"]}
				}
			}
			res := c.call(strings.ToUpper(method), real, body)
			if path == "/openapi.json" {
				if res.status != http.StatusOK {
					t.Errorf("%s: %d", key, res.status)
				}
				continue
			}
			check(key, strconv.Itoa(res.status), op, res)
			// Every operation documents how it refuses: no token, a
			// token of too small a scope, and the one it needs.
			check(key+" without a token", "401", op, anon.call(strings.ToUpper(method), real, body))
			if op.Scope == "write" {
				check(key+" with a read token", "403", op, reader.call(strings.ToUpper(method), real, body))
			}
			if strings.Contains(path, "{ref}") {
				check(key+" of INC-9999", "404", op, c.call(strings.ToUpper(method), strings.Replace(real, vars["{ref}"], "INC-9999", 1), body))
			}
			if strings.Contains(path, "{key}") {
				check(key+" of nope", "404", op, c.call(strings.ToUpper(method), strings.Replace(real, vars["{key}"], "nope", 1), body))
			}
		}
	}
	// The documented error bodies of the writes.
	for _, e := range []struct {
		method, path, status string
		body                 any
	}{
		{"post", "/faq", "409", map[string]any{"key": "printer-toner", "question": "q", "answer": "a"}},
		{"post", "/faq", "422", map[string]any{"key": "a b", "question": "q", "answer": "a"}},
		{"post", "/faq", "400", map[string]any{"kye": "x"}},
		{"post", "/tickets/{ref}/priority", "422", map[string]any{"priority": "P9"}},
		{"post", "/tickets/{ref}/resolve", "415", "plain text"},
		{"get", "/tickets", "400", nil},
	} {
		real := apiPrefix + strings.Replace(e.path, "{ref}", vars["{ref}"], 1)
		if e.path == "/tickets" {
			real += "?priority=P9"
		}
		var res apiResponse
		if s, ok := e.body.(string); ok {
			res = c.call(strings.ToUpper(e.method), real, s, "Content-Type", "text/plain")
		} else {
			res = c.call(strings.ToUpper(e.method), real, e.body)
		}
		if strconv.Itoa(res.status) != e.status {
			t.Errorf("%s %s: %d, want %s: %s", e.method, real, res.status, e.status, res.body)
		}
		check(strings.ToUpper(e.method)+" "+real, e.status, doc.Paths[e.path][e.method], res)
	}
}

// writesLast orders the read paths first, the actions that change a
// ticket's state for good last.
func writesLast(path string) int {
	switch {
	case strings.HasSuffix(path, "/close"), strings.HasSuffix(path, "/merge"):
		return 3
	case strings.HasSuffix(path, "/resolve"), strings.HasSuffix(path, "/retire"):
		return 2
	case strings.Contains(path, "{ref}/"), strings.HasSuffix(path, "/publish"):
		return 1
	}
	return 0
}

func cmpInt(a, b, then int) int {
	if a != b {
		return a - b
	}
	return then
}

// Every documented query parameter is taken, with a value its schema
// allows; one the document does not name is refused.
func TestOpenAPI_QueryParametersAreThoseTheHandlersTake(t *testing.T) {
	f, _, _ := apiSample(t)
	doc := readOpenAPI(t)
	c := f.client("reader", desk.ScopeRead)
	samples := map[string]string{"status": "", "priority": "P3", "type": "incident", "tier": "L1", "assignee": "-", "overdue": "true",
		"auto": "false", "search": "printer", "order": "due", "limit": "10", "offset": "0", "language": "en", "from": "2026-11-01", "to": "2026-12-01"}
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || strings.Contains(path, "{") || path == "/openapi.json" {
			continue
		}
		for _, p := range op.Parameters {
			v := samples[p.Name]
			if p.Name == "status" {
				v = fmt.Sprint(p.Schema.Enum[1])
			}
			if res := c.get(apiPrefix + path + "?" + p.Name + "=" + v); res.status != http.StatusOK {
				t.Errorf("%s?%s=%s: %d %s", path, p.Name, v, res.status, res.body)
			}
		}
		c.get(apiPrefix+path+"?undocumented=1").refuses(t, path+" with an undocumented parameter", http.StatusBadRequest, codeBadRequest)
	}
}
