package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// matchOne asks the FAQ index about a new conversation from a person. It
// runs in the parse workers, before the transaction: the index is read-only
// here and matching is the costly step.
func (d *Desk) matchOne(ctx context.Context, p *parsedMail) {
	if !d.mayOpenTicket(p) || isReply(p.msg) {
		return
	}
	p.match = d.match(ctx, p.msg)
}

// matchFollowUps matches, before the transaction too, the replies not
// matched yet that still open a ticket: those whose thread names no ticket
// of ours, and follow-ups of a closed ticket. One read transaction finds
// them. A batch prepared while the one before committed is asked again
// after that commit (Desk.commit); the state may still change within the
// batch's own transaction (a ticket closed by a mail before it in the
// batch): such a mail goes to a person unmatched (respond).
func (d *Desk) matchFollowUps(ctx context.Context, parsed []parsedMail) {
	var replies, need []int
	for i := range parsed {
		if d.mayOpenTicket(&parsed[i]) && isReply(parsed[i].msg) && parsed[i].match == nil {
			replies = append(replies, i)
		}
	}
	if len(replies) == 0 {
		return
	}
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		need = need[:0]
		for _, i := range replies {
			t, err := tx.TicketByMessageID(threadIDs(parsed[i].msg))
			switch {
			case errors.Is(err, tickets.ErrNotFound) || (err == nil && t.Status == tickets.StatusClosed):
				need = append(need, i)
			case err != nil:
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Such a mail goes to a person instead of the FAQ; the batch goes on.
		d.log.Warn("finding the replies that open a ticket failed; they are not matched against the FAQ", "err", err)
		return
	}
	d.parallel(len(need), func(k int) {
		p := &parsed[need[k]]
		p.match = d.match(ctx, p.msg)
	})
}

// mayOpenTicket: a mail from a person that parsed, with an index to ask.
func (d *Desk) mayOpenTicket(p *parsedMail) bool {
	return d.index != nil && p.msg != nil && p.err == nil && !p.msg.Auto.IsAutomatic()
}

func isReply(msg *mime.Message) bool { return len(msg.InReplyTo)+len(msg.References) > 0 }

// match asks the index about a mail's subject and its own words (quoted
// history stripped); nil when matching failed, so the ticket goes to agents.
func (d *Desk) match(ctx context.Context, msg *mime.Message) *responder.Result {
	if d.onMatch != nil {
		d.onMatch(ctx)
	}
	start := time.Now()
	res, err := d.index.Match(ctx, msg.Subject, mime.StripQuoted(msg.Text))
	if err == nil {
		d.obs.Matched(time.Since(start))
	}
	if err != nil {
		d.log.Warn("FAQ match failed; the ticket goes to agents", "message_id", msg.MessageID, "err", err)
		return nil
	}
	return &res
}

// matchQuestion asks the index about a cleaned question (Gaps).
func (d *Desk) matchQuestion(ctx context.Context, q string) (responder.Result, error) {
	if d.onMatch != nil {
		d.onMatch(ctx)
	}
	return d.index.Match(ctx, "", q)
}

// respond acts on the FAQ decision for a new ticket. It reports whether an
// automatic answer was queued (it then replaces the acknowledgement). With
// an index, a ticket not answered goes to the agents (escalated).
func (d *Desk) respond(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, match *responder.Result, oc *Outcome) (bool, error) {
	if d.index == nil {
		return false, nil
	}
	escalate := func(why templates.Reason) (bool, error) {
		return false, d.escalate(tx, t, msg, "system", why, oc)
	}
	if match == nil {
		// Matching happens before the transaction, never inside it: a
		// mail the batch did not match (matching failed, or its thread
		// was found closed only now) goes to a person.
		return escalate(templates.Reason{Code: templates.ReasonNotMatched})
	}
	if len(match.Candidates) == 0 {
		return escalate(templates.Reason{Code: templates.ReasonNoMatch})
	}
	// Candidates below the suggest band are not suggestions: showing a
	// 0.02 match to an agent as one only teaches them to ignore the list.
	var sugg []tickets.Suggestion
	if match.Decision != responder.Escalate {
		for _, c := range match.Candidates {
			if ok, err := suggestable(tx, c.Key); err != nil {
				return false, err
			} else if ok {
				sugg = append(sugg, tickets.Suggestion{Key: c.Key, Confidence: c.Confidence, Score: c.Score})
			}
		}
	}
	if err := tx.SetSuggestions(t.ID, sugg); err != nil {
		return false, err
	}
	top := match.Candidates[0]
	conf := fmt.Sprintf("%.2f", top.Confidence)
	switch {
	case match.Decision != responder.Auto:
		if match.Decision == responder.Suggest {
			return escalate(templates.Reason{Code: templates.ReasonFAQSuggested, Key: top.Key, Confidence: conf})
		}
		return escalate(templates.Reason{Code: templates.ReasonFAQNotConfident, Key: top.Key, Confidence: conf})
	case t.Priority == "P1" || t.Priority == "P2":
		return escalate(templates.Reason{Code: templates.ReasonFAQNotForPriority, Key: top.Key, Priority: t.Priority})
	}
	if ref, err := answeredBefore(tx, t, top.Key); err != nil {
		return false, err
	} else if ref != "" {
		// The customer wrote back to a closed ticket that had this very
		// answer: sending it again would not help.
		return escalate(templates.Reason{Code: templates.ReasonFAQSentBefore, Key: top.Key, Ticket: ref})
	}
	// The database is the truth: the entry must still be published there.
	f, err := tx.FAQ(top.Key)
	if errors.Is(err, tickets.ErrNotFound) || (err == nil && f.Status != tickets.FAQPublished) {
		return escalate(templates.Reason{Code: templates.ReasonFAQUnpublished, Key: top.Key})
	}
	if err != nil {
		return false, err
	}
	data := d.mailData(t, msg)
	data.Question, data.Answer, data.FAQKey = f.Question, f.Answer, f.Key
	data.ConfirmDays = wholeDays(d.opts.ConfirmAfter)
	data.StatusLink, data.RateGood, data.RateBad = d.statusLinks(t, msg.From.Addr, true)
	sent, err := d.answer(tx, t, msg, "auto_answer", "auto_answer", data, oc)
	if err != nil || !sent {
		if err != nil {
			return false, err
		}
		return escalate(templates.Reason{Code: templates.ReasonAnswerHeld})
	}
	if err := tx.SetAutoAnswer(t, f.Key); err != nil {
		return false, err
	}
	why := fmt.Sprintf("answered from FAQ %s (confidence %.2f)", f.Key, top.Confidence)
	oc.Reason = joinReason(oc.Reason, why)
	oc.notes.autoAnswer = AutoAnswerSent
	return true, tx.SetStatus(t, tickets.StatusAutoAnswered, "system", why)
}

// wholeDays is a period in whole days as a customer is told it, a part of a
// day counting as a day.
func wholeDays(p time.Duration) int {
	return int((p + 24*time.Hour - 1) / (24 * time.Hour))
}

// answeredBefore names the ticket, among those t is linked to (a reply to
// a closed ticket opens a new one linked to it, and so on), that was
// answered automatically with the entry key; "" when none was.
func answeredBefore(tx *tickets.Tx, t *tickets.Ticket, key string) (string, error) {
	ref := t.LinkedTicket
	for i := 0; ref != "" && i < maxLinkChain; i++ {
		prev, err := tx.Ticket(ref)
		if errors.Is(err, tickets.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if prev.AutoAnswerKey == key {
			return prev.Ref, nil
		}
		ref = prev.LinkedTicket
	}
	return "", nil
}

// maxLinkChain bounds the walk along linked tickets.
const maxLinkChain = 20

// confirmOrEscalate handles the customer's reply to an automatic answer,
// by the customer's own words (classifyReply): a success resolves the
// ticket, counts the entry helpful and keeps the customer's wording as a
// paraphrase; a problem report brings in a person and counts the entry not
// helpful; anything else (a question, a request) brings in a person
// without a vote, since it says nothing about the answer.
func (d *Desk) confirmOrEscalate(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, oc *Outcome, changed *faqChanges) error {
	key := t.AutoAnswerKey
	rc, err := classifyCustomerReply(tx, t, msg)
	if err != nil {
		return err
	}
	switch rc.verdict {
	case replySuccess:
		if err := tx.SetStatus(t, tickets.StatusResolved, msg.From.Addr, "customer confirmed FAQ "+key+" ("+rc.reason+")"); err != nil {
			return err
		}
		if err := d.confirmFAQ(tx, t, key, msg.From.Addr, changed); err != nil {
			return err
		}
		oc.Reason = joinReason(oc.Reason, "customer confirmed FAQ "+key+": resolved")
		oc.notes.autoAnswer = AutoAnswerConfirmed
	case replyFailure:
		// The vote first: the notice does not offer the entry again.
		if err := voteFAQ(tx, t, key, false, msg.From.Addr, changed); err != nil {
			return err
		}
		if err := d.escalate(tx, t, msg, msg.From.Addr, templates.Reason{Code: templates.ReasonFAQDidNotHelp, Key: key, Detail: rc.reason}, nil); err != nil {
			return err
		}
		oc.Reason = joinReason(oc.Reason, "FAQ "+key+" did not help: escalated")
		oc.notes.autoAnswer = AutoAnswerNotHelpful
	default:
		why := templates.Reason{Code: templates.ReasonFAQReplyUnclear, Key: key, Detail: rc.reason}
		if err := d.escalate(tx, t, msg, msg.From.Addr, why, nil); err != nil {
			return err
		}
		oc.Reason = joinReason(oc.Reason, d.record(why)+": escalated without a vote")
		oc.notes.autoAnswer = AutoAnswerUnclear
	}
	return nil
}

// confirmFAQ counts the entry that answered a ticket helpful and keeps the
// customer's question as a paraphrase of it, confirmed: the customer said
// the answer fits the question.
func (d *Desk) confirmFAQ(tx *tickets.Tx, t *tickets.Ticket, key, actor string, changed *faqChanges) error {
	if err := voteFAQ(tx, t, key, true, actor, changed); err != nil {
		return err
	}
	question, err := d.originalQuestion(tx, t)
	if err != nil {
		return err
	}
	_, err = tx.AddParaphrase(key, tickets.NewParaphrase{Text: question, Ticket: t.ID, State: tickets.ParaphraseConfirmed,
		Source: tickets.SourceAutoAnswer, How: "customer_confirmed", Actor: actor})
	return err
}

// voteFAQ counts an entry helpful or not for a ticket, and records the
// vote on the ticket's own audit trail, so a later reply can tell that the
// ticket has voted (readFAQHistory). A ticket counts once, whichever way
// its customer said it (a reply by mail, a rating on the page): the same
// vote again counts nothing, the other one moves the ticket's vote. An
// entry deleted since is no error. The vote settles the wordings the
// ticket taught the entry: helpful confirms the pending ones, not helpful
// removes them.
func voteFAQ(tx *tickets.Tx, t *tickets.Ticket, key string, helpful bool, actor string, changed *faqChanges) error {
	changed.add(key)
	was, voted, err := ticketVote(tx, t, key)
	if err != nil {
		return err
	}
	if voted && was == helpful {
		return nil
	}
	if voted {
		if err := tx.WithdrawFAQVote(key, was, t.ID, actor); err != nil && !errors.Is(err, tickets.ErrNotFound) {
			return err
		}
	}
	if err := tx.VoteFAQ(key, helpful, t.ID, actor); err != nil && !errors.Is(err, tickets.ErrNotFound) {
		return err
	}
	state, how := tickets.ParaphraseConfirmed, "helpful_vote"
	if !helpful {
		state, how = tickets.ParaphraseRemoved, "not_helpful_vote"
	}
	if _, err := tx.SettleParaphrases([]int64{t.ID}, key, state, how, actor); err != nil {
		return err
	}
	return tx.Event(t.ID, key, faqVoteEvent, actor, map[string]any{"helpful": helpful})
}

// faqVoteEvent is the ticket event of a vote the ticket cast for its entry.
const faqVoteEvent = "faq_vote"

// ticketVote is the vote t counts for entry key now: its last one.
func ticketVote(tx *tickets.Tx, t *tickets.Ticket, key string) (helpful, voted bool, err error) {
	events, err := tx.Events(t.ID)
	if err != nil {
		return false, false, err
	}
	for _, e := range events {
		var v struct{ Helpful bool }
		if e.Kind == faqVoteEvent && e.Subject == key && json.Unmarshal(e.Detail, &v) == nil {
			helpful, voted = v.Helpful, true
		}
	}
	return helpful, voted, nil
}

// faqHistory is what a resolved ticket's audit trail says of its automatic
// answer.
type faqHistory struct {
	quiet      bool // the last resolution was the quiet one: no reply within confirm_after
	helpful    bool // the ticket counts its entry helpful
	notHelpful bool // ... or not helpful
}

func readFAQHistory(tx *tickets.Tx, t *tickets.Ticket) (faqHistory, error) {
	var h faqHistory
	events, err := tx.Events(t.ID)
	if err != nil {
		return h, err
	}
	for _, e := range events {
		switch e.Kind {
		case "status_changed":
			var c struct {
				From, To tickets.Status
				Reason   string
			}
			if json.Unmarshal(e.Detail, &c) == nil && c.To == tickets.StatusResolved {
				h.quiet = c.From == tickets.StatusAutoAnswered && e.Actor == "system" && strings.HasPrefix(c.Reason, quietResolution)
			}
		case faqVoteEvent:
			var v struct{ Helpful bool }
			if e.Subject == t.AutoAnswerKey && json.Unmarshal(e.Detail, &v) == nil {
				// The vote the ticket counts now: its last (voteFAQ).
				h.helpful, h.notHelpful = v.Helpful, !v.Helpful
			}
		}
	}
	return h, nil
}

// originalQuestion is the customer's first message of a ticket, cleaned as
// learned text is (no greetings, signatures, names or employee numbers)
// and the way queries are, and cut to a paraphrase's length.
func (d *Desk) originalQuestion(tx *tickets.Tx, t *tickets.Ticket) (string, error) {
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Kind == tickets.KindCustomer && e.Direction == tickets.DirIn {
			return cleanQuestion(e.Subject, e.Text), nil
		}
	}
	return t.Subject, nil
}

// cleanQuestion is a customer's mail cleaned the way queries are, and cut
// to a paraphrase's length.
func cleanQuestion(subject, text string) string {
	q := responder.CleanQuery(baseSubject(subject), responder.CleanLearned(text))
	if r := []rune(q); len(r) > 500 {
		q = string(r[:500])
	}
	return q
}

// faqChanges collects the FAQ keys a transaction changed, to update the
// index after the commit.
type faqChanges map[string]bool

func (c *faqChanges) add(key string) {
	if *c == nil {
		*c = faqChanges{}
	}
	(*c)[key] = true
}

// reindex brings the index up to date after a transaction that changed
// the FAQ. The index is derived: if this fails, the next tick's SyncIndex
// (or the next start) does it.
func (d *Desk) reindex(ctx context.Context, changed faqChanges) {
	if d.index == nil || len(changed) == 0 {
		return
	}
	if _, err := d.SyncIndex(ctx); err != nil {
		d.log.Error("FAQ index update failed; the next tick retries", "err", err)
	}
}

// SyncIndex brings the FAQ index up to date with the database when its
// fingerprint differs from the store's FAQ version (invariant 6), and
// reports whether it changed anything. An index a few versions behind
// takes the entries changed since (the FAQ's audit trail names them:
// changes this process made, and those an admin's command wrote to the
// database alone while the gateway held the index); anything else is
// rebuilt.
func (d *Desk) SyncIndex(ctx context.Context) (bool, error) {
	return d.syncIndex(ctx, false)
}

// Reindex rebuilds the FAQ index from the database unconditionally.
func (d *Desk) Reindex(ctx context.Context) error {
	_, err := d.syncIndex(ctx, true)
	return err
}

// maxCatchUp is the most FAQ changes an index takes one by one; further
// behind, a rebuild costs about as much.
const maxCatchUp = 1000

func (d *Desk) syncIndex(ctx context.Context, force bool) (bool, error) {
	if d.index == nil {
		return false, nil
	}
	// One at a time: two updates interleaving could leave an entry older
	// than the version the index claims.
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	changed, err := d.syncIndexLocked(ctx, force)
	if changed || err != nil {
		// A batch matched before this may have seen the old index, or
		// part of the new one (commit).
		d.faqEpoch.Add(1)
	}
	return changed, err
}

func (d *Desk) syncIndexLocked(ctx context.Context, force bool) (bool, error) {
	var all, changed []*tickets.FAQ
	var gone []string
	var version int64
	have, known := indexedVersion(d.index.Fingerprint())
	current, catchUp := false, false
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		var err error
		if version, err = tx.FAQVersion(); err != nil {
			return err
		}
		// Every tick and every command start asks; only a stale index
		// is worth reading the FAQ for.
		if current = !force && known && have == version; current {
			return nil
		}
		if !force && known && have < version && version-have <= maxCatchUp {
			keys, ok, err := tx.FAQKeysChangedSince(have, version)
			if err != nil {
				return err
			}
			if catchUp = ok; ok {
				for _, key := range keys {
					f, err := tx.FAQ(key)
					switch {
					case errors.Is(err, tickets.ErrNotFound):
						gone = append(gone, key)
					case err != nil:
						return err
					default:
						changed = append(changed, f)
					}
				}
				return nil
			}
		}
		all, err = tx.FAQs("")
		return err
	})
	if err != nil || current {
		return false, err
	}
	if catchUp {
		err := d.catchUp(changed, gone, have, version)
		if err == nil {
			d.log.Info("FAQ index updated", "entries", len(changed)+len(gone), "version", version)
			return true, nil
		}
		d.log.Error("FAQ index update failed; rebuilding", "err", err)
		return d.syncIndexLocked(ctx, true)
	}
	entries := make([]responder.Entry, 0, len(all))
	for _, f := range all {
		entries = append(entries, indexEntry(f))
	}
	if err := d.index.Rebuild(entries, fingerprint(version)); err != nil {
		return false, fmt.Errorf("desk: rebuilding FAQ index: %w", err)
	}
	d.log.Info("FAQ index rebuilt", "entries", len(entries), "version", version)
	return true, nil
}

