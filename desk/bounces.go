package desk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// mailTierBounce tells a tier that another tier's address bounces.
const mailTierBounce = "tier_bounce"

// tierKinds are the mails that go to a tier's notify addresses.
var tierKinds = []string{mailNotice, mailReminder, mailBreach, mailForward, mailCopy, mailBounceNotice, mailDigest, mailTierBounce}

// reportsFailure reports whether a delivery report's action says the mail
// did not arrive: anything but a delay or a success (an unreadable action
// still reports a problem).
func reportsFailure(action string) bool {
	return !slices.Contains([]string{"delayed", "delivered", "relayed", "expanded"}, action)
}

// tierAddressBounced handles a delivery report of failure for one of our
// mails to a tier (out): a tier that does not get its mail hears of no
// ticket, so another tier is told: the next one, or for the last tier the
// first (with a single tier, its other addresses). Once per address and
// TierBounceWindow, not once per bounce: each bounce is on its ticket
// already (Desk.bounce). It returns what it did, for the inbound record.
func (d *Desk) tierAddressBounced(tx *tickets.Tx, out *tickets.Outgoing, dsn *mime.DSN) (string, error) {
	if !d.tiersOn() || !slices.Contains(tierKinds, out.Kind) || !reportsFailure(dsn.Action) {
		return "", nil
	}
	addr := strings.ToLower(out.To)
	from := slices.IndexFunc(d.opts.Tiers, func(tr Tier) bool {
		return slices.ContainsFunc(tr.Notify, func(a string) bool { return strings.EqualFold(a, addr) })
	})
	if from < 0 {
		return "", nil // no tier's address any more: the configuration changed since
	}
	to := (from + 1) % len(d.opts.Tiers)
	var rcpts []string
	for _, a := range d.opts.Tiers[to].Notify {
		if !strings.EqualFold(a, addr) {
			rcpts = append(rcpts, strings.ToLower(a))
		}
	}
	bounced, told := d.opts.Tiers[from].Name, d.opts.Tiers[to].Name
	if len(rcpts) == 0 {
		d.log.Warn("a tier's address bounces and no other address could be told", "tier", bounced, "address", addr)
		return bounced + "'s address " + addr + " bounces; no other tier address to tell", nil
	}
	report, err := tx.ReportTierBounce(addr, tx.Now().Add(-d.opts.TierBounceWindow))
	if err != nil || !report {
		return bounced + "'s address " + addr + " bounces (told within " + d.opts.TierBounceWindow.String() + ")", err
	}
	// About an address, not a ticket: from the default mailbox.
	box := d.defaultBox()
	data := templates.Data{
		Ticket: out.TicketRef, SupportAddress: box.Address, Tier: told, BouncedTier: bounced,
		BounceRecipient: addr, BounceStatus: dsn.Status, BounceDiagnostic: dsn.Diagnostic,
		Every: templates.FormatDuration(d.opts.TierBounceWindow, d.opts.Language),
	}
	for _, rcpt := range rcpts {
		data.ReplyAddress = rcpt
		m, err := d.tmpl.Render(mailTierBounce, d.opts.Language, data)
		if err != nil {
			return "", fmt.Errorf("desk: rendering %s: %w", mailTierBounce, err)
		}
		// About an address, not a ticket: no ticket, no token, and a
		// reply goes to the colleagues, as with a digest.
		if err := tx.QueueMail(&tickets.Outgoing{Kind: mailTierBounce, From: box.From, To: rcpt, Subject: m.Subject, Text: m.Text,
			MessageID: d.newMessageID(box, ""), ReplyTo: rcpt, AutoSubmitted: "auto-generated"}); err != nil {
			return "", err
		}
	}
	if out.TicketID != 0 {
		if err := tx.Event(out.TicketID, addr, "tier_bounce_reported", "system", map[string]any{"tier": bounced, "told": told, "to": rcpts}); err != nil {
			return "", err
		}
	}
	return bounced + "'s address " + addr + " bounces: told " + told, nil
}
