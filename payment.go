package ferry

import (
	"encoding/json"
	"math/big"
)

// Breakdown splits an order's amount into its parts. The same type is the
// request's breakdown and the payment's, where the read-only members
// (a tip's mode, a tax's amount, the dual-pricing choice rate) are set.
type Breakdown struct {
	Subtotal           int64               `json:"subtotal"`
	CashbackAmount     *int64              `json:"cashbackAmount,omitempty"`
	Tip                *Tip                `json:"tip,omitempty"`
	Surcharge          *Surcharge          `json:"surcharge,omitempty"`
	DualPricing        *DualPricing        `json:"dualPricing,omitempty"`
	HealthcareExpenses []HealthcareExpense `json:"healthcareExpenses,omitempty"`
	Taxes              []Tax               `json:"taxes,omitempty"`
}

// Tip types and modes.
const (
	TipPercentage  = "percentage"
	TipFixedAmount = "fixedAmount"
	TipPrompted    = "prompted"
	TipAdjusted    = "adjusted"
)

// Tip is the tip of an order. A tip with neither Amount nor Percentage asks
// the device to prompt the cardholder for one.
type Tip struct {
	Type       string       `json:"type"`
	Mode       string       `json:"mode,omitempty"`
	Amount     *int64       `json:"amount,omitempty"`
	Percentage *json.Number `json:"percentage,omitempty"`
}

// Prompted reports whether the device must ask the cardholder for the tip.
func (t *Tip) Prompted() bool { return t != nil && t.Amount == nil && t.Percentage == nil }

// Surcharge is the surcharge of an order; Amount and Percentage are set by
// the gateway.
type Surcharge struct {
	Bypass     *bool        `json:"bypass,omitempty"`
	Amount     *int64       `json:"amount,omitempty"`
	Percentage *json.Number `json:"percentage,omitempty"`
}

// DualPricing offers the cardholder a card price and a price for another
// tender. ChoiceRate is set by the gateway when Offered.
type DualPricing struct {
	Offered           bool        `json:"offered"`
	ChoiceRate        *ChoiceRate `json:"choiceRate,omitempty"`
	AlternativeTender string      `json:"alternativeTender,omitempty"`
}

// ChoiceRate is what the card price adds to the order under dual pricing.
type ChoiceRate struct {
	Applied bool        `json:"applied"`
	Rate    json.Number `json:"rate"`
	Amount  int64       `json:"amount"`
}

// HealthcareExpense is a part of the subtotal spent on healthcare.
type HealthcareExpense struct {
	Type   string `json:"type"`
	Amount int64  `json:"amount"`
}

// Tax is a tax rate on the subtotal; Amount is set by the gateway.
type Tax struct {
	Type   string      `json:"type,omitempty"`
	Name   string      `json:"name"`
	Rate   json.Number `json:"rate"`
	Amount *int64      `json:"amount,omitempty"`
}

// Expected returns what the breakdown adds up to: the subtotal, the
// cashback, the POS's tip (a percentage of the subtotal, rounded half up;
// nothing for a tip still to be prompted) and each tax (its rate of the
// subtotal, rounded half up).
func (b *Breakdown) Expected() int64 {
	total := b.Subtotal
	if b.CashbackAmount != nil {
		total += *b.CashbackAmount
	}
	total += b.TipAmount()
	for _, t := range b.Taxes {
		total += PercentOf(b.Subtotal, t.Rate)
	}
	return total
}

// TipAmount returns the tip the POS set: its amount, or its percentage of
// the subtotal rounded half up; 0 for no tip or a tip to prompt for.
func (b *Breakdown) TipAmount() int64 {
	switch t := b.Tip; {
	case t == nil:
		return 0
	case t.Amount != nil:
		return *t.Amount
	case t.Percentage != nil:
		return PercentOf(b.Subtotal, *t.Percentage)
	}
	return 0
}

