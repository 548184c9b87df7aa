package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what *pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries runs Ferry's SQL; pgx prepares and caches each statement per
// connection.
type queries struct {
	q querier
	// locking marks reads inside a write transaction: a read of an
	// instruction there locks its row until the end of the transaction.
	locking bool
}

type scanner interface{ Scan(dest ...any) error }

// list runs a query and scans each row with scan.
func list[T any](ctx context.Context, q *queries, scan func(scanner) (*T, error), sql string, args ...any) ([]*T, error) {
	rows, err := q.q.Query(ctx, sql, args...)
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

// affected turns "no row changed" into pgx.ErrNoRows.
func affected(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return nil
}

// Times: NULL is the zero time; everything comes back in UTC.

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
