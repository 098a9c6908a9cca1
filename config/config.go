// Package config is madoguchi's TOML configuration: the schema, its defaults,
// overrides from the environment, secrets read from files, and validation.
//
// A configuration is read in this order, each step overriding the one before:
// the defaults ([Default]), the TOML file, the environment
// (MADOGUCHI_<SECTION>_<KEY>, e.g. MADOGUCHI_IMAP_PASSWORD), then the
// contents of password_file. Relative paths in the file are relative to the
// file's own directory, so a service unit can start madoguchi from anywhere.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. Its toml tags are the schema: the
// decoder, the environment overrides and the encoder all read them.
type Config struct {
	Store      Store      `toml:"store"`
	IMAP       IMAP       `toml:"imap"`      // the one mailbox, unless Mailboxes are set
	Mailboxes  []Mailbox  `toml:"mailboxes"` // [[mailboxes]]: several mailboxes, one desk (mailboxes.go)
	SMTP       SMTP       `toml:"smtp"`
	Desk       Desk       `toml:"desk"`
	Escalation Escalation `toml:"escalation"`
	SLA        SLA        `toml:"sla"`
	Rules      []Rule     `toml:"rules"`
	Limits     Limits     `toml:"limits"`
	Responder  Responder  `toml:"responder"`
	Templates  Templates  `toml:"templates"`
	Log        Log        `toml:"log"`
	Web        Web        `toml:"web"`
	Reports    Reports    `toml:"reports"`
	Webhooks   []Webhook  `toml:"webhooks"`
	Alerts     Alerts     `toml:"alerts"`
	Metrics    Metrics    `toml:"metrics"`
}

// Store is where the system of record lives: one SQLite file (the
// default), or a PostgreSQL database that several gateways share.
type Store struct {
	Driver string `toml:"driver"` // StoreSQLite | StorePostgres
	Path   string `toml:"path"`   // SQLite file; the FAQ index lives beside it (with postgres too)
	// DSN is PostgreSQL's connection string (postgres://user:password@host/db
	// or key=value), a secret for its password: from dsn, dsn_file or
	// $MADOGUCHI_STORE_DSN.
	DSN      Secret `toml:"dsn"`
	DSNFile  string `toml:"dsn_file"`
	MaxConns int    `toml:"max_conns"` // PostgreSQL: the connection pool's size per gateway
}

// Store drivers.
const (
	StoreSQLite   = "sqlite"
	StorePostgres = "postgres"
)

// Security values for [Server.Security].
const (
	SecurityTLS      = "tls"
	SecurityStartTLS = "starttls"
	SecurityInsecure = "insecure" // plain text; allowed only to a loopback address
)

// Auth values for [Server.Auth].
const (
	AuthNone    = "" // SMTP only
	AuthLogin   = "login"
	AuthPlain   = "plain"
	AuthXOAUTH2 = "xoauth2"
)

// Server is what IMAP and SMTP share: where to connect and how to log in.
type Server struct {
	Address       string `toml:"address"`  // host:port
	Security      string `toml:"security"` // tls | starttls | insecure
	Username      string `toml:"username"`
	Password      Secret `toml:"password"`
	PasswordFile  string `toml:"password_file"`
	Auth          string `toml:"auth"`
	TokenFile     string `toml:"token_file"`    // XOAUTH2 access token, re-read at each login
	TokenCommand  string `toml:"token_command"` // or a command that prints one
	CAFile        string `toml:"ca_file"`
	TLSServerName string `toml:"tls_server_name"`

	section string // "imap", "smtp" or "mailboxes[N]", so errors can name the key
}

// IMAP is the mailbox madoguchi reads.
type IMAP struct {
	Server
	Mailbox          string   `toml:"mailbox"`
	ProcessedMailbox string   `toml:"processed_mailbox"` // "" = mark \Seen and leave in place
	BatchSize        int      `toml:"batch_size"`
	BatchBytes       int64    `toml:"batch_bytes"` // a batch's bytes by the server's RFC822.SIZE; one larger mail goes alone
	PollInterval     Duration `toml:"poll_interval"`
}

// SMTP is the relay madoguchi sends through.
type SMTP struct {
	Server
	From        string   `toml:"from"`
	HelloName   string   `toml:"hello_name"`
	Timeout     Duration `toml:"timeout"`
	MaxAttempts int      `toml:"max_attempts"` // attempts the relay answered; an outage does not count
	RetryBase   Duration `toml:"retry_base"`
	RetryMax    Duration `toml:"retry_max"`
	GiveUpAfter Duration `toml:"give_up_after"` // queue lifetime through temporary failures
}

