package desk

import "sync"

// wordScan finds which of a fixed list of lower-case words occur in a
// text in one pass over it (an Aho-Corasick automaton over bytes), an
// ASCII word only where it stands alone as containsWord has it. The
// built-in rules hold ~190 words; looking for each one in turn read the
// start of every mail ~190 times, 0.05 ms of CPU a mail (docs/intake.md).
type wordScan struct {
	words []string
	// next[state*classes + class(b)] is the state after byte b; the
	// automaton is complete (failures folded in), so a scan is one
	// lookup a byte.
	next  []int32
	class [256]uint8 // bytes that occur in no word share class 0
	nc    int
	ends  [][]int32 // the words that end at a state (through its failure links too)
}

func newWordScan(words []string) *wordScan {
	ws := &wordScan{words: words}
	for _, w := range words {
		for i := 0; i < len(w); i++ {
			if ws.class[w[i]] == 0 {
				ws.nc++
				ws.class[w[i]] = uint8(ws.nc)
			}
		}
	}
	ws.nc++ // class 0
	// The trie, its states numbered as they are made; -1: no edge yet.
	trie := [][]int32{make([]int32, ws.nc)}
	ends := [][]int32{nil}
	for i := range trie[0] {
		trie[0][i] = -1
	}
	for id, w := range words {
		s := int32(0)
		for i := 0; i < len(w); i++ {
			c := ws.class[w[i]]
			if trie[s][c] < 0 {
				row := make([]int32, ws.nc)
				for j := range row {
					row[j] = -1
				}
				trie = append(trie, row)
				ends = append(ends, nil)
				trie[s][c] = int32(len(trie) - 1)
			}
			s = trie[s][c]
		}
		ends[s] = append(ends[s], int32(id))
	}
	// Breadth first: a state's failure is the longest proper suffix of
	// its path that is a path too; its missing edges are its failure's.
	fail := make([]int32, len(trie))
	queue := []int32{}
	for c := range ws.nc {
		if t := trie[0][c]; t >= 0 {
			fail[t] = 0
			queue = append(queue, t)
		} else {
			trie[0][c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		ends[s] = append(ends[s], ends[fail[s]]...)
		for c := range ws.nc {
			if t := trie[s][c]; t >= 0 {
				fail[t] = trie[fail[s]][c]
				queue = append(queue, t)
			} else {
				trie[s][c] = trie[fail[s]][c]
			}
		}
	}
	ws.next = make([]int32, 0, len(trie)*ws.nc)
	for _, row := range trie {
		ws.next = append(ws.next, row...)
	}
	ws.ends = ends
	return ws
}

// scan marks in found (one entry per word) the words that occur in s.
func (ws *wordScan) scan(s string, found []bool) {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		state = ws.next[int(state)*ws.nc+int(ws.class[s[i]])]
		for _, id := range ws.ends[state] {
			if found[id] {
				continue
			}
			w := ws.words[id]
			start := i + 1 - len(w)
			// An ASCII word must stand alone (containsWord).
			if w[0] >= 0x80 || (!wordByteBefore(s, start) && !wordByteAt(s, i+1)) {
				found[id] = true
			}
		}
	}
}

// builtinScan is the scan of the built-in rules' words, which are the
// same in every DefaultRules: made once.
var builtinScan struct {
	once sync.Once
	ws   *wordScan
}
