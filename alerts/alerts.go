// Package alerts reads what monitoring systems post about their alerts
// into the desk's desk.AlertGroup, which desk.Alert acts on: Prometheus
// Alertmanager's webhook payload (version 4) and madoguchi's generic JSON
// alert ({"key", "status", "summary", "severity", …}). It decodes and
// nothing else: the HTTP handlers (POST /hooks/alertmanager, /hooks/alert)
// and `madoguchi alerts post` call it, then desk.Alert, one code path.
package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/desk"
)

// Formats of a payload.
const (
	FormatAlertmanager = "alertmanager"
	FormatGeneric      = "alert"
)

// Options configure the decoders; zero values mean the defaults.
type Options struct {
	// ServiceLabels are the labels that name the service an alert is
	// about, the first one found wins; default service, job, app.
	ServiceLabels []string
	// MaxBytes bounds a payload; default 1 MiB.
	MaxBytes int64
}

// ErrPayload is wrapped by every error of a payload that cannot be read:
// the sender's fault (an HTTP handler answers 400 with its text).
var ErrPayload = errors.New("alerts: bad payload")

// maxText bounds the text kept on the incident of one notification.
const maxText = 64 << 10

func (o Options) withDefaults() Options {
	if len(o.ServiceLabels) == 0 {
		o.ServiceLabels = []string{"service", "job", "app"}
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 20
	}
	return o
}

// Decode reads a payload of either format, telling them apart by their
// fields (Alertmanager's groupKey and alerts, the generic key); it
// returns the group and the format it read.
func Decode(r io.Reader, opts Options) (desk.AlertGroup, string, error) {
	opts = opts.withDefaults()
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return desk.AlertGroup{}, "", err
	}
	var probe map[string]json.RawMessage
	if err := decodeStrict(data, &probe, false); err != nil {
		return desk.AlertGroup{}, "", fmt.Errorf("not a JSON object: %w", err)
	}
	_, hasGroupKey := probe["groupKey"]
	_, hasAlerts := probe["alerts"]
	if hasGroupKey || hasAlerts {
		g, err := Alertmanager(bytes.NewReader(data), opts)
		return g, FormatAlertmanager, err
	}
	g, err := Generic(bytes.NewReader(data), opts)
	return g, FormatGeneric, err
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("alerts: reading the payload: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrPayload, limit)
	}
	return data, nil
}

// decodeStrict decodes one JSON object into v: unknown fields are errors
// when strict (a typo in a hand-written alert is told, not ignored), and
// nothing may follow it.
func decodeStrict(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: more than one JSON value", ErrPayload)
	}
	return nil
}

// amMessage is Alertmanager's webhook payload, version 4
// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
type amMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Alertmanager reads Alertmanager's webhook payload: one notification
// about one alert group, keyed by its groupKey; firing while any of its
// alerts fires.
func Alertmanager(r io.Reader, opts Options) (desk.AlertGroup, error) {
	opts = opts.withDefaults()
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return desk.AlertGroup{}, err
	}
	var m amMessage
	if err := decodeStrict(data, &m, false); err != nil {
		return desk.AlertGroup{}, err
	}
	if m.Version != "" && m.Version != "4" {
		return desk.AlertGroup{}, fmt.Errorf("%w: Alertmanager payload version %q; version 4 is understood", ErrPayload, m.Version)
	}
	if strings.TrimSpace(m.GroupKey) == "" {
		return desk.AlertGroup{}, fmt.Errorf("%w: no groupKey: the group's notifications could not be told apart", ErrPayload)
	}
	if m.Status != desk.AlertFiring && m.Status != desk.AlertResolved {
		return desk.AlertGroup{}, fmt.Errorf("%w: status %q: want firing or resolved", ErrPayload, m.Status)
	}
	g := desk.AlertGroup{Source: FormatAlertmanager, Key: m.GroupKey, Status: m.Status, From: "alertmanager"}
	if s := m.CommonLabels["severity"]; s != "" {
		g.Severities = []string{s}
	} else {
		for _, a := range m.Alerts {
			if s := a.Labels["severity"]; s != "" && (a.Status != desk.AlertResolved || m.Status == desk.AlertResolved) && !slices.Contains(g.Severities, s) {
				g.Severities = append(g.Severities, s)
			}
		}
	}
	sets := []map[string]string{m.CommonLabels, m.GroupLabels}
	for _, a := range m.Alerts {
		sets = append(sets, a.Labels)
	}
	g.Service = firstLabel(opts.ServiceLabels, sets...)
	g.Summary = firstOf(m.CommonAnnotations["summary"], m.CommonAnnotations["title"], alertnames(m))
	if g.Summary == "" {
		g.Summary = "alert group of receiver " + m.Receiver
	}
	g.Text = amText(m)
	return g, nil
}

