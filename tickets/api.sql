-- The statements of the JSON API's tokens, the readiness probe and the
-- gauges /metrics reads at scrape time. Parameters are bound (?), never
-- formatted in.

-- name: api_token_insert
INSERT INTO api_tokens (id, name, scope, secret_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?);

-- name: api_token_by_id
SELECT id, name, scope, secret_hash, created_at, created_by, last_used_at, revoked_at FROM api_tokens WHERE id = ?;

-- name: api_token_live_name
SELECT count(*) FROM api_tokens WHERE name = ? AND revoked_at = '';

-- name: api_tokens_all
SELECT id, name, scope, secret_hash, created_at, created_by, last_used_at, revoked_at FROM api_tokens
ORDER BY revoked_at <> '', name, created_at;

-- name: api_token_revoke
UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at = '';

-- name: api_token_touch
-- Written at most once a minute per token: a busy client does not make
-- every read a write.
UPDATE api_tokens SET last_used_at = ?2
WHERE id = ?1 AND (last_used_at = '' OR last_used_at < ?3);

-- name: health_probe
INSERT INTO health_probe (id, checked_at) VALUES (1, ?)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at;

-- name: gauge_open_tickets
-- Every ticket not closed, by status and tier (-1: with no tier yet);
-- read from tickets_open_by_tier alone.
SELECT status, CASE WHEN tier_since = '' THEN -1 ELSE tier END AS tier, count(*)
FROM tickets WHERE status <> 'closed'
GROUP BY 1, 2;

-- name: gauge_outgoing
-- The mail not sent: waiting, given up, or given up with an unknown
-- outcome. Sent mail, the bulk of the table, is not counted here (its
-- count would grow without bound); the sender's counters count it.
SELECT CASE WHEN status = 'failed' AND outcome_unknown <> 0 THEN 'unknown' ELSE status END, count(*)
FROM outgoing WHERE status IN ('pending', 'failed')
GROUP BY 1;

-- name: gauge_oldest_pending
-- When the mail waiting longest was queued; NULL when none waits.
SELECT min(queued_at) FROM outgoing WHERE status = 'pending';

-- name: api_token_events
SELECT kind, actor, subject_key, detail, created_at FROM events WHERE ticket_id IS NULL AND subject_key = ? ORDER BY id;
