package desk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// The slip of issue 13: a customer cannot print, an agent answers with
// the VPN entry by mistake. The customer's wording becomes a pending
// paraphrase of vpn-setup.
const slipSubject, slipBody = "Cannot print", "The print queue on my laptop is stuck and nothing comes out of the printer on the 2nd floor."

// slipped opens the customer's ticket and has alice answer it with
// #answer vpn-setup (plus extra commands); it returns the ticket.
func (f *fixture) slipped(from, id, extra string) *tickets.Ticket {
	f.t.Helper()
	oc := f.one(mail(from, slipSubject, slipBody, "Message-ID: <"+id+"@c>"))
	if oc.Status != tickets.StatusEscalated {
		f.t.Fatalf("setup: %+v", oc)
	}
	notices := f.sent(mailNotice, "l1@example.com")
	n := notices[len(notices)-1]
	if r := f.one(agentMail("alice@example.com", n, "#answer vpn-setup"+extra, id+"-a")); !strings.Contains(r.Reason, "pending paraphrase") {
		f.t.Fatalf("#answer: %+v", r)
	}
	return f.ticket(oc.Ticket)
}

func (f *fixture) paraphrase(key string, n int) tickets.Paraphrase {
	f.t.Helper()
	ps := f.faq(key).Paraphrases
	if len(ps) < n {
		f.t.Fatalf("%s has %d paraphrases, want at least %d: %+v", key, len(ps), n, ps)
	}
	return ps[n-1]
}

// The next customer who writes the same words is not sent the VPN entry:
// the pending wording may bring it to the agents as a suggestion, never
// to the customer as an automatic answer.
func TestLearn_AnAgentsSlipNeverSendsTheEntryAutomatically(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	f.slipped("hanako@customer.example", "s1", "")
	p := f.paraphrase("vpn-setup", 1)
	if p.State != tickets.ParaphrasePending || p.Source != tickets.SourceAgentAnswer || p.AddedBy != "alice@example.com" {
		t.Fatalf("paraphrase %+v, want pending from alice's #answer", p)
	}
	if p.Text != slipSubject+"\n"+slipBody {
		t.Errorf("paraphrase text %q, want the subject and the body on lines of their own", p.Text)
	}
	oc := f.one(mail("taro@customer.example", slipSubject, slipBody, "Message-ID: <s2@c>"))
	if oc.Status != tickets.StatusEscalated || len(f.sent(mailAutoAnswer, "taro@customer.example")) != 0 {
		t.Fatalf("the next customer with the same words: %+v; want escalated, no automatic answer", oc)
	}
}

// The customer's thanks confirm the wording; from then on the same words
// are answered automatically, and the index knows it without a rebuild.
func TestLearn_CustomerThanksConfirmThePendingParaphrase(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	tk := f.slipped("hanako@customer.example", "c1", "")
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	if r := f.replyTo(relay, "解決しました。ありがとうございました。", "c2"); r.Ticket != tk.Ref {
		t.Fatalf("reply %+v", r)
	}
	p := f.paraphrase("vpn-setup", 1)
	if p.State != tickets.ParaphraseConfirmed || p.StateHow != "customer_reply" || p.StateBy != "hanako@customer.example" {
		t.Fatalf("paraphrase %+v, want confirmed by hanako's reply", p)
	}
	if oc := f.one(mail("taro@customer.example", slipSubject, slipBody, "Message-ID: <c3@c>")); oc.Status != tickets.StatusAutoAnswered {
		t.Fatalf("same words after the confirmation: %+v, want answered automatically", oc)
	}
}

// A problem report after the answer removes the wording: the entry did
// not answer that question. The row stays, with who and why.
func TestLearn_ProblemReportRemovesThePendingParaphrase(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	f.slipped("hanako@customer.example", "p1", "")
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	f.replyTo(relay, "This is about the printer, not the VPN. It still does not print.", "p2")
	p := f.paraphrase("vpn-setup", 1)
	if p.State != tickets.ParaphraseRemoved || p.StateHow != "problem_report" || p.StateBy != "hanako@customer.example" {
		t.Fatalf("paraphrase %+v, want removed by hanako's problem report", p)
	}
	var kinds []string
	f.update(func(tx *tickets.Tx) error {
		evs, err := tx.FAQEvents("vpn-setup")
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		return err
	})
	if got := strings.Join(kinds, " "); !strings.Contains(got, "faq_paraphrase_added") || !strings.Contains(got, "faq_paraphrase_removed") {
		t.Fatalf("audit trail of vpn-setup: %s", got)
	}
}

