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
	"runtime/pprof"
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
	stopProfile()
	stopMemProfile()
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
	cpuProfile string    // hidden --cpuprofile: the benchmarks' profiles of the binary
	memProfile string    // hidden --memprofile: the live heap at the command's largest
	stderr     io.Writer // the command's standard error, for warnings
}

// stopProfile ends the CPU profile --cpuprofile started, if any.
var stopProfile = func() {}

// startProfile writes a CPU profile of the whole command to path, so a
// benchmark can profile the binary as it runs (docs/intake.md).
func startProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	stopProfile = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
	return nil
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
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			g.stderr = c.ErrOrStderr()
			if g.memProfile != "" {
				startMemProfile(g.memProfile)
			}
			if g.cpuProfile != "" {
				return startProfile(g.cpuProfile)
			}
			return nil
		},
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (default $MADOGUCHI_CONFIG, else ./madoguchi.toml)")
	root.PersistentFlags().BoolVar(&g.utc, "utc", false, "print times in UTC rather than desk.timezone (for scripts; --json is RFC 3339 either way)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "", "log lines as text or json, overriding log.format (json for journald or a log collector)")
	root.SetFlagErrorFunc(flagError)
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().StringVar(&g.memProfile, "memprofile", "", "write a heap profile of the command at its largest heap to this file")
	root.PersistentFlags().MarkHidden("memprofile")
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
