// Package mime turns one raw RFC 5322 message into a Message: headers,
// the body as text (HTML converted), attachments, charsets including
// ISO-2022-JP, Shift_JIS and EUC-JP, automatic-mail detection (RFC 3834 and
// friends) and quoted-reply stripping. It knows nothing of IMAP or SQL.
//
// The parser is its own rather than go-message's because go-message
// v0.18.2 (charsets registered) reads these kinds of real mail wrongly or
// stops on them, while Parse reads them; TestParse_WhereGoMessageFails
// asserts each one over testdata and ../shared/corpus/enmime:
//
//   - an RFC 2047 encoded-word split inside an ISO-2022-JP character
//     (a garbled Subject);
//   - CP50221 half-width katakana shifted by SO/SI (unknown charset, raw
//     escape bytes);
//   - an encoded-word inside a quoted display name, as many mailers write it
//     (the name stays encoded);
//   - raw 8-bit Shift_JIS header fields and body with no charset (no From,
//     mojibake Subject and text);
//   - a charset label that lies (ISO-8859-1 on Shift_JIS text: mojibake);
//   - unknown charsets in an encoded-word and a body (the word stays
//     encoded, the text is not valid UTF-8);
//   - malformed base64, including 4n+1 characters (a read error);
//   - a multipart without its closing boundary or without a boundary
//     parameter (an error, the text lost);
//   - a header that starts with white space or is not ended by a blank line
//     (nothing read at all);
//   - a part header with a broken fold, or a part with no header (reading
//     stops; later parts and attachments lost);
//   - plain text declared base64 (garbage text);
//   - a From without a comma between two mailboxes, or a bare address after
//     an 8-bit name (no From).
//
// Reading leniently serves opening a ticket, not proving who wrote a mail:
// Message.FromProblem says when the From is not exactly one mailbox (two
// addresses, two angle addresses, an address as the display name, two From
// fields), and addresses keep their non-ASCII characters (a domain is
// lower-cased in ASCII only), so the desk can refuse such mail as an
// agent's.
//
// go-message reads CP50220 and Windows-31J correctly, so they are not on
// the list. DetectAutomatic takes a go-message header, so the rules serve a
// caller that reads mail with go-message too.
package mime
