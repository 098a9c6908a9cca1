package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the API's tickets: the list with the filters of `tickets
// list`, one ticket as `tickets show --json` has it, and the actions, each
// the desk command an agent would mail.

// Paging of the API's lists.
const (
	apiDefaultLimit = 50
	apiMaxLimit     = 500
)

// ticketList is a page of the queue.
type ticketList struct {
	Tickets []desk.QueueItem `json:"tickets"`
	Total   int              `json:"total"`  // tickets the filters select, over all pages
	Counts  map[string]int   `json:"counts"` // per status, of the selection without its status filter
	Limit   int              `json:"limit"`
	Offset  int              `json:"offset"`
}

// apiTickets lists tickets, filtered and paged in SQL, as `tickets list`
// and the console's queue do.
func (s *Server) apiTickets(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r, "status", "priority", "type", "tier", "assignee", "overdue", "auto", "search", "order", "limit", "offset")
	if !ok {
		return
	}
	f := desk.QueueFilter{Tier: -1, Order: "newest", Limit: apiDefaultLimit}
	bad := func(format string, args ...any) {
		s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf(format, args...))
	}
	switch st := tickets.Status(q["status"]); {
	case st == "" || st == tickets.StatusOpen || slices.Contains(tickets.Statuses, st):
		f.Status = st
	default:
		bad("unknown status %q (open, %s)", st, joinAny(tickets.Statuses))
		return
	}
	if p := strings.ToUpper(q["priority"]); p != "" {
		if !slices.Contains(tickets.Priorities, p) {
			bad("unknown priority %q (P1 … P5)", q["priority"])
			return
		}
		f.Priority = p
	}
	if typ := q["type"]; typ != "" {
		if typ != tickets.Incident && typ != tickets.ServiceRequest {
			bad("unknown type %q (incident, service_request)", typ)
			return
		}
		f.Type = typ
	}
	if name := q["tier"]; name != "" {
		f.Tier = slices.IndexFunc(s.desk.TierNames(), func(t string) bool { return strings.EqualFold(t, name) })
		if f.Tier < 0 {
			bad("no tier named %q (%s)", name, strings.Join(s.desk.TierNames(), ", "))
			return
		}
	}
	if a := strings.ToLower(strings.TrimSpace(q["assignee"])); a != "" {
		if a != "-" && !slices.Contains(s.desk.Agents(), a) {
			bad("%q is no agent's address (or - for nobody)", q["assignee"])
			return
		}
		f.Assignee = a
	}
	for name, dst := range map[string]*bool{"overdue": &f.Overdue, "auto": &f.Auto} {
		if v := q[name]; v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad("%s=%q is not true or false", name, v)
				return
			}
			*dst = b
		}
	}
	if f.Search = strings.TrimSpace(q["search"]); len(f.Search) > 200 {
		bad("the search is over 200 bytes")
		return
	}
	if o := q["order"]; o != "" {
		if !slices.Contains(tickets.QueueOrders(), o) {
			bad("unknown order %q (%s)", o, strings.Join(tickets.QueueOrders(), ", "))
			return
		}
		f.Order = o
	}
	if !s.paging(w, r, q, &f.Limit, &f.Offset) {
		return
	}
	page, err := s.desk.Queue(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := ticketList{Tickets: page.Items, Total: page.Total, Counts: map[string]int{}, Limit: f.Limit, Offset: f.Offset}
	for st, n := range page.Counts {
		out.Counts[string(st)] = n
	}
	if out.Tickets == nil {
		out.Tickets = []desk.QueueItem{}
	}
	writeJSON(w, http.StatusOK, out)
}

// paging reads limit (1 … apiMaxLimit, default apiDefaultLimit) and offset.
func (s *Server) paging(w http.ResponseWriter, r *http.Request, q map[string]string, limit, offset *int) bool {
	for name, dst := range map[string]*int{"limit": limit, "offset": offset} {
		v := q[name]
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || name == "limit" && (n < 1 || n > apiMaxLimit) {
			s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s=%q: want limit 1 … %d, offset 0 or more", name, v, apiMaxLimit))
			return false
		}
		*dst = n
	}
	return true
}

