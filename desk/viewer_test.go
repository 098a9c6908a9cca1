package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

// Viewers read and act on nothing; without viewers_see_notes they read no
// internal note and no mail of the agents; every view is audited.

func withViewers(o *Options) {
	withConsole(o)
	o.Viewers = []string{"Audit@Example.org", "@corp.example"}
}

func TestRoleOf_ViewersByAddressOrWholeDomainReadAndReportOnly(t *testing.T) {
	f := newFixture(t, func(o *Options) { withViewers(o); o.Viewers = append(o.Viewers, "@example.com") })
	for addr, want := range map[string]Role{
		"audit@example.org": RoleViewer, "AUDIT@EXAMPLE.ORG": RoleViewer, "ken@corp.example": RoleViewer,
		"ken@sub.corp.example": RoleNone, "ken@corp.example.evil": RoleNone, "corp.example": RoleNone, "ken@evilcorp.example": RoleNone,
		"alice@example.com": RoleAgent, "boss@example.com": RoleAdmin, "someone@example.com": RoleViewer,
	} {
		if got := f.desk.RoleOf(addr); got != want {
			t.Errorf("RoleOf(%q) = %q, want %q", addr, got, want)
		}
	}
	for _, c := range []struct {
		r                         Role
		read, act, report, curate bool
	}{
		{RoleViewer, true, false, true, false}, {RoleAgent, true, true, false, false}, {RoleAdmin, true, true, true, true},
		{RoleCustomer, false, false, false, false}, {RoleNone, false, false, false, false},
	} {
		if c.r.MayRead() != c.read || c.r.MayAct() != c.act || c.r.MayReport() != c.report || c.r.MayCurate() != c.curate {
			t.Errorf("%q: read %v act %v report %v curate %v", c.r, c.r.MayRead(), c.r.MayAct(), c.r.MayReport(), c.r.MayCurate())
		}
	}
}

// noteWithFile is an agent's #note by mail, with an attachment.
func noteWithFile(notice *tickets.Outgoing) string {
	return "From: alice@example.com\r\nTo: " + notice.ReplyTo + "\r\nSubject: Re: " + notice.Subject + "\r\nMessage-ID: <note1@agents.example>\r\n" +
		"In-Reply-To: <" + notice.MessageID + ">\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\n#note\r\nSECRET-NOTE: the finance printer lease ends in March.\r\n" +
		"--b\r\nContent-Type: text/plain; name=lease.txt\r\nContent-Disposition: attachment; filename=lease.txt\r\n\r\nlease terms\r\n--b--\r\n"
}

