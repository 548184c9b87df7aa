// Package ferrytest holds helpers for Ferry's tests: a clock that moves only
// when told to, a real-time clock that jumps when told to, and stores on
// temporary databases.
package ferrytest

import (
	"sort"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
)

// Clock is a ferry.Clock that moves only when Advance is called. Timers
// fire, in order, when the time they wait for is reached.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*timer
	added  chan struct{} // signaled whenever a timer is armed
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, added: make(chan struct{}, 1)}
}

var _ ferry.Clock = (*Clock)(nil)

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches now+d.
func (c *Clock) NewTimer(d time.Duration) ferry.Timer {
	t := &timer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the clock forward by d, firing every timer due on the way.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.now.Add(d)
	for {
		sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			break
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		if t.at.After(c.now) {
			c.now = t.at
		}
		t.armed = false
		select {
		case t.ch <- c.now:
		default:
		}
	}
	c.now = end
}

// Timers returns how many timers are armed.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitTimers blocks until at least n timers are armed or the real-time
// limit passes; it reports whether they were. Tests use it to know that a
// goroutine has started waiting before they advance the clock.
func (c *Clock) WaitTimers(n int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if c.Timers() >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-c.added:
		case <-time.After(time.Millisecond):
		}
	}
}

type timer struct {
	c     *Clock
	ch    chan time.Time
	at    time.Time
	armed bool
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.stopLocked()
}

func (t *timer) stopLocked() bool {
	if !t.armed {
		return false
	}
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			break
		}
	}
	t.armed = false
	return true
}

func (t *timer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.stopLocked()
	// Like time.Timer since Go 1.23: a reset drops a value not yet received.
	select {
	case <-t.ch:
	default:
	}
	t.at = t.c.now.Add(d)
	if d <= 0 {
		t.ch <- t.c.now
		return was
	}
	t.armed = true
	t.c.timers = append(t.c.timers, t)
	select {
	case t.c.added <- struct{}{}:
	default:
	}
	return was
}
