package main

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/api"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/deviceapi"
	"github.com/ferrygateway/ferry/internal/httpx"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/sim"
)

// serveConfig is the configuration of `ferry serve`.
type serveConfig struct {
	// Listen is the address to listen on. Default: 127.0.0.1:8080.
	Listen string
	// DB names the database (see openStore). Default: sqlite:ferry.db.
	DB string
	// PublicURL is the base of absolute links. Default: from each request.
	PublicURL string
	// PollWait is the longest a status GET waits. Default: 30s.
	PollWait time.Duration
	// SimDelay is how long a simulated cardholder takes. Default: 1s.
	SimDelay time.Duration
	// InstructionTimeout fails an instruction without device progress for
	// this long. Default: 2m.
	InstructionTimeout time.Duration
	// LeaseTTL is how long a device holds an instruction without renewing
	// its lease. Default: 15s.
	LeaseTTL time.Duration
	// DeviceOfflineAfter: a device not seen for this long shows as offline.
	// Default: 2m.
	DeviceOfflineAfter time.Duration
	// TokenTTL is the lifetime of bearer tokens. Default: 1h.
	TokenTTL time.Duration
	// TokenRate caps the bearer tokens one API key gets a minute, over all
	// instances. Default: 60.
	TokenRate int
	// MaxWaitingPolls caps each merchant's waiting status GETs per
	// instance. Default: 1000.
	MaxWaitingPolls int
	// Sandbox seeds an empty database with a merchant and simulated
	// devices. Default: true.
	Sandbox bool
	// LogLevel is debug, info, warn or error. Default: info.
	LogLevel string
	// LogFormat is text or json. Default: text.
	LogFormat string
	// DebugAddr, if set, serves Go's profiler (/debug/pprof/) there; keep it
	// on a loopback address. Default: off.
	DebugAddr string
	// ReadyJSON prints one JSON line on stdout once the server listens (see
	// readyLine), for programs that start it, and the banner on stderr.
	// Default: false.
	ReadyJSON bool
}

func (c *serveConfig) register(f *flags) {
	f.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "`address` to listen on")
	f.StringVar(&c.DB, "db", defaultDB, dbUsage)
	f.StringVar(&c.PublicURL, "public-url", "", "base `URL` of absolute links (default: from each request's Host)")
	f.DurationVar(&c.PollWait, "poll-wait", 30*time.Second, "longest time a status GET waits for a change (at most 55s)")
	f.DurationVar(&c.SimDelay, "sim-delay", time.Second, "how long a simulated cardholder takes to present a card")
	f.DurationVar(&c.InstructionTimeout, "instruction-timeout", 2*time.Minute, "an instruction without device progress for this long ends as failure")
	f.DurationVar(&c.LeaseTTL, "lease-ttl", 15*time.Second, "how long a device holds an instruction without renewing its lease")
	f.DurationVar(&c.DeviceOfflineAfter, "device-offline-after", 2*time.Minute, "a device not seen for this long shows as offline")
	f.DurationVar(&c.TokenTTL, "token-ttl", time.Hour, "lifetime of bearer tokens")
	f.IntVar(&c.TokenRate, "token-rate", 60, "bearer tokens one API key may get a minute; more get 429")
	f.IntVar(&c.MaxWaitingPolls, "max-waiting-polls", 1000, "status GETs one merchant may have waiting at once; more get 429")
	f.BoolVar(&c.Sandbox, "sandbox", true, "on an empty database, create a sandbox merchant with simulated devices")
	f.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&c.DebugAddr, "debug-addr", "", "serve Go's profiler at this `address` (e.g. 127.0.0.1:6060); off by default")
	f.BoolVar(&c.ReadyJSON, "ready-json", false, "once listening, print one JSON line to stdout (address, version, sandbox) and the banner to stderr")
}

