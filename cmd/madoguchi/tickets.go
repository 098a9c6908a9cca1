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
the running gateway, which the command wakes, delivers it at once; else
the next run --once).

REF is a ticket's reference (INC-1006, any case) or its number (1006); a
reference with another prefix (REQ-1006) finds INC-1006 too, as a ticket
keeps its first prefix when its type changes. Standard error then says
which reference the command is on. Times are in desk.timezone and say
their zone; --utc prints UTC.`,
	}
	cmd.AddCommand(newTicketsListCmd(g), newTicketsShowCmd(g), newTicketsAttachmentCmd(g), newTicketsRecurringCmd(g))
	for _, a := range ticketActions {
		cmd.AddCommand(newTicketActionCmd(g, a))
	}
	return cmd
}

func newTicketsListCmd(g *globals) *cobra.Command {
	f := desk.QueueFilter{Tier: -1}
	var status, tier, mailbox string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--status S] [--priority P] [--type T] [--tier NAME] [--assignee A] [--mailbox NAME] [--overdue] [--auto] [--rating R] [--search TEXT] [--order O] [--limit N] [--offset N] [--json]",
		Short: "List tickets, newest first",
		Long: `list prints tickets, newest first (or in --order), as the console's queue
lists them: the same read, so the two agree. Due times are in desk.timezone
(--utc: in UTC; --json: RFC 3339). Filters combine:
  --status     new, auto_answered, escalated, in_progress, on_hold, resolved,
               closed; or open: every status but closed
  --priority   P1 … P5
  --type       incident, service_request
  --tier       a tier's name
  --assignee   an agent's address, or the part before @ when one agent has it;
               - for nobody; an address that is no agent's and has no ticket
               is an error
  --mailbox    the tickets of one mailbox ([[mailboxes]] name; "default" for
               the one of [imap]); the default (first) mailbox's take in the
               tickets of a mailbox no longer configured, which it answers
  --overdue    open tickets past a respond (before the first answer) or resolve due time
  --auto       tickets answered automatically from the FAQ
  --rating     the customer's rating: good, bad, any (rated at all) or none
               (not rated); JSON shows each ticket's rating (null when none)
  --search     text in the subject or in any entry of the ticket (three characters
               or more go through the full-text index; case is ignored)
  --order      newest (default), oldest, due (the next due time, overdue first),
               updated, priority`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := statusFilter(status)
			if err != nil {
				return err
			}
			f.Status = st
			f.Priority = strings.ToUpper(f.Priority)
			if f.Priority != "" && !validPriority(f.Priority) {
				return usageErr("unknown priority %q (P1 … P5)", f.Priority)
			}
			if f.Rating, err = ratingFilter(f.Rating); err != nil {
				return err
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
			if err := mailboxFilter(cfg, mailbox, &f.Mailbox, &f.AlsoNotIn); err != nil {
				return err
			}
			if f.Assignee != "-" {
				assigned := func(addr string) (bool, error) {
					q, err := a.desk.Queue(c.Context(), desk.QueueFilter{Tier: -1, Assignee: addr, Limit: 1})
					return err == nil && len(q.Items) > 0, err
				}
				if f.Assignee, err = agentFilter(cfg, f.Assignee, assigned); err != nil {
					return err
				}
			}
			q, err := a.desk.Queue(c.Context(), f)
			if err != nil {
				return err
			}
			for _, t := range q.Items {
				nameMailbox(cfg, t.Ticket) // a ticket of a mailbox no longer configured is the default one's
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), q.Items)
			}
			header := []string{"REF", "STATUS", "PRIORITY", "TYPE", "TIER", "ASSIGNEE", "REQUESTER", "DUE", "SUBJECT"}
			if !cfg.Shorthand() {
				header = slices.Insert(header, 1, "MAILBOX")
			}
			tb := newTable(header...)
			for _, t := range q.Items {
				due := when(t.ResolveDueAt)
				if t.Overdue {
					due += " (overdue)"
				}
				row := []string{t.Ref, string(t.Status), t.Priority, t.Type, t.TierName, t.Assignee, t.Requester, due, t.Subject}
				if !cfg.Shorthand() {
					row = slices.Insert(row, 1, t.Mailbox)
				}
				tb.row(row...)
			}
			return tb.print(c)
		},
	}
	c.Flags().StringVar(&status, "status", "", "only tickets in this status; open = every status but closed")
	c.Flags().StringVar(&f.Priority, "priority", "", "only tickets of this priority (P1 … P5)")
	c.Flags().StringVar(&f.Type, "type", "", "only tickets of this type (incident, service_request)")
	c.Flags().StringVar(&tier, "tier", "", "only tickets with this tier (its name)")
	c.Flags().StringVar(&f.Assignee, "assignee", "", "only tickets assigned to this agent (address, or the part before @; - for nobody)")
	c.Flags().StringVar(&mailbox, "mailbox", "", "only tickets of this mailbox (its name)")
	c.Flags().BoolVar(&f.Overdue, "overdue", false, "only open tickets past a due time")
	c.Flags().BoolVar(&f.Auto, "auto", false, "only tickets answered automatically from the FAQ")
	c.Flags().StringVar(&f.Rating, "rating", "", "only tickets the customer rated so: good, bad, any (rated) or none (not rated)")
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
		Long: `show prints a ticket: the mailbox it belongs to (whose address its mail
goes out from; the default one when its own is no longer configured), its
state, its owner (the tier it is with and that tier's assignee; a move to
another tier unassigns it) and who resolved it,
SLA times and breaches (those of the targets before a reopening too), the
mails of the ticket that bounced (to the customer or to a tier's address),
the customer's rating (good or bad, of the automatic answer or the agents'
one, with their comment),
participants, FAQ suggestions, every entry with its text, and the history:
every audit event, who did what and when. Its relations too: the ticket it
was merged into, or the major incident it was attached to; the tickets
linked to it, both ways; the tickets merged into it and the reports
attached to it, the first 100 of each with their count; its major incident
window. Attachments are numbered 1, 2, …
across the ticket: tickets attachment REF N saves one.

