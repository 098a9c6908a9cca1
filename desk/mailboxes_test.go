package desk

import (
	"context"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/tickets"
)

// Two mailboxes of one desk: helpdesk@example.com (the default, first)
// and it-requests@example.org, whose tickets are service requests that go
// to L2 first, written in Japanese when the customer's mail does not tell.
func withTwoMailboxes(o *Options) {
	withTiers(o)
	o.SupportAddress = ""
	o.Mailboxes = []Mailbox{
		{Name: "helpdesk", Address: "helpdesk@example.com", From: "Help Desk <helpdesk@example.com>"},
		{Name: "requests", Address: "IT-Requests@example.org", From: "IT Requests <it-requests@example.org>",
			Language: "ja", Type: tickets.ServiceRequest, Tier: 1},
	}
}

// deliverTo hands raw mails to the desk as the poller of mailbox box
// would: each mailbox's INBOX counts its UIDs from 1 at UIDVALIDITY 1,
// as two Dovecot accounts made in the same second do.
func (f *fixture) deliverTo(box string, uid uint32, raws ...string) []Outcome {
	f.t.Helper()
	in, err := f.desk.Inbox(box)
	if err != nil {
		f.t.Fatal(err)
	}
	var batch []intake.Fetched
	for i, r := range raws {
		batch = append(batch, intake.Fetched{Mailbox: "INBOX", UIDValidity: 1, UID: uid + uint32(i), Raw: []byte(r)})
	}
	out, err := in.ReceiveBatch(context.Background(), batch)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// mailTo is mail() to other recipients than support@example.com.
func mailTo(to, from, subject, body string, headers ...string) string {
	return strings.Replace(mail(from, subject, body, headers...), "To: support@example.com", "To: "+to, 1)
}

// A customer who writes to two addresses about one thing gets two
// tickets, each of its mailbox, answered from the address she wrote to:
// From and entry, the agents' notice and its signed Reply-To, the
// Message-IDs' domain. The requests mailbox opens service requests for
// its own first tier. Both mails are UID 1 of an INBOX at UIDVALIDITY 1.
func TestMailboxes_EachTicketIsAnsweredFromTheAddressItWroteTo(t *testing.T) {
	f := newFixture(t, withTwoMailboxes)
	a := f.deliverTo("helpdesk", 1, mailTo("helpdesk@example.com", "Hanako Yamada <hanako@customer.example>", "VPN",
		"I cannot reach the VPN from home since this morning.", "Message-ID: <h1@customer.example>"))[0]
	b := f.deliverTo("requests", 1, mailTo("it-requests@example.org", "Hanako Yamada <hanako@customer.example>", "VPN",
		"Please give me a VPN account for working from home.", "Message-ID: <r1@customer.example>"))[0]
	if a.Disposition != tickets.DispNewTicket || b.Disposition != tickets.DispNewTicket || a.Ticket == b.Ticket {
		t.Fatalf("outcomes %+v and %+v; want two new tickets", a, b)
	}
	inc, req := f.ticket(a.Ticket), f.ticket(b.Ticket)
	if inc.Mailbox != "helpdesk" || inc.Type != tickets.Incident || inc.Tier != 0 {
		t.Errorf("%s: mailbox %q, type %s, tier %d; want helpdesk, incident, L1", inc.Ref, inc.Mailbox, inc.Type, inc.Tier)
	}
	if req.Mailbox != "requests" || req.Type != tickets.ServiceRequest || !strings.HasPrefix(req.Ref, "REQ-") || req.Tier != 1 || req.Language != "en" {
		t.Errorf("%s: mailbox %q, type %s, tier %d, language %s; want requests, service_request, L2, en (her words tell)", req.Ref, req.Mailbox, req.Type, req.Tier, req.Language)
	}
	for _, c := range []struct {
		tk                *tickets.Ticket
		from, addr, tier  string
		domain, notToAddr string
	}{
		{inc, "Help Desk <helpdesk@example.com>", "helpdesk@example.com", "l1@example.com", "@example.com", "it-requests"},
		{req, "IT Requests <it-requests@example.org>", "it-requests@example.org", "l2@example.com", "@example.org", "helpdesk"},
	} {
		for _, o := range f.outgoing() {
			if o.TicketRef != c.tk.Ref {
				continue
			}
			if o.From != c.from || !strings.HasSuffix(o.MessageID, c.domain) {
				t.Errorf("%s %s mail to %s: From %q, Message-ID %s; want From %q at %s", c.tk.Ref, o.Kind, o.To, o.From, o.MessageID, c.from, c.domain)
			}
			if o.Kind == mailNotice {
				local, domain, _ := strings.Cut(c.addr, "@")
				if o.To != c.tier || !strings.HasPrefix(o.ReplyTo, local+"+") || !strings.HasSuffix(o.ReplyTo, "@"+domain) {
					t.Errorf("%s notice to %s, Reply-To %s; want to %s from a plus address of %s", c.tk.Ref, o.To, o.ReplyTo, c.tier, c.addr)
				}
			}
		}
		for _, e := range f.entries(c.tk.Ref) {
			if e.Direction == tickets.DirOut && e.From != c.addr {
				t.Errorf("%s: our %s entry is from %s, want %s", c.tk.Ref, e.Kind, e.From, c.addr)
			}
		}
	}
	if len(f.sent(mailAck, "hanako@customer.example")) != 2 {
		t.Errorf("acknowledgements: %d, want one per ticket", len(f.sent(mailAck, "hanako@customer.example")))
	}
	// Mail whose words tell no language is written in its mailbox's.
	c := f.deliverTo("requests", 2, mailTo("it-requests@example.org", "ken@customer.example", "PC-0042", "#4411", "Message-ID: <r2@customer.example>"))[0]
	if tk := f.ticket(c.Ticket); tk.Language != "ja" {
		t.Errorf("a mail with no words of a language to the Japanese mailbox: %s, want ja", tk.Language)
	}
}

// A mail sent to two of our addresses arrives in both mailboxes and makes
// one ticket, with one acknowledgement, whichever poller fetches it first:
// the ticket belongs to the first of our addresses on its To.
func TestMailboxes_AMailToTwoOfOurAddressesMakesOneTicket(t *testing.T) {
	raw := mailTo("it-requests@example.org", "hanako@customer.example", "New laptop", "Please order a laptop for our new colleague.",
		"Cc: Help Desk <helpdesk@example.com>", "Message-ID: <both@customer.example>")
	for _, order := range [][]string{{"helpdesk", "requests"}, {"requests", "helpdesk"}} {
		t.Run(strings.Join(order, " first, then "), func(t *testing.T) {
			f := newFixture(t, withTwoMailboxes)
			first := f.deliverTo(order[0], 1, raw)[0]
			second := f.deliverTo(order[1], 1, raw)[0]
			if first.Disposition != tickets.DispNewTicket || second.Disposition != tickets.DispDuplicate || second.Ticket != first.Ticket {
				t.Fatalf("outcomes %+v, %+v; want a ticket, then a duplicate of it", first, second)
			}
			if tk := f.ticket(first.Ticket); tk.Mailbox != "requests" {
				t.Errorf("the ticket is mailbox %q's, want requests (the To)", tk.Mailbox)
			}
			acks := f.sent(mailAck, "hanako@customer.example")
			if len(acks) != 1 || acks[0].From != "IT Requests <it-requests@example.org>" {
				t.Errorf("acknowledgements %+v; want one, from it-requests", acks)
			}
			if !strings.Contains(second.Reason, "/requests/") && !strings.Contains(second.Reason, "("+order[0]+"/INBOX/1/1)") {
				t.Errorf("duplicate reason %q does not name the first copy's mailbox", second.Reason)
			}
		})
	}
}

// Mail from any of the desk's addresses is our own mail coming back,
// whichever mailbox it arrives in: it is never answered.
func TestMailboxes_OurOwnMailFromAnyAddressIsOurOwn(t *testing.T) {
	f := newFixture(t, withTwoMailboxes)
	out := f.deliverTo("helpdesk", 1,
		mailTo("helpdesk@example.com", "IT Requests <it-requests@example.org>", "[REQ-1001] 受付完了", "ok", "Message-ID: <x1@elsewhere.example>"),
		mailTo("it-requests@example.org", "Help Desk <HelpDesk@example.com>", "Received", "ok", "Message-ID: <x2@elsewhere.example>"))
	for i, oc := range out {
		if oc.Disposition != tickets.DispOwnMail {
			t.Errorf("mail %d: %+v, want own_mail", i, oc)
		}
	}
	if n := len(f.outgoing()); n != 0 {
		t.Errorf("%d mails sent in answer to our own", n)
	}
}

// A reply token holds only in a plus address of the mailbox it was
// minted for, its ticket's: an agent's token moved to another mailbox's
// address proves nothing (a forgery, recorded, nothing done), and a
// customer's threads nothing there.
func TestMailboxes_AReplyTokenVerifiesOnlyAgainstItsMailbox(t *testing.T) {
	f := newFixture(t, withTwoMailboxes)
	oc := f.deliverTo("requests", 1, mailTo("it-requests@example.org", "Hanako Yamada <hanako@customer.example>", "VPN account",
		"Please give me a VPN account for working from home.", "Message-ID: <r1@customer.example>"))[0]
	req := f.ticket(oc.Ticket)
	notice := f.sent(mailNotice, "l2@example.com")[0]
	tok := tokenOfAddress(notice.ReplyTo, "it-requests@example.org")
	if tok == "" {
		t.Fatalf("notice Reply-To %s is no plus address of it-requests@example.org", notice.ReplyTo)
	}

	moved := strings.Replace(agentMail("carol@example.com", notice, "Done, your account is vpn-hanako.", "c1"),
		"To: support@example.com", "To: helpdesk+"+tok+"@example.com", 1)
	before := len(f.outgoing())
	f.refused(f.deliverTo("helpdesk", 1, moved)[0], req, before, "an address of mailbox helpdesk; "+req.Ref+" is mailbox requests's")

	// The same in a Message-ID: the notice's, its domain made the help desk's.
	otherDomain := strings.Replace(notice.MessageID, "@example.org", "@example.com", 1)
	inID := mailTo("helpdesk@example.com", "carol@example.com", "Re: "+notice.Subject, "Done, your account is vpn-hanako.",
		"Message-ID: <c3@agents.example>", "In-Reply-To: <"+otherDomain+">")
	before = len(f.outgoing())
	// Threaded to nothing, it is recorded on a ticket of its own, as any
	// forged reply that names no thread is.
	if oc := f.deliverTo("helpdesk", 3, inID)[0]; oc.Ticket == req.Ref || len(oc.Sent) != 0 ||
		!strings.Contains(oc.Reason, "forged agent reply refused: reply token of "+req.Ref+" came in a Message-ID of example.com; "+req.Ref+" is mailbox requests's (example.org)") {
		t.Fatalf("the token in a Message-ID of the help desk's domain: %+v", oc)
	}
	if n := len(f.outgoing()); n != before || f.ticket(req.Ref).Status != req.Status {
		t.Fatalf("the forged reply sent %d mails or changed %s", n-before, req.Ref)
	}

	proven := strings.Replace(agentMail("carol@example.com", notice, "Done, your account is vpn-hanako.", "c2"),
		"To: support@example.com", "To: "+notice.ReplyTo, 1)
	f.proven(f.deliverTo("requests", 2, proven)[0], req)
	relay := f.sent(mailRelay, "hanako@customer.example")
	if len(relay) != 1 || relay[0].From != "IT Requests <it-requests@example.org>" || !strings.HasPrefix(relay[0].ReplyTo, "it-requests+") {
		t.Fatalf("relays %+v; want one from it-requests with its plus address", relay)
	}

	// The customer's token, taken to the helpdesk's address without the
	// thread: it threads nothing, and the mail is a new one there.
	ctok := tokenOfAddress(relay[0].ReplyTo, "it-requests@example.org")
	c := f.deliverTo("helpdesk", 2, mailTo("helpdesk+"+ctok+"@example.com", "hanako@customer.example", "still no VPN",
		"It does not work.", "Message-ID: <h2@customer.example>"))[0]
	if c.Ticket == req.Ref || c.Disposition != tickets.DispNewTicket || !strings.Contains(c.Reason, "reply token of "+req.Ref+" ignored") {
		t.Fatalf("the customer's token at another mailbox's address: %+v; want a new ticket, the token ignored", c)
	}
}

// A ticket of a mailbox no longer configured (and one from before there
// were several) is answered from the default mailbox, the first.
func TestMailboxes_ATicketOfAMailboxNoLongerConfiguredIsAnsweredFromTheDefaultOne(t *testing.T) {
	f := newFixture(t, withTwoMailboxes)
	var ref string
	f.update(func(tx *tickets.Tx) error {
		tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: "old", Requester: "hanako@customer.example", Mailbox: "retired"})
		ref = tk.Ref
		return err
	})
	if _, err := f.desk.Act(context.Background(), ref, Action{Actor: "alice@example.com", Text: "We are looking into it."}); err != nil {
		t.Fatal(err)
	}
	relay := f.sent(mailRelay, "hanako@customer.example")
	if len(relay) != 1 || relay[0].From != "Help Desk <helpdesk@example.com>" || !strings.HasPrefix(relay[0].ReplyTo, "helpdesk+") {
		t.Fatalf("relays %+v; want one from the default mailbox, helpdesk", relay)
	}
}

