// Package desk is the workflow: it records every fetched message with one
// disposition, threads replies to their tickets, classifies new tickets,
// decides what mail to send, and writes state and outgoing mail in one
// transaction. It speaks no network protocol.
package desk

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
	"github.com/madoguchi/madoguchi/webhook"
)

// Options configure the desk; zero fields take defaults.
type Options struct {
	// Mailboxes are the desk's addresses, the first the default one
	// (mailboxes.go). Without them the desk has one mailbox,
	// tickets.DefaultMailbox, at SupportAddress; one or the other is
	// required to receive mail.
	Mailboxes            []Mailbox
	SupportAddress       string // the one mailbox's address (with Mailboxes, New sets the default one's)
	MessageIDDomain      string // "" = each mailbox's address's domain (New then sets the default one's)
	Language             string // en | ja: the language of the agents' mail, and of the customers' where neither their mail nor its mailbox tells
	IncidentPrefix       string // default INC
	RequestPrefix        string // default REQ
	Rules                []Rule // applied in order; include DefaultRules() to keep them
	AutoReplySenderLimit int    // automatic mails to one address per window; 0 = default 5, <0 = none at all
	AutoReplyTicketLimit int    // automatic mails on one ticket per window; 0 = default 3, <0 = none at all
	AutoReplyWindow      time.Duration
	CloseAfter           time.Duration // resolved → closed after this quiet period; default 7 days
	Limits               mime.Limits
	Workers              int           // parallel parsers; default GOMAXPROCS
	ConfirmAfter         time.Duration // auto_answered with no reply → resolved after this; default 72h

	// Limits on the mail a robot could keep going (robots.go), per
	// AutoReplyWindow; 0 = the default, <0 = none at all.
	RelayLimit      int // agents' replies relayed to one customer address, and on one ticket; default 10
	TierMailLimit   int // customers' replies forwarded to the tier and copies of agents' actions, on one ticket; default 20
	AgentErrorLimit int // command error mails to one agent; default 5
	// RobotReplyWithin: a reply dated at most this long after our mail it
	// answers reads as a robot's; 0 = default 30s, <0 = never.
	RobotReplyWithin time.Duration

	// Agents by mail. Without tiers, escalated tickets wait in the queue
	// (`madoguchi tickets list`) and nobody is mailed.
	Tiers             []Tier
	Secret            []byte            // signs reply tokens; required (>= 16 bytes) with Tiers
	TrustedAuthservID string            // "" = agent proof rests on the token; else this server's Authentication-Results must say dmarc=pass for the From's domain
	SLA               tickets.SLAPolicy // targets per priority and business hours; zero = built-in targets, 24x7
	AttachMaxBytes    int64             // customer attachments attached to a notice, in all; default 5 MiB
	TierBounceWindow  time.Duration     // a tier's address that bounces is told to another tier at most once per this; default 24h
	Location          *time.Location    // time zone of the times in agents' mails; nil = UTC
	// OnCall says who answers urgent (P1, P2) mail outside the business
	// hours; its acknowledgement names it. "" = nobody: it promises
	// nothing before the desk opens.
	OnCall string

	// After desk.secret is rotated, the tokens of mails sent before still
	// verify under the secrets it replaced, until PreviousSecretsUntil.
	PreviousSecrets      [][]byte  // each >= 16 bytes
	PreviousSecretsUntil time.Time // zero: previous secrets verify nothing
	// PreviousTiersMayAct lets an agent act with the token of a tier the
	// ticket has left, while that tier's list has her; by default only
	// the ticket's current tier acts.
	PreviousTiersMayAct bool

	// MajorWindow: after #major, new mail about the same incident
	// attaches to it for this long (major.go); default 4h.
	MajorWindow time.Duration
	// RequesterOnly sends agents' replies and resolutions to the requester
	// alone (desk.cc_participants = false); by default the ticket's
	// participants are on Cc.
	RequesterOnly bool

	// The console (console.go): who signs in as an admin (the tiers'
	// agents sign in as agents), where the links in mail point, how long
	// a sign-in lasts, and the admins' digest ("" | "daily" | "weekly").
	Admins []string
	// Viewers read the queue, the tickets and the reports and act on
	// nothing: addresses, or "@domain" for everyone there (web.viewers).
	// Their every view of a ticket is audited; internal notes and the mail
	// to the tiers are kept from them unless ViewersSeeNotes.
	Viewers         []string
	ViewersSeeNotes bool
	ConsoleURL      string
	SessionLifetime time.Duration // default 7 days
	Digest          string
	ConsoleLocation *time.Location // the zone of the console's times and the reports' days; nil = Location

	// Webhooks get an event of each ticket change they ask for, queued in
	// the change's transaction (webhooks.go); BaseURL (web.base_url) is
	// where the console shows a ticket, for the events' links; "" =
	// ConsoleURL.
	Webhooks []Webhook
	BaseURL  string
	// Alerts says how monitoring alerts become incidents (alerts.go).
	Alerts AlertOptions
}

