package tickets

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// QueueFilter selects and orders one page of tickets. Zero fields select
// all; the filters combine.
type QueueFilter struct {
	Status   Status
	Priority string // P1..P5
	Type     string // Incident | ServiceRequest
	Tier     int    // a tier's index; < 0 = any (tickets never sent to a tier have none)
	Assignee string // an agent's address; "-" = nobody
	// Mailbox and AlsoNotIn select by mailbox as ListFilter's do.
	Mailbox   string
	AlsoNotIn []string
	// Overdue keeps the open tickets past a due time, as ListFilter.Overdue.
	Overdue bool
	Auto    bool   // only tickets answered automatically from the FAQ
	Search  string // text in the subject or any entry (case ignored)
	// Rating keeps the tickets a customer rated so: RatingGood, RatingBad,
	// RatingAny (rated at all) or RatingNone (not rated); "" = any ticket.
	Rating string
	Now    time.Time // zero = the transaction's time
	Order  string    // one of QueueOrders; "" = "due"
	Limit  int       // <= 0 = no limit
	Offset int
}

// QueuePage is one page of the queue, with the counts per status of the
// whole selection (the status filter aside).
type QueuePage struct {
	Tickets []*Ticket
	Counts  map[Status]int
	Total   int // tickets the filter selects, over all pages
}

// minTrigram is the shortest search the trigram index answers; shorter
// ones are a LIKE over every subject and entry.
const minTrigram = 3

// Queue lists one page of tickets, paged and ordered in SQL: by default
// the open ones by their next due time (overdue first), then the rest,
// newest first.
func (tx *Tx) Queue(f QueueFilter) (*QueuePage, error) {
	if f.Status != "" && f.Status != StatusOpen && !slices.Contains(Statuses, f.Status) {
		return nil, fmt.Errorf("tickets: unknown status %q", f.Status)
	}
	if f.Priority != "" && !slices.Contains(Priorities, f.Priority) {
		return nil, fmt.Errorf("tickets: unknown priority %q (want one of %s)", f.Priority, strings.Join(Priorities, ", "))
	}
	if f.Type != "" && f.Type != Incident && f.Type != ServiceRequest {
		return nil, fmt.Errorf("tickets: unknown ticket type %q (want %s or %s)", f.Type, Incident, ServiceRequest)
	}
	if f.Order == "" {
		f.Order = queueOrders[0]
	}
	if !slices.Contains(queueOrders, f.Order) {
		return nil, fmt.Errorf("tickets: unknown order %q (want one of %s)", f.Order, strings.Join(queueOrders, ", "))
	}
	switch f.Rating {
	case "", RatingGood, RatingBad, RatingAny, RatingNone:
	default:
		return nil, fmt.Errorf("tickets: unknown rating %q (want %s, %s, %s or %s)", f.Rating, RatingGood, RatingBad, RatingAny, RatingNone)
	}
	if f.Offset < 0 {
		return nil, fmt.Errorf("tickets: negative offset %d", f.Offset)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	now := f.Now
	if now.IsZero() {
		now = tx.now
	}
	var phrase, like string
	switch search := strings.TrimSpace(f.Search); {
	case search == "":
	case utf8.RuneCountInString(search) >= minTrigram:
		phrase = `"` + strings.ReplaceAll(search, `"`, `""`) + `"`
	default:
		like = "%" + escapeLike(search) + "%"
	}
	assignee := strings.ToLower(strings.TrimSpace(f.Assignee))
	args := []any{string(f.Status), f.Priority, f.Type, f.Tier, assignee, f.Overdue, fmtTime(now), f.Auto, phrase, like, f.Mailbox, jsonList(f.AlsoNotIn), f.Rating}

	page := &QueuePage{Counts: map[Status]int{}}
	err := tx.each("queue_counts", func(r *sql.Rows) error {
		var s Status
		var n int
		if err := r.Scan(&s, &n); err != nil {
			return err
		}
		page.Counts[s] = n
		if f.Status == "" || f.Status == s || f.Status == StatusOpen && s != StatusClosed {
			page.Total += n
		}
		return nil
	}, append([]any{""}, args[1:]...)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = tx.each("queue_ids_"+f.Order, func(r *sql.Rows) error {
		var id int64
		ids = append(ids, id)
		return r.Scan(&ids[len(ids)-1])
	}, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	page.Tickets, err = tx.ticketsByIDs(ids)
	return page, err
}

// ticketsByIDs loads tickets in the order of ids.
func (tx *Tx) ticketsByIDs(ids []int64) ([]*Ticket, error) {
	if len(ids) == 0 {
		return []*Ticket{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("tickets: encoding ids: %w", err)
	}
	got, err := tx.ticketList("tickets_by_ids", string(list))
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Ticket, len(got))
	for _, t := range got {
		byID[t.ID] = t
	}
	out := make([]*Ticket, 0, len(ids))
	for _, id := range ids {
		if t := byID[id]; t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// FAQRow is an entry as a list shows it: without its paraphrases, with
// their number.
type FAQRow struct {
	*FAQ
	ParaphraseCount int `json:"paraphrase_count"`
}

// FAQFilter selects one page of FAQ entries.
type FAQFilter struct {
	Status   string // draft | published | retired; "" = any
	Language string // en | ja; "" = any
	Search   string // text in the key, question or answer (ASCII case ignored)
	Limit    int    // <= 0 = no limit
	Offset   int
}

// FAQPage lists one page of FAQ entries by key, with the counts per status
// of the whole selection (the status filter aside), paged in SQL.
func (tx *Tx) FAQPage(f FAQFilter) ([]FAQRow, map[string]int, error) {
	var pattern string
	if s := strings.TrimSpace(f.Search); s != "" {
		pattern = "%" + escapeLike(s) + "%"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	counts := map[string]int{}
	err := tx.each("faq_counts", func(r *sql.Rows) error {
		var s string
		var n int
		if err := r.Scan(&s, &n); err != nil {
			return err
		}
		counts[s] = n
		return nil
	}, f.Language, pattern)
	if err != nil {
		return nil, nil, err
	}
	out := []FAQRow{}
	err = tx.each("faq_page", func(r *sql.Rows) error {
		var row FAQRow
		var err error
		row.FAQ, err = scanFAQ(withExtra{r, &row.ParaphraseCount})
		out = append(out, row)
		return err
	}, f.Status, f.Language, pattern, limit, f.Offset)
	return out, counts, err
}

// withExtra scans a row of scanFAQ's columns and one more.
type withExtra struct {
	r     scanner
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra)...) }
