package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Validate checks every key that is set: forms, enums, ranges, and how keys
// go together. It does not require the keys only `run` needs (see
// [Config.RequireRun]), so that `tickets list` works from a config that has
// no mail server in it. All problems are reported, one a line.
func (c *Config) Validate() error {
	v := &validator{}

	c.Store.validate(v)

	c.IMAP.validate(v)
	c.validateMailboxes(v)

	c.SMTP.Server.validate(v, []string{AuthNone, AuthPlain, AuthLogin, AuthXOAUTH2})
	v.address("smtp.from", c.SMTP.From)
	v.minDuration("smtp.timeout", c.SMTP.Timeout, time.Second)
	v.intRange("smtp.max_attempts", c.SMTP.MaxAttempts, 1, 100)
	v.minDuration("smtp.retry_base", c.SMTP.RetryBase, time.Second)
	if c.SMTP.RetryMax.Duration < c.SMTP.RetryBase.Duration {
		v.add("smtp.retry_max", "%s is less than smtp.retry_base (%s)", c.SMTP.RetryMax, c.SMTP.RetryBase)
	}
	if c.SMTP.GiveUpAfter.Duration < c.SMTP.RetryMax.Duration {
		v.add("smtp.give_up_after", "%s is less than smtp.retry_max (%s): a mail would be given up before its retries run out", c.SMTP.GiveUpAfter, c.SMTP.RetryMax)
	}

	v.address("desk.support_address", c.Desk.SupportAddress)
	v.oneOf("desk.language", c.Desk.Language, "en", "ja")
	v.oneOf("desk.tone", c.Desk.Tone, ToneExternal, ToneInternal)
	if d := c.Desk.MessageIDDomain; d != "" && !validDomain(d) {
		v.add("desk.message_id_domain", "%q is not a domain name", d)
	}
	v.intRange("desk.auto_reply_sender_limit", c.Desk.AutoReplySenderLimit, 0, math.MaxInt32)
	v.intRange("desk.auto_reply_ticket_limit", c.Desk.AutoReplyTicketLimit, 0, math.MaxInt32)
	v.minDuration("desk.auto_reply_window", c.Desk.AutoReplyWindow, time.Second)
	v.intRange("desk.relay_limit", c.Desk.RelayLimit, 1, math.MaxInt32)
	v.intRange("desk.tier_mail_limit", c.Desk.TierMailLimit, 1, math.MaxInt32)
	v.intRange("desk.agent_error_limit", c.Desk.AgentErrorLimit, 0, math.MaxInt32)
	if w := c.Desk.RobotReplyWithin.Duration; w < 0 || w > 10*time.Minute {
		v.add("desk.robot_reply_within", "%s is not between 0s (never) and 10m: a person may well answer within minutes", c.Desk.RobotReplyWithin)
	}
	if w := c.Desk.MajorWindow.Duration; w < time.Minute || w > 7*24*time.Hour {
		v.add("desk.major_window", "%s is not between 1m and 7d: new mail attaches to a major incident for this long", c.Desk.MajorWindow)
	}
	v.prefix("desk.reference_prefix_incident", c.Desk.ReferencePrefixIncident)
	v.prefix("desk.reference_prefix_request", c.Desk.ReferencePrefixRequest)
	if c.Desk.ReferencePrefixIncident != "" && c.Desk.ReferencePrefixIncident == c.Desk.ReferencePrefixRequest {
		v.add("desk.reference_prefix_request", "is the same as desk.reference_prefix_incident (%q): references would not tell incidents from requests", c.Desk.ReferencePrefixRequest)
	}
	v.minDuration("desk.close_after", c.Desk.CloseAfter, time.Second)
	if n := len(c.Desk.Secret); n > 0 && n < MinSecretBytes {
		// The length only: the value is never shown.
		v.add("desk.secret", "is %d bytes; at least %d are needed (e.g. the output of `openssl rand -hex 32`)", n, MinSecretBytes)
	}
	for i, p := range c.Desk.PreviousSecrets {
		key := fmt.Sprintf("desk.previous_secrets[%d]", i)
		switch {
		case len(p) < MinSecretBytes:
			v.add(key, "is %d bytes; at least %d are needed", len(p), MinSecretBytes)
		case p == c.Desk.Secret:
			v.add(key, "is desk.secret itself; list only the secrets desk.secret replaced")
		}
	}
	if until, err := parseDeadline(c.Desk.PreviousSecretsUntil); err != nil {
		v.errs = append(v.errs, &KeyError{Key: "desk.previous_secrets_until", Err: err})
	} else if len(c.Desk.PreviousSecrets) > 0 && until.IsZero() {
		v.add("desk.previous_secrets_until", "required with desk.previous_secrets: the end of the grace period in which they verify old reply tokens (YYYY-MM-DD or an RFC 3339 instant)")
	}
	if id := c.Desk.TrustedAuthservID; id != "" && !isToken(id) {
		v.add("desk.trusted_authserv_id", "%q is not an authserv-id (a host name such as mx.example.com, no spaces or ;)", id)
	}

	c.Desk.validateWords(v)
	if c.Desk.Timezone != "" {
		loadZone(v, "desk.timezone", c.Desk.Timezone)
	}

	v.intRange64("escalation.attach_max_bytes", c.Escalation.AttachMaxBytes, 0, math.MaxInt64)
	v.minDuration("escalation.tier_bounce_window", c.Escalation.TierBounceWindow, time.Minute)
	if o := c.Escalation.OnCall; o != "" && (strings.ContainsFunc(o, unicode.IsControl) || utf8.RuneCountInString(o) > MaxOnCallRunes) {
		v.add("escalation.on_call", "must be one line of at most %d characters (who answers urgent requests outside the hours, and how to reach them)", MaxOnCallRunes)
	}
	hours, _ := c.SLA.Hours.Parse() // its errors are reported by SLA.validate
	c.validateTiers(v, hours)

	c.SLA.validate(v, hours)

	for i, r := range c.Rules {
		r.validate(v, fmt.Sprintf("rules[%d]", i))
	}

	v.intRange64("limits.max_message_bytes", c.Limits.MaxMessageBytes, 1024, math.MaxInt64)
	v.intRange("limits.max_parts", c.Limits.MaxParts, 1, math.MaxInt32)
	v.intRange("limits.max_depth", c.Limits.MaxDepth, 1, 1000)

	v.unit("responder.auto_send_confidence", c.Responder.AutoSendConfidence)
	v.unit("responder.learned_auto_confidence", c.Responder.LearnedAutoConfidence)
	v.unit("responder.suggest_confidence", c.Responder.SuggestConfidence)
	if c.Responder.SuggestConfidence > c.Responder.AutoSendConfidence {
		v.add("responder.suggest_confidence", "%g is greater than responder.auto_send_confidence (%g)", c.Responder.SuggestConfidence, c.Responder.AutoSendConfidence)
	}
	if c.Responder.SuggestConfidence > c.Responder.LearnedAutoConfidence {
		v.add("responder.suggest_confidence", "%g is greater than responder.learned_auto_confidence (%g)", c.Responder.SuggestConfidence, c.Responder.LearnedAutoConfidence)
	}
	v.unit("responder.min_margin", c.Responder.MinMargin)
	v.unit("responder.max_unhelpful_ratio", c.Responder.MaxUnhelpfulRatio)
	v.intRange("responder.min_votes", c.Responder.MinVotes, 1, math.MaxInt32)
	v.minDuration("responder.confirm_after", c.Responder.ConfirmAfter, time.Second)
	v.intRange("responder.max_candidates", c.Responder.MaxCandidates, 1, 100)

	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "text", "json")

	c.validateWeb(v)
	c.validateIntegrations(v)

	return v.err()
}

