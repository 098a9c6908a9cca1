package desk

import (
	"context"
	"fmt"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// What the desk learns answers the next customer who asks the same thing
// in words of their own (the case of issue 15): two citizens' wordings,
// taught with #answer and confirmed by their thanks, let a third wording
// go out automatically, one that repeats neither of them nor the entry's
// question but keeps to the words they share (住民票, コンビニ, 取る).
// While the wordings are only pending, the same mail goes to the agents.
func TestLearn_ConfirmedWordingsAnswerTheNextCustomersOwnWords(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	if _, err := f.desk.PutFAQs(context.Background(), []tickets.FAQ{{Key: "juminhyo", Question: "住民票の写しの交付について",
		Answer: "市役所の窓口のほか、マイナンバーカードがあればコンビニのマルチコピー機で取得できます。", Language: "ja", Status: tickets.FAQPublished}}, "admin"); err != nil {
		t.Fatal(err)
	}
	next := "お世話になっております。\n住民票の写しをコンビニで取りたいのですが。\nよろしくお願いいたします。"
	for n, body := range []string{"コンビニで住民票って出せますか", "住民票をコンビニのコピー機で取ることはできますか"} {
		id := fmt.Sprintf("w%d", n)
		oc := f.one(mail(fmt.Sprintf("c%d@customer.example", n), "住民票", body, "Message-ID: <"+id+"@c>"))
		if oc.Status != tickets.StatusEscalated {
			t.Fatalf("teaching mail %d: %+v, want it escalated", n, oc)
		}
		notices := f.sent(mailNotice, "l1@example.com")
		if r := f.one(agentMail("alice@example.com", notices[len(notices)-1], "#answer juminhyo\n#resolve", id+"-a")); r.Status != tickets.StatusResolved {
			t.Fatalf("#answer on mail %d: %+v", n, r)
		}
	}
	if oc := f.one(mail("c8@customer.example", "住民票", next, "Message-ID: <w8@c>")); oc.Status == tickets.StatusAutoAnswered {
		t.Fatalf("answered automatically on pending wordings: %+v", oc)
	}
	for n := range 2 {
		// The citizens thank now: their wordings are confirmed.
		list := f.sent(mailResolution, fmt.Sprintf("c%d@customer.example", n))
		f.replyTo(list[len(list)-1], "ありがとうございました。解決しました。", fmt.Sprintf("w%d-t", n))
	}
	for _, p := range f.faq("juminhyo").Paraphrases {
		if p.State != tickets.ParaphraseConfirmed {
			t.Fatalf("paraphrase %+v, want confirmed by the thanks", p)
		}
	}
	oc := f.one(mail("c9@customer.example", "住民票", next, "Message-ID: <w9@c>"))
	if oc.Status != tickets.StatusAutoAnswered || f.ticket(oc.Ticket).AutoAnswerKey != "juminhyo" {
		t.Fatalf("the next citizen's own words after two confirmed wordings: %+v, want juminhyo answered automatically", oc)
	}
}
