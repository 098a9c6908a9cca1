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
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. Its toml tags are the schema: the
// decoder, the environment overrides and the encoder all read them.
type Config struct {
	Store     Store     `toml:"store"`
	IMAP      IMAP      `toml:"imap"`
	SMTP      SMTP      `toml:"smtp"`
	Desk      Desk      `toml:"desk"`
	Rules     []Rule    `toml:"rules"`
	Limits    Limits    `toml:"limits"`
	Responder Responder `toml:"responder"`
	Templates Templates `toml:"templates"`
	Log       Log       `toml:"log"`
}

// Store is where the system of record lives.
type Store struct {
	Path string `toml:"path"` // SQLite file; the FAQ index lives beside it
}

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

	section string // "imap" or "smtp", so errors can name the key
}

// IMAP is the mailbox madoguchi reads.
type IMAP struct {
	Server
	Mailbox          string   `toml:"mailbox"`
	ProcessedMailbox string   `toml:"processed_mailbox"` // "" = mark \Seen and leave in place
	BatchSize        int      `toml:"batch_size"`
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
		Store: Store{Path: "data/madoguchi.db"},
		IMAP: IMAP{
			Server:       Server{Security: SecurityTLS, Auth: AuthLogin, section: "imap"},
			Mailbox:      "INBOX",
			BatchSize:    100,
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
			ReferencePrefixIncident: "INC",
			ReferencePrefixRequest:  "REQ",
			CloseAfter:              Duration{168 * hour},
			DefaultRules:            true,
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
		},
		Log: Log{Level: "info", Format: "text"},
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
	errs := []error{decodeRaw(c, raw)}
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
	for _, s := range []*Server{&m.IMAP.Server, &m.SMTP.Server} {
		if s.Password != "" {
			s.Password = MaskedValue
		}
	}
	return m
}

// TOML encodes the configuration as a file that [Parse] reads back to the
// same configuration. A password that came from password_file is left out:
// the file is named instead, so its contents are never written anywhere.
func (c *Config) TOML() ([]byte, error) {
	out := c.clone()
	for _, s := range []*Server{&out.IMAP.Server, &out.SMTP.Server} {
		if s.PasswordFile != "" {
			s.Password = ""
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

func (c *Config) clone() *Config {
	out := *c
	if c.Rules != nil {
		out.Rules = append([]Rule(nil), c.Rules...)
	}
	return &out
}

// resolvePaths makes the file's relative paths relative to its directory.
// It runs before the environment is applied: a path given in the
// environment is taken as it is, relative to the working directory.
func (c *Config) resolvePaths(baseDir string) {
	if baseDir == "" {
		return
	}
	for _, p := range []*string{
		&c.Store.Path,
		&c.IMAP.PasswordFile, &c.IMAP.TokenFile, &c.IMAP.CAFile,
		&c.SMTP.PasswordFile, &c.SMTP.TokenFile, &c.SMTP.CAFile,
		&c.Responder.IndexPath, &c.Templates.Dir,
	} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
}

// readSecretFiles fills password from password_file. Both set is refused
// rather than guessed at: one of them is stale.
func (c *Config) readSecretFiles() error {
	var errs []error
	for _, s := range []*Server{&c.IMAP.Server, &c.SMTP.Server} {
		if s.PasswordFile == "" {
			continue
		}
		key := s.key("password_file")
		if s.Password != "" {
			errs = append(errs, &KeyError{Key: key, Err: fmt.Errorf("set together with %s (or $%s); use one of them", s.key("password"), envName(s.key("password")))})
			continue
		}
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			errs = append(errs, &KeyError{Key: key, Err: err})
			continue
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			errs = append(errs, &KeyError{Key: key, Err: fmt.Errorf("%s is empty", s.PasswordFile)})
			continue
		}
		s.Password = Secret(pw)
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
	// A username with no auth mechanism means the common case, AUTH PLAIN;
	// resolving it here spares every caller the rule.
	if c.SMTP.Auth == AuthNone && c.SMTP.Username != "" {
		c.SMTP.Auth = AuthPlain
	}
}