// RequireRun checks what `run` (and `check-config`) need on top of
// [Config.Validate]: the mail servers, the credentials to log in, our own
// address, and that the files named for TLS and templates can be read. It
// names every missing key.
func (c *Config) RequireRun() error {
	v := &validator{}
	if c.Shorthand() {
		v.required("imap.address", c.IMAP.Address)
		v.required("imap.username", c.IMAP.Username)
		c.IMAP.requireCredentials(v)
	}
	c.requireMailboxes(v)
	v.required("smtp.address", c.SMTP.Address)
	if c.Shorthand() {
		// With [[mailboxes]] each mailbox's mail is From its own address.
		v.required("smtp.from", c.SMTP.From)
	}
	if c.SMTP.Auth != AuthNone {
		v.required("smtp.username", c.SMTP.Username)
		c.SMTP.requireCredentials(v)
	}
	if c.Shorthand() {
		v.required("desk.support_address", c.Desk.SupportAddress)
	}
	if len(c.Escalation.Tiers) > 0 && c.Desk.Secret == "" {
		v.add("desk.secret", "required for run when escalation.tiers are set, to sign reply tokens (or desk.secret_file, or $%s); at least %d bytes", envName("desk.secret"), MinSecretBytes)
	}
	servers := []Server{c.SMTP.Server}
	if c.Shorthand() {
		servers = append(servers, c.IMAP.Server) // each mailbox's: requireMailboxes
	}
	for _, s := range servers {
		if s.CAFile != "" {
			if _, err := s.TLSConfig(); err != nil {
				v.errs = append(v.errs, err)
			}
		}
	}
	c.Web.requireRun(v)
	c.requireIntegrations(v)
	if d := c.Templates.Dir; d != "" {
		if fi, err := os.Stat(d); err != nil {
			v.errs = append(v.errs, &KeyError{Key: "templates.dir", Err: err})
		} else if !fi.IsDir() {
			v.add("templates.dir", "%s is not a directory", d)
		}
	}
	return v.err()
}

