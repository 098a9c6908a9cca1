-- The statements of what customers see and say: their ratings of a
-- ticket, the people a ticket's status links may be made for, and a
-- requester's own tickets. Parameters are bound (?), never formatted in.

-- name: rating_by_ticket
SELECT rating, comment, rated_by, answer, faq_key, tier, agent, priority, type, first_rated_at, rated_at
FROM ratings WHERE ticket_id = ?;

-- name: ratings_of_tickets
-- ?1 is a JSON array of ticket ids: the ratings of one page of the queue.
SELECT ticket_id, rating, comment, rated_by, answer, faq_key, tier, agent, priority, type, first_rated_at, rated_at
FROM ratings WHERE ticket_id IN (SELECT value FROM json_each(?1));

-- name: rating_put
-- A rating, or a later one that replaces it: first_rated_at stays.
INSERT INTO ratings (ticket_id, rating, comment, rated_by, answer, faq_key, tier, agent, priority, type, first_rated_at, rated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
ON CONFLICT (ticket_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, rated_by = excluded.rated_by,
    answer = excluded.answer, faq_key = excluded.faq_key, tier = excluded.tier, agent = excluded.agent,
    priority = excluded.priority, type = excluded.type, rated_at = excluded.rated_at;

-- name: ratings_between
-- The ratings given in [?1, ?2), for the reports (ratings_rated_at).
SELECT rating, answer, tier, agent, priority, type, rated_at
FROM ratings WHERE rated_at >= ?1 AND rated_at < ?2
ORDER BY rated_at;

-- name: ticket_people
-- Everyone who acts on ticket ?1 as its customer: the requester, its
-- participants (not those an agent dropped), and the requesters and
-- participants of the tickets merged into it.
SELECT requester FROM tickets WHERE id = ?1 AND requester <> ''
UNION SELECT addr FROM ticket_participants WHERE ticket_id = ?1 AND dropped_at = ''
UNION SELECT requester FROM tickets WHERE merged_into_id = ?1 AND requester <> ''
UNION SELECT p.addr FROM ticket_participants p JOIN tickets m ON m.id = p.ticket_id
      WHERE m.merged_into_id = ?1 AND p.dropped_at = '';

-- name: requester_tickets
-- A requester's own tickets, newest first (tickets_requester).
SELECT * FROM ticket_rows WHERE id IN (
    SELECT id FROM tickets WHERE requester = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2)
ORDER BY created_at DESC, id DESC;

-- name: has_tickets
SELECT EXISTS (SELECT 1 FROM tickets WHERE requester = ?);

-- name: faq_unvote_helpful
UPDATE faq_entries SET helpful = max(helpful - 1, 0), updated_at = ? WHERE key = ?;

-- name: faq_unvote_not_helpful
UPDATE faq_entries SET not_helpful = max(not_helpful - 1, 0), updated_at = ? WHERE key = ?;

-- name: live_paraphrases_of_ticket
-- The wordings ticket ?1 taught entry ?2 that still count (pending or
-- confirmed), with their numbers.
SELECT p.id, COALESCE(t.ref, ''), (SELECT count(*) FROM faq_paraphrases q WHERE q.faq_key = p.faq_key AND q.id <= p.id)
FROM faq_paraphrases p LEFT JOIN tickets t ON t.id = p.ticket_id
WHERE p.ticket_id = ?1 AND p.faq_key = ?2 AND p.state <> 'removed'
ORDER BY p.id;
