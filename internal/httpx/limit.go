package httpx

import (
	"sync"

	"github.com/ferrygateway/ferry"
)

// Limiter caps how many requests per key (a merchant, a device) may wait
// at once, so that a flood of long-polls from one client is refused with
// 429 instead of holding memory without end.
type Limiter struct {
	max  int
	mu   sync.Mutex
	busy map[string]int
}

// NewLimiter returns a limiter that lets max requests per key wait at
// once; max <= 0 means no limit.
func NewLimiter(max int) *Limiter { return &Limiter{max: max, busy: make(map[string]int)} }

// Acquire takes a place for key, or returns CodeRateLimited (with
// Retry-After) when key already has max. Call the release function when
// the request ends.
func (l *Limiter) Acquire(key, what string) (release func(), err error) {
	if l == nil || l.max <= 0 {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[key] >= l.max {
		return nil, &ferry.Error{Code: ferry.CodeRateLimited, RetryAfter: 1,
			Message: "Too many " + what + " are waiting at once; wait for one to answer before you send another"}
	}
	l.busy[key]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.busy[key]--; l.busy[key] <= 0 {
			delete(l.busy, key)
		}
	}, nil
}
