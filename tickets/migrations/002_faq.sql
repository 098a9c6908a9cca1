-- 002: FAQ entries curated from resolved incidents, the customers' confirmed
-- wordings of them, the suggestions shown to agents, and the automatic
-- answer a ticket got.

CREATE TABLE faq_entries (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    language TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    source_ticket_id INTEGER REFERENCES tickets(id),
    helpful INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE faq_paraphrases (
    id INTEGER PRIMARY KEY,
    faq_key TEXT NOT NULL REFERENCES faq_entries(key),
    text TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    created_at TEXT NOT NULL,
    UNIQUE (faq_key, text)
);

-- One row: bumped by every FAQ change in the same transaction, so the
-- derived Bleve index can tell whether it is stale.
CREATE TABLE faq_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO faq_version (id, version) VALUES (1, 0);

CREATE TABLE ticket_suggestions (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    rank INTEGER NOT NULL,
    faq_key TEXT NOT NULL,
    confidence REAL NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (ticket_id, rank)
);

ALTER TABLE tickets ADD COLUMN auto_answer_key TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN auto_answered_at TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_auto_answered ON tickets(status, auto_answered_at);
