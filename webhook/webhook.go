// Package webhook is madoguchi's outgoing webhooks on the wire: the event
// a receiver gets, its body in each format (json, slack, teams), the
// signature that proves it came from us (X-Madoguchi-Signature, HMAC-SHA256
// as Stripe signs), and one POST of it with its outcome classified:
// delivered, worth retrying, given up, and whether the receiver was reached
// at all. The outbox's webhook sender decides from that what becomes of a
// queued event (retries, backoff, give-up time); this package keeps no
// state and knows nothing of the store.
//
// What an event carries is fixed here and nowhere else: the ticket's
// reference, type, status, priority and tier, its times, a link to it in
// the console, the FAQ entry's key of an automatic answer and the target of
// a breach. Never the customer's address, name or words, nor an agent's
// address; the subject (the customer's words) only when a webhook asks for
// it (Options.IncludeSubject), since a chat channel is read by more people
// than the ticket.
package webhook

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Event types, as the configuration's events list and the X-Madoguchi-Event
// header name them.
const (
	TicketCreated   = "ticket.created"
	TicketEscalated = "ticket.escalated" // to the first tier, or on to the next
	TicketBreached  = "ticket.breached"  // an SLA target passed unmet
	TicketResolved  = "ticket.resolved"
	TicketClosed    = "ticket.closed"
	FAQAutoAnswered = "faq.auto_answered" // the desk answered with an FAQ entry
)

// Events lists every event type, in the order of a ticket's life.
var Events = []string{TicketCreated, TicketEscalated, TicketBreached, TicketResolved, TicketClosed, FAQAutoAnswered}

// Formats of a webhook's body.
const (
	FormatJSON  = "json"  // the Event itself
	FormatSlack = "slack" // a Slack incoming-webhook message (text and blocks)
	FormatTeams = "teams" // a Microsoft Teams message with an Adaptive Card
)

// Formats lists the formats a webhook may have.
var Formats = []string{FormatJSON, FormatSlack, FormatTeams}

// Event is one change of a ticket as a receiver gets it; in the json format
// it is the body. ID is the idempotency key: the same event reaches a
// webhook with the same ID however often it is sent (a retry, a resend
// after a crash), so a receiver that remembers IDs acts once.
type Event struct {
	ID        string    `json:"id"`         // "evt_" and 24 characters
	Type      string    `json:"type"`       // one of Events
	CreatedAt time.Time `json:"created_at"` // when the change was committed (UTC)
	Ticket    Ticket    `json:"ticket"`
	// Breach: ticket.breached only.
	Breach *Breach `json:"breach,omitempty"`
	// FAQ: faq.auto_answered only: the entry mailed to the customer.
	FAQ *FAQ `json:"faq,omitempty"`
}

// Ticket is what an event says of its ticket, as it stands after the change.
type Ticket struct {
	Ref      string `json:"ref"`      // INC-1042
	Type     string `json:"type"`     // incident | service_request
	Status   string `json:"status"`   // new, auto_answered, escalated, in_progress, on_hold, resolved, closed
	Priority string `json:"priority"` // P1 … P5
	Tier     string `json:"tier,omitempty"`
	// Source is where the ticket came from: "mail", or "alert" for one a
	// monitoring system opened.
	Source string `json:"source"`
	// Subject is set only for a webhook with include_subject: it is the
	// customer's (or the monitoring system's) words.
	Subject      string    `json:"subject,omitempty"`
	URL          string    `json:"url,omitempty"` // the ticket in the console: web.base_url + /tickets/REF
	CreatedAt    time.Time `json:"created_at"`
	ResolveDueAt time.Time `json:"resolve_due_at,omitzero"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	// ClosedReason: "merged" or "attached" for a ticket closed into another
	// (MergedInto), "" for any other close.
	ClosedReason string `json:"closed_reason,omitempty"`
	MergedInto   string `json:"merged_into,omitempty"`
}

// Breach is the SLA target a ticket.breached event is about.
type Breach struct {
	Target string    `json:"target"` // respond | resolve
	DueAt  time.Time `json:"due_at"`
}

// FAQ names the entry of an automatic answer.
type FAQ struct {
	Key string `json:"key"`
}

// NewID makes an event ID: random, so no receiver can guess the next one.
func NewID() string {
	var b [15]byte
	rand.Read(b[:])
	return "evt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Headers of a delivery.
const (
	HeaderSignature = "X-Madoguchi-Signature" // t=UNIX_SECONDS,v1=HEX
	HeaderEvent     = "X-Madoguchi-Event"     // the event type
	HeaderEventID   = "X-Madoguchi-Event-Id"  // the idempotency key, in every format
)
