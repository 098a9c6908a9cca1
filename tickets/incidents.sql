-- The statements of incidents.go: merges, links, major incidents and the
-- recurring incidents. Parameters are bound (?), never formatted in.

-- name: merge_ticket
-- ?1 the ticket merged, ?2 the one it goes to, ?3 the reason, ?4 now.
UPDATE tickets SET status = 'closed', closed_reason = ?3, merged_into_id = ?2, closed_at = ?4, updated_at = ?4,
    resolved_at = '', hold_since = '', next_timer_at = NULL
WHERE id = ?1;

-- name: merge_flatten
-- The tickets merged into ?1 before go on to ?2 with it: a merge is
-- always one step from the ticket that lives on.
UPDATE tickets SET merged_into_id = ?2 WHERE merged_into_id = ?1;

-- name: copy_customer_entries
-- The customers' mails of ?1, as a participant's on ?2, oldest first;
-- ?3 now. Message-IDs stay with the originals (threading follows the
-- merge instead).
INSERT INTO entries (ticket_id, kind, direction, from_addr, to_addr, cc_addr, role, subject, text, message_id, inbound_id, created_at)
SELECT ?2, kind, direction, from_addr, to_addr, cc_addr, 'participant', subject, text, '', inbound_id, ?3
FROM entries WHERE ticket_id = ?1 AND direction = 'in' AND kind IN ('customer', 'automatic') AND role IN ('requester', 'participant')
ORDER BY id
RETURNING id, inbound_id;

-- name: copy_entry_attachments
-- The attachments of the entry of inbound mail ?2 on ticket ?3 again on
-- entry ?1: the bytes stay where they are (blobs).
INSERT INTO attachments (entry_id, filename, content_type, content_id, inline, size, blob_hash)
SELECT ?1, a.filename, a.content_type, a.content_id, a.inline, a.size, a.blob_hash
FROM attachments a JOIN entries e ON e.id = a.entry_id
WHERE e.ticket_id = ?3 AND e.inbound_id = ?2
ORDER BY a.id;

-- name: insert_link
INSERT INTO ticket_links (a_id, b_id, created_by, created_at) VALUES (MIN(?1, ?2), MAX(?1, ?2), ?3, ?4)
ON CONFLICT DO NOTHING;

-- name: links_of
-- The tickets related to ?1, both ways, oldest first.
SELECT t.ref, t.subject, t.status FROM tickets t
WHERE t.id IN (SELECT b_id FROM ticket_links WHERE a_id = ?1 UNION SELECT a_id FROM ticket_links WHERE b_id = ?1)
ORDER BY t.id;

-- name: merged_into_count
SELECT count(*) FROM tickets WHERE merged_into_id = ?1 AND closed_reason = ?2;

-- name: merged_into_list
-- The first ?3 tickets merged into ?1 with reason ?2, oldest first.
SELECT ref, subject, status, requester, requester_name FROM tickets
WHERE merged_into_id = ?1 AND closed_reason = ?2
ORDER BY id LIMIT ?3;

-- name: reporters
-- The tickets merged into ?1 whose requester wrote as a person (a
-- customer's mail, not an automatic one), oldest first.
SELECT * FROM ticket_rows t
WHERE t.id IN (SELECT id FROM tickets WHERE merged_into_id = ?1 AND requester <> '')
  AND EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = t.id AND e.direction = 'in' AND e.kind = 'customer')
ORDER BY t.id;

-- name: is_reporter
-- Whether ?2 is the requester or a participant of a ticket merged into ?1.
SELECT EXISTS (
    SELECT 1 FROM tickets m WHERE m.merged_into_id = ?1
      AND (m.requester = ?2 OR EXISTS (SELECT 1 FROM ticket_participants p WHERE p.ticket_id = m.id AND p.addr = ?2)));

