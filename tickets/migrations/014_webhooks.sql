-- 012: outgoing webhooks.
--
-- One row per event and webhook ([[webhooks]] name), written in the
-- transaction of the ticket change it tells of (the transactional outbox,
-- as for mail). event_id is the event's idempotency key: the same for
-- every webhook that gets the event, and on every attempt. body is the
-- request body as the webhook's format has it, fixed when the event was
-- written; the URL and the secret are read from the configuration when it
-- is sent (they are secrets, and may be rotated meanwhile).
--
-- The delivery columns mean what they mean for outgoing mail (006):
-- attempts the receiver was reached by count against max_attempts,
-- deferrals (it could not be reached) only against give_up_after from
-- queued_at; outcome_unknown: an attempt sent the whole request and got
-- no answer, so the receiver may have the event; claimed_by and
-- claim_expires keep two senders off one row.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    webhook TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    deferrals INTEGER NOT NULL DEFAULT 0,
    outcome_unknown INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    sent_at TEXT NOT NULL DEFAULT '',
    claimed_by TEXT NOT NULL DEFAULT '',
    claim_expires TEXT NOT NULL DEFAULT '',
    UNIQUE (event_id, webhook)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries(ticket_id, id);

-- A delivery as the program reads it; given up after an attempt that may
-- have reached the receiver reads 'unknown', as for mail.
CREATE VIEW webhook_rows AS
SELECT w.id, w.event_id, w.event_type, w.webhook, w.ticket_id, COALESCE(t.ref, '') AS ticket_ref, w.body,
       CASE WHEN w.status = 'failed' AND w.outcome_unknown <> 0 THEN 'unknown' ELSE w.status END AS status,
       w.attempts, w.deferrals, w.outcome_unknown, w.next_attempt_at, w.last_error, w.created_at, w.queued_at,
       w.sent_at, w.claimed_by, w.claim_expires
FROM webhook_deliveries w LEFT JOIN tickets t ON t.id = w.ticket_id;
