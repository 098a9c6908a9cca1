package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// The commands that curate what the desk learned: paraphrases and their
// states, and an entry's texts (faq edit).

func faqParaphrases(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "paraphrases KEY [--json]",
		Short: "List the paraphrases of a FAQ entry, numbered, with their states",
		Long: `paraphrases lists the customers' wordings the entry has learned, numbered in
the order they were learned (the number faq paraphrase remove and confirm
take; a removed paraphrase keeps its number), with:
  STATE   pending (learned from an agent's #answer: it may bring the entry
          to agents as a suggestion, never answer a customer automatically),
          confirmed (the customer said the answer helped, or the ticket
          closed after its quiet period with no problem report; it counts
          like the question) or removed (counts for nothing, kept for the
          record)
  TICKET  the ticket it was learned from
  BY      who added it (the agent, the customer, an admin)
  WHEN    when it was added
  HOW     what put it in its state: customer_confirmed, customer_reply,
          helpful_vote, closed_quietly, problem_report, not_helpful_vote,
          admin, import`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return withStore(g, c, func(tx *tickets.Tx) error {
				f, err := tx.FAQ(args[0])
				if err != nil {
					return noEntry("faq paraphrases", args[0], err)
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), f.Paraphrases)
				}
				if len(f.Paraphrases) == 0 {
					fmt.Fprintf(c.OutOrStdout(), "FAQ %s has no paraphrases\n", f.Key)
					return nil
				}
				t := newTable("N", "STATE", "TICKET", "BY", "WHEN", "HOW", "TEXT")
				for _, p := range f.Paraphrases {
					t.row(strconv.Itoa(p.N), p.State, p.Ticket, p.AddedBy, when(p.AddedAt), p.StateHow, oneLine(p.Text))
				}
				return t.print(c)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// oneLine shows a text of several lines on one, its line breaks as " ⏎ ".
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ⏎ ") }

func faqParaphrase(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "paraphrase {remove|confirm} KEY N [--note TEXT] [--actor NAME]",
		Short: "Remove or confirm paraphrase N of a FAQ entry",
		Long: `paraphrase remove KEY N takes paraphrase N (as faq paraphrases numbers
them) out of matching: it is kept, removed, with who removed it, when and
--note, and the same wording is not learned back by itself. paraphrase
confirm KEY N makes a pending (or removed) one count like the question, as
the customer's confirmation would. Both are audited (faq show) and reach
the index at once (a running gateway's at its next tick).`,
	}
	for _, verb := range []struct{ name, state, short, long string }{
		{"remove", tickets.ParaphraseRemoved, "Remove paraphrase N of a FAQ entry (kept, audited)",
			`remove takes paraphrase N of the entry KEY (as faq paraphrases KEY numbers
them) out of matching. It is not deleted: faq paraphrases shows it removed,
with who removed it, when and --note; its number stays; the same wording is
not learned back by itself (faq paraphrase confirm brings it back). The
removal is audited (faq show KEY).`},
		{"confirm", tickets.ParaphraseConfirmed, "Confirm paraphrase N of a FAQ entry (audited)",
			`confirm makes paraphrase N of the entry KEY (as faq paraphrases KEY numbers
them) count like the entry's question, as the customer's confirmation
would: a mail that restates it may be answered automatically. It works on a
pending or a removed paraphrase, and is audited (faq show KEY) with --note.`},
	} {
		var note, actor string
		sub := &cobra.Command{
			Use:   verb.name + " KEY N [--note TEXT] [--actor NAME]",
			Short: verb.short,
			Long:  verb.long,
			Args:  cobra.ExactArgs(2),
			RunE: func(c *cobra.Command, args []string) error {
				name := "faq paraphrase " + verb.name
				if err := checkActor(name, actor); err != nil {
					return err
				}
				n, err := strconv.Atoi(args[1])
				if err != nil || n < 1 {
					return usageErr("%s: N %q is not a paraphrase number (1, 2, … as faq paraphrases %s lists them)", name, args[1], args[0])
				}
				return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
					p, err := a.desk.SetParaphraseState(ctx, args[0], n, verb.state, note, actor)
					var none *tickets.NoParaphraseError
					switch {
					case errors.Is(err, tickets.ErrParaphraseUnchanged):
						return &messageError{msg: fmt.Sprintf("%s: paraphrase %d of %s is %s already; nothing changed", name, n, args[0], verb.state), err: err}
					case errors.As(err, &none):
						return &messageError{msg: fmt.Sprintf("%s: FAQ %s has no paraphrase %d (it has %d; faq paraphrases %s lists them)", name, none.Key, none.N, none.Have, none.Key), err: err}
					case err != nil:
						return noEntry(name, args[0], err)
					}
					fmt.Fprintf(c.OutOrStdout(), "paraphrase %d of %s is %s: %s\n", p.N, args[0], p.State, oneLine(p.Text))
					return nil
				})
			},
		}
		sub.Flags().StringVar(&note, "note", "", "why, for the audit trail")
		actorFlag(sub, &actor)
		cmd.AddCommand(sub)
	}
	return cmd
}

