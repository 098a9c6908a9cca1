-- Every statement of package tickets. Parameters are bound (?), never formatted in.

-- name: savepoint_begin
-- Tx.Try: one name for every savepoint (ROLLBACK TO and RELEASE take the
-- innermost of a name), so the statements are prepared once.
SAVEPOINT try;

-- name: savepoint_rollback
ROLLBACK TO try;

-- name: savepoint_release
RELEASE try;

-- name: next_ticket_id
SELECT COALESCE(MAX(id), 0) + 1 FROM tickets;

-- name: insert_ticket
INSERT INTO tickets (id, ref, type, subject, requester, requester_name, language, status, impact, urgency, priority,
                     linked_ticket_id, due_at, created_at, updated_at, respond_due_at, resolve_due_at, next_timer_at,
                     mailbox, tier)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?13, ?16, ?17, ?18);

-- name: ticket_ref_by_id
SELECT ref FROM tickets WHERE id = ?;

-- name: ticket_by_ref
SELECT * FROM ticket_rows t
WHERE t.ref = UPPER(?);

-- name: ticket_by_id
SELECT * FROM ticket_rows t
WHERE t.id = ?;

-- name: tickets_list
SELECT * FROM ticket_rows t
WHERE ?1 = '' OR t.status = ?1
ORDER BY t.id DESC
LIMIT ?2;

-- name: update_ticket_status
UPDATE tickets SET status = ?, updated_at = ?, resolved_at = ?, closed_at = ? WHERE id = ?;

-- name: touch_ticket
UPDATE tickets SET updated_at = ? WHERE id = ?;

-- name: set_ticket_sla
UPDATE tickets SET respond_due_at = ?1, resolve_due_at = ?2, due_at = ?2 WHERE id = ?3;

-- name: set_ticket_hold
UPDATE tickets SET hold_since = ?, sla_paused_ns = ? WHERE id = ?;

-- name: set_ticket_priority
UPDATE tickets SET priority = ?, updated_at = ? WHERE id = ?;

-- name: set_ticket_type
UPDATE tickets SET type = ?, updated_at = ? WHERE id = ?;

-- name: set_ticket_assignee
UPDATE tickets SET assignee = ?, updated_at = ? WHERE id = ?;

-- name: set_ticket_tier
UPDATE tickets SET tier = ?, tier_since = ?2, updated_at = ?2 WHERE id = ?3;

-- name: set_first_response
UPDATE tickets SET first_response_at = ?1, updated_at = ?1 WHERE id = ?2 AND first_response_at = '';

-- name: set_respond_reminded
UPDATE tickets SET respond_reminded_at = ? WHERE id = ? AND respond_reminded_at = '';

-- name: set_resolve_reminded
UPDATE tickets SET resolve_reminded_at = ? WHERE id = ? AND resolve_reminded_at = '';

-- name: set_respond_breached
UPDATE tickets SET respond_breached_at = ? WHERE id = ? AND respond_breached_at = '';

-- name: set_resolve_breached
UPDATE tickets SET resolve_breached_at = ? WHERE id = ? AND resolve_breached_at = '';

-- name: set_next_timer
UPDATE tickets SET next_timer_at = ? WHERE id = ?;

-- name: due_timers
-- The tickets whose next timer falls due by ?1, the longest due first,
-- found through the partial index on next_timer_at (NULL: none left).
SELECT * FROM ticket_rows t
WHERE t.id IN (SELECT id FROM tickets WHERE next_timer_at <= ?1 ORDER BY next_timer_at, id LIMIT ?2)
ORDER BY t.next_timer_at, t.id;

-- name: timer_tickets
-- Every ticket that may have a timer: open, or with one recorded.
SELECT * FROM ticket_rows t
WHERE t.status IN ('new', 'escalated', 'in_progress') OR t.next_timer_at <> ''
ORDER BY t.id;

-- name: timer_policy
SELECT fingerprint FROM timer_policy WHERE id = 1;

