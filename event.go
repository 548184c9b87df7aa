package ferry

import "time"

// Event records one change in an instruction's life, in order. Events are
// the instruction's history: what happened, when, and on whose behalf.
type Event struct {
	Seq           int64
	InstructionID string
	MerchantID    string
	At            time.Time
	// Phase is the instruction's phase after the event.
	Phase Phase
	// Kind names what happened, e.g. "submitted", "delivered", "card_read".
	Kind string
	// Detail adds a short text, such as a failure reason. Never card data.
	Detail string
}

// Event kinds: what happened to an instruction.
const (
	EventSubmitted    = "submitted"
	EventDelivered    = "delivered"
	EventLeaseExpired = "lease_expired"
	EventProgress     = "progress"
	EventCardRead     = "card_read"
	EventCompleted    = "completed"
	EventCanceled     = "canceled"
	EventFailed       = "failed"
	EventStopAcked    = "stop_acked"
)
