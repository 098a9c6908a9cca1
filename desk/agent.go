package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// agentClaim is what the tokens and the From of a mail say about an agent.
type agentClaim struct {
	// proven: a valid agent token for the ticket, a From that is exactly
	// one mailbox on that tier's agents list, and with a trusted
	// authserv-id its dmarc=pass for the From's domain.
	proven bool
	// moved: proven, but for a tier the ticket has left
	// (escalation.previous_tiers_may_act off): nothing is done and the
	// agent is told where the ticket went.
	moved bool
	// forged: the mail claims agent rights it does not prove; why says how.
	forged bool
	why    string
	tier   int
	ticket *tickets.Ticket // the token's ticket, when the mail threads to none
	// note says what of the mail's addresses counted for nothing (a plus
	// address that is no token, an agent's From without one), for the
	// record of a mail that goes on as a customer's.
	note string
}

// claimAgent reads a mail's reply tokens (in its recipients' plus
// addresses and its referenced Message-IDs) and its From against the
// agents lists (invariant 5). t is the ticket the mail threads to, nil
// when none. A From on an agents list alone grants nothing, nor a ticket
// number: without an agent token that verifies, the mail is a customer's
// like any other (an agent reporting her own problem opens a ticket; on
// someone else's ticket she is a stranger). A claimed agent token that
// does not prove the agent, for this ticket and its current tier, is a
// forgery.
func (d *Desk) claimAgent(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message) (agentClaim, error) {
	if !d.tiersOn() {
		return agentClaim{}, nil
	}
	agentTok, c, err := d.agentToken(tx, t, msg)
	if err != nil {
		return agentClaim{}, err
	}
	if c.forged {
		return c, nil
	}
	from := msg.From.Addr
	if agentTok == nil {
		if msg.FromProblem != "" {
			c.note = joinReason(c.note, msg.FromProblem+": never an agent's mail")
		}
		if len(d.agentTiers(from)) > 0 {
			c.note = joinReason(c.note, "From "+strings.ToLower(from)+" is on an agents list, but the mail carries no valid reply token: no agent rights, read as a customer's mail")
		}
		return c, nil
	}
	c.tier = agentTok.Tier
	if msg.FromProblem != "" {
		return agentClaim{forged: true, why: msg.FromProblem + ": a mail that is not from exactly one mailbox is never an agent's"}, nil
	}
	if agentTok.Tier >= len(d.opts.Tiers) {
		return agentClaim{forged: true, why: fmt.Sprintf("reply token names tier %d, which is not configured", agentTok.Tier)}, nil
	}
	tr := d.opts.Tiers[agentTok.Tier]
	if listed, look := onAgentsList(from, tr.Agents); !listed {
		if look != "" {
			return agentClaim{forged: true, why: fmt.Sprintf("From %+q imitates the agent address %s of tier %s (non-ASCII lookalike characters)", from, look, tr.Name)}, nil
		}
		return agentClaim{forged: true, why: fmt.Sprintf("From %s is not on the agents list of tier %s", strings.ToLower(from), tr.Name)}, nil
	}
	if id := d.opts.TrustedAuthservID; id != "" {
		if why := dmarcProblem(msg.AuthResults, id, from); why != "" {
			return agentClaim{forged: true, why: why}, nil
		}
	}
	tk := t
	if tk == nil {
		var err error
		tk, err = tx.TicketByID(agentTok.Ticket)
		if errors.Is(err, tickets.ErrNotFound) {
			return agentClaim{forged: true, why: "reply token names no ticket"}, nil
		}
		if err == nil {
			tk, err = survivor(tx, tk) // a merged ticket's agents act on the one it became
		}
		if err != nil {
			return agentClaim{}, err
		}
		c.ticket = tk
	}
	if agentTok.Tier != tk.Tier && !d.opts.PreviousTiersMayAct {
		c.moved = true
		return c, nil
	}
	c.proven = true
	return c, nil
}

