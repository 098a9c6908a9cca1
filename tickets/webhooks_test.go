package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// recorder is an observer that queues one delivery per change, as the
// desk's does, and remembers what it heard.
type recorder struct {
	heard [][]Change
	fail  error
}

func (r *recorder) observe(tx *Tx, changes []Change) error {
	r.heard = append(r.heard, slices.Clone(changes))
	if r.fail != nil {
		return r.fail
	}
	for i, c := range changes {
		d := &WebhookDelivery{EventID: fmt.Sprintf("evt_%d_%d", len(r.heard), i), EventType: string(c.Kind), Webhook: "ops", TicketID: c.TicketID, Body: "{}"}
		if err := tx.QueueWebhook(d); err != nil {
			return err
		}
	}
	return nil
}

func deliveries(t *testing.T, s *Store, f WebhookFilter) []*WebhookDelivery {
	t.Helper()
	var out []*WebhookDelivery
	if err := s.View(context.Background(), func(tx *Tx) (err error) {
		out, err = tx.WebhookDeliveries(f)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func kinds(list []*WebhookDelivery) []string {
	var out []string
	for _, d := range list {
		out = append(out, d.EventType)
	}
	return out
}

func TestObserve_HearsEachChangeOnceBeforeTheCommitWhateverMadeIt(t *testing.T) {
	s := openTest(t)
	r := &recorder{}
	s.Observe(r.observe)
	ctx := context.Background()
	var tk *Ticket
	err := s.Update(ctx, func(tx *Tx) error {
		tk = create(t, tx, NewTicket{Type: Incident, Subject: "VPN down", Requester: "a@example.com"})
		if err := tx.SetStatus(tk, StatusEscalated, "system", "to agents"); err != nil {
			return err
		}
		// Reaching the first tier is the escalation already told.
		if err := tx.SetTier(tk, 0, "system", "first"); err != nil {
			return err
		}
		return tx.SetTier(tk, 1, "system", "on to L2")
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.heard) != 1 || !slices.Equal(changeKinds(r.heard[0]), []ChangeKind{ChangeCreated, ChangeEscalated}) {
		t.Fatalf("observer heard %v, want one call with created, escalated", r.heard)
	}
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.MarkBreached(tk, TargetRespond); err != nil {
			return err
		}
		if err := tx.MarkBreached(tk, TargetRespond); err != nil { // once is the rule
			return err
		}
		if err := tx.MarkBreached(tk, TargetResolve); err != nil {
			return err
		}
		if err := tx.SetStatus(tk, StatusResolved, "agent@example.com", "fixed"); err != nil {
			return err
		}
		return tx.SetStatus(tk, StatusClosed, "system", "quiet")
	})
	if err != nil {
		t.Fatal(err)
	}
	got := r.heard[1]
	if !slices.Equal(changeKinds(got), []ChangeKind{ChangeBreached, ChangeBreached, ChangeResolved, ChangeClosed}) ||
		got[0].Target != TargetRespond || got[1].Target != TargetResolve || !got[1].DueAt.Equal(tk.ResolveDueAt) {
		t.Errorf("second transaction: observer heard %+v", got)
	}
	// A transaction with no change others hear of (a read, a note) calls nobody.
	if err := s.Update(ctx, func(tx *Tx) error { return tx.Event(tk.ID, "", "note", "x", nil) }); err != nil {
		t.Fatal(err)
	}
	if len(r.heard) != 2 {
		t.Errorf("observer called for a transaction without changes: %v", r.heard[2:])
	}
	if got := kinds(deliveries(t, s, WebhookFilter{})); !slices.Equal(got, []string{"ticket.created", "ticket.escalated", "ticket.breached", "ticket.breached", "ticket.resolved", "ticket.closed"}) {
		t.Errorf("deliveries %v", got)
	}
}

func TestObserve_ARefusedEventRollsTheChangeBack(t *testing.T) {
	s := openTest(t)
	boom := errors.New("boom")
	s.Observe((&recorder{fail: boom}).observe)
	err := s.Update(context.Background(), func(tx *Tx) error {
		create(t, tx, NewTicket{Type: Incident, Subject: "x", Requester: "a@example.com"})
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the observer's error", err)
	}
	var list []*Ticket
	s.View(context.Background(), func(tx *Tx) (err error) { list, err = tx.Tickets("", 0); return err })
	if len(list) != 0 {
		t.Errorf("%d tickets committed though their event was refused", len(list))
	}
}

func TestObserve_ChangesOfAFailedTryAreForgottenWithIt(t *testing.T) {
	s := openTest(t)
	r := &recorder{}
	s.Observe(r.observe)
	err := s.Update(context.Background(), func(tx *Tx) error {
		_ = tx.Try(func() error {
			create(t, tx, NewTicket{Type: Incident, Subject: "undone", Requester: "a@example.com"})
			return errors.New("this message's handling failed")
		})
		return tx.Try(func() error {
			create(t, tx, NewTicket{Type: Incident, Subject: "kept", Requester: "b@example.com"})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	list := deliveries(t, s, WebhookFilter{})
	if len(list) != 1 || list[0].TicketRef == "" {
		t.Fatalf("deliveries %+v, want the kept ticket's creation only", list)
	}
	var kept *Ticket
	s.View(context.Background(), func(tx *Tx) (err error) { kept, err = tx.Ticket(list[0].TicketRef); return err })
	if kept == nil || kept.Subject != "kept" {
		t.Errorf("the event names %s, want the kept ticket", list[0].TicketRef)
	}
}

func changeKinds(cs []Change) []ChangeKind {
	var out []ChangeKind
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

func queueWebhooks(t *testing.T, s *Store, n int) []int64 {
	t.Helper()
	var ids []int64
	err := s.Update(context.Background(), func(tx *Tx) error {
		for i := range n {
			d := &WebhookDelivery{EventID: fmt.Sprintf("evt_%d", i), EventType: "ticket.created", Webhook: "ops", Body: `{"n":1}`}
			if err := tx.QueueWebhook(d); err != nil {
				return err
			}
			ids = append(ids, d.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestWebhookDeliveries_ClaimRecordGiveUpAndRequeue(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ids := queueWebhooks(t, s, 3)
	select {
	case <-s.WebhookWake():
	default:
		t.Error("queueing deliveries did not wake the webhook sender")
	}
	got, err := s.ClaimWebhooks(ctx, "a", t0, t0.Add(time.Minute), 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %d rows, %v", len(got), err)
	}
	// Claimed rows are nobody else's until the claim expires.
	if again, _ := s.ClaimWebhooks(ctx, "b", t0, t0.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("second claimer got %d claimed rows", len(again))
	}
	if err := s.RecordWebhookAttempt(ctx, ids[0], Attempt{Owner: "a", Status: OutSent, Counted: true, At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordWebhookAttempt(ctx, ids[0], Attempt{Owner: "a", Status: OutSent, Counted: true, At: t0}); !errors.Is(err, ErrNotPending) {
		t.Errorf("recording a sent row again = %v, want ErrNotPending", err)
	}
	next := t0.Add(30 * time.Second)
	if err := s.RecordWebhookAttempt(ctx, ids[1], Attempt{Owner: "a", Status: OutPending, At: t0, Next: next, Error: "cannot reach"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordWebhookAttempt(ctx, ids[2], Attempt{Owner: "a", Status: OutFailed, Counted: true, Unknown: true, At: t0, Error: "no answer"}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.NextWebhookDue(ctx); !due.Equal(next) {
		t.Errorf("next due %v, want %v", due, next)
	}
	byStatus := func(st OutStatus) []*WebhookDelivery { return deliveries(t, s, WebhookFilter{Status: st}) }
	if l := byStatus(OutPending); len(l) != 1 || l[0].Deferrals != 1 || l[0].Attempts != 0 || l[0].ClaimedBy != "" {
		t.Errorf("pending: %+v", l)
	}
	if l := byStatus(OutUnknown); len(l) != 1 || l[0].ID != ids[2] {
		t.Errorf("unknown: %+v", l)
	}
	if l := byStatus(OutSent); len(l) != 1 || !l[0].SentAt.Equal(t0) {
		t.Errorf("sent: %+v", l)
	}
	// --failed leaves the unknown one alone; by id it is re-queued, same event.
	err = s.Update(ctx, func(tx *Tx) error {
		list, err := tx.RequeueFailedWebhooks("admin")
		if err != nil || len(list) != 0 {
			return fmt.Errorf("requeue failed: %v, %v", list, err)
		}
		if _, err := tx.RequeueWebhook(ids[0], "admin"); !errors.Is(err, ErrInvalidTransition) {
			return fmt.Errorf("requeue of a sent delivery = %v", err)
		}
		d, err := tx.RequeueWebhook(ids[2], "admin")
		if err != nil {
			return err
		}
		if d.Status != OutPending || d.EventID != "evt_2" || d.Attempts != 0 || !d.OutcomeUnknown {
			return fmt.Errorf("re-queued: %+v", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWebhookDeliveries_ADeadSendersClaimsCanBeReleased(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	queueWebhooks(t, s, 2)
	if _, err := s.ClaimWebhooks(ctx, "dead", t0, t0.Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	holders, err := s.WebhookClaimHolders(ctx, t0)
	if err != nil || !slices.Equal(holders, []string{"dead"}) {
		t.Fatalf("holders %v, %v", holders, err)
	}
	if n, err := s.ReleaseWebhookClaims(ctx, "dead"); err != nil || n != 2 {
		t.Fatalf("released %d, %v", n, err)
	}
	if got, _ := s.ClaimWebhooks(ctx, "alive", t0, t0.Add(time.Minute), 10); len(got) != 2 {
		t.Errorf("after the release, %d rows claimable", len(got))
	}
}
