-- PostgreSQL's own text of the statements whose SQLite text means
-- something else there, or nothing (dialect.go). Same names; parameters
-- bound ($N), never formatted in.

-- Ticket numbers come from the table's sequence: two gateways never take
-- one number (a rolled-back transaction leaves a gap, never a duplicate).
-- name: next_ticket_id
SELECT nextval(pg_get_serial_sequence('tickets', 'id'));

-- name: tickets_filtered
-- queries.sql's; LIKE is ILIKE (SQLite's LIKE ignores ASCII case) and the
-- JSON list is read with jsonb_array_elements_text.
SELECT * FROM ticket_rows t
WHERE ($1 = '' OR t.status = $1 OR ($1 = 'open' AND t.status <> 'closed'))
  AND ($2 = '' OR t.priority = $2)
  AND ($3 = '' OR t.assignee = $3)
  AND ($4 = 0 OR (t.status IN ('new', 'escalated', 'in_progress', 'on_hold') AND (
        (t.first_response_at = '' AND t.respond_due_at <> ''
            AND t.respond_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE $5 END)
     OR (t.resolve_due_at <> ''
            AND t.resolve_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE $5 END))))
  AND ($6 = '' OR t.subject ILIKE $6 ESCAPE '\'
       OR EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = t.id AND e.text ILIKE $6 ESCAPE '\'))
  AND ($9 = '' OR t.mailbox = $9
       OR ($10 <> '[]' AND t.mailbox NOT IN (SELECT jsonb_array_elements_text($10::jsonb))))
ORDER BY t.id DESC
LIMIT NULLIF($7, -1) OFFSET $8;

-- name: cc_participant
INSERT INTO ticket_participants (ticket_id, addr, created_at) VALUES ($1, $2, $3)
ON CONFLICT (ticket_id, addr) DO UPDATE SET dropped_at = '' WHERE ticket_participants.dropped_at <> '';

-- name: ticket_id_by_message_id
SELECT ticket_id FROM (
    SELECT ticket_id, id AS n FROM entries WHERE message_id = $1 AND message_id <> ''
    UNION ALL
    SELECT ticket_id, id AS n FROM outgoing WHERE message_id = $1 AND ticket_id IS NOT NULL
    UNION ALL
    SELECT ticket_id, id AS n FROM inbound WHERE message_id = $1 AND message_id <> '' AND ticket_id IS NOT NULL
) AS found ORDER BY n DESC LIMIT 1;

-- name: outgoing_claim
-- The rows are taken with FOR UPDATE SKIP LOCKED: a row another gateway is
-- claiming at this moment is skipped, not waited for; a claim whose holder
-- died is taken over once claim_expires has passed.
UPDATE outgoing SET claimed_by = $1, claim_expires = $2
WHERE id IN (SELECT id FROM outgoing
             WHERE status = 'pending' AND next_attempt_at <= $3 AND (claimed_by = '' OR claim_expires <= $3)
             ORDER BY next_attempt_at, id LIMIT $4
             FOR UPDATE SKIP LOCKED)
RETURNING id;

-- name: outgoing_attempt
UPDATE outgoing SET
    status = $1,
    attempts = attempts + $2,
    deferrals = deferrals + $3,
    outcome_unknown = GREATEST(outcome_unknown, $4),
    next_attempt_at = CASE WHEN $1 = 'pending' THEN $5 ELSE next_attempt_at END,
    sent_at = CASE WHEN $1 = 'sent' THEN $6 ELSE sent_at END,
    last_error = $7,
    claimed_by = CASE WHEN claimed_by = $8 THEN '' ELSE claimed_by END,
    claim_expires = CASE WHEN claimed_by = $8 THEN '' ELSE claim_expires END
WHERE id = $9 AND status = 'pending';

-- name: count_queued_to
SELECT COUNT(*) FROM (SELECT 1 FROM outgoing
                      WHERE to_addr = $1 AND created_at >= $2 AND kind IN (SELECT jsonb_array_elements_text($3::jsonb))
                      LIMIT $4) AS capped;

-- name: count_queued_on_ticket
SELECT COUNT(*) FROM (SELECT 1 FROM outgoing
                      WHERE ticket_id = $1 AND created_at >= $2 AND kind IN (SELECT jsonb_array_elements_text($3::jsonb))
                      LIMIT $4) AS capped;

-- name: pending_paraphrases_of_tickets
SELECT p.id, p.faq_key, COALESCE(t.ref, ''), (SELECT count(*) FROM faq_paraphrases q WHERE q.faq_key = p.faq_key AND q.id <= p.id)
FROM faq_paraphrases p LEFT JOIN tickets t ON t.id = p.ticket_id
WHERE p.state = 'pending' AND p.ticket_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint) AND ($2 = '' OR p.faq_key = $2)
ORDER BY p.id;

