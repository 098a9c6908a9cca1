package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is a ticket as the console and `madoguchi tickets show` read
// it: the ticket, its whole thread with every item marked for what it is,
// its clocks, suggestions, attachments and audit trail.

// TicketDetail is one ticket read whole. Its JSON is `tickets show
// --json`: the ticket, participants, entries, events, suggestions.
type TicketDetail struct {
	*tickets.Ticket
	Participants []string             `json:"participants"`
	Entries      []tickets.Entry      `json:"entries"`
	Events       []tickets.Event      `json:"events"`
	Suggestions  []tickets.Suggestion `json:"suggestions"`
	Rating       *tickets.Rating      `json:"rating"` // the customer's; nil when not rated

	NextDue time.Time `json:"-"`
	Overdue bool      `json:"-"`
	// Thread is the entries and the mails sent about the ticket (to the
	// customer and to the tiers), in order, each marked for what it is.
	Thread []ThreadItem `json:"-"`
	// Candidates are the suggestions with their entries' questions.
	Candidates []Candidate `json:"-"`
	Now        time.Time   `json:"-"`
}

// Marks say what an item of a thread is.
const (
	MarkCustomer    = "customer"    // the requester's mail
	MarkParticipant = "participant" // from someone on copy of the requester's mail
	MarkAgent       = "agent"       // an agent's words (by mail, console or terminal)
	MarkNote        = "note"        // an internal note, never sent to the customer
	MarkAutomatic   = "automatic"   // automatic mail that came in (out of office, monitoring)
	MarkAutoReply   = "auto_reply"  // our automatic mail to the customer (acknowledgement, reopened, ...)
	MarkAutoAnswer  = "auto_answer" // an FAQ entry mailed as the answer
	MarkRelayed     = "relayed"     // an agent's words as sent to the customer
	MarkThirdParty  = "third_party" // a stranger's mail in the thread: it changed nothing
	MarkForged      = "forged"      // a mail claiming agent rights it could not prove
	MarkBounce      = "bounce"      // a delivery report about our mail
	MarkSystem      = "system"      // another record of the desk
	MarkTierMail    = "tier_mail"   // mail to a tier: notice, forwarded reply, copy, reminder, breach
)

// ThreadItem is one item of a ticket's thread: an entry, or a mail the
// desk sent that is no entry (to a tier).
type ThreadItem struct {
	Entry *tickets.Entry    // nil for a mail to a tier
	Mail  *tickets.Outgoing // the mail that went out with the entry, or the tier's mail
	Mark  string
	Why   string    // MarkForged: why the claim failed
	At    time.Time // when
	// FirstAttachment is the number (1, 2, … across the ticket, as
	// `tickets attachment` counts) of the entry's first attachment.
	FirstAttachment int
	HasRaw          bool // the mail as received (or as queued) can be downloaded
}

// Candidate is an FAQ entry the responder suggested for the ticket.
type Candidate struct {
	tickets.Suggestion
	Question string
	Status   string // the entry's status now; "" when it is gone
}

// TicketDetail reads a ticket whole, found as Act finds it (its
// reference in any case, or its number); ErrNotFound (wrapped) when there
// is no such ticket.
func (d *Desk) TicketDetail(ctx context.Context, ref string) (*TicketDetail, error) {
	var v *TicketDetail
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		v, err = d.ticketDetail(tx, ref)
		return err
	})
	return v, err
}

