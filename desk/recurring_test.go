package desk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// resolvedIncident opens a ticket from a customer's mail at when and
// resolves it there; key, when set, is the FAQ entry that answered it.
func (f *fixture) resolvedIncident(when time.Time, from, subject, body, key string) string {
	f.t.Helper()
	f.now = when
	oc := f.one(mail(from, subject, body, fmt.Sprintf("Message-ID: <%d@customer.example>", f.uid.Load()+1)))
	f.update(func(tx *tickets.Tx) error {
		t, err := tx.Ticket(oc.Ticket)
		if err != nil {
			return err
		}
		if key != "" {
			if err := tx.SetAutoAnswer(t, key); err != nil {
				return err
			}
		}
		return tx.SetStatus(t, tickets.StatusResolved, "agent@example.com", "fixed")
	})
	return oc.Ticket
}

// The same incident recurring: the incidents resolved within the window
// that the same FAQ entry answered, or whose reports read alike, are one
// group, with their counts by month (in the desk's time zone), largest
// group first. One of a kind is no recurrence; a ticket merged into
// another, a service request, and an incident resolved before the window
// are not counted.
func TestRecurring_GroupsAlikeIncidentsByFAQKeyOrWordsWithCountsByMonth(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) { o.Location = tokyo })
	ctx := context.Background()
	oct := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC) // 1 November in Tokyo
	sep := time.Date(2026, 9, 10, 9, 0, 0, 0, time.UTC)
	nov := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	f.resolvedIncident(sep.AddDate(-1, 0, 0), "a@customer.example", "Badge reader rejects my card", "The badge reader at the east door rejects my card.", "")
	b1 := f.resolvedIncident(sep, "b@customer.example", "Badge reader rejects my card", "The badge reader at the east door rejects my card.", "")
	b2 := f.resolvedIncident(oct, "c@customer.example", "East door badge", "My badge does not open the east door reader.", "")
	p1 := f.resolvedIncident(oct, "e@customer.example", "Printer", "Printer shows E-02.", "printer-e02")
	p2 := f.resolvedIncident(nov, "g@customer.example", "3F printer stuck", "Nothing comes out of the 3F printer.", "printer-e02")
	f.resolvedIncident(nov, "h@customer.example", "Monitor flickers after docking", "The monitor flickers after docking.", "")
	f.resolvedIncident(nov, "i@customer.example", "Please give me access to the badge reader admin page", "Please grant access to the east door badge reader admin page.", "")
	f.now = nov
	b3 := f.one(mail("d@customer.example", "Badge reader at the east door", "The east door badge reader rejects my card again.", "Message-ID: <b3@customer.example>")).Ticket
	merged := f.one(mail("j@customer.example", "Badge reader rejects my card", "The east door badge reader rejects my card.", "Message-ID: <merged@customer.example>"))
	for _, a := range []struct {
		ref string
		act Action
	}{{merged.Ticket, Action{Actor: "admin", Commands: []string{"merge " + b3}}}, {b3, Action{Actor: "admin", Commands: []string{"resolve"}}}} {
		if _, err := f.desk.Act(ctx, a.ref, a.act); err != nil {
			t.Fatal(err)
		}
	}

	f.now = nov.AddDate(0, 0, 1)
	got, err := f.desk.Recurring(ctx, RecurringOptions{Since: 100 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("groups: %+v", got)
	}
	badge, printer := got[0], got[1]
	if fmt.Sprint(badge.Tickets) != fmt.Sprint([]string{b3, b2, b1}) || badge.Count != 3 || len(badge.FAQKeys) != 0 {
		t.Errorf("the badge group: %+v", badge)
	}
	if fmt.Sprint(badge.Months) != "[{2026-09 1} {2026-11 2}]" || !badge.First.Equal(sep) || !badge.Last.Equal(nov) {
		t.Errorf("the badge group by month: %v, %v to %v", badge.Months, badge.First, badge.Last)
	}
	if fmt.Sprint(printer.Tickets) != fmt.Sprint([]string{p2, p1}) || fmt.Sprint(printer.FAQKeys) != "[printer-e02]" ||
		fmt.Sprint(printer.Months) != "[{2026-11 2}]" {
		t.Errorf("the printer group (same FAQ entry, other words): %+v", printer)
	}

	bounded, err := f.desk.Recurring(ctx, RecurringOptions{Since: 100 * 24 * time.Hour, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(bounded) != 0 {
		t.Errorf("the newest 3 incidents hold no recurrence, got %+v", bounded)
	}
}
