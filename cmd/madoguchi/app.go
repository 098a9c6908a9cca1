package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/metrics"
	"github.com/madoguchi/madoguchi/outbox"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// app is the wired gateway. Parts are built only when a command needs them.
type app struct {
	cfg   *config.Config
	log   *slog.Logger
	store *tickets.Store
	tmpl  *templates.Set
	desk  *desk.Desk
	index *responder.Index
	// indexInUse: a running gateway holds the FAQ index; index is a
	// temporary copy built from the database.
	indexInUse bool
	pollers    []mailboxPoller // one per mailbox, the default one first
	sender     *outbox.Sender
	hooks      *outbox.WebhookSender // nil without [[webhooks]]
	// gw is the gateway's place on the store: on SQLite its writer lock,
	// on PostgreSQL its holds on mailboxes and timers beside other
	// gateways (tickets.Gateway).
	gw *tickets.Gateway
	// metrics count what the gateway does (the desk, the pollers and the
	// sender report to them); each poller's observer and delivery (the
	// sender's) say whether they are ready, for /readyz.
	metrics  *metrics.Metrics
	delivery *metrics.Delivery
	// webListener, when set, is where run serves the console (the demo
	// binds one before it writes the console's address into the config).
	webListener net.Listener
	// opsListener, when set, is where run serves [metrics] (tests bind
	// one on port 0).
	opsListener net.Listener
}

// loadConfig loads the configuration; a MADOGUCHI_* variable that names no
// key is warned of first, as it may be why the configuration is invalid.
func loadConfig(g *globals) (*config.Config, error) {
	if g.stderr != nil {
		for _, w := range config.UnknownEnv(os.Environ()) {
			fmt.Fprintf(g.stderr, "madoguchi: warning: %s\n", w)
		}
	}
	switch g.logFormat {
	case "", "text", "json":
	default:
		return nil, usageErr("--log-format %q: want text or json", g.logFormat)
	}
	path := config.ResolvePath(g.configPath, os.Getenv)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	if g.logFormat != "" {
		cfg.Log.Format = g.logFormat
	}
	if g.utc {
		displayZone.Store(time.UTC)
	} else {
		displayZone.Store(cfg.Location())
	}
	return cfg, nil
}

// newLogger is the logger of the admin commands: they print their result
// on standard output, so only warnings and errors go to w (log.level =
// "debug" shows everything, to see what a command does).
func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	level := cfg.SlogLevel()
	if level != slog.LevelDebug {
		level = max(level, slog.LevelWarn)
	}
	return logger(cfg, level, w)
}

// gatewayLogger is the logger of `run`, at log.level.
func gatewayLogger(cfg config.Log, w io.Writer) *slog.Logger {
	return logger(cfg, cfg.SlogLevel(), w)
}

func logger(cfg config.Log, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens only the database (the list commands need no servers).
func openStore(g *globals) (*app, error) {
	cfg, err := loadConfig(g)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: newLogger(cfg.Log, os.Stderr)}
	if a.store, err = openTickets(cfg, nil, true); err != nil {
		return nil, err
	}
	return a, nil
}

// indexUse says how a command uses the FAQ index directory, which only one
// process can hold open. Only the gateway waits for it; an admin command
// never does (a running gateway holds it for as long as it runs).
type indexUse int

const (
	// indexOwn: the gateway. Another process holding the index for longer
	// than lockTimeout is an error (two gateways on one database would
	// answer mail twice; an admin command holds it for a moment).
	indexOwn indexUse = iota
	// indexWrite: an admin command that changes the FAQ while the gateway
	// may be running. When the index is held, the change goes to the
	// database only: the gateway's next tick (within a minute) rebuilds its
	// index from it.
	indexWrite
	// indexRead: an admin command that queries the index. When it is held,
	// a temporary in-memory index is built from the database.
	indexRead
)

// lockTimeout is how long the gateway waits for the index directory's
// lock (a variable for tests).
var lockTimeout = 3 * time.Second

