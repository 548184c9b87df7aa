package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ferrygateway/ferry"
)

func (q *queries) PaymentGet(ctx context.Context, merchantID, paymentID string) (*ferry.Payment, error) {
	var p ferry.Payment
	var body, instructionID string
	err := q.row(ctx, func(s scanner) error { return s.Scan(&body, &instructionID) },
		"SELECT body, instruction_id FROM payments WHERE id = ? AND merchant_id = ?", paymentID, merchantID)
	if err != nil {
		return nil, translate(err, "payment")
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
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
	_, err = q.exec(ctx, `INSERT INTO payments (id, merchant_id, instruction_id, processing_terminal_id, order_id,
		amount, currency, date_time, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.PaymentID, p.MerchantID, p.InstructionID, p.ProcessingTerminalID, p.Order.OrderID,
		p.Order.Amount, p.Order.Currency, micros(time.Time(p.Order.DateTime)), string(body))
	return translate(err, "payment")
}

func (q *queries) SignatureGet(ctx context.Context, merchantID, signatureID string) (*ferry.Signature, error) {
	var sig ferry.Signature
	var created int64
	err := q.row(ctx, func(s scanner) error {
		return s.Scan(&sig.SignatureID, &sig.InstructionID, &sig.ProcessingTerminalID, &created, &sig.ContentType, &sig.Image)
	}, `SELECT id, instruction_id, processing_terminal_id, created_at, content_type, image
		FROM signatures WHERE id = ? AND merchant_id = ?`, signatureID, merchantID)
	if err != nil {
		return nil, translate(err, "signature")
	}
	sig.MerchantID = merchantID
	sig.CreatedAt = time.UnixMicro(created).UTC()
	sig.CreatedOn = ferry.Date(sig.CreatedAt)
	return &sig, nil
}

func (q *queries) SignatureInsert(ctx context.Context, sig *ferry.Signature) error {
	_, err := q.exec(ctx, `INSERT INTO signatures (id, merchant_id, instruction_id, processing_terminal_id, created_at,
		content_type, image) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sig.SignatureID, sig.MerchantID, sig.InstructionID, sig.ProcessingTerminalID, micros(sig.CreatedAt),
		sig.ContentType, sig.Image)
	return translate(err, "signature")
}

func (q *queries) ClosedLoopReadGet(ctx context.Context, merchantID, id string) (*ferry.ClosedLoopRead, error) {
	var r ferry.ClosedLoopRead
	var at int64
	var data string
	err := q.row(ctx, func(s scanner) error {
		return s.Scan(&r.ClosedLoopReadID, &r.InstructionID, &r.ProcessingTerminalID, &at, &data)
	}, `SELECT id, instruction_id, processing_terminal_id, read_at, data
		FROM closed_loop_reads WHERE id = ? AND merchant_id = ?`, id, merchantID)
	if err != nil {
		return nil, translate(err, "closed-loop read")
	}
	r.MerchantID = merchantID
	r.ReadAt = time.UnixMicro(at).UTC()
	r.ReadDate = ferry.Date(r.ReadAt)
	r.Data = json.RawMessage(data)
	return &r, nil
}

func (q *queries) ClosedLoopReadInsert(ctx context.Context, r *ferry.ClosedLoopRead) error {
	_, err := q.exec(ctx, `INSERT INTO closed_loop_reads (id, merchant_id, instruction_id, processing_terminal_id,
		read_at, data) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ClosedLoopReadID, r.MerchantID, r.InstructionID, r.ProcessingTerminalID, micros(r.ReadAt), string(r.Data))
	return translate(err, "closed-loop read")
}
