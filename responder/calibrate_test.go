//go:build faqbench

package responder

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// collect runs the first stage and the feature extraction for every query
// once; re-ranking weights can then be tried offline.
func collect(t testing.TB, x *Index, qs []string, tu tuning) [][]hit {
	out := make([][]hit, len(qs))
	ctx := context.Background()
	for i, q := range qs {
		hs, err := x.search(ctx, q, tu)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		out[i] = hs
	}
	return out
}

func queryTexts(qs []queryRow) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = CleanQuery("", q.Text)
	}
	return out
}

// rankWith re-scores a query's hits with w, as search does, and returns them
// best first with Top, Margin and Confidence set for conf.
func rankWith(hs []hit, w rerankWeights, conf func(features) float64) []hit {
	out := append([]hit(nil), hs...)
	for i := range out {
		out[i].rank = w.score(out[i].feats)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rank > out[j].rank })
	for i := range out {
		next := 0.0
		if i == 0 && len(out) > 1 {
			next = out[1].rank
		} else if i > 0 {
			next = out[0].rank
		}
		f := &out[i].feats
		f.Top, f.Margin = out[i].rank, 0
		if f.Top > 0 {
			f.Margin = max(0, (f.Top-next)/f.Top)
		}
		out[i].Confidence = conf(*f)
	}
	return out
}

func toRanked(hs []hit) ranked {
	var r ranked
	for _, h := range hs {
		r.keys = append(r.keys, h.Key)
	}
	if len(hs) > 0 {
		r.feats, r.conf = hs[0].feats, hs[0].Confidence
	}
	return r
}

func evalWith(qs []queryRow, all [][]hit, w rerankWeights, half string) metrics {
	res := make([]ranked, len(qs))
	for i := range qs {
		res[i] = toRanked(rankWith(all[i], w, confidence))
	}
	q2, r2 := split(qs, res, half)
	return evaluate(q2, r2)
}

