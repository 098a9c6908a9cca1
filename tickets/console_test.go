package tickets

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestUseSignInToken_OnceWithinItsTime(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		if err := tx.AddSignInToken("h1", "Alice@Example.com", t0.Add(15*time.Minute)); err != nil {
			return err
		}
		return tx.AddSignInToken("h2", "bob@example.com", t0.Add(15*time.Minute))
	})
	use := func(hash string) (string, error) {
		var addr string
		err := s.Update(context.Background(), func(tx *Tx) (err error) { addr, err = tx.UseSignInToken(hash); return err })
		return addr, err
	}
	if addr, err := use("h1"); err != nil || addr != "alice@example.com" {
		t.Fatalf("first use = %q, %v; want alice@example.com", addr, err)
	}
	if _, err := use("h1"); !errors.Is(err, ErrSignInUsed) {
		t.Errorf("second use = %v, want ErrSignInUsed", err)
	}
	if _, err := use("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token = %v, want ErrNotFound", err)
	}
	s.now = t0.Add(15 * time.Minute)
	if _, err := use("h2"); !errors.Is(err, ErrSignInExpired) {
		t.Errorf("token at its expiry = %v, want ErrSignInExpired", err)
	}
}

// Peeking at a token spends nothing, however often, and refuses a dead
// one for the reason UseSignInToken gives.
func TestPeekSignInToken_SpendsNothingAndSaysWhyADeadOneIsDead(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		if err := tx.AddSignInToken("h1", "Alice@Example.com", t0.Add(15*time.Minute)); err != nil {
			return err
		}
		return tx.AddSignInToken("h2", "bob@example.com", t0.Add(15*time.Minute))
	})
	peek := func(hash string) (string, error) {
		var addr string
		err := s.View(context.Background(), func(tx *Tx) (err error) { addr, err = tx.PeekSignInToken(hash); return err })
		return addr, err
	}
	for range 2 {
		if addr, err := peek("h1"); err != nil || addr != "alice@example.com" {
			t.Fatalf("peek = %q, %v; want alice@example.com", addr, err)
		}
	}
	s.update(t, func(tx *Tx) error { _, err := tx.UseSignInToken("h1"); return err })
	if _, err := peek("h1"); !errors.Is(err, ErrSignInUsed) {
		t.Errorf("peek of a used token = %v, want ErrSignInUsed", err)
	}
	if _, err := peek("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("peek of an unknown token = %v, want ErrNotFound", err)
	}
	s.now = t0.Add(15 * time.Minute)
	if _, err := peek("h2"); !errors.Is(err, ErrSignInExpired) {
		t.Errorf("peek of a token at its expiry = %v, want ErrSignInExpired", err)
	}
}

