package desk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// Robots (invariant 4). An autoresponder sets no automatic header as often
// as not, and two of them answering each other through the desk — a
// customer's and an agent's, or two help desks acknowledging each other —
// never stop by themselves. Two defences hold:
//
//   - signs that a mail is a robot's, read from its first one: an agent's
//     reply that looks automatic is kept on the ticket and does nothing,
//     and a new mail that looks like another desk's acknowledgement opens
//     its ticket unanswered;
//   - limits on every flow of mail an unrecognised robot could keep going,
//     counted in the outbox over desk.auto_reply_window, so that a loop
//     dies when its budget is spent and mail that is held back is kept on
//     the ticket with the reason.
//
// Mail that starts no loop is not limited: notices, reminders and breaches
// go once per ticket and event, bounce notices once per bounce.

// mailLimit bounds one flow of mail: at most recipient mails of its kinds
// to one address, and ticket mails of its kinds on one ticket, within the
// window. unlimited leaves a count out.
type mailLimit struct {
	what      string   // the flow, as the reason names it
	kinds     []string // the outgoing kinds counted and held
	recipient int
	ticket    int
}

const unlimited = -1

// Defaults of the limits (Options, desk.* in the config).
const (
	defaultRelayLimit       = 10
	defaultTierMailLimit    = 20
	defaultAgentErrorLimit  = 5
	defaultRobotReplyWithin = 30 * time.Second
)

// mailLimits are the desk's limits, one per flow.
type mailLimits struct {
	// autoReply: what the desk sends in answer to a customer's mail.
	autoReply mailLimit
	// commandErrors: the error mails of refused agent replies, per agent;
	// an agent's mistakes do not use up a customer's automatic replies.
	commandErrors mailLimit
	// relays: agents' replies relayed to a customer. Resolutions are not
	// held: a robot writes no #resolve, and a customer must hear of one.
	relays mailLimit
	// tierMail: customers' replies forwarded to the tier and the copies of
	// agents' actions; counted per ticket, as a tier's address gets every
	// ticket's mail.
	tierMail mailLimit
}

func newMailLimits(o Options) mailLimits {
	return mailLimits{
		autoReply:     mailLimit{what: "automatic replies", kinds: []string{mailAck, mailAutoAnswer, mailReopened, mailNewAfterClosed}, recipient: o.AutoReplySenderLimit, ticket: o.AutoReplyTicketLimit},
		commandErrors: mailLimit{what: "command error mails", kinds: []string{mailCommandError}, recipient: o.AgentErrorLimit, ticket: unlimited},
		relays:        mailLimit{what: "relayed replies", kinds: []string{mailRelay}, recipient: o.RelayLimit, ticket: o.RelayLimit},
		tierMail:      mailLimit{what: "forwards and copies to the tier", kinds: []string{mailForward, mailCopy}, recipient: unlimited, ticket: o.TierMailLimit},
	}
}

// holdBack applies l to a mail of kind to the address to on t (to ""
// counts the ticket only). Over the limit, it records on t that the mail
// was held back, for whom (an address or a tier) and why — an event for
// `tickets show`, the reason for the inbound record — and returns why;
// "" when the mail may go.
func (d *Desk) holdBack(tx *tickets.Tx, t *tickets.Ticket, oc *Outcome, l mailLimit, kind, to, whom string) (string, error) {
	since := tx.Now().Add(-d.opts.AutoReplyWindow)
	why := ""
	if l.recipient != unlimited && to != "" {
		n, err := tx.CountQueuedTo(to, l.kinds, since, l.recipient)
		if err != nil {
			return "", err
		}
		if n >= l.recipient {
			why = fmt.Sprintf("%d %s to %s within %s", n, l.what, to, d.opts.AutoReplyWindow)
		}
	}
	if why == "" && l.ticket != unlimited {
		n, err := tx.CountQueuedOnTicket(t.ID, l.kinds, since, l.ticket)
		if err != nil {
			return "", err
		}
		if n >= l.ticket {
			why = fmt.Sprintf("%d %s on %s within %s", n, l.what, t.Ref, d.opts.AutoReplyWindow)
		}
	}
	if why == "" {
		return "", nil
	}
	oc.Reason = joinReason(oc.Reason, fmt.Sprintf("%s to %s held back: %s", kind, whom, why))
	return why, tx.Event(t.ID, "", "mail_held", "system", map[string]any{"kind": kind, "to": whom, "why": why})
}

