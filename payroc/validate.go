package payroc

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/ferrygateway/ferry"
)

var currencyCodes = func() []string {
	var out []string
	for _, c := range ferry.Currencies() {
		out = append(out, string(c))
	}
	slices.Sort(out)
	return out
}()

var addressSchema = ferry.Object{
	required("address1", ferry.Str{Max: 150, Text: true}),
	optional("address2", ferry.Str{Max: 150, Text: true}),
	optional("address3", ferry.Str{Max: 150, Text: true}),
	required("city", ferry.Str{Max: 50, Text: true}),
	required("state", ferry.Str{Max: 50, Text: true}),
	required("country", ferry.Str{Min: 2, Max: 2}),
	required("postalCode", ferry.Str{Max: 10, Text: true}),
}

func contactMethod(kind string, max int) ferry.Object {
	return ferry.Object{
		required("type", ferry.Str{Enum: []string{kind}}),
		required("value", ferry.Str{Max: max, Text: true}),
	}
}

var customerSchema = ferry.Object{
	optional("firstName", ferry.Str{Max: 60, Text: true}),
	optional("lastName", ferry.Str{Max: 60, Text: true}),
	optional("dateOfBirth", ferry.Str{}),
	optional("referenceNumber", ferry.Str{Max: 48}),
	optional("billingAddress", addressSchema),
	optional("shippingAddress", ferry.Object{
		optional("recipientName", ferry.Str{Max: 50, Text: true}),
		optional("address", addressSchema),
	}),
	optional("contactMethods", ferry.Array{Unique: true, Items: ferry.Tagged{
		"email":  contactMethod("email", 50),
		"phone":  contactMethod("phone", 15),
		"mobile": contactMethod("mobile", 15),
		"fax":    contactMethod("fax", 15),
	}}),
	optional("notificationLanguage", ferry.Str{Min: 2, Max: 2, Enum: []string{"en", "fr"}}),
}

var ipAddressSchema = ferry.Object{
	required("type", ferry.Str{Enum: []string{"ipv4", "ipv6"}}),
	required("value", ferry.Str{}),
}

var customizationSchema = ferry.Object{
	optional("entryMethod", ferry.Str{Enum: []string{ferry.EntryDeviceRead, ferry.EntryManualEntry, ferry.EntryDeviceReadOrManualEntry}}),
	optional("ebtDetails", ferry.Object{
		required("benefitCategory", ferry.Str{Enum: []string{"cash", "foodStamp"}}),
		optional("withdrawal", ferry.Boolean{}),
	}),
	optional("closedLoopOptions", ferry.Tagged{"mifare": ferry.Object{required("type", ferry.Str{Enum: []string{"mifare"}})}}),
}

// refundInstructionSchema mirrors refundInstructionRequest in Payroc's
// OpenAPI file.
var refundInstructionSchema = ferry.Object{
	required("processingTerminalId", ferry.Str{Min: ferry.MinProcessingTermID, Max: ferry.MaxProcessingTermID}),
	optional("operator", ferry.Str{Max: 50, Text: true}),
	required("order", ferry.Object{
		required("orderId", ferry.Str{Min: 1, Max: 24}),
		optional("dateTime", nil), // read-only: the server sets it
		required("description", ferry.Str{Max: 1024, Text: true}),
		required("amount", ferry.Integer{Hint: " of minor units (4999 for 49.99 USD)"}),
		required("currency", ferry.Str{Enum: currencyCodes, Hint: "an ISO 4217 currency code in upper case, such as USD"}),
	}),
	optional("customer", customerSchema),
	optional("ipAddress", ipAddressSchema),
	optional("customizationOptions", customizationSchema),
}

// DecodeRefundInstructionRequest parses and validates the body of a
// refund-instruction submission. Unknown members are ignored, and so is the
// read-only order.dateTime. On any problem it returns an *Error with code
// CodeInvalid that lists every problem by JSON path.
func DecodeRefundInstructionRequest(body []byte) (*RefundInstructionRequest, error) {
	req := new(RefundInstructionRequest)
	if err := ferry.Validate(body, refundInstructionSchema, req, refundInstructionRules); err != nil {
		return nil, err
	}
	return req, nil
}

// refundInstructionRules are the checks the OpenAPI file cannot express.
func refundInstructionRules(v any, errs *[]ferry.FieldError) { sharedRules(v, errs, "a refund amount") }

