package responder

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage-collector target of a process that matches
// mail; TuneGC applies it. A match allocates about half a megabyte, and a
// match that meets a collection waits for part of its marking. With a large
// index (100,000 entries) enough stays live that at Go's default of 100 a
// collection comes every hundred-odd matches; 150 spaces them out for a
// heap half as large again. docs/responder.md has the measurements (memory
// and match latency at 100, 150, 200 and 400).
const GCPercent = 150

// TuneGC applies GCPercent unless GOGC is set in the environment, and
// returns a function that puts back what it changed.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(prev) }
}
