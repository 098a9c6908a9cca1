// Package mime turns one raw RFC 5322 message into a Message: headers,
// the body as text (HTML converted), attachments, charsets including
// ISO-2022-JP, Shift_JIS and EUC-JP, automatic-mail detection (RFC 3834 and
// friends) and quoted-reply stripping. It knows nothing of IMAP or SQL.
package mime
