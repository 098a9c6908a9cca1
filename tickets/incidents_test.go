package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A merged ticket closes as merged with no timer left, points at the
// ticket that lives on, and both audit trails say so; a ticket merged into
// one that is merged in turn points at the last one.
func TestMergeTicket_ClosesAsMergedWithNoTimerAndStaysOneStepFromTheSurvivor(t *testing.T) {
	cs := openClock(t, t0, &SLAPolicy{EscalateAfter: []time.Duration{4 * time.Hour}})
	var a, b, c *Ticket
	cs.update(t, func(tx *Tx) error {
		a = create(t, tx, NewTicket{Subject: "mail down", Requester: "ann@example.com"})
		b = create(t, tx, NewTicket{Subject: "mail is down", Requester: "bob@example.com"})
		c = create(t, tx, NewTicket{Subject: "outage", Requester: "cy@example.com"})
		return tx.SetStatus(b, StatusEscalated, "system", "to agents")
	})
	if b.NextTimerAt.IsZero() {
		t.Fatal("an escalated ticket should have a timer before the merge")
	}
	cs.update(t, func(tx *Tx) error { return tx.MergeTicket(b, a, ClosedMerged, "alice@example.com") })
	got := cs.ticket(t, b.Ref)
	if got.Status != StatusClosed || got.ClosedReason != ClosedMerged || got.MergedInto != a.Ref || !got.NextTimerAt.IsZero() ||
		!got.ResolvedAt.IsZero() || got.ClosedAt.IsZero() {
		t.Fatalf("merged ticket: status %s reason %q into %q next timer %v resolved %v closed %v", got.Status, got.ClosedReason,
			got.MergedInto, got.NextTimerAt, got.ResolvedAt, got.ClosedAt)
	}
	if ev := cs.events(t, b.Ref, "ticket_merged"); len(ev) != 1 || detail(t, ev[0])["into"] != a.Ref || ev[0].Actor != "alice@example.com" {
		t.Fatalf("events of %s: %+v", b.Ref, ev)
	}
	if ev := cs.events(t, a.Ref, "ticket_merged_here"); len(ev) != 1 || detail(t, ev[0])["from"] != b.Ref || detail(t, ev[0])["requester"] != "bob@example.com" {
		t.Fatalf("events of %s: %+v", a.Ref, ev)
	}
	if ev := cs.events(t, b.Ref, "status_changed"); ev[len(ev)-1].Actor != "alice@example.com" || detail(t, ev[len(ev)-1])["to"] != "closed" {
		t.Fatalf("the merge is not a status change of %s: %+v", b.Ref, ev)
	}

	cs.update(t, func(tx *Tx) error {
		a, _ = tx.Ticket(a.Ref)
		return tx.MergeTicket(a, c, ClosedMerged, "bob@example.com")
	})
	if got := cs.ticket(t, b.Ref); got.MergedInto != c.Ref {
		t.Fatalf("%s merged into %s, which was merged into %s: points at %q", b.Ref, a.Ref, c.Ref, got.MergedInto)
	}
	err := cs.Update(context.Background(), func(tx *Tx) error { return tx.MergeTicket(c, c, ClosedMerged, "x") })
	if err == nil || !strings.Contains(err.Error(), "into itself") {
		t.Fatalf("merging a ticket into itself: %v", err)
	}
}

