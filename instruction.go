package ferry

import (
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

// InstructionKind says what an instruction asks the device to do.
type InstructionKind string

// KindRefund is an unreferenced refund.
const KindRefund InstructionKind = "refund"

// Instruction is a request queued for one device, and its progress.
type Instruction struct {
	ID         string
	MerchantID string
	DeviceID   string
	Kind       InstructionKind
	Phase      Phase
	// Version grows by one with every change; updates compare and set it.
	Version int64
	// Request is the validated request, as the POS sent it.
	Request RefundInstructionRequest

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
	// RefundID is the refund's id once the instruction is completed.
	RefundID string
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
	Phase        Phase
	RefundID     string
	ErrorMessage string
}

// State returns in's state.
func (in *Instruction) State() *InstructionState {
	return &InstructionState{ID: in.ID, Phase: in.Phase, RefundID: in.RefundID, ErrorMessage: in.ErrorMessage}
}

// Amount returns the requested refund amount.
func (in *Instruction) Amount() Money {
	return Money{Amount: in.Request.Order.Amount, Currency: in.Request.Order.Currency}
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

// RefundInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/refund-instructions.
type RefundInstructionRequest struct {
	ProcessingTerminalID string                `json:"processingTerminalId"`
	Operator             string                `json:"operator,omitempty"`
	Order                InstructionOrder      `json:"order"`
	Customer             *Customer             `json:"customer,omitempty"`
	IPAddress            *IPAddress            `json:"ipAddress,omitempty"`
	CustomizationOptions *CustomizationOptions `json:"customizationOptions,omitempty"`
}

// EntryMethod returns how the device should capture the card: the
// requested entry method, or EntryDeviceRead, Payroc's default.
func (r *RefundInstructionRequest) EntryMethod() string {
	if r.CustomizationOptions != nil && r.CustomizationOptions.EntryMethod != "" {
		return r.CustomizationOptions.EntryMethod
	}
	return EntryDeviceRead
}

// InstructionOrder is the order of an instruction request. Its dateTime is
// read-only in Payroc's API: the server sets it, so a request never carries it.
type InstructionOrder struct {
	OrderID     string   `json:"orderId"`
	Description string   `json:"description"`
	Amount      int64    `json:"amount"`
	Currency    Currency `json:"currency"`
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

// IPAddress is the address of the device that sent the request; Type is
// "ipv4" or "ipv6". Payroc marks it write-only: it is never returned.
type IPAddress struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// CustomizationOptions adjusts how the device runs the instruction.
type CustomizationOptions struct {
	EntryMethod       string             `json:"entryMethod,omitempty"`
	EBTDetails        *EBTDetails        `json:"ebtDetails,omitempty"`
	ClosedLoopOptions *ClosedLoopOptions `json:"closedLoopOptions,omitempty"`
}

// Entry methods a POS can ask for.
const (
	EntryDeviceRead              = "deviceRead"
	EntryManualEntry             = "manualEntry"
	EntryDeviceReadOrManualEntry = "deviceReadOrManualEntry"
)

// EBTDetails describes an Electronic Benefit Transfer transaction.
type EBTDetails struct {
	BenefitCategory string `json:"benefitCategory"`
	Withdrawal      *bool  `json:"withdrawal,omitempty"`
}

// ClosedLoopOptions names the closed-loop card type the merchant accepts.
type ClosedLoopOptions struct {
	Type string `json:"type"`
}

// RefundInstruction is the body Payroc returns for a refund instruction:
// on submit, on every status poll.
type RefundInstruction struct {
	RefundInstructionID string `json:"refundInstructionId"`
	Status              Status `json:"status"`
	ErrorMessage        string `json:"errorMessage,omitempty"`
	Link                *Link  `json:"link,omitempty"`
}

// Link is a HATEOAS link with an absolute href.
type Link struct {
	Rel    string `json:"rel"`
	Method string `json:"method"`
	Href   string `json:"href"`
}
