package desk

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/tickets"
)

// heard is an Observer that writes down what it hears.
type heard struct {
	mu      sync.Mutex
	events  []string
	matches []time.Duration
}

func (h *heard) add(s string) { h.mu.Lock(); h.events = append(h.events, s); h.mu.Unlock() }

func (h *heard) MailReceived(mailbox, disposition string) {
	h.add("mail " + mailbox + " " + disposition)
}
func (h *heard) TicketOpened(typ, priority string) { h.add("opened " + typ + " " + priority) }
func (h *heard) AutoAnswer(outcome string)         { h.add("auto " + outcome) }
func (h *heard) SLATimer(kind, target, priority string) {
	h.add("sla " + kind + " " + target + " " + priority)
}
func (h *heard) Matched(took time.Duration) {
	h.mu.Lock()
	h.matches = append(h.matches, took)
	h.mu.Unlock()
}

// take returns what was heard since the last take, sorted.
func (h *heard) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Sorted(slices.Values(h.events))
	h.events = nil
	return out
}

func listen(f *fixture) *heard {
	h := &heard{}
	f.desk.obs = h
	return h
}

// Every mail is heard with its disposition, and every ticket it opened
// with its type and priority, whichever way it was opened: the figures
// agree with the tickets the store holds.
func TestObserver_HearsEveryMailAndEveryTicketOpened(t *testing.T) {
	f := newFixture(t, nil)
	h := listen(f)
	f.deliver(
		mail("alice@customer.example", "Printer jam", "The printer on 3F jams.", "Message-ID: <o1@c>"),
		mail("alice@customer.example", "Printer jam", "The printer on 3F jams.", "Message-ID: <o1@c>"),
		mail("bob@customer.example", "URGENT: everything is down, we cannot work", "Nobody can log in.", "Message-ID: <o2@c>"),
		mail("monitor@customer.example", "disk /var 95% on db1", "alert", "Message-ID: <o3@c>", "Auto-Submitted: auto-generated"),
		mail("carol@customer.example", "Out of office", "I am away.", "Message-ID: <o4@c>", "Auto-Submitted: auto-replied"),
		mail("dave@customer.example", "I need a new laptop", "Please order a new laptop for me.", "Message-ID: <o5@c>"),
	)
	var list []*tickets.Ticket
	f.update(func(tx *tickets.Tx) (err error) { list, err = tx.Tickets("", 0); return err })
	var want []string
	for _, tk := range list {
		want = append(want, "opened "+tk.Type+" "+tk.Priority)
	}
	want = append(want, "mail default new_ticket", "mail default duplicate", "mail default new_ticket", "mail default automatic",
		"mail default automatic", "mail default new_ticket")
	slices.Sort(want)
	if got := h.take(); !slices.Equal(got, want) {
		t.Errorf("heard\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(list) != 4 {
		t.Errorf("%d tickets, want 4 (three mails and the alert)", len(list))
	}
}

// injectFault makes the store fail (another connection's trigger,
// "BEFORE INSERT ON inbound WHEN NEW.uid = 2") until heal is called.
func injectFault(t *testing.T, f *fixture, when string) (heal func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TRIGGER inject_fault ` + when + ` BEGIN SELECT RAISE(ABORT, 'injected fault'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := db.Exec(`DROP TRIGGER inject_fault`); err != nil {
			t.Fatal(err)
		}
	}
}

// A batch that does not commit is not heard of: it comes again, and is
// heard of then, once.
func TestObserver_HearsNothingOfABatchThatDidNotCommit(t *testing.T) {
	f := newFixture(t, nil)
	h := listen(f)
	heal := injectFault(t, f, "BEFORE INSERT ON inbound WHEN NEW.uid = 2")
	batch := []intake.Fetched{
		{Mailbox: "INBOX", UIDValidity: 1, UID: 1, Raw: []byte(mail("a@customer.example", "one", "x", "Message-ID: <x1@c>"))},
		{Mailbox: "INBOX", UIDValidity: 1, UID: 2, Raw: []byte(mail("b@customer.example", "two", "y", "Message-ID: <x2@c>"))},
	}
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err == nil {
		t.Fatal("the injected fault did not fail the batch")
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("heard of a batch that rolled back: %v", got)
	}
	heal()
	if _, err := f.desk.ReceiveBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 4 || strings.Count(strings.Join(got, ","), "new_ticket") != 2 {
		t.Errorf("after the retry heard %v, want two new tickets, each once", got)
	}
}

// The outcomes of automatic answers: sent, then confirmed, not helpful,
// unclear, resolved quietly, or undelivered; and each mail's match is
// timed.
func TestObserver_HearsTheOutcomesOfAutomaticAnswers(t *testing.T) {
	f := newFAQFixture(t, func(o *Options) { withTiers(o); o.ConfirmAfter = 48 * time.Hour })
	h := listen(f)
	autos := func() []string {
		var out []string
		for _, e := range h.take() {
			if s, ok := strings.CutPrefix(e, "auto "); ok {
				out = append(out, s)
			}
		}
		return out
	}
	ans := f.autoAnswered("ja", "a1")
	if got := autos(); !slices.Equal(got, []string{AutoAnswerSent}) {
		t.Fatalf("an answer mailed: heard %v", got)
	}
	if len(h.matches) != 1 || h.matches[0] <= 0 {
		t.Errorf("matches timed: %v, want one", h.matches)
	}
	f.replyTo(ans, "解決しました。ありがとうございました。", "a2")
	ans = f.autoAnswered("en", "b1")
	f.replyTo(ans, "Thanks, but it is still broken: the client says certificate error.", "b2")
	ans = f.autoAnswered("en", "c1")
	f.replyTo(ans, "Can you also set up my phone?", "c2")
	// take sorts: a confirmation, then two more answers sent, one not
	// helpful, one answered with another question.
	if got := autos(); !slices.Equal(got, []string{AutoAnswerConfirmed, AutoAnswerNotHelpful, AutoAnswerSent, AutoAnswerSent, AutoAnswerUnclear}) {
		t.Errorf("heard %v", got)
	}
	quiet := f.autoAnswered("en", "d1")
	f.delivered(quiet)
	lost := f.autoAnswered("ja", "e1")
	if err := f.store.MarkFailed(context.Background(), lost.ID, 1, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	autos()
	f.tickAfter(49 * time.Hour)
	got := autos()
	slices.Sort(got)
	if !slices.Equal(got, []string{AutoAnswerQuiet, AutoAnswerUndelivered}) {
		t.Errorf("after confirm_after: heard %v, want one resolved quietly and one undelivered", got)
	}
}

// SLA reminders and breaches are heard with their target and the
// ticket's priority, each once.
func TestObserver_HearsEachSLAReminderAndBreach(t *testing.T) {
	f := newAgentFixture(t, nil)
	h := listen(f)
	tk, _ := f.escalated("The scanner does not send mail.")
	h.take()
	tgt := f.desk.opts.SLA.Target(tk.Priority)
	// Ticks a fifth of the respond target apart, past the resolve
	// target: each reminder comes before its breach.
	var all []string
	for step, past := tgt.Respond/5, time.Duration(0); past <= tgt.Resolve+tgt.Respond; past += step {
		f.tickAfter(step)
		all = append(all, h.take()...)
	}
	var sla []string
	for _, e := range all {
		if strings.HasPrefix(e, "sla ") {
			sla = append(sla, e)
		}
	}
	slices.Sort(sla)
	p := tk.Priority
	want := []string{
		fmt.Sprintf("sla breach resolve %s", p), fmt.Sprintf("sla breach respond %s", p),
		fmt.Sprintf("sla reminder resolve %s", p), fmt.Sprintf("sla reminder respond %s", p),
	}
	if !slices.Equal(sla, want) {
		t.Errorf("heard %v, want %v", sla, want)
	}
}
