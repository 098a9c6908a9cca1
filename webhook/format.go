package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Options say how an event reads in a chat message (slack, teams).
type Options struct {
	Language string         // en (default) | ja
	Location *time.Location // times in chat messages; nil = UTC
}

// Body is the request body of e in format: the Event as JSON (json), or a
// chat message telling it in one line with a link to the ticket (slack,
// teams). It fails only for an unknown format.
func Body(format string, e Event, opts Options) ([]byte, error) {
	switch format {
	case FormatJSON, "":
		return json.Marshal(e)
	case FormatSlack:
		return json.Marshal(slackMessage(e, opts))
	case FormatTeams:
		return json.Marshal(teamsMessage(e, opts))
	}
	return nil, fmt.Errorf("webhook: unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// maxSubject bounds the subject in a chat message.
const maxSubject = 200

// words are the phrases of the chat formats, by language.
var words = map[string]map[string]string{
	"en": {
		"incident": "incident", "service_request": "service request",
		TicketCreated: "%s opened", TicketEscalated: "%s escalated to %s", TicketBreached: "%s breached its %s target (due %s)",
		TicketResolved: "%s resolved", TicketClosed: "%s closed", "closed_into": "%s closed into %s",
		FAQAutoAnswered: "%s answered automatically with FAQ %s",
		"respond":       "respond", "resolve": "resolve", "tier": "Tier", "status": "Status", "resolve_by": "Resolve by",
		"open": "Open %s", "alert": "monitoring alert",
	},
	"ja": {
		"incident": "インシデント", "service_request": "サービス要求",
		TicketCreated: "%s を受け付けました", TicketEscalated: "%s を %s にエスカレーションしました", TicketBreached: "%s が%s期限（%s）を超過しました",
		TicketResolved: "%s を解決しました", TicketClosed: "%s をクローズしました", "closed_into": "%s を %s に統合してクローズしました",
		FAQAutoAnswered: "%s に FAQ %s で自動回答しました",
		"respond":       "応答", "resolve": "解決", "tier": "ティア", "status": "状態", "resolve_by": "解決期限",
		"open": "%s を開く", "alert": "監視アラート",
	},
}

// message is an event told in one line ("P1 incident INC-1042 escalated
// to L2"), with the subject and facts a chat message shows below it.
type message struct {
	title   string // plain text
	ref     string // where the link goes on the title
	subject string // "" unless the webhook includes it
	facts   [][2]string
	url     string
	open    string // the link's words
}

func tell(e Event, opts Options) message {
	w := words[opts.Language]
	if w == nil {
		w = words["en"]
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	t := e.Ticket
	what := strings.TrimSpace(t.Priority + " " + w[t.Type] + " " + t.Ref)
	var title string
	switch e.Type {
	case TicketEscalated:
		title = fmt.Sprintf(w[e.Type], what, t.Tier)
	case TicketBreached:
		target, due := "", ""
		if e.Breach != nil {
			target, due = w[e.Breach.Target], at(e.Breach.DueAt)
		}
		title = fmt.Sprintf(w[e.Type], what, target, due)
	case TicketClosed:
		title = fmt.Sprintf(w[e.Type], what)
		if t.MergedInto != "" {
			title = fmt.Sprintf(w["closed_into"], what, t.MergedInto)
		}
	case FAQAutoAnswered:
		key := ""
		if e.FAQ != nil {
			key = e.FAQ.Key
		}
		title = fmt.Sprintf(w[e.Type], what, key)
	default:
		title = fmt.Sprintf(w[e.Type], what)
	}
	m := message{title: title, ref: t.Ref, subject: oneLine(t.Subject, maxSubject), url: t.URL, open: fmt.Sprintf(w["open"], t.Ref)}
	m.facts = append(m.facts, [2]string{w["status"], t.Status})
	if t.Tier != "" {
		m.facts = append(m.facts, [2]string{w["tier"], t.Tier})
	}
	if !t.ResolveDueAt.IsZero() && t.Status != "resolved" && t.Status != "closed" {
		m.facts = append(m.facts, [2]string{w["resolve_by"], at(t.ResolveDueAt)})
	}
	if t.Source == "alert" {
		m.facts = append(m.facts, [2]string{"", w["alert"]})
	}
	return m
}

// oneLine makes s one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// emoji marks what needs eyes in a channel: P1 and P2 as they open,
// escalate or breach; a resolution as done.
func emoji(e Event) string {
	switch {
	case e.Type == TicketResolved:
		return ":white_check_mark: "
	case e.Type == TicketClosed || e.Type == FAQAutoAnswered:
		return ""
	case e.Ticket.Priority == "P1":
		return ":rotating_light: "
	case e.Ticket.Priority == "P2":
		return ":warning: "
	}
	return ""
}

// slackMessage is a Slack incoming-webhook message: text is what a
// notification shows, blocks what the channel shows. Slack reads "&", "<"
// and ">" as markup ("<!channel>" would ping everyone), so text of ours or
// of the customer is escaped.
func slackMessage(e Event, opts Options) map[string]any {
	m := tell(e, opts)
	title := slackEscape(m.title)
	if m.url != "" {
		// The reference in the title links to the ticket.
		title = strings.Replace(title, slackEscape(m.ref), "<"+slackEscape(m.url)+"|"+slackEscape(m.ref)+">", 1)
	}
	text := emoji(e) + "*" + title + "*"
	if m.subject != "" {
		text += "\n" + slackEscape(m.subject)
	}
	var ctx []string
	for _, f := range m.facts {
		if f[0] == "" {
			ctx = append(ctx, slackEscape(f[1]))
			continue
		}
		ctx = append(ctx, slackEscape(f[0])+": "+slackEscape(f[1]))
	}
	fallback := m.title
	if m.subject != "" {
		fallback += ": " + m.subject
	}
	return map[string]any{
		"text": slackEscape(fallback),
		"blocks": []any{
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": text}},
			map[string]any{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn", "text": strings.Join(ctx, " · ")}}},
		},
	}
}

func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// teamsMessage is a Microsoft Teams message carrying one Adaptive Card
// (what Teams' incoming webhooks and its Workflows "when a webhook request
// is received" take): the title, the subject, the facts, and a button
// that opens the ticket.
func teamsMessage(e Event, opts Options) map[string]any {
	m := tell(e, opts)
	title := map[string]any{"type": "TextBlock", "text": teamsEscape(m.title), "weight": "Bolder", "size": "Medium", "wrap": true}
	if e.Type != TicketResolved && e.Type != TicketClosed && (e.Ticket.Priority == "P1" || e.Ticket.Priority == "P2") {
		title["color"] = "Attention"
	}
	body := []any{title}
	if m.subject != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": teamsEscape(m.subject), "wrap": true})
	}
	var facts []any
	for _, f := range m.facts {
		if f[0] == "" {
			continue
		}
		facts = append(facts, map[string]any{"title": teamsEscape(f[0]), "value": teamsEscape(f[1])})
	}
	body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.2",
		"body":    body,
	}
	if m.url != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": teamsEscape(m.open), "url": m.url}}
	}
	return map[string]any{
		"type":    "message",
		"summary": m.title,
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// teamsEscape keeps a card's markdown from reading text as markup (a link,
// emphasis).
func teamsEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]()#~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
