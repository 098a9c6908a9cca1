package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/tickets"
)

const webhooksStatusHelp = `Statuses:
  pending  queued, or waiting for its next attempt ("pending (maybe sent)":
           an earlier attempt got no answer after the whole request went
           out, so the receiver may have the event already)
  sent     the receiver answered 2xx
  failed   given up: refused by the receiver (4xx), max_attempts answered
           attempts, or give_up_after in the queue
  unknown  given up after an attempt that may have reached the receiver;
           not re-queued by --failed

An event keeps its id (X-Madoguchi-Event-Id) on every attempt and re-queue:
a receiver that remembers ids acts on it once.`

func newWebhooksCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Events queued for the outgoing webhooks and their delivery state",
		Long: `webhooks lists the events queued for [[webhooks]] and re-queues those that
were given up. Each ticket change a webhook asks for (ticket.created,
ticket.escalated, ticket.breached, ticket.resolved, ticket.closed,
faq.auto_answered) is written in the change's transaction and delivered by
the running gateway (or run --once) with retries.

` + webhooksStatusHelp,
	}
	cmd.AddCommand(newWebhooksListCmd(g), newWebhooksRetryCmd(g))
	return cmd
}

func newWebhooksListCmd(g *globals) *cobra.Command {
	var status, hook, ticket string
	var lf listFlags
	list := &cobra.Command{
		Use:   "list [--status S] [--webhook NAME] [--ticket REF] [--limit N] [--offset N] [--json]",
		Short: "List queued webhook events with their delivery status, oldest first",
		Long: `list prints every queued webhook event, or those in one status, of one
webhook or of one ticket: its id, the webhook, the event and its id, the
ticket, the status, attempts (the receiver answered) and deferrals (it could
not be reached), the next attempt and the last error. --json adds the body
as it is sent. URLs and secrets are never shown.

` + webhooksStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := lf.check("webhooks list"); err != nil {
				return err
			}
			if status != "" && !slices.Contains(tickets.OutStatuses, tickets.OutStatus(status)) {
				return usageErr("webhooks list: unknown status %q (%s)", status, outStatusList())
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				f := tickets.WebhookFilter{Status: tickets.OutStatus(status), Webhook: hook}
				if ticket != "" {
					t, err := findTicket(tx, "webhooks list", ticket, c.ErrOrStderr())
					if err != nil {
						return err
					}
					f.TicketID = t.ID
				}
				list, err := tx.WebhookDeliveries(f)
				if err != nil {
					return err
				}
				list = page(list, lf.limit, lf.offset)
				if lf.json {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				t := newTable("ID", "WEBHOOK", "EVENT", "EVENT ID", "TICKET", "STATUS", "ATTEMPTS", "DEFERRED", "NEXT", "LAST ERROR")
				for _, d := range list {
					next := "-"
					if d.Status == tickets.OutPending {
						next = when(d.NextAttemptAt)
					}
					label := string(d.Status)
					if d.Status == tickets.OutPending && d.OutcomeUnknown {
						label = "pending (maybe sent)"
					}
					t.row(fmt.Sprint(d.ID), d.Webhook, d.EventType, d.EventID, d.TicketRef, label, fmt.Sprint(d.Attempts),
						fmt.Sprint(d.Deferrals), next, d.LastError)
				}
				return t.print(c)
			})
		},
	}
	list.Flags().StringVar(&status, "status", "", "only events in this status: "+outStatusList())
	list.Flags().StringVar(&hook, "webhook", "", "only events of this webhook (its name)")
	list.Flags().StringVar(&ticket, "ticket", "", "only events of this ticket (REF)")
	lf.add(list)
	return list
}

func newWebhooksRetryCmd(g *globals) *cobra.Command {
	var failed bool
	var actor string
	retry := &cobra.Command{
		Use:   "retry {ID... | --failed} [--actor NAME]",
		Short: "Re-queue webhook events that were given up",
		Long: `retry puts given-up webhook events back in the queue, due now: the ones with
the IDs given (from webhooks list; failed or unknown), or with --failed every
failed one (a receiver that was down longer than its give_up_after, say).
Attempts and deferrals count afresh and give_up_after runs from now; each
event keeps its id and body. A running gateway sends them at once, run
--once at its next run.

Events in status unknown may have reached the receiver already, so --failed
leaves them alone: name them by ID to send them again.

Every re-queue is audited with --actor (default: the operating-system user).
All IDs are re-queued in one transaction, or none when one cannot be.`,
		RunE: func(c *cobra.Command, args []string) error {
			done, err := requeue(g, c, "webhooks retry", "event", failed, args, actor, (*tickets.Tx).RequeueFailedWebhooks, (*tickets.Tx).RequeueWebhook)
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			for _, d := range done {
				fmt.Fprintf(out, "re-queued %d (%s %s) for %s\n", d.ID, d.EventType, d.EventID, printable(d.Webhook))
			}
			fmt.Fprintf(out, "%d %s re-queued\n", len(done), plural(len(done), "event", "events"))
			return nil
		},
	}
	retry.Flags().BoolVar(&failed, "failed", false, "re-queue every failed event")
	retry.Flags().StringVar(&actor, "actor", defaultActor(), "who re-queues, for the audit trail; defaults to the operating-system user")
	return retry
}
