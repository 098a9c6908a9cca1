package desk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// The customers' satisfaction: a rating recorded only by the page's
// button, one a ticket, a later one replacing it until the ticket
// closes; a bad one told to the tier that resolved it and the admins;
// an automatic answer's rating its FAQ vote.

func (f *fixture) rate(token, rating, comment string) Rated {
	f.t.Helper()
	r, err := f.desk.Rate(context.Background(), token, rating, comment)
	if err != nil {
		f.t.Fatalf("Rate %s: %v", rating, err)
	}
	return r
}

func countKind(events []tickets.Event, kind string) int {
	n := 0
	for _, e := range events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// Reading the page records nothing; the button records a rating once
// (pressed twice, it is one); a later rating replaces it, keeping when
// the first came, until the ticket closes; a ticket being worked has
// nothing to rate.
func TestRate_RecordsOnceAndALaterRatingReplacesItUntilTheTicketCloses(t *testing.T) {
	f := customerFixture(t, nil)
	tk, _ := f.escalated("The printer on 3F prints blank pages.")
	tok := linkIn(f.sent(mailAck, "hanako@customer.example")[0])
	if _, err := f.desk.Rate(context.Background(), tok, tickets.RatingGood, ""); !errors.Is(err, ErrNothingToRate) {
		t.Fatalf("a rating while the ticket is worked: %v", err)
	}
	f.act(tk.Ref, "alice@example.com", "Replaced the toner.", "resolve")
	events := len(f.events(tk.Ref))
	for range 3 {
		if v := f.customerTicket(tok); v.Rating != nil || v.Rate != tickets.AnswerAgent {
			t.Fatalf("the page before a rating: %+v", v)
		}
	}
	if n := len(f.events(tk.Ref)); n != events {
		t.Fatalf("reading the page wrote %d events", n-events)
	}
	first := f.now
	r := f.rate(tok, tickets.RatingGood, "Quick, thanks!")
	if !r.Changed || r.Rating.Rating != tickets.RatingGood || r.Rating.Answer != tickets.AnswerAgent || r.Rating.Agent != "alice@example.com" ||
		r.Rating.TierName != "L1" || len(r.Sent) != 0 {
		t.Fatalf("good: %+v %+v", r, r.Rating)
	}
	if again := f.rate(tok, tickets.RatingGood, "Quick, thanks!"); again.Changed || countKind(f.events(tk.Ref), "rated") != 1 {
		t.Fatalf("the same rating twice: %+v, %d rated events", again, countKind(f.events(tk.Ref), "rated"))
	}
	f.now = f.now.Add(time.Hour)
	r = f.rate(tok, tickets.RatingBad, "It broke again.")
	if !r.Changed || r.Rating.Rating != tickets.RatingBad || !r.Rating.FirstRatedAt.Equal(first) || !r.Rating.RatedAt.Equal(f.now) {
		t.Fatalf("bad replacing good: %+v", r.Rating)
	}
	got, err := f.desk.Rating(context.Background(), tk.Ref)
	if err != nil || got.Rating != tickets.RatingBad || got.Comment != "It broke again." {
		t.Fatalf("Rating(%s) = %+v, %v", tk.Ref, got, err)
	}
	if d, _ := f.desk.TicketDetail(context.Background(), tk.Ref); d.Rating == nil || d.Rating.Rating != tickets.RatingBad {
		t.Fatalf("the ticket detail's rating: %+v", d.Rating)
	}
	f.act(tk.Ref, "alice@example.com", "", "close")
	if _, err := f.desk.Rate(context.Background(), tok, tickets.RatingGood, ""); !errors.Is(err, ErrRatingClosed) {
		t.Fatalf("a new rating of a closed ticket: %v", err)
	}
	if v := f.customerTicket(tok); v.Rate != "" || v.Rating.Rating != tickets.RatingBad {
		t.Fatalf("the closed ticket's page: rate %q, rating %+v", v.Rate, v.Rating)
	}
	if _, err := f.desk.Rate(context.Background(), tok, "meh", ""); !errors.Is(err, ErrBadRating) {
		t.Fatalf("a rating that is neither: %v", err)
	}
}

// A bad rating goes, with its comment, to the tier that resolved the
// ticket (its reply token in the mail: a reply writes to the customer)
// and to the admins; the tier it passed through before hears nothing.
func TestRate_ABadRatingReachesTheTierThatResolvedAndTheAdmins(t *testing.T) {
	f := customerFixture(t, nil)
	tk, _ := f.escalated("The printer on 3F prints blank pages.")
	tok := linkIn(f.sent(mailAck, "hanako@customer.example")[0])
	f.act(tk.Ref, "alice@example.com", "", "escalate")
	f.act(tk.Ref, "carol@example.com", "Replaced the fuser unit.", "resolve")
	r := f.rate(tok, tickets.RatingBad, "Took a week.\nNobody called back.")
	if r.Rating.TierName != "L2" || r.Rating.Agent != "carol@example.com" || r.Status != tickets.StatusResolved {
		t.Fatalf("rating %+v, status %s", r.Rating, r.Status)
	}
	l2 := f.sent(mailRatingBad, "l2@example.com")
	boss := f.sent(mailRatingBad, "boss@example.com")
	if len(l2) != 1 || len(boss) != 1 || len(f.sent(mailRatingBad, "l1@example.com")) != 0 {
		t.Fatalf("rating_bad to L2 %d, boss %d, L1 %d", len(l2), len(boss), len(f.sent(mailRatingBad, "l1@example.com")))
	}
	for _, m := range []*tickets.Outgoing{l2[0], boss[0]} {
		for _, want := range []string{tk.Ref, "> Took a week.", "> Nobody called back.", "hanako@customer.example", "carol@example.com",
			"https://desk.example.com/tickets/" + tk.Ref} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("rating_bad to %s lacks %q:\n%s", m.To, want, m.Text)
			}
		}
	}
	if !strings.HasPrefix(l2[0].ReplyTo, "support+") || boss[0].ReplyTo != "" {
		t.Fatalf("Reply-To: tier %q, admin %q", l2[0].ReplyTo, boss[0].ReplyTo)
	}
	// The same comment again tells nobody twice.
	f.rate(tok, tickets.RatingBad, "Took a week.\nNobody called back.")
	if n := len(f.sent(mailRatingBad, "")); n != 2 {
		t.Fatalf("%d rating_bad mails after the same rating again", n)
	}
	// Its tier replies to it: the words reach the customer.
	f.one(agentMail("carol@example.com", l2[0], "Sorry for the wait; I will call you today.", "c9", "To: "+l2[0].ReplyTo))
	if relays := f.sent(mailRelay, "hanako@customer.example"); len(relays) != 1 || !strings.Contains(relays[0].Text, "I will call you today") {
		t.Fatalf("the tier's reply to the rating: %d relays", len(relays))
	}
}

