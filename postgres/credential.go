package postgres

import (
	"context"
	"time"

	"github.com/ferrygateway/ferry"
)

const credentialColumns = "id, device_id, merchant_id, prefix, hash, created_at, revoked_at"

func scanCredential(s scanner) (*ferry.DeviceCredential, error) {
	var c ferry.DeviceCredential
	var created, revoked *time.Time
	if err := s.Scan(&c.ID, &c.DeviceID, &c.MerchantID, &c.Prefix, &c.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	c.CreatedAt, c.RevokedAt = utc(created), utc(revoked)
	return &c, nil
}

func (q *queries) DeviceCredentialGetByHash(ctx context.Context, hash []byte) (*ferry.DeviceCredential, error) {
	c, err := scanCredential(q.q.QueryRow(ctx, "SELECT "+credentialColumns+" FROM device_credentials WHERE hash = $1", hash))
	return c, translate(err, "device credential")
}

func (q *queries) DeviceCredentialGet(ctx context.Context, id string) (*ferry.DeviceCredential, error) {
	c, err := scanCredential(q.q.QueryRow(ctx, "SELECT "+credentialColumns+" FROM device_credentials WHERE id = $1", id))
	return c, translate(err, "device credential")
}

func (q *queries) DeviceCredentialList(ctx context.Context, deviceID string) ([]*ferry.DeviceCredential, error) {
	out, err := list(ctx, q, scanCredential,
		"SELECT "+credentialColumns+" FROM device_credentials WHERE device_id = $1 ORDER BY created_at, id", deviceID)
	return out, translate(err, "device credential")
}

func (q *queries) DeviceCredentialInsert(ctx context.Context, c *ferry.DeviceCredential) error {
	_, err := q.q.Exec(ctx, "INSERT INTO device_credentials ("+credentialColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
		c.ID, c.DeviceID, c.MerchantID, c.Prefix, c.Hash, ts(c.CreatedAt), ts(c.RevokedAt))
	return translate(err, "device credential")
}

func (q *queries) DeviceCredentialRevoke(ctx context.Context, merchantID, deviceID string, t time.Time) (int64, error) {
	tag, err := q.q.Exec(ctx, `UPDATE device_credentials SET revoked_at = $1
		WHERE merchant_id = $2 AND device_id = $3 AND revoked_at IS NULL`, ts(t), merchantID, deviceID)
	return tag.RowsAffected(), translate(err, "device credential")
}

func (q *queries) PairCodeGetByHash(ctx context.Context, hash []byte) (*ferry.PairCode, error) {
	var c ferry.PairCode
	var created, expires, used *time.Time
	err := q.q.QueryRow(ctx, "SELECT hash, merchant_id, device_id, created_at, expires_at, used_at FROM pair_codes WHERE hash = $1", hash).
		Scan(&c.Hash, &c.MerchantID, &c.DeviceID, &created, &expires, &used)
	if err != nil {
		return nil, translate(err, "pairing code")
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = utc(created), utc(expires), utc(used)
	return &c, nil
}

func (q *queries) PairCodeInsert(ctx context.Context, c *ferry.PairCode) error {
	_, err := q.q.Exec(ctx, `INSERT INTO pair_codes (hash, merchant_id, device_id, created_at, expires_at, used_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.Hash, c.MerchantID, c.DeviceID, ts(c.CreatedAt), ts(c.ExpiresAt), ts(c.UsedAt))
	return translate(err, "pairing code")
}

func (q *queries) PairCodeUse(ctx context.Context, hash []byte, t time.Time) error {
	tag, err := q.q.Exec(ctx, "UPDATE pair_codes SET used_at = $1 WHERE hash = $2 AND used_at IS NULL", ts(t), hash)
	return translate(affected(tag, err), "pairing code")
}

func (q *queries) PairCodeDeleteBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := q.q.Exec(ctx, "DELETE FROM pair_codes WHERE expires_at < $1", ts(t))
	return tag.RowsAffected(), translate(err, "pairing code")
}