REF is the reference (INC-1006) or its number (1006; REQ-1006 finds
INC-1006 too, and says so). Times are in desk.timezone and say their zone
(--utc: in UTC); --json writes RFC 3339 times.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			a, err := openStore(g)
			if err != nil {
				return err
			}
			defer a.close()
			return a.store.View(c.Context(), func(tx *tickets.Tx) error {
				t, err := findTicket(tx, "tickets show", args[0], c.ErrOrStderr())
				if err != nil {
					return err
				}
				nameTier(a.cfg, t)
				box, gone := nameMailbox(a.cfg, t)
				entries, err := tx.Entries(t.ID)
				if err != nil {
					return err
				}
				events, err := tx.Events(t.ID)
				if err != nil {
					return err
				}
				sugg, err := tx.Suggestions(t.ID)
				if err != nil {
					return err
				}
				parts, err := tx.Participants(t.ID)
				if err != nil {
					return err
				}
				bounces, err := tx.Bounces(t.ID)
				if err != nil {
					return err
				}
				related, err := tx.Relations(t)
				if err != nil {
					return err
				}
				rating, err := tx.Rating(t.ID)
				if err != nil {
					return err
				}
				if rating != nil && rating.Tier >= 0 && rating.Tier < len(a.cfg.Escalation.Tiers) {
					rating.TierName = a.cfg.Escalation.Tiers[rating.Tier].Name
				}
				view := ticketView{Ticket: t, Participants: parts, Entries: nonNil(entries), Events: nonNil(events), Suggestions: sugg, Bounces: bounces,
					Related: related, MailboxAddress: box.BareSupportAddress(), MailboxGone: gone, Rating: rating}
				if showJSON {
					return writeJSON(c.OutOrStdout(), view)
				}
				return printTicket(c.OutOrStdout(), a.cfg, view)
			})
		},
	}
	c.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	return c
}

// nameTier fills in the name of a ticket's tier from the configuration.
func nameTier(cfg *config.Config, t *tickets.Ticket) {
	if !t.TierSince.IsZero() && t.Tier >= 0 && t.Tier < len(cfg.Escalation.Tiers) {
		t.TierName = cfg.Escalation.Tiers[t.Tier].Name
	}
}

func validPriority(p string) bool {
	for _, v := range tickets.Priorities {
		if p == v {
			return true
		}
	}
	return false
}

type ticketView struct {
	*tickets.Ticket
	Participants []string             `json:"participants"`
	Entries      []tickets.Entry      `json:"entries"`
	Events       []tickets.Event      `json:"events"`
	Suggestions  []tickets.Suggestion `json:"suggestions"`
	Bounces      []tickets.Bounce     `json:"bounces"` // the ticket's mails that bounced
	Related      *tickets.Relations   `json:"related"`
	// MailboxAddress is the support address of the ticket's mailbox (the
	// one Mailbox names: its own, or the default one that answers it when
	// its own, MailboxGone, is no longer configured).
	MailboxAddress string          `json:"mailbox_address,omitempty"`
	MailboxGone    string          `json:"mailbox_not_configured,omitempty"`
	Rating         *tickets.Rating `json:"rating"` // the customer's; null when not rated
}