// fitRerank climbs MRR@10 on the tune half, one weight at a time, BM fixed
// at 1 as the unit.
func fitRerank(qs []queryRow, all [][]hit, start rerankWeights) rerankWeights {
	w := start
	best := evalWith(qs, all, w, "tune").mrr
	ptrs := func(w *rerankWeights) []*float64 { return []*float64{&w.Sim, &w.Cont, &w.CovQ, &w.Cov} }
	for round := 0; round < 4; round++ {
		improved := false
		for k := range 4 {
			for _, step := range []float64{-0.4, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.4} {
				c := w
				p := ptrs(&c)[k]
				*p = math.Max(0, *p+step)
				if m := evalWith(qs, all, c, "tune").mrr; m > best+1e-9 {
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

// tuneSweep compares first-stage variants (each re-ranked with the default
// weights, and with BM25 alone) on both halves, then refits the re-ranking
// weights on the tune half. Defaults are picked on the tune half only.
func tuneSweep(t *testing.T, x *Index, qs []queryRow) {
	texts := queryTexts(qs)
	variants := map[string]tuning{"default": defaultTuning}
	v := func(name string, f func(*tuning)) {
		tu := defaultTuning
		f(&tu)
		variants[name] = tu
	}
	v("oneidf", func(t *tuning) { t.OneIDF = true })
	v("q2", func(t *tuning) { t.QBoost, t.PBoost = 2, 2 })
	v("q5", func(t *tuning) { t.QBoost, t.PBoost = 5, 5 })
	v("a0.5", func(t *tuning) { t.ABoost = 0.5 })
	v("a2", func(t *tuning) { t.ABoost = 2 })
	v("maxterms24", func(t *tuning) { t.MaxTerms = 24 })
	v("fetch100", func(t *tuning) { t.Fetch = 100 })
	v("fetch20", func(t *tuning) { t.Fetch = 20 })
	var b strings.Builder
	b.WriteString("\ntuning sweep (rr = re-ranked with the default weights, bm = first stage alone)\n" + tableHead + "\n")
	bmOnly := rerankWeights{BM: 1}
	for _, name := range sortedKeys(variants) {
		all := collect(t, x, texts, variants[name])
		for _, half := range []string{"tune", "check"} {
			b.WriteString(evalWith(qs, all, variants[name].Rerank, half).row(name+" rr ("+half+")") + "\n")
			b.WriteString(evalWith(qs, all, bmOnly, half).row(name+" bm ("+half+")") + "\n")
		}
		if name == "default" {
			w := fitRerank(qs, all, defaultTuning.Rerank)
			fmt.Fprintf(&b, "fitted re-rank weights: %+v\n", w)
			for _, half := range []string{"tune", "check"} {
				b.WriteString(evalWith(qs, all, w, half).row("fitted rr ("+half+")") + "\n")
			}
		}
	}
	t.Log(b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// restatements are the synthetic positives of the calibration: an entry's
// own question as a customer would mail it after finding it in the FAQ or
// after an agent's answer became a paraphrase, wrapped in mail boilerplate,
// with punctuation and width changed.
func restatements(question, lang string) [][2]string {
	q := strings.TrimSpace(question)
	if lang == "en" {
		lower := strings.ToLower(strings.TrimRight(q, "?.!"))
		return [][2]string{
			{"", "Hi team,\n\n" + q + "\n\nThanks,\nMaria"},
			{q, "Please see subject."},
			{"Re: question", "Hello,\n" + lower + "\nBest regards,\nTom"},
			{"", lower},
		}
	}
	head := q
	if utf8.RuneCountInString(head) > 12 {
		head = string([]rune(head)[:12])
	}
	noPunct := strings.NewReplacer("。", "", "、", " ", "？", "?", "！", "!").Replace(q)
	wide := strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, q)
	return [][2]string{
		{"", "お世話になっております。\n" + q + "\nよろしくお願いいたします。"},
		{head, q},
		{"Re: " + head, "いつもお世話になっております。\n\n" + noPunct + "\n\n以上、よろしくお願いいたします。\n山田"},
		{"", wide},
		{"【問い合わせ】", "ご担当者様\n" + q + "\n"},
		{"", "Hello,\n\n" + q + "\n\nThanks,\nTaro"},
	}
}

// calExample is one top hit with its label: is it a grade-2 answer.
type calExample struct {
	f     features
	label float64
	set   string // "ja" or "en"
	tune  bool
	kind  string // "query", "removed", "restated"
}

// calibrationExamples collects, for one evaluation set, the re-ranked top
// hit of every query (label: grade 2), of every query against the index
// without its grade-1/2 entries (label 0), and of restatements of every
// step-th entry's question (label: is the top hit that entry).
func calibrationExamples(t *testing.T, rows []faqRow, qs []queryRow, lang string, tune func(queryRow) bool, step int) []calExample {
	x := newRemovable(t, rows)
	top := func(q string) (features, string, bool) {
		hs := collect(t, x.Index, []string{q}, defaultTuning)[0]
		hs = rankWith(hs, defaultTuning.Rerank, confidence)
		if len(hs) == 0 {
			return features{}, "", false
		}
		return hs[0].feats, hs[0].Key, true
	}
	var out []calExample
	for _, q := range qs {
		text := CleanQuery("", q.Text)
		if f, key, ok := top(text); ok {
			out = append(out, calExample{f, boolF(q.Relevant[key] == 2), lang, tune(q), "query"})
		}
		x.without(t, q, func() {
			if f, _, ok := top(text); ok {
				out = append(out, calExample{f, 0, lang, tune(q), "removed"})
			}
		})
	}
	for i, r := range rows {
		if i%step != 0 {
			continue
		}
		for _, rs := range restatements(r.Question, lang) {
			if f, key, ok := top(CleanQuery(rs[0], rs[1])); ok {
				out = append(out, calExample{f, boolF(key == r.ID), lang, (i/step)%2 == 0, "restated"})
			}
		}
	}
	return out
}

// fitConfidence fits the logistic weights of confidence on the tune halves
// of the localgovfaq dev queries and of the English IT set, with synthetic
// restatements of their entries, and prints threshold sweeps on every half.
func fitConfidence(t *testing.T) {
	jaRows := loadJSONL[faqRow](t, "faq.jsonl")
	jaQs := loadJSONL[queryRow](t, "queries-dev.jsonl")
	enRows, enQs := loadSet(t, englishSetDir, "queries-dev.jsonl")
	enTune := func(q queryRow) bool {
		n, _ := strconv.Atoi(strings.TrimPrefix(q.ID, "q"))
		return n%2 == 1
	}
	exs := calibrationExamples(t, jaRows, jaQs, "ja", func(q queryRow) bool { return halfOf(q) == "tune" }, 7)
	exs = append(exs, calibrationExamples(t, enRows, enQs, "en", enTune, 2)...)

	var train []calExample
	for _, e := range exs {
		if e.tune {
			train = append(train, e)
		}
	}
	getters := map[string]func(features) float64{
		"Top": func(f features) float64 { return f.Top }, "Margin": func(f features) float64 { return f.Margin },
		"Sim": func(f features) float64 { return f.Sim }, "Cont": func(f features) float64 { return f.Cont },
		"CovQ": func(f features) float64 { return f.CovQ },
		"Cov":  func(f features) float64 { return f.Cov },
	}
	names := strings.Split(*flagFitFeatures, ",")
	vec := func(f features) []float64 {
		out := []float64{1}
		for _, n := range names {
			out = append(out, getters[n](f))
		}
		return out
	}
	dim := len(vec(features{}))
	wt := make([]float64, dim)
	for iter := 0; iter < 30000; iter++ {
		g := make([]float64, dim)
		for _, e := range train {
			xv := vec(e.f)
			z := 0.0
			for k := range wt {
				z += wt[k] * xv[k]
			}
			p := 1 / (1 + math.Exp(-z))
			for k := range wt {
				g[k] += (p - e.label) * xv[k]
			}
		}
		for k := range wt {
			// Small L2 keeps weights sane on a few hundred examples.
			wt[k] -= 0.5 * (g[k]/float64(len(train)) + 0.001*wt[k]*boolF(k > 0))
		}
		// Monotone in every feature: more evidence never lowers confidence.
		for k := 1; k < dim; k++ {
			wt[k] = math.Max(wt[k], 0)
		}
	}
	desc := fmt.Sprintf("Bias: %.3f", wt[0])
	for i, n := range names {
		desc += fmt.Sprintf(", %s: %.3f", n, wt[i+1])
	}
	t.Logf("fitted on %d examples: %s", len(train), desc)
	fitted := func(f features) float64 {
		xv := vec(f)
		z := 0.0
		for k := range wt {
			z += wt[k] * xv[k]
		}
		return 1 / (1 + math.Exp(-z))
	}
	var b strings.Builder
	for _, conf := range []struct {
		name string
		fn   func(features) float64
	}{{"current weights", confidence}, {"fitted weights", fitted}} {
		fmt.Fprintf(&b, "\nthreshold sweep, %s (auto = conf >= th, margin >= mm, and the similarity and containment floors): right/auto of queries, false autos of removed, right/auto of restatements\n", conf.name)
		b.WriteString("| th | mm | ja tune | ja check | en tune | en check | ja false t/c | en false t/c | restated ja | restated en |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, th := range []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9} {
			for _, mm := range []float64{0.05, 0.1, 0.2} {
				type cnt struct{ n, auto, right int }
				c := map[string]*cnt{}
				get := func(k string) *cnt {
					if c[k] == nil {
						c[k] = &cnt{}
					}
					return c[k]
				}
				for _, e := range exs {
					half := "check"
					if e.tune {
						half = "tune"
					}
					key := e.set + " " + e.kind + " " + half
					if e.kind == "restated" {
						key = e.set + " restated"
					}
					k := get(key)
					k.n++
					if conf.fn(e.f) >= th && e.f.Margin >= mm && e.f.Sim >= minSimilarity && e.f.Cont >= minContainment {
						k.auto++
						if e.label == 1 {
							k.right++
						}
					}
				}
				q := func(k string) string {
					v := get(k)
					return fmt.Sprintf("%d/%d (cov %.3f)", v.right, v.auto, float64(v.auto)/float64(max(v.n, 1)))
				}
				fa := func(set string) string {
					a, b := get(set+" removed tune"), get(set+" removed check")
					return fmt.Sprintf("%.3f/%.3f", float64(a.auto)/float64(max(a.n, 1)), float64(b.auto)/float64(max(b.n, 1)))
				}
				rs := func(set string) string {
					v := get(set + " restated")
					return fmt.Sprintf("%d/%d of %d", v.right, v.auto, v.n)
				}
				fmt.Fprintf(&b, "| %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s |\n", th, mm,
					q("ja query tune"), q("ja query check"), q("en query tune"), q("en query check"),
					fa("ja"), fa("en"), rs("ja"), rs("en"))
			}
		}
	}
	t.Log(b.String())
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
