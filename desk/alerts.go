package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// Monitoring alerts as incidents. A firing alert group opens one
// incident; a repeat of the same group (its source and key) is appended
// to it; a resolved notification resolves it and tells its tiers; a group
// that fires again while its incident is resolved reopens it, and once the
// incident is closed, opens a new one. The group's key is kept with the
// ticket (tickets.AlertIncident), so this holds across restarts. One
// function, Alert, serves every door: Alertmanager's webhook and the
// generic JSON alert (decoded by package alerts), `madoguchi alerts post`,
// and monitoring mail read by an [[alerts.mail]] rule (receive.go).

// Alert statuses.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// AlertGroup is one notification of a monitoring system about one group
// of alerts: an Alertmanager group, a generic alert, a monitoring mail.
type AlertGroup struct {
	// Source and Key name the incident: one open incident per pair.
	// Source is "alertmanager", "alert" (the generic JSON alert) or
	// "mail:RULE"; Key is Alertmanager's groupKey, the alert's key, or
	// what a mail rule read from the subject.
	Source string
	Key    string
	Status string // AlertFiring | AlertResolved
	// Severities of its firing alerts ("critical"): the highest priority
	// any of them maps to (AlertOptions.Severity) is the incident's.
	Severities []string
	Service    string // the service it is about; "" = not said
	Summary    string // one line: the incident's subject
	Text       string // what the monitoring system said, for the incident's entry
	From       string // who sent it, for the entry and the audit trail ("alertmanager")
}

// ErrBadAlert is wrapped by Alert's errors for a group it cannot act on
// (no key, an unknown status): the sender's fault, not the desk's.
var ErrBadAlert = errors.New("desk: bad alert")

// AlertOptions say how alerts become incidents (config: [alerts]).
type AlertOptions struct {
	// Severity maps a severity, compared without case, to a priority.
	Severity map[string]string
	// DefaultPriority is the priority of an alert whose severity is
	// missing or not in Severity; default P3.
	DefaultPriority string
	Mail            []AlertMailRule
}

// AlertMailRule reads a monitoring system's mail as an alert (config:
// [[alerts.mail]]).
type AlertMailRule struct {
	Name     string
	From     string // regexp on the sender's address, case ignored; "" = any
	Subject  string // regexp on the subject; group "key" (else the first) is the key; "severity", "service" groups are read
	Resolved string // regexp on the subject: a match resolves; "" = never
	Severity string // when the subject has no severity group: a severity or P1–P5
	Service  string // when the subject has no service group
}

