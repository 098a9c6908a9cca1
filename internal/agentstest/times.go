package agentstest

import (
	"encoding/base64"
	"strings"
	"testing"
)

// tokyoHours are the business hours of a Japanese in-house desk.
const tokyoHours = `[sla.hours]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
from = "09:00"
to = "18:00"
time_zone = "Asia/Tokyo"
`

// Issue 13's times and hand-offs at a Japanese desk, as its people live
// them. A customer writes on a Friday evening from a web form that hides
// her whole address in one encoded-word: she is acknowledged, by name,
// with when the desk will look at her mail (Monday 9:00, from the
// calendar). At the terminal every time is in the desk's zone and says
// so (--utc for scripts); the ticket is found by its number. Alice (L1)
// takes it and hands it to L2 by mail, where Carol resolves it: `tickets
// show` names L2 as the owner, not Alice, says Carol resolved it, and
// shows who did what and when.
func OutOfHoursAndTheStoryAtTheTerminal(t *testing.T, start Start) {
	d := open(t, start, "0s", tokyoHours)
	from := "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte("伊藤 美咲 <m.ito@example.co.jp>")) + "?="
	d.deliver(customerMail(from, "support@example.com", "VPNに接続できません", "ito1@example.co.jp",
		"自宅からVPNに接続できません。証明書のエラーが表示されます。"))
	d.run("2026-12-04T19:30:00+09:00") // Friday evening

	sent := d.sent()
	ack := sent.one(t, "m.ito@example.co.jp")
	for _, want := range []string{"伊藤 美咲 様", "受付時間外のため、翌営業日（12月7日（月））9:00 以降に対応いたします。"} {
		if !strings.Contains(ack.Text, want) {
			t.Fatalf("acknowledgement lacks %q:\n%s", want, ack.Text)
		}
	}
	if len(sent) != 2 || len(sent.to("l1@example.com")) != 1 {
		t.Fatalf("want the acknowledgement and L1's notice; sent:%s", sent)
	}

	// P3: respond 4h, resolve 24h of business time from Monday 09:00 JST.
	if list := d.cli("tickets", "list"); !strings.Contains(list, "2026-12-09 15:00 JST") || !strings.Contains(list, "m.ito@example.co.jp") {
		t.Fatalf("tickets list, due Wednesday 15:00 JST:\n%s", list)
	}
	if list := d.cli("--utc", "tickets", "list"); !strings.Contains(list, "2026-12-09 06:00 UTC") {
		t.Fatalf("tickets list --utc:\n%s", list)
	}
	if show := d.cli("tickets", "show", "1001"); !strings.Contains(show, "respond by 2026-12-07 13:00 JST") || !strings.Contains(show, "created 2026-12-04 19:30 JST") {
		t.Fatalf("tickets show 1001:\n%s", show)
	}

	notice := sent.one(t, "l1@example.com")
	d.deliver(replyMail(t, "Alice <alice@example.com>", notice, "a1@agents.example", "#take"))
	d.run("2026-12-07T09:10:00+09:00")
	if tk := d.ticket("INC-1001"); tk.Assignee != "alice@example.com" || tk.Tier != "L1" {
		t.Fatalf("after alice's #take: %s, %s", tk.Tier, tk.Assignee)
	}
	d.deliver(replyMail(t, "Alice <alice@example.com>", notice, "a2@agents.example", "#escalate"))
	d.run("2026-12-07T09:30:00+09:00")
	l2 := d.sent().one(t, "l2@example.com")
	d.deliver(replyMail(t, "Carol <carol@example.com>", l2, "c1@agents.example", "#resolve\n証明書を更新しました。もう一度接続をお試しください。"))
	d.run("2026-12-07T10:00:00+09:00")
	if res := d.sent().to("m.ito@example.co.jp"); len(res) != 1 || !strings.Contains(res[0].Text, "証明書を更新しました") {
		t.Fatalf("resolution to the customer: %s", res)
	}

	show := strings.Join(strings.Fields(d.cli("tickets", "show", "INC-1001")), " ")
	for _, want := range []string{
		"requester 伊藤 美咲 <m.ito@example.co.jp>",
		"owner L2 · not assigned resolved by carol@example.com at 2026-12-07 10:00 JST",
		"── history ",
		"alice@example.com assignee_changed: - → alice@example.com",
		"alice@example.com tier_changed: L1 → L2",
		"2026-12-07 10:00 JST carol@example.com status_changed: escalated → resolved",
	} {
		if !strings.Contains(show, want) {
			t.Errorf("tickets show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, " UTC") || strings.Contains(show, "owner L2 · alice") {
		t.Errorf("tickets show gives UTC times or names alice as L2's owner:\n%s", show)
	}
}
