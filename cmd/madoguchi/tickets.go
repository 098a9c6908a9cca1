package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

func newTicketsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tickets",
		Short: "List, show and work tickets",
		Long: `tickets lists and shows tickets, and works them from the terminal as an
agent would by mail: every action goes through the same checks, is audited
under --actor, and sends the customer and the tier the same mail (queued;
the running gateway, or the next run --once, delivers it).`,
	}
	cmd.AddCommand(newTicketsListCmd(g), newTicketsShowCmd(g), newTicketsAttachmentCmd(g))
	for _, a := range ticketActions {
		cmd.AddCommand(newTicketActionCmd(g, a))
	}
	return cmd
}

func newTicketsListCmd(g *globals) *cobra.Command {
	f := desk.QueueFilter{Tier: -1}
	var status, tier string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--status S] [--priority P] [--type T] [--tier NAME] [--assignee A] [--overdue] [--auto] [--search TEXT] [--order O] [--limit N] [--offset N] [--json]",
		Short: "List tickets, newest first",
		Long: `list prints tickets, newest first (or in --order), as the console's queue
lists them: the same read, so the two agree. Filters combine:
  --status     new, auto_answered, escalated, in_progress, on_hold, resolved, closed
  --priority   P1 … P5
  --type       incident, service_request
  --tier       a tier's name
  --assignee   an agent's address; - for nobody
  --overdue    open tickets past a respond (before the first answer) or resolve due time
  --auto       tickets answered automatically from the FAQ
  --search     text in the subject or in any entry of the ticket (three characters
               or more go through the full-text index; case is ignored)
  --order      newest (default), oldest, due (the next due time, overdue first),
               updated, priority`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if status != "" && !validStatus(status) {
				return usageErr("unknown status %q (new, auto_answered, escalated, in_progress, on_hold, resolved, closed)", status)
			}
			f.Status = tickets.Status(status)
			f.Priority = strings.ToUpper(f.Priority)
			if f.Priority != "" && !validPriority(f.Priority) {
				return usageErr("unknown priority %q (P1 … P5)", f.Priority)
			}
			if f.Type != "" && f.Type != tickets.Incident && f.Type != tickets.ServiceRequest {
				return usageErr("unknown type %q (incident, service_request)", f.Type)
			}
			if !slices.Contains(tickets.QueueOrders(), f.Order) {
				return usageErr("unknown order %q (%s)", f.Order, strings.Join(tickets.QueueOrders(), ", "))
			}
			if err := checkPaging("tickets list", f.Limit, f.Offset); err != nil {
				return err
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if tier != "" {
				i := slices.IndexFunc(cfg.Escalation.Tiers, func(t config.Tier) bool { return strings.EqualFold(t.Name, tier) })
				if i < 0 {
					return usageErr("no tier named %q in escalation.tiers", tier)
				}
				f.Tier = i
			}
			a, err := openReader(cfg, newLogger(cfg.Log, c.ErrOrStderr()))
			if err != nil {
				return err
			}
			defer a.close()
			q, err := a.desk.Queue(c.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), q.Items)
			}
			tb := newTable("REF", "STATUS", "PRIORITY", "TYPE", "TIER", "ASSIGNEE", "REQUESTER", "DUE", "SUBJECT")
			for _, t := range q.Items {
				due := when(t.ResolveDueAt)
				if t.Overdue {
					due += " (overdue)"
				}
				tb.row(t.Ref, string(t.Status), t.Priority, t.Type, t.TierName, t.Assignee, t.Requester, due, t.Subject)
			}
			return tb.print(c)
		},
	}
	c.Flags().StringVar(&status, "status", "", "only tickets in this status")
	c.Flags().StringVar(&f.Priority, "priority", "", "only tickets of this priority (P1 … P5)")
	c.Flags().StringVar(&f.Type, "type", "", "only tickets of this type (incident, service_request)")
	c.Flags().StringVar(&tier, "tier", "", "only tickets with this tier (its name)")
	c.Flags().StringVar(&f.Assignee, "assignee", "", "only tickets assigned to this address (- for nobody)")
	c.Flags().BoolVar(&f.Overdue, "overdue", false, "only open tickets past a due time")
	c.Flags().BoolVar(&f.Auto, "auto", false, "only tickets answered automatically from the FAQ")
	c.Flags().StringVar(&f.Search, "search", "", "only tickets whose subject or text holds this")
	c.Flags().StringVar(&f.Order, "order", "newest", "newest, oldest, due, updated or priority")
	addPaging(c, &f.Limit, &f.Offset)
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newTicketsShowCmd(g *globals) *cobra.Command {
	var showJSON bool
	c := &cobra.Command{
		Use:   "show REF [--json]",
		Short: "Show a ticket with its entries, SLA times and audit trail",
		Long: `show prints a ticket: its state, SLA times and breaches, participants, FAQ
suggestions, and every entry with its text, as the console's ticket page
reads it. Attachments are numbered 1, 2, … across the ticket: tickets
attachment REF N saves one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			a, err := openReader(cfg, newLogger(cfg.Log, c.ErrOrStderr()))
			if err != nil {
				return err
			}
			defer a.close()
			v, err := a.desk.TicketDetail(c.Context(), args[0])
			if err != nil {
				return fmt.Errorf("ticket %s: %w", args[0], err)
			}
			if showJSON {
				return writeJSON(c.OutOrStdout(), v)
			}
			return printTicket(c.OutOrStdout(), v)
		},
	}
	c.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	return c
}

func validPriority(p string) bool {
	for _, v := range tickets.Priorities {
		if p == v {
			return true
		}
	}
	return false
}

func printTicket(out io.Writer, v *desk.TicketDetail) error {
	t := v.Ticket
	fmt.Fprintf(out, "%s  %s\n", t.Ref, printable(t.Subject))
	fmt.Fprintf(out, "status %s · %s · %s (impact %s, urgency %s)\n", t.Status, t.Type, t.Priority, t.Impact, t.Urgency)
	fmt.Fprintf(out, "requester %s · language %s · created %s\n", printable(strings.TrimSpace(t.RequesterName+" <"+t.Requester+">")), t.Language, when(t.CreatedAt))
	if len(v.Participants) > 0 {
		fmt.Fprintf(out, "participants %s\n", printable(strings.Join(v.Participants, ", ")))
	}
	if t.TierName != "" || t.Assignee != "" {
		fmt.Fprintf(out, "tier %s · assigned to %s\n", orDash(t.TierName), orDash(t.Assignee))
	}
	fmt.Fprintf(out, "respond by %s (first response %s) · resolve by %s\n", when(t.RespondDueAt), when(t.FirstResponseAt), when(t.ResolveDueAt))
	for _, b := range t.Breaches {
		fmt.Fprintf(out, "SLA %s target breached at %s\n", b.Target, when(b.At))
	}
	if t.LinkedTicket != "" {
		fmt.Fprintf(out, "follows %s\n", t.LinkedTicket)
	}
	if t.AutoAnswerKey != "" {
		fmt.Fprintf(out, "answered automatically from FAQ %s at %s\n", t.AutoAnswerKey, when(t.AutoAnswerAt))
	}
	if len(v.Suggestions) > 0 {
		fmt.Fprintf(out, "FAQ suggestions:")
		for _, s := range v.Suggestions {
			fmt.Fprintf(out, " %s (%.2f)", s.Key, s.Confidence)
		}
		fmt.Fprintln(out)
	}
	n := 0 // attachments are numbered across the ticket, for tickets attachment
	for _, e := range v.Entries {
		role := ""
		if e.Role != "" {
			role = " (" + string(e.Role) + ")"
		}
		fmt.Fprintf(out, "\n── %s %s %s  %s%s → %s\n", when(e.CreatedAt), e.Direction, e.Kind, printable(e.From), role, printable(e.To))
		if e.Subject != "" {
			fmt.Fprintf(out, "   Subject: %s\n", printable(e.Subject))
		}
		for _, line := range strings.Split(strings.TrimSpace(printable(e.Text)), "\n") {
			fmt.Fprintf(out, "   %s\n", line)
		}
		for _, a := range e.Attachments {
			n++
			fmt.Fprintf(out, "   [attachment %d] %s (%s, %d bytes)\n", n, printable(a.Filename), printable(a.ContentType), a.Size)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ticketAction is one `madoguchi tickets VERB REF ...` command: the mail
// command it stands for and what it takes.
type ticketAction struct {
	verb    string
	args    string // usage after REF
	short   string
	command func(args []string) (cmds []string, text string, err error)
	nargs   int  // arguments after REF
	text    bool // the last argument is TEXT (or - for standard input), optional unless nargs counts it
}

var ticketActions = []ticketAction{
	{verb: "reply", args: "REF TEXT|-", short: "Relay TEXT to the customer as an agent (- reads standard input)", nargs: 1, text: true,
		command: func(a []string) ([]string, string, error) { return nil, a[0], nil }},
	{verb: "note", args: "REF TEXT|-", short: "Add an internal note (never sent to the customer)", nargs: 1, text: true,
		command: func(a []string) ([]string, string, error) { return []string{"note"}, a[0], nil }},
	{verb: "resolve", args: "REF [TEXT|-]", short: "Resolve; TEXT goes to the customer in the resolution mail", text: true,
		command: func(a []string) ([]string, string, error) { return []string{"resolve"}, first(a), nil }},
	{verb: "close", args: "REF", short: "Close at once",
		command: func(a []string) ([]string, string, error) { return []string{"close"}, "", nil }},
	{verb: "hold", args: "REF [TEXT|-]", short: "Put on hold (the SLA clock pauses); TEXT is relayed to the customer", text: true,
		command: func(a []string) ([]string, string, error) { return []string{"hold"}, first(a), nil }},
	{verb: "take", args: "REF", short: "Assign to yourself (--actor)",
		command: func(a []string) ([]string, string, error) { return []string{"take"}, "", nil }},
	{verb: "assign", args: "REF ADDRESS", short: "Assign to an agent", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"assign " + a[0]}, "", nil }},
	{verb: "priority", args: "REF P1…P5", short: "Change the priority (and the SLA due times)", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"priority " + a[0]}, "", nil }},
	{verb: "type", args: "REF incident|request", short: "Change the ticket type", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"type " + a[0]}, "", nil }},
	{verb: "escalate", args: "REF", short: "Hand to the next tier",
		command: func(a []string) ([]string, string, error) { return []string{"escalate"}, "", nil }},
	{verb: "answer", args: "REF KEY [TEXT|-]", short: "Send FAQ entry KEY as the answer (the customer's wording becomes its paraphrase)", nargs: 1, text: true,
		command: func(a []string) ([]string, string, error) { return []string{"answer " + a[0]}, first(a[1:]), nil }},
}

func first(a []string) string {
	if len(a) > 0 {
		return a[0]
	}
	return ""
}

func newTicketActionCmd(g *globals, act ticketAction) *cobra.Command {
	var actor string
	maxArgs := 1 + act.nargs
	if act.text && act.verb != "reply" && act.verb != "note" {
		maxArgs++
	}
	c := &cobra.Command{
		Use:   act.verb + " " + act.args + " [--actor NAME]",
		Short: act.short,
		Long: act.short + `.

The same as the #` + act.verb + ` command in an agent's reply by mail: the same checks
(nothing is done unless all of it can be), the same mail to the customer
and a copy to the ticket's tier, audited under --actor.`,
		Args: cobra.RangeArgs(1+act.nargs, maxArgs),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkActor("tickets "+act.verb, actor); err != nil {
				return err
			}
			rest := args[1:]
			if act.text && len(rest) > 0 && rest[len(rest)-1] == "-" {
				b, err := io.ReadAll(io.LimitReader(c.InOrStdin(), 10<<20))
				if err != nil {
					return fmt.Errorf("reading standard input: %w", err)
				}
				rest[len(rest)-1] = string(b)
			}
			cmds, text, err := act.command(rest)
			if err != nil {
				return usageErr("tickets %s: %v", act.verb, err)
			}
			if (act.verb == "reply" || act.verb == "note") && strings.TrimSpace(text) == "" {
				return usageErr("tickets %s: the text is empty", act.verb)
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			a, err := openDesk(c.Context(), cfg, newLogger(cfg.Log, c.ErrOrStderr()), indexWrite, nil)
			if err != nil {
				return err
			}
			defer a.close()
			oc, err := a.desk.Act(c.Context(), args[0], desk.Action{Actor: actor, Commands: cmds, Text: text})
			var ae *desk.ActionError
			switch {
			case errors.As(err, &ae):
				return &exitError{code: 1, err: fmt.Errorf("tickets %s %s: nothing done: %s", act.verb, ae.Ref, strings.Join(ae.Errors, "; "))}
			case errors.Is(err, tickets.ErrNotFound):
				return &exitError{code: 1, err: fmt.Errorf("tickets %s: no ticket %s", act.verb, args[0])}
			case err != nil:
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: %s", oc.Ticket, oc.Status)
			if len(oc.Sent) > 0 {
				fmt.Fprintf(c.OutOrStdout(), "; queued %s", strings.Join(oc.Sent, ", "))
			}
			fmt.Fprintln(c.OutOrStdout())
			return nil
		},
	}
	c.Flags().StringVar(&actor, "actor", defaultActor(), "who acts, for the audit trail (and #take); defaults to the operating-system user")
	return c
}
