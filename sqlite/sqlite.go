// Package sqlite is Ferry's store on one SQLite file, through a pure-Go
// driver. Writes go through one connection that commits concurrent
// transactions together (group commit): one fsync serves many requests, and
// no request is answered before its transaction is on disk.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
	sqlitedriver "modernc.org/sqlite"
)

//go:embed migration/*.sql
var migrations embed.FS

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// Clock gives transaction times. Default: the system clock.
	Clock ferry.Clock
	// MaxBatch caps how many transactions share one commit. Default: 256.
	MaxBatch int
	// ReadConns caps the connections used for reads. Default: 8.
	ReadConns int
	// Logger receives errors of the writer. Default: slog.Default().
	Logger *slog.Logger
	// BusyTimeout is how long a statement waits for a lock that another
	// process (an admin command, a backup) holds before it fails with
	// CodeUnavailable. Default: 10s.
	BusyTimeout time.Duration
}

// DB is a Ferry store on one SQLite file. It implements ferry.Store.
type DB struct {
	*queries // reads, through the read pool

	path       string
	read       *sql.DB
	write      *sql.DB
	checkpoint *sql.DB
	commits    chan struct{} // the writer committed; the checkpointer may run
	clock      ferry.Clock
	log        *slog.Logger
	max        int

	reqs    chan *writeReq
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

var _ ferry.Store = (*DB)(nil)

// Open opens (creating if needed) the database file at path and applies
// any migration it has not seen yet.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if opts.Clock == nil {
		opts.Clock = ferry.SystemClock{}
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	// WAL lets reads go on during writes. synchronous=FULL syncs the WAL at
	// every commit: an acknowledged refund survives a power cut. The busy
	// timeout lets admin commands and a running server share the file.
	// Reads go through a memory map and a larger page cache instead of a
	// system call per page.
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)", max(1, opts.BusyTimeout.Milliseconds())) + "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)" +
		"&_pragma=mmap_size(268435456)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	// The writer never checkpoints at commit (wal_autocheckpoint(0)): a
	// checkpoint copies pages back into the database and syncs it, which
	// would hold up every request of the group. The checkpointer below does
	// it beside the writer instead.
	write, err := sql.Open("sqlite", dsn+"&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, translate(err, "") // a busy database is unavailable, not broken
	}
	read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(ON)")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(opts.ReadConns)
	read.SetMaxIdleConns(opts.ReadConns)
	read.SetConnMaxIdleTime(0)
	checkpoint, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	checkpoint.SetMaxOpenConns(1)
	db := &DB{
		path:       path,
		queries:    newQueries(read),
		read:       read,
		write:      write,
		checkpoint: checkpoint,
		commits:    make(chan struct{}, 1),
		clock:      opts.Clock,
		log:        opts.Logger,
		max:        opts.MaxBatch,
		reqs:       make(chan *writeReq, opts.MaxBatch),
		quit:       make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	conn, err := write.Conn(ctx)
	if err != nil {
		db.read.Close()
		db.write.Close()
		db.checkpoint.Close()
		return nil, err
	}
	db.queries.startWorkers(opts.ReadConns, db.stopped)
	go db.writer(conn)
	go db.checkpointer()
	return db, nil
}

// Close finishes the transactions already submitted, moves the WAL into
// the database, then closes the file.
func (db *DB) Close() error {
	db.once.Do(func() { close(db.quit) })
	<-db.stopped
	db.queries.close()
	db.checkpoint.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(db.read.Close(), db.write.Close(), db.checkpoint.Close())
}

// checkpointEvery spaces checkpoints while writes go on.
const checkpointEvery = time.Second

// checkpointer copies the WAL back into the database after writes, at most
// once per checkpointEvery, without blocking the writer (PASSIVE). While
// nothing is written it sleeps.
func (db *DB) checkpointer() {
	for {
		select {
		case <-db.commits:
		case <-db.stopped:
			return
		}
		if _, err := db.checkpoint.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			db.log.Warn("sqlite: checkpoint failed", "err", err)
		}
		select {
		case <-time.After(checkpointEvery):
		case <-db.stopped:
			return
		}
	}
}

// ErrClosed is returned by Update after Close, inside a CodeUnavailable
// error: the server is shutting down.
var ErrClosed = errors.New("sqlite: database closed")

func closed() error {
	return &ferry.Error{Code: ferry.CodeUnavailable, Message: "The server is shutting down; try again", RetryAfter: 1, Err: ErrClosed}
}

type writeReq struct {
	ctx  context.Context
	fn   func(ferry.Tx) error
	done chan error
}

