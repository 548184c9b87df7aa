package ferry

import "context"

// Processor authorizes sales and refunds. Calls are idempotent by Key: a second call
// with the same key returns the first call's result and moves no money.
type Processor interface {
	// Refund asks for a refund to the card. A decline is a result, not an
	// error; an error means the outcome is unknown.
	Refund(ctx context.Context, r ProcessorRefund) (TransactionResult, error)
	// Sale asks for a sale or a pre-authorization on the card; the same
	// rules hold as for Refund.
	Sale(ctx context.Context, s ProcessorSale) (TransactionResult, error)
	// Lookup returns the result of an earlier Refund or Sale call with key, or an
	// error with CodeNotFound if the processor never saw it.
	Lookup(ctx context.Context, key string) (TransactionResult, error)
}

// ProcessorRefund is one refund request to a processor.
type ProcessorRefund struct {
	// Key is the idempotency key: the instruction id.
	Key                  string
	MerchantID           string
	ProcessingTerminalID string
	Amount               Money
	Card                 CardRead
}

// ProcessorSale is one sale request to a processor.
type ProcessorSale struct {
	// Key is the idempotency key: the instruction id.
	Key                  string
	MerchantID           string
	ProcessingTerminalID string
	// Amount is the total to authorize, with the cardholder's tip.
	Amount Money
	// Requested is the amount the POS asked for, before the cardholder
	// chose a tip; the sandbox decides by it.
	Requested int64
	Card      CardRead
	// PreAuthorization holds the amount without capturing it.
	PreAuthorization bool
	// AcceptPartial allows approving part of the amount.
	AcceptPartial bool
	// EBT is the EBT benefit category ("cash", "foodStamp"), or "".
	EBT string
	// Cashback is the cash the cardholder takes back, part of Amount.
	Cashback int64
	// Withdrawal is an EBT cash withdrawal.
	Withdrawal bool
}
