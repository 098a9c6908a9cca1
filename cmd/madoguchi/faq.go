package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// withDesk runs fn on a desk with the FAQ index opened (and synced). tune,
// when not nil, adjusts the loaded configuration for this one command.
func withDesk(g *globals, c *cobra.Command, use indexUse, tune func(*config.Config), fn func(ctx context.Context, a *app) error) error {
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	if tune != nil {
		tune(cfg)
	}
	a, err := openDesk(c.Context(), cfg, newLogger(cfg.Log, c.ErrOrStderr()), use, nil)
	if err != nil {
		return err
	}
	defer a.close()
	return fn(c.Context(), a)
}

func newReindexCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the FAQ index from the database",
		Long: `reindex drops the Bleve index of FAQ entries and rebuilds it from the
database, the system of record. Start-up does the same by itself when the
index is stale or unreadable; this command is for doing it on demand. It
refuses at once while a running gateway holds the index (the gateway
keeps it up to date by itself).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				if a.indexInUse {
					return fmt.Errorf("the FAQ index %s is held by a running madoguchi, which rebuilds it by itself when the FAQ changes; stop it to rebuild by hand", a.cfg.Responder.IndexPath)
				}
				if a.index == nil {
					return usageErr("the responder is disabled (responder.enabled = false)")
				}
				if err := a.desk.Reindex(ctx); err != nil {
					return err
				}
				n, err := a.index.Count()
				if err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "FAQ index rebuilt: %d entries in %s\n", n, a.cfg.Responder.IndexPath)
				return nil
			})
		},
	}
}

func newFAQCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "faq",
		Short: "Curate the FAQ entries the responder answers from",
		Long: `faq manages the FAQ entries: add, import and export them, edit, publish or
retire them, promote a resolved ticket to a draft entry, list and curate
the paraphrases the desk learned (paraphrases, paraphrase remove|confirm),
list the recurring incidents no entry answers yet (gaps), and try the
matcher (match). Only published entries are matched: mailed automatically
or suggested to agents; a draft is neither.

Every change is audited with the curator's name: --actor NAME on the
commands that change entries, by default the operating-system user. faq show
prints an entry's audit trail.`,
	}
	cmd.AddCommand(faqAdd(g), faqImport(g), faqExport(g), faqList(g), faqShow(g), faqEdit(g),
		faqStatus(g, "publish", tickets.FAQPublished), faqStatus(g, "retire", tickets.FAQRetired),
		faqPromote(g), faqParaphrases(g), faqParaphrase(g), faqGaps(g), faqMatch(g))
	return cmd
}

