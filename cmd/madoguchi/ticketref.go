package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/internal/didyoumean"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file reads what people type for tickets, agents and flags, and
// says what they probably meant when it names nothing.

// findTicket loads the ticket ref names for the command cmd: by its
// reference or its number ("1006", or "REQ-1006" for INC-1006: see
// tickets.FindTicket). When the ticket's reference is not what was typed,
// stderr is told which it is; when there is none, the error says so.
func findTicket(tx *tickets.Tx, cmd, ref string, stderr io.Writer) (*tickets.Ticket, error) {
	t, err := tx.FindTicket(ref)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, &exitError{code: 1, err: fmt.Errorf("%s: no ticket %s", cmd, strings.TrimSpace(ref))}
	}
	if err != nil {
		return nil, err
	}
	noteOtherRef(stderr, ref, t.Ref)
	return t, nil
}

// noteOtherRef tells the user the reference of the ticket they named by
// another one.
func noteOtherRef(stderr io.Writer, typed, ref string) {
	if !strings.EqualFold(strings.TrimSpace(typed), ref) {
		fmt.Fprintf(stderr, "madoguchi: %s is %s\n", strings.TrimSpace(typed), ref)
	}
}

// statusFilter reads --status of tickets list: a status, or "open" for
// every status but closed.
func statusFilter(s string) (tickets.Status, error) {
	if s == "" || s == string(tickets.StatusOpen) || validStatus(s) {
		return tickets.Status(s), nil
	}
	names := []string{string(tickets.StatusOpen)}
	for _, st := range tickets.Statuses {
		names = append(names, string(st))
	}
	msg := fmt.Sprintf("tickets list: unknown status %q (%s; open = every status but closed)", s, strings.Join(names, ", "))
	if near := didyoumean.Closest(s, names); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return "", usageErr("%s", msg)
}

// ratingFilter reads --rating: a rating, any (rated) or none (not
// rated), any case; a misspelt one is named with the one probably meant.
func ratingFilter(s string) (string, error) {
	names := []string{tickets.RatingGood, tickets.RatingBad, tickets.RatingAny, tickets.RatingNone}
	r := strings.ToLower(strings.TrimSpace(s))
	if r == "" || slices.Contains(names, r) {
		return r, nil
	}
	msg := fmt.Sprintf("tickets list: unknown rating %q (%s)", s, strings.Join(names, ", "))
	if near := didyoumean.Closest(r, names); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return "", usageErr("%s", msg)
}

// agentFilter reads --assignee: an address on a tier's agents list, or
// the local part of exactly one ("alice"). An address no tier lists is
// taken as it is when tickets are assigned to it (an agent who left a
// tier keeps her tickets), and said to be no agent otherwise, rather
// than listing nothing in silence. known reports whether any ticket is
// assigned to an address.
func agentFilter(cfg *config.Config, s string, known func(addr string) (bool, error)) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	var agents []string
	for _, t := range cfg.Escalation.Tiers {
		for _, a := range t.AgentAddresses() {
			if !slices.Contains(agents, a) {
				agents = append(agents, a)
			}
		}
	}
	if slices.Contains(agents, s) {
		return s, nil
	}
	if !strings.Contains(s, "@") {
		var matches []string
		for _, a := range agents {
			if local, _, _ := strings.Cut(a, "@"); local == s {
				matches = append(matches, a)
			}
		}
		if len(matches) == 1 {
			return matches[0], nil
		}
	}
	ok, err := known(s)
	if err != nil || ok {
		return s, err
	}
	msg := fmt.Sprintf("tickets list: --assignee %s matches no agent: no tier lists it and no ticket is assigned to it", s)
	// Compared by the part before @: a domain in common makes any two
	// addresses look alike.
	byLocal := map[string]string{}
	var locals []string
	for _, a := range agents {
		local, _, _ := strings.Cut(a, "@")
		if _, ok := byLocal[local]; !ok {
			byLocal[local] = a
			locals = append(locals, local)
		}
	}
	local, _, _ := strings.Cut(s, "@")
	if near := didyoumean.Closest(local, locals); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", byLocal[near])
	}
	if len(agents) > 0 {
		msg += " (agents: " + strings.Join(agents, ", ") + ")"
	}
	return "", &exitError{code: 2, err: errors.New(msg)}
}

// flagError turns cobra's "unknown flag: --state" into a usage error that
// names the flag probably meant ("did you mean --status?").
func flagError(c *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if near := didyoumean.Closest(ne.GetSpecifiedName(), names); near != "" {
			return usageErr("%s: %v; did you mean --%s?", c.CommandPath(), err, near)
		}
	}
	return usageErr("%s: %v", c.CommandPath(), err)
}

// mailboxFilter reads --mailbox of tickets list: the name of a mailbox
// the configuration has (case ignored), as a filter. The default mailbox's
// list takes in the tickets of a mailbox no longer configured, which it
// answers.
func mailboxFilter(cfg *config.Config, s string, mailbox *string, alsoNotIn *[]string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	boxes := cfg.EffectiveMailboxes()
	var names []string
	for _, m := range boxes {
		names = append(names, m.Name)
	}
	for i, m := range boxes {
		if !strings.EqualFold(m.Name, s) {
			continue
		}
		*mailbox = m.Name
		if i == 0 {
			*alsoNotIn = names
		}
		return nil
	}
	msg := fmt.Sprintf("tickets list: --mailbox %s names no mailbox (mailboxes: %s)", s, strings.Join(names, ", "))
	if near := didyoumean.Closest(s, names); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return usageErr("%s", msg)
}

// nameMailbox makes t's mailbox the one that answers it: its own, or the
// default one when its own is no longer configured; gone is its own then.
func nameMailbox(cfg *config.Config, t *tickets.Ticket) (box config.Mailbox, gone string) {
	boxes := cfg.EffectiveMailboxes()
	for _, m := range boxes {
		if m.Name == t.Mailbox {
			return m, ""
		}
	}
	gone, t.Mailbox = t.Mailbox, boxes[0].Name
	return boxes[0], gone
}
