//go:build faqbench

package responder

import (
	"context"
	"fmt"
	"math"
	"sort"
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
func restatements(question string) [][2]string {
	q := strings.TrimSpace(question)
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

// fitConfidence fits the logistic weights on the tune half: positives are
// top hits that are a grade-2 answer, negatives top hits that are not and
// top hits from an index without the queries' relevant entries (grade 1 or
// 2); synthetic positives are restatements of every 7th entry's question.
// It prints threshold sweeps on both halves.
func fitConfidence(t *testing.T, x *Index, qs []queryRow) {
	rows := loadJSONL[faqRow](t, "faq.jsonl")
	removed := map[string]bool{}
	for _, q := range qs {
		for k := range q.Relevant {
			removed[k] = true
		}
	}
	y, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if err := y.Rebuild(faqEntries(rows, removed), "fit"); err != nil {
		t.Fatal(err)
	}
	texts := queryTexts(qs)
	w := defaultTuning.Rerank
	full := collect(t, x, texts, defaultTuning)
	gone := collect(t, y, texts, defaultTuning)
	for i := range full {
		full[i] = rankWith(full[i], w, confidence)
		gone[i] = rankWith(gone[i], w, confidence)
	}
	// Synthetic restatements, split like the queries by entry id.
	type synth struct {
		key  string
		tune bool
		hits []hit
	}
	var syn []synth
	for i, r := range rows {
		if i%7 != 0 {
			continue
		}
		for _, rs := range restatements(r.Question) {
			hs := collect(t, x, []string{CleanQuery(rs[0], rs[1])}, defaultTuning)[0]
			syn = append(syn, synth{key: r.ID, tune: i%2 == 0, hits: rankWith(hs, w, confidence)})
		}
	}

	type ex struct {
		f     features
		label float64
	}
	var train []ex
	for i, q := range qs {
		if halfOf(q) != "tune" {
			continue
		}
		if len(full[i]) > 0 {
			train = append(train, ex{full[i][0].feats, boolF(q.Relevant[full[i][0].Key] == 2)})
		}
		if len(gone[i]) > 0 {
			train = append(train, ex{gone[i][0].feats, 0})
		}
	}
	for _, s := range syn {
		if s.tune && len(s.hits) > 0 {
			train = append(train, ex{s.hits[0].feats, boolF(s.hits[0].Key == s.key)})
		}
	}
	vec := func(f features) []float64 { return []float64{1, f.Top, f.Margin, f.Sim, f.Cont, f.CovQ, f.Cov} }
	const dim = 7
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
		// Monotonicity in the top score: Top and Margin may not count against.
		wt[1], wt[2] = math.Max(wt[1], 0), math.Max(wt[2], 0)
	}
	t.Logf("fitted on %d examples: Bias: %.3f, Top: %.3f, Margin: %.3f, Sim: %.3f, Cont: %.3f, CovQ: %.3f, Cov: %.3f",
		len(train), wt[0], wt[1], wt[2], wt[3], wt[4], wt[5], wt[6])

	conf := func(f features) float64 {
		xv := vec(f)
		z := 0.0
		for k := range wt {
			z += wt[k] * xv[k]
		}
		return 1 / (1 + math.Exp(-z))
	}
	var b strings.Builder
	b.WriteString("\nthreshold sweep with the fitted weights (margin >= MinMargin also required)\n" +
		"| auto>= | margin>= | tune prec | tune cov | check prec | check cov | false-auto tune | false-auto check | restated auto (right) |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, th := range []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97} {
		for _, mm := range []float64{0, 0.05, 0.1, 0.2} {
			var cnt [2]struct{ auto, right, n, falseAuto int }
			for i, q := range qs {
				h := 0
				if halfOf(q) == "check" {
					h = 1
				}
				cnt[h].n++
				if len(full[i]) > 0 && conf(full[i][0].feats) >= th && full[i][0].feats.Margin >= mm {
					cnt[h].auto++
					if q.Relevant[full[i][0].Key] == 2 {
						cnt[h].right++
					}
				}
				if len(gone[i]) > 0 && conf(gone[i][0].feats) >= th && gone[i][0].feats.Margin >= mm {
					cnt[h].falseAuto++
				}
			}
			sAuto, sRight := 0, 0
			for _, s := range syn {
				if len(s.hits) > 0 && conf(s.hits[0].feats) >= th && s.hits[0].feats.Margin >= mm {
					sAuto++
					if s.hits[0].Key == s.key {
						sRight++
					}
				}
			}
			fmt.Fprintf(&b, "| %.2f | %.2f | %s | %.3f | %s | %.3f | %.3f | %.3f | %d/%d (%d) |\n", th, mm,
				ratio(cnt[0].right, cnt[0].auto), float64(cnt[0].auto)/float64(cnt[0].n),
				ratio(cnt[1].right, cnt[1].auto), float64(cnt[1].auto)/float64(cnt[1].n),
				float64(cnt[0].falseAuto)/float64(cnt[0].n), float64(cnt[1].falseAuto)/float64(cnt[1].n),
				sAuto, len(syn), sRight)
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

func ratio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f (%d/%d)", float64(a)/float64(b), a, b)
}
