// Package payroc is the wire format of Payroc's API as Ferry serves it: the
// request bodies a POS sends (refund, payment and signature instructions),
// their validation against Payroc's OpenAPI file, and the instruction
// bodies Ferry answers with. Ferry's domain (package ferry) keeps the
// orders, customers, payments and refunds they describe.
package payroc

import (
	"encoding/json"
	"fmt"

	"github.com/ferrygateway/ferry"
)

// RefundInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/refund-instructions.
type RefundInstructionRequest struct {
	ProcessingTerminalID string                `json:"processingTerminalId"`
	Operator             string                `json:"operator,omitempty"`
	Order                InstructionOrder      `json:"order"`
	Customer             *ferry.Customer       `json:"customer,omitempty"`
	IPAddress            *IPAddress            `json:"ipAddress,omitempty"`
	CustomizationOptions *CustomizationOptions `json:"customizationOptions,omitempty"`
}

// Terminal returns the processing terminal.
func (r *RefundInstructionRequest) Terminal() string { return r.ProcessingTerminalID }

// ferry.Money returns the refund's amount.
func (r *RefundInstructionRequest) Money() ferry.Money {
	return ferry.Money{Amount: r.Order.Amount, Currency: r.Order.Currency}
}

// Reference returns the order id.
func (r *RefundInstructionRequest) Reference() string { return r.Order.OrderID }

// EntryMethod returns how the device should capture the card: the
// requested entry method, or ferry.EntryDeviceRead, Payroc's default.
func (r *RefundInstructionRequest) EntryMethod() string { return r.CustomizationOptions.entryMethod() }

func (c *CustomizationOptions) entryMethod() string {
	if c != nil && c.EntryMethod != "" {
		return c.EntryMethod
	}
	return ferry.EntryDeviceRead
}

// InstructionOrder is the order of an instruction request. Its dateTime is
// read-only in Payroc's API: the server sets it, so a request never carries it.
type InstructionOrder struct {
	OrderID     string         `json:"orderId"`
	Description string         `json:"description"`
	Amount      int64          `json:"amount"`
	Currency    ferry.Currency `json:"currency"`
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

// EBTDetails describes an Electronic Benefit Transfer transaction.
type EBTDetails struct {
	BenefitCategory string `json:"benefitCategory"`
	Withdrawal      *bool  `json:"withdrawal,omitempty"`
}

// ClosedLoopOptions names the closed-loop card type the merchant accepts.
type ClosedLoopOptions struct {
	Type string `json:"type"`
}

// SignatureInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/signature-instructions.
type SignatureInstructionRequest struct {
	ProcessingTerminalID string `json:"processingTerminalId"`
}

// Terminal returns the processing terminal.
func (r *SignatureInstructionRequest) Terminal() string { return r.ProcessingTerminalID }

// ferry.Money is zero: a signature has no amount.
func (r *SignatureInstructionRequest) Money() ferry.Money { return ferry.Money{} }

// Reference is empty: a signature has no order.
func (r *SignatureInstructionRequest) Reference() string { return "" }

// PaymentInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/payment-instructions.
type PaymentInstructionRequest struct {
	ProcessingTerminalID string                  `json:"processingTerminalId"`
	Operator             string                  `json:"operator,omitempty"`
	Order                PaymentInstructionOrder `json:"order"`
	Customer             *ferry.Customer         `json:"customer,omitempty"`
	IPAddress            *IPAddress              `json:"ipAddress,omitempty"`
	CredentialOnFile     *CredentialOnFile       `json:"credentialOnFile,omitempty"`
	CustomizationOptions *CustomizationOptions   `json:"customizationOptions,omitempty"`
	// AutoCapture false asks for a pre-authorization; default true.
	AutoCapture *bool `json:"autoCapture,omitempty"`
	// ProcessAsSale settles at once; it overrides AutoCapture.
	ProcessAsSale *bool `json:"processAsSale,omitempty"`
}

// PaymentInstructionOrder is the order of a payment instruction.
type PaymentInstructionOrder struct {
	OrderID             string           `json:"orderId"`
	Description         string           `json:"description,omitempty"`
	Amount              int64            `json:"amount"`
	Currency            ferry.Currency   `json:"currency"`
	AcceptPartialAmount *bool            `json:"acceptPartialAmount,omitempty"`
	Breakdown           *ferry.Breakdown `json:"breakdown,omitempty"`
}

// CredentialOnFile asks the gateway to save the card as a secure token.
type CredentialOnFile struct {
	ExternalVault *bool  `json:"externalVault,omitempty"`
	Tokenize      *bool  `json:"tokenize,omitempty"`
	SecureTokenID string `json:"secureTokenId,omitempty"`
	MITAgreement  string `json:"mitAgreement,omitempty"`
}

// Terminal returns the processing terminal.
func (r *PaymentInstructionRequest) Terminal() string { return r.ProcessingTerminalID }

// ferry.Money returns the order's amount as the POS asked for it.
func (r *PaymentInstructionRequest) Money() ferry.Money {
	return ferry.Money{Amount: r.Order.Amount, Currency: r.Order.Currency}
}

// Reference returns the order id.
func (r *PaymentInstructionRequest) Reference() string { return r.Order.OrderID }

// EntryMethod returns how the device should capture the card.
func (r *PaymentInstructionRequest) EntryMethod() string { return r.CustomizationOptions.entryMethod() }

// PreAuthorization reports whether the payment is a pre-authorization:
// autoCapture false, unless processAsSale overrides it.
func (r *PaymentInstructionRequest) PreAuthorization() bool {
	return r.AutoCapture != nil && !*r.AutoCapture && (r.ProcessAsSale == nil || !*r.ProcessAsSale)
}

// AcceptsPartial reports whether the POS accepts a partial approval.
func (r *PaymentInstructionRequest) AcceptsPartial() bool {
	return r.Order.AcceptPartialAmount != nil && *r.Order.AcceptPartialAmount
}

// Tokenize reports whether the card is to be saved as a secure token.
func (r *PaymentInstructionRequest) Tokenize() bool {
	return r.CredentialOnFile != nil && r.CredentialOnFile.Tokenize != nil && *r.CredentialOnFile.Tokenize
}

// ClosedLoop returns the closed-loop card type to read ("mifare"), or "".
func (r *PaymentInstructionRequest) ClosedLoop() string {
	if c := r.CustomizationOptions; c != nil && c.ClosedLoopOptions != nil {
		return c.ClosedLoopOptions.Type
	}
	return ""
}

// ferry.Breakdown returns the order's breakdown, or nil.
func (r *PaymentInstructionRequest) Breakdown() *ferry.Breakdown { return r.Order.Breakdown }

// UnmarshalRequest decodes a stored request of kind k.
func UnmarshalRequest(k ferry.InstructionKind, data []byte) (ferry.InstructionRequest, error) {
	var req ferry.InstructionRequest
	switch k {
	case ferry.KindRefund:
		req = new(RefundInstructionRequest)
	case ferry.KindPayment:
		req = new(PaymentInstructionRequest)
	case ferry.KindSignature:
		req = new(SignatureInstructionRequest)
	default:
		return nil, fmt.Errorf("unknown instruction kind %q", k)
	}
	if err := json.Unmarshal(data, req); err != nil {
		return nil, err
	}
	return req, nil
}
