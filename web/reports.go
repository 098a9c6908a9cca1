package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the reports page (admins and viewers): charts drawn by Chart.js from
// the figures the desk computes, any range of days, and a CSV file of each
// section with the same figures.

type reportsPage struct {
	R        *desk.Report
	From, To string // the range, "2006-01-02", both days included
	Charts   reportCharts
	Presets  []preset
}

type preset struct{ Label, URL string }

// reportCharts are the Chart.js configurations, as JSON for the canvases'
// data-chart attribute (app.js draws them; no script is inline).
type reportCharts struct {
	VolumeType, VolumePriority, Times, Compliance, Auto, Backlog, Satisfaction string
}

// CSV is the address of a section's CSV file for the same range.
func (p reportsPage) CSV(section string) string {
	return "/reports/" + section + ".csv?" + url.Values{"from": {p.From}, "to": {p.To}}.Encode()
}

// satTable is one table of the satisfaction section: its rows, by what
// they group (kind), in the reader's words.
type satTable struct {
	V     *view
	Title string
	Kind  string // answer, tier, agent, priority, type, month
	Rows  []desk.SatisfactionRow
}

// Label is a row's group as the reader reads it.
func (t satTable) Label(group string) string {
	switch {
	case t.Kind == "answer":
		return t.V.T("answer." + group)
	case t.Kind == "type":
		return t.V.T("type." + group)
	case t.Kind == "tier" && group == "":
		return t.V.T("reports.no_tier")
	case t.Kind == "agent" && group == "":
		return t.V.T("reports.no_agent")
	}
	return group
}

// reportRange reads the range of the query (default: the last 30 days).
func (s *Server) reportRange(r *http.Request) (first, last time.Time, ok bool) {
	loc := s.desk.Location()
	now := s.opts.Now().In(loc)
	last = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	first = last.AddDate(0, 0, -29)
	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if first, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return first, last, false
		}
	}
	if v := q.Get("to"); v != "" {
		if last, err = time.ParseInLocation(time.DateOnly, v, loc); err != nil {
			return first, last, false
		}
	}
	return first, last, !last.Before(first) && last.Sub(first) < desk.MaxReportDays*24*time.Hour
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) (*desk.Report, time.Time, time.Time, bool) {
	first, last, ok := s.reportRange(r)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, "error.bad_range", "error.bad_request_text")
		return nil, first, last, false
	}
	rep, err := s.desk.Report(r.Context(), first, last)
	if err != nil {
		s.failErr(w, r, err)
		return nil, first, last, false
	}
	return rep, first, last, true
}

// reports is the reports page.
func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	rep, first, last, ok := s.report(w, r)
	if !ok {
		return
	}
	v := s.view(r, "reports")
	v.Title = v.T("reports.title")
	p := reportsPage{R: rep, From: first.Format(time.DateOnly), To: last.Format(time.DateOnly)}
	today := s.opts.Now().In(s.desk.Location())
	for _, d := range []struct {
		key  string
		days int
	}{{"reports.last7", 7}, {"reports.last30", 30}, {"reports.last365", 365}} {
		q := url.Values{"from": {today.AddDate(0, 0, 1-d.days).Format(time.DateOnly)}, "to": {today.Format(time.DateOnly)}}
		p.Presets = append(p.Presets, preset{Label: d.key, URL: "/reports?" + q.Encode()})
	}
	p.Charts = charts(rep, v)
	v.Data = p
	s.page(w, r, http.StatusOK, "reports", v)
}

// palette colours the series; the same priority has the same colour in
// every chart.
var palette = []string{"#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#00838f", "#4e342e"}

type chart struct {
	Type    string         `json:"type"`
	Data    chartData      `json:"data"`
	Options map[string]any `json:"options"`
}

type chartData struct {
	Labels   []string  `json:"labels"`
	Datasets []dataset `json:"datasets"`
}

