package ferry

import (
	"context"
	"time"
)

// Store persists Ferry's state. Stores only persist: every rule lives in
// the core service above them. Methods that find nothing return an *Error
// with CodeNotFound; inserts that break a uniqueness rule return CodeConflict.
type Store interface {
	Reader
	// Update runs fn in a read-write transaction and commits it; an error
	// from fn rolls back fn's writes and is returned. Update returns only
	// once the commit is durable. A store may run fn on another goroutine,
	// may commit it together with other transactions, and may run it more
	// than once (after a rollback that was not fn's doing): fn must not keep
	// tx, and must have no effect but its writes and the results it sets.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Submit stores a new instruction in one atomic, durable write: the
	// idempotency record, the instruction and its first event, with the
	// times the caller set. If the merchant already used the key, Submit
	// writes nothing and reports false, after a write of that key in flight
	// has ended. A device with an active instruction fails it with
	// CodeDeviceBusy, and then the key is not stored either.
	Submit(ctx context.Context, s *Submission) (bool, error)
	// Close releases the store's resources.
	Close() error
}

// Submission is what Store.Submit writes.
type Submission struct {
	Key         *IdempotencyRecord
	Instruction *Instruction
	Event       *Event
}

// Tx is a read-write transaction. Reads through a Tx see its own writes.
type Tx interface {
	Reader
	Writer
	// Now is the transaction's time, read once from the store's clock and
	// truncated to the microsecond, the precision of every stored time.
	Now() time.Time
	// Lock takes a lock named name until the transaction ends: transactions
	// that take the same name run one after the other, so that the second
	// sees what the first wrote (a duplicate request sees the first one's
	// idempotency record, say).
	Lock(ctx context.Context, name string) error
}

// Reader holds the read methods of a store.
type Reader interface {
	TerminalReader
	MerchantGet(ctx context.Context, id string) (*Merchant, error)
	MerchantList(ctx context.Context) ([]*Merchant, error)

	APIKeyGetByHash(ctx context.Context, hash []byte) (*APIKey, error)
	APIKeyList(ctx context.Context, merchantID string) ([]*APIKey, error)
	TokenGetByHash(ctx context.Context, hash []byte) (*Token, error)
	// TokenCountSince counts the tokens issued for an API key at or after
	// since, and returns when the first of them was issued.
	TokenCountSince(ctx context.Context, apiKeyID string, since time.Time) (n int, first time.Time, err error)

	DeviceGet(ctx context.Context, id string) (*Device, error)
	DeviceGetBySerial(ctx context.Context, merchantID, serialNumber string) (*Device, error)
	// DeviceList returns devices in serial-number order.
	DeviceList(ctx context.Context, p DeviceListParams) ([]*Device, error)

	DeviceCredentialGetByHash(ctx context.Context, hash []byte) (*DeviceCredential, error)
	DeviceCredentialGet(ctx context.Context, id string) (*DeviceCredential, error)
	// DeviceCredentialList returns a device's credentials, oldest first.
	DeviceCredentialList(ctx context.Context, deviceID string) ([]*DeviceCredential, error)
	PairCodeGetByHash(ctx context.Context, hash []byte) (*PairCode, error)

	// InstructionGet returns the merchant's instruction with that id.
	InstructionGet(ctx context.Context, merchantID, id string) (*Instruction, error)
	// InstructionStateGet returns the state of the merchant's instruction
	// with that id: a cheaper read than InstructionGet, for status polls.
	InstructionStateGet(ctx context.Context, merchantID, id string) (*InstructionState, error)
	// InstructionActiveForDevice returns the device's instruction that is in
	// an active phase; there is at most one.
	InstructionActiveForDevice(ctx context.Context, deviceID string) (*Instruction, error)
	// InstructionUnacked returns the newest ended instruction that device
	// session held and has not acknowledged.
	InstructionUnacked(ctx context.Context, deviceID, session string) (*Instruction, error)
	// InstructionLastCompleted returns the device's most recently
	// completed instruction.
	InstructionLastCompleted(ctx context.Context, deviceID string) (*Instruction, error)
	// InstructionListDue returns up to limit active instructions whose due
	// time (see Instruction.DueAt) is at or before t, earliest first.
	InstructionListDue(ctx context.Context, t time.Time, limit int) ([]*Instruction, error)
	// InstructionNextDue returns the earliest due time of any active
	// instruction, or the zero time if none is active.
	InstructionNextDue(ctx context.Context) (time.Time, error)

	RefundGet(ctx context.Context, merchantID, refundID string) (*Refund, error)
	RefundGetByInstruction(ctx context.Context, merchantID, instructionID string) (*Refund, error)
	PaymentGet(ctx context.Context, merchantID, paymentID string) (*Payment, error)
	SignatureGet(ctx context.Context, merchantID, signatureID string) (*Signature, error)
	ClosedLoopReadGet(ctx context.Context, merchantID, id string) (*ClosedLoopRead, error)

	IdempotencyGet(ctx context.Context, merchantID, key string) (*IdempotencyRecord, error)

	// EventList returns an instruction's events in order.
	EventList(ctx context.Context, instructionID string) ([]*Event, error)
}