func TestViewTicket_KeepsTheAgentsOwnFromViewersAndAuditsEveryView(t *testing.T) {
	f := customerFixture(t, withViewers)
	raw := "From: hanako@customer.example\r\nTo: support@example.com\r\nSubject: Printer on 3F\r\nMessage-ID: <v1@customer.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nIt prints blank pages.\r\n" +
		"--b\r\nContent-Type: text/plain; name=error.txt\r\nContent-Disposition: attachment; filename=error.txt\r\n\r\nE-02\r\n--b--\r\n"
	tk := f.ticket(f.one(raw).Ticket)
	n := f.sent(mailNotice, "l1@example.com")[0]
	f.one(noteWithFile(n))
	f.one(agentMail("alice@example.com", n, "#priority P9\nAGENT-ERROR", "a2"))
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a3"))
	ctx := context.Background()

	full, err := f.desk.TicketDetail(ctx, tk.Ref)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.desk.ViewTicket(ctx, tk.Ref, "audit@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Thread) >= len(full.Thread) {
		t.Fatalf("the viewer reads %d items of %d", len(v.Thread), len(full.Thread))
	}
	for _, it := range v.Thread {
		text := ""
		if it.Entry != nil {
			text = it.Entry.Text
		} else if it.Mail != nil {
			text = it.Mail.Text
		}
		if it.Mark == MarkNote || it.Mark == MarkTierMail || strings.Contains(text, "SECRET-NOTE") || strings.Contains(text, "AGENT-ERROR") {
			t.Errorf("a viewer reads %s: %q", it.Mark, text)
		}
		if it.Mail != nil && it.Mail.Kind == mailCommandError {
			t.Error("a viewer reads an agent's command error")
		}
	}
	for _, e := range v.Entries {
		if e.Kind == tickets.KindInternalNote || strings.Contains(e.Text, "SECRET-NOTE") {
			t.Errorf("a viewer's entries hold a note: %+v", e)
		}
	}
	seesRelay := false
	for _, it := range v.Thread {
		seesRelay = seesRelay || it.Mark == MarkRelayed && strings.Contains(it.Entry.Text, "Please print a test page.")
	}
	if !seesRelay {
		t.Error("the viewer does not read what the customer was sent")
	}
	f.desk.ViewTicket(ctx, tk.Ref, "ken@corp.example")
	views := 0
	for _, e := range f.events(tk.Ref) {
		if e.Kind == "ticket_viewed" {
			views++
			if e.Actor != "audit@example.org" && e.Actor != "ken@corp.example" {
				t.Errorf("a view audited as %q", e.Actor)
			}
		}
	}
	if views != 2 {
		t.Fatalf("%d views audited, want 2", views)
	}
	// Attachments: the customer's is read (and audited), the note's not.
	if a, data, err := f.desk.ViewAttachment(ctx, tk.Ref, 1, "audit@example.org"); err != nil || a.Filename != "error.txt" || strings.TrimSpace(string(data)) != "E-02" {
		t.Fatalf("the customer's attachment: %+v %q %v", a, data, err)
	}
	if _, _, err := f.desk.ViewAttachment(ctx, tk.Ref, 2, "audit@example.org"); !errors.Is(err, ErrNotForViewers) {
		t.Fatalf("the note's attachment: %v", err)
	}
	if got := countKind(f.events(tk.Ref), "ticket_viewed"); got != 3 {
		t.Fatalf("%d views audited after an attachment, want 3", got)
	}

	// With viewers_see_notes, the viewer reads what the agents read.
	g := customerFixture(t, func(o *Options) { withViewers(o); o.ViewersSeeNotes = true })
	tk = g.ticket(g.one(raw).Ticket)
	g.one(noteWithFile(g.sent(mailNotice, "l1@example.com")[0]))
	v, err = g.desk.ViewTicket(ctx, tk.Ref, "audit@example.org")
	if err != nil {
		t.Fatal(err)
	}
	notes := 0
	for _, it := range v.Thread {
		if it.Mark == MarkNote && strings.Contains(it.Entry.Text, "SECRET-NOTE") {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("with viewers_see_notes: %d notes read", notes)
	}
	if _, _, err := g.desk.ViewAttachment(ctx, tk.Ref, 2, "audit@example.org"); err != nil {
		t.Fatalf("the note's attachment with viewers_see_notes: %v", err)
	}
}

// The console's read of a ticket never shows a status link's token: it
// opens the customer's page and takes their reply.
func TestTicketDetail_MasksTheCustomersStatusLinks(t *testing.T) {
	f := customerFixture(t, nil)
	tk, _ := f.escalated("The printer on 3F prints blank pages.")
	ack := f.sent(mailAck, "hanako@customer.example")[0]
	tok := linkIn(ack)
	// The customer quotes our mail, link and all.
	f.one(mail("hanako@customer.example", "Re: "+ack.Subject, "Any news?\n\n"+ack.Text, "Message-ID: <q2@customer.example>"))
	d, err := f.desk.TicketDetail(context.Background(), tk.Ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range d.Thread {
		for _, text := range []string{entryText(it.Entry), mailText(it.Mail)} {
			if strings.Contains(text, tok) {
				t.Errorf("the console shows the link's token in a %s item", it.Mark)
			}
		}
	}
	for _, e := range d.Entries {
		if e.Direction == tickets.DirOut && strings.Contains(e.Text, StatusPath) && !strings.Contains(e.Text, StatusPath+"…") {
			t.Errorf("entry text with a link:\n%s", e.Text)
		}
	}
	_, raw, err := f.desk.RawMail(context.Background(), tk.Ref, d.Entries[1].ID)
	if err != nil || strings.Contains(string(raw), tok) || !strings.Contains(string(raw), StatusPath+"…") {
		t.Fatalf("the raw download of our acknowledgement: %v\n%s", err, raw)
	}
}

func entryText(e *tickets.Entry) string {
	if e == nil {
		return ""
	}
	return e.Text
}

func mailText(m *tickets.Outgoing) string {
	if m == nil {
		return ""
	}
	return m.Text + m.HTML
}
