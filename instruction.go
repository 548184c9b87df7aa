package ferry

import (
	"slices"
	"time"
)

// Status is an instruction's status as Payroc reports it.
type Status string

// Instruction statuses, as in Payroc's API.
const (
	StatusInProgress Status = "inProgress"
	StatusCompleted  Status = "completed"
	StatusFailure    Status = "failure"
	StatusCanceled   Status = "canceled"
)

// Phase is where an instruction is inside Ferry. The three active phases
// all show as StatusInProgress; they decide what is allowed.
type Phase string

// Instruction phases.
const (
	// PhaseQueued: waiting for the device to pick it up. The POS may cancel.
	PhaseQueued Phase = "queued"
	// PhaseDelivered: a device session holds it under a lease and is
	// prompting the cardholder. The POS may cancel; the device is told to stop.
	PhaseDelivered Phase = "delivered"
	// PhaseAuthorizing: the card was read and went to the processor. It can
	// no longer be canceled and is never sent to a device again.
	PhaseAuthorizing Phase = "authorizing"
	// PhaseCompleted: a refund exists (approved or declined).
	PhaseCompleted Phase = "completed"
	// PhaseFailure: ended without a refund; ErrorMessage says why.
	PhaseFailure Phase = "failure"
	// PhaseCanceled: canceled by the POS or by the cardholder.
	PhaseCanceled Phase = "canceled"
)

// Status returns the Payroc status that p shows as.
func (p Phase) Status() Status {
	switch p {
	case PhaseCompleted:
		return StatusCompleted
	case PhaseFailure:
		return StatusFailure
	case PhaseCanceled:
		return StatusCanceled
	default:
		return StatusInProgress
	}
}

// Active reports whether an instruction in phase p is still in progress.
func (p Phase) Active() bool { return p.Status() == StatusInProgress }

// Valid reports whether p is a known phase.
func (p Phase) Valid() bool {
	switch p {
	case PhaseQueued, PhaseDelivered, PhaseAuthorizing, PhaseCompleted, PhaseFailure, PhaseCanceled:
		return true
	}
	return false
}

// ActivePhases lists the phases in which an instruction is in progress.
var ActivePhases = []Phase{PhaseQueued, PhaseDelivered, PhaseAuthorizing}

// moves is the instruction's state machine: for each phase, the phases it
// may move to. A phase not listed moves nowhere: it has ended.
var moves = map[Phase][]Phase{
	// A device session takes it; no device did in time; the POS cancels.
	PhaseQueued: {PhaseDelivered, PhaseFailure, PhaseCanceled},
	// The lease ran out (queued again); the card went to the processor;
	// a signature or closed-loop read needs no processor (completed); the
	// device failed or made no progress; the POS or cardholder canceled.
	PhaseDelivered: {PhaseQueued, PhaseAuthorizing, PhaseCompleted, PhaseFailure, PhaseCanceled},
	// The processor answered; or it has no record of the call.
	PhaseAuthorizing: {PhaseCompleted, PhaseFailure},
}

// CanMove reports whether an instruction in phase p may move to phase to.
// Staying in p is always allowed (a lease renewal changes no phase).
func (p Phase) CanMove(to Phase) bool { return p == to || slices.Contains(moves[p], to) }

// InstructionKind says what an instruction asks the device to do.
type InstructionKind string

// Instruction kinds.
const (
	// KindRefund is an unreferenced refund.
	KindRefund InstructionKind = "refund"
	// KindPayment is a sale or a pre-authorization.
	KindPayment InstructionKind = "payment"
	// KindSignature captures the cardholder's signature.
	KindSignature InstructionKind = "signature"
)

// Valid reports whether k is a known kind.
func (k InstructionKind) Valid() bool {
	return k == KindRefund || k == KindPayment || k == KindSignature
}

// Noun names the kind in messages: "refund instruction".
func (k InstructionKind) Noun() string { return string(k) + " instruction" }

// IDParameter is the name of the kind's id in Payroc's paths and bodies:
// "refundInstructionId".
func (k InstructionKind) IDParameter() string { return string(k) + "InstructionId" }

// Path is the collection path of the kind's instructions:
// "/v1/refund-instructions".
func (k InstructionKind) Path() string { return "/v1/" + string(k) + "-instructions" }

// Resources an instruction completes with: the rel of the link to them.
const (
	RelRefund         = "refund"
	RelPayment        = "payment"
	RelClosedLoopRead = "closed-loop-read"
	RelSignature      = "signature"
)

// ResultPath is the path of the resource a completed instruction links to,
// by the link's rel, without the id: "/v1/refunds/".
func ResultPath(rel string) string {
	switch rel {
	case RelRefund:
		return "/v1/refunds/"
	case RelPayment:
		return "/v1/payments/"
	case RelClosedLoopRead:
		return "/v1/closed-loop-reads/"
	case RelSignature:
		return "/v1/signatures/"
	}
	return ""
}

