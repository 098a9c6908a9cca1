package desk

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

// gateway is a desk and its store on one database file, as `run` wires
// them; restart closes both and opens them again on the same file.
type gateway struct {
	t     *testing.T
	path  string
	opts  Options
	now   *time.Time
	store *tickets.Store
	desk  *Desk
}

func newGateway(t *testing.T, mod func(*Options)) *gateway {
	t.Helper()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	g := &gateway{t: t, path: filepath.Join(t.TempDir(), "desk.db"), now: &now}
	g.opts = Options{SupportAddress: "support@example.com", Rules: DefaultRules(),
		Alerts: AlertOptions{Severity: map[string]string{"critical": "P1", "warning": "P3"}, DefaultPriority: "P4"}}
	withTiers(&g.opts)
	if mod != nil {
		mod(&g.opts)
	}
	g.opts.SLA = SLAPolicy(g.opts.SLA, g.opts.Tiers)
	g.open()
	t.Cleanup(func() { g.store.Close() })
	return g
}

func (g *gateway) open() {
	g.t.Helper()
	store, err := tickets.Open(g.path, &tickets.Options{Now: func() time.Time { return *g.now }, SLA: &g.opts.SLA})
	if err != nil {
		g.t.Fatal(err)
	}
	tmpl, err := templates.New("")
	if err != nil {
		g.t.Fatal(err)
	}
	d, err := New(g.opts, Deps{Store: store, Templates: tmpl})
	if err != nil {
		g.t.Fatal(err)
	}
	g.store, g.desk = store, d
}

func (g *gateway) restart() {
	g.t.Helper()
	if err := g.store.Close(); err != nil {
		g.t.Fatal(err)
	}
	g.open()
}

func (g *gateway) alert(a AlertGroup) AlertOutcome {
	g.t.Helper()
	out, err := g.desk.Alert(context.Background(), a)
	if err != nil {
		g.t.Fatalf("Alert(%+v): %v", a, err)
	}
	return out
}

func (g *gateway) fixture() *fixture {
	return &fixture{t: g.t, desk: g.desk, store: g.store, now: *g.now}
}

func diskAlert(status string, severities ...string) AlertGroup {
	return AlertGroup{Source: "alertmanager", Key: `{}:{alertname="DiskFull"}`, Status: status, Severities: severities,
		Service: "fileserver", Summary: "Disk /srv is 97% full", Text: "FIRING: DiskFull instance=fs01:9100 severity=critical\nsummary: Disk /srv is 97% full",
		From: "alertmanager"}
}