// Desk is the workflow.
type Desk struct {
	SupportAddress          string   `toml:"support_address"`
	Language                string   `toml:"language"`
	MessageIDDomain         string   `toml:"message_id_domain"`       // after loading: never "" when support_address is set
	AutoReplySenderLimit    int      `toml:"auto_reply_sender_limit"` // per window; 0 = no automatic replies (never "unlimited": invariant 4)
	AutoReplyTicketLimit    int      `toml:"auto_reply_ticket_limit"` // per window; 0 = no automatic replies
	AutoReplyWindow         Duration `toml:"auto_reply_window"`
	ReferencePrefixIncident string   `toml:"reference_prefix_incident"`
	ReferencePrefixRequest  string   `toml:"reference_prefix_request"`
	CloseAfter              Duration `toml:"close_after"`
	DefaultRules            bool     `toml:"default_rules"`
	// Timezone is the IANA zone every time is shown in: at the terminal
	// and in the agents' mails; "" = sla.hours.time_zone, else UTC
	// ([Config.Location]).
	Timezone string `toml:"timezone"`
	// Secret keys the HMAC of the reply tokens that prove an agent; from
	// secret, secret_file or $MADOGUCHI_DESK_SECRET. Required (at least
	// [MinSecretBytes]) by [Config.RequireRun] when tiers are set.
	Secret            Secret `toml:"secret"`
	SecretFile        string `toml:"secret_file"`
	TrustedAuthservID string `toml:"trusted_authserv_id"` // Authentication-Results authserv-id whose dmarc=pass an agent reply needs; "" = the token alone proves
	// PreviousSecrets are secrets desk.secret replaced: the reply tokens
	// of mails sent before a rotation verify under them until
	// PreviousSecretsUntil ([Desk.PreviousSecretsDeadline]). From
	// previous_secrets, previous_secrets_file (one a line) or
	// $MADOGUCHI_DESK_PREVIOUS_SECRETS (comma-separated).
	PreviousSecrets      []Secret `toml:"previous_secrets"`
	PreviousSecretsFile  string   `toml:"previous_secrets_file"`
	PreviousSecretsUntil string   `toml:"previous_secrets_until"` // YYYY-MM-DD (through that day, UTC) or an RFC 3339 instant; required with previous secrets
	// The words of the mails to customers: see words.go.
	Signature     Signature     `toml:"signature"`
	SubjectLabels SubjectLabels `toml:"subject_labels"`
	Tone          string        `toml:"tone"` // ToneExternal (customers outside) or ToneInternal (an in-house desk's colleagues)
	// CCParticipants: relays and resolutions go to the requester with the
	// ticket's participants on Cc.
	CCParticipants bool `toml:"cc_participants"`

	// Limits on the mail robots could keep going, per auto_reply_window.
	RelayLimit       int      `toml:"relay_limit"`        // agents' replies relayed to one customer address, and on one ticket
	TierMailLimit    int      `toml:"tier_mail_limit"`    // forwards and copies to the tier on one ticket
	AgentErrorLimit  int      `toml:"agent_error_limit"`  // command error mails to one agent; 0 = none
	RobotReplyWithin Duration `toml:"robot_reply_within"` // a reply dated this soon after our mail reads as a robot's; 0 = never

	// MajorWindow: after an agent's #major, new mail about the same
	// incident attaches to the ticket for this long.
	MajorWindow Duration `toml:"major_window"`
}

// MinSecretBytes is the shortest desk.secret accepted: an HMAC key much
// shorter than this can be guessed.
const MinSecretBytes = 16

// PreviousSecretsDeadline is when desk.previous_secrets stop verifying
// reply tokens: the instant of previous_secrets_until, or the end (UTC)
// of its day. Zero when it is unset or invalid ([Config.Validate]
// refuses an invalid one).
func (d Desk) PreviousSecretsDeadline() time.Time {
	t, _ := parseDeadline(d.PreviousSecretsUntil)
	return t
}

// parseDeadline reads a date (through that day, UTC) or an RFC 3339
// instant; "" is the zero time.
func parseDeadline(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 instant (2027-01-31T18:00:00+09:00)", s)
	}
	return t, nil
}

