// Package intake fetches mail from a support mailbox over IMAP: sessions,
// UID/UIDVALIDITY resume, IDLE, and filing handled mail (\Seen or a move)
// only after the Sink has recorded it. Reading a fetched message is the job
// of package intake/mime; intake knows nothing of tickets or SQL.
package intake
