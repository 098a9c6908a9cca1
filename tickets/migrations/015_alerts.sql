-- 013: monitoring alerts as incidents.
--
-- Each ticket a monitoring alert opened, with the alert's source
-- ("alertmanager", "alert" for the generic JSON alert, "mail:RULE" for an
-- [[alerts.mail]] rule) and key (Alertmanager's groupKey, the generic
-- alert's key, what the rule read from the subject). A notification for a
-- key goes to the latest ticket of that key while it is open, so a repeat
-- appends to it and a resolution resolves it, across restarts; once that
-- ticket is closed, the key opens a new one. firing: the last notification
-- said firing (0: resolved); notifications counts them.
CREATE TABLE alert_incidents (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    firing INTEGER NOT NULL,
    notifications INTEGER NOT NULL DEFAULT 1,
    opened_at TEXT NOT NULL,
    last_at TEXT NOT NULL
);
CREATE INDEX alert_incidents_key ON alert_incidents(source, key, ticket_id);
