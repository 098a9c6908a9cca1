package tickets

import (
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"time"
)

// Monitoring alerts as incidents: which ticket an alert's key opened, so
// that its next notifications reach that ticket, across restarts. The
// statements live in alerts.sql.

//go:embed alerts.sql
var alertsFile string

func init() {
	for name, q := range parseQueries(alertsFile) {
		if _, dup := queries[name]; dup {
			panic("tickets: query " + name + " is defined twice")
		}
		queries[name] = q
	}
}

// AlertIncident is a ticket an alert opened.
type AlertIncident struct {
	TicketID      int64
	Source        string // alertmanager | alert | mail:RULE
	Key           string
	Firing        bool // the last notification said firing
	Notifications int
	OpenedAt      time.Time
	LastAt        time.Time
}

// AlertIncident is the latest ticket the alert key of source opened;
// ErrNotFound when it opened none.
func (tx *Tx) AlertIncident(source, key string) (*AlertIncident, error) {
	return scanAlert(tx.queryRow("alert_by_key", source, key))
}

// AlertOfTicket is the alert that opened ticketID; ErrNotFound when the
// ticket came another way.
func (tx *Tx) AlertOfTicket(ticketID int64) (*AlertIncident, error) {
	return scanAlert(tx.queryRow("alert_by_ticket", ticketID))
}

// RecordAlertIncident notes that the alert key of source opened the
// ticket a.TicketID, firing, now.
func (tx *Tx) RecordAlertIncident(a *AlertIncident) error {
	if a.Source == "" || a.Key == "" || a.TicketID == 0 {
		return errors.New("tickets: alert incident without source, key or ticket")
	}
	a.Firing, a.Notifications, a.OpenedAt, a.LastAt = true, 1, tx.now, tx.now
	_, err := tx.exec("insert_alert", a.TicketID, a.Source, a.Key, a.Firing, fmtTime(tx.now))
	return err
}

// NoteAlert counts one more notification of the alert of a ticket it
// opened, firing or resolved.
func (tx *Tx) NoteAlert(a *AlertIncident, firing bool) error {
	if _, err := tx.exec("note_alert", a.TicketID, firing, fmtTime(tx.now)); err != nil {
		return err
	}
	a.Firing, a.Notifications, a.LastAt = firing, a.Notifications+1, tx.now
	return nil
}

func scanAlert(r scanner) (*AlertIncident, error) {
	var a AlertIncident
	var opened, last string
	err := r.Scan(&a.TicketID, &a.Source, &a.Key, &a.Firing, &a.Notifications, &opened, &last)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("tickets: reading alert incident: %w", err)
	}
	a.OpenedAt, a.LastAt = parseTime(opened), parseTime(last)
	return &a, nil
}
