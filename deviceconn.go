package ferry

import (
	"context"
	"time"
)

// DeviceConn is one device session's connection to Ferry: the device side of
// the instruction lifecycle. The device agent uses it, whether the agent
// runs inside the server (simulated devices) or talks the device protocol
// over HTTP. Every call about an instruction carries the Lease it was handed
// out under; a call with a lease that is no longer current fails with
// CodeLeaseLost and changes nothing.
type DeviceConn interface {
	// Next waits up to wait for the session's next piece of work: a new
	// instruction, or the stop of one it held. It returns nil when wait
	// passes with nothing to do. wait <= 0 waits until ctx ends.
	Next(ctx context.Context, wait time.Duration) (*Assignment, error)
	// Heartbeat renews the lease. It waits up to wait for the instruction to
	// change, so that a cancel from the POS arrives at once; wait 0 answers
	// at once.
	Heartbeat(ctx context.Context, l Lease, wait time.Duration) (*LeaseState, error)
	// Progress reports a step, such as "prompting" or "card_presented";
	// progress pushes the instruction's deadline back and renews the lease.
	Progress(ctx context.Context, l Lease, step string) (*LeaseState, error)
	// CardRead sends what the device read for authorization and returns the
	// outcome to show. Retrying with the same lease is safe: the refund is
	// authorized at most once and every retry gets the same outcome.
	CardRead(ctx context.Context, l Lease, card CardRead) (*CardReadResult, error)
	// Cancel reports that the cardholder canceled on the device.
	Cancel(ctx context.Context, l Lease) (*LeaseState, error)
	// Fail reports that the instruction cannot be done, and why.
	Fail(ctx context.Context, l Lease, reason string) (*LeaseState, error)
	// Signature sends the signature the cardholder drew (signature
	// instructions); the instruction completes with it.
	Signature(ctx context.Context, l Lease, sig SignatureCapture) (*CardReadResult, error)
	// ClosedLoopRead sends what the device read from a closed-loop card
	// (payment instructions with closedLoopOptions); the instruction
	// completes with it, without the processor.
	ClosedLoopRead(ctx context.Context, l Lease, data []byte) (*CardReadResult, error)
	// Ack acknowledges the stop of an instruction that ended while the
	// session held it.
	Ack(ctx context.Context, l Lease) error
}

// Lease names an instruction held by a device session; Token is the fencing
// token, which grows each time a session takes the instruction.
type Lease struct {
	InstructionID string `json:"instructionId"`
	Token         int64  `json:"leaseToken"`
}

// Assignment is work handed to a device session.
type Assignment struct {
	Lease
	// ExpiresAt is when the lease ends unless renewed.
	ExpiresAt time.Time `json:"leaseExpiresAt,omitzero"`
	// Stop asks the session to drop the instruction and acknowledge: it
	// ended (Status, Reason) while the session held it.
	Stop   bool   `json:"stop,omitempty"`
	Status Status `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`

	Kind                 InstructionKind `json:"kind,omitempty"`
	Amount               int64           `json:"amount,omitempty"`
	Currency             Currency        `json:"currency,omitempty"`
	OrderID              string          `json:"orderId,omitempty"`
	Description          string          `json:"description,omitempty"`
	Operator             string          `json:"operator,omitempty"`
	EntryMethod          string          `json:"entryMethod,omitempty"`
	ProcessingTerminalID string          `json:"processingTerminalId,omitempty"`

	// Payments only (protocol 1.1):
	Payment *SaleOptions `json:"payment,omitempty"`
}

// SaleOptions tells a device how to run a payment.
type SaleOptions struct {
	// Subtotal is the order's subtotal, the base of tip percentages.
	Subtotal int64 `json:"subtotal,omitempty"`
	// TipPrompt lists the suggested tips, in percent of Subtotal, when the
	// device must ask the cardholder for a tip.
	TipPrompt []string `json:"tipPrompt,omitempty"`
	// Cashback is the cash the cardholder gets back, part of the amount.
	Cashback int64 `json:"cashback,omitempty"`
	// DualPricing, when set, is the card price's extra amount: the device
	// offers the card price (amount + this) and the alternative tender's.
	DualPricing       int64  `json:"dualPricing,omitempty"`
	AlternativeTender string `json:"alternativeTender,omitempty"`
	// PreAuthorization: the amount is held, not captured.
	PreAuthorization bool `json:"preAuthorization,omitempty"`
	// AcceptPartial: the POS accepts a partial approval.
	AcceptPartial bool `json:"acceptPartial,omitempty"`
	// EBT is the EBT benefit category to run ("cash", "foodStamp").
	EBT string `json:"ebt,omitempty"`
	// ClosedLoop is the closed-loop card type to read ("mifare") instead of
	// a payment card.
	ClosedLoop string `json:"closedLoop,omitempty"`
}

// Money returns the assignment's amount.
func (a *Assignment) Money() Money { return Money{Amount: a.Amount, Currency: a.Currency} }

// LeaseState tells a device session where its instruction stands.
type LeaseState struct {
	// Stop means the instruction ended or can no longer run on this session:
	// stop prompting, show Reason, and Ack.
	Stop   bool   `json:"stop"`
	Status Status `json:"status"`
	Phase  Phase  `json:"phase"`
	Reason string `json:"reason,omitempty"`
	// ExpiresAt is when the lease ends unless renewed.
	ExpiresAt time.Time `json:"leaseExpiresAt,omitzero"`
}

// CardReadResult is the outcome a device shows after a card read.
type CardReadResult struct {
	Status Status `json:"status"`
	// Approved, and the rest, describe the refund or payment when Status
	// is completed.
	Approved  bool   `json:"approved"`
	RefundID  string `json:"refundId,omitempty"`
	PaymentID string `json:"paymentId,omitempty"`
	// AuthorizedAmount is what the processor approved: less than the
	// amount for a partial approval.
	AuthorizedAmount *int64 `json:"authorizedAmount,omitempty"`
	// SignatureID and ClosedLoopReadID name what a signature or
	// closed-loop read completed with.
	SignatureID      string `json:"signatureId,omitempty"`
	ClosedLoopReadID string `json:"closedLoopReadId,omitempty"`
	ResponseCode     string `json:"responseCode,omitempty"`
	ResponseMessage  string `json:"responseMessage,omitempty"`
	ApprovalCode     string `json:"approvalCode,omitempty"`
	CardNumber       string `json:"cardNumber,omitempty"` // masked
	// Reason explains a status other than completed.
	Reason string `json:"reason,omitempty"`
}
