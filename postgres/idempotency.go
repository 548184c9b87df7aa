package postgres

import (
	"context"
	"time"

	"github.com/ferrygateway/ferry"
)

func (q *queries) IdempotencyGet(ctx context.Context, merchantID, key string) (*ferry.IdempotencyRecord, error) {
	rec := ferry.IdempotencyRecord{MerchantID: merchantID, Key: key}
	var created *time.Time
	err := q.q.QueryRow(ctx, "SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE merchant_id = $1 AND key = $2",
		merchantID, key).Scan(&rec.Fingerprint, &rec.Status, &rec.Body, &created)
	if err != nil {
		return nil, translate(err, "idempotency key")
	}
	rec.CreatedAt = utc(created)
	return &rec, nil
}

func (q *queries) IdempotencyInsert(ctx context.Context, rec *ferry.IdempotencyRecord) (bool, error) {
	tag, err := q.q.Exec(ctx, `INSERT INTO idempotency_keys (merchant_id, key, fingerprint, status, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, rec.MerchantID, rec.Key, rec.Fingerprint, rec.Status, rec.Body, ts(rec.CreatedAt))
	return tag.RowsAffected() == 1, translate(err, "idempotency key")
}

func (q *queries) IdempotencyDeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := q.q.Exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < $1", ts(t))
	return tag.RowsAffected(), translate(err, "idempotency key")
}
