package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// What the desk learns from tickets, and how a person curates it.
//
// A customer's wording becomes a paraphrase of an FAQ entry in two ways.
// Confirmed at once, when the customer says an automatic answer helped
// (confirmFAQ). Pending, when an agent answers with an entry (#answer):
// the agent may have slipped, and a pending wording may lift its entry to
// a suggestion, never to an automatic answer (responder.Match). A pending
// wording is settled by the ticket it came from:
//
//   - confirmed when the customer (or a participant) replies with thanks
//     or success, when the ticket counts the entry helpful, or when the
//     ticket resolves without a problem report: it is resolved and then
//     closed by the quiet period (desk.close_after without a reply that
//     reopens it). An agent's #close is not the customer's word and
//     settles nothing.
//   - removed when the customer (or a participant) reports a problem
//     after it was learned, or the ticket counts the entry not helpful:
//     the answer did not fit the question.
//
// An admin lists, confirms and removes paraphrases by number (faq
// paraphrases, faq paraphrase confirm|remove). Nothing is deleted: a
// removed paraphrase stays with who removed it and why, and the same
// wording is not learned back by itself.

// settleLearned settles the pending paraphrases a ticket taught by the
// customer's reply on it: success confirms them, a problem report removes
// them, anything else leaves them pending.
func (d *Desk) settleLearned(tx *tickets.Tx, t *tickets.Ticket, msg *mime.Message, changed *faqChanges) error {
	pending, err := tx.HasPendingParaphrases(t.ID)
	if err != nil || !pending {
		return err
	}
	rc, err := classifyCustomerReply(tx, t, msg)
	if err != nil {
		return err
	}
	state, how := "", ""
	switch rc.verdict {
	case replySuccess:
		state, how = tickets.ParaphraseConfirmed, "customer_reply"
	case replyFailure:
		state, how = tickets.ParaphraseRemoved, "problem_report"
	default:
		return nil
	}
	actor := strings.ToLower(msg.From.Addr)
	keys, err := tx.SettleParaphrases([]int64{t.ID}, "", state, how, actor)
	if err != nil {
		return err
	}
	for _, k := range keys {
		changed.add(k)
		if state == tickets.ParaphraseRemoved {
			// The entry an agent sent did not help: never offered on t again (notTurnedDown).
			if err := tx.Event(t.ID, k, faqTurnedDownEvent, actor, map[string]any{"how": how}); err != nil {
				return err
			}
		}
	}
	return nil
}

// settleClosed confirms the pending paraphrases of tickets the quiet
// period closed: they resolved without a problem report.
func settleClosed(tx *tickets.Tx, closed []int64, changed *faqChanges) error {
	keys, err := tx.SettleParaphrases(closed, "", tickets.ParaphraseConfirmed, "closed_quietly", "system")
	for _, k := range keys {
		changed.add(k)
	}
	return err
}

// suggestable tells whether an entry may be shown to agents: published in
// the store, the truth. The index may not have heard yet of a change an
// admin made beside the running gateway; a draft is never suggested.
func suggestable(tx *tickets.Tx, key string) (bool, error) {
	status, err := tx.FAQStatus(key)
	if errors.Is(err, tickets.ErrNotFound) {
		return false, nil
	}
	return status == tickets.FAQPublished, err
}

// Paraphrases lists an entry's paraphrases, numbered, removed ones too.
func (d *Desk) Paraphrases(ctx context.Context, key string) ([]tickets.Paraphrase, error) {
	var out []tickets.Paraphrase
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		f, err := tx.FAQ(key)
		if err != nil {
			return err
		}
		out = f.Paraphrases
		return nil
	})
	return out, err
}

// SetParaphraseState confirms or removes paraphrase n of the entry key as
// an admin (how "admin"), with a note for the audit trail, and updates
// the index.
func (d *Desk) SetParaphraseState(ctx context.Context, key string, n int, state, note, actor string) (*tickets.Paraphrase, error) {
	var p *tickets.Paraphrase
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		p, err = tx.SetParaphraseState(key, n, state, "admin", note, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.reindex(ctx, faqChanges{key: true})
	return p, nil
}

// ErrUnchanged is EditFAQ's answer when the new texts are the old ones.
var ErrUnchanged = errors.New("desk: nothing changed")

// EditFAQ replaces an entry's question or answer (nil leaves one as it
// is), audited as any update; its status, paraphrases and review mark
// stay. An unknown key is tickets.ErrNotFound.
func (d *Desk) EditFAQ(ctx context.Context, key string, question, answer *string, actor string) (*tickets.FAQ, error) {
	var f *tickets.FAQ
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		if f, err = tx.FAQ(key); err != nil {
			return err
		}
		old := *f
		if question != nil {
			f.Question = strings.TrimSpace(*question)
		}
		if answer != nil {
			f.Answer = strings.TrimSpace(*answer)
		}
		if f.Question == old.Question && f.Answer == old.Answer {
			return ErrUnchanged
		}
		_, err = tx.PutFAQ(f, 0, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	d.reindex(ctx, faqChanges{key: true})
	return f, nil
}

// Publish publishes an entry. One drafted from a ticket needs review
// first (tickets.ErrNeedsReview); reviewed says a person has read it,
// which is recorded before it is published, in one transaction.
func (d *Desk) Publish(ctx context.Context, key, actor string, reviewed bool) error {
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		if reviewed {
			if err := tx.ReviewFAQ(key, actor); err != nil {
				return err
			}
		}
		return tx.SetFAQStatus(key, tickets.FAQPublished, actor)
	})
	if err != nil {
		return fmt.Errorf("desk: publishing FAQ %q: %w", key, err)
	}
	d.reindex(ctx, faqChanges{key: true})
	return nil
}