func TestAlert_FiringRepeatResolvedIsOneIncidentAcrossARestart(t *testing.T) {
	g := newGateway(t, nil)
	opened := g.alert(diskAlert(AlertFiring, "critical"))
	if opened.Action != "opened" || opened.Priority != "P1" || opened.Status != tickets.StatusEscalated || !slices.Contains(opened.Sent, mailNotice) {
		t.Fatalf("first notification: %+v", opened)
	}
	f := g.fixture()
	tk := f.ticket(opened.Ticket)
	if tk.Type != tickets.Incident || tk.Subject != "fileserver: Disk /srv is 97% full" || tk.Requester != "" {
		t.Errorf("incident: type %s subject %q requester %q", tk.Type, tk.Subject, tk.Requester)
	}
	notices := f.sent(mailNotice, "l1@example.com")
	if len(notices) != 1 || !strings.Contains(notices[0].Text, "instance=fs01:9100") || !strings.Contains(notices[0].Text, "monitoring alert is firing (alertmanager)") {
		t.Fatalf("L1 notice: %+v", notices)
	}

	// Alertmanager repeats the group: appended, nothing new, nobody mailed.
	mails := len(f.outgoing())
	repeat := g.alert(diskAlert(AlertFiring, "critical"))
	if repeat.Action != "appended" || repeat.Ticket != opened.Ticket || len(repeat.Sent) != 0 {
		t.Fatalf("repeat: %+v", repeat)
	}

	// The gateway restarts; the resolution still finds its incident.
	g.restart()
	f = g.fixture()
	resolved := g.alert(diskAlert(AlertResolved))
	if resolved.Action != "resolved" || resolved.Ticket != opened.Ticket || resolved.Status != tickets.StatusResolved {
		t.Fatalf("resolution after a restart: %+v", resolved)
	}
	copies := f.sent(mailCopy, "l1@example.com")
	if len(copies) != 1 || !strings.Contains(copies[0].Text, "the monitoring alert (alertmanager) is over: resolved") {
		t.Fatalf("L1 told of the resolution: %+v", copies)
	}
	if n := len(f.outgoing()); n != mails+1 {
		t.Errorf("%d mails queued after the repeat and the resolution, want the one copy", n-mails)
	}
	var list []*tickets.Ticket
	g.store.View(context.Background(), func(tx *tickets.Tx) (err error) { list, err = tx.Tickets("", 0); return err })
	if len(list) != 1 {
		t.Fatalf("%d tickets, want one incident", len(list))
	}
	var entries []tickets.Entry
	g.store.View(context.Background(), func(tx *tickets.Tx) (err error) { entries, err = tx.Entries(list[0].ID); return err })
	in := 0
	for _, e := range entries {
		if e.Kind == tickets.KindAutomatic && e.Direction == tickets.DirIn {
			in++
		}
	}
	if in != 3 {
		t.Errorf("%d notifications on the incident, want 3 (firing, repeat, resolved)", in)
	}

	// Firing again while resolved reopens it; once it is closed, the key
	// opens a new incident.
	if again := g.alert(diskAlert(AlertFiring, "critical")); again.Action != "reopened" || again.Ticket != opened.Ticket || again.Status != tickets.StatusEscalated {
		t.Fatalf("firing again while resolved: %+v", again)
	}
	g.alert(diskAlert(AlertResolved))
	*g.now = g.now.Add(g.opts.CloseAfter + time.Hour)
	if _, err := g.desk.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := g.fixture().ticket(opened.Ticket).Status; s != tickets.StatusClosed {
		t.Fatalf("setup: %s is %s", opened.Ticket, s)
	}
	fresh := g.alert(diskAlert(AlertFiring, "critical"))
	if fresh.Action != "opened" || fresh.Ticket == opened.Ticket {
		t.Errorf("firing after the incident closed: %+v", fresh)
	}
}

func TestAlert_ResolvedWithoutAnOpenIncidentIsIgnoredAndBadGroupsAreRefused(t *testing.T) {
	g := newGateway(t, nil)
	if out := g.alert(diskAlert(AlertResolved)); out.Action != "ignored" || out.Ticket != "" {
		t.Errorf("resolution of nothing: %+v", out)
	}
	for name, a := range map[string]AlertGroup{
		"no key":         {Source: "alert", Status: AlertFiring, Summary: "x"},
		"unknown status": {Source: "alert", Key: "k", Status: "pending", Summary: "x"},
		"no source":      {Key: "k", Status: AlertFiring},
	} {
		if _, err := g.desk.Alert(context.Background(), a); !errors.Is(err, ErrBadAlert) {
			t.Errorf("%s: Alert = %v, want ErrBadAlert", name, err)
		}
	}
	var list []*tickets.Ticket
	g.store.View(context.Background(), func(tx *tickets.Tx) (err error) { list, err = tx.Tickets("", 0); return err })
	if len(list) != 0 {
		t.Errorf("%d tickets opened by alerts that opened nothing", len(list))
	}
}

func TestAlert_SeveritiesMapToTheHighestPriorityAndAWorseRepeatRaisesIt(t *testing.T) {
	g := newGateway(t, nil)
	for sevs, want := range map[string]string{"warning": "P3", "warning,critical": "P1", "CRITICAL": "P1", "unheard-of": "P4", "": "P4", "P2": "P2"} {
		a := diskAlert(AlertFiring, strings.Split(sevs, ",")...)
		a.Key = "k-" + sevs
		if out := g.alert(a); out.Priority != want {
			t.Errorf("severities %q: priority %s, want %s", sevs, out.Priority, want)
		}
	}
	a := diskAlert(AlertFiring, "warning")
	a.Key = "grows"
	first := g.alert(a)
	a.Severities = []string{"critical"}
	if out := g.alert(a); out.Action != "appended" || out.Priority != "P1" || out.Ticket != first.Ticket {
		t.Errorf("a repeat that turned critical: %+v", out)
	}
}