// catchUp writes the entries changed between versions have and version.
// Only the last write claims version: an index left half-way claims have
// and takes the same changes again.
func (d *Desk) catchUp(changed []*tickets.FAQ, gone []string, have, version int64) error {
	n := len(changed) + len(gone)
	for i, f := range changed {
		fp := fingerprint(have)
		if i == n-1 {
			fp = fingerprint(version)
		}
		if err := d.index.Upsert(indexEntry(f), fp); err != nil {
			return err
		}
	}
	for i, key := range gone {
		fp := fingerprint(have)
		if len(changed)+i == n-1 {
			fp = fingerprint(version)
		}
		if err := d.index.Delete(key, fp); err != nil {
			return err
		}
	}
	return nil
}

func fingerprint(version int64) string { return "faq-v" + strconv.FormatInt(version, 10) }

// indexedVersion reads the FAQ version a fingerprint claims.
func indexedVersion(fp string) (int64, bool) {
	rest, ok := strings.CutPrefix(fp, "faq-v")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(rest, 10, 64)
	return v, err == nil
}

// indexEntry is an entry as the index reads it: the confirmed paraphrases
// count like the question, the pending ones only to find it, the removed
// ones not at all.
func indexEntry(f *tickets.FAQ) responder.Entry {
	return responder.Entry{Key: f.Key, Question: f.Question, Answer: f.Answer, Tags: f.Tags,
		Paraphrases: f.ParaphraseTexts(tickets.ParaphraseConfirmed), Pending: f.ParaphraseTexts(tickets.ParaphrasePending),
		Language: f.Language, Status: f.Status, Helpful: f.Helpful, NotHelpful: f.NotHelpful}
}

