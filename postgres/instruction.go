package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

const instructionColumns = `id, merchant_id, device_id, kind, phase, version, request, lease_token, lease_session,
	lease_expires_at, deadline_at, card, result_id, result_rel, sale, error_message, canceled_by, stop_acked, created_at, updated_at`

// activePhases is the SQL list of active phases; the partial indexes on
// instructions name the same list.
const activePhases = "('queued', 'delivered', 'authorizing')"

func scanInstruction(s scanner) (*ferry.Instruction, error) {
	var in ferry.Instruction
	var request, card, sale []byte
	var resultID *string
	var leaseExp, deadline, created, updated *time.Time
	err := s.Scan(&in.ID, &in.MerchantID, &in.DeviceID, &in.Kind, &in.Phase, &in.Version, &request,
		&in.LeaseToken, &in.LeaseSession, &leaseExp, &deadline, &card, &resultID, &in.ResultRel, &sale,
		&in.ErrorMessage, &in.CanceledBy, &in.StopAcked, &created, &updated)
	if err != nil {
		return nil, err
	}
	if in.Request, err = payroc.UnmarshalRequest(in.Kind, request); err != nil {
		return nil, err
	}
	if card != nil {
		in.Card = new(ferry.Card)
		if err := json.Unmarshal(card, in.Card); err != nil {
			return nil, err
		}
	}
	if sale != nil {
		in.Sale = new(ferry.SaleRead)
		if err := json.Unmarshal(sale, in.Sale); err != nil {
			return nil, err
		}
	}
	if resultID != nil {
		in.ResultID = *resultID
	}
	in.LeaseExpiresAt, in.DeadlineAt = utc(leaseExp), utc(deadline)
	in.CreatedAt, in.UpdatedAt = utc(created), utc(updated)
	return &in, nil
}

func (q *queries) instruction(ctx context.Context, sql string, args ...any) (*ferry.Instruction, error) {
	in, err := scanInstruction(q.q.QueryRow(ctx, sql, args...))
	return in, translate(err, "instruction")
}

// InstructionGet locks the row inside a write transaction: whoever reads an
// instruction there means to change it, and the next one waits.
func (q *queries) InstructionGet(ctx context.Context, merchantID, id string) (*ferry.Instruction, error) {
	sql := "SELECT " + instructionColumns + " FROM instructions WHERE id = $1 AND merchant_id = $2"
	if q.locking {
		sql += " FOR UPDATE"
	}
	return q.instruction(ctx, sql, id, merchantID)
}

func (q *queries) InstructionStateGet(ctx context.Context, merchantID, id string) (*ferry.InstructionState, error) {
	var st ferry.InstructionState
	var resultID *string
	err := q.q.QueryRow(ctx, "SELECT id, kind, phase, result_id, result_rel, error_message FROM instructions WHERE id = $1 AND merchant_id = $2", id, merchantID).
		Scan(&st.ID, &st.Kind, &st.Phase, &resultID, &st.ResultRel, &st.ErrorMessage)
	if err != nil {
		return nil, translate(err, "instruction")
	}
	if resultID != nil {
		st.ResultID = *resultID
	}
	return &st, nil
}

func (q *queries) InstructionActiveForDevice(ctx context.Context, deviceID string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+" FROM instructions WHERE device_id = $1 AND phase IN "+activePhases, deviceID)
}

func (q *queries) InstructionUnacked(ctx context.Context, deviceID, session string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+` FROM instructions
		WHERE device_id = $1 AND NOT stop_acked AND lease_session = $2 AND phase NOT IN `+activePhases+`
		ORDER BY updated_at DESC LIMIT 1`, deviceID, session)
}

func (q *queries) InstructionLastCompleted(ctx context.Context, deviceID string) (*ferry.Instruction, error) {
	return q.instruction(ctx, "SELECT "+instructionColumns+` FROM instructions
		WHERE device_id = $1 AND phase = 'completed' ORDER BY updated_at DESC LIMIT 1`, deviceID)
}

func (q *queries) InstructionListDue(ctx context.Context, t time.Time, limit int) ([]*ferry.Instruction, error) {
	out, err := list(ctx, q, scanInstruction, "SELECT "+instructionColumns+` FROM instructions
		WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT $2`, ts(t), limit)
	return out, translate(err, "instruction")
}

func (q *queries) InstructionNextDue(ctx context.Context) (time.Time, error) {
	var due *time.Time
	err := q.q.QueryRow(ctx, "SELECT min(due_at) FROM instructions WHERE due_at IS NOT NULL").Scan(&due)
	return utc(due), translate(err, "instruction")
}