// agentToken finds the one agent token of a mail among its tokens. A
// plus address that is no token at all (support+billing@) is the support
// address and noted as such; a customer's token grants nothing here (it
// threads, in thread) and one that no longer verifies is ignored. An
// agent token that does not verify, is for another ticket, or disagrees
// with another makes the claim forged.
//
// A token holds only where it was minted: in a plus address of its
// ticket's mailbox, or a Message-ID of that mailbox's domain. An agent
// token that comes to another mailbox's address is a forgery too.
func (d *Desk) agentToken(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message) (*replyToken, agentClaim, error) {
	var c agentClaim
	var tokens []string
	came := map[string]tokenPlace{} // where each token came
	for _, a := range append(slices.Clone(msg.To), msg.Cc...) {
		if box, tok, _ := d.boxOfAddress(a.Addr); tok != "" && !slices.Contains(tokens, tok) {
			tokens, came[tok] = append(tokens, tok), tokenPlace{box: box, addr: strings.ToLower(a.Addr)}
		}
	}
	for _, id := range append(slices.Clone(msg.InReplyTo), msg.References...) {
		if tok, domain := d.tokenOfMessageID(id); tok != "" && !slices.Contains(tokens, tok) {
			tokens, came[tok] = append(tokens, tok), tokenPlace{domain: domain}
		}
	}
	keys := d.tokenKeys(tx.Now())
	var agentTok *replyToken
	for _, s := range tokens {
		tok, err := verifyToken(s, keys)
		switch {
		case errors.Is(err, errTokenMalformed):
			if p := came[s]; p.box != nil {
				c.note = joinReason(c.note, plusAddress(p.box.Address, truncate(s, 64))+" is no reply address of ours: read as the support address")
			}
			continue
		case tok.Role != tokenAgent:
			continue // a customer's token threads (or, stale, not even that); it grants nothing
		case err != nil:
			return nil, agentClaim{forged: true, why: err.Error()}, nil
		case t != nil && tok.Ticket != t.ID:
			// A ticket merged into t goes on as t: its agents' tokens act there.
			merged, err := tx.TicketByID(tok.Ticket)
			if err != nil && !errors.Is(err, tickets.ErrNotFound) {
				return nil, agentClaim{}, err
			}
			if err != nil || merged.MergedIntoID != t.ID {
				return nil, agentClaim{forged: true, why: fmt.Sprintf("reply token is for another ticket than %s", t.Ref)}, nil
			}
		case agentTok != nil && *agentTok != tok:
			return nil, agentClaim{forged: true, why: "reply tokens disagree"}, nil
		}
		if why, err := d.tokenOutOfPlace(tx, t, tok, came[s]); err != nil || why != "" {
			return nil, agentClaim{forged: why != "", why: why}, err
		}
		agentTok = &tok
	}
	return agentTok, c, nil
}

// tokenPlace is where a token came: a plus address of box, or a
// Message-ID of ours at domain.
type tokenPlace struct {
	box    *Mailbox
	addr   string
	domain string
}

// tokenOutOfPlace says why tok may not act where it came (p): its ticket
// (t, when it is the token's) belongs to another mailbox than the one
// whose address or Message-ID domain carried it. "" when it is in place,
// or names no ticket (claimAgent refuses that).
func (d *Desk) tokenOutOfPlace(tx *tickets.Tx, t *tickets.Ticket, tok replyToken, p tokenPlace) (string, error) {
	own := t
	if own == nil || own.ID != tok.Ticket {
		var err error
		if own, err = tx.TicketByID(tok.Ticket); errors.Is(err, tickets.ErrNotFound) {
			return "", nil
		} else if err != nil {
			return "", err
		}
	}
	box := d.boxOf(own)
	switch {
	case p.box != nil && p.box != box:
		return fmt.Sprintf("reply token of %s came to %s, an address of mailbox %s; %s is mailbox %s's (%s)", own.Ref, p.addr, p.box.Name, own.Ref, box.Name, box.Address), nil
	case p.box == nil && !strings.EqualFold(p.domain, box.MessageIDDomain):
		return fmt.Sprintf("reply token of %s came in a Message-ID of %s; %s is mailbox %s's (%s)", own.Ref, p.domain, own.Ref, box.Name, box.MessageIDDomain), nil
	}
	return "", nil
}

// forgedAgent records a mail that claims agent rights it does not prove.
// It acts on nothing and its sender is sent nothing.
func (d *Desk) forgedAgent(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket, why string) (Outcome, error) {
	var opened notes
	if t == nil {
		// Nothing to record it on that the mail could prove; it opens a
		// ticket of its own, with nothing sent (a forger is no customer to
		// acknowledge).
		nt, err := d.createTicket(tx, d.boxForNew(in, msg), msg, 0)
		if err != nil {
			return Outcome{}, err
		}
		t = nt
		opened.opened(t)
	}
	if err := d.addInboundEntry(tx, t, in, msg, tickets.KindThirdParty, tickets.RoleStranger); err != nil {
		return Outcome{}, err
	}
	if err := tx.Event(t.ID, "", "forged_agent_reply", strings.ToLower(msg.From.Addr), map[string]any{"why": why, "message_id": msg.MessageID}); err != nil {
		return Outcome{}, err
	}
	in.TicketID = t.ID
	return Outcome{Disposition: tickets.DispAppended, Ticket: t.Ref, Status: t.Status,
		Reason: "forged agent reply refused: " + why + ": recorded, nothing relayed", notes: opened}, nil
}

