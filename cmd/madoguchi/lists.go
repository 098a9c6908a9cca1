package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/tickets"
)

func newInboundCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "inbound", Short: "Received messages and their dispositions"}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "List every received message with its disposition",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withStore(g, c, func(tx *tickets.Tx) error {
				list, err := tx.InboundList(0)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				w := table(c.OutOrStdout(), "ID", "MAILBOX", "UID", "DISPOSITION", "TICKET", "FROM", "REASON")
				for _, in := range list {
					row(w, fmt.Sprint(in.ID), in.Mailbox, fmt.Sprint(in.UID), in.Disposition, in.Ticket, in.From, in.Reason)
				}
				return w.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	var raw, showJSON bool
	show := &cobra.Command{
		Use:   "show ID [--raw | --json]",
		Short: "Show one received message's record, or its raw bytes",
		Long: `show prints the record of one received message (its ID from inbound list).
With --raw it writes the message exactly as it was fetched, e.g. to look at
a quarantined mail or to feed it to another tool.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usageErr("inbound show: %q is not a record ID", args[0])
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				in, err := tx.InboundByID(id)
				if err != nil {
					return fmt.Errorf("inbound %d: %w", id, err)
				}
				switch {
				case raw:
					b, err := tx.Blob(in.RawHash)
					if err != nil {
						return err
					}
					_, err = c.OutOrStdout().Write(b)
					return err
				case showJSON:
					return writeJSON(c.OutOrStdout(), in)
				}
				out := c.OutOrStdout()
				fmt.Fprintf(out, "inbound %d: %s/%d/%d, %d bytes, received %s\n", in.ID, printable(in.Mailbox), in.UIDValidity, in.UID, in.Size, when(in.ReceivedAt))
				fmt.Fprintf(out, "Message-ID: %s\nFrom: %s\nSubject: %s\n", printable(in.MessageID), printable(in.From), printable(in.Subject))
				fmt.Fprintf(out, "disposition: %s %s\n", in.Disposition, in.Ticket)
				if in.Reason != "" {
					fmt.Fprintf(out, "reason: %s\n", printable(in.Reason))
				}
				return nil
			})
		},
	}
	show.Flags().BoolVar(&raw, "raw", false, "write the raw message")
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	cmd.AddCommand(list, show)
	return cmd
}

func withStore(g *globals, c *cobra.Command, fn func(*tickets.Tx) error) error {
	a, err := openStore(g)
	if err != nil {
		return err
	}
	defer a.close()
	return a.store.View(c.Context(), fn)
}

func validStatus(s string) bool {
	return slices.Contains(tickets.Statuses, tickets.Status(s))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func table(w io.Writer, head ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row(tw, head...)
	return tw
}

func row(w io.Writer, cols ...string) {
	for i, c := range cols {
		c = strings.Join(strings.Fields(printable(c)), " ")
		if len([]rune(c)) > 60 {
			c = string([]rune(c)[:59]) + "…"
		}
		cols[i] = c
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

// printable drops control characters but newlines and tabs: mail text is
// written by strangers, and an escape sequence must not reach an admin's
// terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
