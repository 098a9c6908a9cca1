// Package web is the console: the queue, ticket threads, FAQ curation and
// reports in a browser, served by `madoguchi run`. Pages render on the
// server (html/template, embedded with their CSS and the two vendored
// scripts, htmx and Chart.js); every action goes through the desk, the one
// service layer behind mail, terminal and console, with the signed-in
// address as its actor. The package knows no SQL.
//
// People sign in with a one-time link mailed to them; sessions live in the
// store by hash. Every state-changing request is a POST refused across
// origins (http.CrossOriginProtection), every response carries a strict
// Content-Security-Policy (no inline script) and the other security
// headers, and mail content is escaped everywhere (html/template), served
// as downloads when it is a file.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/desk"
)

// Options configure the console; zero fields take defaults.
type Options struct {
	Listen  string // host:port
	BaseURL string // the console as browsers reach it; its scheme decides Secure cookies
	TLSCert string // with TLSKey: serve HTTPS
	TLSKey  string
	// ProxyHeader names the header a reverse proxy puts the client's
	// address in, for the per-client limits; "" = the connection's.
	ProxyHeader string
	Location    *time.Location // the zone of the times shown; nil = UTC
	// Settings is the configuration the settings page shows, secrets
	// masked (config.Config.Masked); nil shows none.
	Settings *config.Config
	Version  string
	// Metrics serves /metrics (metrics.Metrics.Handler): on the console's
	// listener to a token that allows desk.ScopeMetrics, on ServeOps's to
	// anyone; nil = no /metrics.
	Metrics http.Handler
	// Checks are what /readyz asks beside the store: each mailbox, the
	// relay.
	Checks []Check
	// AlertServiceLabels are the labels naming an alert's service, for
	// the inbound hooks (config: alerts.service_labels); nil = the
	// decoders' defaults.
	AlertServiceLabels []string
	Now                func() time.Time // the rate limiters' clock; nil = time.Now
	Log                *slog.Logger     // nil = discard
}

// Server is the console.
type Server struct {
	opts    Options
	desk    *desk.Desk
	log     *slog.Logger
	secure  bool
	pages   map[string]*template.Template
	handler http.Handler
	limits  *limiter
}

// New builds the console over d.
func New(opts Options, d *desk.Desk) (*Server, error) {
	if d == nil {
		return nil, errors.New("web: a desk is required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, desk: d, log: opts.Log, secure: config.Web{BaseURL: opts.BaseURL, TLSCert: opts.TLSCert}.Secure(),
		limits: newLimiter(opts.Now)}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler is the console's whole HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// janitorEvery is how often expired links and sessions are purged.
const janitorEvery = 5 * time.Minute

// Run serves on Options.Listen until ctx ends, then shuts down, giving
// requests in flight a few seconds.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("web: listening on %s: %w", s.opts.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends. It owns the janitor that purges dead
// sign-in links and sessions, and waits for it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer(s.handler, 64<<10)
	if s.opts.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.opts.TLSCert, s.opts.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("web: loading web.tls_cert and web.tls_key: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(janitorEvery)
		defer t.Stop()
		for {
			if err := s.desk.PurgeSignIns(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("purging dead sign-in links and sessions failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	s.log.Info("console serving", "listen", ln.Addr().String(), "url", s.opts.BaseURL)
	err := serveUntil(ctx, srv, ln)
	cancel()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	s.log.Info("console stopped")
	return nil
}

// httpServer is a server of h with the timeouts every listener of ours
// has.
func (s *Server) httpServer(h http.Handler, maxHeaderBytes int) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// serveUntil serves srv on ln until ctx ends, then shuts it down, giving
// requests in flight a few seconds; a server that stopped by itself
// returns its error.
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(shut)
		cancel()
		<-errc
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