// agentReply acts on a proven agent's reply: its commands, then its text
// relayed to the customer (or kept internal with #note), a copy to the
// rest of the tier. A reply with a bad command does nothing but answer
// the agent with the error.
func (d *Desk) agentReply(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, t *tickets.Ticket, tier int, changed *faqChanges) (Outcome, error) {
	agent := strings.ToLower(msg.From.Addr)
	ours, err := d.ourMails(tx, t)
	if err != nil {
		return Outcome{}, err
	}
	text, cut := agentWords(ours, msg.Text, signatureLine(msg.HTML))
	r := parseAgentReply(text)
	act := agentAction{agent: agent, tier: tier, reply: r, msg: msg, in: in, attachments: agentAttachments(ours, msg, r.Body)}
	if why, err := d.agentRobot(tx, t, &act); err != nil {
		return Outcome{}, err
	} else if why != "" {
		return d.heldAgentReply(tx, t, &act, why)
	}
	var oc Outcome
	if cut {
		oc.Reason = "text of our mails cut from the reply"
	}
	err = tx.Try(func() error {
		aoc, err := d.act(tx, t, &act, changed)
		aoc.Reason = joinReason(oc.Reason, aoc.Reason)
		oc = aoc
		return err
	})
	if err != nil {
		// What the action wrote is undone; the reply is recorded as refused
		// and the agent told, rather than the whole batch of mail failing
		// again and again on it. A store that cannot be written fails here
		// too, and the batch is retried as it must be.
		d.log.Error("agent action failed and was undone", "ticket", t.Ref, "agent", agent, "err", err)
		fresh, ferr := tx.TicketByID(t.ID)
		if ferr != nil {
			return Outcome{}, errors.Join(err, ferr)
		}
		act.reply.Errors = append(act.reply.Errors, problemf("the action failed and was undone (%v); nothing was sent", "処理に失敗したため取り消しました（%v）。お客様には何も送信していません", err))
		oc = Outcome{Ticket: fresh.Ref}
		if rerr := d.refuseAction(tx, fresh, &act, &oc); rerr != nil {
			return Outcome{}, errors.Join(err, rerr)
		}
		oc.Status = fresh.Status
	}
	in.TicketID = t.ID
	oc.Disposition = tickets.DispAppended
	return oc, nil
}

// agentAction is one agent's action on a ticket, by mail or from the
// terminal: who, what commands, what text, which attachments.
type agentAction struct {
	agent       string // address, or the terminal user's --actor
	tier        int    // the tier the agent acts for; -1 from the terminal
	reply       agentReply
	msg         *mime.Message    // the agent's mail; nil from the terminal
	in          *tickets.Inbound // its inbound record; nil from the terminal
	attachments []tickets.Attachment
}

