//go:build faqbench

package responder

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk"
)

// The corpus bench reads the localgovfaq set from the shared directory; it
// is never copied into the repository, and builds only with the faqbench
// tag, so the normal suite has no test that skips. Run it with
//
//	go test -tags faqbench -count=1 -run TestFAQBenchReport -v -timeout 60m ./responder
//
// -args -scale=0 leaves out the 100k-entry latency run; -args -fit also
// refits the re-ranking and confidence weights; -args -tune sweeps the
// query-construction knobs on the tuning half. MADOGUCHI_FAQBENCH_DIR
// points at another copy of the corpus.
var (
	flagFit   = flag.Bool("fit", false, "refit confidence weights in TestFAQBenchReport")
	flagTune  = flag.Bool("tune", false, "sweep tuning variants in TestFAQBenchReport")
	flagScale = flag.Int("scale", 100000, "entries in the synthetic scale test (0 skips it)")
)

const benchDir = "/work/shared/bench/localgovfaq"

type faqRow struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

type queryRow struct {
	ID       string         `json:"id"`
	Text     string         `json:"text"`
	Relevant map[string]int `json:"relevant"`
}

func benchPath() string {
	if p := os.Getenv("MADOGUCHI_FAQBENCH_DIR"); p != "" {
		return p
	}
	return benchDir
}

func loadJSONL[T any](tb testing.TB, name string) []T {
	tb.Helper()
	f, err := os.Open(filepath.Join(benchPath(), name))
	if err != nil {
		tb.Fatalf("localgovfaq corpus absent (%v): the faqbench tag needs it at %s or in MADOGUCHI_FAQBENCH_DIR", err, benchPath())
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return out
}

func faqEntries(rows []faqRow, skip map[string]bool) []Entry {
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		if skip[r.ID] {
			continue
		}
		out = append(out, Entry{Key: r.ID, Question: r.Question, Answer: r.Answer, Status: StatusPublished, Language: "ja"})
	}
	return out
}

// halfOf splits the dev queries for tuning and checking. All dev ids are
// even, so "even/odd" is taken on id/2: tune = id%4==0, check = id%4==2.
func halfOf(q queryRow) string {
	n, _ := strconv.Atoi(q.ID)
	if (n/2)%2 == 0 {
		return "tune"
	}
	return "check"
}

// ranked is what one system returns for one query.
type ranked struct {
	keys    []string
	auto    bool
	latency time.Duration
	feats   features
	conf    float64
}

type metrics struct {
	n                      int
	hit1, hit3, hit10, mrr float64
	autoN, autoRight       int
	p50, p99               time.Duration
}

func evaluate(qs []queryRow, res []ranked) metrics { return evaluateGrade(qs, res, 2) }

// evaluateGrade counts a hit at relevance grade >= minGrade. A fifth of the
// dev queries have no grade-2 entry at all, so with minGrade 2 Hit@k tops
// out at 0.80.
func evaluateGrade(qs []queryRow, res []ranked, minGrade int) metrics {
	var m metrics
	var lat []time.Duration
	for i, q := range qs {
		r := res[i]
		m.n++
		lat = append(lat, r.latency)
		for rank, k := range r.keys {
			if rank >= 10 {
				break
			}
			if q.Relevant[k] >= minGrade {
				if rank == 0 {
					m.hit1++
				}
				if rank < 3 {
					m.hit3++
				}
				m.hit10++
				m.mrr += 1 / float64(rank+1)
				break
			}
		}
		if r.auto {
			m.autoN++
			if len(r.keys) > 0 && q.Relevant[r.keys[0]] == 2 {
				m.autoRight++
			}
		}
	}
	n := float64(m.n)
	m.hit1, m.hit3, m.hit10, m.mrr = m.hit1/n, m.hit3/n, m.hit10/n, m.mrr/n
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	m.p50 = lat[len(lat)/2]
	m.p99 = lat[min(len(lat)-1, int(math.Ceil(0.99*float64(len(lat))))-1)]
	return m
}

func (m metrics) row(name string) string {
	prec := "-"
	if m.autoN > 0 {
		prec = fmt.Sprintf("%.3f", float64(m.autoRight)/float64(m.autoN))
	}
	return fmt.Sprintf("| %-28s | %3d | %.3f | %.3f | %.3f | %.3f | %5s | %.3f | %6.2f | %6.2f |",
		name, m.n, m.hit1, m.hit3, m.hit10, m.mrr, prec, float64(m.autoN)/float64(m.n),
		float64(m.p50.Microseconds())/1000, float64(m.p99.Microseconds())/1000)
}