// ErrNoSupportAddress: a desk without Options.SupportAddress can curate
// the FAQ but not receive mail.
var ErrNoSupportAddress = errors.New("desk: no support address configured: cannot receive mail")

// Deps are the parts a desk works with.
type Deps struct {
	Store     *tickets.Store   // required
	Templates *templates.Set   // required
	Index     *responder.Index // nil = no FAQ answers: every ticket waits for an agent
	Log       *slog.Logger     // nil = discard
	Observer  Observer         // hears what the desk did (the metrics); nil = nobody
}

// Desk is the workflow engine. It implements intake.Sink.
type Desk struct {
	opts  Options
	limit mailLimits
	store *tickets.Store
	tmpl  *templates.Set
	index *responder.Index
	log   *slog.Logger
	obs   Observer
	wake  chan struct{}

	syncMu sync.Mutex // one FAQ index update at a time (syncIndex)
	// Epochs a prepared batch compares at its commit: batches committed,
	// and FAQ index updates done.
	commits, faqEpoch atomic.Uint64
	derived           derivedMail // of the batch committing (derived.go)

	alerts *alertRules // [alerts]: severities and the mail rules, compiled

	// onMatch, when set, runs before every FAQ match with the context the
	// match gets: tests see where matching happens.
	onMatch func(ctx context.Context)
}

var _ intake.Sink = (*Desk)(nil)

