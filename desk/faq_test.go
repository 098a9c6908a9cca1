package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

var sampleFAQ = []tickets.FAQ{
	{Key: "vpn-setup", Question: "How do I connect to the office VPN from home?", Answer: "Install the VPN client from the portal and sign in with your company account.", Language: "en", Status: tickets.FAQPublished},
	{Key: "pw-reset", Question: "パスワードを忘れました。再設定の方法を教えてください。", Answer: "パスワード再設定ページから再設定できます。", Language: "ja", Status: tickets.FAQPublished},
	{Key: "printer-toner", Question: "How do I replace the toner in the office printer?", Answer: "Open the front cover and swap the cartridge.", Language: "en", Status: tickets.FAQPublished},
	{Key: "draft-only", Question: "How do I order a new office chair?", Answer: "Ask facilities.", Language: "en", Status: tickets.FAQDraft},
}

// newFAQFixture is a desk with a real (in-memory) FAQ index filled from
// the store.
func newFAQFixture(t *testing.T, mod func(*Options)) *fixture {
	t.Helper()
	x, err := responder.Open(responder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	f := newFixtureWith(t, x, mod)
	if _, err := f.desk.PutFAQs(context.Background(), append([]tickets.FAQ(nil), sampleFAQ...), "admin"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) faq(key string) *tickets.FAQ {
	f.t.Helper()
	var out *tickets.FAQ
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		var err error
		out, err = tx.FAQ(key)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func TestRespond_ConfidentMatchMailsTheAnswerInsteadOfTheAck(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("alice@customer.example", "How do I connect to the office VPN from home?", "Hi,\n\nHow do I connect to the office VPN from home?\n\nThanks,\nAlice", "Message-ID: <f1@c>"))
	if oc.Status != tickets.StatusAutoAnswered || len(oc.Sent) != 1 || oc.Sent[0] != "auto_answer" {
		t.Fatalf("outcome %+v", oc)
	}
	out := f.outgoing()
	if len(out) != 1 || !strings.Contains(out[0].Text, "Install the VPN client") || !strings.Contains(out[0].Subject, oc.Ticket) || out[0].InReplyTo != "f1@c" {
		t.Fatalf("mail %+v", out)
	}
	if tk := f.ticket(oc.Ticket); tk.AutoAnswerKey != "vpn-setup" {
		t.Fatalf("auto answer key %q", tk.AutoAnswerKey)
	}
}

func TestRespond_JapaneseQuestionAnsweredInJapanese(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("yamada@customer.example", "パスワード再設定", "お世話になっております。\nパスワードを忘れました。再設定の方法を教えてください。\nよろしくお願いいたします。", "Message-ID: <f2@c>"))
	if oc.Status != tickets.StatusAutoAnswered {
		t.Fatalf("outcome %+v", oc)
	}
	if o := f.outgoing()[0]; !strings.Contains(o.Text, "パスワード再設定ページ") || !isJapanese(o.Text) {
		t.Fatalf("mail %q", o.Text)
	}
}

func TestRespond_ThanksResolvesCountsHelpfulAndKeepsParaphrase(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("yamada@customer.example", "パスワード再設定", "パスワードを忘れました。再設定の方法を教えてください。", "Message-ID: <f3@c>"))
	ans := f.outgoing()[0]
	r := f.one(mail("yamada@customer.example", "Re: "+ans.Subject, "解決しました。ありがとうございました。\n\n> 以前のメール", "Message-ID: <f4@c>", "In-Reply-To: <"+ans.MessageID+">"))
	if r.Disposition != tickets.DispAppended || r.Status != tickets.StatusResolved {
		t.Fatalf("reply %+v", r)
	}
	e := f.faq("pw-reset")
	if e.Helpful != 1 || e.NotHelpful != 0 || len(e.Paraphrases) != 1 || !strings.Contains(e.Paraphrases[0], "パスワードを忘れました") {
		t.Fatalf("entry %+v", e)
	}
	if len(f.outgoing()) != 1 {
		t.Fatal("a thank-you was answered")
	}
	_ = oc
}

func TestRespond_StillBrokenEscalatesAndCountsNotHelpful(t *testing.T) {
	f := newFAQFixture(t, nil)
	f.one(mail("alice@customer.example", "VPN from home", "How do I connect to the office VPN from home?", "Message-ID: <f5@c>"))
	ans := f.outgoing()[0]
	r := f.one(mail("alice@customer.example", "Re: "+ans.Subject, "Thanks, but it is still broken: the client says certificate error.", "Message-ID: <f6@c>", "In-Reply-To: <"+ans.MessageID+">"))
	if r.Status != tickets.StatusEscalated {
		t.Fatalf("reply %+v", r)
	}
	if e := f.faq("vpn-setup"); e.NotHelpful != 1 || e.Helpful != 0 {
		t.Fatalf("entry %+v", e)
	}
}

