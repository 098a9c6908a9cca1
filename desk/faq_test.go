package desk

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/intake"
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
	if e.Helpful != 1 || e.NotHelpful != 0 || len(e.Paraphrases) != 1 || !strings.Contains(e.Paraphrases[0].Text, "パスワードを忘れました") ||
		e.Paraphrases[0].State != tickets.ParaphraseConfirmed {
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

// The customer's time to reply runs from delivery: an answer the relay has
// not taken yet is not one they ignored.
func TestTick_NoReplyResolvesAutoAnsweredQuietly(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
	oc := f.one(mail("alice@customer.example", "VPN", "How do I connect to the office VPN from home?", "Message-ID: <h1@c>"))
	f.now = f.now.Add(49 * time.Hour)
	if res, err := f.desk.Tick(context.Background()); err != nil || res.Confirmed != 0 || f.ticket(oc.Ticket).Status != tickets.StatusAutoAnswered {
		t.Fatalf("tick with the answer still queued: %+v %v", res, err)
	}
	out := f.outgoing()
	f.delivered(out[len(out)-1])
	f.now = f.now.Add(47 * time.Hour)
	if res, err := f.desk.Tick(context.Background()); err != nil || res.Confirmed != 0 {
		t.Fatalf("tick 47h after delivery: %+v %v", res, err)
	}
	f.now = f.now.Add(2 * time.Hour)
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

// An admin's change written to the database alone (the gateway holds the
// index) reaches the gateway's matcher at its next tick, or sooner when
// the gateway changes the FAQ itself in between (an agent's #faq, a
// customer's vote): its own update must not claim the admin's change
// without taking it. Neither rebuilds the index: it takes the entries
// changed since its version.
func TestSyncIndex_AnAdminChangeReachesTheGatewayAtItsNextTick(t *testing.T) {
	f := newFAQFixture(t, nil)
	ctx := context.Background()
	var rebuilds int
	f.desk.log = slog.New(countingHandler{msg: "FAQ index rebuilt", n: &rebuilds})
	admin, err := New(Options{}, Deps{Store: f.store, Templates: f.desk.tmpl}) // no index: the database alone
	if err != nil {
		t.Fatal(err)
	}
	add := func(key, question string) {
		t.Helper()
		if _, err := admin.PutFAQs(ctx, []tickets.FAQ{{Key: key, Question: question, Answer: "Ask reception.", Status: tickets.FAQPublished}}, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	top := func(question string) string {
		t.Helper()
		m, err := f.index.Match(ctx, "", question)
		if err != nil || len(m.Candidates) == 0 {
			return fmt.Sprint(err)
		}
		return m.Candidates[0].Key
	}

	add("badge", "How do I get a visitor badge?")
	if key := top("How do I get a visitor badge?"); key == "badge" {
		t.Fatal("the gateway's index has the admin's entry before any sync")
	}
	if res, err := f.desk.Tick(ctx); err != nil || !res.IndexRebuilt {
		t.Fatalf("tick: %+v, %v; want the index brought up to date", res, err)
	}
	if key := top("How do I get a visitor badge?"); key != "badge" {
		t.Errorf("after the tick the gateway matches %q; want the admin's badge", key)
	}

	add("parking", "Where can visitors park their car?")
	if err := f.desk.SetFAQStatus(ctx, "printer-toner", tickets.FAQRetired, "agent@example.com"); err != nil {
		t.Fatal(err)
	}
	if key := top("Where can visitors park their car?"); key != "parking" {
		t.Errorf("after the gateway's own change it matches %q; want the admin's parking", key)
	}
	if key := top("How do I replace the toner in the office printer?"); key == "printer-toner" {
		t.Error("the retired entry still matches")
	}
	if res, err := f.desk.Tick(ctx); err != nil || res.IndexRebuilt {
		t.Errorf("the next tick: %+v, %v; want nothing left to do", res, err)
	}
	if rebuilds != 0 {
		t.Errorf("%d full rebuilds; the index was a change or two behind", rebuilds)
	}
}

// countingHandler counts the log records with one message.
type countingHandler struct {
	msg string
	n   *int
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		*h.n++
	}
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

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
			if err := tx.AddEntry(t, &tickets.Entry{Kind: tickets.KindAgent, Direction: tickets.DirOut, Text: "Re-register the badge at reception."}, "agent@example.com"); err != nil {
				return err
			}
			return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "done")
		})
	}
	gaps, err := f.desk.Gaps(ctx, GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) == 0 || len(gaps[0].Tickets) != 2 {
		t.Fatalf("gaps %+v", gaps)
	}
	faq, err := f.desk.Promote(ctx, refs[0], "badge", "", "admin")
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