// validate names the first setting at fault.
func (c *serveConfig) validate() error {
	switch {
	case c.Listen == "":
		return errors.New("--listen: give an address such as 127.0.0.1:8080")
	case c.PollWait <= 0 || c.PollWait > 55*time.Second:
		return fmt.Errorf("--poll-wait %s: must be more than 0s and at most 55s (Payroc's SDKs give up after 60s)", c.PollWait)
	case c.SimDelay < 0 || c.SimDelay > time.Minute:
		return fmt.Errorf("--sim-delay %s: must be between 0s and 1m", c.SimDelay)
	case c.InstructionTimeout < 100*time.Millisecond:
		return fmt.Errorf("--instruction-timeout %s: must be at least 100ms", c.InstructionTimeout)
	case c.LeaseTTL < 100*time.Millisecond:
		return fmt.Errorf("--lease-ttl %s: must be at least 100ms", c.LeaseTTL)
	case c.TokenRate < 1:
		return fmt.Errorf("--token-rate %d: must be at least 1", c.TokenRate)
	case c.MaxWaitingPolls < 1:
		return fmt.Errorf("--max-waiting-polls %d: must be at least 1", c.MaxWaitingPolls)
	case c.DeviceOfflineAfter <= 0:
		return fmt.Errorf("--device-offline-after %s: must be more than 0s", c.DeviceOfflineAfter)
	case c.TokenTTL < time.Minute:
		return fmt.Errorf("--token-ttl %s: must be at least 1m (Payroc's SDKs renew tokens 2 minutes before they expire)", c.TokenTTL)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url %q: must be an absolute http or https URL", c.PublicURL)
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: must be text or json", c.LogFormat)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: must be debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	l, _ := parseLevel(level)
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(redacting{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(redacting{slog.NewTextHandler(w, opts)})
}

func runServe(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg serveConfig
	f := newFlags("serve", getenv, stderr)
	cfg.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return &exitError{code: codeError, err: err}
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	return serve(ctx, cfg, log, stdout, stderr)
}

// serve runs the server until ctx ends, then shuts down gracefully:
// waiting long-polls answer at once, requests in flight finish, simulated
// devices stop between steps, and the database is closed last.
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout, stderr io.Writer) error {
	hooks, _ := ctx.Value(serveHooksKey{}).(*serveHooks)
	var clock ferry.Clock = ferry.SystemClock{}
	if hooks != nil && hooks.clock != nil {
		clock = hooks.clock
	}
	be, err := openBackend(ctx, cfg.DB, clock, log)
	if err != nil {
		return err
	}
	defer be.store.Close()
	svc := core.New(be.store, be.server, sim.NewProcessor(), clock, log, core.Config{
		TokenTTL:           cfg.TokenTTL,
		TokenRate:          cfg.TokenRate,
		InstructionTimeout: cfg.InstructionTimeout,
		LeaseTTL:           cfg.LeaseTTL,
		MaxDeviceWait:      maxDeviceWait,
		OnlineWindow:       cfg.DeviceOfflineAfter,
	})
	// Background work runs until shutdown: wake-ups from other processes,
	// the sweeper that settles deadlines, the fleet of simulated devices.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	defer func() {
		stopBG()
		wg.Wait()
	}()
	wg.Go(func() { be.relay(bg) })
	select {
	case <-be.ready:
	case <-time.After(30 * time.Second):
		return errors.New("the database's notifications did not start within 30s")
	case <-ctx.Done():
		return nil
	}

	var sandbox *sandboxInfo
	if cfg.Sandbox {
		if sandbox, err = seedSandbox(ctx, svc); err != nil {
			return fmt.Errorf("seeding the sandbox: %w", err)
		}
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	apiServer := api.New(svc, api.Config{PublicURL: cfg.PublicURL, PollWait: cfg.PollWait, MaxWaitingPolls: cfg.MaxWaitingPolls}, log)
	deviceServer := deviceapi.New(svc, api.BaseURL, log)
	httpServer := newHTTPServer(apiServer, deviceServer, cfg, log)

	wg.Go(func() { svc.RunSweeper(bg) })
	fleet := &agent.Fleet{
		Devices: func(ctx context.Context) ([]*ferry.Device, error) {
			simulated := true
			return svc.ListDevices(ctx, ferry.DeviceListParams{Simulated: &simulated})
		},
		Connect: func(d *ferry.Device) ferry.DeviceConn {
			return svc.DeviceConn(d, "sim-"+ferry.NewID())
		},
		Notifier:   be.server,
		Cardholder: &agent.Auto{Delay: cfg.SimDelay, Clock: clock},
		Log:        log.With("component", "simulator"),
	}
	wg.Go(func() { fleet.Run(bg) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	if cfg.DebugAddr != "" {
		dbg := &http.Server{Addr: cfg.DebugAddr, Handler: debugHandler(), ReadHeaderTimeout: 5 * time.Second}
		go dbg.ListenAndServe()
		defer dbg.Close()
	}

	base := cfg.PublicURL
	if base == "" {
		base = "http://" + dialable(ln.Addr())
		if !loopback(ln.Addr()) {
			log.Warn("listening beyond this machine without --public-url: links in answers are built from each request's Host header, which any client chooses; set --public-url to the address your clients use (docs/operations.md)",
				"addr", ln.Addr().String())
		}
	}
	if hooks != nil && hooks.listening != nil {
		hooks.listening(be.hub)
	}
	log.Info("Ferry is listening", "addr", ln.Addr().String(), "db", redactDSN(cfg.DB), "version", version())
	announce(cfg.ReadyJSON, stdout, stderr, base, ln.Addr(), sandbox)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-serveErr:
		log.Error("server stopped", "err", err)
	}
	svc.Drain() // every waiting poll and heartbeat answers now
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := httpServer.Shutdown(shutdownCtx); serr != nil {
		log.Warn("shutdown did not finish cleanly", "err", serr)
	}
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// serveHooks are what a test may set for a server that run starts, in the
// context it passes to run, as net/http/httptrace does for HTTP clients.
// Without them a server runs on the system clock and calls nothing.
type serveHooks struct {
	// clock replaces the system clock. Default: ferry.SystemClock.
	clock ferry.Clock
	// listening, if set, is called once the server listens, before it says
	// so, with the hub that wakes its waiting long-polls. Default: nil.
	listening func(waiters *notify.Hub)
}

// serveHooksKey is the context key of a *serveHooks.
type serveHooksKey struct{}

// newHTTPServer serves the Payroc API and the device protocol on one
// listener, with timeouts that suit long-polls: a response may take the
// longest wait plus a margin.
func newHTTPServer(a *api.Server, d *deviceapi.Server, cfg serveConfig, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           httpx.Split("/device/", d.Handler(), a.Handler()),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      max(cfg.PollWait, maxDeviceWait) + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// maxDeviceWait caps a device's wait for work (core.Config.MaxDeviceWait).
const maxDeviceWait = 60 * time.Second

// debugHandler serves Go's profiler and runtime variables (memory).
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/vars", expvar.Handler())
	return mux
}

// loopback reports whether a listening address is reachable only from
// this machine.
func loopback(addr net.Addr) bool {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialable turns a listening address into one a client can dial: an
// unspecified host (0.0.0.0, ::) becomes loopback.
func dialable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
