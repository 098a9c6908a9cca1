package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// printRelations prints the lines of `tickets show` that relate a ticket
// to others: what it was merged into, its major incident window, the
// tickets linked to it and those merged or attached into it.
func printRelations(out io.Writer, t *tickets.Ticket, r *tickets.Relations) {
	switch t.ClosedReason {
	case tickets.ClosedMerged:
		fmt.Fprintf(out, "merged into %s: its customer's mail acts there\n", t.MergedInto)
	case tickets.ClosedAttached:
		fmt.Fprintf(out, "attached to major incident %s: its customer's mail acts there\n", t.MergedInto)
	}
	if r == nil {
		return
	}
	if m := r.Major; m != nil {
		switch {
		case !m.EndedAt.IsZero():
			fmt.Fprintf(out, "major incident (declared by %s at %s; new mails attached until %s, by %s)\n", printable(m.DeclaredBy), when(m.DeclaredAt), when(m.EndedAt), printable(m.EndedBy))
		default:
			fmt.Fprintf(out, "major incident (declared by %s at %s): new mails about it attach until %s\n", printable(m.DeclaredBy), when(m.DeclaredAt), when(m.Until))
		}
	}
	for _, l := range r.Linked {
		fmt.Fprintf(out, "related %s (%s): %s\n", l.Ref, l.Status, printable(l.Subject))
	}
	for _, k := range []struct {
		what  string
		list  []tickets.Related
		count int
	}{{"merged here", r.Merged, r.MergedCount}, {"attached report", r.Attached, r.AttachedCount}} {
		for _, x := range k.list {
			fmt.Fprintf(out, "%s: %s from %s: %s\n", k.what, x.Ref, printable(strings.TrimSpace(x.RequesterName+" <"+x.Requester+">")), printable(x.Subject))
		}
		if more := k.count - len(k.list); more > 0 {
			fmt.Fprintf(out, "%s: … and %d more\n", k.what, more)
		}
	}
}

func newTicketsRecurringCmd(g *globals) *cobra.Command {
	opts := desk.RecurringOptions{Limit: desk.DefaultRecurringLimit, Min: 2}
	since := config.Duration{Duration: desk.DefaultRecurringWindow}.String()
	var asJSON bool
	c := &cobra.Command{
		Use:   "recurring [--since DURATION] [--limit N] [--min N] [--json]",
		Short: "Groups of resolved incidents that look alike, with counts by month, largest first",
		Long: `recurring lists the incidents that keep coming back, so the desk can write
the FAQ entry or fix the cause: groups of resolved (and closed) incidents
that the same FAQ entry answered (automatically, or by an agent's #answer),
or whose first reports read alike (compared as the FAQ matcher reads
mail), with how many were resolved each month (in sla.hours.time_zone,
else UTC), largest group first. A ticket merged into another, or attached
to a major incident, is part of that one, not an incident of its own;
service requests are not incidents.

It reads the incidents resolved within --since (default 180d) before now,
the newest --limit (default 1000) of them, in one query, and groups them
outside any transaction; only groups of at least --min (default 2) are
listed. --json prints the groups as a list of {"faq_keys", "count",
"tickets" (newest first), "subjects", "sample", "months": [{"month",
"count"}], "first_resolved_at", "last_resolved_at"}.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var d config.Duration
			if err := d.UnmarshalText([]byte(since)); err != nil || d.Duration <= 0 {
				return usageErr("tickets recurring: --since %q is not a positive duration (\"180d\", \"12w\", \"36h\")", since)
			}
			opts.Since = d.Duration
			if opts.Limit < 1 {
				return usageErr("tickets recurring: --limit %d is not a positive number", opts.Limit)
			}
			if opts.Min < 2 {
				return usageErr("tickets recurring: --min %d is less than 2: one incident is no recurrence", opts.Min)
			}
			// Grouping needs no FAQ index: it builds one of its own.
			noIndex := func(cfg *config.Config) { cfg.Responder.Enabled = false }
			return withDesk(g, c, indexRead, noIndex, func(ctx context.Context, a *app) error {
				list, err := a.desk.Recurring(ctx, opts)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				return printRecurring(c, list, d)
			})
		},
	}
	c.Flags().StringVar(&since, "since", since, `only incidents resolved within this long before now ("180d", "12w", "36h")`)
	c.Flags().IntVar(&opts.Limit, "limit", opts.Limit, "at most the N most recently resolved of them")
	c.Flags().IntVar(&opts.Min, "min", opts.Min, "only groups of at least N incidents")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printRecurring(c *cobra.Command, list []desk.Recurrence, since config.Duration) error {
	if len(list) == 0 {
		fmt.Fprintf(c.OutOrStdout(), "no recurring incidents among those resolved in the last %s\n", since)
		return nil
	}
	tb := newTable("COUNT", "FAQ", "BY MONTH", "LAST", "TICKETS", "SAMPLE")
	for _, r := range list {
		refs := r.Tickets
		if len(refs) > 5 {
			refs = append(refs[:5:5], "…")
		}
		tb.row(fmt.Sprint(r.Count), orDash(strings.Join(r.FAQKeys, ",")), monthsLine(r.Months), when(r.Last),
			strings.Join(refs, " "), r.Sample)
	}
	return tb.print(c)
}

// monthsLine is counts by month as "2026-10:1 2026-11:3".
func monthsLine(ms []desk.MonthCount) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s:%d", m.Month, m.Count)
	}
	return strings.Join(out, " ")
}

// orDash is s, or "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
