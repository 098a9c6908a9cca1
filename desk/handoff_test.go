package desk

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/internal/testutils"
	"github.com/madoguchi/madoguchi/tickets"
)

const hanako = "hanako@customer.example"

// The hand-off: L1 notes, answers the customer, hears back, and
// escalates with words. The L2 notice tells the story from the original
// report on — the note, what L1 told the customer, the customer's answer —
// oldest first, and who escalated and why in their own words, which went
// to L2 and L1's copy, never to the customer.
func TestHandoff_L2NoticeCarriesTheWholeStoryAndWhoEscalatedWhy(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages since this morning.")
	f.one(agentMail("alice@example.com", n, "#note\nToner is full; the fuser may be gone.", "h1"))
	f.one(agentMail("alice@example.com", n, "Please print a test page from the printer's panel and tell me what you see.", "h2"))
	relays := f.sent(mailRelay, hanako)
	if len(relays) != 1 {
		t.Fatalf("setup: %d relays", len(relays))
	}
	f.replyTo(relays[0], "The test page is blank too.", "h3")
	oc := f.one(agentMail("bob@example.com", n, "#escalate\nFuser replacement needs L2's service contract.\n\n-- \nBob", "h4"))
	if oc.Status != tickets.StatusEscalated || f.ticket(tk.Ref).Tier != 1 {
		t.Fatalf("#escalate: %+v", oc)
	}
	l2 := f.sent(mailNotice, "l2@example.com")
	if len(l2) != 1 {
		t.Fatalf("%d notices to L2", len(l2))
	}
	testutils.InOrder(t, "the L2 notice", l2[0].Text,
		"Why:          escalated by bob@example.com to L2",
		"bob@example.com wrote, handing it on:\n\n> Fuser replacement needs L2's service contract.",
		"The story so far, oldest first:",
		"customer, hanako@customer.example\n> The printer on 3F prints blank pages since this morning.",
		"internal note, alice@example.com\n> Toner is full; the fuser may be gone.",
		"agent, to the customer, alice@example.com\n> Please print a test page",
		"customer, hanako@customer.example\n> The test page is blank too.")
	if strings.Contains(l2[0].Text, "> Bob") || strings.Count(l2[0].Text, "Fuser replacement") != 1 {
		t.Errorf("the escalation's words come once, without the signature:\n%s", l2[0].Text)
	}
	if r := f.sent(mailRelay, hanako); len(r) != 1 {
		t.Errorf("#escalate's words were relayed to the customer: %d relays", len(r))
	}
	copies := f.sent(mailCopy, "l1@example.com")
	if c := copies[len(copies)-1]; !strings.Contains(c.Text, "#escalate: handed to L2") || !strings.Contains(c.Text, "> Fuser replacement needs L2's service contract.") {
		t.Errorf("L1's copy of the escalation:\n%s", c.Text)
	}
}

// The first notice of a new ticket quotes the customer's mail; there is no
// story to tell yet.
func TestHandoff_FirstNoticeQuotesTheMailWithoutATimeline(t *testing.T) {
	f := newAgentFixture(t, nil)
	_, n := f.escalated("The printer on 3F prints blank pages.")
	if !strings.Contains(n.Text, "The customer wrote:\n\n> The printer on 3F prints blank pages.") || strings.Contains(n.Text, "The story so far") {
		t.Fatalf("first notice:\n%s", n.Text)
	}
}

// A long story stays readable: each entry is cut with a pointer to the
// whole, and past the cap the original report and the newest entries are
// told, with the number left out between them.
func TestHandoff_LongStoryIsCutWithAPointerToTicketsShow(t *testing.T) {
	f := newAgentFixture(t, nil)
	long := strings.Repeat("The screen flickers when the dock is connected. ", 60) // ~2,900 characters
	tk, n := f.escalated("FIRST REPORT " + long)
	var relay *tickets.Outgoing
	for i := range 12 {
		f.one(agentMail("alice@example.com", n, fmt.Sprintf("ANSWER %d: please try cable %d. %s", i, i, strings.Repeat("Check the port. ", 30)), fmt.Sprintf("l%d", i)))
		rs := f.sent(mailRelay, hanako)
		relay = rs[len(rs)-1]
		f.replyTo(relay, fmt.Sprintf("FOLLOW-UP %d: cable %d flickers too. %s", i, i, long), fmt.Sprintf("c%d", i))
	}
	f.one(agentMail("bob@example.com", n, "#escalate", "esc"))
	notice := f.sent(mailNotice, "l2@example.com")[0].Text
	pointer := "madoguchi tickets show " + tk.Ref
	testutils.InOrder(t, "the L2 notice", notice, "> FIRST REPORT", "(cut here; the whole text: "+pointer+")",
		"more entries left out here; all of them: "+pointer, "FOLLOW-UP 11: cable 11")
	if strings.Contains(notice, "ANSWER 0:") || strings.Contains(notice, "FOLLOW-UP 0:") {
		t.Errorf("the oldest entries after the first were not left out")
	}
	if len(notice) > 30000 {
		t.Errorf("notice of %d bytes", len(notice))
	}
}

