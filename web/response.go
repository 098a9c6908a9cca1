package web

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is how the console answers: pages rendered whole before a
// byte is sent (a template error is a clean 500, never half a page),
// error pages, redirects and downloads. The security headers are set once,
// for every response, by the headers middleware.

// contentPolicy is the Content-Security-Policy of every page: scripts and
// styles from the console only (no inline script, no inline style), no
// frames, forms and requests to the console only.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// filePolicy is the Content-Security-Policy of a file from a mail
// (attachment, raw mail): whatever it is, a browser that opens it runs
// nothing and loads nothing.
const filePolicy = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'none'"

// page renders a page with the layout and writes it with status.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	s.render(w, r, status, name, "layout", v)
}

// render executes the named template of a page (the layout, or a
// fragment for htmx) into a buffer, then writes it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, tmpl string, v *view) {
	t := s.pages[page]
	var buf bytes.Buffer
	if t == nil {
		s.log.Error("no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, tmpl, v); err != nil {
		s.log.Error("rendering a page failed", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	Title, Message string
	SignIn         bool // offer a new sign-in link
	Customer       bool // a customer's page: no way back to the queue
}

// fail answers with an error page in the reader's language.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, titleKey, messageKey string, args ...any) {
	v := s.view(r, "")
	v.Title = v.T(titleKey)
	customer := strings.HasPrefix(r.URL.Path, desk.StatusPath) || v.Session != nil && !v.Session.Role.MayRead()
	v.Customer = customer
	v.Data = errorPage{Title: v.T(titleKey), Message: v.T(messageKey, args...), Customer: customer}
	s.page(w, r, status, "error", v)
}

// failErr answers an error of the desk: a missing ticket or entry is a
// 404, a refused action a 422 with its reasons; anything else is logged
// and a 500, its details kept from the reader.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *desk.ActionError
	switch {
	case errors.Is(err, tickets.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "error.not_found", "error.not_found_text")
	case errors.Is(err, desk.ErrNotForViewers):
		s.fail(w, r, http.StatusForbidden, "error.forbidden", "error.read_only")
	case errors.As(err, &ae):
		s.fail(w, r, http.StatusUnprocessableEntity, "error.refused", "error.refused_text", strings.Join(ae.Errors, "; "))
	case r.Context().Err() != nil:
		// The reader went away; nobody is left to answer.
	default:
		s.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "error.internal", "error.internal_text")
	}
}

// seeOther redirects after a POST, so a reload does not post again.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// download writes a file from a mail as a download: its own type (plain
// text when it claims to be text, so it never renders as a page), named
// by the sender's file name, never sniffed, never run.
func download(w http.ResponseWriter, name, contentType string, data []byte, inline bool) {
	h := w.Header()
	if _, _, err := mime.ParseMediaType(contentType); err != nil || contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	disposition := "attachment"
	if inline {
		disposition = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": safeFileName(name)}))
	h.Set("Content-Security-Policy", filePolicy)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// safeFileName keeps a sender's file name to its last path element,
// without control characters; "" becomes "attachment".
func safeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if strings.Trim(name, ". ") == "" {
		return "attachment"
	}
	return name
}

// localPath is a path to return to from a form, when it is one of ours:
// "/x?y", never "//host" or "https://host".
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, `/\`) {
		return "/"
	}
	return p
}