// autoAnswered opens a ticket the FAQ answers automatically (English:
// vpn-setup, Japanese: pw-reset) and returns the answer mail.
func (f *fixture) autoAnswered(lang, id string) *tickets.Outgoing {
	f.t.Helper()
	from, subject, body := "alice@customer.example", "VPN from home", "How do I connect to the office VPN from home?"
	if lang == "ja" {
		from, subject, body = "yamada@customer.example", "パスワード再設定", "パスワードを忘れました。再設定の方法を教えてください。"
	}
	oc := f.one(mail(from, subject, body, "Message-ID: <"+id+"@c>"))
	if oc.Status != tickets.StatusAutoAnswered {
		f.t.Fatalf("not answered automatically: %+v", oc)
	}
	out := f.outgoing()
	return out[len(out)-1]
}

// replyTo is the customer's reply to one of our mails.
func (f *fixture) replyTo(o *tickets.Outgoing, body, id string) Outcome {
	f.t.Helper()
	return f.one(mail(o.To, "Re: "+o.Subject, body, "Message-ID: <"+id+"@c>", "In-Reply-To: <"+o.MessageID+">"))
}

func (f *fixture) events(ref string) []tickets.Event {
	f.t.Helper()
	var list []tickets.Event
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		t, err := tx.Ticket(ref)
		if err != nil {
			return err
		}
		list, err = tx.Events(t.ID)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

// statusReasons are the reasons of a ticket's status changes, one a line.
func (f *fixture) statusReasons(ref string) string {
	f.t.Helper()
	var b strings.Builder
	for _, e := range f.events(ref) {
		if e.Kind == "status_changed" {
			b.Write(e.Detail)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func faqKeyFor(lang string) string {
	if lang == "ja" {
		return "pw-reset"
	}
	return "vpn-setup"
}

// A reply that does not say the problem is solved brings in a person; it
// never resolves the ticket, counts the entry helpful or keeps the
// customer's wording. Only a problem report counts the entry not helpful.
func TestConfirm_ReplyNotSayingSolvedEscalatesAndNeverCountsHelpful(t *testing.T) {
	for _, c := range []struct {
		lang, body string
		problem    bool // an explicit problem report: counts not helpful
	}{
		{"en", "When will this be fixed?", false},
		{"en", "Can you help me get this resolved?", false},
		{"en", "I need this solved today.", false},
		{"en", "Thanks for the quick reply. Unfortunately the problem persists.", true},
		{"en", "Thank you. I followed the steps and the error remains.", true},
		{"en", "Thanks. The error message is: Access denied.", true},
		{"ja", "ありがとうございます。手順通りに設定しましたが、エラーが出ます。", true},
		{"ja", "ご回答ありがとうございます。再設定ページが開けず、エラーになります。", true},
		{"ja", "ありがとうございます。エラーコード 0x80070005 が表示されます。", true},
		{"en", "Thanks. Also, how do I change my display language?", false},
		{"en", "still broken", true},
		{"en", "thanks, but it still doesn't work", true},
		{"ja", "ありがとうございます。でもまだ直りません", true},
	} {
		t.Run(c.body, func(t *testing.T) {
			f := newFAQFixture(t, nil)
			ans := f.autoAnswered(c.lang, "q1")
			r := f.replyTo(ans, c.body+"\n\nOn Wed, support wrote:\n> "+strings.Split(ans.Text, "\n")[0], "q2")
			if r.Status != tickets.StatusEscalated || len(r.Sent) != 0 {
				t.Fatalf("reply %+v", r)
			}
			e := f.faq(faqKeyFor(c.lang))
			wantNot := 0
			if c.problem {
				wantNot = 1
			}
			if e.Helpful != 0 || e.NotHelpful != wantNot || len(e.Paraphrases) != 0 {
				t.Fatalf("entry helpful %d, not helpful %d (want %d), paraphrases %+v", e.Helpful, e.NotHelpful, wantNot, e.Paraphrases)
			}
			if !c.problem && !strings.Contains(r.Reason, "without a vote") {
				t.Errorf("reason %q does not say the entry got no vote", r.Reason)
			}
		})
	}
}

// Thanks with nothing against them resolve the ticket, count the entry
// helpful and keep the customer's wording, also when the customer's mail
// client quotes our answer without marks below them.
func TestConfirm_SuccessReplyResolvesCountsHelpfulAndKeepsParaphrase(t *testing.T) {
	unmarked := func(own string) func(*tickets.Outgoing) string {
		return func(ans *tickets.Outgoing) string { return own + "\n\n" + ans.Text }
	}
	plain := func(own string) func(*tickets.Outgoing) string {
		return func(*tickets.Outgoing) string { return own }
	}
	for _, c := range []struct {
		name, lang string
		body       func(*tickets.Outgoing) string
	}{
		{"It works now. Thanks again!", "en", plain("It works now. Thanks again!")},
		{"Works like a charm.", "en", plain("Works like a charm.")},
		{"Perfect, all good now.", "en", plain("Perfect, all good now.")},
		{"Thanks, that fixed it! I didn't know…", "en", plain("Thanks, that fixed it! I didn't know…")},
		{"thanks, that fixed it", "en", plain("thanks, that fixed it")},
		{"解決しました。お手数をおかけしてすみません。", "ja", plain("解決しました。お手数をおかけしてすみません。")},
		{"解決しました。問題ありません。", "ja", plain("解決しました。問題ありません。")},
		{"解決しました。申し訳ございませんでした。", "ja", plain("解決しました。申し訳ございませんでした。")},
		{"解決しました", "ja", plain("解決しました")},
		{"ありがとうございました", "ja", plain("ありがとうございました")},
		{"thanks above an unmarked quote", "en", unmarked("Thanks, that fixed it!")},
		{"ありがとう above an unmarked quote", "ja", unmarked("ありがとうございました。")},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFAQFixture(t, nil)
			ans := f.autoAnswered(c.lang, "s1")
			r := f.replyTo(ans, c.body(ans), "s2")
			if r.Status != tickets.StatusResolved || len(r.Sent) != 0 || !strings.Contains(r.Reason, "customer confirmed FAQ") {
				t.Fatalf("reply %+v", r)
			}
			if e := f.faq(faqKeyFor(c.lang)); e.Helpful != 1 || e.NotHelpful != 0 || len(e.Paraphrases) != 1 {
				t.Fatalf("entry %+v", e)
			}
		})
	}
}

// dsn is a delivery status notification from the customer's mail server
// about one of our mails.
func dsn(id, messageID, rcpt, action, status string) string {
	return "From: MAILER-DAEMON@mx.customer.example\r\nTo: support@example.com\r\nSubject: Undelivered Mail\r\nMessage-ID: <" + id + "@mx>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; " + rcpt +
		"\r\nAction: " + action + "\r\nStatus: " + status + "\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + messageID + ">\r\n--b--\r\n"
}

// An automatic answer that never reached the customer is not confirmed by
// silence: after confirm_after the ticket goes to a person, with the
// reason on its audit trail. A delay report or a delivered mail changes
// nothing.
func TestTick_BouncedOrFailedAutomaticAnswerEscalatesInsteadOfResolvingQuietly(t *testing.T) {
	for _, c := range []struct {
		name       string
		happen     func(f *fixture, ans *tickets.Outgoing)
		wantStatus tickets.Status
		wantReason string
	}{
		{"bounced", func(f *fixture, ans *tickets.Outgoing) {
			if oc := f.one(dsn("bn1", ans.MessageID, ans.To, "failed", "5.1.1")); oc.Disposition != tickets.DispBounce || oc.Ticket != ans.TicketRef {
				f.t.Fatalf("bounce %+v", oc)
			}
		}, tickets.StatusEscalated, "bounced"},
		{"marked failed by the outbox", func(f *fixture, ans *tickets.Outgoing) {
			if err := f.store.MarkFailed(context.Background(), ans.ID, 8, "550 5.1.1 user unknown"); err != nil {
				f.t.Fatal(err)
			}
		}, tickets.StatusEscalated, "550 5.1.1 user unknown"},
		{"delayed report", func(f *fixture, ans *tickets.Outgoing) {
			f.delivered(ans)
			f.one(dsn("bn2", ans.MessageID, ans.To, "delayed", "4.4.1"))
		}, tickets.StatusResolved, "no reply to the automatic answer"},
		{"delivered", func(f *fixture, ans *tickets.Outgoing) {
			if err := f.store.MarkSent(context.Background(), ans.ID, f.now); err != nil {
				f.t.Fatal(err)
			}
		}, tickets.StatusResolved, "no reply to the automatic answer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
			ans := f.autoAnswered("en", "u1")
			c.happen(f, ans)
			f.tickAfter(49 * time.Hour)
			if s := f.ticket(ans.TicketRef).Status; s != c.wantStatus {
				t.Fatalf("status %s, want %s", s, c.wantStatus)
			}
			if reasons := f.statusReasons(ans.TicketRef); !strings.Contains(reasons, c.wantReason) {
				t.Fatalf("status changes lack %q:\n%s", c.wantReason, reasons)
			}
			if e := f.faq("vpn-setup"); e.Helpful+e.NotHelpful != 0 {
				t.Fatalf("entry voted %+v", e)
			}
		})
	}
}

// After the quiet resolution, the customer's thanks keep the ticket
// resolved (no reopening, no mail) and count the entry helpful, once.
func TestReply_LateThanksAfterQuietResolutionKeepsItResolvedAndCountsHelpfulOnce(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
	ans := f.autoAnswered("en", "l1")
	f.delivered(ans)
	f.tickAfter(49 * time.Hour)
	for i, body := range []string{"thanks, that fixed it", "Thank you!"} {
		r := f.replyTo(ans, body, fmt.Sprintf("l%d", i+2))
		if r.Disposition != tickets.DispAppended || r.Status != tickets.StatusResolved || len(r.Sent) != 0 {
			t.Fatalf("reply %q: %+v", body, r)
		}
		if e := f.faq("vpn-setup"); e.Helpful != 1 || e.NotHelpful != 0 || len(e.Paraphrases) != 1 {
			t.Fatalf("after %q: entry %+v", body, e)
		}
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d mails, want only the answer", n)
	}
}

// After the quiet resolution, a problem report reopens the ticket as any
// reply to a resolved ticket does, and counts the entry not helpful.
func TestReply_LateProblemReportAfterQuietResolutionReopensAndCountsNotHelpful(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
	ans := f.autoAnswered("ja", "p1")
	f.delivered(ans)
	f.tickAfter(49 * time.Hour)
	r := f.replyTo(ans, "ありがとうございます。手順通りに設定しましたが、エラーが出ます。", "p2")
	if r.Status != tickets.StatusEscalated || len(r.Sent) != 1 || r.Sent[0] != "reopened" || !strings.HasPrefix(r.Reason, "reopened") {
		t.Fatalf("reply %+v", r)
	}
	if e := f.faq("pw-reset"); e.Helpful != 0 || e.NotHelpful != 1 || len(e.Paraphrases) != 0 {
		t.Fatalf("entry %+v", e)
	}
}

// A second thank-you after the customer confirmed the answer is appended:
// the ticket stays resolved, no mail goes out, no second vote is counted.
func TestReply_SecondThanksAfterConfirmedResolutionDoesNotReopen(t *testing.T) {
	f := newFAQFixture(t, nil)
	ans := f.autoAnswered("en", "c1")
	if r := f.replyTo(ans, "thanks, that fixed it", "c2"); r.Status != tickets.StatusResolved {
		t.Fatalf("first thanks %+v", r)
	}
	r := f.replyTo(ans, "Thank you again, have a nice day!", "c3")
	if r.Disposition != tickets.DispAppended || r.Status != tickets.StatusResolved || len(r.Sent) != 0 {
		t.Fatalf("second thanks %+v", r)
	}
	if e := f.faq("vpn-setup"); e.Helpful != 1 || e.NotHelpful != 0 {
		t.Fatalf("entry %+v", e)
	}
	if n := len(f.outgoing()); n != 1 {
		t.Fatalf("%d mails, want only the answer", n)
	}
}

// A reply to a closed ticket that an entry answered opens a linked ticket;
// that ticket is not sent the same entry again: agents get it as a
// suggestion, with the reason.
func TestReceive_ReplyToClosedAutoAnsweredTicketIsNotSentTheSameAnswerAgain(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour; o.CloseAfter = 24 * time.Hour })
	ans := f.autoAnswered("en", "k1")
	f.delivered(ans)
	for i := 0; i < 2; i++ {
		f.tickAfter(49 * time.Hour)
	}
	if s := f.ticket(ans.TicketRef).Status; s != tickets.StatusClosed {
		t.Fatalf("status %s", s)
	}
	r := f.replyTo(ans, "How do I connect to the office VPN from home? I did that and it does not connect.\n\nOn Wed, support wrote:\n> Install the VPN client", "k2")
	if r.Disposition != tickets.DispNewTicket || r.Ticket == ans.TicketRef || r.Status != tickets.StatusEscalated {
		t.Fatalf("reply %+v", r)
	}
	if len(r.Sent) != 1 || r.Sent[0] != "ack" {
		t.Fatalf("sent %v, want the acknowledgement only", r.Sent)
	}
	if !strings.Contains(r.Reason, "vpn-setup") || !strings.Contains(r.Reason, "already sent on linked "+ans.TicketRef) {
		t.Fatalf("reason %q", r.Reason)
	}
	sugg := f.suggestions(r.Ticket)
	if len(sugg) == 0 || sugg[0].Key != "vpn-setup" {
		t.Fatalf("suggestions %+v", sugg)
	}
}