// Escalation is where tickets go that the responder does not close: the
// tiers of agents, in order.
type Escalation struct {
	AttachMaxBytes int64 `toml:"attach_max_bytes"` // customer attachments attached to a tier notice up to this total; above it names and sizes only
	// TierBounceWindow: mail to a tier's address that bounces is told to
	// another tier at most once per this window, however often it bounces.
	TierBounceWindow Duration `toml:"tier_bounce_window"`
	Tiers            []Tier   `toml:"tiers"`
	// PreviousTiersMayAct lets an agent act with the reply token of a tier
	// a ticket has left, while that tier's agents list has her; false: only
	// the ticket's current tier acts.
	PreviousTiersMayAct bool `toml:"previous_tiers_may_act"`
	// OnCall says who answers urgent (P1, P2) requests outside the
	// business hours ("the on-call engineer, +81 3 1234 5678"); their
	// acknowledgement names it. "" = nobody: it promises nothing before
	// the desk opens.
	OnCall string `toml:"on_call"`
}

// Tier is one level of agents ([[escalation.tiers]]): L1, L2, ...
type Tier struct {
	Name          string       `toml:"name"`           // [A-Za-z0-9_-]{1,32}, unique (case-insensitively)
	Notify        []string     `toml:"notify"`         // addresses that get the thread (at least one)
	Agents        []string     `toml:"agents"`         // addresses allowed to act (at least one)
	EscalateAfter BusinessTime `toml:"escalate_after"` // no agent answer within this much business time: next tier; 0 = never by time
}

// SLA holds the targets of each priority and the business hours they are
// counted in.
type SLA struct {
	P1    SLATarget `toml:"P1"`
	P2    SLATarget `toml:"P2"`
	P3    SLATarget `toml:"P3"`
	P4    SLATarget `toml:"P4"`
	P5    SLATarget `toml:"P5"`
	Hours Hours     `toml:"hours"`
}

// SLATarget is the time to the first agent answer (respond) and to the
// resolution (resolve), in business time.
type SLATarget struct {
	Respond BusinessTime `toml:"respond"`
	Resolve BusinessTime `toml:"resolve"`
}

// Hours are the business hours SLA time is counted in ([sla.hours]). With
// no weekdays the clock runs 24x7 and the other keys must be empty.
type Hours struct {
	Weekdays []string `toml:"weekdays"`  // mon..sun (or monday..sunday)
	From     string   `toml:"from"`      // HH:MM in time_zone
	To       string   `toml:"to"`        // HH:MM, after from; "24:00" = midnight at the end of the day
	TimeZone string   `toml:"time_zone"` // IANA name, e.g. Asia/Tokyo
	Holidays []string `toml:"holidays"`  // YYYY-MM-DD dates in time_zone with no business hours
}

// Rule is one classification rule: when Pattern matches Field, the non-empty
// ones of Type, Impact and Urgency are set on the ticket.
type Rule struct {
	Field   string `toml:"field"`   // subject | body | from | any
	Pattern string `toml:"pattern"` // Go regexp, checked at load
	Type    string `toml:"type"`    // incident | service_request | ""
	Impact  string `toml:"impact"`  // high | medium | low | ""
	Urgency string `toml:"urgency"` // high | medium | low | ""
}

// Limits bound what one inbound message may cost.
type Limits struct {
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	MaxParts        int   `toml:"max_parts"`
	MaxDepth        int   `toml:"max_depth"`
}

// Responder tunes the FAQ answers.
type Responder struct {
	Enabled            bool     `toml:"enabled"`
	IndexPath          string   `toml:"index_path"` // after loading: never "" (defaults beside the store)
	AutoSendConfidence float64  `toml:"auto_send_confidence"`
	SuggestConfidence  float64  `toml:"suggest_confidence"`
	MinMargin          float64  `toml:"min_margin"`
	MaxUnhelpfulRatio  float64  `toml:"max_unhelpful_ratio"`
	MinVotes           int      `toml:"min_votes"`
	ConfirmAfter       Duration `toml:"confirm_after"`
	MaxCandidates      int      `toml:"max_candidates"`

	// LearnedAutoConfidence is the automatic band of the evidence of an
	// entry's confirmed paraphrases (responder.Options).
	LearnedAutoConfidence float64 `toml:"learned_auto_confidence"`
}

// Templates overrides the embedded mail templates.
type Templates struct {
	Dir string `toml:"dir"` // "" = embedded only
}

// Log configures the slog handler.
type Log struct {
	Level  string `toml:"level"`  // debug | info | warn | error
	Format string `toml:"format"` // text | json
}

