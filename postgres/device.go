package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

const deviceColumns = "id, merchant_id, serial_number, processing_terminal_id, simulated, model, created_at, last_seen_at"

func scanDevice(s scanner) (*ferry.Device, error) {
	var d ferry.Device
	var created, seen *time.Time
	if err := s.Scan(&d.ID, &d.MerchantID, &d.SerialNumber, &d.ProcessingTerminalID, &d.Simulated, &d.Model, &created, &seen); err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastSeenAt = utc(created), utc(seen)
	return &d, nil
}

func (q *queries) DeviceGet(ctx context.Context, id string) (*ferry.Device, error) {
	d, err := scanDevice(q.q.QueryRow(ctx, "SELECT "+deviceColumns+" FROM devices WHERE id = $1", id))
	return d, translate(err, "device")
}

func (q *queries) DeviceGetBySerial(ctx context.Context, merchantID, serial string) (*ferry.Device, error) {
	d, err := scanDevice(q.q.QueryRow(ctx, "SELECT "+deviceColumns+" FROM devices WHERE merchant_id = $1 AND serial_number = $2", merchantID, serial))
	return d, translate(err, "device")
}

func (q *queries) DeviceList(ctx context.Context, p ferry.DeviceListParams) ([]*ferry.Device, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if p.MerchantID != "" {
		add("merchant_id = $%d", p.MerchantID)
	}
	if p.SerialNumber != "" {
		add("serial_number = $%d", p.SerialNumber)
	}
	if p.Model != "" {
		add("model = $%d", p.Model)
	}
	if p.Simulated != nil {
		add("simulated = $%d", *p.Simulated)
	}
	if p.After != "" {
		add(`serial_number COLLATE "C" > $%d`, p.After)
	}
	if p.Before != "" {
		add(`serial_number COLLATE "C" < $%d`, p.Before)
	}
	query := "SELECT " + deviceColumns + " FROM devices"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// Paging backwards reads in reverse and turns the page around. COLLATE
	// "C" orders by bytes, as SQLite does.
	if p.Before != "" {
		query += ` ORDER BY serial_number COLLATE "C" DESC, merchant_id DESC`
	} else {
		query += ` ORDER BY serial_number COLLATE "C", merchant_id`
	}
	if p.Limit > 0 {
		args = append(args, p.Limit)
		query += fmt.Sprintf(" LIMIT $%d", len(args))
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
	_, err := q.q.Exec(ctx, "INSERT INTO devices ("+deviceColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		d.ID, d.MerchantID, d.SerialNumber, d.ProcessingTerminalID, d.Simulated, d.Model, ts(d.CreatedAt), ts(d.LastSeenAt))
	return translate(err, "device")
}

func (q *queries) DeviceTouch(ctx context.Context, id string, t time.Time) error {
	tag, err := q.q.Exec(ctx, "UPDATE devices SET last_seen_at = $1 WHERE id = $2", ts(t), id)
	return translate(affected(tag, err), "device")
}
