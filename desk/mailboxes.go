package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// Mailbox is one address of the desk ([[mailboxes]]): the mail fetched
// from it opens tickets that belong to it, and everything the desk sends
// about such a ticket goes out from its address, with reply tokens that
// hold only in its plus addresses. One desk, one set of tiers, one FAQ;
// the mailboxes differ in the address customers write to and in what
// their tickets start as.
type Mailbox struct {
	// Name keys the mailbox's tickets and inbound records (with the IMAP
	// folder, UIDVALIDITY and UID); tickets.DefaultMailbox for the one
	// mailbox of the [imap] shorthand.
	Name string
	// Address is its support address (helpdesk@example.com): our own
	// mail comes from it, its plus addresses carry reply tokens.
	Address string
	// From is the From of its mail ("IT Requests <it-requests@example.com>");
	// "" = the sender's own (smtp.from), the one-mailbox way.
	From string
	// MessageIDDomain is the domain of the Message-IDs of its mail; "" =
	// Options.MessageIDDomain, else the domain of Address.
	MessageIDDomain string
	// Language (en, ja) is what its customers are written in when their
	// mail does not tell; "" = Options.Language.
	Language string
	// Type is what its new tickets are before the classification rules
	// speak (tickets.ServiceRequest for an it-requests@ mailbox); "" =
	// tickets.Incident.
	Type string
	// Tier is the index of the tier its tickets go to first (0 = the first).
	Tier int
}

// errUnknownMailbox: a mailbox name the desk was not given.
var errUnknownMailbox = errors.New("desk: no such mailbox")

// setMailboxes checks and completes the mailboxes of opts: without any,
// the desk has one, tickets.DefaultMailbox, at SupportAddress.
//
// Afterwards SupportAddress and MessageIDDomain are the default mailbox's,
// for what speaks for the desk as a whole; New takes the options it keeps
// as they are.
func setMailboxes(opts *Options) error {
	if len(opts.Mailboxes) == 0 {
		if opts.SupportAddress == "" {
			return nil // a desk that curates the FAQ but receives no mail
		}
		opts.Mailboxes = []Mailbox{{Name: tickets.DefaultMailbox, Address: opts.SupportAddress}}
	} else if opts.SupportAddress != "" && !strings.EqualFold(opts.SupportAddress, strings.TrimSpace(opts.Mailboxes[0].Address)) {
		return errors.New("desk: SupportAddress is not the first of Mailboxes' address: give the address as the first mailbox's")
	}
	boxes := slices.Clone(opts.Mailboxes)
	seen := map[string]string{}
	for i := range boxes {
		b := &boxes[i]
		b.Address = strings.ToLower(strings.TrimSpace(b.Address))
		if b.Name == "" {
			return fmt.Errorf("desk: mailbox %d has no name", i)
		}
		if !usableAddress(b.Address) {
			return fmt.Errorf("desk: mailbox %s: support address %q is not an address", b.Name, b.Address)
		}
		if other, ok := seen[b.Name]; ok {
			return fmt.Errorf("desk: two mailboxes are named %s (%s and %s)", b.Name, other, b.Address)
		}
		for name, addr := range seen {
			if sameMailbox(b.Address, addr) || sameMailbox(addr, b.Address) {
				return fmt.Errorf("desk: mailboxes %s and %s have one support address (%s, %s): their reply addresses could not be told apart", name, b.Name, addr, b.Address)
			}
		}
		seen[b.Name] = b.Address
		if b.MessageIDDomain == "" {
			b.MessageIDDomain = opts.MessageIDDomain
		}
		if b.MessageIDDomain == "" {
			b.MessageIDDomain = b.Address[strings.LastIndexByte(b.Address, '@')+1:]
		}
		b.MessageIDDomain = strings.ToLower(b.MessageIDDomain)
		if b.Language != "ja" && b.Language != "en" {
			b.Language = opts.Language
		}
		switch b.Type {
		case "":
			b.Type = tickets.Incident
		case tickets.Incident, tickets.ServiceRequest:
		default:
			return fmt.Errorf("desk: mailbox %s: unknown ticket type %q", b.Name, b.Type)
		}
		if b.Tier < 0 || b.Tier > 0 && b.Tier >= len(opts.Tiers) {
			return fmt.Errorf("desk: mailbox %s: tier %d is not configured", b.Name, b.Tier)
		}
	}
	opts.Mailboxes = boxes
	opts.SupportAddress, opts.MessageIDDomain = boxes[0].Address, boxes[0].MessageIDDomain
	return nil
}

// sameMailbox reports whether a is b or a plus address of it.
func sameMailbox(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	_, ok := plusTag(a, b)
	return ok
}