// FAQPut says what PutFAQs did.
type FAQPut struct {
	Created, Updated int
	// Paraphrases counts the changes to the entries whose paraphrases the
	// list states (an import file's paraphrases field or column).
	Paraphrases tickets.ParaphraseChanges
	// Kept counts the paraphrases (not removed) of updated entries the
	// list says nothing about: they stay as they were; KeptPending of
	// them are pending.
	Kept, KeptPending int
}

// PutFAQs stores entries in one transaction (all or nothing) and indexes
// them. An entry whose Paraphrases is not nil gets exactly those (by text:
// new ones added, states taken, the others removed); with nil, an existing
// entry keeps its own, and the result says how many.
func (d *Desk) PutFAQs(ctx context.Context, list []tickets.FAQ, actor string) (FAQPut, error) {
	changed := faqChanges{}
	var res FAQPut
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		res = FAQPut{}
		for i := range list {
			f := &list[i]
			created, err := tx.PutFAQ(f, 0, actor)
			if err != nil {
				return err
			}
			changed.add(f.Key)
			if created {
				res.Created++
			} else {
				res.Updated++
			}
			if f.Paraphrases != nil {
				c, err := tx.SetParaphrases(f.Key, f.Paraphrases, actor)
				if err != nil {
					return err
				}
				res.Paraphrases.Added += c.Added
				res.Paraphrases.Changed += c.Changed
				res.Paraphrases.Removed += c.Removed
				res.Paraphrases.Kept += c.Kept
				continue
			}
			if created {
				continue
			}
			stored, err := tx.FAQ(f.Key)
			if err != nil {
				return err
			}
			for _, p := range stored.Paraphrases {
				if p.State != tickets.ParaphraseRemoved {
					res.Kept++
				}
				if p.State == tickets.ParaphrasePending {
					res.KeptPending++
				}
			}
		}
		return nil
	})
	if err == nil {
		d.reindex(ctx, changed)
	}
	return res, err
}