func TestGaps_AutomaticAnswerTurnedDownIsAGapAndOneThatHeldIsNot(t *testing.T) {
	f := newFAQFixture(t, nil)
	ctx := context.Background()
	resolve := func(ref string) {
		f.update(func(tx *tickets.Tx) error {
			t, err := tx.Ticket(ref)
			if err != nil {
				return err
			}
			return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "fixed by hand")
		})
	}
	// Turned down: the customer says the answer did not help, an agent
	// resolves the ticket.
	ans := f.autoAnswered("en", "gd1")
	down := f.replyTo(ans, "Thanks, but it is still broken: the client says certificate error.", "gd2")
	if down.Status != tickets.StatusEscalated {
		t.Fatalf("turned-down answer: %+v", down)
	}
	resolve(down.Ticket)
	// Held: the customer confirms.
	held := f.replyTo(f.autoAnswered("ja", "gd3"), "解決しました。ありがとうございました。", "gd4")
	if held.Status != tickets.StatusResolved {
		t.Fatalf("confirmed answer: %+v", held)
	}
	gaps, err := f.desk.Gaps(ctx, GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, g := range gaps {
		refs = append(refs, g.Tickets...)
	}
	if !slices.Contains(refs, down.Ticket) {
		t.Errorf("gaps %v lack %s, whose automatic answer did not help", refs, down.Ticket)
	}
	if slices.Contains(refs, held.Ticket) {
		t.Errorf("gaps %v list %s, whose automatic answer the customer confirmed", refs, held.Ticket)
	}
}

