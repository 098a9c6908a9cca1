-- 004: what the outbox needs to deliver safely.
--
-- claimed_by, claim_expires: a sender claims a row before it delivers it,
-- so two senders on one store never send one row; a claim whose holder
-- died is taken over once it expires.
-- deferrals: attempts that never reached the relay's replies to MAIL, RCPT
-- or DATA (refused connection, DNS, TLS, timeout): they do not count
-- against smtp.max_attempts, only against smtp.give_up_after.
-- outcome_unknown: an attempt ended after the final "." of DATA without
-- the relay's answer, so the relay may hold the mail.
-- queued_at: the start of smtp.give_up_after: the row's creation, or the
-- last `madoguchi outbox retry`.
ALTER TABLE outgoing ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outgoing ADD COLUMN claim_expires TEXT NOT NULL DEFAULT '';
ALTER TABLE outgoing ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outgoing ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outgoing ADD COLUMN queued_at TEXT NOT NULL DEFAULT '';
UPDATE outgoing SET queued_at = created_at;

-- One definition of an outgoing row as the program reads it. The stored
-- status stays pending | sent | failed (001's CHECK); a row given up whose
-- outcome is unknown reads as status 'unknown', never as plain 'failed':
-- the customer may have it.
CREATE VIEW outgoing_rows AS
SELECT o.id, o.ticket_id, t.ref AS ticket_ref, o.kind, o.to_name, o.to_addr, o.subject, o.text, o.html,
       o.message_id, o.in_reply_to, o.refs, o.auto_submitted,
       CASE WHEN o.status = 'failed' AND o.outcome_unknown <> 0 THEN 'unknown' ELSE o.status END AS status,
       o.attempts, o.deferrals, o.outcome_unknown, o.next_attempt_at, o.last_error, o.created_at, o.queued_at,
       o.sent_at, o.claimed_by, o.claim_expires
FROM outgoing o LEFT JOIN tickets t ON t.id = o.ticket_id;