-- name: resolved_without_faq_answer
SELECT t.*, COALESCE(e.subject, ''), COALESCE(e.text, '')
FROM ticket_rows t
LEFT JOIN entries e ON e.id = (
    SELECT MIN(f.id) FROM entries f WHERE f.ticket_id = t.id AND f.kind = 'customer' AND f.direction = 'in')
WHERE t.status IN ('resolved', 'closed')
  AND t.updated_at >= $1
  AND COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) >= $1
  AND (t.auto_answer_key = '' OR EXISTS (
      SELECT 1 FROM events e
      WHERE e.ticket_id = t.id AND e.kind = 'status_changed' AND e.created_at >= t.auto_answered_at
        AND madoguchi_jsonb(e.detail) ->> 'to' NOT IN ('auto_answered', 'resolved', 'closed')))
ORDER BY COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) DESC, t.id DESC
LIMIT NULLIF($2, -1);

-- name: bounces_by_ticket
SELECT o.kind, o.to_addr, r.action, r.status, r.created_at
FROM (SELECT madoguchi_id(e.subject_key) AS outgoing_id, e.id, e.created_at,
             COALESCE(madoguchi_jsonb(e.detail) ->> 'action', '') AS action,
             COALESCE(madoguchi_jsonb(e.detail) ->> 'status', '') AS status
      FROM events e WHERE e.ticket_id = $1 AND e.kind = 'mail_bounced') r
JOIN outgoing o ON o.id = r.outgoing_id
WHERE r.action NOT IN ('delayed', 'delivered', 'relayed', 'expanded')
ORDER BY r.id;

-- incidents.sql

-- name: insert_link
INSERT INTO ticket_links (a_id, b_id, created_by, created_at)
VALUES (LEAST($1::bigint, $2::bigint), GREATEST($1::bigint, $2::bigint), $3, $4)
ON CONFLICT DO NOTHING;

-- name: resolutions_of
SELECT t.ref, COALESCE(NULLIF(t.resolved_at, ''), t.closed_at), t.merged_into_id IS NOT NULL
FROM tickets t WHERE t.ref IN (SELECT jsonb_array_elements_text($1::jsonb));

-- console.sql

-- name: frag_queue_where
-- console.sql's; ?9, the FTS5 phrase, is read back as the text searched
-- ("a ""b""" is a "b") and matched with ILIKE through the pg_trgm
-- indexes on tickets.subject and entries.text; ?10 (a search too short for
-- trigrams) is an ILIKE pattern as in SQLite.
    (?1 = '' OR t.status = ?1 OR (?1 = 'open' AND t.status <> 'closed'))
AND (?2 = '' OR t.priority = ?2)
AND (?3 = '' OR t.type = ?3)
AND (?4 < 0 OR (t.tier = ?4 AND t.tier_since <> ''))
AND (?5 = '' OR t.assignee = CASE WHEN ?5 = '-' THEN '' ELSE ?5 END)
AND (?6 = 0 OR (t.status IN ('new', 'escalated', 'in_progress', 'on_hold') AND (
        (t.first_response_at = '' AND t.respond_due_at <> ''
            AND t.respond_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE ?7 END)
     OR (t.resolve_due_at <> ''
            AND t.resolve_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE ?7 END))))
