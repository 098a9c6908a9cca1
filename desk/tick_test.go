package desk

import (
	"fmt"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/tickets"
)

// autoAnsweredBacklog writes n tickets answered automatically now whose
// answers are still queued (the relay down), and returns them.
func (f *fixture) autoAnsweredBacklog(n int) (list []*tickets.Ticket, answers []*tickets.Outgoing) {
	f.t.Helper()
	f.update(func(tx *tickets.Tx) error {
		for i := range n {
			tk, err := tx.CreateTicket(tickets.NewTicket{Type: tickets.Incident, Subject: fmt.Sprintf("VPN %d", i),
				Requester: fmt.Sprintf("user%d@customer.example", i), SLA: &f.desk.opts.SLA})
			if err != nil {
				return err
			}
			if err := tx.SetStatus(tk, tickets.StatusAutoAnswered, "system", "FAQ vpn-setup"); err != nil {
				return err
			}
			if err := tx.SetAutoAnswer(tk, "vpn-setup"); err != nil {
				return err
			}
			o := &tickets.Outgoing{TicketID: tk.ID, Kind: mailAutoAnswer, To: tk.Requester, Subject: "[" + tk.Ref + "] VPN",
				Text: "Install the client.", MessageID: fmt.Sprintf("aa%d@example.com", i)}
			if err := tx.QueueMail(o); err != nil {
				return err
			}
			list, answers = append(list, tk), append(answers, o)
		}
		return nil
	})
	return list, answers
}

// Tick looks at the automatic answers with one query, bounded; an answer
// still queued (the relay down for days) is not the customer's silence,
// and a backlog of them larger than the bound never keeps a delivered
// answer from its quiet resolution.
func TestTick_QueuedAutomaticAnswersNeverHoldTheOthersBack(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ConfirmAfter = 48 * time.Hour })
	list, answers := f.autoAnsweredBacklog(500 + 1 + 1)
	last := len(list) - 1
	f.delivered(answers[last])
	r := f.tickAfter(49 * time.Hour)
	if s := f.ticket(list[last].Ref).Status; s != tickets.StatusResolved || r.Confirmed != 1 {
		t.Fatalf("the delivered answer's ticket behind %d queued ones: %s, tick %+v", 501, s, r)
	}
	for _, tk := range list[:last] {
		if s := f.ticket(tk.Ref).Status; s != tickets.StatusAutoAnswered {
			t.Fatalf("%s, whose answer is still queued: %s", tk.Ref, s)
		}
	}
}
