package postgres

import (
	"context"
	"time"

	"github.com/ferrygateway/ferry"
)

const merchantColumns = "id, name, created_at"

func scanMerchant(s scanner) (*ferry.Merchant, error) {
	var m ferry.Merchant
	var created *time.Time
	if err := s.Scan(&m.ID, &m.Name, &created); err != nil {
		return nil, err
	}
	m.CreatedAt = utc(created)
	return &m, nil
}

func (q *queries) MerchantGet(ctx context.Context, id string) (*ferry.Merchant, error) {
	m, err := scanMerchant(q.q.QueryRow(ctx, "SELECT "+merchantColumns+" FROM merchants WHERE id = $1", id))
	return m, translate(err, "merchant")
}

func (q *queries) MerchantList(ctx context.Context) ([]*ferry.Merchant, error) {
	out, err := list(ctx, q, scanMerchant, "SELECT "+merchantColumns+" FROM merchants ORDER BY created_at, id")
	return out, translate(err, "merchant")
}

func (q *queries) MerchantInsert(ctx context.Context, m *ferry.Merchant) error {
	_, err := q.q.Exec(ctx, "INSERT INTO merchants ("+merchantColumns+") VALUES ($1, $2, $3)", m.ID, m.Name, ts(m.CreatedAt))
	return translate(err, "merchant")
}
