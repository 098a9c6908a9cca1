package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/config"
	"github.com/madoguchi/madoguchi/tickets"
)

// This file prints what tickets show says of who has a ticket and what
// was done to it: the current owner and the audit trail.

// printOwner writes who has the ticket now. The owner is the tier the
// ticket is with and, within it, its assignee: a move to another tier
// unassigns it (the agent worked for the tier it left), so an L1 agent
// is never shown as the owner of a ticket L2 has. A resolved or closed
// ticket also says who resolved it.
func printOwner(out io.Writer, t *tickets.Ticket, events []tickets.Event) {
	switch {
	case t.TierName != "":
		fmt.Fprintf(out, "owner %s · %s\n", t.TierName, orText(printable(t.Assignee), "not assigned"))
	case t.Assignee != "":
		fmt.Fprintf(out, "owner %s\n", printable(t.Assignee))
	}
	if t.Status != tickets.StatusResolved && t.Status != tickets.StatusClosed {
		return
	}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Kind == "status_changed" && eventDetail(e)["to"] == string(tickets.StatusResolved) {
			fmt.Fprintf(out, "resolved by %s at %s\n", printable(e.Actor), when(e.CreatedAt))
			return
		}
	}
}

// printHistory writes the audit trail, oldest first: when, who, what.
func printHistory(out io.Writer, cfg *config.Config, events []tickets.Event) {
	if len(events) == 0 {
		return
	}
	width := 0
	for _, e := range events {
		width = max(width, displayWidth(printable(e.Actor)))
	}
	fmt.Fprintf(out, "\n── history\n")
	for _, e := range events {
		actor := printable(e.Actor)
		fmt.Fprintf(out, "   %s  %s%s  %s\n", when(e.CreatedAt), actor, strings.Repeat(" ", width-displayWidth(actor)), eventLine(cfg, e))
	}
}

// eventLine is one event as a line: its kind, what changed ("from → to",
// tiers by name), why, and the rest of its detail as key=value.
func eventLine(cfg *config.Config, e tickets.Event) string {
	d := eventDetail(e)
	var parts []string
	shown := map[string]bool{"message_id": true} // in --json; too long to read here
	from, hasFrom := d["from"]
	to, hasTo := d["to"]
	if hasFrom && hasTo {
		if e.Kind == "tier_changed" {
			from, to = tierName(cfg, from), tierName(cfg, to)
		}
		parts = append(parts, valueText(from)+" → "+valueText(to))
		shown["from"], shown["to"] = true, true
	}
	for _, k := range []string{"reason", "why"} {
		if v, ok := d[k]; ok && valueText(v) != "-" {
			parts = append(parts, "("+valueText(v)+")")
		}
		shown[k] = true
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range d {
			if !shown[k] && !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		if v := valueText(d[k]); v != "-" {
			parts = append(parts, k+"="+v)
		}
	}
	line := e.Kind
	if e.Subject != "" {
		line += " " + printable(e.Subject)
	}
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, " ")
	}
	return truncateWidth(strings.Join(strings.Fields(line), " "), 200)
}

// eventDetail is an event's detail as a map (empty when it has none or
// it is not an object).
func eventDetail(e tickets.Event) map[string]any {
	var d map[string]any
	if len(e.Detail) > 0 {
		_ = json.Unmarshal(e.Detail, &d)
	}
	return d
}

// valueText is a detail value as text: "-" for nothing (null, "", an
// empty list, zero counts that say nothing).
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return "-"
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return when(t) // due times and the like, in the display zone
		}
		return printable(x)
	case float64:
		if x == 0 {
			return "-"
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		if len(x) == 0 {
			return "-"
		}
		s := make([]string, len(x))
		for i, y := range x {
			s[i] = valueText(y)
		}
		return strings.Join(s, ", ")
	}
	b, _ := json.Marshal(v)
	return printable(string(b))
}

// tierName names a tier index of an event ("0" → "L1"), or leaves it.
func tierName(cfg *config.Config, v any) any {
	if f, ok := v.(float64); ok && f >= 0 && int(f) < len(cfg.Escalation.Tiers) && f == float64(int(f)) {
		return cfg.Escalation.Tiers[int(f)].Name
	}
	return v
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
