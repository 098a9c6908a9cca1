package desk

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/tickets"
)

// The same incident should not recur (issue 13): `tickets recurring`
// lists the groups of resolved incidents that look alike — the same FAQ
// entry answered them, or their reports read alike — with their counts
// by month, largest group first, so the desk can write the entry or fix
// the cause. `faq gaps` groups the tickets no entry answers the same way.
// Both read a bounded window in one query and group outside any
// transaction.

// Recurrence is a group of resolved incidents that look alike.
type Recurrence struct {
	FAQKeys  []string     `json:"faq_keys"` // the FAQ entries that answered some of them
	Count    int          `json:"count"`
	Tickets  []string     `json:"tickets"` // newest first
	Subjects []string     `json:"subjects"`
	Sample   string       `json:"sample"`            // the newest one's report, cleaned as a query
	Months   []MonthCount `json:"months"`            // resolved per month, in the desk's time zone, oldest first
	First    time.Time    `json:"first_resolved_at"` // the oldest one's resolution
	Last     time.Time    `json:"last_resolved_at"`  // the newest one's
}

// MonthCount is how many of a group were resolved in one month.
type MonthCount struct {
	Month string `json:"month"` // "2026-11"
	Count int    `json:"count"`
}

// RecurringOptions bound what Recurring reads; zero fields take defaults.
type RecurringOptions struct {
	Since time.Duration // incidents resolved within this window before now; default DefaultRecurringWindow
	Limit int           // at most this many of them, the newest; default DefaultRecurringLimit
	Min   int           // groups of at least this many; default 2
}

// Defaults of RecurringOptions: half a year of incidents, as many as are
// grouped in a few seconds.
const (
	DefaultRecurringWindow = 180 * 24 * time.Hour
	DefaultRecurringLimit  = 1000
)

// Recurring lists the groups of at least opts.Min incidents resolved
// within opts.Since that look alike, largest first. Merged tickets and
// reports attached to a major incident are not incidents of their own.
func (d *Desk) Recurring(ctx context.Context, opts RecurringOptions) ([]Recurrence, error) {
	if opts.Since <= 0 {
		opts.Since = DefaultRecurringWindow
	}
	if opts.Limit <= 0 {
		opts.Limit = DefaultRecurringLimit
	}
	if opts.Min < 2 {
		opts.Min = 2
	}
	var list []*tickets.ResolvedIncident
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		list, err = tx.ResolvedIncidents(tx.Now().Add(-opts.Since), opts.Limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	items := make([]alikeItem, len(list))
	for i, t := range list {
		items[i] = alikeItem{ref: t.Ref, subject: t.Subject, question: cleanQuestion(t.FirstSubject, t.FirstText), at: resolvedAt(t.Ticket)}
		if items[i].question == "" {
			items[i].question = t.Subject
		}
	}
	groups := newGroups(len(items))
	byKey := map[string]int{}
	for i, t := range list {
		if t.FAQKey == "" {
			continue
		}
		if j, ok := byKey[t.FAQKey]; ok {
			groups.union(j, i)
		} else {
			byKey[t.FAQKey] = i
		}
	}
	if err := groupAlike(ctx, items, groups); err != nil {
		return nil, err
	}
	var out []Recurrence
	for _, members := range groups.lists() {
		if len(members) < opts.Min {
			continue
		}
		r := Recurrence{FAQKeys: []string{}, Count: len(members)}
		for _, i := range members {
			it := items[i]
			r.Tickets, r.Subjects = append(r.Tickets, it.ref), append(r.Subjects, it.subject)
			if k := list[i].FAQKey; k != "" && !slices.Contains(r.FAQKeys, k) {
				r.FAQKeys = append(r.FAQKeys, k)
			}
		}
		r.Sample = items[members[0]].question
		r.Last, r.First = items[members[0]].at, items[members[len(members)-1]].at
		r.Months = d.byMonth(items, members)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Recurrence) int { return b.Count - a.Count })
	return out, nil
}

