package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the JSON API under /api/v1/: the routes, each with the
// scope its token needs, the bearer check, and the JSON answers and
// errors. The API takes bearer tokens only: a session cookie grants
// nothing here, so a page of another site can make a signed-in browser
// send nothing the API acts on (a browser never adds an Authorization
// header by itself, and no CORS header lets another origin add one).
// That is why the cross-origin check of the console's forms is not asked
// of these routes (withCrossOrigin bypasses them), and why their errors
// are JSON rather than pages. Every action goes through the desk under
// the token's name, as mail, terminal and console do; every call is
// logged with the token's name, never the token.

// apiRoute is one route of the API.
type apiRoute struct {
	Method, Path string     // "GET", "/api/v1/tickets/{ref}"
	Scope        desk.Scope // what the token must allow
	handle       http.HandlerFunc
}

// apiPrefix is where the API lives; a later version lives beside it.
const apiPrefix = "/api/v1"

// apiRoutes are every route of the API: the mux serves exactly these, and
// openapi.json describes exactly these (TestOpenAPI_DescribesEveryRoute).
func (s *Server) apiRoutes() []apiRoute {
	routes := []apiRoute{
		{"GET", "/tickets", desk.ScopeRead, s.apiTickets},
		{"GET", "/tickets/{ref}", desk.ScopeRead, s.apiTicket},
		{"GET", "/faq", desk.ScopeRead, s.apiFAQList},
		{"POST", "/faq", desk.ScopeWrite, s.apiFAQCreate},
		{"GET", "/faq/{key}", desk.ScopeRead, s.apiFAQEntry},
		{"POST", "/faq/{key}/publish", desk.ScopeWrite, s.apiFAQPublish},
		{"POST", "/faq/{key}/retire", desk.ScopeWrite, s.apiFAQRetire},
		{"GET", "/reports", desk.ScopeRead, s.apiReports},
	}
	for _, a := range apiActions {
		routes = append(routes, apiRoute{"POST", "/tickets/{ref}/" + a.Name, desk.ScopeWrite, s.apiAct(a)})
	}
	for i := range routes {
		routes[i].Path = apiPrefix + routes[i].Path
	}
	return routes
}

// apiHandler serves the API: each route behind its scope, a JSON 405 for
// a known path with another method, a JSON 404 for anything else, and
// the OpenAPI document to anyone (it holds nothing of the desk's).
func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, s.bearer(rt.Scope, rt.handle))
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
	}
	for path, list := range methods {
		allow := strings.Join(list, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.apiFail(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed, r.Method+" is not allowed here; "+allow+" is")
		})
	}
	mux.HandleFunc("GET "+apiPrefix+"/openapi.json", s.openAPI)
	mux.HandleFunc(apiPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		s.apiFail(w, r, http.StatusNotFound, codeNotFound, "no such API route")
	})
	return mux
}

// The codes of the API's errors: clients branch on these, never on the
// messages, which may change.
const (
	codeUnauthorized      = "unauthorized"       // 401: no bearer token
	codeInvalidToken      = "invalid_token"      // 401: malformed, unknown or revoked
	codeTooMany           = "too_many_requests"  // 429: too many calls with tokens that are not valid
	codeInsufficientScope = "insufficient_scope" // 403: the token's scope does not allow it
	codeNotFound          = "not_found"          // 404
	codeMethodNotAllowed  = "method_not_allowed" // 405
	codeBadRequest        = "bad_request"        // 400: a parameter or field the route does not take, or a bad value
	codeUnsupportedType   = "unsupported_media_type"
	codeTooLarge          = "too_large"    // 413
	codeConflict          = "conflict"     // 409: the FAQ key is taken
	codeRefused           = "refused"      // 422: the desk refused the action; nothing was done
	codeInvalid           = "invalid"      // 422: the FAQ entry is not valid
	codeNeedsReview       = "needs_review" // 422: an entry drafted from a ticket needs review before it is published
	codeInternal          = "internal"     // 500
)

// apiError is the body of every error answer.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON encodes v whole before a byte is sent, then writes it with
// status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"encoding the answer failed"}}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// apiFail answers with an error of the API.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeJSON(w, status, apiError{apiErrorBody{Code: code, Message: message}})
}

// apiErr answers an error of the desk: its kind decides the code; an
// unforeseen one is logged and a 500, its details kept from the caller.
func (s *Server) apiErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *desk.ActionError
	var exists *tickets.FAQExistsError
	var review *tickets.NeedsReviewError
	switch {
	case errors.As(err, &ae):
		s.apiFail(w, r, http.StatusUnprocessableEntity, codeRefused, ae.Ref+": nothing done: "+strings.Join(ae.Errors, "; "))
	case errors.As(err, &exists):
		s.apiFail(w, r, http.StatusConflict, codeConflict, fmt.Sprintf("FAQ entry %q exists (%s)", exists.Key, exists.Status))
	case errors.As(err, &review):
		s.apiFail(w, r, http.StatusUnprocessableEntity, codeNeedsReview,
			fmt.Sprintf("FAQ entry %q was drafted from ticket %s: publish it with \"reviewed\": true once a person has read it", review.Key, review.SourceTicket))
	case errors.Is(err, tickets.ErrNotFound):
		s.apiFail(w, r, http.StatusNotFound, codeNotFound, "no such ticket or FAQ entry")
	case r.Context().Err() != nil:
		// The caller went away; nobody is left to answer.
	default:
		s.log.Error("API request failed", "method", r.Method, "route", r.Pattern, "err", err)
		s.apiFail(w, r, http.StatusInternalServerError, codeInternal, "internal error; the gateway's log says more")
	}
}

