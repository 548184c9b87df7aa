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
	// Approved, and the rest, describe the refund when Status is completed.
	Approved        bool   `json:"approved"`
	RefundID        string `json:"refundId,omitempty"`
	ResponseCode    string `json:"responseCode,omitempty"`
	ResponseMessage string `json:"responseMessage,omitempty"`
	ApprovalCode    string `json:"approvalCode,omitempty"`
	CardNumber      string `json:"cardNumber,omitempty"` // masked
	// Reason explains a status other than completed.
	Reason string `json:"reason,omitempty"`
}
