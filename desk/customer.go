package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is what a customer sees of the desk: the page a status link
// opens (how the ticket stands, when they will hear from us, the thread as
// they saw it, a box to add to it), and "my tickets", the requester's own
// tickets after signing in by a mailed link. Reading never writes: mail
// scanners open every link in a mail. A reply added on the page takes
// the path a reply by mail takes (reply, receive.go), with the same roles.

// Why a customer's reply is refused.
var (
	ErrTicketClosed = errors.New("desk: the request is closed")
	ErrEmptyReply   = errors.New("desk: the reply is empty")
	ErrReplyTooLong = errors.New("desk: the reply is too long")
)

// MaxCustomerReply is the longest reply the page takes, in characters.
const MaxCustomerReply = 20000

// CustomerView is one ticket as its customer sees it.
type CustomerView struct {
	Ref, Subject, Type, Priority string
	Status                       tickets.Status
	Language                     string       // the ticket's: the language of its mails
	Addr                         string       // whose link: the requester or a participant
	Role                         tickets.Role // RoleRequester or RoleParticipant
	CreatedAt                    time.Time
	ResolvedAt, ClosedAt         time.Time
	ExpiresAt                    time.Time // when the link stops working; zero while the ticket is open
	Promise                      Promise
	Thread                       []CustomerItem
	Rating                       *tickets.Rating // nil when not rated
	// Rate is what a rating rates now (tickets.AnswerAuto: the automatic
	// answer; tickets.AnswerAgent: the agents' resolution); "" when there
	// is nothing to rate yet, or the ticket closed with its rating given.
	Rate     string
	CanReply bool // not closed: a reply goes to the desk
	// MovedTo is the status link path of the ticket this one was merged
	// into (or attached to), for the same customer; the page goes there.
	MovedTo string
	Now     time.Time
}

// Customer thread items.
const (
	ItemCustomer    = "customer"    // the requester's mail (or reply on the page)
	ItemParticipant = "participant" // a participant's
	ItemReply       = "reply"       // the desk's answer: an agent's reply, the resolution, a merge
	ItemAuto        = "auto"        // the desk's automatic mail: acknowledgement, reopened
	ItemAutoAnswer  = "auto_answer" // an FAQ entry sent as the answer
)

// CustomerItem is one mail of the thread as the customer saw it.
type CustomerItem struct {
	At      time.Time
	Kind    string // Item…
	From    string // an address: the customer's, or the support address
	Subject string
	Text    string
	Files   []string // the names of its attachments
	Page    bool     // added on the status page, not by mail
}

// The kinds of our mail a customer got: the rest went to agents.
var customerMailKinds = map[string]string{
	mailAck: ItemAuto, mailReopened: ItemAuto, mailAutoAnswer: ItemAutoAnswer,
	mailRelay: ItemReply, mailResolution: ItemReply, mailMerged: ItemReply,
}

// Promise says when the customer hears from the desk next, in words
// (Kind) the page writes in the reader's language.
type Promise struct {
	Kind   string    // Promise…; "" = nothing to promise
	Target string    // tickets.TargetRespond (an answer) or TargetResolve (the solution)
	Day    time.Time // PromiseBy: the day, in the desk's zone
}

// Promises.
const (
	PromiseToday           = "today"             // within today
	PromiseNextBusinessDay = "next_business_day" // within the next business day (翌営業日中)
	PromiseBy              = "by"                // by Day
	PromiseSoon            = "soon"              // the time passed: as soon as we can
	PromiseWaiting         = "waiting"           // on hold: the desk waits for the customer
)

// CustomerTicket reads the ticket a status link opens, as the customer it
// was made for sees it. A link that opens nothing is ErrStatusLinkInvalid
// or ErrStatusLinkExpired.
func (d *Desk) CustomerTicket(ctx context.Context, token string) (*CustomerView, error) {
	var v *CustomerView
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, addr, err := d.openStatus(tx, token)
		if err != nil {
			return err
		}
		v, err = d.customerView(tx, t, addr)
		return err
	})
	return v, err
}

func (d *Desk) customerView(tx *tickets.Tx, t *tickets.Ticket, addr string) (*CustomerView, error) {
	v := &CustomerView{Ref: t.Ref, Subject: t.Subject, Type: t.Type, Priority: t.Priority, Status: t.Status, Language: t.Language,
		Addr: addr, CreatedAt: t.CreatedAt, ResolvedAt: t.ResolvedAt, ClosedAt: t.ClosedAt, ExpiresAt: d.statusExpiry(t), Now: tx.Now()}
	if t.MergedIntoID != 0 {
		into, err := tx.TicketByID(t.MergedIntoID)
		if err != nil {
			return nil, err
		}
		if tok := d.statusToken(into.ID, addr); tok != "" {
			v.MovedTo = StatusPath + tok
		}
		return v, nil
	}
	var err error
	if v.Role, err = d.senderRole(tx, t, addr); err != nil {
		return nil, err
	}
	v.Promise = d.promise(t, v.Now)
	if v.Thread, err = customerThreadItems(tx, t); err != nil {
		return nil, err
	}
	if v.Rating, err = tx.Rating(t.ID); err != nil {
		return nil, err
	}
	d.nameRating(v.Rating)
	if v.Rate, _, err = d.ratedAnswer(tx, t); err != nil {
		return nil, err
	}
	if t.Status == tickets.StatusClosed && v.Rating != nil {
		v.Rate = "" // a closed ticket's rating stands
	}
	v.CanReply = t.Status != tickets.StatusClosed
	return v, nil
}

