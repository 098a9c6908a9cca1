package webhook

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func p1Escalated() Event {
	at := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	return Event{
		ID: "evt_x", Type: TicketEscalated, CreatedAt: at,
		Ticket: Ticket{Ref: "INC-1042", Type: "incident", Status: "escalated", Priority: "P1", Tier: "L2", Source: "mail",
			URL: "https://desk.example.com/tickets/INC-1042", CreatedAt: at.Add(-time.Hour), ResolveDueAt: at.Add(3 * time.Hour)},
	}
}

func TestBody_JSONIsTheEventWithItsFieldsAndNoOthers(t *testing.T) {
	e := p1Escalated()
	b, err := Body(FormatJSON, e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		Ticket map[string]any `json:"ticket"`
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(keys)); !slices.Equal(got, []string{"created_at", "id", "ticket", "type"}) {
		t.Errorf("top-level keys %v", got)
	}
	json.Unmarshal(b, &top)
	want := []string{"created_at", "priority", "ref", "resolve_due_at", "source", "status", "tier", "type", "url"}
	if got := slices.Sorted(maps.Keys(top.Ticket)); !slices.Equal(got, want) {
		t.Errorf("ticket keys %v, want %v", got, want)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil || back.Ticket != e.Ticket || back.ID != e.ID || !back.CreatedAt.Equal(e.CreatedAt) {
		t.Errorf("round trip: %+v (%v)", back, err)
	}
	// No subject unless the webhook includes it.
	if strings.Contains(string(b), "subject") {
		t.Errorf("body names a subject the event was not given: %s", b)
	}
}

// slack is the part of a Slack message the tests read.
type slack struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"elements"`
	} `json:"blocks"`
}

func TestBody_SlackMessageForAP1EscalationLinksToTheTicket(t *testing.T) {
	b, err := Body(FormatSlack, p1Escalated(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var s slack
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Text != "P1 incident INC-1042 escalated to L2" {
		t.Errorf("text (the notification) = %q", s.Text)
	}
	if len(s.Blocks) != 2 || s.Blocks[0].Type != "section" || s.Blocks[0].Text.Type != "mrkdwn" || s.Blocks[1].Type != "context" {
		t.Fatalf("blocks: %s", b)
	}
	want := ":rotating_light: *P1 incident <https://desk.example.com/tickets/INC-1042|INC-1042> escalated to L2*"
	if s.Blocks[0].Text.Text != want {
		t.Errorf("section = %q, want %q", s.Blocks[0].Text.Text, want)
	}
	if ctx := s.Blocks[1].Elements[0].Text; ctx != "Status: escalated · Tier: L2 · Resolve by: 2026-12-01 03:30 UTC" {
		t.Errorf("context = %q", ctx)
	}
}

func TestBody_SlackEscapesTheSubjectSoItCannotPingOrLink(t *testing.T) {
	e := p1Escalated()
	e.Ticket.Subject = "<!channel> down & out <https://evil.example|click>\nsecond line"
	b, _ := Body(FormatSlack, e, Options{})
	var s slack
	json.Unmarshal(b, &s)
	section := s.Blocks[0].Text.Text
	if strings.Contains(section, "<!channel>") || strings.Contains(section, "<https://evil") || strings.Contains(s.Text, "<!channel>") {
		t.Errorf("markup of the subject got through: %q / %q", section, s.Text)
	}
	if !strings.HasSuffix(section, "\n&lt;!channel&gt; down &amp; out &lt;https://evil.example|click&gt; second line") {
		t.Errorf("subject line = %q", section)
	}
}

// teams is the part of a Teams message the tests read.
type teams struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string  `json:"contentType"`
		ContentURL  *string `json:"contentUrl"`
		Content     struct {
			Schema  string `json:"$schema"`
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Color string `json:"color"`
				Facts []struct {
					Title string `json:"title"`
					Value string `json:"value"`
				} `json:"facts"`
			} `json:"body"`
			Actions []struct {
				Type  string `json:"type"`
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
}

func TestBody_TeamsMessageIsAnAdaptiveCardWithAButtonToTheTicket(t *testing.T) {
	e := p1Escalated()
	e.Ticket.Subject = "Mail [server] *down*"
	b, err := Body(FormatTeams, e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var m teams
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "message" || len(m.Attachments) != 1 {
		t.Fatalf("message: %s", b)
	}
	a := m.Attachments[0]
	if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.ContentURL != nil {
		t.Errorf("attachment contentType %q, contentUrl %v", a.ContentType, a.ContentURL)
	}
	c := a.Content
	if c.Type != "AdaptiveCard" || c.Version != "1.2" || c.Schema != "http://adaptivecards.io/schemas/adaptive-card.json" {
		t.Errorf("card: type %q version %q schema %q", c.Type, c.Version, c.Schema)
	}
	if len(c.Body) != 3 || c.Body[0].Text != "P1 incident INC-1042 escalated to L2" || c.Body[0].Color != "Attention" {
		t.Fatalf("card body: %s", b)
	}
	if c.Body[1].Text != `Mail \[server\] \*down\*` {
		t.Errorf("subject block %q: markdown not escaped", c.Body[1].Text)
	}
	if c.Body[2].Type != "FactSet" || len(c.Body[2].Facts) != 3 || c.Body[2].Facts[1].Title != "Tier" || c.Body[2].Facts[1].Value != "L2" {
		t.Errorf("facts: %+v", c.Body[2].Facts)
	}
	if len(c.Actions) != 1 || c.Actions[0].Type != "Action.OpenUrl" || c.Actions[0].URL != e.Ticket.URL || c.Actions[0].Title != "Open INC-1042" {
		t.Errorf("actions: %+v", c.Actions)
	}
}

func TestBody_EveryEventReadsInEachLanguage(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		for _, typ := range Events {
			e := p1Escalated()
			e.Type = typ
			e.Breach = &Breach{Target: "resolve", DueAt: e.CreatedAt}
			e.FAQ = &FAQ{Key: "vpn-reset"}
			m := tell(e, Options{Language: lang, Location: time.FixedZone("JST", 9*3600)})
			if m.title == "" || strings.Contains(m.title, "%!") || strings.Contains(m.title, "%s") {
				t.Errorf("%s %s: title %q", lang, typ, m.title)
			}
			if lang == "ja" && strings.Contains(m.title, "escalated") {
				t.Errorf("ja %s: English in %q", typ, m.title)
			}
			if typ == TicketBreached && !strings.Contains(m.title, "2026-12-01 09:30 JST") {
				t.Errorf("%s breach title %q: want the due time in the zone given", lang, m.title)
			}
		}
	}
	if _, err := Body("xml", p1Escalated(), Options{}); err == nil {
		t.Error("unknown format accepted")
	}
}