func faqEdit(g *globals) *cobra.Command {
	var question, answer, actor string
	cmd := &cobra.Command{
		Use:   "edit KEY [--question TEXT] [--answer TEXT] [--actor NAME]",
		Short: "Change the question or the answer of a FAQ entry",
		Long: `edit changes the question and the answer of an existing entry: with
--question or --answer (or both) it sets them; without either it opens
$VISUAL, else $EDITOR, else vi, on a file holding both, under the lines
"[question]" and "[answer]". Save and quit to apply; lines starting with "#"
above "[question]" are comments. An empty question or answer, or a file
left unchanged, changes nothing.

The change is audited (faq show) and reaches the index; the entry keeps
its status, votes and paraphrases (check them with faq paraphrases KEY
when the question changed its meaning). A draft made from a ticket still
needs faq publish --reviewed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			key := args[0]
			if err := checkActor("faq edit", actor); err != nil {
				return err
			}
			var q, ans *string
			if c.Flags().Changed("question") {
				q = &question
			}
			if c.Flags().Changed("answer") {
				ans = &answer
			}
			for _, v := range []*string{q, ans} {
				if v != nil && strings.TrimSpace(*v) == "" {
					return usageErr("faq edit: an empty question or answer is not allowed")
				}
			}
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				if q == nil && ans == nil {
					var f *tickets.FAQ
					err := a.store.View(ctx, func(tx *tickets.Tx) error {
						var err error
						f, err = tx.FAQ(key)
						return err
					})
					if err != nil {
						return noEntry("faq edit", key, err)
					}
					nq, na, err := editInEditor(c, f)
					if err != nil {
						return err
					}
					q, ans = &nq, &na
				}
				f, err := a.desk.EditFAQ(ctx, key, q, ans, actor)
				switch {
				case errors.Is(err, desk.ErrUnchanged):
					fmt.Fprintf(c.OutOrStdout(), "FAQ %s unchanged\n", key)
					return nil
				case err != nil:
					return noEntry("faq edit", key, err)
				}
				fmt.Fprintf(c.OutOrStdout(), "FAQ %s edited (%s)\nQ: %s\nA: %s\n", f.Key, f.Status, f.Question, f.Answer)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&question, "question", "", "the new question")
	cmd.Flags().StringVar(&answer, "answer", "", "the new answer")
	actorFlag(cmd, &actor)
	return cmd
}

// editInEditor lets the admin edit an entry's texts in their editor and
// returns them as saved. An empty text or an unchanged file is refused.
func editInEditor(c *cobra.Command, f *tickets.FAQ) (question, answer string, err error) {
	dir, err := os.MkdirTemp("", "madoguchi-faq-edit-")
	if err != nil {
		return "", "", fmt.Errorf("faq edit: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, f.Key+".txt")
	header := fmt.Sprintf("# faq edit %s (%s): change the question and the answer below, save and quit.\n"+
		"# Lines starting with \"#\" above [question] are dropped; an empty question or answer changes nothing.\n", f.Key, f.Status)
	if f.NeedsReview {
		header += fmt.Sprintf("# Drafted from ticket %s and cleaned by machine: check that no name, greeting or employee number is left.\n", f.SourceTicket)
	}
	body := header + editMarkQuestion + "\n" + f.Question + "\n\n" + editMarkAnswer + "\n" + f.Answer + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return "", "", fmt.Errorf("faq edit: %w", err)
	}
	editor := firstSet(os.Getenv("VISUAL"), os.Getenv("EDITOR"), "vi")
	// Through the shell, so an editor with arguments ("code --wait") works;
	// the file is its last argument, never part of the command text.
	cmd := exec.CommandContext(c.Context(), "/bin/sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.OutOrStdout(), c.ErrOrStderr()
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("faq edit: the editor %q failed (set $EDITOR, or use --question and --answer): %w", editor, err)
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("faq edit: %w", err)
	}
	if bytes.Equal(saved, []byte(body)) {
		return f.Question, f.Answer, nil // EditFAQ reports it unchanged
	}
	question, answer, err = parseEdited(string(saved))
	if err != nil {
		return "", "", &exitError{code: 1, err: fmt.Errorf("faq edit %s: %w; nothing changed", f.Key, err)}
	}
	return question, answer, nil
}

const (
	editMarkQuestion = "[question]"
	editMarkAnswer   = "[answer]"
)

// parseEdited reads the file editInEditor wrote, as the admin saved it.
func parseEdited(s string) (question, answer string, err error) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	qi, ai := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case editMarkQuestion:
			if qi < 0 {
				qi = i
			}
		case editMarkAnswer:
			if qi >= 0 && ai < 0 {
				ai = i
			}
		}
	}
	if qi < 0 || ai < 0 {
		return "", "", fmt.Errorf("the lines %s and %s (in that order) are missing", editMarkQuestion, editMarkAnswer)
	}
	for _, l := range lines[:qi] {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			return "", "", fmt.Errorf("text above %s: %q", editMarkQuestion, t)
		}
	}
	question = strings.TrimSpace(strings.Join(lines[qi+1:ai], "\n"))
	answer = strings.TrimSpace(strings.Join(lines[ai+1:], "\n"))
	if question == "" || answer == "" {
		return "", "", errors.New("the question or the answer is empty")
	}
	return question, answer, nil
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// paraphraseSummary says what an add or an import did with paraphrases.
func paraphraseSummary(w io.Writer, r desk.FAQPut, key string) {
	if p := r.Paraphrases; p != (tickets.ParaphraseChanges{}) {
		fmt.Fprintf(w, "paraphrases: %d added, %d changed state, %d removed, %d kept as they were\n", p.Added, p.Changed, p.Removed, p.Kept)
	}
	if r.Kept > 0 {
		what := "the entries that did not list theirs"
		if key != "" {
			what = key
		}
		fmt.Fprintf(w, "paraphrases of %s kept: %d (%d pending); faq paraphrases KEY lists them, faq paraphrase remove KEY N removes one\n",
			what, r.Kept, r.KeptPending)
	}
}
