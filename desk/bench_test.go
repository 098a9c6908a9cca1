package desk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/madoguchi/madoguchi/intake"
	"github.com/madoguchi/madoguchi/internal/mailserver"
	"github.com/madoguchi/madoguchi/responder"
	"github.com/madoguchi/madoguchi/templates"
	"github.com/madoguchi/madoguchi/tickets"
)

// The ingest benchmarks run the real path end to end: the in-process go-imap
// server, the poller, parsing, the desk and a durable (fsync'd) SQLite file;
// beside them, a plain go-imap fetch of the same messages is the limit.
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./desk
//
// MADOGUCHI_BENCH_N sets the number of messages (default 2000; 10000 for
// the memory check).

func BenchmarkIngest(b *testing.B) {
	// Measure as the gateway runs (responder.GCPercent) unless GOGC says else.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(responder.GCPercent))
	}
	b.Run("plain", func(b *testing.B) { benchIngest(b, false) })
	b.Run("faq", func(b *testing.B) { benchIngest(b, true) })
}

func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("MADOGUCHI_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 2000
}

func benchIngest(b *testing.B, withFAQ bool) {
	n := benchN()
	mails := benchMails(b, n)
	var bytes int64
	for _, m := range mails {
		bytes += int64(len(m))
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, err := mailserver.StartIMAP(mailserver.IMAPOptions{Username: "u", Password: "p"})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range mails {
			if _, err := srv.Append("INBOX", m); err != nil {
				b.Fatal(err)
			}
		}
		rawStart := time.Now()
		rn, _, err := mailserver.RawFetch(srv.Addr, "u", "p", "INBOX", 200)
		if err != nil || rn != n {
			b.Fatalf("raw fetch %d of %d: %v", rn, n, err)
		}
		rawRate := float64(n) / time.Since(rawStart).Seconds()

		store, err := tickets.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		tmpl, _ := templates.New("")
		var index *responder.Index
		if withFAQ {
			if index, err = benchIndex(b); err != nil {
				b.Fatal(err)
			}
		}
		d, err := New(Options{SupportAddress: "support@example.com", Rules: DefaultRules()}, Deps{Store: store, Templates: tmpl, Index: index})
		if err != nil {
			b.Fatal(err)
		}
		sink := &heapSink{Desk: d}
		p, err := intake.NewPoller(intake.PollerOptions{Address: srv.Addr, Security: "insecure", Username: "u", Password: "p", BatchSize: 200}, sink, nil)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		b.StartTimer()
		got, err := p.RunOnce(context.Background())
		b.StopTimer()
		elapsed := time.Since(start)
		if err != nil || got != n {
			b.Fatalf("ingested %d of %d: %v", got, n, err)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(rawRate, "raw-msgs/s")
		b.ReportMetric(rate/rawRate, "ratio-to-raw")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "alloc-B/msg")
		b.ReportMetric(float64(bytes)/float64(n), "B/msg-size")
		first, last := sink.quarters()
		b.ReportMetric(first/(1<<20), "heap-MiB-first-quarter")
		b.ReportMetric(last/(1<<20), "heap-MiB-last-quarter")
		var recs int
		store.View(context.Background(), func(tx *tickets.Tx) error {
			l, err := tx.InboundList(0)
			recs = len(l)
			return err
		})
		if recs != n {
			b.Fatalf("%d dispositions for %d messages", recs, n)
		}
		if index != nil {
			index.Close()
		}
		store.Close()
		srv.Close()
	}
}

// heapSink samples the live heap after every batch, to show memory stays
// flat however many messages go through.
type heapSink struct {
	*Desk
	samples []float64
}

func (h *heapSink) Store(ctx context.Context, batch []intake.Fetched) error {
	err := h.Desk.Store(ctx, batch)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.samples = append(h.samples, float64(m.HeapInuse))
	return err
}

func (h *heapSink) quarters() (first, last float64) {
	q := max(len(h.samples)/4, 1)
	avg := func(s []float64) float64 {
		var t float64
		for _, v := range s {
			t += v
		}
		return t / float64(max(len(s), 1))
	}
	return avg(h.samples[:q]), avg(h.samples[len(h.samples)-q:])
}

var messageIDLine = regexp.MustCompile(`(?im)^message-id:`)

// benchMails mixes real-world mail (the parser's testdata, enmime's corpus
// files among them) with synthetic customer mail of about 5 KB from many
// senders, English and Japanese, each made unique by its Message-ID.
func benchMails(b *testing.B, n int) [][]byte {
	var real [][]byte
	for _, pattern := range []string{"../intake/mime/testdata/*.eml", "../intake/mime/testdata/auto/*", "../intake/mime/testdata/enmime/*.eml"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err == nil {
				real = append(real, raw)
			}
		}
	}
	if len(real) == 0 {
		b.Fatal("no testdata mail found in ../intake/mime/testdata")
	}
	para := strings.Repeat("The shared drive on floor 3 disconnects every few minutes and Outlook asks for the password again. ", 12)
	paraJA := strings.Repeat("共有フォルダーに数分ごとに接続できなくなり、Outlookでパスワードを何度も求められます。", 20)
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("Message-ID: <bench-%d@bench.example>\r\n", i)
		if i%2 == 0 {
			raw := real[(i/2)%len(real)]
			head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
			if !strings.Contains(head, "\r\n") {
				head, body, _ = strings.Cut(string(raw), "\n\n")
				body = "\n" + body
			}
			head = messageIDLine.ReplaceAllString(head, "X-Original-Message-ID:")
			out = append(out, []byte(id+head+"\r\n\r\n"+body))
			continue
		}
		body, subject := para, "Shared drive keeps disconnecting"
		if i%4 == 1 {
			body, subject = paraJA, "=?UTF-8?B?5YWx5pyJ44OV44Kp44Or44OA44O844Gr5o6l57aa44Gn44GN44G+44Gb44KT?="
		}
		out = append(out, []byte(fmt.Sprintf("%sFrom: user%d@customer%d.example\r\nTo: support@example.com\r\nSubject: %s\r\n"+
			"Date: Wed, 25 Nov 2026 09:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"+
			"Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", id, i, i%97, subject, body)))
	}
	return out
}

// benchIndex is the FAQ index the matching benchmark runs against: the
// localgovfaq entries when ../shared has them, else the sample entries.
func benchIndex(b *testing.B) (*responder.Index, error) {
	// On disk, as in production.
	x, err := responder.Open(responder.Options{Path: filepath.Join(b.TempDir(), "faq.bleve")})
	if err != nil {
		return nil, err
	}
	var entries []responder.Entry
	if f, err := os.Open("../../shared/bench/localgovfaq/faq.jsonl"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var row struct{ ID, Question, Answer string }
			if json.Unmarshal(sc.Bytes(), &row) == nil {
				entries = append(entries, responder.Entry{Key: row.ID, Question: row.Question, Answer: row.Answer, Language: "ja", Status: responder.StatusPublished})
			}
		}
	} else {
		b.Logf("localgovfaq absent (%v): matching against the sample entries", err)
		for _, s := range sampleFAQ {
			entries = append(entries, indexEntry(&s))
		}
	}
	b.Logf("FAQ index: %d entries", len(entries))
	return x, x.Rebuild(entries, "bench")
}