// act applies an agent's action to t. Checks come first: nothing is done
// unless everything can be done.
func (d *Desk) act(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, changed *faqChanges) (Outcome, error) {
	oc := Outcome{Ticket: t.Ref}
	current := t.Tier // the tier that hears of the action, whoever acted
	r := &a.reply
	r.Errors = append(r.Errors, d.checkAction(tx, t, a)...)
	if len(r.Errors) > 0 {
		if err := d.refuseAction(tx, t, a, &oc); err != nil {
			return oc, err
		}
		oc.Status = t.Status
		return oc, nil
	}
	// #note's text is for the tier, #escalate's for the next one (why it
	// comes, in the agent's words): neither goes to the customer.
	internal := r.internal()
	kind := tickets.KindAgent
	if internal || r.Body == "" && len(a.attachments) == 0 {
		kind = tickets.KindInternalNote
	}
	e := &tickets.Entry{Kind: kind, Direction: tickets.DirIn, From: a.agent, Role: tickets.RoleAgent, Text: r.Body, Attachments: a.attachments}
	if a.msg != nil {
		e.To, e.Cc, e.Subject, e.MessageID, e.InboundID = joinAddrs(a.msg.To), joinAddrs(a.msg.Cc), a.msg.Subject, a.msg.MessageID, a.in.ID
	}
	if err := tx.AddEntry(t, e, a.agent); err != nil {
		return oc, err
	}
	// What was done, by code: the tier's copy says it in its language,
	// the outcome in English.
	var applied []templates.Reason
	note := func(code string, x templates.Reason) { x.Code = code; applied = append(applied, x) }
	if r.has("take") {
		if err := tx.SetAssignee(t, a.agent, a.agent); err != nil {
			return oc, err
		}
		note(templates.ActionTake, templates.Reason{Agent: a.agent})
	}
	if x := r.arg("assign"); x != "" {
		if err := tx.SetAssignee(t, x, a.agent); err != nil {
			return oc, err
		}
		note(templates.ActionAssign, templates.Reason{Agent: x})
	}
	if p := r.arg("priority"); p != "" && p != t.Priority {
		if err := tx.SetPriority(t, p, d.opts.SLA, a.agent); err != nil {
			return oc, err
		}
		note(templates.ActionPriority, templates.Reason{Priority: p})
	}
	if x := r.arg("type"); x != "" && x != t.Type {
		if err := tx.SetType(t, x, a.agent); err != nil {
			return oc, err
		}
		note(templates.ActionType, templates.Reason{Type: typeName(x)})
	}
	// Participants first: the mail this reply sends already goes (or no
	// longer goes) to them.
	if x := r.arg("cc"); x != "" {
		added, err := tx.CCParticipant(t, x, a.agent)
		if err != nil {
			return oc, err
		}
		if added {
			note(templates.ActionCc, templates.Reason{From: x})
		} else {
			note(templates.ActionCcAlready, templates.Reason{From: x})
		}
	}
	if x := r.arg("uncc"); x != "" {
		if _, err := tx.DropParticipant(t, x, a.agent); err != nil {
			return oc, err
		}
		note(templates.ActionUncc, templates.Reason{From: x})
	}
	// What the customer is sent: the FAQ entry of #answer, the agent's
	// words, or both; in a resolution mail when the ticket is resolved.
	body := r.Body
	if internal {
		body = ""
	}
	if err := d.actLink(tx, t, a, note); err != nil {
		return oc, err
	}
	if err := d.actMajor(tx, t, a, note); err != nil {
		return oc, err
	}
	var faqEntry *tickets.FAQ
	if key := r.arg("answer"); key != "" {
		f, err := tx.FAQ(key)
		if err != nil {
			return oc, err
		}
		faqEntry = f
		if err := d.confirmAnswer(tx, t, key, a.agent, changed); err != nil {
			return oc, err
		}
		note(templates.ActionAnswer, templates.Reason{Key: key})
	}
	resolving := r.has("resolve") || r.has("faq")
	customerMail := body != "" || faqEntry != nil || len(a.attachments) > 0 && !internal
	switch {
	case resolving:
		if err := d.resolve(tx, t, a.agent, body, faqEntry, a.attachments, &oc); err != nil {
			return oc, err
		}
		note(templates.ActionResolve, templates.Reason{})
		if err := d.tellReporters(tx, t, a.agent, body, faqEntry, a.attachments, &oc, note); err != nil {
			return oc, err
		}
		if r.has("faq") {
			answer := responder.CleanLearned(body)
			if answer == "" && faqEntry != nil {
				answer = faqEntry.Answer
			}
			f, err := d.promoteTx(tx, t, faqKeyOf(t), answer, a.agent)
			if err != nil {
				return oc, err
			}
			changed.add(f.Key)
			note(templates.ActionFAQDraft, templates.Reason{Key: f.Key})
		}
	case r.has("merge"):
		// The text goes to the merged ticket's customer with the news.
		if err := d.merge(tx, t, a, body, &oc, note); err != nil {
			return oc, err
		}
		customerMail = false
	case customerMail:
		why, err := d.relay(tx, t, a.agent, body, faqEntry, a.attachments, &oc)
		if err != nil {
			return oc, err
		}
		if why != "" {
			// The tier's copy says so instead of showing a text nobody got.
			note(templates.ActionNotRelayed, templates.Reason{Detail: why})
			body, customerMail = "", false
		}
	}
	if customerMail || resolving {
		if err := tx.MarkFirstResponse(t, a.agent); err != nil {
			return oc, err
		}
	}
	switch {
	case r.has("close"):
		if t.Status != tickets.StatusResolved {
			if err := tx.SetStatus(t, tickets.StatusResolved, a.agent, "#close"); err != nil {
				return oc, err
			}
		}
		if err := tx.SetStatus(t, tickets.StatusClosed, a.agent, "#close"); err != nil {
			return oc, err
		}
		if _, err := tx.EndMajor(t, a.agent, "closed"); err != nil {
			return oc, err
		}
		note(templates.ActionClose, templates.Reason{})
	case r.has("hold"):
		if err := tx.SetStatus(t, tickets.StatusOnHold, a.agent, "#hold"); err != nil {
			return oc, err
		}
		note(templates.ActionHold, templates.Reason{})
	case r.has("escalate"):
		next := t.Tier + 1
		if err := tx.SetTier(t, next, a.agent, "#escalate by "+a.agent); err != nil {
			return oc, err
		}
		why := templates.Reason{Code: templates.ReasonAgentEscalated, Agent: a.agent, Tier: d.opts.Tiers[next].Name, Words: r.Body}
		if err := d.escalate(tx, t, nil, a.agent, why, &oc); err != nil {
			return oc, err
		}
		note(templates.ActionEscalate, templates.Reason{Tier: d.opts.Tiers[next].Name})
	case resolving:
	case customerMail || r.has("take") || r.has("assign"):
		if t.Status != tickets.StatusInProgress && tickets.CanTransition(t.Status, tickets.StatusInProgress) {
			if err := tx.SetStatus(t, tickets.StatusInProgress, a.agent, "an agent answered"); err != nil {
				return oc, err
			}
		}
	}
	if kind == tickets.KindInternalNote && len(applied) == 0 {
		note(templates.ActionNote, templates.Reason{})
	}
	done := make([]string, len(applied))
	for i, x := range applied {
		done[i] = d.record(x)
	}
	oc.Reason = joinReason(oc.Reason, "agent "+a.agent+": "+strings.Join(done, "; "))
	if customerMail && !resolving {
		oc.Reason = joinReason(oc.Reason, "relayed to "+t.Requester)
	}
	if d.tiersOn() {
		tiers := []int{current}
		if resolving || r.has("close") {
			// Whichever tier ends the ticket, the tiers it passed through
			// hear how it ended: L1, who escalated it, too.
			tiers = d.tiersUpTo(current)
		}
		for _, tier := range tiers {
			if err := d.copyToTier(tx, t, tier, a, applied, body, &oc); err != nil {
				return oc, err
			}
		}
	}
	oc.Status = t.Status
	return oc, nil
}

