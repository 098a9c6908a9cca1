package desk

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// receive records one message and acts on it, inside the batch transaction.
// Every path ends in exactly one inbound record.
func (d *Desk) receive(tx *tickets.Tx, p *parsedMail, changed *faqChanges) (Outcome, error) {
	f := p.f
	if p.ahead.recorded(p) {
		if prev, err := tx.InboundAt(p.box.Name, f.Mailbox, f.UIDValidity, f.UID); err == nil {
			// Handed to us again (a retried batch): the first record stands.
			return Outcome{Disposition: prev.Disposition, Reason: prev.Reason, Ticket: prev.Ticket}, nil
		} else if !errors.Is(err, tickets.ErrNotFound) {
			return Outcome{}, err
		}
	}
	in := p.inbound()
	// Record first, so entries can point at the record; the outcome is set
	// before the transaction ends.
	in.Disposition = tickets.DispQuarantined
	if err := tx.RecordInbound(in); err != nil {
		return Outcome{}, err
	}
	oc, err := d.decide(tx, in, p, changed)
	if err != nil {
		return Outcome{}, err
	}
	in.Disposition, in.Reason = oc.Disposition, oc.Reason
	if err := tx.SetInboundOutcome(in); err != nil {
		return Outcome{}, err
	}
	if in.TicketID != 0 && oc.Ticket == "" {
		if t, err := tx.TicketByID(in.TicketID); err == nil {
			oc.Ticket, oc.Status = t.Ref, t.Status
		}
	}
	return oc, nil
}

// inbound is the record of a fetched message, with what its header says.
// Also for a quarantined message whose header could be read: its record
// says who sent what, and its Message-ID makes a later copy a duplicate of
// it, as for any mail.
func (p *parsedMail) inbound() *tickets.Inbound {
	f, msg := p.f, p.msg
	in := &tickets.Inbound{Mailbox: p.box.Name, Folder: f.Mailbox, UIDValidity: f.UIDValidity, UID: f.UID, Raw: f.Raw}
	if msg != nil {
		in.MessageID, in.ContentHash, in.From, in.Subject, in.Date = msg.MessageID, msg.ContentHash, msg.From.Addr, msg.Subject, msg.Date
	}
	return in
}

// quarantineFailed records a message whose handling failed (and was
// undone) as quarantined, with the failure as its reason: kept, visible in
// `inbound list`, its raw bytes in `inbound show --raw`.
func (d *Desk) quarantineFailed(tx *tickets.Tx, p *parsedMail, cause error) (Outcome, error) {
	in := p.inbound()
	in.Disposition, in.Reason = tickets.DispQuarantined, truncate("handling failed: "+cause.Error(), 500)
	if err := tx.RecordInbound(in); err != nil {
		return Outcome{}, errors.Join(cause, err)
	}
	return Outcome{Disposition: in.Disposition, Reason: in.Reason}, nil
}

