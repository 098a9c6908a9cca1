package tickets

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// An agent's #uncc makes a participant a stranger again, and the
// requester's next mail naming the address does not bring it back; only
// an agent's #cc does. Both are audited with the agent.
func TestParticipants_DroppedStaysAStrangerUntilAnAgentCcsItAgain(t *testing.T) {
	cs := openClock(t, time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), nil)
	var tk *Ticket
	cs.update(t, func(tx *Tx) error {
		tk = create(t, tx, NewTicket{Prefix: "INC", Subject: "printer", Requester: "ann@example.com"})
		return tx.AddParticipants(tk, []string{"Boss@Example.com", "ken@example.com"})
	})
	is := func(addr string) bool {
		t.Helper()
		var ok bool
		if err := cs.View(context.Background(), func(tx *Tx) (err error) { ok, err = tx.IsParticipant(tk.ID, addr); return err }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	list := func() []string {
		t.Helper()
		var out []string
		if err := cs.View(context.Background(), func(tx *Tx) (err error) { out, err = tx.Participants(tk.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cs.update(t, func(tx *Tx) error {
		if dropped, err := tx.DropParticipant(tk, "KEN@example.com", "alice@example.com"); err != nil || !dropped {
			t.Errorf("DropParticipant(ken) = %v, %v", dropped, err)
		}
		if dropped, err := tx.DropParticipant(tk, "ken@example.com", "alice@example.com"); err != nil || dropped {
			t.Errorf("dropping ken twice = %v, %v; want false", dropped, err)
		}
		return tx.AddParticipants(tk, []string{"ken@example.com"}) // the requester's reply-all
	})
	if is("ken@example.com") || !is("boss@example.com") || !slices.Equal(list(), []string{"boss@example.com"}) {
		t.Fatalf("after #uncc ken and the requester's reply-all: participants %v", list())
	}
	cs.update(t, func(tx *Tx) error {
		for _, addr := range []string{"ken@example.com", "vendor@example.net"} {
			if added, err := tx.CCParticipant(tk, addr, "bob@example.com"); err != nil || !added {
				t.Errorf("CCParticipant(%s) = %v, %v", addr, added, err)
			}
		}
		if added, err := tx.CCParticipant(tk, "boss@example.com", "bob@example.com"); err != nil || added {
			t.Errorf("CCParticipant(boss), a participant already = %v, %v; want false", added, err)
		}
		return nil
	})
	if got := list(); !slices.Equal(got, []string{"boss@example.com", "ken@example.com", "vendor@example.net"}) {
		t.Fatalf("after #cc: participants %v", got)
	}
	var audit []string
	for _, kind := range []string{"participant_dropped", "participant_added"} {
		for _, e := range cs.events(t, tk.Ref, kind) {
			audit = append(audit, fmt.Sprintf("%s %s %v", kind, e.Actor, detail(t, e)["addr"]))
		}
	}
	if want := []string{"participant_dropped alice@example.com ken@example.com", "participant_added bob@example.com ken@example.com",
		"participant_added bob@example.com vendor@example.net"}; !slices.Equal(audit, want) {
		t.Errorf("audit %q, want %q", audit, want)
	}
}

// A mail to a customer keeps its Cc list through the outbox's row.
func TestQueueMail_KeepsTheCcList(t *testing.T) {
	s := openTest(t)
	o := &Outgoing{Kind: "relay", To: "ann@example.com", Cc: []string{"boss@example.com", "ken@example.com"}, Subject: "s", Text: "t", MessageID: "m1@example.com"}
	if err := s.Update(context.Background(), func(tx *Tx) error { return tx.QueueMail(o) }); err != nil {
		t.Fatal(err)
	}
	if got := outgoing(t, s, o.ID); !slices.Equal(got.Cc, o.Cc) {
		t.Errorf("Cc read back %q, want %q", got.Cc, o.Cc)
	}
}

// A store from before the Cc list upgrades with its participants and its
// queued mail as they were: nobody dropped, no Cc.
func TestOpen_UpgradeKeepsParticipantsAndQueuedMailWithoutCc(t *testing.T) {
	sqliteOnly(t)
	path := filepath.Join(t.TempDir(), "old.db")
	db := migratedUpTo(t, path, "_cc_participants.sql")
	for _, q := range []string{
		`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at)
		 VALUES (1, 'INC-1001', 'incident', 'printer', 'ann@example.com', 'in_progress', 'medium', 'medium', 'P3', '', '', '')`,
		`INSERT INTO ticket_participants (ticket_id, addr, created_at) VALUES (1, 'boss@example.com', '2026-11-25T09:00:00.000000Z')`,
		`INSERT INTO outgoing (id, ticket_id, kind, to_addr, subject, text, message_id, auto_submitted, status, next_attempt_at, created_at, queued_at)
		 VALUES (5, 1, 'relay', 'ann@example.com', 's', 't', 'm5@example.com', 'auto-generated', 'pending', '', '', '')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := upgrade(t, db, path)
	err := s.View(context.Background(), func(tx *Tx) error {
		parts, err := tx.Participants(1)
		if err != nil {
			return err
		}
		if !slices.Equal(parts, []string{"boss@example.com"}) {
			t.Errorf("participants after the upgrade %v", parts)
		}
		o, err := tx.OutgoingByID(5)
		if err != nil {
			return err
		}
		if o.To != "ann@example.com" || len(o.Cc) != 0 {
			t.Errorf("queued mail after the upgrade: to %s, cc %q", o.To, o.Cc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
