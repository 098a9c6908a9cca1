package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// faqEventDetails reads a FAQ entry's audit events straight from the table.
func faqEventDetails(t *testing.T, s *Store, key string) []string {
	t.Helper()
	rows, err := s.w.Query(`SELECT kind, actor, detail FROM events WHERE subject_key = ? AND ticket_id IS NULL ORDER BY id`, key)
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

// The gaps are read in one bounded query: tickets resolved within the
// window, newest resolution first, at most the limit, each with the
// subject and text of its customer's first mail.
func TestResolvedWithoutFAQAnswer_NewestFirstWithinTheWindowAndLimit(t *testing.T) {
	now := t0
	s, err := Open(filepath.Join(t.TempDir(), "m.db"), &Options{Now: func() time.Time { return now }})
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
