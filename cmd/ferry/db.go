package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/postgres"
	"github.com/ferrygateway/ferry/sqlite"
)

// defaultDB is the database `ferry serve` and the admin commands use when
// none is given: a SQLite file in the working directory.
const defaultDB = "sqlite:ferry.db"

// defaultURL is the server that the commands speaking HTTP talk to when
// none is given: `ferry serve` on its default address.
const defaultURL = "http://127.0.0.1:8080"

// dbUsage describes the --db flag.
const dbUsage = "database: sqlite:PATH[?busy_timeout=10s] or postgres://USER@HOST:PORT/DB?sslmode=… (also FERRY_DB)"

// backend is an open database and the notifier that goes with it.
type backend struct {
	store ferry.Store
	// server is the notifier for `ferry serve`: it wakes this process's
	// waiters, and relay brings in the wake-ups of other processes.
	server ferry.Notifier
	relay  func(ctx context.Context)
	// ready is closed once relay listens.
	ready <-chan struct{}
	// admin is the notifier for admin commands: it tells a running server
	// about their changes.
	admin ferry.Notifier
	// hub holds this process's waiters; server delivers to it.
	hub *notify.Hub
}

// signalInterval is how soon after another process writes to the database
// a server on SQLite looks for the wake-ups that admin commands leave there
// (and how often it looks, at most, while writes go on).
const signalInterval = 100 * time.Millisecond

// openBackend opens the database a DSN names. The scheme picks the
// backend: sqlite:PATH for a SQLite file, postgres://… for PostgreSQL.
// There is no fallback: an unknown scheme is an error that lists the
// supported ones.
func openBackend(ctx context.Context, dsn string, clock ferry.Clock, log *slog.Logger) (*backend, error) {
	scheme, rest, _ := strings.Cut(dsn, ":")
	hub := notify.New()
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		path, query, _ := strings.Cut(strings.TrimPrefix(rest, "//"), "?")
		if path == "" {
			return nil, usageErrorf("--db %q: name the database file, e.g. sqlite:ferry.db", dsn)
		}
		opts := sqlite.Options{Clock: clock, Logger: log}
		params, err := url.ParseQuery(query)
		if err != nil {
			return nil, usageErrorf("--db %q: %v", dsn, err)
		}
		for name := range params {
			if name != "busy_timeout" {
				return nil, usageErrorf("--db %q: unknown parameter %q; SQLite takes busy_timeout", dsn, name)
			}
		}
		if v := params.Get("busy_timeout"); v != "" {
			if opts.BusyTimeout, err = time.ParseDuration(v); err != nil || opts.BusyTimeout <= 0 {
				return nil, usageErrorf("--db %q: busy_timeout must be a duration such as 5s", dsn)
			}
		}
		db, err := sqlite.Open(ctx, path, opts)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		ready := make(chan struct{})
		close(ready)
		return &backend{
			store:  db,
			server: hub,
			// Admin commands on the same file leave wake-ups in the
			// database; relay them to this server's waiters.
			relay: func(ctx context.Context) { db.Watch(ctx, hub, signalInterval) },
			ready: ready,
			admin: db.Publisher(),
			hub:   hub,
		}, nil
	case "postgres", "postgresql":
		db, err := postgres.Open(ctx, dsn, postgres.Options{Clock: clock, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", redactDSN(dsn), err)
		}
		n := postgres.NewNotifier(db, hub)
		return &backend{
			store:  db,
			server: n,
			relay:  func(ctx context.Context) { n.Run(ctx) },
			ready:  n.Ready(),
			// The database's triggers tell every server.
			admin: hub,
			hub:   hub,
		}, nil
	default:
		return nil, usageErrorf("--db %q: unsupported database; supported: sqlite:PATH (e.g. sqlite:ferry.db) and postgres://USER@HOST:PORT/DB", redactDSN(dsn))
	}
}

// redactDSN hides a password in a DSN so that it can be shown.
func redactDSN(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return dsn
}
