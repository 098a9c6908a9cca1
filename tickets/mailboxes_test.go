package tickets

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A database of the one-mailbox gateway keeps working after the upgrade:
// its tickets, its inbound records (the UID state the poller resumes
// from) and its outgoing mail all belong to the default mailbox, the
// one the [imap] shorthand names, and mail queued before goes out from
// smtp.from as it would have.
func TestOpen_UpgradeKeepsAOneMailboxDatabaseAsTheDefaultMailboxs(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedUpTo(t, path, "_mailboxes.sql")
	for _, q := range []string{
		`INSERT INTO blobs (hash, size, data) VALUES ('h1', 3, 'raw')`,
		`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at, tier)
		 VALUES (1, 'INC-1001', 'incident', 'printer', 'a@customer.example', 'escalated', 'medium', 'medium', 'P3',
		         '2026-11-26T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', 1)`,
		`INSERT INTO inbound (id, mailbox, uidvalidity, uid, message_id, content_hash, raw_hash, size, disposition, ticket_id, received_at)
		 VALUES (1, 'INBOX', 5, 7, 'q1@customer.example', 'c1', 'h1', 3, 'new_ticket', 1, '2026-11-25T09:00:00.000000Z')`,
		`INSERT INTO outgoing (id, ticket_id, kind, to_addr, subject, text, message_id, auto_submitted, status, next_attempt_at, created_at)
		 VALUES (1, 1, 'ack', 'a@customer.example', 's', 't', 'ack1@example.com', 'auto-replied', 'pending',
		         '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s := upgrade(t, db, path)
	err := s.View(context.Background(), func(tx *Tx) error {
		tk, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		if tk.Mailbox != DefaultMailbox || tk.Tier != 1 || tk.Subject != "printer" {
			t.Errorf("ticket after the upgrade: mailbox %q, tier %d, subject %q; want %q, 1, printer", tk.Mailbox, tk.Tier, tk.Subject, DefaultMailbox)
		}
		if last, err := tx.LastUID(DefaultMailbox, "INBOX", 5); err != nil || last != 7 {
			t.Errorf("last UID of the default mailbox's INBOX = %d, %v; want 7", last, err)
		}
		if known, err := tx.KnownUIDs(DefaultMailbox, "INBOX", 5, []uint32{7, 8}); err != nil || len(known) != 1 || !known[7] {
			t.Errorf("known UIDs = %v, %v; want 7", known, err)
		}
		in, err := tx.InboundAt(DefaultMailbox, "INBOX", 5, 7)
		if err != nil || in.Ticket != "INC-1001" || in.Folder != "INBOX" || in.Mailbox != DefaultMailbox {
			t.Errorf("inbound record after the upgrade: %+v, %v", in, err)
		}
		if dup, err := tx.FirstInboundByMessageID("q1@customer.example"); err != nil || dup.ID != 1 {
			t.Errorf("dedup by Message-ID after the upgrade: %+v, %v", dup, err)
		}
		out, err := tx.OutgoingByID(1)
		if err != nil || out.From != "" || out.TicketRef != "INC-1001" {
			t.Errorf("outgoing row after the upgrade: %+v, %v; want it from smtp.from (From empty)", out, err)
		}
		list, err := tx.ListTickets(ListFilter{Mailbox: DefaultMailbox})
		if err != nil || len(list) != 1 {
			t.Errorf("tickets of the default mailbox: %d, %v; want 1", len(list), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A list of one mailbox names its tickets alone; a list of the default
// mailbox with the configured ones named takes in the tickets of a
// mailbox no longer configured, which the desk answers from it.
func TestListTickets_ByMailbox(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		for _, mb := range []string{"helpdesk", "requests", "helpdesk", "retired"} {
			if _, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: "s", Requester: "a@customer.example", Mailbox: mb}); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			f    ListFilter
			want string
		}{
			{ListFilter{}, "INC-1004 INC-1003 INC-1002 INC-1001"},
			{ListFilter{Mailbox: "requests"}, "INC-1002"},
			{ListFilter{Mailbox: "helpdesk"}, "INC-1003 INC-1001"},
			{ListFilter{Mailbox: "helpdesk", AlsoNotIn: []string{"helpdesk", "requests"}}, "INC-1004 INC-1003 INC-1001"},
			{ListFilter{Mailbox: "requests", Limit: 1, Offset: 1}, ""},
		} {
			list, err := tx.ListTickets(c.f)
			if err != nil {
				return err
			}
			if got := refsOf(list); got != c.want {
				t.Errorf("%+v: %q, want %q", c.f, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func refsOf(list []*Ticket) string {
	refs := make([]string, len(list))
	for i, tk := range list {
		refs[i] = tk.Ref
	}
	return strings.Join(refs, " ")
}