// A weak match (below the suggest band) is no suggestion: agents are not
// shown a 0.05 candidate as if it might answer the mail.
func TestRespond_MatchBelowTheSuggestBandStoresNoSuggestion(t *testing.T) {
	f := newFAQFixture(t, nil)
	oc := f.one(mail("bob@customer.example", "Lunch", "Is the canteen open on the public holiday next week? I need to book the room for a team lunch.", "Message-ID: <w1@c>"))
	if oc.Status != tickets.StatusEscalated || !strings.Contains(oc.Reason, "no confident FAQ answer") {
		t.Fatalf("outcome %+v, want escalated with a weak candidate", oc)
	}
	sugg := f.suggestions(oc.Ticket)
	if len(sugg) != 0 {
		t.Fatalf("suggestions %+v stored for a mail no entry answers (%s)", sugg, oc.Reason)
	}
}

// A thank-you to a closed ticket stays on that ticket: no new ticket, no
// acknowledgement; anything else still opens a linked ticket.
func TestReceive_ThanksOnClosedTicketIsKeptOnItWithoutANewTicket(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour; o.CloseAfter = 24 * time.Hour })
	ans := f.autoAnswered("en", "c1")
	f.delivered(ans)
	for i := 0; i < 2; i++ {
		f.tickAfter(49 * time.Hour)
	}
	if s := f.ticket(ans.TicketRef).Status; s != tickets.StatusClosed {
		t.Fatalf("status %s", s)
	}
	mails := len(f.outgoing())
	r := f.replyTo(ans, "Thank you, that worked!", "c2")
	if r.Disposition != tickets.DispAppended || r.Ticket != ans.TicketRef || r.Status != tickets.StatusClosed {
		t.Fatalf("thanks on a closed ticket: %+v", r)
	}
	if n := len(f.outgoing()); n != mails {
		t.Fatalf("%d mails sent for a thank-you", n-mails)
	}
	r = f.replyTo(ans, "It stopped working again this morning.", "c3")
	if r.Disposition != tickets.DispNewTicket || r.Ticket == ans.TicketRef {
		t.Fatalf("problem report on a closed ticket: %+v", r)
	}
}

