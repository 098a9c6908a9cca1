-- 008: SLA timers found by the instant they fall due, new SLA cycles on a
-- reopening, one tick's reminders and breaches told together, and the
-- reports that a tier's address bounces.
--
-- next_timer_at: the earliest instant one of the ticket's timers falls due
-- (a respond or resolve reminder or breach, its tier's escalate_after),
-- NULL when none is left. The program recomputes it whenever one of its
-- inputs changes, and a tick takes the tickets whose instant has come
-- through the partial index, oldest first: tickets whose timers have all
-- fired cost a tick nothing, however many there are.
-- sla_started_at: where the SLA clocks count from: '' = created_at; a
-- reopening starts a new resolve target there.
-- earlier_breaches: the breaches of targets before a reopening, JSON
-- [{"target": ..., "at": ...}], still shown with the ticket.
ALTER TABLE tickets ADD COLUMN next_timer_at TEXT;
ALTER TABLE tickets ADD COLUMN sla_started_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN earlier_breaches TEXT NOT NULL DEFAULT '[]';
CREATE INDEX tickets_next_timer ON tickets(next_timer_at) WHERE next_timer_at IS NOT NULL;

-- Tickets from before this version: an instant no later than their next
-- timer under any policy (the calendar and the tiers are the program's),
-- so the first tick looks at each one that may have a timer left; the
-- fingerprint '' below makes that tick recompute the exact instants too.
UPDATE tickets SET next_timer_at = CASE
    WHEN status NOT IN ('new', 'escalated', 'in_progress') THEN NULL
    WHEN tier_since = '' OR (first_response_at = '' AND respond_breached_at = '') OR resolve_breached_at = ''
        THEN CASE WHEN created_at = '' THEN '1970-01-01T00:00:00.000000Z' ELSE created_at END
    WHEN status IN ('new', 'escalated') THEN tier_since -- escalate_after may still move it on
    ELSE NULL END;

-- The SLA policy (targets, business hours, tiers' escalate_after) the
-- instants were computed with; another one recomputes them all.
CREATE TABLE timer_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL
);
INSERT INTO timer_policy (id, fingerprint) VALUES (1, '');

-- The reminders and breaches a tick has yet to tell the tiers about:
-- written with the mark that fired them, sent at the end of the tick
-- (several to one address as one digest) and deleted with that mail.
CREATE TABLE timer_notes (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    tier INTEGER NOT NULL,             -- the tier told: the one the ticket was with
    kind TEXT NOT NULL,                -- reminder | breach
    target TEXT NOT NULL,              -- respond | resolve
    due_at TEXT NOT NULL,
    left_ns INTEGER NOT NULL DEFAULT 0, -- reminder: business time left
    next_tier TEXT NOT NULL DEFAULT '', -- breach: the tier it moved to
    created_at TEXT NOT NULL
);

-- When another tier was last told that a tier's notify address bounces:
-- once per address and window, not once per bounce.
CREATE TABLE tier_bounce_reports (
    addr TEXT PRIMARY KEY,         -- lower case
    reported_at TEXT NOT NULL
);

-- What became of a ticket's automatic answer, for the tick to read in one
-- query: the first answer row given up (failed or unknown), the first
-- delivery report of failure for one (any action but delayed, delivered,
-- relayed, expanded; a report we cannot read counts as a failure), and
-- when the relay first took one ('' while queued). A given-up row whose
-- outcome is unknown reads 'unknown', as in outgoing_rows.
CREATE VIEW auto_answer_delivery AS
SELECT t.id AS ticket_id,
       g.id AS given_up_id,
       CASE WHEN g.id IS NULL THEN '' WHEN g.outcome_unknown <> 0 THEN 'unknown' ELSE 'failed' END AS given_up_status,
       COALESCE(g.last_error, '') AS given_up_error,
       CAST(b.subject_key AS INTEGER) AS bounced_id,
       COALESCE(CASE WHEN json_valid(b.detail) THEN json_extract(b.detail, '$.action') END, '') AS bounce_action,
       COALESCE(CASE WHEN json_valid(b.detail) THEN json_extract(b.detail, '$.status') END, '') AS bounce_status,
       COALESCE((SELECT MIN(o.sent_at) FROM outgoing o
                 WHERE o.ticket_id = t.id AND o.kind = 'auto_answer' AND o.status = 'sent'), '') AS sent_at
FROM tickets t
LEFT JOIN outgoing g ON g.id = (
    SELECT o.id FROM outgoing o WHERE o.ticket_id = t.id AND o.kind = 'auto_answer' AND o.status = 'failed' ORDER BY o.id LIMIT 1)
LEFT JOIN events b ON b.id = (
    SELECT e.id FROM events e JOIN outgoing o ON o.id = CAST(e.subject_key AS INTEGER)
    WHERE e.ticket_id = t.id AND e.kind = 'mail_bounced' AND o.kind = 'auto_answer'
      AND COALESCE(CASE WHEN json_valid(e.detail) THEN json_extract(e.detail, '$.action') END, '')
          NOT IN ('delayed', 'delivered', 'relayed', 'expanded')
    ORDER BY e.id LIMIT 1);

-- A ticket as the program reads it: 005's columns, then this version's.
DROP VIEW ticket_rows;
CREATE VIEW ticket_rows AS
SELECT t.id, t.ref, t.type, t.subject, t.requester, t.requester_name, t.language, t.status, t.impact, t.urgency,
       t.priority, l.ref AS linked_ref, t.due_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
       t.auto_answer_key, t.auto_answered_at,
       t.assignee, t.tier, t.tier_since, t.first_response_at, t.respond_due_at, t.resolve_due_at, t.sla_paused_ns,
       t.hold_since, t.respond_reminded_at, t.resolve_reminded_at, t.respond_breached_at, t.resolve_breached_at,
       COALESCE(t.next_timer_at, '') AS next_timer_at, t.sla_started_at, t.earlier_breaches
FROM tickets t LEFT JOIN tickets l ON l.id = t.linked_ticket_id;
