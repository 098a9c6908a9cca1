-- 004: who may act on a ticket. The people on To/Cc of the requester's
-- mails are the ticket's participants; a threaded mail from anyone else is
-- kept as a third-party entry that changes nothing. Entries record the
-- sender's role and Cc; inbound records keep the Date header.

CREATE TABLE entries_new (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'agent', 'automatic', 'system', 'internal_note', 'third_party')),
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    from_addr TEXT NOT NULL DEFAULT '',
    to_addr TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    inbound_id INTEGER REFERENCES inbound(id),
    outgoing_id INTEGER REFERENCES outgoing(id),
    created_at TEXT NOT NULL,
    cc_addr TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT ''      -- requester | participant | agent | stranger; '' for our own mail
);
INSERT INTO entries_new (id, ticket_id, kind, direction, from_addr, to_addr, subject, text, message_id, inbound_id, outgoing_id, created_at)
SELECT id, ticket_id, kind, direction, from_addr, to_addr, subject, text, message_id, inbound_id, outgoing_id, created_at FROM entries;
DROP TABLE entries;
ALTER TABLE entries_new RENAME TO entries;
CREATE INDEX entries_ticket ON entries(ticket_id, id);
CREATE INDEX entries_message_id ON entries(message_id) WHERE message_id <> '';

CREATE TABLE ticket_participants (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    addr TEXT NOT NULL,                -- lower case
    created_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, addr)
);

-- Tickets from before this version: the To of the requester's own mails
-- (Cc was not kept then). to_addr is a ", "-separated list.
WITH RECURSIVE split(ticket_id, addr, rest, created_at) AS (
    SELECT e.ticket_id, '', e.to_addr || ', ', e.created_at
    FROM entries e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.direction = 'in' AND e.kind = 'customer' AND lower(e.from_addr) = t.requester AND t.requester <> ''
    UNION ALL
    SELECT ticket_id, lower(trim(substr(rest, 1, instr(rest, ', ') - 1))), substr(rest, instr(rest, ', ') + 2), created_at
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO ticket_participants (ticket_id, addr, created_at)
SELECT s.ticket_id, s.addr, MIN(s.created_at) FROM split s JOIN tickets t ON t.id = s.ticket_id
WHERE s.addr LIKE '%_@_%' AND s.addr <> t.requester
GROUP BY s.ticket_id, s.addr;

ALTER TABLE inbound ADD COLUMN mail_date TEXT NOT NULL DEFAULT ''; -- the Date header, UTC; '' when absent or unreadable
