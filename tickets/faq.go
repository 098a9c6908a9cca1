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
	Key          string   `json:"key"`
	Question     string   `json:"question"`
	Answer       string   `json:"answer"`
	Tags         []string `json:"tags"`
	Language     string   `json:"language"`
	Status       string   `json:"status"`
	SourceTicket string   `json:"source_ticket,omitempty"`
	// NeedsReview marks a draft made from a ticket: the customer's and
	// the agent's words, cleaned by machine, not yet read by a person. It
	// cannot be published until someone has (SetFAQStatus refuses it).
	NeedsReview bool         `json:"needs_review"`
	Helpful     int          `json:"helpful"`
	NotHelpful  int          `json:"not_helpful"`
	Paraphrases []Paraphrase `json:"paraphrases"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ParaphraseTexts lists the texts of the entry's paraphrases in one state.
func (f *FAQ) ParaphraseTexts(state string) []string {
	var out []string
	for _, p := range f.Paraphrases {
		if p.State == state {
			out = append(out, p.Text)
		}
	}
	return out
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
	if f.NeedsReview && f.Status == FAQPublished {
		faults = append(faults, "a published entry cannot need review")
	}
	for _, p := range f.Paraphrases {
		switch {
		case strings.TrimSpace(p.Text) == "":
			faults = append(faults, "a paraphrase is empty")
		case !validParaphraseState(p.State):
			faults = append(faults, fmt.Sprintf("paraphrase state %q is not one of pending, confirmed, removed", p.State))
		}
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

// PutFAQ inserts or replaces an entry and audits it; an update's event
// names the fields that changed and the old status. Its votes and
// paraphrases stay (f.Paraphrases is not read: SetParaphrases replaces
// them). sourceTicket is 0 when the entry did not come from a ticket. An
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
	if _, err := tx.exec("upsert_faq", f.Key, f.Question, f.Answer, string(tags), f.Language, f.Status, nullID(sourceTicket), fmtTime(tx.now), f.NeedsReview); err != nil {
		return false, err
	}
	if old == nil {
		detail := map[string]any{"status": f.Status, "source_ticket": sourceTicket}
		if f.NeedsReview {
			detail["needs_review"] = true
		}
		return true, tx.faqChanged(f.Key, "faq_created", actor, detail)
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
		{"needs_review", old.NeedsReview != f.NeedsReview},
	} {
		if c.changed {
			out = append(out, c.name)
		}
	}
	return out
}

// ErrNeedsReview is what SetFAQStatus refuses to publish a draft made from
// a ticket with until a person has reviewed it (ReviewFAQ); the error is a
// *NeedsReviewError naming the entry.
var ErrNeedsReview = errors.New("tickets: FAQ entry needs review")

// NeedsReviewError names an entry that needs review and its ticket.
type NeedsReviewError struct {
	Key, SourceTicket string
}

func (e *NeedsReviewError) Error() string {
	return fmt.Sprintf("tickets: FAQ entry %q was drafted from ticket %s and needs review before it is published", e.Key, e.SourceTicket)
}

func (e *NeedsReviewError) Is(target error) bool { return target == ErrNeedsReview }

// SetFAQStatus publishes, retires or drafts an entry. An entry that needs
// review is not published (ErrNeedsReview).
func (tx *Tx) SetFAQStatus(key, status, actor string) error {
	f, err := tx.FAQ(key)
	if err != nil {
		return err
	}
	if status == FAQPublished && f.NeedsReview {
		return &NeedsReviewError{Key: key, SourceTicket: f.SourceTicket}
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

// ReviewFAQ records that a person has read an entry drafted from a
// ticket; it may be published then. An entry needing no review is left as
// it is.
func (tx *Tx) ReviewFAQ(key, actor string) error {
	f, err := tx.FAQ(key)
	if err != nil {
		return err
	}
	if !f.NeedsReview {
		return nil
	}
	if _, err := tx.exec("faq_set_reviewed", fmtTime(tx.now), key); err != nil {
		return err
	}
	return tx.faqChanged(key, "faq_reviewed", actor, map[string]any{"source_ticket": f.SourceTicket})
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

// AddParaphrase keeps a wording of the question the entry key answers,
// audited, and reports whether it changed anything. A wording the entry
// has already keeps its row and number: a pending one becomes confirmed
// when p is confirmed; a removed one stays removed (whoever removed it
// had a reason the desk cannot overrule); anything else is left alone.
func (tx *Tx) AddParaphrase(key string, p NewParaphrase) (bool, error) {
	text := strings.TrimSpace(p.Text)
	if text == "" {
		return false, nil
	}
	if !validParaphraseState(p.State) {
		return false, fmt.Errorf("tickets: paraphrase of FAQ %q: state %q is not one of pending, confirmed, removed", key, p.State)
	}
	var id int64
	var state string
	var n int
	err := tx.queryRow("paraphrase_by_text", key, text).Scan(&id, &state, &n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id, err = tx.insert("insert_paraphrase", key, text, nullID(p.Ticket), fmtTime(tx.now), p.State, p.Source, p.Actor, p.How)
		if err != nil {
			return false, err
		}
		if err := tx.queryRow("paraphrase_number", key, id).Scan(&n); err != nil {
			return false, fmt.Errorf("tickets: paraphrase_number: %w", err)
		}
		detail := map[string]any{"paraphrase": n, "state": p.State, "source": p.Source}
		if p.How != "" {
			detail["how"] = p.How
		}
		if err := tx.addTicketRef(detail, p.Ticket); err != nil {
			return false, err
		}
		return true, tx.faqChanged(key, "faq_paraphrase_added", p.Actor, detail)
	case err != nil:
		return false, fmt.Errorf("tickets: paraphrase_by_text: %w", err)
	case state == ParaphrasePending && p.State == ParaphraseConfirmed:
		detail := map[string]any{}
		if err := tx.addTicketRef(detail, p.Ticket); err != nil {
			return false, err
		}
		ref, _ := detail["ticket"].(string)
		return true, tx.setParaphraseState(key, id, n, ParaphraseConfirmed, p.How, "", p.Actor, ref)
	}
	return false, nil
}

// NewParaphrase is a wording to keep: its text, the ticket it came from
// (0: none), the state it starts in, how it was learned (Source), what
// settled its state when it starts confirmed or removed (How), and who.
type NewParaphrase struct {
	Text                      string
	Ticket                    int64
	State, Source, How, Actor string
}

// Paraphrase states. A pending paraphrase may help find its entry, never
// send it automatically; a confirmed one counts like the question itself;
// a removed one counts for nothing and is kept for the record.
const (
	ParaphrasePending   = "pending"
	ParaphraseConfirmed = "confirmed"
	ParaphraseRemoved   = "removed"
)

// Sources of paraphrases: how a wording was learned.
const (
	// SourceAutoAnswer: the customer confirmed an automatic answer.
	SourceAutoAnswer = "auto_answer"
	// SourceAgentAnswer: an agent answered the ticket with the entry (#answer).
	SourceAgentAnswer = "agent_answer"
	// SourceImport: a FAQ file, or an admin.
	SourceImport = "import"
)

func validParaphraseState(s string) bool {
	return s == ParaphrasePending || s == ParaphraseConfirmed || s == ParaphraseRemoved
}

// Paraphrase is a wording of an entry's question, with its state and
// where it came from.
type Paraphrase struct {
	// N numbers the entry's paraphrases in the order they were learned,
	// 1 first; a removed one keeps its number, so numbers never move.
	N       int       `json:"n"`
	Text    string    `json:"text"`
	State   string    `json:"state"`
	Source  string    `json:"source"`
	Ticket  string    `json:"ticket,omitempty"` // the ticket it was learned from
	AddedBy string    `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
	// What put it in its state: for confirmed customer_confirmed,
	// customer_reply, helpful_vote, closed_quietly, admin, import; for
	// removed problem_report, not_helpful_vote, admin, import.
	StateHow  string    `json:"state_how,omitempty"`
	StateBy   string    `json:"state_by,omitempty"`
	StateNote string    `json:"state_note,omitempty"`
	StateAt   time.Time `json:"state_at"`
	id        int64
}

