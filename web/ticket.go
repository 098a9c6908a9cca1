package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// ticketPage is the data of the ticket page.
type ticketPage struct {
	D          *desk.TicketDetail
	Actions    []actionView
	CanPromote bool
	DefaultKey string
	ReadOnly   bool // a viewer's: no actions, no raw mail
}

// First is the number of an entry's first attachment across the ticket.
func (p ticketPage) First(e *tickets.Entry) int {
	for _, it := range p.D.Thread {
		if it.Entry == e {
			return it.FirstAttachment
		}
	}
	return 0
}

// Inline reports whether an attachment is shown in the page: a picture in
// a format every browser draws and none runs (never SVG).
func (ticketPage) Inline(a tickets.Attachment) bool { return inlineImage(a.ContentType) }

func inlineImage(contentType string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0])) {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// ticket is the ticket page: the thread, the clocks, the actions. A
// viewer reads it without the actions (and, by the desk, without the
// agents' notes), and the desk records the view.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	var d *desk.TicketDetail
	var err error
	if sess.Role.MayAct() {
		d, err = s.desk.TicketDetail(r.Context(), r.PathValue("ref"))
	} else {
		d, err = s.desk.ViewTicket(r.Context(), r.PathValue("ref"), sess.Addr)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	v := s.view(r, "queue")
	v.Title = d.Ref + " " + d.Subject
	p := ticketPage{D: d, DefaultKey: strings.ToLower(d.Ref), ReadOnly: !sess.Role.MayAct()}
	if !p.ReadOnly {
		p.Actions, p.CanPromote = s.actionViews(d, v.Lang), d.Status == tickets.StatusResolved || d.Status == tickets.StatusClosed
	}
	v.Data = p
	if done := r.URL.Query().Get("done"); actionNamed(done) != nil {
		v.Flash = v.T("ticket.done", v.T("action."+done))
	}
	if key := r.URL.Query().Get("promoted"); key != "" {
		v.Flash = v.T("ticket.promoted", key)
	}
	s.page(w, r, http.StatusOK, "ticket", v)
}

// act does one of the ticket page's actions through the desk, as the
// signed-in agent: the same checks, audit and mail as the command by mail.
func (s *Server) act(w http.ResponseWriter, r *http.Request) {
	a := actionNamed(r.PathValue("action"))
	if a == nil {
		s.notFound(w, r)
		return
	}
	d, err := s.desk.TicketDetail(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil || !a.check(s, d, r.PostForm) {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return
	}
	commands, text := a.command(r.PostForm)
	_, err = s.desk.Act(r.Context(), d.Ref, desk.Action{Actor: sessionOf(r).Addr, Commands: commands, Text: text})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	seeOther(w, r, "/tickets/"+url.PathEscape(d.Ref)+"?done="+a.Name+"#thread")
}

// promote drafts an FAQ entry from a resolved ticket.
func (s *Server) promote(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' }) || len(key) > 200 {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return
	}
	f, err := s.desk.Promote(r.Context(), r.PathValue("ref"), key, strings.TrimSpace(r.PostFormValue("answer")), sessionOf(r).Addr)
	var exists *tickets.FAQExistsError
	switch {
	case errors.As(err, &exists), errors.Is(err, desk.ErrNothingToPromote):
		s.fail(w, r, http.StatusUnprocessableEntity, "error.refused", "error.refused_text", err.Error())
		return
	case err != nil:
		s.failErr(w, r, err)
		return
	}
	if sessionOf(r).Role == desk.RoleAdmin {
		seeOther(w, r, "/faq/entries/"+url.PathEscape(f.Key)+"?done=promoted")
		return
	}
	seeOther(w, r, "/tickets/"+url.PathEscape(r.PathValue("ref"))+"?promoted="+url.QueryEscape(f.Key))
}

// attachment serves attachment n of a ticket: a download of its own
// type; a picture in a safe format inline when the page asks, and only if
// its bytes are that picture.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	var a tickets.Attachment
	var data []byte
	if sess := sessionOf(r); sess.Role.MayAct() {
		a, data, err = s.desk.Attachment(r.Context(), r.PathValue("ref"), n)
	} else {
		a, data, err = s.desk.ViewAttachment(r.Context(), r.PathValue("ref"), n, sess.Addr)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	inline := r.URL.Query().Get("inline") != "" && inlineImage(a.ContentType) &&
		http.DetectContentType(data) == strings.ToLower(strings.TrimSpace(strings.SplitN(a.ContentType, ";", 2)[0]))
	download(w, a.Filename, a.ContentType, data, inline)
}

// rawEntry serves the mail behind an entry as plain text.
func (s *Server) rawEntry(w http.ResponseWriter, r *http.Request) { s.raw(w, r, s.desk.RawMail) }

// rawMail serves a mail the desk sent about a ticket (to a tier) as it
// was queued, as plain text.
func (s *Server) rawMail(w http.ResponseWriter, r *http.Request) { s.raw(w, r, s.desk.OutgoingMail) }

// raw serves what read finds for the ticket and id of the path as a
// plain-text download.
func (s *Server) raw(w http.ResponseWriter, r *http.Request, read func(context.Context, string, int64) (string, []byte, error)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	name, data, err := read(r.Context(), r.PathValue("ref"), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	download(w, name, "text/plain", data, false)
}