// validate checks the keys of [imap], or of one of [[mailboxes]].
func (m IMAP) validate(v *validator) {
	m.Server.validate(v, []string{AuthLogin, AuthPlain, AuthXOAUTH2})
	v.required(m.key("mailbox"), m.Mailbox)
	if m.ProcessedMailbox != "" && m.ProcessedMailbox == m.Mailbox {
		v.add(m.key("processed_mailbox"), "is the same as %s %q; leave it empty to only mark mail \\Seen", m.key("mailbox"), m.Mailbox)
	}
	v.intRange(m.key("batch_size"), m.BatchSize, 1, 1000)
	v.intRange64(m.key("batch_bytes"), m.BatchBytes, 1<<20, math.MaxInt64)
	v.minDuration(m.key("poll_interval"), m.PollInterval, time.Second)
}

func (s Server) validate(v *validator, auths []string) {
	if s.Address != "" {
		if err := checkHostPort(s.Address); err != nil {
			v.errs = append(v.errs, &KeyError{Key: s.key("address"), Err: err})
		}
	}
	v.oneOf(s.key("security"), s.Security, SecurityTLS, SecurityStartTLS, SecurityInsecure)
	if s.Security == SecurityInsecure && s.Address != "" && checkHostPort(s.Address) == nil {
		if err := RequireLoopback(s.Host()); err != nil {
			v.add(s.key("security"), "insecure (plain text) is allowed only to a loopback address (%v): use tls or starttls", err)
		}
	}
	v.oneOf(s.key("auth"), s.Auth, auths...)
	if s.TokenFile != "" && s.TokenCommand != "" {
		v.add(s.key("token_command"), "set together with %s; use one of them", s.key("token_file"))
	}
	if s.Auth != AuthXOAUTH2 {
		for _, k := range []struct{ key, val string }{{"token_file", s.TokenFile}, {"token_command", s.TokenCommand}} {
			if k.val != "" {
				v.add(s.key(k.key), "is set but %s is %q; it is used only with xoauth2", s.key("auth"), s.Auth)
			}
		}
	}
}

func (s Server) requireCredentials(v *validator) {
	if s.Auth == AuthXOAUTH2 {
		if s.TokenFile == "" && s.TokenCommand == "" {
			v.add(s.key("token_file"), "required for run with xoauth2 (or %s)", s.key("token_command"))
		}
		return
	}
	if s.Password == "" {
		if strings.HasPrefix(s.section, "mailboxes[") {
			// [[mailboxes]] come from the file alone.
			v.add(s.key("password"), "required for run (or %s)", s.key("password_file"))
			return
		}
		v.add(s.key("password"), "required for run (or %s, or $%s)", s.key("password_file"), envName(s.key("password")))
	}
}

