// Package responder matches a customer's mail against the FAQ entries in a
// Bleve index and decides whether the best answer may be sent at once (auto),
// shown to an agent (suggest) or not at all (escalate). The index is derived
// data: the desk rebuilds it from the store whenever its fingerprint is stale.
package responder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/madoguchi/madoguchi/lang"

	// Registers the "en" analyzer and its filters our mixed analyzer reuses.
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// ErrCorrupt is wrapped by Open when the directory holds something that is
// not a readable index; the caller may Reset the path and Rebuild.
var ErrCorrupt = errors.New("responder: index is corrupt")

// ErrLocked is returned by Open when another process holds the index
// directory for longer than Options.LockTimeout. The index is not touched.
var ErrLocked = errors.New("responder: index is held by another process")

// ErrClosed is returned by every method after Close.
var ErrClosed = errors.New("responder: index is closed")

// Entry is one FAQ entry as the store hands it over.
type Entry struct {
	Key              string
	Question, Answer string
	// Paraphrases are customers' confirmed wordings of the question; they
	// weigh like the question itself.
	Paraphrases []string
	// Pending are wordings learned without the customer's word that the
	// answer helped (an agent's #answer): they help find the entry and may
	// lift it to a suggestion, but an automatic answer never rests on them
	// (Match).
	Pending  []string
	Tags     []string
	Language string // "ja" | "en" | "" (detect)
	// Status is draft, published or retired. Only published entries are
	// indexed: a draft is never suggested, a retired entry never matched.
	Status              string
	Helpful, NotHelpful int
}

// Entry statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusRetired   = "retired"
)

// Options configure an Index. Zero values take the defaults below.
type Options struct {
	Path string // index directory; "" keeps the index in memory

	AutoSendConfidence float64 // default DefaultAutoSendConfidence
	SuggestConfidence  float64 // default DefaultSuggestConfidence
	MinMargin          float64 // default DefaultMinMargin: 1 - rank2/rank1 of the re-ranking scores

	// LearnedAutoConfidence is the automatic band of the learned evidence
	// (an entry's confirmed paraphrases), default
	// DefaultLearnedAutoConfidence.
	LearnedAutoConfidence float64

	MaxUnhelpfulRatio float64 // default 0.5
	MinVotes          int     // default 3

	MaxCandidates int // default 5

	// Recreate makes Open wipe a directory that is not a readable index and
	// start empty (fingerprint ""), instead of returning ErrCorrupt.
	Recreate bool

	// LockTimeout bounds the wait for the index directory, which one
	// process at a time can hold; past it Open returns ErrLocked. 0 waits
	// for ever; a negative value does not wait: a held directory is
	// ErrLocked at once.
	LockTimeout time.Duration
}

// Defaults of Options. The automatic band is set high on purpose: it is
// reached by a mail that restates an entry's question or one of its
// confirmed paraphrases, rarely by a new wording, and every confirmed
// automatic answer adds the customer's wording as a paraphrase, which is
// how automatic answers widen. The margin keeps an entry from going out
// when a near-duplicate entry is about as good. docs/responder.md says on
// which data each value was chosen and what it gives.
const (
	DefaultAutoSendConfidence = 0.85
	DefaultSuggestConfidence  = 0.20
	DefaultMinMargin          = 0.10
	DefaultMaxUnhelpfulRatio  = 0.5
	DefaultMinVotes           = 3
	DefaultMaxCandidates      = 5

	// DefaultLearnedAutoConfidence is the lowest band where the learned
	// evidence's automatic answers were right at least 95 % of the time
	// on the tune half of the Japanese learning simulation, with none on
	// mail no entry answers.
	DefaultLearnedAutoConfidence = 0.80
)

// Candidate is one matched entry.
type Candidate struct {
	Key string
	// Confidence estimates the probability that this entry answers the mail;
	// it means the same across queries and index sizes.
	Confidence float64
	Score      float64 // raw Bleve score, only comparable within one query
	Question   string
	Status     string
}

