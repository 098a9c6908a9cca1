package desk

import (
	"context"

	"github.com/madoguchi/madoguchi/tickets"
)

// TickResult counts what a tick changed.
type TickResult struct {
	Closed       int
	Confirmed    int  // automatic answers with no reply, resolved quietly
	IndexRebuilt bool // the FAQ changed in the database behind the index's back
}

// Tick applies the due timers: resolved tickets close after CloseAfter of
// quiet, automatic answers nobody replied to resolve after ConfirmAfter.
// It also brings the FAQ index up to date with changes another process
// (an admin's `madoguchi faq ...` while `run` holds the index) committed.
// `run` calls it on a timer, `run --once` once.
func (d *Desk) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	rebuilt, err := d.SyncIndex(ctx)
	if err != nil {
		return res, err
	}
	err = d.store.Update(ctx, func(tx *tickets.Tx) error {
		res = TickResult{IndexRebuilt: rebuilt}
		due, err := tx.ResolvedBefore(tx.Now().Add(-d.opts.CloseAfter), 500)
		if err != nil {
			return err
		}
		for _, t := range due {
			if err := tx.SetStatus(t, tickets.StatusClosed, "system", "quiet period over"); err != nil {
				return err
			}
			res.Closed++
		}
		quiet, err := tx.AutoAnsweredBefore(tx.Now().Add(-d.opts.ConfirmAfter), 500)
		if err != nil {
			return err
		}
		for _, t := range quiet {
			if err := tx.SetStatus(t, tickets.StatusResolved, "system", "no reply to the automatic answer within "+d.opts.ConfirmAfter.String()); err != nil {
				return err
			}
			res.Confirmed++
		}
		return nil
	})
	if err == nil && res.Closed+res.Confirmed > 0 {
		d.log.Info("timers applied", "closed", res.Closed, "resolved_quietly", res.Confirmed)
	}
	return res, err
}
