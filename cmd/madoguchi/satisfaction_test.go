package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// The customers' ratings: the satisfaction report counts what `tickets
// list --rating … --json` lists, `tickets show` prints a ticket's, and a
// misspelt rating is named with the one meant.
func TestSatisfaction_ReportAgreesWithTicketsListJSON(t *testing.T) {
	path := consoleConfigWith(t, "secret = \"cli-test-secret-0123456789\"\n")
	var raws []string
	subjects := []string{"Printer jam", "VPN down for all users", "New laptop request", "Mail is slow", "URGENT: server down"}
	for i, s := range subjects {
		raws = append(raws, fmt.Sprintf("From: c%d@customer.example\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <sat%d@c>\r\n\r\n%s\r\n", i, s, i, s))
	}
	receive(t, path, raws...)
	for _, ref := range []string{"INC-1001", "INC-1002", "REQ-1003", "INC-1004"} {
		if _, _, err := cli(t, "", "--config", path, "tickets", "resolve", ref, "Done.", "--actor", "alice@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	a, h := openConsole(t, path)
	// Each customer rates from the link of their resolution mail.
	links := map[string]string{}
	err := a.store.View(context.Background(), func(tx *tickets.Tx) error {
		list, err := tx.OutgoingList(0)
		for _, o := range list {
			if o.Kind == "resolution" {
				links[o.TicketRef] = regexp.MustCompile(`/status/[a-z2-7]+`).FindString(o.Text)
			}
		}
		return err
	})
	if err != nil || len(links) != 4 {
		t.Fatalf("resolution links %v %v", links, err)
	}
	for ref, rating := range map[string]string{"INC-1001": "good", "INC-1002": "bad", "REQ-1003": "good", "INC-1004": "bad"} {
		res := postForm(h, links[ref]+"/rate", url.Values{"rating": {rating}, "comment": {"rated " + rating}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("rating %s: %d", ref, res.StatusCode)
		}
	}

	type row struct {
		Ref      string `json:"ref"`
		Priority string `json:"priority"`
		Type     string `json:"type"`
		Rating   *struct {
			Rating string `json:"rating"`
			Answer string `json:"answer"`
			By     string `json:"rated_by"`
		} `json:"rating"`
	}
	listed := map[string][]row{}
	for _, r := range []string{"good", "bad", "none"} {
		out, _, err := cli(t, "", "--config", path, "tickets", "list", "--rating", r, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var rows []row
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("tickets list --rating %s --json: %v\n%s", r, err, out)
		}
		for _, x := range rows {
			if (r == "none") != (x.Rating == nil) || x.Rating != nil && (x.Rating.Rating != r || x.Rating.Answer != "agent") {
				t.Errorf("--rating %s lists %s rated %+v", r, x.Ref, x.Rating)
			}
		}
		listed[r] = rows
	}
	if len(listed["good"]) != 2 || len(listed["bad"]) != 2 || len(listed["none"]) != 1 {
		t.Fatalf("listed good %d, bad %d, none %d", len(listed["good"]), len(listed["bad"]), len(listed["none"]))
	}

	jar, _ := cookiejar.New(nil)
	link, _ := a.desk.SignInLink(context.Background(), "boss@example.com")
	doRequest(h, jar, "POST", strings.TrimPrefix(link, "http://127.0.0.1:8025"))
	res := doRequest(h, jar, "GET", "/reports/satisfaction.csv")
	body, _ := io.ReadAll(res.Body)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("satisfaction.csv: %d %v\n%s", res.StatusCode, err, body)
	}
	want := map[string][2]int{"all/": {len(listed["good"]), len(listed["bad"])}}
	for r, list := range listed {
		for _, x := range list {
			for _, key := range []string{"priority/" + x.Priority, "type/" + x.Type} {
				c := want[key]
				if r == "good" {
					c[0]++
				} else if r == "bad" {
					c[1]++
				}
				want[key] = c
			}
		}
	}
	got := map[string][2]int{}
	for _, r := range rows[1:] {
		var g, bd int
		fmt.Sscan(r[2], &g)
		fmt.Sscan(r[3], &bd)
		got[r[0]+"/"+r[1]] = [2]int{g, bd}
	}
	for key, w := range want {
		if w == [2]int{} {
			continue // unrated groups have no row
		}
		if got[key] != w {
			t.Errorf("%s: report %v, tickets list %v", key, got[key], w)
		}
	}
	if got["answer/agent"] != want["all/"] || got["answer/auto"] != [2]int{} {
		t.Errorf("by answer: agent %v, auto %v; want all %v agents'", got["answer/agent"], got["answer/auto"], want["all/"])
	}

	show, _, err := cli(t, "", "--config", path, "tickets", "show", "INC-1002")
	if err != nil || !strings.Contains(show, "rated bad by c1@customer.example") || !strings.Contains(show, "rated bad\n") {
		t.Errorf("tickets show: %v\n%s", err, show)
	}
	_, _, err = cli(t, "", "--config", path, "tickets", "list", "--rating", "bda")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), `did you mean "bad"`) {
		t.Errorf("--rating bda: %v", err)
	}
}

// postForm posts a form to h in-process, as a client that sends no
// Sec-Fetch-Site (not a browser) does.
func postForm(h http.Handler, path string, form url.Values) *http.Response {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:8025"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}
