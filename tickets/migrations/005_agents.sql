-- 005: agents by mail and SLA clocks. A ticket gets its assignee, the tier
-- of agents it is with (an index into escalation.tiers; the names live in
-- the configuration) and since when, its first agent answer, the due times
-- of both SLA targets (respond, resolve) with the business time paused on
-- hold so far, and the reminders and breaches already recorded, so a timer
-- never fires twice.

ALTER TABLE tickets ADD COLUMN assignee TEXT NOT NULL DEFAULT '';            -- agent address, lower case; '' = nobody
ALTER TABLE tickets ADD COLUMN tier INTEGER NOT NULL DEFAULT 0 CHECK (tier >= 0);
ALTER TABLE tickets ADD COLUMN tier_since TEXT NOT NULL DEFAULT '';          -- '' = never sent to a tier
ALTER TABLE tickets ADD COLUMN first_response_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN respond_due_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN resolve_due_at TEXT NOT NULL DEFAULT '';      -- due_at keeps the same value
ALTER TABLE tickets ADD COLUMN sla_paused_ns INTEGER NOT NULL DEFAULT 0 CHECK (sla_paused_ns >= 0); -- business time on hold, ns
ALTER TABLE tickets ADD COLUMN hold_since TEXT NOT NULL DEFAULT '';          -- set while on_hold
ALTER TABLE tickets ADD COLUMN respond_reminded_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN resolve_reminded_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN respond_breached_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN resolve_breached_at TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_assignee ON tickets(assignee, id);

-- Tickets from before this version: resolve is the old due time; respond
-- is the default target of the priority around the clock (the program has
-- no calendar here), in the fixed time layout, keeping the fraction.
UPDATE tickets SET
    resolve_due_at = due_at,
    respond_due_at = CASE WHEN created_at = '' THEN '' ELSE
        strftime('%Y-%m-%dT%H:%M:%S', created_at, CASE priority
            WHEN 'P1' THEN '+1800 seconds' WHEN 'P2' THEN '+3600 seconds' WHEN 'P3' THEN '+14400 seconds'
            WHEN 'P4' THEN '+28800 seconds' ELSE '+86400 seconds' END) || substr(created_at, 20) END;

-- A ticket as the program reads it: 003's columns, then this version's.
DROP VIEW ticket_rows;
CREATE VIEW ticket_rows AS
SELECT t.id, t.ref, t.type, t.subject, t.requester, t.requester_name, t.language, t.status, t.impact, t.urgency,
       t.priority, l.ref AS linked_ref, t.due_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
       t.auto_answer_key, t.auto_answered_at,
       t.assignee, t.tier, t.tier_since, t.first_response_at, t.respond_due_at, t.resolve_due_at, t.sla_paused_ns,
       t.hold_since, t.respond_reminded_at, t.resolve_reminded_at, t.respond_breached_at, t.resolve_breached_at
FROM tickets t LEFT JOIN tickets l ON l.id = t.linked_ticket_id;
