package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrygateway/ferry"
)

// The scenarios; docs/performance.md says what each measures.

// baselineID is the instruction id the baseline scenario asks for; the
// baseline server answers every request with the same body.
const baselineID = "a37439165d134678a9100ebba3b29597"

// baseline measures a minimal net/http JSON server with the same load as
// the status scenario: the most this machine does with no Ferry at all.
func (b *Bench) baseline(ctx context.Context) ([]Result, error) {
	p, err := b.start(ctx, "bench-baseline", "--listen", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer p.stop()
	lat, elapsed := timed(ctx, b.Config.Concurrency, b.Config.Duration, func(ctx context.Context, _ int) error {
		st, _, err := b.get(ctx, p.URL+"/v1/refund-instructions/"+baselineID, "")
		if err == nil && st != 200 {
			err = fmt.Errorf("status %d", st)
		}
		return err
	})
	r := b.result("baseline", lat, elapsed, nil)
	r.Store = "-"
	return []Result{r}, nil
}

// startup measures the time from starting `ferry serve` to its ready line,
// on a new database and again on the same one, and the memory and CPU it
// uses when idle.
func (b *Bench) startup(ctx context.Context) ([]Result, error) {
	dsn, drop, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer drop()
	args := []string{"serve", "--ready-json", "--listen", "127.0.0.1:0", "--db", dsn, "--log-level", "error"}
	extra := map[string]float64{}
	for i, name := range []string{"first_start_ms", "start_ms"} {
		p, err := b.start(ctx, args...)
		if err != nil {
			return nil, err
		}
		extra[name] = float64(p.Started) / float64(time.Millisecond)
		if i == 1 {
			time.Sleep(2 * time.Second)
			rss, _ := p.rss()
			extra["idle_rss_mb"] = float64(rss) / (1 << 20)
			cpu0, _ := p.cpu()
			time.Sleep(5 * time.Second)
			cpu1, _ := p.cpu()
			extra["idle_cpu_ms_per_s"] = float64(cpu1-cpu0) / float64(time.Millisecond) / 5
		}
		p.stop()
	}
	return []Result{{Scenario: "startup", Store: b.Config.store(), Instances: 1, Extra: extra}}, nil
}

// status measures status GETs that do not wait: the instruction has ended.
func (b *Bench) status(ctx context.Context, cl *cluster) ([]Result, error) {
	p := cl.instances[0]
	st, id, err := b.post(ctx, p.URL, cl.token, "1850010868", "refund-instructions", submitBody(4999))
	if err != nil || st != 202 {
		return nil, fmt.Errorf("submit: %d %v", st, err)
	}
	url := p.URL + "/v1/refund-instructions/" + id
	for { // until the simulated device completed it
		_, body, err := b.get(ctx, url, cl.token)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(body), `"completed"`) {
			break
		}
	}
	lat, elapsed := timed(ctx, b.Config.Concurrency, b.Config.Duration, func(ctx context.Context, w int) error {
		inst := cl.instances[w%len(cl.instances)]
		st, _, err := b.get(ctx, inst.URL+"/v1/refund-instructions/"+id, cl.token)
		if err == nil && st != 200 {
			err = fmt.Errorf("status %d", st)
		}
		return err
	})
	return []Result{b.result("status", lat, elapsed, nil)}, nil
}

