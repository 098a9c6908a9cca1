package responder

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/madoguchi/madoguchi/lang"
)

// Matching runs in two stages. A wide disjunctive BM25 query over the
// question, paraphrase, answer and tag fields fetches the candidates
// (recall); each candidate is then re-scored in Go with features that a
// bag-of-words score does not see: how much of the question's wording the
// mail repeats (character bigrams), and which of the mail's content words
// the question holds, weighted by rarity (precision).
//
// What else was tried on the first stage and the re-ranking, and why it
// was dropped, is in docs/responder.md.

// tuning holds the knobs of query construction and re-ranking.
type tuning struct {
	QBoost, PBoost, ABoost, TBoost float64 // field boosts: question, confirmed paraphrases, answer, tags
	// Pending lets the pending paraphrases count (Match leaves them out
	// to check an automatic answer); PendingCredit is how much they count
	// beside a confirmed one: the boost of their field, and the share of
	// their similarity to the mail that the features see. A wording the
	// customer confirmed says more than one an agent's #answer put there.
	Pending       bool
	PendingCredit float64
	// MaxTerms bounds the distinct content words of a query: a mail's
	// first ones carry its topic, and each is a disjunction over four
	// fields, so a long mail would otherwise cost latency for noise.
	MaxTerms int
	Fetch    int // first-stage candidates re-ranked
	// OneIDF divides each clause's boost by its idf: Bleve multiplies the
	// BM25 term score by a query weight that holds the idf again, so rare
	// terms would otherwise count with idf squared.
	OneIDF bool
	// MaxShareA leaves a term out of the answer clauses when more than
	// that share of the entries, and more than minCapped of them, hold it
	// in their answer (0: no limit). Such a term says little (its idf is
	// near the floor) but its postings are what a large index spends its
	// time on.
	MaxShareA float64
	Rerank    rerankWeights
	// Language picks the learned evidence's weights; "" detects it from
	// the query.
	Language string
}

// rerankWeights combine the candidate features into the final ranking
// score.
type rerankWeights struct{ BM, Sim, Cont, CovQ, Cov, TextF1, CoreCov float64 }

// minCapped keeps the share caps of tuning out of small indexes, where a
// common term costs nothing and may still tell entries apart.
const minCapped = 100

// defaultTuning holds the values in use; docs/responder.md says how each
// was chosen (on the tune half of the localgovfaq dev queries) and what it
// gives.
var defaultTuning = tuning{
	QBoost: 3, PBoost: 3, ABoost: 1, TBoost: 1, Pending: true, PendingCredit: 0.5,
	MaxTerms: 24, Fetch: 50, MaxShareA: 0.15,
	Rerank:   rerankWeights{BM: 1, Sim: 0.1, Cont: 0.6, CovQ: 0, Cov: 1.2},
	Language: lang.Japanese,
}

// englishTuning is the tuning of English mail: the field boosts were
// fitted on the English development set, where the Japanese ones let the
// paraphrases draw unrelated mail. An English paraphrase is a customer's
// whole mail, full of words of their circumstances; the question is a
// curated sentence, and the English answers name what they answer.
var englishTuning = func() tuning {
	t := defaultTuning
	t.QBoost, t.PBoost, t.ABoost = 5, 1, 2
	t.Language = lang.English
	return t
}()

// tuningFor is the tuning of a mail in language.
func tuningFor(language string) tuning {
	if language == lang.English {
		return englishTuning
	}
	return defaultTuning
}

// hit is a candidate with what the decision needs beyond it.
type hit struct {
	Candidate
	helpful, notHelpful int
	pending             bool // the entry has pending paraphrases
	nPara               int  // confirmed paraphrases of the entry
	// learned is the confidence of the learned evidence (learnedConfidence),
	// 0 for an entry without confirmed paraphrases.
	learned float64
	qTerms  int // distinct content terms of the query
	feats   features
	rank    float64 // re-ranking score
}

