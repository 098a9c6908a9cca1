package desk

import (
	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/lang"
)

// language is the language of every mail to the customer on a new ticket:
// the language of their own words (subject and text, quoted history left
// out), and the language of the mailbox they wrote to (desk.language by
// default) only when those decide nothing.
func (d *Desk) language(msg *mime.Message, box *Mailbox) string {
	if v := d.derived.of(msg); v != nil && v.box == box {
		return v.lang
	}
	return d.detectLanguage(msg, box)
}

func (d *Desk) detectLanguage(msg *mime.Message, box *Mailbox) string {
	return lang.DetectOr(msg.Subject+"\n"+mime.StripQuoted(msg.Text), box.Language)
}
