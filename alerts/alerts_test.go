package alerts

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/desk"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestAlertmanager_AFiringGroupIsOneGroupKeyedByItsGroupKey(t *testing.T) {
	g, err := Alertmanager(open(t, "alertmanager_firing.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Source != "alertmanager" || g.Key != `{}/{severity="critical"}:{alertname="DiskFull"}` || g.Status != desk.AlertFiring {
		t.Errorf("group: source %q key %q status %q", g.Source, g.Key, g.Status)
	}
	if !slices.Equal(g.Severities, []string{"critical"}) || g.Service != "fileserver" || g.Summary != "Disk /srv is almost full" || g.From != "alertmanager" {
		t.Errorf("group: %+v", g)
	}
	for _, want := range []string{
		"Alertmanager: firing, 2 of 2 alerts firing (receiver madoguchi)",
		"- FIRING DiskFull instance=fs01:9100 job=node service=fileserver severity=critical",
		"since 2026-12-01T00:10:00Z", "description: fs02 /srv has 4% left",
		"source: http://prometheus.example.com:9090/graph?g0.expr=disk", "Alertmanager: http://alertmanager.example.com:9093",
	} {
		if !strings.Contains(g.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, g.Text)
		}
	}
	r, err := Alertmanager(open(t, "alertmanager_resolved.json"), Options{})
	if err != nil || r.Status != desk.AlertResolved || r.Key != g.Key || !strings.Contains(r.Text, "ended 2026-12-01T01:00:00Z") {
		t.Errorf("resolved: %+v, %v", r, err)
	}
}

func TestAlertmanager_WithoutCommonLabelsTheFiringAlertsSeveritiesAndServiceCount(t *testing.T) {
	g, err := Alertmanager(open(t, "alertmanager_mixed.json"), Options{ServiceLabels: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	// The resolved alert's critical no longer counts: the group is a warning now.
	if !slices.Equal(g.Severities, []string{"warning"}) || g.Service != "checkout" || g.Summary != "HighLoad" {
		t.Errorf("group: %+v", g)
	}
	if !strings.Contains(g.Text, "firing, 1 of 2 alerts firing") || !strings.Contains(g.Text, "- RESOLVED HighLoad app=checkout instance=a") {
		t.Errorf("text:\n%s", g.Text)
	}
}

func TestGeneric_KeyStatusSummarySeverity(t *testing.T) {
	g, err := Generic(open(t, "generic_firing.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Source != "alert" || g.Key != "backup-nightly" || g.Status != desk.AlertFiring || g.Summary != "Nightly backup failed" ||
		!slices.Equal(g.Severities, []string{"critical"}) || g.Service != "backup" || g.From != "cron" {
		t.Errorf("group: %+v", g)
	}
	if !strings.Contains(g.Text, "tar exited 2 on fs01") || !strings.Contains(g.Text, "https://backup.example.com/jobs/42") {
		t.Errorf("text: %q", g.Text)
	}
	r, err := Generic(open(t, "generic_resolved.json"), Options{})
	if err != nil || r.Status != desk.AlertResolved || r.Key != "backup-nightly" {
		t.Errorf("resolved without a summary: %+v, %v", r, err)
	}
}

func TestDecode_TellsTheFormatsApart(t *testing.T) {
	for file, want := range map[string]string{"alertmanager_firing.json": FormatAlertmanager, "generic_firing.json": FormatGeneric} {
		if _, format, err := Decode(open(t, file), Options{}); err != nil || format != want {
			t.Errorf("%s: format %q, %v", file, format, err)
		}
	}
}

func TestDecode_BadPayloadsSayWhatIsWrong(t *testing.T) {
	for name, c := range map[string]struct{ payload, want string }{
		"not JSON":              {`firing!`, "not a JSON object"},
		"two values":            {`{"key":"a","status":"resolved"} {}`, "more than one JSON value"},
		"typo":                  {`{"key":"a","status":"firing","summary":"x","sevrity":"critical"}`, `unknown field "sevrity"`},
		"no key":                {`{"status":"firing","summary":"x"}`, "no key"},
		"bad status":            {`{"key":"a","status":"open","summary":"x"}`, `status "open"`},
		"firing without words":  {`{"key":"a","status":"firing"}`, "no summary"},
		"am without group key":  {`{"version":"4","status":"firing","alerts":[]}`, "no groupKey"},
		"am of another version": {`{"version":"5","groupKey":"g","status":"firing","alerts":[]}`, `version "5"`},
		"am bad status":         {`{"version":"4","groupKey":"g","status":"pending","alerts":[]}`, `status "pending"`},
	} {
		_, _, err := Decode(strings.NewReader(c.payload), Options{})
		if !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrPayload saying %q", name, err, c.want)
		}
	}
	big := `{"key":"a","status":"firing","summary":"` + strings.Repeat("x", 2000) + `"}`
	if _, _, err := Decode(strings.NewReader(big), Options{MaxBytes: 1000}); !errors.Is(err, ErrPayload) || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("oversize payload: %v", err)
	}
}