// The customer said the automatic answer did not help: the notice that
// brings in a person tells the story (the report, the answer sent, the
// problem report) and does not offer that entry again. The same for an
// entry an agent sent (#answer) that the customer answered with a
// problem report: the next tier is not offered it.
func TestHandoff_AnEntryTheCustomerTurnedDownIsNeverSuggestedAgain(t *testing.T) {
	f := newFAQFixture(t, withTiers)
	ans := f.autoAnswered("en", "u1")
	tk := f.ticket(ans.TicketRef)
	if !f.suggested(tk, "vpn-setup") {
		t.Fatal("setup: vpn-setup is not among the ticket's suggestions")
	}
	f.replyTo(ans, "It still does not work, the client shows error 809.", "u2")
	n := f.sent(mailNotice, "l1@example.com")
	if len(n) != 1 {
		t.Fatalf("%d notices", len(n))
	}
	testutils.InOrder(t, "the notice", n[0].Text, "Why:          customer still needs help after FAQ vpn-setup",
		"> How do I connect to the office VPN from home?", "automatic answer: FAQ vpn-setup", "> It still does not work")
	if strings.Contains(n[0].Text, "  - vpn-setup") {
		t.Errorf("the notice suggests the entry the customer turned down:\n%s", n[0].Text)
	}

	// An agent's #answer the customer turns down.
	other, n2 := f.escalated("The projector in room 5 flickers every few seconds.")
	f.update(func(tx *tickets.Tx) error {
		return tx.SetSuggestions(other.ID, []tickets.Suggestion{{Key: "printer-toner", Confidence: 0.6}, {Key: "vpn-setup", Confidence: 0.4}})
	})
	f.one(agentMail("alice@example.com", n2, "#answer printer-toner", "u3"))
	relays := f.sent(mailRelay, hanako)
	f.replyTo(relays[len(relays)-1], "That did not help, it still flickers.", "u4")
	f.one(agentMail("alice@example.com", n2, "#escalate\nHardware, I think.", "u5"))
	l2 := f.sent(mailNotice, "l2@example.com")
	if len(l2) != 1 || strings.Contains(l2[0].Text, "  - printer-toner") || !strings.Contains(l2[0].Text, "  - vpn-setup") {
		t.Errorf("L2 notice suggestions, want vpn-setup and not printer-toner:\n%s", l2[0].Text)
	}
}

// suggested reports whether key is among t's stored suggestions.
func (f *fixture) suggested(t *tickets.Ticket, key string) bool {
	f.t.Helper()
	found := false
	err := f.store.View(context.Background(), func(tx *tickets.Tx) error {
		list, err := tx.Suggestions(t.ID)
		for _, s := range list {
			found = found || s.Key == key
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return found
}

// #escalate's words go to agents only, so a ticket whose requester has no
// usable address (nothing can be sent to them) is handed on with them.
func TestHandoff_EscalateWithWordsNeedsNoCustomerAddress(t *testing.T) {
	f := newAgentFixture(t, nil)
	oc := f.one(mail("\"Only a name\"", "Help", "my screen is black", "Message-ID: <na1@c>"))
	f.tickAfter(time.Minute) // an addressless ticket reaches its tier by the timer
	n := f.last(mailNotice, "l1@example.com")
	if !strings.Contains(n.Text, " (no usable address)\n") {
		t.Fatalf("notice of an addressless ticket:\n%s", n.Text)
	}
	r := f.one(agentMail("alice@example.com", n, "#escalate\nNo address: L2 should phone the reception desk.", "na2"))
	if r.Status != tickets.StatusEscalated || f.ticket(oc.Ticket).Tier != 1 {
		t.Fatalf("#escalate with words refused: %+v", r)
	}
	if l2 := f.last(mailNotice, "l2@example.com"); !strings.Contains(l2.Text, "> No address: L2 should phone the reception desk.") {
		t.Fatalf("L2 notice:\n%s", l2.Text)
	}
}
