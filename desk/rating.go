package desk

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the customers' satisfaction: the resolution mail and the
// automatic answer ask how it went, and the page behind each link records
// a rating, good or bad, with an optional comment, when the customer
// presses its button (a GET records nothing: mail scanners open every
// link). One rating a ticket; a later one replaces it until the ticket
// closes. A rating of an automatic answer is the customer's verdict on
// its FAQ entry, the same as their reply by mail (one vote a ticket, which
// a change of mind moves); a bad one brings in a person. A bad rating of
// the agents' resolution goes to the tier that resolved it, and every bad
// rating to the admins, with the comment.

// mailRatingBad tells the tier that resolved a ticket, and the admins,
// that its customer rated it bad.
const mailRatingBad = "rating_bad"

// MaxRatingComment is the longest comment a rating takes, in characters.
const MaxRatingComment = 2000

// Why a rating is refused.
var (
	ErrNothingToRate = errors.New("desk: nothing to rate yet: the request is being worked on")
	ErrRatingClosed  = errors.New("desk: the request is closed and its rating stands")
	ErrBadRating     = errors.New("desk: a rating is good or bad")
)

// Rated is what a rating did.
type Rated struct {
	Ticket  string
	Status  tickets.Status
	Rating  *tickets.Rating
	Changed bool     // false: the same rating and comment again, nothing recorded
	Sent    []string // kinds of mail queued
	Reason  string
}

// Rate records the rating (tickets.RatingGood or RatingBad) and comment
// of the customer a status link was made for, on its ticket.
func (d *Desk) Rate(ctx context.Context, token, rating, comment string) (Rated, error) {
	if !tickets.ValidRating(rating) {
		return Rated{}, ErrBadRating
	}
	comment = strings.TrimSpace(strings.ReplaceAll(comment, "\r\n", "\n"))
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		comment = templates.Truncate(comment, MaxRatingComment)
	}
	var res Rated
	var changed faqChanges
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		res, changed = Rated{}, faqChanges{}
		t, addr, err := d.openStatus(tx, token)
		if err != nil {
			return err
		}
		res.Ticket, res.Status = t.Ref, t.Status
		answer, resolver, err := d.ratedAnswer(tx, t)
		if err != nil {
			return err
		}
		if answer == "" {
			return ErrNothingToRate
		}
		if role, err := d.senderRole(tx, t, addr); err != nil {
			return err
		} else if role == tickets.RoleStranger {
			return ErrStatusLinkInvalid
		}
		prev, err := tx.Rating(t.ID)
		if err != nil {
			return err
		}
		if t.Status == tickets.StatusClosed && prev != nil {
			return ErrRatingClosed
		}
		if prev != nil && prev.Rating == rating && prev.Comment == comment && prev.Answer == answer {
			// Pressed twice, or the page reloaded: recorded once.
			res.Rating = prev
			d.nameRating(res.Rating)
			return nil
		}
		r := &tickets.Rating{Rating: rating, Comment: comment, By: addr, Answer: answer, Tier: -1, Agent: resolver,
			Priority: t.Priority, Type: t.Type}
		if answer == tickets.AnswerAuto {
			r.FAQKey = t.AutoAnswerKey
		} else if !t.TierSince.IsZero() {
			r.Tier = t.Tier
		}
		if err := tx.PutRating(t, r); err != nil {
			return err
		}
		detail := map[string]any{"rating": rating, "answer": answer, "comment": comment}
		if prev != nil {
			detail["replaces"] = prev.Rating
		}
		if err := tx.Event(t.ID, r.FAQKey, "rated", addr, detail); err != nil {
			return err
		}
		res.Rating, res.Changed = r, true
		var oc Outcome
		if answer == tickets.AnswerAuto {
			if err := d.rateAutoAnswer(tx, t, r, &oc, &changed); err != nil {
				return err
			}
		}
		if rating == tickets.RatingBad && (prev == nil || prev.Rating != tickets.RatingBad || prev.Comment != comment) {
			// The agents' resolution: its tier hears of it. An automatic
			// answer rated bad went to a person above (the notice says so).
			if err := d.tellBadRating(tx, t, r, answer == tickets.AnswerAgent, &oc); err != nil {
				return err
			}
		}
		d.nameRating(r)
		res.Status, res.Sent, res.Reason = t.Status, oc.Sent, oc.Reason
		return nil
	})
	if err != nil {
		return Rated{}, err
	}
	d.reindex(ctx, changed)
	if len(res.Sent) > 0 {
		d.poke()
	}
	if res.Changed {
		d.log.Info("customer rated", "ticket", res.Ticket, "rating", rating, "answer", res.Rating.Answer, "status", res.Status, "sent", res.Sent)
	}
	return res, nil
}

