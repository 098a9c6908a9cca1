package responder

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"golang.org/x/text/unicode/norm"
)

// morphAnalyzerName is our analyzer as registered with Bleve: the English
// chain for Latin-script runs, kagome morphemes for Japanese runs.
const morphAnalyzerName = "madoguchi_morph"

func init() {
	// Registration only fails on a duplicate name, which is a programming
	// error caught by any test run.
	if err := registry.RegisterAnalyzer(morphAnalyzerName, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		return newMixedAnalyzer(cache, true)
	}); err != nil {
		panic(err)
	}
}

// mixedAnalyzer handles a text that mixes Japanese and English: the text is
// NFKC-normalised and lower-cased (全角/半角, ｶﾀｶﾅ→カタカナ, ＡＢＣ→abc), then cut
// into script runs. Latin-script runs go through Bleve's English analyzer
// (possessives, stop words, Porter stemming); Japanese runs go through kagome
// or the bigram cutter.
type mixedAnalyzer struct {
	en    analysis.Analyzer
	morph bool
}

func newMixedAnalyzer(cache *registry.Cache, morph bool) (*mixedAnalyzer, error) {
	enA, err := cache.AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		return nil, fmt.Errorf("responder: english analyzer: %w", err)
	}
	return &mixedAnalyzer{en: enA, morph: morph}, nil
}

// Analyze implements analysis.Analyzer.
func (a *mixedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	text := normalizeText(string(input))
	var out analysis.TokenStream
	pos := 0
	emit := func(term string, start, end int, typ analysis.TokenType) {
		pos++
		out = append(out, &analysis.Token{Term: []byte(term), Start: start, End: end, Position: pos, Type: typ})
	}
	for _, r := range splitRuns(text) {
		if !r.japanese {
			for _, t := range a.english(r.text) {
				emit(string(t.Term), r.start+t.Start, r.start+t.End, t.Type)
			}
			continue
		}
		if a.morph {
			for _, m := range morphemes(r.text) {
				emit(m.term, r.start+m.start, r.start+m.end, analysis.Ideographic)
			}
			continue
		}
		for _, b := range bigrams(r.text) {
			emit(b.term, r.start+b.start, r.start+b.end, analysis.Double)
		}
	}
	return out
}

// english runs Bleve's English chain over a Latin-script run and drops the
// words of asking itself, as jaStopWords does for Japanese: "can", "need",
// "please" and the like are in almost every question and say nothing about
// its topic, but the Snowball stop list keeps them.
func (a *mixedAnalyzer) english(text string) analysis.TokenStream {
	ts := a.en.Analyze([]byte(text))
	out := ts[:0]
	for _, t := range ts {
		if _, stop := enAskWords[string(t.Term)]; !stop {
			out = append(out, t)
		}
	}
	return out
}

// enAskWords are stemmed forms, as the English chain leaves them.
var enAskWords = map[string]struct{}{
	"can": {}, "mai": {}, "might": {}, "must": {},
	"pleas": {}, "need": {}, "want": {}, "wonder": {}, "help": {}, "know": {}, "tell": {},
	"anyon": {}, "someon": {}, "anybodi": {}, "somebodi": {}, "thank": {}, "thx": {},
	"hi": {}, "hello": {}, "hei": {}, "dear": {}, "regard": {}, "cheer": {},
}

