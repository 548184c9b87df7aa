package main

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ferrygateway/ferry/internal/loadgen"
)

// runBench is `ferry bench`: the load generator (package loadgen) on
// server processes of this binary.
func runBench(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg loadgen.Config
	f := newFlags("bench", getenv, stderr)
	f.StringVar(&cfg.Scenarios, "scenarios", "all", "scenarios to run: "+strings.Join(loadgen.Scenarios, ",")+", or all")
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
	if err := cfg.Validate(); err != nil {
		return usageErrorf("bench: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b := &loadgen.Bench{
		Config:  cfg,
		Binary:  self,
		Version: version(),
		Open: func(ctx context.Context, dsn string) (loadgen.Registry, func(), error) {
			svc, done, err := openAdmin(ctx, dsn)
			if err != nil {
				return nil, nil, err
			}
			return svc, done, nil
		},
		Out:           stdout,
		ShowServerLog: getenv("FERRY_BENCH_SHOW_LOG") != "",
	}
	return b.Run(ctx)
}

// runBaselineServer is `ferry bench-baseline`, which `ferry bench` starts
// for its baseline scenario: the least an HTTP JSON server can do.
func runBaselineServer(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("bench-baseline", getenv, stderr)
	listen := f.String("listen", "127.0.0.1:0", "address")
	if err := f.parse(args); err != nil {
		return err
	}
	return loadgen.ServeBaseline(ctx, *listen, stdout)
}
