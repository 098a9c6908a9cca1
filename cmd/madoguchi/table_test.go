package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

// column is the terminal column at which sub starts in line, -1 when it is
// not there, counted with the classic wcwidth ranges of wide characters
// (not with the code under test).
func column(line, sub string) int {
	i := strings.Index(line, sub)
	if i < 0 {
		return -1
	}
	n := 0
	for _, r := range line[:i] {
		switch {
		case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0xA4CF, r >= 0xAC00 && r <= 0xD7A3, r >= 0xF900 && r <= 0xFAFF,
			r >= 0xFE30 && r <= 0xFE4F, r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6:
			n += 2
		default:
			n++
		}
	}
	return n
}

// A Japanese subject takes two cells a character: the columns after it
// stay in line with the header and with English rows.
func TestOutboxList_JapaneseSubjectsKeepTheColumnsInLine(t *testing.T) {
	cfg := writeConfig(t, "")
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tickets.Open(c.Store.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	subjects := []string{"【至急】サーバーが停止しています", "VPN down", "ﾊﾟｽﾜｰﾄﾞ再設定のお願い (ｶﾅ)", "Ｗｉ－Ｆｉにつながらない"}
	err = st.Update(ctx, func(tx *tickets.Tx) error {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: "x", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		for i, s := range subjects {
			o := &tickets.Outgoing{TicketID: tk.ID, Kind: "ack", To: "a@example.com", Subject: s, Text: "t", MessageID: fmt.Sprintf("m%d@desk.example.com", i)}
			if err := tx.QueueMail(o); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for i := range subjects {
			if err = st.RecordAttempt(ctx, int64(i+1), tickets.Attempt{Status: tickets.OutFailed, Counted: true, Error: "relay said no"}); err != nil {
				break
			}
		}
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "", "--config", cfg, "outbox", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 1+len(subjects) {
		t.Fatalf("want a header and %d rows:\n%s", len(subjects), out)
	}
	want := column(lines[0], "LAST ERROR")
	for _, l := range lines[1:] {
		if got := column(l, "relay said no"); got != want {
			t.Errorf("LAST ERROR at cell %d, the row's at %d:\n%s", want, got, out)
		}
	}
}

func TestTruncateWidth_CutsByCellsWithAnEllipsis(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdefghijkl", 10, "abcdefghi…"},
		{"日本語の件名です", 10, "日本語の…"},                             // 4 wide characters and "…" = 9 cells: a fifth would make 11
		{"日本語の件名", 12, "日本語の件名"},                              // exactly 12 cells
		{"aé日本", 4, "aé…"},                                    // é is one cell, 日 would need two
		{"e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"}, // combining accents take no cell
	}
	for _, tt := range tests {
		got := truncateWidth(tt.in, tt.limit)
		if got != tt.want {
			t.Errorf("truncateWidth(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
		if displayWidth(got) > tt.limit {
			t.Errorf("truncateWidth(%q, %d) = %q is %d cells", tt.in, tt.limit, got, displayWidth(got))
		}
	}
	long := strings.Repeat("停", 100)
	tb := newTable("SUBJECT")
	tb.row(long)
	line := strings.Split(string(tb.bytes()), "\n")[1]
	if displayWidth(line) > maxCell || !strings.HasSuffix(line, "…") {
		t.Errorf("a 200-cell subject prints as %d cells: %q", displayWidth(line), line)
	}
}

// On a terminal a listing goes through $PAGER; anywhere else (a pipe, a
// file, a test's buffer) it is written as it is.
func TestPaged_OnlyATerminalGoesThroughThePager(t *testing.T) {
	text := []byte("line one\nline two\n")
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	run := func(terminal bool, vars map[string]string) string {
		t.Helper()
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		was := isTerminal
		isTerminal = func(*os.File) bool { return terminal }
		defer func() { isTerminal = was }()
		if err := paged(f, env(vars), text); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	pager := map[string]string{"PAGER": `sed "s/^/paged: /"`}
	if got := run(true, pager); got != "paged: line one\npaged: line two\n" {
		t.Errorf("on a terminal: %q, want it through the pager", got)
	}
	if got := run(false, pager); got != string(text) {
		t.Errorf("not a terminal: %q, want it as it is", got)
	}
	for _, vars := range []map[string]string{{"PAGER": ""}, {"PAGER": "cat"}, {"PAGER": "no-such-pager-on-this-machine"}} {
		if got := run(true, vars); got != string(text) {
			t.Errorf("on a terminal with PAGER=%q: %q, want it as it is", vars["PAGER"], got)
		}
	}
	var buf bytes.Buffer
	was := isTerminal
	isTerminal = func(*os.File) bool { return true }
	defer func() { isTerminal = was }()
	if err := paged(&buf, env(pager), text); err != nil || buf.String() != string(text) {
		t.Errorf("a buffer: %q %v", buf.String(), err)
	}
}

// Every list command takes --limit, --offset and --json, and refuses a
// negative one as a usage error.
func TestLists_TakeLimitOffsetAndJSONAlike(t *testing.T) {
	cfg := writeConfig(t, "[responder]\nenabled = false\n")
	receive(t, cfg,
		"From: a@customer.example\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <l1@c>\r\nDate: Tue, 01 Dec 2026 09:30:00 +0900\r\n\r\nbroken\r\n",
		"From: b@customer.example\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?44OR44K544Ov44O844OJ44KS5b+Y44KM44G+44GX44Gf?=\r\nMessage-ID: <l2@c>\r\n\r\nhelp\r\n",
		"From: c@customer.example\r\nTo: support@example.com\r\nSubject: wifi\r\nMessage-ID: <l3@c>\r\n\r\nslow\r\n")
	for _, key := range []string{"k1", "k2", "k3"} {
		if _, _, err := cli(t, "", "--config", cfg, "faq", "add", "--key", key, "--question", "q "+key, "--answer", "a"); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range [][]string{{"tickets", "list"}, {"inbound", "list"}, {"outbox", "list"}, {"faq", "list"}} {
		args := append([]string{"--config", cfg}, cmd...)
		out, _, err := cli(t, "", append(args, "--json")...)
		var all []map[string]any
		if err != nil || json.Unmarshal([]byte(out), &all) != nil || len(all) < 3 {
			t.Fatalf("%v --json: %v %s", cmd, err, out)
		}
		out, _, err = cli(t, "", append(args, "--json", "--offset", "1", "--limit", "1")...)
		var one []map[string]any
		if err != nil || json.Unmarshal([]byte(out), &one) != nil || len(one) != 1 || fmt.Sprint(one[0]) != fmt.Sprint(all[1]) {
			t.Errorf("%v --offset 1 --limit 1: %v %s, want the second of %d", cmd, err, out, len(all))
		}
		out, _, err = cli(t, "", append(args, "--json", "--offset", "99")...)
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("%v --offset past the end: %v %q, want []", cmd, err, out)
		}
		_, _, err = cli(t, "", append(args, "--limit", "-1")...)
		if exitCode(err) != 2 {
			t.Errorf("%v --limit -1: %v, want a usage error", cmd, err)
		}
	}

	out, _, err := cli(t, "", "--config", cfg, "inbound", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SUBJECT", "DATE", "printer", "パスワードを忘れました", "2026-12-01"} {
		if !strings.Contains(out, want) {
			t.Errorf("inbound list lacks %q:\n%s", want, out)
		}
	}
	out, _, err = cli(t, "", "--config", cfg, "inbound", "list", "--disposition", "new_ticket", "--json")
	var list []tickets.Inbound
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 3 {
		t.Errorf("--disposition new_ticket: %v %s", err, out)
	}
	out, _, err = cli(t, "", "--config", cfg, "inbound", "list", "--disposition", "bounce", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("--disposition bounce: %v %s", err, out)
	}
	if _, _, err := cli(t, "", "--config", cfg, "inbound", "list", "--disposition", "lost"); exitCode(err) != 2 || !strings.Contains(err.Error(), "quarantined") {
		t.Errorf("unknown disposition: %v", err)
	}
	out, _, err = cli(t, "", "--config", cfg, "faq", "list", "--language", "ja", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("faq list --language ja: %v %s", err, out)
	}
	var tl []struct{ Ref string }
	out, _, _ = cli(t, "", "--config", cfg, "tickets", "list", "--json")
	if json.Unmarshal([]byte(out), &tl) != nil || len(tl) != 3 {
		t.Fatalf("tickets: %s", out)
	}
	out, _, err = cli(t, "", "--config", cfg, "outbox", "list", "--ticket", tl[0].Ref, "--json")
	var ol []tickets.Outgoing
	if err != nil || json.Unmarshal([]byte(out), &ol) != nil || len(ol) == 0 {
		t.Fatalf("outbox list --ticket: %v %s", err, out)
	}
	for _, o := range ol {
		if o.TicketRef != tl[0].Ref {
			t.Errorf("outbox list --ticket %s lists mail of %s", tl[0].Ref, o.TicketRef)
		}
	}
	if _, _, err := cli(t, "", "--config", cfg, "outbox", "list", "--ticket", "INC-9999"); err == nil || !strings.Contains(err.Error(), "no ticket INC-9999") {
		t.Errorf("outbox list --ticket of no ticket: %v", err)
	}
}
