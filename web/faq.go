package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the FAQ pages (admins): the list, one entry with its edit
// form, votes, paraphrases and audit trail, a new entry, the gaps and the
// test box.

var (
	faqStatuses  = []string{tickets.FAQDraft, tickets.FAQPublished, tickets.FAQRetired}
	faqLanguages = []string{"en", "ja"}
)

func entryURL(key string) string { return "/faq/entries/" + url.PathEscape(key) }

type faqListPage struct {
	List                *desk.FAQList
	Q, Status, Language string
	Statuses            []string
	Languages           []string
	All, Page, Pages    int
	PrevURL, NextURL    string
}

func (p faqListPage) url(status string, page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": p.Q, "status": status, "lang": p.Language} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/faq"
	}
	return "/faq?" + v.Encode()
}

// StatusURL is the list with the same search and one status.
func (p faqListPage) StatusURL(status string) string { return p.url(status, 1) }

// EntryURL is an entry's page.
func (faqListPage) EntryURL(key string) string { return entryURL(key) }

// faqList lists the FAQ entries, searched and paged in SQL.
func (s *Server) faqList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := faqListPage{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Language: q.Get("lang"), Statuses: faqStatuses, Languages: faqLanguages}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = max(p.Page, 1)
	if (p.Status != "" && !slices.Contains(faqStatuses, p.Status)) || (p.Language != "" && !slices.Contains(faqLanguages, p.Language)) || p.Page > 1e6 {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return
	}
	l, err := s.desk.FAQList(r.Context(), desk.FAQFilter{Status: p.Status, Language: p.Language, Search: p.Q, Limit: pageSize, Offset: (p.Page - 1) * pageSize})
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p.List, p.Pages = l, max(1, (l.Total+pageSize-1)/pageSize)
	for _, n := range l.Counts {
		p.All += n
	}
	if p.Page > 1 {
		p.PrevURL = p.url(p.Status, p.Page-1)
	}
	if p.Page < p.Pages {
		p.NextURL = p.url(p.Status, p.Page+1)
	}
	v := s.view(r, "faq")
	v.Title, v.Data = v.T("faq.title"), p
	s.page(w, r, http.StatusOK, "faq_list", v)
}

type faqEntryPage struct {
	New       bool
	FAQ       *tickets.FAQ
	Tags      string
	Events    []tickets.Event
	Languages []string
	Moves     []string // the status changes offered: publish, retire, draft
	FormURL   string
}

// StatusURL is where a status change of the entry is posted.
func (p faqEntryPage) StatusURL(move string) string { return entryURL(p.FAQ.Key) + "/" + move }

// moves are the status changes of the entry page, each the status it
// leads to.
var moves = map[string]string{"publish": tickets.FAQPublished, "retire": tickets.FAQRetired, "draft": tickets.FAQDraft}