// normalizeText applies NFKC and lower-casing, the width normalisation every
// field and query goes through.
func normalizeText(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

type run struct {
	text     string
	start    int
	japanese bool
}

// splitRuns cuts text into maximal runs of Japanese script (kanji, kana, the
// prolonged sound mark) and of everything else.
func splitRuns(text string) []run {
	var runs []run
	start := 0
	cur := false
	for i, r := range text {
		ja := isJapanese(r)
		if i == 0 {
			cur = ja
			continue
		}
		if ja != cur {
			runs = append(runs, run{text: text[start:i], start: start, japanese: cur})
			start, cur = i, ja
		}
	}
	if start < len(text) {
		runs = append(runs, run{text: text[start:], start: start, japanese: cur})
	}
	return runs
}

func isJapanese(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r == 'ー' || r == '々' || r == '〆' || r == 'ヶ'
}

type piece struct {
	term       string
	start, end int
}

// bigrams cuts a Japanese run into overlapping character bigrams; a
// one-character run is kept whole so that 市 or 税 still match.
func bigrams(s string) []piece {
	n := utf8.RuneCountInString(s)
	if n == 1 {
		return []piece{{term: s, start: 0, end: len(s)}}
	}
	var out []piece
	offs := make([]int, 0, n+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	for i := 0; i+2 <= n; i++ {
		out = append(out, piece{term: s[offs[i]:offs[i+2]], start: offs[i], end: offs[i+2]})
	}
	return out
}

var (
	kagomeOnce sync.Once
	kagomeTok  *tokenizer.Tokenizer
	kagomeErr  error
)

// japaneseTokenizer loads the IPA dictionary once, on first use: it costs
// ~1 s of CPU and tens of MB, which tests that never see Japanese should
// not pay.
//
// Loading reads the whole feature table (56 MB) into one buffer, a string
// copy of it and 392,000 small slices before slimDictionary leaves ~38 MB
// of it live. At the collector's usual pace (GCPercent) the heap grew to
// 160 MB while loading, and the collection after it, which found ~110 MB
// live, set the next goal at ~270 MB: that was the gateway's peak
// (docs/intake.md). So the load runs at loadGCPercent, and a collection
// right after it returns the garbage and sets the goal from what stays.
func japaneseTokenizer() (*tokenizer.Tokenizer, error) {
	kagomeOnce.Do(func() {
		kagomeTok, kagomeErr = tokenizer.New(loadDictionary(), tokenizer.OmitBosEos())
	})
	return kagomeTok, kagomeErr
}

// loadDictionary loads and slims the IPA dictionary at loadGCPercent, and
// leaves the collector as it found it, its garbage collected.
func loadDictionary() *dict.Dict {
	prev := debug.SetGCPercent(loadGCPercent)
	d := ipa.Dict()
	slimDictionary(d)
	debug.SetGCPercent(prev)
	debug.FreeOSMemory()
	return d
}

// loadGCPercent is the collector's pace while the dictionary loads: a
// few more collections of a heap that is mostly the dictionary's own
// buffers, for a load peak ~40 MB lower.
const loadGCPercent = 20

// slimDictionary drops, in place, the parts of the dictionary that
// morphemes never reads. As loaded, each of its ~392,000 words holds its
// own list of features (conjugation, reading, pronunciation...) and its
// own part-of-speech list: most of the dictionary's memory and nearly all
// of its objects, which every garbage collection marks. morphemes reads
// the part of speech and the base form only. So the part-of-speech lists
// (a few dozen distinct ones) are shared, and only the words whose base
// form can differ from what is written, every word but a noun, keep a
// feature list, shared by the words with the same base form, holding the
// base form alone (at its index, the rest empty). A noun's base form is
// its surface, which morphemes falls back to.
//
// The package ipa keeps the dictionary it returns for the life of the
// process, so only changing it in place frees the memory; nothing else in
// the process reads the dictionary's features.
func slimDictionary(d *dict.Dict) {
	baseAt, ok := d.ContentsMeta[dict.BaseFormIndex]
	if !ok || len(d.Contents) != len(d.POSTable.POSs) {
		return // another layout: keep it whole rather than guess
	}
	type rowKey struct {
		at   int
		base string
	}
	posOf := map[string]dict.POS{}
	rows := map[rowKey][]string{}
	slim := make(dict.Contents, len(d.Contents))
	var key strings.Builder
	for id, pos := range d.POSTable.POSs {
		key.Reset()
		for _, p := range pos {
			key.WriteRune(rune(p))
		}
		if shared, ok := posOf[key.String()]; ok {
			d.POSTable.POSs[id] = shared
		} else {
			posOf[key.String()] = pos
		}
		if len(pos) == 0 || int(pos[0]) >= len(d.POSTable.NameList) || d.POSTable.NameList[pos[0]] == "名詞" {
			continue
		}
		i := int(baseAt) - len(pos)
		if i < 0 || i >= len(d.Contents[id]) {
			continue
		}
		k := rowKey{i, d.Contents[id][i]}
		row, ok := rows[k]
		if !ok {
			row = make([]string, i+1)
			row[i] = strings.Clone(k.base) // not a view into the old table
			rows[k] = row
		}
		slim[id] = row
	}
	d.Contents = slim
}

// morphemes returns the content words of a Japanese run as base forms:
// nouns, verbs and adjectives, without dependent words (非自立), pronouns,
// numerals and a light list of function-like words. Search mode splits long
// compounds (国民健康保険 → 国民 健康 保険) so parts match on their own.
func morphemes(s string) []piece {
	t, err := japaneseTokenizer()
	if err != nil {
		// Without a dictionary fall back to bigrams rather than lose the text.
		return bigrams(s)
	}
	var out []piece
	prevNoun := -1 // index in out of the previous noun when it ends where this token starts
	lastEnd := -1
	for _, tok := range t.Analyze(s, tokenizer.Search) {
		if tok.Class == tokenizer.DUMMY {
			continue
		}
		pos := tok.POS()
		if !contentWord(pos) {
			continue
		}
		term := tok.Surface
		if bf, ok := tok.BaseForm(); ok && bf != "*" && bf != "" {
			term = bf
		}
		if _, stop := jaStopWords[term]; stop {
			continue
		}
		isNoun := pos[0] == "名詞"
		term = foldSpelling(term, isNoun)
		p := piece{term: term, start: tok.Position, end: tok.Position + len(tok.Surface)}
		if isNoun && prevNoun >= 0 && lastEnd == p.start {
			// Adjacent nouns also index as one compound (認知+症 → 認知症),
			// so an exact compound outranks its parts scattered in a text.
			prev := out[prevNoun]
			out = append(out, piece{term: prev.term + p.term, start: prev.start, end: p.end})
		}
		out = append(out, p)
		prevNoun, lastEnd = -1, p.end
		if isNoun {
			prevNoun = len(out) - 1
		}
	}
	return out
}

func contentWord(pos []string) bool {
	if len(pos) == 0 {
		return false
	}
	sub := ""
	if len(pos) > 1 {
		sub = pos[1]
	}
	switch pos[0] {
	case "名詞":
		switch sub {
		case "非自立", "代名詞", "数", "特殊":
			return false
		case "接尾":
			// Keep 城, 届, 症, 書 (名詞-接尾-一般); drop さん, counters and the like.
			return len(pos) > 2 && pos[2] == "一般"
		}
		return true
	case "動詞", "形容詞":
		return sub != "非自立" && sub != "接尾"
	case "接頭詞":
		return false
	}
	return false
}

// jaStopWords are base forms that occur in almost any question and say
// nothing about its topic. Kept short on purpose: a long list hides meaning.
var jaStopWords = map[string]struct{}{
	"する": {}, "いる": {}, "ある": {}, "なる": {}, "れる": {}, "られる": {}, "せる": {}, "させる": {},
	"こと": {}, "もの": {}, "よう": {}, "ため": {}, "ほう": {}, "とき": {}, "ところ": {},
	"いう": {}, "思う": {}, "ない": {}, "いい": {}, "よい": {}, "くださる": {}, "いただく": {},
	"おる": {}, "くる": {}, "いく": {}, "しまう": {}, "やる": {}, "もらう": {},
	"の": {}, "ん": {}, "さん": {}, "様": {}, "方": {}, "等": {},
	// Verbs and adjectives of asking itself (教えて, 知りたい, できますか).
	"教える": {}, "知る": {}, "できる": {}, "出来る": {}, "欲しい": {}, "ほしい": {}, "わかる": {}, "分かる": {},
	"下さる": {}, "いただける": {}, "頂く": {}, "頂ける": {}, "願う": {}, "お願い": {},
}

// foldSpelling maps the spelling variants of one word to one term, by rule
// rather than by list: a word written in kana alone is folded to katakana
// without a final long-vowel mark (ごみ, ゴミ → ゴミ; コンピューター →
// コンピュータ), and a word that starts with a kanji loses its okurigana, so
// that its variants meet (申し込み, 申込み, 申込, 申し込む → 申込; 引っ越し
// → 引越; 問い合わせ, 問合せ → 問合). A noun's final run of two kana or
// more is no okurigana but part of the word written in kana (粗大ごみ,
// 胃がん, 風しん, 子ども): it stays, in katakana, so that 粗大ごみ meets
// 粗大ゴミ and 胃がん is not 胃. わせ (合わせ) is the one such run that is
// okurigana.
func foldSpelling(term string, noun bool) string {
	first, _ := utf8.DecodeRuneInString(term)
	switch {
	case unicode.Is(unicode.Han, first):
		rs := []rune(term)
		keep := len(rs) // from here on, kana is part of the word
		if noun {
			i := len(rs)
			for i > 0 && unicode.Is(unicode.Hiragana, rs[i-1]) {
				i--
			}
			if len(rs)-i >= 2 && string(rs[i:]) != "わせ" {
				keep = i
			}
		}
		var b strings.Builder
		for j, r := range rs {
			switch {
			case j >= keep:
				b.WriteRune(r + ('ァ' - 'ぁ'))
			case !unicode.Is(unicode.Hiragana, r):
				b.WriteRune(r)
			}
		}
		return b.String()
	case isKana(term):
		rs := []rune(term)
		for i, r := range rs {
			if r >= 'ぁ' && r <= 'ゖ' {
				rs[i] = r + ('ァ' - 'ぁ')
			}
		}
		if len(rs) > 3 && rs[len(rs)-1] == 'ー' {
			rs = rs[:len(rs)-1]
		}
		return string(rs)
	}
	return term
}

func isKana(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Hiragana, r) && !unicode.Is(unicode.Katakana, r) && r != 'ー' {
			return false
		}
	}
	return s != ""
}