// EnvConfig names the variable that [ResolvePath] reads; DefaultPath is the
// file it falls back to.
const (
	EnvConfig   = "MADOGUCHI_CONFIG"
	DefaultPath = "madoguchi.toml"
)

// Default returns the configuration that an empty file gives, before the
// derived values (index path, Message-ID domain) are filled in.
func Default() *Config {
	return &Config{
		Store: Store{Driver: StoreSQLite, Path: "data/madoguchi.db", MaxConns: 10},
		IMAP: IMAP{
			Server:       Server{Security: SecurityTLS, Auth: AuthLogin, section: "imap"},
			Mailbox:      "INBOX",
			BatchSize:    100,
			BatchBytes:   32 << 20,
			PollInterval: Duration{60 * second},
		},
		SMTP: SMTP{
			Server:      Server{Security: SecurityStartTLS, Auth: AuthNone, section: "smtp"},
			Timeout:     Duration{30 * second},
			MaxAttempts: 8,
			RetryBase:   Duration{30 * second},
			RetryMax:    Duration{hour},
			GiveUpAfter: Duration{120 * hour},
		},
		Desk: Desk{
			Language:                "en",
			AutoReplySenderLimit:    5,
			AutoReplyTicketLimit:    3,
			AutoReplyWindow:         Duration{hour},
			RelayLimit:              10,
			TierMailLimit:           20,
			AgentErrorLimit:         5,
			RobotReplyWithin:        Duration{30 * second},
			MajorWindow:             Duration{4 * hour},
			ReferencePrefixIncident: "INC",
			ReferencePrefixRequest:  "REQ",
			CloseAfter:              Duration{72 * hour},
			DefaultRules:            true,
			SubjectLabels:           DefaultSubjectLabels(),
			Tone:                    ToneExternal,
			CCParticipants:          true,
		},
		Escalation: Escalation{AttachMaxBytes: 5 << 20, TierBounceWindow: Duration{24 * hour}},
		SLA: SLA{
			// The longer targets in business days: around the clock a
			// business day is 24 hours, with business hours one working day.
			P1: SLATarget{BusinessTimeOf(30 * minute), BusinessTimeOf(4 * hour)},
			P2: SLATarget{BusinessTimeOf(hour), BusinessTimeOf(8 * hour)},
			P3: SLATarget{BusinessTimeOf(4 * hour), BusinessTime{BusinessDays: 1}},
			P4: SLATarget{BusinessTimeOf(8 * hour), BusinessTime{BusinessDays: 3}},
			P5: SLATarget{BusinessTime{BusinessDays: 1}, BusinessTime{BusinessDays: 7}},
		},
		Limits: Limits{MaxMessageBytes: 25 << 20, MaxParts: 500, MaxDepth: 20},
		Responder: Responder{
			Enabled: true,
			// The responder's calibrated defaults (responder.Default*); a
			// test in cmd/madoguchi keeps the two in step.
			AutoSendConfidence: 0.85,
			SuggestConfidence:  0.20,
			MinMargin:          0.10,
			MaxUnhelpfulRatio:  0.5,
			MinVotes:           3,
			ConfirmAfter:       Duration{72 * hour},
			MaxCandidates:      5,

			LearnedAutoConfidence: 0.80,
		},
		Log:    Log{Level: "info", Format: "text"},
		Web:    Web{SessionLifetime: Duration{7 * day}},
		Alerts: Alerts{Severity: defaultSeverity(), DefaultPriority: "P3", ServiceLabels: []string{"service", "job", "app"}},
	}
}

// Load reads the file at path and returns the validated configuration, with
// the process environment applied. Relative paths in the file are resolved
// against the file's directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, os.Getenv, dir)
}