// The customers' mails of a merged ticket are copied to the survivor as a
// participant's, with their attachments (the same blobs, not copies of the
// bytes); agents' entries stay behind.
func TestCopyCustomerEntries_CopiesTheCustomersMailsWithTheirAttachments(t *testing.T) {
	cs := openClock(t, t0, nil)
	var a, b *Ticket
	cs.update(t, func(tx *Tx) error {
		a = create(t, tx, NewTicket{Subject: "mail down", Requester: "ann@example.com"})
		b = create(t, tx, NewTicket{Subject: "mail is down", Requester: "bob@example.com"})
		in := &Inbound{Mailbox: "support", Folder: "INBOX", UIDValidity: 1, UID: 1, MessageID: "b1@example.com", ContentHash: "h", Raw: []byte("raw"), Disposition: DispNewTicket}
		if err := tx.RecordInbound(in); err != nil {
			return err
		}
		if err := tx.AddEntry(b, &Entry{Kind: KindCustomer, Direction: DirIn, From: "bob@example.com", Role: RoleRequester, Subject: "mail is down",
			Text: "Outlook says the server is unreachable.", MessageID: "b1@example.com", InboundID: in.ID,
			Attachments: []Attachment{{Filename: "error.png", ContentType: "image/png", Data: []byte("png bytes")}}}, "bob@example.com"); err != nil {
			return err
		}
		return tx.AddEntry(b, &Entry{Kind: KindInternalNote, Direction: DirIn, From: "alice@example.com", Role: RoleAgent, Text: "same as " + a.Ref}, "alice@example.com")
	})
	var n int
	cs.update(t, func(tx *Tx) (err error) { n, err = tx.CopyCustomerEntries(b, a); return err })
	if n != 1 {
		t.Fatalf("copied %d entries, want the one customer mail", n)
	}
	var entries []Entry
	var blobs int
	err := cs.View(context.Background(), func(tx *Tx) (err error) {
		if entries, err = tx.Entries(a.ID); err != nil {
			return err
		}
		return tx.tx.QueryRow("SELECT count(*) FROM blobs WHERE hash NOT IN (SELECT raw_hash FROM inbound)").Scan(&blobs)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%s has %d entries, want 1", a.Ref, len(entries))
	}
	e := entries[0]
	if e.From != "bob@example.com" || e.Role != RoleParticipant || e.Kind != KindCustomer || e.MessageID != "" ||
		e.Text != "Outlook says the server is unreachable." || len(e.Attachments) != 1 || e.Attachments[0].Filename != "error.png" {
		t.Fatalf("copied entry: %+v", e)
	}
	if blobs != 1 {
		t.Fatalf("%d attachment blobs, want the one stored once", blobs)
	}
}

// A link relates two tickets both ways, once, audited on both.
func TestLink_RelatesBothWaysOnceAuditedOnBoth(t *testing.T) {
	cs := openClock(t, t0, nil)
	var a, b *Ticket
	cs.update(t, func(tx *Tx) error {
		a = create(t, tx, NewTicket{Subject: "VPN slow"})
		b = create(t, tx, NewTicket{Subject: "VPN drops"})
		return nil
	})
	for i, want := range []bool{true, false} {
		var added bool
		x, y := b, a // the second time the other way round: the same pair
		if i == 0 {
			x, y = a, b
		}
		cs.update(t, func(tx *Tx) (err error) { added, err = tx.Link(x, y, "alice@example.com"); return err })
		if added != want {
			t.Fatalf("link %d: added %v, want %v", i+1, added, want)
		}
	}
	for _, tk := range []*Ticket{a, b} {
		other := map[string]string{a.Ref: b.Ref, b.Ref: a.Ref}[tk.Ref]
		var r *Relations
		if err := cs.View(context.Background(), func(tx *Tx) (err error) { r, err = tx.Relations(tk); return err }); err != nil {
			t.Fatal(err)
		}
		if len(r.Linked) != 1 || r.Linked[0].Ref != other || r.Linked[0].Subject == "" {
			t.Fatalf("relations of %s: %+v", tk.Ref, r.Linked)
		}
		if ev := cs.events(t, tk.Ref, "ticket_linked"); len(ev) != 1 || detail(t, ev[0])["with"] != other {
			t.Fatalf("link events of %s: %+v", tk.Ref, ev)
		}
	}
}

// The requester and the participants of a ticket merged into another act
// on it; nobody else does.
func TestIsReporter_TheRequesterAndParticipantsOfMergedTickets(t *testing.T) {
	cs := openClock(t, t0, nil)
	var a, b *Ticket
	cs.update(t, func(tx *Tx) error {
		a = create(t, tx, NewTicket{Subject: "mail down", Requester: "ann@example.com"})
		b = create(t, tx, NewTicket{Subject: "mail is down", Requester: "bob@example.com"})
		if err := tx.AddParticipants(b, []string{"Boss@Example.com"}); err != nil {
			return err
		}
		return tx.MergeTicket(b, a, ClosedMerged, "alice@example.com")
	})
	for addr, want := range map[string]bool{"bob@example.com": true, "BOB@example.com": true, "boss@example.com": true, "eve@example.com": false, "ann@example.com": false} {
		var got bool
		if err := cs.View(context.Background(), func(tx *Tx) (err error) { got, err = tx.IsReporter(a.ID, addr); return err }); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("IsReporter(%s, %s) = %v, want %v", a.Ref, addr, got, want)
		}
	}
}

