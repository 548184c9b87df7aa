package postgres

import (
	"context"
	"time"

	"github.com/ferrygateway/ferry"
)

const apiKeyColumns = "id, merchant_id, prefix, hash, created_at, revoked_at"

func scanAPIKey(s scanner) (*ferry.APIKey, error) {
	var k ferry.APIKey
	var created, revoked *time.Time
	if err := s.Scan(&k.ID, &k.MerchantID, &k.Prefix, &k.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = utc(created), utc(revoked)
	return &k, nil
}

func (q *queries) APIKeyGetByHash(ctx context.Context, hash []byte) (*ferry.APIKey, error) {
	k, err := scanAPIKey(q.q.QueryRow(ctx, "SELECT "+apiKeyColumns+" FROM api_keys WHERE hash = $1", hash))
	return k, translate(err, "API key")
}

func (q *queries) APIKeyList(ctx context.Context, merchantID string) ([]*ferry.APIKey, error) {
	out, err := list(ctx, q, scanAPIKey, "SELECT "+apiKeyColumns+" FROM api_keys WHERE merchant_id = $1 ORDER BY created_at, id", merchantID)
	return out, translate(err, "API key")
}

func (q *queries) APIKeyInsert(ctx context.Context, k *ferry.APIKey) error {
	_, err := q.q.Exec(ctx, "INSERT INTO api_keys ("+apiKeyColumns+") VALUES ($1, $2, $3, $4, $5, $6)",
		k.ID, k.MerchantID, k.Prefix, k.Hash, ts(k.CreatedAt), ts(k.RevokedAt))
	return translate(err, "API key")
}

func (q *queries) APIKeyRevoke(ctx context.Context, merchantID, id string, t time.Time) error {
	tag, err := q.q.Exec(ctx, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE merchant_id = $2 AND id = $3",
		ts(t), merchantID, id)
	return translate(affected(tag, err), "API key")
}

const tokenColumns = "hash, merchant_id, api_key_id, created_at, expires_at"

func (q *queries) TokenGetByHash(ctx context.Context, hash []byte) (*ferry.Token, error) {
	var t ferry.Token
	var created, expires *time.Time
	err := q.q.QueryRow(ctx, "SELECT "+tokenColumns+" FROM tokens WHERE hash = $1", hash).
		Scan(&t.Hash, &t.MerchantID, &t.APIKeyID, &created, &expires)
	if err != nil {
		return nil, translate(err, "token")
	}
	t.CreatedAt, t.ExpiresAt = utc(created), utc(expires)
	return &t, nil
}

func (q *queries) TokenCountSince(ctx context.Context, apiKeyID string, since time.Time) (int, time.Time, error) {
	var n int
	var first *time.Time
	err := q.q.QueryRow(ctx, "SELECT count(*), min(created_at) FROM tokens WHERE api_key_id = $1 AND created_at >= $2", apiKeyID, ts(since)).
		Scan(&n, &first)
	return n, utc(first), translate(err, "token")
}

func (q *queries) TokenInsert(ctx context.Context, t *ferry.Token) error {
	_, err := q.q.Exec(ctx, "INSERT INTO tokens ("+tokenColumns+") VALUES ($1, $2, $3, $4, $5)",
		t.Hash, t.MerchantID, t.APIKeyID, ts(t.CreatedAt), ts(t.ExpiresAt))
	return translate(err, "token")
}

func (q *queries) TokenDeleteForAPIKey(ctx context.Context, apiKeyID string) (int64, error) {
	tag, err := q.q.Exec(ctx, "DELETE FROM tokens WHERE api_key_id = $1", apiKeyID)
	return tag.RowsAffected(), translate(err, "token")
}

func (q *queries) TokenDeleteExpired(ctx context.Context, t time.Time) (int64, error) {
	tag, err := q.q.Exec(ctx, "DELETE FROM tokens WHERE expires_at < $1", ts(t))
	return tag.RowsAffected(), translate(err, "token")
}