// features describe how well one hit answers the query, in terms that mean
// the same for any query and index size.
type features struct {
	BM   float64 // first-stage score / best first-stage score of the query
	Sim  float64 // best char-bigram Dice of the query with the question or a paraphrase
	Cont float64 // best share of a question's (or paraphrase's) units found in the query
	CovQ float64 // idf-weighted share of query terms found in the question or a paraphrase
	Cov  float64 // idf-weighted share of query terms found anywhere in the entry
	// Of the entry's texts, on analysed terms (textEvidence): the best
	// text's and the best paraphrase's F1 with the query, and the share
	// of the query made of the cluster's shared words, and of those words
	// found in the query.
	TextF1, ParaF1, CoreCov, CoreCont float64
	Paras                             float64 // log(1 + confirmed paraphrases)
	// Of the top hit only: the re-ranking score and its lead over the next.
	Top    float64
	Margin float64 // (top - next) / top, in re-ranking scores
}

// search analyses q, queries the index and returns the hits best first.
func (x *Index) search(ctx context.Context, q string, t tuning) ([]hit, error) {
	if q == "" {
		return nil, nil
	}
	qa, err := x.analyzeQuery(q, t)
	if err != nil {
		return nil, err
	}
	language := t.Language
	if language == "" {
		language = lang.DetectOr(q, lang.Japanese)
	}
	idfByField, n, err := x.fieldIDFs(ctx, qa.morph, t.Pending)
	if err != nil {
		return nil, err
	}
	bq := buildQuery(qa.morph, t, idfByField, n)
	if bq == nil {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(bq, max(t.Fetch, x.opts.MaxCandidates), 0, false)
	req.IncludeLocations = true
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("responder: search: %w", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	for _, h := range res.Hits {
		// The stored fields of the hits, as req.Fields would load them,
		// from the cache of the entries (cache.go).
		if h.Fields, err = x.stored.get(x.idx, h.ID); err != nil {
			return nil, err
		}
	}
	idf := termIDF(qa.morph, idfByField, n)
	var idfSum float64
	for _, v := range idf {
		idfSum += v
	}
	top := res.Hits[0].Score
	hits := make([]hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		credit := 0.0
		if t.Pending {
			credit = t.PendingCredit
		}
		f := featuresOf(h, top, qa, idf, idfSum, credit)
		hits = append(hits, hit{
			Candidate: Candidate{
				Key:      h.ID,
				Score:    h.Score,
				Question: fieldString(h.Fields, fQuestion),
				Status:   fieldString(h.Fields, fStatus),
			},
			helpful:    fieldInt(h.Fields, fHelpful),
			notHelpful: fieldInt(h.Fields, fNotHelpful),
			pending:    len(fieldStrings(h.Fields, fPending)) > 0,
			nPara:      len(fieldStrings(h.Fields, fPara)),
			feats:      f,
			rank:       t.Rerank.score(f),
		})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank > hits[j].rank })
	for i := range hits {
		next := 0.0
		if i == 0 && len(hits) > 1 {
			next = hits[1].rank
		} else if i > 0 {
			next = hits[0].rank
		}
		f := &hits[i].feats
		f.Top = hits[i].rank
		if f.Top > 0 {
			f.Margin = max(0, (f.Top-next)/f.Top)
		}
		hits[i].Confidence = confidence(*f)
		hits[i].qTerms = len(qa.morph)
		if hits[i].nPara > 0 {
			f.Paras = math.Log1p(float64(hits[i].nPara))
			hits[i].learned = learnedConfidence(*f, language)
		}
	}
	return hits, nil
}

func (w rerankWeights) score(f features) float64 {
	return w.BM*f.BM + w.Sim*f.Sim + w.Cont*f.Cont + w.CovQ*f.CovQ + w.Cov*f.Cov + w.TextF1*f.TextF1 + w.CoreCov*f.CoreCov
}

// queryAnalysis is the query cut once for every use.
type queryAnalysis struct {
	morph    []string
	grams    []uint64 // sorted distinct units of the similarity features
	analyzer *mixedAnalyzer
	entries  *gramCache // the units of the entries' questions and paraphrases
}

// analyzeQuery cuts the query once: its terms through the index's own
// analyzer, deduplicated in order and capped at t.MaxTerms, and its
// character bigrams for the similarity features.
func (x *Index) analyzeQuery(q string, t tuning) (queryAnalysis, error) {
	a := x.idx.Mapping().AnalyzerNamed(morphAnalyzerName)
	if a == nil {
		return queryAnalysis{}, fmt.Errorf("responder: analyzer %s not registered", morphAnalyzerName)
	}
	ma, ok := a.(*mixedAnalyzer)
	if !ok {
		return queryAnalysis{}, fmt.Errorf("responder: analyzer %s is a %T", morphAnalyzerName, a)
	}
	var qa queryAnalysis
	seen := map[string]bool{}
	for _, tok := range a.Analyze([]byte(q)) {
		s := string(tok.Term)
		if seen[s] {
			continue
		}
		seen[s] = true
		qa.morph = append(qa.morph, s)
		if len(qa.morph) >= t.MaxTerms {
			break
		}
	}
	qa.grams = ma.grams(q)
	qa.analyzer, qa.entries = ma, &x.grams
	return qa, nil
}

// buildQuery makes, per query term, a disjunction over the fields with their
// boosts, and one disjunction over the terms. Bleve's disjunction scales a
// sum by the share of clauses that matched, so a document that covers more
// of the query's terms wins over one that repeats a single term.
func buildQuery(morph []string, t tuning, idf map[string]map[string]float64, n uint64) query.Query {
	type fb struct {
		field  string
		boost  float64
		minIDF float64
	}
	var aFloor float64
	if df := max(uint64(math.Ceil(t.MaxShareA*float64(n))), minCapped); t.MaxShareA > 0 && df < n {
		aFloor = bm25IDF(n, df)
	}
	var outer []query.Query
	add := func(terms []string, fields []fb, weight float64) {
		if weight == 0 {
			return
		}
		for _, term := range terms {
			var inner []query.Query
			for _, f := range fields {
				v := idf[f.field][term]
				if f.boost == 0 || v == 0 || v < f.minIDF {
					// Term absent from this field: the clause cannot match,
					// and leaving it out saves a posting lookup.
					continue
				}
				b := f.boost * weight
				if t.OneIDF {
					b /= v
				}
				tq := bleve.NewTermQuery(term)
				tq.SetField(f.field)
				tq.SetBoost(b)
				inner = append(inner, tq)
			}
			switch len(inner) {
			case 0:
			case 1:
				outer = append(outer, inner[0])
			default:
				outer = append(outer, bleve.NewDisjunctionQuery(inner...))
			}
		}
	}
	fields := []fb{{fQuestion, t.QBoost, 0}, {fPara, t.PBoost, 0}, {fAnswer, t.ABoost, aFloor}, {fTags, t.TBoost, 0}}
	if t.Pending {
		fields = append(fields, fb{fPending, t.PBoost * t.PendingCredit, 0})
	}
	add(morph, fields, 1)
	if len(outer) == 0 {
		return nil
	}
	return bleve.NewDisjunctionQuery(outer...)
}

// fieldIDFs returns the BM25 idf of each query term in each field it is
// searched in (0 when the field does not hold the term), the same figure
// Bleve's scorer uses, and the number of documents.
func (x *Index) fieldIDFs(ctx context.Context, morph []string, pending bool) (map[string]map[string]float64, uint64, error) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return nil, 0, fmt.Errorf("responder: idf: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("responder: idf: %w", err)
	}
	defer func() { _ = r.Close() }()
	n, err := r.DocCount()
	if err != nil {
		return nil, 0, fmt.Errorf("responder: idf: %w", err)
	}
	out := map[string]map[string]float64{}
	look := func(terms []string, fields ...string) error {
		for _, f := range fields {
			m := make(map[string]float64, len(terms))
			out[f] = m
			for _, term := range terms {
				tfr, err := r.TermFieldReader(ctx, []byte(term), f, false, false, false)
				if err != nil {
					return fmt.Errorf("responder: idf %s: %w", term, err)
				}
				df := tfr.Count()
				_ = tfr.Close()
				if df > 0 {
					m[term] = bm25IDF(n, df)
				}
			}
		}
		return nil
	}
	fields := []string{fQuestion, fPara, fAnswer, fTags}
	if pending {
		fields = append(fields, fPending)
	}
	if err := look(morph, fields...); err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

func bm25IDF(n, df uint64) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// termIDF is the idf of each term for the coverage features: from the field
// (question or answer) where it is most common. A term found nowhere counts
// as a term seen once, so missing it lowers coverage as a rare word would.
func termIDF(terms []string, byField map[string]map[string]float64, n uint64) map[string]float64 {
	out := make(map[string]float64, len(terms))
	unseen := bm25IDF(max(n, 1), 1)
	for _, t := range terms {
		best := math.Inf(1)
		for _, f := range []string{fQuestion, fPara, fPending, fAnswer} {
			if v, ok := byField[f][t]; ok {
				best = math.Min(best, v)
			}
		}
		if math.IsInf(best, 1) {
			best = unseen
		}
		out[t] = best
	}
	return out
}

// featuresOf measures one hit; pending is the credit of the entry's
// pending paraphrases as wordings of its question (0: they do not count).
func featuresOf(h *search.DocumentMatch, top float64, qa queryAnalysis, idf map[string]float64, total float64, pending float64) features {
	var inQ, inAny float64
	for _, t := range qa.morph {
		w := idf[t]
		q := hasTerm(h.Locations, fQuestion, t) || hasTerm(h.Locations, fPara, t) || pending > 0 && hasTerm(h.Locations, fPending, t)
		if q {
			inQ += w
		}
		if q || anyField(h.Locations, t) {
			inAny += w
		}
	}
	f := features{}
	if total > 0 {
		f.CovQ, f.Cov = inQ/total, inAny/total
	}
	if top > 0 {
		f.BM = h.Score / top
	}
	texts := append([]string{fieldString(h.Fields, fQuestion)}, fieldStrings(h.Fields, fPara)...)
	confirmed := len(texts)
	if pending > 0 {
		texts = append(texts, fieldStrings(h.Fields, fPending)...)
	}
	for i, s := range texts {
		if s == "" {
			continue
		}
		dice, cont := gramOverlap(qa.grams, qa.entries.get(qa.analyzer, s))
		if i >= confirmed {
			dice, cont = pending*dice, pending*cont
		}
		f.Sim = max(f.Sim, dice)
		f.Cont = max(f.Cont, cont)
	}
	f.TextF1, f.ParaF1, f.CoreCov, f.CoreCont = textEvidence(fieldStrings(h.Fields, fTerms), idf, total, pending)
	return f
}

// grams returns the sorted distinct units that the similarity features
// compare, after width normalisation: character bigrams of each Japanese
// run (a one-character run counts whole), and the English analyzer's terms
// (stop words out, stemmed) of everything else. Letter bigrams would make
// any two English sentences look alike ("th", "in", "er"), and a short
// English question would seem restated by any mail that shares a few of
// its words. Spacing, punctuation and case change no unit, so a restated
// question scores close to 1 against itself.
func (a *mixedAnalyzer) grams(s string) []uint64 {
	text := normalizeText(s)
	var out []uint64
	for _, r := range splitRuns(text) {
		if !r.japanese {
			for _, t := range a.english(r.text) {
				out = append(out, wordUnit(t.Term))
			}
			continue
		}
		var runes []rune
		for _, c := range r.text {
			if isGramRune(c) {
				runes = append(runes, c)
			}
		}
		if len(runes) == 1 {
			out = append(out, uint64(runes[0]))
		}
		for i := 0; i+1 < len(runes); i++ {
			out = append(out, uint64(runes[i])<<32|uint64(runes[i+1]))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// wordUnit hashes a word into the upper half of the unit space, which no
// pair of runes (< 2^21 each) reaches.
func wordUnit(term []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(term)
	return h.Sum64() | 1<<63
}

func isGramRune(r rune) bool {
	return isJapanese(r) || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// gramOverlap returns the Dice coefficient of two sorted gram sets and the
// share of b's grams found in a.
func gramOverlap(a, b []uint64) (dice, contB float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b)), float64(common) / float64(len(b))
}

func hasTerm(loc search.FieldTermLocationMap, field, term string) bool {
	_, ok := loc[field][term]
	return ok
}

func anyField(loc search.FieldTermLocationMap, term string) bool {
	for _, terms := range loc {
		if _, ok := terms[term]; ok {
			return true
		}
	}
	return false
}

// Logistic weights of the confidence, fitted by logistic regression with
// every feature weight held non-negative, so more evidence never lowers
// confidence. The examples include synthetic restatements of entries'
// questions, which teach it that a mail repeating an entry's wording (Sim,
// Cont near 1) is answered by that entry, in a small index as in a large
// one. docs/responder.md lists the examples and the data they come from.
// The weights depend on defaultTuning.Rerank; refit with
// go test -tags faqbench -count=1 -run TestFAQBenchReport -v ./responder -args -scale=0 -fit
var confWeights = struct{ Bias, Margin, Sim, Cont, CovQ, Cov float64 }{
	Bias: -4.292, Margin: 1.710, Sim: 2.368, Cont: 3.413, CovQ: 0.594, Cov: 1.828,
}

// confidence maps the top hit's features to a probability-like number in
// [0,1]. Every weight is non-negative, so a stronger top hit never lowers
// it.
func confidence(f features) float64 {
	w := confWeights
	z := w.Bias + w.Margin*f.Margin + w.Sim*f.Sim + w.Cont*f.Cont + w.CovQ*f.CovQ + w.Cov*f.Cov
	return 1 / (1 + math.Exp(-z))
}

// An automatic answer also needs the mail to say what the entry's question
// says, both ways: it must hold at least minContainment of the question's
// units ("home" alone is a quarter of "How do I connect to the office VPN
// from home?"), and its units and the question's must overlap by Dice
// minSimilarity (a two-unit title such as "（入館証）" found inside a longer
// mail that asks something else is far below it). A logistic score lets one
// strong feature buy off a missing one, and in a small index the margin
// over the runner-up comes cheap; these floors do not.
const (
	minContainment = 0.5
	minSimilarity  = 0.35
)

// decide applies the bands to the ranked hits. An automatic answer comes
// one of two ways: the mail says what the entry's question says (the
// confidence, the margin and both floors above), or the entry has been
// confirmed for other customers' wordings and the mail keeps to what they
// said (learnedAuto). Facts about the entry stop both.
func (x *Index) decide(hits []hit) Result {
	if len(hits) == 0 {
		return Result{Decision: Escalate, Reason: "no matching entry"}
	}
	o := x.opts
	n := min(len(hits), o.MaxCandidates)
	res := Result{Candidates: make([]Candidate, n)}
	for i := range n {
		res.Candidates[i] = hits[i].Candidate
		res.Candidates[i].Confidence = max(hits[i].Confidence, hits[i].learned)
	}
	top := hits[0]
	margin := top.feats.Margin
	var why string
	// Facts about the entry come first in the reason: no threshold can
	// change them, while a low confidence might only need a paraphrase.
	switch {
	case top.Status != StatusPublished:
		why = fmt.Sprintf("entry is %s", top.Status)
	case top.helpful+top.notHelpful >= o.MinVotes &&
		float64(top.notHelpful)/float64(top.helpful+top.notHelpful) > o.MaxUnhelpfulRatio:
		why = fmt.Sprintf("unhelpful %d/%d", top.notHelpful, top.helpful+top.notHelpful)
	case margin < o.MinMargin:
		why = fmt.Sprintf("margin %.2f < %.2f", margin, o.MinMargin)
	case x.learnedAuto(top):
	case top.feats.Cont < minContainment:
		why = fmt.Sprintf("mail repeats %.0f%% of the entry's question (< %.0f%%)", 100*top.feats.Cont, 100*minContainment)
	case top.feats.Sim < minSimilarity:
		why = fmt.Sprintf("similarity to the entry's question %.2f < %.2f", top.feats.Sim, minSimilarity)
	case top.Confidence < o.AutoSendConfidence:
		why = fmt.Sprintf("confidence %.2f < %.2f", top.Confidence, o.AutoSendConfidence)
	}
	switch {
	case why == "":
		res.Decision = Auto
	case res.Candidates[0].Confidence >= o.SuggestConfidence:
		res.Decision, res.Reason = Suggest, why
	default:
		res.Decision, res.Reason = Escalate, why
	}
	return res
}

// learnedAuto tells whether the learned evidence alone sends the top hit:
// its entry has confirmed paraphrases, their confidence reaches the
// automatic band, the mail holds two content words or more (one word
// says too little of what is asked), and one of the entry's texts
// explains the mail (minTextF1). The floors on the question's wording do
// not apply: a customer's new wording of a question others asked shares
// the words they share, not the question's.
func (x *Index) learnedAuto(top hit) bool {
	return top.nPara > 0 && top.learned >= x.opts.LearnedAutoConfidence && top.qTerms >= 2 && top.feats.TextF1 >= minTextF1
}

// minTextF1 is the learned evidence's floor: the best text of the entry
// must share with the mail that much of both's terms (F1 of the shares).
const minTextF1 = 0.3

func fieldString(fields map[string]any, name string) string {
	switch v := fields[name].(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// fieldStrings reads a stored field that holds one value or several.
func fieldStrings(fields map[string]any, name string) []string {
	switch v := fields[name].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func fieldInt(fields map[string]any, name string) int {
	n, _ := strconv.Atoi(fieldString(fields, name))
	return n
}
