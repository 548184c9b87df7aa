package sqlite

import (
	"context"
	"database/sql"

	"github.com/ferrygateway/ferry"
)

func (q *queries) EventInsert(ctx context.Context, e *ferry.Event) error {
	res, err := q.exec(ctx, "INSERT INTO events (instruction_id, merchant_id, at, phase, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
		e.InstructionID, e.MerchantID, micros(e.At), e.Phase, e.Kind, e.Detail)
	if err != nil {
		return translate(err, "event")
	}
	e.Seq, err = res.LastInsertId()
	return err
}

func (q *queries) EventList(ctx context.Context, instructionID string) ([]*ferry.Event, error) {
	out, err := list(ctx, q, func(s scanner) (*ferry.Event, error) {
		var e ferry.Event
		var at sql.NullInt64
		if err := s.Scan(&e.Seq, &e.InstructionID, &e.MerchantID, &at, &e.Phase, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		return &e, nil
	}, "SELECT seq, instruction_id, merchant_id, at, phase, kind, detail FROM events WHERE instruction_id = ? ORDER BY seq", instructionID)
	return out, translate(err, "event")
}
