package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// querier is what *sql.DB (the read pool) and *sql.Conn (the write
// connection) have in common.
type querier interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// queries runs Ferry's SQL through prepared statements, prepared once per
// querier: parsing SQL costs more than running these small statements.
type queries struct {
	q     querier
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	// workers, if set, run reads on a few long-lived goroutines. The SQLite
	// library's calls are deep: a request goroutine that made one keeps a
	// grown stack while it waits in a long-poll, 10,000 of them a lot of
	// memory. Reads on workers leave request goroutines small.
	workers chan func()
	quit    <-chan struct{}
}

// run calls fn on a worker if there are workers, else right here.
func (q *queries) run(fn func()) {
	if q.workers == nil {
		fn()
		return
	}
	done := make(chan struct{})
	select {
	case q.workers <- func() {
		defer close(done)
		fn()
	}:
		<-done
	case <-q.quit:
		fn() // closed: the call fails with the closed database's error
	}
}

// startWorkers starts n read workers; they stop when quit is closed.
func (q *queries) startWorkers(n int, quit <-chan struct{}) {
	q.workers = make(chan func())
	q.quit = quit
	for range n {
		go func() {
			for {
				select {
				case fn := <-q.workers:
					fn()
				case <-quit:
					return
				}
			}
		}()
	}
}

func newQueries(q querier) *queries {
	return &queries{q: q, stmts: make(map[string]*sql.Stmt)}
}

func (q *queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s, ok := q.stmts[query]; ok {
		return s, nil
	}
	s, err := q.q.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	q.stmts[query] = s
	return s, nil
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// row runs a query for one row and scans it with scan.
func (q *queries) row(ctx context.Context, scan func(scanner) error, query string, args ...any) (err error) {
	q.run(func() { err = q.rowHere(ctx, scan, query, args...) })
	return err
}

func (q *queries) rowHere(ctx context.Context, scan func(scanner) error, query string, args ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}

// list runs a query and scans each row with scan.
func list[T any](ctx context.Context, q *queries, scan func(scanner) (*T, error), query string, args ...any) (out []*T, err error) {
	q.run(func() { out, err = listHere(ctx, q, scan, query, args...) })
	return out, err
}

func listHere[T any](ctx context.Context, q *queries, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (q *queries) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, s := range q.stmts {
		s.Close()
	}
	q.stmts = nil
}

type scanner interface{ Scan(dest ...any) error }

// Times are stored as microseconds since the epoch; NULL is the zero time.

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