// Decision is what the desk should do with the best candidate.
type Decision string

// Decisions.
const (
	Auto     Decision = "auto"
	Suggest  Decision = "suggest"
	Escalate Decision = "escalate"
)

// Result of a Match.
type Result struct {
	Decision   Decision
	Candidates []Candidate
	Reason     string // why not auto, e.g. "margin 0.05 < 0.10"
}

// Index is a Bleve index of FAQ entries. It is safe for concurrent use.
type Index struct {
	opts Options

	mu     sync.RWMutex
	idx    bleve.Index
	closed bool

	// Caches of what matching reads of the entries (cache.go).
	grams  gramCache   // the similarity units of questions and paraphrases
	stored storedCache // the stored fields, emptied at every change
}

// Keys of internal (non-document) values stored in the index.
var (
	fingerprintKey = []byte("madoguchi.fingerprint")
	schemaKey      = []byte("madoguchi.schema")
)

// schemaVersion changes whenever the mapping or the analysis changes, so an
// index written by an older binary reads as stale and is rebuilt.
const schemaVersion = "responder/7"

// Open opens the index at opts.Path, creating it when the directory does not
// exist or is empty. A directory holding anything else than a readable index
// yields an error wrapping ErrCorrupt, unless opts.Recreate is set.
func Open(opts Options) (*Index, error) {
	opts = withDefaults(opts)
	x := &Index{opts: opts}
	if opts.Path == "" {
		idx, err := newBleve("")
		if err != nil {
			return nil, err
		}
		x.idx = idx
		return x, nil
	}
	idx, err := openBleve(opts.Path, opts.LockTimeout)
	if err != nil && errors.Is(err, ErrCorrupt) && opts.Recreate {
		if rerr := Reset(opts.Path); rerr != nil {
			return nil, rerr
		}
		idx, err = newBleve(opts.Path)
	}
	if err != nil {
		return nil, err
	}
	x.idx = idx
	return x, nil
}

// Reset removes the index directory at path, whatever it holds, so that the
// next Open starts empty. It refuses an empty path or a filesystem root.
func Reset(path string) error {
	clean := filepath.Clean(path)
	if path == "" || clean == "/" || clean == "." || filepath.Dir(clean) == clean {
		return fmt.Errorf("responder: refusing to reset %q", path)
	}
	if err := os.RemoveAll(clean); err != nil {
		return fmt.Errorf("responder: reset %s: %w", clean, err)
	}
	return nil
}

func withDefaults(o Options) Options {
	if o.AutoSendConfidence == 0 {
		o.AutoSendConfidence = DefaultAutoSendConfidence
	}
	if o.LearnedAutoConfidence == 0 {
		o.LearnedAutoConfidence = DefaultLearnedAutoConfidence
	}
	if o.SuggestConfidence == 0 {
		o.SuggestConfidence = DefaultSuggestConfidence
	}
	if o.MinMargin == 0 {
		o.MinMargin = DefaultMinMargin
	}
	if o.MaxUnhelpfulRatio == 0 {
		o.MaxUnhelpfulRatio = DefaultMaxUnhelpfulRatio
	}
	if o.MinVotes == 0 {
		o.MinVotes = DefaultMinVotes
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = DefaultMaxCandidates
	}
	return o
}

// openBleve opens an existing index or creates one where nothing is.
func openBleve(path string, lockTimeout time.Duration) (bleve.Index, error) {
	entries, err := os.ReadDir(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return newBleve(path)
	case err != nil:
		return nil, fmt.Errorf("responder: read index dir %s: %w: %w", path, ErrCorrupt, err)
	case len(entries) == 0:
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("responder: prepare index dir %s: %w", path, err)
		}
		return newBleve(path)
	}
	idx, err := openBleveSafely(path, lockTimeout)
	if errors.Is(err, bolterrors.ErrTimeout) {
		// Held, not broken: never let Recreate wipe an index in use.
		return nil, fmt.Errorf("responder: open index %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("responder: open index %s: %w: %w", path, ErrCorrupt, err)
	}
	// A readable index must also answer a count; a half-written segment
	// shows up here rather than at the first query.
	if _, err := idx.DocCount(); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("responder: open index %s: %w: %w", path, ErrCorrupt, err)
	}
	return idx, nil
}