// Instruction is a request queued for one device, and its progress.
type Instruction struct {
	ID         string
	MerchantID string
	DeviceID   string
	Kind       InstructionKind
	Phase      Phase
	// Version grows by one with every change; updates compare and set it.
	Version int64
	// Request is the validated request, as the POS sent it: a
	// *RefundInstructionRequest, *PaymentInstructionRequest or
	// *SignatureInstructionRequest, by Kind.
	Request InstructionRequest

	// LeaseToken is the fencing token of the device session that holds the
	// instruction; it grows by one each time a session takes it.
	LeaseToken     int64
	LeaseSession   string
	LeaseExpiresAt time.Time
	// DeadlineAt is when the instruction fails unless the device makes
	// progress first.
	DeadlineAt time.Time

	// Card is what the device read, masked; set from PhaseAuthorizing on.
	Card *Card
	// Sale is what the cardholder chose at the device for a payment (a
	// prompted tip, the dual-pricing choice) and the total to authorize;
	// set with Card.
	Sale *SaleRead
	// ResultID is the id of the resource the instruction completed with,
	// and ResultRel its kind: a refund, payment, closed-loop read or
	// signature (RelRefund, ...).
	ResultID  string
	ResultRel string
	// ErrorMessage says why the instruction failed.
	ErrorMessage string
	// CanceledBy is "pos" or "cardholder" for a canceled instruction.
	CanceledBy string
	// StopAcked reports that the device acknowledged the end of an
	// instruction it held.
	StopAcked bool

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Who canceled an instruction.
const (
	CanceledByPOS        = "pos"
	CanceledByCardholder = "cardholder"
)

// InstructionState is what a POS sees of an instruction: enough to render
// it, and small enough to read often.
type InstructionState struct {
	ID           string
	Kind         InstructionKind
	Phase        Phase
	ResultID     string
	ResultRel    string
	ErrorMessage string
}

// State returns in's state.
func (in *Instruction) State() *InstructionState {
	return &InstructionState{ID: in.ID, Kind: in.Kind, Phase: in.Phase, ResultID: in.ResultID, ResultRel: in.ResultRel,
		ErrorMessage: in.ErrorMessage}
}

// Amount returns the requested amount; zero for a signature.
func (in *Instruction) Amount() Money { return in.Request.Money() }

// InstructionRequest is a validated instruction request of any kind.
type InstructionRequest interface {
	// Terminal is the processing terminal the request names.
	Terminal() string
	// Money is the requested amount; zero for a signature.
	Money() Money
	// Reference is the POS's order id; "" for a signature.
	Reference() string
}

// SaleRead is what a device reported with the card of a payment.
type SaleRead struct {
	// Tip is the tip the cardholder chose at a tip prompt.
	Tip int64 `json:"tip,omitempty"`
	// ChoiceRate is the dual-pricing amount the card price adds.
	ChoiceRate int64 `json:"choiceRate,omitempty"`
	// Total is the amount to authorize: the order's amount plus both.
	Total int64 `json:"total"`
}

// DueAt is the earliest moment at which the instruction needs attention
// without any event: its deadline, or the end of its lease if sooner. It is
// zero for an instruction that has ended.
func (in *Instruction) DueAt() time.Time {
	if !in.Phase.Active() {
		return time.Time{}
	}
	due := in.DeadlineAt
	if !in.LeaseExpiresAt.IsZero() && (due.IsZero() || in.LeaseExpiresAt.Before(due)) {
		due = in.LeaseExpiresAt
	}
	return due
}

// Customer is the optional customer of an instruction, and of a refund.
type Customer struct {
	FirstName            string           `json:"firstName,omitempty"`
	LastName             string           `json:"lastName,omitempty"`
	DateOfBirth          string           `json:"dateOfBirth,omitempty"`
	ReferenceNumber      string           `json:"referenceNumber,omitempty"`
	BillingAddress       *Address         `json:"billingAddress,omitempty"`
	ShippingAddress      *ShippingAddress `json:"shippingAddress,omitempty"`
	ContactMethods       []ContactMethod  `json:"contactMethods,omitempty"`
	NotificationLanguage string           `json:"notificationLanguage,omitempty"`
}

// Address is a postal address. The members a request must have are always
// written, even empty, so that an accepted address stays valid when it is
// encoded again.
type Address struct {
	Address1   string `json:"address1"`
	Address2   string `json:"address2,omitempty"`
	Address3   string `json:"address3,omitempty"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	PostalCode string `json:"postalCode"`
}

// ShippingAddress is where goods go, and to whom.
type ShippingAddress struct {
	RecipientName string   `json:"recipientName,omitempty"`
	Address       *Address `json:"address,omitempty"`
}

// ContactMethod is one way to reach the customer; Type is "email",
// "phone", "mobile" or "fax".
type ContactMethod struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Entry methods a POS can ask for.
const (
	EntryDeviceRead              = "deviceRead"
	EntryManualEntry             = "manualEntry"
	EntryDeviceReadOrManualEntry = "deviceReadOrManualEntry"
)

// Link is a HATEOAS link with an absolute href.
type Link struct {
	Rel    string `json:"rel"`
	Method string `json:"method"`
	Href   string `json:"href"`
}