// New builds a desk.
func New(opts Options, deps Deps) (*Desk, error) {
	if deps.Store == nil || deps.Templates == nil {
		return nil, errors.New("desk: store and templates are required")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts.SupportAddress = strings.ToLower(strings.TrimSpace(opts.SupportAddress))
	if opts.SupportAddress != "" && !strings.Contains(opts.SupportAddress, "@") {
		return nil, fmt.Errorf("desk: support address %q is not an address", opts.SupportAddress)
	}
	if opts.Language != "ja" {
		opts.Language = "en"
	}
	if opts.IncidentPrefix == "" {
		opts.IncidentPrefix = "INC"
	}
	if opts.RequestPrefix == "" {
		opts.RequestPrefix = "REQ"
	}
	opts.AutoReplySenderLimit = limitOrDefault(opts.AutoReplySenderLimit, 5)
	opts.AutoReplyTicketLimit = limitOrDefault(opts.AutoReplyTicketLimit, 3)
	if opts.AutoReplyWindow <= 0 {
		opts.AutoReplyWindow = time.Hour
	}
	opts.RelayLimit = limitOrDefault(opts.RelayLimit, defaultRelayLimit)
	opts.TierMailLimit = limitOrDefault(opts.TierMailLimit, defaultTierMailLimit)
	opts.AgentErrorLimit = limitOrDefault(opts.AgentErrorLimit, defaultAgentErrorLimit)
	if opts.RobotReplyWithin == 0 {
		opts.RobotReplyWithin = defaultRobotReplyWithin
	}
	if opts.CloseAfter <= 0 {
		opts.CloseAfter = 7 * 24 * time.Hour
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.ConfirmAfter <= 0 {
		opts.ConfirmAfter = 72 * time.Hour
	}
	if len(opts.Tiers) > 0 && len(opts.Secret) < 16 {
		return nil, errors.New("desk: escalation tiers need a secret of at least 16 bytes to sign reply tokens")
	}
	for i, k := range opts.PreviousSecrets {
		if len(k) < 16 {
			return nil, fmt.Errorf("desk: previous secret %d is %d bytes; reply tokens need at least 16", i+1, len(k))
		}
	}
	for i, tr := range opts.Tiers {
		if len(tr.Notify) == 0 || len(tr.Agents) == 0 {
			return nil, fmt.Errorf("desk: tier %d (%s) needs notify and agents addresses", i, tr.Name)
		}
	}
	if err := setMailboxes(&opts); err != nil {
		return nil, err
	}
	if opts.SLA.Calendar == nil {
		opts.SLA.Calendar = &tickets.Calendar{}
	}
	if opts.SLA.Targets == nil {
		opts.SLA.Targets = tickets.DefaultTargets()
	}
	opts.SLA = SLAPolicy(opts.SLA, opts.Tiers)
	if !opts.SLA.Equal(deps.Store.SLA()) {
		// The store keeps each ticket's next timer instant by its policy:
		// another one would fire timers late or never.
		return nil, errors.New("desk: the store's SLA policy is not the desk's: open the store with desk.SLAPolicy of the desk's SLA and tiers")
	}
	if opts.TierBounceWindow <= 0 {
		opts.TierBounceWindow = 24 * time.Hour
	}
	if opts.AttachMaxBytes <= 0 {
		opts.AttachMaxBytes = 5 << 20
	}
	if opts.MajorWindow <= 0 {
		opts.MajorWindow = DefaultMajorWindow
	}
	if opts.SessionLifetime <= 0 {
		opts.SessionLifetime = 7 * 24 * time.Hour
	}
	if opts.BaseURL == "" {
		opts.BaseURL = opts.ConsoleURL
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	opts.Webhooks = slices.Clone(opts.Webhooks)
	for i, w := range opts.Webhooks {
		if w.Name == "" {
			return nil, fmt.Errorf("desk: webhook %d has no name", i)
		}
		if w.Format == "" {
			opts.Webhooks[i].Format = webhook.FormatJSON
		} else if !slices.Contains(webhook.Formats, w.Format) {
			return nil, fmt.Errorf("desk: webhook %s: unknown format %q", w.Name, w.Format)
		}
	}
	alerts, err := compileAlerts(opts.Alerts)
	if err != nil {
		return nil, err
	}
	obs := deps.Observer
	if obs == nil {
		obs = noObserver{}
	}
	d := &Desk{opts: opts, limit: newMailLimits(opts), store: deps.Store, tmpl: deps.Templates, index: deps.Index, log: log, obs: obs,
		wake: make(chan struct{}, 1), alerts: alerts}
	// The desk hears of every change the store commits, whoever made it,
	// and queues its webhooks' events in the change's transaction.
	if len(opts.Webhooks) > 0 {
		deps.Store.Observe(d.queueEvents)
	} else {
		deps.Store.Observe(nil)
	}
	return d, nil
}

func limitOrDefault(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// Wake is signalled after a commit that queued outgoing mail.
func (d *Desk) Wake() <-chan struct{} { return d.wake }

// PassDone implements intake.PassEnder as Inbox.PassDone does.
func (d *Desk) PassDone(ctx context.Context) error { return d.store.IndexSearch(ctx) }

// Known implements intake.Sink for the default mailbox (Inbox for any).
func (d *Desk) Known(ctx context.Context, folder string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	if len(d.opts.Mailboxes) == 0 {
		return nil, ErrNoSupportAddress
	}
	return (&Inbox{d: d, box: d.defaultBox()}).Known(ctx, folder, uidValidity, uids)
}

// LastUID implements intake.Sink for the default mailbox (Inbox for any).
func (d *Desk) LastUID(ctx context.Context, folder string, uidValidity uint32) (uint32, error) {
	if len(d.opts.Mailboxes) == 0 {
		return 0, ErrNoSupportAddress
	}
	return (&Inbox{d: d, box: d.defaultBox()}).LastUID(ctx, folder, uidValidity)
}

// Outcome is what happened to one message.
type Outcome struct {
	Disposition string
	Reason      string
	Ticket      string         // reference, "" when none
	Status      tickets.Status // the ticket's status afterwards
	Sent        []string       // kinds of mail queued

	notes notes // for the observer (observer.go)
}

// Store implements intake.Sink for the default mailbox: it parses the
// batch in parallel, then records every message in one transaction,
// committed durably.
func (d *Desk) Store(ctx context.Context, batch []intake.Fetched) error {
	_, err := d.ReceiveBatch(ctx, batch)
	return err
}

// Prepare implements intake.Preparer for the default mailbox: it parses
// the batch and matches against the FAQ, which writes nothing, while the
// poller's batch before may still be committing; Commit records it.
func (d *Desk) Prepare(ctx context.Context, batch []intake.Fetched) intake.PreparedBatch {
	return d.prepare(ctx, d.defaultBox(), batch)
}

// ReceiveBatch is Store that also reports each message's outcome.
func (d *Desk) ReceiveBatch(ctx context.Context, batch []intake.Fetched) ([]Outcome, error) {
	if len(d.opts.Mailboxes) == 0 {
		// Without an address our own mail coming back could not be told apart.
		return nil, ErrNoSupportAddress
	}
	return d.commit(ctx, d.prepare(ctx, d.defaultBox(), batch))
}

// preparedBatch is a batch fetched from the mailbox box, parsed and
// matched, before its transaction.
type preparedBatch struct {
	d      *Desk
	box    *Mailbox
	batch  []intake.Fetched
	parsed []parsedMail
	// What the preparation saw: the desk's batch commits and FAQ index
	// versions (epochs) when it began. A batch prepared beside the commit
	// of the one before is checked again against what that one changed,
	// so it ends as it would have after it (commit).
	commits, faq uint64
}

func (b *preparedBatch) Commit(ctx context.Context) error {
	_, err := b.d.commit(ctx, b)
	return err
}

func (d *Desk) prepare(ctx context.Context, box *Mailbox, batch []intake.Fetched) *preparedBatch {
	b := &preparedBatch{d: d, box: box, batch: batch, commits: d.commits.Load(), faq: d.faqEpoch.Load()}
	b.parsed = d.parseAll(ctx, box, batch)
	return b
}

// commit records a prepared batch in one transaction, committed durably.
func (d *Desk) commit(ctx context.Context, b *preparedBatch) ([]Outcome, error) {
	if len(d.opts.Mailboxes) == 0 {
		// Without an address our own mail coming back could not be told apart.
		return nil, ErrNoSupportAddress
	}
	box, batch, parsed := b.box, b.batch, b.parsed
	switch {
	case d.faqEpoch.Load() != b.faq:
		// The FAQ index changed while the batch was matched (the batch
		// before taught it something): match again against the new one.
		for i := range parsed {
			parsed[i].match = nil
		}
		d.matchAll(ctx, parsed)
	case d.commits.Load() != b.commits:
		// A reply found on an open ticket may have seen the ticket
		// closed by the batch before since (of this mailbox or another).
		d.matchFollowUps(ctx, parsed)
	}
	outcomes := make([]Outcome, len(batch))
	queued := false
	var changed faqChanges
	d.derived.hold(parsed)
	defer d.derived.drop(parsed)
	err := d.store.Update(ctx, func(tx *tickets.Tx) error {
		queued, changed = false, faqChanges{}
		// A backlog's search index is written in large pieces, and the
		// rest when the pass is done (Inbox.PassDone).
		tx.IndexSearchLater()
		ahead, err := lookAhead(tx, parsed)
		if err != nil {
			return fmt.Errorf("desk: looking ahead in a batch of %d: %w", len(parsed), err)
		}
		for i := range parsed {
			parsed[i].ahead = ahead
			var oc Outcome
			err := tx.Try(func() error {
				var err error
				oc, err = d.receive(tx, &parsed[i], &changed)
				return err
			})
			if err != nil && ctx.Err() == nil {
				// One message whose handling fails must not hold up the
				// mailbox: what it wrote is undone and it is recorded as
				// quarantined with the reason. If the store itself is what
				// fails, this fails too and the batch is retried.
				d.log.Error("handling a mail failed; quarantined", "mailbox", box.Name, "folder", batch[i].Mailbox, "uid", batch[i].UID, "err", err)
				oc, err = d.quarantineFailed(tx, &parsed[i], err)
			}
			if err != nil {
				return fmt.Errorf("desk: message uid %d of %s/%s: %w", batch[i].UID, box.Name, batch[i].Mailbox, err)
			}
			ahead.done(&parsed[i])
			outcomes[i] = oc
			queued = queued || len(oc.Sent) > 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.commits.Add(1)
	d.reindex(ctx, changed)
	for i, oc := range outcomes {
		d.log.Info("mail received", "mailbox", box.Name, "folder", batch[i].Mailbox, "uid", batch[i].UID, "disposition", oc.Disposition,
			"ticket", oc.Ticket, "reason", oc.Reason, "sent", oc.Sent)
		d.tell(box.Name, oc)
	}
	if queued {
		d.poke()
	}
	return outcomes, nil
}

func (d *Desk) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// parsedMail is a fetched message after parsing (and FAQ matching), before
// the transaction.
type parsedMail struct {
	f       intake.Fetched
	box     *Mailbox // the mailbox it was fetched from
	msg     *mime.Message
	err     error
	match   *responder.Result // nil when not matched
	derived derived
	ahead   *lookahead // of the batch, in its transaction (nil: ask the store)
}

// parseAll parses the batch fetched from box and matches against the FAQ
// every mail that may open a ticket, in parallel, before the batch's
// transaction: matching is the costly step and must not hold the store's
// writer.
func (d *Desk) parseAll(ctx context.Context, box *Mailbox, batch []intake.Fetched) []parsedMail {
	out := make([]parsedMail, len(batch))
	d.parallel(len(batch), func(i int) {
		out[i] = d.parseOne(batch[i])
		out[i].box = box
		if out[i].msg != nil && out[i].err == nil {
			out[i].derived = d.derive(out[i].msg, d.boxForNew(&tickets.Inbound{Mailbox: box.Name}, out[i].msg))
		}
		d.matchOne(ctx, &out[i])
	})
	d.matchFollowUps(ctx, out)
	return out
}

// matchAll is the matching of parseAll for mail already parsed.
func (d *Desk) matchAll(ctx context.Context, parsed []parsedMail) {
	d.parallel(len(parsed), func(i int) { d.matchOne(ctx, &parsed[i]) })
	d.matchFollowUps(ctx, parsed)
}

// parallel runs f(0) … f(n-1) on the desk's workers and waits for them.
func (d *Desk) parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(d.opts.Workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (d *Desk) parseOne(f intake.Fetched) (p parsedMail) {
	p.f = f
	// Parse promises never to panic; this guard keeps one bad message from
	// taking the gateway down if that promise is ever broken.
	defer func() {
		if r := recover(); r != nil {
			p.msg, p.err = nil, &mime.QuarantineError{Reason: "parser failure", Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	if f.HeaderOnly {
		// Too large to fetch: the poller brought its header alone, which
		// is what the record keeps; the message stays on the server.
		p.msg, p.err = mime.ParseOversize(f.Raw, f.Size, f.SizeLimit)
		return p
	}
	p.msg, p.err = mime.Parse(f.Raw, d.opts.Limits)
	return p
}

// newMessageID makes a Message-ID of ours (without <>) for mail from
// the mailbox b. Random, so a stranger cannot guess one to thread into a
// ticket.
func (d *Desk) newMessageID(b *Mailbox, ref string) string {
	id := "madoguchi." + randomPart()
	if ref != "" {
		id += "." + strings.ToLower(ref)
	}
	return id + "@" + b.MessageIDDomain
}

// randomPart is the unguessable part of our Message-IDs.
func randomPart() string {
	var b [15]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// looksLikeOurMessageID reports whether a Message-ID has the form of ours.
// The domain alone would not do: an in-house helpdesk shares its domain
// with its customers' mail servers.
func (d *Desk) looksLikeOurMessageID(id string) bool {
	at := strings.LastIndexByte(id, '@')
	if at < 0 || !strings.HasPrefix(id, "madoguchi.") {
		return false
	}
	for _, b := range d.opts.Mailboxes {
		if strings.EqualFold(id[at+1:], b.MessageIDDomain) {
			return true
		}
	}
	return false
}
