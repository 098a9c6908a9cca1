-- The statements of webhooks.go: events queued for outgoing webhooks and
-- their delivery. Those that are the outgoing mail's on this table
-- (claims, attempts, ...) are made from queries.sql's (webhookMirrors).
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

-- name: webhook_requeue
UPDATE webhook_deliveries SET status = 'pending', attempts = 0, deferrals = 0, next_attempt_at = ?1, queued_at = ?1,
                              claimed_by = '', claim_expires = ''
WHERE id = ?2 AND status = 'failed';