func TestAlert_ItsEventsSayTheTicketCameFromAnAlert(t *testing.T) {
	g := newGateway(t, func(o *Options) {
		o.Webhooks = []Webhook{{Name: "chat", Format: webhook.FormatJSON, Priorities: []string{"P1"}}}
	})
	out := g.alert(diskAlert(AlertFiring, "critical"))
	evs := g.fixture().hookEvents("chat", out.Ticket)
	if got := types(evs); !slices.Equal(got, []string{webhook.TicketCreated, webhook.TicketEscalated}) || evs[0].Ticket.Source != "alert" || evs[0].Ticket.Priority != "P1" {
		t.Fatalf("events: %v %+v", got, evs)
	}
	g.alert(diskAlert(AlertResolved))
	if got := types(g.fixture().hookEvents("chat", out.Ticket)); !slices.Contains(got, webhook.TicketResolved) {
		t.Errorf("no resolved event: %v", got)
	}
}

func nagios(what, host, state, id string) string {
	return mail("Nagios <nagios@monitor.example>", "** "+what+" Service Alert: "+host+"/HTTP is "+state+" **",
		"***** Nagios *****\nService: HTTP\nHost: "+host+"\nState: "+state+"\n", "Message-ID: <"+id+"@monitor.example>")
}

func TestReceive_AlertMailRulesOpenAppendAndResolveOneIncidentAndAreNeverAnswered(t *testing.T) {
	g := newGateway(t, func(o *Options) {
		o.Alerts.Mail = []AlertMailRule{{Name: "nagios", From: `^nagios@monitor\.example$`,
			Subject: `Alert: (?P<key>\S+) is (?P<severity>[A-Z]+)`, Resolved: `RECOVERY`}}
	})
	f := g.fixture()
	out := f.deliver(
		nagios("PROBLEM", "web01", "CRITICAL", "n1"),
		nagios("PROBLEM", "web01", "CRITICAL", "n2"),
		nagios("PROBLEM", "db01", "WARNING", "n3"),
	)
	if out[0].Disposition != tickets.DispAutomatic || out[0].Ticket == "" || !strings.Contains(out[0].Reason, "alert rule nagios (firing, key web01/HTTP): opened") {
		t.Fatalf("first mail: %+v", out[0])
	}
	if out[1].Ticket != out[0].Ticket || !strings.Contains(out[1].Reason, "appended") {
		t.Errorf("repeat: %+v", out[1])
	}
	if out[2].Ticket == out[0].Ticket || f.ticket(out[2].Ticket).Priority != "P3" || f.ticket(out[0].Ticket).Priority != "P1" {
		t.Errorf("another key: %+v (priorities %s, %s)", out[2], f.ticket(out[0].Ticket).Priority, f.ticket(out[2].Ticket).Priority)
	}
	rec := f.one(nagios("RECOVERY", "web01", "OK", "n4"))
	if rec.Ticket != out[0].Ticket || rec.Status != tickets.StatusResolved {
		t.Errorf("recovery: %+v", rec)
	}
	for _, o := range f.outgoing() {
		if strings.Contains(o.To, "nagios") {
			t.Errorf("a %s mail went to the monitoring system", o.Kind)
		}
	}
	// Mail no rule reads goes the way it always went.
	other := f.one(mail("Nagios <nagios@monitor.example>", "Weekly report", "all fine", "Message-ID: <n5@monitor.example>"))
	if other.Ticket == out[0].Ticket || strings.Contains(other.Reason, "alert rule") {
		t.Errorf("mail no rule matched: %+v", other)
	}
}
