package desk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// The thread marks every kind of item: the customer, our acknowledgement,
// the tier's notice, a forged agent reply, a stranger, an agent's reply
// and what was relayed of it, an internal note, a bounce.
func TestTicketDetail_MarksEveryKindOfItem(t *testing.T) {
	f := newAgentFixture(t, nil)
	ctx := context.Background()
	tk, n := f.escalated("My mailbox is full.")
	f.one(agentMail("mallory@evil.example", n, "#resolve\nDone.", "forged1", "To: "+n.ReplyTo))
	ack := f.sent(mailAck, "")[0]
	f.one(mail("eve@elsewhere.example", "Re: "+ack.Subject, "me too", "Message-ID: <s1@x>", "In-Reply-To: <"+ack.MessageID+">"))
	f.one(agentMail("alice@example.com", n, "We doubled your quota.", "ag1"))
	if _, err := f.desk.Act(ctx, tk.Ref, Action{Actor: "bob@example.com", Commands: []string{"note"}, Text: "Quota raised in the admin centre."}); err != nil {
		t.Fatal(err)
	}
	relay := f.sent(mailRelay, "hanako@customer.example")[0]
	f.one(dsn("b1", relay.MessageID, relay.To, "failed", "5.2.2"))

	v, err := f.desk.TicketDetail(ctx, tk.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var marks []string
	for _, it := range v.Thread {
		marks = append(marks, it.Mark)
		if it.Mark == MarkForged && !strings.Contains(it.Why, "not on the agents list") {
			t.Errorf("forged item says why %q", it.Why)
		}
		if it.Mark == MarkTierMail && it.Mail == nil {
			t.Error("a tier's mail without its mail")
		}
	}
	got := strings.Join(marks, " ")
	want := "customer tier_mail auto_reply forged third_party agent relayed tier_mail note tier_mail bounce tier_mail"
	if got != want {
		t.Errorf("thread marks\n got %s\nwant %s", got, want)
	}
	if v.TierName != "L1" || len(v.Entries) == 0 || len(v.Events) == 0 {
		t.Errorf("detail: tier %q, %d entries, %d events", v.TierName, len(v.Entries), len(v.Events))
	}
	// The raw mail of the customer's entry is the mail as fetched; the
	// relayed one, the mail as queued.
	name, raw, err := f.desk.RawMail(ctx, tk.Ref, v.Thread[0].Entry.ID)
	if err != nil || !strings.Contains(string(raw), "My mailbox is full.") || !strings.HasPrefix(name, tk.Ref+"-") {
		t.Errorf("raw mail %q: %v\n%s", name, err, raw)
	}
	for _, it := range v.Thread {
		if it.Mark == MarkRelayed {
			if _, raw, err := f.desk.RawMail(ctx, tk.Ref, it.Entry.ID); err != nil || !strings.Contains(string(raw), "Message-ID: <"+relay.MessageID+">") {
				t.Errorf("relayed mail as queued: %v\n%s", err, raw)
			}
		}
		if it.Mark == MarkNote {
			if _, _, err := f.desk.RawMail(ctx, tk.Ref, it.Entry.ID); err == nil {
				t.Error("a note made at the terminal has a raw mail")
			}
		}
	}
}

func TestAttachment_NumberedAcrossTheTicket(t *testing.T) {
	f := newAgentFixture(t, nil)
	ctx := context.Background()
	raw := "From: hanako@customer.example\r\nTo: support@example.com\r\nSubject: Screens\r\nMessage-ID: <att1@c>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nPNGDATA\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=b.txt\r\n\r\nsecond\r\n--b--\r\n"
	oc := f.one(raw)
	a, data, err := f.desk.Attachment(ctx, oc.Ticket, 2)
	if err != nil || a.Filename != "b.txt" || strings.TrimSpace(string(data)) != "second" {
		t.Errorf("attachment 2: %+v %q %v", a, data, err)
	}
	if _, _, err := f.desk.Attachment(ctx, oc.Ticket, 3); err == nil {
		t.Error("attachment 3 of 2 was found")
	}
	v, _ := f.desk.TicketDetail(ctx, oc.Ticket)
	if v.Thread[0].FirstAttachment != 1 || len(v.Thread[0].Entry.Attachments) != 2 {
		t.Errorf("first item: attachments from %d, %d of them", v.Thread[0].FirstAttachment, len(v.Thread[0].Entry.Attachments))
	}
}

// Overdue as the queue marks it (NextDue, in Go) is the overdue filter
// (in SQL), at every instant of a day.
func TestQueue_OverdueMarkAgreesWithTheOverdueFilter(t *testing.T) {
	f := newAgentFixture(t, nil)
	ctx := context.Background()
	for i, subj := range []string{"URGENT: production mail server down for all users", "Printer jam", "How do I order a chair?", "VPN slow"} {
		f.now = f.now.Add(20 * time.Minute)
		oc := f.one(mail("c@customer.example", subj, subj, "Message-ID: <o"+string(rune('a'+i))+"@c>"))
		if i == 1 {
			f.desk.Act(ctx, oc.Ticket, Action{Actor: "alice@example.com", Text: "Looking at it."})
		}
		if i == 3 {
			f.desk.Act(ctx, oc.Ticket, Action{Actor: "alice@example.com", Commands: []string{"hold"}})
		}
	}
	start := f.now
	for h := 0; h <= 30; h++ {
		at := start.Add(time.Duration(h) * time.Hour)
		all, err := f.desk.Queue(ctx, QueueFilter{Tier: -1, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		over, err := f.desk.Queue(ctx, QueueFilter{Tier: -1, Now: at, Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, it := range over.Items {
			want[it.Ref] = true
		}
		for _, it := range all.Items {
			if it.Overdue != want[it.Ref] {
				t.Errorf("+%dh %s (%s): marked overdue %v, the filter says %v", h, it.Ref, it.Status, it.Overdue, want[it.Ref])
			}
		}
		// Overdue tickets come first in the default order.
		seenOnTime := false
		for _, it := range all.Items {
			if !it.Overdue {
				seenOnTime = true
			} else if seenOnTime {
				t.Errorf("+%dh: overdue %s after a ticket on time", h, it.Ref)
			}
		}
	}
}

// The report's figures are the tickets' own: the volume per day in the
// desk's zone, the backlog, the first responses and the breaches, counted
// again here from `tickets list`'s read (ListTickets).
func TestReport_FiguresAgreeWithTheTickets(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	f := newAgentFixture(t, func(o *Options) { o.ConsoleLocation = tokyo })
	ctx := context.Background()
	// Tickets at 14:00 UTC and 16:00 UTC fall on different Tokyo days
	// (23:00 and 01:00 the next day).
	start := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	subjects := []string{"Printer jam", "VPN slow", "URGENT: file server down for all users", "Printer jam", "New laptop request", "printer jam "}
	for i, s := range subjects {
		f.now = start.Add(time.Duration(i) * 2 * time.Hour)
		oc := f.one(mail("c"+string(rune('a'+i%3))+"@customer.example", s, s+" please help", "Message-ID: <r"+string(rune('a'+i))+"@c>"))
		if i%2 == 0 {
			f.now = f.now.Add(30 * time.Minute)
			if _, err := f.desk.Act(ctx, oc.Ticket, Action{Actor: "alice@example.com", Commands: []string{"resolve"}, Text: "Fixed."}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.now = start.Add(48 * time.Hour)
	f.desk.Tick(ctx) // the P1 ticket's targets passed unanswered? it was resolved: no breach; the others may breach
	r, err := f.desk.Report(ctx, time.Date(2026, 11, 30, 0, 0, 0, 0, tokyo), time.Date(2026, 12, 3, 0, 0, 0, 0, tokyo))
	if err != nil {
		t.Fatal(err)
	}
	var list []*tickets.Ticket
	f.store.View(ctx, func(tx *tickets.Tx) (err error) { list, err = tx.ListTickets(tickets.ListFilter{}); return err })
	perDay := map[string]int{}
	open, responded, breached := 0, 0, 0
	for _, tk := range list {
		perDay[tk.CreatedAt.In(tokyo).Format(time.DateOnly)]++
		if tk.Status != tickets.StatusResolved && tk.Status != tickets.StatusClosed {
			open++
		}
		if !tk.FirstResponseAt.IsZero() {
			responded++
		}
		breached += len(tk.Breaches)
	}
	for i, day := range r.Days {
		n := 0
		for _, counts := range r.ByType {
			n += counts[i]
		}
		m := 0
		for _, counts := range r.ByPriority {
			m += counts[i]
		}
		if n != perDay[day] || m != perDay[day] {
			t.Errorf("%s: %d by type, %d by priority; the tickets say %d", day, n, m, perDay[day])
		}
	}
	if r.Created != len(list) || perDay["2026-12-01"] != 1 || perDay["2026-12-02"] != 5 {
		t.Errorf("created %d of %d; per day %v", r.Created, len(list), perDay)
	}
	backlog, respondN, breaches := 0, 0, 0
	for _, row := range r.Backlog {
		for _, n := range row {
			backlog += n
		}
	}
	for _, pt := range r.Times {
		respondN += pt.Respond.Count
		if pt.Respond.Count > 0 && pt.Respond.P50 != 30*time.Minute {
			t.Errorf("%s: first response p50 %v, want 30m", pt.Priority, pt.Respond.P50)
		}
	}
	for _, c := range r.Compliance {
		if !c.Tier {
			breaches += c.RespondBreached + c.ResolveBreached
		}
	}
	if backlog != open || respondN != responded || breaches != breached || responded != 3 {
		t.Errorf("backlog %d (tickets: %d open), responded %d (%d), breaches %d (%d)", backlog, open, respondN, responded, breaches, breached)
	}
	if len(r.TopTopics) == 0 || r.TopTopics[0].Count != 3 || !strings.EqualFold(strings.TrimSpace(r.TopTopics[0].Name), "printer jam") {
		t.Errorf("top subjects %+v, want printer jam ×3", r.TopTopics)
	}
	if _, err := f.desk.Report(ctx, start, start.AddDate(0, 0, -1)); err == nil {
		t.Error("a range ending before it starts was accepted")
	}
	if _, err := f.desk.Report(ctx, start, start.AddDate(3, 0, 0)); err == nil {
		t.Error("a three-year range was accepted")
	}
}
