-- The statements of webhooks.go: events queued for outgoing webhooks and
-- their delivery. They mirror the outgoing mail's (queries.sql).
-- Parameters are bound (?), never formatted in.

-- name: insert_webhook_delivery
INSERT INTO webhook_deliveries (event_id, event_type, webhook, ticket_id, body, status, next_attempt_at, created_at, queued_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?6);

-- name: webhook_by_id
SELECT * FROM webhook_rows WHERE id = ?;

-- name: webhook_list
-- ?1 a status ('' = any; 'unknown' and 'failed' as the view reads them),
-- ?2 a webhook ('' = any), ?3 a ticket (0 = any); oldest first.
SELECT * FROM webhook_rows
WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR webhook = ?2) AND (?3 = 0 OR ticket_id = ?3)
ORDER BY id;

-- name: webhook_claim
-- One statement takes the rows, as outgoing_claim does for mail.
UPDATE webhook_deliveries SET claimed_by = ?1, claim_expires = ?2
WHERE id IN (SELECT id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ?3 AND (claimed_by = '' OR claim_expires <= ?3)
             ORDER BY next_attempt_at, id LIMIT ?4)
RETURNING id;

-- name: webhook_next_due
SELECT MIN(CASE WHEN claimed_by <> '' AND claim_expires > next_attempt_at THEN claim_expires ELSE next_attempt_at END)
FROM webhook_deliveries WHERE status = 'pending';

-- name: webhook_claim_holders
SELECT DISTINCT claimed_by FROM webhook_deliveries
WHERE status = 'pending' AND claimed_by <> '' AND claim_expires > ?
ORDER BY claimed_by;

-- name: webhook_release_claims
UPDATE webhook_deliveries SET claimed_by = '', claim_expires = '' WHERE claimed_by = ? AND status = 'pending';

-- name: webhook_ticket
SELECT ticket_id FROM webhook_deliveries WHERE id = ?;

-- name: webhook_attempt
-- As outgoing_attempt: ?1 the new status, ?2/?3 add to attempts or
-- deferrals, ?4 1 when the receiver may have the event (never cleared),
-- ?8 the claim holder, whose claim ends here.
UPDATE webhook_deliveries SET
    status = ?1,
    attempts = attempts + ?2,
    deferrals = deferrals + ?3,
    outcome_unknown = MAX(outcome_unknown, ?4),
    next_attempt_at = CASE WHEN ?1 = 'pending' THEN ?5 ELSE next_attempt_at END,
    sent_at = CASE WHEN ?1 = 'sent' THEN ?6 ELSE sent_at END,
    last_error = ?7,
    claimed_by = CASE WHEN claimed_by = ?8 THEN '' ELSE claimed_by END,
    claim_expires = CASE WHEN claimed_by = ?8 THEN '' ELSE claim_expires END
WHERE id = ?9 AND status = 'pending';

-- name: webhook_requeue
UPDATE webhook_deliveries SET status = 'pending', attempts = 0, deferrals = 0, next_attempt_at = ?1, queued_at = ?1,
                              claimed_by = '', claim_expires = ''
WHERE id = ?2 AND status = 'failed';

-- name: webhook_failed_ids
SELECT id FROM webhook_deliveries WHERE status = 'failed' AND outcome_unknown = 0 ORDER BY id;
