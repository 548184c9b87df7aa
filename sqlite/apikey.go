package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ferrygateway/ferry"
)

const apiKeyColumns = "id, merchant_id, prefix, hash, created_at, revoked_at"

func scanAPIKey(s scanner) (*ferry.APIKey, error) {
	var k ferry.APIKey
	var created, revoked sql.NullInt64
	if err := s.Scan(&k.ID, &k.MerchantID, &k.Prefix, &k.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = fromMicros(created), fromMicros(revoked)
	return &k, nil
}

func (q *queries) APIKeyGetByHash(ctx context.Context, hash []byte) (*ferry.APIKey, error) {
	var k *ferry.APIKey
	err := q.row(ctx, func(s scanner) (err error) { k, err = scanAPIKey(s); return err },
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE hash = ?", hash)
	return k, translate(err, "API key")
}

func (q *queries) APIKeyList(ctx context.Context, merchantID string) ([]*ferry.APIKey, error) {
	out, err := list(ctx, q, scanAPIKey,
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE merchant_id = ? ORDER BY created_at, id", merchantID)
	return out, translate(err, "API key")
}

func (q *queries) APIKeyInsert(ctx context.Context, k *ferry.APIKey) error {
	_, err := q.exec(ctx, "INSERT INTO api_keys ("+apiKeyColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		k.ID, k.MerchantID, k.Prefix, k.Hash, micros(k.CreatedAt), micros(k.RevokedAt))
	return translate(err, "API key")
}

func (q *queries) APIKeyRevoke(ctx context.Context, merchantID, id string, t time.Time) error {
	res, err := q.exec(ctx, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE merchant_id = ? AND id = ?",
		micros(t), merchantID, id)
	return translate(affected(res, err), "API key")
}

const tokenColumns = "hash, merchant_id, api_key_id, created_at, expires_at"

func (q *queries) TokenGetByHash(ctx context.Context, hash []byte) (*ferry.Token, error) {
	var t ferry.Token
	err := q.row(ctx, func(s scanner) error {
		var created, expires sql.NullInt64
		if err := s.Scan(&t.Hash, &t.MerchantID, &t.APIKeyID, &created, &expires); err != nil {
			return err
		}
		t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
		return nil
	}, "SELECT "+tokenColumns+" FROM tokens WHERE hash = ?", hash)
	if err != nil {
		return nil, translate(err, "token")
	}
	return &t, nil
}

func (q *queries) TokenCountSince(ctx context.Context, apiKeyID string, since time.Time) (int, time.Time, error) {
	var n int
	var first sql.NullInt64
	err := q.row(ctx, func(s scanner) error { return s.Scan(&n, &first) },
		"SELECT count(*), min(created_at) FROM tokens WHERE api_key_id = ? AND created_at >= ?", apiKeyID, micros(since))
	return n, fromMicros(first), translate(err, "token")
}

func (q *queries) TokenInsert(ctx context.Context, t *ferry.Token) error {
	_, err := q.exec(ctx, "INSERT INTO tokens ("+tokenColumns+") VALUES (?, ?, ?, ?, ?)",
		t.Hash, t.MerchantID, t.APIKeyID, micros(t.CreatedAt), micros(t.ExpiresAt))
	return translate(err, "token")
}

func (q *queries) TokenDeleteForAPIKey(ctx context.Context, apiKeyID string) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM tokens WHERE api_key_id = ?", apiKeyID)
	if err != nil {
		return 0, translate(err, "token")
	}
	return res.RowsAffected()
}

func (q *queries) TokenDeleteExpired(ctx context.Context, t time.Time) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM tokens WHERE expires_at < ?", micros(t))
	if err != nil {
		return 0, translate(err, "token")
	}
	return res.RowsAffected()
}

// affected turns "no row changed" into sql.ErrNoRows.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