// submit measures refund-instruction submissions: each to a device of its
// own, so that none is refused as busy.
func (b *Bench) submit(ctx context.Context, cl *cluster) ([]Result, error) {
	const warmup = 2000
	n := b.Config.Requests
	start := time.Now()
	if err := cl.addDevices(ctx, "BENCH", n+warmup, false); err != nil {
		return nil, err
	}
	fmt.Fprintf(b.Out, "  %d devices registered in %.1fs\n", n+warmup, time.Since(start).Seconds())
	body := submitBody(4999)
	run := func(from, to int, lat *latencies) time.Duration {
		var next atomic.Int64
		next.Store(int64(from))
		start := time.Now()
		var wg sync.WaitGroup
		for w := range b.Config.Concurrency {
			inst := cl.instances[w%len(cl.instances)]
			wg.Go(func() {
				for {
					i := int(next.Add(1) - 1)
					if i >= to {
						return
					}
					t := time.Now()
					st, _, err := b.post(ctx, inst.URL, cl.token, fmt.Sprintf("BENCH-%d", i), "refund-instructions", body)
					if err == nil && st != 202 {
						err = fmt.Errorf("submit answered %d", st)
					}
					if err != nil {
						lat.fail(err)
						continue
					}
					lat.add(time.Since(t))
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	run(0, warmup, &latencies{})
	lat := &latencies{}
	elapsed := run(warmup, warmup+n, lat)
	return []Result{b.result("submit", lat, elapsed, nil)}, nil
}

// flowDevice is the device that client w of c sends its turn-th refund
// to, of devices (at least c): client w takes turns on devices w, w+c,
// w+2c… below devices, so that every device gets work and no two clients
// share one.
func flowDevice(w, turn, c, devices int) int {
	share := (devices - w + c - 1) / c // how many devices client w has
	return w + c*(turn%share)
}

// flow measures whole refunds and whole sales, one after the other: submit,
// the simulated device (no delay) takes it, the long-poll sees completed,
// then GET the refund or payment. With several instances each step goes to
// another one.
func (b *Bench) flow(ctx context.Context, cl *cluster) ([]Result, error) {
	refunds, err := b.flowOf(ctx, cl, "flow", "SIM", "refund-instructions", submitBody(4999))
	if err != nil {
		return nil, err
	}
	sales, err := b.flowOf(ctx, cl, "flow-sale", "SALE", "payment-instructions", saleBody(1000))
	if err != nil {
		return nil, err
	}
	return []Result{refunds, sales}, nil
}

// flowOf measures whole instructions of one kind (its collection, such as
// "payment-instructions") on devices of their own, named prefix-N, and
// reports them as the scenario name.
func (b *Bench) flowOf(ctx context.Context, cl *cluster, name, prefix, collection string, body []byte) (Result, error) {
	c := b.Config.Concurrency
	devices := max(b.Config.Devices, c)
	// Twice the devices: the warm-up leaves instructions behind on its half.
	if err := cl.addDevices(ctx, prefix, 2*devices, true); err != nil {
		return Result{}, err
	}
	instances := cl.instances
	offset := 0
	turn := make([]int, c) // each client's instructions so far; only client w touches turn[w]
	iteration := func(ctx context.Context, w int) error {
		a := instances[w%len(instances)]
		bb := instances[(w+1)%len(instances)]
		device := flowDevice(w, turn[w], c, devices)
		turn[w]++
		st, id, err := b.post(ctx, a.URL, cl.token, fmt.Sprintf("%s-%d", prefix, offset+device), collection, body)
		if err != nil {
			return err
		}
		if st != 202 {
			return fmt.Errorf("submit: %d", st)
		}
		for {
			st, data, err := b.get(ctx, bb.URL+"/v1/"+collection+"/"+id, cl.token)
			if err != nil {
				return err
			}
			var in instruction
			if st != 200 || json.Unmarshal(data, &in) != nil {
				return fmt.Errorf("poll: %d", st)
			}
			if in.Status == ferry.StatusInProgress {
				continue
			}
			if in.Status != ferry.StatusCompleted || in.Link == nil {
				return fmt.Errorf("ended %s", in.Status)
			}
			st, _, err = b.get(ctx, in.Link.Href, cl.token)
			if err == nil && st != 200 {
				err = fmt.Errorf("%s: %d", in.Link.Rel, st)
			}
			return err
		}
	}
	// Warm up: the simulator picks up new devices at their first instruction.
	timed(ctx, c, time.Second, iteration)
	offset = devices
	lat, elapsed := timed(ctx, c, b.Config.Duration, iteration)
	return b.result(name, lat, elapsed, map[string]float64{"devices": float64(devices)}), nil
}

// hold opens many long-polls at once on instructions that wait, measures
// the server's memory per poll and its CPU while they wait, and then how
// soon each poll answers after its instruction is canceled (through another
// instance, when there are several).
func (b *Bench) hold(ctx context.Context, cl *cluster) ([]Result, error) {
	k := b.Config.Polls
	if err := cl.addDevices(ctx, "HOLD", k, false); err != nil {
		return nil, err
	}
	ids := make([]string, k)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= k {
					return
				}
				st, id, err := b.post(ctx, cl.instances[0].URL, cl.token, fmt.Sprintf("HOLD-%d", i), "refund-instructions", submitBody(4999))
				if err != nil || st != 202 {
					failed.Add(1)
					continue
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		return nil, fmt.Errorf("%d submissions failed", failed.Load())
	}
	holder := cl.instances[len(cl.instances)-1] // the polls wait here
	canceler := cl.instances[0]                 // the changes come through here
	before := holder.settle()

	type answer struct {
		at  time.Time
		err error
	}
	answers := make([]chan answer, k)
	for i := range ids {
		answers[i] = make(chan answer, 1)
		go func() {
			st, body, err := b.get(ctx, holder.URL+"/v1/refund-instructions/"+ids[i], cl.token)
			if err == nil && (st != 200 || !strings.Contains(string(body), `"canceled"`)) {
				err = fmt.Errorf("poll answered %d %s", st, body)
			}
			answers[i] <- answer{time.Now(), err}
		}()
	}
	after := holder.settle()
	cpu0, _ := holder.cpu()
	time.Sleep(5 * time.Second)
	cpu1, _ := holder.cpu()

	lat := &latencies{}
	start := time.Now()
	var cancels sync.WaitGroup
	next.Store(0)
	for range 8 {
		cancels.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= k {
					return
				}
				sent := time.Now()
				req, _ := http.NewRequestWithContext(ctx, "DELETE", canceler.URL+"/v1/refund-instructions/"+ids[i], nil)
				req.Header.Set("Authorization", "Bearer "+cl.token)
				resp, err := b.http.Do(req)
				if err != nil {
					lat.fail(err)
					continue
				}
				drain(resp)
				a := <-answers[i]
				if a.err == nil && resp.StatusCode != 204 {
					a.err = fmt.Errorf("cancel answered %d", resp.StatusCode)
				}
				if a.err != nil {
					lat.fail(a.err)
					continue
				}
				lat.add(a.at.Sub(sent))
			}
		})
	}
	cancels.Wait()
	res := b.result("hold", lat, time.Since(start), map[string]float64{
		"polls":              float64(k),
		"kb_per_poll":        float64(after-before) / 1024 / float64(k),
		"held_cpu_ms_per_s":  float64(cpu1-cpu0) / float64(time.Millisecond) / 5,
		"server_rss_mb_held": float64(after) / (1 << 20),
	})
	return []Result{res}, nil
}

// runTarget measures an external server, such as a Prism mock of Payroc's
// OpenAPI file, with the same load as the status and submit scenarios.
func (b *Bench) runTarget(ctx context.Context, scenario string) ([]Result, error) {
	base := strings.TrimRight(b.Config.Target, "/")
	var fn func(ctx context.Context, w int) error
	switch scenario {
	case "status":
		fn = func(ctx context.Context, w int) error {
			st, _, err := b.get(ctx, base+"/refund-instructions/"+baselineID, b.Config.Token)
			if err == nil && st != 200 {
				err = fmt.Errorf("status %d", st)
			}
			return err
		}
	case "submit":
		fn = func(ctx context.Context, w int) error {
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/devices/1850010868/refund-instructions", strings.NewReader(string(submitBody(4999))))
			req.Header.Set("Authorization", "Bearer "+b.Config.Token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", ferry.NewIdempotencyKey())
			resp, err := b.http.Do(req)
			if err != nil {
				return err
			}
			drain(resp)
			if resp.StatusCode != 202 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	case "baseline":
		return b.baseline(ctx)
	default:
		return nil, fmt.Errorf("scenario %s cannot run against --target", scenario)
	}
	lat, elapsed := timed(ctx, b.Config.Concurrency, b.Config.Duration, fn)
	r := b.result(scenario, lat, elapsed, nil)
	r.Store = "target"
	return []Result{r}, nil
}