// PercentOf returns pct percent of amount, rounded half up (away from
// zero), computed exactly.
func PercentOf(amount int64, pct json.Number) int64 {
	p, ok := new(big.Rat).SetString(string(pct))
	if !ok {
		return 0
	}
	r := new(big.Rat).Mul(new(big.Rat).SetInt64(amount), p)
	r.Quo(r, big.NewRat(100, 1))
	// Round half away from zero: floor(|r| + 1/2) with r's sign.
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// Payment is a card payment and its result at the processor, in the shape
// of Payroc's retrievedPayment.
type Payment struct {
	PaymentID            string            `json:"paymentId"`
	ProcessingTerminalID string            `json:"processingTerminalId"`
	Operator             string            `json:"operator,omitempty"`
	Order                PaymentOrder      `json:"order"`
	Customer             *Customer         `json:"customer,omitempty"`
	Card                 PaymentCard       `json:"card"`
	Refunds              []RefundSummary   `json:"refunds,omitempty"`
	SupportedOperations  []string          `json:"supportedOperations,omitempty"`
	TransactionResult    TransactionResult `json:"transactionResult"`
	CustomFields         []CustomField     `json:"customFields,omitempty"`

	// MerchantID and InstructionID are Ferry's own and never sent.
	MerchantID    string `json:"-"`
	InstructionID string `json:"-"`
}

// PaymentOrder is the order of a payment.
type PaymentOrder struct {
	OrderID     string     `json:"orderId"`
	DateTime    DateTime   `json:"dateTime"`
	Description string     `json:"description,omitempty"`
	Amount      int64      `json:"amount"`
	Currency    Currency   `json:"currency"`
	Breakdown   *Breakdown `json:"breakdown,omitempty"`
}

// PaymentCard is the card of a payment: a masked card, with a secure token
// when the POS asked to tokenize it, and EBT balances.
type PaymentCard struct {
	Card
	SecureToken *SecureToken  `json:"secureToken,omitempty"`
	Balances    []CardBalance `json:"balances,omitempty"`
}

// SecureToken is a saved card.
type SecureToken struct {
	SecureTokenID string `json:"secureTokenId"`
	CustomerName  string `json:"customerName"`
	Token         string `json:"token"`
	Status        string `json:"status"`
}

// CardBalance is the balance of an EBT account after the payment.
type CardBalance struct {
	BenefitCategory string   `json:"benefitCategory"`
	Amount          int64    `json:"amount"`
	Currency        Currency `json:"currency"`
}

// RefundSummary is a refund of a payment, as the payment lists it.
type RefundSummary struct {
	RefundID        string   `json:"refundId"`
	DateTime        DateTime `json:"dateTime"`
	Currency        Currency `json:"currency"`
	Amount          int64    `json:"amount"`
	Status          string   `json:"status"`
	ResponseCode    string   `json:"responseCode"`
	ResponseMessage string   `json:"responseMessage"`
	Link            *Link    `json:"link,omitempty"`
}

// CustomField is a name and value the merchant attached to a payment.
type CustomField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Transaction types and statuses of payments.
const (
	TransactionTypeSale             = "sale"
	TransactionTypePreAuthorization = "preAuthorization"
	TransactionStatusPending        = "pending"
	ResponsePartial                 = "P"
)

// Operations a POS can perform on a payment, as supportedOperations names
// them.
const (
	OpCapture                = "capture"
	OpRefund                 = "refund"
	OpFullyReverse           = "fullyReverse"
	OpPartiallyReverse       = "partiallyReverse"
	OpIncrementAuthorization = "incrementAuthorization"
	OpAdjustTip              = "adjustTip"
	OpAddSignature           = "addSignature"
)

// Settled is the breakdown as the payment shows it: the prompted tip's
// amount and mode, each tax's amount, and the dual-pricing choice.
func (b *Breakdown) Settled(sale SaleRead) *Breakdown {
	out := *b
	if t := b.Tip; t != nil {
		tip := *t
		tip.Mode = ""
		switch {
		case t.Prompted() && sale.Tip > 0:
			tip.Mode = TipPrompted
			tip.Amount = &sale.Tip
		case t.Prompted():
			tip.Mode = TipPrompted // the cardholder chose no tip
		case t.Percentage != nil:
			amount := b.TipAmount()
			if amount > 0 {
				tip.Amount = &amount
			}
		}
		out.Tip = &tip
	}
	if b.Surcharge != nil {
		out.Surcharge = &Surcharge{Bypass: b.Surcharge.Bypass}
	}
	if d := b.DualPricing; d != nil {
		dp := DualPricing{Offered: d.Offered, AlternativeTender: d.AlternativeTender}
		if d.Offered && sale.ChoiceRate > 0 {
			dp.ChoiceRate = &ChoiceRate{Applied: true, Rate: SandboxDualPricingRate, Amount: sale.ChoiceRate}
		}
		out.DualPricing = &dp
	}
	out.Taxes = nil
	for _, t := range b.Taxes {
		tax := Tax{Name: t.Name, Rate: t.Rate}
		if a := PercentOf(b.Subtotal, t.Rate); a > 0 {
			tax.Amount = &a
		}
		out.Taxes = append(out.Taxes, tax)
	}
	return &out
}

// ValidPaymentID reports whether s has the form of a payment id (exactly
// 10 characters).
func ValidPaymentID(s string) bool { return ValidRefundID(s) }
