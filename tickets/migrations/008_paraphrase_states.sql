-- 008: what a learned wording is worth, and drafts that need a person.
--
-- A paraphrase is pending (learned from an agent's #answer: it may help
-- find its entry, never send it on its own), confirmed (the customer said
-- the answer helped, or the ticket closed with no problem report) or
-- removed (kept with who removed it and why, never deleted). source says
-- how it was learned; state_how, state_by, state_note and state_at say
-- what put it in its state.
ALTER TABLE faq_paraphrases ADD COLUMN state TEXT NOT NULL DEFAULT 'confirmed'
    CHECK (state IN ('pending', 'confirmed', 'removed'));
ALTER TABLE faq_paraphrases ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE faq_paraphrases ADD COLUMN added_by TEXT NOT NULL DEFAULT '';
ALTER TABLE faq_paraphrases ADD COLUMN state_how TEXT NOT NULL DEFAULT '';
ALTER TABLE faq_paraphrases ADD COLUMN state_by TEXT NOT NULL DEFAULT '';
ALTER TABLE faq_paraphrases ADD COLUMN state_note TEXT NOT NULL DEFAULT '';
ALTER TABLE faq_paraphrases ADD COLUMN state_at TEXT NOT NULL DEFAULT '';
CREATE INDEX faq_paraphrases_ticket ON faq_paraphrases(ticket_id, state);

-- Who added each one, from its audit event.
UPDATE faq_paraphrases SET added_by = COALESCE((
    SELECT e.actor FROM events e
    WHERE e.ticket_id IS NULL AND e.kind = 'faq_paraphrase_added' AND e.subject_key = faq_paraphrases.faq_key
      AND json_extract(e.detail, '$.ticket') = faq_paraphrases.ticket_id
    ORDER BY e.id LIMIT 1), ''),
    state_at = created_at;

-- Before this migration the customer's thanks for an automatic answer and
-- an agent's #answer (a slip included) both kept the wording at once. Only
-- the first was confirmed by the customer: the ticket was answered
-- automatically with that very entry. Everything else is pending now.
UPDATE faq_paraphrases SET source = 'auto_answer', state_how = 'customer_confirmed', state_by = added_by
WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.id = faq_paraphrases.ticket_id AND t.auto_answer_key = faq_paraphrases.faq_key);
UPDATE faq_paraphrases SET state = 'pending', source = 'agent_answer', state_by = added_by
WHERE source = '';

-- A draft made from a ticket holds the customer's and the agent's words:
-- it is published only after a person has read it.
ALTER TABLE faq_entries ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
UPDATE faq_entries SET needs_review = 1 WHERE status = 'draft' AND source_ticket_id IS NOT NULL;

-- The index must learn the states: a new FAQ version makes it stale.
UPDATE faq_version SET version = version + 1 WHERE id = 1;
