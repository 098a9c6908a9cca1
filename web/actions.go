package web

import (
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the ticket page's actions: each is one entry of actions,
// the form it shows and the desk commands its form makes. Adding an action
// (#merge, #link, #cc of issue 13) is adding an entry and its words in
// i18n.go; the desk does the rest, with the same checks and audit as a
// mail command.

// field is one input of an action's form.
type field struct {
	Name     string // the form's field: "text", "to", ...
	Kind     string // "textarea", "select" or "text"
	Required bool
	// options lists a select's choices (the only values accepted).
	options func(s *Server, t *desk.TicketDetail, lang string) []option
}

type option struct {
	Value, Label string
	Selected     bool
}

// action is one thing an agent can do to a ticket in the console.
type action struct {
	Name   string
	Fields []field
	Danger bool
	// shown says whether the action makes sense for the ticket now; nil =
	// whenever the ticket is not closed.
	shown func(s *Server, t *desk.TicketDetail) bool
	// command turns the checked form into the desk's commands and text.
	command func(form url.Values) (commands []string, text string)
}

var (
	textField     = field{Name: "text", Kind: "textarea", Required: true}
	optionalText  = field{Name: "text", Kind: "textarea"}
	priorityField = field{Name: "priority", Kind: "select", Required: true, options: func(_ *Server, t *desk.TicketDetail, _ string) []option {
		var out []option
		for _, p := range tickets.Priorities {
			out = append(out, option{Value: p, Label: p, Selected: p == t.Priority})
		}
		return out
	}}
	typeField = field{Name: "type", Kind: "select", Required: true, options: func(_ *Server, t *desk.TicketDetail, lang string) []option {
		return []option{
			{Value: "incident", Label: tr(lang, "type.incident"), Selected: t.Type == tickets.Incident},
			{Value: "request", Label: tr(lang, "type.service_request"), Selected: t.Type == tickets.ServiceRequest},
		}
	}}
	agentField = field{Name: "to", Kind: "select", Required: true, options: func(s *Server, t *desk.TicketDetail, _ string) []option {
		var out []option
		for _, a := range s.desk.Agents() {
			out = append(out, option{Value: a, Label: a, Selected: a == t.Assignee})
		}
		return out
	}}
	keyField = field{Name: "key", Kind: "text", Required: true}
)

// actions are the ticket page's actions, in the order it shows them.
var actions = []action{
	{Name: "reply", Fields: []field{textField},
		command: func(f url.Values) ([]string, string) { return nil, f.Get("text") }},
	{Name: "note", Fields: []field{textField},
		command: func(f url.Values) ([]string, string) { return []string{"note"}, f.Get("text") }},
	{Name: "take", shown: func(s *Server, t *desk.TicketDetail) bool { return true },
		command: func(url.Values) ([]string, string) { return []string{"take"}, "" }},
	{Name: "assign", Fields: []field{agentField},
		command: func(f url.Values) ([]string, string) { return []string{"assign " + f.Get("to")}, "" }},
	{Name: "priority", Fields: []field{priorityField},
		command: func(f url.Values) ([]string, string) { return []string{"priority " + f.Get("priority")}, "" }},
	{Name: "type", Fields: []field{typeField},
		command: func(f url.Values) ([]string, string) { return []string{"type " + f.Get("type")}, "" }},
	{Name: "hold", Fields: []field{optionalText},
		shown:   statusIn(tickets.StatusNew, tickets.StatusEscalated, tickets.StatusInProgress),
		command: func(f url.Values) ([]string, string) { return []string{"hold"}, f.Get("text") }},
	{Name: "escalate",
		shown: func(s *Server, t *desk.TicketDetail) bool {
			return t.Status != tickets.StatusClosed && t.Tier+1 < len(s.desk.TierNames())
		},
		command: func(url.Values) ([]string, string) { return []string{"escalate"}, "" }},
	{Name: "answer", Fields: []field{keyField, optionalText},
		command: func(f url.Values) ([]string, string) { return []string{"answer " + f.Get("key")}, f.Get("text") }},
	{Name: "resolve", Fields: []field{optionalText},
		shown: func(_ *Server, t *desk.TicketDetail) bool {
			return t.Status != tickets.StatusResolved && t.Status != tickets.StatusClosed
		},
		command: func(f url.Values) ([]string, string) { return []string{"resolve"}, f.Get("text") }},
	{Name: "close", Danger: true,
		command: func(url.Values) ([]string, string) { return []string{"close"}, "" }},
}

func statusIn(list ...tickets.Status) func(*Server, *desk.TicketDetail) bool {
	return func(_ *Server, t *desk.TicketDetail) bool { return slices.Contains(list, t.Status) }
}

func actionNamed(name string) *action {
	for i := range actions {
		if actions[i].Name == name {
			return &actions[i]
		}
	}
	return nil
}

func (a *action) isShown(s *Server, t *desk.TicketDetail) bool {
	if t.Status == tickets.StatusClosed {
		return false
	}
	return a.shown == nil || a.shown(s, t)
}

// check accepts a posted form only as the page offers it: required fields
// filled, a select's value one of its options, a one-word field one word.
// A value can never carry a second command onto a line of its own.
func (a *action) check(s *Server, t *desk.TicketDetail, form url.Values) bool {
	for _, f := range a.Fields {
		v := form.Get(f.Name)
		if f.Required && strings.TrimSpace(v) == "" {
			return false
		}
		switch f.Kind {
		case "select":
			if !slices.ContainsFunc(f.options(s, t, "en"), func(o option) bool { return o.Value == v }) {
				return false
			}
		case "text":
			if len(v) > 200 || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
				return false
			}
		}
	}
	return true
}

// actionView is an action as its form shows it.
type actionView struct {
	Name   string
	Fields []fieldView
	Danger bool
	Open   bool
}

type fieldView struct {
	ID, Name, Kind string
	Required       bool
	Options        []option
}

func (s *Server) actionViews(t *desk.TicketDetail, lang string) []actionView {
	var out []actionView
	for _, a := range actions {
		if !a.isShown(s, t) {
			continue
		}
		av := actionView{Name: a.Name, Danger: a.Danger, Open: a.Name == "reply"}
		for _, f := range a.Fields {
			fv := fieldView{ID: a.Name + "-" + f.Name, Name: f.Name, Kind: f.Kind, Required: f.Required}
			if f.options != nil {
				fv.Options = f.options(s, t, lang)
			}
			av.Fields = append(av.Fields, fv)
		}
		out = append(out, av)
	}
	return out
}
