package loadgen

import (
	"context"
	"slices"
	"sync"
	"time"
)

// latencies collects the durations of successful requests, and counts the
// failed ones, from many goroutines.
type latencies struct {
	mu     sync.Mutex
	all    []time.Duration
	failed int
	sample []string // the first few distinct errors
}

// sampleSize is how many distinct errors a scenario reports.
const sampleSize = 5

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d)
	l.mu.Unlock()
}

// fail counts a failed request and keeps its error if it is one of the
// first sampleSize distinct ones.
func (l *latencies) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed++
	if err != nil && len(l.sample) < sampleSize && !slices.Contains(l.sample, err.Error()) {
		l.sample = append(l.sample, err.Error())
	}
}

// percentile returns the p-th percentile (0 to 100) in milliseconds: the
// value at rank ⌊(n−1)·p/100⌋ of the n sorted durations, so that p 0 is the
// fastest and p 100 the slowest. With no durations it is 0.
func (l *latencies) percentile(p float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return 0
	}
	slices.Sort(l.all)
	i := int(float64(len(l.all)-1) * p / 100)
	return float64(l.all[i]) / float64(time.Millisecond)
}

// count is the number of successful requests.
func (l *latencies) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.all)
}

// errors is the number of failed requests.
func (l *latencies) errors() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

func (l *latencies) errorSample() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sample)
}

// timed runs fn from c workers, each calling it again as soon as it
// returns, until d passes, and returns the latencies and the time taken.
// A call that fails after d passed is not counted.
func timed(ctx context.Context, c int, d time.Duration, fn func(ctx context.Context, worker int) error) (*latencies, time.Duration) {
	lat := &latencies{}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for ctx.Err() == nil {
				t := time.Now()
				if err := fn(ctx, w); err != nil {
					if ctx.Err() == nil {
						lat.fail(err)
					}
					continue
				}
				lat.add(time.Since(t))
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start)
}
