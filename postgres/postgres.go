// Package postgres is Ferry's store on PostgreSQL, for several Ferry
// instances on one database. It uses pgx; each transaction runs at READ
// COMMITTED, and every state change is a compare-and-set on a row locked
// with FOR UPDATE. Notifier publishes instruction changes with NOTIFY after
// they commit (triggers do it for new devices and revocations), relays
// what other instances publish to this instance's waiters, and re-checks
// recent changes every second in case a notification was lost.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migration/*.sql
var migrations embed.FS

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// Clock gives transaction times, and places the Notifier's re-check
	// window. Default: the system clock.
	Clock ferry.Clock
	// MaxConns caps the pool. Default: the DSN's pool_max_conns, else 32:
	// enough for the concurrency one instance sees, small enough that a few
	// instances stay under PostgreSQL's default max_connections of 100.
	MaxConns int32
	// Logger receives warnings. Default: slog.Default().
	Logger *slog.Logger
}

// DB is a Ferry store on PostgreSQL. It implements ferry.Store.
type DB struct {
	*queries
	pool    *pgxpool.Pool
	clock   ferry.Clock
	log     *slog.Logger
	submits submitter
	closed  chan struct{}
	close   sync.Once
}

var _ ferry.Store = (*DB)(nil)

// txTimeout bounds one transaction, so that a stuck database cannot hold a
// request forever.
const txTimeout = 30 * time.Second

// Open connects to the database at dsn (postgres://…) and applies any
// migration it has not seen yet, under an advisory lock so that instances
// starting together apply each migration once.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = ferry.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = 32
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{queries: &queries{q: pool}, pool: pool, clock: opts.Clock, log: opts.Logger, closed: make(chan struct{})}, nil
}

// Close stops the submission workers and closes the pool.
func (db *DB) Close() error {
	db.close.Do(func() {
		close(db.closed)
		db.pool.Close()
	})
	return nil
}

// Pool returns the connection pool, for the notifier.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Update runs fn in a READ COMMITTED transaction and commits it. A
// deadlock or serialization failure runs fn again, up to three times. Once
// begun, the transaction finishes even if ctx ends, so that the caller
// learns whether its write happened.
func (db *DB) Update(ctx context.Context, fn func(ferry.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txTimeout)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = db.updateOnce(ctx, fn); !retryable(err) {
			return translate(err, "resource")
		}
	}
	return &ferry.Error{Code: ferry.CodeUnavailable, Message: "The database is busy; try again", RetryAfter: 1, Err: err}
}

func (db *DB) updateOnce(ctx context.Context, fn func(ferry.Tx) error) (err error) {
	pt, err := db.pool.Begin(ctx)
	if err != nil {
		return translate(err, "")
	}
	defer func() {
		if err != nil {
			pt.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(&tx{queries: &queries{q: pt, locking: true}, now: db.clock.Now().Truncate(time.Microsecond)}); err != nil {
		return err
	}
	return translate(pt.Commit(ctx), "")
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

type tx struct {
	*queries
	now time.Time
}

func (t *tx) Now() time.Time { return t.now }

// Lock takes a transaction-scoped advisory lock on a hash of name.
func (t *tx) Lock(ctx context.Context, name string) error {
	_, err := t.q.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name)
	return translate(err, "")
}

// stateError is the Ferry error for a PostgreSQL error, by SQLSTATE, or nil
// for states that are Ferry's own bugs (internal errors). Nothing that load
// or a client's input can cause is left out: data the database refuses (a
// NUL byte, text it cannot convert, a number out of range) and broken rules
// are the client's (4xx); a database that is busy, full, shutting down or
// out of connections is unavailable for now (503 with Retry-After).
func stateError(pe *pgconn.PgError) *ferry.Error {
	unavailable := func(msg string) *ferry.Error {
		return &ferry.Error{Code: ferry.CodeUnavailable, Message: msg, RetryAfter: 1}
	}
	invalid := &ferry.Error{Code: ferry.CodeInvalid, Message: "The request holds data the database cannot store (a NUL character, text that is no UTF-8, or a value out of range)"}
	switch c := pe.Code; {
	case c == "23505" && pe.ConstraintName == "instructions_device_active":
		return &ferry.Error{Code: ferry.CodeDeviceBusy, Message: "The device is already running an instruction"}
	case c == "23505", c == "23P01": // unique, exclusion
		return &ferry.Error{Code: ferry.CodeConflict, Message: "The resource you attempted to create already exists"}
	case c == "23503": // foreign key: what it refers to is gone
		return &ferry.Error{Code: ferry.CodeConflict, Message: "The resource refers to one that does not exist"}
	case strings.HasPrefix(c, "23"): // not null, check
		return &ferry.Error{Code: ferry.CodeInvalid, Message: "The request breaks a rule of the database"}
	case strings.HasPrefix(c, "22"): // data exceptions: 22P05, 22021, 22001, 22003, ...
		return invalid
	case c == "54000": // program limit exceeded: a value too large to index
		return &ferry.Error{Code: ferry.CodeTooLarge, Message: "The request is too large to store"}
	case c == "53100": // disk full
		return unavailable("The database's disk is full; try again once there is room")
	case strings.HasPrefix(c, "08"), strings.HasPrefix(c, "57P"), strings.HasPrefix(c, "53"):
		// Connection failures, shutdowns, out of memory or connections.
		return unavailable("The database is unavailable; try again")
	case c == "57014", c == "55P03", c == "55006": // canceled (a timeout), lock not available, in use
		return unavailable("The database is busy; try again")
	}
	return nil
}

// migrationLock is the advisory lock key instances take to migrate.
const migrationLock = 7310516003 // "ferry" on a phone keypad, and then some

// migrate applies the embedded migrations that the database has not seen,
// each in its own transaction, in file-name order, under a session-level
// advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migration/"), ".sql")
		var applied bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", version).Scan(&applied); err != nil {
			return err
		}
		if applied {
			continue
		}
		script, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(t pgx.Tx) error {
			if _, err := t.Exec(ctx, string(script)); err != nil {
				return err
			}
			_, err := t.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", version, err)
		}
	}
	return nil
}

// translate turns driver errors into Ferry errors by SQLSTATE; this is the
// only place that knows PostgreSQL's error codes. kind names the resource
// for not-found. An error that is already Ferry's passes through.
func translate(err error, kind string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*ferry.Error](err); ok {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ferry.NotFound(kind)
	}
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		if pe.Code == "40001" || pe.Code == "40P01" {
			return err // retried by Update
		}
		if e := stateError(pe); e != nil {
			e.Err = err
			return e
		}
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err) {
		// The connection broke, or could not be made.
		return &ferry.Error{Code: ferry.CodeUnavailable, Message: "The database is unavailable; try again", RetryAfter: 1, Err: err}
	}
	return err
}
