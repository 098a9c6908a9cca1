package desk

import (
	"fmt"
	"time"

	"github.com/madoguchi/madoguchi/templates"
)

// outOfHours fills in what the acknowledgement of a mail received at now
// says when the desk is closed then: when it will look at the mail (the
// next opening of the business hours, holidays skipped), and, for an
// urgent one, who is on call — only when someone is (Options.OnCall): a
// promise of an answer at night that nobody keeps is worse than none.
func (d *Desk) outOfHours(data *templates.Data, lang string, now time.Time) {
	cal := d.opts.SLA.Calendar
	open := cal.NextOpen(now)
	if open.IsZero() || !open.After(now) {
		return // open now, around the clock, or never again
	}
	loc := cal.Location()
	open, now = open.In(loc), now.In(loc)
	data.OpensAt = fmt.Sprintf("%d:%02d", open.Hour(), open.Minute())
	if y, m, day := now.Date(); open.Year() != y || open.Month() != m || open.Day() != day {
		data.OpensOn = templates.FormatDay(open, lang)
	}
	if data.Priority == "P1" || data.Priority == "P2" {
		data.OnCall = d.opts.OnCall
	}
}
