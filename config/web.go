package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Web is the console ([web]): the browser side of the desk, served by
// `run` when Listen is set.
type Web struct {
	Listen string `toml:"listen"` // host:port to serve on; "" = no console
	// BaseURL is the console as a browser reaches it (through a reverse
	// proxy, say): the links in mail point there. "" = derived from Listen
	// (https with TLS).
	BaseURL         string   `toml:"base_url"`
	TLSCert         string   `toml:"tls_cert"`         // PEM certificate chain; with tls_key the console serves HTTPS itself
	TLSKey          string   `toml:"tls_key"`          // PEM private key
	Admins          []string `toml:"admins"`           // addresses that sign in as admins; agents are the tiers' agents
	SessionLifetime Duration `toml:"session_lifetime"` // a sign-in lasts this long
	// Viewers sign in like everyone and read the queue, the tickets and
	// the reports, acting on nothing: addresses, or "@domain" for every
	// address there (not its subdomains).
	Viewers []string `toml:"viewers"`
	// ViewersSeeNotes shows viewers the agents' internal notes and their
	// mail to the tiers; by default they read the ticket without them.
	ViewersSeeNotes bool `toml:"viewers_see_notes"`
	// ProxyHeader names the header a reverse proxy puts the client's
	// address in (X-Forwarded-For, X-Real-IP), for the per-client limits;
	// "" takes the connection's address. Set it only behind a proxy that
	// overwrites the header: otherwise a client can claim any address.
	ProxyHeader string `toml:"proxy_header"`
}

// Reports are the figures mailed to the admins ([reports]).
type Reports struct {
	Digest string `toml:"digest"` // "" | "daily" | "weekly": the digest mailed to web.admins
}

// Metrics is where /metrics is served beside the console's listener
// ([metrics]).
type Metrics struct {
	// Listen is host:port of a listener of its own serving /metrics,
	// /healthz and /readyz to whoever reaches it, without a token: for a
	// Prometheus on the operators' network. "" = none (the console's
	// listener serves /metrics to a token of scope metrics).
	Listen string `toml:"listen"`
}

// Digest periods.
const (
	DigestOff    = ""
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// Secure reports whether the console is reached over HTTPS (its own TLS,
// or a proxy's, as base_url says): its cookies are then Secure.
func (w Web) Secure() bool {
	return w.TLSCert != "" || strings.HasPrefix(strings.ToLower(w.BaseURL), "https://")
}

// derive fills base_url from listen when it can: a browser cannot reach
// 0.0.0.0, so an unspecified host leaves it to the admin (and validation
// says so).
func (w *Web) derive() {
	w.BaseURL = strings.TrimRight(w.BaseURL, "/")
	if w.BaseURL != "" || w.Listen == "" {
		return
	}
	host, port, err := net.SplitHostPort(w.Listen)
	if err != nil || host == "" {
		return
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return
	}
	scheme := "http"
	if w.TLSCert != "" {
		scheme = "https"
	}
	w.BaseURL = scheme + "://" + net.JoinHostPort(host, port)
}

// maxSession bounds web.session_lifetime: a link in a mail box stays a
// door; a session that never ends keeps it open.
const maxSession = 90 * 24 * time.Hour

func (c *Config) validateWeb(v *validator) {
	w := c.Web
	if w.Listen != "" {
		if err := checkHostPort(w.Listen); err != nil {
			v.errs = append(v.errs, &KeyError{Key: "web.listen", Err: err})
		}
	}
	if w.BaseURL != "" {
		u, err := url.Parse(w.BaseURL)
		switch {
		case err != nil:
			v.errs = append(v.errs, &KeyError{Key: "web.base_url", Err: err})
		case u.Scheme != "http" && u.Scheme != "https":
			v.add("web.base_url", "%q is not an http:// or https:// URL", w.BaseURL)
		case u.Host == "":
			v.add("web.base_url", "%q has no host", w.BaseURL)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			v.add("web.base_url", "%q must have no user, query or fragment: the console's links are built on it", w.BaseURL)
		}
	} else if w.Listen != "" && checkHostPort(w.Listen) == nil {
		v.add("web.base_url", "required when web.listen (%q) names no host a browser can reach: set the console's address, e.g. \"https://desk.example.com\"", w.Listen)
	}
	if (w.TLSCert == "") != (w.TLSKey == "") {
		v.add("web.tls_key", "web.tls_cert and web.tls_key go together: set both (HTTPS) or neither (plain HTTP, or TLS at a reverse proxy)")
	}
	if w.Listen != "" && w.TLSCert == "" && !strings.HasPrefix(w.BaseURL, "https://") && checkHostPort(w.Listen) == nil {
		host, _, _ := net.SplitHostPort(w.Listen)
		if err := RequireLoopback(host); err != nil {
			v.add("web.listen", "plain HTTP is served only on a loopback address (%v): set web.tls_cert and web.tls_key, or serve on 127.0.0.1 behind a reverse proxy with TLS and set web.base_url to its https:// address", err)
		}
	}
	for i, a := range w.Admins {
		c.tierAddress(v, fmt.Sprintf("web.admins[%d]", i), a)
	}
	for i, a := range w.Viewers {
		key := fmt.Sprintf("web.viewers[%d]", i)
		if domain, ok := strings.CutPrefix(strings.TrimSpace(a), "@"); ok {
			if domain == "" || strings.ContainsAny(domain, "@ \t<>,;") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || !strings.Contains(domain, ".") {
				v.add(key, "%q is not \"@\" and a domain (\"@corp.example\")", a)
			}
			continue
		}
		c.tierAddress(v, key, a)
	}
	switch d := w.SessionLifetime.Duration; {
	case d < 5*time.Minute:
		v.add("web.session_lifetime", "%s is less than 5m", w.SessionLifetime)
	case d > maxSession:
		v.add("web.session_lifetime", "%s is more than %s", w.SessionLifetime, Duration{maxSession})
	}
	v.oneOf("web.proxy_header", w.ProxyHeader, "", "X-Forwarded-For", "X-Real-IP")
	if l := c.Metrics.Listen; l != "" {
		if err := checkHostPort(l); err != nil {
			v.errs = append(v.errs, &KeyError{Key: "metrics.listen", Err: err})
		} else if l == w.Listen {
			v.add("metrics.listen", "%q is web.listen too: give the metrics a listener of their own, or leave metrics.listen empty and scrape the console's /metrics with a token of scope metrics", l)
		}
	}
	v.oneOf("reports.digest", c.Reports.Digest, DigestOff, DigestDaily, DigestWeekly)
	if c.Reports.Digest != DigestOff && len(w.Admins) == 0 {
		v.add("reports.digest", "%q mails the admins, but web.admins is empty", c.Reports.Digest)
	}
}

// requireRun checks what serving the console needs beyond the forms:
// the certificate and key load.
func (w Web) requireRun(v *validator) {
	if w.Listen == "" || w.TLSCert == "" || w.TLSKey == "" {
		return
	}
	if _, err := tls.LoadX509KeyPair(w.TLSCert, w.TLSKey); err != nil {
		v.errs = append(v.errs, &KeyError{Key: "web.tls_cert", Err: err})
	}
}

// RequireWeb checks what the console's sign-in links need: an address to
// point them at.
func (c *Config) RequireWeb() error {
	v := &validator{}
	if c.Web.BaseURL == "" {
		v.add("web.base_url", "required for sign-in links (or web.listen on a host a browser can reach)")
	}
	return v.err()
}
