-- The statements of the console's reads and sign-in: the queue, the
-- reports, sign-in links, sessions and digests. Parameters are bound (?),
-- never formatted in. A name starting with "frag_" is a fragment, not a
-- statement: queue statements are put together from the fragments at
-- start-up (console.go), one statement per whitelisted sort order.

-- name: signin_token_insert
INSERT INTO web_signin_tokens (token_hash, addr, created_at, expires_at) VALUES (?, ?, ?, ?);

-- name: signin_token_use
-- A link signs in once: the row is marked used in the statement that
-- reads it, so two clicks racing each other cannot both win.
UPDATE web_signin_tokens SET used_at = ?2
WHERE token_hash = ?1 AND used_at = '' AND expires_at > ?2
RETURNING addr;

-- name: signin_token_peek
-- Whom a live link is for, without spending it.
SELECT addr FROM web_signin_tokens WHERE token_hash = ?1 AND used_at = '' AND expires_at > ?2;

-- name: signin_token_state
SELECT used_at, expires_at FROM web_signin_tokens WHERE token_hash = ?;

-- name: session_insert
INSERT INTO web_sessions (id_hash, addr, created_at, expires_at) VALUES (?, ?, ?, ?);

-- name: session_by_hash
SELECT addr, created_at, expires_at FROM web_sessions WHERE id_hash = ?1 AND expires_at > ?2;

-- name: session_delete
DELETE FROM web_sessions WHERE id_hash = ?;

-- name: sessions_delete_addr
DELETE FROM web_sessions WHERE addr = ?;

-- name: sessions_count_addr
SELECT count(*) FROM web_sessions WHERE addr = ?1 AND expires_at > ?2;

-- name: signin_tokens_purge
DELETE FROM web_signin_tokens WHERE expires_at <= ?;

-- name: sessions_purge
DELETE FROM web_sessions WHERE expires_at <= ?;

-- name: signin_mail_scrub
-- The text of a sign-in mail holds its link. Once the link is dead and the
-- mail is no longer waiting to be sent, nothing needs it.
UPDATE outgoing SET text = ?1, html = ''
WHERE ticket_id IS NULL AND kind = ?2 AND status <> 'pending' AND created_at <= ?3 AND text <> ?1;

-- name: digest_mark
INSERT INTO digests (period, sent_at) VALUES (?, ?) ON CONFLICT (period) DO NOTHING;

