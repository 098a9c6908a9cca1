package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

// allEvents is a json webhook that takes every event.
func allEvents(o *Options) {
	o.Webhooks = append(o.Webhooks, Webhook{Name: "itsm", Format: webhook.FormatJSON})
	o.BaseURL = "https://desk.example.com/"
}

func (f *fixture) deliveries(hook string) []*tickets.WebhookDelivery {
	f.t.Helper()
	var out []*tickets.WebhookDelivery
	if err := f.store.View(context.Background(), func(tx *tickets.Tx) (err error) {
		out, err = tx.WebhookDeliveries(tickets.WebhookFilter{Webhook: hook})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// hookEvents decodes the json deliveries of hook about ref (all refs for "").
func (f *fixture) hookEvents(hook, ref string) []webhook.Event {
	f.t.Helper()
	var out []webhook.Event
	for _, d := range f.deliveries(hook) {
		var e webhook.Event
		if err := json.Unmarshal([]byte(d.Body), &e); err != nil {
			f.t.Fatalf("delivery %d: %v\n%s", d.ID, err, d.Body)
		}
		if e.ID != d.EventID || e.Type != d.EventType {
			f.t.Errorf("delivery %d: body says %s %s, row %s %s", d.ID, e.ID, e.Type, d.EventID, d.EventType)
		}
		if ref == "" || e.Ticket.Ref == ref {
			out = append(out, e)
		}
	}
	return out
}

func types(evs []webhook.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestWebhooks_EachChangeOfATicketsLifeIsOneEventWithItsFieldsAndNoCustomerText(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) {
		allEvents(o)
		o.Tiers[0].EscalateAfter = 0
	})
	tk, _ := f.escalated("The printer on 3F prints blank pages. My phone is 090-1234-5678.")
	evs := f.hookEvents("itsm", tk.Ref)
	if got := types(evs); !slices.Equal(got, []string{webhook.TicketCreated, webhook.TicketEscalated}) {
		t.Fatalf("events after the mail: %v", got)
	}
	esc := evs[1]
	if esc.Ticket.Ref != tk.Ref || esc.Ticket.Status != "escalated" || esc.Ticket.Tier != "L1" || esc.Ticket.Priority != tk.Priority ||
		esc.Ticket.URL != "https://desk.example.com/tickets/"+tk.Ref || esc.Ticket.Source != "mail" || !esc.CreatedAt.Equal(f.now) {
		t.Errorf("escalated event: %+v", esc)
	}
	for _, d := range f.deliveries("itsm") {
		for _, leak := range []string{"hanako", "Hanako", "090-1234", "blank pages", "Printer on 3F"} {
			if strings.Contains(d.Body, leak) {
				t.Errorf("%s event carries customer text %q: %s", d.EventType, leak, d.Body)
			}
		}
	}
	// The respond target passes unmet: a breach, and the ticket moves on to L2.
	f.now = tk.RespondDueAt.Add(time.Minute)
	if _, err := f.desk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs = f.hookEvents("itsm", tk.Ref)
	if got := types(evs[2:]); !slices.Equal(got, []string{webhook.TicketBreached, webhook.TicketEscalated}) {
		t.Fatalf("events of the tick: %v", got)
	}
	if b := evs[2].Breach; b == nil || b.Target != tickets.TargetRespond || !b.DueAt.Equal(tk.RespondDueAt) {
		t.Errorf("breach: %+v", evs[2].Breach)
	}
	if evs[3].Ticket.Tier != "L2" {
		t.Errorf("escalation to the next tier names tier %q", evs[3].Ticket.Tier)
	}
	// L2's agent resolves by mail; the quiet period closes it.
	l2 := f.sent(mailNotice, "l2@example.com")
	if len(l2) == 0 {
		t.Fatal("no notice to L2")
	}
	f.one(agentMail("carol@example.com", l2[len(l2)-1], "#resolve\nReplaced the toner.", "res1"))
	f.now = f.now.Add(73 * time.Hour)
	if _, err := f.desk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs = f.hookEvents("itsm", tk.Ref)
	if got := types(evs[4:]); !slices.Equal(got, []string{webhook.TicketResolved, webhook.TicketClosed}) {
		t.Fatalf("last events: %v (all %v)", got, types(evs))
	}
	if c := evs[5]; c.Ticket.Status != "closed" || c.Ticket.ClosedAt.IsZero() || c.Ticket.ResolvedAt.IsZero() {
		t.Errorf("closed event: %+v", c.Ticket)
	}
	ids := map[string]bool{}
	for _, e := range evs {
		if ids[e.ID] || !strings.HasPrefix(e.ID, "evt_") {
			t.Errorf("event id %q repeated or malformed", e.ID)
		}
		ids[e.ID] = true
	}
}

func TestWebhooks_AnAutomaticAnswerIsAnEventNamingItsEntry(t *testing.T) {
	f := newFAQFixture(t, allEvents)
	oc := f.one(mail("alice@customer.example", "How do I connect to the office VPN from home?", "Hi,\n\nHow do I connect to the office VPN from home?\n\nThanks,\nAlice", "Message-ID: <f1@c>"))
	evs := f.hookEvents("itsm", oc.Ticket)
	if got := types(evs); !slices.Equal(got, []string{webhook.TicketCreated, webhook.FAQAutoAnswered}) {
		t.Fatalf("events %v", got)
	}
	if evs[1].FAQ == nil || evs[1].FAQ.Key != "vpn-setup" || evs[1].Ticket.Status != "auto_answered" {
		t.Errorf("auto-answered event: %+v", evs[1])
	}
}

func TestWebhooks_FiltersByEventAndPriorityAndTheSubjectOnlyWhenAsked(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) {
		o.Webhooks = []Webhook{
			{Name: "chat", Format: webhook.FormatSlack, Events: []string{webhook.TicketCreated, webhook.TicketEscalated}, Priorities: []string{"P1", "P2"}, IncludeSubject: true},
			{Name: "audit", Format: webhook.FormatJSON, Events: []string{webhook.TicketResolved}},
		}
	})
	urgent := f.one(mail("a@customer.example", "URGENT: mail server down", "Nobody can send mail. urgent", "Message-ID: <u1@c>"))
	plain := f.one(mail("b@customer.example", "Printer", "toner low", "Message-ID: <u2@c>"))
	if p := f.ticket(urgent.Ticket).Priority; p != "P1" && p != "P2" {
		t.Fatalf("setup: the urgent ticket is %s", p)
	}
	if p := f.ticket(plain.Ticket).Priority; p == "P1" || p == "P2" {
		t.Fatalf("setup: the plain ticket is %s", p)
	}
	chat := f.deliveries("chat")
	if len(chat) != 2 || chat[0].EventType != webhook.TicketCreated || chat[1].EventType != webhook.TicketEscalated || chat[0].TicketRef != urgent.Ticket {
		t.Fatalf("chat got %d deliveries: %+v", len(chat), chat)
	}
	if !strings.Contains(chat[0].Body, "URGENT: mail server down") || !strings.Contains(chat[0].Body, `"blocks"`) {
		t.Errorf("chat body lacks the subject it asked for or the slack shape: %s", chat[0].Body)
	}
	if len(f.deliveries("audit")) != 0 {
		t.Errorf("audit got events before any resolution")
	}
	if _, err := f.desk.Act(context.Background(), plain.Ticket, Action{Actor: "admin", Commands: []string{"resolve"}}); err != nil {
		t.Fatal(err)
	}
	audit := f.deliveries("audit")
	if len(audit) != 1 || audit[0].TicketRef != plain.Ticket || strings.Contains(audit[0].Body, "Printer") {
		t.Errorf("audit: %+v", audit)
	}
	// Both webhooks of one event carry the same id: the receiver's key.
	if _, err := f.desk.Act(context.Background(), urgent.Ticket, Action{Actor: "admin", Commands: []string{"resolve"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.deliveries("chat")); n != 2 {
		t.Errorf("chat got %d deliveries; it asked for no resolutions", n)
	}
}

// Invariant 3 for events: a fault that rolls a batch back leaves no
// event; the retried batch writes each ticket's events once.
func TestWebhooks_AFaultThatRollsTheChangeBackLeavesNoEvent(t *testing.T) {
	f := newFixture(t, allEvents)
	db, err := sql.Open("sqlite", "file:"+f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER inject_fault BEFORE INSERT ON inbound WHEN NEW.uid = 2
		BEGIN SELECT RAISE(ABORT, 'injected fault'); END`); err != nil {
		t.Fatal(err)
	}
	batch := []intake.Fetched{
		{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte(mail("a@customer.example", "one", "x", "Message-ID: <w1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 2, Raw: []byte(mail("b@customer.example", "two", "y", "Message-ID: <w2@c>"))},
	}
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err == nil {
		t.Fatal("want the injected fault")
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM webhook_deliveries").Scan(&n)
	if n != 0 {
		t.Fatalf("%d events of changes that were rolled back", n)
	}
	if _, err := db.Exec(`DROP TRIGGER inject_fault`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	// A committed change always has its event: one created per ticket.
	var tickets_, created int
	db.QueryRow("SELECT COUNT(*) FROM tickets").Scan(&tickets_)
	db.QueryRow("SELECT COUNT(DISTINCT ticket_id) FROM webhook_deliveries WHERE event_type = 'ticket.created'").Scan(&created)
	if tickets_ != 2 || created != 2 {
		t.Errorf("after the retry: %d tickets, %d with their created event", tickets_, created)
	}
}