// customerThreadItems is t's thread as its customers saw it: their own
// mails and the mails the desk sent them, oldest first. Internal notes,
// the mail to and from agents, strangers' and robots' mail are no part
// of it, ever.
func customerThreadItems(tx *tickets.Tx, t *tickets.Ticket) ([]CustomerItem, error) {
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return nil, err
	}
	outs, err := tx.OutgoingList(t.ID)
	if err != nil {
		return nil, err
	}
	kinds := map[int64]string{}
	for _, o := range outs {
		kinds[o.ID] = o.Kind
	}
	out := []CustomerItem{}
	for _, e := range entries {
		it := CustomerItem{At: e.CreatedAt, From: strings.ToLower(e.From), Subject: e.Subject}
		switch {
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindCustomer && e.Role == tickets.RoleRequester:
			it.Kind, it.Text, it.Page = ItemCustomer, e.Text, e.InboundID == 0
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindCustomer && e.Role == tickets.RoleParticipant:
			it.Kind, it.Text, it.Page = ItemParticipant, e.Text, e.InboundID == 0
		case e.Direction == tickets.DirOut && e.OutgoingID != 0 && customerMailKinds[kinds[e.OutgoingID]] != "":
			it.Kind, it.Text = customerMailKinds[kinds[e.OutgoingID]], withoutOurLinks(maskStatusLinks(stripSignature(e.Text)))
		default:
			continue
		}
		it.Text = strings.TrimSpace(maskStatusLinks(it.Text))
		for _, a := range e.Attachments {
			it.Files = append(it.Files, a.Filename)
		}
		out = append(out, it)
	}
	return out, nil
}

// withoutOurLinks takes the status and rating links (masked) out of the
// text of a mail we sent, each with the paragraph that introduces it (the
// "status_link", "rate" and "rate_answer" blocks): on the page they would
// lead where the reader is.
func withoutOurLinks(text string) string {
	lines := strings.Split(text, "\n")
	drop := make([]bool, len(lines))
	for i, l := range lines {
		if !strings.Contains(l, StatusPath+"…") {
			continue
		}
		drop[i] = true
		for j := i - 1; j >= 0 && strings.TrimSpace(lines[j]) != "" && !drop[j]; j-- {
			drop[j] = true
		}
	}
	var out []string
	for i, l := range lines {
		if drop[i] || strings.TrimSpace(l) == "" && len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// promise says when the customer of t hears next, at now: by the due time
// that counts next (the first answer, then the resolution), in the
// desk's days — today, the next business day, by a day — or as soon as we
// can once it passed; a ticket on hold waits for them.
func (d *Desk) promise(t *tickets.Ticket, now time.Time) Promise {
	if t.Status == tickets.StatusOnHold {
		return Promise{Kind: PromiseWaiting}
	}
	due, overdue := NextDue(t, now)
	if due.IsZero() {
		return Promise{}
	}
	p := Promise{Target: tickets.TargetResolve}
	if t.FirstResponseAt.IsZero() && due.Equal(t.RespondDueAt) {
		p.Target = tickets.TargetRespond
	}
	if overdue {
		p.Kind = PromiseSoon
		return p
	}
	cal := d.opts.SLA.Calendar
	loc := cal.Location()
	if cal.AroundTheClock() {
		loc = d.Location()
	}
	day := func(x time.Time) time.Time {
		x = x.In(loc)
		return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, loc)
	}
	today, dueDay := day(now), day(due)
	next := today.AddDate(0, 0, 1)
	if open := cal.NextOpen(next); !open.IsZero() {
		next = day(open)
	}
	switch {
	case !dueDay.After(today):
		p.Kind = PromiseToday
	case dueDay.Equal(next):
		p.Kind = PromiseNextBusinessDay
	default:
		p.Kind, p.Day = PromiseBy, dueDay
	}
	return p
}

// CustomerReply adds a customer's reply typed on the status page to the
// ticket the link opens, as their reply by mail would be: the same roles
// (the link's address must still be the requester or a participant), the
// same handling (it reopens a resolved ticket, confirms or turns down an
// automatic answer, takes a ticket off hold, goes to the tier), the same
// limits. A closed ticket takes none: a new mail opens a new request.
func (d *Desk) CustomerReply(ctx context.Context, token, text string) (Outcome, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return Outcome{}, ErrEmptyReply
	case utf8.RuneCountInString(text) > MaxCustomerReply:
		return Outcome{}, ErrReplyTooLong
	}
	var oc Outcome
	var changed faqChanges
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		changed = faqChanges{}
		t, addr, err := d.openStatus(tx, token)
		if err != nil {
			return err
		}
		if t, err = survivor(tx, t); err != nil {
			return err
		}
		if t.Status == tickets.StatusClosed {
			return ErrTicketClosed
		}
		role, err := d.senderRole(tx, t, addr)
		if err != nil {
			return err
		}
		if role == tickets.RoleStranger {
			return ErrStatusLinkInvalid
		}
		name := ""
		if addr == t.Requester {
			name = t.RequesterName
		}
		msg := &mime.Message{From: mime.Address{Name: name, Addr: addr}, To: []mime.Address{{Addr: d.boxOf(t).Address}},
			Subject: "Re: [" + t.Ref + "] " + t.Subject, Text: text, Date: tx.Now()}
		// No inbound record: nothing was fetched. The entry says it came
		// by the page (no message id, no mail behind it).
		oc, err = d.reply(tx, &tickets.Inbound{}, msg, t, role, nil, &changed)
		if err != nil {
			return err
		}
		return tx.Event(t.ID, "", "status_page_reply", addr, map[string]any{"role": role, "chars": utf8.RuneCountInString(text)})
	})
	if err != nil {
		return Outcome{}, err
	}
	d.reindex(ctx, changed)
	if len(oc.Sent) > 0 {
		d.poke()
	}
	d.log.Info("customer replied on the status page", "ticket", oc.Ticket, "status", oc.Status, "sent", oc.Sent, "reason", oc.Reason)
	return oc, nil
}