// sharedRules are the checks the OpenAPI file cannot express that payment
// and refund instructions share; what names the amount in messages.
func sharedRules(v any, errs *[]ferry.FieldError, what string) {
	if n, ok := ferry.Lookup(v, "order", "amount"); ok && n.(int64) <= 0 {
		ferry.AddProblem(errs, "order.amount", "not positive", "order.amount must be greater than 0 (%s in minor units)", what)
	}
	if s, ok := ferry.Lookup(v, "customer", "dateOfBirth"); ok {
		if _, err := time.Parse(time.DateOnly, s.(string)); err != nil {
			ferry.AddProblem(errs, "customer.dateOfBirth", "invalid date", "customer.dateOfBirth must be a date in the form YYYY-MM-DD")
		}
	}
	kind, hasKind := ferry.Lookup(v, "ipAddress", "type")
	if s, ok := ferry.Lookup(v, "ipAddress", "value"); ok && hasKind {
		addr, err := netip.ParseAddr(s.(string))
		switch {
		case err != nil:
			ferry.AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IP address")
		case kind == "ipv4" && !addr.Is4():
			ferry.AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv4 address when ipAddress.type is ipv4")
		case kind == "ipv6" && !addr.Is6():
			ferry.AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv6 address when ipAddress.type is ipv6")
		}
	}
	if w, ok := ferry.Lookup(v, "customizationOptions", "ebtDetails", "withdrawal"); ok && w.(bool) {
		if c, _ := ferry.Lookup(v, "customizationOptions", "ebtDetails", "benefitCategory"); c == "foodStamp" {
			ferry.AddProblem(errs, "customizationOptions.ebtDetails.withdrawal", "not allowed", "cash withdrawals are available only from EBT Cash accounts (benefitCategory cash)")
		}
	}
}

var signatureInstructionSchema = ferry.Object{
	required("processingTerminalId", ferry.Str{Min: ferry.MinProcessingTermID, Max: ferry.MaxProcessingTermID}),
}

// DecodeSignatureInstructionRequest parses and validates the body of a
// signature-instruction submission.
func DecodeSignatureInstructionRequest(body []byte) (*SignatureInstructionRequest, error) {
	req := new(SignatureInstructionRequest)
	if err := ferry.Validate(body, signatureInstructionSchema, req, nil); err != nil {
		return nil, err
	}
	return req, nil
}

var percentage = ferry.Number{ExclusiveMin: "0", Max: "100"}

var breakdownSchema = ferry.Object{
	required("subtotal", ferry.Integer{Hint: " of minor units"}),
	optional("cashbackAmount", ferry.Integer{Hint: " of minor units"}),
	optional("tip", ferry.Object{
		required("type", ferry.Str{Enum: []string{ferry.TipPercentage, ferry.TipFixedAmount}}),
		optional("mode", ferry.Str{Enum: []string{ferry.TipPrompted, ferry.TipAdjusted}}),
		optional("amount", ferry.Integer{Positive: true, Hint: " of minor units"}),
		optional("percentage", percentage),
	}),
	optional("surcharge", ferry.Object{
		optional("bypass", ferry.Boolean{}),
		optional("amount", nil),     // read-only
		optional("percentage", nil), // read-only
	}),
	optional("dualPricing", ferry.Object{
		required("offered", ferry.Boolean{}),
		optional("choiceRate", nil), // read-only
		optional("alternativeTender", ferry.Str{Enum: []string{"card", "cash", "bankTransfer"}}),
	}),
	optional("healthcareExpenses", ferry.Array{Unique: true, Items: ferry.Object{
		required("type", ferry.Str{Enum: []string{"copay", "clinic", "dental", "prescription", "transit", "vision"}}),
		required("amount", ferry.Integer{Positive: true, Hint: " of minor units"}),
	}}),
	optional("taxes", ferry.Array{Items: ferry.Object{
		required("type", ferry.Str{Enum: []string{"rate"}}),
		required("rate", ferry.Number{Min: "0", Max: "99.99999"}),
		required("name", ferry.Str{Min: 1, Max: 64, Text: true}),
	}}),
}

// paymentInstructionSchema mirrors paymentInstructionRequest in Payroc's
// OpenAPI file.
var paymentInstructionSchema = ferry.Object{
	required("processingTerminalId", ferry.Str{Min: ferry.MinProcessingTermID, Max: ferry.MaxProcessingTermID}),
	optional("operator", ferry.Str{Max: 50, Text: true}),
	required("order", ferry.Object{
		required("orderId", ferry.Str{Min: 1, Max: 24}),
		optional("dateTime", nil), // read-only: the server sets it
		optional("description", ferry.Str{Max: 1024, Text: true}),
		required("amount", ferry.Integer{Hint: " of minor units (4999 for 49.99 USD)"}),
		required("currency", ferry.Str{Enum: currencyCodes, Hint: "an ISO 4217 currency code in upper case, such as USD"}),
		optional("acceptPartialAmount", ferry.Boolean{}),
		optional("breakdown", breakdownSchema),
	}),
	optional("customer", customerSchema),
	optional("ipAddress", ipAddressSchema),
	optional("credentialOnFile", ferry.Object{
		optional("externalVault", ferry.Boolean{}),
		optional("tokenize", ferry.Boolean{}),
		optional("secureTokenId", ferry.Str{Max: 200, Text: true}),
		optional("mitAgreement", ferry.Str{Enum: []string{"unscheduled", "recurring", "installment"}}),
	}),
	optional("customizationOptions", customizationSchema),
	optional("autoCapture", ferry.Boolean{}),
	optional("processAsSale", ferry.Boolean{}),
}

