package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ferrygateway/ferry"
)

func (q *queries) IdempotencyGet(ctx context.Context, merchantID, key string) (*ferry.IdempotencyRecord, error) {
	rec := ferry.IdempotencyRecord{MerchantID: merchantID, Key: key}
	err := q.row(ctx, func(s scanner) error {
		var created sql.NullInt64
		if err := s.Scan(&rec.Fingerprint, &rec.Status, &rec.Body, &created); err != nil {
			return err
		}
		rec.CreatedAt = fromMicros(created)
		return nil
	}, "SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE merchant_id = ? AND key = ?", merchantID, key)
	if err != nil {
		return nil, translate(err, "idempotency key")
	}
	return &rec, nil
}

func (q *queries) IdempotencyInsert(ctx context.Context, rec *ferry.IdempotencyRecord) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO idempotency_keys (merchant_id, key, fingerprint, status, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, rec.MerchantID, rec.Key, rec.Fingerprint, rec.Status, rec.Body, micros(rec.CreatedAt))
	if err != nil {
		return false, translate(err, "idempotency key")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (q *queries) IdempotencyDeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", micros(t))
	if err != nil {
		return 0, translate(err, "idempotency key")
	}
	return res.RowsAffected()
}
