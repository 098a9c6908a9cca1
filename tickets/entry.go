package tickets

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EntryKind says what an entry of a ticket's history is.
type EntryKind string

// Entry kinds.
const (
	KindCustomer     EntryKind = "customer"
	KindAgent        EntryKind = "agent"
	KindAutomatic    EntryKind = "automatic"
	KindSystem       EntryKind = "system"
	KindInternalNote EntryKind = "internal_note"
	// KindThirdParty is mail threaded to a ticket from someone who may not
	// act on it (a stranger): kept for agents to read, it changes nothing.
	KindThirdParty EntryKind = "third_party"
)

// Direction says whether an entry came in or went out.
type Direction string

const (
	DirIn  Direction = "in"
	DirOut Direction = "out"
)

// Role is who sent a mail threaded to a ticket.
type Role string

// Sender roles: who sent a mail threaded to a ticket, decided before the
// mail may act. Only a requester, a participant or a proven agent acts.
const (
	RoleRequester   Role = "requester"
	RoleParticipant Role = "participant" // on To/Cc of the requester's mail on the ticket
	RoleAgent       Role = "agent"
	RoleStranger    Role = "stranger"
)

// Entry is one item of a ticket's history.
type Entry struct {
	ID          int64        `json:"-"`
	Kind        EntryKind    `json:"kind"`
	Direction   Direction    `json:"direction"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	Cc          string       `json:"cc,omitempty"`
	Role        Role         `json:"role,omitempty"` // sender role of an inbound mail
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	MessageID   string       `json:"message_id"`
	CreatedAt   time.Time    `json:"created_at"`
	Attachments []Attachment `json:"attachments"`
	InboundID   int64        `json:"-"`
	OutgoingID  int64        `json:"-"`
}

// Attachment is a stored file of an entry; its bytes are in the blob table.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Data        []byte `json:"-"` // set when adding; not loaded by Entries
}

// AddEntry appends an entry (and its attachments) to a ticket and audits it.
func (tx *Tx) AddEntry(t *Ticket, e *Entry, actor string) error {
	e.CreatedAt = tx.now
	id, err := tx.insert("insert_entry", t.ID, e.Kind, e.Direction, e.From, e.To, e.Cc, e.Role, e.Subject, e.Text,
		e.MessageID, nullID(e.InboundID), nullID(e.OutgoingID), fmtTime(e.CreatedAt))
	if err != nil {
		return err
	}
	e.ID = id
	for i := range e.Attachments {
		a := &e.Attachments[i]
		hash, err := tx.PutBlob(a.Data)
		if err != nil {
			return err
		}
		a.SHA256, a.Size = hash, int64(len(a.Data))
		if _, err := tx.exec("insert_attachment", e.ID, a.Filename, a.ContentType, a.ContentID, a.Inline, a.Size, hash); err != nil {
			return err
		}
	}
	if err := tx.Touch(t); err != nil {
		return err
	}
	detail := map[string]any{"kind": e.Kind, "direction": e.Direction, "message_id": e.MessageID}
	if e.Role != "" {
		detail["role"] = e.Role
	}
	return tx.Event(t.ID, "", "entry_added", actor, detail)
}

// AddParticipants records addresses (lower-cased; empty ones and the
// requester skipped) as participants of a ticket: the people the requester
// wrote to about it, who may act on it as the requester does. An address
// an agent dropped (DropParticipant) stays dropped.
func (tx *Tx) AddParticipants(t *Ticket, addrs []string) error {
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || a == t.Requester {
			continue
		}
		if _, err := tx.exec("insert_participant", t.ID, a, fmtTime(tx.now)); err != nil {
			return err
		}
	}
	return nil
}

// CCParticipant makes addr a participant of t at an agent's word (#cc):
// a new one, or one dropped before, back again. It reports whether addr
// was not a participant before; each addition is audited
// (participant_added) under actor.
func (tx *Tx) CCParticipant(t *Ticket, addr, actor string) (bool, error) {
	return tx.changeParticipant(t, "cc_participant", "participant_added", addr, actor)
}

// DropParticipant takes addr off t's participants at an agent's word
// (#uncc): a stranger to the ticket again, whom the requester's later
// mails do not make a participant again. It reports whether addr was a
// participant; the drop is audited (participant_dropped) under actor.
func (tx *Tx) DropParticipant(t *Ticket, addr, actor string) (bool, error) {
	return tx.changeParticipant(t, "drop_participant", "participant_dropped", addr, actor)
}

// changeParticipant runs the named query on (t, addr, now) and audits the
// change as event when it changed anything.
func (tx *Tx) changeParticipant(t *Ticket, query, event, addr, actor string) (bool, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	res, err := tx.exec(query, t.ID, addr, fmtTime(tx.now))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, tx.Event(t.ID, "", event, actor, map[string]any{"addr": addr})
}

// IsParticipant reports whether addr is a participant of the ticket.
func (tx *Tx) IsParticipant(ticketID int64, addr string) (bool, error) {
	var n int
	if err := tx.queryRow("is_participant", ticketID, strings.ToLower(addr)).Scan(&n); err != nil {
		return false, fmt.Errorf("tickets: is_participant: %w", err)
	}
	return n > 0, nil
}

// Participants lists a ticket's participants, in the order they came.
func (tx *Tx) Participants(ticketID int64) ([]string, error) {
	rows, err := tx.query("participants_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("tickets: reading participant: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AgentSaid reports whether an agent's mail on a ticket since a time had
// exactly this text: an autoresponder repeats itself, word for word.
func (tx *Tx) AgentSaid(ticketID int64, agent, text string, since time.Time) (bool, error) {
	var yes bool
	err := tx.queryRow("agent_said_since", ticketID, strings.ToLower(agent), text, fmtTime(since)).Scan(&yes)
	return yes, err
}

// Entries lists a ticket's entries, oldest first, with attachment metadata.
func (tx *Tx) Entries(ticketID int64) ([]Entry, error) {
	rows, err := tx.query("entries_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for rows.Next() {
		var e Entry
		var created string
		var in, outID sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Kind, &e.Direction, &e.From, &e.To, &e.Cc, &e.Role, &e.Subject, &e.Text, &e.MessageID, &in, &outID, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tickets: reading entry: %w", err)
		}
		e.InboundID, e.OutgoingID, e.CreatedAt = in.Int64, outID.Int64, parseTime(created)
		e.Attachments = []Attachment{}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	arows, err := tx.query("attachments_by_ticket", ticketID)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	byID := map[int64]int{}
	for i, e := range out {
		byID[e.ID] = i
	}
	for arows.Next() {
		var a Attachment
		var entryID int64
		if err := arows.Scan(&entryID, &a.Filename, &a.ContentType, &a.ContentID, &a.Inline, &a.Size, &a.SHA256); err != nil {
			return nil, fmt.Errorf("tickets: reading attachment: %w", err)
		}
		if i, ok := byID[entryID]; ok {
			out[i].Attachments = append(out[i].Attachments, a)
		}
	}
	return out, arows.Err()
}

// PutBlob stores data once under its sha256 and returns the hex hash.
func (tx *Tx) PutBlob(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if data == nil {
		data = []byte{}
	}
	_, err := tx.exec("insert_blob", hash, len(data), data)
	return hash, err
}

// Blob reads stored bytes by hash.
func (tx *Tx) Blob(hash string) ([]byte, error) {
	var b []byte
	err := tx.queryRow("blob_by_hash", hash).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading blob: %w", err)
	}
	return b, nil
}

// TicketByMessageID finds the ticket that a message id belongs to: an
// entry's (inbound or outbound) or an outgoing mail's Message-ID.
func (tx *Tx) TicketByMessageID(ids []string) (*Ticket, error) {
	// Most recent reference first: In-Reply-To is passed first by callers.
	for _, id := range ids {
		if id == "" {
			continue
		}
		var tid int64
		err := tx.queryRow("ticket_id_by_message_id", id).Scan(&tid)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tickets: threading by message id: %w", err)
		}
		return tx.TicketByID(tid)
	}
	return nil, ErrNotFound
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
