package responder

import (
	"os"
	"runtime/debug"
)

// GCPercent and MemoryLimit are the garbage-collector settings of a
// process that matches mail; TuneGC applies them. A match allocates a few
// hundred kilobytes, and a match that meets a collection waits for part of
// its marking, so collections should be few: GCPercent lets the heap grow
// to several times what is live. MemoryLimit bounds that growth (a soft
// limit: the collector runs sooner as the process nears it), so a gateway
// ingesting a backlog stays within a known size whatever GCPercent allows.
// docs/responder.md has the measurements behind both.
const (
	GCPercent   = 400
	MemoryLimit = 256 << 20
)

// TuneGC applies GCPercent unless GOGC is set in the environment and
// MemoryLimit unless GOMEMLIMIT is, and returns a function that puts back
// what it changed.
func TuneGC() (restore func()) {
	setGC, setLimit := os.Getenv("GOGC") == "", os.Getenv("GOMEMLIMIT") == ""
	prevGC, prevLimit := 0, int64(0)
	if setGC {
		prevGC = debug.SetGCPercent(GCPercent)
	}
	if setLimit {
		prevLimit = debug.SetMemoryLimit(MemoryLimit)
	}
	return func() {
		if setGC {
			debug.SetGCPercent(prevGC)
		}
		if setLimit {
			debug.SetMemoryLimit(prevLimit)
		}
	}
}