// A ticket that resolves without a problem report confirms its wordings:
// resolved, then closed by the quiet period (desk.close_after), not before.
func TestLearn_QuietCloseConfirmsThePendingParaphrase(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	tk := f.slipped("hanako@customer.example", "q1", "\n#resolve")
	f.tickAfter(71 * time.Hour)
	if p := f.paraphrase("vpn-setup", 1); p.State != tickets.ParaphrasePending {
		t.Fatalf("confirmed before the quiet period was over: %+v", p)
	}
	f.tickAfter(2 * time.Hour)
	if s := f.ticket(tk.Ref).Status; s != tickets.StatusClosed {
		t.Fatalf("setup: %s is %s", tk.Ref, s)
	}
	p := f.paraphrase("vpn-setup", 1)
	if p.State != tickets.ParaphraseConfirmed || p.StateHow != "closed_quietly" || p.StateBy != "system" || p.Ticket != tk.Ref {
		t.Fatalf("paraphrase %+v, want confirmed by the quiet close of %s", p, tk.Ref)
	}
}

// An agent's #close is not the customer's word: the wording stays pending
// however long the ticket is closed; the customer's later thanks on the
// closed ticket confirm it.
func TestLearn_ThanksOnATicketAnAgentClosedConfirm(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	f.slipped("hanako@customer.example", "k1", "\n#close")
	f.tickAfter(80 * time.Hour)
	if p := f.paraphrase("vpn-setup", 1); p.State != tickets.ParaphrasePending {
		t.Fatalf("after #close and 80 h: %+v, want pending", p)
	}
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	f.replyTo(relay, "Thank you, that worked!", "k2")
	if p := f.paraphrase("vpn-setup", 1); p.State != tickets.ParaphraseConfirmed || p.StateHow != "customer_reply" {
		t.Fatalf("after the thanks: %+v", p)
	}
}

// A vote on a ticket settles the wordings the ticket taught that entry.
func TestLearn_VotesSettleTheTicketsPendingParaphrases(t *testing.T) {
	for _, helpful := range []bool{true, false} {
		f := newFAQFixture(t, withTiers)
		tk := f.slipped("hanako@customer.example", "v1", "")
		var changed faqChanges
		f.update(func(tx *tickets.Tx) error {
			return voteFAQ(tx, tk, "vpn-setup", helpful, "hanako@customer.example", &changed)
		})
		p := f.paraphrase("vpn-setup", 1)
		want, how := tickets.ParaphraseConfirmed, "helpful_vote"
		if !helpful {
			want, how = tickets.ParaphraseRemoved, "not_helpful_vote"
		}
		if p.State != want || p.StateHow != how || !changed["vpn-setup"] {
			t.Errorf("helpful %v: paraphrase %+v, changed %v", helpful, p, changed)
		}
	}
}

// A draft is never suggested to agents: not from the index, and not when
// an admin made a published entry a draft again beside a running gateway
// (the store is the truth, the index hears of it at the next tick).
func TestRespond_ADraftIsNeverSuggested(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	ctx := context.Background()
	if _, err := f.desk.PutFAQs(ctx, []tickets.FAQ{{Key: "chair-draft", Question: "How do I order a new office chair for my desk?",
		Answer: "Ask facilities.", Language: "en", Status: tickets.FAQDraft}}, "admin"); err != nil {
		t.Fatal(err)
	}
	check := func(oc Outcome, key string) {
		t.Helper()
		sugg := f.suggestions(oc.Ticket)
		for _, s := range sugg {
			if s.Key == key {
				t.Errorf("%s: stored suggestions %+v hold the draft %s", oc.Ticket, sugg, key)
			}
		}
		for _, n := range f.sent(mailNotice, "l1@example.com") {
			if strings.Contains(n.Subject, oc.Ticket) && strings.Contains(n.Text, "- "+key+" (confidence") {
				t.Errorf("the notice of %s suggests the draft %s:\n%s", oc.Ticket, key, n.Text)
			}
		}
	}
	check(f.one(mail("a@customer.example", "Chair", "How do I order a new office chair for my desk?", "Message-ID: <d1@c>")), "chair-draft")
	// printer-toner is published and indexed; the store alone hears it
	// is a draft again.
	f.update(func(tx *tickets.Tx) error {
		_, err := tx.PutFAQ(&tickets.FAQ{Key: "printer-toner", Question: "How do I replace the toner in the office printer?",
			Answer: "Open the front cover and swap the cartridge.", Language: "en", Status: tickets.FAQDraft}, 0, "admin")
		return err
	})
	oc := f.one(mail("b@customer.example", "Toner", "How do I replace the toner in the office printer? It is empty.", "Message-ID: <d2@c>"))
	if oc.Status == tickets.StatusAutoAnswered {
		t.Fatalf("a draft was sent: %+v", oc)
	}
	check(oc, "printer-toner")
}

