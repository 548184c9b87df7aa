package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/sim"
	"github.com/jackc/pgx/v5"
)

// benchConfig is the configuration of `ferry bench`.
type benchConfig struct {
	Scenarios   string        // comma-separated; "all" runs every one
	DB          string        // "sqlite" (a new file) or a postgres:// DSN (a new schema)
	Instances   int           // ferry serve processes on the database
	Concurrency int           // clients at once
	Duration    time.Duration // length of the timed scenarios
	Requests    int           // submissions in the submit scenario
	Devices     int           // simulated devices in the flow scenario
	Polls       int           // long-polls held in the hold scenario
	Out         string        // JSON results file
	Target      string        // an external server to measure instead (API base URL)
	Token       string        // bearer token for --target
	ServeArgs   string        // extra arguments for every ferry serve
}

// benchResult is one line of the report.
type benchResult struct {
	Scenario    string             `json:"scenario"`
	Store       string             `json:"store"`
	Instances   int                `json:"instances"`
	Concurrency int                `json:"concurrency"`
	Requests    int                `json:"requests"`
	Errors      int                `json:"errors"`
	Seconds     float64            `json:"seconds"`
	PerSecond   float64            `json:"perSecond"`
	P50Ms       float64            `json:"p50Ms"`
	P99Ms       float64            `json:"p99Ms"`
	Extra       map[string]float64 `json:"extra,omitempty"`
	// ErrorSample holds the first few distinct errors, if any.
	ErrorSample []string `json:"errorSample,omitempty"`
}

var allScenarios = []string{"baseline", "startup", "status", "submit", "flow", "hold"}

func runBench(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg benchConfig
	f := newFlags("bench", getenv, stderr)
	f.StringVar(&cfg.Scenarios, "scenarios", "all", "scenarios to run: "+strings.Join(allScenarios, ",")+", or all")
	f.StringVar(&cfg.DB, "db", "sqlite", "sqlite (a new file) or a postgres:// DSN (a new schema in it)")
	f.IntVar(&cfg.Instances, "instances", 1, "ferry serve processes on the database (more than 1 needs PostgreSQL)")
	f.IntVar(&cfg.Concurrency, "concurrency", 32, "clients at once")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the timed scenarios run")
	f.IntVar(&cfg.Requests, "requests", 50000, "submissions in the submit scenario (one device each)")
	f.IntVar(&cfg.Devices, "devices", 64, "simulated devices in the flow scenario")
	f.IntVar(&cfg.Polls, "polls", 10000, "long-polls held at once in the hold scenario")
	f.StringVar(&cfg.Out, "out", "bench-results.json", "where to write the results as JSON")
	f.StringVar(&cfg.Target, "target", "", "measure this server's API base URL instead (e.g. a Prism mock); baseline, status and submit only")
	f.StringVar(&cfg.Token, "token", "bench", "bearer token to send to --target")
	f.StringVar(&cfg.ServeArgs, "serve-args", "", "extra arguments for every ferry serve, e.g. \"--debug-addr 127.0.0.1:6060\"")
	if err := f.parse(args); err != nil {
		return err
	}
	scenarios := allScenarios
	if cfg.Scenarios != "all" {
		scenarios = strings.Split(cfg.Scenarios, ",")
		for _, s := range scenarios {
			if !slices.Contains(allScenarios, s) {
				return usageErrorf("bench: unknown scenario %q; use %s", s, strings.Join(allScenarios, ","))
			}
		}
	}
	if cfg.Instances < 1 || (cfg.Instances > 1 && !strings.HasPrefix(cfg.DB, "postgres")) {
		return usageErrorf("bench: --instances must be 1, or more on PostgreSQL")
	}
	b := &bench{cfg: cfg, out: stdout, http: loadClient(max(cfg.Concurrency, cfg.Polls) + 64)}
	fmt.Fprintf(stdout, "ferry bench %s on %d cores, %s, %s\n", version(), runtime.NumCPU(), runtime.GOOS, runtime.Version())
	for _, s := range scenarios {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stdout, "… %s\n", s)
		res, err := b.run(ctx, s)
		if err != nil {
			return fmt.Errorf("bench %s: %w", s, err)
		}
		b.results = append(b.results, res...)
	}
	b.report()
	data, _ := json.MarshalIndent(map[string]any{
		"version": version(), "cpus": runtime.NumCPU(), "date": time.Now().UTC().Format(time.RFC3339),
		"config": cfg, "results": b.results,
	}, "", "  ")
	if err := os.WriteFile(cfg.Out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "results written to %s\n", cfg.Out)
	return nil
}