// DecodePaymentInstructionRequest parses and validates the body of a
// payment-instruction submission, as DecodeRefundInstructionRequest does
// for refunds. A breakdown must add up to the order's amount (see
// ferry.Breakdown.Expected).
func DecodePaymentInstructionRequest(body []byte) (*PaymentInstructionRequest, error) {
	req := new(PaymentInstructionRequest)
	err := ferry.Validate(body, paymentInstructionSchema, req, func(v any, errs *[]ferry.FieldError) {
		sharedRules(v, errs, "a payment amount")
		if n, ok := ferry.Lookup(v, "order", "breakdown", "subtotal"); ok && n.(int64) < 0 {
			ferry.AddProblem(errs, "order.breakdown.subtotal", "negative", "order.breakdown.subtotal must not be negative")
		}
		if n, ok := ferry.Lookup(v, "order", "breakdown", "cashbackAmount"); ok && n.(int64) < 0 {
			ferry.AddProblem(errs, "order.breakdown.cashbackAmount", "negative", "order.breakdown.cashbackAmount must not be negative")
		}
		if tip, ok := ferry.Lookup(v, "order", "breakdown", "tip"); ok {
			tipRules(tip.(map[string]any), errs)
		}
		if offered, ok := ferry.Lookup(v, "order", "breakdown", "dualPricing", "offered"); ok && offered.(bool) {
			if _, ok := ferry.Lookup(v, "order", "breakdown", "dualPricing", "alternativeTender"); !ok {
				ferry.AddProblem(errs, "order.breakdown.dualPricing.alternativeTender", "required",
					"order.breakdown.dualPricing.alternativeTender is required when dual pricing is offered")
			}
		}
		if _, ok := ferry.Lookup(v, "customizationOptions", "closedLoopOptions"); ok {
			if _, ebt := ferry.Lookup(v, "customizationOptions", "ebtDetails"); ebt {
				ferry.AddProblem(errs, "customizationOptions.closedLoopOptions", "not allowed",
					"customizationOptions takes closedLoopOptions or ebtDetails, not both")
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if b := req.Order.Breakdown; b != nil {
		if err := checkBreakdown(b, req.Order.Amount); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// tipRules checks that a tip says how much or asks for a prompt, in a way
// that matches its type.
func tipRules(tip map[string]any, errs *[]ferry.FieldError) {
	const at = "order.breakdown.tip"
	_, hasAmount := tip["amount"]
	_, hasPct := tip["percentage"]
	switch {
	case tip["mode"] == ferry.TipPrompted && (hasAmount || hasPct):
		ferry.AddProblem(errs, at+".mode", "not allowed", "%s.mode prompted asks the cardholder for the tip: leave out amount and percentage", at)
	case tip["type"] == ferry.TipFixedAmount && hasPct:
		ferry.AddProblem(errs, at+".percentage", "not allowed", "%s.percentage does not go with type fixedAmount: send amount", at)
	case tip["type"] == ferry.TipPercentage && hasAmount:
		ferry.AddProblem(errs, at+".amount", "not allowed", "%s.amount does not go with type percentage: send percentage (Ferry works out the amount)", at)
	}
}

// checkBreakdown enforces the rules between a breakdown and the order's
// amount.
func checkBreakdown(b *ferry.Breakdown, amount int64) error {
	var fields []ferry.FieldError
	var health int64
	for _, h := range b.HealthcareExpenses {
		health += h.Amount
	}
	if health > b.Subtotal {
		fields = append(fields, ferry.FieldError{Parameter: "order.breakdown.healthcareExpenses", Detail: "too large",
			Message: fmt.Sprintf("the healthcare expenses (%d) are part of the subtotal and cannot exceed it (%d)", health, b.Subtotal)})
	}
	if want := b.Expected(); want != amount {
		fields = append(fields, ferry.FieldError{Parameter: "order.amount", Detail: "does not add up",
			Message: fmt.Sprintf("order.amount is %d, but the breakdown adds up to %d (subtotal + cashbackAmount + tip + taxes)", amount, want)})
	}
	if len(fields) > 0 {
		return ferry.Invalid(fields...)
	}
	return nil
}

// required and optional declare a member of an object schema; a nil schema
// accepts the member and drops it (a read-only field).
func required(name string, s ferry.Schema) ferry.Prop {
	return ferry.Prop{Name: name, Required: true, Schema: s}
}

func optional(name string, s ferry.Schema) ferry.Prop { return ferry.Prop{Name: name, Schema: s} }
