package payroc

import (
	"time"

	"github.com/ferrygateway/ferry"
)

// NewRefund builds the refund for an instruction from the card read and the
// processor's answer. Payroc requires a refund's description to be 1 to 256
// characters, where an instruction allows 0 to 1024: an empty description
// becomes "ferry.Refund for order <orderId>" and a long one is cut to 256.
func NewRefund(id string, in *ferry.Instruction, card ferry.Card, result ferry.TransactionResult, at time.Time) *ferry.Refund {
	req := in.Request.(*RefundInstructionRequest)
	desc := req.Order.Description
	if desc == "" {
		desc = "ferry.Refund for order " + req.Order.OrderID
	}
	desc = truncateRunes(desc, 256)
	return &ferry.Refund{
		RefundID:             id,
		ProcessingTerminalID: req.ProcessingTerminalID,
		Operator:             req.Operator,
		Order: ferry.RefundOrder{
			OrderID:     req.Order.OrderID,
			DateTime:    ferry.DateTime(at),
			Description: desc,
			Amount:      req.Order.Amount,
			Currency:    req.Order.Currency,
		},
		Customer:          req.Customer,
		Card:              card,
		TransactionResult: result,
		MerchantID:        in.MerchantID,
		InstructionID:     in.ID,
	}
}

// NewPayment builds the payment for a payment instruction from the card
// read, what the cardholder chose, and the processor's answer.
func NewPayment(id string, in *ferry.Instruction, card ferry.PaymentCard, sale ferry.SaleRead, result ferry.TransactionResult, at time.Time) *ferry.Payment {
	req := in.Request.(*PaymentInstructionRequest)
	order := ferry.PaymentOrder{
		OrderID:     req.Order.OrderID,
		DateTime:    ferry.DateTime(at),
		Description: truncateRunes(req.Order.Description, 256),
		Amount:      sale.Total,
		Currency:    req.Order.Currency,
	}
	if b := req.Order.Breakdown; b != nil {
		order.Breakdown = b.Settled(sale)
	}
	p := &ferry.Payment{
		PaymentID:            id,
		ProcessingTerminalID: req.ProcessingTerminalID,
		Operator:             req.Operator,
		Order:                order,
		Customer:             req.Customer,
		Card:                 card,
		TransactionResult:    result,
		MerchantID:           in.MerchantID,
		InstructionID:        in.ID,
	}
	p.SupportedOperations = supportedOperations(req, result)
	return p
}

// supportedOperations lists what a POS may do next with the payment.
func supportedOperations(req *PaymentInstructionRequest, result ferry.TransactionResult) []string {
	if result.ResponseCode != ferry.ResponseApproved && result.ResponseCode != ferry.ResponsePartial {
		return nil
	}
	switch {
	case result.Type == ferry.TransactionTypePreAuthorization:
		return []string{ferry.OpCapture, ferry.OpFullyReverse, ferry.OpIncrementAuthorization}
	case req.ProcessAsSale != nil && *req.ProcessAsSale:
		return []string{ferry.OpRefund}
	}
	return []string{ferry.OpFullyReverse, ferry.OpPartiallyReverse, ferry.OpAdjustTip, ferry.OpAddSignature}
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