func (r Rule) validate(v *validator, key string) {
	v.required(key+".field", r.Field)
	if r.Field != "" {
		v.oneOf(key+".field", r.Field, "subject", "body", "from", "any")
	}
	v.required(key+".pattern", r.Pattern)
	if _, err := regexp.Compile(r.Pattern); err != nil {
		v.errs = append(v.errs, &KeyError{Key: key + ".pattern", Err: err})
	}
	v.oneOf(key+".type", r.Type, "", "incident", "service_request")
	v.oneOf(key+".impact", r.Impact, "", "high", "medium", "low")
	v.oneOf(key+".urgency", r.Urgency, "", "high", "medium", "low")
	if r.Type == "" && r.Impact == "" && r.Urgency == "" {
		v.add(key, "sets none of type, impact, urgency: the rule would do nothing")
	}
}

var tierNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func (c *Config) validateTiers(v *validator, hours BusinessHours) {
	seen := map[string]string{} // lower-case name → key of the tier that has it
	for i, t := range c.Escalation.Tiers {
		key := fmt.Sprintf("escalation.tiers[%d]", i)
		v.name(key+".name", t.Name, seen, true)
		for _, list := range []struct {
			name  string
			addrs []string
		}{{"notify", t.Notify}, {"agents", t.Agents}} {
			if len(list.addrs) == 0 {
				v.add(key+"."+list.name, "required: at least one address")
			}
			for j, a := range list.addrs {
				c.tierAddress(v, fmt.Sprintf("%s.%s[%d]", key, list.name, j), a)
			}
		}
		if t.EscalateAfter.Length(hours) < 0 {
			v.add(key+".escalate_after", "%s is negative; 0 (or \"0s\") means never by time", t.EscalateAfter)
		}
		checkBusinessTime(v, key+".escalate_after", t.EscalateAfter, hours)
	}
}

// tierAddress checks one address of a tier: a mail address, and not our
// own (a notice to it would come back to the mailbox madoguchi reads).
func (c *Config) tierAddress(v *validator, key, val string) {
	a, err := mail.ParseAddress(val)
	if err != nil {
		if val == "" {
			v.add(key, "empty; want a mail address")
			return
		}
		v.errs = append(v.errs, &KeyError{Key: key, Err: fmt.Errorf("%q is not a mail address: %w", val, err)})
		return
	}
	if own, err := mail.ParseAddress(c.Desk.SupportAddress); err == nil && sameMailbox(a.Address, own.Address) {
		v.add(key, "%q is desk.support_address: mail to it would come back to madoguchi", val)
	}
	for i, m := range c.Mailboxes {
		if own, err := mail.ParseAddress(m.SupportAddress); err == nil && sameMailbox(a.Address, own.Address) {
			v.add(key, "%q is %s.support_address: mail to it would come back to madoguchi", val, mailboxSection(i))
		}
	}
}

// sameMailbox reports whether a is b or a plus address of it
// (support+x@example.com is support@example.com).
func sameMailbox(a, b string) bool {
	la, da, _ := strings.Cut(strings.ToLower(a), "@")
	lb, db, _ := strings.Cut(strings.ToLower(b), "@")
	if base, _, ok := strings.Cut(la, "+"); ok {
		la = base
	}
	return da == db && la == lb
}

// maxTarget bounds an SLA target: business time beyond a year is a typo,
// and keeps the calendar's search short.
const maxTarget = 365 * 24 * time.Hour

func (s SLA) validate(v *validator, hours BusinessHours) {
	for _, p := range Priorities {
		t, key := s.Target(p), "sla."+p
		for _, d := range []struct {
			name string
			val  BusinessTime
		}{{"respond", t.Respond}, {"resolve", t.Resolve}} {
			switch n := d.val.Length(hours); {
			case n < time.Second:
				v.add(key+"."+d.name, "%s is less than 1s", d.val)
			case n > maxTarget:
				v.add(key+"."+d.name, "%s is more than a year (%s)", d.val, Duration{maxTarget}.human())
			}
			checkBusinessTime(v, key+"."+d.name, d.val, hours)
		}
		if t.Respond.Length(hours) > t.Resolve.Length(hours) {
			v.add(key+".respond", "%s is more than %s.resolve (%s)", t.Respond, key, t.Resolve)
		}
	}
	if _, err := s.Hours.Parse(); err != nil {
		v.errs = append(v.errs, err)
	}
}

