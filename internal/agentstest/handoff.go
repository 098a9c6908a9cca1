package agentstest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/testutils"
)

// HandOffTellsTheWholeStoryInTheDesksLanguage (issue 13), on a Japanese
// desk. The automatic answer does not help Hanako: L1's notice tells the
// story so far and does not offer that entry again. Alice notes, answers
// Hanako, hears back and escalates with her reasons. The L2 notice carries
// the original report, the note, Alice's answer, Hanako's follow-up, who
// escalated and why in her own words, and no entry Hanako turned down; her
// reasons reach L2 and L1's copy, never Hanako. Every line of every mail
// to the agents is Japanese but what a Japanese desk names as it is.
func HandOffTellsTheWholeStoryInTheDesksLanguage(t *testing.T, start Start) {
	d := &installation{t: t, g: start(t, "language = \"ja\"\n"+DeskConfig("8h", ""))}
	d.cli("faq", "add", "--key", "printer-blank", "--question", "プリンターから白紙しか出てきません。",
		"--answer", "トナーカートリッジを取り外し、保護テープをはがしてから取り付け直してください。", "--status", "published")
	const report = "プリンターから白紙しか出てきません。"

	ref, sent := d.customerAsks("山田 花子 <hanako@customer.example>", "印刷が白紙になる", "h1@customer.example", report)
	answer := sent.one(t, hanako)
	if !strings.Contains(answer.Text, "保護テープ") {
		t.Fatalf("setup: no automatic answer (%q):\n%s", answer.Subject, answer.Text)
	}
	if !d.suggests(ref, "printer-blank") {
		t.Fatal("setup: printer-blank is not among the ticket's suggestions")
	}
	// The automatic answer has no Reply-To: the reply goes to the support address, in its thread.
	d.deliver(customerMail("山田 花子 <hanako@customer.example>", "support@example.com", "Re: "+answer.Subject, "h2@customer.example",
		"テープははがしましたが、まだ白紙のままです。", "In-Reply-To: <"+answer.MessageID+">", "References: <"+answer.MessageID+">"))
	d.run("")
	l1 := d.sent().one(t, "l1@example.com")
	testutils.InOrder(t, "L1's notice", lf(l1.Text), "経緯　　　　：FAQ printer-blank の自動回答では解決しなかったとのご返信がありました",
		"■ これまでの経緯", "> "+report, "自動回答：FAQ printer-blank", "> テープははがしましたが")
	if strings.Contains(l1.Text, "・printer-blank") {
		t.Fatalf("L1's notice suggests the entry that did not help:\n%s", l1.Text)
	}

	// Alice's note, her answer, Hanako's follow-up, Alice's escalation.
	d.deliver(replyMail(t, "alice@example.com", l1, "h3@agents.example", "#note\nトナー残量は十分。定着ユニットの故障を疑っています。"))
	d.run("")
	d.deliver(replyMail(t, "alice@example.com", l1, "h4@agents.example", "操作パネルからテストページを印刷し、結果をお知らせください。"))
	d.run("")
	relay := d.sent().one(t, hanako)
	d.deliver(replyMail(t, "山田 花子 <hanako@customer.example>", relay, "h5@customer.example", "テストページも白紙でした。"))
	d.run("")
	d.sent()
	d.deliver(replyMail(t, "alice@example.com", l1, "h6@agents.example", "#escalate\n定着ユニットの交換が必要です。保守契約のある L2 で手配をお願いします。\n\n-- \n鈴木 アリス"))
	d.run("")
	sent = d.sent()
	l2 := sent.one(t, "l2@example.com")
	testutils.InOrder(t, "L2's notice", lf(l2.Text),
		"経緯　　　　：alice@example.com が L2 へエスカレーションしました",
		"■ エスカレーションの理由（alice@example.com より）\n\n> 定着ユニットの交換が必要です。",
		"お客様（hanako@customer.example）\n> "+report,
		"自動回答：FAQ printer-blank",
		"社内メモ（alice@example.com）\n> トナー残量は十分。",
		"担当者からお客様へ（alice@example.com）\n> 操作パネルからテストページを印刷し",
		"お客様（hanako@customer.example）\n> テストページも白紙でした。")
	if strings.Contains(l2.Text, "・printer-blank") || strings.Contains(l2.Text, "鈴木 アリス") {
		t.Fatalf("L2's notice suggests the entry that did not help, or keeps the signature:\n%s", l2.Text)
	}
	if c := sent.one(t, "l1@example.com"); !strings.Contains(c.Text, "#escalate：L2 へエスカレーションしました") || !strings.Contains(lf(c.Text), "\n> 定着ユニットの交換が必要です。") {
		t.Fatalf("L1's copy of the escalation:\n%s", c.Text)
	}
	if len(sent.to(hanako)) != 0 {
		t.Fatalf("the escalation's words went to the customer:%s", sent)
	}
	if tk := d.ticket(ref); tk.Tier != "L2" || tk.Status != "escalated" {
		t.Fatalf("%s: tier %s, status %s", ref, tk.Tier, tk.Status)
	}

	// Every line the agents read is in the desk's language.
	for _, m := range d.allSent() {
		if m.rcpt == hanako {
			continue
		}
		if w := testutils.EnglishWords(m.Subject+"\n"+m.Text, "printer-blank", "L1", "L2"); len(w) > 0 {
			t.Errorf("mail to %s %q has English words %q:\n%s", m.rcpt, m.Subject, w, m.Text)
		}
	}
}

// suggests reports whether key is among the ticket's FAQ suggestions.
func (d *installation) suggests(ref, key string) bool {
	d.t.Helper()
	var tk struct{ Suggestions []struct{ Key string } }
	if err := json.Unmarshal([]byte(d.cli("tickets", "show", ref, "--json")), &tk); err != nil {
		d.t.Fatal(err)
	}
	for _, s := range tk.Suggestions {
		if s.Key == key {
			return true
		}
	}
	return false
}

// allSent is every mail the SMTP server accepted, read back.
func (d *installation) allSent() sentMails {
	d.t.Helper()
	seen := d.seen
	d.seen = 0
	all := d.sent()
	d.seen = seen
	return all
}

// lf is a mail's text with LF line ends, as the desk wrote it.
func lf(text string) string { return strings.ReplaceAll(text, "\r\n", "\n") }
