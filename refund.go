package ferry

import (
	"time"
)

// Refund is a card refund and its result at the processor, in the shape of
// Payroc's retrievedRefund. A declined refund is still a refund: the
// decline is on TransactionResult.
type Refund struct {
	RefundID             string            `json:"refundId"`
	ProcessingTerminalID string            `json:"processingTerminalId"`
	Operator             string            `json:"operator,omitempty"`
	Order                RefundOrder       `json:"order"`
	Customer             *Customer         `json:"customer,omitempty"`
	Card                 Card              `json:"card"`
	TransactionResult    TransactionResult `json:"transactionResult"`

	// MerchantID and InstructionID are Ferry's own and never sent.
	MerchantID    string `json:"-"`
	InstructionID string `json:"-"`
}

// RefundOrder is the order of a refund.
type RefundOrder struct {
	OrderID     string   `json:"orderId"`
	DateTime    DateTime `json:"dateTime"`
	Description string   `json:"description"`
	Amount      int64    `json:"amount"`
	Currency    Currency `json:"currency"`
}

// Card is a card as Ferry keeps it: brand, masked number, expiry. The full
// number is never stored.
type Card struct {
	Type           string `json:"type"`
	EntryMethod    string `json:"entryMethod,omitempty"`
	CardholderName string `json:"cardholderName,omitempty"`
	CardNumber     string `json:"cardNumber"` // masked: first 6 and last 4 digits
	ExpiryDate     string `json:"expiryDate"` // MMYY
}

// TransactionResult is the processor's answer.
type TransactionResult struct {
	Type             string   `json:"type"`
	Status           string   `json:"status"`
	ApprovalCode     string   `json:"approvalCode,omitempty"`
	AuthorizedAmount *int64   `json:"authorizedAmount,omitempty"`
	Currency         Currency `json:"currency"`
	ResponseCode     string   `json:"responseCode"`
	ResponseMessage  string   `json:"responseMessage,omitempty"`
	EBTType          string   `json:"ebtType,omitempty"`
	// Balance is an EBT account's balance after the transaction, as the
	// processor reports it; a payment shows it on its card.
	Balance               *int64 `json:"-"`
	ProcessorResponseCode string `json:"processorResponseCode,omitempty"`
}

// Transaction types, statuses and response codes used by refunds.
const (
	TransactionTypeRefund = "refund"

	TransactionStatusReady    = "ready"
	TransactionStatusDeclined = "declined"
	TransactionStatusPickup   = "pickup"

	ResponseApproved       = "A"
	ResponseDeclined       = "D"
	ResponseIssuerDeclined = "R" // the customer should call the bank
	ResponsePickup         = "C" // keep the card
)

// Approved reports whether the processor approved the transaction.
func (t *TransactionResult) Approved() bool { return t.ResponseCode == ResponseApproved }

// DateTime is a time that Payroc's API writes in UTC to the second, as in
// "2024-07-02T15:30:00Z".
type DateTime time.Time

// MarshalJSON writes d as RFC 3339 in UTC, to the second.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(d).UTC().Format(time.RFC3339) + `"`), nil
}

// UnmarshalJSON reads any RFC 3339 time.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	var t time.Time
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*d = DateTime(t)
	return nil
}