// openBleveSafely turns a panic deep in a segment decoder fed with garbage
// into an error: a corrupted directory must never take the desk down.
func openBleveSafely(path string, lockTimeout time.Duration) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("panic while opening: %v", r)
		}
	}()
	if lockTimeout < 0 {
		// bbolt tries its lock once when the timeout is shorter than its
		// retry interval (50 ms).
		lockTimeout = time.Nanosecond
	}
	if lockTimeout > 0 {
		return bleve.OpenUsing(path, map[string]interface{}{"bolt_timeout": lockTimeout.String()})
	}
	return bleve.Open(path)
}

// newBleve creates an index with our mapping, in memory when path is "".
func newBleve(path string) (bleve.Index, error) {
	m := buildMapping()
	var (
		idx bleve.Index
		err error
	)
	if path == "" {
		idx, err = bleve.NewMemOnly(m)
	} else {
		idx, err = bleve.New(path, m)
	}
	if err != nil {
		return nil, fmt.Errorf("responder: create index %q: %w", path, err)
	}
	if err := idx.SetInternal(schemaKey, []byte(schemaVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("responder: create index %q: %w", path, err)
	}
	return idx, nil
}

// Document field names. Text fields are cut into morphemes (analysis.go).
const (
	fQuestion   = "question"
	fPara       = "para"
	fPending    = "pending"
	fAnswer     = "answer"
	fTags       = "tags"
	fStatus     = "status"
	fHelpful    = "helpful"
	fNotHelpful = "not_helpful"
	fLang       = "lang"
	// fTerms holds, stored and not searched, the analysed terms of each of
	// the entry's texts (question, confirmed and pending paraphrases; see
	// textTerms), so that a match can weigh each text and the cluster of
	// them without analysing them again.
	fTerms = "terms"
)

func buildMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	// BM25 saturates term frequency and normalises by field length, which
	// suits short questions against long answers better than TF-IDF.
	im.ScoringModel = index.BM25Scoring
	im.DefaultAnalyzer = morphAnalyzerName
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	text := func(analyzer string, store bool) *mapping.FieldMapping {
		fm := bleve.NewTextFieldMapping()
		fm.Analyzer = analyzer
		fm.Store = store
		fm.IncludeInAll = false
		fm.DocValues = false
		return fm
	}
	stored := func() *mapping.FieldMapping {
		fm := bleve.NewKeywordFieldMapping()
		fm.Store = true
		fm.IncludeInAll = false
		fm.IncludeTermVectors = false
		fm.DocValues = false
		return fm
	}
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fQuestion, text(morphAnalyzerName, true))
	dm.AddFieldMappingsAt(fPara, text(morphAnalyzerName, true))
	dm.AddFieldMappingsAt(fPending, text(morphAnalyzerName, true))
	dm.AddFieldMappingsAt(fAnswer, text(morphAnalyzerName, false))
	dm.AddFieldMappingsAt(fTags, text(morphAnalyzerName, false))
	dm.AddFieldMappingsAt(fStatus, stored())
	dm.AddFieldMappingsAt(fHelpful, stored())
	dm.AddFieldMappingsAt(fNotHelpful, stored())
	dm.AddFieldMappingsAt(fLang, stored())
	terms := stored()
	terms.Index = false
	dm.AddFieldMappingsAt(fTerms, terms)
	im.DefaultMapping = dm
	return im
}