type bench struct {
	cfg     benchConfig
	out     io.Writer
	http    *http.Client
	results []benchResult
}

func (b *bench) store() string {
	if strings.HasPrefix(b.cfg.DB, "postgres") {
		return "postgres"
	}
	return "sqlite"
}

func (b *bench) run(ctx context.Context, scenario string) ([]benchResult, error) {
	if b.cfg.Target != "" {
		return b.runTarget(ctx, scenario)
	}
	switch scenario {
	case "baseline":
		return b.baseline(ctx)
	case "startup":
		return b.startup(ctx)
	}
	cl, err := b.cluster(ctx, scenario)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	switch scenario {
	case "status":
		return b.status(ctx, cl)
	case "submit":
		return b.submit(ctx, cl)
	case "flow":
		return b.flow(ctx, cl)
	default:
		return b.hold(ctx, cl)
	}
}

// cluster is a database with Ferry instances on it, and a core in the
// bench's process for seeding it.
type cluster struct {
	dsn       string
	instances []*proc
	svc       *core.Service
	close     func()
	token     string
	merchant  string
}

// cluster starts the instances on a new database.
func (b *bench) cluster(ctx context.Context, scenario string) (*cluster, error) {
	dsn, dropDB, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	cl := &cluster{dsn: dsn}
	var closers []func()
	cl.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		dropDB()
	}
	args := []string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--sim-delay", "0s", "--instruction-timeout", "1h",
		"--poll-wait", "55s", "--log-level", "error", "--max-waiting-polls", fmt.Sprint(b.cfg.Polls + 1000)}
	args = append(args, strings.Fields(b.cfg.ServeArgs)...)
	for i := range b.cfg.Instances {
		p, err := startProc(ctx, args...)
		if err != nil {
			cl.close()
			return nil, err
		}
		closers = append(closers, func() {
			p.stop()
			if os.Getenv("FERRY_BENCH_SHOW_LOG") != "" {
				fmt.Fprint(b.out, p.stderr.String())
			}
		})
		cl.instances = append(cl.instances, p)
		if i == 0 {
			cl.merchant = p.Merchant
			if cl.token, err = b.authorize(ctx, p.URL, p.APIKey); err != nil {
				cl.close()
				return nil, err
			}
		}
	}
	be, err := openBackend(ctx, dsn, ferry.SystemClock{}, slog.New(slog.DiscardHandler))
	if err != nil {
		cl.close()
		return nil, err
	}
	closers = append(closers, func() { be.store.Close() })
	cl.svc = core.New(be.store, be.admin, sim.NewProcessor(), nil, nil, core.Config{})
	return cl, nil
}

// newDatabase makes an empty database for one scenario.
func (b *bench) newDatabase(ctx context.Context) (string, func(), error) {
	if !strings.HasPrefix(b.cfg.DB, "postgres") {
		dir, err := os.MkdirTemp("", "ferry-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "ferry.db"), func() { os.RemoveAll(dir) }, nil
	}
	conn, err := pgx.Connect(ctx, b.cfg.DB)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	rb := make([]byte, 4)
	rand.Read(rb)
	schema := "ferry_bench_" + hex.EncodeToString(rb)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(b.cfg.DB)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if c, err := pgx.Connect(context.Background(), b.cfg.DB); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	}
	return u.String(), drop, nil
}

