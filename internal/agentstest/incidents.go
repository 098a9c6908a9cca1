package agentstest

import (
	"encoding/json"
	"strings"
	"testing"
)

// One incident, many reporters (issue 13): merged tickets and major
// incidents, as the customers and agents live them.

// relatedJSON is what `tickets show --json` says of a ticket's relations.
type relatedJSON struct {
	Status       string
	ClosedReason string `json:"closed_reason"`
	MergedInto   string `json:"merged_into"`
	Related      struct {
		Merged        []struct{ Ref, Requester string }
		Attached      []struct{ Ref, Requester string }
		AttachedCount int `json:"attached_count"`
		Major         *struct {
			DeclaredBy string `json:"declared_by"`
			EndedAt    string `json:"ended_at"`
		}
	}
	Entries []struct{ From, Role, Text string }
}

func (d *installation) related(ref string) relatedJSON {
	d.t.Helper()
	var r relatedJSON
	if err := json.Unmarshal([]byte(d.cli("tickets", "show", ref, "--json")), &r); err != nil {
		d.t.Fatal(err)
	}
	return r
}

// noticeOf is the one mail of sent to L1 that names ref.
func noticeOf(t *testing.T, sent sentMails, ref string) sentMail {
	t.Helper()
	var out sentMails
	for _, m := range sent.to("l1@example.com") {
		if strings.Contains(m.Subject, "["+ref+"]") {
			out = append(out, m)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d mails to L1 about %s, want 1; sent:%s", len(out), ref, sent)
	}
	return out[0]
}

// Two people report one outage; an agent merges the second ticket into
// the first from his mail client. The second reporter is told once, in
// Japanese, which ticket his report goes on as; his reply to that mail
// reaches the first ticket and its tier; the one resolution reaches both
// reporters, each in a mail of their own and their own language.
func TwoReportersMergedOneToldOnceTheResolutionReachesBoth(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	first, sent := d.customerAsks("Hanako Yamada <hanako@customer.example>", "Mail server down", "mg1@customer.example",
		"Outlook cannot reach the mail server since 9:00.")
	noticeOf(t, sent, first)
	second, sent := d.customerAsks("佐藤 太郎 <taro@customer.example>", "メールサーバーに接続できません", "mg2@customer.example",
		"9時ごろからメールの送受信ができません。")
	notice2 := noticeOf(t, sent, second)

	d.deliver(replyMail(t, "Alice Agent <alice@example.com>", notice2, "mg3@agents.example",
		"#merge "+first+"\n\n同じ障害として "+first+" で対応しております。復旧まで今しばらくお待ちください。"))
	d.run("")
	sent = d.sent()
	told := sent.one(t, "taro@customer.example")
	if !strings.Contains(told.Subject, "["+first+"]") || !strings.Contains(told.Text, "今後は受付番号 "+first+" としてご連絡いたします") ||
		!strings.Contains(told.Text, "受付番号 "+second) || !strings.Contains(told.Text, "復旧まで今しばらくお待ちください") {
		t.Fatalf("the second reporter is told (%q):\n%s", told.Subject, told.Text)
	}
	if len(sent.to(hanako)) != 0 {
		t.Fatalf("the first reporter was mailed about the merge:%s", sent)
	}
	if c := sent.one(t, "l1@example.com"); !strings.Contains(c.Text, "#merge: merged into "+first) {
		t.Fatalf("L1's copy:\n%s", c.Text)
	}
	if tk := d.related(second); tk.Status != "closed" || tk.ClosedReason != "merged" || tk.MergedInto != first {
		t.Fatalf("%s after the merge: %+v", second, tk)
	}

	// His answer to the news reaches the first ticket and its tier.
	d.deliver(replyMail(t, "佐藤 太郎 <taro@customer.example>", told, "mg4@customer.example", "承知しました。まだ繋がりません。"))
	d.run("")
	fwd := d.sent().one(t, "l1@example.com")
	if !strings.Contains(fwd.Subject, "["+first+"]") || !strings.Contains(fwd.Text, "まだ繋がりません") {
		t.Fatalf("his reply to L1 (%q):\n%s", fwd.Subject, fwd.Text)
	}
	if in := d.inbound("mg4@customer.example"); in.Ticket != first || in.Disposition != "appended" {
		t.Fatalf("his reply's record: %+v", in)
	}

	// One #resolve on the first ticket: both reporters hear of it, once.
	notice1 := noticeOf(t, sentMails{fwd}, first)
	d.deliver(replyMail(t, "Bob Agent <bob@example.com>", notice1, "mg5@agents.example", "#resolve\nThe mail server is back since 10:40."))
	d.run("")
	sent = d.sent()
	for addr, label := range map[string]string{hanako: "Resolved", "taro@customer.example": "【対応完了】"} {
		r := sent.one(t, addr)
		if !strings.Contains(r.Subject, label) || !strings.Contains(r.Subject, "["+first+"]") || !strings.Contains(r.Text, "back since 10:40") {
			t.Errorf("resolution to %s (%q):\n%s", addr, r.Subject, r.Text)
		}
	}
	tk := d.ticket(first)
	if len(tk.events("ticket_merged_here")) != 1 || len(tk.events("reporters_told")) != 1 {
		t.Fatalf("the audit trail of %s: %+v", first, tk.Events)
	}
	if r := d.related(first); len(r.Related.Merged) != 1 || r.Related.Merged[0].Ref != second {
		t.Fatalf("relations of %s: %+v", first, r.Related)
	}
}

// An outage: an agent makes the first report a major incident. Three later
// reports of it (other words, Japanese text, a colleague's "RE:") attach
// to it: each reporter is acknowledged with the major incident's
// reference, and the tier gets one list of them instead of three
// notices; an unrelated mail in between is a ticket of its own. One
// #resolve, answered from the list, tells every reporter once.
func MajorIncidentTakesInLaterReportsAndOneResolveTellsAll(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	major, sent := d.customerAsks("Hanako Yamada <hanako@customer.example>", "Mail server down", "mj1@customer.example",
		"Outlook cannot reach the mail server since 9:00.")
	notice := noticeOf(t, sent, major)
	d.deliver(replyMail(t, "Alice Agent <alice@example.com>", notice, "mj2@agents.example", "#major\n#take\nWe are on it."))
	d.run("")
	d.sent()
	if r := d.related(major); r.Related.Major == nil || r.Related.Major.DeclaredBy != "alice@example.com" {
		t.Fatalf("%s after #major: %+v", major, r.Related)
	}

	reporters := []struct{ from, addr, subject, body, id string }{
		{"Taro Sato <taro@customer.example>", "taro@customer.example", "Cannot reach the mail server", "My mail does not go out.", "mj3@customer.example"},
		{"伊藤 健 <ken@customer.example>", "ken@customer.example", "Mail server not responding", "先ほどからメールが送れません。", "mj4@customer.example"},
		{"Yuki Mori <yuki@customer.example>", "yuki@customer.example", "RE: Mail server down", "Same here on 5F.", "mj5@customer.example"},
	}
	var raws []string
	for _, r := range reporters {
		raws = append(raws, customerMail(r.from, "support@example.com", r.subject, r.id, r.body))
	}
	raws = append(raws, customerMail("Aki Mori <aki@customer.example>", "support@example.com", "Printer on 3F prints blank pages", "mj6@customer.example",
		"The printer on the third floor prints only blank pages."))
	d.deliver(raws...)
	d.run("")
	sent = d.sent()
	for _, r := range reporters {
		ack := sent.one(t, r.addr)
		if !strings.Contains(ack.Subject, "["+major+"]") || !strings.Contains(ack.Text, major) {
			t.Errorf("the acknowledgement of %s (%q):\n%s", r.addr, ack.Subject, ack.Text)
		}
		if in := d.inbound(r.id); !strings.Contains(in.Reason, "attached to major incident "+major) {
			t.Errorf("the record of %s's mail: %+v", r.addr, in)
		}
	}
	if ja := sent.one(t, "ken@customer.example"); !strings.Contains(ja.Subject, "【受付完了】") {
		t.Errorf("the Japanese reporter's acknowledgement is not Japanese: %q", ja.Subject)
	}
	aki := sent.one(t, "aki@customer.example")
	if strings.Contains(aki.Subject, "["+major+"]") {
		t.Fatalf("the unrelated mail was attached: %q", aki.Subject)
	}
	l1 := sent.to("l1@example.com")
	if len(l1) != 2 {
		t.Fatalf("%d mails to L1, want the unrelated ticket's notice and one list of the reports:%s", len(l1), sent)
	}
	list := noticeOf(t, l1, major)
	if !strings.Contains(list.Subject, "3 new reports") || !strings.Contains(list.Text, "taro@customer.example") ||
		!strings.Contains(list.Text, "ken@customer.example") || !strings.Contains(list.Text, "yuki@customer.example") {
		t.Fatalf("the list of reports (%q):\n%s", list.Subject, list.Text)
	}
	if r := d.related(major); r.Related.AttachedCount != 3 {
		t.Fatalf("%s has %d reports attached, want 3", major, r.Related.AttachedCount)
	}

	d.deliver(replyMail(t, "Alice Agent <alice@example.com>", list, "mj7@agents.example", "#resolve\nThe mail server is back since 10:40."))
	d.run("")
	sent = d.sent()
	for _, addr := range []string{hanako, "taro@customer.example", "ken@customer.example", "yuki@customer.example"} {
		if r := sent.one(t, addr); !strings.Contains(r.Subject, "["+major+"]") || !strings.Contains(r.Text, "back since 10:40") {
			t.Errorf("the resolution to %s (%q):\n%s", addr, r.Subject, r.Text)
		}
	}
	if len(sent.to("aki@customer.example")) != 0 {
		t.Fatalf("the unrelated reporter heard of the major incident's resolution:%s", sent)
	}
	if r := d.related(major); r.Related.Major == nil || r.Related.Major.EndedAt == "" {
		t.Fatalf("the major incident's window after its resolution: %+v", r.Related.Major)
	}
}
