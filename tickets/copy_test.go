package tickets

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fillDesk writes a small desk of every kind of row into s: tickets that
// link and merge both ways, inbound mail with its raw bytes, entries with
// attachments, outgoing mail with attachments in each state, the FAQ with
// paraphrases and votes, suggestions, participants, timers, a major
// incident, sessions and digests.
func fillDesk(t *testing.T, s *Store) {
	t.Helper()
	err := s.Update(context.Background(), func(tx *Tx) error {
		var list []*Ticket
		for i := range 6 {
			tk, err := tx.CreateTicket(NewTicket{Type: Incident, Prefix: "INC", Subject: fmt.Sprintf("VPN down %d — 障害", i),
				Requester: fmt.Sprintf("user%d@example.com", i), Impact: High, Urgency: Medium, Mailbox: "support"})
			if err != nil {
				return err
			}
			list = append(list, tk)
			raw := []byte(fmt.Sprintf("Message-ID: <m%d@example.com>\r\nSubject: VPN down %d\r\n\r\nbody\x00\xff", i, i))
			in := &Inbound{Mailbox: "support", Folder: "INBOX", UIDValidity: 7, UID: uint32(i + 1), MessageID: fmt.Sprintf("m%d@example.com", i),
				Raw: raw, Disposition: DispNewTicket, TicketID: tk.ID, From: tk.Requester, Subject: tk.Subject, Date: t0}
			if err := tx.RecordInbound(in); err != nil {
				return err
			}
			if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: DirIn, From: tk.Requester, Role: RoleRequester,
				Subject: tk.Subject, Text: "It fails since 9:00.", MessageID: in.MessageID, InboundID: in.ID,
				Attachments: []Attachment{{Filename: "shot.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', byte(i)}}}}, tk.Requester); err != nil {
				return err
			}
			if err := tx.AddParticipants(tk, []string{fmt.Sprintf("boss%d@example.com", i)}); err != nil {
				return err
			}
			o := &Outgoing{TicketID: tk.ID, Kind: "ack", To: tk.Requester, Subject: "Re: " + tk.Subject, Text: "We are on it.",
				MessageID: fmt.Sprintf("ack%d@desk.example", i), Cc: []string{"boss@example.com"},
				Attachments: []Attachment{{Filename: "howto.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}}
			if err := tx.QueueMail(o); err != nil {
				return err
			}
		}
		if err := tx.MergeTicket(list[4], list[1], ClosedMerged, "agent@example.com"); err != nil {
			return err
		}
		if _, err := tx.Link(list[0], list[5], "agent@example.com"); err != nil {
			return err
		}
		if _, err := tx.PutFAQ(&FAQ{Key: "vpn", Question: "VPN down?", Answer: "Restart the client.", Tags: []string{"vpn"}, Status: "published", Language: "en"}, list[0].ID, "admin"); err != nil {
			return err
		}
		if _, err := tx.AddParaphrase("vpn", NewParaphrase{Text: "VPN が繋がらない", State: ParaphrasePending, Source: "answer", Actor: "agent@example.com", Ticket: list[2].ID}); err != nil {
			return err
		}
		if err := tx.VoteFAQ("vpn", true, list[0].ID, list[0].Requester); err != nil {
			return err
		}
		if err := tx.AddSession("sess-hash", "admin@example.com", t0.Add(time.Hour)); err != nil {
			return err
		}
		return tx.AddSignInToken("token-hash", "admin@example.com", t0.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimOutgoing(context.Background(), "sender-1", t0, t0.Add(time.Minute), 2); err != nil {
		t.Fatal(err)
	}
}

// A whole desk moves from SQLite to the backend under test, every table
// verified by count and checksum, reads the same there, and moves back to
// a new SQLite file with the same checksums.
func TestCopy_MovesAWholeDeskAndVerifiesEveryTable(t *testing.T) {
	ctx := context.Background()
	clock := t0
	opts := &Options{Now: func() time.Time { return clock }}
	from, err := Open(filepath.Join(t.TempDir(), "from.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	fillDesk(t, from)

	to, err := OpenSource(ctx, testSource(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer to.Close()
	var copied []string
	report, err := Copy(ctx, from, to, func(table string, n int64) { copied = append(copied, fmt.Sprintf("%s %d", table, n)) })
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, tr := range report.Tables {
		if !tr.Verified {
			t.Errorf("%s not verified", tr.Table)
		}
		rows[tr.Table] = tr.Rows
	}
	for table, want := range map[string]int64{"tickets": 6, "inbound": 6, "entries": 6, "attachments": 6, "outgoing": 6,
		"outgoing_attachments": 6, "faq_entries": 1, "faq_paraphrases": 1, "ticket_links": 1, "web_sessions": 1, "faq_version": 1} {
		if rows[table] != want {
			t.Errorf("%s: %d rows copied, want %d (%v)", table, rows[table], want, copied)
		}
	}
	if len(copied) != len(report.Tables) {
		t.Errorf("progress told of %d tables, %d copied", len(copied), len(report.Tables))
	}

	// The copy reads as the original: tickets, threads, attachments' bytes,
	// merges, claims, the FAQ; and new tickets continue the numbering.
	view := func(s *Store) string {
		var b strings.Builder
		err := s.View(ctx, func(tx *Tx) error {
			list, err := tx.Tickets("", 0)
			if err != nil {
				return err
			}
			for _, tk := range list {
				fmt.Fprintf(&b, "%s %s %s merged:%s\n", tk.Ref, tk.Subject, tk.Status, tk.MergedInto)
				entries, err := tx.Entries(tk.ID)
				if err != nil {
					return err
				}
				for _, e := range entries {
					fmt.Fprintf(&b, "  %s %s %q", e.Kind, e.From, e.Text)
					for _, a := range e.Attachments {
						data, err := tx.Blob(a.SHA256)
						if err != nil {
							return err
						}
						fmt.Fprintf(&b, " %s=%x", a.Filename, data)
					}
					b.WriteString("\n")
				}
			}
			out, err := tx.OutgoingList(0)
			if err != nil {
				return err
			}
			for _, o := range out {
				fmt.Fprintf(&b, "out %d %s %s %s %v\n", o.ID, o.MessageID, o.Status, o.ClaimedBy, o.Cc)
			}
			f, err := tx.FAQ("vpn")
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "faq %s %d %v\n", f.Question, f.Helpful, f.ParaphraseTexts(ParaphrasePending))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if a, b := view(from), view(to); a != b {
		t.Errorf("the copy reads otherwise:\n%s\nthe original:\n%s", b, a)
	}
	err = to.Update(ctx, func(tx *Tx) error {
		tk, err := tx.CreateTicket(NewTicket{Type: Incident, Prefix: "INC", Subject: "after the move", Requester: "x@example.com"})
		if err == nil && tk.Ref != "INC-1007" {
			t.Errorf("the first ticket after the move is %s, want INC-1007", tk.Ref)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Into a store that holds a desk: refused, nothing written.
	if _, err := Copy(ctx, from, to, nil); err == nil || !strings.Contains(err.Error(), "holds a desk already") {
		t.Errorf("a copy into a desk: %v", err)
	}
}

// A desk on PostgreSQL moves back to SQLite as it was.
func TestCopy_BackFromPostgresToSQLite(t *testing.T) {
	postgresOnly(t)
	ctx := context.Background()
	opts := &Options{Now: func() time.Time { return t0 }}
	orig, err := Open(filepath.Join(t.TempDir(), "orig.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	fillDesk(t, orig)
	pg := openTest(t)
	there, err := Copy(ctx, orig, pg, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Open(filepath.Join(t.TempDir(), "back.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	again, err := Copy(ctx, pg, back, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, tr := range there.Tables {
		sums[tr.Table] = tr.Checksum
	}
	for _, tr := range again.Tables {
		if sums[tr.Table] != tr.Checksum {
			t.Errorf("%s: checksum %s there, %s back", tr.Table, sums[tr.Table][:12], tr.Checksum[:12])
		}
	}
}

// A store a gateway runs on is not copied: its writes would be lost.
func TestCopy_RefusesAStoreAGatewayRunsOn(t *testing.T) {
	ctx := context.Background()
	from, g := openGateway(t, Source{Path: filepath.Join(t.TempDir(), "from.db")}, nil)
	to := openTest(t)
	_, err := Copy(ctx, from, to, nil)
	if !errors.Is(err, ErrLocked) {
		t.Errorf("copy from a store a gateway holds: %v, want ErrLocked", err)
	}
	g.Release()
	if testBackend != DriverPostgres {
		return
	}
	src := testSource(t)
	pgTo, _ := openGateway(t, src, nil)
	if _, err := Copy(ctx, from, pgTo, nil); err == nil || !strings.Contains(err.Error(), "gateway runs") {
		t.Errorf("copy into a database a gateway runs on: %v", err)
	}
}
