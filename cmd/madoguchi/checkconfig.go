package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/outbox"
	"github.com/madoguchi/madoguchi/webhook"
)

func newCheckConfigCmd(g *globals) *cobra.Command {
	var connect bool
	c := &cobra.Command{
		Use:   "check-config [--connect]",
		Short: "Validate the configuration and print it with secrets masked",
		Long: `check-config loads the configuration the way run does (file, then
MADOGUCHI_<SECTION>_<KEY> environment variables, then *_file secrets),
checks every key, and prints the effective configuration with passwords
and secrets masked. Comment lines then list the mailboxes the gateway reads
(each [[mailboxes]] entry, or the one of [imap] named "default"), the first
the default one: its name, support address, server and login, folder and
what becomes of handled mail, the language, type and first tier of its
tickets. Then they say the zone times are shown in, and
what each SLA target and escalate_after means on the clock: how much
business time it is and, with business hours, when it falls due for a
ticket opened as the desk opens ("sla.P3.resolve = 1bd (9h of business
time; from Mon 09:00 due Mon 18:00)"). With tiers of agents they say
what proves an agent's reply (desk.trusted_authserv_id: a DMARC pass, or
the reply token alone) and until when desk.previous_secrets still verify
the tokens of mails sent before a rotation. It exits 2 and names each bad key (with its line, and the key that
was probably meant) when the configuration is invalid. A MADOGUCHI_*
variable that names no key is warned of on standard error.

With --connect it also logs in to each mailbox's IMAP server (and selects
its folder) and to the SMTP relay, as run would, and reports on each what
worked; it fetches and sends nothing. It exits 3 when one did not work,
naming it. Passwords and tokens are never printed.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if err := cfg.RequireRun(); err != nil {
				return &exitError{code: 2, err: err}
			}
			b, err := cfg.Masked().TOML()
			if err != nil {
				return err
			}
			out := c.OutOrStdout()
			head := "# configuration is valid"
			if n := len(config.UnknownEnv(os.Environ())); n > 0 {
				head += fmt.Sprintf("; %d environment %s on standard error", n, plural(n, "warning", "warnings"))
			}
			fmt.Fprintf(out, "%s\n%s", head, b)
			fmt.Fprintf(out, "\n# store: %s\n", storeNote(cfg.Store))
			fmt.Fprintf(out, "\n# %s\n", strings.Join(mailboxNotes(cfg), "\n# "))
			fmt.Fprintf(out, "\n# times and SLA clocks\n# %s\n", strings.Join(slaNotes(cfg), "\n# "))
			if notes := agentProofNotes(cfg, time.Now()); len(notes) > 0 {
				fmt.Fprintf(out, "\n# agent proof\n# %s\n", strings.Join(notes, "\n# "))
			}
			if notes := webhookNotes(cfg); len(notes) > 0 {
				fmt.Fprintf(out, "\n# webhooks (URLs shown to their host; secrets never)\n# %s\n", strings.Join(notes, "\n# "))
			}
			if connect {
				return checkConnections(c.Context(), cfg, out)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&connect, "connect", false, "also log in to each mailbox's IMAP server and to the SMTP relay and report what worked")
	return c
}

// mailboxNotes list the mailboxes the gateway reads, the default first,
// one line each: what a mailbox is, and what its tickets start as.
func mailboxNotes(cfg *config.Config) []string {
	boxes := cfg.EffectiveMailboxes()
	head := fmt.Sprintf("mailboxes: %d, the first the default one ([imap] is not read beside them)", len(boxes))
	if cfg.Shorthand() {
		head = fmt.Sprintf("mailboxes: 1, from [imap] and desk.support_address, named %q", config.DefaultMailboxName)
	}
	notes := []string{head}
	for _, m := range boxes {
		addr := m.SupportAddress
		if addr == "" {
			addr = "(no support address)"
		}
		login := "no login"
		if m.Username != "" {
			login = m.Auth + " as " + m.Username
		}
		filed := `handled mail flagged \Seen`
		if m.ProcessedMailbox != "" {
			filed = "handled mail moved to " + m.ProcessedMailbox
		}
		typ := "incident (the rules may make it a service_request)"
		if m.DefaultType == "service_request" {
			typ = "service_request (the rules may make it an incident)"
		}
		line := fmt.Sprintf("%s: %s · IMAP %s (%s, %s) · folder %s, %s · language %s · new tickets: %s", m.Name, addr, orNone(m.Address), m.Security, login,
			m.Mailbox, filed, m.Language, typ)
		if len(cfg.Escalation.Tiers) > 0 {
			line += ", first to tier " + cfg.Escalation.Tiers[max(cfg.TierIndex(m.DefaultTier), 0)].Name
		}
		notes = append(notes, line)
	}
	return notes
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// agentProofNotes say, with tiers configured, what proves an agent's
// reply and for how long the previous secrets still verify old tokens.
func agentProofNotes(cfg *config.Config, now time.Time) []string {
	if len(cfg.Escalation.Tiers) == 0 {
		return nil
	}
	var notes []string
	if cfg.Desk.TrustedAuthservID == "" {
		notes = append(notes, "desk.trusted_authserv_id is not set: agent proof rests on the reply token alone (with a From on the tier's agents list); no DMARC verdict is asked for")
	} else {
		notes = append(notes, fmt.Sprintf("an agent's reply needs dmarc=pass for its From's domain in the topmost Authentication-Results of %s", cfg.Desk.TrustedAuthservID))
	}
	if n := len(cfg.Desk.PreviousSecrets); n > 0 {
		until := cfg.Desk.PreviousSecretsDeadline()
		what := fmt.Sprintf("desk.previous_secrets: %d %s", n, plural(n, "previous secret verifies", "previous secrets verify"))
		if left := until.Sub(now); left > 0 {
			notes = append(notes, fmt.Sprintf("%s the reply tokens of mails sent before the rotation until %s (for %s more)", what, until.UTC().Format(time.RFC3339), roughly(left)))
		} else {
			notes = append(notes, fmt.Sprintf("%s nothing any more: the grace period ended %s (%s ago); remove them", what, until.UTC().Format(time.RFC3339), roughly(-left)))
		}
	}
	if cfg.Escalation.PreviousTiersMayAct {
		notes = append(notes, "escalation.previous_tiers_may_act: agents of a tier a ticket has left still act on it, while their tier lists them")
	}
	return notes
}

// webhookNotes say where each webhook's events go (scheme and host only:
// the rest of a Slack or Teams URL is a credential), which it gets, and
// whether they are signed.
func webhookNotes(cfg *config.Config) []string {
	var notes []string
	for _, w := range cfg.Webhooks {
		events, prios := "every event", "of every priority"
		if len(w.Events) > 0 {
			events = strings.Join(w.Events, ", ")
		}
		if len(w.Priorities) > 0 {
			prios = "of " + strings.Join(w.Priorities, ", ")
		}
		signed := "unsigned"
		if w.Secret != "" {
			signed = "signed (X-Madoguchi-Signature)"
		}
		subject := "no subject"
		if w.IncludeSubject {
			subject = "with the subject"
		}
		notes = append(notes, fmt.Sprintf("%s: %s to %s, %s, %s; %s; given up after %s", w.Name, w.Format, webhook.Redact(w.URL.Reveal()),
			events+" "+prios, signed, subject, w.GiveUpAfter))
	}
	if cfg.Web.BaseURL == "" && len(cfg.Webhooks) > 0 {
		notes = append(notes, "web.base_url is not set: events carry no link to the ticket")
	}
	return notes
}

// roughly is d in whole days, or hours under two days.
func roughly(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	h := int(d / time.Hour)
	return fmt.Sprintf("%d %s", h, plural(h, "hour", "hours"))
}

// checkTimeout bounds each server's check.
const checkTimeout = time.Minute

// checkConnections logs in to both servers and writes one comment line
// on each, so the output stays a TOML file.
func checkConnections(ctx context.Context, cfg *config.Config, out io.Writer) error {
	fmt.Fprintln(out, "\n# connection checks")
	var failed []string

	for _, m := range cfg.EffectiveMailboxes() {
		imapDesc := fmt.Sprintf("IMAP %s (%s, %s as %s)", m.Address, m.Security, m.Auth, m.Username)
		if !cfg.Shorthand() {
			imapDesc = "mailbox " + m.Name + ": " + imapDesc
		}
		popts, err := pollerOptions(cfg, m)
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			var res intake.CheckResult
			res, err = intake.Check(cctx, popts, nil)
			cancel()
			if err == nil {
				idle := "no IDLE: polled every " + m.PollInterval.String()
				if res.IDLE {
					idle = "IDLE"
				}
				fmt.Fprintf(out, "# %s: ok, logged in, mailbox %s selected (%s)\n", imapDesc, m.Mailbox, idle)
			}
		}
		if err != nil {
			what := "IMAP"
			if !cfg.Shorthand() {
				what = "IMAP of mailbox " + m.Name
			}
			failed = append(failed, what)
			fmt.Fprintf(out, "# %s: FAILED: %s\n", imapDesc, checkFailure(err))
		}
	}

	smtpDesc := fmt.Sprintf("SMTP %s (%s, no login)", cfg.SMTP.Address, cfg.SMTP.Security)
	if cfg.SMTP.Auth != config.AuthNone {
		smtpDesc = fmt.Sprintf("SMTP %s (%s, %s as %s)", cfg.SMTP.Address, cfg.SMTP.Security, cfg.SMTP.Auth, cfg.SMTP.Username)
	}
	sopts, err := senderOptions(cfg, nil)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		err = outbox.Check(cctx, sopts, nil)
		cancel()
		if err == nil {
			login := ", logged in"
			if cfg.SMTP.Auth == config.AuthNone {
				login = ""
			}
			fmt.Fprintf(out, "# %s: ok, connected%s\n", smtpDesc, login)
		}
	}
	if err != nil {
		failed = append(failed, "SMTP")
		fmt.Fprintf(out, "# %s: FAILED: %s\n", smtpDesc, checkFailure(err))
	}
	if len(failed) > 0 {
		return &exitError{code: 3, err: fmt.Errorf("check-config --connect: %s did not work (see the connection checks above)", strings.Join(failed, " and "))}
	}
	return nil
}

// checkFailure is the error as the check reports it: intake's and the
// relay's errors say what failed (connection or login) themselves.
func checkFailure(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s: %v", checkTimeout, err)
	}
	return err.Error()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// storeNote says where the desk is kept and what that means for the
// gateways; a DSN is shown without its password.
func storeNote(c config.Store) string {
	if c.Driver == config.StorePostgres {
		return fmt.Sprintf("%s (pool of %d connections per gateway; several gateways may run on it, each with its own responder.index_path)",
			storeName(c), c.MaxConns)
	}
	return fmt.Sprintf("SQLite %s (one gateway at a time)", c.Path)
}