func printTicket(out io.Writer, cfg *config.Config, v ticketView) error {
	t := v.Ticket
	fmt.Fprintf(out, "%s  %s\n", t.Ref, printable(t.Subject))
	fmt.Fprintf(out, "status %s · %s · %s (impact %s, urgency %s)\n", t.Status, t.Type, t.Priority, t.Impact, t.Urgency)
	fmt.Fprintf(out, "requester %s · language %s · created %s\n", printable(strings.TrimSpace(t.RequesterName+" <"+t.Requester+">")), t.Language, when(t.CreatedAt))
	mb := "mailbox " + t.Mailbox
	if v.MailboxAddress != "" {
		mb += " (" + v.MailboxAddress + ")"
	}
	if v.MailboxGone != "" {
		mb += fmt.Sprintf(" · its own, %s, is no longer configured: the default mailbox answers it", printable(v.MailboxGone))
	}
	fmt.Fprintln(out, mb)
	if len(v.Participants) > 0 {
		fmt.Fprintf(out, "participants %s\n", printable(strings.Join(v.Participants, ", ")))
	}
	printOwner(out, t, v.Events)
	fmt.Fprintf(out, "respond by %s (first response %s) · resolve by %s\n", when(t.RespondDueAt), when(t.FirstResponseAt), when(t.ResolveDueAt))
	for _, b := range t.Breaches {
		fmt.Fprintf(out, "SLA %s target breached at %s\n", b.Target, when(b.At))
	}
	for _, b := range v.Bounces {
		fmt.Fprintf(out, "undeliverable: %s mail to %s bounced (%s) at %s\n", b.Mail, printable(b.To), printable(strings.TrimSpace(b.Action+" "+b.Status)), when(b.At))
	}
	if t.LinkedTicket != "" {
		fmt.Fprintf(out, "follows %s\n", t.LinkedTicket)
	}
	printRelations(out, t, v.Related)
	if t.AutoAnswerKey != "" {
		fmt.Fprintf(out, "answered automatically from FAQ %s at %s\n", t.AutoAnswerKey, when(t.AutoAnswerAt))
	}
	if r := v.Rating; r != nil {
		what := "the agents' answer"
		if r.Answer == tickets.AnswerAuto {
			what = "the automatic answer (FAQ " + r.FAQKey + ")"
		}
		fmt.Fprintf(out, "rated %s by %s at %s: %s\n", r.Rating, printable(r.By), when(r.RatedAt), what)
		for _, line := range strings.Split(strings.TrimSpace(printable(r.Comment)), "\n") {
			if line != "" {
				fmt.Fprintf(out, "   %s\n", line)
			}
		}
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
		if e.Cc != "" {
			fmt.Fprintf(out, "   Cc: %s\n", printable(e.Cc))
		}
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
	printHistory(out, cfg, v.Events)
	return nil
}

// ticketAction is one `madoguchi tickets VERB REF ...` command: the mail
// command it stands for and what it takes.
type ticketAction struct {
	verb     string
	args     string // usage after REF
	short    string
	command  func(args []string) (cmds []string, text string, err error)
	nargs    int  // arguments after REF
	text     bool // the last argument is TEXT (or - for standard input), optional unless nargs counts it
	optional bool // one more argument may follow, not TEXT
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
	{verb: "cc", args: "REF ADDRESS", short: "Make ADDRESS a participant: on Cc of the replies and the resolution to the customer, and may reply as the customer does", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"cc " + a[0]}, "", nil }},
	{verb: "uncc", args: "REF ADDRESS", short: "Take participant ADDRESS off the ticket: off the Cc, and a stranger to the ticket again", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"uncc " + a[0]}, "", nil }},
	{verb: "priority", args: "REF P1…P5", short: "Change the priority (and the SLA due times)", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"priority " + a[0]}, "", nil }},
	{verb: "type", args: "REF incident|request", short: "Change the ticket type", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"type " + a[0]}, "", nil }},
	{verb: "escalate", args: "REF [TEXT|-]", short: "Hand to the next tier; TEXT says why, in the next tier's notice (never sent to the customer)", text: true,
		command: func(a []string) ([]string, string, error) { return []string{"escalate"}, first(a), nil }},
	{verb: "merge", args: "REF INTO [TEXT|-]", short: "Fold REF into INTO, the same matter: REF closes as merged, its customer is told once (with TEXT)", nargs: 1, text: true,
		command: func(a []string) ([]string, string, error) { return []string{"merge " + a[0]}, first(a[1:]), nil }},
	{verb: "link", args: "REF OTHER", short: "Relate REF and OTHER, both ways, without merging", nargs: 1,
		command: func(a []string) ([]string, string, error) { return []string{"link " + a[0]}, "", nil }},
	{verb: "major", args: "REF [off]", short: "Make REF a major incident: new mails alike attach to it for desk.major_window (off: no longer)", optional: true,
		command: func(a []string) ([]string, string, error) {
			switch {
			case len(a) == 0:
				return []string{"major"}, "", nil
			case strings.EqualFold(a[0], "off"):
				return []string{"major off"}, "", nil
			}
			return nil, "", fmt.Errorf("%q is not off", a[0])
		}},
	{verb: "answer", args: "REF KEY [TEXT|-]", short: "Send FAQ entry KEY as the answer (the customer's wording becomes its pending paraphrase until the customer confirms it)", nargs: 1, text: true,
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
	if act.text && act.verb != "reply" && act.verb != "note" || act.optional {
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
			noteOtherRef(c.ErrOrStderr(), args[0], oc.Ticket)
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
