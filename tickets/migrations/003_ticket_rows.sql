-- 003: one definition of a ticket as the program reads it (with the
-- reference of the ticket it follows), instead of the same column list in
-- every query.
CREATE VIEW ticket_rows AS
SELECT t.id, t.ref, t.type, t.subject, t.requester, t.requester_name, t.language, t.status, t.impact, t.urgency,
       t.priority, l.ref AS linked_ref, t.due_at, t.created_at, t.updated_at, t.resolved_at, t.closed_at,
       t.auto_answer_key, t.auto_answered_at
FROM tickets t LEFT JOIN tickets l ON l.id = t.linked_ticket_id;