func (d *Desk) decide(tx *tickets.Tx, in *tickets.Inbound, p *parsedMail, changed *faqChanges) (Outcome, error) {
	msg, perr := p.msg, p.err
	// Duplicates first: the same Message-ID, or (without one) the same bytes.
	if !p.ahead.mayBeCopy(in.MessageID) {
		// Nothing of the batch's look-ahead holds it: no copy.
	} else if prev, err := d.firstCopy(tx, in); err != nil {
		return Outcome{}, err
	} else if prev != nil {
		in.DuplicateOf, in.TicketID = prev.ID, prev.TicketID
		key := "Message-ID " + in.MessageID
		if in.MessageID == "" {
			key = "content"
		}
		return Outcome{Disposition: tickets.DispDuplicate, Reason: fmt.Sprintf("same %s as inbound %d (%s/%s/%d/%d)", key, prev.ID, prev.Mailbox, prev.Folder, prev.UIDValidity, prev.UID)}, nil
	}
	if perr != nil {
		reason := perr.Error()
		if q, ok := mime.IsQuarantine(perr); ok {
			reason = q.Reason
			if q.Err != nil {
				reason += ": " + q.Err.Error()
			}
		}
		return Outcome{Disposition: tickets.DispQuarantined, Reason: reason}, nil
	}
	if reason, own, err := d.ownMail(tx, msg, p.ahead.mayBeOurs(msg.MessageID)); err != nil {
		return Outcome{}, err
	} else if own {
		return Outcome{Disposition: tickets.DispOwnMail, Reason: reason}, nil
	}
	if msg.Auto.Kind == mime.AutoBounce {
		return d.bounce(tx, in, msg)
	}
	if g, ok := d.alerts.fromMail(msg); ok {
		// Monitoring mail an [[alerts.mail]] rule reads: an alert, whatever
		// its headers say, and never answered.
		return d.alertMail(tx, in, msg, g)
	}
	t, tagNote, err := d.thread(tx, msg)
	if err != nil {
		return Outcome{}, err
	}
	// A merged ticket's thread, tag and tokens go on to the ticket it
	// became: its customer acts there, as a reporter.
	if merged := t; merged != nil && merged.MergedIntoID != 0 {
		if t, err = survivor(tx, merged); err != nil {
			return Outcome{}, err
		}
		tagNote = joinReason(tagNote, "threads to "+merged.Ref+", which goes on as "+t.Ref)
	}
	claim, err := d.claimAgent(tx, t, msg)
	if err != nil {
		return Outcome{}, err
	}
	if msg.Auto.IsAutomatic() && !claim.proven {
		// A proven agent's automatic mail goes on to agentReply, which
		// keeps it on the ticket as the agent's (and does nothing with it).
		return d.automatic(tx, in, msg, t)
	}
	if claim.ticket != nil {
		t = claim.ticket // the token named it; the mail kept no thread headers
	}
	switch {
	case claim.forged:
		return d.forgedAgent(tx, in, msg, t, claim.why)
	case claim.moved:
		return d.movedOn(tx, in, msg, t, claim.tier)
	case claim.proven:
		return d.agentReply(tx, in, msg, t, claim.tier, changed)
	}
	oc, err := d.customerMail(tx, in, p, t, changed)
	for _, note := range []string{tagNote, claim.note} {
		if note != "" {
			oc.Reason = joinReason(oc.Reason, note)
		}
	}
	return oc, err
}

// customerMail handles a mail that claims no agent rights: a new ticket,
// or a reply from the ticket's requester or a participant, or a
// stranger's mail on it.
func (d *Desk) customerMail(tx *tickets.Tx, in *tickets.Inbound, p *parsedMail, t *tickets.Ticket, changed *faqChanges) (Outcome, error) {
	msg := p.msg
	if t == nil {
		return d.newTicket(tx, in, msg, nil, p.match)
	}
	role, err := d.senderRole(tx, t, msg.From.Addr)
	if err != nil {
		return Outcome{}, err
	}
	if role == tickets.RoleStranger {
		return d.thirdParty(tx, in, msg, t)
	}
	return d.reply(tx, in, msg, t, role, p.match, changed)
}

func (d *Desk) firstCopy(tx *tickets.Tx, in *tickets.Inbound) (*tickets.Inbound, error) {
	var prev *tickets.Inbound
	var err error
	if in.MessageID != "" {
		prev, err = tx.FirstInboundByMessageID(in.MessageID)
	} else {
		prev, err = tx.FirstInboundByContentHash(in.ContentHash)
	}
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && prev.ID == in.ID) {
		return nil, nil
	}
	return prev, err
}