const tableHead = "| system | n | Hit@1 | Hit@3 | Hit@10 | MRR@10 | auto prec | auto cov | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|---|"

func split(qs []queryRow, res []ranked, half string) ([]queryRow, []ranked) {
	var q2 []queryRow
	var r2 []ranked
	for i, q := range qs {
		if half == "" || halfOf(q) == half {
			q2 = append(q2, q)
			r2 = append(r2, res[i])
		}
	}
	return q2, r2
}

// runResponder matches every query through the full Match path.
func runResponder(t testing.TB, x *Index, qs []queryRow) []ranked {
	out := make([]ranked, len(qs))
	ctx := context.Background()
	for i, q := range qs {
		start := time.Now()
		res, err := x.Match(ctx, "", q.Text)
		el := time.Since(start)
		if err != nil {
			t.Fatalf("match %s: %v", q.ID, err)
		}
		r := ranked{latency: el, auto: res.Decision == Auto}
		for _, c := range res.Candidates {
			r.keys = append(r.keys, c.Key)
		}
		out[i] = r
	}
	return out
}

// baseline is the plain Bleve setup the targets are measured against: the
// cjk analyzer, one match query over question and answer concatenated.
type baseline struct{ idx bleve.Index }

func newBaseline(t testing.TB, rows []faqRow) *baseline {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = "cjk"
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		t.Fatal(err)
	}
	b := idx.NewBatch()
	for _, r := range rows {
		if err := b.Index(r.ID, map[string]any{"text": r.Question + "\n" + r.Answer}); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	return &baseline{idx: idx}
}

func (b *baseline) run(t testing.TB, qs []queryRow) []ranked {
	out := make([]ranked, len(qs))
	for i, q := range qs {
		start := time.Now()
		mq := bleve.NewMatchQuery(q.Text)
		mq.SetField("text")
		res, err := b.idx.Search(bleve.NewSearchRequestOptions(mq, 10, 0, false))
		el := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		r := ranked{latency: el}
		for _, h := range res.Hits {
			r.keys = append(r.keys, h.ID)
		}
		out[i] = r
	}
	return out
}

