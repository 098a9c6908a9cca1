package desk

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// BenchmarkTick_TenThousandStaleTickets is one tick (nothing due) on a
// desk with 10,000 tickets whose timers have all fired: breached and
// unanswered on the last tier. The tick must not grow with them.
//
//	go test ./desk -run '^$' -bench Tick_TenThousandStale -benchtime 200x
func BenchmarkTick_TenThousandStaleTickets(b *testing.B) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	opts := Options{SupportAddress: "support@example.com"}
	withTiers(&opts)
	opts.SLA = SLAPolicy(opts.SLA, opts.Tiers)
	store, err := tickets.Open(filepath.Join(b.TempDir(), "bench.db"), &tickets.Options{Now: func() time.Time { return now }, SLA: &opts.SLA})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	tmpl, err := templates.New("")
	if err != nil {
		b.Fatal(err)
	}
	d, err := New(opts, Deps{Store: store, Templates: tmpl})
	if err != nil {
		b.Fatal(err)
	}
	err = store.Update(context.Background(), func(tx *tickets.Tx) error { return writeStaleBacklog(tx, 10000, &opts.SLA) })
	if err != nil {
		b.Fatal(err)
	}
	now = now.Add(72 * time.Hour)
	if _, err := d.Tick(context.Background()); err != nil { // the first tick syncs the timer policy
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		now = now.Add(time.Minute)
		res, err := d.Tick(context.Background())
		if err != nil || res.Reminded+res.Breached+res.Escalated != 0 {
			b.Fatalf("tick: %+v, %v", res, err)
		}
	}
}