func faqAdd(g *globals) *cobra.Command {
	var f tickets.FAQ
	var tags, actor string
	cmd := &cobra.Command{
		Use:   "add --key KEY --question Q --answer A [--tags a,b] [--language ja] [--status published] [--actor NAME]",
		Short: "Add or replace one FAQ entry",
		Long: `add stores one entry. An existing key is replaced: its question, answer,
tags, language and status become these, and a draft from a ticket no longer
needs review (the texts are yours now). Its votes and paraphrases stay;
the command says how many paraphrases it kept and how many of them are
pending (faq paraphrases KEY lists them, faq edit KEY changes only the
texts).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkActor("faq add", actor); err != nil {
				return err
			}
			for _, t := range strings.Split(tags, ",") {
				if t = strings.TrimSpace(t); t != "" {
					f.Tags = append(f.Tags, t)
				}
			}
			if err := tickets.ValidateFAQ(&f); err != nil {
				return usageErr("faq add: %v", err)
			}
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				res, err := a.desk.PutFAQs(ctx, []tickets.FAQ{f}, actor)
				if err != nil {
					return err
				}
				verb := "updated"
				if res.Created == 1 {
					verb = "added"
				}
				fmt.Fprintf(c.OutOrStdout(), "FAQ %s %s (%s)\n", f.Key, verb, f.Status)
				paraphraseSummary(c.OutOrStdout(), res, f.Key)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.Key, "key", "", "stable key of the entry (required)")
	cmd.Flags().StringVar(&f.Question, "question", "", "the question (required)")
	cmd.Flags().StringVar(&f.Answer, "answer", "", "the answer (required)")
	cmd.Flags().StringVar(&tags, "tags", "", "comma-separated tags")
	cmd.Flags().StringVar(&f.Language, "language", "", "en | ja (empty: detected)")
	cmd.Flags().StringVar(&f.Status, "status", tickets.FAQDraft, "draft | published | retired")
	actorFlag(cmd, &actor)
	return cmd
}

func faqImport(g *globals) *cobra.Command {
	var format, actor string
	cmd := &cobra.Command{
		Use:   "import FILE [--format jsonl|csv|yaml] [--actor NAME]",
		Short: "Import FAQ entries from JSONL, CSV or YAML, all or nothing",
		Long: `import reads FAQ entries from FILE ("-" for standard input) in JSONL, CSV or
YAML, told by --format or by the file name (.jsonl .ndjson .json, .csv,
.yaml .yml). The fields of an entry:
  key           required, no white space; an existing key is replaced (its
                votes stay)
  question      required
  answer        required
  tags          a list; in CSV one cell, the tags separated by , or ; or |
  language      en, ja, or empty (detected from the text)
  status        draft (the default), published or retired
  needs_review  true for a draft from a ticket no person has read yet
                (default false); a published entry cannot need review
  paraphrases   the customers' wordings of the question: a list of texts, or
                of {"text": ..., "state": pending|confirmed|removed} (a
                text alone, or no state, is confirmed). In CSV the columns
                paraphrases, pending_paraphrases and removed_paraphrases,
                each cell holding its texts separated by an empty line.
                A row that has the field gets exactly these paraphrases: new
                texts are added, known ones take the state given, the others
                are removed (kept as removed, audited). A row without it
                keeps the entry's paraphrases, and the command says how many.
                The other fields export writes (source, ticket, added_by,
                ...) are for reading; import keeps text and state.

  JSONL  one object a line:
    {"key":"vpn","question":"How do I connect to the VPN?","answer":"Use the client.","tags":["vpn","remote"],"language":"en"}
  CSV    a header row naming the columns, in any order:
    key,question,answer,tags,language,status
    vpn,How do I connect to the VPN?,Use the client.,vpn;remote,en,published
  YAML   a list of entries:
    - key: vpn
      question: How do I connect to the VPN?
      answer: Use the client.
      tags: [vpn, remote]

Every fault of every row is reported with its line number, and then nothing
of the file is imported. A leading UTF-8 byte order mark, as spreadsheet
programs write, is ignored. faq export writes the same formats.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkActor("faq import", actor); err != nil {
				return err
			}
			format, err := desk.FAQFormat(format, args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			r := c.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			list, err := desk.ParseFAQFile(r, format)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("%s: %w", args[0], err)}
			}
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				res, err := a.desk.PutFAQs(ctx, list, actor)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "imported %d entries (%d new, %d updated)\n", len(list), res.Created, res.Updated)
				paraphraseSummary(c.OutOrStdout(), res, "")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl | csv | yaml (default: from the file name)")
	actorFlag(cmd, &actor)
	return cmd
}