// alertnames are the group's alert names, "DiskFull, HighLoad".
func alertnames(m amMessage) string {
	if n := firstOf(m.GroupLabels["alertname"], m.CommonLabels["alertname"]); n != "" {
		return n
	}
	var names []string
	for _, a := range m.Alerts {
		if n := a.Labels["alertname"]; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// amText is the notification as agents read it on the incident: each
// alert with its labels, annotations, since when, and where to look.
func amText(m amMessage) string {
	var b strings.Builder
	firing := 0
	for _, a := range m.Alerts {
		if a.Status == desk.AlertFiring {
			firing++
		}
	}
	fmt.Fprintf(&b, "Alertmanager: %s, %d of %d alerts firing", m.Status, firing, len(m.Alerts))
	if m.Receiver != "" {
		fmt.Fprintf(&b, " (receiver %s)", m.Receiver)
	}
	b.WriteString("\n")
	if m.TruncatedAlerts > 0 {
		fmt.Fprintf(&b, "%d more alerts left out by Alertmanager (max_alerts)\n", m.TruncatedAlerts)
	}
	for _, a := range m.Alerts {
		fmt.Fprintf(&b, "\n- %s %s", strings.ToUpper(firstOf(a.Status, m.Status)), labelText(a.Labels))
		if !a.StartsAt.IsZero() {
			fmt.Fprintf(&b, "\n  since %s", a.StartsAt.UTC().Format(time.RFC3339))
		}
		if a.Status == desk.AlertResolved && !a.EndsAt.IsZero() && a.EndsAt.Year() > 1 {
			fmt.Fprintf(&b, ", ended %s", a.EndsAt.UTC().Format(time.RFC3339))
		}
		for _, k := range slices.Sorted(maps.Keys(a.Annotations)) {
			fmt.Fprintf(&b, "\n  %s: %s", k, a.Annotations[k])
		}
		if a.GeneratorURL != "" {
			fmt.Fprintf(&b, "\n  source: %s", a.GeneratorURL)
		}
		if b.Len() > maxText {
			break
		}
	}
	if m.ExternalURL != "" {
		fmt.Fprintf(&b, "\n\nAlertmanager: %s", m.ExternalURL)
	}
	return cut(b.String())
}

func labelText(labels map[string]string) string {
	var parts []string
	if n := labels["alertname"]; n != "" {
		parts = append(parts, n)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if k != "alertname" {
			parts = append(parts, k+"="+labels[k])
		}
	}
	return strings.Join(parts, " ")
}

// generic is madoguchi's generic JSON alert.
type generic struct {
	Key         string `json:"key"`         // required: one open incident per key
	Status      string `json:"status"`      // firing | resolved
	Summary     string `json:"summary"`     // required when firing: the incident's subject
	Severity    string `json:"severity"`    // a name of alerts.severity, or P1–P5
	Service     string `json:"service"`     // the service it is about
	Description string `json:"description"` // more words for the incident
	URL         string `json:"url"`         // where to look
	Source      string `json:"source"`      // who sends it ("zabbix"), for the record
}

// Generic reads the generic JSON alert. Unknown fields are refused: a
// typo ("sevrity") is told rather than ignored.
func Generic(r io.Reader, opts Options) (desk.AlertGroup, error) {
	opts = opts.withDefaults()
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return desk.AlertGroup{}, err
	}
	var a generic
	if err := decodeStrict(data, &a, true); err != nil {
		return desk.AlertGroup{}, err
	}
	switch {
	case strings.TrimSpace(a.Key) == "":
		return desk.AlertGroup{}, fmt.Errorf("%w: no key: one incident is kept per key", ErrPayload)
	case a.Status != desk.AlertFiring && a.Status != desk.AlertResolved:
		return desk.AlertGroup{}, fmt.Errorf("%w: status %q: want firing or resolved", ErrPayload, a.Status)
	case a.Status == desk.AlertFiring && strings.TrimSpace(a.Summary) == "":
		return desk.AlertGroup{}, fmt.Errorf("%w: no summary: a firing alert's summary is its incident's subject", ErrPayload)
	}
	g := desk.AlertGroup{Source: FormatGeneric, Key: a.Key, Status: a.Status, Service: a.Service, Summary: a.Summary,
		From: firstOf(a.Source, "alert")}
	if a.Severity != "" {
		g.Severities = []string{a.Severity}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", strings.ToUpper(a.Status), firstOf(a.Summary, a.Key))
	if a.Severity != "" {
		fmt.Fprintf(&b, " (severity %s)", a.Severity)
	}
	if a.Description != "" {
		b.WriteString("\n\n" + a.Description)
	}
	if a.URL != "" {
		b.WriteString("\n\n" + a.URL)
	}
	g.Text = cut(b.String())
	return g, nil
}

func firstLabel(names []string, sets ...map[string]string) string {
	for _, set := range sets {
		for _, n := range names {
			if v := strings.TrimSpace(set[n]); v != "" {
				return v
			}
		}
	}
	return ""
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func cut(s string) string {
	if len(s) <= maxText {
		return s
	}
	// Cut on a rune boundary.
	i := maxText
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "\n[cut]"
}