// MyTicket is one of a requester's tickets on "my tickets".
type MyTicket struct {
	Ref, Subject string
	Status       tickets.Status
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Link         string // the path of its status page for the requester; "" once the link expired
	Rating       string // the rating given; "" = none
}

// maxMyTickets is how many of a requester's tickets "my tickets" lists.
const maxMyTickets = 200

// MyTickets lists the tickets addr is the requester of, newest first,
// each with the path of its status page for them: what a customer signed
// in by link sees, and nobody else's.
func (d *Desk) MyTickets(ctx context.Context, addr string) ([]MyTicket, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	var out []MyTicket
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		list, err := tx.RequesterTickets(addr, maxMyTickets)
		if err != nil {
			return err
		}
		ids := make([]int64, len(list))
		for i, t := range list {
			ids[i] = t.ID
		}
		ratings, err := tx.RatingsOf(ids)
		if err != nil {
			return err
		}
		out = make([]MyTicket, 0, len(list))
		for _, t := range list {
			m := MyTicket{Ref: t.Ref, Subject: t.Subject, Status: t.Status, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
			if exp := d.statusExpiry(t); exp.IsZero() || tx.Now().Before(exp) {
				if tok := d.statusToken(t.ID, addr); tok != "" {
					m.Link = StatusPath + tok
				}
			}
			if r := ratings[t.ID]; r != nil {
				m.Rating = r.Rating
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// ratedAnswer says what a rating of t rates now — the automatic answer
// (tickets.AnswerAuto) or the agents' resolution (AnswerAgent) — and who
// resolved it: nothing ("") while the ticket is being worked, or when it
// closed without a resolution (merged).
func (d *Desk) ratedAnswer(tx *tickets.Tx, t *tickets.Ticket) (answer, resolver string, err error) {
	switch t.Status {
	case tickets.StatusAutoAnswered:
		return tickets.AnswerAuto, "", nil
	case tickets.StatusResolved, tickets.StatusClosed:
	default:
		return "", "", nil
	}
	events, err := tx.Events(t.ID)
	if err != nil {
		return "", "", err
	}
	for _, e := range slices.Backward(events) {
		if e.Kind != "status_changed" {
			continue
		}
		var c struct{ From, To tickets.Status }
		if json.Unmarshal(e.Detail, &c) != nil || c.To != tickets.StatusResolved {
			continue
		}
		if c.From == tickets.StatusAutoAnswered {
			return tickets.AnswerAuto, "", nil
		}
		if e.Actor != "system" && !strings.EqualFold(e.Actor, t.Requester) {
			resolver = strings.ToLower(e.Actor)
		}
		return tickets.AnswerAgent, resolver, nil
	}
	return "", "", nil
}

// nameRating fills in the name of the tier of a rating.
func (d *Desk) nameRating(r *tickets.Rating) {
	if r != nil && r.Tier >= 0 && r.Tier < len(d.opts.Tiers) {
		r.TierName = d.opts.Tiers[r.Tier].Name
	}
}

// StatusLinkFor is the status link of ticket ref for addr, when addr is
// one of its people: for the terminal and tests, which have no mail to
// read it from.
func (d *Desk) StatusLinkFor(ctx context.Context, ref, addr string) (string, error) {
	var link string
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, err := tx.FindTicket(ref)
		if err != nil {
			return fmt.Errorf("desk: ticket %s: %w", ref, err)
		}
		role, err := d.senderRole(tx, t, addr)
		if err != nil {
			return err
		}
		if role == tickets.RoleStranger {
			return fmt.Errorf("desk: %s is neither the requester nor a participant of %s", addr, t.Ref)
		}
		if link = d.statusURL(t.ID, addr); link == "" {
			return ErrNoConsoleURL
		}
		return nil
	})
	return link, err
}
