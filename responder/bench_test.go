//go:build faqbench

package responder

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk"

	"github.com/madoguchi/madoguchi/lang"
)

// The corpus bench reads the localgovfaq set from the shared directory (it
// is never copied into the repository) and the project's own English
// development set from testdata/itfaq-en, and builds only with the
// faqbench tag, so the normal suite has no test that skips. Run it with
//
//	go test -tags faqbench -count=1 -run TestFAQBenchReport -v -timeout 60m ./responder
//
// -args -scale=0 leaves out the 100k-entry latency run; -args -fit also
// refits the confidence weights (-fitfeatures=Margin,Sim,... tries another
// feature set) and prints the threshold sweep; -args -tune sweeps the
// query-construction knobs on the tuning half. An absent set is skipped
// with a message (the localgovfaq set is never committed).
// MADOGUCHI_FAQBENCH_DIR replaces the list of set directories (separated
// like PATH); every queries-*.jsonl file in a set directory is reported, so
// a held-out file dropped beside the dev queries is measured without a
// code change.
var (
	flagFit   = flag.Bool("fit", false, "refit confidence weights in TestFAQBenchReport")
	flagTune  = flag.Bool("tune", false, "sweep tuning variants in TestFAQBenchReport")
	flagScale = flag.Int("scale", 100000, "entries in the synthetic scale test (0 skips it)")
	// The confidence's features, as confidence() weighs them.
	flagFitFeatures = flag.String("fitfeatures", "Margin,Sim,Cont,CovQ,Cov", "features the -fit logistic regression uses")
)

// benchDir is ../shared/bench/localgovfaq of the repository (tests run in
// the package directory).
var benchDir = filepath.Join("..", "..", "shared", "bench", "localgovfaq")

// benchDirs are the evaluation sets, the localgovfaq set first: tuning and
// the scale test use that one.
func benchDirs() []string {
	if p := os.Getenv("MADOGUCHI_FAQBENCH_DIR"); p != "" {
		return filepath.SplitList(p)
	}
	return []string{benchDir, englishSetDir}
}

func benchPath() string { return benchDirs()[0] }

func loadJSONL[T any](tb testing.TB, name string) []T {
	tb.Helper()
	path := filepath.Join(benchPath(), name)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("skipped: the localgovfaq set is absent (%s); it lives in ../shared, or set MADOGUCHI_FAQBENCH_DIR", path)
	}
	out, err := readJSONL[T](path)
	if err != nil {
		tb.Fatalf("evaluation set unreadable: %v", err)
	}
	return out
}

// setRole says what a set's figures are worth: what the code was tuned on.
func setRole(dir string) string {
	switch filepath.Base(dir) {
	case "localgovfaq":
		return "evaluation set: the knobs and weights were chosen on the tune half of its dev queries (id%4==0); " +
			"the check half (id%4==2) was not tuned on and gives the held-out figures (two of its queries shaped code: docs/responder.md)"
	case "itfaq-en":
		return "DEVELOPMENT DATA: the confidence weights, the auto band, the similarity floors and the English stop words were fitted on it; " +
			"its figures are not held-out figures"
	}
	return "a set the code was not tuned on, as far as it knows"
}

// halfOf splits the localgovfaq dev queries for tuning and checking. All
// dev ids are even, so "even/odd" is taken on id/2: tune = id%4==0, check =
// id%4==2.
func halfOf(q queryRow) string {
	n, _ := strconv.Atoi(q.ID)
	if (n/2)%2 == 0 {
		return "tune"
	}
	return "check"
}

func split(qs []queryRow, res []ranked, half string) ([]queryRow, []ranked) {
	return filter(qs, res, func(q queryRow) bool { return half == "" || halfOf(q) == half })
}

// baseline is the plain Bleve setup the targets are measured against: one
// match query over question and answer concatenated, with Bleve's cjk
// analyzer for Japanese sets and its en analyzer for English ones. It is
// stored as the responder's index is (on disk, merged into one segment)
// and timed the same way (timedRuns), so the latencies compare.
type baseline struct{ idx bleve.Index }

