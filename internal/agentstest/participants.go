package agentstest

import (
	"slices"
	"strings"
	"testing"
)

// The mails to customers of issue 13: everyone on the requester's thread
// is answered, and a participant an agent drops is a stranger again.
//
// Hanako Cc's her manager on her question; the manager writes in himself.
// Alice's reply reaches both (Hanako on To, her manager on Cc), threaded
// to the manager's mail, the last one a person wrote. From the terminal
// Alice adds Ken; by mail she drops him again with #uncc and escalates to
// L2. Carol's resolution reaches Hanako and her manager, not Ken, signed
// below "-- "; L1, who escalated, gets the copy of it as L2 does. Ken's
// mail into the thread afterwards is a stranger's: recorded, acting on
// nothing, and he is sent nothing naming the ticket.
func EveryoneOnTheThreadIsAnswered(t *testing.T, start Start) {
	d := open(t, start, "8h", "")
	const boss, ken = "boss@customer.example", "ken@customer.example"
	d.deliver(customerMail("Hanako Yamada <"+hanako+">", "support@example.com", "VPN drops every hour", "v1@customer.example",
		"The VPN connection drops every hour since Monday.", "Cc: Taro Boss <"+boss+">"))
	d.run("")
	sent := d.sent()
	refs := d.refs()
	if len(refs) != 1 || len(sent) != 2 {
		t.Fatalf("tickets %v, sent:%s; want one ticket, its acknowledgement and its notice", refs, sent)
	}
	ref, notice := refs[0], sent.one(t, "l1@example.com")
	if ack := sent.one(t, hanako); ack.rcpt != hanako || len(ack.Cc) != 0 {
		t.Fatalf("the acknowledgement went to %s, Cc %v: want Hanako alone", ack.rcpt, ack.Cc)
	}

	d.deliver(customerMail("Taro Boss <"+boss+">", "support@example.com", "Re: VPN drops every hour", "b1@customer.example",
		"This blocks the whole sales team, please hurry.", "In-Reply-To: <v1@customer.example>", "Cc: "+hanako))
	d.run("")
	if fwd := d.sent().one(t, "l1@example.com"); !strings.Contains(fwd.Subject, "Participant replied") {
		t.Fatalf("the manager's mail reached L1 as %q", fwd.Subject)
	}

	d.deliver(replyMail(t, "Alice Agent <alice@example.com>", notice, "a1@agents.example", "Please reinstall the VPN client from the portal."))
	d.run("")
	sent = d.sent()
	relay := sent.one(t, hanako)
	if relay.rcpt != hanako+","+boss || !slices.Equal(relay.To, []string{hanako}) || !slices.Equal(relay.Cc, []string{boss}) {
		t.Fatalf("the relay went to %s, To %v, Cc %v: want Hanako with her manager on Cc", relay.rcpt, relay.To, relay.Cc)
	}
	if strings.Join(relay.InReplyTo, " ") != "b1@customer.example" || !strings.Contains(relay.Text, "reinstall the VPN client") {
		t.Fatalf("the relay in reply to %v:\n%s", relay.InReplyTo, relay.Text)
	}

	d.cli("tickets", "cc", ref, ken, "--actor", "alice@example.com")
	d.deliver(replyMail(t, "alice@example.com", notice, "a2@agents.example", "#uncc "+ken+"\n#escalate\n#note\nThe client is fine; the concentrator drops the tunnel."))
	d.run("")
	sent = d.sent()
	notice2 := sent.one(t, "l2@example.com")
	if len(sent.to(ken)) != 0 {
		t.Fatalf("Ken was sent mail:%s", sent)
	}

	d.deliver(replyMail(t, "carol@example.com", notice2, "c1@agents.example", "#resolve\nThe concentrator's firmware was updated; the tunnel holds now."))
	d.run("")
	sent = d.sent()
	res := sent.one(t, hanako)
	if res.rcpt != hanako+","+boss || !slices.Equal(res.Cc, []string{boss}) || !strings.Contains(res.Text, "firmware was updated") {
		t.Fatalf("the resolution went to %s, Cc %v: want Hanako with her manager on Cc, not Ken", res.rcpt, res.Cc)
	}
	if text := strings.ReplaceAll(res.Text, "\r\n", "\n"); !strings.Contains(text, "\n-- \nSupport desk\n") || strings.Contains(text, "\n--\n") {
		t.Fatalf("the resolution is not signed below \"-- \":\n%q", res.Text)
	}
	l1, l2 := sent.to("l1@example.com"), sent.to("l2@example.com")
	if len(l1) != 1 || len(l2) != 1 || !strings.Contains(l1[0].Text, "firmware was updated") || len(sent) != 3 {
		t.Fatalf("after the resolution, sent:%s; want the resolution and a copy to L2 and to L1, who escalated", sent)
	}

	d.deliver(customerMail("Ken <"+ken+">", "support@example.com", "Re: VPN drops every hour", "k1@customer.example",
		"It drops for me too, please reopen.", "In-Reply-To: <"+relay.MessageID+">"))
	d.run("")
	for _, m := range d.sent() {
		if strings.Contains(m.raw, ref) && slices.Contains(strings.Split(m.rcpt, ","), ken) {
			t.Fatalf("Ken, dropped, was sent mail naming %s:\n%s", ref, m.raw)
		}
	}
	if in := d.inbound("k1@customer.example"); in.Ticket != ref || !strings.Contains(in.Reason, "stranger") {
		t.Fatalf("Ken's mail: %+v, want it recorded on %s as a stranger's", in, ref)
	}
	tk := d.ticket(ref)
	if tk.Status != "resolved" {
		t.Fatalf("after Ken's mail: %s", tk.Status)
	}
	if added, dropped := tk.events("participant_added"), tk.events("participant_dropped"); len(added) != 1 || len(dropped) != 1 ||
		!strings.Contains(added[0], ken) || !strings.Contains(dropped[0], ken) {
		t.Fatalf("audit: added %v, dropped %v", added, dropped)
	}
}
