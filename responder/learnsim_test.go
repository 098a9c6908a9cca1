//go:build faqbench

package responder

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The learning simulation replays the streams of the desk's learning
// replay (desk/learnbench_test.go) on the index alone: the same orders,
// subjects and paraphrases (the customer's cleaned wording, confirmed),
// without mail, store or agents. It is fast enough to collect, for every
// question as it arrives, the features of its candidates, which is what
// the learned evidence and its automatic band are fitted on (-args
// -learndump=FILE writes them). The desk's replay is the figure of record.
var (
	flagLearnDump  = flag.String("learndump", "", "write the learning simulation's candidate features to this file")
	flagLearnSeeds = flag.String("learnseeds", "1,2,3", "seeds of the learning simulation")
	flagLearnPB    = flag.Float64("learnpboost", 0, "paraphrase boost of the learning simulation (0: the default)")
	flagLearnSets  = flag.String("learnsets", "ja-tune,ja-check,en", "sets of the learning simulation")
	flagLearnFit   = flag.Bool("learnfit", false, "refit the learned evidence's weights on the simulation and print the threshold sweep")
)

type simSet struct {
	name, lang string
	rows       []faqRow
	queries    []queryRow
	subjects   []string
	ood        []string
}

func simSets(t *testing.T) []simSet {
	rows := loadJSONL[faqRow](t, "faq.jsonl")
	qs := loadJSONL[queryRow](t, "queries-dev.jsonl")
	var out []simSet
	for _, half := range []string{"tune", "check"} {
		var hq []queryRow
		for _, q := range qs {
			if halfOf(q) == half {
				hq = append(hq, q)
			}
		}
		out = append(out, simSet{name: "ja-" + half, lang: "ja", rows: rows, queries: hq,
			subjects: []string{"", "お問い合わせ", "質問", "教えてください"}, ood: readOOD(t, "ja.txt")})
	}
	enRows, enQs := loadSet(t, englishSetDir, "queries-dev.jsonl")
	out = append(out, simSet{name: "en", lang: "en", rows: enRows, queries: enQs,
		subjects: []string{"", "Question", "Help", "Quick question"}, ood: readOOD(t, "en.txt")})
	return out
}

func readOOD(t *testing.T, name string) []string {
	b, err := os.ReadFile(filepath.Join("testdata", "ood", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		out = append(out, strings.ReplaceAll(line, `\n`, "\n"))
	}
	return out
}

// grade2 lists the entries that answer q, in the set's order (numeric ids,
// or en1..en80).
func grade2(q queryRow) []string {
	var out []string
	for k, g := range q.Relevant {
		if g == 2 {
			out = append(out, k)
		}
	}
	num := func(s string) int { n, _ := strconv.Atoi(strings.TrimPrefix(s, "en")); return n }
	slices.SortFunc(out, func(a, b string) int { return num(a) - num(b) })
	return out
}

// simRecord is one question of the simulation with its top candidates.
type simRecord struct {
	set, kind string // kind: taught, never, unans, ood
	seed      uint64
	pos       int // position in the stream
	qid       string
	answers   []string
	hits      []hit
	decision  Decision
	query     string
	paras     string // the top hit's confirmed paraphrases then
}

// simulate runs one stream; learn says which paraphrases are added.
func simulate(t *testing.T, s simSet, seed uint64, tu tuning) []simRecord {
	ctx := context.Background()
	x, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	entries := map[string]Entry{}
	for _, e := range faqEntries(s.rows, nil) {
		entries[e.Key] = e
	}
	if err := x.Rebuild(faqEntries(s.rows, nil), "sim"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 15))
	stream := slices.Clone(s.queries)
	rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
	taught := map[string]bool{}
	var out []simRecord
	for i, q := range stream {
		subject := s.subjects[rng.IntN(len(s.subjects))]
		answers := grade2(q)
		kind := "never"
		switch {
		case len(answers) == 0:
			kind = "unans"
		case slices.ContainsFunc(answers, func(a string) bool { return taught[a] }):
			kind = "taught"
		}
		hits, err := x.search(ctx, CleanQuery(subject, q.Text), tu)
		if err != nil {
			t.Fatal(err)
		}
		res := x.decide(hits)
		out = append(out, simRecord{set: s.name, kind: kind, seed: seed, pos: i, qid: q.ID, answers: answers, hits: hits[:min(len(hits), 10)], decision: res.Decision,
			query: CleanQuery(subject, q.Text)})
		if len(hits) > 0 {
			out[len(out)-1].paras = strings.Join(entries[hits[0].Key].Paraphrases, " ‖ ")
		}
		if len(answers) == 0 {
			continue
		}
		key := answers[0]
		if res.Decision == Auto && slices.Contains(answers, hits[0].Key) {
			key = hits[0].Key
		} else if res.Decision != Escalate {
			for _, c := range res.Candidates {
				if slices.Contains(answers, c.Key) {
					key = c.Key
					break
				}
			}
		}
		para := CleanQuery(subject, CleanLearned(q.Text))
		if r := []rune(para); len(r) > 500 {
			para = string(r[:500])
		}
		e := entries[key]
		if para != "" && !slices.Contains(e.Paraphrases, para) {
			e.Paraphrases = append(slices.Clone(e.Paraphrases), para)
		}
		entries[key] = e
		if err := x.Upsert(e, "sim"); err != nil {
			t.Fatal(err)
		}
		taught[key] = true
	}
	for i, m := range s.ood {
		hits, err := x.search(ctx, CleanQuery("", m), tu)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, simRecord{set: s.name, kind: "ood", seed: seed, pos: i, qid: "ood" + strconv.Itoa(i), hits: hits[:min(len(hits), 10)], decision: x.decide(hits).Decision})
	}
	return out
}