// NoParaphraseError names a paraphrase number an entry does not have; it
// is ErrNotFound.
type NoParaphraseError struct {
	Key     string
	N, Have int
}

func (e *NoParaphraseError) Error() string {
	return fmt.Sprintf("tickets: FAQ %q has no paraphrase %d (it has %d)", e.Key, e.N, e.Have)
}

func (e *NoParaphraseError) Is(target error) bool { return target == ErrNotFound }

// ErrParaphraseUnchanged is SetParaphraseState's answer when the
// paraphrase is in that state already.
var ErrParaphraseUnchanged = errors.New("tickets: paraphrase is in that state already")

// SetParaphraseState puts paraphrase n of the entry key (as Paraphrases
// numbers them) in state, audited with how, a note and the actor, and
// returns it as it is now.
func (tx *Tx) SetParaphraseState(key string, n int, state, how, note, actor string) (*Paraphrase, error) {
	if !validParaphraseState(state) {
		return nil, fmt.Errorf("tickets: paraphrase state %q is not one of pending, confirmed, removed", state)
	}
	f, err := tx.FAQ(key)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(f.Paraphrases) {
		return nil, &NoParaphraseError{Key: key, N: n, Have: len(f.Paraphrases)}
	}
	p := f.Paraphrases[n-1]
	if p.State == state {
		return nil, fmt.Errorf("%w: paraphrase %d of FAQ %q is %s", ErrParaphraseUnchanged, n, key, state)
	}
	if err := tx.setParaphraseState(key, p.id, n, state, how, note, actor, ""); err != nil {
		return nil, err
	}
	p.State, p.StateHow, p.StateNote, p.StateBy, p.StateAt = state, how, note, actor, tx.now
	return &p, nil
}

