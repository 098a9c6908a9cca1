package responder

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// The units of the entries' questions are cut once and kept: a match that
// reads them from the cache decides exactly as one that cuts them again.
func TestMatch_CachedUnitsOfTheEntriesDecideAsFreshOnes(t *testing.T) {
	x := openSample(t, Options{})
	queries := [][2]string{{"", "How do I reset my password?"}, {"VPN", "VPNに接続できません"}, {"", "the printer on floor 3 prints nothing"}, {"", "ﾊﾟｽﾜｰﾄﾞを忘れました"}}
	var first []Result
	for _, q := range queries {
		res, err := x.Match(context.Background(), q[0], q[1])
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, res)
	}
	if len(x.grams.m) == 0 {
		t.Fatal("nothing was cached")
	}
	for i, q := range queries {
		res, err := x.Match(context.Background(), q[0], q[1])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res, first[i]) {
			t.Errorf("%q from the cache: %+v; first %+v", q, res, first[i])
		}
	}
	a := x.idx.Mapping().AnalyzerNamed(morphAnalyzerName).(*mixedAnalyzer)
	for text, g := range x.grams.m {
		if !slices.Equal(g, a.grams(text)) {
			t.Errorf("cached units of %q differ from a fresh cut", text)
		}
	}
}

// The units cache is bounded: full, it starts again.
func TestGramCache_StaysWithinItsBound(t *testing.T) {
	x := openSample(t, Options{})
	a := x.idx.Mapping().AnalyzerNamed(morphAnalyzerName).(*mixedAnalyzer)
	var c gramCache
	for i := range maxCached + 10 {
		c.get(a, fmt.Sprintf("question number %d", i))
	}
	if n := len(c.m); n > maxCached || n == 0 {
		t.Fatalf("%d texts cached; want between 1 and %d", n, maxCached)
	}
}

// The stored fields are kept between matches, and a change to an entry
// (its votes here) is seen by the next match.
func TestMatch_AChangedEntryIsSeenByTheNextMatchThoughItsFieldsAreCached(t *testing.T) {
	x := openSample(t, Options{})
	match := func() Result {
		t.Helper()
		res, err := x.Match(context.Background(), "", "Wi-Fi keeps disconnecting")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := match(); res.Decision != Auto || res.Candidates[0].Key != "wifi" {
		t.Fatalf("got %s %+v (%s), want auto wifi", res.Decision, res.Candidates, res.Reason)
	}
	if len(x.stored.m) == 0 {
		t.Fatal("no stored fields cached")
	}
	e := sampleFAQ()[7] // wifi
	e.Helpful, e.NotHelpful = 1, 3
	if err := x.Upsert(e, "fp-2"); err != nil {
		t.Fatal(err)
	}
	if res := match(); res.Decision == Auto || res.Reason != "unhelpful 3/4" {
		t.Fatalf("after the votes: %s (%q); want not auto, unhelpful 3/4", res.Decision, res.Reason)
	}
}
