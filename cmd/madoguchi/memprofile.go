package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stopMemProfile writes the heap profile --memprofile asked for, if any.
var stopMemProfile = func() {}

// startMemProfile watches the heap (every 20 ms) and keeps, in memory, a heap
// profile taken each time the heap's objects grow 5% beyond their largest so
// far; at exit it writes the last one to path, with the largest heap seen
// and the runtime's memory classes at that moment in a sibling file
// (path + ".txt"), and the process's largest VmRSS split between what Go's
// runtime has mapped and the rest (SQLite's C heap, which modernc.org/libc
// maps outside Go's heap, and the binary's pages). The profile's inuse figures are those of the collection
// before that moment: the live heap near the peak, for the benchmarks
// (docs/intake.md). Hidden, like --cpuprofile.
func startMemProfile(path string) {
	names := []string{
		"/memory/classes/heap/objects:bytes",
		"/memory/classes/heap/unused:bytes",
		"/memory/classes/heap/free:bytes",
		"/memory/classes/heap/released:bytes",
		"/memory/classes/heap/stacks:bytes",
		"/memory/classes/total:bytes",
		"/gc/heap/goal:bytes",
		"/gc/heap/live:bytes",
	}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	var (
		mu     sync.Mutex
		prof   bytes.Buffer
		note   string
		most   uint64 // the largest heap objects so far
		peak   int64  // the largest VmRSS so far
		atPeak string
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			if rss := vmRSS(); rss > peak {
				peak = rss
				goMapped := samples[5].Value.Uint64() - samples[3].Value.Uint64()
				var b strings.Builder
				// What the runtime does not account for: SQLite's C heap
				// (modernc.org/libc maps it outside Go's heap) and the
				// binary's pages.
				fmt.Fprintf(&b, "peak VmRSS %.1f MiB at %s: Go runtime (total - released) %.1f MiB, the rest %.1f MiB;", float64(rss)/(1<<20), time.Now().Format("15:04:05.000"), float64(goMapped)/(1<<20), float64(rss-int64(goMapped))/(1<<20))
				for _, s := range samples {
					fmt.Fprintf(&b, " %s %.1f", s.Name, float64(s.Value.Uint64())/(1<<20))
				}
				mu.Lock()
				atPeak = b.String()
				mu.Unlock()
			}
			objects := samples[0].Value.Uint64()
			if objects <= most+most/20 {
				continue
			}
			most = objects
			var buf bytes.Buffer
			if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
				continue
			}
			var nb bytes.Buffer
			fmt.Fprintf(&nb, "at %s\n", time.Now().Format(time.RFC3339Nano))
			for _, s := range samples {
				fmt.Fprintf(&nb, "%s %.1f MiB\n", s.Name, float64(s.Value.Uint64())/(1<<20))
			}
			mu.Lock()
			prof, note = buf, nb.String()
			mu.Unlock()
		}
	}()
	stopMemProfile = func() {
		close(done)
		<-finished
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		defer mu.Unlock()
		if err := os.WriteFile(path, prof.Bytes(), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "madoguchi: memprofile:", err)
			return
		}
		note += atPeak + "\n"
		note += fmt.Sprintf("exit: HeapSys %.1f MiB, Sys %.1f MiB, NumGC %d\n", float64(ms.HeapSys)/(1<<20), float64(ms.Sys)/(1<<20), ms.NumGC)
		os.WriteFile(path+".txt", []byte(note), 0o600)
	}
}

// vmRSS is the process's resident memory now, from /proc/self/status (0
// where that is unreadable).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