// Parse decodes data strictly (unknown keys are errors), applies the
// environment read through env, reads password_file contents, fills derived
// defaults and validates what is set. Relative paths from the file are
// resolved against baseDir ("" leaves them as they are). Keys needed only to
// run the gateway are checked by [Config.RequireRun].
func Parse(data []byte, env func(string) string, baseDir string) (*Config, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, fmt.Errorf("config: %w", err) // a syntax error: nothing to go on
	}
	// Past the syntax, every step runs even after another failed, so one
	// run names every problem; a key that failed to decode keeps its default.
	c := Default()
	errs := []error{decodeRaw(c, raw, string(data))}
	c.nameSections()
	c.resolvePaths(baseDir)
	if env != nil {
		errs = append(errs, applyEnv(c, env))
	}
	errs = append(errs, c.readSecretFiles())
	c.derive()
	errs = append(errs, c.Validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// ResolvePath picks the configuration file: the --config flag, else
// $MADOGUCHI_CONFIG, else ./madoguchi.toml.
func ResolvePath(flag string, env func(string) string) string {
	if flag != "" {
		return flag
	}
	if env != nil {
		if p := env(EnvConfig); p != "" {
			return p
		}
	}
	return DefaultPath
}

// Masked returns a copy whose secrets read "******", for showing the
// effective configuration (check-config) without leaking it.
func (c *Config) Masked() *Config {
	m := c.clone()
	for _, s := range m.secrets() {
		s.mask()
	}
	return m
}

// TOML encodes the configuration as a file that [Parse] reads back to the
// same configuration. A secret that came from its file (password_file,
// secret_file) is left out: the file is named instead, so its contents are
// never written anywhere.
func (c *Config) TOML() ([]byte, error) {
	out := c.clone()
	for _, s := range out.secrets() {
		if *s.file != "" {
			s.clear()
		}
	}
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// SlogLevel is the slog level named by Log.Level (info for anything unknown,
// which validation has already refused).
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// secretKey is one secret of the configuration (or a list of them) and
// the file it may come from.
type secretKey struct {
	key, fileKey string // "imap.password", "imap.password_file"
	value        *Secret
	list         *[]Secret // instead of value: a list, its file holding one a line
	file         *string
}

// secrets lists every secret of c, so masking, encoding and reading from
// files treat them all alike.
func (c *Config) secrets() []secretKey {
	keys := []secretKey{
		{key: c.IMAP.key("password"), fileKey: c.IMAP.key("password_file"), value: &c.IMAP.Password, file: &c.IMAP.PasswordFile},
		{key: c.SMTP.key("password"), fileKey: c.SMTP.key("password_file"), value: &c.SMTP.Password, file: &c.SMTP.PasswordFile},
		{key: "desk.secret", fileKey: "desk.secret_file", value: &c.Desk.Secret, file: &c.Desk.SecretFile},
		{key: "store.dsn", fileKey: "store.dsn_file", value: &c.Store.DSN, file: &c.Store.DSNFile},
		{key: "desk.previous_secrets", fileKey: "desk.previous_secrets_file", list: &c.Desk.PreviousSecrets, file: &c.Desk.PreviousSecretsFile},
	}
	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		keys = append(keys, secretKey{key: mailboxSection(i) + ".password", fileKey: mailboxSection(i) + ".password_file", value: &m.Password, file: &m.PasswordFile})
	}
	for i := range c.Webhooks {
		w, key := &c.Webhooks[i], fmt.Sprintf("webhooks[%d]", i)
		keys = append(keys,
			secretKey{key: key + ".url", fileKey: key + ".url_file", value: &w.URL, file: &w.URLFile},
			secretKey{key: key + ".secret", fileKey: key + ".secret_file", value: &w.Secret, file: &w.SecretFile})
	}
	return keys
}

// set reports whether the secret (or any of the list) is set.
func (s secretKey) set() bool {
	if s.list != nil {
		return len(*s.list) > 0
	}
	return *s.value != ""
}

// mask makes every set secret of s read MaskedValue.
func (s secretKey) mask() {
	if s.list == nil {
		if *s.value != "" {
			*s.value = MaskedValue
		}
		return
	}
	if len(*s.list) == 0 {
		return
	}
	masked := make([]Secret, len(*s.list))
	for i := range masked {
		masked[i] = MaskedValue
	}
	*s.list = masked
}

// clear empties the secret (or the list).
func (s secretKey) clear() {
	if s.list != nil {
		*s.list = nil
		return
	}
	*s.value = ""
}

// fill stores the contents of the secret's file: the secret without its
// trailing newline, or for a list its non-empty lines.
func (s secretKey) fill(contents string) {
	if s.list == nil {
		*s.value = Secret(strings.TrimRight(contents, "\r\n"))
		return
	}
	var list []Secret
	for _, l := range strings.Split(contents, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			list = append(list, Secret(l))
		}
	}
	*s.list = list
}

