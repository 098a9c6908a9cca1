package desk

import (
	"context"
	"encoding/binary"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// The customers' side of the desk: the status link in every mail to a
// customer, the page it opens, a reply typed there, "my tickets".

var statusLinkInMail = regexp.MustCompile(`https://desk\.example\.com/status/([a-z2-7]+)(/rate/(good|bad))?`)

// linkIn is the token of the first status link in a mail; "" when none.
func linkIn(o *tickets.Outgoing) string {
	if m := statusLinkInMail.FindStringSubmatch(o.Text); m != nil {
		return m[1]
	}
	return ""
}

// customerFixture is a desk with tiers, admins and a console address, so
// its mails to customers carry links.
func customerFixture(t *testing.T, mod func(*Options)) *fixture {
	return newFixture(t, func(o *Options) {
		withConsole(o)
		if mod != nil {
			mod(o)
		}
	})
}

func (f *fixture) customerTicket(token string) *CustomerView {
	f.t.Helper()
	v, err := f.desk.CustomerTicket(context.Background(), token)
	if err != nil {
		f.t.Fatalf("CustomerTicket: %v", err)
	}
	return v
}

func (f *fixture) act(ref, actor string, text string, commands ...string) Outcome {
	f.t.Helper()
	oc, err := f.desk.Act(context.Background(), ref, Action{Actor: actor, Commands: commands, Text: text})
	if err != nil {
		f.t.Fatalf("Act %v on %s: %v", commands, ref, err)
	}
	return oc
}

// Every mail to a customer carries the status link of its ticket for its
// addressee, and the resolution the two rating links; no mail to agents
// carries one, and without a console address no mail has any.
func TestStatusLink_EveryMailToACustomerCarriesTheirOwn(t *testing.T) {
	f := customerFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.", "Cc: taro@customer.example")
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a1"))
	f.act(tk.Ref, "alice@example.com", "The toner was empty; we replaced it.", "resolve")
	f.one(mail("taro@customer.example", "Re: ["+tk.Ref+"] Printer on 3F", "Still blank on my side.", "Message-ID: <t2@customer.example>",
		"In-Reply-To: <"+f.sent(mailResolution, "hanako@customer.example")[0].MessageID+">"))
	for _, o := range f.outgoing() {
		tok := linkIn(o)
		customer := customerMailKinds[o.Kind] != ""
		if !customer {
			if tok != "" || strings.Contains(o.Text, StatusPath) {
				t.Errorf("%s mail to %s carries a status link:\n%s", o.Kind, o.To, o.Text)
			}
			continue
		}
		if tok == "" {
			t.Errorf("%s mail to %s has no status link:\n%s", o.Kind, o.To, o.Text)
			continue
		}
		v := f.customerTicket(tok)
		if v.Ref != tk.Ref || v.Addr != o.To {
			t.Errorf("the link of the %s mail to %s opens %s for %s", o.Kind, o.To, v.Ref, v.Addr)
		}
		rated := map[string]bool{}
		for _, m := range statusLinkInMail.FindAllStringSubmatch(o.Text, -1) {
			if m[1] != tok {
				t.Errorf("%s mail: links of two tokens", o.Kind)
			}
			rated[m[3]] = true
		}
		if wantRate := o.Kind == mailResolution; rated["good"] != wantRate || rated["bad"] != wantRate {
			t.Errorf("%s mail: rating links %v, want them: %v", o.Kind, rated, wantRate)
		}
		if o.HTML != "" && !strings.Contains(o.HTML, `href="https://desk.example.com/status/`+tok) {
			t.Errorf("%s mail's HTML lacks the link", o.Kind)
		}
	}
	if r := f.sent(mailReopened, "taro@customer.example"); len(r) != 1 || f.customerTicket(linkIn(r[0])).Addr != "taro@customer.example" {
		t.Fatalf("the participant's reopened mail carries their own link: %+v", r)
	}

	// No console address, no links: the mails read as before.
	g := newAgentFixture(t, nil)
	g.escalated("The printer on 3F prints blank pages.")
	for _, o := range g.outgoing() {
		if strings.Contains(o.Text, "/status/") {
			t.Errorf("%s mail without a console address carries a link:\n%s", o.Kind, o.Text)
		}
	}
}

// A link opens its own ticket for its own customer and nothing else: not
// with another ticket's number in it, nor cut, nor signed by another
// secret, nor made for someone who is not (or no longer) one of the
// ticket's people. A rotated secret's links open until its grace ends.
func TestStatusLink_OpensItsTicketForItsCustomerAndNothingElse(t *testing.T) {
	f := customerFixture(t, nil)
	a, _ := f.escalated("The printer on 3F prints blank pages.", "Cc: taro@customer.example")
	b := f.ticket(f.one(mail("Ken <ken@other.example>", "VPN", "The VPN drops.", "Message-ID: <k1@other.example>")).Ticket)
	tokA := linkIn(f.sent(mailAck, "hanako@customer.example")[0])
	tokB := linkIn(f.sent(mailAck, "ken@other.example")[0])
	if v := f.customerTicket(tokA); v.Ref != a.Ref || v.Addr != "hanako@customer.example" || v.Role != tickets.RoleRequester {
		t.Fatalf("A's link: %+v", v)
	}
	if v := f.customerTicket(tokB); v.Ref != b.Ref {
		t.Fatalf("B's link opens %s", v.Ref)
	}
	raw, _ := tokenEncoding.DecodeString(tokA)
	_, n := binary.Uvarint(raw)
	swapped := tokenEncoding.EncodeToString(append(binary.AppendUvarint(nil, uint64(b.ID)), raw[n:]...))
	for name, tok := range map[string]string{
		"A's MAC with B's number":      swapped,
		"cut":                          tokA[:len(tokA)-2],
		"one letter changed":           tokA[:8] + map[bool]string{true: "b", false: "a"}[tokA[8] == 'a'] + tokA[9:],
		"the last letter changed":      tokA[:len(tokA)-1] + map[bool]string{true: "b", false: "a"}[tokA[len(tokA)-1] == 'a'],
		"garbage":                      "not-a-token!",
		"hanako's link for B":          f.desk.statusToken(b.ID, "hanako@customer.example"),
		"a stranger's link for A":      f.desk.statusToken(a.ID, "mallory@evil.example"),
		"signed with another secret":   tokenEncoding.EncodeToString(append(binary.AppendUvarint(nil, uint64(a.ID)), statusMAC([]byte("another-secret-0123456789"), a.ID, "hanako@customer.example")...)),
		"an agent reply token as link": replyToken{Ticket: a.ID, Tier: 0, Role: tokenAgent}.sign(testSecret),
	} {
		if _, err := f.desk.CustomerTicket(context.Background(), tok); !errors.Is(err, ErrStatusLinkInvalid) {
			t.Errorf("%s: %v, want ErrStatusLinkInvalid", name, err)
		}
	}
	// A participant's link is theirs while they are one.
	taro := f.desk.statusToken(a.ID, "taro@customer.example")
	if v := f.customerTicket(taro); v.Role != tickets.RoleParticipant {
		t.Fatalf("taro's link: role %s", v.Role)
	}
	f.act(a.Ref, "alice@example.com", "", "uncc taro@customer.example")
	if _, err := f.desk.CustomerTicket(context.Background(), taro); !errors.Is(err, ErrStatusLinkInvalid) {
		t.Fatalf("a dropped participant's link: %v", err)
	}
	// Rotated: the old links open until the grace period ends.
	until := f.now.Add(10 * 24 * time.Hour)
	f.rotate(rotatedSecret, until, func(o *Options) { withConsole(o); o.Secret = rotatedSecret })
	if v := f.customerTicket(tokA); v.Ref != a.Ref {
		t.Fatalf("an old link within the grace period opens %s", v.Ref)
	}
	f.now = until
	if _, err := f.desk.CustomerTicket(context.Background(), tokA); !errors.Is(err, ErrStatusLinkInvalid) {
		t.Fatalf("an old link after the grace period: %v", err)
	}
}

// A link works while its ticket is open and for desk.close_after + 30
// days after its resolution (a ticket an agent closed at once too), then
// opens nothing, saying it expired.
func TestStatusLink_ExpiresCloseAfterPlus30DaysAfterTheResolution(t *testing.T) {
	f := customerFixture(t, nil)
	quiet, _ := f.escalated("The printer on 3F prints blank pages.")
	tokQuiet := linkIn(f.sent(mailAck, "hanako@customer.example")[0])
	closed := f.ticket(f.one(mail("ken@other.example", "VPN", "The VPN drops.", "Message-ID: <k1@other.example>")).Ticket)
	tokClosed := linkIn(f.sent(mailAck, "ken@other.example")[0])
	resolvedAt := f.now
	f.act(quiet.Ref, "alice@example.com", "Replaced the toner.", "resolve")
	f.act(closed.Ref, "alice@example.com", "", "close")
	f.tickAfter(72*time.Hour + time.Minute) // desk.close_after: the quiet close
	q := f.ticket(quiet.Ref)
	if q.Status != tickets.StatusClosed || q.ClosedAt.Before(resolvedAt.Add(72*time.Hour)) {
		t.Fatalf("setup: %s is %s since %v", quiet.Ref, q.Status, q.ClosedAt)
	}
	// Closed by the quiet period: 30 days after the close; closed by an
	// agent at once: close_after + 30 days after it.
	for tok, end := range map[string]time.Time{tokQuiet: q.ClosedAt.Add(StatusLinkGrace), tokClosed: resolvedAt.Add(72*time.Hour + StatusLinkGrace)} {
		f.now = end.Add(-time.Minute)
		if v := f.customerTicket(tok); v.ExpiresAt.IsZero() || !v.ExpiresAt.Equal(end) || v.CanReply {
			t.Errorf("a minute before the end: expires %v (want %v), can reply %v", v.ExpiresAt, end, v.CanReply)
		}
		f.now = end
		if _, err := f.desk.CustomerTicket(context.Background(), tok); !errors.Is(err, ErrStatusLinkExpired) {
			t.Errorf("at the end: %v, want ErrStatusLinkExpired", err)
		}
	}
}

// The page shows the thread as the customer saw it: their mails and ours
// to them, never an internal note, a mail to the tiers, an agent's
// command error, a stranger's mail; and no status link's token.
func TestCustomerTicket_ShowsTheThreadAsTheCustomerSawIt(t *testing.T) {
	f := customerFixture(t, nil)
	tk, n := f.escalated("The printer on 3F prints blank pages.")
	f.one(agentMail("alice@example.com", n, "#note\nSECRET-NOTE the printer belongs to finance", "a1"))
	f.one(agentMail("alice@example.com", n, "#priority P9\nAGENT-ERROR", "a2"))
	f.one(agentMail("alice@example.com", n, "Please print a test page.", "a3"))
	f.one(mail("mallory@evil.example", "Re: ["+tk.Ref+"] Printer on 3F", "STRANGER-TEXT", "Message-ID: <m1@evil.example>",
		"In-Reply-To: <"+f.sent(mailRelay, "hanako@customer.example")[0].MessageID+">"))
	if len(f.sent(mailCommandError, "alice@example.com")) != 1 {
		t.Fatal("setup: no command error mail")
	}
	v := f.customerTicket(linkIn(f.sent(mailAck, "hanako@customer.example")[0]))
	var kinds []string
	for _, it := range v.Thread {
		kinds = append(kinds, it.Kind)
		for _, bad := range []string{"SECRET-NOTE", "AGENT-ERROR", "STRANGER-TEXT", "support+", "#priority"} {
			if strings.Contains(it.Text, bad) {
				t.Errorf("the customer's thread shows %q:\n%s", bad, it.Text)
			}
		}
		if statusLinkInMail.MatchString(it.Text) || strings.Contains(it.Text, StatusPath) || strings.Contains(it.Text, "on its page:") {
			t.Errorf("a status link (or its words) on the page:\n%s", it.Text)
		}
		if strings.Contains(it.Text, "\n-- \n") {
			t.Errorf("our signature on the page:\n%s", it.Text)
		}
	}
	if want := []string{ItemCustomer, ItemAuto, ItemReply}; !slices.Equal(kinds, want) {
		t.Fatalf("thread %v, want %v", kinds, want)
	}
	if !strings.Contains(v.Thread[2].Text, "Please print a test page.") || v.Status != tickets.StatusInProgress || !v.CanReply {
		t.Fatalf("view %+v", v)
	}
}

// A reply typed on the page takes the path of a reply by mail: on a
// resolved ticket it reopens it for the tier and the customer is told;
// by a participant it is a participant's; a closed ticket takes none.
func TestCustomerReply_TakesThePathOfAReplyByMail(t *testing.T) {
	f := customerFixture(t, nil)
	tk, _ := f.escalated("The printer on 3F prints blank pages.", "Cc: taro@customer.example")
	tok := linkIn(f.sent(mailAck, "hanako@customer.example")[0])
	f.act(tk.Ref, "alice@example.com", "Replaced the toner.", "resolve")
	notices := len(f.sent(mailNotice, "l1@example.com"))
	oc, err := f.desk.CustomerReply(context.Background(), tok, "  It still prints blank pages.  ")
	if err != nil {
		t.Fatal(err)
	}
	if oc.Status != tickets.StatusEscalated || !slices.Contains(oc.Sent, mailReopened) || len(f.sent(mailNotice, "l1@example.com")) != notices+1 {
		t.Fatalf("reply on a resolved ticket: %+v", oc)
	}
	var e tickets.Entry
	f.update(func(tx *tickets.Tx) error {
		es, err := tx.Entries(tk.ID)
		e = es[len(es)-2] // the reply, then the reopened mail
		return err
	})
	if e.Kind != tickets.KindCustomer || e.Role != tickets.RoleRequester || e.Text != "It still prints blank pages." || e.InboundID != 0 || e.MessageID != "" {
		t.Fatalf("entry %+v", e)
	}
	if ev := f.events(tk.Ref); !slices.ContainsFunc(ev, func(e tickets.Event) bool {
		return e.Kind == "status_page_reply" && e.Actor == "hanako@customer.example"
	}) {
		t.Fatal("no status_page_reply event")
	}
	v := f.customerTicket(tok)
	if last := v.Thread[len(v.Thread)-2]; last.Kind != ItemCustomer || !last.Page {
		t.Fatalf("the page's reply in the thread: %+v", last)
	}
	oc, err = f.desk.CustomerReply(context.Background(), f.desk.statusToken(tk.ID, "taro@customer.example"), "Same here.")
	if err != nil || oc.Ticket != tk.Ref {
		t.Fatalf("participant's reply: %+v %v", oc, err)
	}
	if _, err := f.desk.CustomerReply(context.Background(), tok, " \n "); !errors.Is(err, ErrEmptyReply) {
		t.Fatalf("an empty reply: %v", err)
	}
	f.act(tk.Ref, "alice@example.com", "", "close")
	before := len(f.outgoing())
	if _, err := f.desk.CustomerReply(context.Background(), tok, "Hello?"); !errors.Is(err, ErrTicketClosed) || len(f.outgoing()) != before {
		t.Fatalf("a reply to a closed ticket: %v", err)
	}
}

// "My tickets": a requester signs in by a mailed link (a customer's own
// mail) and sees their own tickets, each with its page, and nobody
// else's — not even those they are a participant of.
func TestMyTickets_ARequesterSignsInByLinkAndSeesTheirOwnOnly(t *testing.T) {
	f := customerFixture(t, nil)
	f.escalated("The printer on 3F prints blank pages.", "Cc: taro@customer.example")
	f.one(mail("hanako@customer.example", "VPN", "The VPN drops.", "Message-ID: <h2@customer.example>"))
	f.one(mail("ken@other.example", "Mail", "Mail is slow.", "Message-ID: <k1@other.example>"))
	ctx := context.Background()
	if err := f.desk.RequestSignIn(ctx, "Hanako@Customer.example", "ja"); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.RequestSignIn(ctx, "nobody@customer.example", "ja"); err != nil {
		t.Fatal(err)
	}
	mails := f.sent(mailSignIn, "")
	if len(mails) != 1 || mails[0].To != "hanako@customer.example" || !strings.Contains(mails[0].Subject, "お問い合わせ一覧") {
		t.Fatalf("sign-in mails %+v", mails)
	}
	token := f.signInToken("hanako@customer.example")
	if addr, r, err := f.desk.PeekSignIn(ctx, token); err != nil || r != RoleCustomer || addr != "hanako@customer.example" {
		t.Fatalf("PeekSignIn: %s %s %v", addr, r, err)
	}
	_, s, err := f.desk.SignIn(ctx, token)
	if err != nil || s.Role != RoleCustomer || s.Role.MayRead() || s.Role.MayReport() {
		t.Fatalf("session %+v %v", s, err)
	}
	list, err := f.desk.MyTickets(ctx, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Subject != "VPN" || list[1].Subject != "Printer on 3F" {
		t.Fatalf("my tickets %+v", list)
	}
	for _, m := range list {
		v := f.customerTicket(strings.TrimPrefix(m.Link, StatusPath))
		if v.Ref != m.Ref || v.Addr != "hanako@customer.example" {
			t.Errorf("the link of %s opens %s for %s", m.Ref, v.Ref, v.Addr)
		}
	}
	if taro, _ := f.desk.MyTickets(ctx, "taro@customer.example"); len(taro) != 0 {
		t.Fatalf("a participant's own tickets: %+v", taro)
	}
}

// The page says when the customer hears next in the desk's days: today,
// the next business day (翌営業日), by a day, as soon as we can once the
// time passed, or that the desk waits for them.
func TestPromise_SaysWhenInTheDesksBusinessDays(t *testing.T) {
	f := officeDesk(t, func(o *Options) {
		withConsole(o)
		o.SLA.Targets = tickets.DefaultTargets()
		o.SLA.Targets["P3"] = tickets.Targets{Respond: 4 * time.Hour, Resolve: 27 * time.Hour}
	})
	open := func(at string) *tickets.Ticket {
		f.now = jst(t, at)
		oc := f.one(mail("hanako@customer.example", "Printer on 3F", "The printer on 3F prints blank pages.", "Message-ID: <"+at+"@c>"))
		tk := f.ticket(oc.Ticket)
		if tk.Priority != "P3" {
			t.Fatalf("setup: priority %s", tk.Priority)
		}
		return tk
	}
	monday := open("2026-12-07 09:00")   // respond due Monday 13:00
	friday := open("2026-12-04 17:00")   // respond due Monday 12:00
	thursday := open("2026-12-03 10:00") // respond due Thursday 14:00
	for _, c := range []struct {
		tk   *tickets.Ticket
		at   string
		want Promise
	}{
		{monday, "2026-12-07 09:30", Promise{Kind: PromiseToday, Target: tickets.TargetRespond}},
		{friday, "2026-12-04 17:30", Promise{Kind: PromiseNextBusinessDay, Target: tickets.TargetRespond}},
		{thursday, "2026-12-03 10:30", Promise{Kind: PromiseToday, Target: tickets.TargetRespond}},
		{thursday, "2026-12-03 15:00", Promise{Kind: PromiseSoon, Target: tickets.TargetRespond}},
	} {
		if got := f.desk.promise(c.tk, jst(t, c.at)); got != c.want {
			t.Errorf("%s at %s: %+v, want %+v", c.tk.Ref, c.at, got, c.want)
		}
	}
	// Answered: the resolution counts, 27 business hours from Monday
	// 09:00 is Wednesday 18:00.
	f.now = jst(t, "2026-12-07 10:00")
	f.update(func(tx *tickets.Tx) error { return tx.MarkFirstResponse(monday, "alice@example.com") })
	if got := f.desk.promise(f.ticket(monday.Ref), f.now); got.Kind != PromiseBy || got.Target != tickets.TargetResolve ||
		got.Day.Format(time.DateOnly) != "2026-12-09" {
		t.Errorf("answered: %+v, want by Wednesday 9 December", got)
	}
	hold := f.ticket(friday.Ref)
	f.update(func(tx *tickets.Tx) error {
		return tx.SetStatus(hold, tickets.StatusOnHold, "alice@example.com", "#hold")
	})
	if got := f.desk.promise(hold, f.now); got.Kind != PromiseWaiting {
		t.Errorf("on hold: %+v", got)
	}
}
