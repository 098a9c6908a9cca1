package responder

import (
	"math"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/registry"
)

// An entry's texts are its question and the customers' wordings of it
// (paraphrases). A paraphrase is a whole mail, cleaned: it holds the
// words of the question and the words of one customer's circumstances.
// Searched as one field, the paraphrases of an entry that many customers
// asked about add up: an entry with twenty wordings holds most common
// words of its domain, and draws every mail that shares two of them.
// So each text is also weighed on its own (the best text explains the
// mail), and the texts together as a cluster: the words that two or more
// of them share are what customers keep saying when they ask this, and a
// mail made of those words is asking it again, in whatever order and
// around whatever circumstances.

// Kinds of text, the first byte of each value of fTerms.
const (
	textQuestion  = 'q'
	textConfirmed = 'c'
	textPending   = 'p'
)

// textTerms lists an entry's texts for fTerms: one value per text, its
// kind, then its distinct analysed terms, space-separated (no term holds
// a space: the analyzer cuts at spaces).
func textTerms(e Entry) []string {
	a, err := indexAnalyzer()
	if err != nil {
		return nil // the features fall back to zero; matching still works
	}
	var out []string
	add := func(kind byte, text string) {
		var b strings.Builder
		b.WriteByte(kind)
		seen := map[string]bool{}
		for _, tok := range a.Analyze([]byte(text)) {
			t := string(tok.Term)
			if seen[t] {
				continue
			}
			seen[t] = true
			b.WriteByte(' ')
			b.WriteString(t)
		}
		out = append(out, b.String())
	}
	add(textQuestion, e.Question)
	for _, p := range e.Paraphrases {
		add(textConfirmed, p)
	}
	for _, p := range e.Pending {
		add(textPending, p)
	}
	return out
}

var (
	analyzerOnce sync.Once
	analyzerOne  *mixedAnalyzer
	analyzerErr  error
)

// indexAnalyzer is the analyzer of the index mapping, for text analysed
// outside Bleve's own indexing.
func indexAnalyzer() (*mixedAnalyzer, error) {
	analyzerOnce.Do(func() {
		analyzerOne, analyzerErr = newMixedAnalyzer(registry.NewCache(), true)
	})
	return analyzerOne, analyzerErr
}

// textEvidence measures the query against the texts stored in fTerms, a
// pending one's F1 taken at pending (0: left out). weight holds the
// query's terms with their idf, total their sum.
//
//   - textF1: the best text's F1 of two shares: of the query's weight
//     found in the text, and of the text's terms found in the query;
//   - paraF1: the same over the paraphrases alone;
//   - coreCov: the share of the query's weight made of the cluster's
//     shared words (terms two or more of the question and the confirmed
//     paraphrases hold), when there is a cluster (a confirmed paraphrase
//     beside the question);
//   - coreCont: the share of the cluster's shared words, each counted as
//     often as texts hold it, found in the query.
func textEvidence(values []string, weight map[string]float64, total, pending float64) (textF1, paraF1, coreCov, coreCont float64) {
	if total <= 0 || len(values) == 0 {
		return 0, 0, 0, 0
	}
	// The cluster is the question and the confirmed wordings: what
	// customers said and stood by. Most entries have none but the
	// question, and need no count of shared words.
	var shared map[string]int
	if clusterSize(values) >= 2 {
		shared = map[string]int{}
	}
	for _, v := range values {
		if v == "" || v[0] == textPending && pending == 0 {
			continue
		}
		inCluster := shared != nil && v[0] != textPending
		var cov float64
		n, in := 0, 0
		eachTerm(v[1:], func(t string) {
			n++
			if inCluster {
				shared[t]++
			}
			if w, ok := weight[t]; ok {
				cov += w
				in++
			}
		})
		if n == 0 || in == 0 {
			continue
		}
		cov /= total
		cont := float64(in) / float64(n)
		f1 := 2 * cov * cont / (cov + cont)
		if v[0] == textPending {
			f1 *= pending
		}
		textF1 = max(textF1, f1)
		if v[0] != textQuestion {
			paraF1 = max(paraF1, f1)
		}
	}
	if shared == nil {
		return textF1, paraF1, 0, 0
	}
	var all, found float64
	for t, c := range shared {
		if c < 2 {
			continue
		}
		all += float64(c)
		if w, ok := weight[t]; ok {
			found += float64(c)
			coreCov += w
		}
	}
	if all > 0 {
		coreCont = found / all
	}
	return textF1, paraF1, coreCov / total, coreCont
}

// clusterSize counts the question and the confirmed paraphrases among
// the values of fTerms.
func clusterSize(values []string) int {
	n := 0
	for _, v := range values {
		if v != "" && v[0] != textPending {
			n++
		}
	}
	return n
}

// eachTerm calls fn with each space-separated term of s, without
// allocating: a match reads the terms of fifty candidates' texts.
func eachTerm(s string, fn func(string)) {
	for s != "" {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			fn(s)
			return
		}
		if i > 0 {
			fn(s[:i])
		}
		s = s[i+1:]
	}
}

// learnedWeights are the logistic weights of the learned evidence of one
// language: how likely an entry with confirmed paraphrases answers the
// mail, from how the mail compares with its texts and its cluster. Every
// weight is non-negative, so more evidence never lowers the confidence.
type learnedWeights struct{ Bias, Margin, Sim, Cont, Cov, TextF1, CoreCont, Paras float64 }

// learnedConf holds the weights per language, fitted on the learning
// simulation (learnsim_test.go: the tune half of the localgovfaq dev
// queries for Japanese, the English development set for English); refit
// with go test -tags faqbench -count=1 -run TestLearningSimulation -v ./responder -args -learnfit
// docs/responder.md has the figures.
var learnedConf = map[string]learnedWeights{
	"ja": {Bias: -4.426, Margin: 2.445, Sim: 0.820, Cont: 0.346, Cov: 1.937, TextF1: 2.033, CoreCont: 0.195, Paras: 1.026},
	"en": {Bias: -5.116, Margin: 2.610, Cont: 3.483, Cov: 3.821, TextF1: 0.138, CoreCont: 0.632},
}

// learnedConfidence maps the learned evidence of a hit to a probability-like
// number in [0,1], with the weights of the mail's language.
func learnedConfidence(f features, language string) float64 {
	w, ok := learnedConf[language]
	if !ok {
		w = learnedConf["ja"]
	}
	z := w.Bias + w.Margin*f.Margin + w.Sim*f.Sim + w.Cont*f.Cont + w.Cov*f.Cov + w.TextF1*f.TextF1 + w.CoreCont*f.CoreCont + w.Paras*f.Paras
	return 1 / (1 + math.Exp(-z))
}