// tiersUpTo lists the tiers a ticket with tier current has been with: it
// moves on one tier at a time, from the first.
func (d *Desk) tiersUpTo(current int) []int {
	var out []int
	for i := 0; i <= min(current, len(d.opts.Tiers)-1); i++ {
		out = append(out, i)
	}
	return out
}

// checkAction lists why an action cannot be done as a whole.
func (d *Desk) checkAction(tx *tickets.Tx, t *tickets.Ticket, a *agentAction) []problem {
	var errs []problem
	add := func(en, ja string, args ...any) { errs = append(errs, problemf(en, ja, args...)) }
	r := a.reply
	if t.Status == tickets.StatusClosed && (len(r.Commands) > 0 || r.Body != "" || len(a.attachments) > 0) {
		// No command reopens a closed ticket: the customer's next mail
		// opens a new one, linked to it.
		add("%s is closed and stays closed: nothing was sent to the customer, text or attachment. No command reopens a closed ticket; "+
			"if the customer must hear more, write to them from your own mail: their reply to the desk opens a new ticket linked to %s",
			"%s はクローズ済みのため、お客様には本文も添付ファイルも送信していません。クローズ済みのチケットを再開するコマンドはありません。"+
				"お客様へのご連絡が必要な場合はご自身のメールから直接お送りください。お客様が窓口へ返信されると、%s に関連付けた新しいお問い合わせになります",
			t.Ref, t.Ref)
	}
	if !r.internal() && d.foreignToken(t.ID, r.Body) {
		add("your text carries a reply address or Message-ID of the agents (support+…): with it the customer could act as an agent, so nothing was sent. "+
			"Send your answer again without the quoted mail",
			"本文に担当者用の返信先アドレスまたは Message-ID（support+…）が含まれています。お客様が担当者として操作できてしまうため、何も送信していません。"+
				"引用部分を削除して、もう一度お送りください")
	}
	if x := r.arg("assign"); x != "" && len(d.agentTiers(x)) == 0 {
		add("#assign: %s is on no tier's agents list", "#assign：%s はどの担当チームの担当者一覧にもありません", x)
	}
	errs = append(errs, d.checkParticipants(tx, t, r)...)
	if key := r.arg("answer"); key != "" {
		f, err := tx.FAQ(key)
		switch {
		case errors.Is(err, tickets.ErrNotFound):
			add("#answer: no FAQ entry %s", "#answer：FAQ %s はありません", key)
		case err != nil:
			add("#answer: %v", "#answer：%v", err)
		case f.Status != tickets.FAQPublished:
			add("#answer: FAQ entry %s is %s, not published", "#answer：FAQ %s は公開されていません（%s）", key, f.Status)
		}
	}
	if r.has("faq") {
		if responder.CleanLearned(r.Body) == "" && r.arg("answer") == "" {
			add("#faq: write the answer for the FAQ entry below the commands (greetings and signatures do not count)",
				"#faq：FAQ の回答をコマンドの下の行にお書きください（挨拶や署名は回答に含まれません）")
		}
		if _, err := tx.FAQ(faqKeyOf(t)); err == nil {
			add("#faq: FAQ entry %s exists already; promote it from the terminal with another key (madoguchi faq promote %s --key KEY)",
				"#faq：FAQ %s はすでにあります。別のキーで端末から登録してください（madoguchi faq promote %s --key KEY）", faqKeyOf(t), t.Ref)
		}
	}
	errs = append(errs, d.checkIncident(tx, t, a)...)
	if r.has("escalate") && t.Tier+1 >= len(d.opts.Tiers) {
		add("#escalate: %s is the last tier", "#escalate：%s が最後の担当チームです", d.tierName(t.Tier))
	}
	if r.has("hold") && !tickets.CanTransition(t.Status, tickets.StatusOnHold) && t.Status != tickets.StatusOnHold {
		add("#hold: a %s ticket cannot be put on hold", "#hold：状態が %s のチケットは保留にできません", t.Status)
	}
	if (r.has("resolve") || r.has("faq")) && t.Status == tickets.StatusResolved {
		add("%s is resolved already", "%s はすでに解決済みです", t.Ref)
	}
	if t.Requester == "" && (r.Body != "" && !r.internal() || r.arg("answer") != "") {
		add("%s has no usable customer address: nothing can be sent; use #note", "%s にはお客様の有効なアドレスがないため送信できません。#note をお使いください", t.Ref)
	}
	return errs
}

