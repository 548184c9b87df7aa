package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ferrygateway/ferry"
)

const credentialColumns = "id, device_id, merchant_id, prefix, hash, created_at, revoked_at"

func scanCredential(s scanner) (*ferry.DeviceCredential, error) {
	var c ferry.DeviceCredential
	var created, revoked sql.NullInt64
	if err := s.Scan(&c.ID, &c.DeviceID, &c.MerchantID, &c.Prefix, &c.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	c.CreatedAt, c.RevokedAt = fromMicros(created), fromMicros(revoked)
	return &c, nil
}

func (q *queries) credential(ctx context.Context, query string, args ...any) (*ferry.DeviceCredential, error) {
	var c *ferry.DeviceCredential
	err := q.row(ctx, func(s scanner) (err error) { c, err = scanCredential(s); return err }, query, args...)
	return c, translate(err, "device credential")
}

func (q *queries) DeviceCredentialGetByHash(ctx context.Context, hash []byte) (*ferry.DeviceCredential, error) {
	return q.credential(ctx, "SELECT "+credentialColumns+" FROM device_credentials WHERE hash = ?", hash)
}

func (q *queries) DeviceCredentialGet(ctx context.Context, id string) (*ferry.DeviceCredential, error) {
	return q.credential(ctx, "SELECT "+credentialColumns+" FROM device_credentials WHERE id = ?", id)
}

func (q *queries) DeviceCredentialList(ctx context.Context, deviceID string) ([]*ferry.DeviceCredential, error) {
	out, err := list(ctx, q, scanCredential,
		"SELECT "+credentialColumns+" FROM device_credentials WHERE device_id = ? ORDER BY created_at, id", deviceID)
	return out, translate(err, "device credential")
}

func (q *queries) DeviceCredentialInsert(ctx context.Context, c *ferry.DeviceCredential) error {
	_, err := q.exec(ctx, "INSERT INTO device_credentials ("+credentialColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.DeviceID, c.MerchantID, c.Prefix, c.Hash, micros(c.CreatedAt), micros(c.RevokedAt))
	return translate(err, "device credential")
}

func (q *queries) DeviceCredentialRevoke(ctx context.Context, merchantID, deviceID string, t time.Time) (int64, error) {
	res, err := q.exec(ctx, `UPDATE device_credentials SET revoked_at = ?
		WHERE merchant_id = ? AND device_id = ? AND revoked_at IS NULL`, micros(t), merchantID, deviceID)
	if err != nil {
		return 0, translate(err, "device credential")
	}
	return res.RowsAffected()
}

func (q *queries) PairCodeGetByHash(ctx context.Context, hash []byte) (*ferry.PairCode, error) {
	var c ferry.PairCode
	err := q.row(ctx, func(s scanner) error {
		var created, expires, used sql.NullInt64
		if err := s.Scan(&c.Hash, &c.MerchantID, &c.DeviceID, &created, &expires, &used); err != nil {
			return err
		}
		c.CreatedAt, c.ExpiresAt, c.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(used)
		return nil
	}, "SELECT hash, merchant_id, device_id, created_at, expires_at, used_at FROM pair_codes WHERE hash = ?", hash)
	if err != nil {
		return nil, translate(err, "pairing code")
	}
	return &c, nil
}

func (q *queries) PairCodeInsert(ctx context.Context, c *ferry.PairCode) error {
	_, err := q.exec(ctx, `INSERT INTO pair_codes (hash, merchant_id, device_id, created_at, expires_at, used_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.Hash, c.MerchantID, c.DeviceID, micros(c.CreatedAt), micros(c.ExpiresAt), micros(c.UsedAt))
	return translate(err, "pairing code")
}

func (q *queries) PairCodeUse(ctx context.Context, hash []byte, t time.Time) error {
	res, err := q.exec(ctx, "UPDATE pair_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL", micros(t), hash)
	return translate(affected(res, err), "pairing code")
}

func (q *queries) PairCodeDeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM pair_codes WHERE expires_at < ?", micros(t))
	if err != nil {
		return 0, translate(err, "pairing code")
	}
	return res.RowsAffected()
}