// A delivery failure of the automatic answer escalates the ticket when the
// report arrives, not confirm_after later; a delay report changes nothing.
func TestBounce_FailedAutomaticAnswerEscalatesAtOnce(t *testing.T) {
	f := newFAQFixture(t, nil)
	ans := f.autoAnswered("en", "ba1")
	f.one(dsn("ba2", ans.MessageID, ans.To, "delayed", "4.4.1"))
	if s := f.ticket(ans.TicketRef).Status; s != tickets.StatusAutoAnswered {
		t.Fatalf("after a delay report: %s", s)
	}
	oc := f.one(dsn("ba3", ans.MessageID, ans.To, "failed", "5.1.1"))
	if oc.Disposition != tickets.DispBounce || !strings.Contains(oc.Reason, "escalated") {
		t.Fatalf("bounce %+v", oc)
	}
	if s := f.ticket(ans.TicketRef).Status; s != tickets.StatusEscalated {
		t.Fatalf("after a failure report: %s, want escalated at once", s)
	}
}

// delivered marks an outgoing mail as taken by the relay now, as the
// outbox would.
func (f *fixture) delivered(o *tickets.Outgoing) {
	f.t.Helper()
	if err := f.store.MarkSent(context.Background(), o.ID, f.now); err != nil {
		f.t.Fatal(err)
	}
}