// faqKeyOf is the key of the FAQ entry drafted from a ticket (#faq).
func faqKeyOf(t *tickets.Ticket) string { return strings.ToLower(t.Ref) }

func (d *Desk) tierName(i int) string {
	if i >= 0 && i < len(d.opts.Tiers) {
		return d.opts.Tiers[i].Name
	}
	return fmt.Sprintf("tier %d", i)
}

// refuseAction records a refused action and answers the agent (by mail:
// rate-limited, marked automatic) with the errors and the command list.
func (d *Desk) refuseAction(tx *tickets.Tx, t *tickets.Ticket, a *agentAction, oc *Outcome) error {
	r := a.reply
	oc.Reason = joinReason(oc.Reason, "agent "+a.agent+": refused, nothing done: "+strings.Join(problemTexts(r.Errors, "en"), "; "))
	if a.msg == nil {
		return &ActionError{Ref: t.Ref, Errors: problemTexts(r.Errors, "en")}
	}
	e := &tickets.Entry{Kind: tickets.KindInternalNote, Direction: tickets.DirIn, From: a.agent, Role: tickets.RoleAgent,
		To: joinAddrs(a.msg.To), Subject: a.msg.Subject, Text: r.Body, MessageID: a.msg.MessageID, InboundID: a.in.ID}
	if err := tx.AddEntry(t, e, a.agent); err != nil {
		return err
	}
	if err := tx.Event(t.ID, "", "agent_reply_refused", a.agent, map[string]any{"errors": problemTexts(r.Errors, "en")}); err != nil {
		return err
	}
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return err
	}
	data.Errors, data.Agent = problemTexts(r.Errors, d.opts.Language), a.agent
	token := replyToken{Ticket: t.ID, Tier: a.tier, Role: tokenAgent}.sign(d.opts.Secret)
	data.ReplyAddress = plusAddress(d.boxOf(t).Address, token)
	data.Tier = d.tierName(a.tier)
	_, err = d.answerTo(tx, t, a.msg, a.agent, "", mailCommandError, mailCommandError, d.opts.Language, data, oc, func(o *tickets.Outgoing) {
		o.ReplyTo, o.AutoSubmitted = data.ReplyAddress, "auto-replied"
	})
	return err
}

// ActionError is an agent action refused as a whole (from the terminal;
// by mail the agent gets the errors by mail).
type ActionError struct {
	Ref    string
	Errors []string
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("desk: %s: nothing done: %s", e.Ref, strings.Join(e.Errors, "; "))
}

// relay sends the agent's words (and an FAQ entry's answer) to the
// customer, in the customer's language, from the support address, in the
// customer's thread, with a Reply-To carrying the customer's token —
// unless the relay limit holds it back: then it says why.
func (d *Desk) relay(tx *tickets.Tx, t *tickets.Ticket, agent, body string, f *tickets.FAQ, atts []tickets.Attachment, oc *Outcome) (string, error) {
	if why, err := d.holdBack(tx, t, oc, d.limit.relays, mailRelay, t.Requester, t.Requester); err != nil || why != "" {
		return why, err
	}
	return "", d.toCustomer(tx, t, mailRelay, body, f, atts, 0, oc)
}

// resolve resolves t and sends the customer the resolution mail.
func (d *Desk) resolve(tx *tickets.Tx, t *tickets.Ticket, actor, body string, f *tickets.FAQ, atts []tickets.Attachment, oc *Outcome) error {
	if err := tx.SetStatus(t, tickets.StatusResolved, actor, "resolved by "+actor); err != nil {
		return err
	}
	if t.Requester == "" {
		return nil
	}
	return d.toCustomer(tx, t, mailResolution, body, f, atts, d.reopenDays(), oc)
}