// faqEntry is one entry: its edit form, status changes, votes,
// paraphrases and audit trail.
func (s *Server) faqEntry(w http.ResponseWriter, r *http.Request) {
	f, err := s.desk.FAQDetail(r.Context(), r.PathValue("key"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := faqEntryPage{FAQ: f.FAQ, Tags: strings.Join(f.Tags, ", "), Events: f.Events, Languages: faqLanguages, FormURL: entryURL(f.Key)}
	for _, m := range []string{"publish", "retire", "draft"} {
		if moves[m] != f.Status {
			p.Moves = append(p.Moves, m)
		}
	}
	v := s.view(r, "faq")
	v.Title, v.Data = f.Key, p
	switch done := r.URL.Query().Get("done"); {
	case done == "saved":
		v.Flash = v.T("faq.saved")
	case done == "promoted":
		v.Flash = v.T("ticket.promoted", f.Key)
	case moves[done] != "":
		v.Flash = v.T("faq.moved", v.T("faqstatus."+moves[done]))
	}
	s.page(w, r, http.StatusOK, "faq_entry", v)
}

// faqNew is the form of a new entry.
func (s *Server) faqNew(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, "faq")
	v.Title = v.T("faq.new")
	v.Data = faqEntryPage{New: true, FAQ: &tickets.FAQ{Status: tickets.FAQDraft}, Languages: faqLanguages, FormURL: "/faq/new"}
	s.page(w, r, http.StatusOK, "faq_entry", v)
}

// readFAQ reads an entry's form over f.
func readFAQ(r *http.Request, f *tickets.FAQ) {
	f.Question = strings.TrimSpace(r.PostFormValue("question"))
	f.Answer = strings.TrimSpace(r.PostFormValue("answer"))
	f.Language = r.PostFormValue("language")
	f.Tags = nil
	for _, t := range strings.FieldsFunc(r.PostFormValue("tags"), func(r rune) bool { return r == ',' || r == '、' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			f.Tags = append(f.Tags, t)
		}
	}
}

// faqCreate stores a new draft; a key in use is refused, not replaced.
func (s *Server) faqCreate(w http.ResponseWriter, r *http.Request) {
	f := tickets.FAQ{Key: strings.TrimSpace(r.PostFormValue("key")), Status: tickets.FAQDraft}
	readFAQ(r, &f)
	v := s.view(r, "faq")
	v.Title = v.T("faq.new")
	if err := tickets.ValidateFAQ(&f); err != nil {
		v.Error = err.Error()
	} else if _, err := s.desk.FAQDetail(r.Context(), f.Key); err == nil {
		v.Error = v.T("error.refused_text", (&tickets.FAQExistsError{Key: f.Key}).Error())
	} else if !errors.Is(err, tickets.ErrNotFound) {
		s.failErr(w, r, err)
		return
	}
	if v.Error != "" {
		v.Data = faqEntryPage{New: true, FAQ: &f, Tags: strings.Join(f.Tags, ", "), Languages: faqLanguages, FormURL: "/faq/new"}
		s.page(w, r, http.StatusUnprocessableEntity, "faq_entry", v)
		return
	}
	s.saveFAQ(w, r, f)
}

// saveFAQ stores an entry from its form and shows it.
func (s *Server) saveFAQ(w http.ResponseWriter, r *http.Request, f tickets.FAQ) {
	if _, err := s.desk.PutFAQs(r.Context(), []tickets.FAQ{f}, sessionOf(r).Addr); err != nil {
		s.failErr(w, r, err)
		return
	}
	seeOther(w, r, entryURL(f.Key)+"?done=saved")
}

// faqEdit saves an entry's question, answer, tags and language; its
// status, votes and paraphrases stay.
func (s *Server) faqEdit(w http.ResponseWriter, r *http.Request) {
	cur, err := s.desk.FAQDetail(r.Context(), r.PathValue("key"))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	f := *cur.FAQ
	readFAQ(r, &f)
	if err := tickets.ValidateFAQ(&f); err != nil {
		v := s.view(r, "faq")
		v.Title, v.Error = f.Key, err.Error()
		v.Data = faqEntryPage{FAQ: &f, Tags: strings.Join(f.Tags, ", "), Events: cur.Events, Languages: faqLanguages, FormURL: entryURL(f.Key)}
		s.page(w, r, http.StatusUnprocessableEntity, "faq_entry", v)
		return
	}
	s.saveFAQ(w, r, f)
}

// faqMove publishes, retires or drafts an entry.
func (s *Server) faqMove(w http.ResponseWriter, r *http.Request) {
	move := r.PathValue("move")
	status, ok := moves[move]
	if !ok {
		s.notFound(w, r)
		return
	}
	key := r.PathValue("key")
	if err := s.desk.SetFAQStatus(r.Context(), key, status, sessionOf(r).Addr); err != nil {
		s.failErr(w, r, err)
		return
	}
	seeOther(w, r, entryURL(key)+"?done="+move)
}

type gapsPage struct {
	Responder bool
	Gaps      []desk.Gap
	Subjects  map[string]string // ticket → subject
}

// faqGaps lists the recurring incidents no entry answers.
func (s *Server) faqGaps(w http.ResponseWriter, r *http.Request) {
	p := gapsPage{Responder: s.desk.HasResponder(), Subjects: map[string]string{}}
	if p.Responder {
		gaps, err := s.desk.Gaps(r.Context(), desk.GapOptions{})
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		p.Gaps = gaps
		for _, g := range gaps {
			for i, ref := range g.Tickets {
				p.Subjects[ref] = g.Subjects[i]
			}
		}
	}
	v := s.view(r, "faq")
	v.Title, v.Data = v.T("faq.gaps"), p
	s.page(w, r, http.StatusOK, "faq_gaps", v)
}

type testPage struct {
	Text   string
	Ran    bool
	Result responder.Result
}

// EntryURL is an entry's page.
func (testPage) EntryURL(key string) string { return entryURL(key) }

// faqTest is the test box: a customer's text, the ranked matches, their
// confidence and the decision. It changes nothing, so it is a GET.
func (s *Server) faqTest(w http.ResponseWriter, r *http.Request) {
	p := testPage{Text: r.URL.Query().Get("text")}
	v := s.view(r, "faq")
	v.Title = v.T("faq.test")
	if strings.TrimSpace(p.Text) != "" {
		res, err := s.desk.TestMatch(r.Context(), p.Text)
		if errors.Is(err, desk.ErrNoResponder) {
			s.fail(w, r, http.StatusConflict, "error.no_responder", "error.no_responder_text")
			return
		}
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		p.Ran, p.Result = true, res
	}
	v.Data = p
	s.page(w, r, http.StatusOK, "faq_test", v)
}