// Update runs fn in a transaction on the write connection. Transactions
// that arrive together share one commit; one that fails rolls back alone
// (see commit), which may run fn twice. Update returns once the commit is on
// disk, even if ctx ends meanwhile: the caller must learn whether its write
// happened.
func (db *DB) Update(ctx context.Context, fn func(ferry.Tx) error) error {
	select {
	case <-db.quit:
		return closed()
	default:
	}
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.quit:
		return closed()
	}
	select {
	case err := <-req.done:
		// BEGIN, SAVEPOINT and COMMIT fail with the driver's errors too.
		return translate(err, "resource")
	case <-db.stopped:
		// The writer stopped; it may have run this request on its way out.
		select {
		case err := <-req.done:
			return translate(err, "resource")
		default:
			return closed()
		}
	}
}

// writer owns the write connection and commits requests in groups.
func (db *DB) writer(conn *sql.Conn) {
	defer close(db.stopped)
	defer conn.Close()
	q := newQueries(conn)
	defer q.close()
	batch := make([]*writeReq, 0, db.max)
	for {
		batch = batch[:0]
		select {
		case req := <-db.reqs:
			batch = append(batch, req)
		case <-db.quit:
			// Finish what was queued before Close, then stop.
			for {
				select {
				case req := <-db.reqs:
					db.commit(q, []*writeReq{req})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < db.max {
			select {
			case req := <-db.reqs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		db.commit(q, batch)
	}
}

// commit runs a batch in one transaction. First all together, with no
// savepoints; if any fails, everything is rolled back and the batch runs
// again with a savepoint each, so that the failed ones roll back alone.
// Statements use a context that is never canceled: SQLite answers an
// interrupt inside an explicit transaction by rolling back all of it,
// which would undo the whole group.
func (db *DB) commit(q *queries, batch []*writeReq) {
	live := batch[:0:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- err
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	errs := make([]error, len(live))
	if len(live) == 1 || !db.together(q, live, errs) {
		db.oneByOne(q, live, errs)
	}
	for i, req := range live {
		req.done <- errs[i]
	}
	select {
	case db.commits <- struct{}{}:
	default:
	}
}

// together runs the batch in one transaction without savepoints. It
// reports false, with nothing written, when one of them failed.
func (db *DB) together(q *queries, batch []*writeReq, errs []error) bool {
	ctx := context.Background()
	if _, err := q.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return false
	}
	t := &tx{queries: q, now: db.clock.Now().Truncate(time.Microsecond)}
	for _, req := range batch {
		if err := db.run(t, req); err != nil {
			q.exec(ctx, "ROLLBACK")
			return false
		}
	}
	if _, err := q.exec(ctx, "COMMIT"); err != nil {
		db.log.Error("sqlite: commit failed", "err", err, "batch", len(batch))
		q.exec(ctx, "ROLLBACK") // nothing to roll back if COMMIT already did
		for i := range errs {
			errs[i] = fmt.Errorf("sqlite: commit: %w", err)
		}
	}
	return true
}

// oneByOne runs the batch in one transaction with a savepoint each.
func (db *DB) oneByOne(q *queries, batch []*writeReq, errs []error) {
	ctx := context.Background()
	if _, err := q.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("sqlite: begin: %w", err)
		}
		return
	}
	t := &tx{queries: q, now: db.clock.Now().Truncate(time.Microsecond)}
	ok := 0
	var err error
	for i, req := range batch {
		var broken bool
		broken, errs[i] = db.runOne(ctx, t, req)
		if broken {
			// SQLite ended the whole transaction (disk full, I/O error):
			// nothing of the group was written.
			err = errs[i]
			break
		}
		if errs[i] == nil {
			ok++
		}
	}
	switch {
	case err != nil:
	case ok > 0:
		_, err = q.exec(ctx, "COMMIT")
	default:
		_, err = q.exec(ctx, "ROLLBACK")
	}
	if err != nil {
		db.log.Error("sqlite: commit failed", "err", err, "batch", len(batch))
		q.exec(ctx, "ROLLBACK") // nothing to roll back if COMMIT already did
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
	}
}

// run calls a request's fn, turning a panic into an error.
func (db *DB) run(t *tx, req *writeReq) (err error) {
	defer func() {
		if r := recover(); r != nil {
			db.log.Error("sqlite: transaction panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("sqlite: transaction panicked: %v", r)
		}
	}()
	return req.fn(t)
}

// runOne runs one request's fn inside a savepoint of the group
// transaction. broken reports that the transaction itself is gone.
func (db *DB) runOne(ctx context.Context, t *tx, req *writeReq) (broken bool, err error) {
	if _, err := t.exec(ctx, "SAVEPOINT req"); err != nil {
		return true, fmt.Errorf("sqlite: savepoint: %w", err)
	}
	defer func() {
		if err != nil {
			if _, rbErr := t.exec(ctx, "ROLLBACK TO req"); rbErr != nil {
				broken = true
				err = fmt.Errorf("sqlite: transaction aborted: %w", err)
				return
			}
		}
		if _, relErr := t.exec(ctx, "RELEASE req"); relErr != nil {
			broken = true
			err = fmt.Errorf("sqlite: release savepoint: %w", relErr)
		}
	}()
	return false, db.run(t, req)
}

type tx struct {
	*queries
	now time.Time
}

func (t *tx) Now() time.Time { return t.now }

// Lock needs to do nothing: one connection writes, one transaction at a
// time.
func (t *tx) Lock(ctx context.Context, name string) error { return nil }

// migrate applies the embedded migrations that the database has not seen,
// each in its own transaction, in file-name order.
func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migration/"), ".sql")
		if err := migrateOne(ctx, conn, name, version); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", version, err)
		}
	}
	return nil
}

func migrateOne(ctx context.Context, conn *sql.Conn, name, version string) (err error) {
	// IMMEDIATE takes the write lock first, so two processes starting at
	// once apply each migration once.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		_, err := conn.ExecContext(ctx, "COMMIT")
		return err
	}
	script, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, string(script)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		version, time.Now().UnixMicro()); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// translate turns driver errors into Ferry errors; this is the only place