// Writer holds the write methods of a store, used inside a Tx.
type Writer interface {
	TerminalWriter
	MerchantInsert(ctx context.Context, m *Merchant) error
	APIKeyInsert(ctx context.Context, k *APIKey) error
	// APIKeyRevoke marks the merchant's key revoked at t.
	APIKeyRevoke(ctx context.Context, merchantID, id string, t time.Time) error
	TokenInsert(ctx context.Context, t *Token) error
	// TokenDeleteForAPIKey deletes every token issued for an API key.
	TokenDeleteForAPIKey(ctx context.Context, apiKeyID string) (int64, error)
	// TokenDeleteExpired deletes tokens that expired before t.
	TokenDeleteExpired(ctx context.Context, t time.Time) (int64, error)

	DeviceInsert(ctx context.Context, d *Device) error
	// DeviceTouch sets the device's last-seen time.
	DeviceTouch(ctx context.Context, id string, t time.Time) error

	DeviceCredentialInsert(ctx context.Context, c *DeviceCredential) error
	// DeviceCredentialRevoke marks every valid credential of the merchant's
	// device revoked at t and returns how many it revoked.
	DeviceCredentialRevoke(ctx context.Context, merchantID, deviceID string, t time.Time) (int64, error)
	PairCodeInsert(ctx context.Context, c *PairCode) error
	// PairCodeUse marks an unused code used at t; CodeNotFound if there is
	// no such unused code.
	PairCodeUse(ctx context.Context, hash []byte, t time.Time) error
	// PairCodeDeleteBefore deletes codes that expired before t.
	PairCodeDeleteBefore(ctx context.Context, t time.Time) (int64, error)

	// InstructionInsert stores a new instruction with Version 1. A second
	// active instruction for the same device is a CodeDeviceBusy error.
	InstructionInsert(ctx context.Context, in *Instruction) error
	// InstructionUpdate writes in's mutable fields if the stored instruction
	// still has version `version`, and then sets in.Version to version+1.
	// If the instruction changed meanwhile it returns CodeConflict and
	// writes nothing.
	InstructionUpdate(ctx context.Context, in *Instruction, version int64) error

	RefundInsert(ctx context.Context, r *Refund) error
	// PaymentInsert, SignatureInsert and ClosedLoopReadInsert store the
	// resource an instruction completed with; a second one for the same
	// instruction, or a taken id, is CodeConflict.
	PaymentInsert(ctx context.Context, p *Payment) error
	SignatureInsert(ctx context.Context, s *Signature) error
	ClosedLoopReadInsert(ctx context.Context, r *ClosedLoopRead) error

	// IdempotencyInsert stores rec unless the merchant's key has a record
	// already, and reports whether it did. A concurrent transaction that
	// inserts the same key makes it wait for that one to end.
	IdempotencyInsert(ctx context.Context, rec *IdempotencyRecord) (bool, error)
	// IdempotencyDeleteBefore deletes records created before t.
	IdempotencyDeleteBefore(ctx context.Context, t time.Time) (int64, error)

	EventInsert(ctx context.Context, e *Event) error
}

// DeviceListParams selects devices. Zero values select everything.
type DeviceListParams struct {
	MerchantID   string
	SerialNumber string
	Model        string
	Simulated    *bool
	// After and Before are serial numbers to page from (exclusive).
	After, Before string
	// Limit caps the number of devices returned; 0 means no limit.
	Limit int
}
