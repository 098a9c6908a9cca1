package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/madoguchi/madoguchi/tickets"
)

// DraftFAQ stores f as a new entry, a draft, audited under actor. A key in
// use is refused with a *tickets.FAQExistsError, never replaced: the key
// may be an entry an admin curated and published.
func (d *Desk) DraftFAQ(ctx context.Context, f tickets.FAQ, actor string) (*tickets.FAQ, error) {
	f.Status, f.Paraphrases, f.NeedsReview = tickets.FAQDraft, nil, false
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		old, err := tx.FAQ(f.Key)
		switch {
		case err == nil:
			return &tickets.FAQExistsError{Key: f.Key, Status: old.Status}
		case !errors.Is(err, tickets.ErrNotFound):
			return err
		}
		_, err = tx.PutFAQ(&f, 0, actor)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("desk: drafting FAQ %q: %w", f.Key, err)
	}
	d.reindex(ctx, faqChanges{f.Key: true})
	return &f, nil
}
