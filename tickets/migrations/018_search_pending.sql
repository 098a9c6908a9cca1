-- 018: the search index takes a write transaction's new rows at its end,
-- not inside each mail's savepoint. FTS5 writes its pending terms to disk
-- at every SAVEPOINT once a transaction has touched it, so a batch of 100
-- mails, each in a savepoint of its own (Tx.Try), made 100 small segments
-- and the merges after them: a third of the gateway's CPU on intake
-- (docs/intake.md). The insert triggers now note the new row's id in
-- search_fts_pending, a plain table that a savepoint rolls back like any
-- other; the store indexes what is noted, and empties the note, just
-- before every commit (drainSearch in backend.go), outside any savepoint.
-- Changes and deletes are rare and still go to the index at once.

CREATE TABLE search_fts_pending (
    kind TEXT NOT NULL CHECK (kind IN ('ticket', 'entry')),
    id INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;

DROP TRIGGER tickets_fts_insert;
DROP TRIGGER entries_fts_insert;
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT OR IGNORE INTO search_fts_pending (kind, id) VALUES ('ticket', new.id);
END;
CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN
    INSERT OR IGNORE INTO search_fts_pending (kind, id) VALUES ('entry', new.id);
END;

-- A row still noted is not in the index yet: a change or a delete before
-- the commit leaves the index alone (FTS5's 'delete' of values it does
-- not hold would corrupt it), and the commit indexes the row as it is
-- then, or not at all when it is gone.
DROP TRIGGER tickets_fts_delete;
DROP TRIGGER tickets_fts_update;
DROP TRIGGER entries_fts_delete;
DROP TRIGGER entries_fts_update;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject) SELECT 'delete', old.id, old.subject
        WHERE NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE kind = 'ticket' AND id = old.id);
    DELETE FROM search_fts_pending WHERE kind = 'ticket' AND id = old.id;
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject ON tickets
WHEN NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE kind = 'ticket' AND id = old.id) BEGIN
    INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) SELECT 'delete', old.id, old.text
        WHERE NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE kind = 'entry' AND id = old.id);
    DELETE FROM search_fts_pending WHERE kind = 'entry' AND id = old.id;
END;
CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries
WHEN NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE kind = 'entry' AND id = old.id) BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
END;

-- The robot check reads the last mail sent to an address
-- (last_sent_to): newest first by sent_at, it stops at the first row
-- rather than reading every mail an address was ever sent in the window,
-- which a monitoring storm from one address made grow with the storm.
CREATE INDEX outgoing_to_sent ON outgoing(to_addr, sent_at);
