-- 001: tickets, their entries, inbound records, outgoing mail, audit events.
-- Times are UTC text in the fixed layout 2006-01-02T15:04:05.000000Z, so
-- they sort and compare as text.

CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,           -- hex sha256 of data
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,        -- INC-1042, REQ-1043
    type TEXT NOT NULL CHECK (type IN ('incident', 'service_request')),
    subject TEXT NOT NULL,
    requester TEXT NOT NULL,         -- address, lower case
    requester_name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    status TEXT NOT NULL CHECK (status IN ('new', 'auto_answered', 'escalated', 'in_progress', 'on_hold', 'resolved', 'closed')),
    impact TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
    urgency TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
    priority TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
    linked_ticket_id INTEGER REFERENCES tickets(id),
    due_at TEXT NOT NULL,            -- SLA resolution due time
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT NOT NULL DEFAULT '',
    closed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tickets_status ON tickets(status, updated_at);

CREATE TABLE inbound (
    id INTEGER PRIMARY KEY,
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    raw_hash TEXT NOT NULL REFERENCES blobs(hash),
    size INTEGER NOT NULL,
    from_addr TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    disposition TEXT NOT NULL CHECK (disposition IN ('new_ticket', 'appended', 'automatic', 'bounce', 'own_mail', 'duplicate', 'quarantined')),
    reason TEXT NOT NULL DEFAULT '',
    ticket_id INTEGER REFERENCES tickets(id),
    duplicate_of INTEGER REFERENCES inbound(id),
    outgoing_id INTEGER REFERENCES outgoing(id), -- the mail a bounce reports on
    received_at TEXT NOT NULL,
    UNIQUE (mailbox, uidvalidity, uid)
);
CREATE INDEX inbound_message_id ON inbound(message_id) WHERE message_id <> '';
CREATE INDEX inbound_content_hash ON inbound(content_hash);

CREATE TABLE outgoing (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    kind TEXT NOT NULL,
    to_name TEXT NOT NULL DEFAULT '',
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    html TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL UNIQUE,
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '',   -- space-separated message ids
    auto_submitted TEXT NOT NULL CHECK (auto_submitted IN ('auto-replied', 'auto-generated')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outgoing_due ON outgoing(status, next_attempt_at);
CREATE INDEX outgoing_to ON outgoing(to_addr, created_at);
CREATE INDEX outgoing_ticket ON outgoing(ticket_id, created_at);

CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'agent', 'automatic', 'system', 'internal_note')),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    from_addr TEXT NOT NULL DEFAULT '',
    to_addr TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    inbound_id INTEGER REFERENCES inbound(id),
    outgoing_id INTEGER REFERENCES outgoing(id),
    created_at TEXT NOT NULL
);
CREATE INDEX entries_ticket ON entries(ticket_id, id);
CREATE INDEX entries_message_id ON entries(message_id) WHERE message_id <> '';

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_id TEXT NOT NULL DEFAULT '',
    inline INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL,
    blob_hash TEXT NOT NULL REFERENCES blobs(hash)
);
CREATE INDEX attachments_entry ON attachments(entry_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    subject_key TEXT NOT NULL DEFAULT '', -- what else the event is about (a FAQ key, an outgoing id)
    kind TEXT NOT NULL,                   -- ticket_created, status_changed, entry_added, ...
    actor TEXT NOT NULL,                  -- system, customer address, admin
    detail TEXT NOT NULL DEFAULT '',      -- JSON
    created_at TEXT NOT NULL
);
CREATE INDEX events_ticket ON events(ticket_id, id);
