-- 010: one incident, many reporters.
--
-- A ticket folded into another (an agent's #merge, or a new mail attached
-- to a major incident) is closed with closed_reason 'merged' or 'attached'
-- and points at the ticket it went to (merged_into_id); its entries stay
-- where they were written. A ticket merged into one that is merged in turn
-- points at the last one: a merge is always one step away from the ticket
-- that lives on. '' is every other close (an agent's #close, the quiet
-- period).
ALTER TABLE tickets ADD COLUMN closed_reason TEXT NOT NULL DEFAULT ''
    CHECK (closed_reason IN ('', 'merged', 'attached'));
ALTER TABLE tickets ADD COLUMN merged_into_id INTEGER REFERENCES tickets(id);
CREATE INDEX tickets_merged_into ON tickets(merged_into_id, id) WHERE merged_into_id IS NOT NULL;

-- Tickets related without merging (#link), both ways: one row per pair,
-- the smaller id first.
CREATE TABLE ticket_links (
    a_id INTEGER NOT NULL REFERENCES tickets(id),
    b_id INTEGER NOT NULL REFERENCES tickets(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
);
CREATE INDEX ticket_links_b ON ticket_links(b_id, a_id);

-- Major incidents (#major): until `until` (and while the ticket is open
-- and ended_at is ''), a new mail that reads like the ticket attaches to
-- it. reported_upto is the last attached ticket the tier was told of: the
-- tier hears of new reports as one list per tick, not a mail each.
CREATE TABLE major_incidents (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    declared_by TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    until TEXT NOT NULL,
    ended_at TEXT NOT NULL DEFAULT '',
    ended_by TEXT NOT NULL DEFAULT '',
    reported_upto INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX major_incidents_open ON major_incidents(until) WHERE ended_at = '';

-- A ticket as the program reads it: 009's columns, then this version's.
DROP VIEW ticket_rows;
CREATE VIEW ticket_rows AS
SELECT t.id, t.ref, t.type, t.subject, t.requester, t.requester_name, t.language, t.status, t.impact, t.urgency,
       t.priority, l.ref AS linked_ref, t.due_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
       t.auto_answer_key, t.auto_answered_at,
       t.assignee, t.tier, t.tier_since, t.first_response_at, t.respond_due_at, t.resolve_due_at, t.sla_paused_ns,
       t.hold_since, t.respond_reminded_at, t.resolve_reminded_at, t.respond_breached_at, t.resolve_breached_at,
       COALESCE(t.next_timer_at, '') AS next_timer_at, t.sla_started_at, t.earlier_breaches,
       t.closed_reason, COALESCE(t.merged_into_id, 0) AS merged_into_id, COALESCE(m.ref, '') AS merged_into_ref
FROM tickets t LEFT JOIN tickets l ON l.id = t.linked_ticket_id LEFT JOIN tickets m ON m.id = t.merged_into_id;