// tickAfter moves the fixture's clock on by d and applies the due timers.
func (f *fixture) tickAfter(d time.Duration) TickResult {
	f.t.Helper()
	f.now = f.now.Add(d)
	res, err := f.desk.Tick(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// ctxKey marks the caller's context in the tests that follow it to the
// matcher.
type ctxKey struct{}

// watchMatches makes every FAQ match check that it runs with the caller's
// context (marked with ctxKey) and outside the store's write transaction
// (another writer gets through at once, where inside it would wait for
// the batch), and returns the number of matches so far.
func (f *fixture) watchMatches(t *testing.T) func() int {
	var mu sync.Mutex
	n := 0
	f.desk.onMatch = func(ctx context.Context) {
		mu.Lock()
		n++
		mu.Unlock()
		if ctx.Value(ctxKey{}) == nil {
			t.Error("a FAQ match ran with a context other than the caller's")
		}
		probe, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := f.store.Update(probe, func(*tickets.Tx) error { return nil }); err != nil {
			t.Errorf("a write while a FAQ match runs: %v; the match runs inside the batch's write transaction", err)
		}
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// Matching is the costly step and never holds the store's writer: a reply
// that opens a ticket after all (a follow-up of a closed ticket, or a
// reply to a thread we do not know) is matched before the batch's
// transaction, with the caller's context, and answered from the FAQ.
func TestReceiveBatch_RepliesThatOpenATicketAreMatchedBeforeTheTransactionWithTheCallersContext(t *testing.T) {
	f := newFAQFixture(t, nil)
	first := f.one(mail("carol@customer.example", "Office chair", "My office chair is broken.", "Message-ID: <chair-1@c>"))
	f.update(func(tx *tickets.Tx) error {
		tk, err := tx.Ticket(first.Ticket)
		if err != nil {
			return err
		}
		if err := tx.SetStatus(tk, tickets.StatusResolved, "agent@example.com", "new chair"); err != nil {
			return err
		}
		return tx.SetStatus(tk, tickets.StatusClosed, "system", "quiet period over")
	})
	matches := f.watchMatches(t)
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	out, err := f.desk.ReceiveBatch(ctx, []intake.Fetched{
		{Mailbox: "INBOX", UIDValidity: 1, UID: 100, Raw: []byte(mail("carol@customer.example", "Re: Office chair",
			"How do I replace the toner in the office printer?", "Message-ID: <chair-2@c>", "In-Reply-To: <chair-1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 101, Raw: []byte(mail("dave@customer.example", "Re: VPN",
			"How do I connect to the office VPN from home?", "Message-ID: <vpn-2@c>", "In-Reply-To: <lost-1@elsewhere.example>"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if oc := out[0]; oc.Disposition != tickets.DispNewTicket || oc.Status != tickets.StatusAutoAnswered || !strings.Contains(oc.Reason, "printer-toner") {
		t.Errorf("follow-up of a closed ticket: %+v; want a new ticket answered from printer-toner", oc)
	}
	if oc := out[1]; oc.Disposition != tickets.DispNewTicket || oc.Status != tickets.StatusAutoAnswered || !strings.Contains(oc.Reason, "vpn-setup") {
		t.Errorf("reply to an unknown thread: %+v; want a new ticket answered from vpn-setup", oc)
	}
	if n := matches(); n != 2 {
		t.Errorf("%d FAQ matches; want one for each mail", n)
	}
}

// faq gaps reads a bounded window of resolved tickets, newest first, and
// matches them with the caller's context outside the write transaction.
func TestGaps_ReadsTheWindowAndTheLimitNewestFirst(t *testing.T) {
	f := newFAQFixture(t, nil)
	var refs []string
	for i, body := range []string{"The badge reader at the east door rejects my card.", "My badge does not open the east door reader.", "The badge reader at the west door beeps twice."} {
		oc := f.one(mail("c@customer.example", "Badge", body, fmt.Sprintf("Message-ID: <badge-%d@c>", i)))
		refs = append(refs, oc.Ticket)
		f.update(func(tx *tickets.Tx) error {
			tk, err := tx.Ticket(oc.Ticket)
			if err != nil {
				return err
			}
			return tx.SetStatus(tk, tickets.StatusResolved, "agent@example.com", "re-registered")
		})
		f.now = f.now.Add(24 * time.Hour)
	}
	matches := f.watchMatches(t)
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	listed := func(opts GapOptions) []string {
		t.Helper()
		gaps, err := f.desk.Gaps(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, g := range gaps {
			all = append(all, g.Tickets...)
		}
		slices.Sort(all)
		return all
	}
	if got := listed(GapOptions{}); !slices.Equal(got, refs) {
		t.Errorf("gaps with the defaults: %v; want all of %v", got, refs)
	}
	// Resolved 3, 2 and 1 days ago: a window of 36 hours holds the last.
	if got := listed(GapOptions{Since: 36 * time.Hour}); !slices.Equal(got, refs[2:]) {
		t.Errorf("gaps of the last 36 hours: %v; want %v", got, refs[2:])
	}
	if got := listed(GapOptions{Limit: 2}); !slices.Equal(got, refs[1:]) {
		t.Errorf("gaps, at most 2: %v; want the newest two, %v", got, refs[1:])
	}
	if matches() == 0 {
		t.Error("gaps matched nothing")
	}
}