// document is what one entry looks like inside Bleve.
func document(e Entry) map[string]any {
	language := e.Language
	if language == "" {
		language, _ = lang.Detect(e.Question + "\n" + e.Answer)
	}
	status := e.Status
	if status == "" {
		status = StatusDraft
	}
	return map[string]any{
		fQuestion:   e.Question,
		fPara:       e.Paraphrases,
		fPending:    e.Pending,
		fAnswer:     e.Answer,
		fTags:       e.Tags,
		fStatus:     status,
		fHelpful:    fmt.Sprint(e.Helpful),
		fNotHelpful: fmt.Sprint(e.NotHelpful),
		fLang:       language,
		fTerms:      textTerms(e),
	}
}

// Rebuild drops everything and indexes entries anew, then stores fingerprint.
// On disk the new index is built beside the old one and swapped in, so a
// crash mid-way leaves the old index (and its old fingerprint) in place.
func (x *Index) Rebuild(entries []Entry, fingerprint string) error {
	tmpPath := ""
	if x.opts.Path != "" {
		tmpPath = filepath.Clean(x.opts.Path) + ".rebuild"
		if err := Reset(tmpPath); err != nil {
			return err
		}
	}
	fresh, err := newBleve(tmpPath)
	if err != nil {
		return err
	}
	if err := fill(fresh, entries, fingerprint); err != nil {
		_ = fresh.Close()
		return err
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	x.stored.reset()
	if x.closed {
		_ = fresh.Close()
		return ErrClosed
	}
	if tmpPath == "" {
		old := x.idx
		x.idx = fresh
		if err := old.Close(); err != nil {
			return fmt.Errorf("responder: close old index: %w", err)
		}
		return nil
	}
	if err := fresh.Close(); err != nil {
		return fmt.Errorf("responder: rebuild: close new index: %w", err)
	}
	if err := x.idx.Close(); err != nil {
		return fmt.Errorf("responder: rebuild: close old index: %w", err)
	}
	if err := Reset(x.opts.Path); err != nil {
		return err
	}
	if err := os.Rename(tmpPath, x.opts.Path); err != nil {
		return fmt.Errorf("responder: rebuild: swap index: %w", err)
	}
	idx, err := bleve.Open(x.opts.Path)
	if err != nil {
		// Leave the Index unusable but honest rather than half-open.
		x.closed = true
		return fmt.Errorf("responder: rebuild: reopen: %w", err)
	}
	x.idx = idx
	return nil
}

// rebuildBatch is how many documents go into one Bleve batch: large enough
// to amortise segment creation, small enough to bound memory.
const rebuildBatch = 1000

func fill(idx bleve.Index, entries []Entry, fingerprint string) error {
	b := idx.NewBatch()
	for _, e := range entries {
		if e.Key == "" || !indexed(e) {
			continue
		}
		if err := b.Index(e.Key, document(e)); err != nil {
			return fmt.Errorf("responder: index entry %s: %w", e.Key, err)
		}
		if b.Size() >= rebuildBatch {
			if err := idx.Batch(b); err != nil {
				return fmt.Errorf("responder: index batch: %w", err)
			}
			b.Reset()
		}
	}
	b.SetInternal(fingerprintKey, []byte(fingerprint))
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("responder: index batch: %w", err)
	}
	return compact(idx)
}

// compact merges an on-disk index into one segment before it is swapped
// in. A fresh build leaves dozens of segments that the background merger
// would otherwise fold while queries run: every query then walks every
// segment's dictionary, and the merge competes for the CPU. The build
// takes a few seconds more.
func compact(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return fmt.Errorf("responder: compact: %w", err)
	}
	m, ok := adv.(interface {
		ForceMerge(context.Context, *mergeplan.MergePlanOptions) error
	})
	if !ok {
		return nil // the in-memory index has no segments to merge
	}
	if err := m.ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions); err != nil {
		return fmt.Errorf("responder: compact: %w", err)
	}
	return nil
}

// indexed tells whether an entry belongs in the index: only a published
// one may be answered or suggested.
func indexed(e Entry) bool { return e.Status == StatusPublished }

