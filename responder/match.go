package responder

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// tuning holds the knobs of query construction. The values in defaultTuning
// were chosen on the even half of the dev queries (bench_test.go).
type tuning struct {
	QBoost, PBoost, ABoost, TBoost float64 // field boosts: question, paraphrases, answer, tags
	Morph                          bool    // query the kagome fields
	Bigram                         float64 // weight of the bigram fields; 0 leaves them out
	MaxTerms                       int     // per analyzer, bounds latency on long mails
	Fetch                          int     // hits fetched to compute features
	// Structure: 0 = per term a disjunction over fields; 1 = per field a
	// disjunction over terms; 2 = one flat disjunction.
	Structure int
	// OneIDF divides each clause's boost by its idf: Bleve multiplies the
	// BM25 term score by a query weight that holds the idf again, so rare
	// terms would otherwise count with idf squared.
	OneIDF bool
}

var defaultTuning = tuning{
	QBoost: 3, PBoost: 3, ABoost: 1, TBoost: 1,
	Morph: true, Bigram: 0,
	MaxTerms: 24, Fetch: 10,
}

// hit is a candidate with what the decision needs beyond it.
type hit struct {
	Candidate
	helpful, notHelpful int
	feats               features
}

// search analyses q, queries the index and scores the candidates.
func (x *Index) search(ctx context.Context, q string, t tuning) ([]hit, error) {
	if q == "" {
		return nil, nil
	}
	morphTerms, bigramTerms, err := x.queryTerms(q, t)
	if err != nil {
		return nil, err
	}
	idfByField, err := x.fieldIDFs(ctx, morphTerms, bigramTerms)
	if err != nil {
		return nil, err
	}
	bq := buildQuery(morphTerms, bigramTerms, t, idfByField)
	if bq == nil {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(bq, max(t.Fetch, x.opts.MaxCandidates), 0, false)
	req.Fields = []string{fQuestion, fStatus, fHelpful, fNotHelpful}
	req.IncludeLocations = true
	res, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("responder: search: %w", err)
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	primary, primaryFields := morphTerms, [2]string{fQuestion, fPara}
	if !t.Morph || len(morphTerms) == 0 {
		primary, primaryFields = bigramTerms, [2]string{fQuestionBg, fParaBg}
	}
	idf := termIDF(primary, idfByField, primaryFields[0] == fQuestion)
	hits := make([]hit, 0, len(res.Hits))
	for i, h := range res.Hits {
		other := 0.0
		if i == 0 && len(res.Hits) > 1 {
			other = res.Hits[1].Score
		} else if i > 0 {
			other = res.Hits[0].Score
		}
		f := featuresOf(h, other, primary, idf, primaryFields)
		hits = append(hits, hit{
			Candidate: Candidate{
				Key:        h.ID,
				Score:      h.Score,
				Question:   fieldString(h.Fields, fQuestion),
				Status:     fieldString(h.Fields, fStatus),
				Confidence: confidence(f),
			},
			helpful:    fieldInt(h.Fields, fHelpful),
			notHelpful: fieldInt(h.Fields, fNotHelpful),
			feats:      f,
		})
	}
	return hits, nil
}

// queryTerms runs the query through both analyzers, deduplicated in order
// and capped at t.MaxTerms each.
func (x *Index) queryTerms(q string, t tuning) (morph, bigram []string, err error) {
	m := x.idx.Mapping()
	terms := func(name string) ([]string, error) {
		a := m.AnalyzerNamed(name)
		if a == nil {
			return nil, fmt.Errorf("responder: analyzer %s not registered", name)
		}
		seen := map[string]bool{}
		var out []string
		for _, tok := range a.Analyze([]byte(q)) {
			s := string(tok.Term)
			if seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, s)
			if len(out) >= t.MaxTerms {
				break
			}
		}
		return out, nil
	}
	if t.Morph {
		if morph, err = terms(morphAnalyzerName); err != nil {
			return nil, nil, err
		}
	}
	if t.Bigram > 0 || !t.Morph {
		if bigram, err = terms(bigramAnalyzerName); err != nil {
			return nil, nil, err
		}
	}
	return morph, bigram, nil
}