// A major incident takes new mail until its window ends, or it is ended,
// or its ticket is resolved; the reports attached since the tier was last
// told come back until SetMajorReported marks them.
func TestMajor_WindowEndAndReportsSinceTheTierWasLastTold(t *testing.T) {
	cs := openClock(t, t0, nil)
	var m *Ticket
	var reports []*Ticket
	cs.update(t, func(tx *Tx) error {
		m = create(t, tx, NewTicket{Subject: "mail down"})
		if err := tx.DeclareMajor(m, t0.Add(4*time.Hour), "alice@example.com"); err != nil {
			return err
		}
		for i := range 3 {
			r := create(t, tx, NewTicket{Subject: "report", Requester: "r" + string(rune('a'+i)) + "@example.com"})
			if err := tx.MergeTicket(r, m, ClosedAttached, "system"); err != nil {
				return err
			}
			reports = append(reports, r)
		}
		return nil
	})
	open := func() int {
		t.Helper()
		var list []OpenMajor
		if err := cs.View(context.Background(), func(tx *Tx) (err error) { list, err = tx.OpenMajors(10); return err }); err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if open() != 1 {
		t.Fatal("the major incident is not open in its window")
	}
	var news []NewReports
	cs.update(t, func(tx *Tx) (err error) { news, err = tx.MajorsWithNewReports(10, 2); return err })
	if len(news) != 1 || news[0].Count != 3 || len(news[0].First) != 2 || news[0].First[0].Ref != reports[0].Ref || news[0].Last != reports[2].ID {
		t.Fatalf("new reports: %+v", news)
	}
	cs.update(t, func(tx *Tx) error { return tx.SetMajorReported(m, news[0].Last) })
	cs.update(t, func(tx *Tx) (err error) { news, err = tx.MajorsWithNewReports(10, 2); return err })
	if len(news) != 0 {
		t.Fatalf("reports told already come back: %+v", news)
	}

	cs.now = t0.Add(4 * time.Hour)
	if open() != 0 {
		t.Fatal("the major incident is open after its window")
	}
	cs.update(t, func(tx *Tx) error { return tx.DeclareMajor(m, cs.now.Add(time.Hour), "bob@example.com") })
	if open() != 1 {
		t.Fatal("a new window does not open the major incident again")
	}
	var ended bool
	cs.update(t, func(tx *Tx) (err error) { ended, err = tx.EndMajor(m, "bob@example.com", "off"); return err })
	if !ended || open() != 0 {
		t.Fatalf("ended %v, open %d after EndMajor", ended, open())
	}
	cs.update(t, func(tx *Tx) (err error) { ended, err = tx.EndMajor(m, "bob@example.com", "off"); return err })
	if ended {
		t.Fatal("ending an ended major incident reports it ended")
	}
	if ev := cs.events(t, m.Ref, "major_declared"); len(ev) != 2 {
		t.Fatalf("major_declared events: %+v", ev)
	}
	var r *Relations
	if err := cs.View(context.Background(), func(tx *Tx) (err error) { r, err = tx.Relations(m); return err }); err != nil {
		t.Fatal(err)
	}
	if r.AttachedCount != 3 || len(r.Attached) != 3 || r.Major == nil || r.Major.EndedBy != "bob@example.com" {
		t.Fatalf("relations of the major incident: %+v", r)
	}
}

// The recurring incidents are read from a window, at most limit, newest
// first; merged and attached tickets and service requests are not among
// them; each comes with its first mail and the FAQ entry that answered it.
func TestResolvedIncidents_WindowLimitAndWhatAnsweredThem(t *testing.T) {
	cs := openClock(t, t0, nil)
	var refs []string
	for day := range 4 {
		cs.now = t0.AddDate(0, 0, day)
		cs.update(t, func(tx *Tx) error {
			tk := create(t, tx, NewTicket{Subject: "VPN drops", Requester: "ann@example.com"})
			refs = append(refs, tk.Ref)
			if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: DirIn, From: "ann@example.com", Role: RoleRequester,
				Subject: "VPN drops", Text: "day " + string(rune('0'+day))}, "ann@example.com"); err != nil {
				return err
			}
			if day == 2 {
				if err := tx.SetAutoAnswer(tk, "vpn"); err != nil {
					return err
				}
			}
			return tx.SetStatus(tk, StatusResolved, "alice@example.com", "fixed")
		})
	}
	cs.update(t, func(tx *Tx) error {
		req := create(t, tx, NewTicket{Type: ServiceRequest, Subject: "new laptop"})
		merged := create(t, tx, NewTicket{Subject: "VPN drops too"})
		a, err := tx.Ticket(refs[3])
		if err != nil {
			return err
		}
		if err := tx.SetStatus(req, StatusResolved, "x", "done"); err != nil {
			return err
		}
		return tx.MergeTicket(merged, a, ClosedMerged, "x")
	})
	var list []*ResolvedIncident
	err := cs.View(context.Background(), func(tx *Tx) (err error) {
		list, err = tx.ResolvedIncidents(t0.AddDate(0, 0, 1), 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Ref != refs[3] || list[1].Ref != refs[2] {
		t.Fatalf("resolved incidents: %+v", list)
	}
	if list[1].FAQKey != "vpn" || list[0].FAQKey != "" || list[1].FirstSubject != "VPN drops" || list[1].FirstText != "day 2" {
		t.Fatalf("what answered them: %+v %+v", list[0], list[1])
	}
}

// A version 9 database upgrades in place: its tickets read as closed for
// no special reason and merged into nothing.
func TestOpen_UpgradeFromV9ReadsEveryTicketAsMergedIntoNothing(t *testing.T) {
	sqliteOnly(t)
	db, path := atVersion(t, 9)
	if _, err := db.Exec(`INSERT INTO tickets (id, ref, type, subject, requester, status, impact, urgency, priority, due_at, created_at, updated_at, closed_at) VALUES
		(1, 'INC-1001', 'incident', 'closed before', 'a@example.com', 'closed', 'medium', 'medium', 'P3', '2026-11-26T09:00:00.000000Z',
		 '2026-11-25T09:00:00.000000Z', '2026-11-25T09:00:00.000000Z', '2026-11-25T10:00:00.000000Z');`); err != nil {
		t.Fatal(err)
	}
	s := upgrade(t, db, path)
	err := s.View(context.Background(), func(tx *Tx) error {
		tk, err := tx.Ticket("INC-1001")
		if err != nil {
			return err
		}
		if tk.Status != StatusClosed || tk.ClosedReason != "" || tk.MergedInto != "" || tk.MergedIntoID != 0 {
			t.Errorf("after the upgrade: %+v", tk)
		}
		r, err := tx.Relations(tk)
		if err != nil {
			return err
		}
		if len(r.Linked)+r.MergedCount+r.AttachedCount != 0 || r.Major != nil {
			t.Errorf("relations after the upgrade: %+v", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A transaction remembers that no major incident is open, for the many
// mails of a batch, but forgets it when it declares one or reopens the
// ticket of one.
func TestOpenMajors_NoneIsRememberedUntilOneIsDeclaredOrReopened(t *testing.T) {
	cs := openClock(t, t0, nil)
	var resolved *Ticket
	cs.update(t, func(tx *Tx) error {
		resolved = create(t, tx, NewTicket{Subject: "VPN down"})
		if err := tx.DeclareMajor(resolved, t0.Add(4*time.Hour), "alice@example.com"); err != nil {
			return err
		}
		return tx.SetStatus(resolved, StatusResolved, "alice@example.com", "fixed")
	})
	// Each step asks OpenMajors and wants n of them.
	expect := func(tx *Tx, when string, want int) error {
		list, err := tx.OpenMajors(10)
		if err != nil {
			return err
		}
		if len(list) != want {
			return fmt.Errorf("open majors %s: %d, want %d", when, len(list), want)
		}
		return nil
	}
	cs.update(t, func(tx *Tx) error {
		return errors.Join(
			expect(tx, "with the only one resolved", 0),
			expect(tx, "asked again", 0),
			tx.SetStatus(resolved, StatusInProgress, "ann@example.com", "not fixed"),
			expect(tx, "after its ticket reopened in the same transaction", 1),
			tx.SetStatus(resolved, StatusResolved, "alice@example.com", "fixed now"))
	})
	cs.update(t, func(tx *Tx) error {
		m := create(t, tx, NewTicket{Subject: "mail down"})
		return errors.Join(
			expect(tx, "with none open", 0),
			tx.DeclareMajor(m, t0.Add(4*time.Hour), "alice@example.com"),
			expect(tx, "after one was declared in the same transaction", 1))
	})
}