func (b *bench) authorize(ctx context.Context, base, key string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/authorize", nil)
	req.Header.Set("x-api-key", key)
	resp, err := b.http.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := drain(resp)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("authorize: %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken, nil
}

// addDevices registers n devices named prefix-0 … prefix-(n-1).
func (cl *cluster) addDevices(ctx context.Context, prefix string, n int, simulated bool) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				_, err := cl.svc.AddDevice(ctx, core.AddDeviceParams{MerchantID: cl.merchant, SerialNumber: fmt.Sprintf("%s-%d", prefix, i),
					ProcessingTerminalID: "1234001", Simulated: simulated})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// submitBody is a refund request; the amount picks an approval.
func submitBody(amount int64) []byte {
	return []byte(fmt.Sprintf(`{"processingTerminalId":"1234001","order":{"orderId":"BENCH","description":"bench","amount":%d,"currency":"USD"}}`, amount))
}

// post sends a refund instruction; it returns the status and instruction id.
func (b *bench) post(ctx context.Context, base, token, serial string, body []byte) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/devices/"+serial+"/refund-instructions", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", ferry.NewIdempotencyKey())
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	data, err := drain(resp)
	if err != nil {
		return 0, "", err
	}
	var in ferry.RefundInstruction
	json.Unmarshal(data, &in)
	return resp.StatusCode, in.RefundInstructionID, nil
}

// get sends a GET and returns the status and body.
func (b *bench) get(ctx context.Context, url, token string) (int, []byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	body, err := drain(resp)
	return resp.StatusCode, body, err
}

// timed runs fn from c workers until d passes and returns the latencies.
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

func (b *bench) result(scenario string, lat *latencies, elapsed time.Duration, extra map[string]float64) benchResult {
	return benchResult{
		Scenario: scenario, Store: b.store(), Instances: b.cfg.Instances, Concurrency: b.cfg.Concurrency,
		Requests: lat.count(), Errors: lat.err, Seconds: elapsed.Seconds(),
		PerSecond: float64(lat.count()) / elapsed.Seconds(), P50Ms: lat.percentile(50), P99Ms: lat.percentile(99),
		Extra: extra, ErrorSample: lat.sample,
	}
}

// report prints the results as a table, with each throughput also as a
// ratio to the baseline's.
func (b *bench) report() {
	var baseline float64
	for _, r := range b.results {
		if r.Scenario == "baseline" {
			baseline = r.PerSecond
		}
	}
	tw := tabwriter.NewWriter(b.out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tstore\tinst\tconc\trequests\terrors\tper second\tvs baseline\tp50 ms\tp99 ms\textra\t")
	for _, r := range b.results {
		ratio := "-"
		if baseline > 0 && r.PerSecond > 0 {
			ratio = fmt.Sprintf("%.2f", r.PerSecond/baseline)
		}
		var extra []string
		for _, k := range sortedKeys(r.Extra) {
			extra = append(extra, fmt.Sprintf("%s=%.4g", k, r.Extra[k]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.0f\t%s\t%.2f\t%.2f\t%s\t\n", r.Scenario, r.Store, r.Instances, r.Concurrency,
			r.Requests, r.Errors, r.PerSecond, ratio, r.P50Ms, r.P99Ms, strings.Join(extra, " "))
	}
	tw.Flush()
	for _, r := range b.results {
		for _, e := range r.ErrorSample {
			fmt.Fprintf(b.out, "%s error: %s\n", r.Scenario, e)
		}
	}
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// runBaselineServer is `ferry bench-baseline`: the least an HTTP JSON
// server can do, to compare Ferry with.
func runBaselineServer(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("bench-baseline", getenv, stderr)
	listen := f.String("listen", "127.0.0.1:0", "address")
	if err := f.parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	body := []byte(`{"refundInstructionId":"a37439165d134678a9100ebba3b29597","status":"completed","link":{"rel":"refund","method":"GET","href":"http://127.0.0.1:8080/v1/refunds/CD3HN88U9F"}}`)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
