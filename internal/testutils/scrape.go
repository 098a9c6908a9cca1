package testutils

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape is one /metrics answer parsed with Prometheus' own text parser.
type Scrape map[string]*dto.MetricFamily

// ParseMetrics parses the text exposition format, as Prometheus does.
func ParseMetrics(r io.Reader) (Scrape, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics: %w", err)
	}
	return Scrape(fams), nil
}

// Sum adds the values of the series of the family name whose labels
// include every name=value pair of match ("status", "new", …); a
// histogram's value is its count. found is false when no series matched.
func (s Scrape) Sum(name string, match ...string) (sum float64, found bool) {
	f := s[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		if !hasLabels(m, match) {
			continue
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, found
}

// By is the values of the family name by the value of label, over the
// series that match.
func (s Scrape) By(name, label string, match ...string) map[string]float64 {
	out := map[string]float64{}
	if f := s[name]; f != nil {
		for _, m := range f.Metric {
			if !hasLabels(m, match) {
				continue
			}
			v, _ := Scrape{name: &dto.MetricFamily{Metric: []*dto.Metric{m}}}.Sum(name)
			out[labelOf(m, label)] += v
		}
	}
	return out
}

// LabelValues lists every label value of every series, sorted: what a
// test checks holds no address or ticket.
func (s Scrape) LabelValues() []string {
	set := map[string]bool{}
	for _, f := range s {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				set[l.GetName()+"="+l.GetValue()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func hasLabels(m *dto.Metric, match []string) bool {
	for i := 0; i+1 < len(match); i += 2 {
		if labelOf(m, match[i]) != match[i+1] {
			return false
		}
	}
	return true
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// String names the families, for a failure message.
func (s Scrape) String() string {
	return strings.Join(slices.Sorted(maps.Keys(s)), ", ")
}
