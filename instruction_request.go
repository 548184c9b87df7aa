package ferry

import (
	"net/netip"
	"slices"
	"time"
	"unicode/utf8"
)

// Limits from Payroc's OpenAPI file.
const (
	MaxSerialNumber     = 64 // serialNumber path parameter
	MaxInstructionID    = 36 // refundInstructionId
	RefundIDLength      = 10 // refundId
	MinProcessingTermID = 4
	MaxProcessingTermID = 50
)

var currencyCodes = func() []string {
	out := make([]string, 0, len(currencyExponents))
	for c := range currencyExponents {
		out = append(out, string(c))
	}
	slices.Sort(out)
	return out
}()

var addressSchema = Object{
	{"address1", true, Str{Max: 150, Text: true}},
	{"address2", false, Str{Max: 150, Text: true}},
	{"address3", false, Str{Max: 150, Text: true}},
	{"city", true, Str{Max: 50, Text: true}},
	{"state", true, Str{Max: 50, Text: true}},
	{"country", true, Str{Min: 2, Max: 2}},
	{"postalCode", true, Str{Max: 10, Text: true}},
}

func contactMethod(kind string, max int) Object {
	return Object{
		{"type", true, Str{Enum: []string{kind}}},
		{"value", true, Str{Max: max, Text: true}},
	}
}

var customerSchema = Object{
	{"firstName", false, Str{Max: 60, Text: true}},
	{"lastName", false, Str{Max: 60, Text: true}},
	{"dateOfBirth", false, Str{}},
	{"referenceNumber", false, Str{Max: 48}},
	{"billingAddress", false, addressSchema},
	{"shippingAddress", false, Object{
		{"recipientName", false, Str{Max: 50, Text: true}},
		{"address", false, addressSchema},
	}},
	{"contactMethods", false, Array{Unique: true, Items: Tagged{
		"email":  contactMethod("email", 50),
		"phone":  contactMethod("phone", 15),
		"mobile": contactMethod("mobile", 15),
		"fax":    contactMethod("fax", 15),
	}}},
	{"notificationLanguage", false, Str{Min: 2, Max: 2, Enum: []string{"en", "fr"}}},
}

var ipAddressSchema = Object{
	{"type", true, Str{Enum: []string{"ipv4", "ipv6"}}},
	{"value", true, Str{}},
}

var customizationSchema = Object{
	{"entryMethod", false, Str{Enum: []string{EntryDeviceRead, EntryManualEntry, EntryDeviceReadOrManualEntry}}},
	{"ebtDetails", false, Object{
		{"benefitCategory", true, Str{Enum: []string{"cash", "foodStamp"}}},
		{"withdrawal", false, Boolean{}},
	}},
	{"closedLoopOptions", false, Tagged{"mifare": Object{{"type", true, Str{Enum: []string{"mifare"}}}}}},
}

// refundInstructionSchema mirrors refundInstructionRequest in Payroc's
// OpenAPI file.
var refundInstructionSchema = Object{
	{"processingTerminalId", true, Str{Min: MinProcessingTermID, Max: MaxProcessingTermID}},
	{"operator", false, Str{Max: 50, Text: true}},
	{"order", true, Object{
		{"orderId", true, Str{Min: 1, Max: 24}},
		{"dateTime", false, nil}, // read-only: the server sets it
		{"description", true, Str{Max: 1024, Text: true}},
		{"amount", true, Integer{Hint: " of minor units (4999 for 49.99 USD)"}},
		{"currency", true, Str{Enum: currencyCodes, Hint: "an ISO 4217 currency code in upper case, such as USD"}},
	}},
	{"customer", false, customerSchema},
	{"ipAddress", false, ipAddressSchema},
	{"customizationOptions", false, customizationSchema},
}

// DecodeRefundInstructionRequest parses and validates the body of a
// refund-instruction submission. Unknown members are ignored, and so is the
// read-only order.dateTime. On any problem it returns an *Error with code
// CodeInvalid that lists every problem by JSON path.
func DecodeRefundInstructionRequest(body []byte) (*RefundInstructionRequest, error) {
	req := new(RefundInstructionRequest)
	if err := Validate(body, refundInstructionSchema, req, refundInstructionRules); err != nil {
		return nil, err
	}
	return req, nil
}

// refundInstructionRules are the checks the OpenAPI file cannot express.
func refundInstructionRules(v any, errs *[]FieldError) { sharedRules(v, errs, "a refund amount") }

// sharedRules are the checks the OpenAPI file cannot express that payment
// and refund instructions share; what names the amount in messages.
func sharedRules(v any, errs *[]FieldError, what string) {
	if n, ok := Lookup(v, "order", "amount"); ok && n.(int64) <= 0 {
		AddProblem(errs, "order.amount", "not positive", "order.amount must be greater than 0 (%s in minor units)", what)
	}
	if s, ok := Lookup(v, "customer", "dateOfBirth"); ok {
		if _, err := time.Parse(time.DateOnly, s.(string)); err != nil {
			AddProblem(errs, "customer.dateOfBirth", "invalid date", "customer.dateOfBirth must be a date in the form YYYY-MM-DD")
		}
	}
	kind, hasKind := Lookup(v, "ipAddress", "type")
	if s, ok := Lookup(v, "ipAddress", "value"); ok && hasKind {
		addr, err := netip.ParseAddr(s.(string))
		switch {
		case err != nil:
			AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IP address")
		case kind == "ipv4" && !addr.Is4():
			AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv4 address when ipAddress.type is ipv4")
		case kind == "ipv6" && !addr.Is6():
			AddProblem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv6 address when ipAddress.type is ipv6")
		}
	}
	if w, ok := Lookup(v, "customizationOptions", "ebtDetails", "withdrawal"); ok && w.(bool) {
		if c, _ := Lookup(v, "customizationOptions", "ebtDetails", "benefitCategory"); c == "foodStamp" {
			AddProblem(errs, "customizationOptions.ebtDetails.withdrawal", "not allowed", "cash withdrawals are available only from EBT Cash accounts (benefitCategory cash)")
		}
	}
}

// SignatureInstructionRequest is the body of
// POST /v1/devices/{serialNumber}/signature-instructions.
type SignatureInstructionRequest struct {
	ProcessingTerminalID string `json:"processingTerminalId"`
}

// Terminal returns the processing terminal.
func (r *SignatureInstructionRequest) Terminal() string { return r.ProcessingTerminalID }

// Money is zero: a signature has no amount.
func (r *SignatureInstructionRequest) Money() Money { return Money{} }

// Reference is empty: a signature has no order.
func (r *SignatureInstructionRequest) Reference() string { return "" }

var signatureInstructionSchema = Object{
	{"processingTerminalId", true, Str{Min: MinProcessingTermID, Max: MaxProcessingTermID}},
}

// DecodeSignatureInstructionRequest parses and validates the body of a
// signature-instruction submission.
func DecodeSignatureInstructionRequest(body []byte) (*SignatureInstructionRequest, error) {
	req := new(SignatureInstructionRequest)
	if err := Validate(body, signatureInstructionSchema, req, nil); err != nil {
		return nil, err
	}
	return req, nil
}

// ValidSerialNumber reports whether s can be a device serial number:
// 1 to 64 characters, as Payroc's path parameter allows.
func ValidSerialNumber(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxSerialNumber
}

// ValidInstructionID reports whether s has the form of an instruction id
// (1 to 36 characters).
func ValidInstructionID(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxInstructionID
}

// ValidRefundID reports whether s has the form of a refund id (exactly 10
// characters).
func ValidRefundID(s string) bool { return utf8.RuneCountInString(s) == RefundIDLength }
