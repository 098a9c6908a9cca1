package tickets

import "time"

// Outgoing statuses.
const (
	OutPending = "pending"
	OutSent    = "sent"
	OutFailed  = "failed"
)

// Outgoing is one mail the desk decided to send, written in the same
// transaction as the ticket change that caused it (transactional outbox).
// The outbox package delivers it; MessageID is fixed at insert and kept
// across retries.
type Outgoing struct {
	ID            int64     `json:"id"`
	TicketID      int64     `json:"-"`
	TicketRef     string    `json:"ticket"`
	Kind          string    `json:"kind"` // ack, auto_answer, relay, agent_notify, reminder, ...
	ToName        string    `json:"to_name,omitempty"`
	To            string    `json:"to"`      // one address
	Subject       string    `json:"subject"` // may hold anything the customer wrote: the sender must sanitise
	Text          string    `json:"text"`
	HTML          string    `json:"html,omitempty"`
	MessageID     string    `json:"message_id"` // without <>
	InReplyTo     string    `json:"in_reply_to,omitempty"`
	References    []string  `json:"references,omitempty"`
	AutoSubmitted string    `json:"auto_submitted"` // auto-replied | auto-generated
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitempty"`
}
