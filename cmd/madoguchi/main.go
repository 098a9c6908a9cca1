// Command madoguchi is the email and ticket-intake gateway: it reads a
// support mailbox over IMAP, keeps tickets in SQLite and answers over SMTP.
// This file holds flags, subcommands, wiring and signals; nothing else.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/responder"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	// The collector's pace for a process that matches mail
	// (responder.GCPercent); GOGC in the environment wins.
	responder.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "madoguchi:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(1)
}

// globals are the flags every command shares.
type globals struct {
	configPath string
	logFormat  string    // --log-format: overrides log.format
	utc        bool      // --utc: print times in UTC, not desk.timezone
	stderr     io.Writer // the command's standard error, for warnings
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "madoguchi",
		Short: "Email and ticket-intake gateway for IT support",
		Long: `madoguchi (窓口, "the service counter") sits on a support mailbox: every
incoming mail becomes a ticket or an entry on the ticket it answers, the
customer gets an acknowledgement, and nothing is lost or done twice.

The configuration file is --config FILE, else $MADOGUCHI_CONFIG, else
./madoguchi.toml (see config.example.toml). Times are printed in
desk.timezone with their zone (2026-12-01 18:00 JST), or in UTC with --utc.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(c *cobra.Command, _ []string) {
			g.stderr = c.ErrOrStderr()
		},
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (default $MADOGUCHI_CONFIG, else ./madoguchi.toml)")
	root.PersistentFlags().BoolVar(&g.utc, "utc", false, "print times in UTC rather than desk.timezone (for scripts; --json is RFC 3339 either way)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "", "log lines as text or json, overriding log.format (json for journald or a log collector)")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newRunCmd(g),
		newTicketsCmd(g),
		newInboundCmd(g),
		newOutboxCmd(g),
		newCheckConfigCmd(g),
		newFAQCmd(g),
		newReindexCmd(g),
		newMigrateCmd(g),
		newStoreCmd(g),
		newWebCmd(g),
		newWebhooksCmd(g),
		newAlertsCmd(g),
		newVersionCmd(),
		newDemoCmd(),
	)
	return root
}
