package responder

import (
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// Every match re-ranks its fifty best candidates with what the index
// stores of them: their question and paraphrases, cut into similarity
// units, and their status and votes. The same entries come back match
// after match, so both are kept; docs/intake.md has what each cost
// before (in a profile of the gateway over 10,000 mails with the 1,786
// localgovfaq entries: 14% and 8% of matching).

// maxCached bounds each cache: the entries of a FAQ of several thousand
// entries, a few MB. Full, a cache starts again.
const maxCached = 8192

// gramCache keeps the similarity units of the texts compared with a
// query. A text is its own key, so nothing in it goes stale.
type gramCache struct {
	mu sync.Mutex
	m  map[string][]uint64
}

// get returns the units of s, cut by a (the index's analyzer) once.
func (c *gramCache) get(a *mixedAnalyzer, s string) []uint64 {
	c.mu.Lock()
	g, ok := c.m[s]
	c.mu.Unlock()
	if ok {
		return g
	}
	g = a.grams(s)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[string][]uint64)
	}
	c.m[s] = g
	return g
}

// storedFields are the fields search reads of a hit.
var storedFields = []string{fQuestion, fPara, fPending, fStatus, fHelpful, fNotHelpful, fTerms}

// storedCache keeps the stored fields of entries by key. An entry's
// fields change with it (its votes too), so every change to the index
// empties the cache (reset, with the Index's write lock held, while
// matches, which read it, hold the read lock).
type storedCache struct {
	mu sync.Mutex
	m  map[string]map[string]any
}

// get returns the stored fields of the entry id in the form Bleve gives
// a hit's Fields: a string, or []any of strings for a field with several
// values. The map is shared: read it only.
func (c *storedCache) get(idx bleve.Index, id string) (map[string]any, error) {
	c.mu.Lock()
	f, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	doc, err := idx.Document(id)
	if err != nil {
		return nil, fmt.Errorf("responder: stored fields of %s: %w", id, err)
	}
	f = map[string]any{}
	if doc != nil {
		doc.VisitFields(func(field index.Field) {
			text, ok := field.(index.TextField)
			if !ok || !isStoredField(field.Name()) {
				return
			}
			switch v := f[field.Name()].(type) {
			case nil:
				f[field.Name()] = text.Text()
			case string:
				f[field.Name()] = []any{v, text.Text()}
			case []any:
				f[field.Name()] = append(v, text.Text())
			}
		})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[string]map[string]any)
	}
	c.m[id] = f
	return f, nil
}

func isStoredField(name string) bool {
	for _, s := range storedFields {
		if s == name {
			return true
		}
	}
	return false
}

// reset empties the cache: the index changed.
func (c *storedCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
