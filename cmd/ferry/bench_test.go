package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBench runs `ferry bench` (the binary: it starts itself as `ferry
// serve` and `ferry bench-baseline`) with small numbers on every scenario
// that needs no PostgreSQL, and checks that each one measured something
// without errors.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ferry and runs ferry bench")
	}
	t.Parallel()
	bin, err := buildFerry()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "results.json")
	cmd := exec.Command(bin, "bench", "--scenarios", "baseline,startup,status,submit,flow,hold", "--concurrency", "4",
		"--duration", "300ms", "--requests", "200", "--devices", "6", "--polls", "40", "--out", out)
	cmd.Env = append(os.Environ(), "FERRY_DB=") // the bench's own SQLite, whatever the environment says
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ferry bench: %v\n%s\n%s", err, &stdout, &stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config  map[string]any
		Results []struct {
			Scenario, Store  string
			Requests, Errors int
			PerSecond, P99Ms float64
			Extra            map[string]float64
			ErrorSample      []string
		}
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if file.Config["Concurrency"] != float64(4) || file.Config["Scenarios"] != "baseline,startup,status,submit,flow,hold" {
		t.Errorf("config in the results: %v", file.Config)
	}
	got := map[string]bool{}
	for _, r := range file.Results {
		got[r.Scenario] = true
		if r.Errors != 0 {
			t.Errorf("%s: %d errors: %v", r.Scenario, r.Errors, r.ErrorSample)
		}
		switch r.Scenario {
		case "startup":
			if r.Extra["first_start_ms"] <= 0 || r.Extra["start_ms"] <= 0 || r.Extra["idle_rss_mb"] <= 0 {
				t.Errorf("startup: %v", r.Extra)
			}
		case "hold":
			if r.Requests != 40 || r.Extra["polls"] != 40 || r.Extra["server_rss_mb_held"] <= 0 {
				t.Errorf("hold: %d wake-ups, %v", r.Requests, r.Extra)
			}
		case "submit":
			if r.Requests != 200 || r.Store != "sqlite" {
				t.Errorf("submit: %d requests on %s", r.Requests, r.Store)
			}
		default:
			if r.Requests == 0 || r.PerSecond <= 0 || r.P99Ms <= 0 {
				t.Errorf("%s: %d requests, %.0f/s, p99 %.2f ms", r.Scenario, r.Requests, r.PerSecond, r.P99Ms)
			}
		}
	}
	// flow measures refunds and sales: two results.
	if len(got) != 7 || !got["flow"] || !got["flow-sale"] {
		t.Errorf("scenarios in the results: %v", got)
	}
	for _, want := range []string{"vs baseline", "1.00", "results written to " + out} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, &stdout)
		}
	}
	// Each scenario is a row of the table, names right-aligned.
	for _, row := range []string{"baseline", "flow", "flow-sale"} {
		if !regexp.MustCompile(`(?m)^ +` + row + ` `).MatchString(stdout.String()) {
			t.Errorf("the report has no %s row:\n%s", row, &stdout)
		}
	}
}

// TestBenchUsage: wrong scenarios and instances are usage errors, found
// before anything starts.
func TestBenchUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--scenarios", "status,fast"}, `ferry: bench: unknown scenario "fast"; use baseline,startup,status,submit,flow,hold`},
		{[]string{"bench", "--instances", "2"}, "ferry: bench: --instances must be 1, or more on PostgreSQL"},
		{[]string{"bench", "--instances", "0", "--db", "postgres://x@127.0.0.1:1/db"}, "ferry: bench: --instances must be 1"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
		if code := exitCode(err, &errOut); code != 1 || !strings.Contains(errOut.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, &out, &errOut, tc.want)
		}
	}
}