// SetFAQStatus publishes, retires or drafts an entry.
func (d *Desk) SetFAQStatus(ctx context.Context, key, status, actor string) error {
	err := d.store.Update(ctx, func(tx *tickets.Tx) error { return tx.SetFAQStatus(key, status, actor) })
	if err == nil {
		d.reindex(ctx, faqChanges{key: true})
	}
	return err
}

// ErrNothingToPromote is returned by Promote for a ticket without an agent's answer.
var ErrNothingToPromote = errors.New("desk: the ticket has no agent answer to promote")

// Promote drafts a FAQ entry from a resolved ticket: the customer's cleaned
// question and the agent's resolving answer (the last agent entry), marked
// as needing review.
//
// answer, when not empty, is the entry's answer (an admin's wording, or the
// resolution of a ticket whose agent worked outside the mail thread), as
// given; otherwise it is the last agent reply on the ticket, cleaned
// (responder.CleanLearned).
func (d *Desk) Promote(ctx context.Context, ref, key, answer, actor string) (*tickets.FAQ, error) {
	var f *tickets.FAQ
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		t, err := tx.Ticket(ref)
		if err != nil {
			return fmt.Errorf("desk: ticket %s: %w", ref, err)
		}
		f, err = d.promoteTx(tx, t, key, answer, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.reindex(ctx, faqChanges{f.Key: true})
	return f, nil
}

// promoteTx is Promote inside a transaction (#faq uses it as it resolves).
func (d *Desk) promoteTx(tx *tickets.Tx, t *tickets.Ticket, key, answer, actor string) (*tickets.FAQ, error) {
	if t.Status != tickets.StatusResolved && t.Status != tickets.StatusClosed {
		return nil, fmt.Errorf("desk: ticket %s is %s, not resolved", t.Ref, t.Status)
	}
	if answer == "" {
		entries, err := tx.Entries(t.ID)
		if err != nil {
			return nil, err
		}
		// The agent's own words (the reply by mail or terminal) before
		// what we sent with them (greeting and all), the last of either,
		// cleaned as everything learned from a ticket is.
		for _, dir := range []tickets.Direction{tickets.DirIn, tickets.DirOut} {
			for _, e := range entries {
				if e.Kind == tickets.KindAgent && e.Direction == dir {
					if a := responder.CleanLearned(mime.StripQuoted(e.Text)); a != "" {
						answer = a
					}
				}
			}
			if answer != "" {
				break
			}
		}
	}
	if answer == "" {
		return nil, fmt.Errorf("%w: %s", ErrNothingToPromote, t.Ref)
	}
	question, err := d.originalQuestion(tx, t)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(question) == "" {
		question = t.Subject // a mail of greetings only cleans to nothing
	}
	if key == "" {
		key = strings.ToLower(t.Ref)
	}
	// A person reads it before it is published: the cleaning is a
	// machine's, and the question is still a customer's words.
	f := &tickets.FAQ{Key: key, Question: question, Answer: strings.TrimSpace(answer), Language: t.Language, Status: tickets.FAQDraft, NeedsReview: true}
	if _, err := tx.PutFAQ(f, t.ID, actor); err != nil {
		return nil, err
	}
	return f, nil
}

// gapLikeness is the share of a ticket's self-match score at which another
// ticket counts as the same incident.
const gapLikeness = 0.3

// Gap is a group of similar resolved tickets that no FAQ entry answers.
type Gap struct {
	Tickets  []string     `json:"tickets"`
	Subjects []string     `json:"subjects"`
	Sample   string       `json:"sample"` // the first ticket's cleaned question
	Months   []MonthCount `json:"months"` // resolved per month, in the desk's time zone, oldest first
}

// GapOptions bound what Gaps reads; zero fields take the defaults.
type GapOptions struct {
	Since time.Duration // tickets resolved within this window before now; default DefaultGapWindow
	Limit int           // at most this many of them, the newest; default DefaultGapLimit
}

// Defaults of GapOptions: a quarter's incidents, and as many as match in
// a second or two.
const (
	DefaultGapWindow = 90 * 24 * time.Hour
	DefaultGapLimit  = 1000
)

// Gaps lists resolved tickets that no entry answers, grouped by
// similarity, largest group first: the incidents to write up next. It
// reads the tickets resolved within opts.Since, the newest opts.Limit of
// them, in one query, and matches them outside any transaction.
func (d *Desk) Gaps(ctx context.Context, opts GapOptions) ([]Gap, error) {
	if d.index == nil {
		return nil, errors.New("desk: the FAQ responder is disabled")
	}
	if opts.Since <= 0 {
		opts.Since = DefaultGapWindow
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultGapLimit
	}
	var resolved []*tickets.ResolvedTicket
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		var err error
		resolved, err = tx.ResolvedWithoutFAQAnswer(tx.Now().Add(-opts.Since), opts.Limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	type open struct {
		ref, subject, question string
	}
	var gaps []open
	for _, t := range resolved {
		q := t.Subject
		if t.FirstSubject+t.FirstText != "" {
			q = cleanQuestion(t.FirstSubject, t.FirstText)
		}
		res, err := d.matchQuestion(ctx, q)
		if err != nil {
			return nil, err
		}
		// An automatic answer that held settles a ticket; one the customer
		// turned down, or that an agent had to follow, does not (the
		// query's part). Only an answer confident enough to send closes
		// the gap: a suggestion still needs an agent every time, and the
		// entry this ticket already turned down answers nothing.
		if res.Decision != responder.Auto || res.Candidates[0].Key == t.AutoAnswerKey {
			gaps = append(gaps, open{t.Ref, t.Subject, q})
		}
	}
	if len(gaps) == 0 {
		return []Gap{}, nil
	}
	items := make([]alikeItem, len(gaps))
	for i, g := range gaps {
		items[i] = alikeItem{ref: g.ref, subject: g.subject, question: g.question}
	}
	return d.groupGaps(ctx, items)
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
