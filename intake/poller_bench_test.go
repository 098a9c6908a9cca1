package intake

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/madoguchi/madoguchi/internal/mailserver"
)

// BenchmarkRawFetch measures the raw fetch limit: a plain go-imap client
// pulling 2,000 messages of ~5 KB from the in-process server with UID FETCH
// BODY.PEEK[] of 200 UIDs each. The end-to-end ingest benchmark is compared
// against it (mailserver.RawFetch, the same code, in the same run).
func BenchmarkRawFetch(b *testing.B) {
	const (
		messages = 2000
		batch    = 200
	)
	s, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: pollUser, Password: pollPass})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	fillBench(b, s, messages)

	var total int
	var size int64
	for b.Loop() {
		n, bytes, err := mailserver.RawFetch(s.Addr, pollUser, pollPass, "INBOX", batch)
		if err != nil {
			b.Fatal(err)
		}
		if n != messages {
			b.Fatalf("fetched %d messages; want %d", n, messages)
		}
		total += n
		size += bytes
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(total)/sec, "msgs/s")
	b.ReportMetric(float64(size)/sec/1e6, "MB/s")
}

// BenchmarkPollerRunOnce is the poller's own throughput over the same mail
// (fetch, a sink that keeps nothing, \Seen after each batch), to compare with
// BenchmarkRawFetch.
func BenchmarkPollerRunOnce(b *testing.B) {
	const messages = 2000
	s, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: pollUser, Password: pollPass})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	fillBench(b, s, messages)
	p, err := NewPoller(PollerOptions{Address: s.Addr, Security: "insecure", Username: pollUser, Password: pollPass, BatchSize: 200}, discardSink{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var total int
	for b.Loop() {
		b.StopTimer()
		if err := s.ResetMailbox("INBOX", true); err != nil { // unseen again
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := p.RunOnce(b.Context())
		if err != nil || n != messages {
			b.Fatalf("RunOnce = %d, %v; want %d", n, err, messages)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
}

type discardSink struct{}

func (discardSink) LastUID(context.Context, string, uint32) (uint32, error) { return 0, nil }

func (discardSink) Known(context.Context, string, uint32, []uint32) (map[uint32]bool, error) {
	return nil, nil
}
func (discardSink) Store(context.Context, []Fetched) error { return nil }

// fillBench appends n messages of ~5 KB, the size of typical support mail.
func fillBench(b *testing.B, s *mailserver.IMAPServer, n int) {
	b.Helper()
	line := "The printer on the third floor shows error E-42 again.\r\n"
	body := strings.Repeat(line, 5000/len(line))
	for i := range n {
		raw := fmt.Sprintf("From: user%d@example.com\r\nTo: support@example.com\r\nSubject: bench %d\r\nMessage-ID: <bench%d@example.com>\r\n\r\n%s", i, i, i, body)
		if _, err := s.Append("INBOX", []byte(raw)); err != nil {
			b.Fatal(err)
		}
	}
}
