package desk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

func TestReceive_UrgentAckSaysTheMatterWasPassedOnAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	urgent := f.one(mail("Ops <ops@customer.example>", "【至急】サーバーが停止しています", "本番サーバーが停止しています。至急対応をお願いします。", "Message-ID: <w1@c>"))
	routine := f.one(mail("山田 太郎 <yamada@customer.example>", "プリンターの用紙が詰まりました", "3階のプリンターで紙詰まりが起きています。", "Message-ID: <w2@c>"))
	if p := f.ticket(urgent.Ticket).Priority; p != "P1" {
		t.Fatalf("urgent ticket has priority %s", p)
	}
	if p := f.ticket(routine.Ticket).Priority; p == "P1" || p == "P2" {
		t.Fatalf("routine ticket has priority %s", p)
	}
	out := f.outgoing()
	if len(out) != 2 {
		t.Fatalf("%d mails", len(out))
	}
	if a := out[0]; !strings.Contains(a.Text, "直ちに担当者へ引き継ぎました") || strings.Contains(a.Text, "順次") {
		t.Errorf("P1 acknowledgement:\n%s", a.Text)
	}
	if a := out[1]; !strings.Contains(a.Text, "担当者より順次ご連絡いたします") || strings.Contains(a.Text, "直ちに") {
		t.Errorf("routine acknowledgement:\n%s", a.Text)
	}
	// A role is greeted as a customer, a person by name.
	if !strings.HasPrefix(out[0].Text, "お客様\n") || !strings.HasPrefix(out[1].Text, "山田 太郎 様\n") {
		t.Errorf("greetings: %q / %q", strings.SplitN(out[0].Text, "\n", 2)[0], strings.SplitN(out[1].Text, "\n", 2)[0])
	}
	if !strings.HasPrefix(out[0].Subject, "【受付完了】["+urgent.Ticket+"] ") {
		t.Errorf("subject %q", out[0].Subject)
	}
}

func TestRespond_AutoAnswerSaysTheConfiguredWaitingPeriod(t *testing.T) {
	for _, c := range []struct {
		after      time.Duration
		lang, want string
	}{
		{72 * time.Hour, "ja", "本メールの送信後3日間ご連絡がない場合は"},
		{5 * 24 * time.Hour, "ja", "本メールの送信後5日間ご連絡がない場合は"},
		{36 * time.Hour, "en", "within 2 days, we will consider your request solved"}, // a part of a day counts as a day
		{0, "en", "within 3 days, we will consider"},                                  // the default, 72h
	} {
		f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = c.after })
		o := f.autoAnswered(c.lang, "w3")
		if !strings.Contains(strings.Join(strings.Fields(o.Text), " "), c.want) && !strings.Contains(strings.ReplaceAll(o.Text, "\n", ""), c.want) {
			t.Errorf("confirm_after %s, %s: answer lacks %q:\n%s", c.after, c.lang, c.want, o.Text)
		}
		if tk := f.ticket(o.TicketRef); tk.Status != tickets.StatusAutoAnswered {
			t.Errorf("status %s", tk.Status)
		}
	}
}

// A customer who answers one of our mails long after its ticket closed
// opens a new ticket; its topic is the customer's, not our subject's label.
func TestReceive_ReplyToClosedTicketKeepsTheTopicWithoutOurLabel(t *testing.T) {
	for _, c := range []struct{ lang, subject, body, wantAck string }{
		{"ja", "プリンターの用紙が詰まりました", "また詰まりました。", "【新規受付】[%s] プリンターの用紙が詰まりました"},
		{"en", "Paper jam on 3F", "It jammed again.", "[%s] New request: Paper jam on 3F"},
	} {
		f := newFixture(t, nil)
		first := f.one(mail("Hanako Yamada <hanako@customer.example>", c.subject, c.body, "Message-ID: <l1@c>"))
		ack := f.outgoing()[0]
		f.update(func(tx *tickets.Tx) error {
			t, err := tx.Ticket(first.Ticket)
			if err != nil {
				return err
			}
			if err := tx.SetStatus(t, tickets.StatusResolved, "agent", ""); err != nil {
				return err
			}
			return tx.SetStatus(t, tickets.StatusClosed, "system", "")
		})
		oc := f.one(mail("Hanako Yamada <hanako@customer.example>", "Re: "+ack.Subject, c.body, "Message-ID: <l2@c>", "In-Reply-To: <"+ack.MessageID+">"))
		if oc.Disposition != tickets.DispNewTicket {
			t.Fatalf("%s: reply to closed: %+v", c.lang, oc)
		}
		if got := f.ticket(oc.Ticket).Subject; got != c.subject {
			t.Errorf("%s: new ticket's subject %q, want %q (from %q)", c.lang, got, c.subject, "Re: "+ack.Subject)
		}
		out := f.outgoing()
		if got, want := out[len(out)-1].Subject, fmt.Sprintf(c.wantAck, oc.Ticket); got != want {
			t.Errorf("%s: acknowledgement subject %q, want %q", c.lang, got, want)
		}
	}
}
