package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"
)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[len(hundred)-1-i] = ms(float64(i + 1)) // 100 ms … 1 ms: added out of order
	}
	for _, tc := range []struct {
		name string
		all  []time.Duration
		p    float64
		want float64
	}{
		{"none", nil, 50, 0},
		{"one", []time.Duration{ms(3)}, 99, 3},
		{"one, p0", []time.Duration{ms(3)}, 0, 3},
		{"two, p50 is the lower", []time.Duration{ms(4), ms(2)}, 50, 2},
		{"two, p99", []time.Duration{ms(4), ms(2)}, 99, 2},
		{"two, p100", []time.Duration{ms(4), ms(2)}, 100, 4},
		{"1..100, p0", hundred, 0, 1},
		{"1..100, p50", hundred, 50, 50},
		{"1..100, p99", hundred, 99, 99},
		{"1..100, p100", hundred, 100, 100},
		{"sub-millisecond", []time.Duration{1500 * time.Microsecond, 250 * time.Microsecond}, 0, 0.25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &latencies{}
			for _, d := range tc.all {
				l.add(d)
			}
			if got := l.percentile(tc.p); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("p%v = %v ms, want %v", tc.p, got, tc.want)
			}
			if l.count() != len(tc.all) {
				t.Errorf("count %d, want %d", l.count(), len(tc.all))
			}
		})
	}
}

// TestFailures: every failure counts; the sample keeps the first five
// distinct messages.
func TestFailures(t *testing.T) {
	l := &latencies{}
	for i := range 20 {
		l.fail(fmt.Errorf("status %d", 500+i%7))
	}
	l.fail(nil)
	if l.errors() != 21 || l.count() != 0 {
		t.Errorf("errors %d, count %d", l.errors(), l.count())
	}
	want := []string{"status 500", "status 501", "status 502", "status 503", "status 504"}
	if got := l.errorSample(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sample %q, want %q", got, want)
	}
	if (&latencies{}).errorSample() != nil {
		t.Error("no failures must give no sample (omitted from the JSON)")
	}
}

// TestResult: the rate is successful requests over the elapsed time; the
// failures are counted apart.
func TestResult(t *testing.T) {
	b := &Bench{Config: Config{DB: "postgres://x@y/z", Instances: 2, Concurrency: 8}}
	l := &latencies{}
	for i := range 300 {
		l.add(ms(float64(i%10 + 1)))
	}
	l.fail(errors.New("boom"))
	r := b.result("submit", l, 1500*time.Millisecond, map[string]float64{"devices": 64})
	want := Result{Scenario: "submit", Store: "postgres", Instances: 2, Concurrency: 8, Requests: 300, Errors: 1,
		Seconds: 1.5, PerSecond: 200, P50Ms: 5, P99Ms: 10, Extra: map[string]float64{"devices": 64}, ErrorSample: []string{"boom"}}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("result\n%+v\nwant\n%+v", r, want)
	}
}

// TestTimed: workers call fn again and again until the duration ends;
// failures before the end count, and calls cut off by the end do not.
func TestTimed(t *testing.T) {
	var calls atomic.Int64
	lat, elapsed := timed(context.Background(), 4, 200*time.Millisecond, func(ctx context.Context, w int) error {
		if w < 0 || w >= 4 {
			t.Errorf("worker %d", w)
		}
		n := calls.Add(1)
		if n%10 == 0 {
			return errors.New("every tenth")
		}
		select {
		case <-time.After(time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	// The clock starts just after the deadline is set, so elapsed may be a
	// little less than the duration, never much less.
	if elapsed < 150*time.Millisecond {
		t.Errorf("ended after %s", elapsed)
	}
	total := int(calls.Load())
	if lat.count() == 0 || lat.errors() == 0 || lat.count()+lat.errors() > total || lat.count()+lat.errors() < total-4 {
		t.Errorf("%d calls: %d counted, %d failed", total, lat.count(), lat.errors())
	}
	if s := lat.errorSample(); len(s) != 1 || s[0] != "every tenth" {
		t.Errorf("sample %q: the end of the run is not an error", s)
	}
}
