package ferrytest

import (
	"testing"
	"testing/synctest"
	"time"
)

// fired reports whether the timer's channel holds a value, after every
// goroutine of the bubble has settled.
func fired(c <-chan time.Time) bool {
	synctest.Wait()
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestJumpClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewJumpClock()
		start := c.Now()
		if !start.Equal(time.Now()) {
			t.Fatalf("Now = %v before any jump, want the real time %v", start, time.Now())
		}

		// A jump fires the timers it passes, and only those.
		hour := c.NewTimer(time.Hour)
		day := c.NewTimer(24 * time.Hour)
		c.Advance(time.Hour)
		if got := c.Now().Sub(start); got != time.Hour {
			t.Errorf("after a jump of 1h the clock moved %v", got)
		}
		if !fired(hour.C()) {
			t.Error("a jump past a timer's time did not fire it")
		}
		if fired(day.C()) {
			t.Error("a jump short of a timer's time fired it")
		}

		// Real time runs on: the rest of the day passes by itself (in the
		// bubble, at once), and the timer fires when the clock shows its time.
		if at, want := <-day.C(), start.Add(24*time.Hour); !at.Equal(want) {
			t.Errorf("a timer for %v fired at %v", want, at)
		}

		// Stop and Reset: nothing fires after a Stop, and a Reset drops a
		// value not yet received.
		stopped := c.NewTimer(time.Minute)
		if !stopped.Stop() || stopped.Stop() {
			t.Error("Stop did not report an armed timer once")
		}
		c.Advance(time.Hour)
		if fired(stopped.C()) {
			t.Error("a stopped timer fired")
		}
		r := c.NewTimer(time.Second)
		c.Advance(time.Second)
		synctest.Wait()
		r.Reset(time.Minute)
		if fired(r.C()) {
			t.Error("Reset kept the value of the earlier expiry")
		}
		c.Advance(time.Minute)
		if !fired(r.C()) {
			t.Error("a reset timer did not fire at its new time")
		}
	})
}