func newBaseline(t testing.TB, rows []faqRow, analyzer, path string) *baseline {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = analyzer
	idx, err := bleve.New(path, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	b := idx.NewBatch()
	for _, r := range rows {
		if err := b.Index(r.ID, map[string]any{"text": r.Question + "\n" + r.Answer}); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	if err := compact(idx); err != nil {
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

// latencyRounds is how often every query is timed: the p99 of 375 queries
// is the fourth slowest, and one garbage collection moves it; pooled over
// three rounds it is steadier.
const latencyRounds = 3

// warmUp is how many queries run untimed first: the dictionary, the
// index's pages and the caches are loaded then, not in the first timed
// matches.
const warmUp = 20

// timedRuns warms run up, then runs qs latencyRounds times and returns the
// last round's results with each query's latency in every round, for
// pooled p50/p99. Both systems of the report are timed with it.
func timedRuns(t testing.TB, run func(testing.TB, []queryRow) []ranked, qs []queryRow) ([]ranked, [][]time.Duration) {
	run(t, qs[:min(warmUp, len(qs))])
	runtime.GC()
	var res []ranked
	lat := make([][]time.Duration, len(qs))
	for range latencyRounds {
		res = run(t, qs)
		for i, r := range res {
			lat[i] = append(lat[i], r.latency)
		}
	}
	return res, lat
}

// responderRun is the responder as timedRuns takes it.
func responderRun(x *Index) func(testing.TB, []queryRow) []ranked {
	return func(t testing.TB, qs []queryRow) []ranked { return runResponder(t, x, qs) }
}

// pooled is every timed latency of the queries keep says yes to.
func pooled(qs []queryRow, lat [][]time.Duration, keep func(queryRow) bool) []time.Duration {
	var out []time.Duration
	for i, q := range qs {
		if keep(q) {
			out = append(out, lat[i]...)
		}
	}
	return out
}

// falseAutos matches each query against the index with the entries it
// relates to (grade 1 or 2) taken out, then puts them back: whatever comes
// first then is wrong, and an automatic answer is a false one.
func falseAutos(t testing.TB, rows []faqRow, qs []queryRow) []ranked {
	x := newRemovable(t, rows)
	out := make([]ranked, len(qs))
	for i, q := range qs {
		x.without(t, q, func() { out[i] = runResponder(t, x.Index, []queryRow{q})[0] })
	}
	return out
}

// TestFAQBenchReport prints, for every evaluation set and query file, the
// figure table of the responder against the baseline, the false-auto rate,
// build time and on-disk size, the targets on the localgovfaq dev
// queries, and the synthetic 100k-entry latency.
func TestFAQBenchReport(t *testing.T) {
	// The collector as the gateway runs it (TuneGC), unless GOGC or
	// GOMEMLIMIT says else.
	defer TuneGC()()
	p := debug.SetGCPercent(-1) // read the setting back
	debug.SetGCPercent(p)
	t.Logf("GC percent %d, memory limit %d MiB (GOGC=%q, GOMEMLIMIT=%q)", p, debug.SetMemoryLimit(-1)>>20, os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"))
	for i, dir := range benchDirs() {
		reportSet(t, dir, i == 0)
	}
}

func reportSet(t *testing.T, dir string, primary bool) {
	if _, err := os.Stat(filepath.Join(dir, "faq.jsonl")); errors.Is(err, fs.ErrNotExist) {
		t.Logf("skipped: evaluation set %s is absent (the localgovfaq set lives in ../shared; MADOGUCHI_FAQBENCH_DIR lists others)", dir)
		return
	}
	rows, err := readJSONL[faqRow](filepath.Join(dir, "faq.jsonl"))
	if err != nil {
		t.Fatalf("evaluation set %s: %v", dir, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "queries-*.jsonl"))
	if len(files) == 0 {
		t.Fatalf("evaluation set %s has no queries-*.jsonl", dir)
	}
	var sample strings.Builder
	for _, r := range rows[:min(len(rows), 50)] {
		sample.WriteString(r.Question)
	}
	language := lang.DetectOr(sample.String(), lang.English)
	baseAnalyzer := map[string]string{lang.Japanese: "cjk", lang.English: "en"}[language]

	path := filepath.Join(t.TempDir(), "faq.bleve")
	x, err := Open(Options{Path: path, MaxCandidates: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	start := time.Now()
	if err := x.Rebuild(faqEntries(rows, nil), "bench"); err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	base := newBaseline(t, rows, baseAnalyzer, filepath.Join(t.TempDir(), "baseline.bleve"))

	var b strings.Builder
	fmt.Fprintf(&b, "\n## %s (%s): %d entries; build %v, on disk %.1f MB\n", filepath.Base(dir), language, len(rows),
		build.Round(time.Millisecond), float64(dirSize(path))/1e6)
	fmt.Fprintf(&b, "%s\n", setRole(dir))
	fmt.Fprintf(&b, "thresholds: auto>=%.2f suggest>=%.2f margin>=%.2f; both systems on disk in one segment, %d warm-up queries, latency pooled over %d rounds\n",
		DefaultAutoSendConfidence, DefaultSuggestConfidence, DefaultMinMargin, warmUp, latencyRounds)
	for _, file := range files {
		qs, err := readJSONL[queryRow](file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "queries-"), ".jsonl")
		baseRes, baseLat := timedRuns(t, base.run, qs)
		cpu0 := cpuTime()
		respRes, lat := timedRuns(t, responderRun(x), qs)
		cpu := (cpuTime() - cpu0) / time.Duration(latencyRounds*len(qs)+min(warmUp, len(qs)))
		falseRes := falseAutos(t, rows, qs)

		groups := []struct {
			label string
			keep  func(queryRow) bool
		}{
			{"answerable", queryRow.answerable},
			{"all", func(queryRow) bool { return true }},
		}
		if primary && name == "dev" {
			groups = append(groups,
				struct {
					label string
					keep  func(queryRow) bool
				}{"tune, answerable", func(q queryRow) bool { return halfOf(q) == "tune" && q.answerable() }},
				struct {
					label string
					keep  func(queryRow) bool
				}{"check, answerable", func(q queryRow) bool { return halfOf(q) == "check" && q.answerable() }})
		}
		nAns := 0
		for _, q := range qs {
			if q.answerable() {
				nAns++
			}
		}
		fmt.Fprintf(&b, "\n### %s: %d queries, %d answerable (a grade-2 entry exists); grade 2 counts as a hit\n%s\n",
			name, len(qs), nAns, tableHead)
		var ansResp metrics
		for _, g := range groups {
			bq, br := filter(qs, baseRes, g.keep)
			bm := evaluate(bq, br)
			bl := pooled(qs, baseLat, g.keep)
			bm.p50, bm.p99 = percentile(bl, 0.50), percentile(bl, 0.99)
			fmt.Fprintln(&b, bm.row("baseline "+baseAnalyzer+" q+a ("+g.label+")"))
			rq, rr := filter(qs, respRes, g.keep)
			m := evaluate(rq, rr)
			pl := pooled(qs, lat, g.keep)
			m.p50, m.p99 = percentile(pl, 0.50), percentile(pl, 0.99)
			if g.label == "answerable" {
				ansResp = m
			}
			fmt.Fprintln(&b, m.row("responder ("+g.label+")"))
		}
		fmt.Fprintln(&b, evaluateGrade(qs, baseRes, 1).row("baseline, grade>=1 (all)"))
		fmt.Fprintln(&b, evaluateGrade(qs, respRes, 1).row("responder, grade>=1 (all)"))
		all := evaluate(qs, respRes)
		unans, unansAuto := 0, 0
		for i, q := range qs {
			if !q.answerable() {
				unans++
				if respRes[i].auto {
					unansAuto++
				}
			}
		}
		fm := evaluate(qs, falseRes)
		fmt.Fprintf(&b, "auto: %d/%d right = %s, coverage %.3f of all queries (%.3f of answerable); auto on queries no entry answers: %d/%d\n",
			all.autoRight, all.autoN, fmtRatio(all.autoRight, all.autoN), float64(all.autoN)/float64(all.n),
			float64(ansResp.autoN)/float64(max(ansResp.n, 1)), unansAuto, unans)
		fmt.Fprintf(&b, "false-auto (each query against the index without its grade-1/2 entries): %d/%d = %.3f\n",
			fm.autoN, fm.n, float64(fm.autoN)/float64(fm.n))
		if primary && name == "dev" {
			// The automatic figures of each half, with the counts they rest
			// on: the check half's are the held-out ones.
			for _, half := range []string{"tune", "check"} {
				hq, hr := split(qs, respRes, half)
				hm := evaluate(hq, hr)
				fq, fr := split(qs, falseRes, half)
				hf := evaluate(fq, fr)
				fmt.Fprintf(&b, "auto, %s half: right %d/%d, coverage %.3f of its %d queries; false-auto %d/%d\n",
					half, hm.autoRight, hm.autoN, float64(hm.autoN)/float64(max(hm.n, 1)), hm.n, hf.autoN, hf.n)
			}
		}
		allLat := pooled(qs, lat, func(queryRow) bool { return true })
		fmt.Fprintf(&b, "latency: p50 %.2f ms, p99 %.2f ms over %d matches; CPU %.2f ms a match (the process's user and system time over the timed rounds and the warm-up, the collector's included: the figure other jobs on the machine change least)\n",
			ms(percentile(allLat, 0.5)), ms(percentile(allLat, 0.99)), len(allLat), ms(cpu))
		if primary && name == "dev" {
			check := func(what string, got, want float64, atLeast bool) {
				ok := got >= want
				if !atLeast {
					ok = got <= want
				}
				mark := "met"
				if !ok {
					mark = "NOT met"
				}
				op := ">="
				if !atLeast {
					op = "<="
				}
				fmt.Fprintf(&b, "target %-34s %.3f %s %.3f: %s\n", what, got, op, want, mark)
			}
			fmt.Fprintln(&b, "\ntargets of the issue (answerable dev queries, as its baseline 0.28/0.59/0.38 is):")
			check("Hit@1", ansResp.hit1, 0.45, true)
			check("Hit@10", ansResp.hit10, 0.75, true)
			check("MRR@10", ansResp.mrr, 0.55, true)
			check("auto precision", all.autoPrecision(), 0.95, true)
			check("false-auto", float64(fm.autoN)/float64(fm.n), 0.02, false)
			check("p99 ms (1,786 entries)", ms(percentile(allLat, 0.99)), 20, false)
		}
	}
	t.Log(b.String())

	if primary && *flagTune {
		tuneSweep(t, x, loadJSONL[queryRow](t, "queries-dev.jsonl"))
	}
	if primary && *flagFit {
		fitConfidence(t)
	}
	if primary && *flagScale > 0 {
		scaleTest(t, rows, loadJSONL[queryRow](t, "queries-dev.jsonl"), *flagScale)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cpuTime is the user and system CPU time the process has used. Wall-clock
// latencies on a machine shared with other jobs say as much about the
// other jobs as about the matcher; CPU time says less about them.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fmtRatio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
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
	cpu0 := cpuTime()
	res, lat := timedRuns(t, responderRun(x), qs)
	cpu := (cpuTime() - cpu0) / time.Duration(latencyRounds*len(qs)+min(warmUp, len(qs)))
	m := evaluate(qs, res)
	all := pooled(qs, lat, func(queryRow) bool { return true })
	m.p50, m.p99 = percentile(all, 0.50), percentile(all, 0.99)
	t.Logf("\nscale: %d entries built in %v, on disk %.0f MB; dev queries against the synthetic index (%d timed matches):\n%s\n%s\ntarget p99 <= 50 ms at 100,000 entries: %.2f ms; CPU %.2f ms a match",
		n, build.Round(time.Second), float64(dirSize(x.opts.Path))/1e6, len(all), tableHead,
		m.row(fmt.Sprintf("responder %dk", n/1000)), ms(m.p99), ms(cpu))
}

// BenchmarkMatch measures one Match against the 1,786 real entries, on
// disk as in production (the in-memory index is another engine).
func BenchmarkMatch(b *testing.B) {
	benchMatch(b, func(rows []faqRow) []Entry { return faqEntries(rows, nil) })
}

// BenchmarkMatchScale measures one Match against flagScale synthetic
// entries (the real ones among them), on disk as in production.
func BenchmarkMatchScale(b *testing.B) {
	benchMatch(b, func(rows []faqRow) []Entry { return synthEntries(rows, *flagScale) })
}

func benchMatch(b *testing.B, entries func([]faqRow) []Entry) {
	rows := loadJSONL[faqRow](b, "faq.jsonl")
	qs := loadJSONL[queryRow](b, "queries-dev.jsonl")
	x, err := Open(Options{Path: filepath.Join(b.TempDir(), "faq.bleve")})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if err := x.Rebuild(entries(rows), "bench"); err != nil {
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
