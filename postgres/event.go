package postgres

import (
	"context"
	"time"

	"github.com/ferrygateway/ferry"
)

func (q *queries) EventInsert(ctx context.Context, e *ferry.Event) error {
	err := q.q.QueryRow(ctx, `INSERT INTO events (instruction_id, merchant_id, at, phase, kind, detail)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
		e.InstructionID, e.MerchantID, ts(e.At), e.Phase, e.Kind, e.Detail).Scan(&e.Seq)
	return translate(err, "event")
}

func (q *queries) EventList(ctx context.Context, instructionID string) ([]*ferry.Event, error) {
	out, err := list(ctx, q, func(s scanner) (*ferry.Event, error) {
		var e ferry.Event
		var at *time.Time
		if err := s.Scan(&e.Seq, &e.InstructionID, &e.MerchantID, &at, &e.Phase, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = utc(at)
		return &e, nil
	}, "SELECT seq, instruction_id, merchant_id, at, phase, kind, detail FROM events WHERE instruction_id = $1 ORDER BY seq", instructionID)
	return out, translate(err, "event")
}
