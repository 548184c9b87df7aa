package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/ferrygateway/ferry"
)

const terminalColumns = `merchant_id, id, status, timezone, tips_enabled, tip_prompt, suggested_tips,
	batch_close_type, batch_close_time, created_at, updated_at`

func scanTerminal(s scanner) (*ferry.ProcessingTerminal, error) {
	var t ferry.ProcessingTerminal
	var tips string
	var created, updated sql.NullInt64
	err := s.Scan(&t.MerchantID, &t.ID, &t.Status, &t.Timezone, &t.Tips.Enabled, &t.Tips.Prompt, &tips,
		&t.BatchClose.Type, &t.BatchClose.Time, &created, &updated)
	if err != nil {
		return nil, err
	}
	if t.Tips.Suggested, err = parseTips(tips); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &t, nil
}

// Suggested tips are stored as a comma-separated list: "15,18,20", "" for
// none.

func formatTips(tips []int) string {
	s := make([]string, len(tips))
	for i, p := range tips {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

func parseTips(s string) ([]int, error) {
	out := []int{}
	if s == "" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (q *queries) TerminalGet(ctx context.Context, merchantID, id string) (*ferry.ProcessingTerminal, error) {
	var t *ferry.ProcessingTerminal
	err := q.row(ctx, func(s scanner) (err error) { t, err = scanTerminal(s); return err },
		"SELECT "+terminalColumns+" FROM processing_terminals WHERE merchant_id = ? AND id = ?", merchantID, id)
	return t, translate(err, "processing terminal")
}

func (q *queries) TerminalDeviceList(ctx context.Context, p ferry.TerminalDeviceListParams) ([]*ferry.Device, error) {
	query := "SELECT " + deviceColumns + " FROM devices WHERE merchant_id = ? AND processing_terminal_id = ?"
	args := []any{p.MerchantID, p.TerminalID}
	if p.Model != "" {
		query += " AND model = ?"
		args = append(args, p.Model)
	}
	query += " ORDER BY created_at, serial_number"
	if p.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, p.Limit)
	}
	out, err := list(ctx, q, scanDevice, query, args...)
	if out == nil {
		out = []*ferry.Device{}
	}
	return out, translate(err, "device")
}

func (q *queries) TerminalInsert(ctx context.Context, t *ferry.ProcessingTerminal) (bool, error) {
	res, err := q.exec(ctx, "INSERT INTO processing_terminals ("+terminalColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, id) DO NOTHING`,
		t.MerchantID, t.ID, t.Status, t.Timezone, boolInt(t.Tips.Enabled), boolInt(t.Tips.Prompt),
		formatTips(t.Tips.Suggested), t.BatchClose.Type, t.BatchClose.Time, micros(t.CreatedAt), micros(t.UpdatedAt))
	if err != nil {
		return false, translate(err, "processing terminal")
	}
	n, err := res.RowsAffected()
	return n > 0, translate(err, "processing terminal")
}

func (q *queries) TerminalUpdate(ctx context.Context, t *ferry.ProcessingTerminal) error {
	res, err := q.exec(ctx, `UPDATE processing_terminals SET status = ?, timezone = ?, tips_enabled = ?, tip_prompt = ?,
		suggested_tips = ?, batch_close_type = ?, batch_close_time = ?, updated_at = ?
		WHERE merchant_id = ? AND id = ?`,
		t.Status, t.Timezone, boolInt(t.Tips.Enabled), boolInt(t.Tips.Prompt), formatTips(t.Tips.Suggested),
		t.BatchClose.Type, t.BatchClose.Time, micros(t.UpdatedAt), t.MerchantID, t.ID)
	return translate(affected(res, err), "processing terminal")
}
