package desk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/tickets"
)

const bossAddr = "boss@customer.example"

// ccFixture opens Hanako's ticket with her manager on Cc, escalated to L1;
// it returns the ticket and L1's notice.
func (f *fixture) ccFixture(extraCc ...string) (*tickets.Ticket, *tickets.Outgoing) {
	f.t.Helper()
	return f.escalated("The printer on 3F prints blank pages.", "Cc: "+strings.Join(append([]string{"Boss <" + bossAddr + ">"}, extraCc...), ", "))
}

// Everyone on the requester's thread hears the answer: her manager, whom
// she put on Cc and who wrote in himself, is on Cc of the agent's reply
// and of the resolution, as is the colleague an agent adds with #cc. The
// acknowledgement answers the mail of its sender alone (RFC 3834).
func TestCc_RepliesAndTheResolutionReachEveryoneOnTheRequestersThread(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.ccFixture()
	if acks := f.sent(mailAck, hanakoAddr); len(acks) != 1 || len(acks[0].Cc) != 0 {
		t.Fatalf("acknowledgement %+v: want Hanako alone", acks)
	}
	oc := f.one(mail("Boss <"+bossAddr+">", "Re: Printer on 3F", "Please treat this as urgent, the whole floor prints there.",
		"Message-ID: <b1@customer.example>", "In-Reply-To: <q1@customer.example>"))
	if fw := f.sent(mailForward, "l1@example.com"); len(fw) != 1 || !strings.Contains(oc.Reason, "forwarded") {
		t.Fatalf("the manager's mail: %+v", oc)
	}
	f.one(agentMail("alice@example.com", n, "Please print a test page and tell us what it shows.", "a1"))
	relay := f.sent(mailRelay, hanakoAddr)
	if len(relay) != 1 || !slices.Equal(relay[0].Cc, []string{bossAddr}) {
		t.Fatalf("relay %+v: want Hanako with her manager on Cc", relay)
	}
	if relay[0].InReplyTo != "b1@customer.example" {
		t.Errorf("relay In-Reply-To <%s>, want the thread's last human mail <b1@customer.example>", relay[0].InReplyTo)
	}
	f.one(agentMail("alice@example.com", n, "#cc ken@customer.example\n#resolve\nThe fuser unit was replaced.", "a2"))
	res := f.sent(mailResolution, hanakoAddr)
	if len(res) != 1 || !slices.Equal(res[0].Cc, []string{bossAddr, "ken@customer.example"}) {
		t.Fatalf("resolution %+v: want the manager and Ken on Cc", res)
	}
	if es := f.entries(tk.Ref); es[len(es)-1].Direction != tickets.DirOut || es[len(es)-1].Cc != bossAddr+", ken@customer.example" {
		t.Errorf("the resolution's entry %+v: want its Cc recorded", es[len(es)-1])
	}
}

// Participants are on the customer's side: an address of the desk (the
// support address, its plus addresses, a tier's list) is never on Cc,
// even when the requester wrote to it; an agent is, only when the
// requester herself put her there.
func TestCc_NeverAnAddressOfTheDeskNorAnAgentTheRequesterDidNotName(t *testing.T) {
	f := newAgentFixture(t, nil)
	_, n := f.ccFixture("L1 <l1@example.com>", "support+billing@example.com", "bob@example.com")
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a1"))
	relay := f.sent(mailRelay, hanakoAddr)
	if len(relay) != 1 || !slices.Equal(relay[0].Cc, []string{"bob@example.com", bossAddr}) {
		t.Fatalf("relay Cc %v: want the manager and bob (whom Hanako wrote to), not the desk's addresses", relay[0].Cc)
	}
	f.one(agentMail("alice@example.com", n, "#cc carol@example.com", "a2"))
	if e := f.sent(mailCommandError, "alice@example.com"); len(e) != 1 || !strings.Contains(e[0].Text, "carol@example.com is on an agents list") {
		t.Fatalf("#cc of an agent: %+v", e)
	}
}

