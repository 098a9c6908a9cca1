package desk

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// What a tier is told when a ticket reaches it after its first mail: the
// whole story, so that nobody asks the customer again what they wrote,
// what the FAQ sent, what an agent told them or noted, and no entry the
// customer said did not help is offered again.

// A notice cuts each entry of its timeline at timelineEntryMax characters
// and keeps the timeline's texts within timelineMax in all: the original
// report and as many of the newest entries as fit, with the number left
// out between them. The whole story is `madoguchi tickets show REF`.
const (
	timelineEntryMax = 1000
	timelineMax      = 6000
)

// timeline is t's story for a notice, oldest first, and how many entries
// were left out after the first to stay within timelineMax; nil for a
// ticket that is only its first mail (the notice quotes it as it is).
// words are the escalating agent's, which the notice shows above the
// story: their entry, the newest, is not told twice.
//
// It tells the mails of the requester and the participants, the automatic
// answer, the agents' words to the customer (or, for an answer that had
// none of its own, such as an FAQ entry sent with #answer, the mail the
// customer got) and the internal notes. Mail of strangers and forgers,
// robots' mail and delivery reports are left out: they changed nothing.
func (d *Desk) timeline(tx *tickets.Tx, t *tickets.Ticket, words string) ([]templates.TimelineEntry, int, error) {
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return nil, 0, err
	}
	outs, err := tx.OutgoingList(t.ID)
	if err != nil {
		return nil, 0, err
	}
	kinds := map[int64]string{}
	for _, o := range outs {
		kinds[o.ID] = o.Kind
	}
	var all []templates.TimelineEntry
	for i, e := range entries {
		item := templates.TimelineEntry{When: d.when(e.CreatedAt), Who: strings.ToLower(e.From)}
		switch {
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindCustomer && e.Role == tickets.RoleParticipant:
			item.Kind = templates.TimelineParticipant
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindCustomer:
			// The requester's; a stranger's mail is a third party's entry.
			item.Kind = templates.TimelineCustomer
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindAgent:
			item.Kind = templates.TimelineAgent
		case e.Direction == tickets.DirIn && e.Kind == tickets.KindInternalNote && strings.TrimSpace(e.Text) != "":
			item.Kind = templates.TimelineNote
		case e.Direction == tickets.DirOut && e.Kind == tickets.KindAgent && !(i > 0 && wordsToCustomer(entries[i-1])):
			// The agent's own words are the entry just before, when
			// there are any; this is what the customer got without them
			// (an FAQ entry's answer), sent for the agent of that entry.
			item.Kind = templates.TimelineSent
			if i > 0 && entries[i-1].Role == tickets.RoleAgent {
				item.Who = strings.ToLower(entries[i-1].From)
			}
			e.Text = tightened(stripSignature(e.Text))
		case e.Direction == tickets.DirOut && kinds[e.OutgoingID] == mailAutoAnswer:
			item.Kind, item.Key, item.Who = templates.TimelineAutoAnswer, t.AutoAnswerKey, ""
			all = append(all, item)
			continue
		default:
			continue
		}
		item.Text = strings.TrimSpace(e.Text)
		if i == len(entries)-1 && item.Kind == templates.TimelineNote && item.Text == strings.TrimSpace(words) {
			continue
		}
		if utf8.RuneCountInString(item.Text) > timelineEntryMax {
			item.Text, item.Cut = templates.Truncate(item.Text, timelineEntryMax), true
		}
		all = append(all, item)
	}
	if len(all) < 2 {
		return nil, 0, nil
	}
	kept, left := capTimeline(all)
	return kept, left, nil
}

// tightened is text with no two blank lines in a row.
func tightened(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" && len(out) > 0 && out[len(out)-1] == "" {
			continue
		}
		out = append(out, strings.TrimRight(l, " \t\r"))
	}
	return strings.Join(out, "\n")
}

// wordsToCustomer reports whether e is an agent's words to the customer.
func wordsToCustomer(e tickets.Entry) bool {
	return e.Direction == tickets.DirIn && e.Kind == tickets.KindAgent && strings.TrimSpace(e.Text) != ""
}

// capTimeline keeps the first entry and the newest ones whose texts fit
// in timelineMax with it, and says how many it left out between them.
func capTimeline(all []templates.TimelineEntry) ([]templates.TimelineEntry, int) {
	size := utf8.RuneCountInString(all[0].Text)
	from := len(all)
	for from > 1 {
		n := utf8.RuneCountInString(all[from-1].Text)
		if size+n > timelineMax {
			break
		}
		size += n
		from--
	}
	return append(all[:1:1], all[from:]...), from - 1
}

// faqTurnedDownEvent is the ticket event of an FAQ entry an agent sent
// (#answer) that the customer answered with a problem report: the entry
// did not help on this ticket, though no vote was counted.
const faqTurnedDownEvent = "faq_turned_down"

// notTurnedDown is sugg without the FAQ entries the customer of t said
// did not help: voted not helpful on t (a problem report after its
// automatic answer), or sent by an agent and answered with a problem
// report. None of them is suggested on t again.
func notTurnedDown(tx *tickets.Tx, t *tickets.Ticket, sugg []templates.SuggestionInfo) ([]templates.SuggestionInfo, error) {
	if len(sugg) == 0 {
		return sugg, nil
	}
	events, err := tx.Events(t.ID)
	if err != nil {
		return nil, err
	}
	down := map[string]bool{}
	for _, e := range events {
		switch e.Kind {
		case faqVoteEvent:
			var v struct{ Helpful bool }
			if json.Unmarshal(e.Detail, &v) == nil && !v.Helpful {
				down[e.Subject] = true
			}
		case faqTurnedDownEvent:
			down[e.Subject] = true
		}
	}
	var out []templates.SuggestionInfo
	for _, s := range sugg {
		if !down[s.Key] {
			out = append(out, s)
		}
	}
	return out, nil
}