AND (?8 = 0 OR t.auto_answer_key <> '')
AND (?9 = '' OR t.id IN (
        SELECT s.id FROM tickets s WHERE s.subject ILIKE '%' || replace(replace(replace(replace(
            substr(?9, 2, length(?9) - 2), '""', '"'), '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'
        UNION
        SELECT e.ticket_id FROM entries e WHERE e.text ILIKE '%' || replace(replace(replace(replace(
            substr(?9, 2, length(?9) - 2), '""', '"'), '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'))
AND (?10 = '' OR t.subject ILIKE ?10 ESCAPE '\'
     OR EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = t.id AND e.text ILIKE ?10 ESCAPE '\'))
AND (?11 = '' OR t.mailbox = ?11
     OR (?12 <> '[]' AND t.mailbox NOT IN (SELECT jsonb_array_elements_text(?12::jsonb))))
AND (?13::text = '' OR CASE ?13::text
        WHEN 'none' THEN NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)
        WHEN 'any' THEN EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)
        ELSE EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id AND r.rating = ?13::text) END)

-- name: tickets_by_ids
SELECT * FROM ticket_rows WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint);

-- name: faq_page
SELECT f.key, f.question, f.answer, f.tags, f.language, f.status, t.ref, f.helpful, f.not_helpful, f.created_at, f.updated_at, f.needs_review,
       (SELECT count(*) FROM faq_paraphrases p WHERE p.faq_key = f.key AND p.state <> 'removed')
FROM faq_entries f LEFT JOIN tickets t ON t.id = f.source_ticket_id
WHERE ($1 = '' OR f.status = $1) AND ($2 = '' OR f.language = $2)
  AND ($3 = '' OR f.key ILIKE $3 ESCAPE '\' OR f.question ILIKE $3 ESCAPE '\' OR f.answer ILIKE $3 ESCAPE '\')
ORDER BY f.key
LIMIT NULLIF($4, -1) OFFSET $5;

-- name: faq_counts
SELECT f.status, count(*) FROM faq_entries f
WHERE ($1 = '' OR f.language = $1)
  AND ($2 = '' OR f.key ILIKE $2 ESCAPE '\' OR f.question ILIKE $2 ESCAPE '\' OR f.answer ILIKE $2 ESCAPE '\')
GROUP BY f.status;

-- name: report_days
-- console.sql's, with string_agg for group_concat (its groups in the order
-- of SQLite's GROUP BY) and the days in the order given.
WITH days AS (
    SELECT d.value ->> 0 AS day, d.value ->> 1 AS lo, d.value ->> 2 AS hi, d.n
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS d(value, n)
)
SELECT d.day, (
    SELECT string_agg(type || ',' || priority || ',' || tier || ',' || n || ',' || rb || ',' || sb || ',' || auto || ',' ||
                      resp || ',' || resp_ok || ',' || res || ',' || res_ok, ';' ORDER BY type, priority, tier) FROM (
        SELECT type, priority, CASE WHEN tier_since = '' THEN -1 ELSE tier END AS tier, count(*) AS n,
               count(*) FILTER (WHERE respond_breached_at <> '') AS rb, count(*) FILTER (WHERE resolve_breached_at <> '') AS sb,
               count(*) FILTER (WHERE auto_answer_key <> '') AS auto,
               count(*) FILTER (WHERE first_response_at <> '') AS resp,
               count(*) FILTER (WHERE first_response_at <> '' AND (respond_due_at = '' OR first_response_at <= respond_due_at)) AS resp_ok,
               count(*) FILTER (WHERE resolved_at <> '') AS res,
               count(*) FILTER (WHERE resolved_at <> '' AND (resolve_due_at = '' OR resolved_at <= resolve_due_at)) AS res_ok
        FROM tickets WHERE created_at >= d.lo AND created_at < d.hi
        GROUP BY 1, 2, 3) AS g)
FROM days d
ORDER BY d.n;

-- name: report_minutes
-- The expressions of the indexes tickets_respond_minutes and
-- tickets_resolve_minutes (migration 001), word for word.
SELECT 'r', priority, (madoguchi_unix(first_response_at) - madoguchi_unix(created_at)) / 60, count(*)
FROM tickets
WHERE first_response_at <> '' AND created_at >= $1 AND created_at < $2
GROUP BY 2, 3
UNION ALL
SELECT 's', priority, (madoguchi_unix(resolved_at) - madoguchi_unix(created_at)) / 60, count(*)
FROM tickets
WHERE resolved_at <> '' AND created_at >= $1 AND created_at < $2
GROUP BY 2, 3;

-- name: report_votes
SELECT (SELECT count(*) FROM events WHERE kind = 'faq_voted' AND created_at >= $1 AND created_at < $2 AND madoguchi_jsonb(detail) -> 'helpful' = 'true'::jsonb),
       (SELECT count(*) FROM events WHERE kind = 'faq_voted' AND created_at >= $1 AND created_at < $2 AND madoguchi_jsonb(detail) -> 'helpful' = 'false'::jsonb);

-- name: report_backlog
-- julianday's difference is a number of days: here from madoguchi_unix.
SELECT CASE WHEN age < 1 THEN 0 WHEN age < 3 THEN 1 WHEN age < 7 THEN 2 WHEN age < 30 THEN 3 ELSE 4 END, priority, count(*)
FROM (SELECT priority, (madoguchi_unix($1) - madoguchi_unix(created_at)) / 86400.0 AS age FROM tickets
      WHERE created_at < $1 AND (resolved_at = '' OR resolved_at >= $1) AND (closed_at = '' OR closed_at >= $1)) AS open
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: report_backlog_open
SELECT CASE WHEN age < 1 THEN 0 WHEN age < 3 THEN 1 WHEN age < 7 THEN 2 WHEN age < 30 THEN 3 ELSE 4 END, priority, count(*)
FROM (SELECT priority, (madoguchi_unix($1) - madoguchi_unix(created_at)) / 86400.0 AS age FROM tickets
      WHERE status IN ('new', 'auto_answered', 'escalated', 'in_progress', 'on_hold')) AS open
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: report_top_faq
SELECT k, n,
       (SELECT count(*) FROM events e WHERE e.kind = 'faq_voted' AND e.subject_key = k AND e.created_at >= $1 AND e.created_at < $2 AND madoguchi_jsonb(e.detail) -> 'helpful' = 'true'::jsonb),
       (SELECT count(*) FROM events e WHERE e.kind = 'faq_voted' AND e.subject_key = k AND e.created_at >= $1 AND e.created_at < $2 AND madoguchi_jsonb(e.detail) -> 'helpful' = 'false'::jsonb)
FROM (SELECT auto_answer_key AS k, count(*) AS n FROM tickets
      WHERE auto_answer_key <> '' AND created_at >= $1 AND created_at < $2
      GROUP BY auto_answer_key ORDER BY n DESC, k LIMIT NULLIF($3, -1)) AS top;

-- name: report_top_requesters
SELECT requester, count(*) AS n FROM tickets
WHERE created_at >= $1 AND created_at < $2 AND requester <> ''
GROUP BY requester ORDER BY n DESC, requester LIMIT NULLIF($3, -1);

-- name: report_top_subjects
-- Subjects compared without case (SQLite's NOCASE folds ASCII alone;
-- lower() folds every letter), shown as the first of them wrote it.
SELECT min(subject), count(*) AS n FROM tickets
WHERE created_at >= $1 AND created_at < $2
GROUP BY lower(subject) ORDER BY n DESC, 1 LIMIT NULLIF($3, -1);

-- name: inbound_message_ids_in
SELECT DISTINCT message_id FROM inbound WHERE message_id <> '' AND message_id IN (SELECT jsonb_array_elements_text($1::jsonb));

-- name: outgoing_message_ids_in
SELECT message_id FROM outgoing WHERE message_id IN (SELECT jsonb_array_elements_text($1::jsonb));

-- ratings.sql

-- name: ratings_of_tickets
SELECT ticket_id, rating, comment, rated_by, answer, faq_key, tier, agent, priority, type, first_rated_at, rated_at
FROM ratings WHERE ticket_id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint);

-- name: faq_unvote_helpful
UPDATE faq_entries SET helpful = GREATEST(helpful - 1, 0), updated_at = $1 WHERE key = $2;

-- name: faq_unvote_not_helpful
UPDATE faq_entries SET not_helpful = GREATEST(not_helpful - 1, 0), updated_at = $1 WHERE key = $2;

-- name: last_sent_to
-- queries.sql's without SQLite's INDEXED BY.
SELECT COALESCE((SELECT sent_at FROM outgoing WHERE to_addr = $1 AND sent_at <> '' AND created_at >= $2
                 ORDER BY sent_at DESC LIMIT 1), '');
