package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// pageSize is how many tickets (or FAQ entries) a page lists.
const pageSize = 50

// queueForm is the queue's filters as the query string has them.
type queueForm struct {
	Q, Status, Priority, Type, Tier, Assignee, Order, Rating string
	Overdue, Auto                                            bool
	Page                                                     int
}

func readQueueForm(q url.Values) queueForm {
	f := queueForm{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Priority: q.Get("priority"), Type: q.Get("type"),
		Tier: q.Get("tier"), Assignee: strings.TrimSpace(q.Get("assignee")), Order: q.Get("order"), Rating: q.Get("rating"),
		Overdue: q.Get("overdue") != "", Auto: q.Get("auto") != ""}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	if f.Order == "" {
		f.Order = tickets.QueueOrders()[0]
	}
	return f
}

// values writes the form back as a query string (empty fields left out).
func (f queueForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "status": f.Status, "priority": f.Priority, "type": f.Type, "tier": f.Tier, "assignee": f.Assignee, "rating": f.Rating} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Order != tickets.QueueOrders()[0] {
		v.Set("order", f.Order)
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	if f.Auto {
		v.Set("auto", "1")
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	return v
}

func (f queueForm) url(path string) string {
	if q := f.values().Encode(); q != "" {
		return path + "?" + q
	}
	return path
}

// ratingFilters are the queue's choices of the customers' rating.
var ratingFilters = []string{tickets.RatingGood, tickets.RatingBad, tickets.RatingAny, tickets.RatingNone}

// valid reports whether every choice of the form is one the queue offers.
func (f queueForm) valid() bool {
	_, tierErr := strconv.Atoi(f.Tier)
	return (f.Status == "" || slices.Contains(tickets.Statuses, tickets.Status(f.Status))) &&
		(f.Priority == "" || slices.Contains(tickets.Priorities, f.Priority)) &&
		(f.Type == "" || f.Type == tickets.Incident || f.Type == tickets.ServiceRequest) &&
		(f.Tier == "" || tierErr == nil) && slices.Contains(tickets.QueueOrders(), f.Order) && f.Page < 1e6 &&
		(f.Rating == "" || slices.Contains(ratingFilters, f.Rating))
}

// filter turns the form into the desk's filter; a value the desk does not
// know is refused there, with its name.
func (f queueForm) filter(me string) desk.QueueFilter {
	qf := desk.QueueFilter{Status: tickets.Status(f.Status), Priority: f.Priority, Type: f.Type, Tier: -1, Assignee: f.Assignee,
		Overdue: f.Overdue, Auto: f.Auto, Search: f.Q, Order: f.Order, Rating: f.Rating, Limit: pageSize, Offset: (f.Page - 1) * pageSize}
	if n, err := strconv.Atoi(f.Tier); err == nil && n >= 0 {
		qf.Tier = n
	}
	if f.Assignee == "me" {
		qf.Assignee = me
	}
	return qf
}

type queuePage struct {
	Form       queueForm
	Queue      *desk.Queue
	Statuses   []string
	Priorities []string
	Types      []string
	Tiers      []string
	Agents     []string
	Orders     []string
	Ratings    []string
	All        int // tickets over all statuses
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	LiveURL    string
}

// statusNames lists the ticket statuses in the order of the flow.
func statusNames() []string {
	out := make([]string, len(tickets.Statuses))
	for i, st := range tickets.Statuses {
		out[i] = string(st)
	}
	return out
}

// Count is the number of tickets of a status in the selection.
func (p queuePage) Count(status string) int { return p.Queue.Counts[tickets.Status(status)] }

// StatusURL is the queue with the same filters and one status.
func (p queuePage) StatusURL(status string) string {
	f := p.Form
	f.Status, f.Page = status, 1
	return f.url("/")
}

// queue is the queue page.
func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	v, ok := s.queueView(w, r)
	if ok {
		s.page(w, r, http.StatusOK, "queue", v)
	}
}

// queueLive is the live part of the queue (the counts and the table) that
// the page polls, so new tickets appear without a reload.
func (s *Server) queueLive(w http.ResponseWriter, r *http.Request) {
	v, ok := s.queueView(w, r)
	if ok {
		s.render(w, r, http.StatusOK, "queue", "livewrap", v)
	}
}

func (s *Server) queueView(w http.ResponseWriter, r *http.Request) (*view, bool) {
	form := readQueueForm(r.URL.Query())
	if !form.valid() {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request_text")
		return nil, false
	}
	q, err := s.desk.Queue(r.Context(), form.filter(sessionOf(r).Addr))
	if err != nil {
		s.failErr(w, r, err)
		return nil, false
	}
	p := queuePage{Form: form, Queue: q, Statuses: statusNames(), Priorities: tickets.Priorities,
		Types: []string{tickets.Incident, tickets.ServiceRequest}, Tiers: s.desk.TierNames(), Agents: s.desk.Agents(),
		Orders: tickets.QueueOrders(), Ratings: ratingFilters, Page: form.Page, Pages: max(1, (q.Total+pageSize-1)/pageSize)}
	for _, n := range q.Counts {
		p.All += n
	}
	if form.Page > 1 {
		f := form
		f.Page--
		p.PrevURL = f.url("/")
	}
	if form.Page < p.Pages {
		f := form
		f.Page++
		p.NextURL = f.url("/")
	}
	p.LiveURL = form.url("/queue/live")
	if !slices.Contains(p.Agents, form.Assignee) && form.Assignee != "" && form.Assignee != "me" && form.Assignee != "-" {
		p.Agents = append(p.Agents, form.Assignee)
	}
	v := s.view(r, "queue")
	v.Title, v.Data = v.T("queue.title"), p
	return v, true
}
