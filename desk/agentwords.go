package desk

import (
	"strings"

	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/tickets"
)

// An agent's reply is read for what the agent wrote this time: the words
// go to the customer and the attachments with them, so whatever a mail
// client adds (our quoted notice, a signature, its logo) must be left out.

// agentWords is what an agent wrote this time in the text of a reply:
// without its quoted history and signature, and cut at the first line
// that repeats a mail we sent about the ticket (ours), with the header
// block a client put above it. Without that cut, a client that quotes our
// notice unmarked under a header block StripQuoted does not know would
// have the notice relayed to the customer: tier, due times, commands and
// the agents' reply address. signature is the first line of a signature
// the reply's HTML marks (see signatureLine), "" for none; the text is cut
// at its last occurrence too. cut reports whether text of ours was cut.
func agentWords(ours *ourText, text, signature string) (words string, cut bool) {
	// Our text is looked for before StripQuoted cuts anything: it may
	// leave our greeting ("Hello L1 team,") above an attribution line it
	// knows, with nothing of ours below to tell the greeting by.
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	i := ours.cutWithHeader(lines)
	cut = i < len(lines)
	lines = strings.Split(stripSignature(mime.StripQuoted(strings.Join(lines[:i], "\n"))), "\n")
	if sig := normLine(signature); sig != "" {
		for j := len(lines) - 1; j >= 0; j-- {
			if normLine(lines[j]) == sig {
				lines = lines[:j]
				break
			}
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), cut
}

// ourMails indexes what the desk sent about t, to cut an agent's reply
// where it repeats it: every outgoing row of the ticket (notices,
// reminders, breaches, copies, forwards, command errors, bounce notices,
// the mails to the customer), as text and as its HTML turned to text. The
// words of the customer and of the agents' earlier answers, which our
// mails carry too, are theirs, not ours: an agent may repeat them.
func (d *Desk) ourMails(tx *tickets.Tx, t *tickets.Ticket) (*ourText, error) {
	outs, err := tx.OutgoingList(t.ID)
	if err != nil {
		return nil, err
	}
	var sent []string
	for _, o := range outs {
		sent = append(sent, o.Text)
		if o.HTML != "" {
			sent = append(sent, mime.HTMLToText(o.HTML))
		}
	}
	entries, err := tx.Entries(t.ID)
	if err != nil {
		return nil, err
	}
	var theirs []string
	for _, e := range entries {
		// An internal note is not checked for our text: it could hold a
		// pasted notice, which must not count as anybody's words.
		if e.Direction == tickets.DirIn && customerWrote(e) {
			theirs = append(theirs, e.Subject, e.Text)
		}
		if e.Direction == tickets.DirIn && e.Kind == tickets.KindAgent {
			theirs = append(theirs, e.Text)
		}
	}
	box := d.boxOf(t) // our mails about t came from its mailbox
	marks := []string{box.Address, "[" + t.Ref + "]"}
	for _, tr := range d.opts.Tiers {
		marks = append(marks, tr.Notify...)
	}
	return newOurText(sent, theirs, marks, box.Address), nil
}

// agentAttachments are the attachments of an agent's mail that are
// content: files, and the inline images its HTML shows among the agent's
// own words (body). An image of a signature or of the quoted mail (a
// logo) is not: with a command alone it would send the customer an empty
// answer, and stop the respond clock.
func agentAttachments(ours *ourText, msg *mime.Message, body string) []tickets.Attachment {
	var out []tickets.Attachment
	for _, a := range msg.Attachments {
		if decorative(ours, msg.HTML, a.ContentID, body) {
			continue
		}
		out = append(out, tickets.Attachment{Filename: a.Filename, ContentType: a.ContentType, ContentID: a.ContentID, Inline: a.Inline, Data: a.Data})
	}
	return out
}

// decorative reports whether the inline image with Content-ID cid is no
// content of an agent's reply: the HTML shows it, and either the agent
// wrote no words, or it stands after the start of the signature or of the
// quoted mail (by the clients' marks, or where the reply's text is cut).
func decorative(ours *ourText, html, cid, body string) bool {
	if cid == "" {
		return false
	}
	lower := asciiLower(html)
	at := strings.Index(lower, "cid:"+asciiLower(cid))
	if at < 0 {
		return false // attached, not shown: a file
	}
	if body == "" {
		return true
	}
	if firstMark(lower, htmlSignatureMarks, at) >= 0 || firstMark(lower, htmlQuoteMarks, at) >= 0 {
		return true
	}
	before := mime.HTMLToText(html[:at])
	words, _ := agentWords(ours, before, "")
	return normLine(words) != normLine(before)
}

// The marks the common clients (Gmail, Outlook desktop and on the web,
// Thunderbird, Apple Mail and iOS, Yahoo) put in the HTML of a reply
// where the sender's signature starts, and where the quoted mail does.
// Outlook writes no "-- " above a signature: its mark is all there is.
var (
	htmlSignatureMarks = []string{"gmail_signature", `id="signature"`, "_mailautosig", "moz-signature", "applemailsignature", "linebreakatbeginningofsignature"}
	htmlQuoteMarks     = []string{"gmail_quote", "divrplyfwdmsg", `id="appendonsend"`, "moz-cite-prefix", "yahoo_quoted", "<blockquote"}
)

// signatureLine is the first line of the signature the HTML of a reply
// marks above its quoted mail, "" when it marks none.
func signatureLine(html string) string {
	lower := asciiLower(html)
	quote := firstMark(lower, htmlQuoteMarks, len(lower))
	if quote < 0 {
		quote = len(lower)
	}
	sig := firstMark(lower, htmlSignatureMarks, quote)
	if sig < 0 {
		return ""
	}
	gt := strings.IndexByte(lower[sig:quote], '>') // the end of the tag the mark stands in
	if gt < 0 {
		return ""
	}
	for _, l := range strings.Split(mime.HTMLToText(html[sig+gt+1:quote]), "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

// firstMark is the offset in lower of the first of marks that starts
// before limit, -1 when none does.
func firstMark(lower string, marks []string, limit int) int {
	first := -1
	for _, m := range marks {
		if i := strings.Index(lower[:limit], m); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// asciiLower lower-cases ASCII letters only, so offsets in the result are
// offsets in s (strings.ToLower may change the length of a string).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
