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

var addressSchema = object{
	{"address1", true, str{max: 150, text: true}},
	{"address2", false, str{max: 150, text: true}},
	{"address3", false, str{max: 150, text: true}},
	{"city", true, str{max: 50, text: true}},
	{"state", true, str{max: 50, text: true}},
	{"country", true, str{min: 2, max: 2}},
	{"postalCode", true, str{max: 10, text: true}},
}

func contactMethod(kind string, max int) object {
	return object{
		{"type", true, str{enum: []string{kind}}},
		{"value", true, str{max: max, text: true}},
	}
}

var customerSchema = object{
	{"firstName", false, str{max: 60, text: true}},
	{"lastName", false, str{max: 60, text: true}},
	{"dateOfBirth", false, str{}},
	{"referenceNumber", false, str{max: 48}},
	{"billingAddress", false, addressSchema},
	{"shippingAddress", false, object{
		{"recipientName", false, str{max: 50, text: true}},
		{"address", false, addressSchema},
	}},
	{"contactMethods", false, array{unique: true, items: tagged{
		"email":  contactMethod("email", 50),
		"phone":  contactMethod("phone", 15),
		"mobile": contactMethod("mobile", 15),
		"fax":    contactMethod("fax", 15),
	}}},
	{"notificationLanguage", false, str{min: 2, max: 2, enum: []string{"en", "fr"}}},
}

var ipAddressSchema = object{
	{"type", true, str{enum: []string{"ipv4", "ipv6"}}},
	{"value", true, str{}},
}

var customizationSchema = object{
	{"entryMethod", false, str{enum: []string{EntryDeviceRead, EntryManualEntry, EntryDeviceReadOrManualEntry}}},
	{"ebtDetails", false, object{
		{"benefitCategory", true, str{enum: []string{"cash", "foodStamp"}}},
		{"withdrawal", false, boolean{}},
	}},
	{"closedLoopOptions", false, tagged{"mifare": object{{"type", true, str{enum: []string{"mifare"}}}}}},
}

// refundInstructionSchema mirrors refundInstructionRequest in Payroc's
// OpenAPI file.
var refundInstructionSchema = object{
	{"processingTerminalId", true, str{min: MinProcessingTermID, max: MaxProcessingTermID}},
	{"operator", false, str{max: 50, text: true}},
	{"order", true, object{
		{"orderId", true, str{min: 1, max: 24}},
		{"dateTime", false, nil}, // read-only: the server sets it
		{"description", true, str{max: 1024, text: true}},
		{"amount", true, integer{hint: " of minor units (4999 for 49.99 USD)"}},
		{"currency", true, str{enum: currencyCodes, hint: "an ISO 4217 currency code in upper case, such as USD"}},
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
	if err := validate(body, refundInstructionSchema, req, refundInstructionRules); err != nil {
		return nil, err
	}
	return req, nil
}

// refundInstructionRules are the checks the OpenAPI file cannot express.
func refundInstructionRules(v any, errs *[]FieldError) { sharedRules(v, errs, "a refund amount") }

// sharedRules are the checks the OpenAPI file cannot express that payment
// and refund instructions share; what names the amount in messages.
func sharedRules(v any, errs *[]FieldError, what string) {
	if n, ok := lookup(v, "order", "amount"); ok && n.(int64) <= 0 {
		problem(errs, "order.amount", "not positive", "order.amount must be greater than 0 (%s in minor units)", what)
	}
	if s, ok := lookup(v, "customer", "dateOfBirth"); ok {
		if _, err := time.Parse(time.DateOnly, s.(string)); err != nil {
			problem(errs, "customer.dateOfBirth", "invalid date", "customer.dateOfBirth must be a date in the form YYYY-MM-DD")
		}
	}
	kind, hasKind := lookup(v, "ipAddress", "type")
	if s, ok := lookup(v, "ipAddress", "value"); ok && hasKind {
		addr, err := netip.ParseAddr(s.(string))
		switch {
		case err != nil:
			problem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IP address")
		case kind == "ipv4" && !addr.Is4():
			problem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv4 address when ipAddress.type is ipv4")
		case kind == "ipv6" && !addr.Is6():
			problem(errs, "ipAddress.value", "invalid address", "ipAddress.value must be an IPv6 address when ipAddress.type is ipv6")
		}
	}
	if w, ok := lookup(v, "customizationOptions", "ebtDetails", "withdrawal"); ok && w.(bool) {
		if c, _ := lookup(v, "customizationOptions", "ebtDetails", "benefitCategory"); c == "foodStamp" {
			problem(errs, "customizationOptions.ebtDetails.withdrawal", "not allowed", "cash withdrawals are available only from EBT Cash accounts (benefitCategory cash)")
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

var signatureInstructionSchema = object{
	{"processingTerminalId", true, str{min: MinProcessingTermID, max: MaxProcessingTermID}},
}

// DecodeSignatureInstructionRequest parses and validates the body of a
// signature-instruction submission.
func DecodeSignatureInstructionRequest(body []byte) (*SignatureInstructionRequest, error) {
	req := new(SignatureInstructionRequest)
	if err := validate(body, signatureInstructionSchema, req, nil); err != nil {
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
