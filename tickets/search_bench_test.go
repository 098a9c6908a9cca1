package tickets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchPending: the console's search while an intake backlog's
// rows wait for the index (IndexSearchLater): 10,000 tickets with an entry
// of ~3 KB each, all noted, against the same rows indexed.
func BenchmarkSearchPending(b *testing.B) {
	// The store's tests run twice (TestMain), the second time on
	// PostgreSQL; this measures SQLite's FTS5 once.
	sqliteOnly(b)
	for _, indexed := range []bool{false, true} {
		b.Run(fmt.Sprintf("indexed=%v", indexed), func(b *testing.B) {
			defer func(n int) { searchDrainRows = n }(searchDrainRows)
			searchDrainRows = 1 << 30
			s, err := Open(b.TempDir()+"/s.db", &Options{Now: func() time.Time { return t0 }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			r := rand.New(rand.NewPCG(1, 2))
			words := strings.Fields("printer toner VPN password reset Outlook calendar share drive floor laptop docking station monitor flicker badge door Wi-Fi guest network license Teams meeting audio headset")
			for batch := 0; batch < 100; batch++ {
				err := s.Update(context.Background(), func(tx *Tx) error {
					tx.IndexSearchLater()
					for i := 0; i < 100; i++ {
						var sb strings.Builder
						for sb.Len() < 3000 {
							sb.WriteString(words[r.IntN(len(words))])
							sb.WriteByte(' ')
						}
						tk, err := tx.CreateTicket(NewTicket{Type: Incident, Subject: words[r.IntN(len(words))] + " issue " + fmt.Sprint(batch*100+i), Requester: "ann@example.com"})
						if err != nil {
							return err
						}
						if err := tx.AddEntry(tk, &Entry{Kind: KindCustomer, Direction: "in", Text: sb.String()}, ""); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if indexed {
				if err := s.IndexSearch(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				err := s.View(context.Background(), func(tx *Tx) error {
					_, err := tx.Queue(QueueFilter{Search: "docking station", Tier: -1, Limit: 50})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
