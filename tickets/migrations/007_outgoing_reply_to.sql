-- 007: what agents' threads need of outgoing mail: a Reply-To (the signed
-- plus address a reply must come back to) and attachments (a customer's
-- files in a tier's notice, an agent's files relayed to the customer),
-- stored once in blobs.
ALTER TABLE outgoing ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';

CREATE TABLE outgoing_attachments (
    id INTEGER PRIMARY KEY,
    outgoing_id INTEGER NOT NULL REFERENCES outgoing(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    blob_hash TEXT NOT NULL REFERENCES blobs(hash)
);
CREATE INDEX outgoing_attachments_outgoing ON outgoing_attachments(outgoing_id);

DROP VIEW outgoing_rows;
CREATE VIEW outgoing_rows AS
SELECT o.id, o.ticket_id, t.ref AS ticket_ref, o.kind, o.to_name, o.to_addr, o.subject, o.text, o.html,
       o.message_id, o.in_reply_to, o.refs, o.auto_submitted,
       CASE WHEN o.status = 'failed' AND o.outcome_unknown <> 0 THEN 'unknown' ELSE o.status END AS status,
       o.attempts, o.deferrals, o.outcome_unknown, o.next_attempt_at, o.last_error, o.created_at, o.queued_at,
       o.sent_at, o.claimed_by, o.claim_expires, o.reply_to,
       (SELECT count(*) FROM outgoing_attachments a WHERE a.outgoing_id = o.id) AS attachment_count
FROM outgoing o LEFT JOIN tickets t ON t.id = o.ticket_id;