// buildQuery makes one group per analyzer of term clauses over the fields
// with their boosts. Bleve's disjunction scales a sum by the share of
// clauses that matched, so a document that covers more of the query's terms
// wins over one that repeats a single term.
func buildQuery(morph, bigram []string, t tuning, idf map[string]map[string]float64) query.Query {
	type fb struct {
		field string
		boost float64
	}
	group := func(terms []string, fields []fb, weight float64) query.Query {
		if len(terms) == 0 || weight == 0 {
			return nil
		}
		clause := func(term string, f fb) query.Query {
			if f.boost == 0 {
				return nil
			}
			if idf[f.field][term] == 0 {
				// Term absent from this field: the clause cannot match, and
				// leaving it out saves a posting lookup (and keeps Bleve's
				// coord over clauses that could match).
				return nil
			}
			b := f.boost * weight
			if t.OneIDF {
				b /= idf[f.field][term]
			}
			tq := bleve.NewTermQuery(term)
			tq.SetField(f.field)
			tq.SetBoost(b)
			return tq
		}
		var outer []query.Query
		switch t.Structure {
		case 1:
			for _, f := range fields {
				var inner []query.Query
				for _, term := range terms {
					if c := clause(term, f); c != nil {
						inner = append(inner, c)
					}
				}
				if len(inner) > 0 {
					outer = append(outer, bleve.NewDisjunctionQuery(inner...))
				}
			}
		case 2:
			for _, term := range terms {
				for _, f := range fields {
					if c := clause(term, f); c != nil {
						outer = append(outer, c)
					}
				}
			}
		default:
			for _, term := range terms {
				var inner []query.Query
				for _, f := range fields {
					if c := clause(term, f); c != nil {
						inner = append(inner, c)
					}
				}
				if len(inner) > 0 {
					outer = append(outer, bleve.NewDisjunctionQuery(inner...))
				}
			}
		}
		if len(outer) == 0 {
			return nil
		}
		return bleve.NewDisjunctionQuery(outer...)
	}
	var groups []query.Query
	if t.Morph {
		if g := group(morph, []fb{{fQuestion, t.QBoost}, {fPara, t.PBoost}, {fAnswer, t.ABoost}, {fTags, t.TBoost}}, 1); g != nil {
			groups = append(groups, g)
		}
	}
	w := t.Bigram
	if !t.Morph {
		w = 1
	}
	if g := group(bigram, []fb{{fQuestionBg, t.QBoost}, {fParaBg, t.PBoost}, {fAnswerBg, t.ABoost}}, w); g != nil {
		groups = append(groups, g)
	}
	switch len(groups) {
	case 0:
		return nil
	case 1:
		return groups[0]
	}
	return bleve.NewDisjunctionQuery(groups...)
}

// fieldIDFs returns the BM25 idf of each query term in each field it is
// searched in (0 when the field does not hold the term), the same figure
// Bleve's scorer uses.
func (x *Index) fieldIDFs(ctx context.Context, morph, bigram []string) (map[string]map[string]float64, error) {
	adv, err := x.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("responder: idf: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("responder: idf: %w", err)
	}
	defer func() { _ = r.Close() }()
	n, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("responder: idf: %w", err)
	}
	out := map[string]map[string]float64{}
	look := func(terms []string, fields ...string) error {
		for _, f := range fields {
			m := map[string]float64{}
			out[f] = m
			for _, term := range terms {
				tfr, err := r.TermFieldReader(ctx, []byte(term), f, false, false, false)
				if err != nil {
					return fmt.Errorf("responder: idf %s: %w", term, err)
				}
				df := tfr.Count()
				_ = tfr.Close()
				if df > 0 {
					m[term] = math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
				}
			}
		}
		return nil
	}
	if err := look(morph, fQuestion, fPara, fAnswer, fTags); err != nil {
		return nil, err
	}
	if err := look(bigram, fQuestionBg, fParaBg, fAnswerBg); err != nil {
		return nil, err
	}
	return out, nil
}

