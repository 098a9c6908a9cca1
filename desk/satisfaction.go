package desk

import (
	"slices"
	"strings"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// This file is the satisfaction part of the reports: the customers'
// ratings given in a range, good and bad, by month, tier, agent,
// priority, type, and automatic answers against agents' answers. A
// rating counts as it stands (a replaced one is gone) at the time it was
// given, grouped as its ticket was then.

// Satisfaction is the ratings given in a report's range.
type Satisfaction struct {
	Good, Bad  int
	ByMonth    []SatisfactionRow // "2026-12", in order
	ByAnswer   []SatisfactionRow // tickets.AnswerAuto, then AnswerAgent
	ByTier     []SatisfactionRow // the tiers in order, then "" (none)
	ByAgent    []SatisfactionRow // by address; "" = no agent (automatic answers)
	ByPriority []SatisfactionRow // P1 … P5, those rated
	ByType     []SatisfactionRow // incident, service_request, those rated
}

// SatisfactionRow counts the ratings of one group.
type SatisfactionRow struct {
	Group     string
	Good, Bad int
}

// Rated is how many ratings the row counts.
func (r SatisfactionRow) Rated() int { return r.Good + r.Bad }

// GoodShare is the share (0..1) of good ratings; 0 without any.
func (r SatisfactionRow) GoodShare() float64 { return share0(r.Good, r.Rated()) }

// GoodShare is the share (0..1) of good ratings in the range; 0 without any.
func (s Satisfaction) GoodShare() float64 { return share0(s.Good, s.Good+s.Bad) }

// satisfaction counts the ratings of rows, the months in the desk's zone.
func (d *Desk) satisfaction(rows []tickets.RatedRow) Satisfaction {
	var s Satisfaction
	loc := d.Location()
	months, tiers, agents, prios, types := map[string]*SatisfactionRow{}, map[int]*SatisfactionRow{}, map[string]*SatisfactionRow{},
		map[string]*SatisfactionRow{}, map[string]*SatisfactionRow{}
	answers := map[string]*SatisfactionRow{tickets.AnswerAuto: {Group: tickets.AnswerAuto}, tickets.AnswerAgent: {Group: tickets.AnswerAgent}}
	count := func(r *SatisfactionRow, good bool) {
		if good {
			r.Good++
		} else {
			r.Bad++
		}
	}
	group := func(m map[string]*SatisfactionRow, key string) *SatisfactionRow {
		if m[key] == nil {
			m[key] = &SatisfactionRow{Group: key}
		}
		return m[key]
	}
	for _, row := range rows {
		good := row.Rating == tickets.RatingGood
		if good {
			s.Good++
		} else {
			s.Bad++
		}
		count(group(months, row.RatedAt.In(loc).Format("2006-01")), good)
		if a := answers[row.Answer]; a != nil {
			count(a, good)
		}
		if tiers[row.Tier] == nil {
			name := ""
			if row.Tier >= 0 {
				name = d.tierName(row.Tier)
			}
			tiers[row.Tier] = &SatisfactionRow{Group: name}
		}
		count(tiers[row.Tier], good)
		count(group(agents, strings.ToLower(row.Agent)), good)
		count(group(prios, row.Priority), good)
		count(group(types, row.Type), good)
	}
	s.ByMonth = sortedRows(months, func(a, b string) int { return strings.Compare(a, b) })
	s.ByAnswer = []SatisfactionRow{*answers[tickets.AnswerAuto], *answers[tickets.AnswerAgent]}
	tierKeys := make([]int, 0, len(tiers))
	for k := range tiers {
		tierKeys = append(tierKeys, k)
	}
	slices.SortFunc(tierKeys, func(a, b int) int {
		if (a < 0) != (b < 0) {
			return b - a // the tiers in order, "none" last
		}
		return a - b
	})
	for _, k := range tierKeys {
		s.ByTier = append(s.ByTier, *tiers[k])
	}
	s.ByAgent = sortedRows(agents, func(a, b string) int {
		if (a == "") != (b == "") {
			return strings.Compare(b, a) // agents first, "no agent" last
		}
		return strings.Compare(a, b)
	})
	s.ByPriority = sortedRows(prios, strings.Compare)
	s.ByType = sortedRows(types, strings.Compare)
	return s
}

func sortedRows(m map[string]*SatisfactionRow, cmp func(a, b string) int) []SatisfactionRow {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp)
	out := make([]SatisfactionRow, 0, len(keys))
	for _, k := range keys {
		out = append(out, *m[k])
	}
	return out
}

// satisfactionOf reads and counts the ratings given in [from, to).
func (d *Desk) satisfactionOf(tx *tickets.Tx, from, to time.Time) (Satisfaction, error) {
	rows, err := tx.RatingsBetween(from, to)
	if err != nil {
		return Satisfaction{}, err
	}
	return d.satisfaction(rows), nil
}