// ownMail: mayBeOurs false says that no outgoing mail has the Message-ID.
func (d *Desk) ownMail(tx *tickets.Tx, msg *mime.Message, mayBeOurs bool) (string, bool, error) {
	for _, b := range d.opts.Mailboxes {
		if strings.EqualFold(msg.From.Addr, b.Address) {
			return "From is the support address of mailbox " + b.Name, true, nil
		}
	}
	if msg.MessageID == "" {
		return "", false, nil
	}
	if !mayBeOurs && !d.looksLikeOurMessageID(msg.MessageID) {
		return "", false, nil
	}
	if _, err := tx.OutgoingByMessageID(msg.MessageID); err == nil {
		return "Message-ID is one of our outgoing mails", true, nil
	} else if !errors.Is(err, tickets.ErrNotFound) {
		return "", false, err
	}
	if d.looksLikeOurMessageID(msg.MessageID) {
		return "Message-ID has our form and domain", true, nil
	}
	return "", false, nil
}

// thread finds the ticket a message belongs to: by In-Reply-To/References,
// else by a subject tag or by the customer's reply token in a recipient
// address, but by these two only for that ticket's own requester or a
// participant. The note says why a tag or token threaded nothing.
func (d *Desk) thread(tx *tickets.Tx, msg *mime.Message) (*tickets.Ticket, string, error) {
	t, err := tx.TicketByMessageID(threadIDs(msg))
	if err == nil {
		return t, "", nil
	}
	if !errors.Is(err, tickets.ErrNotFound) {
		return nil, "", err
	}
	t, tagNote, err := d.threadByTag(tx, msg)
	if t != nil || err != nil {
		return t, "", err
	}
	t, tokenNote, err := d.threadByCustomerToken(tx, msg)
	if t != nil || err != nil {
		return t, "", err
	}
	if tokenNote == "" {
		return nil, tagNote, nil
	}
	return nil, joinReason(tagNote, tokenNote), nil
}

// threadIDs are the Message-IDs a mail answers, the closest first.
func threadIDs(msg *mime.Message) []string {
	ids := slices.Clone(msg.InReplyTo)
	for i := len(msg.References) - 1; i >= 0; i-- {
		ids = append(ids, msg.References[i])
	}
	return ids
}

// threadByTag finds the ticket of a subject tag ([INC-001042]).
func (d *Desk) threadByTag(tx *tickets.Tx, msg *mime.Message) (*tickets.Ticket, string, error) {
	tag := subjectTag([]string{d.opts.IncidentPrefix, d.opts.RequestPrefix}, msg.Subject)
	if tag == "" {
		return nil, "", nil
	}
	t, err := tx.Ticket(tag)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, fmt.Sprintf("subject tag [%s] names no ticket", tag), nil
	}
	if err != nil {
		return nil, "", err
	}
	role, err := d.senderRole(tx, t, msg.From.Addr)
	if err != nil {
		return nil, "", err
	}
	if role == tickets.RoleStranger {
		return nil, fmt.Sprintf("subject tag [%s] ignored: sender is not its requester or a participant", tag), nil
	}
	return t, "", nil
}