-- name: set_timer_policy
UPDATE timer_policy SET fingerprint = ? WHERE id = 1;

-- name: insert_timer_note
INSERT INTO timer_notes (ticket_id, tier, kind, target, due_at, left_ns, next_tier, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: timer_notes
SELECT t.*, n.id, n.tier, n.kind, n.target, n.due_at, n.left_ns, n.next_tier
FROM timer_notes n JOIN ticket_rows t ON t.id = n.ticket_id
ORDER BY n.id;

-- name: delete_timer_notes
DELETE FROM timer_notes WHERE id <= ?;

-- name: restart_ticket_sla
-- A reopening: a new SLA cycle from ?1, nothing paused yet, the resolve
-- target's reminder and breach to come again.
UPDATE tickets SET sla_started_at = ?1, sla_paused_ns = 0, hold_since = '',
    respond_due_at = ?2, resolve_due_at = ?3, due_at = ?3, respond_reminded_at = ?4,
    resolve_reminded_at = '', resolve_breached_at = '', earlier_breaches = ?5
WHERE id = ?6;

-- name: tickets_filtered
-- ?1 status ('open' = every status but closed), ?2 priority, ?3 assignee ('' = any), ?4 overdue only, ?5 now,
-- ?6 LIKE pattern ('' = any; escaped with \), ?7 limit, ?8 offset, ?9
-- mailbox ('' = any), ?10 a JSON list of mailboxes whose tickets ?9
-- leaves out ('[]': ?9's own alone). A ticket on hold is overdue when a
-- due time had passed when it was put on hold (its clock stands still
-- since).
SELECT * FROM ticket_rows t
WHERE (?1 = '' OR t.status = ?1 OR (?1 = 'open' AND t.status <> 'closed'))
  AND (?2 = '' OR t.priority = ?2)
  AND (?3 = '' OR t.assignee = ?3)
  AND (?4 = 0 OR (t.status IN ('new', 'escalated', 'in_progress', 'on_hold') AND (
        (t.first_response_at = '' AND t.respond_due_at <> ''
            AND t.respond_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE ?5 END)
     OR (t.resolve_due_at <> ''
            AND t.resolve_due_at <= CASE WHEN t.status = 'on_hold' AND t.hold_since <> '' THEN t.hold_since ELSE ?5 END))))
  AND (?6 = '' OR t.subject LIKE ?6 ESCAPE '\'
       OR EXISTS (SELECT 1 FROM entries e WHERE e.ticket_id = t.id AND e.text LIKE ?6 ESCAPE '\'))
  AND (?9 = '' OR t.mailbox = ?9
       OR (?10 <> '[]' AND t.mailbox NOT IN (SELECT value FROM json_each(?10))))
ORDER BY t.id DESC
LIMIT ?7 OFFSET ?8;

-- name: insert_event
INSERT INTO events (ticket_id, subject_key, kind, actor, detail, created_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: events_by_ticket
SELECT kind, actor, subject_key, detail, created_at FROM events WHERE ticket_id = ? ORDER BY id;

-- name: events_by_faq
SELECT kind, actor, subject_key, detail, created_at FROM events WHERE ticket_id IS NULL AND subject_key = ? ORDER BY id;

-- name: insert_entry
INSERT INTO entries (ticket_id, kind, direction, from_addr, to_addr, cc_addr, role, subject, text, message_id, inbound_id, outgoing_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: entries_by_ticket
SELECT id, kind, direction, from_addr, to_addr, cc_addr, role, subject, text, message_id, inbound_id, outgoing_id, created_at
FROM entries WHERE ticket_id = ? ORDER BY id;

-- Reads one ticket's entries only (entries_ticket).
-- name: agent_said_since
SELECT EXISTS (SELECT 1 FROM entries
               WHERE ticket_id = ? AND from_addr = ? AND role = 'agent' AND direction = 'in' AND text = ? AND created_at >= ?);

-- name: insert_participant
INSERT INTO ticket_participants (ticket_id, addr, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING;

-- name: is_participant
SELECT count(*) FROM ticket_participants WHERE ticket_id = ? AND addr = ? AND dropped_at = '';

-- name: participants_by_ticket
SELECT addr FROM ticket_participants WHERE ticket_id = ? AND dropped_at = '' ORDER BY created_at, addr;

-- name: cc_participant
-- An agent's #cc: a new participant, or a dropped one back (it keeps its
-- place in the order it first came).
INSERT INTO ticket_participants (ticket_id, addr, created_at) VALUES (?1, ?2, ?3)
ON CONFLICT (ticket_id, addr) DO UPDATE SET dropped_at = '' WHERE dropped_at <> '';

-- name: drop_participant
UPDATE ticket_participants SET dropped_at = ?3 WHERE ticket_id = ?1 AND addr = ?2 AND dropped_at = '';

-- name: insert_attachment
INSERT INTO attachments (entry_id, filename, content_type, content_id, inline, size, blob_hash) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: attachments_by_ticket
SELECT a.entry_id, a.filename, a.content_type, a.content_id, a.inline, a.size, a.blob_hash
FROM attachments a JOIN entries e ON e.id = a.entry_id
WHERE e.ticket_id = ? ORDER BY a.id;

-- name: insert_blob
INSERT INTO blobs (hash, size, data) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING;

-- name: blob_by_hash
SELECT data FROM blobs WHERE hash = ?;

-- name: ticket_id_by_message_id
SELECT ticket_id FROM (
    SELECT ticket_id, id AS n FROM entries WHERE message_id = ?1 AND message_id <> ''
    UNION ALL
    SELECT ticket_id, id AS n FROM outgoing WHERE message_id = ?1 AND ticket_id IS NOT NULL
    UNION ALL
    SELECT ticket_id, id AS n FROM inbound WHERE message_id = ?1 AND message_id <> '' AND ticket_id IS NOT NULL
) ORDER BY n DESC LIMIT 1;

-- name: insert_inbound
INSERT INTO inbound (mailbox, folder, uidvalidity, uid, message_id, content_hash, raw_hash, size, from_addr, subject,
                     disposition, reason, ticket_id, duplicate_of, outgoing_id, received_at, mail_date)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update_inbound_outcome
UPDATE inbound SET disposition = ?, reason = ?, ticket_id = ?, duplicate_of = ?, outgoing_id = ? WHERE id = ?;

-- name: inbound_by_uid
SELECT i.id, i.mailbox, i.folder, i.uidvalidity, i.uid, i.message_id, i.content_hash, i.raw_hash, i.size, i.from_addr, i.subject,
       i.disposition, i.reason, i.ticket_id, t.ref, i.duplicate_of, i.outgoing_id, i.received_at, i.mail_date
FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.mailbox = ? AND i.folder = ? AND i.uidvalidity = ? AND i.uid = ?;

-- name: inbound_uids_in_range
SELECT uid FROM inbound WHERE mailbox = ? AND folder = ? AND uidvalidity = ? AND uid BETWEEN ? AND ?;

-- name: inbound_message_ids_in
-- ?1 a JSON array of Message-IDs: those an inbound record holds.
SELECT DISTINCT message_id FROM inbound WHERE message_id <> '' AND message_id IN (SELECT value FROM json_each(?1));

-- name: inbound_by_id
SELECT i.id, i.mailbox, i.folder, i.uidvalidity, i.uid, i.message_id, i.content_hash, i.raw_hash, i.size, i.from_addr, i.subject,
       i.disposition, i.reason, i.ticket_id, t.ref, i.duplicate_of, i.outgoing_id, i.received_at, i.mail_date
FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.id = ?;

-- name: inbound_last_uid
SELECT COALESCE(MAX(uid), 0) FROM inbound WHERE mailbox = ? AND folder = ? AND uidvalidity = ?;

-- name: inbound_by_message_id
SELECT i.id, i.mailbox, i.folder, i.uidvalidity, i.uid, i.message_id, i.content_hash, i.raw_hash, i.size, i.from_addr, i.subject,
       i.disposition, i.reason, i.ticket_id, t.ref, i.duplicate_of, i.outgoing_id, i.received_at, i.mail_date
FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.message_id = ? AND i.message_id <> '' ORDER BY i.id LIMIT 1;

-- name: inbound_by_content_hash
SELECT i.id, i.mailbox, i.folder, i.uidvalidity, i.uid, i.message_id, i.content_hash, i.raw_hash, i.size, i.from_addr, i.subject,
       i.disposition, i.reason, i.ticket_id, t.ref, i.duplicate_of, i.outgoing_id, i.received_at, i.mail_date
FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id
WHERE i.content_hash = ? ORDER BY i.id LIMIT 1;

-- name: inbound_list
SELECT i.id, i.mailbox, i.folder, i.uidvalidity, i.uid, i.message_id, i.content_hash, i.raw_hash, i.size, i.from_addr, i.subject,
       i.disposition, i.reason, i.ticket_id, t.ref, i.duplicate_of, i.outgoing_id, i.received_at, i.mail_date
FROM inbound i LEFT JOIN tickets t ON t.id = i.ticket_id
ORDER BY i.id LIMIT ?;

-- name: insert_outgoing
INSERT INTO outgoing (ticket_id, kind, to_name, to_addr, subject, text, html, message_id, in_reply_to, refs,
                      auto_submitted, status, next_attempt_at, created_at, queued_at, reply_to, cc, from_addr)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: insert_outgoing_attachment
INSERT INTO outgoing_attachments (outgoing_id, filename, content_type, size, blob_hash) VALUES (?, ?, ?, ?, ?);

-- name: outgoing_attachments
SELECT a.filename, a.content_type, a.size, a.blob_hash, b.data
FROM outgoing_attachments a JOIN blobs b ON b.hash = a.blob_hash
WHERE a.outgoing_id = ? ORDER BY a.id;

-- name: outgoing_message_ids_in
-- ?1 a JSON array of Message-IDs: those of our outgoing mails.
SELECT message_id FROM outgoing WHERE message_id IN (SELECT value FROM json_each(?1));

-- name: outgoing_by_message_id
SELECT * FROM outgoing_rows WHERE message_id = ?;

-- name: outgoing_by_id
SELECT * FROM outgoing_rows WHERE id = ?;

-- name: outgoing_list
SELECT * FROM outgoing_rows
WHERE ?1 = 0 OR ticket_id = ?1
ORDER BY id;

-- name: outgoing_list_status
SELECT * FROM outgoing_rows WHERE status = ? ORDER BY id;

-- name: outgoing_due
SELECT * FROM outgoing_rows
WHERE status = 'pending' AND next_attempt_at <= ?
ORDER BY next_attempt_at, id
LIMIT ?;

-- name: outgoing_claim
-- One statement takes the rows, so two senders never hold one row: the
-- SQLite form of SELECT ... FOR UPDATE SKIP LOCKED. A claim whose holder
-- died is taken over once claim_expires has passed.
UPDATE outgoing SET claimed_by = ?1, claim_expires = ?2
WHERE id IN (SELECT id FROM outgoing
             WHERE status = 'pending' AND next_attempt_at <= ?3 AND (claimed_by = '' OR claim_expires <= ?3)
             ORDER BY next_attempt_at, id LIMIT ?4)
RETURNING id;

-- name: outgoing_next_due
-- A row another sender holds is due for us only when its claim expires.
SELECT MIN(CASE WHEN claimed_by <> '' AND claim_expires > next_attempt_at THEN claim_expires ELSE next_attempt_at END)
FROM outgoing WHERE status = 'pending';

-- name: outgoing_claim_holders
SELECT DISTINCT claimed_by FROM outgoing
WHERE status = 'pending' AND claimed_by <> '' AND claim_expires > ?
ORDER BY claimed_by;

-- name: outgoing_release_claims
UPDATE outgoing SET claimed_by = '', claim_expires = '' WHERE claimed_by = ? AND status = 'pending';

-- name: outgoing_ticket
SELECT ticket_id FROM outgoing WHERE id = ?;

-- name: outgoing_sent
UPDATE outgoing SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '', claimed_by = '', claim_expires = ''
WHERE id = ? AND status = 'pending';

-- name: outgoing_retry
UPDATE outgoing SET attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = '', claim_expires = ''
WHERE id = ? AND status = 'pending';

-- name: outgoing_failed
UPDATE outgoing SET status = 'failed', attempts = ?, last_error = ?, claimed_by = '', claim_expires = ''
WHERE id = ? AND status = 'pending';

-- name: outgoing_attempt
-- The outcome of one attempt: ?1 the new status, ?2/?3 add to attempts or
-- deferrals, ?4 1 when the relay may hold the mail (never cleared), ?8 the
-- claim holder, whose claim ends here (another's stays).
UPDATE outgoing SET
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

-- name: outgoing_requeue
UPDATE outgoing SET status = 'pending', attempts = 0, deferrals = 0, next_attempt_at = ?1, queued_at = ?1,
                    claimed_by = '', claim_expires = ''
WHERE id = ?2 AND status = 'failed';

-- name: outgoing_failed_ids
SELECT id FROM outgoing WHERE status = 'failed' AND outcome_unknown = 0 ORDER BY id;

-- The kinds counted are a bound JSON array; the count stops at the last
-- parameter, so a flood costs no more to count than the limit it meets.
-- name: count_queued_to
-- The kinds are a JSON list of plain words: a kind is in it when its
-- quoted form is (json_each, a virtual table built at every run, cost
-- more than the few rows an address or a ticket has in a window).
SELECT COUNT(*) FROM (SELECT 1 FROM outgoing
                      WHERE to_addr = ? AND created_at >= ? AND instr(?, '"' || kind || '"') > 0 LIMIT ?);

-- name: count_queued_on_ticket
SELECT COUNT(*) FROM (SELECT 1 FROM outgoing
                      WHERE ticket_id = ? AND created_at >= ? AND instr(?, '"' || kind || '"') > 0 LIMIT ?);

-- name: last_sent_to
-- Newest first through outgoing_to_sent: the first row sent that was
-- queued in the window is the answer (a mail is sent after it is queued).
-- Named, as the planner without statistics would take outgoing_to's range
-- of the window and sort it.
SELECT COALESCE((SELECT sent_at FROM outgoing INDEXED BY outgoing_to_sent
                 WHERE to_addr = ?1 AND sent_at <> '' AND created_at >= ?2
                 ORDER BY sent_at DESC LIMIT 1), '');

-- name: tickets_resolved_before
SELECT * FROM ticket_rows t
WHERE t.status = 'resolved' AND t.resolved_at <> '' AND t.resolved_at <= ?
ORDER BY t.id LIMIT ?;

-- name: auto_answers_due
-- Tickets waiting in auto_answered since before ?1 whose answer needs a
-- decision (given up, bounced, or taken by the relay before ?1); an answer
-- still queued leaves its ticket out, so it never holds the others back.
SELECT t.*, d.given_up_id, d.given_up_status, d.given_up_error, d.bounced_id, d.bounce_action, d.bounce_status, d.sent_at
FROM ticket_rows t JOIN auto_answer_delivery d ON d.ticket_id = t.id
WHERE t.status = 'auto_answered' AND t.auto_answered_at <> '' AND t.auto_answered_at <= ?1
  AND (d.given_up_id IS NOT NULL OR d.bounced_id IS NOT NULL OR (d.sent_at <> '' AND d.sent_at <= ?1))
ORDER BY t.id LIMIT ?2;

-- name: auto_answer_delivery_of
SELECT t.*, d.given_up_id, d.given_up_status, d.given_up_error, d.bounced_id, d.bounce_action, d.bounce_status, d.sent_at
FROM ticket_rows t JOIN auto_answer_delivery d ON d.ticket_id = t.id
WHERE t.id = ?;

-- name: set_auto_answer
UPDATE tickets SET auto_answer_key = ?, auto_answered_at = ? WHERE id = ?;

-- name: faq_version
SELECT version FROM faq_version WHERE id = 1;

-- name: bump_faq_version
UPDATE faq_version SET version = version + 1 WHERE id = 1;

-- name: faq_keys_changed_last
-- The entries of the last ?1 FAQ changes, newest first: every bump of
-- faq_version writes one event without a ticket in the same transaction.
SELECT subject_key FROM events
WHERE ticket_id IS NULL AND kind LIKE 'faq\_%' ESCAPE '\'
ORDER BY id DESC LIMIT ?1;

-- name: upsert_faq
INSERT INTO faq_entries (key, question, answer, tags, language, status, source_ticket_id, created_at, updated_at, needs_review)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
ON CONFLICT (key) DO UPDATE SET question = excluded.question, answer = excluded.answer, tags = excluded.tags,
    language = excluded.language, status = excluded.status,
    source_ticket_id = COALESCE(excluded.source_ticket_id, faq_entries.source_ticket_id), updated_at = excluded.updated_at,
    needs_review = excluded.needs_review;

-- name: faq_by_key
SELECT f.key, f.question, f.answer, f.tags, f.language, f.status, t.ref, f.helpful, f.not_helpful, f.created_at, f.updated_at, f.needs_review
FROM faq_entries f LEFT JOIN tickets t ON t.id = f.source_ticket_id
WHERE f.key = ?;

-- name: faq_list
SELECT f.key, f.question, f.answer, f.tags, f.language, f.status, t.ref, f.helpful, f.not_helpful, f.created_at, f.updated_at, f.needs_review
FROM faq_entries f LEFT JOIN tickets t ON t.id = f.source_ticket_id
WHERE ?1 = '' OR f.status = ?1
ORDER BY f.key;

-- name: faq_status
SELECT status FROM faq_entries WHERE key = ?;

-- name: faq_set_status
UPDATE faq_entries SET status = ?, updated_at = ? WHERE key = ?;

-- name: faq_set_reviewed
UPDATE faq_entries SET needs_review = 0, updated_at = ? WHERE key = ?;

-- name: faq_vote_helpful
UPDATE faq_entries SET helpful = helpful + 1, updated_at = ? WHERE key = ?;

-- name: faq_vote_not_helpful
UPDATE faq_entries SET not_helpful = not_helpful + 1, updated_at = ? WHERE key = ?;

-- name: insert_paraphrase
INSERT INTO faq_paraphrases (faq_key, text, ticket_id, created_at, state, source, added_by, state_how, state_by, state_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?4);

-- name: paraphrase_by_text
SELECT id, state, (SELECT count(*) FROM faq_paraphrases q WHERE q.faq_key = p.faq_key AND q.id <= p.id)
FROM faq_paraphrases p WHERE p.faq_key = ? AND p.text = ?;

-- name: paraphrase_number
SELECT count(*) FROM faq_paraphrases WHERE faq_key = ? AND id <= ?;

-- name: set_paraphrase_state
UPDATE faq_paraphrases SET state = ?, state_how = ?, state_by = ?, state_note = ?, state_at = ? WHERE id = ?;

-- name: paraphrases_all
SELECT p.id, p.faq_key, p.text, p.state, p.source, COALESCE(t.ref, ''), p.added_by, p.created_at,
       p.state_how, p.state_by, p.state_note, p.state_at
FROM faq_paraphrases p LEFT JOIN tickets t ON t.id = p.ticket_id
ORDER BY p.id;

-- name: paraphrases_by_key
SELECT p.id, p.faq_key, p.text, p.state, p.source, COALESCE(t.ref, ''), p.added_by, p.created_at,
       p.state_how, p.state_by, p.state_note, p.state_at
FROM faq_paraphrases p LEFT JOIN tickets t ON t.id = p.ticket_id
WHERE p.faq_key = ?
ORDER BY p.id;

-- name: ticket_pending_paraphrases
SELECT count(*) FROM faq_paraphrases WHERE ticket_id = ? AND state = 'pending';

-- name: pending_paraphrases_of_tickets
-- ?1 is a JSON array of ticket ids: one statement for a whole tick.
SELECT p.id, p.faq_key, COALESCE(t.ref, ''), (SELECT count(*) FROM faq_paraphrases q WHERE q.faq_key = p.faq_key AND q.id <= p.id)
FROM faq_paraphrases p LEFT JOIN tickets t ON t.id = p.ticket_id
WHERE p.state = 'pending' AND p.ticket_id IN (SELECT value FROM json_each(?1)) AND (?2 = '' OR p.faq_key = ?2)
ORDER BY p.id;

-- name: delete_suggestions
DELETE FROM ticket_suggestions WHERE ticket_id = ?;

-- name: insert_suggestion
INSERT INTO ticket_suggestions (ticket_id, rank, faq_key, confidence, score) VALUES (?, ?, ?, ?, ?);

-- name: suggestions_by_ticket
SELECT faq_key, confidence, score FROM ticket_suggestions WHERE ticket_id = ? ORDER BY rank;

-- name: resolved_without_faq_answer
-- A ticket whose automatic answer held went from auto_answered straight to
-- resolved (the customer's thanks, or no reply) and was never reopened.
-- Resolved (or, never resolved, closed) at ?1 or later, newest first, at
-- most ?2, each with its customer's first mail. A ticket resolved since ?1
-- was updated since then too: tickets_status(status, updated_at) bounds
-- what is read.
SELECT t.*, COALESCE(e.subject, ''), COALESCE(e.text, '')
FROM ticket_rows t
LEFT JOIN entries e ON e.id = (
    SELECT MIN(f.id) FROM entries f WHERE f.ticket_id = t.id AND f.kind = 'customer' AND f.direction = 'in')
WHERE t.status IN ('resolved', 'closed')
  AND t.updated_at >= ?1
  AND COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) >= ?1
  AND (t.auto_answer_key = '' OR EXISTS (
      SELECT 1 FROM events e
      WHERE e.ticket_id = t.id AND e.kind = 'status_changed' AND e.created_at >= t.auto_answered_at
        AND json_extract(e.detail, '$.to') NOT IN ('auto_answered', 'resolved', 'closed')))
ORDER BY COALESCE(NULLIF(t.resolved_at, ''), t.closed_at) DESC, t.id DESC
LIMIT ?2;

-- name: bounces_by_ticket
-- The delivery reports of failure (any action but a delay or a success;
-- one we cannot read counts) for the ticket's mails.
SELECT o.kind, o.to_addr, r.action, r.status, r.created_at
FROM (SELECT CAST(e.subject_key AS INTEGER) AS outgoing_id, e.id, e.created_at,
             COALESCE(CASE WHEN json_valid(e.detail) THEN json_extract(e.detail, '$.action') END, '') AS action,
             COALESCE(CASE WHEN json_valid(e.detail) THEN json_extract(e.detail, '$.status') END, '') AS status
      FROM events e WHERE e.ticket_id = ? AND e.kind = 'mail_bounced') r
JOIN outgoing o ON o.id = r.outgoing_id
WHERE r.action NOT IN ('delayed', 'delivered', 'relayed', 'expanded')
ORDER BY r.id;

-- name: report_tier_bounce
-- ?1 the address, ?2 now, ?3 the start of the window: a row comes back
-- when no report was made within the window, and then this one counts.
INSERT INTO tier_bounce_reports (addr, reported_at) VALUES (?1, ?2)
ON CONFLICT (addr) DO UPDATE SET reported_at = excluded.reported_at WHERE tier_bounce_reports.reported_at <= ?3
RETURNING addr;
