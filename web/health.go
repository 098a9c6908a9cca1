package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
)

// This file is what operations ask of the gateway: /healthz (the process
// answers), /readyz (the store takes a write, each mailbox was polled
// within its interval, the relay is within reach), and /metrics: on the
// console's listener behind a token of scope metrics, and on a listener
// of its own ([metrics] listen) open to whoever reaches it, with the
// health checks beside it.

// Check is one part of the gateway /readyz asks about; the store is
// always asked.
type Check struct {
	Name  string       // "mailbox default", "relay"
	Ready func() error // nil when ready; else why not, in words for an operator
}

// readyTimeout bounds the store's check: a writer held longer than this
// is a store that does not take writes now.
const readyTimeout = 3 * time.Second

type health struct {
	Status string        `json:"status"`           // ok | ready | not_ready
	Reason string        `json:"reason,omitempty"` // not_ready: every failed check's reason
	Checks []checkResult `json:"checks,omitempty"`
}

type checkResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// healthz answers that the process serves: nothing else is asked, so a
// supervisor restarts only what is hung. "ok" in plain text, as it
// always answered, or as JSON to a client that asks for it.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, health{Status: "ok"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz asks every check and answers 200 when all pass, else 503 with
// the reasons.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	out := health{Status: "ready"}
	var reasons []string
	add := func(name string, err error) {
		c := checkResult{Name: name, OK: err == nil}
		if err != nil {
			c.Reason = err.Error()
			reasons = append(reasons, name+": "+c.Reason)
		}
		out.Checks = append(out.Checks, c)
	}
	err := s.desk.CheckStore(ctx)
	if err != nil {
		s.log.Warn("readiness: the store takes no write", "err", err)
		err = errors.New("the store takes no write (the gateway's log says why)")
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("the store took no write within %s", readyTimeout)
		}
	}
	add("store", err)
	for _, c := range s.opts.Checks {
		add(c.Name, c.Ready())
	}
	status := http.StatusOK
	if len(reasons) > 0 {
		out.Status, out.Reason, status = "not_ready", strings.Join(reasons, "; "), http.StatusServiceUnavailable
	}
	writeJSON(w, status, out)
}

// opsRoutes are what the [metrics] listener serves: the metrics without
// a token, for a Prometheus on the operators' network, and the health
// checks.
func (s *Server) opsRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.opts.Metrics != nil {
		mux.Handle("GET /metrics", s.opts.Metrics)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{apiErrorBody{Code: codeNotFound, Message: "this listener serves /metrics, /healthz and /readyz"}})
	})
	return s.withLog(mux)
}

// OpsHandler is the handler of the [metrics] listener.
func (s *Server) OpsHandler() http.Handler { return s.opsRoutes() }

// ServeOps serves OpsHandler on ln until ctx ends ([metrics] listen).
func (s *Server) ServeOps(ctx context.Context, ln net.Listener) error {
	s.log.Info("metrics serving", "listen", ln.Addr().String())
	if err := serveUntil(ctx, s.httpServer(s.opsRoutes(), 16<<10), ln); err != nil {
		return fmt.Errorf("web: metrics listener: %w", err)
	}
	return nil
}

// metrics is /metrics on the console's listener: a token that allows
// desk.ScopeMetrics (metrics, read, write), so a console open to the staff
// shows the gateway's figures to no one without one.
func (s *Server) metrics() http.HandlerFunc {
	return s.bearer(desk.ScopeMetrics, s.opts.Metrics.ServeHTTP)
}
