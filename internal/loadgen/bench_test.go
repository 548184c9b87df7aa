package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReport(t *testing.T) {
	var out bytes.Buffer
	report(&out, []Result{
		{Scenario: "baseline", Store: "-", Instances: 1, Concurrency: 32, Requests: 400000, PerSecond: 40000, P50Ms: 0.5, P99Ms: 3.25},
		{Scenario: "startup", Store: "sqlite", Instances: 1, Extra: map[string]float64{"start_ms": 5.61, "first_start_ms": 14.2}},
		{Scenario: "status", Store: "sqlite", Instances: 1, Concurrency: 32, Requests: 300000, Errors: 2, PerSecond: 30000, P50Ms: 0.71, P99Ms: 5.014,
			ErrorSample: []string{"status 503", "EOF"}},
	})
	want := `  scenario   store  inst  conc  requests  errors  per second  vs baseline  p50 ms  p99 ms                              extra
  baseline       -     1    32    400000       0       40000         1.00    0.50    3.25
   startup  sqlite     1     0         0       0           0            -    0.00    0.00  first_start_ms=14.2 start_ms=5.61
    status  sqlite     1    32    300000       2       30000         0.75    0.71    5.01
status error: status 503
status error: EOF
`
	var got strings.Builder
	for line := range strings.Lines(out.String()) {
		got.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if got.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", got.String(), want)
	}

	out.Reset()
	report(&out, []Result{{Scenario: "submit", Store: "target", PerSecond: 817}})
	if !strings.Contains(out.String(), "817            -") {
		t.Errorf("without a baseline there is no ratio:\n%s", &out)
	}
}

// TestRunTarget runs the status and submit scenarios against a stand-in
// for another server, and checks the report and the results file.
func TestRunTarget(t *testing.T) {
	var gets, posts atomic.Int64
	keys := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			w.WriteHeader(401)
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/v1/refund-instructions/"+baselineID:
			gets.Add(1)
			w.Write(baselineBody)
		case r.Method == "POST" && r.URL.Path == "/v1/devices/1850010868/refund-instructions":
			select {
			case keys <- r.Header.Get("Idempotency-Key"):
			default:
			}
			if posts.Add(1)%4 == 0 {
				w.WriteHeader(409)
				return
			}
			w.WriteHeader(202)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	outFile := filepath.Join(t.TempDir(), "results.json")
	var out bytes.Buffer
	b := &Bench{
		Config: Config{Scenarios: "status,submit", DB: "sqlite", Instances: 1, Concurrency: 2, Duration: 200 * time.Millisecond,
			Out: outFile, Target: srv.URL + "/v1/", Token: "secret"},
		Version: "v9.9.9",
		Out:     &out,
	}
	if err := b.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(<-keys) != 36 {
		t.Error("a submission without a UUID idempotency key")
	}
	for _, want := range []string{"ferry bench v9.9.9 on ", "… status\n", "… submit\n", "submit error: status 409\n", "results written to " + outFile + "\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Version string
		CPUs    int `json:"cpus"`
		Config  map[string]any
		Results []Result
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if file.Version != "v9.9.9" || file.CPUs < 1 || file.Config["Target"] != srv.URL+"/v1/" || file.Config["Duration"] != float64(200*time.Millisecond) || len(file.Results) != 2 {
		t.Fatalf("results file:\n%s", data)
	}
	st, sub := file.Results[0], file.Results[1]
	if st.Scenario != "status" || st.Store != "target" || st.Requests == 0 || st.Errors != 0 || int64(st.Requests) > gets.Load() || st.PerSecond <= 0 || st.P99Ms < st.P50Ms {
		t.Errorf("status: %+v (%d GETs)", st, gets.Load())
	}
	if sub.Scenario != "submit" || sub.Requests == 0 || sub.Errors == 0 || int64(sub.Requests+sub.Errors) > posts.Load() {
		t.Errorf("submit: %+v (%d POSTs)", sub, posts.Load())
	}

	b.Config.Scenarios = "flow"
	if err := b.Run(context.Background()); err == nil || err.Error() != "bench flow: scenario flow cannot run against --target" {
		t.Errorf("flow against a target: %v", err)
	}
}