// TestLearningSimulation prints the simulation's automatic-answer figures
// per set and kind and, with -learndump, writes every record's candidates.
func TestLearningSimulation(t *testing.T) {
	var seeds []uint64
	for _, s := range strings.Split(*flagLearnSeeds, ",") {
		n, _ := strconv.ParseUint(s, 10, 64)
		seeds = append(seeds, n)
	}
	var all []simRecord
	for _, s := range simSets(t) {
		if !slices.Contains(strings.Split(*flagLearnSets, ","), s.name) {
			continue
		}
		tu := tuningFor(s.lang)
		if *flagLearnPB > 0 {
			tu.PBoost = *flagLearnPB
		}
		for _, seed := range seeds {
			all = append(all, simulate(t, s, seed, tu)...)
		}
	}
	type cnt struct{ n, auto, right, top1 int }
	sum := map[string]*cnt{}
	var keys []string
	for _, r := range all {
		k := r.set + " " + r.kind
		if sum[k] == nil {
			sum[k] = &cnt{}
			keys = append(keys, k)
		}
		c := sum[k]
		c.n++
		right := len(r.hits) > 0 && slices.Contains(r.answers, r.hits[0].Key)
		if right {
			c.top1++
		}
		if r.decision == Auto {
			c.auto++
			if right {
				c.right++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nlearning simulation, seeds %s\n| set kind | n | top-1 | auto | right |\n|---|---|---|---|---|\n", *flagLearnSeeds)
	for _, k := range keys {
		c := sum[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", k, c.n, c.top1, c.auto, c.right)
	}
	t.Log(b.String())
	if *flagLearnDump != "" {
		dumpRecords(t, *flagLearnDump, all)
	}
	if *flagLearnFit {
		fitLearned(t, all)
	}
}

// fitLearned fits the learned evidence's logistic weights per language on
// the top hits with confirmed paraphrases: Japanese on the tune half of
// the localgovfaq streams only, English on the English development set;
// then prints, per set and threshold, what the decision (both ways to an
// automatic answer) gives with the fitted weights.
func fitLearned(t *testing.T, recs []simRecord) {
	vec := func(f features) []float64 {
		return []float64{1, f.Margin, f.Sim, f.Cont, f.Cov, f.TextF1, f.CoreCont, f.Paras}
	}
	fitted := map[string]learnedWeights{}
	for _, c := range []struct{ lang, set string }{{"ja", "ja-tune"}, {"en", "en"}} {
		var xs [][]float64
		var ys []float64
		for _, r := range recs {
			if r.set != c.set || len(r.hits) == 0 || r.hits[0].nPara == 0 {
				continue
			}
			xs = append(xs, vec(r.hits[0].feats))
			ys = append(ys, boolF(slices.Contains(r.answers, r.hits[0].Key)))
		}
		w := fitLogistic(xs, ys)
		lw := learnedWeights{Bias: w[0], Margin: w[1], Sim: w[2], Cont: w[3], Cov: w[4], TextF1: w[5], CoreCont: w[6], Paras: w[7]}
		fitted[c.lang] = lw
		t.Logf("learned weights %s (fitted on %d top hits of %s with confirmed paraphrases): %+v", c.lang, len(xs), c.set, lw)
	}
	saved := learnedConf
	defer func() { learnedConf = saved }()
	learnedConf = fitted
	x := &Index{opts: withDefaults(Options{})}
	var b strings.Builder
	b.WriteString("\nthreshold sweep of the automatic band with the fitted weights (all seeds): automatic answers right/made\n")
	b.WriteString("| threshold | set | taught before | never taught | no entry answers | out of domain | precision |\n|---|---|---|---|---|---|---|\n")
	for _, th := range []float64{0.7, 0.75, 0.8, 0.85, 0.9} {
		x.opts.LearnedAutoConfidence = th
		for _, set := range []string{"ja-tune", "ja-check", "en"} {
			type cnt struct{ n, auto, right int }
			c := map[string]*cnt{"taught": {}, "never": {}, "unans": {}, "ood": {}}
			for _, r := range recs {
				if r.set != set {
					continue
				}
				hs := slices.Clone(r.hits)
				for i := range hs {
					hs[i].learned = 0
					if hs[i].nPara > 0 {
						hs[i].learned = learnedConfidence(hs[i].feats, map[bool]string{true: "en", false: "ja"}[set == "en"])
					}
				}
				k := c[r.kind]
				k.n++
				if x.decide(hs).Decision == Auto {
					k.auto++
					if slices.Contains(r.answers, hs[0].Key) {
						k.right++
					}
				}
			}
			auto, right := 0, 0
			for _, k := range c {
				auto += k.auto
				right += k.right
			}
			fmt.Fprintf(&b, "| %.2f | %s | %d/%d of %d | %d/%d of %d | %d of %d | %d of %d | %d/%d |\n", th, set,
				c["taught"].right, c["taught"].auto, c["taught"].n, c["never"].right, c["never"].auto, c["never"].n,
				c["unans"].auto, c["unans"].n, c["ood"].auto, c["ood"].n, right, auto)
		}
	}
	t.Log(b.String())
}

// fitLogistic fits logistic weights by gradient descent (small L2 on all
// but the bias), every weight but the bias held non-negative.
func fitLogistic(xs [][]float64, ys []float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	w := make([]float64, len(xs[0]))
	for iter := 0; iter < 20000; iter++ {
		g := make([]float64, len(w))
		for i, x := range xs {
			z := 0.0
			for k := range w {
				z += w[k] * x[k]
			}
			p := 1 / (1 + math.Exp(-z))
			for k := range w {
				g[k] += (p - ys[i]) * x[k]
			}
		}
		for k := range w {
			w[k] -= 0.5 * (g[k]/float64(len(xs)) + 0.001*w[k]*boolF(k > 0))
			if k > 0 {
				w[k] = math.Max(w[k], 0)
			}
		}
	}
	return w
}

func dumpRecords(t *testing.T, path string, recs []simRecord) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "set\tseed\tpos\tqid\tkind\trank\tkey\tright\tdecision\tnpara\t"+strings.Join(featureNames, "\t")+"\tquery\tparas")
	for _, r := range recs {
		for i, h := range r.hits {
			right := slices.Contains(r.answers, h.Key)
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%d\t%s\t%v\t%s\t%d", r.set, r.seed, r.pos, r.qid, r.kind, i, h.Key, right, r.decision, h.nPara)
			for _, v := range featureValues(h) {
				fmt.Fprintf(w, "\t%.4f", v)
			}
			clean := strings.NewReplacer("\t", " ", "\n", " ")
			if i == 0 {
				fmt.Fprintf(w, "\t%s\t%s", clean.Replace(r.query), clean.Replace(r.paras))
			} else {
				fmt.Fprint(w, "\t\t")
			}
			fmt.Fprintln(w)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

var featureNames = []string{"BM", "Sim", "Cont", "CovQ", "Cov", "Top", "Margin", "Conf", "TextF1", "ParaF1", "CoreCov", "CoreCont", "Paras", "Learned"}

func featureValues(h hit) []float64 {
	f := h.feats
	return []float64{f.BM, f.Sim, f.Cont, f.CovQ, f.Cov, f.Top, f.Margin, h.Confidence, f.TextF1, f.ParaF1, f.CoreCov, f.CoreCont, f.Paras, h.learned}
}