// groupGaps groups the tickets no FAQ entry answers (Gaps) as Recurring
// groups incidents, with their counts by month, largest group first; a
// ticket merged into another is part of that one, no gap of its own.
func (d *Desk) groupGaps(ctx context.Context, items []alikeItem) ([]Gap, error) {
	refs := make([]string, len(items))
	for i, it := range items {
		refs[i] = it.ref
	}
	var res map[string]tickets.Resolution
	err := d.store.View(ctx, func(tx *tickets.Tx) (err error) {
		res, err = tx.Resolutions(refs)
		return err
	})
	if err != nil {
		return nil, err
	}
	kept := items[:0]
	for _, it := range items {
		if r := res[it.ref]; !r.Merged {
			it.at = r.At
			kept = append(kept, it)
		}
	}
	groups := newGroups(len(kept))
	if err := groupAlike(ctx, kept, groups); err != nil {
		return nil, err
	}
	out := []Gap{}
	for _, members := range groups.lists() {
		g := Gap{Sample: kept[members[0]].question, Months: d.byMonth(kept, members)}
		for _, i := range members {
			g.Tickets, g.Subjects = append(g.Tickets, kept[i].ref), append(g.Subjects, kept[i].subject)
		}
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b Gap) int { return len(b.Tickets) - len(a.Tickets) })
	return out, nil
}

// resolvedAt is when t was resolved (closed, when it never was).
func resolvedAt(t *tickets.Ticket) time.Time {
	if !t.ResolvedAt.IsZero() {
		return t.ResolvedAt
	}
	return t.ClosedAt
}

// byMonth counts members by the month they were resolved in, in the
// desk's time zone, oldest first.
func (d *Desk) byMonth(items []alikeItem, members []int) []MonthCount {
	loc := time.UTC
	if d.opts.Location != nil {
		loc = d.opts.Location
	}
	counts := map[string]int{}
	for _, i := range members {
		counts[items[i].at.In(loc).Format("2006-01")]++
	}
	out := make([]MonthCount, 0, len(counts))
	for _, m := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, MonthCount{Month: m, Count: counts[m]})
	}
	return out
}

// alikeItem is one ticket as groupAlike compares it.
type alikeItem struct {
	ref, subject string
	question     string    // its report cleaned as a query
	at           time.Time // when it was resolved
}

// groupAlike joins in groups the items whose questions read alike, with
// a throw-away in-memory index of them (the responder's analysis, as the
// FAQ is matched): two items are alike when one matches the other with
// at least gapLikeness of its match with itself (raw scores compare
// within one query only).
func groupAlike(ctx context.Context, items []alikeItem, groups *groups) error {
	if len(items) < 2 {
		return nil
	}
	tmp, err := responder.Open(responder.Options{MaxCandidates: 20})
	if err != nil {
		return err
	}
	defer tmp.Close()
	entries := make([]responder.Entry, len(items))
	index := make(map[string]int, len(items))
	for i, it := range items {
		entries[i] = responder.Entry{Key: it.ref, Question: it.question, Answer: it.subject, Status: responder.StatusPublished}
		index[it.ref] = i
	}
	if err := tmp.Rebuild(entries, ""); err != nil {
		return err
	}
	for i, it := range items {
		res, err := tmp.Match(ctx, "", it.question)
		if err != nil {
			return err
		}
		var self float64
		for _, c := range res.Candidates {
			if c.Key == it.ref {
				self = c.Score
			}
		}
		for _, c := range res.Candidates {
			if j, ok := index[c.Key]; ok && j != i && self > 0 && c.Score >= gapLikeness*self {
				groups.union(i, j)
			}
		}
	}
	return nil
}

// groups is a union-find over item numbers.
type groups struct{ parent []int }

func newGroups(n int) *groups {
	g := &groups{parent: make([]int, n)}
	for i := range g.parent {
		g.parent[i] = i
	}
	return g
}

func (g *groups) find(i int) int {
	for g.parent[i] != i {
		g.parent[i] = g.parent[g.parent[i]]
		i = g.parent[i]
	}
	return i
}

// union joins the groups of i and j; the group keeps the smaller item
// number as its root, so the first item stays first.
func (g *groups) union(i, j int) {
	a, b := g.find(i), g.find(j)
	if a == b {
		return
	}
	if b < a {
		a, b = b, a
	}
	g.parent[b] = a
}

// lists returns each group's items in order, the groups in the order of
// their first item.
func (g *groups) lists() [][]int {
	var out [][]int
	at := map[int]int{}
	for i := range g.parent {
		r := g.find(i)
		k, ok := at[r]
		if !ok {
			k = len(out)
			at[r] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out
}
