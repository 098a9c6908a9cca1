-- 012: several mailboxes, one desk.
--
-- tickets.mailbox: the configured mailbox (the name of a [[mailboxes]]
-- entry; 'default' for the one-mailbox [imap] shorthand) a ticket belongs
-- to: the address its mail goes out from and its reply tokens are minted
-- for. Tickets from before belong to 'default', the mailbox there was;
-- the desk answers a ticket of a mailbox no longer configured from its
-- default (first) mailbox.
ALTER TABLE tickets ADD COLUMN mailbox TEXT NOT NULL DEFAULT 'default';
CREATE INDEX tickets_mailbox ON tickets(mailbox, id);

-- inbound.mailbox was the IMAP folder. Two accounts may both have an
-- INBOX with the same UIDVALIDITY (Dovecot gives two INBOXes created in
-- the same second the same one), so a message is keyed by the configured
-- mailbox and its folder: the table is rebuilt with both in its UNIQUE
-- key (SQLite cannot change a constraint in place). Records from before
-- are the 'default' mailbox's.
CREATE TABLE inbound_new (
    id INTEGER PRIMARY KEY,
    mailbox TEXT NOT NULL,           -- the configured mailbox
    folder TEXT NOT NULL,            -- the IMAP folder it was fetched from
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
    mail_date TEXT NOT NULL DEFAULT '',          -- the Date header, UTC; '' when absent or unreadable
    UNIQUE (mailbox, folder, uidvalidity, uid)
);
INSERT INTO inbound_new (id, mailbox, folder, uidvalidity, uid, message_id, content_hash, raw_hash, size, from_addr, subject,
                         disposition, reason, ticket_id, duplicate_of, outgoing_id, received_at, mail_date)
SELECT id, 'default', mailbox, uidvalidity, uid, message_id, content_hash, raw_hash, size, from_addr, subject,
       disposition, reason, ticket_id, duplicate_of, outgoing_id, received_at, mail_date FROM inbound;
DROP TABLE inbound;
ALTER TABLE inbound_new RENAME TO inbound;
CREATE INDEX inbound_message_id ON inbound(message_id) WHERE message_id <> '';
CREATE INDEX inbound_content_hash ON inbound(content_hash);

-- outgoing.from_addr: the From of the mail (and the address of its
-- envelope sender), the address of its ticket's mailbox; '' for rows from
-- before, which go out from smtp.from as they would have.
ALTER TABLE outgoing ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';

DROP VIEW outgoing_rows;
CREATE VIEW outgoing_rows AS
SELECT o.id, o.ticket_id, t.ref AS ticket_ref, o.kind, o.to_name, o.to_addr, o.subject, o.text, o.html,
       o.message_id, o.in_reply_to, o.refs, o.auto_submitted,
       CASE WHEN o.status = 'failed' AND o.outcome_unknown <> 0 THEN 'unknown' ELSE o.status END AS status,
       o.attempts, o.deferrals, o.outcome_unknown, o.next_attempt_at, o.last_error, o.created_at, o.queued_at,
       o.sent_at, o.claimed_by, o.claim_expires, o.reply_to,
       (SELECT count(*) FROM outgoing_attachments a WHERE a.outgoing_id = o.id) AS attachment_count,
       o.cc, o.from_addr
FROM outgoing o LEFT JOIN tickets t ON t.id = o.ticket_id;

-- A ticket as the program reads it: 010's columns, then this version's.
DROP VIEW ticket_rows;
CREATE VIEW ticket_rows AS
SELECT t.id, t.ref, t.type, t.subject, t.requester, t.requester_name, t.language, t.status, t.impact, t.urgency,
       t.priority, l.ref AS linked_ref, t.due_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
       t.auto_answer_key, t.auto_answered_at,
       t.assignee, t.tier, t.tier_since, t.first_response_at, t.respond_due_at, t.resolve_due_at, t.sla_paused_ns,
       t.hold_since, t.respond_reminded_at, t.resolve_reminded_at, t.respond_breached_at, t.resolve_breached_at,
       COALESCE(t.next_timer_at, '') AS next_timer_at, t.sla_started_at, t.earlier_breaches,
       t.closed_reason, COALESCE(t.merged_into_id, 0) AS merged_into_id, COALESCE(m.ref, '') AS merged_into_ref,
       t.mailbox
FROM tickets t LEFT JOIN tickets l ON l.id = t.linked_ticket_id LEFT JOIN tickets m ON m.id = t.merged_into_id;