type dataset struct {
	Label           string    `json:"label"`
	Data            []float64 `json:"data"`
	Type            string    `json:"type,omitempty"`
	BackgroundColor any       `json:"backgroundColor,omitempty"`
	BorderColor     string    `json:"borderColor,omitempty"`
	Stack           string    `json:"stack,omitempty"`
}

func (c chart) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func options(stacked bool, title string) map[string]any {
	return map[string]any{
		"animation": false, "responsive": true, "maintainAspectRatio": false,
		"plugins": map[string]any{"title": map[string]any{"display": title != "", "text": title}},
		"scales":  map[string]any{"x": map[string]any{"stacked": stacked}, "y": map[string]any{"stacked": stacked, "beginAtZero": true}},
	}
}

func ints(n []int) []float64 {
	out := make([]float64, len(n))
	for i, x := range n {
		out[i] = float64(x)
	}
	return out
}

func hours(d time.Duration) float64 { return float64(int(d.Hours()*100)) / 100 }

// charts builds every chart of the page from the report.
func charts(r *desk.Report, v *view) reportCharts {
	var c reportCharts
	byType := chart{Type: "bar", Data: chartData{Labels: r.Days}, Options: options(true, v.T("reports.volume_type"))}
	for i, typ := range []string{tickets.Incident, tickets.ServiceRequest} {
		byType.Data.Datasets = append(byType.Data.Datasets, dataset{Label: v.T("type." + typ), Data: ints(r.ByType[typ]), BackgroundColor: palette[4+i]})
	}
	c.VolumeType = byType.String()
	byPrio := chart{Type: "bar", Data: chartData{Labels: r.Days}, Options: options(true, v.T("reports.volume_priority"))}
	for i, p := range tickets.Priorities {
		byPrio.Data.Datasets = append(byPrio.Data.Datasets, dataset{Label: p, Data: ints(r.ByPriority[p]), BackgroundColor: palette[i]})
	}
	c.VolumePriority = byPrio.String()

	times := chart{Type: "bar", Data: chartData{Labels: tickets.Priorities}, Options: options(false, v.T("reports.hours"))}
	series := []struct {
		label string
		color string
		get   func(desk.PriorityTimes) time.Duration
		line  bool
	}{
		{v.T("target.respond") + " p50", palette[4], func(p desk.PriorityTimes) time.Duration { return p.Respond.P50 }, false},
		{v.T("target.respond") + " p90", palette[6], func(p desk.PriorityTimes) time.Duration { return p.Respond.P90 }, false},
		{v.T("target.respond") + " " + v.T("reports.target"), palette[6], func(p desk.PriorityTimes) time.Duration { return p.Respond.Target }, true},
		{v.T("target.resolve") + " p50", palette[3], func(p desk.PriorityTimes) time.Duration { return p.Resolve.P50 }, false},
		{v.T("target.resolve") + " p90", palette[2], func(p desk.PriorityTimes) time.Duration { return p.Resolve.P90 }, false},
		{v.T("target.resolve") + " " + v.T("reports.target"), palette[2], func(p desk.PriorityTimes) time.Duration { return p.Resolve.Target }, true},
	}
	for _, s := range series {
		ds := dataset{Label: s.label, BackgroundColor: s.color}
		if s.line {
			ds.Type, ds.BorderColor, ds.BackgroundColor = "line", s.color, nil
		}
		for _, p := range r.Times {
			ds.Data = append(ds.Data, hours(s.get(p)))
		}
		times.Data.Datasets = append(times.Data.Datasets, ds)
	}
	c.Times = times.String()

	comp := chart{Type: "bar", Options: options(false, "%")}
	respond, resolve := dataset{Label: v.T("reports.respond_met"), BackgroundColor: palette[4]}, dataset{Label: v.T("reports.resolve_met"), BackgroundColor: palette[3]}
	for _, g := range r.Compliance {
		label := g.Group
		if g.Tier {
			label = v.T("field.tier") + " " + g.Group
			if g.Group == "" {
				label = v.T("field.tier") + " " + v.T("reports.no_tier")
			}
		}
		comp.Data.Labels = append(comp.Data.Labels, label)
		respond.Data = append(respond.Data, float64(int(1000*g.RespondMet()))/10)
		resolve.Data = append(resolve.Data, float64(int(1000*g.ResolveMet()))/10)
	}
	comp.Data.Datasets = []dataset{respond, resolve}
	c.Compliance = comp.String()

	auto := chart{Type: "bar", Data: chartData{Labels: []string{v.T("reports.auto_answered"), v.T("reports.by_people"), v.T("reports.helpful"), v.T("reports.not_helpful")}},
		Options: options(false, "")}
	auto.Data.Datasets = []dataset{{Label: v.T("reports.tickets"), BackgroundColor: []string{palette[4], palette[7], palette[3], palette[0]},
		Data: []float64{float64(r.Auto.Answered), float64(r.Auto.Tickets - r.Auto.Answered), float64(r.Auto.Helpful), float64(r.Auto.NotHelpful)}}}
	c.Auto = auto.String()

	backlog := chart{Type: "bar", Options: options(true, "")}
	for i := range tickets.BacklogBuckets {
		backlog.Data.Labels = append(backlog.Data.Labels, v.T(fmt.Sprintf("reports.age%d", i)))
	}
	for i, p := range tickets.Priorities {
		backlog.Data.Datasets = append(backlog.Data.Datasets, dataset{Label: p, Data: ints(r.Backlog[p]), BackgroundColor: palette[i]})
	}
	c.Backlog = backlog.String()

	sat := chart{Type: "bar", Options: options(true, v.T("reports.satisfaction_chart"))}
	good, bad := dataset{Label: v.T("reports.good"), BackgroundColor: palette[3]}, dataset{Label: v.T("reports.bad"), BackgroundColor: palette[0]}
	for _, m := range r.Satisfaction.ByMonth {
		sat.Data.Labels = append(sat.Data.Labels, m.Group)
		good.Data, bad.Data = append(good.Data, float64(m.Good)), append(bad.Data, float64(m.Bad))
	}
	sat.Data.Datasets = []dataset{good, bad}
	c.Satisfaction = sat.String()
	return c
}