// ticketDetail reads ticket ref whole. The texts are as the console shows
// them: the status links in them masked (maskStatusLinks).
func (d *Desk) ticketDetail(tx *tickets.Tx, ref string) (*TicketDetail, error) {
	t, err := tx.FindTicket(ref)
	if err != nil {
		return nil, fmt.Errorf("desk: ticket %s: %w", ref, err)
	}
	d.nameTier(t)
	v := &TicketDetail{Ticket: t, Now: tx.Now()}
	v.NextDue, v.Overdue = NextDue(t, v.Now)
	if v.Participants, err = tx.Participants(t.ID); err != nil {
		return nil, err
	}
	if v.Entries, err = tx.Entries(t.ID); err != nil {
		return nil, err
	}
	if v.Events, err = tx.Events(t.ID); err != nil {
		return nil, err
	}
	if v.Suggestions, err = tx.Suggestions(t.ID); err != nil {
		return nil, err
	}
	if v.Rating, err = tx.Rating(t.ID); err != nil {
		return nil, err
	}
	d.nameRating(v.Rating)
	v.Entries, v.Events = nonNil(v.Entries), nonNil(v.Events)
	for i := range v.Entries {
		v.Entries[i].Text = maskStatusLinks(v.Entries[i].Text)
	}
	for _, s := range v.Suggestions {
		c := Candidate{Suggestion: s}
		if f, err := tx.FAQ(s.Key); err == nil {
			c.Question, c.Status = f.Question, f.Status
		} else if !errors.Is(err, tickets.ErrNotFound) {
			return nil, err
		}
		v.Candidates = append(v.Candidates, c)
	}
	mails, err := tx.OutgoingList(t.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range mails {
		m.Text, m.HTML = maskStatusLinks(m.Text), maskStatusLinks(m.HTML)
	}
	v.Thread, err = thread(tx, v.Entries, v.Events, mails)
	return v, err
}

// thread merges the entries and the mails to tiers in the order they were
// written, as the audit trail has it (every entry and every queued mail
// has its event), and marks each item. Times alone cannot order them: a
// mail and the entry that caused it share their transaction's instant.
func thread(tx *tickets.Tx, entries []tickets.Entry, events []tickets.Event, mails []*tickets.Outgoing) ([]ThreadItem, error) {
	forged := map[string]string{} // message id → why
	for _, ev := range events {
		if ev.Kind != "forged_agent_reply" {
			continue
		}
		var det struct {
			Why       string `json:"why"`
			MessageID string `json:"message_id"`
		}
		if json.Unmarshal(ev.Detail, &det) == nil && det.MessageID != "" {
			forged[det.MessageID] = det.Why
		}
	}
	tierMails := map[string]*tickets.Outgoing{} // by id, as mail_queued names it
	for _, m := range mails {
		tierMails[strconv.FormatInt(m.ID, 10)] = m
	}
	items := make([]ThreadItem, 0, len(entries))
	n := 1
	for i := range entries {
		e := &entries[i]
		it := ThreadItem{Entry: e, At: e.CreatedAt, FirstAttachment: n, HasRaw: e.InboundID != 0 || e.OutgoingID != 0}
		n += len(e.Attachments)
		if e.OutgoingID != 0 {
			key := strconv.FormatInt(e.OutgoingID, 10)
			it.Mail = tierMails[key]
			delete(tierMails, key)
		}
		var err error
		if it.Mark, it.Why, err = mark(tx, e, it.Mail, forged); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	out := make([]ThreadItem, 0, len(items)+len(tierMails))
	next := 0
	for _, ev := range events {
		switch ev.Kind {
		case "entry_added":
			if next < len(items) {
				out = append(out, items[next])
				next++
			}
		case "mail_queued":
			if m := tierMails[ev.Subject]; m != nil {
				out = append(out, ThreadItem{Mail: m, Mark: MarkTierMail, At: m.CreatedAt, HasRaw: true})
				delete(tierMails, ev.Subject)
			}
		}
	}
	// What the trail did not place (records older than their events) goes
	// by its time.
	out = append(out, items[next:]...)
	for _, m := range mails {
		if tierMails[strconv.FormatInt(m.ID, 10)] != nil {
			out = append(out, ThreadItem{Mail: m, Mark: MarkTierMail, At: m.CreatedAt, HasRaw: true})
		}
	}
	slices.SortStableFunc(out, func(a, b ThreadItem) int { return a.At.Compare(b.At) })
	return out, nil
}

func mark(tx *tickets.Tx, e *tickets.Entry, m *tickets.Outgoing, forged map[string]string) (string, string, error) {
	if e.Direction == tickets.DirOut {
		switch {
		case m != nil && m.Kind == mailAutoAnswer:
			return MarkAutoAnswer, "", nil
		case e.Kind == tickets.KindAutomatic:
			return MarkAutoReply, "", nil
		}
		return MarkRelayed, "", nil
	}
	switch e.Kind {
	case tickets.KindCustomer:
		if e.Role == tickets.RoleParticipant {
			return MarkParticipant, "", nil
		}
		return MarkCustomer, "", nil
	case tickets.KindAgent:
		return MarkAgent, "", nil
	case tickets.KindInternalNote:
		return MarkNote, "", nil
	case tickets.KindAutomatic:
		return MarkAutomatic, "", nil
	case tickets.KindThirdParty:
		if why, ok := forged[e.MessageID]; ok && e.MessageID != "" {
			return MarkForged, why, nil
		}
		return MarkThirdParty, "", nil
	case tickets.KindSystem:
		if e.InboundID != 0 {
			in, err := tx.InboundByID(e.InboundID)
			if err != nil {
				return "", "", err
			}
			if in.Disposition == tickets.DispBounce {
				return MarkBounce, "", nil
			}
		}
	}
	return MarkSystem, "", nil
}

// Attachment reads attachment n (1, 2, … across the ticket in the order
// of its entries, as `tickets show` numbers them) of ticket ref, with its
// bytes, checked against their sha256.
func (d *Desk) Attachment(ctx context.Context, ref string, n int) (tickets.Attachment, []byte, error) {
	var att tickets.Attachment
	var data []byte
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, entries, err := ticketEntries(tx, ref)
		if err != nil {
			return err
		}
		var all []tickets.Attachment
		for _, e := range entries {
			all = append(all, e.Attachments...)
		}
		if n < 1 || n > len(all) {
			return fmt.Errorf("desk: %s has no attachment %d (it has %d): %w", t.Ref, n, len(all), tickets.ErrNotFound)
		}
		att = all[n-1]
		if data, err = tx.Blob(att.SHA256); err != nil {
			return fmt.Errorf("desk: %s attachment %d: %w", t.Ref, n, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != att.SHA256 {
			return fmt.Errorf("desk: %s attachment %d: the stored bytes do not match their sha256 %s", t.Ref, n, att.SHA256)
		}
		return nil
	})
	return att, data, err
}

// RawMail reads the mail behind entry entryID of ticket ref: the message
// exactly as it was fetched for an entry that came in, the mail as queued
// (its header fields and text) for one that went out, with a file name for
// it. Entries made at the terminal or in the console have no mail
// (ErrNotFound).
func (d *Desk) RawMail(ctx context.Context, ref string, entryID int64) (string, []byte, error) {
	var name string
	var data []byte
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, entries, err := ticketEntries(tx, ref)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(entries, func(e tickets.Entry) bool { return e.ID == entryID })
		if i < 0 {
			return fmt.Errorf("desk: %s has no entry %d: %w", t.Ref, entryID, tickets.ErrNotFound)
		}
		e := entries[i]
		name = fmt.Sprintf("%s-%d.eml", t.Ref, e.ID)
		switch {
		case e.InboundID != 0:
			in, err := tx.InboundByID(e.InboundID)
			if err != nil {
				return err
			}
			data, err = tx.Blob(in.RawHash)
			return err
		case e.OutgoingID != 0:
			o, err := tx.OutgoingByID(e.OutgoingID)
			if err != nil {
				return err
			}
			data = []byte(maskStatusLinks(string(queuedMail(o))))
			return nil
		}
		return fmt.Errorf("desk: entry %d of %s was not a mail: %w", e.ID, t.Ref, tickets.ErrNotFound)
	})
	return name, data, err
}

