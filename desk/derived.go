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

// derived is what was worked out of one mail, for a ticket of the
// mailbox box (the one a new ticket of it would belong to: its type and
// language are the defaults the rules and the words start from).
type derived struct {
	ok    bool // worked out (the mail parsed)
	box   *Mailbox
	class classification
	lang  string
}

func (d *Desk) derive(msg *mime.Message, box *Mailbox) derived {
	return derived{ok: true, box: box, class: classify(d.opts.Rules, box.Type, msg.Subject, msg.Text, msg.From.Addr), lang: d.detectLanguage(msg, box)}
}

// derivedMail holds, while a batch commits, what its workers worked out,
// by message; a mail not in it is worked out when asked. A plain map: a
// sync.Map keeps a deleted key in its read-only half until it next
// promotes its dirty half, and the key here is the message, whose raw
// bytes and attachments stayed reachable with it (peak RSS +70 MB in a
// third of the runs over ten 25 MiB mails).
type derivedMail struct {
	mu sync.Mutex
	m  map[*mime.Message]*derived
}

func (x *derivedMail) hold(parsed []parsedMail) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil {
		x.m = make(map[*mime.Message]*derived)
	}
	for i := range parsed {
		if p := &parsed[i]; p.msg != nil && p.derived.ok {
			x.m[p.msg] = &p.derived
		}
	}
}

func (x *derivedMail) drop(parsed []parsedMail) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range parsed {
		delete(x.m, parsed[i].msg)
	}
	if len(x.m) == 0 {
		x.m = nil
	}
}

func (x *derivedMail) of(msg *mime.Message) *derived {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m[msg]
}

// classification is the rules' verdict on msg, for a ticket of box.
func (d *Desk) classification(msg *mime.Message, box *Mailbox) classification {
	if v := d.derived.of(msg); v != nil && v.box == box {
		return v.class
	}
	return classify(d.opts.Rules, box.Type, msg.Subject, msg.Text, msg.From.Addr)
}
