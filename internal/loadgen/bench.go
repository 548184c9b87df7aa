package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
)

// Registry registers devices on a scenario's database, as `ferry device
// add` does; *core.Service is one.
type Registry interface {
	AddDevice(ctx context.Context, p core.AddDeviceParams) (*ferry.Device, error)
}

// Bench runs the scenarios of a Config. Set every field but Out's
// destination before Run; a Bench runs once.
type Bench struct {
	Config Config
	// Binary is the ferry executable, started as `ferry serve --ready-json`
	// and as `ferry bench-baseline`.
	Binary string
	// Version is Ferry's version, printed and written with the results.
	Version string
	// Open opens a scenario's database for registering devices; close
	// releases it. cmd/ferry passes what its admin commands use.
	Open func(ctx context.Context, dsn string) (r Registry, close func(), err error)
	// Out receives progress lines and the table of results.
	Out io.Writer
	// ShowServerLog prints each server's standard error on Out when it
	// stops.
	ShowServerLog bool

	http    *http.Client
	results []Result
}

// Result is one line of the report, and one entry of the results file.
type Result struct {
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

// Run runs the scenarios one after another, prints a table of the results
// on Out, and writes them with the configuration to Config.Out as JSON. A
// scenario that cannot run ends Run with its error and no results file;
// once ctx ends, Run reports the scenarios done so far. Run does not check
// the Config: call Validate first.
func (b *Bench) Run(ctx context.Context) error {
	b.http = loadClient(max(b.Config.Concurrency, b.Config.Polls) + 64)
	fmt.Fprintf(b.Out, "ferry bench %s on %d cores, %s, %s\n", b.Version, runtime.NumCPU(), runtime.GOOS, runtime.Version())
	for _, s := range b.Config.scenarios() {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(b.Out, "… %s\n", s)
		res, err := b.run(ctx, s)
		if err != nil {
			return fmt.Errorf("bench %s: %w", s, err)
		}
		b.results = append(b.results, res...)
	}
	report(b.Out, b.results)
	data, err := json.MarshalIndent(map[string]any{
		"version": b.Version, "cpus": runtime.NumCPU(), "date": time.Now().UTC().Format(time.RFC3339),
		"config": b.Config, "results": b.results,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.Config.Out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(b.Out, "results written to %s\n", b.Config.Out)
	return nil
}

func (b *Bench) run(ctx context.Context, scenario string) ([]Result, error) {
	if b.Config.Target != "" {
		return b.runTarget(ctx, scenario)
	}
	switch scenario {
	case "baseline":
		return b.baseline(ctx)
	case "startup":
		return b.startup(ctx)
	}
	cl, err := b.cluster(ctx)
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

// result summarises a timed scenario: the rate over the elapsed time, and
// the percentiles of the latencies.
func (b *Bench) result(scenario string, lat *latencies, elapsed time.Duration, extra map[string]float64) Result {
	return Result{
		Scenario: scenario, Store: b.Config.store(), Instances: b.Config.Instances, Concurrency: b.Config.Concurrency,
		Requests: lat.count(), Errors: lat.errors(), Seconds: elapsed.Seconds(),
		PerSecond: float64(lat.count()) / elapsed.Seconds(), P50Ms: lat.percentile(50), P99Ms: lat.percentile(99),
		Extra: extra, ErrorSample: lat.errorSample(),
	}
}

// report prints the results as a table, with each throughput also as a
// ratio to the baseline's, then the sampled errors.
func report(w io.Writer, results []Result) {
	var baseline float64
	for _, r := range results {
		if r.Scenario == "baseline" {
			baseline = r.PerSecond
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tstore\tinst\tconc\trequests\terrors\tper second\tvs baseline\tp50 ms\tp99 ms\textra\t")
	for _, r := range results {
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
	for _, r := range results {
		for _, e := range r.ErrorSample {
			fmt.Fprintf(w, "%s error: %s\n", r.Scenario, e)
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
