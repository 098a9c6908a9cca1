package desk

import (
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/testutils"
	"github.com/madoguchi/madoguchi/tickets"
)

// A Japanese desk's day, through every mail it sends its agents: notices
// (an FAQ that did not help, no match, an unanswered ticket moving on, an
// agent's #escalate), copies of every command, forwards, reminders,
// breaches, digests, a bounce notice, a command error and a reply to a
// tier the ticket has left. Every line of them is Japanese but what a
// Japanese desk names as it is (testutils.EnglishWords): the reasons and
// the commands' notes come from codes, not from English sentences.
func TestNotices_JapaneseDeskWritesEveryLineOfItsAgentsMailInJapanese(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	f := newFAQFixture(t, func(o *Options) {
		withTiers(o)
		o.Tiers[0].EscalateAfter = 2 * time.Hour
		o.Language, o.Location = "ja", jst
	})
	t0 := f.now

	// 山田's password: the automatic answer does not help.
	ans := f.autoAnswered("ja", "j1")
	f.replyTo(ans, "まだエラーが出ます。", "j2")
	n := f.last(mailNotice, "l1@example.com")
	for _, a := range []struct{ from, body, id string }{
		{"alice@example.com", "#take\n#priority P2\n#type request", "j3"},
		{"alice@example.com", "#note\nアカウントはロックされていません。", "j4"},
		{"alice@example.com", "ブラウザのキャッシュを削除してお試しください。", "j5"},
		{"alice@example.com", "#answer vpn-setup", "j6"},
		{"alice@example.com", "#assign bob@example.com", "j6b"},
		{"alice@example.com", "#priority P9", "j6c"},
	} {
		f.one(agentMail(a.from, n, a.body, a.id))
	}
	f.replyTo(f.last(mailRelay, "yamada@customer.example"), "解決しません。", "j7")
	f.one(agentMail("bob@example.com", n, "#escalate\nL2 でアカウントの再作成が必要です。", "j8"))
	f.one(agentMail("alice@example.com", n, "確認します。", "j8b")) // L1's token, the ticket is L2's now
	l2 := f.last(mailNotice, "l2@example.com")
	f.one(agentMail("carol@example.com", l2, "#hold\n本日中に再作成します。", "j9"))
	f.replyTo(f.last(mailRelay, "yamada@customer.example"), "承知しました。", "j10")
	relay := f.last(mailRelay, "yamada@customer.example")
	f.one(dsn("j11", relay.MessageID, relay.To, "failed", "5.1.1"))

	// 佐藤's projector: no entry matches; nobody answers, it moves on; its
	// reminders and breaches come alone and in digests.
	for i, body := range []string{"会議室5のプロジェクターが数秒ごとに点滅します。", "3階の複合機で紙詰まりが頻発しています。", "経費精算システムにログインできません。"} {
		f.one(mail("佐藤 太郎 <sato@customer.example>", "困っています", body, "Message-ID: <s"+string(rune('1'+i))+"@c>"))
	}
	f.one(mail("運用 <ops@customer.example>", "至急：本番サーバーが停止", "本番サーバーが停止し、全社で業務ができません。", "Message-ID: <p1@c>"))
	for _, h := range []time.Duration{1, 2, 3, 4, 5, 20, 30, 60} {
		f.tickAt(t0.Add(h * time.Hour))
	}
	f.one(agentMail("carol@example.com", l2, "#resolve\nアカウントを再作成しました。", "j12"))

	kinds := map[string]int{}
	for _, o := range f.outgoing() {
		if strings.HasSuffix(o.To, "@customer.example") {
			continue
		}
		kinds[o.Kind]++
		if w := testutils.EnglishWords(o.Subject+"\n"+o.Text, ownData...); len(w) > 0 {
			t.Errorf("%s to %s has English words %q:\n%s\n%s", o.Kind, o.To, w, o.Subject, o.Text)
		}
	}
	for _, k := range []string{mailNotice, mailCopy, mailForward, mailReminder, mailBreach, mailDigest, mailBounceNotice, mailCommandError} {
		if kinds[k] == 0 {
			t.Errorf("the day sent no %s to agents (sent %v)", k, kinds)
		}
	}
}

// ownData are the words of the scenario a Japanese mail names as they are:
// the FAQ entries' keys and questions, the tiers.
var ownData = []string{"pw-reset", "vpn-setup", "printer-toner", "L1", "L2",
	"How do I connect to the office VPN from home?", "How do I replace the toner in the office printer?"}

// last is the newest mail of kind to addr.
func (f *fixture) last(kind, addr string) *tickets.Outgoing {
	f.t.Helper()
	list := f.sent(kind, addr)
	if len(list) == 0 {
		f.t.Fatalf("no %s to %s", kind, addr)
	}
	return list[len(list)-1]
}
