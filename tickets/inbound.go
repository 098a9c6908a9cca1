package tickets

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Dispositions: every fetched message ends in exactly one.
const (
	DispNewTicket   = "new_ticket"
	DispAppended    = "appended"
	DispAutomatic   = "automatic"
	DispBounce      = "bounce"
	DispOwnMail     = "own_mail"
	DispDuplicate   = "duplicate"
	DispQuarantined = "quarantined"
)

// DefaultMailbox is the name of the mailbox of the one-mailbox
// configuration ([imap]), and of every ticket and inbound record from
// before there were several.
const DefaultMailbox = "default"

// Inbound is the record of one fetched message.
type Inbound struct {
	ID int64 `json:"id"`
	// Mailbox is the configured mailbox it came from ([[mailboxes]] name);
	// Folder the IMAP folder of that account. A message is keyed by both
	// with its UIDVALIDITY and UID: two accounts may hold the same folder
	// name at the same UIDVALIDITY.
	Mailbox     string    `json:"mailbox"`
	Folder      string    `json:"folder"`
	UIDValidity uint32    `json:"uidvalidity"`
	UID         uint32    `json:"uid"`
	MessageID   string    `json:"message_id"`
	ContentHash string    `json:"content_hash"`
	RawHash     string    `json:"-"`
	Size        int64     `json:"size"`
	From        string    `json:"from"`
	Subject     string    `json:"subject"`
	Disposition string    `json:"disposition"`
	Reason      string    `json:"reason"`
	TicketID    int64     `json:"-"`
	Ticket      string    `json:"ticket"`
	DuplicateOf int64     `json:"duplicate_of,omitempty"`
	OutgoingID  int64     `json:"outgoing_id,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	Date        time.Time `json:"date,omitzero"` // the Date header; zero when absent or unreadable
	Raw         []byte    `json:"-"`             // set when recording
}

// RecordInbound stores the raw message and its disposition. The
// (mailbox, folder, uidvalidity, uid) key is unique: recording it twice
// fails.
func (tx *Tx) RecordInbound(in *Inbound) error {
	if in.Mailbox == "" {
		return errors.New("tickets: an inbound record needs its mailbox")
	}
	hash, err := tx.PutBlob(in.Raw)
	if err != nil {
		return err
	}
	in.RawHash, in.Size, in.ReceivedAt = hash, int64(len(in.Raw)), tx.now
	if in.ContentHash == "" {
		in.ContentHash = hash
	}
	id, err := tx.insert("insert_inbound", in.Mailbox, in.Folder, in.UIDValidity, in.UID, in.MessageID, in.ContentHash, hash,
		in.Size, in.From, in.Subject, in.Disposition, in.Reason, nullID(in.TicketID), nullID(in.DuplicateOf),
		nullID(in.OutgoingID), fmtTime(in.ReceivedAt), fmtTime(in.Date))
	if err != nil {
		return err
	}
	in.ID = id
	return nil
}

// SetInboundOutcome updates the disposition and ticket of a recorded message
// (the desk records first, so entries can point at the record).
func (tx *Tx) SetInboundOutcome(in *Inbound) error {
	_, err := tx.exec("update_inbound_outcome", in.Disposition, in.Reason, nullID(in.TicketID), nullID(in.DuplicateOf), nullID(in.OutgoingID), in.ID)
	return err
}

// InboundAt reports the record of mailbox/folder/uidvalidity/uid, or
// ErrNotFound.
func (tx *Tx) InboundAt(mailbox, folder string, uidValidity, uid uint32) (*Inbound, error) {
	return scanInbound(tx.queryRow("inbound_by_uid", mailbox, folder, uidValidity, uid))
}

// InboundByID reports one record, or ErrNotFound.
func (tx *Tx) InboundByID(id int64) (*Inbound, error) {
	return scanInbound(tx.queryRow("inbound_by_id", id))
}

// KnownUIDs returns which of uids are recorded for mailbox/folder/uidvalidity.
func (tx *Tx) KnownUIDs(mailbox, folder string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	known := map[uint32]bool{}
	if len(uids) == 0 {
		return known, nil
	}
	lo, hi := uids[0], uids[0]
	want := map[uint32]bool{}
	for _, u := range uids {
		lo, hi = min(lo, u), max(hi, u)
		want[u] = true
	}
	rows, err := tx.query("inbound_uids_in_range", mailbox, folder, uidValidity, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("tickets: reading uid: %w", err)
		}
		if want[u] {
			known[u] = true
		}
	}
	return known, rows.Err()
}

// InboundMessageIDs reports which of ids an inbound record holds: the
// desk asks once for a batch instead of once a mail.
func (tx *Tx) InboundMessageIDs(ids []string) (map[string]bool, error) {
	return tx.messageIDsIn("inbound_message_ids_in", ids)
}

// OutgoingMessageIDs reports which of ids are those of our outgoing mails.
func (tx *Tx) OutgoingMessageIDs(ids []string) (map[string]bool, error) {
	return tx.messageIDsIn("outgoing_message_ids_in", ids)
}

func (tx *Tx) messageIDsIn(query string, ids []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("tickets: %s: %w", query, err)
	}
	rows, err := tx.query(query, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("tickets: %s: %w", query, err)
		}
		found[id] = true
	}
	return found, rows.Err()
}

// LastUID is the highest UID recorded for mailbox/folder/uidvalidity, 0
// when none.
func (tx *Tx) LastUID(mailbox, folder string, uidValidity uint32) (uint32, error) {
	var last uint32
	if err := tx.queryRow("inbound_last_uid", mailbox, folder, uidValidity).Scan(&last); err != nil {
		return 0, fmt.Errorf("tickets: inbound_last_uid: %w", err)
	}
	return last, nil
}

// FirstInboundByMessageID returns the first record of a Message-ID, or ErrNotFound.
func (tx *Tx) FirstInboundByMessageID(messageID string) (*Inbound, error) {
	return scanInbound(tx.queryRow("inbound_by_message_id", messageID))
}

// FirstInboundByContentHash returns the first record with that content hash, or ErrNotFound.
func (tx *Tx) FirstInboundByContentHash(hash string) (*Inbound, error) {
	return scanInbound(tx.queryRow("inbound_by_content_hash", hash))
}

// InboundList lists every received message, oldest first.
func (tx *Tx) InboundList(limit int) ([]*Inbound, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := tx.query("inbound_list", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Inbound
	for rows.Next() {
		in, err := scanInbound(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func scanInbound(r scanner) (*Inbound, error) {
	var in Inbound
	var tid, dup, outID sql.NullInt64
	var ref sql.NullString
	var received, date string
	err := r.Scan(&in.ID, &in.Mailbox, &in.Folder, &in.UIDValidity, &in.UID, &in.MessageID, &in.ContentHash, &in.RawHash, &in.Size,
		&in.From, &in.Subject, &in.Disposition, &in.Reason, &tid, &ref, &dup, &outID, &received, &date)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tickets: reading inbound record: %w", err)
	}
	in.TicketID, in.Ticket, in.DuplicateOf, in.OutgoingID = tid.Int64, ref.String, dup.Int64, outID.Int64
	in.ReceivedAt, in.Date = parseTime(received), parseTime(date)
	return &in, nil
}
