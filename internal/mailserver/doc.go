// Package mailserver starts real in-process IMAP (go-imap v2 imapmemserver)
// and SMTP (go-smtp) servers on loopback, for tests and the demo.
package mailserver
