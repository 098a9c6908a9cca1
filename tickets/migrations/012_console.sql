-- 008: the console. Sign-in links and sessions are kept by the sha256 of
-- their secret only: the store never holds what would let its reader sign
-- in. The digests sent, one row a period, so a restart never mails one
-- twice. Full-text search over subjects and entries (FTS5, trigram: any
-- substring of three characters or more, Japanese as well), and the
-- indexes the queue and the reports read by.

CREATE TABLE web_signin_tokens (
    token_hash TEXT PRIMARY KEY,       -- hex sha256 of the token in the link
    addr TEXT NOT NULL,                -- lower case
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NOT NULL DEFAULT ''   -- '' = not used; a link signs in once
);
CREATE INDEX web_signin_tokens_expiry ON web_signin_tokens(expires_at);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,          -- hex sha256 of the cookie's value
    addr TEXT NOT NULL,                -- lower case
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_addr ON web_sessions(addr);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

CREATE TABLE digests (
    period TEXT PRIMARY KEY,           -- "daily 2026-12-07", "weekly 2026-W49"
    sent_at TEXT NOT NULL
);

-- External-content FTS5 tables over tickets.subject and entries.text, kept
-- in step by triggers. A later migration that rebuilds either table must
-- recreate its triggers and run the 'rebuild' command below.
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content='tickets', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE entries_fts USING fts5(text, content='entries', content_rowid='id', tokenize='trigram');
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');
INSERT INTO entries_fts(entries_fts) VALUES ('rebuild');

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
END;

-- The queue's default order: open tickets (and those on hold that were
-- overdue as they went on hold) by their next due time, so the overdue
-- ones come first, being the earliest; then the rest ('~' sorts after
-- every time), newest first. The
-- expression is the one queue_ids_due orders by, word for word: SQLite
-- uses an index on an expression only for the same expression.
CREATE INDEX tickets_queue_due ON tickets((CASE WHEN (status IN ('new', 'escalated', 'in_progress')
              OR (status = 'on_hold' AND hold_since <> '' AND (CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END) <= hold_since))
             AND (CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END) <> ''
        THEN CASE WHEN first_response_at = '' AND respond_due_at <> '' AND (resolve_due_at = '' OR respond_due_at < resolve_due_at) THEN respond_due_at ELSE resolve_due_at END
        ELSE '~' END), id DESC);
-- The reports read the tickets created in a range from this index alone
-- (it holds every column they count); the response and resolution times,
-- in minutes, and the tops each from an index in the order they group
-- by; the votes by kind and time.
CREATE INDEX tickets_report ON tickets(created_at, type, priority, tier, tier_since, auto_answer_key, respond_breached_at,
    resolve_breached_at, first_response_at, respond_due_at, resolved_at, resolve_due_at);
CREATE INDEX tickets_respond_minutes ON tickets(priority, ((unixepoch(first_response_at) - unixepoch(created_at)) / 60), created_at)
    WHERE first_response_at <> '';
CREATE INDEX tickets_resolve_minutes ON tickets(priority, ((unixepoch(resolved_at) - unixepoch(created_at)) / 60), created_at)
    WHERE resolved_at <> '';
CREATE INDEX tickets_requester ON tickets(requester, created_at);
CREATE INDEX tickets_subject ON tickets(subject COLLATE NOCASE, created_at);
CREATE INDEX tickets_auto_key ON tickets(auto_answer_key, created_at) WHERE auto_answer_key <> '';
CREATE INDEX events_kind ON events(kind, created_at);
