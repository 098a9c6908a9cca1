package desk

import (
	"sync"

	"github.com/madoguchi/madoguchi/intake/mime"
)

// What the desk works out of a mail alone, without the store (its
// classification and language), the parse workers work out for every mail
// of a batch while the batch before commits, so that the batch's writer,
// one goroutine and the limit of a backlog's pass (docs/intake.md), only
// looks it up.

// derived is what was worked out of one mail.
type derived struct {
	ok    bool // worked out (the mail parsed)
	class classification
	lang  string
}

func (d *Desk) derive(msg *mime.Message) derived {
	return derived{ok: true, class: classify(d.opts.Rules, msg.Subject, msg.Text, msg.From.Addr), lang: d.detectLanguage(msg)}
}

// derivedMail holds, while a batch commits, what its workers worked out,
// by message; a mail not in it is worked out when asked.
type derivedMail struct{ m sync.Map } // *mime.Message → *derived

func (x *derivedMail) hold(parsed []parsedMail) {
	for i := range parsed {
		if p := &parsed[i]; p.msg != nil && p.derived.ok {
			x.m.Store(p.msg, &p.derived)
		}
	}
}

func (x *derivedMail) drop(parsed []parsedMail) {
	for i := range parsed {
		if parsed[i].msg != nil {
			x.m.Delete(parsed[i].msg)
		}
	}
}

func (x *derivedMail) of(msg *mime.Message) *derived {
	if v, ok := x.m.Load(msg); ok {
		return v.(*derived)
	}
	return nil
}

// classification is the rules' verdict on msg.
func (d *Desk) classification(msg *mime.Message) classification {
	if v := d.derived.of(msg); v != nil {
		return v.class
	}
	return classify(d.opts.Rules, msg.Subject, msg.Text, msg.From.Addr)
}
