package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/tickets"
)

const outboxStatusHelp = `Statuses:
  pending  queued, or waiting for its next attempt ("pending (maybe sent)":
           an earlier attempt got no answer after the end of DATA, so the
           relay may hold the mail already)
  sent     the relay accepted it
  failed   given up: refused by the relay, smtp.max_attempts answered
           attempts, or smtp.give_up_after in the queue
  unknown  given up after an attempt that may have reached the relay: the
           customer may have it; not re-queued by --failed`

func newOutboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "Outgoing mail and its delivery state",
		Long:  "outbox lists the outgoing mail and re-queues mail that was given up.\n\n" + outboxStatusHelp,
	}
	cmd.AddCommand(newOutboxListCmd(g), newOutboxRetryCmd(g))
	return cmd
}

func newOutboxListCmd(g *globals) *cobra.Command {
	var status, ticket string
	var lf listFlags
	list := &cobra.Command{
		Use:   "list [--status S] [--ticket REF] [--limit N] [--offset N] [--json]",
		Short: "List outgoing mail with its status, oldest first",
		Long:  "list prints every outgoing mail, or only those in one status or of one ticket.\n\n" + outboxStatusHelp,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := lf.check("outbox list"); err != nil {
				return err
			}
			if status != "" && !slices.Contains(tickets.OutStatuses, tickets.OutStatus(status)) {
				return usageErr("outbox list: unknown status %q (%s)", status, outStatusList())
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				var list []*tickets.Outgoing
				var err error
				switch {
				case ticket != "":
					t, terr := findTicket(tx, "outbox list", ticket, c.ErrOrStderr())
					if terr != nil {
						return terr
					}
					list, err = tx.OutgoingList(t.ID)
				case status != "":
					list, err = tx.OutgoingWithStatus(tickets.OutStatus(status))
				default:
					list, err = tx.OutgoingList(0)
				}
				if err != nil {
					return err
				}
				if ticket != "" && status != "" {
					list = slices.DeleteFunc(list, func(o *tickets.Outgoing) bool { return string(o.Status) != status })
				}
				list = page(list, lf.limit, lf.offset)
				if lf.json {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				t := newTable("ID", "TICKET", "KIND", "TO", "STATUS", "ATTEMPTS", "DEFERRED", "NEXT", "SUBJECT", "LAST ERROR")
				for _, o := range list {
					next := "-"
					if o.Status == tickets.OutPending {
						next = when(o.NextAttemptAt)
					}
					t.row(fmt.Sprint(o.ID), o.TicketRef, o.Kind, o.To, outStatusLabel(o), fmt.Sprint(o.Attempts),
						fmt.Sprint(o.Deferrals), next, o.Subject, o.LastError)
				}
				return t.print(c)
			})
		},
	}
	list.Flags().StringVar(&status, "status", "", "only mail in this status: "+outStatusList())
	list.Flags().StringVar(&ticket, "ticket", "", "only mail of this ticket (REF)")
	lf.add(list)
	return list
}

func newOutboxRetryCmd(g *globals) *cobra.Command {
	var failed bool
	var actor string
	retry := &cobra.Command{
		Use:   "retry {ID... | --failed} [--actor NAME]",
		Short: "Re-queue mail that was given up",
		Long: `retry puts given-up mail back in the queue, due now: the mail with the IDs
given (from outbox list; failed or unknown), or with --failed every failed
one (an outage that outlasted smtp.give_up_after, say). Attempts and
deferrals count afresh and smtp.give_up_after runs from now; each mail keeps
its Message-ID. A running gateway sends it within a minute, run --once at
once.

Mail in status unknown may have reached the customer already, so --failed
leaves it alone: name it by ID to send it again.

Every re-queue is audited with --actor (default: the operating-system user).
All IDs are re-queued in one transaction, or none when one cannot be.`,
		RunE: func(c *cobra.Command, args []string) error {
			done, err := requeue(g, c, "outbox retry", "mail", failed, args, actor, (*tickets.Tx).RequeueFailed, (*tickets.Tx).Requeue)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			for _, o := range done {
				fmt.Fprintf(out, "re-queued mail %d (%s) to %s\n", o.ID, printable(o.Kind), printable(o.To))
			}
			fmt.Fprintf(out, "%d mails re-queued\n", len(done))
			return nil
		},
	}
	retry.Flags().BoolVar(&failed, "failed", false, "re-queue every failed mail")
	retry.Flags().StringVar(&actor, "actor", defaultActor(), "who re-queues, for the audit trail; defaults to the operating-system user")
	return retry
}

// outStatusLabel is the STATUS column: a pending mail the relay may hold
// already says so.
func outStatusLabel(o *tickets.Outgoing) string {
	if o.Status == tickets.OutPending && o.OutcomeUnknown {
		return "pending (maybe sent)"
	}
	return string(o.Status)
}

func outStatusList() string {
	out := make([]string, len(tickets.OutStatuses))
	for i, s := range tickets.OutStatuses {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// requeue is the work of `outbox retry` and `webhooks retry`: the rows
// named by ID in args, or with failed every failed one, re-queued in one
// transaction (or none when one cannot be) and audited under actor. what
// names a row in errors ("mail").
func requeue[T any](g *globals, c *cobra.Command, name, what string, failed bool, args []string, actor string,
	all func(*tickets.Tx, string) ([]T, error), one func(*tickets.Tx, int64, string) (T, error)) ([]T, error) {
	if failed == (len(args) > 0) {
		return nil, usageErr("%s: give %s IDs or --failed, not both", name, what)
	}
	if strings.TrimSpace(actor) == "" {
		return nil, usageErr("%s: --actor is empty", name)
	}
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usageErr("%s: %q is not %s ID (the first column of the list)", name, a, article(what))
		}
		ids[i] = id
	}
	a, err := openStore(g)
	if err != nil {
		return nil, err
	}
	defer a.close()
	var done []T
	err = a.store.Update(c.Context(), func(tx *tickets.Tx) error {
		if failed {
			var err error
			done, err = all(tx, actor)
			return err
		}
		for _, id := range ids {
			row, err := one(tx, id, actor)
			if err != nil {
				return fmt.Errorf("%s: %s %d: %w", name, what, id, err)
			}
			done = append(done, row)
		}
		return nil
	})
	return done, err
}

// article is "a mail", "an event".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
