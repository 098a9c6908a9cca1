package testutils

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// WatchPeakRSS reads the high-water mark of a child's resident memory
// (VmHWM, which only grows) every 10 ms until the child is gone, and
// sends the last value read, in bytes. getrusage cannot serve here: Go
// starts a child with vfork, and Linux counts the parent's own peak into
// the child's maxrss at exec.
func WatchPeakRSS(pid int) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			raw, err := os.ReadFile(path)
			v, ok := StatusKB(raw, "VmHWM:")
			if err != nil || !ok { // gone, or a zombie without memory
				out <- peak
				return
			}
			peak = max(peak, v<<10)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return out
}

// StatusKB reads the "Key: N kB" line of a /proc status file.
func StatusKB(status []byte, key string) (int64, bool) {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// LoadAverage is the one-minute load average of the machine (the first
// field of /proc/loadavg), or -1 when it cannot be read: benchmarks print
// it beside their figures, since other work on the machine moves them.
func LoadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(string(raw) + " x")[0], 64)
	if err != nil {
		return -1
	}
	return f
}