// clone copies c deeply enough that changing the copy's slices leaves c alone.
func (c *Config) clone() *Config {
	out := *c
	out.Rules = slices.Clone(c.Rules)
	out.Mailboxes = slices.Clone(c.Mailboxes)
	out.Desk.PreviousSecrets = slices.Clone(c.Desk.PreviousSecrets)
	out.Escalation.Tiers = slices.Clone(c.Escalation.Tiers)
	for i := range out.Escalation.Tiers {
		t := &out.Escalation.Tiers[i]
		t.Notify, t.Agents = slices.Clone(t.Notify), slices.Clone(t.Agents)
	}
	out.Webhooks = slices.Clone(c.Webhooks)
	for i := range out.Webhooks {
		w := &out.Webhooks[i]
		w.Events, w.Priorities = slices.Clone(w.Events), slices.Clone(w.Priorities)
	}
	out.Alerts.Severity = maps.Clone(c.Alerts.Severity)
	out.Alerts.ServiceLabels = slices.Clone(c.Alerts.ServiceLabels)
	out.Alerts.Mail = slices.Clone(c.Alerts.Mail)
	out.SLA.Hours.Weekdays = slices.Clone(c.SLA.Hours.Weekdays)
	out.SLA.Hours.Holidays = slices.Clone(c.SLA.Hours.Holidays)
	out.Web.Admins = slices.Clone(c.Web.Admins)
	out.Web.Viewers = slices.Clone(c.Web.Viewers)
	return &out
}

// resolvePaths makes the file's relative paths relative to its directory.
// It runs before the environment is applied: a path given in the
// environment is taken as it is, relative to the working directory.
func (c *Config) resolvePaths(baseDir string) {
	if baseDir == "" {
		return
	}
	paths := []*string{
		&c.Store.Path, &c.Store.DSNFile,
		&c.IMAP.PasswordFile, &c.IMAP.TokenFile, &c.IMAP.CAFile,
		&c.SMTP.PasswordFile, &c.SMTP.TokenFile, &c.SMTP.CAFile,
		&c.Desk.SecretFile, &c.Desk.PreviousSecretsFile, &c.Responder.IndexPath, &c.Templates.Dir,
		&c.Web.TLSCert, &c.Web.TLSKey,
	}
	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		paths = append(paths, &m.PasswordFile, &m.TokenFile, &m.CAFile)
	}
	for i := range c.Webhooks {
		w := &c.Webhooks[i]
		paths = append(paths, &w.URLFile, &w.SecretFile, &w.CAFile)
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
}

// readSecretFiles fills each secret from its file (password_file,
// secret_file). Both set is refused rather than guessed at: one of them is
// stale.
func (c *Config) readSecretFiles() error {
	var errs []error
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		if s.set() {
			other := s.key
			if !strings.Contains(s.key, "[") { // an array's keys come from the file alone
				other += " (or $" + envName(s.key) + ")"
			}
			errs = append(errs, &KeyError{Key: s.fileKey, Err: fmt.Errorf("set together with %s; use one of them", other)})
			continue
		}
		b, err := os.ReadFile(*s.file)
		if err != nil {
			errs = append(errs, &KeyError{Key: s.fileKey, Err: err})
			continue
		}
		if s.fill(string(b)); !s.set() {
			errs = append(errs, &KeyError{Key: s.fileKey, Err: fmt.Errorf("%s is empty", *s.file)})
		}
	}
	return errors.Join(errs...)
}

// derive fills the values whose default depends on other keys.
func (c *Config) derive() {
	if c.Responder.IndexPath == "" && c.Store.Path != "" {
		c.Responder.IndexPath = filepath.Join(filepath.Dir(c.Store.Path), "faq.bleve")
	}
	if c.Desk.MessageIDDomain == "" && c.Desk.SupportAddress != "" {
		if a, err := mail.ParseAddress(c.Desk.SupportAddress); err == nil {
			if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
				c.Desk.MessageIDDomain = a.Address[i+1:]
			}
		}
	}
	for i := range c.Webhooks {
		c.Webhooks[i].defaults()
	}
	c.Web.BaseURL = strings.TrimRight(c.Web.BaseURL, "/")
	if len(c.Alerts.Severity) > 0 {
		// Severities are matched without case: the map is kept lower case.
		lower := make(map[string]string, len(c.Alerts.Severity))
		for k, v := range c.Alerts.Severity {
			lower[strings.ToLower(strings.TrimSpace(k))] = v
		}
		c.Alerts.Severity = lower
	}
	// A username with no auth mechanism means the common case, AUTH PLAIN;
	// resolving it here spares every caller the rule.
	if c.SMTP.Auth == AuthNone && c.SMTP.Username != "" {
		c.SMTP.Auth = AuthPlain
	}
	c.Web.derive()
}
