package ferry

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// PaymentInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/payment-instructions.
type PaymentInstructionRequest struct {
	ProcessingTerminalID string                  `json:"processingTerminalId"`
	Operator             string                  `json:"operator,omitempty"`
	Order                PaymentInstructionOrder `json:"order"`
	Customer             *Customer               `json:"customer,omitempty"`
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
	OrderID             string     `json:"orderId"`
	Description         string     `json:"description,omitempty"`
	Amount              int64      `json:"amount"`
	Currency            Currency   `json:"currency"`
	AcceptPartialAmount *bool      `json:"acceptPartialAmount,omitempty"`
	Breakdown           *Breakdown `json:"breakdown,omitempty"`
}

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

// CredentialOnFile asks the gateway to save the card as a secure token.
type CredentialOnFile struct {
	ExternalVault *bool  `json:"externalVault,omitempty"`
	Tokenize      *bool  `json:"tokenize,omitempty"`
	SecureTokenID string `json:"secureTokenId,omitempty"`
	MITAgreement  string `json:"mitAgreement,omitempty"`
}

// Terminal returns the processing terminal.
func (r *PaymentInstructionRequest) Terminal() string { return r.ProcessingTerminalID }

// Money returns the order's amount as the POS asked for it.
func (r *PaymentInstructionRequest) Money() Money {
	return Money{Amount: r.Order.Amount, Currency: r.Order.Currency}
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

// Breakdown returns the order's breakdown, or nil.
func (r *PaymentInstructionRequest) Breakdown() *Breakdown { return r.Order.Breakdown }

var percentage = Number{ExclusiveMin: "0", Max: "100"}

var breakdownSchema = Object{
	{"subtotal", true, Integer{Hint: " of minor units"}},
	{"cashbackAmount", false, Integer{Hint: " of minor units"}},
	{"tip", false, Object{
		{"type", true, Str{Enum: []string{TipPercentage, TipFixedAmount}}},
		{"mode", false, Str{Enum: []string{TipPrompted, TipAdjusted}}},
		{"amount", false, Integer{Positive: true, Hint: " of minor units"}},
		{"percentage", false, percentage},
	}},
	{"surcharge", false, Object{
		{"bypass", false, Boolean{}},
		{"amount", false, nil},     // read-only
		{"percentage", false, nil}, // read-only
	}},
	{"dualPricing", false, Object{
		{"offered", true, Boolean{}},
		{"choiceRate", false, nil}, // read-only
		{"alternativeTender", false, Str{Enum: []string{"card", "cash", "bankTransfer"}}},
	}},
	{"healthcareExpenses", false, Array{Unique: true, Items: Object{
		{"type", true, Str{Enum: []string{"copay", "clinic", "dental", "prescription", "transit", "vision"}}},
		{"amount", true, Integer{Positive: true, Hint: " of minor units"}},
	}}},
	{"taxes", false, Array{Items: Object{
		{"type", true, Str{Enum: []string{"rate"}}},
		{"rate", true, Number{Min: "0", Max: "99.99999"}},
		{"name", true, Str{Min: 1, Max: 64, Text: true}},
	}}},
}

// paymentInstructionSchema mirrors paymentInstructionRequest in Payroc's
// OpenAPI file.
var paymentInstructionSchema = Object{
	{"processingTerminalId", true, Str{Min: MinProcessingTermID, Max: MaxProcessingTermID}},
	{"operator", false, Str{Max: 50, Text: true}},
	{"order", true, Object{
		{"orderId", true, Str{Min: 1, Max: 24}},
		{"dateTime", false, nil}, // read-only: the server sets it
		{"description", false, Str{Max: 1024, Text: true}},
		{"amount", true, Integer{Hint: " of minor units (4999 for 49.99 USD)"}},
		{"currency", true, Str{Enum: currencyCodes, Hint: "an ISO 4217 currency code in upper case, such as USD"}},
		{"acceptPartialAmount", false, Boolean{}},
		{"breakdown", false, breakdownSchema},
	}},
	{"customer", false, customerSchema},
	{"ipAddress", false, ipAddressSchema},
	{"credentialOnFile", false, Object{
		{"externalVault", false, Boolean{}},
		{"tokenize", false, Boolean{}},
		{"secureTokenId", false, Str{Max: 200, Text: true}},
		{"mitAgreement", false, Str{Enum: []string{"unscheduled", "recurring", "installment"}}},
	}},
	{"customizationOptions", false, customizationSchema},
	{"autoCapture", false, Boolean{}},
	{"processAsSale", false, Boolean{}},
}

// DecodePaymentInstructionRequest parses and validates the body of a
// payment-instruction submission, as DecodeRefundInstructionRequest does
// for refunds. A breakdown must add up to the order's amount (see
// Breakdown.Expected).
func DecodePaymentInstructionRequest(body []byte) (*PaymentInstructionRequest, error) {
	req := new(PaymentInstructionRequest)
	err := Validate(body, paymentInstructionSchema, req, func(v any, errs *[]FieldError) {
		sharedRules(v, errs, "a payment amount")
		if n, ok := Lookup(v, "order", "breakdown", "subtotal"); ok && n.(int64) < 0 {
			AddProblem(errs, "order.breakdown.subtotal", "negative", "order.breakdown.subtotal must not be negative")
		}
		if n, ok := Lookup(v, "order", "breakdown", "cashbackAmount"); ok && n.(int64) < 0 {
			AddProblem(errs, "order.breakdown.cashbackAmount", "negative", "order.breakdown.cashbackAmount must not be negative")
		}
		if tip, ok := Lookup(v, "order", "breakdown", "tip"); ok {
			tipRules(tip.(map[string]any), errs)
		}
		if offered, ok := Lookup(v, "order", "breakdown", "dualPricing", "offered"); ok && offered.(bool) {
			if _, ok := Lookup(v, "order", "breakdown", "dualPricing", "alternativeTender"); !ok {
				AddProblem(errs, "order.breakdown.dualPricing.alternativeTender", "required",
					"order.breakdown.dualPricing.alternativeTender is required when dual pricing is offered")
			}
		}
		if _, ok := Lookup(v, "customizationOptions", "closedLoopOptions"); ok {
			if _, ebt := Lookup(v, "customizationOptions", "ebtDetails"); ebt {
				AddProblem(errs, "customizationOptions.closedLoopOptions", "not allowed",
					"customizationOptions takes closedLoopOptions or ebtDetails, not both")
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if b := req.Order.Breakdown; b != nil {
		if err := b.check(req.Order.Amount); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// tipRules checks that a tip says how much or asks for a prompt, in a way
// that matches its type.
func tipRules(tip map[string]any, errs *[]FieldError) {
	const at = "order.breakdown.tip"
	_, hasAmount := tip["amount"]
	_, hasPct := tip["percentage"]
	switch {
	case tip["mode"] == TipPrompted && (hasAmount || hasPct):
		AddProblem(errs, at+".mode", "not allowed", "%s.mode prompted asks the cardholder for the tip: leave out amount and percentage", at)
	case tip["type"] == TipFixedAmount && hasPct:
		AddProblem(errs, at+".percentage", "not allowed", "%s.percentage does not go with type fixedAmount: send amount", at)
	case tip["type"] == TipPercentage && hasAmount:
		AddProblem(errs, at+".amount", "not allowed", "%s.amount does not go with type percentage: send percentage (Ferry works out the amount)", at)
	}
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

// check enforces the rules between a breakdown and the order's amount.
func (b *Breakdown) check(amount int64) error {
	var fields []FieldError
	var health int64
	for _, h := range b.HealthcareExpenses {
		health += h.Amount
	}
	if health > b.Subtotal {
		fields = append(fields, FieldError{Parameter: "order.breakdown.healthcareExpenses", Detail: "too large",
			Message: fmt.Sprintf("the healthcare expenses (%d) are part of the subtotal and cannot exceed it (%d)", health, b.Subtotal)})
	}
	if want := b.Expected(); want != amount {
		fields = append(fields, FieldError{Parameter: "order.amount", Detail: "does not add up",
			Message: fmt.Sprintf("order.amount is %d, but the breakdown adds up to %d (subtotal + cashbackAmount + tip + taxes)", amount, want)})
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
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

// NewPayment builds the payment for a payment instruction from the card
// read, what the cardholder chose, and the processor's answer.
func NewPayment(id string, in *Instruction, card PaymentCard, sale SaleRead, result TransactionResult, at time.Time) *Payment {
	req := in.Request.(*PaymentInstructionRequest)
	order := PaymentOrder{
		OrderID:     req.Order.OrderID,
		DateTime:    DateTime(at),
		Description: truncateRunes(req.Order.Description, 256),
		Amount:      sale.Total,
		Currency:    req.Order.Currency,
	}
	if b := req.Order.Breakdown; b != nil {
		order.Breakdown = b.settled(sale)
	}
	p := &Payment{
		PaymentID:            id,
		ProcessingTerminalID: req.ProcessingTerminalID,
		Operator:             req.Operator,
		Order:                order,
		Customer:             req.Customer,
		Card:                 card,
		TransactionResult:    result,
		MerchantID:           in.MerchantID,
		InstructionID:        in.ID,
	}
	p.SupportedOperations = supportedOperations(req, result)
	return p
}

// settled is the breakdown as the payment shows it: the prompted tip's
// amount and mode, each tax's amount, and the dual-pricing choice.
func (b *Breakdown) settled(sale SaleRead) *Breakdown {
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

// supportedOperations lists what a POS may do next with the payment.
func supportedOperations(req *PaymentInstructionRequest, result TransactionResult) []string {
	if result.ResponseCode != ResponseApproved && result.ResponseCode != ResponsePartial {
		return nil
	}
	switch {
	case result.Type == TransactionTypePreAuthorization:
		return []string{OpCapture, OpFullyReverse, OpIncrementAuthorization}
	case req.ProcessAsSale != nil && *req.ProcessAsSale:
		return []string{OpRefund}
	}
	return []string{OpFullyReverse, OpPartiallyReverse, OpAdjustTip, OpAddSignature}
}

// ValidPaymentID reports whether s has the form of a payment id (exactly
// 10 characters).
func ValidPaymentID(s string) bool { return ValidRefundID(s) }
