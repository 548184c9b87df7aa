package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

const instructionColumns = `id, merchant_id, device_id, kind, phase, version, request, amount, currency, order_id,
	lease_token, lease_session, lease_expires_at, deadline_at, due_at, card, result_id, result_rel, sale,
	error_message, canceled_by, stop_acked, created_at, updated_at`

// activePhases is the SQL list of active phases; the partial indexes on
// instructions name the same list.
const activePhases = "('queued', 'delivered', 'authorizing')"

func scanInstruction(s scanner) (*ferry.Instruction, error) {
	var in ferry.Instruction
	var request string
	var card, resultID, sale sql.NullString
	var leaseExp, deadline, due, created, updated sql.NullInt64
	var amount int64
	var currency, orderID string
	err := s.Scan(&in.ID, &in.MerchantID, &in.DeviceID, &in.Kind, &in.Phase, &in.Version, &request,
		&amount, &currency, &orderID, &in.LeaseToken, &in.LeaseSession, &leaseExp, &deadline, &due,
		&card, &resultID, &in.ResultRel, &sale, &in.ErrorMessage, &in.CanceledBy, &in.StopAcked, &created, &updated)
	if err != nil {
		return nil, err
	}
	if in.Request, err = payroc.UnmarshalRequest(in.Kind, []byte(request)); err != nil {
		return nil, err
	}
	if card.Valid {
		in.Card = new(ferry.Card)
		if err := json.Unmarshal([]byte(card.String), in.Card); err != nil {
			return nil, err
		}
	}
	if sale.Valid {
		in.Sale = new(ferry.SaleRead)
		if err := json.Unmarshal([]byte(sale.String), in.Sale); err != nil {
			return nil, err
		}
	}
	in.ResultID = resultID.String
	in.LeaseExpiresAt, in.DeadlineAt = fromMicros(leaseExp), fromMicros(deadline)
	in.CreatedAt, in.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &in, nil
}

func (q *queries) instruction(ctx context.Context, query string, args ...any) (*ferry.Instruction, error) {
	var in *ferry.Instruction
	err := q.row(ctx, func(s scanner) (err error) { in, err = scanInstruction(s); return err }, query, args...)
	return in, translate(err, "instruction")
}

func (q *queries) InstructionGet(ctx context.Context, merchantID, id string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+" FROM instructions WHERE id = ? AND merchant_id = ?", id, merchantID)
}

func (q *queries) InstructionStateGet(ctx context.Context, merchantID, id string) (*ferry.InstructionState, error) {
	var st ferry.InstructionState
	var resultID sql.NullString
	err := q.row(ctx, func(s scanner) error {
		return s.Scan(&st.ID, &st.Kind, &st.Phase, &resultID, &st.ResultRel, &st.ErrorMessage)
	}, "SELECT id, kind, phase, result_id, result_rel, error_message FROM instructions WHERE id = ? AND merchant_id = ?", id, merchantID)
	if err != nil {
		return nil, translate(err, "instruction")
	}
	st.ResultID = resultID.String
	return &st, nil
}

func (q *queries) InstructionActiveForDevice(ctx context.Context, deviceID string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+" FROM instructions WHERE device_id = ? AND phase IN "+activePhases, deviceID)
}

func (q *queries) InstructionUnacked(ctx context.Context, deviceID, session string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+` FROM instructions
		WHERE device_id = ? AND stop_acked = 0 AND lease_session = ? AND phase NOT IN `+activePhases+`
		ORDER BY updated_at DESC LIMIT 1`, deviceID, session)
}

func (q *queries) InstructionListDue(ctx context.Context, t time.Time, limit int) ([]*ferry.Instruction, error) {
	out, err := list(ctx, q, scanInstruction, "SELECT "+instructionColumns+` FROM instructions
		WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`, micros(t), limit)
	return out, translate(err, "instruction")
}

func (q *queries) InstructionNextDue(ctx context.Context) (time.Time, error) {
	var due sql.NullInt64
	err := q.row(ctx, func(s scanner) error { return s.Scan(&due) },
		"SELECT min(due_at) FROM instructions WHERE due_at IS NOT NULL")
	return fromMicros(due), translate(err, "instruction")
}

func (q *queries) InstructionInsert(ctx context.Context, in *ferry.Instruction) error {
	request, card, sale, err := instructionJSON(in)
	if err != nil {
		return err
	}
	in.Version = 1
	_, err = q.exec(ctx, "INSERT INTO instructions ("+instructionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.MerchantID, in.DeviceID, in.Kind, in.Phase, in.Version, string(request),
		in.Request.Money().Amount, in.Request.Money().Currency, in.Request.Reference(),
		in.LeaseToken, in.LeaseSession, micros(in.LeaseExpiresAt), micros(in.DeadlineAt), micros(in.DueAt()),
		card, nullString(in.ResultID), in.ResultRel, sale, in.ErrorMessage, in.CanceledBy, boolInt(in.StopAcked),
		micros(in.CreatedAt), micros(in.UpdatedAt))
	if ferry.ErrorCode(translate(err, "")) == ferry.CodeConflict {
		// The id is 128 random bits; the one unique rule that can break is
		// one active instruction per device.
		return &ferry.Error{Code: ferry.CodeDeviceBusy, Message: "The device is already running an instruction", Err: err}
	}
	return translate(err, "instruction")
}

func (q *queries) InstructionUpdate(ctx context.Context, in *ferry.Instruction, version int64) error {
	_, card, sale, err := instructionJSON(in)
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, `UPDATE instructions SET phase = ?, version = ?, lease_token = ?, lease_session = ?,
		lease_expires_at = ?, deadline_at = ?, due_at = ?, card = ?, result_id = ?, result_rel = ?, sale = ?,
		error_message = ?, canceled_by = ?, stop_acked = ?, updated_at = ?
		WHERE id = ? AND version = ?`,
		in.Phase, version+1, in.LeaseToken, in.LeaseSession, micros(in.LeaseExpiresAt), micros(in.DeadlineAt),
		micros(in.DueAt()), card, nullString(in.ResultID), in.ResultRel, sale, in.ErrorMessage, in.CanceledBy, boolInt(in.StopAcked),
		micros(in.UpdatedAt), in.ID, version)
	if err := affected(res, err); err != nil {
		if err == sql.ErrNoRows {
			return &ferry.Error{Code: ferry.CodeConflict, Message: "The instruction changed meanwhile; try again"}
		}
		if ferry.ErrorCode(translate(err, "")) == ferry.CodeConflict {
			return &ferry.Error{Code: ferry.CodeDeviceBusy, Message: "The device is already running an instruction", Err: err}
		}
		return translate(err, "instruction")
	}
	in.Version = version + 1
	return nil
}

func instructionJSON(in *ferry.Instruction) (request []byte, card, sale any, err error) {
	request, err = json.Marshal(in.Request)
	if err != nil {
		return nil, nil, nil, err
	}
	if card, err = jsonText(in.Card); err != nil {
		return nil, nil, nil, err
	}
	if sale, err = jsonText(in.Sale); err != nil {
		return nil, nil, nil, err
	}
	return request, card, sale, nil
}

// jsonText is v as JSON text, or NULL for a nil pointer.
func jsonText[T any](v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (q *queries) InstructionLastCompleted(ctx context.Context, deviceID string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+` FROM instructions
		WHERE device_id = ? AND phase = 'completed' ORDER BY updated_at DESC LIMIT 1`, deviceID)
}