// agentRobot says why a proven agent's reply reads as an autoresponder's,
// "" when it reads as a person's. A robot writes no commands, so beyond
// automatic headers only a reply without commands is weighed: a person's
// commands act however fast or however often they come.
func (d *Desk) agentRobot(tx *tickets.Tx, t *tickets.Ticket, a *agentAction) (string, error) {
	if a.msg.Auto.IsAutomatic() {
		return "automatic mail: " + a.msg.Auto.Reason, nil
	}
	r := a.reply
	if len(r.Commands) > 0 || len(r.Errors) > 0 {
		return "", nil
	}
	if phrase, ok := mime.AbsenceNotice(r.Body); ok {
		return fmt.Sprintf("out-of-office wording %q", phrase), nil
	}
	if r.Body != "" {
		said, err := tx.AgentSaid(t.ID, a.agent, r.Body, tx.Now().Add(-d.opts.AutoReplyWindow))
		if err != nil {
			return "", err
		}
		if said {
			return fmt.Sprintf("the same text as an earlier reply of %s on %s within %s", a.agent, t.Ref, d.opts.AutoReplyWindow), nil
		}
	}
	if len(a.msg.InReplyTo) > 0 {
		out, err := tx.OutgoingByMessageID(a.msg.InReplyTo[0])
		if err != nil && !errors.Is(err, tickets.ErrNotFound) {
			return "", err
		}
		if err == nil && d.atOnce(a.msg.Date, out.SentAt) {
			return fmt.Sprintf("dated %s after our mail it answers was sent", a.msg.Date.Sub(out.SentAt).Round(time.Second)), nil
		}
	}
	return "", nil
}

// atOnce reports whether a mail dated date came within RobotReplyWithin
// after our mail sent at sent: a person reads before answering, a robot
// does not. A Date counts whole seconds, so a mail dated in the second
// ours left or the next, or before, proves nothing: clocks differ, and
// replays and tests date mail at the instant they send it.
func (d *Desk) atOnce(date, sent time.Time) bool {
	if d.opts.RobotReplyWithin <= 0 || date.IsZero() || sent.IsZero() {
		return false
	}
	after := date.Sub(sent.Truncate(time.Second))
	return after >= minRobotDelay && after <= d.opts.RobotReplyWithin
}

// minRobotDelay is the shortest delay atOnce takes for a robot's.
const minRobotDelay = 2 * time.Second

// heldAgentReply keeps an agent's reply that reads as a robot's on the
// ticket, an automatic entry with an event saying why, and does nothing
// else: nothing relayed, no first response, no status change, and no copy
// to the tier, whose copy the robot would answer again.
func (d *Desk) heldAgentReply(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, why string) (Outcome, error) {
	msg := a.msg
	e := &tickets.Entry{Kind: tickets.KindAutomatic, Direction: tickets.DirIn, From: a.agent, Role: tickets.RoleAgent,
		To: joinAddrs(msg.To), Cc: joinAddrs(msg.Cc), Subject: msg.Subject, Text: a.reply.Body, MessageID: msg.MessageID,
		InboundID: a.in.ID, Attachments: a.attachments}
	if err := tx.AddEntry(t, e, a.agent); err != nil {
		return Outcome{}, err
	}
	if err := tx.Event(t.ID, "", "agent_reply_held", a.agent, map[string]any{"why": why, "message_id": msg.MessageID}); err != nil {
		return Outcome{}, err
	}
	a.in.TicketID = t.ID
	return Outcome{Disposition: tickets.DispAutomatic, Ticket: t.Ref, Status: t.Status,
		Reason: fmt.Sprintf("agent %s's reply looks automatic (%s): kept on %s, nothing relayed or changed", a.agent, why, t.Ref)}, nil
}

// robotNewMail says why a mail that opens a ticket reads as a robot's
// answer to mail of ours, "" when it reads as a person's. Acknowledging it
// would start a loop: two desks, each the other's customer, acknowledge
// each other's acknowledgements for ever. A mail that threads to a closed
// ticket of its sender's is that person's follow-up (closed != nil): it
// may quote our subjects as it likes, and the robot of another desk that
// answers its acknowledgement threads to the new ticket.
func (d *Desk) robotNewMail(tx *tickets.Tx, msg *mime.Message, closed *tickets.Ticket) (string, error) {
	if closed != nil {
		return "", nil
	}
	// The mail answered is In-Reply-To or the last of References; a long
	// list costs no more than maxAnswered lookups.
	ids := slices.Clone(msg.InReplyTo)
	ids = append(ids, msg.References[max(0, len(msg.References)-maxAnswered):]...)
	for _, id := range ids {
		ours, err := d.isOurMessageID(tx, id)
		if err != nil {
			return "", err
		}
		if ours {
			return "it answers our mail <" + id + ">, which belongs to no ticket of its sender", nil
		}
	}
	if words, ok := mime.AcknowledgementSubject(msg.Subject, d.tmpl.Labels()...); ok {
		return fmt.Sprintf("its subject reads as an acknowledgement (%q)", words), nil
	}
	from := strings.ToLower(msg.From.Addr)
	sent, err := tx.LastSentTo(from, tx.Now().Add(-d.opts.AutoReplyWindow))
	if err != nil {
		return "", err
	}
	if d.atOnce(msg.Date, sent) {
		return fmt.Sprintf("dated %s after our last mail to %s was sent", msg.Date.Sub(sent).Round(time.Second), from), nil
	}
	return "", nil
}

// maxAnswered bounds the References read for a Message-ID of ours.
const maxAnswered = 10

// isOurMessageID reports whether id is one of our outgoing mails or has
// their form.
func (d *Desk) isOurMessageID(tx *tickets.Tx, id string) (bool, error) {
	if d.looksLikeOurMessageID(id) {
		return true, nil
	}
	_, err := tx.OutgoingByMessageID(id)
	if errors.Is(err, tickets.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
