package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is a ticket as a viewer (Options.Viewers) reads it: the
// ticket page of the agents without what is the agents' own — internal
// notes, the mail to and from the tiers, drafts — unless
// Options.ViewersSeeNotes, and every view recorded on the ticket's audit
// trail (ticket_viewed), so the desk knows who read what.

// ErrNotForViewers is what a viewer may not read.
var ErrNotForViewers = errors.New("desk: this is not for viewers")

// ViewTicket reads ticket ref for viewer, and records the view.
func (d *Desk) ViewTicket(ctx context.Context, ref, viewer string) (*TicketDetail, error) {
	var v *TicketDetail
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		if v, err = d.ticketDetail(tx, ref); err != nil {
			return err
		}
		if !d.opts.ViewersSeeNotes {
			d.forViewers(v)
		}
		return tx.Event(v.ID, "", "ticket_viewed", viewer, map[string]any{"role": RoleViewer})
	})
	return v, err
}

// forViewers takes out of v what only agents read: internal notes, the
// mail to the tiers and to agents (which carry notes), and FAQ entries
// that are not published.
func (d *Desk) forViewers(v *TicketDetail) {
	v.Thread = slices.DeleteFunc(v.Thread, func(it ThreadItem) bool { return !viewerSees(it.Entry, it.Mail) })
	kinds := map[int64]string{}
	for _, it := range v.Thread {
		if it.Mail != nil {
			kinds[it.Mail.ID] = it.Mail.Kind
		}
	}
	// A new slice: the thread's items point into the old one.
	entries := make([]tickets.Entry, 0, len(v.Entries))
	for _, e := range v.Entries {
		if e.Kind != tickets.KindInternalNote && (e.Direction != tickets.DirOut || customerMailKinds[kinds[e.OutgoingID]] != "") {
			entries = append(entries, e)
		}
	}
	v.Entries = entries
	v.Candidates = slices.DeleteFunc(v.Candidates, func(c Candidate) bool { return c.Status != tickets.FAQPublished })
	v.Suggestions = slices.DeleteFunc(v.Suggestions, func(s tickets.Suggestion) bool {
		return !slices.ContainsFunc(v.Candidates, func(c Candidate) bool { return c.Key == s.Key })
	})
}

// viewerSees reports whether a viewer without notes reads an item of a
// thread: an entry (with the mail that went out with it), or a mail to a
// tier (e nil).
func viewerSees(e *tickets.Entry, m *tickets.Outgoing) bool {
	switch {
	case e == nil:
		return false // a tier's mail: notices and copies tell the notes
	case e.Kind == tickets.KindInternalNote:
		return false
	case e.Direction == tickets.DirOut:
		// Of what the desk sent, only the customers' mail: not an agent's
		// command error or the news that a ticket moved on.
		return m != nil && customerMailKinds[m.Kind] != ""
	}
	return true
}

// ViewAttachment reads attachment n of ticket ref for viewer, as
// Attachment does, and records the view; an attachment of what viewers
// do not read is ErrNotForViewers.
func (d *Desk) ViewAttachment(ctx context.Context, ref string, n int, viewer string) (tickets.Attachment, []byte, error) {
	var att tickets.Attachment
	var data []byte
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		t, entries, err := ticketEntries(tx, ref)
		if err != nil {
			return err
		}
		seen := 0
		for _, e := range entries {
			if n > seen+len(e.Attachments) {
				seen += len(e.Attachments)
				continue
			}
			if n <= seen {
				break
			}
			if !d.opts.ViewersSeeNotes {
				var m *tickets.Outgoing
				if e.OutgoingID != 0 {
					if m, err = tx.OutgoingByID(e.OutgoingID); err != nil {
						return err
					}
				}
				if !viewerSees(&e, m) {
					return fmt.Errorf("%w: attachment %d of %s", ErrNotForViewers, n, t.Ref)
				}
			}
			att = e.Attachments[n-seen-1]
			if data, err = tx.Blob(att.SHA256); err != nil {
				return fmt.Errorf("desk: %s attachment %d: %w", t.Ref, n, err)
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != att.SHA256 {
				return fmt.Errorf("desk: %s attachment %d: the stored bytes do not match their sha256 %s", t.Ref, n, att.SHA256)
			}
			return tx.Event(t.ID, "", "ticket_viewed", viewer, map[string]any{"role": RoleViewer, "attachment": n})
		}
		return fmt.Errorf("desk: %s has no attachment %d: %w", t.Ref, n, tickets.ErrNotFound)
	})
	return att, data, err
}