type tokenKey struct{}

// tokenOf is the token a request came with (set by bearer).
func tokenOf(r *http.Request) *desk.APIToken {
	t, _ := r.Context().Value(tokenKey{}).(*desk.APIToken)
	return t
}

// bearerRealm is what a 401 asks for.
const bearerRealm = `Bearer realm="madoguchi"`

// bearer serves h to a request with a live bearer token whose scope
// allows need (RFC 6750: 401 with WWW-Authenticate without one, 403 for
// a token of another scope). The call is logged under the token's name.
func (s *Server) bearer(need desk.Scope, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			w.Header().Set("WWW-Authenticate", bearerRealm)
			s.apiFail(w, r, http.StatusUnauthorized, codeUnauthorized, "this needs an API token: Authorization: Bearer TOKEN (madoguchi web token create)")
			return
		}
		// A client that keeps trying tokens that are not valid is stopped
		// for a while before its next one is even looked up: a token's
		// 128 random bits are not guessed, but a script stuck on a revoked
		// token would fill the log and the store's reads.
		badKey := "badtoken " + s.clientOf(r)
		if over, wait := s.limits.over(badKey, limitBadTokens, limitPeriod); over {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			s.apiFail(w, r, http.StatusTooManyRequests, codeTooMany, fmt.Sprintf("too many calls with tokens that are not valid from this client; try again in %d minutes", int(wait/time.Minute)+1))
			return
		}
		tok, err := s.desk.Authenticate(r.Context(), strings.TrimSpace(secret))
		if errors.Is(err, desk.ErrBadToken) {
			s.limits.allow(badKey, limitBadTokens, limitPeriod)
			s.log.Warn("API call with a token that is not valid", "method", r.Method, "path", r.URL.Path, "client", s.clientOf(r))
			w.Header().Set("WWW-Authenticate", bearerRealm+`, error="invalid_token"`)
			s.apiFail(w, r, http.StatusUnauthorized, codeInvalidToken, "the API token is not valid (unknown, revoked or mistyped)")
			return
		}
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		if !desk.Scope(tok.Scope).Allows(need) {
			s.log.Warn("API call refused: scope", "token", tok.Name, "scope", tok.Scope, "needs", need, "method", r.Method, "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`%s, error="insufficient_scope", scope=%q`, bearerRealm, need))
			s.apiFail(w, r, http.StatusForbidden, codeInsufficientScope, fmt.Sprintf("token %s has scope %s; this needs %s", tok.Name, tok.Scope, need))
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
		level := slog.LevelInfo
		if need == desk.ScopeMetrics {
			level = slog.LevelDebug // a scrape every few seconds is no news
		}
		s.log.Log(r.Context(), level, "API call", "token", tok.Name, "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
	}
}

// limitBadTokens is how many calls with a token that is not valid a
// client may make in limitPeriod before its calls are refused (429).
const limitBadTokens = 20

// maxBody bounds a request's JSON: a reply's text and a FAQ entry fit
// with room to spare.
const maxBody = 1 << 20

// readJSON decodes the request's JSON object into v, taking only the
// fields allowed (nil: any of v's). An empty body is an empty object.
// It answers the error itself and reports false when the body is not
// what the route takes.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any, allowed []string) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.apiFail(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody))
		return false
	case err != nil:
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, "reading the body failed")
		return false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	} else if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.apiFail(w, r, http.StatusUnsupportedMediaType, codeUnsupportedType, "send the body as Content-Type: application/json")
		return false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, "the body is not a JSON object: "+err.Error())
		return false
	}
	if allowed != nil {
		for name := range fields {
			if !slices.Contains(allowed, name) {
				s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("field %q is not taken here (%s)", name, takes(allowed)))
				return false
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, "the body does not fit: "+err.Error())
		return false
	}
	return true
}

func takes(fields []string) string {
	if len(fields) == 0 {
		return "no fields"
	}
	return "fields: " + strings.Join(fields, ", ")
}

// query reads a request's query, refusing a parameter the route does not
// take (a typo would silently select everything).
func (s *Server) query(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]string, bool) {
	out := map[string]string{}
	for name, vals := range r.URL.Query() {
		if !slices.Contains(allowed, name) {
			s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("parameter %q is not taken here (parameters: %s)", name, strings.Join(allowed, ", ")))
			return nil, false
		}
		if len(vals) > 1 {
			s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("parameter %q is given %d times", name, len(vals)))
			return nil, false
		}
		out[name] = vals[0]
	}
	return out, true
}

//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the OpenAPI document of the API.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.Write(openAPIDoc)
}
