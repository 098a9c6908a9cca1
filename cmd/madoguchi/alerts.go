package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/madoguchi/madoguchi/alerts"
	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
)

func newAlertsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Monitoring alerts as incidents",
		Long: `alerts feeds monitoring alerts to the desk, as the console's /hooks/alertmanager
and /hooks/alert will: a firing alert group opens one incident (its priority
from [alerts] severity, its service from the labels of service_labels), a
repeat of the same group is appended to it, a resolved notification resolves
it and tells its tiers, and a group firing again reopens it (or, once it is
closed, opens a new one). Groups are told apart by their key (Alertmanager's
groupKey, the generic alert's key), kept in the database across restarts.
Monitoring mail is read the same way by [[alerts.mail]] rules.`,
	}
	cmd.AddCommand(newAlertsPostCmd(g))
	return cmd
}

func newAlertsPostCmd(g *globals) *cobra.Command {
	var format string
	var asJSON bool
	post := &cobra.Command{
		Use:   "post [--format auto|alertmanager|alert] [--json] FILE|-",
		Short: "Act on one alert payload from a file or standard input",
		Long: `post reads one JSON payload from FILE (or standard input for -) and acts on
it as the desk would on the same POST: Alertmanager's webhook payload
(version 4), or the generic alert

  {"key": "backup-nightly", "status": "firing", "summary": "Nightly backup failed",
   "severity": "critical", "service": "backup", "description": "…", "url": "…"}

(key and status required, summary too when firing; severity a name of
[alerts] severity or P1–P5). --format auto (the default) tells them apart by
their fields. It prints what it did: opened, appended, reopened or resolved
and the ticket, or ignored (a resolution with no open incident). A running
gateway sends the tier's mail and the webhook events at once.

It exits 2 with the reason when the payload cannot be acted on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var in io.Reader = c.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return usageErr("alerts post: %v", err)
				}
				defer f.Close()
				in = f
			}
			return withDesk(g, c, indexWrite, func(cfg *config.Config) { cfg.Responder.Enabled = false }, func(ctx context.Context, a *app) error {
				group, err := decodeAlert(in, format, a.cfg.Alerts)
				if err != nil {
					return err
				}
				out, err := a.desk.Alert(ctx, group)
				if errors.Is(err, desk.ErrBadAlert) {
					return usageErr("alerts post: %v", err)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), out)
				}
				w := c.OutOrStdout()
				switch out.Action {
				case "ignored":
					fmt.Fprintf(w, "ignored: %s\n", out.Reason)
				default:
					fmt.Fprintf(w, "%s %s (%s, %s)", out.Action, out.Ticket, out.Priority, out.Status)
					if out.Reason != "" {
						fmt.Fprintf(w, ": %s", printable(out.Reason))
					}
					fmt.Fprintln(w)
				}
				return nil
			})
		},
	}
	post.Flags().StringVar(&format, "format", "auto", "payload format: auto, alertmanager or alert (the generic JSON alert)")
	post.Flags().BoolVar(&asJSON, "json", false, "print the outcome as JSON")
	return post
}

// decodeAlert reads a payload in format ("auto" tells them apart).
func decodeAlert(in io.Reader, format string, cfg config.Alerts) (desk.AlertGroup, error) {
	opts := alerts.Options{ServiceLabels: cfg.ServiceLabels}
	var g desk.AlertGroup
	var err error
	switch format {
	case "auto":
		g, _, err = alerts.Decode(in, opts)
	case alerts.FormatAlertmanager:
		g, err = alerts.Alertmanager(in, opts)
	case alerts.FormatGeneric:
		g, err = alerts.Generic(in, opts)
	default:
		return g, usageErr("alerts post: --format %q: want auto, alertmanager or alert", format)
	}
	if errors.Is(err, alerts.ErrPayload) {
		return g, usageErr("alerts post: %v", err)
	}
	return g, err
}
