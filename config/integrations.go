package config

import (
	"crypto/tls"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// TicketURL is the console's page of the ticket ref, "" without base_url.
func (w Web) TicketURL(ref string) string {
	if w.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(w.BaseURL, "/") + "/tickets/" + url.PathEscape(ref)
}

// WebhookEvents are the events a webhook may ask for (webhook.Events;
// a test keeps the two in step).
var WebhookEvents = []string{"ticket.created", "ticket.escalated", "ticket.breached", "ticket.resolved", "ticket.closed", "faq.auto_answered"}

// WebhookFormats are the bodies a webhook may have.
var WebhookFormats = []string{"json", "slack", "teams"}

// Webhook is one outgoing webhook ([[webhooks]]): which events of which
// tickets go where, in which format, signed with which secret.
type Webhook struct {
	Name string `toml:"name"` // [A-Za-z0-9_-]{1,32}, unique: the deliveries name it
	// URL is where events are POSTed: https, or http to a loopback
	// address. A Slack or Teams URL is itself a credential, so it is
	// masked and never logged beyond its host; from url or url_file.
	URL     Secret `toml:"url"`
	URLFile string `toml:"url_file"`
	Format  string `toml:"format"` // json (default) | slack | teams
	// Events are the events it gets (WebhookEvents); none = all.
	Events []string `toml:"events"`
	// Priorities keeps only the events of tickets of these priorities
	// ("P1", "P2"); none = all.
	Priorities []string `toml:"priorities"`
	// Secret signs every request (X-Madoguchi-Signature); required for
	// format json, at least MinSecretBytes. From secret or secret_file.
	Secret     Secret `toml:"secret"`
	SecretFile string `toml:"secret_file"`
	// IncludeSubject puts the ticket's subject (the customer's words) in
	// the event; by default events carry none.
	IncludeSubject bool     `toml:"include_subject"`
	CAFile         string   `toml:"ca_file"`       // a private CA for the receiver's certificate, besides the system's
	Timeout        Duration `toml:"timeout"`       // one request; default 10s
	MaxAttempts    int      `toml:"max_attempts"`  // attempts the receiver answered; default 8
	RetryBase      Duration `toml:"retry_base"`    // default 30s
	RetryMax       Duration `toml:"retry_max"`     // default 1h
	GiveUpAfter    Duration `toml:"give_up_after"` // an event's life in the queue through failures; default 24h
}

// Webhook defaults, for the keys an element leaves out.
const (
	defaultWebhookTimeout     = 10 * time.Second
	defaultWebhookMaxAttempts = 8
	defaultWebhookRetryBase   = 30 * time.Second
	defaultWebhookRetryMax    = time.Hour
	defaultWebhookGiveUpAfter = 24 * time.Hour
)

func (w *Webhook) defaults() {
	if w.Format == "" {
		w.Format = "json"
	}
	set := func(d *Duration, def time.Duration) {
		if d.Duration == 0 {
			d.Duration = def
		}
	}
	set(&w.Timeout, defaultWebhookTimeout)
	set(&w.RetryBase, defaultWebhookRetryBase)
	set(&w.RetryMax, defaultWebhookRetryMax)
	set(&w.GiveUpAfter, defaultWebhookGiveUpAfter)
	if w.MaxAttempts == 0 {
		w.MaxAttempts = defaultWebhookMaxAttempts
	}
}

// TLSConfig is the client TLS configuration for the receiver: the system
// roots plus ca_file. key names the webhook in errors.
func (w Webhook) TLSConfig(key string) (*tls.Config, error) {
	return clientTLS(key+".ca_file", w.CAFile, "")
}

// Wants reports whether the webhook takes an event of kind about a ticket
// of priority.
func (w Webhook) Wants(event, priority string) bool {
	return (len(w.Events) == 0 || slices.Contains(w.Events, event)) &&
		(len(w.Priorities) == 0 || slices.Contains(w.Priorities, priority))
}

// CheckWebhookURL accepts an absolute https URL, or an http one to a
// loopback address: an event never crosses a network in clear. Its error
// shows no more of the URL than its scheme and host.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return fmt.Errorf("%s is not an absolute http(s) URL", redactURL(raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if err := RequireLoopback(u.Hostname()); err != nil {
			return fmt.Errorf("%s: plain http is allowed only to a loopback address (%w); use https", redactURL(raw), err)
		}
		return nil
	}
	return fmt.Errorf("%s: want https (or http to a loopback address)", redactURL(raw))
}

// redactURL is raw with its path and query cut: they may be a credential.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the URL"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		s += "/…"
	}
	return s
}

// Alerts turn monitoring alerts into incidents ([alerts]): the priority
// of each severity, where a service is named, and which mails are alerts.
type Alerts struct {
	// Severity maps a severity ("critical", the severity label of an
	// Alertmanager alert, the severity of a generic alert, of a mail
	// rule) to the priority of its incident. Names are matched without
	// case.
	Severity map[string]string `toml:"severity"`
	// DefaultPriority is the priority of an alert whose severity is
	// missing or not in the map.
	DefaultPriority string `toml:"default_priority"`
	// ServiceLabels are the labels that name the service an alert is
	// about, the first one an alert has wins.
	ServiceLabels []string    `toml:"service_labels"`
	Mail          []AlertMail `toml:"mail"`
}