// SettleParaphrases moves the pending paraphrases learned on the tickets
// (of the entry key, or of any entry when key is "") to state, confirmed
// or removed, each audited with how. It returns the keys it changed.
func (tx *Tx) SettleParaphrases(ticketIDs []int64, key, state, how, actor string) ([]string, error) {
	if len(ticketIDs) == 0 {
		return nil, nil
	}
	ids, err := json.Marshal(ticketIDs)
	if err != nil {
		return nil, fmt.Errorf("tickets: ticket ids: %w", err)
	}
	rows, err := tx.query("pending_paraphrases_of_tickets", string(ids), key)
	if err != nil {
		return nil, err
	}
	type pending struct {
		id       int64
		key, ref string
		n        int
	}
	var list []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.key, &p.ref, &p.n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: reading paraphrase: %w", err)
		}
		list = append(list, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range list {
		if err := tx.setParaphraseState(p.key, p.id, p.n, state, how, "", actor, p.ref); err != nil {
			return nil, err
		}
		if !slices.Contains(keys, p.key) {
			keys = append(keys, p.key)
		}
	}
	return keys, nil
}

// HasPendingParaphrases tells whether a ticket taught an entry a wording
// that is still pending.
func (tx *Tx) HasPendingParaphrases(ticketID int64) (bool, error) {
	var n int
	if err := tx.queryRow("ticket_pending_paraphrases", ticketID).Scan(&n); err != nil {
		return false, fmt.Errorf("tickets: ticket_pending_paraphrases: %w", err)
	}
	return n > 0, nil
}

