package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

func newWebTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "API tokens: create, list, revoke",
		Long: `A program (a script, a dashboard, Prometheus) calls the JSON API under
/api/v1/ and /metrics with a bearer token:

  Authorization: Bearer mdg_<id>_<secret>

Each token has a name, which its calls and every change they make are
audited under, and one scope:
  read     read tickets, the FAQ, the reports and /metrics
  write    what read does, and act: reply, note, assign, priority, type,
           hold, escalate, resolve, close, answer, cc, uncc, merge, link,
           major; draft, publish and retire FAQ entries
  alerts   post monitoring alerts to /hooks/… and nothing else
  metrics  scrape /metrics on the console's listener and nothing else

A token is printed once, when it is made; the store keeps only a hash of
its secret, so a lost token cannot be shown again: revoke it and make
another.`,
	}
	cmd.AddCommand(newWebTokenCreateCmd(g), newWebTokenListCmd(g), newWebTokenRevokeCmd(g))
	return cmd
}

func newWebTokenCreateCmd(g *globals) *cobra.Command {
	var scope, actor string
	c := &cobra.Command{
		Use:   "create NAME --scope read|write|alerts|metrics [--actor NAME]",
		Short: "Make an API token and print it, once",
		Long: `create makes a token named NAME (lower-case letters, digits, '.', '_',
'-'; at most 64; not an address) with the scope given, and prints it: the
last line of the output is the token alone. It is shown this once and
never again (the store keeps a hash of its secret): keep it as you would
a password, in the program's secret store. Every call made with it is
logged, and every change it makes audited, under NAME. A live token of
the same name must be revoked first. --actor (default: the operating-
system user) is who made it, for the audit trail.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if !slices.Contains(desk.Scopes, desk.Scope(scope)) {
				return usageErr("web token create: --scope %q: want read, write, alerts or metrics", scope)
			}
			if err := checkActor("web token create", actor); err != nil {
				return err
			}
			return withReader(g, c, func(a *app) error {
				secret, t, err := a.desk.CreateToken(c.Context(), args[0], desk.Scope(scope), actor)
				switch {
				case errors.Is(err, desk.ErrTokenName):
					return usageErr("web token create: %v", err)
				case errors.Is(err, tickets.ErrTokenNameInUse):
					return &exitError{code: 1, err: fmt.Errorf("web token create: a live token is named %s: revoke it first (web token revoke %s)", args[0], args[0])}
				case err != nil:
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "API token %s (scope %s, id %s), shown this once; send it as Authorization: Bearer TOKEN:\n%s\n", t.Name, t.Scope, t.ID, secret)
				return nil
			})
		},
	}
	c.Flags().StringVar(&scope, "scope", "", "read, write, alerts or metrics (required)")
	c.Flags().StringVar(&actor, "actor", defaultActor(), "who makes it, for the audit trail; defaults to the operating-system user")
	c.MarkFlagRequired("scope")
	return c
}

func newWebTokenListCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the API tokens: name, scope, when made and last used, revoked",
		Long: `list prints every API token, the live ones first: its name, scope, id
(the first part of the token, which is no secret), when it was made and by
whom, when it was last used (to the minute) and when it was revoked. The
tokens themselves are never shown: the store does not have them.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withReader(g, c, func(a *app) error {
				list, err := a.desk.Tokens(c.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), nonNil(list))
				}
				tb := newTable("NAME", "SCOPE", "ID", "CREATED", "BY", "LAST USED", "REVOKED")
				for _, t := range list {
					tb.row(t.Name, t.Scope, t.ID, when(t.CreatedAt), t.CreatedBy, when(t.LastUsedAt), when(t.RevokedAt))
				}
				return tb.print(c)
			})
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newWebTokenRevokeCmd(g *globals) *cobra.Command {
	var actor string
	c := &cobra.Command{
		Use:   "revoke NAME [--actor NAME]",
		Short: "Revoke the live API token named NAME: its next call is refused",
		Long: `revoke ends the live token named NAME at once, in the running gateway too
(it asks the store at every call): its next call is refused with 401. The
token's row stays, revoked, for the audit trail; its name is free for a
new token. --actor (default: the operating-system user) is who revoked it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkActor("web token revoke", actor); err != nil {
				return err
			}
			return withReader(g, c, func(a *app) error {
				err := a.desk.RevokeToken(c.Context(), args[0], actor)
				if errors.Is(err, desk.ErrNoToken) {
					return &exitError{code: 1, err: fmt.Errorf("web token revoke: no live API token is named %s (web token list)", strings.TrimSpace(args[0]))}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(c.OutOrStdout(), "API token %s revoked: its calls are refused from now on.\n", args[0])
				return nil
			})
		},
	}
	c.Flags().StringVar(&actor, "actor", defaultActor(), "who revokes it, for the audit trail; defaults to the operating-system user")
	return c
}

// withReader runs fn with a reader of the configuration's store
// (openReader), closed after it.
func withReader(g *globals, c *cobra.Command, fn func(a *app) error) error {
	cfg, err := loadConfig(g)
	if err != nil {
		return err
	}
	a, err := openReader(cfg, newLogger(cfg.Log, c.ErrOrStderr()))
	if err != nil {
		return err
	}
	defer a.close()
	return fn(a)
}