-- name: frag_queue_where
-- ?1 status ('open' = every status but closed), ?2 priority, ?3 type, ?4 tier (-1 = any), ?5 assignee ('' =
-- any, '-' = nobody), ?6 overdue only, ?7 now, ?8 answered automatically
-- only, ?9 an FTS5 phrase ('' = none), ?10 a LIKE pattern for searches too
-- short for the trigram index ('' = none), ?11 mailbox ('' = any), ?12 a
-- JSON list of mailboxes whose tickets ?11 takes in too (ListFilter.AlsoNotIn),
-- ?13 the customer's rating ('good', 'bad', 'any' = rated, 'none' = not
-- rated, '' = either). Overdue is tickets_filtered's rule: a ticket on hold
-- counts as of when it was put on hold.
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
        SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?9
        UNION
        SELECT e.ticket_id FROM entries_fts f JOIN entries e ON e.id = f.rowid WHERE entries_fts MATCH ?9
        -- Rows an intake batch left for the index's later commit
        -- (search_fts_pending, Tx.IndexSearchLater): ?9 read back as the
        -- text searched, as PostgreSQL's text does, and matched with LIKE.
        UNION
        SELECT s.id FROM search_fts_pending p JOIN tickets s ON s.id = p.id
        WHERE p.kind = 'ticket' AND s.subject LIKE '%' || replace(replace(replace(replace(
            substr(?9, 2, length(?9) - 2), '""', '"'), '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'
        UNION
        SELECT e.ticket_id FROM search_fts_pending p JOIN entries e ON e.id = p.id
        WHERE p.kind = 'entry' AND e.text LIKE '%' || replace(replace(replace(replace(
            substr(?9, 2, length(?9) - 2), '""', '"'), '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'))
AND (?10 = '' OR t.subject LIKE ?10 ESCAPE '\'
     OR EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = t.id AND e.text LIKE ?10 ESCAPE '\'))
AND (?11 = '' OR t.mailbox = ?11
     OR (?12 <> '[]' AND t.mailbox NOT IN (SELECT value FROM json_each(?12))))
AND (?13 = '' OR CASE ?13
        WHEN 'none' THEN NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)
        WHEN 'any' THEN EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)
        ELSE EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id AND r.rating = ?13) END)

-- name: frag_queue_ids
SELECT t.id FROM tickets t
WHERE /*where*/
ORDER BY /*order*/
LIMIT ?14 OFFSET ?15

-- name: frag_queue_order_due
-- The expression of the tickets_queue_due index (migration 008), word for
-- word, so SQLite walks the index instead of sorting.
(CASE WHEN (status IN ('new', 'escalated', 'in_progress')
              OR (status = 'on_hold' AND hold_since <> '' AND (CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END) <= hold_since))
             AND (CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END) <> ''
        THEN CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END
        ELSE '~' END), t.id DESC

-- name: frag_queue_order_newest
t.id DESC

-- name: frag_queue_order_oldest
t.id

-- name: frag_queue_order_updated
t.updated_at DESC, t.id DESC

-- name: frag_queue_order_priority
t.priority, t.id DESC

-- name: frag_queue_counts
SELECT t.status, count(*) FROM tickets t
WHERE /*where*/
GROUP BY t.status

-- name: tickets_by_ids
SELECT * FROM ticket_rows WHERE id IN (SELECT value FROM json_each(?));

-- name: faq_page
-- ?1 status, ?2 language, ?3 LIKE pattern over key, question and answer
-- ('' = any), ?4 limit, ?5 offset.
SELECT f.key, f.question, f.answer, f.tags, f.language, f.status, t.ref, f.helpful, f.not_helpful, f.created_at, f.updated_at, f.needs_review,
       (SELECT count(*) FROM faq_paraphrases p WHERE p.faq_key = f.key AND p.state <> 'removed')
FROM faq_entries f LEFT JOIN tickets t ON t.id = f.source_ticket_id
WHERE (?1 = '' OR f.status = ?1) AND (?2 = '' OR f.language = ?2)
  AND (?3 = '' OR f.key LIKE ?3 ESCAPE '\' OR f.question LIKE ?3 ESCAPE '\' OR f.answer LIKE ?3 ESCAPE '\')
ORDER BY f.key
LIMIT ?4 OFFSET ?5;

-- name: faq_counts
SELECT f.status, count(*) FROM faq_entries f
WHERE (?1 = '' OR f.language = ?1)
  AND (?2 = '' OR f.key LIKE ?2 ESCAPE '\' OR f.question LIKE ?2 ESCAPE '\' OR f.answer LIKE ?2 ESCAPE '\')
GROUP BY f.status;

-- name: report_days
-- ?1 is a JSON array of [day, from, to]: the local days of the range as
-- UTC instants, so a day is the desk's day whatever the zone. Per day,
-- the tickets created on it grouped by type, priority and tier (-1 =
-- never sent to one), as groups separated by ";" of fields separated by
-- ",": type, priority, tier, count, respond breached, resolve breached,
-- answered automatically, responded, responded in time, resolved,
-- resolved in time. A subquery per day sorts a day's few hundred rows
-- where one GROUP BY over the range would sort them all, and text is
-- cheaper to make and read than JSON (README "Console", Measured).
WITH days AS (
    SELECT json_extract(value, '$[0]') AS day, json_extract(value, '$[1]') AS lo, json_extract(value, '$[2]') AS hi
    FROM json_each(?1)
)
SELECT d.day, (
    SELECT group_concat(type || ',' || priority || ',' || tier || ',' || n || ',' || rb || ',' || sb || ',' || auto || ',' ||
                        resp || ',' || resp_ok || ',' || res || ',' || res_ok, ';') FROM (
        SELECT type, priority, CASE WHEN tier_since = '' THEN -1 ELSE tier END AS tier, count(*) AS n,
               SUM(respond_breached_at <> '') AS rb, SUM(resolve_breached_at <> '') AS sb, SUM(auto_answer_key <> '') AS auto,
               SUM(first_response_at <> '') AS resp,
               SUM(first_response_at <> '' AND (respond_due_at = '' OR first_response_at <= respond_due_at)) AS resp_ok,
               SUM(resolved_at <> '') AS res,
               SUM(resolved_at <> '' AND (resolve_due_at = '' OR resolved_at <= resolve_due_at)) AS res_ok
        FROM tickets WHERE created_at >= d.lo AND created_at < d.hi
        GROUP BY 1, 2, 3))
FROM days d;

-- name: report_minutes
-- How long the tickets created in [?1, ?2) took to the first agent answer
-- ('r') and to the resolution ('s'), per priority: a histogram of whole
-- minutes (percentiles read from it are exact to the minute). Each half
-- walks its own partial index (migration 008), which holds the minutes
-- in the order grouped by: no sort, no date parsed.
SELECT 'r', priority, (unixepoch(first_response_at) - unixepoch(created_at)) / 60, count(*)
FROM tickets INDEXED BY tickets_respond_minutes
WHERE first_response_at <> '' AND created_at >= ?1 AND created_at < ?2
GROUP BY 2, 3
UNION ALL
SELECT 's', priority, (unixepoch(resolved_at) - unixepoch(created_at)) / 60, count(*)
FROM tickets INDEXED BY tickets_resolve_minutes
WHERE resolved_at <> '' AND created_at >= ?1 AND created_at < ?2
GROUP BY 2, 3;

-- name: report_votes
-- The customers' verdicts on automatic answers cast in [?1, ?2), less
-- those taken back in it (a customer who rated the answer again the
-- other way: a ticket counts once).
SELECT (SELECT count(*) FROM events WHERE kind = 'faq_voted' AND created_at >= ?1 AND created_at < ?2 AND json_extract(detail, '$.helpful') = 1)
     - (SELECT count(*) FROM events WHERE kind = 'faq_vote_withdrawn' AND created_at >= ?1 AND created_at < ?2 AND json_extract(detail, '$.helpful') = 1),
       (SELECT count(*) FROM events WHERE kind = 'faq_voted' AND created_at >= ?1 AND created_at < ?2 AND json_extract(detail, '$.helpful') = 0)
     - (SELECT count(*) FROM events WHERE kind = 'faq_vote_withdrawn' AND created_at >= ?1 AND created_at < ?2 AND json_extract(detail, '$.helpful') = 0);

-- name: report_backlog
-- The tickets open at ?1 (created before it, not resolved or closed by
-- then), by priority and by age at ?1 in days: [0,1) [1,3) [3,7) [7,30)
-- [30,∞) as buckets 0..4. Every ticket created before ?1 is read.
SELECT CASE WHEN age < 1 THEN 0 WHEN age < 3 THEN 1 WHEN age < 7 THEN 2 WHEN age < 30 THEN 3 ELSE 4 END, priority, count(*)
FROM (SELECT priority, julianday(?1) - julianday(created_at) AS age FROM tickets
      WHERE created_at < ?1 AND (resolved_at = '' OR resolved_at >= ?1) AND (closed_at = '' OR closed_at >= ?1))
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: report_backlog_open
-- report_backlog at the store's present: the tickets open now (neither
-- resolved nor closed), found by status, aged at ?1.
SELECT CASE WHEN age < 1 THEN 0 WHEN age < 3 THEN 1 WHEN age < 7 THEN 2 WHEN age < 30 THEN 3 ELSE 4 END, priority, count(*)
FROM (SELECT priority, julianday(?1) - julianday(created_at) AS age FROM tickets
      WHERE status IN ('new', 'auto_answered', 'escalated', 'in_progress', 'on_hold'))
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: report_top_faq
-- The FAQ entries that answered most tickets created in [?1, ?2), with the
-- votes each got in that time (tickets_auto_key: in key order, no sort).
SELECT k, n,
       (SELECT count(*) FROM events e WHERE e.kind = 'faq_voted' AND e.subject_key = k AND e.created_at >= ?1 AND e.created_at < ?2 AND json_extract(e.detail, '$.helpful') = 1)
     - (SELECT count(*) FROM events e WHERE e.kind = 'faq_vote_withdrawn' AND e.subject_key = k AND e.created_at >= ?1 AND e.created_at < ?2 AND json_extract(e.detail, '$.helpful') = 1),
       (SELECT count(*) FROM events e WHERE e.kind = 'faq_voted' AND e.subject_key = k AND e.created_at >= ?1 AND e.created_at < ?2 AND json_extract(e.detail, '$.helpful') = 0)
     - (SELECT count(*) FROM events e WHERE e.kind = 'faq_vote_withdrawn' AND e.subject_key = k AND e.created_at >= ?1 AND e.created_at < ?2 AND json_extract(e.detail, '$.helpful') = 0)
FROM (SELECT auto_answer_key AS k, count(*) AS n FROM tickets
      WHERE auto_answer_key <> '' AND created_at >= ?1 AND created_at < ?2
      GROUP BY auto_answer_key ORDER BY n DESC, k LIMIT ?3);

-- name: report_top_requesters
-- In the order of tickets_requester, grouped without a sort; the planner,
-- with no statistics, would rather take the range of tickets_report and
-- sort a year of rows.
SELECT requester, count(*) AS n FROM tickets INDEXED BY tickets_requester
WHERE created_at >= ?1 AND created_at < ?2 AND requester <> ''
GROUP BY requester ORDER BY n DESC, requester LIMIT ?3;

-- name: report_top_subjects
-- Subjects compared without ASCII case (the tickets_subject index's
-- collation: read in its order, no sort), shown as one ticket wrote it.
SELECT subject, count(*) AS n FROM tickets INDEXED BY tickets_subject
WHERE created_at >= ?1 AND created_at < ?2
GROUP BY subject COLLATE NOCASE ORDER BY n DESC, 1 LIMIT ?3;

-- name: digest_sent
SELECT count(*) FROM digests WHERE period = ?;

-- name: report_breaches
-- SLA targets breached in [?1, ?2), whenever their tickets were created.
SELECT count(*) FROM events WHERE kind = 'sla_breached' AND created_at >= ?1 AND created_at < ?2;
