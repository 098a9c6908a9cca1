package responder

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// tuneSweep compares query-construction variants on both halves; the
// defaults are picked on the tune half only.
func tuneSweep(t *testing.T, x *Index, qs []queryRow) {
	variants := map[string]tuning{"default": defaultTuning}
	v := func(name string, f func(*tuning)) {
		tu := defaultTuning
		f(&tu)
		variants[name] = tu
	}
	for _, st := range []int{0, 1, 2} {
		for _, one := range []bool{false, true} {
			for _, bg := range []float64{0} {
				name := fmt.Sprintf("s%d one=%v bg=%.1f", st, one, bg)
				v(name, func(t *tuning) { t.Structure, t.OneIDF, t.Bigram = st, one, bg })
			}
		}
	}
	v("bigram only", func(t *tuning) { t.Morph = false })
	v("bigram 0.3", func(t *tuning) { t.Bigram = 0.3 })
	v("q2", func(t *tuning) { t.QBoost, t.PBoost = 2, 2 })
	v("q5", func(t *tuning) { t.QBoost, t.PBoost = 5, 5 })
	v("a0.5", func(t *tuning) { t.ABoost = 0.5 })
	var b strings.Builder
	b.WriteString("\ntuning sweep\n" + tableHead + "\n")
	for _, name := range sortedKeys(variants) {
		res := runTuning(t, x, qs, variants[name])
		for _, half := range []string{"tune", "check"} {
			q2, r2 := split(qs, res, half)
			b.WriteString(evaluate(q2, r2).row(name+" ("+half+")") + "\n")
		}
	}
	t.Log(b.String())
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// fitConfidence fits the logistic weights on the tune half (positives and
// negatives from the full index, plus all-negative examples from an index
// without the queries' relevant entries) and prints threshold sweeps on both
// halves.
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
	full := runTuning(t, x, qs, defaultTuning)
	gone := runTuning(t, y, qs, defaultTuning)

	type ex struct {
		f     features
		label float64
	}
	var train []ex
	for i, q := range qs {
		if halfOf(q) != "tune" {
			continue
		}
		if len(full[i].keys) > 0 {
			l := 0.0
			if q.Relevant[full[i].keys[0]] == 2 {
				l = 1
			}
			train = append(train, ex{full[i].feats, l})
		}
		if len(gone[i].keys) > 0 {
			train = append(train, ex{gone[i].feats, 0})
		}
	}
	vec := func(f features) []float64 { return []float64{1, f.CovQ, f.Cov, f.Margin, f.Rel} }
	w := make([]float64, 5)
	for iter := 0; iter < 20000; iter++ {
		g := make([]float64, 5)
		for _, e := range train {
			xv := vec(e.f)
			z := 0.0
			for k := range w {
				z += w[k] * xv[k]
			}
			p := 1 / (1 + math.Exp(-z))
			for k := range w {
				g[k] += (p - e.label) * xv[k]
			}
		}
		for k := range w {
			// Small L2 keeps weights sane on a few hundred examples.
			w[k] -= 0.5 * (g[k]/float64(len(train)) + 0.001*w[k]*boolF(k > 0))
		}
		// Monotonicity in the top score: Margin and Rel may not count against.
		w[3], w[4] = math.Max(w[3], 0), math.Max(w[4], 0)
	}
	t.Logf("fitted on %d examples: Bias: %.3f, CovQ: %.3f, Cov: %.3f, Margin: %.3f, Rel: %.3f", len(train), w[0], w[1], w[2], w[3], w[4])

	conf := func(f features) float64 {
		xv := vec(f)
		z := 0.0
		for k := range w {
			z += w[k] * xv[k]
		}
		return 1 / (1 + math.Exp(-z))
	}
	var b strings.Builder
	b.WriteString("\nthreshold sweep with the fitted weights (margin >= MinMargin also required)\n| auto>= | margin>= | tune prec | tune cov | check prec | check cov | false-auto tune | false-auto check |\n|---|---|---|---|---|---|---|---|\n")
	for _, th := range []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97} {
		for _, mm := range []float64{0, 0.05, 0.1, 0.2} {
			var cnt [2]struct{ auto, right, n, falseAuto int }
			for i, q := range qs {
				h := 0
				if halfOf(q) == "check" {
					h = 1
				}
				cnt[h].n++
				if len(full[i].keys) > 0 && conf(full[i].feats) >= th && full[i].feats.Margin >= mm {
					cnt[h].auto++
					if q.Relevant[full[i].keys[0]] == 2 {
						cnt[h].right++
					}
				}
				if len(gone[i].keys) > 0 && conf(gone[i].feats) >= th && gone[i].feats.Margin >= mm {
					cnt[h].falseAuto++
				}
			}
			fmt.Fprintf(&b, "| %.2f | %.2f | %s | %.3f | %s | %.3f | %.3f | %.3f |\n", th, mm,
				ratio(cnt[0].right, cnt[0].auto), float64(cnt[0].auto)/float64(cnt[0].n),
				ratio(cnt[1].right, cnt[1].auto), float64(cnt[1].auto)/float64(cnt[1].n),
				float64(cnt[0].falseAuto)/float64(cnt[0].n), float64(cnt[1].falseAuto)/float64(cnt[1].n))
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
