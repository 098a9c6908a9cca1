package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the customers' side of the console: the page a status link
// in a mail opens (how the request stands, when they will hear from us,
// the thread as they saw it, a box to add to it), the page a rating link
// opens (its button records the rating: a GET records nothing, as mail
// scanners open every link), and "my tickets" for a requester signed in
// by a link. Reading and writing go through the desk, as every page's do.

// Limits on what one status link posts (replies and ratings), and one
// client, per limitPeriod: a link found in a mailbox cannot flood the desk.
const (
	limitPerLink       = 10
	limitPerLinkClient = 30
)

// customerRoutes maps the customers' pages.
func (s *Server) customerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /my", s.anyone(s.myTickets))
	mux.HandleFunc("GET /status/{token}", s.statusPage)
	mux.HandleFunc("POST /status/{token}/reply", s.statusReply)
	mux.HandleFunc("GET /status/{token}/rate/{rating}", s.ratePage)
	mux.HandleFunc("POST /status/{token}/rate", s.rate)
}

// statusPageData is the data of the status page.
type statusPageData struct {
	C       *desk.CustomerView
	Base    string // the page's path: its forms post below it
	Promise string // when they hear next, in words
	Text    string // a reply that was refused, to type again
}

// ratePageData is the data of the rating page.
type ratePageData struct {
	C      *desk.CustomerView
	Base   string
	Choice string // the rating the link asked for
}

// customerPage starts the view of a customer's page: in the language the
// reader picked, else the ticket's (the language of its mails), never
// indexed by a search engine.
func (s *Server) customerPage(w http.ResponseWriter, r *http.Request, ticketLang string) *view {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	v := s.view(r, "")
	v.Customer = true
	if _, err := r.Cookie(langCookie); err != nil && (ticketLang == "ja" || ticketLang == "en") {
		v.Lang = ticketLang
	}
	return v
}

// openTicket reads the ticket of the path's status link and starts its
// page; a link that opens nothing has been answered (false), and a
// merged ticket's link goes to the ticket it became.
func (s *Server) openTicket(w http.ResponseWriter, r *http.Request) (*desk.CustomerView, *view, bool) {
	c, err := s.desk.CustomerTicket(r.Context(), r.PathValue("token"))
	if err != nil {
		s.failStatus(w, r, err)
		return nil, nil, false
	}
	if c.MovedTo != "" {
		seeOther(w, r, c.MovedTo)
		return nil, nil, false
	}
	return c, s.customerPage(w, r, c.Language), true
}

// statusPage is the page a status link opens.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	c, v, ok := s.openTicket(w, r)
	if !ok {
		return
	}
	switch {
	case r.URL.Query().Get("sent") != "":
		v.Flash = v.T("spage.sent")
	case r.URL.Query().Get("rated") == "bad_auto":
		v.Flash = v.T("rate.thanks_taken_over")
	case r.URL.Query().Get("rated") != "":
		v.Flash = v.T("rate.thanks")
	}
	s.renderStatus(w, r, v, c, http.StatusOK, "")
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, v *view, c *desk.CustomerView, status int, text string) {
	v.Title = c.Ref + " " + c.Subject
	v.Data = statusPageData{C: c, Base: desk.StatusPath + r.PathValue("token"), Promise: promiseWords(v.Lang, c), Text: text}
	s.page(w, r, status, "status", v)
}

// statusReply adds the customer's message to the request, as their reply
// by mail would be.
func (s *Server) statusReply(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !s.allowLink(w, r, token) {
		return
	}
	text := r.PostFormValue("text")
	_, err := s.desk.CustomerReply(r.Context(), token, text)
	var key string
	switch {
	case err == nil:
		seeOther(w, r, desk.StatusPath+token+"?sent=1#thread")
		return
	case errors.Is(err, desk.ErrEmptyReply):
		key = "spage.empty"
	case errors.Is(err, desk.ErrReplyTooLong):
		key = "spage.too_long"
	case errors.Is(err, desk.ErrTicketClosed):
		key = "spage.closed"
	default:
		s.failStatus(w, r, err)
		return
	}
	s.statusRefused(w, r, http.StatusUnprocessableEntity, because(key, desk.MaxCustomerReply), text)
}

// refusal is the words of a refused POST: a message key and its args.
type refusal struct {
	key  string
	args []any
}

// because is the refusal of key with args.
func because(key string, args ...any) refusal { return refusal{key, args} }

// statusRefused shows the status page again, saying why what the
// customer sent was refused, with their text (a reply) to send again.
func (s *Server) statusRefused(w http.ResponseWriter, r *http.Request, status int, why refusal, text string) {
	c, err := s.desk.CustomerTicket(r.Context(), r.PathValue("token"))
	if err != nil {
		s.failStatus(w, r, err)
		return
	}
	page := s.customerPage(w, r, c.Language)
	page.Error = page.T(why.key, why.args...)
	s.renderStatus(w, r, page, c, status, text)
}

