package desk

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// officeDesk is a desk with the business hours of a Japanese in-house
// desk: weekdays 09:00–18:00 in Tokyo, the New Year holidays off.
func officeDesk(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := tickets.NewCalendar([]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		9*time.Hour, 18*time.Hour, tokyo, []tickets.Date{{Year: 2026, Month: 12, Day: 31}, {Year: 2027, Month: 1, Day: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, func(o *Options) {
		o.SLA.Calendar = cal
		if mod != nil {
			mod(o)
		}
	})
}

// jst is an instant written in Tokyo time.
func jst(t *testing.T, s string) time.Time {
	t.Helper()
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The acknowledgement of a mail received outside the business hours says
// when the desk will look at it, from the calendar: this morning, the next
// business day after a weekend, past the New Year holidays. Within the
// hours it says nothing of the kind.
func TestAck_OutsideTheHoursSaysWhenTheDeskWillLookAtIt(t *testing.T) {
	f := officeDesk(t, nil)
	for i, tt := range []struct {
		at, subject, body string
		want, not         string
	}{
		{"2026-12-04 19:00", "プリンターについて", "三階のプリンターで印刷できません。",
			"受付時間外のため、翌営業日（12月7日（月））9:00 以降に対応いたします。", "直ちに"},
		{"2026-12-04 19:00", "Printer on 3F", "The printer on the third floor does not print.",
			"We received your mail outside our hours; we will look at it from\n9:00 on the next business day (Monday 7 December).", ""},
		{"2026-12-07 07:30", "プリンターについて", "三階のプリンターで印刷できません。",
			"受付時間外のため、本日 9:00 以降に対応いたします。", "翌営業日"},
		{"2026-12-30 18:30", "Printer on 3F", "The printer on the third floor does not print.",
			"from\n9:00 on the next business day (Monday 4 January).", ""},
		{"2026-12-07 10:00", "プリンターについて", "三階のプリンターで印刷できません。",
			"担当者より順次ご連絡いたします", "受付時間外"},
	} {
		f.now = jst(t, tt.at)
		oc := f.one(mail("Hanako Yamada <hanako@customer.example>", tt.subject, tt.body, "Message-ID: <h"+string(rune('a'+i))+"@customer.example>"))
		ack := f.sent(mailAck, "hanako@customer.example")
		if len(ack) != i+1 {
			t.Fatalf("%s: no acknowledgement (%+v)", tt.at, oc)
		}
		text := ack[i].Text
		if !strings.Contains(text, tt.want) || tt.not != "" && strings.Contains(text, tt.not) {
			t.Errorf("mail at %s JST: acknowledgement\n%s\nwant %q, without %q", tt.at, text, tt.want, tt.not)
		}
		if ack[i].HTML != "" && strings.Contains(tt.want, "受付時間外") && !strings.Contains(ack[i].HTML, "受付時間外のため") {
			t.Errorf("mail at %s JST: the HTML alternative does not say it:\n%s", tt.at, ack[i].HTML)
		}
	}
}

// An urgent mail at night was promised "passed to the team at once, they
// will contact you shortly" with nobody there. Outside the hours the
// acknowledgement names the on-call staff only when there are some, and
// otherwise says when the desk opens.
func TestAck_UrgentOutsideTheHoursNamesTheOnCallOnlyWhenSet(t *testing.T) {
	urgent := mail("yamada@customer.example", "【至急】全員メールが送れません", "全員メールが送れません。至急対応をお願いします。", "Message-ID: <p1@customer.example>")
	for _, tt := range []struct {
		onCall    string
		want, not []string
	}{
		{"", []string{"受付時間外のため、翌営業日（12月7日（月））9:00 以降、緊急のお問い合わせとして\n最優先で対応いたします。"}, []string{"直ちに", "当番"}},
		{"情報システム部 当番（090-1234-5678）", []string{"時間外の当番（情報システム部 当番（090-1234-5678））へ\n直ちに引き継ぎました。"}, []string{"翌営業日"}},
	} {
		f := officeDesk(t, func(o *Options) { o.OnCall = tt.onCall })
		f.now = jst(t, "2026-12-05 02:00")
		oc := f.one(urgent)
		if tk := f.ticket(oc.Ticket); tk.Priority != "P1" {
			t.Fatalf("setup: %s is %s, want P1", tk.Ref, tk.Priority)
		}
		ack := f.sent(mailAck, "yamada@customer.example")
		if len(ack) != 1 {
			t.Fatalf("on_call %q: %d acknowledgements", tt.onCall, len(ack))
		}
		for _, w := range tt.want {
			if !strings.Contains(ack[0].Text, w) {
				t.Errorf("on_call %q: acknowledgement lacks %q:\n%s", tt.onCall, w, ack[0].Text)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(ack[0].Text, n) {
				t.Errorf("on_call %q: acknowledgement says %q:\n%s", tt.onCall, n, ack[0].Text)
			}
		}
	}
	// In the hours an urgent mail is passed on at once, as before, on call or not.
	f := officeDesk(t, func(o *Options) { o.OnCall = "the on-call engineer" })
	f.now = jst(t, "2026-12-07 11:00")
	f.one(urgent)
	if ack := f.sent(mailAck, "yamada@customer.example"); len(ack) != 1 || !strings.Contains(ack[0].Text, "直ちに担当者へ引き継ぎました") || strings.Contains(ack[0].Text, "当番") {
		t.Errorf("urgent within the hours: %v", ack)
	}
}

// A From that is one encoded-word around the whole address opened a ticket
// with the encoded text as its requester and no acknowledgement; it is the
// customer's address like any other now.
func TestReceive_FromInsideOneEncodedWordIsAcknowledged(t *testing.T) {
	f := newAgentFixture(t, nil)
	from := "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("伊藤 美咲 <m.ito@example.co.jp>")) + "?="
	oc := f.one(mail(from, "VPNに接続できません", "自宅からVPNに接続できません。", "Message-ID: <ito1@example.co.jp>"))
	tk := f.ticket(oc.Ticket)
	if tk.Requester != "m.ito@example.co.jp" || tk.RequesterName != "伊藤 美咲" {
		t.Fatalf("requester %q <%s>, want 伊藤 美咲 <m.ito@example.co.jp>", tk.RequesterName, tk.Requester)
	}
	ack := f.sent(mailAck, "m.ito@example.co.jp")
	if len(ack) != 1 || !strings.Contains(ack[0].Text, "伊藤 美咲 様") {
		t.Fatalf("acknowledgement %v (outcome %+v)", ack, oc)
	}
}

// A mail whose sender cannot be answered reaches the tier at once, saying
// why: before, the timer found it a tick later as a ticket "waiting since
// before escalation tiers were configured".
func TestReceive_UnusableSenderReachesTheTierAtOnceSayingWhy(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail("not an address at all", "Help", "my screen is black", "Message-ID: <u1@c>"))
	if oc.Status != tickets.StatusEscalated || !strings.Contains(oc.Reason, "sender address is unusable") {
		t.Fatalf("outcome %+v, want escalated saying the sender address is unusable", oc)
	}
	notices := f.sent(mailNotice, "l1@example.com")
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "sender address is unusable") {
		t.Fatalf("notices %v, want one saying why", notices)
	}
	if n := len(f.sent(mailAck, "")); n != 0 {
		t.Fatalf("%d acknowledgements to an unusable address", n)
	}
	res, err := f.desk.Tick(t.Context())
	if err != nil || res.Escalated != 0 {
		t.Fatalf("tick: %+v %v; the ticket is with its tier already", res, err)
	}
}
