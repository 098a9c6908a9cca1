package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/web"
)

func newWebCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "web",
		Short: "The console: sign-in links and API tokens",
		Long: `The console is the queue, ticket threads, FAQ curation and reports in a
browser. madoguchi run serves it when [web] listen is set (see
config.example.toml and the README's "Console" section), with the JSON
API under /api/v1/ and /metrics beside it (the README's "JSON API" and
"Metrics and health").

People sign in with a one-time link mailed to them from the sign-in page:
the tiers' agents as agents, the addresses in web.admins as admins, those
in web.viewers as viewers (read only), and requesters as customers, who
see their own requests. The first admin, who has no console yet to ask
for a link in, gets one here. Programs use bearer tokens, made, listed and
revoked here.`,
	}
	cmd.AddCommand(newWebLinkCmd(g), newWebTokenCmd(g))
	return cmd
}

func newWebLinkCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "link ADDRESS",
		Short: "Print a one-time sign-in link to the console for ADDRESS",
		Long: `link makes a sign-in link for ADDRESS (an address in web.admins or
web.viewers, or on a tier's agents list) and prints it: the last line of
the output is the URL alone. Opening it shows a page whose button signs
in (mail scanners that open every link spend nothing); it works once,
within 15 minutes, and opens a session of web.session_lifetime. Its secret is stored only as a
hash; anyone who reads the link can sign in with it, so pass it on as you
would a password. It points at web.base_url (or web.listen), which must
be set.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if err := cfg.RequireWeb(); err != nil {
				return &exitError{code: 2, err: err}
			}
			a, err := openReader(cfg, newLogger(cfg.Log, c.ErrOrStderr()))
			if err != nil {
				return err
			}
			defer a.close()
			link, err := a.desk.SignInLink(c.Context(), args[0])
			if errors.Is(err, desk.ErrNotAllowed) {
				return &exitError{code: 1, err: fmt.Errorf("web link: %w", err)}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "Sign-in link for %s (%s), valid once within %d minutes:\n%s\n",
				args[0], a.desk.RoleOf(args[0]), int(desk.SignInLifetime/time.Minute), link)
			return nil
		},
	}
}

// openReader wires the store, the templates and a desk without the FAQ
// index: what sign-in links and the read models of `tickets list` and
// `tickets show` need, and nothing that takes the index's lock.
func openReader(cfg *config.Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log}
	var err error
	if a.tmpl, err = templates.Load(templateOptions(cfg)); err != nil {
		return nil, err
	}
	if a.store, err = openTickets(cfg, nil, true); err != nil {
		return nil, err
	}
	opts := deskOptions(cfg)
	if len(opts.Secret) == 0 {
		// Reads and sign-in links sign no reply token, and desk.secret is
		// required only to run: a throw-away key lets a configuration
		// without it list tickets, as it always could.
		opts.Secret = make([]byte, 32)
		rand.Read(opts.Secret)
	}
	if a.desk, err = desk.New(opts, desk.Deps{Store: a.store, Templates: a.tmpl, Log: log.With("component", "desk")}); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// consoleServer builds the console over the app's desk, with the
// gateway's metrics and readiness checks when it has them.
func (a *app) consoleServer() (*web.Server, error) {
	opts := web.Options{
		Listen: a.cfg.Web.Listen, BaseURL: a.cfg.Web.BaseURL, TLSCert: a.cfg.Web.TLSCert, TLSKey: a.cfg.Web.TLSKey,
		ProxyHeader: a.cfg.Web.ProxyHeader, Location: a.cfg.Location(), Settings: a.cfg.Masked(), Version: version,
		AlertServiceLabels: a.cfg.Alerts.ServiceLabels,
		Log:                a.log.With("component", "web"),
	}
	if a.metrics != nil {
		opts.Metrics = a.metrics.Handler()
		for _, p := range a.pollers {
			opts.Checks = append(opts.Checks, web.Check{Name: "mailbox " + p.name, Ready: p.obs.Ready})
		}
		opts.Checks = append(opts.Checks, web.Check{Name: "relay", Ready: a.delivery.Ready})
	}
	return web.New(opts, a.desk)
}

// metricsListener binds [metrics] listen (a.metricsListener when set):
// before anything runs, so a port in use fails run at once.
func (a *app) metricsListener() (net.Listener, error) {
	if a.opsListener != nil {
		return a.opsListener, nil
	}
	ln, err := net.Listen("tcp", a.cfg.Metrics.Listen)
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("metrics: metrics.listen %s: %w", a.cfg.Metrics.Listen, err)}
	}
	return ln, nil
}

// console builds the console and its listener (a.webListener when set,
// else web.listen): binding first, so a port in use fails run at once.
func (a *app) console() (*web.Server, net.Listener, error) {
	srv, err := a.consoleServer()
	if err != nil {
		return nil, nil, err
	}
	ln := a.webListener
	if ln == nil {
		if ln, err = net.Listen("tcp", a.cfg.Web.Listen); err != nil {
			return nil, nil, &exitError{code: 1, err: fmt.Errorf("console: web.listen %s: %w", a.cfg.Web.Listen, err)}
		}
	}
	return srv, ln, nil
}
