package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/ferrygateway/ferry"
)

const refundColumns = `id, merchant_id, instruction_id, processing_terminal_id, operator, order_id, description,
	amount, currency, date_time, customer, card_type, card_entry_method, cardholder_name, card_number,
	card_expiry, result_type, result_status, approval_code, authorized_amount, response_code,
	response_message, processor_response_code`

func scanRefund(s scanner) (*ferry.Refund, error) {
	var r ferry.Refund
	var dateTime sql.NullInt64
	var customer sql.NullString
	var authorized sql.NullInt64
	tr := &r.TransactionResult
	err := s.Scan(&r.RefundID, &r.MerchantID, &r.InstructionID, &r.ProcessingTerminalID, &r.Operator,
		&r.Order.OrderID, &r.Order.Description, &r.Order.Amount, &r.Order.Currency, &dateTime, &customer,
		&r.Card.Type, &r.Card.EntryMethod, &r.Card.CardholderName, &r.Card.CardNumber, &r.Card.ExpiryDate,
		&tr.Type, &tr.Status, &tr.ApprovalCode, &authorized, &tr.ResponseCode, &tr.ResponseMessage,
		&tr.ProcessorResponseCode)
	if err != nil {
		return nil, err
	}
	r.Order.DateTime = ferry.DateTime(fromMicros(dateTime))
	tr.Currency = r.Order.Currency
	if authorized.Valid {
		tr.AuthorizedAmount = &authorized.Int64
	}
	if customer.Valid {
		r.Customer = new(ferry.Customer)
		if err := json.Unmarshal([]byte(customer.String), r.Customer); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func (q *queries) refund(ctx context.Context, query string, args ...any) (*ferry.Refund, error) {
	var r *ferry.Refund
	err := q.row(ctx, func(s scanner) (err error) { r, err = scanRefund(s); return err }, query, args...)
	return r, translate(err, "refund")
}

func (q *queries) RefundGet(ctx context.Context, merchantID, refundID string) (*ferry.Refund, error) {
	return q.refund(ctx, "SELECT "+refundColumns+" FROM refunds WHERE id = ? AND merchant_id = ?", refundID, merchantID)
}

func (q *queries) RefundGetByInstruction(ctx context.Context, merchantID, instructionID string) (*ferry.Refund, error) {
	return q.refund(ctx, "SELECT "+refundColumns+" FROM refunds WHERE instruction_id = ? AND merchant_id = ?", instructionID, merchantID)
}

func (q *queries) RefundInsert(ctx context.Context, r *ferry.Refund) error {
	var customer any
	if r.Customer != nil {
		b, err := json.Marshal(r.Customer)
		if err != nil {
			return err
		}
		customer = string(b)
	}
	var authorized any
	if a := r.TransactionResult.AuthorizedAmount; a != nil {
		authorized = *a
	}
	tr := r.TransactionResult
	_, err := q.exec(ctx, "INSERT INTO refunds ("+refundColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.RefundID, r.MerchantID, r.InstructionID, r.ProcessingTerminalID, r.Operator,
		r.Order.OrderID, r.Order.Description, r.Order.Amount, r.Order.Currency,
		micros(time.Time(r.Order.DateTime)), customer, r.Card.Type, r.Card.EntryMethod, r.Card.CardholderName,
		r.Card.CardNumber, r.Card.ExpiryDate, tr.Type, tr.Status, tr.ApprovalCode, authorized,
		tr.ResponseCode, tr.ResponseMessage, tr.ProcessorResponseCode)
	return translate(err, "refund")
}