// openDesk wires the store, the templates, the FAQ index and the desk:
// what the FAQ commands need, without the mail servers. A stale or broken
// index is rebuilt from the database here (invariant 6).
func openDesk(ctx context.Context, cfg *config.Config, log *slog.Logger, use indexUse, clock func() time.Time) (*app, error) {
	return openObservedDesk(ctx, cfg, log, use, clock, nil)
}

// openObservedDesk is openDesk with the desk reporting what it does to
// obs (the gateway's metrics); nil = nobody.
func openObservedDesk(ctx context.Context, cfg *config.Config, log *slog.Logger, use indexUse, clock func() time.Time, obs desk.Observer) (*app, error) {
	a := &app{cfg: cfg, log: log}
	var err error
	if a.tmpl, err = templates.Load(templateOptions(cfg)); err != nil {
		return nil, err
	}
	// Every process but the gateway wakes the gateway when it writes.
	if a.store, err = openTickets(cfg, clock, use != indexOwn); err != nil {
		return nil, err
	}
	if cfg.Responder.Enabled {
		wait := lockTimeout
		if use != indexOwn {
			wait = -1 // try once
		}
		a.index, err = openIndex(cfg, log, cfg.Responder.IndexPath, wait)
		if errors.Is(err, responder.ErrLocked) && use != indexOwn {
			log.Warn("FAQ index in use by a running madoguchi: working from the database; the gateway picks changes up at its next tick", "path", cfg.Responder.IndexPath)
			a.indexInUse, a.index, err = true, nil, nil
			if use == indexRead {
				a.index, err = openIndex(cfg, log, "", 0)
			}
		}
		if err != nil {
			a.close()
			return nil, err
		}
	}
	deps := desk.Deps{Store: a.store, Templates: a.tmpl, Index: a.index, Log: log.With("component", "desk")}
	if obs != nil {
		deps.Observer = obs
	}
	if a.desk, err = desk.New(deskOptions(cfg), deps); err != nil {
		a.close()
		return nil, err
	}
	if _, err := a.desk.SyncIndex(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// openIndex opens the FAQ index at path ("" = a temporary one in memory),
// waiting for its lock as responder.Options.LockTimeout says.
func openIndex(cfg *config.Config, log *slog.Logger, path string, wait time.Duration) (*responder.Index, error) {
	r := cfg.Responder
	opts := responder.Options{
		Path: path, AutoSendConfidence: r.AutoSendConfidence, SuggestConfidence: r.SuggestConfidence,
		MinMargin: r.MinMargin, MaxUnhelpfulRatio: r.MaxUnhelpfulRatio, MinVotes: r.MinVotes, MaxCandidates: r.MaxCandidates,
		LockTimeout: wait,
	}
	opts.LearnedAutoConfidence = r.LearnedAutoConfidence
	x, err := responder.Open(opts)
	if errors.Is(err, responder.ErrLocked) {
		return nil, fmt.Errorf("FAQ index %s: %w", path, err) // the cause says it is held by another process
	}
	if errors.Is(err, responder.ErrCorrupt) {
		// Derived data: start it afresh; SyncIndex refills it from the database.
		log.Warn("FAQ index unreadable; recreating it", "path", path, "err", err)
		opts.Recreate = true
		x, err = responder.Open(opts)
	}
	return x, err
}

// openGateway wires everything `run` needs.
// clock, when not nil, is the time the gateway runs at (run --once --now).
func openGateway(ctx context.Context, cfg *config.Config, log *slog.Logger, clock func() time.Time) (*app, error) {
	if err := cfg.RequireRun(); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	// One gateway per SQLite store: a second one would deliver the same
	// rows and answer the same mail. The lock is taken before anything is
	// opened. On PostgreSQL gateways run side by side, each polling the
	// mailboxes it holds (run.go).
	var lock *tickets.Lock
	if cfg.Store.Driver != config.StorePostgres {
		var err error
		if lock, err = tickets.AcquireLock(cfg.Store.Path); err != nil {
			if errors.Is(err, tickets.ErrLocked) {
				return nil, &exitError{code: 4, err: err}
			}
			return nil, err
		}
	}
	m := metrics.New(metrics.Options{Version: version, Tiers: tierNames(cfg), Log: log.With("component", "metrics")})
	a, err := openObservedDesk(ctx, cfg, log, indexOwn, clock, m)
	if err != nil {
		lock.Release()
		return nil, err
	}
	if a.index != nil {
		a.index.Warm()
	}
	if lock != nil {
		a.gw = lock.Gateway()
	} else if a.gw, err = a.store.JoinAsGateway(ctx); err != nil {
		a.close()
		return nil, err
	}
	m.ReadGauges(a.desk)
	a.metrics = m
	a.delivery = m.Delivery(cfg.SMTP.RetryBase.Duration)
	if a.pollers, err = newPollers(cfg, a.desk, m, log.With("component", "intake")); err != nil {
		a.close()
		return nil, err
	}
	if a.sender, err = newSender(cfg, a.store, a.delivery, log.With("component", "outbox"), clock, a.gw.Owner()); err != nil {
		a.close()
		return nil, err
	}
	if len(cfg.Webhooks) > 0 {
		if a.hooks, err = newWebhookSender(cfg, a.store, log.With("component", "webhooks"), clock, a.gw.Owner()); err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

func (a *app) close() error {
	var errs []error
	if a.hooks != nil {
		a.hooks.Close()
	}
	if a.index != nil {
		errs = append(errs, a.index.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.gw != nil {
		errs = append(errs, a.gw.Release())
	}
	return errors.Join(errs...)
}

func deskOptions(cfg *config.Config) desk.Options {
	var rules []desk.Rule
	if cfg.Desk.DefaultRules {
		rules = desk.DefaultRules()
	}
	for _, r := range cfg.Rules {
		// Validated at load; an error here cannot happen.
		if cr, err := desk.CompileRule(r.Field, r.Pattern, r.Type, r.Impact, r.Urgency); err == nil {
			rules = append(rules, cr)
		}
	}
	senderLimit, ticketLimit := cfg.Desk.AutoReplySenderLimit, cfg.Desk.AutoReplyTicketLimit
	if senderLimit == 0 {
		senderLimit = -1 // 0 in the file means "no automatic replies"
	}
	if ticketLimit == 0 {
		ticketLimit = -1
	}
	errorLimit, robotWithin := cfg.Desk.AgentErrorLimit, cfg.Desk.RobotReplyWithin.Duration
	if errorLimit == 0 {
		errorLimit = -1 // no error mails to agents
	}
	if robotWithin == 0 {
		robotWithin = -1 // no reply is read as a robot's for its date
	}
	tiers := deskTiers(cfg)
	var previous [][]byte
	for _, p := range cfg.Desk.PreviousSecrets {
		previous = append(previous, []byte(p.Reveal()))
	}
	// Validated at load: building the policy cannot fail then.
	policy, _ := slaPolicy(cfg.SLA)
	return desk.Options{
		Mailboxes:            deskMailboxes(cfg),
		Tiers:                tiers,
		Secret:               []byte(cfg.Desk.Secret.Reveal()),
		PreviousSecrets:      previous,
		PreviousSecretsUntil: cfg.Desk.PreviousSecretsDeadline(),
		PreviousTiersMayAct:  cfg.Escalation.PreviousTiersMayAct,
		RequesterOnly:        !cfg.Desk.CCParticipants,
		TrustedAuthservID:    cfg.Desk.TrustedAuthservID,
		SLA:                  policy,
		AttachMaxBytes:       cfg.Escalation.AttachMaxBytes,
		TierBounceWindow:     cfg.Escalation.TierBounceWindow.Duration,
		Location:             cfg.Location(),
		OnCall:               cfg.Escalation.OnCall,
		MessageIDDomain:      cfg.Desk.MessageIDDomain,
		Language:             cfg.Desk.Language,
		IncidentPrefix:       cfg.Desk.ReferencePrefixIncident,
		RequestPrefix:        cfg.Desk.ReferencePrefixRequest,
		Rules:                rules,
		AutoReplySenderLimit: senderLimit,
		AutoReplyTicketLimit: ticketLimit,
		AutoReplyWindow:      cfg.Desk.AutoReplyWindow.Duration,
		RelayLimit:           cfg.Desk.RelayLimit,
		TierMailLimit:        cfg.Desk.TierMailLimit,
		AgentErrorLimit:      errorLimit,
		RobotReplyWithin:     robotWithin,
		MajorWindow:          cfg.Desk.MajorWindow.Duration,
		Webhooks:             deskWebhooks(cfg),
		BaseURL:              cfg.Web.BaseURL,
		Alerts:               deskAlerts(cfg.Alerts),
		CloseAfter:           cfg.Desk.CloseAfter.Duration,
		ConfirmAfter:         cfg.Responder.ConfirmAfter.Duration,
		Admins:               cfg.Web.Admins,
		Viewers:              cfg.Web.Viewers,
		ViewersSeeNotes:      cfg.Web.ViewersSeeNotes,
		ConsoleURL:           cfg.Web.BaseURL,
		SessionLifetime:      cfg.Web.SessionLifetime.Duration,
		Digest:               cfg.Reports.Digest,
		ConsoleLocation:      cfg.Location(),
		Limits: mime.Limits{
			MaxBytes: cfg.Limits.MaxMessageBytes,
			MaxParts: cfg.Limits.MaxParts,
			MaxDepth: cfg.Limits.MaxDepth,
		},
	}
}

// deskMailboxes turns the effective mailboxes into the desk's: [[mailboxes]],
// each From its support address; or the [imap] shorthand's one, From
// smtp.from as before (none without desk.support_address: such a desk
// curates the FAQ and receives no mail).
func deskMailboxes(cfg *config.Config) []desk.Mailbox {
	var out []desk.Mailbox
	for _, m := range cfg.EffectiveMailboxes() {
		addr := m.BareSupportAddress()
		if addr == "" {
			continue // validated: only the shorthand's may be missing, outside run
		}
		b := desk.Mailbox{Name: m.Name, Address: addr, Language: m.Language, Type: m.DefaultType, Tier: max(cfg.TierIndex(m.DefaultTier), 0)}
		if !cfg.Shorthand() {
			b.From = m.SupportAddress
		}
		out = append(out, b)
	}
	return out
}

// deskTiers turns [[escalation.tiers]] into the desk's tiers.
func deskTiers(cfg *config.Config) []desk.Tier {
	bh, _ := cfg.SLA.Hours.Parse() // validated at load
	var tiers []desk.Tier
	for _, t := range cfg.Escalation.Tiers {
		tiers = append(tiers, desk.Tier{Name: t.Name, Notify: t.NotifyAddresses(), Agents: t.AgentAddresses(), EscalateAfter: t.EscalateAfter.Length(bh)})
	}
	return tiers
}

// templateOptions turns the template directory and the words of the mails
// to customers ([desk.signature], [desk.subject_labels], desk.tone) into
// the templates' options.
func templateOptions(cfg *config.Config) templates.Options {
	d := cfg.Desk
	boxes := map[string]map[string]string{}
	for _, m := range cfg.EffectiveMailboxes() {
		boxes[m.Name] = map[string]string{"en": m.Signature.EN, "ja": m.Signature.JA}
	}
	return templates.Options{
		Dir:               cfg.Templates.Dir,
		Signatures:        map[string]string{"en": d.Signature.EN, "ja": d.Signature.JA},
		MailboxSignatures: boxes,
		Labels:            map[string]map[string]string{"en": d.SubjectLabels.EN.ByMail(), "ja": d.SubjectLabels.JA.ByMail()},
		Tone:              d.Tone,
	}
}

// slaPolicy turns [sla] into the store's SLA policy (config imports no
// package of ours).
func slaPolicy(s config.SLA) (tickets.SLAPolicy, error) {
	bh, err := s.Hours.Parse()
	if err != nil {
		return tickets.SLAPolicy{}, err
	}
	hol := make([]tickets.Date, len(bh.Holidays))
	for i, d := range bh.Holidays {
		hol[i] = tickets.Date(d)
	}
	cal, err := tickets.NewCalendar(bh.Weekdays, bh.From, bh.To, bh.Location, hol)
	if err != nil {
		return tickets.SLAPolicy{}, fmt.Errorf("sla.hours: %w", err)
	}
	targets := map[string]tickets.Targets{}
	for _, p := range config.Priorities {
		t := s.Target(p)
		targets[p] = tickets.Targets{Respond: t.Respond.Length(bh), Resolve: t.Resolve.Length(bh)}
	}
	return tickets.SLAPolicy{Calendar: cal, Targets: targets}, nil
}

// openTickets opens the store with the desk's SLA policy, which the store
// needs to count the time a ticket spends on hold and to keep each
// ticket's next timer; now, when not nil, is the clock (run --once --now).
// wake: each commit wakes the running gateway (the admin commands), so it
// sends what they queued at once.
func openTickets(cfg *config.Config, now func() time.Time, wake bool) (*tickets.Store, error) {
	policy, err := slaPolicy(cfg.SLA)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	policy = desk.SLAPolicy(policy, deskTiers(cfg))
	s, err := tickets.OpenSource(context.Background(), storeSource(cfg.Store), &tickets.Options{SLA: &policy, Now: now, WakeGateway: wake})
	if err != nil && cfg.Store.Driver == config.StorePostgres {
		// Whatever the cause says, never the password.
		return nil, fmt.Errorf("store %s: %w", storeName(cfg.Store), err)
	}
	return s, err
}

// storeSource names the database of [store].
func storeSource(c config.Store) tickets.Source {
	return tickets.Source{Driver: c.Driver, Path: c.Path, DSN: c.DSN.Reveal(), MaxConns: c.MaxConns}
}

// storeName names the database of [store] for people: the SQLite file, or
// PostgreSQL's DSN without its password.
func storeName(c config.Store) string {
	if c.Driver == config.StorePostgres {
		return "postgres " + tickets.RedactDSN(c.DSN.Reveal())
	}
	return c.Path
}

// mailboxPoller is the poller of one mailbox: its own connection, IDLE,
// backoff and UIDVALIDITY state, handing its mail to the mailbox's inbox.
type mailboxPoller struct {
	name, address string
	poller        *intake.Poller
	obs           *metrics.Mailbox // its metrics, and whether it polled in time
}

// newPollers makes one poller per mailbox, each with the mailbox's own
// options and sink, its logs carrying the mailbox's name.
func newPollers(cfg *config.Config, d *desk.Desk, m *metrics.Metrics, log *slog.Logger) ([]mailboxPoller, error) {
	var out []mailboxPoller
	for _, mb := range cfg.EffectiveMailboxes() {
		opts, err := pollerOptions(cfg, mb)
		if err != nil {
			return nil, err
		}
		obs := m.Mailbox(mb.Name, pollInterval(mb))
		opts.Observer = obs
		sink, err := d.Inbox(mb.Name)
		if err != nil {
			return nil, err
		}
		p, err := intake.NewPoller(opts, sink, log)
		if err != nil {
			return nil, fmt.Errorf("mailbox %s: %w", mb.Name, err)
		}
		out = append(out, mailboxPoller{name: mb.Name, address: mb.Address, poller: p, obs: obs})
	}
	return out, nil
}

// pollInterval is the poller's period (its default when unset).
func pollInterval(m config.Mailbox) time.Duration {
	if d := m.PollInterval.Duration; d > 0 {
		return d
	}
	return time.Minute
}

// tierNames are the configured tiers' names, in order.
func tierNames(cfg *config.Config) []string {
	var out []string
	for _, t := range cfg.Escalation.Tiers {
		out = append(out, t.Name)
	}
	return out
}

func pollerOptions(cfg *config.Config, m config.Mailbox) (intake.PollerOptions, error) {
	c := m.IMAP
	tlsCfg, err := c.TLSConfig()
	if err != nil {
		return intake.PollerOptions{}, err
	}
	opts := intake.PollerOptions{
		Name:    m.Name,
		Address: c.Address, Security: c.Security, TLSConfig: tlsCfg,
		Username: c.Username, Password: c.Password.Reveal(), Auth: c.Auth,
		Mailbox: c.Mailbox, ProcessedMailbox: c.ProcessedMailbox,
		BatchSize: c.BatchSize, BatchBytes: c.BatchBytes, PollInterval: c.PollInterval.Duration,
		// Mail over the limit is fetched as its header alone: the desk
		// quarantines it with that header (mime.ParseOversize).
		MaxMessageBytes: cfg.Limits.MaxMessageBytes,
	}
	if c.Auth == config.AuthXOAUTH2 {
		opts.Token = c.TokenFunc()
	}
	return opts, nil
}

// newSender makes the outbox's sender; owner names it in its claims (""
// = its own default).
func newSender(cfg *config.Config, store *tickets.Store, obs outbox.Observer, log *slog.Logger, clock func() time.Time, owner string) (*outbox.Sender, error) {
	opts, err := senderOptions(cfg, clock)
	if err != nil {
		return nil, err
	}
	opts.Observer = obs
	opts.Owner = owner
	return outbox.New(opts, store, log)
}

func senderOptions(cfg *config.Config, clock func() time.Time) (outbox.Options, error) {
	c := cfg.SMTP
	tlsCfg, err := c.TLSConfig()
	if err != nil {
		return outbox.Options{}, err
	}
	from := c.From
	if from == "" && !cfg.Shorthand() {
		// The From of rows that name none (queued before mailboxes had
		// their own): the default mailbox's.
		from = cfg.Mailboxes[0].SupportAddress
	}
	opts := outbox.Options{
		Address: c.Address, Security: c.Security, TLSConfig: tlsCfg,
		Username: c.Username, Password: c.Password.Reveal(), Auth: c.Auth,
		From: from, HelloName: c.HelloName, Timeout: c.Timeout.Duration,
		MaxAttempts: c.MaxAttempts, RetryBase: c.RetryBase.Duration, RetryMax: c.RetryMax.Duration,
		GiveUpAfter: c.GiveUpAfter.Duration,
		Now:         clock,
	}
	if c.Auth == config.AuthXOAUTH2 {
		opts.Token = c.TokenFunc()
	}
	return opts, nil
}

// deskWebhooks are [[webhooks]] as the desk queues their events.
func deskWebhooks(cfg *config.Config) []desk.Webhook {
	var out []desk.Webhook
	for _, w := range cfg.Webhooks {
		out = append(out, desk.Webhook{Name: w.Name, Format: w.Format, Events: w.Events, Priorities: w.Priorities, IncludeSubject: w.IncludeSubject})
	}
	return out
}

// deskAlerts is [alerts] as the desk reads alerts.
func deskAlerts(a config.Alerts) desk.AlertOptions {
	o := desk.AlertOptions{Severity: a.Severity, DefaultPriority: a.DefaultPriority}
	for _, m := range a.Mail {
		o.Mail = append(o.Mail, desk.AlertMailRule{Name: m.Name, From: m.From, Subject: m.Subject, Resolved: m.Resolved, Severity: m.Severity, Service: m.Service})
	}
	return o
}

// newWebhookSender is the sender of [[webhooks]]'s events; the URLs and
// secrets are read from the configuration here, never from the store.
func newWebhookSender(cfg *config.Config, store *tickets.Store, log *slog.Logger, clock func() time.Time, owner string) (*outbox.WebhookSender, error) {
	hooks := map[string]outbox.Hook{}
	for i, w := range cfg.Webhooks {
		tlsCfg, err := w.TLSConfig(fmt.Sprintf("webhooks[%d]", i))
		if err != nil {
			return nil, &exitError{code: 2, err: err}
		}
		var secret []byte
		if w.Secret != "" {
			secret = []byte(w.Secret.Reveal())
		}
		hooks[w.Name] = outbox.Hook{URL: w.URL.Reveal(), Secret: secret, TLSConfig: tlsCfg, Timeout: w.Timeout.Duration,
			MaxAttempts: w.MaxAttempts, RetryBase: w.RetryBase.Duration, RetryMax: w.RetryMax.Duration, GiveUpAfter: w.GiveUpAfter.Duration}
	}
	return outbox.NewWebhookSender(outbox.WebhookOptions{Hooks: hooks, UserAgent: "madoguchi/" + version, Now: clock, Owner: owner}, store, log)
}

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}