func faqExport(g *globals) *cobra.Command {
	var format, status string
	cmd := &cobra.Command{
		Use:   "export [--format jsonl|csv|yaml] [--status S]",
		Short: "Write FAQ entries to standard output in an import format",
		Long: `export writes the entries in the format faq import reads, so export →
import round-trips: each entry with needs_review and all its paraphrases
in their states (removed ones too), with where each came from (source,
ticket, added_by, added_at, state_how, state_by, state_note, state_at).
See faq import --help for the fields.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if _, err := desk.FAQFormat(format, ""); err != nil {
				return usageErr("%v", err)
			}
			if err := checkFAQStatus("faq export", status); err != nil {
				return err
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				list, err := tx.FAQs(status)
				if err != nil {
					return err
				}
				return desk.WriteFAQFile(c.OutOrStdout(), list, format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl | csv | yaml")
	cmd.Flags().StringVar(&status, "status", "", "only entries in this status: draft | published | retired")
	return cmd
}

func faqList(g *globals) *cobra.Command {
	var status, language string
	var lf listFlags
	cmd := &cobra.Command{
		Use:   "list [--status S] [--language L] [--limit N] [--offset N] [--json]",
		Short: "List FAQ entries by key",
		Long: `list prints the entries by key: status, REVIEW "needed" for a draft made
from a ticket that no person has reviewed yet (faq publish asks for
--reviewed), language, votes, and PARAPHRASES: the confirmed and pending
ones ("3 (1 pending)"; removed ones are not counted).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := lf.check("faq list"); err != nil {
				return err
			}
			if err := checkFAQStatus("faq list", status); err != nil {
				return err
			}
			switch language {
			case "", "en", "ja":
			default:
				return usageErr("faq list: unknown language %q (en, ja)", language)
			}
			return withStore(g, c, func(tx *tickets.Tx) error {
				list, err := tx.FAQs(status)
				if err != nil {
					return err
				}
				if language != "" {
					list = slices.DeleteFunc(list, func(f *tickets.FAQ) bool { return f.Language != language })
				}
				list = page(list, lf.limit, lf.offset)
				if lf.json {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				t := newTable("KEY", "STATUS", "REVIEW", "LANG", "HELPFUL", "NOT", "PARAPHRASES", "QUESTION")
				for _, f := range list {
					review := ""
					if f.NeedsReview {
						review = "needed"
					}
					t.row(f.Key, f.Status, review, f.Language, fmt.Sprint(f.Helpful), fmt.Sprint(f.NotHelpful), paraphraseCount(f), f.Question)
				}
				return t.print(c)
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only entries in this status: draft | published | retired")
	cmd.Flags().StringVar(&language, "language", "", "only entries in this language: en | ja")
	lf.add(cmd)
	return cmd
}

func faqShow(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show KEY [--json]",
		Short: "Show one FAQ entry with its votes, paraphrases and audit trail",
		Long: `show prints an entry: status, votes, the ticket it was drafted from and
whether it still needs review, question and answer, its paraphrases
numbered with their states, and its audit trail (who created, changed,
reviewed, published or retired it, the votes, and every paraphrase added,
confirmed or removed).`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return withStore(g, c, func(tx *tickets.Tx) error {
				f, err := tx.FAQ(args[0])
				if err != nil {
					return noEntry("faq show", args[0], err)
				}
				events, err := tx.FAQEvents(f.Key)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), faqView{FAQ: f, Events: nonNil(events)})
				}
				out := c.OutOrStdout()
				fmt.Fprintf(out, "%s  (%s, %s)  helpful %d / not helpful %d\n", f.Key, f.Status, f.Language, f.Helpful, f.NotHelpful)
				if f.SourceTicket != "" {
					fmt.Fprintf(out, "from ticket %s\n", f.SourceTicket)
				}
				if f.NeedsReview {
					fmt.Fprintf(out, "needs review: drafted from %s and cleaned by machine; read it (faq edit %s to change it), then faq publish %s --reviewed\n",
						f.SourceTicket, f.Key, f.Key)
				}
				if len(f.Tags) > 0 {
					fmt.Fprintf(out, "tags: %s\n", strings.Join(f.Tags, ", "))
				}
				fmt.Fprintf(out, "\nQ: %s\n\nA: %s\n", f.Question, f.Answer)
				if len(f.Paraphrases) > 0 {
					fmt.Fprintf(out, "\nparaphrases (faq paraphrases %s for who and when):\n", f.Key)
				}
				for _, p := range f.Paraphrases {
					fmt.Fprintf(out, "  %d. [%s] %s\n", p.N, p.State, oneLine(p.Text))
				}
				fmt.Fprintln(out)
				if len(events) > 0 {
					fmt.Fprintln(out, "history:")
				}
				for _, e := range events {
					fmt.Fprintf(out, "  %s  %-24s %s  %s\n", when(e.CreatedAt), e.Kind, printable(e.Actor), printable(string(e.Detail)))
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func faqStatus(g *globals, verb, status string) *cobra.Command {
	var actor string
	var allDrafts, reviewed bool
	use := verb + " KEY... [--actor NAME]"
	long := fmt.Sprintf(`%s sets the status of every entry named to %s. Every key is looked
up first: when one does not exist, nothing is changed.`, verb, status)
	if status == tickets.FAQPublished {
		use = verb + " {KEY... | --all-drafts} [--reviewed] [--actor NAME]"
		long += `

A draft made from a ticket (faq promote, #faq) holds a customer's and an
agent's words, cleaned by machine of greetings, signatures, names and
employee numbers: it is published only with --reviewed, which records that
you have read it (faq show KEY; faq edit KEY to change it). Without
--reviewed, when one entry named (or one draft, with --all-drafts) needs
review, nothing is changed and the command names them.`
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: fmt.Sprintf("Set the status of FAQ entries to %s", status),
		Long:  long,
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkActor("faq "+verb, actor); err != nil {
				return err
			}
			if allDrafts == (len(args) > 0) {
				if status == tickets.FAQPublished {
					return usageErr("faq %s: give keys or --all-drafts, not both", verb)
				}
				return usageErr("faq %s: give the keys of the entries", verb)
			}
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				keys, err := faqKeysToChange(ctx, a, verb, args, allDrafts)
				if err != nil {
					return err
				}
				if status == tickets.FAQPublished && !reviewed {
					if err := refuseUnreviewed(ctx, a, keys); err != nil {
						return err
					}
				}
				out := c.OutOrStdout()
				for i, key := range keys {
					var err error
					if status == tickets.FAQPublished {
						err = a.desk.Publish(ctx, key, actor, reviewed)
					} else {
						err = a.desk.SetFAQStatus(ctx, key, status, actor)
					}
					if err != nil {
						if i > 0 {
							fmt.Fprintf(out, "%d of %d entries are %s\n", i, len(keys), status)
						}
						return noEntry("faq "+verb, key, err)
					}
					fmt.Fprintf(out, "FAQ %s is %s\n", key, status)
				}
				if allDrafts && len(keys) == 0 {
					fmt.Fprintln(out, "no draft entries to publish")
				}
				return nil
			})
		},
	}
	actorFlag(cmd, &actor)
	if status == tickets.FAQPublished {
		cmd.Flags().BoolVar(&allDrafts, "all-drafts", false, "publish every draft entry")
		cmd.Flags().BoolVar(&reviewed, "reviewed", false, "you have read the drafts made from tickets among them; needed to publish those")
	}
	return cmd
}

// refuseUnreviewed names the entries among keys that need review, before
// anything is published.
func refuseUnreviewed(ctx context.Context, a *app, keys []string) error {
	var need []string
	err := a.store.View(ctx, func(tx *tickets.Tx) error {
		for _, key := range keys {
			f, err := tx.FAQ(key)
			if err != nil {
				return err
			}
			if f.NeedsReview {
				need = append(need, fmt.Sprintf("%s (from %s)", f.Key, f.SourceTicket))
			}
		}
		return nil
	})
	if err != nil || len(need) == 0 {
		return err
	}
	verb := "are"
	if len(need) == 1 {
		verb = "is"
	}
	return &messageError{msg: fmt.Sprintf("faq publish: %s %s drafted from a ticket and not reviewed yet: read it with faq show KEY "+
		"(faq edit KEY to change it), then faq publish KEY --reviewed; nothing was changed", strings.Join(need, ", "), verb),
		err: tickets.ErrNeedsReview}
}

// paraphraseCount is "3 (1 pending)": the paraphrases that count, and how
// many of them only help find the entry.
func paraphraseCount(f *tickets.FAQ) string {
	n, pending := 0, 0
	for _, p := range f.Paraphrases {
		switch p.State {
		case tickets.ParaphrasePending:
			pending++
			n++
		case tickets.ParaphraseConfirmed:
			n++
		}
	}
	if pending == 0 {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d (%d pending)", n, pending)
}

// faqKeysToChange is the keys publish or retire works on, each once: the
// drafts for --all-drafts, else the keys given, every one of which exists.
func faqKeysToChange(ctx context.Context, a *app, verb string, args []string, allDrafts bool) ([]string, error) {
	var keys, missing []string
	err := a.store.View(ctx, func(tx *tickets.Tx) error {
		if allDrafts {
			drafts, err := tx.FAQs(tickets.FAQDraft)
			for _, f := range drafts {
				keys = append(keys, f.Key)
			}
			return err
		}
		for _, key := range args {
			if slices.Contains(keys, key) || slices.Contains(missing, key) {
				continue
			}
			_, err := tx.FAQ(key)
			switch {
			case errors.Is(err, tickets.ErrNotFound):
				missing = append(missing, key)
			case err != nil:
				return err
			default:
				keys = append(keys, key)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case len(missing) == 1 && len(args) == 1:
		return nil, noEntry("faq "+verb, missing[0], tickets.ErrNotFound)
	case len(missing) > 0:
		return nil, &messageError{msg: fmt.Sprintf("faq %s: no FAQ entry %s; nothing was changed", verb, quoteAll(missing)), err: tickets.ErrNotFound}
	}
	return keys, nil
}

// quoteAll is "a", "b" and "c".
func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func faqPromote(g *globals) *cobra.Command {
	var key, answer, actor string
	cmd := &cobra.Command{
		Use:   "promote REF [--key KEY] [--answer TEXT] [--actor NAME]",
		Short: "Draft a FAQ entry from a resolved ticket",
		Long: `promote drafts an entry from a resolved (or closed) ticket: the customer's
question and the agent's resolving answer (the last agent reply on the
ticket), both cleaned of quotes, greetings, signatures, closing lines, the
lines naming people, names with an honorific, employee numbers, mail
addresses and phone numbers; or --answer TEXT, taken as it is, when the
resolution never went through the mail thread. The draft needs review:
read it with faq show (faq edit to change it), then faq publish --reviewed.

The entry's key is the ticket reference in lower case (inc-1042), or --key.
promote never replaces an entry: if one with that key exists, whatever its
status, it refuses and names it; promote again with another --key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkActor("faq promote", actor); err != nil {
				return err
			}
			return withDesk(g, c, indexWrite, nil, func(ctx context.Context, a *app) error {
				f, err := a.desk.Promote(ctx, args[0], key, answer, actor)
				var exists *tickets.FAQExistsError
				switch {
				case errors.As(err, &exists):
					return &messageError{msg: fmt.Sprintf("faq promote %s: FAQ entry %q exists (%s) and is not replaced; promote with --key NEWKEY",
						strings.ToUpper(args[0]), exists.Key, exists.Status), err: err}
				case errors.Is(err, tickets.ErrNotFound):
					return &messageError{msg: fmt.Sprintf("faq promote: no ticket %q", args[0]), err: err}
				case errors.Is(err, desk.ErrNothingToPromote):
					return &messageError{msg: fmt.Sprintf("faq promote %s: the ticket holds no agent reply to use as the answer; give one with --answer TEXT", strings.ToUpper(args[0])), err: err}
				case err != nil:
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "draft FAQ %s from %s\nQ: %s\nA: %s\n", f.Key, strings.ToUpper(args[0]), f.Question, f.Answer)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "key of the new entry, which must not exist yet (default: the ticket reference in lower case)")
	cmd.Flags().StringVar(&answer, "answer", "", "the entry's answer (default: the last agent reply on the ticket)")
	actorFlag(cmd, &actor)
	return cmd
}

func faqGaps(g *globals) *cobra.Command {
	var asJSON bool
	opts := desk.GapOptions{Since: desk.DefaultGapWindow, Limit: desk.DefaultGapLimit}
	cmd := &cobra.Command{
		Use:   "gaps [--since DURATION] [--limit N] [--json]",
		Short: "Resolved tickets no FAQ entry answers, grouped, largest group first",
		Long: `gaps lists the resolved (and closed) tickets that no FAQ entry answers
confidently enough to be sent, grouped by similarity, largest group first:
the incidents to write up next. A ticket whose automatic answer held is
settled; one whose answer the customer turned down, or an agent had to
follow, is not.

It reads the tickets resolved within --since (default 90d) before now, the
newest --limit (default 1000) of them, in one query, and matches each
against the FAQ: about a millisecond a ticket once the index is loaded.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if opts.Limit < 1 {
				return usageErr("faq gaps: --limit %d is not a positive number", opts.Limit)
			}
			return withDesk(g, c, indexRead, nil, func(ctx context.Context, a *app) error {
				gaps, err := a.desk.Gaps(ctx, opts)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), gaps)
				}
				for i, gp := range gaps {
					fmt.Fprintf(c.OutOrStdout(), "%d. %d tickets: %s\n   %s\n   by month: %s\n", i+1, len(gp.Tickets), strings.Join(gp.Tickets, " "), gp.Sample, monthsLine(gp.Months))
				}
				if len(gaps) == 0 {
					fmt.Fprintf(c.OutOrStdout(), "no gaps: every ticket resolved in the last %s is answered by an entry\n", config.Duration{Duration: opts.Since})
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Var(durationFlag{&opts.Since}, "since", `only tickets resolved within this long before now ("90d", "2w", "36h")`)
	cmd.Flags().IntVar(&opts.Limit, "limit", opts.Limit, "at most the N most recently resolved of them")
	return cmd
}

// durationFlag is a flag in the configuration's duration syntax, days and
// weeks included; it must be positive.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return config.Duration{Duration: *f.d}.String()
}

func (f durationFlag) Set(s string) error {
	var v config.Duration
	if err := v.UnmarshalText([]byte(s)); err != nil {
		return err
	}
	if v.Duration <= 0 {
		return fmt.Errorf("%q is not a positive duration", s)
	}
	*f.d = v.Duration
	return nil
}

func (durationFlag) Type() string { return "duration" }

type matchLine struct {
	ID         any              `json:"id"`
	Decision   string           `json:"decision"`
	Reason     string           `json:"reason,omitempty"`
	Candidates []matchCandidate `json:"candidates"`
}

type matchCandidate struct {
	Key        string  `json:"key"`
	Confidence float64 `json:"confidence"`
	Score      float64 `json:"score"`
	Question   string  `json:"question,omitempty"`
}

func faqMatch(g *globals) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "match [--json] [--limit N] TEXT|-",
		Short: "Ask the matcher what it would do with a mail text",
		Long: `match runs the responder on TEXT and prints its decision (auto, suggest,
escalate) and the ranked candidates with their confidence. It answers as
the gateway would: only published entries are matched (a draft is not,
until it is published), and a pending paraphrase may make an entry a
suggestion, never an automatic answer. With "-" it reads
JSON lines {"id": ..., "text": ...} on standard input and writes one JSON
line per query: {"id", "decision", "candidates": [{"key", "confidence",
"score"}]}.

It lists responder.max_candidates candidates, or --limit N (1 to 100). Above
max_candidates the responder is asked for N, and answers as a gateway
configured with max_candidates = N would.

Japanese text is analysed with a morphological dictionary that each
process loads before its first Japanese text: about 1 s on an idle machine,
several on a busy one (English text needs none and answers in tens of
milliseconds). A running gateway has it loaded; a faq match command loads
it afresh, so "-" with many queries pays it once. When a match took longer
than a second, a line on standard error says so.

While a gateway runs it holds the index: faq match does not wait for it
but builds a temporary index from the database first, which for 1,786
Japanese entries takes about 3 s of CPU (nothing to speak of for a few
dozen entries).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			start := time.Now()
			if limit < 0 || limit > maxMatchLimit {
				return usageErr("faq match: --limit %d is not between 1 and %d (0: responder.max_candidates)", limit, maxMatchLimit)
			}
			// The responder keeps max_candidates hits of its ranking: ask
			// for more when the admin wants more, as a gateway configured
			// with max_candidates = N would.
			tune := func(cfg *config.Config) {
				cfg.Responder.MaxCandidates = max(cfg.Responder.MaxCandidates, limit)
			}
			return withDesk(g, c, indexRead, tune, func(ctx context.Context, a *app) error {
				if a.index == nil {
					return usageErr("the responder is disabled (responder.enabled = false)")
				}
				first := true
				match := func(id any, text string) (matchLine, error) {
					res, err := a.index.Match(ctx, "", text)
					if err != nil {
						return matchLine{}, err
					}
					if took := time.Since(start); first && took >= slowMatch {
						fmt.Fprintf(c.ErrOrStderr(), "faq match: the first match took %.1f s, most of it loading the Japanese dictionary, "+
							"which each faq match process does once (faq match - answers many queries with one load)\n", took.Seconds())
					}
					first = false
					line := matchLine{ID: id, Decision: string(res.Decision), Reason: res.Reason, Candidates: []matchCandidate{}}
					for i, cand := range res.Candidates {
						if limit > 0 && i >= limit {
							break
						}
						line.Candidates = append(line.Candidates, matchCandidate{Key: cand.Key, Confidence: cand.Confidence, Score: cand.Score, Question: cand.Question})
					}
					return line, nil
				}
				out := c.OutOrStdout()
				if len(args) == 1 && args[0] == "-" {
					enc := json.NewEncoder(out)
					enc.SetEscapeHTML(false)
					sc := bufio.NewScanner(c.InOrStdin())
					sc.Buffer(make([]byte, 64*1024), 16<<20)
					for n := 1; sc.Scan(); n++ {
						if strings.TrimSpace(sc.Text()) == "" {
							continue
						}
						var q struct {
							ID   any    `json:"id"`
							Text string `json:"text"`
						}
						if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
							return fmt.Errorf("standard input line %d: %w", n, err)
						}
						line, err := match(q.ID, q.Text)
						if err != nil {
							return err
						}
						line.Reason = ""
						for i := range line.Candidates {
							line.Candidates[i].Question = ""
						}
						if err := enc.Encode(line); err != nil {
							return err
						}
					}
					return sc.Err()
				}
				line, err := match(nil, strings.Join(args, " "))
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(out, line)
				}
				fmt.Fprintf(out, "decision: %s", line.Decision)
				if line.Reason != "" {
					fmt.Fprintf(out, " (%s)", line.Reason)
				}
				fmt.Fprintln(out)
				for i, cand := range line.Candidates {
					fmt.Fprintf(out, "%2d. %-12s confidence %.2f  %s\n", i+1, cand.Key, cand.Confidence, cand.Question)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&limit, "limit", 0, fmt.Sprintf("at most N candidates, 1 to %d (0 = responder.max_candidates)", maxMatchLimit))
	return cmd
}

// slowMatch is how long faq match may take to its first answer before it
// says why on standard error (a variable for tests).
var slowMatch = time.Second

// maxMatchLimit is the largest --limit, the largest responder.max_candidates
// the configuration accepts.
const maxMatchLimit = 100

// faqView is an entry as faq show prints it, with its audit trail.
type faqView struct {
	*tickets.FAQ
	Events []tickets.Event `json:"events"`
}

// actorFlag adds --actor to a command that changes FAQ entries.
func actorFlag(cmd *cobra.Command, actor *string) {
	cmd.Flags().StringVar(actor, "actor", defaultActor(), "who curates, for the audit trail; defaults to the operating-system user")
}

// defaultActor is the operating-system user, else "admin".
func defaultActor() string {
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "admin"
}

func checkActor(cmd, actor string) error {
	if strings.TrimSpace(actor) == "" {
		return usageErr("%s: --actor is empty", cmd)
	}
	return nil
}

func checkFAQStatus(cmd, status string) error {
	switch status {
	case "", tickets.FAQDraft, tickets.FAQPublished, tickets.FAQRetired:
		return nil
	}
	return usageErr("%s: unknown status %q (draft, published, retired)", cmd, status)
}

// noEntry names the key a FAQ command did not find; other errors pass.
func noEntry(cmd, key string, err error) error {
	if errors.Is(err, tickets.ErrNotFound) {
		return &messageError{msg: fmt.Sprintf("%s: no FAQ entry %q", cmd, key), err: err}
	}
	return err
}

// messageError replaces a cause's message with one for the user, while
// errors.Is still finds the cause.
type messageError struct {
	msg string
	err error
}

func (e *messageError) Error() string { return e.msg }
func (e *messageError) Unwrap() error { return e.err }