// A #faq draft keeps the question and the answer, not the people: no
// greeting, no names, no employee number, no signature, and it is marked
// as needing review, which publishing asks for.
func TestFAQCommand_DraftFromATicketDropsPeopleAndNeedsReview(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	oc := f.one(mail("Taro Yamada <taro@customer.example>", "共有フォルダ", "情報システム部 御中\n\nお世話になっております。経理部の山田です。\n社員番号は A-20417 です。\n"+
		"共有フォルダに接続できません。\n「アクセスが拒否されました」と表示されます。\n\nよろしくお願いいたします。\n山田 太郎", "Message-ID: <faq1@c>"))
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.one(agentMail("alice@example.com", n, "#faq\n山田様\n\nお疲れ様です。情報システム部の佐藤です。\n\nネットワークドライブを一度切断し、再接続してください。\n\n"+
		"ご不明な点がございましたら、ご連絡ください。\n以上、よろしくお願いします。\n佐藤（内線 1234）", "faq1-a"))
	e := f.faq(strings.ToLower(oc.Ticket))
	if !e.NeedsReview || e.Status != tickets.FAQDraft || e.SourceTicket != oc.Ticket {
		t.Fatalf("draft %+v, want a draft from %s needing review", e, oc.Ticket)
	}
	if e.Answer != "ネットワークドライブを一度切断し、再接続してください。" {
		t.Errorf("answer %q", e.Answer)
	}
	if !strings.Contains(e.Question, "共有フォルダに接続できません。\n「アクセスが拒否されました」と表示されます。") {
		t.Errorf("question %q", e.Question)
	}
	for _, gone := range []string{"山田", "佐藤", "20417", "1234", "お疲れ", "お世話", "よろしく", "御中"} {
		if strings.Contains(e.Question+e.Answer, gone) {
			t.Errorf("draft keeps %q:\nQ: %s\nA: %s", gone, e.Question, e.Answer)
		}
	}
	err := f.desk.Publish(context.Background(), e.Key, "hanako", false)
	if !errors.Is(err, tickets.ErrNeedsReview) {
		t.Fatalf("publishing unreviewed: %v, want ErrNeedsReview", err)
	}
	if err := f.desk.Publish(context.Background(), e.Key, "hanako", true); err != nil {
		t.Fatal(err)
	}
	if e := f.faq(e.Key); e.NeedsReview || e.Status != tickets.FAQPublished {
		t.Fatalf("after review: %+v", e)
	}
}

// A greeting and a signature are no answer: #faq with nothing else is
// refused as a whole, and the agent is told why.
func TestFAQCommand_AGreetingAloneIsNoAnswer(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	oc := f.one(mail("taro@customer.example", "Share", "The shared drive is gone.", "Message-ID: <faq2@c>"))
	n := f.sent(mailNotice, "l1@example.com")[0]
	r := f.one(agentMail("alice@example.com", n, "#faq\nHi Taro,\n\nBest regards,\nAlice", "faq2-a"))
	if r.Status == tickets.StatusResolved || !strings.Contains(r.Reason, "greetings and signatures do not count") {
		t.Fatalf("outcome %+v", r)
	}
	if tk := f.ticket(oc.Ticket); tk.Status == tickets.StatusResolved {
		t.Fatalf("ticket %s resolved by a greeting", tk.Ref)
	}
}

