package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ferrygateway/ferry"
)

func (q *queries) PaymentGet(ctx context.Context, merchantID, paymentID string) (*ferry.Payment, error) {
	var p ferry.Payment
	var body []byte
	var instructionID string
	err := q.q.QueryRow(ctx, "SELECT body, instruction_id FROM payments WHERE id = $1 AND merchant_id = $2",
		paymentID, merchantID).Scan(&body, &instructionID)
	if err != nil {
		return nil, translate(err, "payment")
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	p.MerchantID, p.InstructionID = merchantID, instructionID
	return &p, nil
}

func (q *queries) PaymentInsert(ctx context.Context, p *ferry.Payment) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = q.q.Exec(ctx, `INSERT INTO payments (id, merchant_id, instruction_id, processing_terminal_id, order_id,
		amount, currency, date_time, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.PaymentID, p.MerchantID, p.InstructionID, p.ProcessingTerminalID, p.Order.OrderID,
		p.Order.Amount, p.Order.Currency, ts(time.Time(p.Order.DateTime)), body)
	return translate(err, "payment")
}

func (q *queries) SignatureGet(ctx context.Context, merchantID, signatureID string) (*ferry.Signature, error) {
	var sig ferry.Signature
	var created *time.Time
	err := q.q.QueryRow(ctx, `SELECT id, instruction_id, processing_terminal_id, created_at, content_type, image
		FROM signatures WHERE id = $1 AND merchant_id = $2`, signatureID, merchantID).
		Scan(&sig.SignatureID, &sig.InstructionID, &sig.ProcessingTerminalID, &created, &sig.ContentType, &sig.Image)
	if err != nil {
		return nil, translate(err, "signature")
	}
	sig.MerchantID = merchantID
	sig.CreatedAt = utc(created)
	sig.CreatedOn = ferry.Date(sig.CreatedAt)
	return &sig, nil
}

func (q *queries) SignatureInsert(ctx context.Context, sig *ferry.Signature) error {
	_, err := q.q.Exec(ctx, `INSERT INTO signatures (id, merchant_id, instruction_id, processing_terminal_id, created_at,
		content_type, image) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		sig.SignatureID, sig.MerchantID, sig.InstructionID, sig.ProcessingTerminalID, ts(sig.CreatedAt),
		sig.ContentType, sig.Image)
	return translate(err, "signature")
}

func (q *queries) ClosedLoopReadGet(ctx context.Context, merchantID, id string) (*ferry.ClosedLoopRead, error) {
	var r ferry.ClosedLoopRead
	var at *time.Time
	var data []byte
	err := q.q.QueryRow(ctx, `SELECT id, instruction_id, processing_terminal_id, read_at, data
		FROM closed_loop_reads WHERE id = $1 AND merchant_id = $2`, id, merchantID).
		Scan(&r.ClosedLoopReadID, &r.InstructionID, &r.ProcessingTerminalID, &at, &data)
	if err != nil {
		return nil, translate(err, "closed-loop read")
	}
	r.MerchantID = merchantID
	r.ReadAt = utc(at)
	r.ReadDate = ferry.Date(r.ReadAt)
	r.Data = json.RawMessage(data)
	return &r, nil
}

func (q *queries) ClosedLoopReadInsert(ctx context.Context, r *ferry.ClosedLoopRead) error {
	_, err := q.q.Exec(ctx, `INSERT INTO closed_loop_reads (id, merchant_id, instruction_id, processing_terminal_id,
		read_at, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ClosedLoopReadID, r.MerchantID, r.InstructionID, r.ProcessingTerminalID, ts(r.ReadAt), []byte(r.Data))
	return translate(err, "closed-loop read")
}
