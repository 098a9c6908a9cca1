package desk

import (
	"github.com/madoguchi/madoguchi/intake/mime"
	"github.com/madoguchi/madoguchi/lang"
)

// language is the language of every mail to the customer on a new ticket:
// the language of their own words (subject and text, quoted history left
// out), and desk.language only when those decide nothing.
func (d *Desk) language(msg *mime.Message) string {
	if v := d.derived.of(msg); v != nil {
		return v.lang
	}
	return d.detectLanguage(msg)
}

func (d *Desk) detectLanguage(msg *mime.Message) string {
	return lang.DetectOr(msg.Subject+"\n"+mime.StripQuoted(msg.Text), d.opts.Language)
}
