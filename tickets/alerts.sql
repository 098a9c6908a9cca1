-- The statements of alerts.go. Parameters are bound (?), never formatted in.

-- name: alert_by_key
SELECT ticket_id, source, key, firing, notifications, opened_at, last_at FROM alert_incidents
WHERE source = ? AND key = ? ORDER BY ticket_id DESC LIMIT 1;

-- name: alert_by_ticket
SELECT ticket_id, source, key, firing, notifications, opened_at, last_at FROM alert_incidents WHERE ticket_id = ?;

-- name: insert_alert
INSERT INTO alert_incidents (ticket_id, source, key, firing, notifications, opened_at, last_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5);

-- name: note_alert
UPDATE alert_incidents SET firing = ?2, notifications = notifications + 1, last_at = ?3 WHERE ticket_id = ?1;
