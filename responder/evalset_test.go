package responder

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// An evaluation set is a directory in the localgovfaq layout: faq.jsonl
// with {"id", "question", "answer"} per line and one or more
// queries-*.jsonl with {"id", "text", "relevant": {entry id: grade}},
// grade 2 = answers it, 1 = related. The English IT set in
// testdata/itfaq-en is the project's own development data (tuned on); the
// Japanese localgovfaq set is read from ../shared by the faqbench-tagged
// report only, and its check half is the held-out one.

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

// answerable says whether some entry answers q (grade 2). The issue's
// baseline figures (Hit@1 0.28, Hit@10 0.59, MRR@10 0.38 for plain cjk on
// the localgovfaq dev queries) are over these queries only: a fifth of the
// dev queries have no grade-2 entry and would cap Hit@k at 0.80.
func (q queryRow) answerable() bool {
	for _, g := range q.Relevant {
		if g == 2 {
			return true
		}
	}
	return false
}

func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// faqEntries makes published entries of rows, leaving out the keys in skip;
// the language is detected as the store would.
func faqEntries(rows []faqRow, skip map[string]bool) []Entry {
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		if skip[r.ID] {
			continue
		}
		out = append(out, Entry{Key: r.ID, Question: r.Question, Answer: r.Answer, Status: StatusPublished})
	}
	return out
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

// evaluateGrade counts a hit at relevance grade >= minGrade; an automatic
// answer is right only when it is a grade-2 entry.
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
	if m.n == 0 {
		return m
	}
	n := float64(m.n)
	m.hit1, m.hit3, m.hit10, m.mrr = m.hit1/n, m.hit3/n, m.hit10/n, m.mrr/n
	m.p50, m.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	return m
}

// percentile is the nearest-rank percentile of d (sorted in place).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, max(0, int(math.Ceil(p*float64(len(d))))-1))]
}

func (m metrics) autoPrecision() float64 {
	if m.autoN == 0 {
		return math.NaN()
	}
	return float64(m.autoRight) / float64(m.autoN)
}

func (m metrics) row(name string) string {
	prec := "-"
	if m.autoN > 0 {
		prec = fmt.Sprintf("%.3f", m.autoPrecision())
	}
	return fmt.Sprintf("| %-34s | %3d | %.3f | %.3f | %.3f | %.3f | %5s | %.3f | %6.2f | %6.2f |",
		name, m.n, m.hit1, m.hit3, m.hit10, m.mrr, prec, float64(m.autoN)/float64(max(m.n, 1)),
		float64(m.p50.Microseconds())/1000, float64(m.p99.Microseconds())/1000)
}

const tableHead = "| system | n | Hit@1 | Hit@3 | Hit@10 | MRR@10 | auto prec | auto cov | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|---|---|---|"

// filter keeps the queries (and their results) for which keep says yes.
func filter(qs []queryRow, res []ranked, keep func(queryRow) bool) ([]queryRow, []ranked) {
	var q2 []queryRow
	var r2 []ranked
	for i, q := range qs {
		if keep(q) {
			q2 = append(q2, q)
			r2 = append(r2, res[i])
		}
	}
	return q2, r2
}

// runResponder matches every query through the full Match path.
func runResponder(tb testing.TB, x *Index, qs []queryRow) []ranked {
	out := make([]ranked, len(qs))
	ctx := context.Background()
	for i, q := range qs {
		start := time.Now()
		res, err := x.Match(ctx, "", q.Text)
		el := time.Since(start)
		if err != nil {
			tb.Fatalf("match %s: %v", q.ID, err)
		}
		r := ranked{latency: el, auto: res.Decision == Auto}
		for _, c := range res.Candidates {
			r.keys = append(r.keys, c.Key)
		}
		if len(res.Candidates) > 0 {
			r.conf = res.Candidates[0].Confidence
		}
		out[i] = r
	}
	return out
}

// englishSetDir is the project's own English evaluation set.
var englishSetDir = filepath.Join("testdata", "itfaq-en")

// loadSet reads an evaluation set's entries and one of its query files.
func loadSet(tb testing.TB, dir, queries string) ([]faqRow, []queryRow) {
	tb.Helper()
	rows, err := readJSONL[faqRow](filepath.Join(dir, "faq.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	qs, err := readJSONL[queryRow](filepath.Join(dir, queries))
	if err != nil {
		tb.Fatal(err)
	}
	return rows, qs
}

// removable is an in-memory index of a set's entries from which the
// entries a query relates to can be taken out and put back.
type removable struct {
	*Index
	byKey map[string]Entry
}

func newRemovable(tb testing.TB, rows []faqRow) *removable {
	tb.Helper()
	x, err := Open(Options{MaxCandidates: 10})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = x.Close() })
	entries := faqEntries(rows, nil)
	r := &removable{Index: x, byKey: make(map[string]Entry, len(entries))}
	for _, e := range entries {
		r.byKey[e.Key] = e
	}
	if err := x.Rebuild(entries, "removable"); err != nil {
		tb.Fatal(err)
	}
	return r
}

// without runs fn with q's grade-1/2 entries out of the index, then puts
// them back: whatever comes first meanwhile is wrong.
func (r *removable) without(tb testing.TB, q queryRow, fn func()) {
	tb.Helper()
	for k := range q.Relevant {
		if err := r.Delete(k, "removable"); err != nil {
			tb.Fatal(err)
		}
	}
	fn()
	for k := range q.Relevant {
		if e, ok := r.byKey[k]; ok {
			if err := r.Upsert(e, "removable"); err != nil {
				tb.Fatal(err)
			}
		}
	}
}
