package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

const deviceColumns = "id, merchant_id, serial_number, processing_terminal_id, simulated, model, created_at, last_seen_at"

func scanDevice(s scanner) (*ferry.Device, error) {
	var d ferry.Device
	var created, seen sql.NullInt64
	if err := s.Scan(&d.ID, &d.MerchantID, &d.SerialNumber, &d.ProcessingTerminalID, &d.Simulated, &d.Model, &created, &seen); err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastSeenAt = fromMicros(created), fromMicros(seen)
	return &d, nil
}

func (q *queries) DeviceGet(ctx context.Context, id string) (*ferry.Device, error) {
	var d *ferry.Device
	err := q.row(ctx, func(s scanner) (err error) { d, err = scanDevice(s); return err },
		"SELECT "+deviceColumns+" FROM devices WHERE id = ?", id)
	return d, translate(err, "device")
}

func (q *queries) DeviceGetBySerial(ctx context.Context, merchantID, serial string) (*ferry.Device, error) {
	var d *ferry.Device
	err := q.row(ctx, func(s scanner) (err error) { d, err = scanDevice(s); return err },
		"SELECT "+deviceColumns+" FROM devices WHERE merchant_id = ? AND serial_number = ?", merchantID, serial)
	return d, translate(err, "device")
}

func (q *queries) DeviceList(ctx context.Context, p ferry.DeviceListParams) ([]*ferry.Device, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if p.MerchantID != "" {
		add("merchant_id = ?", p.MerchantID)
	}
	if p.SerialNumber != "" {
		add("serial_number = ?", p.SerialNumber)
	}
	if p.Model != "" {
		add("model = ?", p.Model)
	}
	if p.Simulated != nil {
		add("simulated = ?", boolInt(*p.Simulated))
	}
	if p.After != "" {
		add("serial_number > ?", p.After)
	}
	if p.Before != "" {
		add("serial_number < ?", p.Before)
	}
	query := "SELECT " + deviceColumns + " FROM devices"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// Paging backwards reads in reverse and turns the page around.
	order := " ORDER BY serial_number, merchant_id"
	if p.Before != "" {
		order = " ORDER BY serial_number DESC, merchant_id DESC"
	}
	query += order
	if p.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, p.Limit)
	}
	out, err := list(ctx, q, scanDevice, query, args...)
	if p.Before != "" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, translate(err, "device")
}

func (q *queries) DeviceInsert(ctx context.Context, d *ferry.Device) error {
	_, err := q.exec(ctx, "INSERT INTO devices ("+deviceColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		d.ID, d.MerchantID, d.SerialNumber, d.ProcessingTerminalID, boolInt(d.Simulated), d.Model,
		micros(d.CreatedAt), micros(d.LastSeenAt))
	return translate(err, "device")
}

func (q *queries) DeviceTouch(ctx context.Context, id string, t time.Time) error {
	res, err := q.exec(ctx, "UPDATE devices SET last_seen_at = ? WHERE id = ?", micros(t), id)
	return translate(affected(res, err), "device")
}
