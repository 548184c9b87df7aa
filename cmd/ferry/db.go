package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/sqlite"
)

// defaultDB is the database `ferry serve` and the admin commands use when
// none is given: a SQLite file in the working directory.
const defaultDB = "sqlite:ferry.db"

// openStore opens the store a DSN names. The scheme picks the backend:
// sqlite:PATH for a SQLite file. There is no fallback: an unknown scheme is
// an error that lists the supported ones.
func openStore(ctx context.Context, dsn string, clock ferry.Clock, log *slog.Logger) (ferry.Store, error) {
	scheme, rest, _ := strings.Cut(dsn, ":")
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return nil, usageErrorf("--db %q: name the database file, e.g. sqlite:ferry.db", dsn)
		}
		db, err := sqlite.Open(ctx, path, sqlite.Options{Clock: clock, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", path, err)
		}
		return db, nil
	case "postgres", "postgresql":
		return nil, usageErrorf("--db %s: PostgreSQL is not supported yet; use sqlite:PATH", redactDSN(dsn))
	default:
		return nil, usageErrorf("--db %q: unsupported database; supported: sqlite:PATH (e.g. sqlite:ferry.db)", redactDSN(dsn))
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
