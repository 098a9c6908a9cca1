package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/tickets"
)

func newInboundCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "inbound", Short: "Received messages and their dispositions"}
	var lf listFlags
	var disposition string
	list := &cobra.Command{
		Use:   "list [--disposition D] [--limit N] [--offset N] [--json]",
		Short: "List received messages with their dispositions, oldest first",
		Long: `list prints every received message, oldest first: when it was received,
its Date header, sender, subject, disposition, ticket and reason (--json:
also the mailbox it came from, its IMAP folder, UIDVALIDITY and UID).
Filters:
  --disposition  ` + strings.Join(dispositions, ", "),
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := lf.check("inbound list"); err != nil {
				return err
			}
			if disposition != "" && !slices.Contains(dispositions, disposition) {
				return usageErr("inbound list: unknown disposition %q (%s)", disposition, strings.Join(dispositions, ", "))
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				// Without a filter the database stops at the last row
				// wanted; with one, rows are filtered as they come.
				n := 0
				if disposition == "" && lf.limit > 0 {
					n = lf.offset + lf.limit
				}
				all, err := tx.InboundList(n)
				if err != nil {
					return err
				}
				var list []*tickets.Inbound
				for _, in := range all {
					if disposition == "" || in.Disposition == disposition {
						list = append(list, in)
					}
				}
				list = page(list, lf.limit, lf.offset)
				if lf.json {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				t := newTable("ID", "RECEIVED", "DATE", "FROM", "SUBJECT", "DISPOSITION", "TICKET", "REASON")
				for _, in := range list {
					t.row(fmt.Sprint(in.ID), when(in.ReceivedAt), when(in.Date), in.From, in.Subject, in.Disposition, in.Ticket, in.Reason)
				}
				return t.print(c)
			})
		},
	}
	lf.add(list)
	list.Flags().StringVar(&disposition, "disposition", "", "only messages with this disposition: "+strings.Join(dispositions, ", "))
	var raw, showJSON bool
	show := &cobra.Command{
		Use:   "show ID [--raw | --json]",
		Short: "Show one received message's record, or its raw bytes",
		Long: `show prints the record of one received message (its ID from inbound list).
With --raw it writes the message exactly as it was fetched, e.g. to look at
a quarantined mail or to feed it to another tool. Of a mail larger than
limits.max_message_bytes only the header was fetched, and that is what
--raw writes; the whole mail stays on the server, in the mailbox's folder
and under the UID the record names.`,
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
				fmt.Fprintf(out, "inbound %d: mailbox %s, folder %s, uidvalidity %d, uid %d, %d bytes, received %s\n", in.ID, printable(in.Mailbox), printable(in.Folder), in.UIDValidity, in.UID, in.Size, when(in.ReceivedAt))
				fmt.Fprintf(out, "Message-ID: %s\nFrom: %s\nDate: %s\nSubject: %s\n", printable(in.MessageID), printable(in.From), when(in.Date), printable(in.Subject))
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

// dispositions are the values of --disposition, in the order a message
// meets them.
var dispositions = []string{tickets.DispNewTicket, tickets.DispAppended, tickets.DispAutomatic, tickets.DispBounce,
	tickets.DispOwnMail, tickets.DispDuplicate, tickets.DispQuarantined}

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

// listFlags are the flags every list command has: --limit, --offset and
// --json.
type listFlags struct {
	limit, offset int
	json          bool
}

func (l *listFlags) add(c *cobra.Command) {
	addPaging(c, &l.limit, &l.offset)
	c.Flags().BoolVar(&l.json, "json", false, "print JSON")
}

// addPaging adds --limit and --offset bound to limit and offset (tickets
// list binds them to its store filter).
func addPaging(c *cobra.Command, limit, offset *int) {
	c.Flags().IntVar(limit, "limit", 0, "at most this many (0 = all)")
	c.Flags().IntVar(offset, "offset", 0, "skip this many first")
}

func checkPaging(cmd string, limit, offset int) error {
	if limit < 0 || offset < 0 {
		return usageErr("%s: --limit and --offset must not be negative", cmd)
	}
	return nil
}

func (l *listFlags) check(cmd string) error { return checkPaging(cmd, l.limit, l.offset) }

// page is the part of list that --offset and --limit select.
func page[T any](list []T, limit, offset int) []T {
	if offset >= len(list) {
		return nil
	}
	list = list[offset:]
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
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

// displayZone is the zone of every time a command prints: desk.timezone
// (config.Location), or UTC with --utc. loadConfig sets it, once a
// command; a command that loads no configuration prints UTC. A process
// setting, like the terminal it prints to; atomic, as a test may run a
// gateway beside the commands.
var displayZone atomic.Pointer[time.Location]

// when writes an instant for the terminal, in the display zone, saying
// which: "2026-12-01 18:00 JST". JSON output keeps RFC 3339 instead.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	loc := displayZone.Load()
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}