func (d *Desk) toCustomer(tx *tickets.Tx, t *tickets.Ticket, kind, body string, f *tickets.FAQ, atts []tickets.Attachment, reopenDays int, oc *Outcome) error {
	return d.mailCustomer(tx, t, t, kind, body, f, atts, reopenDays, oc)
}

// mailCustomer mails the requester of on about the ticket about: t's own
// customer (on = about), or the customer of a ticket merged into about
// (incidents.go), in on's language and thread, naming about, with a
// Reply-To of about's customer token, so a reply acts on about.
//
// The mail goes out from on's mailbox, the address its customer wrote to.
func (d *Desk) mailCustomer(tx *tickets.Tx, about, on *tickets.Ticket, kind, body string, f *tickets.FAQ, atts []tickets.Attachment, reopenDays int, oc *Outcome) error {
	box := d.boxOf(on)
	data := templates.Data{Ticket: about.Ref, Subject: about.Subject, Name: on.RequesterName, SupportAddress: box.Address, Mailbox: box.Name,
		Priority: about.Priority, Text: body, ReopenDays: reopenDays, Greeted: opensWithGreeting(body)}
	// The link is the page of the ticket the mail is about, for the
	// addressee; a resolution of the requester's own ticket asks how it
	// went (the reporters of merged tickets do not rate another's).
	data.StatusLink, data.RateGood, data.RateBad = d.statusLinks(about, on.Requester, kind == mailResolution && on == about)
	if on != about {
		data.OldTicket, data.Reported = on.Ref, on.Subject
	}
	if f != nil {
		data.Question, data.Answer, data.FAQKey = f.Question, f.Answer, f.Key
		data.Text, data.SignOff = splitSignOff(body)
	}
	// The last guard of the agents' proof: whatever an agent's reply or
	// an FAQ entry holds, the customer never gets a token but their own.
	// What the customer wrote (the subject, their name) is not looked at:
	// they cannot be given what they sent, nor hold up every answer.
	if d.foreignToken(about.ID, body+"\n"+data.Question+"\n"+data.Answer) {
		return fmt.Errorf("desk: %s %s mail: %w", about.Ref, kind, errForeignToken)
	}
	m, err := d.tmpl.Render(kind, on.Language, data)
	if err != nil {
		return fmt.Errorf("desk: rendering %s: %w", kind, err)
	}
	inReplyTo, refs, err := customerThread(tx, on)
	if err != nil {
		return err
	}
	var cc []string
	if on == about {
		// The reporters of merged tickets are told one by one, never on
		// each other's Cc.
		if cc, err = d.customerCc(tx, on); err != nil {
			return err
		}
	}
	tokTicket := about
	if d.boxOf(about) != box {
		// A token holds only in its own ticket's mailbox: the reporter's
		// reply comes with the token of her own ticket, which goes on as
		// about (it was merged into it) all the same.
		tokTicket = on
	}
	token := replyToken{Ticket: tokTicket.ID, Tier: tokTicket.Tier, Role: tokenCustomer}.sign(d.opts.Secret)
	out := &tickets.Outgoing{
		TicketID: on.ID, TicketRef: on.Ref, Kind: kind, From: box.From, ToName: on.RequesterName, To: on.Requester, Cc: cc, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, MessageID: d.newMessageID(box, on.Ref), InReplyTo: inReplyTo, References: refs,
		ReplyTo: plusAddress(box.Address, token), AutoSubmitted: "auto-generated", Attachments: atts,
	}
	if err := tx.QueueMail(out); err != nil {
		return err
	}
	e := &tickets.Entry{Kind: tickets.KindAgent, Direction: tickets.DirOut, From: box.Address, To: on.Requester,
		Cc: strings.Join(cc, ", "), Subject: out.Subject, Text: out.Text, MessageID: out.MessageID, OutgoingID: out.ID}
	if err := tx.AddEntry(on, e, "system"); err != nil {
		return err
	}
	oc.Sent = append(oc.Sent, kind)
	if len(cc) > 0 {
		oc.Reason = joinReason(oc.Reason, kind+" Cc "+strings.Join(cc, ", "))
	}
	return nil
}

// customerCc is whom a mail to t's requester goes to on Cc: the people on
// her thread, the ticket's participants (the addresses she wrote to about
// it, and those an agent added), unless desk.cc_participants is off. An
// address of the desk's own — the support address, a tier's notify list —
// never: those hear of the ticket through the tiers.
func (d *Desk) customerCc(tx *tickets.Tx, t *tickets.Ticket) ([]string, error) {
	if d.opts.RequesterOnly {
		return nil, nil
	}
	parts, err := tx.Participants(t.ID)
	if err != nil {
		return nil, err
	}
	var cc []string
	for _, p := range parts {
		if p != t.Requester && usableAddress(p) && !d.isDeskAddress(p) {
			cc = append(cc, p)
		}
	}
	return cc, nil
}

