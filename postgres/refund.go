package postgres

import (
	"context"
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
	var dateTime *time.Time
	var customer []byte
	tr := &r.TransactionResult
	err := s.Scan(&r.RefundID, &r.MerchantID, &r.InstructionID, &r.ProcessingTerminalID, &r.Operator,
		&r.Order.OrderID, &r.Order.Description, &r.Order.Amount, &r.Order.Currency, &dateTime, &customer,
		&r.Card.Type, &r.Card.EntryMethod, &r.Card.CardholderName, &r.Card.CardNumber, &r.Card.ExpiryDate,
		&tr.Type, &tr.Status, &tr.ApprovalCode, &tr.AuthorizedAmount, &tr.ResponseCode, &tr.ResponseMessage,
		&tr.ProcessorResponseCode)
	if err != nil {
		return nil, err
	}
	r.Order.DateTime = ferry.DateTime(utc(dateTime))
	tr.Currency = r.Order.Currency
	if customer != nil {
		r.Customer = new(ferry.Customer)
		if err := json.Unmarshal(customer, r.Customer); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func (q *queries) RefundGet(ctx context.Context, merchantID, refundID string) (*ferry.Refund, error) {
	r, err := scanRefund(q.q.QueryRow(ctx, "SELECT "+refundColumns+" FROM refunds WHERE id = $1 AND merchant_id = $2", refundID, merchantID))
	return r, translate(err, "refund")
}

func (q *queries) RefundGetByInstruction(ctx context.Context, merchantID, instructionID string) (*ferry.Refund, error) {
	r, err := scanRefund(q.q.QueryRow(ctx, "SELECT "+refundColumns+" FROM refunds WHERE instruction_id = $1 AND merchant_id = $2", instructionID, merchantID))
	return r, translate(err, "refund")
}

func (q *queries) RefundInsert(ctx context.Context, r *ferry.Refund) error {
	var customer []byte
	if r.Customer != nil {
		var err error
		if customer, err = json.Marshal(r.Customer); err != nil {
			return err
		}
	}
	tr := r.TransactionResult
	_, err := q.q.Exec(ctx, "INSERT INTO refunds ("+refundColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		r.RefundID, r.MerchantID, r.InstructionID, r.ProcessingTerminalID, r.Operator,
		r.Order.OrderID, r.Order.Description, r.Order.Amount, r.Order.Currency,
		ts(time.Time(r.Order.DateTime)), customer, r.Card.Type, r.Card.EntryMethod, r.Card.CardholderName,
		r.Card.CardNumber, r.Card.ExpiryDate, tr.Type, tr.Status, tr.ApprovalCode, tr.AuthorizedAmount,
		tr.ResponseCode, tr.ResponseMessage, tr.ProcessorResponseCode)
	return translate(err, "refund")
}