func TestSession_LiveUntilExpiryOrDeletion(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		for _, h := range []string{"a1", "a2"} {
			if err := tx.AddSession(h, "alice@example.com", t0.Add(time.Hour)); err != nil {
				return err
			}
		}
		return tx.AddSession("b1", "bob@example.com", t0.Add(2*time.Hour))
	})
	live := func(hash string) bool {
		var found bool
		err := s.View(context.Background(), func(tx *Tx) error {
			_, err := tx.Session(hash)
			found = err == nil
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	if !live("a1") || !live("b1") || live("zz") {
		t.Fatalf("a1 %v b1 %v zz %v, want true true false", live("a1"), live("b1"), live("zz"))
	}
	s.update(t, func(tx *Tx) error { return tx.DeleteSession("a1") })
	if live("a1") || !live("a2") {
		t.Errorf("after signing out a1: a1 %v a2 %v", live("a1"), live("a2"))
	}
	s.update(t, func(tx *Tx) error {
		n, err := tx.DeleteSessions("Alice@example.com")
		if n != 1 {
			t.Errorf("signed out everywhere %d sessions, want 1", n)
		}
		return err
	})
	if live("a2") || !live("b1") {
		t.Errorf("after alice signed out everywhere: a2 %v b1 %v", live("a2"), live("b1"))
	}
	s.now = t0.Add(2 * time.Hour)
	if live("b1") {
		t.Error("a session at its expiry is still live")
	}
}

func TestPurgeSignIns_DropsDeadTokensAndScrubsSentLinks(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		if err := tx.AddSignInToken("h1", "alice@example.com", t0.Add(15*time.Minute)); err != nil {
			return err
		}
		for i, id := range []string{"m1@x", "m2@x"} {
			if err := tx.QueueMail(&Outgoing{Kind: "signin_link", To: "alice@example.com", Subject: "link", Text: "https://desk/signin/SECRET" + id, MessageID: id}); err != nil {
				return err
			}
			if i == 0 {
				if _, err := tx.exec("outgoing_sent", fmtTime(t0), 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	s.now = t0.Add(20 * time.Minute)
	s.update(t, func(tx *Tx) error { return tx.PurgeSignIns("signin_link", "(expired)", s.now.Add(-15*time.Minute)) })
	err := s.View(context.Background(), func(tx *Tx) error {
		var n int
		if err := tx.tx.QueryRow("SELECT count(*) FROM web_signin_tokens").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d tokens left (%v), want 0", n, err)
		}
		list, err := tx.OutgoingList(0)
		if err != nil {
			return err
		}
		if list[0].Text != "(expired)" {
			t.Errorf("sent sign-in mail keeps its text %q", list[0].Text)
		}
		if !strings.Contains(list[1].Text, "SECRET") {
			t.Errorf("a pending sign-in mail lost its link: %q", list[1].Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMarkDigest_OncePerPeriod(t *testing.T) {
	s := openClock(t, t0, nil)
	var first, second, other bool
	s.update(t, func(tx *Tx) (err error) {
		if first, err = tx.MarkDigest("weekly 2026-W48"); err != nil {
			return err
		}
		if second, err = tx.MarkDigest("weekly 2026-W48"); err != nil {
			return err
		}
		other, err = tx.MarkDigest("weekly 2026-W49")
		return err
	})
	if !first || second || !other {
		t.Errorf("MarkDigest: first %v, again %v, next week %v; want true false true", first, second, other)
	}
}

// queueFixture is the ticket set of TestListTickets_Filters, plus a tier,
// a type and an automatic answer.
func queueFixture(t *testing.T) *clockStore {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		a := create(t, tx, NewTicket{Subject: "VPN down", Impact: High, Urgency: High})                       // 1001 P1
		b := create(t, tx, NewTicket{Subject: "プリンターが動かない"})                                                  // 1002 P3
		c := create(t, tx, NewTicket{Subject: "disk 100% full", Impact: Low, Urgency: Low})                   // 1003 P5
		d := create(t, tx, NewTicket{Subject: "disk 100 percent"})                                            // 1004 P3
		e := create(t, tx, NewTicket{Subject: `a_b and axb in C:\temp`, Type: ServiceRequest, Prefix: "INC"}) // 1005 P3
		if err := tx.AddEntry(b, &Entry{Kind: KindCustomer, Direction: "in", Text: "三階の複合機で印刷できません。印刷は100%失敗します。"}, ""); err != nil {
			return err
		}
		if err := tx.AddEntry(d, &Entry{Kind: KindCustomer, Direction: "in", Text: "quota at 100% since Monday"}, ""); err != nil {
			return err
		}
		for _, step := range []error{
			tx.SetTier(a, 1, "", ""), // before the assignee: a move to another tier unassigns
			tx.SetAssignee(a, "alice@example.com", ""),
			tx.SetAssignee(c, "alice@example.com", ""),
			tx.SetStatus(a, StatusInProgress, "", ""),
			tx.SetStatus(e, StatusResolved, "", ""),
			tx.SetAutoAnswer(e, "vpn-home"),
		} {
			if step != nil {
				return step
			}
		}
		return nil
	})
	s.now = t0.Add(3 * time.Hour)
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1004")
		if err != nil {
			return err
		}
		return tx.Hold(tkt, "", "")
	})
	s.now = t0.Add(5 * time.Hour)
	s.update(t, func(tx *Tx) error {
		tkt, err := tx.Ticket("INC-1002")
		if err != nil {
			return err
		}
		return tx.MarkFirstResponse(tkt, "bob@example.com")
	})
	return s
}

func queueRefs(t *testing.T, s *clockStore, f QueueFilter) (string, *QueuePage) {
	t.Helper()
	var page *QueuePage
	if err := s.View(context.Background(), func(tx *Tx) (err error) { page, err = tx.Queue(f); return err }); err != nil {
		t.Fatalf("Queue(%+v): %v", f, err)
	}
	var refs []string
	for _, tk := range page.Tickets {
		refs = append(refs, tk.Ref)
	}
	return strings.Join(refs, " "), page
}

// The queue in "newest" order selects exactly what ListTickets (behind
// `tickets list`) selects for the filters they share, whether a search
// goes through the trigram index (three characters or more) or LIKE.
func TestQueue_AgreesWithListTickets(t *testing.T) {
	s := queueFixture(t)
	for _, f := range []ListFilter{
		{}, {Status: StatusInProgress}, {Status: StatusOpen}, {Priority: "P3"}, {Assignee: "Alice@Example.com"},
		{Overdue: true}, {Overdue: true, Now: t0.Add(25 * time.Hour)}, {Overdue: true, Now: t0.Add(10 * time.Minute)},
		{Overdue: true, Now: t0.Add(time.Hour)}, {Overdue: true, Now: t0.Add(25 * time.Hour), Priority: "P3"},
		{Search: "プリンター"}, {Search: "複合機"}, {Search: "印刷"}, {Search: "100%"}, {Search: "100%失敗"}, {Search: "印刷%失敗"},
		{Search: "a_b"}, {Search: "vpn"}, {Search: "VPN DOWN"}, {Search: `C:\t`}, {Search: `\%`}, {Search: `"quota"`}, {Search: "disk", Assignee: "alice@example.com"},
		{Limit: 2}, {Limit: 2, Offset: 2}, {Offset: 10},
	} {
		var want []string
		err := s.View(context.Background(), func(tx *Tx) error {
			list, err := tx.ListTickets(f)
			for _, tk := range list {
				want = append(want, tk.Ref)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := queueRefs(t, s, QueueFilter{Status: f.Status, Priority: f.Priority, Assignee: f.Assignee, Overdue: f.Overdue,
			Now: f.Now, Search: f.Search, Limit: f.Limit, Offset: f.Offset, Tier: -1, Order: "newest"})
		if got != strings.Join(want, " ") {
			t.Errorf("%+v: Queue = %q, ListTickets = %q", f, got, strings.Join(want, " "))
		}
	}
}

func TestQueue_OrdersFiltersAndCounts(t *testing.T) {
	s := queueFixture(t)
	tests := []struct {
		name string
		f    QueueFilter
		want string
	}{
		// INC-1001 (P1, respond due +30m) is overdue; INC-1003 (P5,
		// respond +24h) and INC-1002 (answered, resolve +24h) are due at
		// the same instant, the newer first; INC-1004, put on hold before
		// its due time, and the resolved INC-1005 come last, newest first.
		{"due, overdue first", QueueFilter{Tier: -1}, "INC-1001 INC-1003 INC-1002 INC-1005 INC-1004"},
		{"oldest", QueueFilter{Tier: -1, Order: "oldest"}, "INC-1001 INC-1002 INC-1003 INC-1004 INC-1005"},
		{"priority", QueueFilter{Tier: -1, Order: "priority"}, "INC-1001 INC-1005 INC-1004 INC-1002 INC-1003"},
		{"updated", QueueFilter{Tier: -1, Order: "updated"}, "INC-1002 INC-1004 INC-1005 INC-1003 INC-1001"},
		{"type", QueueFilter{Tier: -1, Type: ServiceRequest}, "INC-1005"},
		{"tier", QueueFilter{Tier: 1}, "INC-1001"},
		{"tier 0 holds none never sent to a tier", QueueFilter{Tier: 0}, ""},
		{"unassigned", QueueFilter{Tier: -1, Assignee: "-", Order: "newest"}, "INC-1005 INC-1004 INC-1002"},
		{"answered automatically", QueueFilter{Tier: -1, Auto: true}, "INC-1005"},
		{"page 2 of 2", QueueFilter{Tier: -1, Limit: 3, Offset: 3}, "INC-1005 INC-1004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := queueRefs(t, s, tt.f); got != tt.want {
				t.Errorf("Queue(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
	_, page := queueRefs(t, s, QueueFilter{Tier: -1, Status: StatusNew, Limit: 1})
	want := map[Status]int{StatusNew: 2, StatusInProgress: 1, StatusOnHold: 1, StatusResolved: 1}
	for st, n := range want {
		if page.Counts[st] != n {
			t.Errorf("count of %s = %d, want %d (all: %v)", st, page.Counts[st], n, page.Counts)
		}
	}
	if page.Total != 2 || len(page.Tickets) != 1 {
		t.Errorf("status new: total %d, %d on the page; want 2, 1", page.Total, len(page.Tickets))
	}
	for _, f := range []QueueFilter{{Order: "subject"}, {Type: "problem"}, {Status: "opened"}, {Offset: -1}} {
		err := s.View(context.Background(), func(tx *Tx) error { _, err := tx.Queue(f); return err })
		if err == nil {
			t.Errorf("Queue(%+v) accepted", f)
		}
	}
}

// A database from before the console (version 7) upgrades with its old
// tickets searchable.
func TestOpen_UpgradeToConsoleIndexesOldText(t *testing.T) {
	sqliteOnly(t)
	// A database of the version before the console's migration, with a
	// ticket and its customer's mail written as that version did.
	before := slices.IndexFunc(mustGlob(t), func(name string) bool { return strings.HasSuffix(name, "_console.sql") })
	db, path := atVersion(t, before)
	if _, err := db.Exec(`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at) VALUES
		(1, 'INC-1001', 'incident', 'old printer', 'a@example.com', 'new', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z');
		INSERT INTO entries (ticket_id, kind, direction, from_addr, text, created_at) VALUES
		(1, 'customer', 'in', 'a@example.com', 'トナーが切れました', '2026-11-25T09:00:00.000000Z');`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, db, path)
	for _, q := range []string{"printer", "トナー"} {
		var page *QueuePage
		if err := s.View(context.Background(), func(tx *Tx) (err error) { page, err = tx.Queue(QueueFilter{Tier: -1, Search: q}); return err }); err != nil {
			t.Fatal(err)
		}
		if len(page.Tickets) != 1 {
			t.Errorf("search %q after the upgrade found %d tickets, want 1", q, len(page.Tickets))
		}
	}
	var n int
	if err := s.r.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'").Scan(&n); err != nil || n != 6 {
		t.Errorf("%d FTS triggers (%v), want 6", n, err)
	}
}

func TestFAQPage_FiltersPagesAndCounts(t *testing.T) {
	s := openClock(t, t0, nil)
	s.update(t, func(tx *Tx) error {
		for _, f := range []FAQ{
			{Key: "vpn", Question: "VPN from home?", Answer: "Install the client.", Language: "en", Status: FAQPublished},
			{Key: "vpn-ja", Question: "VPNに接続できません", Answer: "クライアントを入れてください。", Language: "ja", Status: FAQDraft},
			{Key: "printer", Question: "Printer jam", Answer: "Open the cover.", Language: "en", Status: FAQRetired},
		} {
			if _, err := tx.PutFAQ(&f, 0, "admin"); err != nil {
				return err
			}
		}
		_, err := tx.AddParaphrase("vpn", NewParaphrase{Text: "how to vpn at home", State: ParaphraseConfirmed, Source: SourceImport, How: "admin", Actor: "admin"})
		return err
	})
	page := func(f FAQFilter) (string, map[string]int) {
		var rows []FAQRow
		var counts map[string]int
		if err := s.View(context.Background(), func(tx *Tx) (err error) { rows, counts, err = tx.FAQPage(f); return err }); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range rows {
			keys = append(keys, r.Key)
			if r.Key == "vpn" && r.ParaphraseCount != 1 {
				t.Errorf("vpn has %d paraphrases, want 1", r.ParaphraseCount)
			}
		}
		return strings.Join(keys, " "), counts
	}
	if got, counts := page(FAQFilter{Search: "vpn"}); got != "vpn vpn-ja" || counts[FAQPublished] != 1 || counts[FAQDraft] != 1 || counts[FAQRetired] != 0 {
		t.Errorf("search vpn: %q %v", got, counts)
	}
	if got, _ := page(FAQFilter{Status: FAQRetired}); got != "printer" {
		t.Errorf("retired: %q", got)
	}
	if got, _ := page(FAQFilter{Language: "ja"}); got != "vpn-ja" {
		t.Errorf("ja: %q", got)
	}
	if got, _ := page(FAQFilter{Limit: 1, Offset: 1}); got != "vpn" {
		t.Errorf("second page of one: %q", got)
	}
}

// The console's search takes a batch's new tickets and entries at the
// commit (migration 018), not inside each mail's savepoint: what a
// savepoint rolled back is never indexed, what it kept is found, the
// note of pending rows is empty after every commit, and FTS5's own check
// of the index against its tables passes. An entry deleted in the
// transaction that made it leaves nothing behind.
func TestSearch_ABatchIsIndexedAtItsCommitWithoutWhatItsSavepointsUndid(t *testing.T) {
	sqliteOnly(t)
	s := openClock(t, t0, nil)
	var gone int64
	var vpn string
	s.update(t, func(tx *Tx) error {
		for i, subject := range []string{"toner smudges on 3F", "scanner jams daily", "VPN drops at noon"} {
			err := tx.Try(func() error {
				tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: subject, Requester: "ann@example.com", Prefix: "INC"})
				if err != nil {
					return err
				}
				if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: "in", Text: "body of " + subject}, ""); err != nil {
					return err
				}
				if i == 1 {
					return errors.New("this mail fails")
				}
				if i == 2 {
					gone, vpn = tk.ID, tk.Ref
				}
				return nil
			})
			if err != nil && i != 1 {
				return err
			}
		}
		_, err := tx.tx.Exec("DELETE FROM entries WHERE ticket_id = ?", gone)
		return err
	})
	var pending int
	if err := s.r.QueryRow("SELECT count(*) FROM search_fts_pending").Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("search_fts_pending after the commit: %d rows, %v; want 0", pending, err)
	}
	for _, table := range []string{"tickets_fts", "entries_fts"} {
		if _, err := s.w.Exec("INSERT INTO " + table + "(" + table + ", rank) VALUES ('integrity-check', 1)"); err != nil {
			t.Errorf("%s integrity-check: %v", table, err)
		}
	}
	for _, c := range []struct{ search, want string }{
		{"toner", "INC-1001"},
		{"body of toner", "INC-1001"},
		{"scanner", ""},
		{"VPN", vpn},
		{"body of VPN", ""},
	} {
		var got []string
		err := s.View(context.Background(), func(tx *Tx) error {
			page, err := tx.Queue(QueueFilter{Search: c.search, Tier: -1})
			for _, tk := range page.Tickets {
				got = append(got, tk.Ref)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("search %q found %v, want %q", c.search, got, c.want)
		}
	}
}

// An intake batch leaves the search index of its rows for later
// (IndexSearchLater): a search finds them meanwhile, an entry changed or a
// ticket deleted before they are indexed is found as it is then, the
// commit that finds searchDrainRows noted indexes them all, and
// IndexSearch indexes the rest, leaving an index whose integrity check
// passes.
func TestSearch_RowsLeftForLaterAreFoundAndIndexedAtTheBoundOrWhenThePassEnds(t *testing.T) {
	sqliteOnly(t)
	defer func(n int) { searchDrainRows = n }(searchDrainRows)
	searchDrainRows = 6 // three tickets with an entry each
	s := openClock(t, t0, nil)
	pending := func() int {
		t.Helper()
		var n int
		if err := s.r.QueryRow("SELECT count(*) FROM search_fts_pending").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	indexed := func() int {
		t.Helper()
		var n int
		if err := s.r.QueryRow("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH '\"printer\"'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	search := func(q string) string {
		t.Helper()
		var got []string
		err := s.View(context.Background(), func(tx *Tx) error {
			page, err := tx.Queue(QueueFilter{Search: q, Tier: -1, Order: "newest"})
			for _, tk := range page.Tickets {
				got = append(got, tk.Ref)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, " ")
	}
	batch := func(subjects ...string) {
		t.Helper()
		s.update(t, func(tx *Tx) error {
			tx.IndexSearchLater()
			for _, subject := range subjects {
				tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: subject, Requester: "ann@example.com", Prefix: "INC"})
				if err != nil {
					return err
				}
				if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: "in", Text: "body: " + subject + " 100%_done"}, ""); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// state checks the rows noted and the tickets indexed after a step.
	state := func(after string, wantNoted, wantIndexed int) {
		t.Helper()
		if got := pending(); got != wantNoted {
			t.Fatalf("after %s: %d rows noted, want %d", after, got, wantNoted)
		}
		if got := indexed(); got != wantIndexed {
			t.Fatalf("after %s: %d tickets indexed, want %d", after, got, wantIndexed)
		}
	}
	// finds checks searches: each text and the tickets it finds, newest first.
	finds := func(when string, cases ...[2]string) {
		t.Helper()
		for _, c := range cases {
			if got := search(c[0]); got != c[1] {
				t.Errorf("%s: search %q found %q, want %q", when, c[0], got, c[1])
			}
		}
	}
	batch("printer on 2F offline", "Printer toner low")
	state("a batch of two under the bound", 4, 0)
	finds("before the index",
		[2]string{"printer", "INC-1002 INC-1001"},   // LIKE ignores ASCII case, as the trigram index does
		[2]string{"100%_done", "INC-1002 INC-1001"}, // LIKE's wildcards in the text
		[2]string{"10x%_done", ""})                  // are literal in the search
	// A change of a noted entry is searched as it is now.
	if _, err := s.w.Exec("UPDATE entries SET text = 'body: scanner' WHERE ticket_id = 1"); err != nil {
		t.Fatal(err)
	}
	finds("after an entry changed", [2]string{"body: printer on", ""}, [2]string{"body: scanner", "INC-1001"})
	state("searches (a read indexes nothing)", 4, 0)
	batch("printer jams")
	state("the batch that reached the bound", 0, 3)
	batch("printer drivers")
	if err := s.IndexSearch(context.Background()); err != nil {
		t.Fatal(err)
	}
	state("IndexSearch", 0, 4)
	finds("after the index", [2]string{"printer", "INC-1004 INC-1003 INC-1002 INC-1001"}, [2]string{"body: printer on", ""})
	for _, table := range []string{"tickets_fts", "entries_fts"} {
		if _, err := s.w.Exec("INSERT INTO " + table + "(" + table + ", rank) VALUES ('integrity-check', 1)"); err != nil {
			t.Errorf("%s integrity-check: %v", table, err)
		}
	}
	// Nothing noted: IndexSearch writes nothing.
	if err := s.IndexSearch(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Touch writes nothing for a ticket whose row the transaction already
// wrote with the same instant, but a savepoint rolled back takes that
// knowledge with it: the touch after it is written.
func TestTouch_AfterARolledBackSavepointIsWritten(t *testing.T) {
	s := openClock(t, t0, nil)
	var tk *Ticket
	s.update(t, func(tx *Tx) error {
		var err error
		tk, err = tx.CreateTicket(NewTicket{Type: Incident, Subject: "printer", Requester: "ann@example.com"})
		return err
	})
	s.now = t0.Add(time.Hour)
	s.update(t, func(tx *Tx) error {
		err := tx.Try(func() error {
			if err := tx.SetStatus(tk, StatusEscalated, "system", "test"); err != nil {
				return err
			}
			return errors.New("this mail fails")
		})
		if err == nil {
			t.Fatal("Try returned nil for a failing fn")
		}
		tk.Status = StatusNew // as the row is again
		return tx.Touch(tk)
	})
	var got *Ticket
	if err := s.View(context.Background(), func(tx *Tx) error {
		var err error
		got, err = tx.TicketByID(tk.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(time.Hour); !got.UpdatedAt.Equal(want) {
		t.Fatalf("updated_at %s after the touch; want %s", got.UpdatedAt, want)
	}
}
