package ferry

import "context"

// Processor authorizes refunds. Calls are idempotent by Key: a second call
// with the same key returns the first call's result and moves no money.
type Processor interface {
	// Refund asks for a refund to the card. A decline is a result, not an
	// error; an error means the outcome is unknown.
	Refund(ctx context.Context, r ProcessorRefund) (TransactionResult, error)
	// Lookup returns the result of an earlier Refund call with key, or an
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
