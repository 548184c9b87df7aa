package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/ferrygateway/ferry"
)

const terminalColumns = `merchant_id, id, status, timezone, tips_enabled, tip_prompt, suggested_tips,
	batch_close_type, batch_close_time, created_at, updated_at`

func scanTerminal(s scanner) (*ferry.ProcessingTerminal, error) {
	var t ferry.ProcessingTerminal
	var tips []int32
	var created, updated *time.Time
	err := s.Scan(&t.MerchantID, &t.ID, &t.Status, &t.Timezone, &t.Tips.Enabled, &t.Tips.Prompt, &tips,
		&t.BatchClose.Type, &t.BatchClose.Time, &created, &updated)
	if err != nil {
		return nil, err
	}
	t.Tips.Suggested = make([]int, len(tips))
	for i, p := range tips {
		t.Tips.Suggested[i] = int(p)
	}
	t.CreatedAt, t.UpdatedAt = utc(created), utc(updated)
	return &t, nil
}

func tipsArray(tips []int) []int32 {
	out := make([]int32, len(tips))
	for i, p := range tips {
		out[i] = int32(p)
	}
	return out
}

// TerminalGet locks the row inside a write transaction: whoever reads a
// terminal there means to change it, and the next one waits.
func (q *queries) TerminalGet(ctx context.Context, merchantID, id string) (*ferry.ProcessingTerminal, error) {
	sql := "SELECT " + terminalColumns + " FROM processing_terminals WHERE merchant_id = $1 AND id = $2"
	if q.locking {
		sql += " FOR UPDATE"
	}
	t, err := scanTerminal(q.q.QueryRow(ctx, sql, merchantID, id))
	return t, translate(err, "processing terminal")
}

func (q *queries) TerminalDeviceList(ctx context.Context, p ferry.TerminalDeviceListParams) ([]*ferry.Device, error) {
	sql := "SELECT " + deviceColumns + " FROM devices WHERE merchant_id = $1 AND processing_terminal_id = $2"
	args := []any{p.MerchantID, p.TerminalID}
	if p.Model != "" {
		args = append(args, p.Model)
		sql += " AND model = $3"
	}
	// COLLATE "C" orders by bytes, as SQLite does.
	sql += ` ORDER BY created_at, serial_number COLLATE "C"`
	if p.Limit > 0 {
		args = append(args, p.Limit)
		sql += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	out, err := list(ctx, q, scanDevice, sql, args...)
	if out == nil {
		out = []*ferry.Device{}
	}
	return out, translate(err, "device")
}

func (q *queries) TerminalInsert(ctx context.Context, t *ferry.ProcessingTerminal) (bool, error) {
	tag, err := q.q.Exec(ctx, "INSERT INTO processing_terminals ("+terminalColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (merchant_id, id) DO NOTHING`,
		t.MerchantID, t.ID, t.Status, t.Timezone, t.Tips.Enabled, t.Tips.Prompt, tipsArray(t.Tips.Suggested),
		t.BatchClose.Type, t.BatchClose.Time, ts(t.CreatedAt), ts(t.UpdatedAt))
	if err != nil {
		return false, translate(err, "processing terminal")
	}
	return tag.RowsAffected() > 0, nil
}

func (q *queries) TerminalUpdate(ctx context.Context, t *ferry.ProcessingTerminal) error {
	tag, err := q.q.Exec(ctx, `UPDATE processing_terminals SET status = $1, timezone = $2, tips_enabled = $3, tip_prompt = $4,
		suggested_tips = $5, batch_close_type = $6, batch_close_time = $7, updated_at = $8
		WHERE merchant_id = $9 AND id = $10`,
		t.Status, t.Timezone, t.Tips.Enabled, t.Tips.Prompt, tipsArray(t.Tips.Suggested),
		t.BatchClose.Type, t.BatchClose.Time, ts(t.UpdatedAt), t.MerchantID, t.ID)
	return translate(affected(tag, err), "processing terminal")
}
