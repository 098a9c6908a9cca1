-- 010: everyone on the customer's thread answered.
--
-- outgoing.cc: the addresses a mail to a customer goes to on Cc (the
-- ticket's participants), ", "-separated, lower case; '' for none. The
-- outbox writes them in the Cc header and gives each an RCPT.
-- ticket_participants.dropped_at: when an agent took the address off the
-- ticket (#uncc); '' while it is a participant. A dropped address is a
-- stranger again, and stays one when the requester's mail names it again:
-- only an agent's #cc brings it back.
ALTER TABLE outgoing ADD COLUMN cc TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_participants ADD COLUMN dropped_at TEXT NOT NULL DEFAULT '';

DROP VIEW outgoing_rows;
CREATE VIEW outgoing_rows AS
SELECT o.id, o.ticket_id, t.ref AS ticket_ref, o.kind, o.to_name, o.to_addr, o.subject, o.text, o.html,
       o.message_id, o.in_reply_to, o.refs, o.auto_submitted,
       CASE WHEN o.status = 'failed' AND o.outcome_unknown <> 0 THEN 'unknown' ELSE o.status END AS status,
       o.attempts, o.deferrals, o.outcome_unknown, o.next_attempt_at, o.last_error, o.created_at, o.queued_at,
       o.sent_at, o.claimed_by, o.claim_expires, o.reply_to,
       (SELECT count(*) FROM outgoing_attachments a WHERE a.outgoing_id = o.id) AS attachment_count,
       o.cc
FROM outgoing o LEFT JOIN tickets t ON t.id = o.ticket_id;