// ticketEntries reads a ticket and its entries.
func ticketEntries(tx *tickets.Tx, ref string) (*tickets.Ticket, []tickets.Entry, error) {
	t, err := tx.Ticket(ref)
	if err != nil {
		return nil, nil, fmt.Errorf("desk: ticket %s: %w", ref, err)
	}
	entries, err := tx.Entries(t.ID)
	return t, entries, err
}

// OutgoingMail reads mail id of ticket ref as it was queued.
func (d *Desk) OutgoingMail(ctx context.Context, ref string, id int64) (string, []byte, error) {
	var data []byte
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, err := tx.Ticket(ref)
		if err != nil {
			return fmt.Errorf("desk: ticket %s: %w", ref, err)
		}
		o, err := tx.OutgoingByID(id)
		if err != nil || o.TicketID != t.ID {
			return fmt.Errorf("desk: %s has no mail %d: %w", t.Ref, id, tickets.ErrNotFound)
		}
		data = []byte(maskStatusLinks(string(queuedMail(o))))
		return nil
	})
	return fmt.Sprintf("%s-mail-%d.eml", strings.ToUpper(ref), id), data, err
}

// queuedMail writes an outgoing row as a reader sees the mail: its main
// header fields and its text (the outbox adds the rest as it sends).
func queuedMail(o *tickets.Outgoing) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\n", o.To, o.Subject, o.MessageID)
	if o.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", o.InReplyTo)
	}
	if o.ReplyTo != "" {
		fmt.Fprintf(&b, "Reply-To: %s\r\n", o.ReplyTo)
	}
	fmt.Fprintf(&b, "Auto-Submitted: %s\r\nX-Madoguchi-Kind: %s\r\nX-Madoguchi-Status: %s\r\n\r\n", o.AutoSubmitted, o.Kind, o.Status)
	b.WriteString(strings.ReplaceAll(o.Text, "\n", "\r\n"))
	return []byte(b.String())
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
