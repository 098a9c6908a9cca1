package tickets

import "time"

// Outgoing statuses. A row is pending until it is sent or given up; a row
// given up after an attempt that may have reached the customer (the relay
// never answered the final "." of DATA) is unknown, never failed.
// OutStatus is where an outgoing mail stands.
type OutStatus string

const (
	OutPending OutStatus = "pending"
	OutSent    OutStatus = "sent"
	OutFailed  OutStatus = "failed"
	OutUnknown OutStatus = "unknown"
)

// OutStatuses lists every outgoing status, in the order of a mail's life.
var OutStatuses = []OutStatus{OutPending, OutSent, OutFailed, OutUnknown}

// Outgoing is one mail the desk decided to send, written in the same
// transaction as the ticket change that caused it (transactional outbox).
// The outbox package delivers it; MessageID is fixed at insert and kept
// across retries.
type Outgoing struct {
	ID        int64  `json:"id"`
	TicketID  int64  `json:"-"`
	TicketRef string `json:"ticket"`
	Kind      string `json:"kind"` // ack, auto_answer, relay, agent_notify, reminder, ...
	// From is the mail's From (and its envelope sender's address): the
	// address of its ticket's mailbox, with a display name when that has
	// one; "" = the sender's own (smtp.from), as for rows from before.
	From          string    `json:"from,omitempty"`
	ToName        string    `json:"to_name,omitempty"`
	To            string    `json:"to"`           // one address
	Cc            []string  `json:"cc,omitempty"` // lower case; a mail to a customer Cc's the ticket's participants
	Subject       string    `json:"subject"`      // may hold anything the customer wrote: the sender must sanitise
	Text          string    `json:"text"`
	HTML          string    `json:"html,omitempty"`
	MessageID     string    `json:"message_id"` // without <>
	InReplyTo     string    `json:"in_reply_to,omitempty"`
	References    []string  `json:"references,omitempty"`
	AutoSubmitted string    `json:"auto_submitted"` // auto-replied | auto-generated
	Status        OutStatus `json:"status"`
	Attempts      int       `json:"attempts"`  // attempts the relay answered; they count against smtp.max_attempts
	Deferrals     int       `json:"deferrals"` // attempts that never reached the relay's replies (outage)
	// OutcomeUnknown: an attempt ended after the final "." of DATA without
	// the relay's answer, so the customer may have the mail already.
	OutcomeUnknown bool      `json:"outcome_unknown"`
	NextAttemptAt  time.Time `json:"next_attempt_at"`
	LastError      string    `json:"last_error,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	QueuedAt       time.Time `json:"queued_at"` // start of smtp.give_up_after: creation or the last re-queue
	SentAt         time.Time `json:"sent_at,omitempty"`
	ClaimedBy      string    `json:"claimed_by,omitempty"` // the sender delivering it now
	ClaimExpires   time.Time `json:"claim_expires,omitzero"`
	ReplyTo        string    `json:"reply_to,omitempty"` // one address: a signed plus address of ours
	// Attachments go out with the mail; their bytes are loaded only for
	// delivery (ClaimOutgoing).
	Attachments     []Attachment `json:"attachments,omitempty"`
	attachmentCount int
}

// Attempt is the outcome of one delivery attempt as the outbox records it.
type Attempt struct {
	Owner  string    // the claim holder; its claim on the row ends
	Status OutStatus // OutSent; OutPending (try again at Next); OutFailed (given up)
	// Counted: the relay answered MAIL, RCPT or DATA, so the attempt counts
	// against smtp.max_attempts (Attempts+1); otherwise it is a deferral.
	Counted bool
	Unknown bool // the relay may hold the mail; once set, it stays on the row
	At      time.Time
	Next    time.Time // for OutPending
	Error   string    // "" for OutSent
	// RefusedCc: OutSent: the Cc recipients the relay refused, left out
	// of the mail ("gone@example.com: 550 5.1.1 no such user").
	RefusedCc []string
}