// AlertOutcome is what one notification did.
type AlertOutcome struct {
	Action   string         `json:"action"` // AlertOpened | appended | reopened | resolved | ignored
	Ticket   string         `json:"ticket,omitempty"`
	Status   tickets.Status `json:"status,omitempty"`
	Priority string         `json:"priority,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Sent     []string       `json:"sent,omitempty"` // kinds of mail queued (the tier's notice, copies)
}

// AlertOpened is the action of an alert that opened its incident.
const AlertOpened = "opened"

// alertRules are AlertOptions, compiled.
type alertRules struct {
	severity map[string]string
	def      string
	mail     []compiledMailRule
}

type compiledMailRule struct {
	AlertMailRule
	from, subject, resolved *regexp.Regexp
}

func compileAlerts(o AlertOptions) (*alertRules, error) {
	r := &alertRules{severity: map[string]string{}, def: o.DefaultPriority}
	if r.def == "" {
		r.def = "P3"
	}
	if !slices.Contains(tickets.Priorities, r.def) {
		return nil, fmt.Errorf("desk: alerts: default priority %q is not one of %s", r.def, strings.Join(tickets.Priorities, ", "))
	}
	for k, p := range o.Severity {
		if !slices.Contains(tickets.Priorities, p) {
			return nil, fmt.Errorf("desk: alerts: severity %q maps to %q, not a priority", k, p)
		}
		r.severity[strings.ToLower(strings.TrimSpace(k))] = p
	}
	for _, m := range o.Mail {
		c := compiledMailRule{AlertMailRule: m}
		var err error
		if m.From != "" {
			if c.from, err = regexp.Compile("(?i)" + m.From); err != nil {
				return nil, fmt.Errorf("desk: alert mail rule %s: from: %w", m.Name, err)
			}
		}
		if c.subject, err = regexp.Compile(m.Subject); err != nil {
			return nil, fmt.Errorf("desk: alert mail rule %s: subject: %w", m.Name, err)
		}
		if c.subject.NumSubexp() == 0 {
			return nil, fmt.Errorf("desk: alert mail rule %s: subject %q has no group for the key", m.Name, m.Subject)
		}
		if m.Resolved != "" {
			if c.resolved, err = regexp.Compile(m.Resolved); err != nil {
				return nil, fmt.Errorf("desk: alert mail rule %s: resolved: %w", m.Name, err)
			}
		}
		r.mail = append(r.mail, c)
	}
	return r, nil
}

// priority is the highest priority the severities map to, else the
// default.
func (r *alertRules) priority(severities []string) string {
	best := ""
	for _, s := range severities {
		p := strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(tickets.Priorities, p) {
			p = r.severity[strings.ToLower(strings.TrimSpace(s))]
		}
		if p != "" && (best == "" || p < best) {
			best = p
		}
	}
	if best == "" {
		return r.def
	}
	return best
}

// fromMail reads msg as an alert when an [[alerts.mail]] rule matches its
// sender and subject.
func (r *alertRules) fromMail(msg *mime.Message) (AlertGroup, bool) {
	for _, rule := range r.mail {
		if rule.from != nil && !rule.from.MatchString(msg.From.Addr) {
			continue
		}
		m := rule.subject.FindStringSubmatch(msg.Subject)
		if m == nil {
			continue
		}
		group := func(name string) string {
			if i := rule.subject.SubexpIndex(name); i > 0 {
				return m[i]
			}
			return ""
		}
		key := group("key")
		if rule.subject.SubexpIndex("key") < 0 {
			key = m[1]
		}
		if strings.TrimSpace(key) == "" {
			continue
		}
		g := AlertGroup{Source: "mail:" + rule.Name, Key: strings.TrimSpace(key), Status: AlertFiring,
			Service: cmpOr(group("service"), rule.Service), Summary: msg.Subject, Text: msg.Text, From: strings.ToLower(msg.From.Addr)}
		if sev := cmpOr(group("severity"), rule.Severity); sev != "" {
			g.Severities = []string{sev}
		}
		if rule.resolved != nil && rule.resolved.MatchString(msg.Subject) {
			g.Status = AlertResolved
		}
		return g, true
	}
	return AlertGroup{}, false
}

func cmpOr(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return strings.TrimSpace(a)
	}
	return b
}

// Alert acts on one notification of a monitoring system in one
// transaction: it opens, appends to, reopens or resolves the incident of
// the group's key, and says which. A group it cannot act on is an error
// wrapping ErrBadAlert; a resolution of a key with no open incident is
// "ignored", not an error.
func (d *Desk) Alert(ctx context.Context, g AlertGroup) (AlertOutcome, error) {
	if err := checkAlert(&g); err != nil {
		return AlertOutcome{}, err
	}
	var out AlertOutcome
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		var err error
		out, err = d.alert(tx, g, nil, nil)
		return err
	})
	if err != nil {
		return AlertOutcome{}, err
	}
	d.log.Info("alert", "source", g.Source, "key", g.Key, "status", g.Status, "action", out.Action, "ticket", out.Ticket,
		"priority", out.Priority, "reason", out.Reason)
	if out.Action == AlertOpened {
		d.obs.TicketOpened(tickets.Incident, out.Priority)
	}
	if len(out.Sent) > 0 {
		d.poke()
	}
	return out, nil
}

// maxAlertKey bounds a key as stored; a longer one is kept as its hash.
const maxAlertKey = 256

func checkAlert(g *AlertGroup) error {
	g.Key = strings.TrimSpace(g.Key)
	switch {
	case g.Source == "":
		return fmt.Errorf("%w: no source", ErrBadAlert)
	case g.Key == "":
		return fmt.Errorf("%w: no key: an alert needs one to be told from the others", ErrBadAlert)
	case g.Status != AlertFiring && g.Status != AlertResolved:
		return fmt.Errorf("%w: status %q: want %s or %s", ErrBadAlert, g.Status, AlertFiring, AlertResolved)
	}
	if len(g.Key) > maxAlertKey {
		sum := sha256.Sum256([]byte(g.Key))
		g.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	if g.From == "" {
		g.From = g.Source
	}
	return nil
}

// alert is Alert inside a transaction; in and msg are the monitoring mail
// a rule read (nil over HTTP), kept as the entry.
func (d *Desk) alert(tx *tickets.Tx, g AlertGroup, in *tickets.Inbound, msg *mime.Message) (AlertOutcome, error) {
	prio := d.alerts.priority(g.Severities)
	prev, err := tx.AlertIncident(g.Source, g.Key)
	if err != nil && !errors.Is(err, tickets.ErrNotFound) {
		return AlertOutcome{}, err
	}
	var t *tickets.Ticket
	if prev != nil {
		if t, err = tx.TicketByID(prev.TicketID); err != nil {
			return AlertOutcome{}, err
		}
		if t.MergedIntoID != 0 {
			// Merged into another incident: that one goes on.
			if t, err = survivor(tx, t); err != nil {
				return AlertOutcome{}, err
			}
		}
	}
	if t == nil || t.Status == tickets.StatusClosed {
		if g.Status == AlertResolved {
			return AlertOutcome{Action: "ignored", Reason: "resolved, but no incident of this alert is open"}, nil
		}
		return d.openAlert(tx, g, prio, in, msg)
	}
	if err := d.alertEntry(tx, t, g, in, msg); err != nil {
		return AlertOutcome{}, err
	}
	if err := tx.NoteAlert(prev, g.Status == AlertFiring); err != nil {
		return AlertOutcome{}, err
	}
	oc := Outcome{}
	out := AlertOutcome{Ticket: t.Ref}
	switch {
	case g.Status == AlertResolved && t.Status == tickets.StatusResolved:
		out.Action, out.Reason = "appended", "resolved already"
	case g.Status == AlertResolved:
		out.Action = "resolved"
		if err := d.resolveAlert(tx, t, g, &oc); err != nil {
			return AlertOutcome{}, err
		}
	case t.Status == tickets.StatusResolved:
		out.Action = "reopened"
		if err := d.escalate(tx, t, alertMessage(g, msg), g.From, templates.Reason{Code: templates.ReasonAlertFiring, From: g.Source}, &oc); err != nil {
			return AlertOutcome{}, err
		}
	default:
		out.Action = "appended"
		if prio < t.Priority {
			// The alert grew worse (warning → critical): so does the incident.
			if err := tx.SetPriority(t, prio, d.opts.SLA, g.From); err != nil {
				return AlertOutcome{}, err
			}
			oc.Reason = joinReason(oc.Reason, "priority raised to "+prio)
		}
	}
	if err := tx.Event(t.ID, "", "alert_"+out.Action, g.From, map[string]any{"source": g.Source, "key": g.Key, "status": g.Status}); err != nil {
		return AlertOutcome{}, err
	}
	out.Status, out.Priority, out.Sent, out.Reason = t.Status, t.Priority, oc.Sent, joinReason(out.Reason, oc.Reason)
	return out, nil
}

// openAlert opens the incident of a firing group and hands it to people.
func (d *Desk) openAlert(tx *tickets.Tx, g AlertGroup, prio string, in *tickets.Inbound, msg *mime.Message) (AlertOutcome, error) {
	impact, urgency := matrixOf(prio)
	subject := strings.Join(strings.Fields(g.Summary), " ")
	if subject == "" {
		subject = "alert " + g.Key
	}
	if s := g.Service; s != "" && !strings.HasPrefix(strings.ToLower(subject), strings.ToLower(s)) {
		subject = s + ": " + subject
	}
	t, err := tx.CreateTicket(tickets.NewTicket{
		Type: tickets.Incident, Prefix: d.opts.IncidentPrefix, Subject: truncate(subject, 200),
		RequesterName: "monitoring (" + g.From + ")", Language: d.opts.Language, Impact: impact, Urgency: urgency,
		Actor: g.From, SLA: &d.opts.SLA,
	})
	if err != nil {
		return AlertOutcome{}, err
	}
	if err := tx.RecordAlertIncident(&tickets.AlertIncident{TicketID: t.ID, Source: g.Source, Key: g.Key}); err != nil {
		return AlertOutcome{}, err
	}
	if err := d.alertEntry(tx, t, g, in, msg); err != nil {
		return AlertOutcome{}, err
	}
	var oc Outcome
	if err := d.escalate(tx, t, alertMessage(g, msg), g.From, templates.Reason{Code: templates.ReasonAlertFiring, From: g.Source}, &oc); err != nil {
		return AlertOutcome{}, err
	}
	if err := tx.Event(t.ID, "", "alert_opened", g.From, map[string]any{"source": g.Source, "key": g.Key, "status": g.Status}); err != nil {
		return AlertOutcome{}, err
	}
	return AlertOutcome{Action: AlertOpened, Ticket: t.Ref, Status: t.Status, Priority: t.Priority, Reason: oc.Reason, Sent: oc.Sent}, nil
}

// resolveAlert resolves t because its alert is over, and tells every tier
// it passed through, as an agent's #resolve does.
func (d *Desk) resolveAlert(tx *tickets.Tx, t *tickets.Ticket, g AlertGroup, oc *Outcome) error {
	if err := tx.SetStatus(t, tickets.StatusResolved, g.From, "the monitoring alert is over"); err != nil {
		return err
	}
	if !d.tiersOn() || t.TierSince.IsZero() {
		return nil
	}
	for _, tier := range d.tiersUpTo(t.Tier) {
		if why, err := d.holdBack(tx, t, oc, d.limit.tierMail, mailCopy, "", d.tierName(tier)); err != nil || why != "" {
			return err
		}
		data, _, err := d.ticketData(tx, t, nil)
		if err != nil {
			return err
		}
		data.Agent = "monitoring (" + g.From + ")"
		data.Applied = []templates.Reason{{Code: templates.ActionAlertResolved, From: g.Source}}
		data.Note = strings.TrimSpace(g.Text)
		n, err := d.notifyTier(tx, t, tier, mailCopy, data, nil, "")
		if err != nil {
			return err
		}
		if n > 0 {
			oc.Sent = append(oc.Sent, mailCopy)
		}
	}
	oc.Reason = joinReason(oc.Reason, "tiers told")
	return nil
}

// alertEntry records the notification on t: the monitoring mail itself
// (with its inbound record), or the text the monitoring system posted.
func (d *Desk) alertEntry(tx *tickets.Tx, t *tickets.Ticket, g AlertGroup, in *tickets.Inbound, msg *mime.Message) error {
	if msg != nil && in != nil {
		in.TicketID = t.ID
		return d.addInboundEntry(tx, t, in, msg, tickets.KindAutomatic, tickets.RoleStranger)
	}
	text := strings.TrimSpace(g.Text)
	if text == "" {
		text = g.Summary
	}
	e := &tickets.Entry{Kind: tickets.KindAutomatic, Direction: tickets.DirIn, From: g.From,
		Subject: truncate(strings.ToUpper(g.Status)+": "+strings.Join(strings.Fields(g.Summary), " "), 300), Text: text}
	return tx.AddEntry(t, e, g.From)
}

// alertMessage is what the tier's notice quotes of the alert.
func alertMessage(g AlertGroup, msg *mime.Message) *mime.Message {
	if msg != nil {
		return msg
	}
	return &mime.Message{Subject: g.Summary, Text: strings.TrimSpace(g.Text)}
}

// matrixOf is an impact and urgency whose ITIL priority is p.
func matrixOf(p string) (impact, urgency string) {
	switch p {
	case "P1":
		return tickets.High, tickets.High
	case "P2":
		return tickets.High, tickets.Medium
	case "P4":
		return tickets.Medium, tickets.Low
	case "P5":
		return tickets.Low, tickets.Low
	}
	return tickets.Medium, tickets.Medium
}

// alertMail acts on a monitoring mail an [[alerts.mail]] rule read as g,
// as Alert does; the mail is recorded as automatic, on the incident.
func (d *Desk) alertMail(tx *tickets.Tx, in *tickets.Inbound, msg *mime.Message, g AlertGroup) (Outcome, error) {
	rule := strings.TrimPrefix(g.Source, "mail:")
	if err := checkAlert(&g); err != nil {
		return Outcome{Disposition: tickets.DispAutomatic, Reason: "alert rule " + rule + ": " + err.Error()}, nil
	}
	out, err := d.alert(tx, g, in, msg)
	if err != nil {
		return Outcome{}, err
	}
	reason := fmt.Sprintf("alert rule %s (%s, key %s): %s", rule, g.Status, g.Key, out.Action)
	if out.Ticket != "" {
		reason += " " + out.Ticket
	}
	oc := Outcome{Disposition: tickets.DispAutomatic, Reason: joinReason(reason, out.Reason), Ticket: out.Ticket, Status: out.Status, Sent: out.Sent}
	if out.Action == AlertOpened {
		oc.notes.openedType, oc.notes.openedPriority = tickets.Incident, out.Priority
	}
	return oc, nil
}
