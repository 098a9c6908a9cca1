package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the FAQ as the console reads it: a page of entries, one
// entry with its history, and the matcher's answer to a text.

// FAQFilter selects a page of FAQ entries (status, language, search,
// paging).
type FAQFilter = tickets.FAQFilter

// FAQList is one page of FAQ entries, with the counts per status of the
// whole selection (the status filter aside).
type FAQList struct {
	Rows   []tickets.FAQRow
	Counts map[string]int
	Total  int // entries the filter selects, over all pages
}

// FAQList reads one page of FAQ entries, by key.
func (d *Desk) FAQList(ctx context.Context, f FAQFilter) (*FAQList, error) {
	var l FAQList
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		l.Rows, l.Counts, err = tx.FAQPage(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	for s, n := range l.Counts {
		if f.Status == "" || f.Status == s {
			l.Total += n
		}
	}
	return &l, nil
}

// FAQDetail is one entry with its paraphrases and audit trail (creation,
// edits, publishing, votes).
type FAQDetail struct {
	*tickets.FAQ
	Events []tickets.Event
}

// FAQDetail reads one entry; an unknown key is tickets.ErrNotFound
// (wrapped).
func (d *Desk) FAQDetail(ctx context.Context, key string) (*FAQDetail, error) {
	var v FAQDetail
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		if v.FAQ, err = tx.FAQ(key); err != nil {
			return err
		}
		v.Events, err = tx.FAQEvents(key)
		return err
	})
	if err != nil {
		return nil, err
	}
	v.Events = nonNil(v.Events)
	return &v, nil
}

// ErrNoResponder: the FAQ responder is switched off (responder.enabled).
var ErrNoResponder = errors.New("desk: the FAQ responder is disabled")

// maxTestText bounds the text of a match test: a mail's first screens say
// what it is about.
const maxTestText = 20000

// TestMatch runs the responder on a customer's text, as a new mail would
// be matched: the ranked candidates with their confidence, and the
// decision (auto, suggest, escalate) with its reason.
func (d *Desk) TestMatch(ctx context.Context, text string) (responder.Result, error) {
	if d.index == nil {
		return responder.Result{}, ErrNoResponder
	}
	text = strings.TrimSpace(text)
	if len(text) > maxTestText {
		text = strings.ToValidUTF8(text[:maxTestText], "") // a cut inside a character drops its bytes
	}
	res, err := d.index.Match(ctx, "", text)
	if err != nil {
		return res, fmt.Errorf("desk: matching: %w", err)
	}
	return res, nil
}

// HasResponder reports whether the FAQ responder is on (Gaps and TestMatch
// need it).
func (d *Desk) HasResponder() bool { return d.index != nil }