// customerThread is where a mail to the customer belongs: in reply to the
// last mail a person on the customer's side wrote on the ticket, referring
// to the thread's first and last messages. Their automatic mail (an
// out-of-office notice answering our acknowledgement) is no part of that
// thread: a client would file the agent's answer under the robot's notice.
func customerThread(tx *tickets.Tx, t *tickets.Ticket) (string, []string, error) {
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return "", nil, err
	}
	var ids []string
	last := ""
	for _, e := range entries {
		if e.MessageID == "" {
			continue
		}
		if e.Direction == tickets.DirOut && e.To == t.Requester || e.Direction == tickets.DirIn && customerWrote(e) {
			ids = append(ids, e.MessageID)
			if e.Direction == tickets.DirIn {
				last = e.MessageID
			}
		}
	}
	if len(ids) > 10 {
		ids = append(ids[:1], ids[len(ids)-9:]...)
	}
	return last, ids, nil
}

// customerWrote reports whether e is a mail a person on the customer's
// side wrote: the requester or a participant, not their robots.
func customerWrote(e tickets.Entry) bool {
	return e.Kind == tickets.KindCustomer && (e.Role == tickets.RoleRequester || e.Role == tickets.RoleParticipant)
}

// copyToTier tells the rest of tier, the ticket's when the action came,
// what was done and sent: an agent of a tier the ticket has left acts
// (escalation.previous_tiers_may_act) only in the sight of the tier that
// has it now.
func (d *Desk) copyToTier(tx *tickets.Tx, t *tickets.Ticket, tier int, a *agentAction, applied []templates.Reason, relayed string, oc *Outcome) error {
	if why, err := d.holdBack(tx, t, oc, d.limit.tierMail, mailCopy, "", d.tierName(tier)); err != nil || why != "" {
		return err
	}
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return err
	}
	data.Agent, data.Applied, data.Text = a.agent, applied, relayed
	if a.reply.internal() {
		data.Note = a.reply.Body
	}
	n, err := d.notifyTier(tx, t, tier, mailCopy, data, nil, a.agent)
	if n > 0 {
		oc.Sent = append(oc.Sent, mailCopy)
	}
	return err
}

// confirmAnswer keeps the customer's wording as a pending paraphrase of
// the entry an agent answered with (#answer). Only the customer can say
// the entry answers it (a slip of the agent's must not teach the desk to
// send it to the next customer): settleLearned and the quiet close
// confirm or remove it.
func (d *Desk) confirmAnswer(tx *tickets.Tx, t *tickets.Ticket, key, actor string, changed *faqChanges) error {
	question, err := d.originalQuestion(tx, t)
	if err != nil {
		return err
	}
	changed.add(key)
	_, err = tx.AddParaphrase(key, tickets.NewParaphrase{Text: question, Ticket: t.ID, State: tickets.ParaphrasePending,
		Source: tickets.SourceAgentAnswer, Actor: actor})
	return err
}

// Action is an agent's action from the terminal (`madoguchi tickets
// resolve|reply|...`): the same commands as by mail, without the '#'.
type Action struct {
	Actor    string   // who acts, for the audit trail (--actor)
	Commands []string // e.g. "resolve", "assign bob@example.com", "priority P2"
	Text     string   // relayed to the customer; with "note", an internal note
}

// Act applies an action to the ticket ref, as a proven agent's reply
// would: one transaction, the same checks, the same mail. A refused
// action changes nothing and returns an *ActionError.
func (d *Desk) Act(ctx context.Context, ref string, a Action) (Outcome, error) {
	var lines []string
	for _, c := range a.Commands {
		lines = append(lines, "#"+strings.TrimPrefix(strings.TrimSpace(c), "#"))
	}
	r := parseAgentReply(strings.Join(lines, "\n"))
	r.Body = strings.TrimSpace(a.Text)
	if a.Actor == "" {
		a.Actor = "terminal"
	}
	var oc Outcome
	var changed faqChanges
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		changed = faqChanges{}
		t, err := tx.FindTicket(ref) // by number too: Outcome.Ticket says which
		if err != nil {
			return fmt.Errorf("desk: ticket %s: %w", ref, err)
		}
		act := agentAction{agent: strings.ToLower(a.Actor), tier: -1, reply: r}
		if len(r.Errors) > 0 {
			return &ActionError{Ref: t.Ref, Errors: problemTexts(r.Errors, "en")}
		}
		oc, err = d.act(tx, t, &act, &changed)
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	d.reindex(ctx, changed)
	if len(oc.Sent) > 0 {
		d.poke()
	}
	d.log.Info("agent action", "ticket", oc.Ticket, "actor", a.Actor, "status", oc.Status, "sent", oc.Sent, "reason", oc.Reason)
	return oc, nil
}
