package sqlite

import (
	"context"
	"database/sql"

	"github.com/ferrygateway/ferry"
)

const merchantColumns = "id, name, created_at"

func scanMerchant(s scanner) (*ferry.Merchant, error) {
	var m ferry.Merchant
	var created sql.NullInt64
	if err := s.Scan(&m.ID, &m.Name, &created); err != nil {
		return nil, err
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

func (q *queries) MerchantGet(ctx context.Context, id string) (*ferry.Merchant, error) {
	var m *ferry.Merchant
	err := q.row(ctx, func(s scanner) (err error) { m, err = scanMerchant(s); return err },
		"SELECT "+merchantColumns+" FROM merchants WHERE id = ?", id)
	return m, translate(err, "merchant")
}

func (q *queries) MerchantList(ctx context.Context) ([]*ferry.Merchant, error) {
	out, err := list(ctx, q, scanMerchant, "SELECT "+merchantColumns+" FROM merchants ORDER BY created_at, id")
	return out, translate(err, "merchant")
}

func (q *queries) MerchantInsert(ctx context.Context, m *ferry.Merchant) error {
	_, err := q.exec(ctx, "INSERT INTO merchants ("+merchantColumns+") VALUES (?, ?, ?)",
		m.ID, m.Name, micros(m.CreatedAt))
	return translate(err, "merchant")
}