// rateAutoAnswer is a rating of an automatic answer as the customer's
// verdict on its entry, as their reply by mail would be: good resolves
// a ticket still waiting on it and counts the entry helpful (with the
// customer's wording kept, confirmed); bad counts it not helpful, takes
// back what the ticket taught it, and hands the ticket to a person (a
// resolved one reopens). A ticket votes once: a change of mind moves its
// vote (voteFAQ).
func (d *Desk) rateAutoAnswer(tx *tickets.Tx, t *tickets.Ticket, r *tickets.Rating, oc *Outcome, changed *faqChanges) error {
	key := t.AutoAnswerKey
	if key == "" {
		return nil
	}
	actor := r.By
	if r.Rating == tickets.RatingGood {
		if t.Status == tickets.StatusAutoAnswered {
			if err := tx.SetStatus(t, tickets.StatusResolved, actor, "customer rated FAQ "+key+" good"); err != nil {
				return err
			}
			oc.Reason = joinReason(oc.Reason, "customer rated FAQ "+key+" good: resolved")
		}
		return d.confirmFAQ(tx, t, key, actor, changed)
	}
	if err := voteFAQ(tx, t, key, false, actor, changed); err != nil {
		return err
	}
	if _, err := tx.RemoveTicketParaphrases(t.ID, key, "bad_rating", actor); err != nil {
		return err
	}
	if t.Status != tickets.StatusAutoAnswered && t.Status != tickets.StatusResolved {
		return nil // closed: nothing left to work; the admins hear of it
	}
	// The notice quotes the comment as the words that came with the reason.
	return d.escalate(tx, t, nil, actor, templates.Reason{Code: templates.ReasonRatedBad, Key: key, Words: r.Comment}, oc)
}

// tellBadRating mails a bad rating, with its comment, to the tier that
// resolved the ticket (toTier: the agents' resolution, when a tier had
// it) and to every admin not on that tier's list, in desk.language. The
// tier's mail carries its reply token: a reply to it writes to the
// customer. Without tiers and admins nobody is mailed; the rating is on
// the ticket either way.
func (d *Desk) tellBadRating(tx *tickets.Tx, t *tickets.Ticket, r *tickets.Rating, toTier bool, oc *Outcome) error {
	data, _, err := d.ticketData(tx, t, nil)
	if err != nil {
		return err
	}
	data.Attachments, data.Suggestions = nil, nil
	data.Text, data.From, data.Agent, data.FAQKey = r.Comment, r.By, r.Agent, r.FAQKey
	if d.opts.ConsoleURL != "" {
		data.ConsoleLink = strings.TrimRight(d.opts.ConsoleURL, "/") + "/tickets/" + t.Ref
	}
	told := map[string]bool{}
	if toTier && d.tiersOn() && r.Tier >= 0 {
		n, err := d.notifyTier(tx, t, r.Tier, mailRatingBad, data, nil, "")
		if err != nil {
			return err
		}
		if n > 0 {
			oc.Sent = append(oc.Sent, mailRatingBad)
		}
		tr, _ := d.tier(r.Tier)
		for _, a := range tr.Notify {
			told[strings.ToLower(a)] = true
		}
	}
	if len(d.opts.Admins) == 0 {
		return nil
	}
	m, err := d.tmpl.Render(mailRatingBad, d.opts.Language, data)
	if err != nil {
		return err
	}
	for _, a := range d.opts.Admins {
		a = strings.ToLower(strings.TrimSpace(a))
		if told[a] {
			continue
		}
		told[a] = true
		err := tx.QueueMail(&tickets.Outgoing{TicketID: t.ID, TicketRef: t.Ref, Kind: mailRatingBad, To: a, Subject: m.Subject,
			Text: m.Text, MessageID: d.newMessageID(d.boxOf(t), t.Ref), From: d.boxOf(t).From, AutoSubmitted: "auto-generated"})
		if err != nil {
			return err
		}
		oc.Sent = append(oc.Sent, mailRatingBad)
	}
	return nil
}

// Rating is the rating of ticket ref; nil when it has none.
func (d *Desk) Rating(ctx context.Context, ref string) (*tickets.Rating, error) {
	var r *tickets.Rating
	err := d.store.View(ctx, func(tx *tickets.Tx) error {
		t, err := tx.FindTicket(ref)
		if err != nil {
			return err
		}
		r, err = tx.Rating(t.ID)
		d.nameRating(r)
		return err
	})
	return r, err
}