// Upsert adds or replaces one entry (one that is not published is removed)
// and stores fingerprint in the same batch, so the two never disagree.
func (x *Index) Upsert(e Entry, fingerprint string) error {
	if e.Key == "" {
		return errors.New("responder: upsert: entry has no key")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.stored.reset()
	if x.closed {
		return ErrClosed
	}
	b := x.idx.NewBatch()
	if !indexed(e) {
		b.Delete(e.Key)
	} else if err := b.Index(e.Key, document(e)); err != nil {
		return fmt.Errorf("responder: upsert %s: %w", e.Key, err)
	}
	b.SetInternal(fingerprintKey, []byte(fingerprint))
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("responder: upsert %s: %w", e.Key, err)
	}
	return nil
}

// Delete removes an entry and stores fingerprint.
func (x *Index) Delete(key, fingerprint string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.stored.reset()
	if x.closed {
		return ErrClosed
	}
	b := x.idx.NewBatch()
	b.Delete(key)
	b.SetInternal(fingerprintKey, []byte(fingerprint))
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("responder: delete %s: %w", key, err)
	}
	return nil
}

// Fingerprint returns the fingerprint stored with the last change, or "" when
// there is none or the index was written with another schema: either way the
// desk sees it differ from the store's and rebuilds.
func (x *Index) Fingerprint() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return ""
	}
	schema, err := x.idx.GetInternal(schemaKey)
	if err != nil || string(schema) != schemaVersion {
		return ""
	}
	fp, err := x.idx.GetInternal(fingerprintKey)
	if err != nil {
		return ""
	}
	return string(fp)
}

// Count returns the number of indexed entries.
func (x *Index) Count() (int, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return 0, ErrClosed
	}
	n, err := x.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("responder: count: %w", err)
	}
	return int(n), nil
}

// Close releases the index. Further calls return ErrClosed.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	if err := x.idx.Close(); err != nil {
		return fmt.Errorf("responder: close: %w", err)
	}
	return nil
}

// Warm starts loading, in the background, what matching needs beyond the
// index when the index holds entries: the Japanese dictionary, which takes
// most of a second of CPU. The gateway calls it at its start, so that the
// load runs beside the first fetch and parse instead of stopping the
// first match of a backlog. A match before the load is done waits for it.
// The channel is closed when the load is done; nil when there is nothing
// to load for (no entry).
func (x *Index) Warm() <-chan struct{} {
	if n, err := x.Count(); err != nil || n == 0 {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		japaneseTokenizer()
	}()
	return done
}

// Match cleans the mail, queries the index and decides. body must already be
// stripped of quoted history.
func (x *Index) Match(ctx context.Context, subject, body string) (Result, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return Result{}, ErrClosed
	}
	if n, err := x.idx.DocCount(); err == nil && n == 0 {
		// Nothing to find: cleaning and querying would cost the most CPU
		// of a mail for nothing (an empty FAQ is every new installation).
		return x.decide(nil), nil
	}
	q := CleanQuery(subject, body)
	tu := tuningFor(lang.DetectOr(q, lang.Japanese))
	cands, err := x.search(ctx, q, tu)
	if err != nil {
		return Result{}, err
	}
	res := x.decide(cands)
	if res.Decision != Auto || !slices.ContainsFunc(cands, func(h hit) bool { return h.pending }) {
		return res, nil
	}
	// A pending paraphrase may bring an entry up, never send it: the
	// automatic answer must stand on the question and the confirmed
	// paraphrases alone, with every candidate's pending ones left out.
	// Automatic answers are rare and pending paraphrases few, so the
	// second query is rarely paid.
	t := tu
	t.Pending = false
	alone, err := x.search(ctx, q, t)
	if err != nil {
		return Result{}, err
	}
	if without := x.decide(alone); without.Decision != Auto || alone[0].Key != cands[0].Key {
		why := "no entry"
		if len(alone) > 0 {
			why = alone[0].Key
			if without.Reason != "" {
				why += ": " + without.Reason
			}
		}
		res.Decision, res.Reason = Suggest, "rests on a pending paraphrase (without pending paraphrases: "+why+")"
	}
	return res, nil
}