// threadByCustomerToken finds the ticket of a customer's reply token in
// the mail's recipients (the Reply-To of what we send customers): a client
// that kept neither the thread headers nor the tag kept that address. Like
// a tag, it threads only the ticket's requester or a participant; agent
// tokens are claimAgent's.
func (d *Desk) threadByCustomerToken(tx *tickets.Tx, msg *mime.Message) (*tickets.Ticket, string, error) {
	if len(d.opts.Secret) == 0 {
		return nil, "", nil // no secret, no token worth anything
	}
	for _, a := range append(slices.Clone(msg.To), msg.Cc...) {
		box, s, _ := d.boxOfAddress(a.Addr)
		if s == "" {
			continue
		}
		tok, err := verifyToken(s, d.tokenKeys(tx.Now()))
		if err != nil || tok.Role != tokenCustomer {
			continue
		}
		t, err := tx.TicketByID(tok.Ticket)
		if errors.Is(err, tickets.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if own := d.boxOf(t); own != box {
			// A token holds only in a plus address of the mailbox it was
			// minted for: the one its ticket's mail goes out from.
			return nil, fmt.Sprintf("reply token of %s ignored: it came to mailbox %s, and %s is mailbox %s's", t.Ref, box.Name, t.Ref, own.Name), nil
		}
		role, err := d.senderRole(tx, t, msg.From.Addr)
		if err != nil {
			return nil, "", err
		}
		if role == tickets.RoleStranger {
			return nil, fmt.Sprintf("reply token of %s ignored: sender is not its requester or a participant", t.Ref), nil
		}
		return t, "", nil
	}
	return nil, "", nil
}

func (d *Desk) bounce(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message) (Outcome, error) {
	dsn := msg.DSN
	if dsn == nil || dsn.OriginalMessageID == "" {
		return Outcome{Disposition: tickets.DispBounce, Reason: "delivery report for a message we cannot identify"}, nil
	}
	out, err := tx.OutgoingByMessageID(dsn.OriginalMessageID)
	if errors.Is(err, tickets.ErrNotFound) {
		return Outcome{Disposition: tickets.DispBounce, Reason: "delivery report for a message that is not ours: " + dsn.OriginalMessageID}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	in.OutgoingID, in.TicketID = out.ID, out.TicketID
	reason := strings.TrimSpace(fmt.Sprintf("%s %s for %s: %s", dsn.Action, dsn.Status, strings.Join(dsn.Recipients, ", "), dsn.Diagnostic))
	if out.TicketID != 0 {
		t, err := tx.TicketByID(out.TicketID)
		if err != nil {
			return Outcome{}, err
		}
		e := &tickets.Entry{Kind: tickets.KindSystem, Direction: tickets.DirIn, From: msg.From.Addr, Subject: msg.Subject,
			Text: fmt.Sprintf("Delivery report for our %s mail %s: %s", out.Kind, out.MessageID, reason), MessageID: msg.MessageID, InboundID: in.ID}
		if err := tx.AddEntry(t, e, "mailer-daemon"); err != nil {
			return Outcome{}, err
		}
		if err := tx.Event(t.ID, fmt.Sprint(out.ID), "mail_bounced", "mailer-daemon", map[string]any{"action": dsn.Action, "status": dsn.Status, "recipients": dsn.Recipients}); err != nil {
			return Outcome{}, err
		}
		if t.Status == tickets.StatusAutoAnswered {
			// The customer never got the answer: waiting for confirm_after
			// would only resolve a ticket nobody heard about.
			why, _, err := autoAnswerDelivery(tx, t)
			if err != nil {
				return Outcome{}, err
			}
			if why.Code != "" {
				if err := d.escalate(tx, t, nil, "mailer-daemon", why, nil); err != nil {
					return Outcome{}, err
				}
				reason = joinReason(reason, "ticket "+t.Ref+" escalated: its automatic answer did not arrive")
			}
		}
		if d.tiersOn() && (out.Kind == mailRelay || out.Kind == mailResolution) && dsn.Action != "delayed" && dsn.Action != "delivered" && dsn.Action != "relayed" && dsn.Action != "expanded" {
			data, _, err := d.ticketData(tx, t, nil)
			if err != nil {
				return Outcome{}, err
			}
			// The action is a failure's (or unreadable): the notice says so in its own words.
			data.BounceRecipient, data.BounceStatus, data.BounceDiagnostic = strings.Join(dsn.Recipients, ", "), dsn.Status, dsn.Diagnostic
			if _, err := d.notifyTier(tx, t, t.Tier, mailBounceNotice, data, nil, ""); err != nil {
				return Outcome{}, err
			}
			reason = joinReason(reason, "shown to "+d.tierName(t.Tier))
		}
	}
	if note, err := d.tierAddressBounced(tx, out, dsn); err != nil {
		return Outcome{}, err
	} else if note != "" {
		reason = joinReason(reason, note)
	}
	return Outcome{Disposition: tickets.DispBounce, Reason: reason}, nil
}

// automatic handles mail from machines: it may open or update a ticket
// (a monitoring alert is an incident) but never gets a reply.
func (d *Desk) automatic(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket) (Outcome, error) {
	reason := string(msg.Auto.Kind) + ": " + msg.Auto.Reason
	if t != nil {
		role, err := d.senderRole(tx, t, msg.From.Addr)
		if err != nil {
			return Outcome{}, err
		}
		if err := d.addInboundEntry(tx, t, in, msg, tickets.KindAutomatic, role); err != nil {
			return Outcome{}, err
		}
		in.TicketID = t.ID
		return Outcome{Disposition: tickets.DispAutomatic, Reason: reason, Ticket: t.Ref, Status: t.Status}, nil
	}
	if msg.Auto.Kind != mime.AutoGenerated {
		// Out-of-office and list mail that answers nothing of ours opens nothing.
		return Outcome{Disposition: tickets.DispAutomatic, Reason: reason}, nil
	}
	t, err := d.createTicket(tx, d.boxForNew(in, msg), msg, 0)
	if err != nil {
		return Outcome{}, err
	}
	if err := d.addInboundEntry(tx, t, in, msg, tickets.KindAutomatic, requesterRole(t)); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	oc := Outcome{Disposition: tickets.DispAutomatic, Reason: reason + "; opened " + t.Ref + " without reply", Ticket: t.Ref}
	oc.notes.opened(t)
	// A monitoring alert may be one more report of a major incident.
	if _, err := d.attachToMajor(tx, t, msg, &oc); err != nil {
		return Outcome{}, err
	}
	oc.Status = t.Status
	return oc, nil
}

func (d *Desk) newTicket(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, closed *tickets.Ticket, match *responder.Result) (Outcome, error) {
	var linked int64
	box := d.boxForNew(in, msg)
	if closed != nil {
		// The customer answered the closed ticket's mail: the new one
		// goes on from the address that mail came from.
		linked, box = closed.ID, d.boxOf(closed)
	}
	t, err := d.createTicket(tx, box, msg, linked)
	if err != nil {
		return Outcome{}, err
	}
	if err := d.addInboundEntry(tx, t, in, msg, tickets.KindCustomer, requesterRole(t)); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	oc := Outcome{Disposition: tickets.DispNewTicket, Ticket: t.Ref}
	oc.notes.opened(t)
	if closed != nil {
		oc.Reason = "reply to closed " + closed.Ref
	}
	if t.Requester == "" {
		// Nobody can be answered: only a person can reach the sender. The
		// tier hears of it now, with the reason, not at the next tick as a
		// ticket from before the tiers were configured.
		why := templates.Reason{Code: templates.ReasonUnusableSender, From: printableFrom(msg.From)}
		if d.tiersOn() {
			if err := d.escalate(tx, t, msg, "system", why, &oc); err != nil {
				return Outcome{}, err
			}
		} else {
			oc.Reason = joinReason(oc.Reason, d.record(why))
		}
		oc.Status = t.Status
		return oc, nil
	}
	if why, err := d.robotNewMail(tx, msg, closed); err != nil {
		return Outcome{}, err
	} else if why != "" {
		// Agents hear of it as of any ticket; its sender, a robot
		// answering our mail, is sent nothing to answer again.
		oc.Reason = joinReason(oc.Reason, "no reply: "+why)
		if err := tx.Event(t.ID, "", "robot_mail", "system", map[string]any{"why": why, "message_id": msg.MessageID}); err != nil {
			return Outcome{}, err
		}
		if d.tiersOn() {
			if err := d.escalate(tx, t, msg, "system", templates.Reason{Code: templates.ReasonToAgents}, &oc); err != nil {
				return Outcome{}, err
			}
		}
		oc.Status = t.Status
		return oc, nil
	}
	if attached, err := d.attachToMajor(tx, t, msg, &oc); err != nil || attached {
		oc.Status = t.Status
		return oc, err
	}
	answered, err := d.respond(tx, t, msg, match, &oc)
	if err != nil || answered {
		oc.Status = t.Status
		return oc, err
	}
	if d.index == nil && d.tiersOn() {
		if err := d.escalate(tx, t, msg, "system", templates.Reason{Code: templates.ReasonToAgents}, &oc); err != nil {
			return Outcome{}, err
		}
	}
	name, data := "ack", d.mailData(t, msg)
	if closed != nil {
		name, data.OldTicket = "new_after_closed", closed.Ref
	}
	d.outOfHours(&data, t.Language, tx.Now())
	if _, err := d.answer(tx, t, msg, "ack", name, data, &oc); err != nil {
		return Outcome{}, err
	}
	oc.Status = t.Status
	return oc, nil
}

// reply handles a requester's or participant's mail on ticket t; match is
// its FAQ match, made before the transaction for a follow-up of a closed
// ticket (matchFollowUps).
func (d *Desk) reply(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket, role tickets.Role, match *responder.Result, changed *faqChanges) (Outcome, error) {
	if t.Status == tickets.StatusClosed {
		// Closed by an agent, the ticket may still hold wordings only the
		// customer can settle.
		if err := d.settleLearned(tx, t, msg, changed); err != nil {
			return Outcome{}, err
		}
		rc, err := classifyCustomerReply(tx, t, msg)
		if err != nil {
			return Outcome{}, err
		}
		if rc.verdict != replySuccess {
			return d.newTicket(tx, in, msg, t, match)
		}
		// A late thank-you is kept on the ticket it thanks for; a new
		// ticket and its acknowledgement would only be noise.
		if err := d.addInboundEntry(tx, t, in, msg, tickets.KindCustomer, role); err != nil {
			return Outcome{}, err
		}
		in.TicketID = t.ID
		return Outcome{Disposition: tickets.DispAppended, Ticket: t.Ref, Status: t.Status,
			Reason: "thanks on a closed ticket (" + rc.reason + "): kept closed"}, nil
	}
	if err := d.addInboundEntry(tx, t, in, msg, tickets.KindCustomer, role); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	if err := d.settleLearned(tx, t, msg, changed); err != nil {
		return Outcome{}, err
	}
	oc := Outcome{Disposition: tickets.DispAppended, Ticket: t.Ref}
	switch {
	case t.Status == tickets.StatusAutoAnswered && t.AutoAnswerKey != "":
		if err := d.confirmOrEscalate(tx, t, msg, &oc, changed); err != nil {
			return Outcome{}, err
		}
	case t.Status == tickets.StatusResolved:
		if err := d.replyToResolved(tx, t, msg, &oc, changed); err != nil {
			return Outcome{}, err
		}
	case d.tiersOn():
		if err := d.forward(tx, t, msg, role, &oc); err != nil {
			return Outcome{}, err
		}
	}
	oc.Status = t.Status
	return oc, nil
}

// forward brings a customer's (or participant's) reply into the tier's
// thread. A ticket on hold waits for the customer: the reply takes it off
// hold and its SLA clock runs again.
func (d *Desk) forward(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, role tickets.Role, oc *Outcome) error {
	if t.Status == tickets.StatusOnHold {
		if err := tx.SetStatus(t, tickets.StatusInProgress, msg.From.Addr, "the customer replied"); err != nil {
			return err
		}
		oc.Reason = joinReason(oc.Reason, "taken off hold: the customer replied")
	}
	if why, err := d.holdBack(tx, t, oc, d.limit.tierMail, mailForward, "", d.tierName(t.Tier)); err != nil || why != "" {
		return err
	}
	data, atts, err := d.ticketData(tx, t, msg)
	if err != nil {
		return err
	}
	data.From = strings.TrimSpace(msg.From.Name + " <" + strings.ToLower(msg.From.Addr) + ">")
	data.FromRole = string(role)
	n, err := d.notifyTier(tx, t, t.Tier, mailForward, data, atts, "")
	if n > 0 {
		oc.Sent = append(oc.Sent, mailForward)
		oc.Reason = joinReason(oc.Reason, "forwarded to "+d.tierName(t.Tier))
	}
	return err
}

// replyToResolved handles a customer's reply to a resolved ticket. Thanks
// keep it resolved (no reopening, no mail); anything else reopens it for
// a person. When the ticket was resolved quietly from an automatic answer
// (no reply within confirm_after), the reply is the feedback the quiet
// resolution lacked: thanks count the entry helpful, a problem report not
// helpful, each at most once per ticket.
func (d *Desk) replyToResolved(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, oc *Outcome, changed *faqChanges) error {
	rc, err := classifyCustomerReply(tx, t, msg)
	if err != nil {
		return err
	}
	key := t.AutoAnswerKey
	var h faqHistory
	if key != "" {
		if h, err = readFAQHistory(tx, t); err != nil {
			return err
		}
	}
	if rc.verdict == replySuccess {
		oc.Reason = "thanks on a resolved ticket (" + rc.reason + "): kept resolved"
		if h.quiet && !h.helpful {
			if err := d.confirmFAQ(tx, t, key, msg.From.Addr, changed); err != nil {
				return err
			}
			oc.Reason = joinReason(oc.Reason, "customer confirmed FAQ "+key+" after the quiet resolution: counted helpful")
		}
		return nil
	}
	// The vote first: the notice does not offer the entry again.
	voted := rc.verdict == replyFailure && h.quiet && !h.notHelpful
	if voted {
		if err := voteFAQ(tx, t, key, false, msg.From.Addr, changed); err != nil {
			return err
		}
	}
	if err := d.escalate(tx, t, msg, msg.From.Addr, templates.Reason{Code: templates.ReasonReopened, Detail: rc.verdict.String() + ": " + rc.reason}, nil); err != nil {
		return err
	}
	oc.Reason = "reopened"
	if voted {
		oc.Reason = joinReason(oc.Reason, "FAQ "+key+" did not help after the quiet resolution: counted not helpful")
	}
	_, err = d.answer(tx, t, msg, "reopened", "reopened", d.mailData(t, msg), oc)
	return err
}

// createTicket opens the ticket of msg in the mailbox box: of its type
// before the rules speak, with its first tier, in its language when the
// mail does not tell.
func (d *Desk) createTicket(tx *tickets.Tx, box *Mailbox, msg *mime.Message, linked int64) (*tickets.Ticket, error) {
	c := d.classification(msg, box)
	prefix := d.opts.IncidentPrefix
	if c.Type == tickets.ServiceRequest {
		prefix = d.opts.RequestPrefix
	}
	subject := baseSubject(msg.Subject, d.tmpl.Labels()...)
	if subject == "" {
		subject = "(no subject)"
	}
	requester, name := strings.ToLower(msg.From.Addr), msg.From.Name
	if !usableAddress(requester) {
		// The ticket keeps what the From said, for agents to read.
		requester, name = "", printableFrom(msg.From)
	}
	return tx.CreateTicket(tickets.NewTicket{
		Type: c.Type, Prefix: prefix, Subject: subject, Requester: requester,
		RequesterName: name, Language: d.language(msg, box), Impact: c.Impact, Urgency: c.Urgency,
		LinkedTicket: linked, Actor: msg.From.Addr, SLA: &d.opts.SLA, Mailbox: box.Name, Tier: box.Tier,
	})
}

// addInboundEntry records a mail on a ticket with its sender's role. The
// recipients of the requester's own mails become participants.
func (d *Desk) addInboundEntry(tx *tickets.Tx, t *tickets.Ticket, in *tickets.Inbound, msg *mime.Message, kind tickets.EntryKind, role tickets.Role) error {
	text := msg.Text
	if len(msg.InReplyTo)+len(msg.References) > 0 {
		text = mime.StripQuoted(text)
	}
	if role == tickets.RoleRequester {
		var others []string
		for _, a := range append(slices.Clone(msg.To), msg.Cc...) {
			if usableAddress(a.Addr) && !d.isOurAddress(a.Addr) {
				others = append(others, a.Addr)
			}
		}
		if err := tx.AddParticipants(t, others); err != nil {
			return err
		}
	}
	e := &tickets.Entry{Kind: kind, Direction: tickets.DirIn, From: msg.From.Addr, To: joinAddrs(msg.To), Cc: joinAddrs(msg.Cc), Role: role,
		Subject: msg.Subject, Text: text, MessageID: msg.MessageID, InboundID: in.ID}
	for _, a := range msg.Attachments {
		e.Attachments = append(e.Attachments, tickets.Attachment{Filename: a.Filename, ContentType: a.ContentType,
			ContentID: a.ContentID, Inline: a.Inline, Data: a.Data})
	}
	return tx.AddEntry(t, e, msg.From.Addr)
}

// mailData is what an automatic reply to msg on t says: the sender is the
// ticket's requester or a participant (a stranger is sent nothing), so it
// carries the ticket's status link for them.
func (d *Desk) mailData(t *tickets.Ticket, msg *mime.Message) templates.Data {
	box := d.boxOf(t)
	return templates.Data{Ticket: t.Ref, Subject: t.Subject, Name: msg.From.Name, SupportAddress: box.Address, Mailbox: box.Name, Priority: t.Priority,
		StatusLink: d.statusURL(t.ID, msg.From.Addr)}
}

// answer queues an automatic reply to msg on ticket t, in the ticket's
// language, unless a rate limit holds it back (a robot that sets no
// automatic header still cannot make us loop with it). It reports whether
// the mail was queued.
func (d *Desk) answer(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, kind, tmpl string, data templates.Data, oc *Outcome) (bool, error) {
	return d.answerTo(tx, t, msg, msg.From.Addr, msg.From.Name, kind, tmpl, t.Language, data, oc, nil)
}

// answerTo queues a reply to msg addressed to to, rate-limited per
// recipient and per ticket (an agent's command errors by their own limit,
// the rest by the customers' automatic replies' one); mod may adjust the
// row before it is queued.
func (d *Desk) answerTo(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, to, toName, kind, tmpl, lang string, data templates.Data, oc *Outcome, mod func(*tickets.Outgoing)) (bool, error) {
	to = strings.ToLower(to)
	if !usableAddress(to) || msg.Auto.IsAutomatic() {
		return false, nil
	}
	limit := d.limit.autoReply
	if kind == mailCommandError {
		limit = d.limit.commandErrors
	}
	if why, err := d.holdBack(tx, t, oc, limit, kind, to, to); err != nil || why != "" {
		return false, err
	}
	m, err := d.tmpl.Render(tmpl, lang, data)
	if err != nil {
		return false, fmt.Errorf("desk: rendering %s: %w", tmpl, err)
	}
	box := d.boxOf(t)
	out := &tickets.Outgoing{
		TicketID: t.ID, TicketRef: t.Ref, Kind: kind, From: box.From, ToName: toName, To: to, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, MessageID: d.newMessageID(box, t.Ref), AutoSubmitted: "auto-replied",
	}
	if msg.MessageID != "" {
		out.InReplyTo = msg.MessageID
		refs := append(slices.Clone(msg.References), msg.MessageID)
		if len(refs) > 10 { // keep the thread root and the recent ones
			refs = append(refs[:1], refs[len(refs)-9:]...)
		}
		out.References = refs
	}
	if mod != nil {
		mod(out)
	}
	if err := tx.QueueMail(out); err != nil {
		return false, err
	}
	e := &tickets.Entry{Kind: tickets.KindAutomatic, Direction: tickets.DirOut, From: box.Address, To: to,
		Subject: out.Subject, Text: out.Text, MessageID: out.MessageID, OutgoingID: out.ID}
	if err := tx.AddEntry(t, e, "system"); err != nil {
		return false, err
	}
	oc.Sent = append(oc.Sent, kind)
	return true, nil
}

func joinAddrs(list []mime.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = a.Addr
	}
	return strings.Join(s, ", ")
}
