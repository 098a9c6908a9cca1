package desk

import (
	"github.com/madoguchi/madoguchi/tickets"
)

// lookahead is what the store holds, at the start of a batch's
// transaction, of the UIDs and Message-IDs of the batch's mails, read in
// three queries for the whole batch. Before it, every mail asked three
// times on its own (a retried batch? a copy of a mail recorded before?
// one of our own outgoing mails?) and nearly always heard no: a tenth of
// what the writer spent on a mail (docs/intake.md). A "no" here spares
// the mail its own question; a "yes", or a Message-ID recorded earlier in
// the batch, sends it to ask as before, so every answer is the store's.
type lookahead struct {
	uids     map[uidKey]bool
	inbound  map[string]bool // Message-IDs with an inbound record, the batch's so far too
	outgoing map[string]bool // Message-IDs of our outgoing mail
}

type uidKey struct {
	mailbox, folder string
	uidValidity     uint32
	uid             uint32
}

func lookAhead(tx *tickets.Tx, parsed []parsedMail) (*lookahead, error) {
	l := &lookahead{uids: map[uidKey]bool{}}
	byBox := map[uidKey][]uint32{} // uid 0: the mailbox's key
	var ids []string
	for i := range parsed {
		f := parsed[i].f
		box := uidKey{mailbox: parsed[i].box.Name, folder: f.Mailbox, uidValidity: f.UIDValidity}
		byBox[box] = append(byBox[box], f.UID)
		if msg := parsed[i].msg; msg != nil && msg.MessageID != "" {
			ids = append(ids, msg.MessageID)
		}
	}
	for box, uids := range byBox {
		known, err := tx.KnownUIDs(box.mailbox, box.folder, box.uidValidity, uids)
		if err != nil {
			return nil, err
		}
		for uid := range known {
			l.uids[uidKey{box.mailbox, box.folder, box.uidValidity, uid}] = true
		}
	}
	var err error
	if l.inbound, err = tx.InboundMessageIDs(ids); err != nil {
		return nil, err
	}
	if l.outgoing, err = tx.OutgoingMessageIDs(ids); err != nil {
		return nil, err
	}
	return l, nil
}

// recorded: the mail's UID may have a record (a retried batch).
func (l *lookahead) recorded(p *parsedMail) bool {
	return l == nil || l.uids[uidKey{p.box.Name, p.f.Mailbox, p.f.UIDValidity, p.f.UID}]
}

// mayBeCopy: a mail with this Message-ID may have been recorded before
// (a mail without one is compared by content, always asked).
func (l *lookahead) mayBeCopy(messageID string) bool {
	return l == nil || messageID == "" || l.inbound[messageID]
}

// mayBeOurs: the Message-ID may be one of our outgoing mails'.
func (l *lookahead) mayBeOurs(messageID string) bool {
	return l == nil || l.outgoing[messageID]
}

// done notes a mail of the batch as recorded: a later copy in the batch
// asks the store.
func (l *lookahead) done(p *parsedMail) {
	if l != nil && p.msg != nil && p.msg.MessageID != "" {
		l.inbound[p.msg.MessageID] = true
	}
}