// reportCSV writes one section of the report as CSV, in English column
// names whatever the page's language (a spreadsheet's formulas read them).
func (s *Server) reportCSV(w http.ResponseWriter, r *http.Request) {
	section, ok := strings.CutSuffix(r.PathValue("name"), ".csv")
	if !ok || csvSections[section] == nil {
		s.notFound(w, r)
		return
	}
	rep, first, last, ok := s.report(w, r)
	if !ok {
		return
	}
	rows := csvSections[section](rep)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="madoguchi-%s-%s-%s.csv"`, section, first.Format(time.DateOnly), last.Format(time.DateOnly)))
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i, cell := range row {
			row[i] = csvCell(cell)
		}
		cw.Write(row)
	}
	cw.Flush()
}

// csvCell keeps a cell from mail (a subject, an address) from being read
// as a formula by a spreadsheet: a leading = + - @ gets a quote.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// csvSections write each section's rows, the header first.
var csvSections = map[string]func(*desk.Report) [][]string{
	"volume": func(r *desk.Report) [][]string {
		head := []string{"day", "total"}
		for _, t := range []string{tickets.Incident, tickets.ServiceRequest} {
			head = append(head, t)
		}
		head = append(head, tickets.Priorities...)
		rows := [][]string{head}
		for i, day := range r.Days {
			inc, req := r.ByType[tickets.Incident][i], r.ByType[tickets.ServiceRequest][i]
			row := []string{day, itoa(inc + req), itoa(inc), itoa(req)}
			for _, p := range tickets.Priorities {
				row = append(row, itoa(r.ByPriority[p][i]))
			}
			rows = append(rows, row)
		}
		return rows
	},
	"times": func(r *desk.Report) [][]string {
		rows := [][]string{{"priority", "responded", "respond_in_time", "respond_p50_s", "respond_p90_s", "respond_target_s",
			"resolved", "resolve_in_time", "resolve_p50_s", "resolve_p90_s", "resolve_target_s"}}
		for _, p := range r.Times {
			rows = append(rows, []string{p.Priority, itoa(p.Respond.Count), itoa(p.Respond.InTime), secs(p.Respond.P50), secs(p.Respond.P90), secs(p.Respond.Target),
				itoa(p.Resolve.Count), itoa(p.Resolve.InTime), secs(p.Resolve.P50), secs(p.Resolve.P90), secs(p.Resolve.Target)})
		}
		return rows
	},
	"compliance": func(r *desk.Report) [][]string {
		rows := [][]string{{"group", "name", "tickets", "respond_breached", "resolve_breached", "respond_met", "resolve_met"}}
		for _, c := range r.Compliance {
			group := "priority"
			if c.Tier {
				group = "tier"
			}
			rows = append(rows, []string{group, c.Group, itoa(c.Count), itoa(c.RespondBreached), itoa(c.ResolveBreached),
				strconv.FormatFloat(c.RespondMet(), 'f', 4, 64), strconv.FormatFloat(c.ResolveMet(), 'f', 4, 64)})
		}
		return rows
	},
	"auto": func(r *desk.Report) [][]string {
		return [][]string{{"tickets", "answered_automatically", "helpful", "not_helpful"},
			{itoa(r.Auto.Tickets), itoa(r.Auto.Answered), itoa(r.Auto.Helpful), itoa(r.Auto.NotHelpful)}}
	},
	"backlog": func(r *desk.Report) [][]string {
		head := []string{"priority"}
		for i, b := range tickets.BacklogBuckets {
			if i+1 < len(tickets.BacklogBuckets) {
				head = append(head, fmt.Sprintf("%d-%dd", b, tickets.BacklogBuckets[i+1]))
			} else {
				head = append(head, fmt.Sprintf("%dd+", b))
			}
		}
		rows := [][]string{head}
		for _, p := range tickets.Priorities {
			row := []string{p}
			for _, n := range r.Backlog[p] {
				row = append(row, itoa(n))
			}
			rows = append(rows, row)
		}
		return rows
	},
	"top-faq": func(r *desk.Report) [][]string {
		rows := [][]string{{"key", "answered", "helpful", "not_helpful"}}
		for _, f := range r.TopFAQ {
			rows = append(rows, []string{f.Key, itoa(f.Answered), itoa(f.Helpful), itoa(f.NotHelpful)})
		}
		return rows
	},
	"satisfaction": func(r *desk.Report) [][]string {
		rows := [][]string{{"group", "name", "good", "bad", "good_share"}}
		add := func(group string, list []desk.SatisfactionRow) {
			for _, g := range list {
				rows = append(rows, []string{group, g.Group, itoa(g.Good), itoa(g.Bad), strconv.FormatFloat(g.GoodShare(), 'f', 4, 64)})
			}
		}
		s := r.Satisfaction
		add("all", []desk.SatisfactionRow{{Group: "", Good: s.Good, Bad: s.Bad}})
		add("month", s.ByMonth)
		add("answer", s.ByAnswer)
		add("tier", s.ByTier)
		add("agent", s.ByAgent)
		add("priority", s.ByPriority)
		add("type", s.ByType)
		return rows
	},
	"top-requesters": func(r *desk.Report) [][]string { return counts("requester", r.TopPeople) },
	"top-subjects":   func(r *desk.Report) [][]string { return counts("subject", r.TopTopics) },
}

func counts(name string, list []tickets.CountRow) [][]string {
	rows := [][]string{{name, "tickets"}}
	for _, c := range list {
		rows = append(rows, []string{c.Name, itoa(c.Count)})
	}
	return rows
}
