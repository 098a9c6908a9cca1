package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func openTest(t *testing.T) *Store {
	t.Helper()
	clock := t0
	s, err := OpenSource(context.Background(), testSource(t), &Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestQueries_AllParse(t *testing.T) {
	sqliteOnly(t)
	for name, q := range queries {
		if q == "" {
			t.Errorf("query %s is empty", name)
		}
	}
	s := openTest(t)
	// Preparing each statement proves it matches the schema.
	for name, q := range queries {
		if _, err := s.w.Prepare(q); err != nil {
			t.Errorf("query %s: %v", name, err)
		}
	}
}

func TestOpen_MigratesOnceAndRefusesNewerSchema(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v < 1 {
		t.Fatalf("version %d, %v", v, err)
	}
	s.Close()
	s, err = Open(path, nil) // re-open: nothing to do
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, nil); !errors.Is(err, ErrTooNew) {
		t.Fatalf("want ErrTooNew, got %v", err)
	}
}

// An old database (frozen at schema 1, with data) upgrades in place and
// keeps its rows.
func TestOpen_UpgradesFrozenV1Database(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := migrationFiles.ReadFile("migrations/001_init.sql")
	if _, err := db.Exec(string(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 1;
		INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
		VALUES (1, 'INC-1001', 'incident', 'old', 'a@example.com', 'new', 'medium', 'medium', 'P3', '', '', '')`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, db, path)
	err = s.View(context.Background(), func(tx *Tx) error {
		tk, err := tx.Ticket("inc-1001")
		if err != nil {
			return err
		}
		if tk.Subject != "old" {
			t.Errorf("subject %q", tk.Subject)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.SchemaVersion(context.Background()); v != len(mustGlob(t)) {
		t.Errorf("schema version %d, want %d", v, len(mustGlob(t)))
	}
}

// A database at each past version of SQLite's schema (its migrations up
// to there, frozen in migrations/), holding a ticket as version 1 wrote
// it, upgrades to the present, keeps the ticket and takes a new one
// (TestOpen_PostgresUpgradesFromEveryPastVersion is PostgreSQL's).
func TestOpen_SQLiteUpgradesFromEveryPastVersion(t *testing.T) {
	sqliteOnly(t)
	files := mustGlob(t)
	for n := 0; n < len(files); n++ {
		t.Run(fmt.Sprintf("from_v%d", n), func(t *testing.T) {
			db, path := atVersion(t, n)
			if n >= 1 {
				if _, err := db.Exec(`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
					VALUES (1, 'INC-1001', 'incident', 'old', 'a@example.com', 'new', 'medium', 'medium', 'P3', '', '', '')`); err != nil {
					t.Fatal(err)
				}
			}
			s := upgrade(t, db, path)
			if v, _ := s.SchemaVersion(context.Background()); v != len(files) {
				t.Errorf("schema version %d, want %d", v, len(files))
			}
			err := s.Update(context.Background(), func(tx *Tx) error {
				if n >= 1 {
					old, err := tx.Ticket("inc-1001")
					if err != nil {
						return err
					}
					if old.Subject != "old" {
						t.Errorf("subject %q after the upgrade, want old", old.Subject)
					}
				}
				tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "new", Requester: "b@example.com", Prefix: "INC"})
				if err != nil {
					return err
				}
				if n >= 1 && tk.Ref == "INC-1001" {
					t.Errorf("a new ticket took the old one's reference %s", tk.Ref)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// atVersion is a new database file with the first n migrations applied,
// for a test to write rows into as an old version of the program did.
func atVersion(t *testing.T, n int) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", n))
	return openAtVersion(t, path, n), path
}

// openAtVersion opens a new database at path with the first n
// migrations applied, as a store of that version.
func openAtVersion(t *testing.T, path string, n int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range mustGlob(t)[:n] {
		body, _ := migrationFiles.ReadFile("migrations/" + f)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
		t.Fatal(err)
	}
	return db
}

// upgrade closes a database the test wrote by hand at an old schema and
// opens it as the store, which migrates it.
func upgrade(t *testing.T, db *sql.DB, path string) *Store {
	t.Helper()
	db.Close()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// migratedUpTo opens a new database at path with the migrations before
// the one whose name ends in suffix applied, as a store of that version.
func migratedUpTo(t *testing.T, path, suffix string) *sql.DB {
	t.Helper()
	names := mustGlob(t)
	n := slices.IndexFunc(names, func(name string) bool { return strings.HasSuffix(name, suffix) })
	if n < 0 {
		t.Fatalf("no migration ends in %s", suffix)
	}
	return openAtVersion(t, path, n)
}

func mustGlob(t *testing.T) []string {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestPriority_Matrix(t *testing.T) {
	cases := []struct{ impact, urgency, want string }{
		{High, High, "P1"}, {High, Medium, "P2"}, {Medium, High, "P2"}, {High, Low, "P3"},
		{Medium, Medium, "P3"}, {Low, High, "P3"}, {Medium, Low, "P4"}, {Low, Medium, "P4"}, {Low, Low, "P5"},
	}
	for _, c := range cases {
		if got := Priority(c.impact, c.urgency); got != c.want {
			t.Errorf("Priority(%s,%s) = %s, want %s", c.impact, c.urgency, got, c.want)
		}
	}
}

func TestSetStatus_EnforcesTransitionsAndAudits(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "VPN down", Requester: "a@example.com", Impact: High, Urgency: High})
		if err != nil {
			return err
		}
		if tk.Ref != "INC-1001" || tk.Priority != "P1" || !tk.DueAt.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("ticket %+v", tk)
		}
		if err := tx.SetStatus(tk, StatusResolved, "agent", "fixed"); err != nil {
			return err
		}
		if err := tx.SetStatus(tk, StatusClosed, "system", "quiet"); err != nil {
			return err
		}
		if err := tx.SetStatus(tk, StatusInProgress, "x", ""); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("closed → in_progress: want ErrInvalidTransition, got %v", err)
		}
		ev, err := tx.Events(tk.ID)
		if err != nil {
			return err
		}
		var kinds []string
		for _, e := range ev {
			kinds = append(kinds, e.Kind)
		}
		if len(kinds) != 3 || kinds[0] != "ticket_created" || kinds[2] != "status_changed" {
			t.Errorf("events %v", kinds)
		}
		req, err := tx.CreateTicket(NewTicket{Type: ServiceRequest, Subject: "new laptop", Requester: "b@example.com"})
		if err != nil {
			return err
		}
		if req.Ref != "REQ-1002" || req.Priority != "P3" {
			t.Errorf("request %+v", req)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestThreading_ByEntryAndOutgoingMessageID(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "x", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: "in", MessageID: "in-1@example.com",
			Attachments: []Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("hello")}}}, "a@example.com"); err != nil {
			return err
		}
		if err := tx.QueueMail(&Outgoing{TicketID: tk.ID, Kind: "ack", To: "a@example.com", Subject: "s", Text: "t", MessageID: "out-1@support.example"}); err != nil {
			return err
		}
		for _, id := range []string{"in-1@example.com", "out-1@support.example"} {
			got, err := tx.TicketByMessageID([]string{"unknown@x", id})
			if err != nil || got.ID != tk.ID {
				t.Errorf("thread by %s: %v %v", id, got, err)
			}
		}
		if _, err := tx.TicketByMessageID([]string{"nope@x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		entries, err := tx.Entries(tk.ID)
		if err != nil {
			return err
		}
		if len(entries) != 1 || len(entries[0].Attachments) != 1 || entries[0].Attachments[0].Size != 5 {
			t.Errorf("entries %+v", entries)
		}
		b, err := tx.Blob(entries[0].Attachments[0].SHA256)
		if err != nil || string(b) != "hello" {
			t.Errorf("blob %q %v", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInbound_UniquePerUIDAndKnown(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx *Tx) error {
		for _, uid := range []uint32{3, 5} {
			if err := tx.RecordInbound(&Inbound{Mailbox: "support", Folder: "INBOX", UIDValidity: 7, UID: uid, MessageID: "m@x", Raw: []byte("raw"), Disposition: DispQuarantined, Reason: "r"}); err != nil {
				return err
			}
		}
		known, err := tx.KnownUIDs("support", "INBOX", 7, []uint32{1, 3, 4, 5, 9})
		if err != nil {
			return err
		}
		if len(known) != 2 || !known[3] || !known[5] {
			t.Errorf("known %v", known)
		}
		if k, _ := tx.KnownUIDs("support", "INBOX", 8, []uint32{3}); len(k) != 0 {
			t.Errorf("other uidvalidity known: %v", k)
		}
		first, err := tx.FirstInboundByMessageID("m@x")
		if err != nil || first.UID != 3 {
			t.Errorf("first %+v %v", first, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.RecordInbound(&Inbound{Mailbox: "support", Folder: "INBOX", UIDValidity: 7, UID: 3, Raw: []byte("raw"), Disposition: DispDuplicate})
	})
	if err == nil {
		t.Fatal("second record of the same UID was accepted")
	}
}

// Two accounts may each have an INBOX at one UIDVALIDITY (Dovecot gives
// INBOXes made in the same second the same one): their messages are told
// apart by the configured mailbox, so one account's record never makes
// the other's message "known" (filed without being fetched).
func TestInbound_TwoMailboxesWithOneFolderAndUIDValidityKeepTheirOwnUIDs(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		for _, mb := range []string{"helpdesk", "requests"} {
			if err := tx.RecordInbound(&Inbound{Mailbox: mb, Folder: "INBOX", UIDValidity: 1700000000, UID: 1, MessageID: mb + "@x",
				Raw: []byte(mb), Disposition: DispNewTicket}); err != nil {
				return fmt.Errorf("record UID 1 of %s: %w", mb, err)
			}
		}
		if err := tx.RecordInbound(&Inbound{Mailbox: "helpdesk", Folder: "INBOX", UIDValidity: 1700000000, UID: 2, MessageID: "h2@x",
			Raw: []byte("h2"), Disposition: DispNewTicket}); err != nil {
			return err
		}
		if last, err := tx.LastUID("requests", "INBOX", 1700000000); err != nil || last != 1 {
			t.Errorf("last UID of requests = %d, %v; want 1 (helpdesk's 2 is not its)", last, err)
		}
		if known, err := tx.KnownUIDs("requests", "INBOX", 1700000000, []uint32{1, 2}); err != nil || len(known) != 1 || !known[1] {
			t.Errorf("known UIDs of requests = %v, %v; want only 1", known, err)
		}
		if in, err := tx.InboundAt("requests", "INBOX", 1700000000, 1); err != nil || in.MessageID != "requests@x" || in.Mailbox != "requests" || in.Folder != "INBOX" {
			t.Errorf("record of requests/INBOX/1: %+v, %v", in, err)
		}
		if err := tx.RecordInbound(&Inbound{Folder: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte("x"), Disposition: DispNewTicket}); err == nil {
			t.Error("a record without its mailbox was accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOutgoing_DueRetryFailedSent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var id1, id2 int64
	err := s.Update(ctx, func(tx *Tx) error {
		o1 := &Outgoing{Kind: "ack", To: "a@example.com", Subject: "s", Text: "t", MessageID: "o1@x", References: []string{"a@x", "b@x"}}
		o2 := &Outgoing{Kind: "ack", To: "b@example.com", Subject: "s", Text: "t", MessageID: "o2@x"}
		if err := tx.QueueMail(o1); err != nil {
			return err
		}
		id1 = o1.ID
		if err := tx.QueueMail(o2); err != nil {
			return err
		}
		id2 = o2.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueOutgoing(ctx, t0, 10)
	if err != nil || len(due) != 2 || len(due[0].References) != 2 {
		t.Fatalf("due %+v %v", due, err)
	}
	if err := s.MarkRetry(ctx, id1, 1, t0.Add(time.Minute), "451 busy"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, id2, 1, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueOutgoing(ctx, t0, 10); len(due) != 0 {
		t.Fatalf("due right after retry/fail: %+v", due)
	}
	due, _ = s.DueOutgoing(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != id1 || due[0].Attempts != 1 || due[0].LastError != "451 busy" {
		t.Fatalf("due after a minute %+v", due)
	}
	if err := s.MarkSent(ctx, id1, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx *Tx) error {
		list, err := tx.OutgoingList(0)
		if err != nil {
			return err
		}
		if list[0].Status != OutSent || list[0].Attempts != 2 || list[1].Status != OutFailed || list[1].LastError != "550 no such user" {
			t.Errorf("list %+v %+v", list[0], list[1])
		}
		n, err := tx.CountQueuedTo("a@example.com", []string{"ack"}, t0, 10)
		if n != 1 || err != nil {
			t.Errorf("count %d %v", n, err)
		}
		// Only the kinds asked for count.
		if n, err := tx.CountQueuedTo("a@example.com", []string{"notice"}, t0, 10); n != 0 || err != nil {
			t.Errorf("count of other kinds %d %v", n, err)
		}
		if at, err := tx.LastSentTo("a@example.com", t0); !at.Equal(t0.Add(time.Minute)) || err != nil {
			t.Errorf("last sent to a@: %v %v", at, err)
		}
		if at, err := tx.LastSentTo("b@example.com", t0); !at.IsZero() || err != nil {
			t.Errorf("last sent to b@, whose mail failed: %v %v", at, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The counts behind the desk's mail limits stop at the limit asked about,
// count only the kinds asked for, from the instant asked for.
func TestOutgoing_CountsStopAtTheirCap(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "loop", Requester: "robot@example.com"})
		if err != nil {
			return err
		}
		for i := range 5 {
			if err := tx.QueueMail(&Outgoing{TicketID: tk.ID, Kind: "relay", To: "robot@example.com", Subject: "s", Text: "t", MessageID: fmt.Sprintf("r%d@x", i)}); err != nil {
				return err
			}
		}
		relay := []string{"relay"}
		for _, c := range []struct {
			name  string
			count func() (int, error)
			want  int
		}{
			{"to the address, capped", func() (int, error) { return tx.CountQueuedTo("robot@example.com", relay, t0, 3) }, 3},
			{"to the address", func() (int, error) { return tx.CountQueuedTo("robot@example.com", relay, t0, 10) }, 5},
			{"on the ticket, capped", func() (int, error) { return tx.CountQueuedOnTicket(tk.ID, relay, t0, 2) }, 2},
			{"on the ticket", func() (int, error) { return tx.CountQueuedOnTicket(tk.ID, relay, t0, 10) }, 5},
			{"of another kind", func() (int, error) { return tx.CountQueuedOnTicket(tk.ID, []string{"copy"}, t0, 10) }, 0},
			{"queued before the window", func() (int, error) { return tx.CountQueuedTo("robot@example.com", relay, t0.Add(time.Second), 10) }, 0},
		} {
			if n, err := c.count(); n != c.want || err != nil {
				t.Errorf("%s: %d %v, want %d", c.name, n, err, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An agent's earlier text on a ticket is found word for word, only from
// that agent, only on that ticket, only within the window.
func TestEntries_AgentSaidMatchesWordForWordWithinTheWindow(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "ooo", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		other, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "other", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		const text = "I have received your message."
		if err := tx.AddEntry(tk, &Entry{Kind: KindAgent, Direction: DirIn, From: "alice@example.com", Role: RoleAgent, Text: text}, "alice@example.com"); err != nil {
			return err
		}
		for _, c := range []struct {
			name   string
			ticket int64
			agent  string
			text   string
			since  time.Time
			want   bool
		}{
			{"same agent, same text", tk.ID, "Alice@Example.com", text, t0, true},
			{"another text", tk.ID, "alice@example.com", text + " Thanks.", t0, false},
			{"another agent", tk.ID, "bob@example.com", text, t0, false},
			{"another ticket", other.ID, "alice@example.com", text, t0, false},
			{"before the window", tk.ID, "alice@example.com", text, t0.Add(time.Second), false},
		} {
			if got, err := tx.AgentSaid(c.ticket, c.agent, c.text, c.since); got != c.want || err != nil {
				t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A database of version 3 (before sender roles) keeps its entries and
// their attachments through the rebuild of the entries table, and learns
// the participants of its tickets from the To of the requester's mail.
func TestOpen_UpgradeFromV3KeepsEntriesAndLearnsParticipants(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite", dsn(path, "immediate"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"001_init.sql", "002_faq.sql", "003_ticket_rows.sql"} {
		body, _ := migrationFiles.ReadFile("migrations/" + f)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if _, err := db.Exec(`PRAGMA user_version = 3;
		INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
		VALUES (1, 'INC-1001', 'incident', 'printer', 'ann@example.com', 'new', 'medium', 'medium', 'P3', '', '2026-01-01T00:00:00.000000Z', '');
		INSERT INTO blobs (hash, size, data) VALUES ('h1', 3, x'616263');
		INSERT INTO entries (id, ticket_id, kind, direction, from_addr, to_addr, subject, text, created_at)
		VALUES (7, 1, 'customer', 'in', 'Ann@example.com', 'support@example.com, Bob@Example.com', 'printer', 'jammed', '2026-01-01T00:00:00.000000Z'),
		       (8, 1, 'customer', 'in', 'eve@example.net', 'carol@example.com', 're: printer', 'hi', '2026-01-01T01:00:00.000000Z');
		INSERT INTO attachments (entry_id, filename, content_type, size, blob_hash) VALUES (7, 'a.txt', 'text/plain', 3, 'h1');`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(context.Background(), func(tx *Tx) error {
		entries, err := tx.Entries(1)
		if err != nil {
			return err
		}
		if len(entries) != 2 || entries[0].Text != "jammed" || len(entries[0].Attachments) != 1 || entries[0].Attachments[0].Filename != "a.txt" {
			t.Errorf("entries after upgrade: %+v", entries)
		}
		got, err := tx.Participants(1)
		if err != nil {
			return err
		}
		// bob from the requester's own mail; carol was only on a
		// stranger's mail and is no participant.
		if strings.Join(got, ",") != "support@example.com,bob@example.com" && strings.Join(got, ",") != "bob@example.com,support@example.com" {
			t.Errorf("participants %v, want bob (and our own address)", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTry_UndoesWhatAFailedStepWroteAndKeepsTheRest(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.Event(0, "", "kept-before", "", nil); err != nil {
			return err
		}
		failed := tx.Try(func() error {
			if err := tx.Event(0, "", "undone", "", nil); err != nil {
				return err
			}
			return errors.New("step failed")
		})
		if failed == nil || failed.Error() != "step failed" {
			t.Errorf("Try = %v", failed)
		}
		if err := tx.Try(func() error { return tx.Event(0, "", "kept-inside", "", nil) }); err != nil {
			return err
		}
		return tx.Event(0, "", "kept-after", "", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	rows, err := s.r.Query("SELECT kind FROM events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	if strings.Join(kinds, ",") != "kept-before,kept-inside,kept-after" {
		t.Fatalf("events %v", kinds)
	}
}

// The writer's settings that the invariants rest on: WAL with every commit
// fsync'd (synchronous FULL: mail is flagged on the server only after its
// commit is on disk), foreign keys on, and savepoints' sub-journals in
// memory (they are undone or dropped before the commit, so they need no
// file); the WAL checkpointed every 4,000 pages.
func TestOpen_TheWriterCommitsDurablyAndKeepsSavepointsInMemory(t *testing.T) {
	sqliteOnly(t)
	s := openTest(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "temp_store": "2", "wal_autocheckpoint": "4000"} {
		var got string
		if err := s.w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s on the writer; want %s", pragma, got, want)
		}
	}
}

// Savepoints share one name: a failed Try inside another undoes the inner
// step only, and a failed outer one undoes both.
func TestTry_NestedUndoesItsOwnStepsOnly(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		outer := tx.Try(func() error {
			if err := tx.Event(0, "", "outer-kept", "", nil); err != nil {
				return err
			}
			if err := tx.Try(func() error {
				if err := tx.Event(0, "", "inner-undone", "", nil); err != nil {
					return err
				}
				return errors.New("inner failed")
			}); err == nil {
				t.Error("inner Try returned nil")
			}
			return tx.Event(0, "", "outer-kept-after", "", nil)
		})
		if outer != nil {
			return outer
		}
		if err := tx.Try(func() error {
			if err := tx.Try(func() error { return tx.Event(0, "", "inner-of-failed", "", nil) }); err != nil {
				return err
			}
			return errors.New("outer failed")
		}); err == nil {
			t.Error("failed outer Try returned nil")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventKinds(t, s); got != "outer-kept,outer-kept-after" {
		t.Fatalf("events %s; want outer-kept,outer-kept-after", got)
	}
}

// A write transaction is not begun with a context already done; begun, it
// runs to its end and commits although its context ends on the way. On
// PostgreSQL, whose statements cross a network, the cancel is kept: the
// transaction is rolled back whole, never half written.
func TestUpdate_ATransactionBegunRunsToItsEndWhenItsContextEnds(t *testing.T) {
	s := openTest(t)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Update(done, func(tx *Tx) error { return tx.Event(0, "", "never", "", nil) }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Update with a done context = %v; want context.Canceled", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.Event(0, "", "before", "", nil); err != nil {
			return err
		}
		cancel()
		return tx.Event(0, "", "after", "", nil)
	})
	if testBackend == DriverPostgres {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Update whose context ended while it ran on PostgreSQL = %v; want context.Canceled", err)
		}
		if got := eventKinds(t, s); got != "" {
			t.Fatalf("events %q after a cancelled transaction; want none", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("Update whose context ended while it ran: %v", err)
	}
	if got := eventKinds(t, s); got != "before,after" {
		t.Fatalf("events %s; want before,after", got)
	}
}

func eventKinds(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.r.Query("SELECT kind FROM events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	return strings.Join(kinds, ",")
}

// A database frozen just before the paraphrase states, holding a wording
// a customer confirmed (its ticket was answered automatically with that
// entry) and one an agent's #answer kept at once, and two drafts (one
// from a ticket): the first wording is confirmed, the second pending, the
// draft from the ticket needs review, and the index is made stale.
func TestOpen_UpgradesParaphrasesToStatesAndDraftsFromTicketsToNeedingReview(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedUpTo(t, path, "_paraphrase_states.sql")
	for _, q := range []string{
		`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at, auto_answer_key)
		 VALUES (1, 'INC-1001', 'incident', 'VPN', 'a@example.com', 'resolved', 'medium', 'medium', 'P3', '', '', '', 'vpn'),
		        (2, 'INC-1002', 'incident', 'Cannot print', 'b@example.com', 'in_progress', 'medium', 'medium', 'P3', '', '', '', '')`,
		`INSERT INTO faq_entries (key, question, answer, status, source_ticket_id, created_at, updated_at)
		 VALUES ('vpn', 'How do I connect to the VPN?', 'Use the client.', 'published', NULL, 't', 't'),
		        ('inc-1002', 'Cannot print', 'Restart the spooler.', 'draft', 2, 't', 't'),
		        ('chair', 'How do I order a chair?', 'Ask facilities.', 'draft', NULL, 't', 't')`,
		`INSERT INTO faq_paraphrases (faq_key, text, ticket_id, created_at) VALUES ('vpn', 'VPN from home', 1, '2026-11-25T09:00:00.000000Z'),
		        ('vpn', 'Cannot print', 2, '2026-11-25T10:00:00.000000Z')`,
		`INSERT INTO events (ticket_id, subject_key, kind, actor, detail, created_at)
		 VALUES (NULL, 'vpn', 'faq_paraphrase_added', 'a@example.com', '{"ticket":1}', 't'),
		        (NULL, 'vpn', 'faq_paraphrase_added', 'alice@example.com', '{"ticket":2}', 't')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var before int64
	if err := db.QueryRow(`SELECT version FROM faq_version`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, db, path)
	err := s.View(context.Background(), func(tx *Tx) error {
		vpn, err := tx.FAQ("vpn")
		if err != nil {
			return err
		}
		p := vpn.Paraphrases
		if len(p) != 2 || p[0].State != ParaphraseConfirmed || p[0].Source != SourceAutoAnswer || p[0].AddedBy != "a@example.com" ||
			p[1].State != ParaphrasePending || p[1].Source != SourceAgentAnswer || p[1].AddedBy != "alice@example.com" || p[1].Ticket != "INC-1002" ||
			!p[1].StateAt.Equal(p[1].AddedAt) || p[1].AddedAt.IsZero() {
			t.Errorf("paraphrases after the upgrade: %+v", p)
		}
		for key, want := range map[string]bool{"inc-1002": true, "chair": false, "vpn": false} {
			f, err := tx.FAQ(key)
			if err != nil {
				return err
			}
			if f.NeedsReview != want {
				t.Errorf("%s needs review %v, want %v", key, f.NeedsReview, want)
			}
		}
		v, err := tx.FAQVersion()
		if err != nil {
			return err
		}
		if v == before {
			t.Errorf("FAQ version %d unchanged: the index would not learn the states", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The desk asks once for a batch which of its Message-IDs the store holds
// already, in inbound records and in our outgoing mail.
func TestInbound_MessageIDsOfABatchInOneQuery(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		for uid, id := range map[uint32]string{1: "a@x", 2: "b@x", 3: "a@x", 4: ""} {
			if err := tx.RecordInbound(&Inbound{Mailbox: DefaultMailbox, Folder: "INBOX", UIDValidity: 7, UID: uid, MessageID: id, Raw: []byte(fmt.Sprint("raw", uid)), Disposition: DispQuarantined}); err != nil {
				return err
			}
		}
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "x", Requester: "a@example.com"})
		if err != nil {
			return err
		}
		if err := tx.QueueMail(&Outgoing{TicketID: tk.ID, Kind: "ack", To: "a@example.com", Subject: "s", Text: "t", MessageID: "ours@support.example"}); err != nil {
			return err
		}
		in, err := tx.InboundMessageIDs([]string{"a@x", "c@x", "", "b@x", "ours@support.example", `"quoted"@x`})
		if err != nil {
			return err
		}
		if len(in) != 2 || !in["a@x"] || !in["b@x"] {
			t.Errorf("inbound Message-IDs %v; want a@x and b@x", in)
		}
		out, err := tx.OutgoingMessageIDs([]string{"a@x", "ours@support.example"})
		if err != nil {
			return err
		}
		if len(out) != 1 || !out["ours@support.example"] {
			t.Errorf("outgoing Message-IDs %v; want ours@support.example", out)
		}
		if none, err := tx.InboundMessageIDs(nil); err != nil || len(none) != 0 {
			t.Errorf("no Message-IDs: %v, %v", none, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A panic inside a transaction's fn, recovered further up (as net/http
// recovers a handler's), leaves no transaction open: the next write goes
// through instead of waiting for the writer connection for ever, and what
// the panicking fn wrote is not kept.
func TestUpdate_APanicInsideLeavesNoTransactionOpen(t *testing.T) {
	s := openTest(t)
	var tk *Ticket
	if err := s.Update(context.Background(), func(tx *Tx) (err error) {
		tk, err = tx.CreateTicket(NewTicket{Type: Incident, Subject: "printer", Requester: "ann@example.com"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		_ = s.Update(context.Background(), func(tx *Tx) error {
			if err := tx.Event(tk.ID, "", "before-the-panic", "", nil); err != nil {
				return err
			}
			panic("a bug in a handler")
		})
	}()
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx *Tx) error {
			return tx.Event(tk.ID, "", "after-the-panic", "", nil)
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write after the panic: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the write after the panic still waits after 30 s: the panicked transaction holds the writer")
	}
	var kinds []string
	if err := s.View(context.Background(), func(tx *Tx) error {
		evs, err := tx.Events(tk.ID)
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(kinds, " ") != "ticket_created after-the-panic" {
		t.Fatalf("events %v; want ticket_created after-the-panic", kinds)
	}
}