func (q *queries) InstructionInsert(ctx context.Context, in *ferry.Instruction) error {
	request, card, sale, err := instructionJSON(in)
	if err != nil {
		return err
	}
	in.Version = 1
	_, err = q.q.Exec(ctx, `INSERT INTO instructions (id, merchant_id, device_id, kind, phase, version, request, amount,
		currency, order_id, lease_token, lease_session, lease_expires_at, deadline_at, due_at, card, result_id, result_rel,
		sale, error_message, canceled_by, stop_acked, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		in.ID, in.MerchantID, in.DeviceID, in.Kind, in.Phase, in.Version, request,
		in.Request.Money().Amount, in.Request.Money().Currency, in.Request.Reference(),
		in.LeaseToken, in.LeaseSession, ts(in.LeaseExpiresAt), ts(in.DeadlineAt), ts(in.DueAt()),
		card, nullString(in.ResultID), in.ResultRel, sale, in.ErrorMessage, in.CanceledBy, in.StopAcked,
		ts(in.CreatedAt), ts(in.UpdatedAt))
	return translate(err, "instruction")
}

func (q *queries) InstructionUpdate(ctx context.Context, in *ferry.Instruction, version int64) error {
	_, card, sale, err := instructionJSON(in)
	if err != nil {
		return err
	}
	tag, err := q.q.Exec(ctx, `UPDATE instructions SET phase = $1, version = $2, lease_token = $3, lease_session = $4,
		lease_expires_at = $5, deadline_at = $6, due_at = $7, card = $8, result_id = $9, result_rel = $10, sale = $11,
		error_message = $12, canceled_by = $13, stop_acked = $14, updated_at = $15
		WHERE id = $16 AND version = $17`,
		in.Phase, version+1, in.LeaseToken, in.LeaseSession, ts(in.LeaseExpiresAt), ts(in.DeadlineAt),
		ts(in.DueAt()), card, nullString(in.ResultID), in.ResultRel, sale, in.ErrorMessage, in.CanceledBy, in.StopAcked,
		ts(in.UpdatedAt), in.ID, version)
	if err := affected(tag, err); err != nil {
		if err == pgx.ErrNoRows {
			return &ferry.Error{Code: ferry.CodeConflict, Message: "The instruction changed meanwhile; try again"}
		}
		return translate(err, "instruction")
	}
	in.Version = version + 1
	return nil
}

func instructionJSON(in *ferry.Instruction) (request, card, sale []byte, err error) {
	if request, err = json.Marshal(in.Request); err != nil {
		return nil, nil, nil, err
	}
	if in.Card != nil {
		if card, err = json.Marshal(in.Card); err != nil {
			return nil, nil, nil, err
		}
	}
	if in.Sale != nil {
		if sale, err = json.Marshal(in.Sale); err != nil {
			return nil, nil, nil, err
		}
	}
	return request, card, sale, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// submitSQL writes a submission in one statement, so in one round trip and
// one implicit transaction: the instruction and its event are inserted only
// if the key was. A conflicting key in flight makes the insert wait for it.
const submitSQL = `WITH k AS (
	INSERT INTO idempotency_keys (merchant_id, key, fingerprint, status, body, created_at)
	VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1
), i AS (
	INSERT INTO instructions (id, merchant_id, device_id, kind, phase, version, request, amount,
		currency, order_id, lease_token, lease_session, lease_expires_at, deadline_at, due_at, card, result_id,
		error_message, canceled_by, stop_acked, created_at, updated_at)
	SELECT $7::text, $31::text, $8::text, $9::text, $10::text, 1, $11::jsonb, $12::bigint, $13::text, $14::text,
		$15::bigint, $16::text, $17::timestamptz, $18::timestamptz, $19::timestamptz, $20::jsonb, $21::text,
		$22::text, $23::text, $24::boolean, $25::timestamptz, $26::timestamptz
	WHERE EXISTS (SELECT FROM k)
	RETURNING id
), e AS (
	INSERT INTO events (instruction_id, merchant_id, at, phase, kind, detail)
	SELECT id, $31, $27::timestamptz, $28::text, $29::text, $30::text FROM i
)
SELECT count(*) FROM k`

// submitOne writes one submission with submitSQL.
func (db *DB) submitOne(ctx context.Context, s *ferry.Submission) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, txTimeout)
	defer cancel()
	rec, in, e := s.Key, s.Instruction, s.Event
	request, card, _, err := instructionJSON(in)
	if err != nil {
		return false, err
	}
	var n int
	for attempt := 0; attempt < 3; attempt++ {
		err = db.pool.QueryRow(ctx, submitSQL,
			rec.MerchantID, rec.Key, rec.Fingerprint, rec.Status, rec.Body, ts(rec.CreatedAt),
			in.ID, in.DeviceID, in.Kind, in.Phase, request,
			in.Request.Money().Amount, in.Request.Money().Currency, in.Request.Reference(),
			in.LeaseToken, in.LeaseSession, ts(in.LeaseExpiresAt), ts(in.DeadlineAt), ts(in.DueAt()),
			card, nullString(in.ResultID), in.ErrorMessage, in.CanceledBy, in.StopAcked,
			ts(in.CreatedAt), ts(in.UpdatedAt),
			ts(e.At), e.Phase, e.Kind, e.Detail, in.MerchantID).Scan(&n)
		if !retryable(err) {
			break
		}
	}
	if err != nil {
		return false, translate(err, "instruction")
	}
	if n == 1 {
		in.Version = 1
	}
	return n == 1, nil
}