// faq add and import say what became of an existing entry's paraphrases:
// kept when the file says nothing of them, else exactly the file's.
func TestPutFAQs_SaysWhatBecomesOfTheParaphrases(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	f.slipped("hanako@customer.example", "i1", "")
	ctx := context.Background()
	vpn := sampleFAQ[0]
	res, err := f.desk.PutFAQs(ctx, []tickets.FAQ{vpn}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != 1 || res.Kept != 1 || res.KeptPending != 1 {
		t.Fatalf("without paraphrases in the file: %+v, want one pending paraphrase kept", res)
	}
	vpn.Paraphrases = []tickets.Paraphrase{{Text: "VPN from a hotel", State: tickets.ParaphraseConfirmed}}
	if res, err = f.desk.PutFAQs(ctx, []tickets.FAQ{vpn}, "admin"); err != nil {
		t.Fatal(err)
	}
	if res.Paraphrases != (tickets.ParaphraseChanges{Added: 1, Removed: 1}) {
		t.Fatalf("with paraphrases in the file: %+v", res)
	}
	if p := f.paraphrase("vpn-setup", 1); p.State != tickets.ParaphraseRemoved || p.StateHow != "import" {
		t.Fatalf("the slip's wording %+v, want removed by the import", p)
	}
	got, err := f.index.Match(ctx, "", "VPN from a hotel")
	if err != nil || len(got.Candidates) == 0 || got.Candidates[0].Key != "vpn-setup" || got.Decision != responder.Auto {
		t.Fatalf("the index did not learn the imported paraphrase: %+v %v", got, err)
	}
}

// An admin removes a paraphrase by number: the index forgets it at once.
func TestSetParaphraseState_RemovalReachesTheIndex(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	ctx := context.Background()
	f.slipped("hanako@customer.example", "r1", "")
	before, err := f.index.Match(ctx, slipSubject, slipBody)
	if err != nil || len(before.Candidates) == 0 || before.Candidates[0].Key != "vpn-setup" {
		t.Fatalf("setup: the pending wording does not find vpn-setup: %+v %v", before, err)
	}
	p, err := f.desk.SetParaphraseState(ctx, "vpn-setup", 1, tickets.ParaphraseRemoved, "a slip", "hanako")
	if err != nil || p.State != tickets.ParaphraseRemoved || p.StateNote != "a slip" || p.StateHow != "admin" {
		t.Fatalf("remove: %+v %v", p, err)
	}
	after, err := f.index.Match(ctx, slipSubject, slipBody)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Candidates) > 0 && after.Candidates[0].Key == "vpn-setup" {
		t.Fatalf("after the removal vpn-setup still comes first: %+v", after)
	}
}

// faq edit changes the question or the answer, audited; it refuses an
// unknown key and says when nothing changed.
func TestEditFAQ_ChangesTextsAuditedAndRefusesUnknownKeys(t *testing.T) {
	f := newFAQFixture(t, nil)
	ctx := context.Background()
	q := "How do I connect to the office VPN from a hotel?"
	e, err := f.desk.EditFAQ(ctx, "vpn-setup", &q, nil, "hanako")
	if err != nil || e.Question != q || e.Answer != sampleFAQ[0].Answer || e.Status != tickets.FAQPublished {
		t.Fatalf("edit: %+v %v", e, err)
	}
	if _, err := f.desk.EditFAQ(ctx, "vpn-setup", &q, nil, "hanako"); !errors.Is(err, ErrUnchanged) {
		t.Fatalf("same text again: %v, want ErrUnchanged", err)
	}
	if _, err := f.desk.EditFAQ(ctx, "nope", &q, nil, "hanako"); !errors.Is(err, tickets.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	var last tickets.Event
	f.update(func(tx *tickets.Tx) error {
		evs, err := tx.FAQEvents("vpn-setup")
		last = evs[len(evs)-1]
		return err
	})
	if last.Kind != "faq_updated" || last.Actor != "hanako" || !strings.Contains(string(last.Detail), `"changed":["question"]`) {
		t.Fatalf("last event %+v", last)
	}
	if got := topKey(t, f, "VPN from a hotel"); got != "vpn-setup" {
		t.Fatalf("the index did not learn the new question: top %s", got)
	}
}

// suggestions are the FAQ entries stored on a ticket for its agents.
func (f *fixture) suggestions(ref string) []tickets.Suggestion {
	f.t.Helper()
	var sugg []tickets.Suggestion
	f.update(func(tx *tickets.Tx) error {
		tk, err := tx.Ticket(ref)
		if err != nil {
			return err
		}
		sugg, err = tx.Suggestions(tk.ID)
		return err
	})
	return sugg
}

func topKey(t *testing.T, f *fixture, text string) string {
	t.Helper()
	res, err := f.index.Match(context.Background(), "", text)
	if err != nil || len(res.Candidates) == 0 {
		t.Fatalf("match %q: %+v %v", text, res, err)
	}
	return res.Candidates[0].Key
}
