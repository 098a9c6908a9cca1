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
	poller     *intake.Poller
	sender     *outbox.Sender
	lock       *tickets.Lock // the gateway's writer lock on the store
	// webListener, when set, is where run serves the console (the demo
	// binds one before it writes the console's address into the config).
	webListener net.Listener
}

// loadConfig loads the configuration; a MADOGUCHI_* variable that names no
// key is warned of first, as it may be why the configuration is invalid.
func loadConfig(g *globals) (*config.Config, error) {
	if g.stderr != nil {
		for _, w := range config.UnknownEnv(os.Environ()) {
			fmt.Fprintf(g.stderr, "madoguchi: warning: %s\n", w)
		}
	}
	path := config.ResolvePath(g.configPath, os.Getenv)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
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
	if a.desk, err = desk.New(deskOptions(cfg), desk.Deps{Store: a.store, Templates: a.tmpl, Index: a.index, Log: log.With("component", "desk")}); err != nil {
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
	// One gateway per store: a second one would deliver the same rows and
	// answer the same mail. The lock is taken before anything is opened.
	lock, err := tickets.AcquireLock(cfg.Store.Path)
	if err != nil {
		if errors.Is(err, tickets.ErrLocked) {
			return nil, &exitError{code: 4, err: err}
		}
		return nil, err
	}
	a, err := openDesk(ctx, cfg, log, indexOwn, clock)
	if err != nil {
		lock.Release()
		return nil, err
	}
	a.lock = lock
	if a.poller, err = newPoller(cfg, a.desk, log.With("component", "intake")); err != nil {
		a.close()
		return nil, err
	}
	if a.sender, err = newSender(cfg, a.store, log.With("component", "outbox"), clock); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

func (a *app) close() error {
	var errs []error
	if a.index != nil {
		errs = append(errs, a.index.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	errs = append(errs, a.lock.Release())
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
		SupportAddress:       cfg.Desk.SupportAddress,
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
	return templates.Options{
		Dir:        cfg.Templates.Dir,
		Signatures: map[string]string{"en": d.Signature.EN, "ja": d.Signature.JA},
		Labels:     map[string]map[string]string{"en": d.SubjectLabels.EN.ByMail(), "ja": d.SubjectLabels.JA.ByMail()},
		Tone:       d.Tone,
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
	return tickets.Open(cfg.Store.Path, &tickets.Options{SLA: &policy, Now: now, WakeGateway: wake})
}

func newPoller(cfg *config.Config, sink intake.Sink, log *slog.Logger) (*intake.Poller, error) {
	opts, err := pollerOptions(cfg)
	if err != nil {
		return nil, err
	}
	return intake.NewPoller(opts, sink, log)
}

func pollerOptions(cfg *config.Config) (intake.PollerOptions, error) {
	c := cfg.IMAP
	tlsCfg, err := c.TLSConfig()
	if err != nil {
		return intake.PollerOptions{}, err
	}
	opts := intake.PollerOptions{
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

func newSender(cfg *config.Config, store *tickets.Store, log *slog.Logger, clock func() time.Time) (*outbox.Sender, error) {
	opts, err := senderOptions(cfg, clock)
	if err != nil {
		return nil, err
	}
	return outbox.New(opts, store, log)
}

func senderOptions(cfg *config.Config, clock func() time.Time) (outbox.Options, error) {
	c := cfg.SMTP
	tlsCfg, err := c.TLSConfig()
	if err != nil {
		return outbox.Options{}, err
	}
	opts := outbox.Options{
		Address: c.Address, Security: c.Security, TLSConfig: tlsCfg,
		Username: c.Username, Password: c.Password.Reveal(), Auth: c.Auth,
		From: c.From, HelloName: c.HelloName, Timeout: c.Timeout.Duration,
		MaxAttempts: c.MaxAttempts, RetryBase: c.RetryBase.Duration, RetryMax: c.RetryMax.Duration,
		GiveUpAfter: c.GiveUpAfter.Duration,
		Now:         clock,
	}
	if c.Auth == config.AuthXOAUTH2 {
		opts.Token = c.TokenFunc()
	}
	return opts, nil
}

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}