// #uncc takes a participant off: the next mail does not Cc him, and his
// next mail on the ticket is a stranger's, recorded and answered with
// nothing (invariant 5), even after Hanako's reply-all names him again.
// Only an agent's #cc brings him back. Both are audited.
func TestCc_ADroppedParticipantIsAStrangerAgain(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, n := f.ccFixture()
	f.one(agentMail("alice@example.com", n, "#uncc "+bossAddr, "a1"))
	f.one(mail("Hanako Yamada <"+hanakoAddr+">", "Re: Printer on 3F", "It still prints blank pages.",
		"Message-ID: <q2@customer.example>", "In-Reply-To: <q1@customer.example>", "Cc: "+bossAddr))
	f.one(agentMail("alice@example.com", n, "Please try the printer on 2F meanwhile.", "a2"))
	if relay := f.sent(mailRelay, hanakoAddr); len(relay) != 1 || len(relay[0].Cc) != 0 {
		t.Fatalf("relay after #uncc: %+v", relay)
	}
	before := len(f.outgoing())
	oc := f.one(mail(bossAddr, "Re: Printer on 3F", "#resolve\nClose it, we bought a new printer.",
		"Message-ID: <b2@customer.example>", "In-Reply-To: <q1@customer.example>"))
	if !strings.Contains(oc.Reason, "stranger") || oc.Status == tickets.StatusResolved || len(f.outgoing()) != before {
		t.Fatalf("the dropped participant's mail: %+v, %d mails queued", oc, len(f.outgoing())-before)
	}
	f.one(agentMail("bob@example.com", n, "#cc "+bossAddr, "a3"))
	f.one(agentMail("alice@example.com", n, "The new toner arrives tomorrow.", "a4"))
	if relay := f.sent(mailRelay, hanakoAddr); len(relay) != 2 || !slices.Equal(relay[1].Cc, []string{bossAddr}) {
		t.Fatalf("relay after #cc: %+v", relay)
	}
	var audit []string
	for _, e := range f.events(tk.Ref) {
		if e.Kind == "participant_added" || e.Kind == "participant_dropped" {
			audit = append(audit, e.Kind+" "+e.Actor)
		}
	}
	if want := []string{"participant_dropped alice@example.com", "participant_added bob@example.com"}; !slices.Equal(audit, want) {
		t.Fatalf("audit %v, want %v", audit, want)
	}
}

// What #cc and #uncc cannot do is refused as a whole, with the reason.
func TestCc_RefusedWithTheReason(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, _ := f.ccFixture()
	for body, want := range map[string]string{
		"#cc " + hanakoAddr:                                    "is the requester",
		"#cc support@example.com":                              "is an address of the desk",
		"#cc l2@example.com":                                   "is an address of the desk",
		"#uncc ken@customer.example":                           "is no participant of " + tk.Ref,
		"#cc ken@customer.example\n#uncc ken@customer.example": "name the same address",
		"#cc not-an-address":                                   "is not an address",
	} {
		_, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "admin", Commands: strings.Split(body, "\n")})
		var ae *ActionError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

// desk.cc_participants = false: replies and resolutions go to the
// requester alone.
func TestCc_OffSendsToTheRequesterAlone(t *testing.T) {
	f := newAgentFixture(t, func(o *Options) { o.RequesterOnly = true })
	_, n := f.ccFixture()
	f.one(agentMail("alice@example.com", n, "#resolve\nThe fuser unit was replaced.", "a1"))
	if res := f.sent(mailResolution, hanakoAddr); len(res) != 1 || len(res[0].Cc) != 0 {
		t.Fatalf("resolution %+v: want Hanako alone", res)
	}
}

// From the terminal, `tickets cc` is the same action, audited under the
// actor, and the next mail to the customer Cc's the address.
func TestCc_FromTheTerminalAuditedUnderTheActor(t *testing.T) {
	f := newAgentFixture(t, nil)
	tk, _ := f.ccFixture()
	if _, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "admin", Commands: []string{"cc <Ken@Customer.example>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Act(context.Background(), tk.Ref, Action{Actor: "admin", Text: "We ordered a new fuser unit."}); err != nil {
		t.Fatal(err)
	}
	if relay := f.sent(mailRelay, hanakoAddr); len(relay) != 1 || !slices.Equal(relay[0].Cc, []string{bossAddr, "ken@customer.example"}) {
		t.Fatalf("relay %+v", relay)
	}
	found := false
	for _, e := range f.events(tk.Ref) {
		found = found || e.Kind == "participant_added" && e.Actor == "admin" && strings.Contains(string(e.Detail), "ken@customer.example")
	}
	if !found {
		t.Fatal("no participant_added event under the actor")
	}
}

// Whichever tier resolves a ticket, every tier it passed through hears how
// it ended: L1, who escalated it to L2, gets the copy of L2's resolution.
func TestResolution_EveryTierTheTicketPassedThroughHearsOfIt(t *testing.T) {
	f := newAgentFixture(t, nil)
	_, n := f.escalated("The VPN drops every hour.")
	f.one(agentMail("alice@example.com", n, "#escalate\n#note\nNot the client: the concentrator logs show resets.", "a1"))
	n2 := f.sent(mailNotice, "l2@example.com")
	if len(n2) != 1 {
		t.Fatalf("setup: %d notices to L2", len(n2))
	}
	l1Before := len(f.sent(mailCopy, "l1@example.com"))
	f.one(agentMail("carol@example.com", n2[0], "#resolve\nThe concentrator's firmware was updated; the VPN holds now.", "c1"))
	l1 := f.sent(mailCopy, "l1@example.com")
	l2 := f.sent(mailCopy, "l2@example.com")
	if len(l1) != l1Before+1 || len(l2) != 1 || !strings.Contains(l1[len(l1)-1].Text, "firmware was updated") {
		t.Fatalf("copies: %d more to L1, %d to L2; want one each", len(l1)-l1Before, len(l2))
	}
	// A reply to L1's copy cannot act: the ticket left L1.
	if tok, _ := parseToken(tokenOfAddress(l1[len(l1)-1].ReplyTo, "support@example.com"), testSecret); tok.Tier != 0 {
		t.Fatalf("L1's copy carries the token of tier %d", tok.Tier)
	}
}