// that knows SQLite's result codes. kind names the resource for not-found.
// An error that is already Ferry's passes through.
func translate(err error, kind string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*ferry.Error](err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ferry.NotFound(kind)
	}
	if se, ok := errors.AsType[*sqlitedriver.Error](err); ok {
		if e := resultError(se.Code()); e != nil {
			e.Err = err
			return e
		}
	}
	return err
}

// resultError is the Ferry error for an SQLite result code (primary or
// extended), or nil for codes that are Ferry's own bugs (internal errors).
// Nothing that load or a client's input can cause is left out: a busy,
// locked, full or failing database is unavailable for now (503 with
// Retry-After), a broken rule is the client's (4xx).
func resultError(code int) *ferry.Error {
	unavailable := func(msg string) *ferry.Error {
		return &ferry.Error{Code: ferry.CodeUnavailable, Message: msg, RetryAfter: 1}
	}
	switch code {
	case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
		return &ferry.Error{Code: ferry.CodeConflict, Message: "The resource you attempted to create already exists"}
	case 787: // SQLITE_CONSTRAINT_FOREIGNKEY: what it refers to is gone
		return &ferry.Error{Code: ferry.CodeConflict, Message: "The resource refers to one that does not exist"}
	case 275, 1299, 19: // SQLITE_CONSTRAINT_CHECK, _NOTNULL, SQLITE_CONSTRAINT
		return &ferry.Error{Code: ferry.CodeInvalid, Message: "The request breaks a rule of the database"}
	}
	switch code & 0xff { // the primary result code
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED: another process holds the lock
		return unavailable("The database is busy; try again")
	case 13: // SQLITE_FULL
		return unavailable("The database's disk is full; try again once there is room")
	case 7, 8, 9, 10, 14, 15: // NOMEM, READONLY, INTERRUPT, IOERR, CANTOPEN, PROTOCOL
		return unavailable("The database is unavailable; try again")
	case 18: // SQLITE_TOOBIG
		return &ferry.Error{Code: ferry.CodeTooLarge, Message: "The request is too large to store"}
	case 20: // SQLITE_MISMATCH
		return &ferry.Error{Code: ferry.CodeInvalid, Message: "The request breaks a rule of the database"}
	}
	return nil
}

// Submit writes a submission through the group-committing writer, so that
// concurrent submissions share one commit.
func (db *DB) Submit(ctx context.Context, s *ferry.Submission) (bool, error) {
	var inserted bool
	err := db.Update(ctx, func(tx ferry.Tx) error {
		var err error
		if inserted, err = tx.IdempotencyInsert(ctx, s.Key); err != nil || !inserted {
			return err
		}
		if err := tx.InstructionInsert(ctx, s.Instruction); err != nil {
			inserted = false
			return err
		}
		return tx.EventInsert(ctx, s.Event)
	})
	return inserted, err
}
