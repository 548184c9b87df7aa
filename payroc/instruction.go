package payroc

import "github.com/ferrygateway/ferry"

// RefundInstruction is the body Payroc returns for a refund instruction:
// on submit, on every status poll.
type RefundInstruction struct {
	RefundInstructionID string       `json:"refundInstructionId"`
	Status              ferry.Status `json:"status"`
	ErrorMessage        string       `json:"errorMessage,omitempty"`
	Link                *ferry.Link  `json:"link,omitempty"`
}

// PaymentInstruction is the body Payroc returns for a payment instruction.
type PaymentInstruction struct {
	PaymentInstructionID string       `json:"paymentInstructionId"`
	Status               ferry.Status `json:"status"`
	ErrorMessage         string       `json:"errorMessage,omitempty"`
	Link                 *ferry.Link  `json:"link,omitempty"`
}

// SignatureInstruction is the body Payroc returns for a signature
// instruction.
type SignatureInstruction struct {
	SignatureInstructionID string       `json:"signatureInstructionId"`
	Status                 ferry.Status `json:"status"`
	ErrorMessage           string       `json:"errorMessage,omitempty"`
	Link                   *ferry.Link  `json:"link,omitempty"`
}