func TestRespond_AutomaticMailIsNeverAnswered(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("robot@customer.example", "How do I connect to the office VPN from home?", "How do I connect to the office VPN from home?", "Auto-Submitted: auto-generated", "Message-ID: <f7@c>"))
	if len(oc.Sent) != 0 || len(f.outgoing()) != 0 {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestRespond_UrgentTicketGetsAckNotAutomaticAnswer(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("alice@customer.example", "URGENT: How do I connect to the office VPN from home?", "Everyone in production cannot connect. How do I connect to the office VPN from home? ASAP", "Message-ID: <f8@c>"))
	tk := f.ticket(oc.Ticket)
	if tk.Priority != "P1" && tk.Priority != "P2" {
		t.Fatalf("priority %s", tk.Priority)
	}
	if oc.Status != tickets.StatusEscalated || len(oc.Sent) != 1 || oc.Sent[0] != "ack" {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestRespond_UnrelatedMailEscalatesWithAck(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("alice@customer.example", "Invoice 4711", "Please find attached the invoice for November consulting.", "Message-ID: <f9@c>"))
	if oc.Status != tickets.StatusEscalated || len(oc.Sent) != 1 || oc.Sent[0] != "ack" {
		t.Fatalf("outcome %+v", oc)
	}
}

func TestRespond_NeverTwiceOnOneTicket(t *testing.T) {
	f := newFAQFixture(t, nil)
	f.one(mail("alice@customer.example", "VPN", "How do I connect to the office VPN from home?", "Message-ID: <g1@c>"))
	ans := f.outgoing()[0]
	// The customer asks the same again in the thread: the ticket is
	// escalated, not answered a second time.
	f.one(mail("alice@customer.example", "Re: "+ans.Subject, "How do I connect to the office VPN from home?", "Message-ID: <g2@c>", "In-Reply-To: <"+ans.MessageID+">"))
	n := 0
	for _, o := range f.outgoing() {
		if o.Kind == "auto_answer" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d automatic answers on one ticket", n)
	}
}

func TestTick_NoReplyResolvesAutoAnsweredQuietly(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
	oc := f.one(mail("alice@customer.example", "VPN", "How do I connect to the office VPN from home?", "Message-ID: <h1@c>"))
	f.now = f.now.Add(49 * time.Hour)
	res, err := f.desk.Tick(context.Background())
	if err != nil || res.Confirmed != 1 {
		t.Fatalf("tick %+v %v", res, err)
	}
	if s := f.ticket(oc.Ticket).Status; s != tickets.StatusResolved {
		t.Fatalf("status %s", s)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d mails: resolving quietly sent mail", n)
	}
}

func TestSyncIndex_RebuildsWhenStaleAndNotWhenCurrent(t *testing.T) {
	f := newFAQFixture(t, nil)
	ctx := context.Background()
	if rebuilt, err := f.desk.SyncIndex(ctx); err != nil || rebuilt {
		t.Fatalf("current index rebuilt: %v %v", rebuilt, err)
	}
	// A change the index never heard of (written straight to the store).
	f.update(func(tx *tickets.Tx) error {
		_, err := tx.PutFAQ(&tickets.FAQ{Key: "wifi", Question: "How do I join the guest wifi?", Answer: "Use the code at reception.", Status: tickets.FAQPublished}, 0, "test")
		return err
	})
	if rebuilt, err := f.desk.SyncIndex(ctx); err != nil || !rebuilt {
		t.Fatalf("stale index not rebuilt: %v %v", rebuilt, err)
	}
	res, err := f.index.Match(ctx, "", "How do I join the guest wifi?")
	if err != nil || len(res.Candidates) == 0 || res.Candidates[0].Key != "wifi" {
		t.Fatalf("match after rebuild %+v %v", res, err)
	}
}

func TestPromote_DraftsFromResolvedTicketAndGapsListUnanswered(t *testing.T) {
	f := newFAQFixture(t, nil)
	ctx := context.Background()
	var refs []string
	for i, body := range []string{"The badge reader at the east door rejects my card.", "My badge does not open the east door reader.", "Monitor flickers after docking."} {
		oc := f.one(mail("c@customer.example", "Issue", body, "Message-ID: <gap"+string(rune('a'+i))+"@c>"))
		refs = append(refs, oc.Ticket)
		f.update(func(tx *tickets.Tx) error {
			t, err := tx.Ticket(oc.Ticket)
			if err != nil {
				return err
			}
			if err := tx.AddEntry(t, &tickets.Entry{Kind: tickets.KindAgent, Direction: "out", Text: "Re-register the badge at reception."}, "agent@example.com"); err != nil {
				return err
			}
			return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "done")
		})
	}
	gaps, err := f.desk.Gaps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) == 0 || len(gaps[0].Tickets) != 2 {
		t.Fatalf("gaps %+v", gaps)
	}
	faq, err := f.desk.Promote(ctx, refs[0], "badge", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if faq.Status != tickets.FAQDraft || !strings.Contains(faq.Question, "badge reader") || faq.Answer != "Re-register the badge at reception." {
		t.Fatalf("promoted %+v", faq)
	}
	if got := f.faq("badge"); got.SourceTicket != refs[0] {
		t.Fatalf("source ticket %q", got.SourceTicket)
	}
}

func TestIsSuccessReply(t *testing.T) {
	for text, want := range map[string]bool{
		"thanks, that fixed it": true,
		"Thank you! Works now.": true,
		"解決しました":                true,
		"ありがとうございました。無事につながりました。": true,
		"still broken":                 false,
		"Thanks, but it does not work": false,
		"ありがとうございます。しかしまだ接続できません。":         false,
		"I have another question about it": false,
	} {
		if got := isSuccessReply(text); got != want {
			t.Errorf("isSuccessReply(%q) = %v, want %v", text, got, want)
		}
	}
}