-- name: upsert_major
-- A declaration, or a new window for a major incident declared before.
INSERT INTO major_incidents (ticket_id, declared_by, declared_at, until) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (ticket_id) DO UPDATE SET declared_by = excluded.declared_by, declared_at = excluded.declared_at,
    until = excluded.until, ended_at = '', ended_by = '';

-- name: end_major
UPDATE major_incidents SET ended_at = ?2, ended_by = ?3 WHERE ticket_id = ?1 AND ended_at = '';

-- name: major_of
SELECT declared_by, declared_at, until, ended_at, ended_by, reported_upto FROM major_incidents WHERE ticket_id = ?1;

-- name: open_majors
-- The major incidents new mail may attach to at ?1, the newest first.
SELECT t.*, m.until FROM major_incidents m JOIN ticket_rows t ON t.id = m.ticket_id
WHERE m.ended_at = '' AND m.until > ?1 AND t.status NOT IN ('resolved', 'closed')
ORDER BY m.declared_at DESC, t.id DESC
LIMIT ?2;

-- name: majors_with_new_reports
-- The major incidents with reports attached since the tier was last told.
SELECT t.*, m.reported_upto FROM major_incidents m JOIN ticket_rows t ON t.id = m.ticket_id
WHERE EXISTS (SELECT 1 FROM tickets c WHERE c.merged_into_id = m.ticket_id AND c.id > m.reported_upto AND c.closed_reason = 'attached')
ORDER BY m.ticket_id
LIMIT ?1;

-- name: new_reports
-- The reports attached to ?1 after ticket ?2, oldest first, at most ?3.
SELECT id, ref, subject, requester, requester_name FROM tickets
WHERE merged_into_id = ?1 AND id > ?2 AND closed_reason = 'attached'
ORDER BY id LIMIT ?3;

-- name: new_reports_count
SELECT count(*), COALESCE(MAX(id), 0) FROM tickets WHERE merged_into_id = ?1 AND id > ?2 AND closed_reason = 'attached';

-- name: set_major_reported
UPDATE major_incidents SET reported_upto = ?2 WHERE ticket_id = ?1 AND reported_upto < ?2;

-- name: resolved_incidents
-- Incidents resolved (or, never resolved, closed) at ?1 or later and not
-- folded into another, newest first, at most ?2, each with its
-- customer's first mail and the FAQ entry that answered it: the one sent
-- automatically, else the first an agent sent (#answer keeps the
-- customer's wording as that entry's paraphrase). A ticket resolved since
-- ?1 was updated since then too: tickets_status(status, updated_at)
-- bounds what is read.
SELECT t.*, COALESCE(e.subject, ''), COALESCE(e.text, ''),
       COALESCE(NULLIF(t.auto_answer_key, ''), (SELECT p.faq_key FROM faq_paraphrases p WHERE p.ticket_id = t.id ORDER BY p.id LIMIT 1), '')
FROM ticket_rows t
LEFT JOIN entries e ON e.id = (
    SELECT MIN(f.id) FROM entries f WHERE f.ticket_id = t.id AND f.kind = 'customer' AND f.direction = 'in')
WHERE t.status IN ('resolved', 'closed') AND t.type = 'incident' AND t.closed_reason = ''
  AND t.updated_at >= ?1
  AND COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) >= ?1
ORDER BY COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) DESC, t.id DESC
LIMIT ?2;

-- name: first_report
-- The subject and text of the first mail a customer wrote on ?1.
SELECT subject, text FROM entries
WHERE ticket_id = ?1 AND direction = 'in' AND kind IN ('customer', 'automatic')
ORDER BY id LIMIT 1;

-- name: resolutions_of
-- When each ticket of ?1 (a JSON array of references) was resolved
-- (closed, when it never was), and whether it was merged into another.
SELECT t.ref, COALESCE(NULLIF(t.resolved_at, ''), t.closed_at), t.merged_into_id IS NOT NULL
FROM tickets t WHERE t.ref IN (SELECT value FROM json_each(?1));
