package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// faqEventDetails reads a FAQ entry's audit events straight from the table.
func faqEventDetails(t *testing.T, s *Store, key string) []string {
	t.Helper()
	rows, err := s.r.Query(sqlFor(s, `SELECT kind, actor, detail FROM events WHERE subject_key = ? AND ticket_id IS NULL ORDER BY id`), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, actor, detail string
		if err := rows.Scan(&kind, &actor, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+" "+actor+" "+detail)
	}
	return out
}

func TestPutFAQ_UpdateAuditsTheChangedFieldsAndTheStatusChange(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		f := FAQ{Key: "vpn", Question: "How do I connect to the VPN?", Answer: "Use the client.", Tags: []string{"vpn"}}
		if _, err := tx.PutFAQ(&f, 0, "hanako"); err != nil {
			return err
		}
		g := FAQ{Key: "vpn", Question: "How do I connect to the VPN?", Answer: "Use the new client.", Tags: []string{"vpn", "remote"}, Status: FAQPublished}
		if _, err := tx.PutFAQ(&g, 0, "taro"); err != nil {
			return err
		}
		return tx.SetFAQStatus("vpn", FAQRetired, "jiro")
	})
	if err != nil {
		t.Fatal(err)
	}
	got := faqEventDetails(t, s, "vpn")
	want := []string{
		`faq_created hanako {"source_ticket":0,"status":"draft"}`,
		`faq_updated taro {"changed":["answer","tags","status"],"from_status":"draft","source_ticket":0,"status":"published"}`,
		`faq_status_changed jiro {"from_status":"published","status":"retired"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var evs []Event
	s.View(context.Background(), func(tx *Tx) error {
		evs, err = tx.FAQEvents("vpn")
		return err
	})
	if err != nil || len(evs) != 3 || evs[1].Actor != "taro" || evs[1].Subject != "vpn" {
		t.Fatalf("FAQEvents: %+v %v", evs, err)
	}
}

// A draft made from a ticket (a source ticket is given) must never
// overwrite an entry an admin curated, whatever its status.
func TestPutFAQ_FromATicketNeverReplacesAnEntry(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "badge", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		curated := FAQ{Key: "inc-1001", Question: "How do I re-register my badge?", Answer: "Curated.", Status: FAQPublished}
		if _, err := tx.PutFAQ(&curated, 0, "admin"); err != nil {
			return err
		}
		draft := FAQ{Key: "inc-1001", Question: "badge reader rejects my card", Answer: "Re-register it.", Status: FAQDraft}
		_, err = tx.PutFAQ(&draft, tk.ID, "admin")
		if !errors.Is(err, ErrFAQExists) || !strings.Contains(err.Error(), `"inc-1001"`) || !strings.Contains(err.Error(), "published") {
			t.Errorf("draft from a ticket onto a curated key: %v, want ErrFAQExists naming the key and its status", err)
		}
		f, err := tx.FAQ("inc-1001")
		if err != nil {
			return err
		}
		if f.Status != FAQPublished || f.Answer != "Curated." || f.SourceTicket != "" {
			t.Errorf("curated entry changed: %+v", f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFAQ_UnknownKeyIsNotFoundAndNamed(t *testing.T) {
	s := openTest(t)
	err := s.View(context.Background(), func(tx *Tx) error {
		_, err := tx.FAQ("nope")
		return err
	})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("FAQ(nope): %v", err)
	}
	err = s.Update(context.Background(), func(tx *Tx) error { return tx.SetFAQStatus("nope", FAQPublished, "admin") })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("SetFAQStatus(nope): %v", err)
	}
}

// A resolved ticket is still a gap in the FAQ unless an automatic answer
// settled it: one that the customer rejected (escalated), that an agent had
// to take on, or after which the ticket was reopened, did not.
func TestResolvedWithoutFAQAnswer_IncludesFailedAutomaticAnswers(t *testing.T) {
	s := openTest(t)
	steps := map[string][]Status{
		"never auto-answered":             {StatusEscalated, StatusResolved},
		"auto answer confirmed":           {"auto", StatusResolved},
		"auto answer quiet, then closed":  {"auto", StatusResolved, StatusClosed},
		"auto answer rejected, escalated": {"auto", StatusEscalated, StatusInProgress, StatusResolved},
		"auto answer, agent took it on":   {"auto", StatusInProgress, StatusResolved, StatusClosed},
		"auto answer, reopened later":     {"auto", StatusResolved, StatusEscalated, StatusResolved},
		"auto answer still waiting":       {"auto"},
	}
	refOf := map[string]string{}
	err := s.Update(context.Background(), func(tx *Tx) error {
		for name, path := range steps {
			tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: name, Requester: "a@example.com"})
			if err != nil {
				return err
			}
			refOf[tk.Ref] = name
			for _, st := range path {
				if st == "auto" {
					if err := tx.SetAutoAnswer(tk, "vpn"); err != nil {
						return err
					}
					st = StatusAutoAnswered
				}
				if err := tx.SetStatus(tk, st, "test", ""); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = s.View(context.Background(), func(tx *Tx) error {
		list, err := tx.ResolvedWithoutFAQAnswer(time.Time{}, 100)
		for _, tk := range list {
			got = append(got, refOf[tk.Ref])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	for _, want := range []string{"never auto-answered", "auto answer rejected, escalated", "auto answer, agent took it on", "auto answer, reopened later"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%q is a gap but missing from %s", want, b)
		}
	}
	if len(got) != 4 {
		t.Errorf("got %s, want exactly the 4 tickets no automatic answer settled", b)
	}
}

// paraphraseTest is a store with a published entry vpn and two tickets.
func paraphraseTest(t *testing.T) (*Store, []int64) {
	t.Helper()
	s := openTest(t)
	var ids []int64
	err := s.Update(context.Background(), func(tx *Tx) error {
		f := FAQ{Key: "vpn", Question: "How do I connect to the VPN?", Answer: "Use the client.", Status: FAQPublished}
		if _, err := tx.PutFAQ(&f, 0, "admin"); err != nil {
			return err
		}
		for _, subj := range []string{"Cannot print", "VPN from home"} {
			tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: subj, Requester: "a@example.com"})
			if err != nil {
				return err
			}
			ids = append(ids, tk.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, ids
}

func paraphrasesOf(t *testing.T, s *Store, key string) []Paraphrase {
	t.Helper()
	var f *FAQ
	err := s.View(context.Background(), func(tx *Tx) error {
		var err error
		f, err = tx.FAQ(key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f.Paraphrases
}

// A wording learned from an agent's #answer starts pending; the same
// wording confirmed later keeps its row and number and becomes confirmed;
// each step is an audit event of the entry with the paraphrase's number.
func TestAddParaphrase_PendingThenConfirmedKeepsItsNumberAndAuditsEach(t *testing.T) {
	s, ids := paraphraseTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		for _, p := range []NewParaphrase{
			{Text: "Cannot print", Ticket: ids[0], State: ParaphrasePending, Source: SourceAgentAnswer, Actor: "alice@example.com"},
			{Text: "VPN from home\nIt drops.", Ticket: ids[1], State: ParaphraseConfirmed, Source: SourceAutoAnswer, How: "customer_confirmed", Actor: "b@example.com"},
			{Text: "Cannot print", Ticket: ids[0], State: ParaphrasePending, Source: SourceAgentAnswer, Actor: "bob@example.com"},
			{Text: "Cannot print", Ticket: ids[0], State: ParaphraseConfirmed, Source: SourceAutoAnswer, How: "customer_confirmed", Actor: "a@example.com"},
		} {
			if _, err := tx.AddParaphrase("vpn", p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := paraphrasesOf(t, s, "vpn")
	if len(got) != 2 || got[0].N != 1 || got[0].Text != "Cannot print" || got[0].State != ParaphraseConfirmed ||
		got[0].StateHow != "customer_confirmed" || got[0].AddedBy != "alice@example.com" || got[0].StateBy != "a@example.com" ||
		got[0].Ticket != "INC-1001" || got[0].Source != SourceAgentAnswer {
		t.Fatalf("paraphrase 1: %+v", got)
	}
	if got[1].N != 2 || got[1].Text != "VPN from home\nIt drops." || got[1].State != ParaphraseConfirmed || got[1].Ticket != "INC-1002" {
		t.Fatalf("paraphrase 2: %+v", got[1])
	}
	events := strings.Join(faqEventDetails(t, s, "vpn"), "\n")
	for _, want := range []string{
		`faq_paraphrase_added alice@example.com {"paraphrase":1,"source":"agent_answer","state":"pending","ticket":"INC-1001"}`,
		`faq_paraphrase_added b@example.com {"how":"customer_confirmed","paraphrase":2,"source":"auto_answer","state":"confirmed","ticket":"INC-1002"}`,
		`faq_paraphrase_confirmed a@example.com {"how":"customer_confirmed","paraphrase":1,"ticket":"INC-1001"}`,
	} {
		if !strings.Contains(events, want) {
			t.Errorf("events lack %s:\n%s", want, events)
		}
	}
	if n := strings.Count(events, "faq_paraphrase"); n != 3 {
		t.Errorf("%d paraphrase events, want 3 (learning a pending wording again changes nothing):\n%s", n, events)
	}
}

// An admin removes a paraphrase by its number: the row stays, removed,
// with who and why; numbers do not move; a removed wording is not learned
// back; an unknown number and a second removal are refused by name.
func TestSetParaphraseState_RemovesByNumberKeepsTheRowAndAudits(t *testing.T) {
	s, ids := paraphraseTest(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx *Tx) error {
		for _, text := range []string{"Cannot print", "VPN drops"} {
			if _, err := tx.AddParaphrase("vpn", NewParaphrase{Text: text, Ticket: ids[0], State: ParaphrasePending, Source: SourceAgentAnswer, Actor: "alice@example.com"}); err != nil {
				return err
			}
		}
		p, err := tx.SetParaphraseState("vpn", 1, ParaphraseRemoved, "admin", "a slip on INC-1001", "hanako")
		if err != nil {
			return err
		}
		if p.N != 1 || p.State != ParaphraseRemoved || p.StateBy != "hanako" {
			t.Errorf("removed %+v", p)
		}
		if _, err := tx.AddParaphrase("vpn", NewParaphrase{Text: "Cannot print", Ticket: ids[1], State: ParaphraseConfirmed, Source: SourceAutoAnswer, How: "customer_confirmed", Actor: "a@example.com"}); err != nil {
			return err
		}
		if _, err := tx.SetParaphraseState("vpn", 1, ParaphraseRemoved, "admin", "", "hanako"); !errors.Is(err, ErrParaphraseUnchanged) {
			t.Errorf("second removal: %v, want ErrParaphraseUnchanged", err)
		}
		if _, err := tx.SetParaphraseState("vpn", 3, ParaphraseRemoved, "admin", "", "hanako"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no paraphrase 3 (it has 2)") {
			t.Errorf("unknown number: %v", err)
		}
		if _, err := tx.SetParaphraseState("nope", 1, ParaphraseRemoved, "admin", "", "hanako"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown entry: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := paraphrasesOf(t, s, "vpn")
	if len(got) != 2 || got[0].State != ParaphraseRemoved || got[0].StateNote != "a slip on INC-1001" || got[1].N != 2 || got[1].State != ParaphrasePending {
		t.Fatalf("paraphrases %+v", got)
	}
	if events := strings.Join(faqEventDetails(t, s, "vpn"), "\n"); !strings.Contains(events, `faq_paraphrase_removed hanako {"how":"admin","note":"a slip on INC-1001","paraphrase":1}`) {
		t.Fatalf("events:\n%s", events)
	}
}

// Settling a ticket moves only the pending paraphrases learned on it (of
// the entry named, when one is) and reports the entries it changed.
func TestSettleParaphrases_MovesOnlyThePendingOfTheTickets(t *testing.T) {
	s, ids := paraphraseTest(t)
	var keys []string
	err := s.Update(context.Background(), func(tx *Tx) error {
		g := FAQ{Key: "printer", Question: "The printer prints blank pages", Answer: "Replace the toner.", Status: FAQPublished}
		if _, err := tx.PutFAQ(&g, 0, "admin"); err != nil {
			return err
		}
		for _, c := range []struct {
			key, text string
			ticket    int64
		}{{"vpn", "Cannot print", ids[0]}, {"printer", "Blank pages again", ids[0]}, {"vpn", "VPN drops", ids[1]}} {
			if _, err := tx.AddParaphrase(c.key, NewParaphrase{Text: c.text, Ticket: c.ticket, State: ParaphrasePending, Source: SourceAgentAnswer, Actor: "alice@example.com"}); err != nil {
				return err
			}
		}
		var err error
		if keys, err = tx.SettleParaphrases([]int64{ids[0]}, "printer", ParaphraseRemoved, "problem_report", "a@example.com"); err != nil {
			return err
		}
		if len(keys) != 1 || keys[0] != "printer" {
			t.Errorf("keys %v, want [printer]", keys)
		}
		keys, err = tx.SettleParaphrases([]int64{ids[0]}, "", ParaphraseConfirmed, "closed_quietly", "system")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "vpn" {
		t.Errorf("keys %v, want [vpn]", keys)
	}
	vpn, printer := paraphrasesOf(t, s, "vpn"), paraphrasesOf(t, s, "printer")
	if vpn[0].State != ParaphraseConfirmed || vpn[0].StateHow != "closed_quietly" || vpn[1].State != ParaphrasePending {
		t.Errorf("vpn %+v", vpn)
	}
	if printer[0].State != ParaphraseRemoved || printer[0].StateHow != "problem_report" || printer[0].StateBy != "a@example.com" {
		t.Errorf("printer %+v", printer)
	}
}

// An import that states an entry's paraphrases makes them exactly those:
// new texts added, states taken from the file, the rest removed (kept,
// audited), and says how many of each.
func TestSetParaphrases_ImportAddsChangesAndRemovesByText(t *testing.T) {
	s, ids := paraphraseTest(t)
	var c ParaphraseChanges
	err := s.Update(context.Background(), func(tx *Tx) error {
		for _, text := range []string{"Cannot print", "VPN drops", "VPN is slow"} {
			if _, err := tx.AddParaphrase("vpn", NewParaphrase{Text: text, Ticket: ids[0], State: ParaphrasePending, Source: SourceAgentAnswer, Actor: "alice@example.com"}); err != nil {
				return err
			}
		}
		var err error
		c, err = tx.SetParaphrases("vpn", []Paraphrase{
			{Text: "VPN drops", State: ParaphraseConfirmed}, {Text: "VPN is slow", State: ParaphrasePending}, {Text: "VPN from a hotel", State: ParaphraseConfirmed},
		}, "hanako")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c != (ParaphraseChanges{Added: 1, Changed: 1, Removed: 1, Kept: 1}) {
		t.Errorf("changes %+v", c)
	}
	var got []string
	for _, p := range paraphrasesOf(t, s, "vpn") {
		got = append(got, fmt.Sprintf("%d %s %s %s", p.N, p.State, p.Source, p.Text))
	}
	want := "1 removed agent_answer Cannot print|2 confirmed agent_answer VPN drops|3 pending agent_answer VPN is slow|4 confirmed import VPN from a hotel"
	if strings.Join(got, "|") != want {
		t.Fatalf("paraphrases\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

// A draft made from a ticket is not published before a person has
// reviewed it; the review is audited, and then it is.
func TestSetFAQStatus_RefusesToPublishAnEntryThatNeedsReview(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "badge", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		draft := FAQ{Key: "inc-1001", Question: "badge reader rejects my card", Answer: "Re-register it.", Status: FAQDraft, NeedsReview: true}
		if _, err := tx.PutFAQ(&draft, tk.ID, "alice@example.com"); err != nil {
			return err
		}
		var nr *NeedsReviewError
		if err := tx.SetFAQStatus("inc-1001", FAQPublished, "hanako"); !errors.As(err, &nr) || !errors.Is(err, ErrNeedsReview) || nr.SourceTicket != "INC-1001" {
			t.Errorf("publishing an unreviewed draft: %v", err)
		}
		if err := tx.SetFAQStatus("inc-1001", FAQRetired, "hanako"); err != nil {
			t.Errorf("retiring an unreviewed draft: %v", err)
		}
		if err := tx.ReviewFAQ("inc-1001", "hanako"); err != nil {
			return err
		}
		return tx.SetFAQStatus("inc-1001", FAQPublished, "hanako")
	})
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Join(faqEventDetails(t, s, "inc-1001"), "\n")
	if !strings.Contains(events, `faq_created alice@example.com {"needs_review":true,"source_ticket":1,"status":"draft"}`) ||
		!strings.Contains(events, `faq_reviewed hanako {"source_ticket":"INC-1001"}`) {
		t.Fatalf("events:\n%s", events)
	}
	err = s.Update(context.Background(), func(tx *Tx) error {
		f := FAQ{Key: "x", Question: "q", Answer: "a", Status: FAQPublished, NeedsReview: true}
		_, err := tx.PutFAQ(&f, 0, "admin")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "a published entry cannot need review") {
		t.Fatalf("published entry needing review: %v", err)
	}
}

// The gaps are read in one bounded query: tickets resolved within the
// window, newest resolution first, at most the limit, each with the
// subject and text of its customer's first mail.
func TestResolvedWithoutFAQAnswer_NewestFirstWithinTheWindowAndLimit(t *testing.T) {
	now := t0
	s, err := OpenSource(context.Background(), testSource(t), &Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }
	refs := map[string]string{}
	open := func(name string, at int) *Ticket {
		now = day(at)
		var tk *Ticket
		err := s.Update(context.Background(), func(tx *Tx) error {
			var err error
			if tk, err = tx.CreateTicket(NewTicket{Type: Incident, Subject: name, Requester: "a@example.com"}); err != nil {
				return err
			}
			for i, text := range []string{name + ": the first mail", name + ": a later mail"} {
				e := &Entry{Kind: KindCustomer, Direction: DirIn, From: "a@example.com", Subject: fmt.Sprintf("%s %d", name, i), Text: text}
				if err := tx.AddEntry(tk, e, "a@example.com"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		refs[tk.Ref] = name
		return tk
	}
	resolve := func(tk *Ticket, at int) {
		now = day(at)
		err := s.Update(context.Background(), func(tx *Tx) error {
			if err := tx.SetStatus(tk, StatusEscalated, "test", ""); err != nil {
				return err
			}
			return tx.SetStatus(tk, StatusResolved, "test", "")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	old, b, c, d := open("old", 0), open("b", 9), open("c", 19), open("d", 5)
	resolve(old, 1)
	resolve(b, 10)
	resolve(c, 20)
	resolve(d, 21)

	read := func(since time.Time, limit int) (names, firsts []string) {
		err := s.View(context.Background(), func(tx *Tx) error {
			list, err := tx.ResolvedWithoutFAQAnswer(since, limit)
			for _, r := range list {
				names = append(names, refs[r.Ref])
				firsts = append(firsts, r.FirstSubject+" / "+r.FirstText)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return names, firsts
	}
	if names, firsts := read(day(8), 100); !slices.Equal(names, []string{"d", "c", "b"}) || firsts[2] != "b 0 / b: the first mail" {
		t.Errorf("resolved since day 8: %v with first mails %q; want d, c, b (newest first) and b's first mail", names, firsts)
	}
	if names, _ := read(day(8), 2); !slices.Equal(names, []string{"d", "c"}) {
		t.Errorf("resolved since day 8, at most 2: %v; want d, c", names)
	}
}

// The FAQ's audit trail is the log of its versions: the entries changed
// after any version can be named, so an index a few versions behind is
// brought up to date without a rebuild.
func TestFAQKeysChangedSince_NamesTheEntriesOfTheLaterVersions(t *testing.T) {
	s := openTest(t)
	var v0, v int64
	err := s.Update(context.Background(), func(tx *Tx) error {
		var err error
		if v0, err = tx.FAQVersion(); err != nil {
			return err
		}
		for _, key := range []string{"a", "b", "c"} {
			if _, err := tx.PutFAQ(&FAQ{Key: key, Question: "Question " + key + "?", Answer: "Answer."}, 0, "admin"); err != nil {
				return err
			}
		}
		if err := tx.Event(0, "", "mail_requeued", "admin", nil); err != nil { // not a FAQ change
			return err
		}
		if err := tx.SetFAQStatus("a", FAQPublished, "admin"); err != nil {
			return err
		}
		v, err = tx.FAQVersion()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		since  int64
		keys   []string
		whole  bool
		reason string
	}{
		{v0, []string{"a", "c", "b"}, true, "every change, newest first, a once"},
		{v - 2, []string{"a", "c"}, true, "the last two"},
		{v, nil, true, "none"},
		{v0 - 1, []string{"a", "c", "b"}, false, "a version before the trail"},
	} {
		var keys []string
		var ok bool
		err := s.View(context.Background(), func(tx *Tx) error {
			var err error
			keys, ok, err = tx.FAQKeysChangedSince(c.since, v)
			return err
		})
		if err != nil || !slices.Equal(keys, c.keys) || ok != c.whole {
			t.Errorf("%s: since %d of %d: %v, complete %v (%v); want %v, complete %v", c.reason, c.since, v, keys, ok, err, c.keys, c.whole)
		}
	}
}
