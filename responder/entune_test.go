//go:build faqbench

package responder

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEnglishTuning fits the English tuning on the English development
// set (testdata/itfaq-en): first-stage field boosts by a sweep, then the
// re-ranking weights by coordinate ascent on MRR@10, on the odd-numbered
// queries (first contact, each query against the FAQ as it is) and on the
// learning simulation's odd-numbered queries (against the FAQ with what
// earlier questions taught); the even-numbered ones are printed beside
// them, fitted on by nothing. All of it is development data. Run with
//
//	go test -tags faqbench -count=1 -run TestEnglishTuning -v ./responder
func TestEnglishTuning(t *testing.T) {
	rows, qs := loadSet(t, englishSetDir, "queries-dev.jsonl")
	var set simSet
	for _, s := range simSets(t) {
		if s.name == "en" {
			set = s
		}
	}
	odd := func(id string) bool {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "q"))
		return n%2 == 1
	}
	collectAll := func(tu tuning) []rankSample {
		var out []rankSample
		x := newRemovable(t, rows)
		for _, q := range qs {
			a := grade2(q)
			if len(a) == 0 {
				continue
			}
			hs, err := x.search(t.Context(), CleanQuery("", q.Text), tu)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rankSample{hits: hs, answers: a, tune: odd(q.ID), kind: "first"})
		}
		for _, seed := range []uint64{1, 2, 3} {
			for _, r := range simulate(t, set, seed, tu) {
				if r.kind == "taught" || r.kind == "never" {
					out = append(out, rankSample{hits: r.hits, answers: r.answers, tune: odd(r.qid), kind: r.kind})
				}
			}
		}
		return out
	}
	row := func(b *strings.Builder, name string, ss []rankSample, w rerankWeights) {
		fmt.Fprintf(b, "| %s |", name)
		for _, tune := range []bool{true, false} {
			for _, kind := range []string{"first", "taught", "never"} {
				h, n, _ := evalSamples(ss, w, tune, kind)
				fmt.Fprintf(b, " %d/%d |", h, n)
			}
		}
		b.WriteByte('\n')
	}
	var b strings.Builder
	b.WriteString("\nEnglish tuning (development data): Hit@1, first contact / taught before / never taught (learning simulation, seeds 1-3); odd-numbered queries (fitted on) | even-numbered\n")
	b.WriteString("| variant | odd first | odd taught | odd never | even first | even taught | even never |\n|---|---|---|---|---|---|---|\n")
	base := defaultTuning
	variants := []struct {
		name string
		tu   tuning
	}{{"default", base}}
	for _, q := range []float64{2, 3, 5} {
		for _, p := range []float64{1, 3} {
			for _, a := range []float64{1, 2} {
				tu := base
				tu.QBoost, tu.PBoost, tu.ABoost = q, p, a
				variants = append(variants, struct {
					name string
					tu   tuning
				}{fmt.Sprintf("q%g p%g a%g", q, p, a), tu})
			}
		}
	}
	bestName, bestMRR := "", -1.0
	var bestSamples []rankSample
	for _, v := range variants {
		ss := collectAll(v.tu)
		row(&b, v.name, ss, v.tu.Rerank)
		var m float64
		for _, kind := range []string{"first", "taught", "never"} {
			_, _, mk := evalSamples(ss, v.tu.Rerank, true, kind)
			m += mk
		}
		if m > bestMRR {
			bestName, bestMRR, bestSamples = v.name, m, ss
		}
	}
	// Coordinate ascent on the re-ranking weights of the best variant,
	// on the odd-numbered samples.
	score := func(w rerankWeights) float64 {
		var m float64
		for _, kind := range []string{"first", "taught", "never"} {
			_, _, mk := evalSamples(bestSamples, w, true, kind)
			m += mk
		}
		return m
	}
	w := ascend(base.Rerank, []float64{-0.8, -0.4, -0.2, -0.1, 0.1, 0.2, 0.4, 0.8}, score)
	fmt.Fprintf(&b, "\nbest first stage: %s; re-ranking weights fitted on its odd-numbered samples: %+v\n", bestName, w)
	b.WriteString("| variant | odd first | odd taught | odd never | even first | even taught | even never |\n|---|---|---|---|---|---|---|\n")
	row(&b, bestName+" fitted", bestSamples, w)
	t.Log(b.String())
}

