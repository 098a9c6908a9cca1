package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the API's FAQ (list, one entry, a new draft, publishing
// and retiring) and its reports (the console's figures).

// faqSummary is an entry as a list shows it: without its paraphrases,
// with their number.
type faqSummary struct {
	*tickets.FAQ
	Paraphrases     *struct{} `json:"paraphrases,omitempty"` // hides the entry's: a list shows their number
	ParaphraseCount int       `json:"paraphrase_count"`
}

type faqList struct {
	Entries []faqSummary   `json:"entries"`
	Total   int            `json:"total"`
	Counts  map[string]int `json:"counts"` // per status, of the selection without its status filter
	Limit   int            `json:"limit"`
	Offset  int            `json:"offset"`
}

// apiFAQList lists the FAQ entries by key, filtered and paged in SQL.
func (s *Server) apiFAQList(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r, "status", "language", "search", "limit", "offset")
	if !ok {
		return
	}
	f := desk.FAQFilter{Status: q["status"], Language: q["language"], Search: strings.TrimSpace(q["search"]), Limit: apiDefaultLimit}
	if (f.Status != "" && !slices.Contains(faqStatuses, f.Status)) || (f.Language != "" && !slices.Contains(faqLanguages, f.Language)) || len(f.Search) > 200 {
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, "status is draft, published or retired; language en or ja; search at most 200 bytes")
		return
	}
	if !s.paging(w, r, q, &f.Limit, &f.Offset) {
		return
	}
	l, err := s.desk.FAQList(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := faqList{Entries: []faqSummary{}, Total: l.Total, Counts: l.Counts, Limit: f.Limit, Offset: f.Offset}
	if out.Counts == nil {
		out.Counts = map[string]int{}
	}
	for _, row := range l.Rows {
		row.Tags = nonNilTags(row.Tags)
		out.Entries = append(out.Entries, faqSummary{FAQ: row.FAQ, ParaphraseCount: row.ParaphraseCount})
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNilTags(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

// faqEntry is one entry with its paraphrases and its audit trail.
type faqEntry struct {
	*tickets.FAQ
	Events []tickets.Event `json:"events"`
}

// writeFAQ answers with the entry key as it now is.
func (s *Server) writeFAQ(w http.ResponseWriter, r *http.Request, status int, key string) {
	d, err := s.desk.FAQDetail(r.Context(), key)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	d.Tags = nonNilTags(d.Tags)
	if d.Paraphrases == nil {
		d.Paraphrases = []tickets.Paraphrase{}
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", apiPrefix+"/faq/"+url.PathEscape(key))
	}
	writeJSON(w, status, faqEntry{FAQ: d.FAQ, Events: d.Events})
}

// apiFAQEntry is one entry.
func (s *Server) apiFAQEntry(w http.ResponseWriter, r *http.Request) {
	s.writeFAQ(w, r, http.StatusOK, r.PathValue("key"))
}

// newFAQ is the body of a new draft.
type newFAQ struct {
	Key      string   `json:"key"`
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Language string   `json:"language"`
	Tags     []string `json:"tags"`
}

// apiFAQCreate stores a new draft; a key in use is a conflict, never
// replaced.
func (s *Server) apiFAQCreate(w http.ResponseWriter, r *http.Request) {
	var b newFAQ
	if !s.readJSON(w, r, &b, nil) {
		return
	}
	f := tickets.FAQ{Key: strings.TrimSpace(b.Key), Question: strings.TrimSpace(b.Question), Answer: strings.TrimSpace(b.Answer),
		Language: b.Language, Status: tickets.FAQDraft}
	for _, t := range b.Tags {
		if t = strings.TrimSpace(t); t != "" {
			f.Tags = append(f.Tags, t)
		}
	}
	if err := tickets.ValidateFAQ(&f); err != nil {
		s.apiFail(w, r, http.StatusUnprocessableEntity, codeInvalid, err.Error())
		return
	}
	if len(f.Key) > 200 {
		s.apiFail(w, r, http.StatusUnprocessableEntity, codeInvalid, "key is over 200 bytes")
		return
	}
	if _, err := s.desk.DraftFAQ(r.Context(), f, tokenOf(r).Name); err != nil {
		s.apiErr(w, r, err)
		return
	}
	s.writeFAQ(w, r, http.StatusCreated, f.Key)
}

// apiFAQPublish publishes an entry; one drafted from a ticket needs
// "reviewed": true, which records that a person read it.
func (s *Server) apiFAQPublish(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reviewed bool `json:"reviewed"`
	}
	if !s.readJSON(w, r, &b, nil) {
		return
	}
	key := r.PathValue("key")
	if err := s.desk.Publish(r.Context(), key, tokenOf(r).Name, b.Reviewed); err != nil {
		s.apiErr(w, r, err)
		return
	}
	s.writeFAQ(w, r, http.StatusOK, key)
}

// apiFAQRetire retires an entry: it answers no more mail.
func (s *Server) apiFAQRetire(w http.ResponseWriter, r *http.Request) {
	if !s.readJSON(w, r, &struct{}{}, nil) {
		return
	}
	key := r.PathValue("key")
	if err := s.desk.SetFAQStatus(r.Context(), key, tickets.FAQRetired, tokenOf(r).Name); err != nil {
		s.apiErr(w, r, err)
		return
	}
	s.writeFAQ(w, r, http.StatusOK, key)
}

// report is the console's figures of a range of days, in the desk's
// time zone.
type report struct {
	From       string                   `json:"from"` // the first day, "2026-12-01"
	To         string                   `json:"to"`   // the last day, included
	TimeZone   string                   `json:"time_zone"`
	Days       []string                 `json:"days"`
	Created    int                      `json:"created"`
	ByType     map[string][]int         `json:"by_type"`     // per day, as days
	ByPriority map[string][]int         `json:"by_priority"` // per day, as days
	Times      []reportTimes            `json:"times"`
	Compliance []reportCompliance       `json:"compliance"`
	Auto       reportAuto               `json:"auto"`
	Backlog    reportBacklog            `json:"backlog"`
	TopFAQ     []reportTopFAQ           `json:"top_faq"`
	TopPeople  []reportCount            `json:"top_requesters"`
	TopTopics  []reportCount            `json:"top_subjects"`
	Targets    map[string]reportTargets `json:"targets"` // per priority, in seconds of business time
}

type reportTimes struct {
	Priority string        `json:"priority"`
	Respond  reportFigures `json:"respond"`
	Resolve  reportFigures `json:"resolve"`
}

type reportFigures struct {
	Count         int     `json:"count"`
	InTime        int     `json:"in_time"`
	P50Seconds    float64 `json:"p50_seconds"`
	P90Seconds    float64 `json:"p90_seconds"`
	TargetSeconds float64 `json:"target_seconds"`
}

type reportCompliance struct {
	Group           string  `json:"group"` // P1 … P5, or a tier's row
	Tier            bool    `json:"tier"`
	Count           int     `json:"count"`
	RespondBreached int     `json:"respond_breached"`
	ResolveBreached int     `json:"resolve_breached"`
	RespondMet      float64 `json:"respond_met"` // 0 … 1
	ResolveMet      float64 `json:"resolve_met"`
}

type reportAuto struct {
	Tickets    int `json:"tickets"`
	Answered   int `json:"answered"`
	Helpful    int `json:"helpful"`
	NotHelpful int `json:"not_helpful"`
}

type reportBacklog struct {
	At         time.Time        `json:"at"`
	BucketDays []int            `json:"bucket_days"` // each bucket's lower bound of age, in days
	ByPriority map[string][]int `json:"by_priority"` // per bucket
}

type reportTopFAQ struct {
	Key        string `json:"key"`
	Answered   int    `json:"answered"`
	Helpful    int    `json:"helpful"`
	NotHelpful int    `json:"not_helpful"`
}

type reportCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type reportTargets struct {
	RespondSeconds float64 `json:"respond_seconds"`
	ResolveSeconds float64 `json:"resolve_seconds"`
}

// apiReports is the figures of the tickets created from one day to
// another (default: the last 30 days), as the reports page draws them.
func (s *Server) apiReports(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.query(w, r, "from", "to"); !ok {
		return
	}
	first, last, ok := s.reportRange(r)
	if !ok {
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("from and to are days (2006-01-02), from not after to, at most %d days", desk.MaxReportDays))
		return
	}
	rep, err := s.desk.Report(r.Context(), first, last)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := report{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), TimeZone: s.desk.Location().String(),
		Days: rep.Days, Created: rep.Created, ByType: rep.ByType, ByPriority: rep.ByPriority,
		Auto:    reportAuto{Tickets: rep.Auto.Tickets, Answered: rep.Auto.Answered, Helpful: rep.Auto.Helpful, NotHelpful: rep.Auto.NotHelpful},
		Backlog: reportBacklog{At: rep.BacklogAt, BucketDays: tickets.BacklogBuckets, ByPriority: rep.Backlog},
		Times:   []reportTimes{}, Compliance: []reportCompliance{}, TopFAQ: []reportTopFAQ{}, TopPeople: []reportCount{}, TopTopics: []reportCount{},
		Targets: map[string]reportTargets{}}
	fig := func(f desk.TimeFigures) reportFigures {
		return reportFigures{Count: f.Count, InTime: f.InTime, P50Seconds: f.P50.Seconds(), P90Seconds: f.P90.Seconds(), TargetSeconds: f.Target.Seconds()}
	}
	for _, t := range rep.Times {
		out.Times = append(out.Times, reportTimes{Priority: t.Priority, Respond: fig(t.Respond), Resolve: fig(t.Resolve)})
	}
	for _, c := range rep.Compliance {
		out.Compliance = append(out.Compliance, reportCompliance{Group: c.Group, Tier: c.Tier, Count: c.Count,
			RespondBreached: c.RespondBreached, ResolveBreached: c.ResolveBreached, RespondMet: c.RespondMet(), ResolveMet: c.ResolveMet()})
	}
	for _, f := range rep.TopFAQ {
		out.TopFAQ = append(out.TopFAQ, reportTopFAQ{Key: f.Key, Answered: f.Answered, Helpful: f.Helpful, NotHelpful: f.NotHelpful})
	}
	for _, c := range rep.TopPeople {
		out.TopPeople = append(out.TopPeople, reportCount{Name: c.Name, Count: c.Count})
	}
	for _, c := range rep.TopTopics {
		out.TopTopics = append(out.TopTopics, reportCount{Name: c.Name, Count: c.Count})
	}
	for p, t := range rep.Targets {
		out.Targets[p] = reportTargets{RespondSeconds: t.Respond.Seconds(), ResolveSeconds: t.Resolve.Seconds()}
	}
	writeJSON(w, http.StatusOK, out)
}