// AlertMail is a rule that reads a monitoring system's mail as an alert
// ([[alerts.mail]]): a mail from a matching sender whose subject matches
// opens an incident, or is appended to the open one of its key, or
// resolves it, as an alert over HTTP does.
type AlertMail struct {
	Name string `toml:"name"` // names the rule in the record of each mail
	// From is a regexp on the sender's address (case ignored); "" = any.
	From string `toml:"from"`
	// Subject is a regexp on the subject; its group named "key" (else its
	// first group) is the alert's key. Groups named "severity" and
	// "service" are read too.
	Subject string `toml:"subject"`
	// Resolved is a regexp on the subject: a match says the alert is
	// over ("RECOVERY", "OK$"); "" = its mails never resolve.
	Resolved string `toml:"resolved"`
	// Severity is the severity of its alerts (a name of alerts.severity,
	// or a priority P1–P5) when the subject has no "severity" group; ""
	// = alerts.default_priority.
	Severity string `toml:"severity"`
	// Service names the service its alerts are about when the subject
	// has no "service" group.
	Service string `toml:"service"`
}

// defaultSeverity is the map of an empty [alerts.severity]: the severities
// Prometheus rules commonly use.
func defaultSeverity() map[string]string {
	return map[string]string{"critical": "P1", "error": "P2", "warning": "P3", "info": "P4"}
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func (c *Config) validateIntegrations(v *validator) {
	seen := map[string]string{}
	for i, w := range c.Webhooks {
		key := fmt.Sprintf("webhooks[%d]", i)
		v.name(key+".name", w.Name, seen, false)
		if w.URL == "" {
			v.add(key+".url", "required (or %s.url_file)", key)
		} else if err := CheckWebhookURL(w.URL.Reveal()); err != nil {
			v.errs = append(v.errs, &KeyError{Key: key + ".url", Err: err})
		}
		v.oneOf(key+".format", w.Format, WebhookFormats...)
		for j, e := range w.Events {
			v.oneOf(fmt.Sprintf("%s.events[%d]", key, j), e, WebhookEvents...)
		}
		for j, p := range w.Priorities {
			v.oneOf(fmt.Sprintf("%s.priorities[%d]", key, j), p, Priorities...)
		}
		switch n := len(w.Secret); {
		case n == 0 && w.Format == "json":
			v.add(key+".secret", "required for format json, so the receiver can verify what it gets (or %s.secret_file); at least %d bytes, e.g. the output of `openssl rand -hex 32`", key, MinSecretBytes)
		case n > 0 && n < MinSecretBytes:
			v.add(key+".secret", "is %d bytes; at least %d are needed", n, MinSecretBytes)
		}
		if t := w.Timeout.Duration; t < time.Second || t > 5*time.Minute {
			v.add(key+".timeout", "%s is not between 1s and 5m", w.Timeout)
		}
		v.intRange(key+".max_attempts", w.MaxAttempts, 1, 100)
		v.minDuration(key+".retry_base", w.RetryBase, time.Second)
		if w.RetryMax.Duration < w.RetryBase.Duration {
			v.add(key+".retry_max", "%s is less than %s.retry_base (%s)", w.RetryMax, key, w.RetryBase)
		}
		if w.GiveUpAfter.Duration < w.RetryMax.Duration {
			v.add(key+".give_up_after", "%s is less than %s.retry_max (%s): an event would be given up before its retries run out", w.GiveUpAfter, key, w.RetryMax)
		}
	}

	for sev, p := range c.Alerts.Severity {
		if strings.TrimSpace(sev) == "" {
			v.add("alerts.severity", "has an empty severity name")
		}
		v.oneOf("alerts.severity."+sev, p, Priorities...)
	}
	v.oneOf("alerts.default_priority", c.Alerts.DefaultPriority, Priorities...)
	for i, l := range c.Alerts.ServiceLabels {
		if !labelNameRE.MatchString(l) {
			v.add(fmt.Sprintf("alerts.service_labels[%d]", i), "%q is not a label name", l)
		}
	}
	names := map[string]string{}
	for i, r := range c.Alerts.Mail {
		key := fmt.Sprintf("alerts.mail[%d]", i)
		v.name(key+".name", r.Name, names, false)
		for _, p := range []struct{ name, re string }{{"from", r.From}, {"subject", r.Subject}, {"resolved", r.Resolved}} {
			if _, err := regexp.Compile(p.re); err != nil {
				v.errs = append(v.errs, &KeyError{Key: key + "." + p.name, Err: err})
			}
		}
		if r.Subject == "" {
			v.add(key+".subject", "required: a regexp whose group \"key\" (or first group) is the alert's key")
		} else if re, err := regexp.Compile(r.Subject); err == nil && re.NumSubexp() == 0 {
			v.add(key+".subject", "%q has no group: the alert's key is its group named \"key\" (or its first group)", r.Subject)
		}
		if s := r.Severity; s != "" && !slices.Contains(Priorities, s) && !c.Alerts.knownSeverity(s) {
			v.add(key+".severity", "%q is neither a name of alerts.severity (%s) nor a priority P1–P5", s, strings.Join(slices.Sorted(maps.Keys(c.Alerts.Severity)), ", "))
		}
	}
}

func (a Alerts) knownSeverity(s string) bool {
	for k := range a.Severity {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// requireIntegrations checks what run needs of the integrations: the CA
// files can be read.
func (c *Config) requireIntegrations(v *validator) {
	for i, w := range c.Webhooks {
		if w.CAFile != "" {
			if _, err := w.TLSConfig(fmt.Sprintf("webhooks[%d]", i)); err != nil {
				v.errs = append(v.errs, err)
			}
		}
	}
}
