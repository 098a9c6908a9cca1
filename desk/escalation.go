package desk

import (
	"fmt"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// Tier is one level of agents (config: [[escalation.tiers]]). Tickets the
// responder does not close go to the first tier as a mail thread, and on
// to the next when nobody answers in time or an SLA target is breached.
type Tier struct {
	Name          string
	Notify        []string      // addresses that get the thread
	Agents        []string      // addresses allowed to act, each with a valid reply token
	EscalateAfter time.Duration // no agent answer within it: next tier; 0 = never by time
}

// Kinds of outgoing mail. Each flow that a robot could keep going counts
// against a limit of its own (mailLimits in robots.go).
const (
	mailAck            = "ack"
	mailAutoAnswer     = "auto_answer"
	mailReopened       = "reopened"
	mailNewAfterClosed = "new_after_closed"
	mailNotice         = "notice"
	mailReminder       = "reminder"
	mailBreach         = "breach"
	mailRelay          = "relay"
	mailResolution     = "resolution"
	mailForward        = "forward"
	mailCopy           = "copy"
	mailCommandError   = "command_error"
	mailBounceNotice   = "bounce_notice"
)

// tiersOn reports whether agents work tickets by mail here.
func (d *Desk) tiersOn() bool { return len(d.opts.Tiers) > 0 }

// tier returns the tier at index i, clamped to the ones configured.
func (d *Desk) tier(i int) (Tier, int) {
	i = max(0, min(i, len(d.opts.Tiers)-1))
	return d.opts.Tiers[i], i
}

// escalate hands t to people: status escalated, and with tiers configured
// a notice to the ticket's tier carrying the customer's words (msg, or the
// last customer entry when nil) and the story so far. Every path that
// brings in a person goes through here, so no escalated ticket is left
// unnoticed. why is rendered in the notice's language; the audit trail
// and the outcome keep it in English (record).
func (d *Desk) escalate(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, actor string, why templates.Reason, oc *Outcome) error {
	rec := d.record(why)
	if oc != nil {
		oc.Reason = joinReason(oc.Reason, rec)
	}
	if t.Status != tickets.StatusEscalated {
		if err := tx.SetStatus(t, tickets.StatusEscalated, actor, rec); err != nil {
			return err
		}
	}
	if !d.tiersOn() {
		return nil
	}
	if t.TierSince.IsZero() {
		// The ticket reaches its first tier now: escalate_after counts from here.
		if err := tx.SetTier(t, t.Tier, actor, rec); err != nil {
			return err
		}
	}
	n, err := d.sendNotice(tx, t, msg, why)
	if oc != nil && n > 0 {
		oc.Sent = append(oc.Sent, mailNotice)
	}
	return err
}

// record is why in English, for the audit trail, the outcome and the
// log, with the detail that only the record keeps.
func (d *Desk) record(why templates.Reason) string {
	s, err := d.tmpl.Reason("en", why)
	if err != nil {
		// The set rendered every code when it was loaded; keep the code.
		d.log.Error("rendering a reason for the record", "code", why.Code, "err", err)
		s = why.Code
	}
	if why.Detail != "" {
		s += ": " + why.Detail
	}
	return s
}

// sendNotice queues the notice of t to its tier: why it comes, and the
// story so far (handoff.go).
func (d *Desk) sendNotice(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, why templates.Reason) (int, error) {
	data, atts, err := d.ticketData(tx, t, msg)
	if err != nil {
		return 0, err
	}
	data.Reason = why
	if data.Timeline, data.TimelineLeftOut, err = d.timeline(tx, t, why.Words); err != nil {
		return 0, err
	}
	if data.Suggestions, err = notTurnedDown(tx, t, data.Suggestions); err != nil {
		return 0, err
	}
	return d.notifyTier(tx, t, t.Tier, mailNotice, data, atts, "")
}

// notifyTier queues one mail of kind to each notify address of tier
// (skipping skip), in desk.language, from the address of the ticket's
// mailbox with a Reply-To that proves a reply came from someone who got
// this mail.
func (d *Desk) notifyTier(tx *tickets.Tx, t *tickets.Ticket, tier int, kind string, data templates.Data, atts []tickets.Attachment, skip string) (int, error) {
	tr, tier := d.tier(tier)
	data.Tier = tr.Name
	box := d.boxOf(t)
	token := replyToken{Ticket: t.ID, Tier: tier, Role: tokenAgent}.sign(d.opts.Secret)
	data.ReplyAddress = plusAddress(box.Address, token)
	m, err := d.tmpl.Render(kind, d.opts.Language, data)
	if err != nil {
		return 0, fmt.Errorf("desk: rendering %s: %w", kind, err)
	}
	// Every mail of one ticket to one tier refers to the same (never sent)
	// root Message-ID, so mail clients keep the thread together and a
	// reply carries the token in References even when it drops Reply-To.
	root := d.tokenMessageID(box, token, "root")
	n := 0
	for _, to := range tr.Notify {
		if strings.EqualFold(to, skip) {
			continue
		}
		out := &tickets.Outgoing{
			TicketID: t.ID, TicketRef: t.Ref, Kind: kind, From: box.From, To: strings.ToLower(to), Subject: m.Subject,
			Text: m.Text, HTML: m.HTML, MessageID: d.tokenMessageID(box, token, ""), InReplyTo: root, References: []string{root},
			ReplyTo: data.ReplyAddress, AutoSubmitted: "auto-generated", Attachments: atts,
		}
		if err := tx.QueueMail(out); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// tokenMessageID is a Message-ID of the mailbox b carrying token: random
// unless fixed is given (the thread root).
func (d *Desk) tokenMessageID(b *Mailbox, token, fixed string) string {
	if fixed == "" {
		fixed = randomPart()
	}
	return "madoguchi." + tokenIDTag + token + "." + fixed + "@" + b.MessageIDDomain
}

// ticketData fills the template data every mail about t shares, and the
// customer's words and attachments (from msg, else the ticket's last
// customer entry), the attachments capped at AttachMaxBytes in all.
func (d *Desk) ticketData(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message) (templates.Data, []tickets.Attachment, error) {
	box := d.boxOf(t)
	data := templates.Data{
		Ticket: t.Ref, Subject: t.Subject, SupportAddress: box.Address, Mailbox: box.Name,
		Priority: t.Priority, Status: string(t.Status), Type: typeName(t.Type),
		Requester:  strings.TrimSpace(t.RequesterName + " <" + t.Requester + ">"),
		RespondDue: d.when(t.RespondDueAt), ResolveDue: d.when(t.ResolveDueAt),
	}
	if t.Requester == "" {
		data.Requester, data.NoAddress = t.RequesterName, true
	}
	var atts []tickets.Attachment
	if msg != nil {
		data.Text = mime.StripQuoted(msg.Text)
		for _, a := range msg.Attachments {
			atts = append(atts, tickets.Attachment{Filename: a.Filename, ContentType: a.ContentType, ContentID: a.ContentID, Inline: a.Inline, Size: int64(len(a.Data)), Data: a.Data})
		}
	} else {
		entries, err := tx.Entries(t.ID)
		if err != nil {
			return data, nil, err
		}
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if e.Direction == tickets.DirIn && e.Kind == tickets.KindCustomer {
				data.Text = e.Text
				for _, a := range e.Attachments {
					b, err := tx.Blob(a.SHA256)
					if err != nil {
						return data, nil, err
					}
					a.Data = b
					atts = append(atts, a)
				}
				break
			}
		}
	}
	atts, data.Attachments = d.capAttachments(atts)
	sugg, err := tx.Suggestions(t.ID)
	if err != nil {
		return data, nil, err
	}
	for _, s := range sugg {
		si := templates.SuggestionInfo{Key: s.Key, Confidence: fmt.Sprintf("%.2f", s.Confidence)}
		f, err := tx.FAQ(s.Key)
		if err == nil && f.Status != tickets.FAQPublished {
			continue // drafted or retired since: not an answer to offer
		}
		if err == nil {
			si.Question = f.Question
		}
		data.Suggestions = append(data.Suggestions, si)
	}
	return data, atts, nil
}

// capAttachments keeps attachments in order while their total stays within
// AttachMaxBytes; the rest are only named (with their size) in the mail.
func (d *Desk) capAttachments(all []tickets.Attachment) ([]tickets.Attachment, []templates.AttachmentInfo) {
	var kept []tickets.Attachment
	var info []templates.AttachmentInfo
	var total int64
	for _, a := range all {
		size := int64(len(a.Data))
		ok := total+size <= d.opts.AttachMaxBytes
		if ok {
			total += size
			kept = append(kept, a)
		}
		info = append(info, templates.AttachmentInfo{Name: a.Filename, Size: templates.FormatSize(size), Attached: ok})
	}
	return kept, info
}

// when formats an instant for agents: in the business-hours time zone
// when one is configured, else UTC.
func (d *Desk) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := time.UTC
	if d.opts.Location != nil {
		loc = d.opts.Location
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func typeName(typ string) string {
	if typ == tickets.ServiceRequest {
		return "request"
	}
	return typ
}

// isAgentAddress reports whether addr is on any tier's agents list, and
// on which tiers.
func (d *Desk) agentTiers(addr string) []int {
	var out []int
	for i, tr := range d.opts.Tiers {
		if listed, _ := onAgentsList(addr, tr.Agents); listed {
			out = append(out, i)
		}
	}
	return out
}