// The desk refuses mailboxes it could not tell apart.
func TestNew_RefusesMailboxesItCannotTellApart(t *testing.T) {
	for _, c := range []struct {
		name  string
		boxes []Mailbox
		want  string
	}{
		{"one name twice", []Mailbox{{Name: "a", Address: "a@example.com"}, {Name: "a", Address: "b@example.com"}}, "two mailboxes are named a"},
		{"one address twice", []Mailbox{{Name: "a", Address: "a@example.com"}, {Name: "b", Address: "A@example.com"}}, "have one support address"},
		{"a plus address of another", []Mailbox{{Name: "a", Address: "a@example.com"}, {Name: "b", Address: "a+b@example.com"}}, "have one support address"},
		{"no name", []Mailbox{{Address: "a@example.com"}}, "has no name"},
		{"no address", []Mailbox{{Name: "a"}}, "is not an address"},
		{"a tier that is not there", []Mailbox{{Name: "a", Address: "a@example.com", Tier: 5}}, "tier 5 is not configured"},
		{"an unknown type", []Mailbox{{Name: "a", Address: "a@example.com", Type: "problem"}}, "unknown ticket type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{Mailboxes: c.boxes}
			withTiers(&opts)
			store, err := tickets.Open(t.TempDir()+"/m.db", &tickets.Options{SLA: ptr(SLAPolicy(opts.SLA, opts.Tiers))})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			f := newFixture(t, nil)
			_, err = New(opts, Deps{Store: store, Templates: f.desk.tmpl})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v, want an error saying %q", err, c.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
