package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/tickets"
)

func newTicketsAttachmentCmd(g *globals) *cobra.Command {
	var output string
	var force bool
	c := &cobra.Command{
		Use:   "attachment REF N [--output FILE [--force]]",
		Short: "Save attachment N of a ticket, numbered as tickets show numbers them",
		Long: `attachment writes the bytes of attachment N of ticket REF (tickets show
numbers a ticket's attachments 1, 2, … in the order of its entries) to FILE,
which must not exist unless --force is given. Without --output it writes
to standard output when that is not a terminal (a pipe, a redirect);
--output - writes to standard output in any case.`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			ref := args[0]
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 {
				return usageErr("tickets attachment: %q is not an attachment number (1, 2, … as tickets show numbers them)", args[1])
			}
			stdout := c.OutOrStdout()
			if f, ok := stdout.(*os.File); ok && output == "" && isTerminal(f) {
				return usageErr("tickets attachment: standard output is a terminal; save to a file with --output FILE (or write there anyway with --output -)")
			}
			a, err := openStore(g)
			if err != nil {
				return err
			}
			defer a.close()
			var att tickets.Attachment
			var data []byte
			err = a.store.View(c.Context(), func(tx *tickets.Tx) error {
				t, err := findTicket(tx, "tickets attachment", ref, c.ErrOrStderr())
				if err != nil {
					return err
				}
				entries, err := tx.Entries(t.ID)
				if err != nil {
					return err
				}
				all := ticketAttachments(entries)
				if n > len(all) {
					return &exitError{code: 1, err: fmt.Errorf("tickets attachment: %s has %d %s", t.Ref, len(all), plural(len(all), "attachment", "attachments"))}
				}
				att = all[n-1]
				if data, err = tx.Blob(att.SHA256); err != nil {
					return fmt.Errorf("tickets attachment: %s %d (sha256 %s): %w", t.Ref, n, att.SHA256, err)
				}
				if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != att.SHA256 {
					return fmt.Errorf("tickets attachment: %s %d: the stored bytes do not match their sha256 %s", t.Ref, n, att.SHA256)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := stdout.Write(data)
				return err
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(output, flags, 0o666)
			if errors.Is(err, fs.ErrExist) {
				return &exitError{code: 1, err: fmt.Errorf("tickets attachment: %s exists; --force replaces it", output)}
			}
			if err != nil {
				return fmt.Errorf("tickets attachment: %w", err)
			}
			if _, err := f.Write(data); err != nil {
				f.Close()
				return fmt.Errorf("tickets attachment: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("tickets attachment: %w", err)
			}
			fmt.Fprintf(stdout, "saved %s (%s, %d bytes) to %s\n", printable(att.Filename), printable(att.ContentType), len(data), output)
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "the file to write (- for standard output)")
	c.Flags().BoolVar(&force, "force", false, "replace FILE when it exists")
	return c
}

// ticketAttachments lists a ticket's attachments in the order tickets show
// numbers them: entry by entry, oldest first.
func ticketAttachments(entries []tickets.Entry) []tickets.Attachment {
	var all []tickets.Attachment
	for _, e := range entries {
		all = append(all, e.Attachments...)
	}
	return all
}
