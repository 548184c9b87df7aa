package ferrytest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrygateway/ferry"
)

// JumpClock is a ferry.Clock that runs with real time and that Advance
// moves forward at once. It is for tests of a whole running server: the
// server goes on at real speed (long-polls, simulated devices, timeouts)
// and a test that needs a lease or a window to pass jumps past it instead
// of sleeping. Timers fire when the clock reaches their time, by real time
// passing or by a jump.
type JumpClock struct {
	offset atomic.Int64 // the jumps so far, in nanoseconds; Now reads it without the lock
	mu     sync.Mutex   // guards armed and each timer
	armed  map[*jumpTimer]struct{}
}

// NewJumpClock returns a clock that shows the real time until Advance is
// called.
func NewJumpClock() *JumpClock {
	return &JumpClock{armed: make(map[*jumpTimer]struct{})}
}

var _ ferry.Clock = (*JumpClock)(nil)

// Now returns the real time plus every jump so far.
func (c *JumpClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// NewTimer returns a timer that fires when the clock reaches now+d.
func (c *JumpClock) NewTimer(d time.Duration) ferry.Timer {
	t := &jumpTimer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the clock forward by d. Timers due by the new time fire at
// once; the others keep waiting for what is left of their time.
func (c *JumpClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset.Add(int64(d))
	for t := range c.armed {
		t.startLocked()
	}
}

// jumpTimer waits on a real timer for the real time left until at, and is
// restarted on every jump. gen tells a real timer that fires late (after a
// Stop, a Reset or a jump) that it no longer counts.
type jumpTimer struct {
	c    *JumpClock
	ch   chan time.Time
	at   time.Time
	real *time.Timer
	gen  uint64
}

func (t *jumpTimer) C() <-chan time.Time { return t.ch }

// startLocked (re)starts the real timer for the time left until at.
func (t *jumpTimer) startLocked() {
	if t.real != nil {
		t.real.Stop()
	}
	t.gen++
	gen := t.gen
	t.real = time.AfterFunc(t.at.Sub(t.c.Now()), func() { t.fire(gen) })
}

func (t *jumpTimer) fire(gen uint64) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.armed[t]; !ok || gen != t.gen {
		return
	}
	delete(c.armed, t)
	select {
	case t.ch <- c.Now():
	default:
	}
}

// Stop prevents the timer from firing; it reports whether it was armed.
// Like time.Timer since Go 1.23, a value not yet received is dropped.
func (t *jumpTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	return t.stopLocked()
}

func (t *jumpTimer) stopLocked() bool {
	_, was := t.c.armed[t]
	delete(t.c.armed, t)
	if t.real != nil {
		t.real.Stop()
	}
	t.gen++
	select {
	case <-t.ch:
	default:
	}
	return was
}

// Reset makes the timer fire when the clock reaches now+d.
func (t *jumpTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.stopLocked()
	t.at = t.c.Now().Add(d)
	t.c.armed[t] = struct{}{}
	t.startLocked()
	return was
}
