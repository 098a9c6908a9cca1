package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

func newMigrateCmd(g *globals) *cobra.Command {
	var status bool
	c := &cobra.Command{
		Use:   "migrate [--status]",
		Short: "Bring the store's schema up to date",
		Long: `migrate brings the schema of the store ([store]: the SQLite file, or the
PostgreSQL database) up to the version this program knows, in one
transaction, and says from which version to which. run does the same at
start-up; migrate is for doing it on purpose, before starting the gateways
of a new version (on PostgreSQL, gateways starting at once migrate one after
the other, and the later ones find nothing to do). A store newer than the
program is refused (exit 1): run the newer program.

Each backend numbers its own migrations: SQLite's and PostgreSQL's
versions are not comparable with each other.

With --status it only says the store's version and this program's,
changing nothing (exit 0 either way).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			src := storeSource(cfg.Store)
			current, latest, err := tickets.SchemaStatus(c.Context(), src)
			if err != nil {
				return fmt.Errorf("store %s: %w", storeName(cfg.Store), err)
			}
			out := c.OutOrStdout()
			name := storeName(cfg.Store)
			if status {
				state := "up to date"
				switch {
				case current < latest:
					state = fmt.Sprintf("%d %s to apply", latest-current, plural(latest-current, "migration", "migrations"))
				case current > latest:
					state = "newer than this program"
				}
				fmt.Fprintf(out, "store %s: schema version %d; this program's %d (%s)\n", name, current, latest, state)
				return nil
			}
			s, err := openTickets(cfg, nil, false)
			if err != nil {
				return err
			}
			defer s.Close()
			now, err := s.SchemaVersion(c.Context())
			if err != nil {
				return err
			}
			if now == current {
				fmt.Fprintf(out, "store %s: schema version %d, up to date\n", name, now)
			} else {
				fmt.Fprintf(out, "store %s: schema migrated from version %d to %d\n", name, current, now)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&status, "status", false, "only say the store's schema version and this program's")
	return c
}

func newStoreCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Move or back up the whole desk",
		Long: `store works on the database as a whole: copy moves a desk from SQLite to
PostgreSQL (or back), backup writes a consistent copy of a SQLite store.`,
	}
	cmd.AddCommand(newStoreCopyCmd(g), newStoreBackupCmd(g))
	return cmd
}

func newStoreCopyCmd(g *globals) *cobra.Command {
	var from, to string
	c := &cobra.Command{
		Use:   "copy --from sqlite:PATH --to postgres:DSN",
		Short: "Move a whole desk from one store to another, verified",
		Long: `store copy moves a whole desk from one store to another: tickets and their
entries, inbound records with the raw mail, attachments, the FAQ with its
paraphrases and votes, the audit trail, outgoing mail in every state, the
timers, sessions and digests, every row with its id. Both stores are
brought to this program's schema first. The destination is written in one
transaction (all or nothing) from one snapshot of the source; then each
table is read back and its row count and checksum compared with the
source's, and printed.

Each side is sqlite:PATH or postgres:DSN (a postgres:// URL or key=value
settings), or "config" for the store of the configuration ([store]), which
keeps the DSN's password off the command line (dsn_file or
$MADOGUCHI_STORE_DSN):

  madoguchi store copy --from sqlite:data/madoguchi.db --to config
  madoguchi store copy --from sqlite:data/madoguchi.db --to postgres://madoguchi@db/madoguchi

Stop the gateway first: a SQLite store whose lock is held, or a
PostgreSQL database a gateway is connected to, is refused (exit 4), and so
is a destination that holds a desk already (exit 1). Text PostgreSQL
cannot hold (a NUL, bytes that are not UTF-8) is stored with U+FFFD in its
place and counted; the raw mail keeps every byte. Then set [store] to the
new store and start the gateways; the FAQ index of each is rebuilt from the
database at start-up.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usageErr("store copy needs --from and --to (sqlite:PATH, postgres:DSN or config)")
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			fromSrc, err := storeSpec(from, cfg)
			if err != nil {
				return err
			}
			toSrc, err := storeSpec(to, cfg)
			if err != nil {
				return err
			}
			ctx := c.Context()
			src, err := tickets.OpenSource(ctx, fromSrc, nil)
			if err != nil {
				return fmt.Errorf("--from %s: %w", specName(fromSrc), err)
			}
			defer src.Close()
			dst, err := tickets.OpenSource(ctx, toSrc, nil)
			if err != nil {
				return fmt.Errorf("--to %s: %w", specName(toSrc), err)
			}
			defer dst.Close()
			out := c.OutOrStdout()
			fmt.Fprintf(out, "copying %s to %s\n", specName(fromSrc), specName(toSrc))
			report, err := tickets.Copy(ctx, src, dst, nil)
			if report != nil {
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "TABLE\tROWS\tSHA-256\tVERIFIED\tCLEANED")
				var rows int64
				for _, t := range report.Tables {
					v := "no"
					if t.Verified {
						v = "yes"
					}
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%d\n", t.Table, t.Rows, t.Checksum[:16], v, t.Cleaned)
					rows += t.Rows
				}
				w.Flush()
				if err == nil {
					fmt.Fprintf(out, "copied and verified: %d tables, %d rows\n", len(report.Tables), rows)
				}
			}
			if errors.Is(err, tickets.ErrLocked) {
				return &exitError{code: 4, err: err}
			}
			return err
		},
	}
	c.Flags().StringVar(&from, "from", "", "the store to copy: sqlite:PATH, postgres:DSN or config")
	c.Flags().StringVar(&to, "to", "", "the empty store to copy into: sqlite:PATH, postgres:DSN or config")
	return c
}

// storeSpec reads sqlite:PATH, postgres:DSN (postgres://… also whole) or
// config.
func storeSpec(spec string, cfg *config.Config) (tickets.Source, error) {
	switch {
	case spec == "config":
		return storeSource(cfg.Store), nil
	case strings.HasPrefix(spec, "sqlite:"):
		return tickets.Source{Driver: tickets.DriverSQLite, Path: strings.TrimPrefix(spec, "sqlite:")}, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return tickets.Source{Driver: tickets.DriverPostgres, DSN: spec, MaxConns: 4}, nil
	case strings.HasPrefix(spec, "postgres:"):
		return tickets.Source{Driver: tickets.DriverPostgres, DSN: strings.TrimPrefix(spec, "postgres:"), MaxConns: 4}, nil
	}
	return tickets.Source{}, usageErr("%q is not a store: want sqlite:PATH, postgres:DSN or config", tickets.RedactDSN(spec))
}

// specName names a store for people, never with a password.
func specName(s tickets.Source) string {
	if s.Driver == tickets.DriverPostgres {
		return "postgres:" + tickets.RedactDSN(s.DSN)
	}
	return "sqlite:" + s.Path
}

func newStoreBackupCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of a SQLite store while it runs",
		Long: `store backup writes a consistent copy of the SQLite store to FILE (SQLite's
VACUUM INTO), while the gateway and the commands go on using it: a copy of
the database file itself taken while it is written may be torn. FILE must
not exist; it is readable by its owner only. Restore by stopping the
gateway and putting FILE in store.path's place.

A PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump;
README "PostgreSQL").`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if cfg.Store.Driver == config.StorePostgres {
				return usageErr("store backup is for a SQLite store; back PostgreSQL up with pg_dump (README \"PostgreSQL\")")
			}
			s, err := openTickets(cfg, nil, false)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.Backup(c.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "store %s backed up to %s\n", cfg.Store.Path, args[0])
			return nil
		},
	}
}
