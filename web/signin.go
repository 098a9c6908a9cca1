package web

import (
	"errors"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
)

// This file is signing in and out: an address asks for a link, the link
// (mailed, or printed by `madoguchi web link`) opens a page whose button
// opens a session, a cookie carries it.

// Sign-in limits: per address asked for (known or not alike, so the
// limit tells nothing) and per client.
const (
	limitPeriod    = 15 * time.Minute
	limitPerAddr   = 5
	limitPerClient = 20
)

// cookieName is the session cookie's name: with the __Host- prefix over
// HTTPS, which a browser keeps to this host, path / and Secure.
func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-madoguchi"
	}
	return "madoguchi"
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: secret, Path: "/", Expires: expires,
		MaxAge: int(time.Until(expires) / time.Second), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

type signinPage struct {
	Address string
	Sent    bool
	Minutes int
}

// signinForm asks for an address.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if sess, _ := s.session(r); sess != nil {
		to := "/"
		if !sess.Role.MayRead() {
			to = "/my"
		}
		seeOther(w, r, to)
		return
	}
	v := s.view(r, "")
	v.Title = v.T("signin.title")
	v.Data = signinPage{}
	s.page(w, r, http.StatusOK, "signin", v)
}

// signinRequest mails a link when the address may sign in, and answers
// the same whether it may or not.
func (s *Server) signinRequest(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "")
	v.Title = v.T("signin.title")
	raw := strings.TrimSpace(r.PostFormValue("address"))
	a, err := mail.ParseAddress(raw)
	if err != nil || len(raw) > 320 {
		v.Error = v.T("signin.bad_address")
		v.Data = signinPage{Address: raw}
		s.page(w, r, http.StatusUnprocessableEntity, "signin", v)
		return
	}
	addr := strings.ToLower(a.Address)
	for _, lim := range []struct {
		key string
		max int
	}{{"client " + s.clientOf(r), limitPerClient}, {"addr " + addr, limitPerAddr}} {
		if ok, wait := s.limits.allow(lim.key, lim.max, limitPeriod); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			s.fail(w, r, http.StatusTooManyRequests, "error.too_many", "error.too_many_text", int(wait/time.Minute)+1)
			return
		}
	}
	if err := s.desk.RequestSignIn(r.Context(), addr, v.Lang); err != nil {
		s.failErr(w, r, err)
		return
	}
	v.Data = signinPage{Sent: true, Address: addr, Minutes: int(desk.SignInLifetime / time.Minute)}
	s.page(w, r, http.StatusOK, "signin", v)
}

// signinConfirmPage is the data of a sign-in link's page.
type signinConfirmPage struct {
	Addr string // whom its button signs in
}

// signinLink shows a sign-in link's page: whom it signs in, where it
// goes next, and the button that signs in (signinConfirm). Its GET (and
// HEAD) spends nothing: mail scanners (Defender Safe Links, Proofpoint,
// Mimecast) open every link of a mail, the desk's people's as much as the
// customers', and would use the link up before its reader clicks it. A
// link that would not sign in says so at once and offers a new one.
func (s *Server) signinLink(w http.ResponseWriter, r *http.Request) {
	addr, role, err := s.desk.PeekSignIn(r.Context(), r.PathValue("token"))
	if err != nil {
		s.failLink(w, r, err)
		return
	}
	v := s.view(r, "")
	v.Customer = role == desk.RoleCustomer
	v.Title, v.Data = v.T("signin.title"), signinConfirmPage{Addr: addr}
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	s.page(w, r, http.StatusOK, "signin_confirm", v)
}

// signinConfirm spends a sign-in link when its reader presses the button
// of the page its GET showed (a POST, so the cross-origin rule holds
// another site off it), sets the session cookie and goes to the queue, or
// a customer's own tickets.
func (s *Server) signinConfirm(w http.ResponseWriter, r *http.Request) {
	secret, sess, err := s.desk.SignIn(r.Context(), r.PathValue("token"))
	if err != nil {
		s.failLink(w, r, err)
		return
	}
	s.setSessionCookie(w, secret, sess.ExpiresAt)
	if !sess.Role.MayRead() {
		seeOther(w, r, "/my")
		return
	}
	seeOther(w, r, "/")
}

// failLink answers a sign-in link that signs nobody in: used, expired,
// or not valid, each saying so and offering a new one.
func (s *Server) failLink(w http.ResponseWriter, r *http.Request, err error) {
	v := s.view(r, "")
	page := errorPage{SignIn: true}
	status := http.StatusGone
	switch {
	case errors.Is(err, desk.ErrLinkUsed):
		page.Title, page.Message = v.T("link.used"), v.T("link.used_text")
	case errors.Is(err, desk.ErrLinkExpired):
		page.Title, page.Message = v.T("link.expired"), v.T("link.expired_text", int(desk.SignInLifetime/time.Minute))
	case errors.Is(err, desk.ErrLinkUnknown), errors.Is(err, desk.ErrNotAllowed):
		status = http.StatusNotFound
		page.Title, page.Message = v.T("link.invalid"), v.T("link.invalid_text")
	default:
		s.failErr(w, r, err)
		return
	}
	v.Title, v.Data = page.Title, page
	s.page(w, r, status, "error", v)
}

// signout ends this browser's session.
func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if err := s.desk.SignOut(r.Context(), c.Value); err != nil {
			s.failErr(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w)
	seeOther(w, r, "/signin")
}

// signoutAll ends every session of the signed-in address.
func (s *Server) signoutAll(w http.ResponseWriter, r *http.Request) {
	if _, err := s.desk.SignOutEverywhere(r.Context(), sessionOf(r).Addr); err != nil {
		s.failErr(w, r, err)
		return
	}
	s.clearSessionCookie(w)
	seeOther(w, r, "/signin")
}

type accountPage struct{ Sessions int }

// account shows who is signed in, and signs out.
func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	n, err := s.desk.Sessions(r.Context(), sessionOf(r).Addr)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	v := s.view(r, "account")
	v.Title, v.Data = v.T("account.title"), accountPage{Sessions: n}
	s.page(w, r, http.StatusOK, "account", v)
}