// TestJapaneseRerankForLearning refits the Japanese re-ranking weights
// with the learned evidence's features (TextF1, CoreCov) on the tune half
// of the localgovfaq dev queries: first contact, and the learning
// simulation's taught and never-taught questions (seeds 1-3); the check
// half is printed beside it, fitted on by nothing. Run with
//
//	go test -tags faqbench -count=1 -run TestJapaneseRerankForLearning -v ./responder
func TestJapaneseRerankForLearning(t *testing.T) {
	rows := loadJSONL[faqRow](t, "faq.jsonl")
	qs := loadJSONL[queryRow](t, "queries-dev.jsonl")
	var ss []rankSample
	x := newRemovable(t, rows)
	for _, q := range qs {
		a := grade2(q)
		if len(a) == 0 {
			continue
		}
		hs, err := x.search(t.Context(), CleanQuery("", q.Text), defaultTuning)
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, rankSample{hs, a, halfOf(q) == "tune", "first"})
	}
	for _, set := range simSets(t) {
		if set.lang != "ja" {
			continue
		}
		for _, seed := range []uint64{1, 2, 3} {
			for _, r := range simulate(t, set, seed, defaultTuning) {
				if r.kind == "taught" || r.kind == "never" {
					ss = append(ss, rankSample{r.hits, r.answers, set.name == "ja-tune", r.kind})
				}
			}
		}
	}
	row := func(b *strings.Builder, name string, w rerankWeights) {
		fmt.Fprintf(b, "| %s |", name)
		for _, tune := range []bool{true, false} {
			for _, kind := range []string{"first", "taught", "never"} {
				h, n, m := evalSamples(ss, w, tune, kind)
				fmt.Fprintf(b, " %d/%d (MRR %.3f) |", h, n, m/float64(max(n, 1)))
			}
		}
		b.WriteByte('\n')
	}
	score := func(w rerankWeights) float64 {
		var m float64
		for _, kind := range []string{"first", "taught", "never"} {
			_, n, mk := evalSamples(ss, w, true, kind)
			m += mk / float64(max(n, 1))
		}
		return m
	}
	w := ascend(defaultTuning.Rerank, []float64{-0.4, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.4}, score)
	var b strings.Builder
	b.WriteString("\nJapanese re-ranking for learning: Hit@1 (MRR@10); tune half (fitted on) | check half\n")
	b.WriteString("| weights | tune first | tune taught | tune never | check first | check taught | check never |\n|---|---|---|---|---|---|---|\n")
	row(&b, fmt.Sprintf("current %+v", defaultTuning.Rerank), defaultTuning.Rerank)
	row(&b, fmt.Sprintf("fitted %+v", w), w)
	t.Log(b.String())
}

// ascend climbs score one re-ranking weight at a time (BM fixed at 1 as
// the unit, every weight non-negative) until no step improves it.
func ascend(w rerankWeights, steps []float64, score func(rerankWeights) float64) rerankWeights {
	best := score(w)
	for round := 0; round < 6; round++ {
		improved := false
		for k := range 6 {
			for _, step := range steps {
				c := w
				p := []*float64{&c.Sim, &c.Cont, &c.CovQ, &c.Cov, &c.TextF1, &c.CoreCov}[k]
				*p = max(0, *p+step)
				if m := score(c); m > best+1e-9 {
					best, w, improved = m, c, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return w
}

// rankSample is one question's candidates as the first stage found them,
// to be re-ranked offline: first contact, or a question of the learning
// simulation (taught before, never taught), from the half fitted on or not.
type rankSample struct {
	hits    []hit
	answers []string
	tune    bool
	kind    string // first, taught, never
}

// evalSamples re-ranks the samples of one half and kind with w and
// returns Hit@1, their number and the sum of reciprocal ranks (top 10).
func evalSamples(ss []rankSample, w rerankWeights, tune bool, kind string) (hit1, n int, mrr float64) {
	for _, s := range ss {
		if s.tune != tune || s.kind != kind {
			continue
		}
		n++
		for i, h := range rankWith(s.hits, w, confidence) {
			if i >= 10 {
				break
			}
			if slices.Contains(s.answers, h.Key) {
				if i == 0 {
					hit1++
				}
				mrr += 1 / float64(i+1)
				break
			}
		}
	}
	return
}