// ratePage is the page a rating link opens: the rating it asks for,
// chosen, a box for a comment, and the button that records it. Opening
// it records nothing.
func (s *Server) ratePage(w http.ResponseWriter, r *http.Request) {
	choice := r.PathValue("rating")
	if !tickets.ValidRating(choice) {
		s.notFound(w, r)
		return
	}
	c, v, ok := s.openTicket(w, r)
	if !ok {
		return
	}
	v.Title = v.T("rate.title")
	v.Data = ratePageData{C: c, Base: desk.StatusPath + r.PathValue("token"), Choice: choice}
	s.page(w, r, http.StatusOK, "rate", v)
}

// rate records the rating the customer sent with the page's button.
func (s *Server) rate(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !s.allowLink(w, r, token) {
		return
	}
	res, err := s.desk.Rate(r.Context(), token, r.PostFormValue("rating"), r.PostFormValue("comment"))
	var key string
	switch {
	case err == nil:
		to := desk.StatusPath + token + "?rated=1#rating"
		if res.Rating.Answer == tickets.AnswerAuto && res.Rating.Rating == tickets.RatingBad && res.Status == tickets.StatusEscalated {
			to = desk.StatusPath + token + "?rated=bad_auto#rating"
		}
		seeOther(w, r, to)
		return
	case errors.Is(err, desk.ErrBadRating):
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return
	case errors.Is(err, desk.ErrNothingToRate):
		key = "rate.not_now"
	case errors.Is(err, desk.ErrRatingClosed):
		key = "rate.closed"
	default:
		s.failStatus(w, r, err)
		return
	}
	s.statusRefused(w, r, http.StatusConflict, because(key), "")
}

// allowLink counts a POST of a status link against its limits; over them
// it answers 429 and reports false.
func (s *Server) allowLink(w http.ResponseWriter, r *http.Request, token string) bool {
	sum := sha256.Sum256([]byte(token))
	for _, lim := range []struct {
		key string
		max int
	}{{"status client " + s.clientOf(r), limitPerLinkClient}, {"status " + hex.EncodeToString(sum[:8]), limitPerLink}} {
		if ok, wait := s.limits.allow(lim.key, lim.max, limitPeriod); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			s.fail(w, r, http.StatusTooManyRequests, "error.too_many", "error.too_many_text", int(wait/time.Minute)+1)
			return false
		}
	}
	return true
}

// failStatus answers a status link that opens nothing with a page that
// says which: not valid (404: a changed or cut link, another's), or
// expired (410: the request closed long ago). Anything else is failErr's.
func (s *Server) failStatus(w http.ResponseWriter, r *http.Request, err error) {
	v := s.customerPage(w, r, "")
	page := errorPage{Customer: true}
	status := http.StatusNotFound
	switch {
	case errors.Is(err, desk.ErrStatusLinkExpired):
		status = http.StatusGone
		page.Title, page.Message = v.T("link.status_expired"), v.T("link.status_expired_text", desk.StatusLinkGrace/(24*time.Hour))
	case errors.Is(err, desk.ErrStatusLinkInvalid):
		page.Title, page.Message = v.T("link.status_invalid"), v.T("link.status_invalid_text")
	default:
		s.failErr(w, r, err)
		return
	}
	v.Title, v.Data = page.Title, page
	s.page(w, r, status, "error", v)
}

// myTicketsPage is the data of "my tickets".
type myTicketsPage struct{ Tickets []desk.MyTicket }

// myTickets lists the signed-in person's own requests: those they are
// the requester of, and nobody else's.
func (s *Server) myTickets(w http.ResponseWriter, r *http.Request) {
	list, err := s.desk.MyTickets(r.Context(), sessionOf(r).Addr)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	v := s.customerPage(w, r, "")
	v.Title, v.Data = v.T("my.title"), myTicketsPage{Tickets: list}
	s.page(w, r, http.StatusOK, "my", v)
}

// promiseWords is when the customer of c hears from us next, in lang
// ("翌営業日中に回答予定"); "" when there is nothing to promise.
func promiseWords(lang string, c *desk.CustomerView) string {
	p := c.Promise
	switch {
	case c.Status == tickets.StatusAutoAnswered:
		return tr(lang, "promise.auto_answered")
	case c.Status == tickets.StatusResolved:
		return tr(lang, "promise.resolved")
	case p.Kind == "":
		return ""
	case p.Kind == desk.PromiseWaiting:
		return tr(lang, "promise.waiting")
	case p.Kind == desk.PromiseBy:
		return tr(lang, "promise."+p.Target+"."+p.Kind, templates.FormatDay(p.Day, lang))
	}
	return tr(lang, "promise."+p.Target+"."+p.Kind)
}