// defaultBox is the first mailbox: it answers the tickets of a mailbox no
// longer configured (and those from before there were several), and
// sends what is about no ticket (digests, a tier's bounced address).
func (d *Desk) defaultBox() *Mailbox { return &d.opts.Mailboxes[0] }

// box returns the mailbox named name.
func (d *Desk) box(name string) (*Mailbox, bool) {
	for i := range d.opts.Mailboxes {
		if d.opts.Mailboxes[i].Name == name {
			return &d.opts.Mailboxes[i], true
		}
	}
	return nil, false
}

// boxOf is the mailbox t's mail goes out from: its own, or the default
// one when its own is no longer configured.
func (d *Desk) boxOf(t *tickets.Ticket) *Mailbox {
	if b, ok := d.box(t.Mailbox); ok {
		return b
	}
	return d.defaultBox()
}

// boxOfAddress finds the mailbox addr belongs to: its support address, or
// one of its plus addresses (then tag is what follows the +).
func (d *Desk) boxOfAddress(addr string) (b *Mailbox, tag string, ok bool) {
	for i := range d.opts.Mailboxes {
		b := &d.opts.Mailboxes[i]
		if strings.EqualFold(addr, b.Address) {
			return b, "", true
		}
		if tag, ok := plusTag(addr, b.Address); ok {
			return b, tag, true
		}
	}
	return nil, "", false
}

// boxForNew is the mailbox a new ticket opened by msg belongs to: the
// first of our addresses on its To, else on its Cc, else the mailbox it
// was fetched from. A mail sent to two of our addresses is recorded once
// (by its Message-ID) whichever mailbox's poller fetches it first; this
// gives its ticket the same mailbox either way.
func (d *Desk) boxForNew(in *tickets.Inbound, msg *mime.Message) *Mailbox {
	for _, list := range [][]mime.Address{msg.To, msg.Cc} {
		for _, a := range list {
			if b, _, ok := d.boxOfAddress(a.Addr); ok {
				return b
			}
		}
	}
	if b, ok := d.box(in.Mailbox); ok {
		return b
	}
	return d.defaultBox()
}

// isOurAddress reports whether addr is the support address of one of the
// desk's mailboxes or one of its plus addresses (support+token@...).
func (d *Desk) isOurAddress(addr string) bool {
	_, _, ok := d.boxOfAddress(addr)
	return ok
}

// Inbox is the intake.Sink of one mailbox: its poller hands it the mail it
// fetches, which is recorded under the mailbox's name.
type Inbox struct {
	d   *Desk
	box *Mailbox
}

var (
	_ intake.Sink     = (*Inbox)(nil)
	_ intake.Preparer = (*Inbox)(nil)
)

// Inbox returns the sink of the mailbox named name.
func (d *Desk) Inbox(name string) (*Inbox, error) {
	b, ok := d.box(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", errUnknownMailbox, name)
	}
	return &Inbox{d: d, box: b}, nil
}

// Name is the mailbox's name.
func (in *Inbox) Name() string { return in.box.Name }

// Known implements intake.Sink.
func (in *Inbox) Known(ctx context.Context, folder string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	var known map[uint32]bool
	err := in.d.store.View(ctx, func(tx *tickets.Tx) error {
		var err error
		known, err = tx.KnownUIDs(in.box.Name, folder, uidValidity, uids)
		return err
	})
	return known, err
}

// LastUID implements intake.Sink.
func (in *Inbox) LastUID(ctx context.Context, folder string, uidValidity uint32) (uint32, error) {
	var last uint32
	err := in.d.store.View(ctx, func(tx *tickets.Tx) error {
		var err error
		last, err = tx.LastUID(in.box.Name, folder, uidValidity)
		return err
	})
	return last, err
}

// Store implements intake.Sink: it parses the batch in parallel, then
// records every message in one transaction, committed durably.
func (in *Inbox) Store(ctx context.Context, batch []intake.Fetched) error {
	_, err := in.ReceiveBatch(ctx, batch)
	return err
}

// PassDone implements intake.PassEnder: the console's search indexes what
// the pass's batches left for later (tickets.Tx.IndexSearchLater).
func (in *Inbox) PassDone(ctx context.Context) error {
	return in.d.store.IndexSearch(ctx)
}

// Prepare implements intake.Preparer: the batch parsed and matched while
// the one before commits (Desk.Prepare).
func (in *Inbox) Prepare(ctx context.Context, batch []intake.Fetched) intake.PreparedBatch {
	return in.d.prepare(ctx, in.box, batch)
}

// ReceiveBatch is Store that also reports each message's outcome.
func (in *Inbox) ReceiveBatch(ctx context.Context, batch []intake.Fetched) ([]Outcome, error) {
	return in.d.commit(ctx, in.d.prepare(ctx, in.box, batch))
}
