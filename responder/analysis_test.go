package responder

import (
	"runtime/debug"
	"slices"
	"testing"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
)

func TestFoldSpelling_VariantsMeet(t *testing.T) {
	cases := []struct {
		in   string
		noun bool
		want string
	}{
		{"ごみ", true, "ゴミ"},
		{"ゴミ", true, "ゴミ"},
		{"コンピューター", true, "コンピュータ"},
		{"申し込み", true, "申込"},
		{"申込み", true, "申込"},
		{"申込", true, "申込"},
		{"申し込む", false, "申込"},
		{"引っ越し", true, "引越"},
		{"問い合わせ", true, "問合"},
		{"問合せ", true, "問合"},
		{"住民票", true, "住民票"},
		{"vpn", true, "vpn"},
		// A noun's final kana run is part of the word, not okurigana.
		{"粗大ごみ", true, "粗大ゴミ"},
		{"粗大ゴミ", true, "粗大ゴミ"},
		{"胃がん", true, "胃ガン"},
		{"車いす", true, "車イス"},
		// A verb's base form loses its kana however long it is.
		{"見つける", false, "見"},
	}
	for _, c := range cases {
		if got := foldSpelling(c.in, c.noun); got != c.want {
			t.Errorf("foldSpelling(%q, noun %v) = %q, want %q", c.in, c.noun, got, c.want)
		}
	}
}

func TestGrams_EnglishComparesWordsJapaneseCharacters(t *testing.T) {
	a, err := newMixedAnalyzer(testCache(t), true)
	if err != nil {
		t.Fatal(err)
	}
	dice := func(x, y string) float64 {
		d, _ := gramOverlap(a.grams(x), a.grams(y))
		return d
	}
	cases := []struct {
		name     string
		x, y     string
		min, max float64
	}{
		// Case, punctuation and inflection do not change a restatement.
		{"restated English", "My laptop is very slow; what can I check?", "my laptop is VERY slow, what can i check", 1, 1},
		{"inflected English", "The VPN connects but is slow", "VPN connecting, slow", 1, 1},
		// Shared letters are not shared words: letter bigrams would rate
		// these two alike ("lo", "ow", "ap", "to", ...).
		{"same letters, other words", "slow laptop", "low lap top", 0, 0},
		// Frame words (is, my, how, can, what, very) are not units: two of
		// three content words shared, {laptop, encrypt, check} against
		// {laptop, slow, check}.
		{"other question, same frame", "is my laptop encrypted? how can i check", "My laptop is very slow; what can I check?", 0.66, 0.67},
		{"width variants", "ＰＣが起動しない", "PCが起動しない", 1, 1},
		{"Japanese restated", "パスワードを忘れました", "パスワードを忘れました。", 1, 1},
	}
	for _, c := range cases {
		if got := dice(c.x, c.y); got < c.min || got > c.max {
			t.Errorf("%s: Dice(%q, %q) = %.2f, want in [%.2f, %.2f]", c.name, c.x, c.y, got, c.min, c.max)
		}
	}
}

// The slimmed dictionary still gives every word but a noun its base form:
// kana verbs and adjectives show it, since foldSpelling does not hide
// their endings as it does a kanji word's.
func TestMorphemes_BaseFormsSurviveTheSlimDictionary(t *testing.T) {
	var got []string
	for _, p := range morphemes("このパソコンはうるさくて、アプリをやめました") {
		got = append(got, p.term)
	}
	for _, want := range []string{"パソコン", "ウルサイ", "アプリ", "ヤメル"} {
		if !slices.Contains(got, want) {
			t.Errorf("morphemes = %v, want %s among them", got, want)
		}
	}
}

func TestJapaneseTokenizer_DictionaryIsSlimmed(t *testing.T) {
	if _, err := japaneseTokenizer(); err != nil {
		t.Fatal(err)
	}
	d := ipa.Dict() // the same dictionary, slimmed in place
	rows, lists := 0, map[*dict.POSID]bool{}
	for id, pos := range d.POSTable.POSs {
		if len(pos) > 0 {
			lists[&pos[0]] = true
		}
		if d.Contents[id] != nil {
			rows++
			if d.POSTable.NameList[pos[0]] == "名詞" {
				t.Fatalf("noun %d kept a feature list %v", id, d.Contents[id])
			}
		}
	}
	if len(lists) > 100 || rows > len(d.Contents)/2 {
		t.Errorf("%d part-of-speech lists and %d feature lists for %d words: not shared", len(lists), rows, len(d.Contents))
	}
}

// The dictionary loads at a pace of its own; the collector's pace is what
// it was once it is loaded.
func TestLoadDictionary_LeavesTheCollectorAsItWas(t *testing.T) {
	prev := debug.SetGCPercent(123)
	defer debug.SetGCPercent(prev)
	if d := loadDictionary(); d == nil {
		t.Fatal("no dictionary")
	}
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("GC percent %d after loading; want 123", got)
	}
}
