package tickets

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FAQ statuses.
const (
	FAQDraft     = "draft"
	FAQPublished = "published"
	FAQRetired   = "retired"
)

// FAQ is an entry curated from resolved incidents.
type FAQ struct {
	Key          string    `json:"key"`
	Question     string    `json:"question"`
	Answer       string    `json:"answer"`
	Tags         []string  `json:"tags"`
	Language     string    `json:"language"`
	Status       string    `json:"status"`
	SourceTicket string    `json:"source_ticket,omitempty"`
	Helpful      int       `json:"helpful"`
	NotHelpful   int       `json:"not_helpful"`
	Paraphrases  []string  `json:"paraphrases"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ValidateFAQ checks an entry before it is stored. The error names every
// fault of the entry, each with its field ("answer is empty; language
// \"xx\" is not one of en, ja"), so that one import run shows them all.
func ValidateFAQ(f *FAQ) error {
	var faults []string
	switch {
	case strings.TrimSpace(f.Key) == "":
		faults = append(faults, "key is empty")
	case strings.ContainsAny(f.Key, " \t\r\n"):
		faults = append(faults, fmt.Sprintf("key %q contains white space", f.Key))
	}
	if strings.TrimSpace(f.Question) == "" {
		faults = append(faults, "question is empty")
	}
	if strings.TrimSpace(f.Answer) == "" {
		faults = append(faults, "answer is empty")
	}
	switch f.Status {
	case FAQDraft, FAQPublished, FAQRetired:
	default:
		faults = append(faults, fmt.Sprintf("status %q is not one of draft, published, retired", f.Status))
	}
	switch f.Language {
	case "", "en", "ja":
	default:
		faults = append(faults, fmt.Sprintf("language %q is not one of en, ja", f.Language))
	}
	if len(faults) > 0 {
		return errors.New(strings.Join(faults, "; "))
	}
	return nil
}

// ErrFAQExists is what PutFAQ refuses a draft from a ticket with when its
// key is taken; the error is an *FAQExistsError naming the entry.
var ErrFAQExists = errors.New("tickets: FAQ entry exists")

// FAQExistsError names the entry a draft from a ticket would have replaced.
type FAQExistsError struct {
	Key, Status string
}

func (e *FAQExistsError) Error() string {
	return fmt.Sprintf("tickets: FAQ entry %q exists (%s)", e.Key, e.Status)
}

func (e *FAQExistsError) Is(target error) bool { return target == ErrFAQExists }

// PutFAQ inserts or replaces an entry (its votes and paraphrases stay) and
// audits it; an update's event names the fields that changed and the old
// status. sourceTicket is 0 when the entry did not come from a ticket. An
// entry drafted from a ticket never replaces an existing one (ErrFAQExists):
// the key may belong to an entry an admin curated and published.
func (tx *Tx) PutFAQ(f *FAQ, sourceTicket int64, actor string) (created bool, err error) {
	if f.Status == "" {
		f.Status = FAQDraft
	}
	if err := ValidateFAQ(f); err != nil {
		return false, fmt.Errorf("tickets: FAQ %q: %w", f.Key, err)
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	tags, err := json.Marshal(f.Tags)
	if err != nil {
		return false, fmt.Errorf("tickets: FAQ tags: %w", err)
	}
	old, err := scanFAQ(tx.queryRow("faq_by_key", f.Key))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	if old != nil && sourceTicket != 0 {
		return false, &FAQExistsError{Key: f.Key, Status: old.Status}
	}
	if _, err := tx.exec("upsert_faq", f.Key, f.Question, f.Answer, string(tags), f.Language, f.Status, nullID(sourceTicket), fmtTime(tx.now)); err != nil {
		return false, err
	}
	if old == nil {
		return true, tx.faqChanged(f.Key, "faq_created", actor, map[string]any{"status": f.Status, "source_ticket": sourceTicket})
	}
	detail := map[string]any{"status": f.Status, "source_ticket": sourceTicket, "changed": changedFields(old, f)}
	if old.Status != f.Status {
		detail["from_status"] = old.Status
	}
	return false, tx.faqChanged(f.Key, "faq_updated", actor, detail)
}

// changedFields names the fields an update changes, for the audit event
// (the texts themselves can be long and stay out of it).
func changedFields(old, f *FAQ) []string {
	out := []string{}
	for _, c := range []struct {
		name    string
		changed bool
	}{
		{"question", old.Question != f.Question},
		{"answer", old.Answer != f.Answer},
		{"tags", !slices.Equal(old.Tags, f.Tags)},
		{"language", old.Language != f.Language},
		{"status", old.Status != f.Status},
	} {
		if c.changed {
			out = append(out, c.name)
		}
	}
	return out
}

// SetFAQStatus publishes, retires or drafts an entry.
func (tx *Tx) SetFAQStatus(key, status, actor string) error {
	f, err := tx.FAQ(key)
	if err != nil {
		return err
	}
	from := f.Status
	f.Status = status
	if err := ValidateFAQ(f); err != nil {
		return fmt.Errorf("tickets: FAQ %q: %w", key, err)
	}
	if _, err := tx.exec("faq_set_status", status, fmtTime(tx.now), key); err != nil {
		return err
	}
	return tx.faqChanged(key, "faq_status_changed", actor, map[string]any{"status": status, "from_status": from})
}

// VoteFAQ counts an entry helpful or not helpful for a ticket.
func (tx *Tx) VoteFAQ(key string, helpful bool, ticketID int64, actor string) error {
	q := "faq_vote_not_helpful"
	if helpful {
		q = "faq_vote_helpful"
	}
	res, err := tx.exec(q, fmtTime(tx.now), key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: FAQ %q", ErrNotFound, key)
	}
	return tx.faqChanged(key, "faq_voted", actor, map[string]any{"helpful": helpful, "ticket": ticketID})
}

// AddParaphrase keeps a customer's wording of a question the entry answered.
func (tx *Tx) AddParaphrase(key, text string, ticketID int64, actor string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if _, err := tx.exec("insert_paraphrase", key, text, nullID(ticketID), fmtTime(tx.now)); err != nil {
		return err
	}
	return tx.faqChanged(key, "faq_paraphrase_added", actor, map[string]any{"ticket": ticketID})
}

// FAQVersion is the counter every FAQ change bumps.
func (tx *Tx) FAQVersion() (int64, error) {
	var v int64
	if err := tx.queryRow("faq_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("tickets: faq_version: %w", err)
	}
	return v, nil
}

// faqChanged bumps the FAQ version and audits the change with one event
// of a kind faq_* and no ticket: FAQKeysChangedSince reads those events as
// the log of the versions.
func (tx *Tx) faqChanged(key, kind, actor string, detail any) error {
	if _, err := tx.exec("bump_faq_version"); err != nil {
		return err
	}
	return tx.Event(0, key, kind, actor, detail)
}

// FAQKeysChangedSince names the entries changed after version since, up
// to version now (FAQVersion): what an index built at since lacks. A key
// changed twice is named once. ok is false when the audit trail holds
// fewer than now-since changes (a database older than the trail): only a
// full rebuild is sure then.
func (tx *Tx) FAQKeysChangedSince(since, now int64) (keys []string, ok bool, err error) {
	if now < since {
		return nil, false, nil
	}
	rows, err := tx.query("faq_keys_changed_last", now-since)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, false, fmt.Errorf("tickets: reading FAQ changes: %w", err)
		}
		if n++; !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("tickets: reading FAQ changes: %w", err)
	}
	return keys, n == now-since, nil
}

// FAQEvents lists the audit events of one FAQ entry, oldest first: who
// created, changed, published or retired it, and the votes it got.
func (tx *Tx) FAQEvents(key string) ([]Event, error) {
	rows, err := tx.query("events_by_faq", key)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// FAQ loads one entry with its paraphrases.
func (tx *Tx) FAQ(key string) (*FAQ, error) {
	f, err := scanFAQ(tx.queryRow("faq_by_key", key))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: FAQ %q", ErrNotFound, key)
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.query("paraphrases_by_key", key)
	if err != nil {
		return nil, err
	}
	return f, attachParaphrases(rows, map[string]*FAQ{f.Key: f})
}

// FAQs lists entries (of one status, or all) with their paraphrases.
func (tx *Tx) FAQs(status string) ([]*FAQ, error) {
	rows, err := tx.query("faq_list", status)
	if err != nil {
		return nil, err
	}
	var out []*FAQ
	byKey := map[string]*FAQ{}
	for rows.Next() {
		f, err := scanFAQ(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
		byKey[f.Key] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prows, err := tx.query("paraphrases_all")
	if err != nil {
		return nil, err
	}
	return out, attachParaphrases(prows, byKey)
}

func attachParaphrases(rows *sql.Rows, byKey map[string]*FAQ) error {
	defer rows.Close()
	for rows.Next() {
		var key, text string
		if err := rows.Scan(&key, &text); err != nil {
			return fmt.Errorf("tickets: reading paraphrase: %w", err)
		}
		if f := byKey[key]; f != nil {
			f.Paraphrases = append(f.Paraphrases, text)
		}
	}
	return rows.Err()
}

func scanFAQ(r scanner) (*FAQ, error) {
	var f FAQ
	var tags, created, updated string
	var src sql.NullString
	err := r.Scan(&f.Key, &f.Question, &f.Answer, &tags, &f.Language, &f.Status, &src, &f.Helpful, &f.NotHelpful, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading FAQ: %w", err)
	}
	if err := json.Unmarshal([]byte(tags), &f.Tags); err != nil {
		return nil, fmt.Errorf("tickets: FAQ %q tags: %w", f.Key, err)
	}
	f.SourceTicket, f.CreatedAt, f.UpdatedAt = src.String, parseTime(created), parseTime(updated)
	f.Paraphrases = []string{}
	return &f, nil
}

// Suggestion is a FAQ entry shown to agents on a ticket.
type Suggestion struct {
	Key        string  `json:"key"`
	Confidence float64 `json:"confidence"`
	Score      float64 `json:"score"`
}

// SetSuggestions replaces a ticket's suggested entries.
func (tx *Tx) SetSuggestions(ticketID int64, list []Suggestion) error {
	if _, err := tx.exec("delete_suggestions", ticketID); err != nil {
		return err
	}
	for i, s := range list {
		if _, err := tx.exec("insert_suggestion", ticketID, i+1, s.Key, s.Confidence, s.Score); err != nil {
			return err
		}
	}
	return nil
}

// Suggestions lists a ticket's suggested entries, best first.
func (tx *Tx) Suggestions(ticketID int64) ([]Suggestion, error) {
	rows, err := tx.query("suggestions_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Suggestion{}
	for rows.Next() {
		var s Suggestion
		if err := rows.Scan(&s.Key, &s.Confidence, &s.Score); err != nil {
			return nil, fmt.Errorf("tickets: reading suggestion: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
