package metrics

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// The example alerting rules and the Grafana dashboard in docs/ are kept
// true: they parse as what Prometheus and Grafana read, and every series
// they ask for is one the gateway serves, with labels it has.

// served is every series name the gateway serves (a histogram's
// _bucket, _sum and _count), with its label names and the label values
// seen at start-up.
type served map[string]map[string][]string

func servedSeries(t *testing.T) served {
	t.Helper()
	f := newFixture(t)
	f.m.Mailbox("default", time.Minute)
	fams, err := f.m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := served{}
	add := func(name string, m *dto.Metric, extra ...string) {
		labels := out[name]
		if labels == nil {
			labels = map[string][]string{}
			out[name] = labels
		}
		for _, l := range m.Label {
			if !slices.Contains(labels[l.GetName()], l.GetValue()) {
				labels[l.GetName()] = append(labels[l.GetName()], l.GetValue())
			}
		}
		for _, e := range extra {
			labels[e] = nil
		}
	}
	for _, fam := range fams {
		for _, m := range fam.Metric {
			if fam.GetType() == dto.MetricType_HISTOGRAM {
				add(fam.GetName()+"_bucket", m, "le")
				add(fam.GetName()+"_sum", m)
				add(fam.GetName()+"_count", m)
				continue
			}
			add(fam.GetName(), m)
		}
	}
	return out
}

var (
	seriesRef = regexp.MustCompile(`\b(madoguchi_[a-z0-9_]+)(\{[^}]*\})?`)
	matcher   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
)

// checkExpr reports the madoguchi series expr asks for that the gateway
// does not serve, and the label names and values their selectors name
// that it does not have.
func (s served) checkExpr(t *testing.T, where, expr string) int {
	t.Helper()
	n := 0
	for _, ref := range seriesRef.FindAllStringSubmatch(expr, -1) {
		n++
		labels, ok := s[ref[1]]
		if !ok {
			t.Errorf("%s: %s is not served", where, ref[1])
			continue
		}
		for _, m := range matcher.FindAllStringSubmatch(ref[2], -1) {
			name, op, value := m[1], m[2], m[3]
			values, ok := labels[name]
			if name == "job" {
				continue // the scrape's, not ours
			}
			if !ok {
				t.Errorf("%s: %s has no label %s", where, ref[1], name)
				continue
			}
			if strings.HasPrefix(value, "$") || strings.Contains(value, ".*") || len(values) == 0 {
				continue // a dashboard variable, or a value only traffic brings
			}
			for _, v := range strings.Split(value, "|") {
				if (op == "=" || op == "=~") && !slices.Contains(values, v) {
					t.Errorf("%s: %s{%s} never has the value %q (it has %v)", where, ref[1], name, v, values)
				}
			}
		}
	}
	return n
}

func TestDocs_AlertRulesAreRuleGroupsOfServedSeries(t *testing.T) {
	data, err := os.ReadFile("../docs/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name     string `yaml:"name"`
			Interval string `yaml:"interval"`
			Rules    []struct {
				Alert       string            `yaml:"alert"`
				Record      string            `yaml:"record"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error, as Prometheus makes it
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("docs/prometheus-alerts.yml: %v", err)
	}
	if len(file.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	s := servedSeries(t)
	refs, names := 0, map[string]bool{}
	for _, g := range file.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules are required", g.Name)
		}
		for _, r := range g.Rules {
			if (r.Alert == "") == (r.Record == "") || strings.TrimSpace(r.Expr) == "" {
				t.Errorf("rule %q/%q: one of alert and record, and an expr, are required", r.Alert, r.Record)
			}
			if names[r.Alert] {
				t.Errorf("alert %s twice", r.Alert)
			}
			names[r.Alert] = true
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			if r.Alert != "" && (r.Labels["severity"] == "" || r.Annotations["summary"] == "") {
				t.Errorf("%s: a severity label and a summary are expected", r.Alert)
			}
			if strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")") {
				t.Errorf("%s: unbalanced parentheses in %s", r.Alert, r.Expr)
			}
			refs += s.checkExpr(t, r.Alert, r.Expr)
		}
	}
	if refs < len(names) {
		t.Errorf("%d references to madoguchi series in %d rules", refs, len(names))
	}
}

func TestDocs_DashboardIsGrafanaJSONOfServedSeries(t *testing.T) {
	data, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID           string `json:"uid"`
		Title         string `json:"title"`
		SchemaVersion int    `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name, Type string
				Query      any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			Title   string `json:"title"`
			GridPos struct {
				X, Y, W, H int
			} `json:"gridPos"`
			Datasource *struct{ Type, UID string } `json:"datasource"`
			Targets    []struct {
				Expr  string `json:"expr"`
				RefID string `json:"refId"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" || dash.SchemaVersion == 0 || len(dash.Panels) == 0 {
		t.Fatalf("dashboard uid %q title %q schemaVersion %d, %d panels", dash.UID, dash.Title, dash.SchemaVersion, len(dash.Panels))
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type
		if q, ok := v.Query.(map[string]any); ok {
			if expr, _ := q["query"].(string); expr != "" {
				servedSeries(t).checkExpr(t, "variable "+v.Name, expr)
			}
		}
	}
	if vars["datasource"] != "datasource" {
		t.Errorf("no datasource variable: %v", vars)
	}
	s := servedSeries(t)
	ids, refs := map[int]bool{}, 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %+v, %d targets", p.Title, p.Datasource, len(p.Targets))
		}
		for _, tg := range p.Targets {
			for name := range strings.FieldsFuncSeq(tg.Expr, func(r rune) bool { return r != '$' && !('a' <= r && r <= 'z') && r != '_' }) {
				if v, ok := strings.CutPrefix(name, "$"); ok && v != "__rate_interval" && vars[v] == "" {
					t.Errorf("panel %q uses $%s, no variable of the dashboard", p.Title, v)
				}
			}
			refs += s.checkExpr(t, "panel "+p.Title, tg.Expr)
		}
	}
	// Every family the gateway serves is on the dashboard, build info aside.
	for _, name := range metricNames {
		if name != "madoguchi_build_info" && !strings.Contains(string(data), name) {
			t.Errorf("%s is on no panel", name)
		}
	}
	if refs == 0 {
		t.Error("no panel reads a madoguchi series")
	}
}
