package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
)

// This file is what every request passes through: the security headers,
// the cross-origin check of every state-changing request, recovery and
// logging; and the guards of the pages that need a session or a role.

// withHeaders sets the security headers of every response (pages, files,
// errors, redirects); a download narrows the Content-Security-Policy
// further.
func (s *Server) withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// withCrossOrigin refuses a state-changing request from another origin
// (Go's CrossOriginProtection: Sec-Fetch-Site, else Origin against Host)
// with a 403 page: another site cannot make a signed-in browser post.
// The JSON API and the hooks are let through: they take a bearer token
// and no cookie, which a browser never sends by itself (api.go).
func (s *Server) withCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern(apiPrefix + "/")
	cop.AddInsecureBypassPattern("/hooks/")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"),
			"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.fail(w, r, http.StatusForbidden, "error.forbidden", "error.cross_origin")
	}))
	return cop.Handler(next)
}

// statusWriter remembers the status a handler wrote, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// withLog logs each request by its route pattern, never its path: a
// sign-in link's token is in its path and must not reach a log. A panic
// in a handler is logged and answered 500.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("console handler panicked", "route", r.Pattern, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			s.log.Debug("request", "method", r.Method, "route", r.Pattern, "status", sw.status, "took", time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

type ctxKey int

const sessionKey ctxKey = iota

// sessionOf is the request's session; nil when not signed in.
func sessionOf(r *http.Request) *desk.Session {
	s, _ := r.Context().Value(sessionKey).(*desk.Session)
	return s
}

// session reads the session cookie; nil when there is none or it is no
// longer valid.
func (s *Server) session(r *http.Request) (*desk.Session, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil, nil
	}
	sess, err := s.desk.Session(r.Context(), c.Value)
	if errors.Is(err, desk.ErrNoSession) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// signedIn serves h to a signed-in person whose role may (one of
// desk.Role's May… rules): anyone else is sent to sign in (a page) or
// refused (401 for a POST or a fragment); a signed-in person whose role
// may not is refused with a 403 page saying why (refusal, a message key).
// A customer who opens the console's front page goes to their own
// tickets instead.
func (s *Server) signedIn(may func(desk.Role) bool, refusal string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		if sess == nil {
			s.clearSessionCookie(w)
			if r.Method != http.MethodGet || r.Header.Get("HX-Request") != "" {
				if r.Header.Get("HX-Request") != "" {
					w.Header().Set("HX-Redirect", "/signin")
				}
				s.fail(w, r, http.StatusUnauthorized, "error.signed_out", "error.signed_out_text")
				return
			}
			seeOther(w, r, "/signin")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey, sess))
		if !may(sess.Role) {
			if sess.Role == desk.RoleCustomer && r.Method == http.MethodGet && r.URL.Path == "/" {
				seeOther(w, r, "/my")
				return
			}
			if sess.Role == desk.RoleCustomer {
				refusal = "error.staff_only"
			}
			s.log.Info("refused by role", "route", r.Pattern, "role", sess.Role, "addr", sess.Addr)
			s.fail(w, r, http.StatusForbidden, "error.forbidden", refusal)
			return
		}
		h(w, r)
	}
}

// The guards of the pages, by what the role may (desk.Role).
func (s *Server) reader(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(desk.Role.MayRead, "error.staff_only", h)
}
func (s *Server) agent(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(desk.Role.MayAct, "error.read_only", h)
}
func (s *Server) reporter(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(desk.Role.MayReport, "error.reports_only", h)
}
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(desk.Role.MayCurate, "error.admins_only", h)
}

// anyone guards what every signed-in person uses: their account, signing
// out, a customer's own tickets.
func (s *Server) anyone(h http.HandlerFunc) http.HandlerFunc {
	return s.signedIn(func(r desk.Role) bool { return r != desk.RoleNone }, "error.forbidden", h)
}

// clientOf is the address the per-client limits count by: the
// connection's, or the one a trusted proxy put in Options.ProxyHeader
// (the last X-Forwarded-For hop, the one the proxy added).
func (s *Server) clientOf(r *http.Request) string {
	if hdr := s.opts.ProxyHeader; hdr != "" {
		if v := r.Header.Values(hdr); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