// A rating of an automatic answer is the customer's verdict on its FAQ
// entry, through the path of their reply by mail: good resolves the
// ticket and counts the entry helpful; thanks by mail after it count
// nothing more (one vote a ticket); a bad rating later moves the vote,
// takes back the wording learned, and hands the ticket to a person with
// the comment.
func TestRate_AnAutomaticAnswersRatingIsItsFAQVoteOnceATicket(t *testing.T) {
	f := newFAQFixture(t, withConsole)
	ans := f.autoAnswered("en", "r1")
	tok := linkIn(ans)
	rated := map[string]bool{}
	for _, m := range statusLinkInMail.FindAllStringSubmatch(ans.Text, -1) {
		rated[m[3]] = true
	}
	if tok == "" || !rated["good"] || !rated["bad"] || !strings.Contains(ans.Text, "Did this answer help?") {
		t.Fatalf("the automatic answer asks nothing:\n%s", ans.Text)
	}
	r := f.rate(tok, tickets.RatingGood, "")
	if r.Status != tickets.StatusResolved || r.Rating.Answer != tickets.AnswerAuto || r.Rating.FAQKey != "vpn-setup" {
		t.Fatalf("good: %+v %+v", r, r.Rating)
	}
	if e := f.faq("vpn-setup"); e.Helpful != 1 || e.NotHelpful != 0 || len(e.Paraphrases) != 1 || e.Paraphrases[0].State != tickets.ParaphraseConfirmed {
		t.Fatalf("after good: %+v", e)
	}
	f.replyTo(ans, "Thanks, that fixed it!", "r2")
	if e := f.faq("vpn-setup"); e.Helpful != 1 || e.NotHelpful != 0 {
		t.Fatalf("thanks by mail after the rating: helpful %d, not %d", e.Helpful, e.NotHelpful)
	}
	if r2 := f.customerTicket(tok); r2.Rate != tickets.AnswerAuto {
		t.Fatalf("the page after the confirmation rates %q", r2.Rate)
	}
	r = f.rate(tok, tickets.RatingBad, "The client does not install on a Mac.")
	if r.Status != tickets.StatusEscalated || !slices.Contains(r.Sent, mailNotice) {
		t.Fatalf("bad: %+v", r)
	}
	e := f.faq("vpn-setup")
	if e.Helpful != 0 || e.NotHelpful != 1 || e.Paraphrases[0].State != tickets.ParaphraseRemoved {
		t.Fatalf("after bad: helpful %d, not %d, paraphrases %+v", e.Helpful, e.NotHelpful, e.Paraphrases)
	}
	n := f.sent(mailNotice, "l1@example.com")
	if len(n) != 1 || !strings.Contains(n[0].Text, "does not install on a Mac") || !strings.Contains(n[0].Text, "rated the automatic answer (FAQ vpn-setup) bad") {
		for _, m := range n {
			t.Log(m.Text)
		}
		t.Fatalf("%d notices of the bad rating", len(n))
	}
	if len(f.sent(mailRatingBad, "boss@example.com")) != 1 {
		t.Fatal("the admins did not hear of the bad rating")
	}
	// The report counts the ticket's one vote: net not helpful.
	rep, err := f.desk.Report(context.Background(), f.now, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Auto.Helpful != 0 || rep.Auto.NotHelpful != 1 || rep.Satisfaction.Bad != 1 || rep.Satisfaction.Good != 0 {
		t.Fatalf("report votes %+v, satisfaction %+v", rep.Auto, rep.Satisfaction)
	}
}

// The report counts the ratings given in its range as they stand, by
// month, answer, tier, agent, priority and type.
func TestReport_SatisfactionCountsTheRatingsGivenInTheRange(t *testing.T) {
	f := customerFixture(t, nil)
	var toks []string
	for i, who := range []string{"a@customer.example", "b@customer.example", "c@customer.example"} {
		oc := f.one(mail(who, "Printer on 3F", "The printer on 3F prints blank pages.", "Message-ID: <s"+string(rune('0'+i))+"@c>"))
		toks = append(toks, linkIn(f.sent(mailAck, who)[0]))
		f.act(oc.Ticket, "alice@example.com", "Replaced the toner.", "resolve")
	}
	day1 := f.now
	f.rate(toks[0], tickets.RatingGood, "")
	f.rate(toks[1], tickets.RatingBad, "slow")
	f.now = f.now.AddDate(0, 1, 0) // next month: a replacement counts then, once
	f.rate(toks[1], tickets.RatingGood, "fine after all")
	f.rate(toks[2], tickets.RatingBad, "")
	rep, err := f.desk.Report(context.Background(), day1, f.now)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Satisfaction
	if s.Good != 2 || s.Bad != 1 {
		t.Fatalf("good %d bad %d, want 2 and 1", s.Good, s.Bad)
	}
	if len(s.ByMonth) != 2 || s.ByMonth[0] != (SatisfactionRow{Group: "2026-11", Good: 1}) || s.ByMonth[1] != (SatisfactionRow{Group: "2026-12", Good: 1, Bad: 1}) {
		t.Fatalf("by month %+v", s.ByMonth)
	}
	if s.ByAnswer[0] != (SatisfactionRow{Group: tickets.AnswerAuto}) || s.ByAnswer[1] != (SatisfactionRow{Group: tickets.AnswerAgent, Good: 2, Bad: 1}) {
		t.Fatalf("by answer %+v", s.ByAnswer)
	}
	if len(s.ByTier) != 1 || s.ByTier[0].Group != "L1" || len(s.ByAgent) != 1 || s.ByAgent[0].Group != "alice@example.com" ||
		len(s.ByType) != 1 || s.ByType[0].Rated() != 3 || len(s.ByPriority) != 1 {
		t.Fatalf("by tier %+v, agent %+v, type %+v, priority %+v", s.ByTier, s.ByAgent, s.ByType, s.ByPriority)
	}
	// The first day alone: the ratings given then that still stand.
	rep, _ = f.desk.Report(context.Background(), day1, day1)
	if rep.Satisfaction.Good != 1 || rep.Satisfaction.Bad != 0 {
		t.Fatalf("the first day: %+v", rep.Satisfaction)
	}
}
