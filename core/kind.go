package core

import (
	"context"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// kindSpec is what one kind of instruction adds to the shared machine (the
// POS endpoints, idempotency, long-poll, cancel, leases, sweeps and device
// protocol): how its request is read, what the device is told, what the
// processor is asked after a card read, and the resource it completes with.
type kindSpec struct {
	// decode parses and validates a request body.
	decode func(body []byte) (ferry.InstructionRequest, error)
	// assign tells the device how to run the instruction.
	assign func(a *ferry.Assignment, in *ferry.Instruction)
	// readsCard reports whether the device reads a card for it; a kind
	// that reads none completes from its own device call.
	readsCard bool
	// authorize asks the processor about a card read; nil if the kind
	// reads no card.
	authorize func(ctx context.Context, p ferry.Processor, in *ferry.Instruction, card ferry.CardRead) (ferry.TransactionResult, error)
	// record stores the resource for the processor's answer and returns
	// its id, the rel of the link to it, and an event detail.
	record func(ctx context.Context, tx ferry.Tx, in *ferry.Instruction, result ferry.TransactionResult) (id, rel, detail string, err error)
}

var kinds = map[ferry.InstructionKind]*kindSpec{
	ferry.KindRefund: {
		decode: func(b []byte) (ferry.InstructionRequest, error) { return payroc.DecodeRefundInstructionRequest(b) },
		assign: func(a *ferry.Assignment, in *ferry.Instruction) {
			r := in.Request.(*payroc.RefundInstructionRequest)
			a.Amount, a.Currency = r.Order.Amount, r.Order.Currency
			a.OrderID, a.Description, a.Operator = r.Order.OrderID, r.Order.Description, r.Operator
			a.EntryMethod = r.EntryMethod()
		},
		readsCard: true,
		authorize: func(ctx context.Context, p ferry.Processor, in *ferry.Instruction, card ferry.CardRead) (ferry.TransactionResult, error) {
			return p.Refund(ctx, ferry.ProcessorRefund{
				Key:                  in.ID,
				MerchantID:           in.MerchantID,
				ProcessingTerminalID: in.Request.Terminal(),
				Amount:               in.Amount(),
				Card:                 card,
			})
		},
		record: recordRefund,
	},
	ferry.KindPayment: {
		decode:    func(b []byte) (ferry.InstructionRequest, error) { return payroc.DecodePaymentInstructionRequest(b) },
		assign:    assignPayment,
		readsCard: true,
		authorize: authorizeSale,
		record:    recordPayment,
	},
	ferry.KindSignature: {
		decode: func(b []byte) (ferry.InstructionRequest, error) { return payroc.DecodeSignatureInstructionRequest(b) },
		assign: func(*ferry.Assignment, *ferry.Instruction) {},
	},
}

// recordRefund stores the refund of a refund instruction.
func recordRefund(ctx context.Context, tx ferry.Tx, in *ferry.Instruction, result ferry.TransactionResult) (string, string, string, error) {
	result.Type = ferry.TransactionTypeRefund
	result.Currency = in.Amount().Currency
	r := payroc.NewRefund(ferry.NewRefundID(), in, *in.Card, result, tx.Now())
	if err := tx.RefundInsert(ctx, r); err != nil {
		return "", "", "", err
	}
	return r.RefundID, ferry.RelRefund, "refund " + r.RefundID + ": " + result.ResponseCode + " " + result.ResponseMessage, nil
}

// assignPayment tells the device the amount and how to run the sale: the
// tip prompt, cashback, dual pricing, EBT or a closed-loop read.
func assignPayment(a *ferry.Assignment, in *ferry.Instruction) {
	r := in.Request.(*payroc.PaymentInstructionRequest)
	a.Amount, a.Currency = r.Order.Amount, r.Order.Currency
	a.OrderID, a.Description, a.Operator = r.Order.OrderID, r.Order.Description, r.Operator
	a.EntryMethod = r.EntryMethod()
	opts := &ferry.SaleOptions{
		PreAuthorization: r.PreAuthorization(),
		AcceptPartial:    r.AcceptsPartial(),
		ClosedLoop:       r.ClosedLoop(),
	}
	if c := r.CustomizationOptions; c != nil && c.EBTDetails != nil {
		opts.EBT = c.EBTDetails.BenefitCategory
	}
	if b := r.Order.Breakdown; b != nil {
		opts.Subtotal = b.Subtotal
		if b.Tip.Prompted() {
			opts.TipPrompt = ferry.SandboxSuggestedTips
		}
		if b.CashbackAmount != nil {
			opts.Cashback = *b.CashbackAmount
		}
		if d := b.DualPricing; d != nil && d.Offered {
			opts.DualPricing = ferry.PercentOf(b.Subtotal, ferry.SandboxDualPricingRate)
			opts.AlternativeTender = d.AlternativeTender
		}
	}
	a.Payment = opts
}

// saleRead works out what a card read adds to a payment: the tip the
// cardholder chose (only where the device prompted), the card price under
// dual pricing, and the total to authorize.
func saleRead(r *payroc.PaymentInstructionRequest, card ferry.CardRead) (ferry.SaleRead, error) {
	sale := ferry.SaleRead{Total: r.Order.Amount}
	b := r.Order.Breakdown
	if card.TipAmount != nil && *card.TipAmount > 0 {
		if b == nil || !b.Tip.Prompted() {
			return sale, ferry.Invalid(ferry.FieldError{Parameter: "card.tipAmount", Detail: "not allowed",
				Message: "card.tipAmount is for a prompted tip, and this payment asked for none"})
		}
		// A tip above the subtotal is a slip of the finger, not a tip.
		if *card.TipAmount > max(b.Subtotal, 1) {
			return sale, ferry.Invalid(ferry.FieldError{Parameter: "card.tipAmount", Detail: "too large",
				Message: "card.tipAmount must not be more than the subtotal"})
		}
		sale.Tip = *card.TipAmount
	}
	if card.DualPricingApplied && b != nil && b.DualPricing != nil && b.DualPricing.Offered {
		sale.ChoiceRate = ferry.PercentOf(b.Subtotal, ferry.SandboxDualPricingRate)
	}
	sale.Total += sale.Tip + sale.ChoiceRate
	if sale.Total > ferry.MaxSafeInteger {
		return sale, ferry.Invalid(ferry.FieldError{Parameter: "card.tipAmount", Detail: "out of range", Message: "the total is out of range"})
	}
	return sale, nil
}

// authorizeSale asks the processor for the sale or pre-authorization.
func authorizeSale(ctx context.Context, p ferry.Processor, in *ferry.Instruction, card ferry.CardRead) (ferry.TransactionResult, error) {
	r := in.Request.(*payroc.PaymentInstructionRequest)
	sale := ferry.ProcessorSale{
		Key:                  in.ID,
		MerchantID:           in.MerchantID,
		ProcessingTerminalID: r.ProcessingTerminalID,
		Amount:               ferry.Money{Amount: in.Sale.Total, Currency: r.Order.Currency},
		Requested:            r.Order.Amount,
		Card:                 card,
		PreAuthorization:     r.PreAuthorization(),
		AcceptPartial:        r.AcceptsPartial(),
	}
	if c := r.CustomizationOptions; c != nil && c.EBTDetails != nil {
		sale.EBT = c.EBTDetails.BenefitCategory
		sale.Withdrawal = c.EBTDetails.Withdrawal != nil && *c.EBTDetails.Withdrawal
	}
	if b := r.Order.Breakdown; b != nil && b.CashbackAmount != nil {
		sale.Cashback = *b.CashbackAmount
	}
	return p.Sale(ctx, sale)
}

// recordPayment stores the payment of a payment instruction.
func recordPayment(ctx context.Context, tx ferry.Tx, in *ferry.Instruction, result ferry.TransactionResult) (string, string, string, error) {
	r := in.Request.(*payroc.PaymentInstructionRequest)
	result.Currency = r.Order.Currency
	if result.Type == "" {
		result.Type = ferry.TransactionTypeSale
	}
	sale := ferry.SaleRead{Total: r.Order.Amount}
	if in.Sale != nil {
		sale = *in.Sale
	}
	card := ferry.PaymentCard{Card: *in.Card}
	approved := result.ResponseCode == ferry.ResponseApproved || result.ResponseCode == ferry.ResponsePartial
	if r.Tokenize() && approved {
		card.SecureToken = newSecureToken(r, in.Card)
	}
	if result.Balance != nil {
		card.Balances = []ferry.CardBalance{{BenefitCategory: ebtCategory(r), Amount: *result.Balance, Currency: r.Order.Currency}}
		result.Balance = nil
	}
	p := payroc.NewPayment(ferry.NewRefundID(), in, card, sale, result, tx.Now())
	if err := tx.PaymentInsert(ctx, p); err != nil {
		return "", "", "", err
	}
	return p.PaymentID, ferry.RelPayment, "payment " + p.PaymentID + ": " + result.ResponseCode + " " + result.ResponseMessage, nil
}

func ebtCategory(r *payroc.PaymentInstructionRequest) string {
	if c := r.CustomizationOptions; c != nil && c.EBTDetails != nil {
		return c.EBTDetails.BenefitCategory
	}
	return ""
}

// newSecureToken saves a card: the POS's secureTokenId or a new one, and a
// token that stands for the card. The token is 16 digits that fail the
// Luhn check, so that nothing mistakes it for a card number.
func newSecureToken(r *payroc.PaymentInstructionRequest, card *ferry.Card) *ferry.SecureToken {
	id := r.CredentialOnFile.SecureTokenID
	if id == "" {
		id = "MREF_" + newInstructionID()
	}
	name := card.CardholderName
	if name == "" {
		name = "Cardholder"
	}
	return &ferry.SecureToken{SecureTokenID: id, CustomerName: name, Token: ferry.NewSecureToken(), Status: "notValidated"}
}

// GetPayment returns the merchant's payment; another merchant's is
// CodeNotFound, like an unknown id.
func (s *Service) GetPayment(ctx context.Context, merchantID, paymentID string) (*ferry.Payment, error) {
	if !ferry.ValidPaymentID(paymentID) {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "paymentId", Detail: "invalid length", Message: "paymentId must be exactly 10 characters"})
	}
	return s.store.PaymentGet(ctx, merchantID, paymentID)
}

// GetSignature returns the merchant's signature.
func (s *Service) GetSignature(ctx context.Context, merchantID, id string) (*ferry.Signature, error) {
	if !ferry.ValidRefundID(id) {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "signatureId", Detail: "invalid length", Message: "signatureId must be exactly 10 characters"})
	}
	return s.store.SignatureGet(ctx, merchantID, id)
}

// GetClosedLoopRead returns the merchant's closed-loop read.
func (s *Service) GetClosedLoopRead(ctx context.Context, merchantID, id string) (*ferry.ClosedLoopRead, error) {
	if !ferry.ValidRefundID(id) {
		return nil, ferry.Invalid(ferry.FieldError{Parameter: "closedLoopReadId", Detail: "invalid length", Message: "closedLoopReadId must be exactly 10 characters"})
	}
	return s.store.ClosedLoopReadGet(ctx, merchantID, id)
}