// isToken reports whether s is an RFC 2045 token: printable ASCII with no
// space and none of ()<>@,;:\"/[]?=.
func isToken(s string) bool {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?=`, r) {
			return false
		}
	}
	return s != ""
}

// name checks the name of an element of an array of tables (a tier, a
// webhook): set, 1 to 32 letters, digits, _ or -, and not another's
// (seen: name → key of the element that has it; fold: compared without
// case).
func (v *validator) name(key, name string, seen map[string]string, fold bool) {
	id, without := name, ""
	if fold {
		id, without = strings.ToLower(name), " (names are compared without case)"
	}
	switch {
	case name == "":
		v.add(key, "required")
	case !tierNameRE.MatchString(name):
		v.add(key, "%q must be 1 to 32 letters, digits, _ or -", name)
	case seen[id] != "":
		v.add(key, "%q is already the name of %s%s", name, seen[id], without)
	default:
		seen[id] = strings.TrimSuffix(key, ".name")
	}
}

// validator collects every problem instead of stopping at the first.
type validator struct{ errs []error }

func (v *validator) err() error { return errors.Join(v.errs...) }

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &KeyError{Key: key, Err: fmt.Errorf(format, args...)})
}

func (v *validator) required(key, val string) {
	if val == "" {
		v.add(key, "required")
	}
}

func (v *validator) oneOf(key, val string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = a
		if a == "" {
			names[i] = `""`
		}
	}
	v.add(key, "%q is not one of %s", val, strings.Join(names, ", "))
}

func (v *validator) intRange(key string, n, lo, hi int) {
	v.intRange64(key, int64(n), int64(lo), int64(hi))
}

func (v *validator) intRange64(key string, n, lo, hi int64) {
	switch {
	case n < lo && hi >= math.MaxInt32:
		v.add(key, "%d is less than %d", n, lo)
	case n < lo || n > hi:
		v.add(key, "%d is not within %d..%d", n, lo, hi)
	}
}

// unit checks a ratio or confidence; NaN fails too.
func (v *validator) unit(key string, x float64) {
	if !(x >= 0 && x <= 1) {
		v.add(key, "%g is not within [0, 1]", x)
	}
}

func (v *validator) minDuration(key string, d Duration, lo time.Duration) {
	if d.Duration < lo {
		v.add(key, "%s is less than %s", d, Duration{lo})
	}
}

// address checks a mail address as net/mail reads it ("Name <a@b>" or a@b).
func (v *validator) address(key, val string) {
	if val == "" {
		return
	}
	if _, err := mail.ParseAddress(val); err != nil {
		v.errs = append(v.errs, &KeyError{Key: key, Err: fmt.Errorf("%q is not a mail address: %w", val, err)})
	}
}

var prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`)

// prefix checks a ticket reference prefix: it is matched back out of
// subjects, so it stays to upper-case letters and digits.
func (v *validator) prefix(key, val string) {
	if !prefixRE.MatchString(val) {
		v.add(key, "%q must be 1 to 10 upper-case letters or digits, starting with a letter", val)
	}
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number within 1..65535", addr, port)
	}
	return nil
}

func validDomain(d string) bool {
	if len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// validate checks [store]: the driver, and what it needs.
func (s Store) validate(v *validator) {
	v.oneOf("store.driver", s.Driver, StoreSQLite, StorePostgres)
	switch s.Driver {
	case StoreSQLite:
		v.required("store.path", s.Path)
		if s.DSN != "" {
			v.add("store.dsn", "is for driver = %q; store.driver is %q", StorePostgres, StoreSQLite)
		}
	case StorePostgres:
		dsn := s.DSN.Reveal()
		switch {
		case dsn == "":
			v.add("store.dsn", "is required with driver = %q (or store.dsn_file, or $MADOGUCHI_STORE_DSN): e.g. postgres://madoguchi@db.example.com/madoguchi", StorePostgres)
		case !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") && !strings.Contains(dsn, "="):
			// Never the value itself: it may hold the password.
			v.add("store.dsn", "is neither a postgres:// URL nor key=value settings")
		}
		v.intRange("store.max_conns", s.MaxConns, 1, 1000)
	}
}