func joinAny[S ~string](list []S) string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// apiTicket is one ticket whole: the ticket, its participants, entries,
// audit trail and FAQ suggestions.
func (s *Server) apiTicket(w http.ResponseWriter, r *http.Request) {
	d, err := s.desk.TicketDetail(r.Context(), r.PathValue("ref"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	if d.Suggestions == nil {
		d.Suggestions = []tickets.Suggestion{}
	}
	if d.Participants == nil {
		d.Participants = []string{}
	}
	writeJSON(w, http.StatusOK, d)
}

// actionBody is the body of every action; each takes some of its fields
// (apiAction.Fields), and a field another action takes is refused.
type actionBody struct {
	Text     string `json:"text"`
	To       string `json:"to"`
	Priority string `json:"priority"`
	Type     string `json:"type"`
	Key      string `json:"key"`
	Address  string `json:"address"`
	Into     string `json:"into"`
	Other    string `json:"other"`
	Off      bool   `json:"off"`
}

// apiAction is one action on a ticket: POST /api/v1/tickets/{ref}/NAME.
type apiAction struct {
	Name     string
	Fields   []string // the body's fields it takes
	Required []string // of those, the ones it needs
	command  func(b actionBody) (commands []string, text string)
}

// apiActions are the actions on tickets, each the mail command of its
// name (#resolve, #assign ADDRESS, …) with the same checks, mail and
// audit, under the token's name.
var apiActions = []apiAction{
	{Name: "reply", Fields: []string{"text"}, Required: []string{"text"},
		command: func(b actionBody) ([]string, string) { return nil, b.Text }},
	{Name: "note", Fields: []string{"text"}, Required: []string{"text"},
		command: func(b actionBody) ([]string, string) { return []string{"note"}, b.Text }},
	{Name: "assign", Fields: []string{"to"}, Required: []string{"to"},
		command: func(b actionBody) ([]string, string) { return []string{"assign " + b.To}, "" }},
	{Name: "priority", Fields: []string{"priority"}, Required: []string{"priority"},
		command: func(b actionBody) ([]string, string) { return []string{"priority " + b.Priority}, "" }},
	{Name: "type", Fields: []string{"type"}, Required: []string{"type"},
		command: func(b actionBody) ([]string, string) { return []string{"type " + b.Type}, "" }},
	{Name: "hold", Fields: []string{"text"},
		command: func(b actionBody) ([]string, string) { return []string{"hold"}, b.Text }},
	{Name: "escalate", Fields: []string{"text"},
		command: func(b actionBody) ([]string, string) { return []string{"escalate"}, b.Text }},
	{Name: "resolve", Fields: []string{"text"},
		command: func(b actionBody) ([]string, string) { return []string{"resolve"}, b.Text }},
	{Name: "close", Fields: []string{},
		command: func(actionBody) ([]string, string) { return []string{"close"}, "" }},
	{Name: "answer", Fields: []string{"key", "text"}, Required: []string{"key"},
		command: func(b actionBody) ([]string, string) { return []string{"answer " + b.Key}, b.Text }},
	{Name: "cc", Fields: []string{"address"}, Required: []string{"address"},
		command: func(b actionBody) ([]string, string) { return []string{"cc " + b.Address}, "" }},
	{Name: "uncc", Fields: []string{"address"}, Required: []string{"address"},
		command: func(b actionBody) ([]string, string) { return []string{"uncc " + b.Address}, "" }},
	{Name: "merge", Fields: []string{"into", "text"}, Required: []string{"into"},
		command: func(b actionBody) ([]string, string) { return []string{"merge " + b.Into}, b.Text }},
	{Name: "link", Fields: []string{"other"}, Required: []string{"other"},
		command: func(b actionBody) ([]string, string) { return []string{"link " + b.Other}, "" }},
	{Name: "major", Fields: []string{"off"},
		command: func(b actionBody) ([]string, string) {
			if b.Off {
				return []string{"major off"}, ""
			}
			return []string{"major"}, ""
		}},
}

// words are the body's one-word fields: a command's argument, which must
// never carry a second command onto a line of its own.
var words = map[string]func(actionBody) string{
	"to": func(b actionBody) string { return b.To }, "priority": func(b actionBody) string { return b.Priority },
	"type": func(b actionBody) string { return b.Type }, "key": func(b actionBody) string { return b.Key },
	"address": func(b actionBody) string { return b.Address }, "into": func(b actionBody) string { return b.Into },
	"other": func(b actionBody) string { return b.Other },
}

// outcome is what an action did.
type outcome struct {
	Ticket string   `json:"ticket"` // the ticket acted on (a number or another prefix finds it)
	Status string   `json:"status"` // its status afterwards
	Sent   []string `json:"sent"`   // the kinds of mail queued: to the customer, to the tier
	Reason string   `json:"reason,omitempty"`
}

// apiAct does action a to the ticket of the path through the desk, as
// the token's name: all of it or nothing (422 refused, with the desk's
// reasons).
func (s *Server) apiAct(a apiAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var b actionBody
		if !s.readJSON(w, r, &b, a.Fields) {
			return
		}
		for _, name := range a.Fields {
			get := words[name]
			if get == nil {
				continue
			}
			v := get(b)
			if len(v) > 200 || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
				s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s must be one word of at most 200 bytes", name))
				return
			}
		}
		for _, name := range a.Required {
			if v := fieldText(b, name); strings.TrimSpace(v) == "" {
				s.apiFail(w, r, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s needs %s", a.Name, name))
				return
			}
		}
		commands, text := a.command(b)
		oc, err := s.desk.Act(r.Context(), r.PathValue("ref"), desk.Action{Actor: tokenOf(r).Name, Commands: commands, Text: text})
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		sent := oc.Sent
		if sent == nil {
			sent = []string{}
		}
		writeJSON(w, http.StatusOK, outcome{Ticket: oc.Ticket, Status: string(oc.Status), Sent: sent, Reason: oc.Reason})
	}
}

// fieldText is a body's field by its JSON name.
func fieldText(b actionBody, name string) string {
	if name == "text" {
		return b.Text
	}
	if get := words[name]; get != nil {
		return get(b)
	}
	return ""
}