// SetParaphrases makes the entry's paraphrases those of list, by text, as
// an import file states them: a text the entry lacks is added (source
// import), one it has takes the state of list, and one list does not name
// is removed. Each change is audited; what it did is counted.
func (tx *Tx) SetParaphrases(key string, list []Paraphrase, actor string) (ParaphraseChanges, error) {
	var c ParaphraseChanges
	f, err := tx.FAQ(key)
	if err != nil {
		return c, err
	}
	have := map[string]Paraphrase{}
	for _, p := range f.Paraphrases {
		have[p.Text] = p
	}
	named := map[string]bool{}
	for _, p := range list {
		text := strings.TrimSpace(p.Text)
		if text == "" || named[text] {
			continue
		}
		named[text] = true
		old, ok := have[text]
		switch {
		case !ok:
			if _, err := tx.AddParaphrase(key, NewParaphrase{Text: text, State: p.State, Source: SourceImport, How: "import", Actor: actor}); err != nil {
				return c, err
			}
			c.Added++
		case old.State != p.State:
			if err := tx.setParaphraseState(key, old.id, old.N, p.State, "import", "", actor, ""); err != nil {
				return c, err
			}
			c.Changed++
		default:
			c.Kept++
		}
	}
	for _, p := range f.Paraphrases {
		if !named[p.Text] && p.State != ParaphraseRemoved {
			if err := tx.setParaphraseState(key, p.id, p.N, ParaphraseRemoved, "import", "not in the imported file", actor, ""); err != nil {
				return c, err
			}
			c.Removed++
		}
	}
	return c, nil
}

// ParaphraseChanges counts what SetParaphrases did.
type ParaphraseChanges struct {
	Added, Changed, Removed, Kept int
}

// setParaphraseState writes a state change and its audit event (kind
// faq_paraphrase_confirmed, _removed or _pending); ticketRef names the
// ticket whose reply, vote or close settled it.
func (tx *Tx) setParaphraseState(key string, id int64, n int, state, how, note, actor, ticketRef string) error {
	if _, err := tx.exec("set_paraphrase_state", state, how, actor, note, fmtTime(tx.now), id); err != nil {
		return err
	}
	detail := map[string]any{"paraphrase": n, "how": how}
	if note != "" {
		detail["note"] = note
	}
	if ticketRef != "" {
		detail["ticket"] = ticketRef
	}
	return tx.faqChanged(key, "faq_paraphrase_"+state, actor, detail)
}

// addTicketRef names a ticket in an event's detail by its reference.
func (tx *Tx) addTicketRef(detail map[string]any, ticketID int64) error {
	if ticketID == 0 {
		return nil
	}
	var ref string
	if err := tx.queryRow("ticket_ref_by_id", ticketID).Scan(&ref); err != nil {
		return fmt.Errorf("tickets: ticket %d: %w", ticketID, err)
	}
	detail["ticket"] = ref
	return nil
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

// FAQStatus is the status of one entry, read alone: cheap enough to check
// every candidate of a match against the store.
func (tx *Tx) FAQStatus(key string) (string, error) {
	var status string
	err := tx.queryRow("faq_status", key).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: FAQ %q", ErrNotFound, key)
	}
	if err != nil {
		return "", fmt.Errorf("tickets: faq_status: %w", err)
	}
	return status, nil
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
		var p Paraphrase
		var key, added, at string
		if err := rows.Scan(&p.id, &key, &p.Text, &p.State, &p.Source, &p.Ticket, &p.AddedBy, &added,
			&p.StateHow, &p.StateBy, &p.StateNote, &at); err != nil {
			return fmt.Errorf("tickets: reading paraphrase: %w", err)
		}
		p.AddedAt, p.StateAt = parseTime(added), parseTime(at)
		if f := byKey[key]; f != nil {
			p.N = len(f.Paraphrases) + 1
			f.Paraphrases = append(f.Paraphrases, p)
		}
	}
	return rows.Err()
}

func scanFAQ(r scanner) (*FAQ, error) {
	var f FAQ
	var tags, created, updated string
	var src sql.NullString
	err := r.Scan(&f.Key, &f.Question, &f.Answer, &tags, &f.Language, &f.Status, &src, &f.Helpful, &f.NotHelpful, &created, &updated, &f.NeedsReview)
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
	f.Paraphrases = []Paraphrase{}
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