// TestFAQBenchReport prints the figure table of the responder against the
// baseline on the localgovfaq dev queries, the false-auto rate, build time,
// on-disk size and the synthetic 100k-entry latency.
func TestFAQBenchReport(t *testing.T) {
	rows := loadJSONL[faqRow](t, "faq.jsonl")
	qs := loadJSONL[queryRow](t, "queries-dev.jsonl")
	ctx := context.Background()
	_ = ctx

	// Responder, on disk, to measure build time and size.
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.bleve")
	x, err := Open(Options{Path: path, MaxCandidates: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	entries := faqEntries(rows, nil)
	start := time.Now()
	if err := x.Rebuild(entries, "bench"); err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	size := dirSize(path)

	base := newBaseline(t, rows)
	baseRes := base.run(t, qs)
	// Warm up (dictionary load, caches) before timing.
	runResponder(t, x, qs[:20])
	respRes := runResponder(t, x, qs)

	if *flagTune {
		tuneSweep(t, x, qs)
	}
	if *flagFit {
		fitConfidence(t, x, qs)
	}

	// False auto: the same queries against an index without any of their
	// relevant entries (grade 1 or 2).
	removed := map[string]bool{}
	for _, q := range qs {
		for k := range q.Relevant {
			removed[k] = true
		}
	}
	y, err := Open(Options{MaxCandidates: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if err := y.Rebuild(faqEntries(rows, removed), "bench-removed"); err != nil {
		t.Fatal(err)
	}
	falseRes := runResponder(t, y, qs)

	var b strings.Builder
	fmt.Fprintf(&b, "\nlocalgovfaq dev: %d entries, %d queries (tune half id%%4==0, check half id%%4==2)\n", len(rows), len(qs))
	fmt.Fprintln(&b, tableHead)
	for _, half := range []string{"", "tune", "check"} {
		name := "all"
		if half != "" {
			name = half
		}
		bq, br := split(qs, baseRes, half)
		fmt.Fprintln(&b, evaluate(bq, br).row("baseline cjk q+a ("+name+")"))
		rq, rr := split(qs, respRes, half)
		fmt.Fprintln(&b, evaluate(rq, rr).row("responder ("+name+")"))
	}
	fmt.Fprintln(&b, evaluateGrade(qs, baseRes, 1).row("baseline, grade>=1 (all)"))
	fmt.Fprintln(&b, evaluateGrade(qs, respRes, 1).row("responder, grade>=1 (all)"))
	for _, half := range []string{"", "tune", "check"} {
		fq, fr := split(qs, falseRes, half)
		fm := evaluate(fq, fr)
		fmt.Fprintf(&b, "false-auto (%s): %d/%d = %.3f (index without %d relevant entries)\n",
			orAll(half), fm.autoN, fm.n, float64(fm.autoN)/float64(fm.n), len(removed))
	}
	fmt.Fprintf(&b, "thresholds: auto>=%.2f suggest>=%.2f margin>=%.2f\n",
		DefaultAutoSendConfidence, DefaultSuggestConfidence, DefaultMinMargin)
	fmt.Fprintf(&b, "build: %d entries in %v, on disk %.1f MB\n", len(entries), build.Round(time.Millisecond), float64(size)/1e6)
	t.Log(b.String())

	if *flagScale > 0 {
		scaleTest(t, rows, qs, *flagScale)
	}
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

func dirSize(path string) int64 {
	var n int64
	_ = filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// synthEntries recombines sentences of the real entries into n plausible
// FAQ entries (deterministic), keeping the real ones first.
func synthEntries(rows []faqRow, n int) []Entry {
	var qSent, aSent []string
	for _, r := range rows {
		qSent = append(qSent, sentences(r.Question)...)
		aSent = append(aSent, sentences(r.Answer)...)
	}
	en := []string{"How do I reset my password?", "The VPN client cannot connect from home.",
		"Outlook does not sync the shared calendar.", "Printer on the third floor shows an error.",
		"Please install the latest security update.", "Open the settings page and choose Account.",
		"Restart the application after the update.", "Contact the service desk if the problem persists."}
	rng := rand.New(rand.NewPCG(42, 7))
	out := faqEntries(rows, nil)
	for i := len(out); i < n; i++ {
		var q, a strings.Builder
		q.WriteString(qSent[rng.IntN(len(qSent))])
		if rng.IntN(3) == 0 {
			q.WriteString(qSent[rng.IntN(len(qSent))])
		}
		if rng.IntN(10) == 0 {
			q.WriteString(" " + en[rng.IntN(len(en))])
		}
		for range 2 + rng.IntN(5) {
			a.WriteString(aSent[rng.IntN(len(aSent))])
		}
		if rng.IntN(10) == 0 {
			a.WriteString(" " + en[rng.IntN(len(en))])
		}
		out = append(out, Entry{Key: "s" + strconv.Itoa(i), Question: q.String(), Answer: a.String(), Status: StatusPublished})
	}
	return out
}

func sentences(s string) []string {
	var out []string
	for _, p := range sentenceRe.FindAllString(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func scaleTest(t *testing.T, rows []faqRow, qs []queryRow, n int) {
	entries := synthEntries(rows, n)
	x, err := Open(Options{Path: filepath.Join(t.TempDir(), "scale.bleve")})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	start := time.Now()
	if err := x.Rebuild(entries, "scale"); err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	runResponder(t, x, qs[:20])
	res := runResponder(t, x, qs)
	m := evaluate(qs, res)
	t.Logf("\nscale: %d entries built in %v, on disk %.0f MB; %s\n%s\n%s", n, build.Round(time.Second),
		float64(dirSize(filepath.Join(filepath.Dir(x.opts.Path), "scale.bleve")))/1e6,
		"dev queries against the synthetic index:", tableHead, m.row(fmt.Sprintf("responder %dk", n/1000)))
}

// BenchmarkMatch measures one Match against the 1,786 real entries.
func BenchmarkMatch(b *testing.B) {
	rows := loadJSONL[faqRow](b, "faq.jsonl")
	qs := loadJSONL[queryRow](b, "queries-dev.jsonl")
	x, err := Open(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(faqEntries(rows, nil), "bench"); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := x.Match(ctx, "", qs[i%len(qs)].Text); err != nil {
			b.Fatal(err)
		}
	}
}
