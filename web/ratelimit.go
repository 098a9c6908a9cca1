package web

import (
	"sync"
	"time"
)

// limiter counts requests per key in fixed windows: enough to stop a
// script mailing someone a hundred sign-in links, or probing addresses.
// It lives in memory: one gateway serves a store, and a restart forgives.
type limiter struct {
	mu     sync.Mutex
	now    func() time.Time
	counts map[string]*window
	swept  time.Time
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, counts: map[string]*window{}}
}

// allow counts one request for key and reports whether it is within max
// per period, and if not, when the key may try again.
func (l *limiter) allow(key string, max int, period time.Duration) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > period {
		for k, w := range l.counts {
			if now.Sub(w.start) >= period {
				delete(l.counts, k)
			}
		}
		l.swept = now
	}
	w := l.counts[key]
	if w == nil || now.Sub(w.start) >= period {
		w = &window{start: now}
		l.counts[key] = w
	}
	w.n++
	if w.n > max {
		return false, w.start.Add(period).Sub(now)
	}
	return true, 0
}

// over reports whether key has used up max in the current period, without
// counting a request, and if so when it may try again.
func (l *limiter) over(key string, max int, period time.Duration) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.counts[key]
	if w == nil || now.Sub(w.start) >= period || w.n < max {
		return false, 0
	}
	return true, w.start.Add(period).Sub(now)
}