// termIDF is the idf of each term for the confidence features: from the
// field (question or answer) where it is most common (a term found nowhere counts as
// maximally informative, so missing it lowers coverage).
func termIDF(terms []string, byField map[string]map[string]float64, morph bool) map[string]float64 {
	fields := []string{fQuestion, fAnswer}
	if !morph {
		fields = []string{fQuestionBg, fAnswerBg}
	}
	out := make(map[string]float64, len(terms))
	for _, t := range terms {
		best := math.Inf(1)
		for _, f := range fields {
			if v, ok := byField[f][t]; ok {
				best = math.Min(best, v)
			}
		}
		if math.IsInf(best, 1) {
			best = 0
			for _, f := range fields {
				for _, v := range byField[f] {
					best = math.Max(best, v)
				}
			}
		}
		out[t] = best
	}
	return out
}

// features describe how well one hit answers the query, in terms that mean
// the same for any query and index size.
type features struct {
	CovQ   float64 // idf-weighted share of query terms found in the question or a paraphrase
	Cov    float64 // idf-weighted share of query terms found anywhere in the entry
	Margin float64 // (score - best other score) / score
	Rel    float64 // score / sum of the query terms' idf
}

func featuresOf(h *search.DocumentMatch, other float64, terms []string, idf map[string]float64, qFields [2]string) features {
	var total, inQ, inAny float64
	for _, t := range terms {
		w := idf[t]
		total += w
		q := hasTerm(h.Locations, qFields[0], t) || hasTerm(h.Locations, qFields[1], t)
		if q {
			inQ += w
		}
		if q || anyField(h.Locations, t) {
			inAny += w
		}
	}
	f := features{}
	if total > 0 {
		f.CovQ, f.Cov, f.Rel = inQ/total, inAny/total, h.Score/total
	}
	if h.Score > 0 {
		f.Margin = (h.Score - other) / h.Score
	}
	return f
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

// Logistic weights of the confidence, fitted by logistic regression (L2
// 0.001, non-negative Margin and Rel so confidence never falls when the top
// score rises) on the even half of the localgovfaq dev queries: 188 top hits
// labelled by "is a grade-2 answer", plus 186 all-negative top hits from an
// index without the queries' relevant entries. Refit with
// MADOGUCHI_FAQBENCH=1 go test ./responder -run TestFAQBenchReport -v -args -fit
var confWeights = struct{ Bias, CovQ, Cov, Margin, Rel float64 }{
	Bias: -3.384, CovQ: 0.880, Cov: 1.624, Margin: 1.655, Rel: 0.069,
}

// confidence maps features to a probability-like number in [0,1].
func confidence(f features) float64 {
	w := confWeights
	z := w.Bias + w.CovQ*f.CovQ + w.Cov*f.Cov + w.Margin*f.Margin + w.Rel*f.Rel
	return 1 / (1 + math.Exp(-z))
}

// decide applies the bands to the ranked hits.
func (x *Index) decide(hits []hit) Result {
	if len(hits) == 0 {
		return Result{Decision: Escalate, Reason: "no matching entry"}
	}
	o := x.opts
	n := min(len(hits), o.MaxCandidates)
	res := Result{Candidates: make([]Candidate, n)}
	for i := range n {
		res.Candidates[i] = hits[i].Candidate
	}
	sort.SliceStable(res.Candidates, func(i, j int) bool { return res.Candidates[i].Score > res.Candidates[j].Score })
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
	case top.Confidence < o.AutoSendConfidence:
		why = fmt.Sprintf("confidence %.2f < %.2f", top.Confidence, o.AutoSendConfidence)
	}
	switch {
	case why == "":
		res.Decision = Auto
	case top.Confidence >= o.SuggestConfidence:
		res.Decision, res.Reason = Suggest, why
	default:
		res.Decision, res.Reason = Escalate, why
	}
	return res
}

func fieldString(fields map[string]any, name string) string {
	s, _ := fields[name].(string)
	return s
}

func fieldInt(fields map[string]any, name string) int {
	n, _ := strconv.Atoi(fieldString(fields, name))
	return n
}
