package payroc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ferrygateway/ferry"
)

// validRequest is the body the Payroc SDKs' wire tests send.
const validRequest = `{"operator":"Jane","processingTerminalId":"1234001",
 "order":{"orderId":"OrderRef6543","description":"ferry.Refund for order OrderRef6543","amount":4999,"currency":"USD"},
 "customizationOptions":{"entryMethod":"manualEntry"}}`

// fullRequest uses every member of the request schema.
const fullRequest = `{
 "processingTerminalId":"1234001",
 "operator":"Jane",
 "order":{"orderId":"OrderRef6543","dateTime":"2024-07-02T15:30:00Z","description":"ferry.Refund for order OrderRef6543","amount":4999,"currency":"USD"},
 "customer":{
  "firstName":"Sarah","lastName":"Hopper","dateOfBirth":"1990-07-15","referenceNumber":"ferry.Customer-12",
  "billingAddress":{"address1":"1 Example Ave.","address2":"Example ferry.Address Line 2","address3":"Example ferry.Address Line 3",
   "city":"Chicago","state":"Illinois","country":"US","postalCode":"60056"},
  "shippingAddress":{"recipientName":"Sarah Hopper",
   "address":{"address1":"1 Example Ave.","city":"Chicago","state":"IL","country":"US","postalCode":"60056"}},
  "contactMethods":[{"type":"email","value":"jane.doe@example.com"},{"type":"phone","value":"2025550164"},
   {"type":"mobile","value":"8885551212"},{"type":"fax","value":"8885551213"}],
  "notificationLanguage":"en"},
 "ipAddress":{"type":"ipv4","value":"104.18.24.203"},
 "customizationOptions":{"entryMethod":"deviceRead","ebtDetails":{"benefitCategory":"cash","withdrawal":true},
  "closedLoopOptions":{"type":"mifare"}}
}`

// member is one member of a JSON object: a name and a value in JSON.
type member struct{ name, value string }

// jsonObject writes base as a JSON object after applying set, a list of
// name and JSON value pairs: a pair replaces the member of that name or is
// added at the end; an empty value removes the member.
func jsonObject(base []member, set ...string) string {
	ms := slices.Clone(base)
	for i := 0; i+1 < len(set); i += 2 {
		name, value := set[i], set[i+1]
		at := slices.IndexFunc(ms, func(m member) bool { return m.name == name })
		switch {
		case at >= 0 && value == "":
			ms = slices.Delete(ms, at, at+1)
		case at >= 0:
			ms[at].value = value
		case value != "":
			ms = append(ms, member{name, value})
		}
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(m.name) + ":" + m.value)
	}
	b.WriteByte('}')
	return b.String()
}

func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var (
	baseOrder = []member{
		{"orderId", `"OrderRef6543"`}, {"description", `"ferry.Refund for order OrderRef6543"`},
		{"amount", "4999"}, {"currency", `"USD"`},
	}
	baseAddress = []member{
		{"address1", `"1 Example Ave."`}, {"city", `"Chicago"`}, {"state", `"IL"`},
		{"country", `"US"`}, {"postalCode", `"60056"`},
	}
)

// order returns a valid order changed by set (see jsonObject).
func order(set ...string) string { return jsonObject(baseOrder, set...) }

// address returns a valid address changed by set.
func address(set ...string) string { return jsonObject(baseAddress, set...) }

// request returns a valid request body changed by set.
func request(set ...string) string {
	return jsonObject([]member{{"processingTerminalId", `"1234001"`}, {"order", order()}}, set...)
}

// customer returns a request whose customer is the object with members set.
func customer(set ...string) string { return request("customer", jsonObject(nil, set...)) }

// contacts returns a request whose customer has the given contact methods.
func contacts(items ...string) string {
	return customer("contactMethods", "["+strings.Join(items, ",")+"]")
}

// options returns a request whose customizationOptions has the members set.
func options(set ...string) string { return request("customizationOptions", jsonObject(nil, set...)) }

func ip(kind, value string) string {
	return request("ipAddress", jsonObject(nil, "type", quote(kind), "value", quote(value)))
}

func rep(s string, n int) string { return quote(strings.Repeat(s, n)) }

func TestDecodeRefundInstructionRequestMinimal(t *testing.T) {
	req, err := DecodeRefundInstructionRequest([]byte(validRequest))
	if err != nil {
		t.Fatal(err)
	}
	want := RefundInstructionRequest{
		ProcessingTerminalID: "1234001",
		Operator:             "Jane",
		Order:                InstructionOrder{OrderID: "OrderRef6543", Description: "ferry.Refund for order OrderRef6543", Amount: 4999, Currency: "USD"},
		CustomizationOptions: &CustomizationOptions{EntryMethod: ferry.EntryManualEntry},
	}
	if !reflect.DeepEqual(*req, want) {
		t.Errorf("decoded %+v\nwant    %+v", req, want)
	}
	if req.EntryMethod() != ferry.EntryManualEntry {
		t.Errorf("EntryMethod() = %q", req.EntryMethod())
	}

	req, err = DecodeRefundInstructionRequest([]byte(request()))
	if err != nil {
		t.Fatal(err)
	}
	if req.Customer != nil || req.IPAddress != nil || req.CustomizationOptions != nil || req.Operator != "" {
		t.Errorf("optional members set: %+v", req)
	}
	if req.EntryMethod() != ferry.EntryDeviceRead {
		t.Errorf("default EntryMethod() = %q, want %q", req.EntryMethod(), ferry.EntryDeviceRead)
	}
}

func TestDecodeRefundInstructionRequestFull(t *testing.T) {
	req, err := DecodeRefundInstructionRequest([]byte(fullRequest))
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	want := RefundInstructionRequest{
		ProcessingTerminalID: "1234001",
		Operator:             "Jane",
		Order:                InstructionOrder{OrderID: "OrderRef6543", Description: "ferry.Refund for order OrderRef6543", Amount: 4999, Currency: "USD"},
		Customer: &ferry.Customer{
			FirstName: "Sarah", LastName: "Hopper", DateOfBirth: "1990-07-15", ReferenceNumber: "ferry.Customer-12",
			BillingAddress: &ferry.Address{
				Address1: "1 Example Ave.", Address2: "Example ferry.Address Line 2", Address3: "Example ferry.Address Line 3",
				City: "Chicago", State: "Illinois", Country: "US", PostalCode: "60056",
			},
			ShippingAddress: &ferry.ShippingAddress{
				RecipientName: "Sarah Hopper",
				Address:       &ferry.Address{Address1: "1 Example Ave.", City: "Chicago", State: "IL", Country: "US", PostalCode: "60056"},
			},
			ContactMethods: []ferry.ContactMethod{
				{Type: "email", Value: "jane.doe@example.com"}, {Type: "phone", Value: "2025550164"}, {Type: "mobile", Value: "8885551212"}, {Type: "fax", Value: "8885551213"},
			},
			NotificationLanguage: "en",
		},
		IPAddress: &IPAddress{Type: "ipv4", Value: "104.18.24.203"},
		CustomizationOptions: &CustomizationOptions{
			EntryMethod:       ferry.EntryDeviceRead,
			EBTDetails:        &EBTDetails{BenefitCategory: "cash", Withdrawal: &yes},
			ClosedLoopOptions: &ClosedLoopOptions{Type: "mifare"},
		},
	}
	if !reflect.DeepEqual(*req, want) {
		got, _ := json.Marshal(req)
		exp, _ := json.Marshal(want)
		t.Errorf("decoded %s\nwant    %s", got, exp)
	}
}

// TestDecodeAccepts covers the edges of every limit from the accepting side.
func TestDecodeAccepts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		check func(RefundInstructionRequest) bool // optional
	}{
		{"processingTerminalId of 4", request("processingTerminalId", rep("1", 4)), nil},
		{"processingTerminalId of 50", request("processingTerminalId", rep("1", 50)), nil},
		{"processingTerminalId of 50 two-byte runes", request("processingTerminalId", rep("é", 50)), nil},
		{"operator empty", request("operator", `""`), func(r RefundInstructionRequest) bool { return r.Operator == "" }},
		{"operator of 50", request("operator", rep("x", 50)), nil},
		{"operator of 50 three-byte runes", request("operator", rep("€", 50)), func(r RefundInstructionRequest) bool { return r.Operator == strings.Repeat("€", 50) }},
		{"operator of 50 four-byte runes", request("operator", rep("😀", 50)), nil},
		{"operator of 50 escaped surrogate pairs", request("operator", `"`+strings.Repeat(`\ud83d\ude00`, 50)+`"`), nil},
		{"operator of 25 combining pairs", request("operator", rep("e\u0301", 25)), nil},
		{"orderId of 1", request("order", order("orderId", `"1"`)), nil},
		{"orderId of 24", request("order", order("orderId", rep("o", 24))), nil},
		{"orderId of 24 CJK runes", request("order", order("orderId", rep("日", 24))), nil},
		{"description empty", request("order", order("description", `""`)), nil},
		{"description of 1024", request("order", order("description", rep("d", 1024))), nil},
		{"description of 1024 four-byte runes", request("order", order("description", rep("𝄞", 1024))), nil},
		{"amount 1", request("order", order("amount", "1")), func(r RefundInstructionRequest) bool { return r.Order.Amount == 1 }},
		{"amount 2^53-1", request("order", order("amount", "9007199254740991")), func(r RefundInstructionRequest) bool { return r.Order.Amount == ferry.MaxSafeInteger }},
		{"currency JPY", request("order", order("currency", `"JPY"`)), func(r RefundInstructionRequest) bool { return r.Order.Currency == "JPY" }},
		{"currency KWD", request("order", order("currency", `"KWD"`)), nil},
		{"currency CLF", request("order", order("currency", `"CLF"`)), nil},
		{"empty customer", request("customer", `{}`), func(r RefundInstructionRequest) bool { return r.Customer != nil }},
		{"names of 60", customer("firstName", rep("f", 60), "lastName", rep("ł", 60)), nil},
		{"referenceNumber of 48", customer("referenceNumber", rep("r", 48)), nil},
		{"dateOfBirth leap day", customer("dateOfBirth", `"2000-02-29"`), nil},
		{"address at its limits", customer("billingAddress", address(
			"address1", rep("a", 150), "address2", rep("b", 150), "address3", rep("c", 150),
			"city", rep("c", 50), "state", rep("s", 50), "country", `"GB"`, "postalCode", rep("9", 10))), nil},
		{"shipping address", customer("shippingAddress", jsonObject(nil, "recipientName", rep("r", 50), "address", address())), nil},
		{"empty shipping address", customer("shippingAddress", `{}`), nil},
		{"email of 50", contacts(`{"type":"email","value":` + rep("e", 50) + `}`), nil},
		{"phone, mobile, fax of 15", contacts(`{"type":"phone","value":`+rep("1", 15)+`}`, `{"type":"mobile","value":`+rep("2", 15)+`}`, `{"type":"fax","value":`+rep("3", 15)+`}`), nil},
		{"same value, different types", contacts(`{"type":"phone","value":"1"}`, `{"type":"mobile","value":"1"}`), nil},
		{"no contact methods", contacts(), nil},
		{"notificationLanguage fr", customer("notificationLanguage", `"fr"`), nil},
		{"ipv4", ip("ipv4", "192.0.2.1"), func(r RefundInstructionRequest) bool { return *r.IPAddress == IPAddress{"ipv4", "192.0.2.1"} }},
		{"ipv6", ip("ipv6", "2001:db8::1"), nil},
		{"ipv6 full form", ip("ipv6", "2001:0db8:0000:0000:0000:0000:0000:0001"), nil},
		{"ipv6 mapped ipv4", ip("ipv6", "::ffff:192.0.2.1"), nil},
		{"entryMethod deviceRead", options("entryMethod", `"deviceRead"`), nil},
		{"entryMethod manualEntry", options("entryMethod", `"manualEntry"`), func(r RefundInstructionRequest) bool { return r.EntryMethod() == ferry.EntryManualEntry }},
		{"entryMethod deviceReadOrManualEntry", options("entryMethod", `"deviceReadOrManualEntry"`), func(r RefundInstructionRequest) bool {
			return r.EntryMethod() == ferry.EntryDeviceReadOrManualEntry
		}},
		{"EBT food stamp", options("ebtDetails", `{"benefitCategory":"foodStamp"}`), func(r RefundInstructionRequest) bool {
			return r.CustomizationOptions.EBTDetails.Withdrawal == nil
		}},
		{"EBT food stamp without withdrawal", options("ebtDetails", `{"benefitCategory":"foodStamp","withdrawal":false}`), func(r RefundInstructionRequest) bool {
			return !*r.CustomizationOptions.EBTDetails.Withdrawal
		}},
		{"EBT cash withdrawal", options("ebtDetails", `{"benefitCategory":"cash","withdrawal":true}`), nil},
		{"empty options", request("customizationOptions", `{}`), func(r RefundInstructionRequest) bool { return r.EntryMethod() == ferry.EntryDeviceRead }},
		{"escaped member name", `{"processingTerminal\u0049d":"1234001","order":` + order() + `}`, nil},
		{"white space around", " \t\r\n" + request() + "\n\n", nil},
	} {
		req, err := DecodeRefundInstructionRequest([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v %+v", tc.name, err, fieldsOf(err))
			continue
		}
		if tc.check != nil && !tc.check(*req) {
			t.Errorf("%s: decoded %+v", tc.name, req)
		}
	}
}

func TestDecodeAcceptsEveryCurrency(t *testing.T) {
	for _, c := range ferry.Currencies() {
		req, err := DecodeRefundInstructionRequest([]byte(request("order", order("currency", quote(string(c))))))
		if err != nil || req.Order.Currency != c {
			t.Errorf("%s: %v, %q", c, err, req.Order.Currency)
		}
	}
}

// fieldsOf returns the field errors of err, if it is an *ferry.Error.
func fieldsOf(err error) []ferry.FieldError {
	if e, ok := errors.AsType[*ferry.Error](err); ok {
		return e.Fields
	}
	return nil
}

// problems checks that err is a ferry.CodeInvalid *ferry.Error and returns its field
// errors as "parameter: detail".
func problems(t *testing.T, err error) []string {
	t.Helper()
	e, ok := errors.AsType[*ferry.Error](err)
	if !ok || e.Code != ferry.CodeInvalid {
		t.Fatalf("error %v, want a ferry.CodeInvalid *ferry.Error", err)
	}
	var out []string
	for _, f := range e.Fields {
		if f.Message == "" || f.Detail == "" {
			t.Errorf("incomplete field error %+v", f)
		}
		if f.Parameter != "" && !strings.Contains(f.Message, f.Parameter) && !strings.Contains(f.Message, "EBT") {
			t.Errorf("message %q does not name %s", f.Message, f.Parameter)
		}
		out = append(out, f.Parameter+": "+f.Detail)
	}
	return out
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want []string
	}{
		// processingTerminalId
		{"processingTerminalId missing", request("processingTerminalId", ""), []string{"processingTerminalId: required"}},
		{"processingTerminalId empty", request("processingTerminalId", `""`), []string{"processingTerminalId: too short"}},
		{"processingTerminalId of 3", request("processingTerminalId", rep("1", 3)), []string{"processingTerminalId: too short"}},
		{"processingTerminalId of 51", request("processingTerminalId", rep("1", 51)), []string{"processingTerminalId: too long"}},
		{"processingTerminalId of 51 two-byte runes", request("processingTerminalId", rep("é", 51)), []string{"processingTerminalId: too long"}},
		{"processingTerminalId number", request("processingTerminalId", "1234001"), []string{"processingTerminalId: wrong type"}},
		{"processingTerminalId null", request("processingTerminalId", "null"), []string{"processingTerminalId: wrong type"}},
		// operator
		{"operator of 51", request("operator", rep("x", 51)), []string{"operator: too long"}},
		{"operator of 51 three-byte runes", request("operator", rep("€", 51)), []string{"operator: too long"}},
		{"operator of 26 combining pairs", request("operator", rep("e\u0301", 26)), []string{"operator: too long"}},
		{"operator null", request("operator", "null"), []string{"operator: wrong type"}},
		{"operator object", request("operator", "{}"), []string{"operator: wrong type"}},
		// order
		{"order missing", request("order", ""), []string{"order: required"}},
		{"order null", request("order", "null"), []string{"order: wrong type"}},
		{"order array", request("order", "[]"), []string{"order: wrong type"}},
		{"order empty", request("order", "{}"), []string{"order.orderId: required", "order.description: required", "order.amount: required", "order.currency: required"}},
		{"orderId missing", request("order", order("orderId", "")), []string{"order.orderId: required"}},
		{"orderId empty", request("order", order("orderId", `""`)), []string{"order.orderId: empty"}},
		{"orderId of 25", request("order", order("orderId", rep("o", 25))), []string{"order.orderId: too long"}},
		{"orderId number", request("order", order("orderId", "6543")), []string{"order.orderId: wrong type"}},
		{"description missing", request("order", order("description", "")), []string{"order.description: required"}},
		{"description of 1025", request("order", order("description", rep("d", 1025))), []string{"order.description: too long"}},
		{"description null", request("order", order("description", "null")), []string{"order.description: wrong type"}},
		// amount
		{"amount missing", request("order", order("amount", "")), []string{"order.amount: required"}},
		{"amount 49.99", request("order", order("amount", "49.99")), []string{"order.amount: not an integer"}},
		{"amount 4999.0", request("order", order("amount", "4999.0")), []string{"order.amount: not an integer"}},
		{"amount 1e3", request("order", order("amount", "1e3")), []string{"order.amount: not an integer"}},
		{"amount 1E3", request("order", order("amount", "1E3")), []string{"order.amount: not an integer"}},
		{"amount 1e-3", request("order", order("amount", "1e-3")), []string{"order.amount: not an integer"}},
		{"amount string", request("order", order("amount", `"4999"`)), []string{"order.amount: wrong type"}},
		{"amount bool", request("order", order("amount", "true")), []string{"order.amount: wrong type"}},
		{"amount null", request("order", order("amount", "null")), []string{"order.amount: wrong type"}},
		{"amount object", request("order", order("amount", `{"value":4999}`)), []string{"order.amount: wrong type"}},
		{"amount 2^63", request("order", order("amount", "9223372036854775808")), []string{"order.amount: out of range"}},
		{"amount 20 digits", request("order", order("amount", "99999999999999999999")), []string{"order.amount: out of range"}},
		{"amount very negative", request("order", order("amount", "-99999999999999999999")), []string{"order.amount: out of range"}},
		{"amount zero", request("order", order("amount", "0")), []string{"order.amount: not positive"}},
		{"amount minus zero", request("order", order("amount", "-0")), []string{"order.amount: not positive"}},
		{"amount negative", request("order", order("amount", "-5")), []string{"order.amount: not positive"}},
		{"amount min int64", request("order", order("amount", "-9223372036854775808")), []string{"order.amount: out of range"}},
		{"amount 2^53", request("order", order("amount", "9007199254740992")), []string{"order.amount: out of range"}},
		{"amount max int64", request("order", order("amount", "9223372036854775807")), []string{"order.amount: out of range"}},
		// currency
		{"currency missing", request("order", order("currency", "")), []string{"order.currency: required"}},
		{"currency lower case", request("order", order("currency", `"usd"`)), []string{"order.currency: not allowed"}},
		{"currency mixed case", request("order", order("currency", `"Usd"`)), []string{"order.currency: not allowed"}},
		{"currency unknown", request("order", order("currency", `"XXX"`)), []string{"order.currency: not allowed"}},
		{"currency empty", request("order", order("currency", `""`)), []string{"order.currency: not allowed"}},
		{"currency padded", request("order", order("currency", `" USD"`)), []string{"order.currency: not allowed"}},
		{"currency numeric", request("order", order("currency", "840")), []string{"order.currency: wrong type"}},
		// customer
		{"customer null", request("customer", "null"), []string{"customer: wrong type"}},
		{"customer string", request("customer", `"x"`), []string{"customer: wrong type"}},
		{"firstName of 61", customer("firstName", rep("f", 61)), []string{"customer.firstName: too long"}},
		{"lastName of 61", customer("lastName", rep("ł", 61)), []string{"customer.lastName: too long"}},
		{"referenceNumber of 49", customer("referenceNumber", rep("r", 49)), []string{"customer.referenceNumber: too long"}},
		{"dateOfBirth 30 February", customer("dateOfBirth", `"1990-02-30"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth 29 February 1999", customer("dateOfBirth", `"1999-02-29"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth month 13", customer("dateOfBirth", `"1990-13-01"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth US style", customer("dateOfBirth", `"07/15/1990"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth short", customer("dateOfBirth", `"1990-7-15"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth with time", customer("dateOfBirth", `"1990-07-15T00:00:00Z"`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth empty", customer("dateOfBirth", `""`), []string{"customer.dateOfBirth: invalid date"}},
		{"dateOfBirth number", customer("dateOfBirth", `19900715`), []string{"customer.dateOfBirth: wrong type"}},
		{"notificationLanguage de", customer("notificationLanguage", `"de"`), []string{"customer.notificationLanguage: not allowed"}},
		{"notificationLanguage EN", customer("notificationLanguage", `"EN"`), []string{"customer.notificationLanguage: not allowed"}},
		{"notificationLanguage eng", customer("notificationLanguage", `"eng"`), []string{"customer.notificationLanguage: too long", "customer.notificationLanguage: not allowed"}},
		{"notificationLanguage empty", customer("notificationLanguage", `""`), []string{"customer.notificationLanguage: too short", "customer.notificationLanguage: not allowed"}},
		// addresses
		{"address empty", customer("billingAddress", "{}"), []string{
			"customer.billingAddress.address1: required", "customer.billingAddress.city: required", "customer.billingAddress.state: required",
			"customer.billingAddress.country: required", "customer.billingAddress.postalCode: required",
		}},
		{"address1 missing", customer("billingAddress", address("address1", "")), []string{"customer.billingAddress.address1: required"}},
		{"city missing", customer("billingAddress", address("city", "")), []string{"customer.billingAddress.city: required"}},
		{"state missing", customer("billingAddress", address("state", "")), []string{"customer.billingAddress.state: required"}},
		{"country missing", customer("billingAddress", address("country", "")), []string{"customer.billingAddress.country: required"}},
		{"postalCode missing", customer("billingAddress", address("postalCode", "")), []string{"customer.billingAddress.postalCode: required"}},
		{"address fields too long", customer("billingAddress", address(
			"address1", rep("a", 151), "address2", rep("b", 151), "address3", rep("c", 151),
			"city", rep("c", 51), "state", rep("s", 51), "postalCode", rep("9", 11))), []string{
			"customer.billingAddress.address1: too long", "customer.billingAddress.address2: too long", "customer.billingAddress.address3: too long",
			"customer.billingAddress.city: too long", "customer.billingAddress.state: too long", "customer.billingAddress.postalCode: too long",
		}},
		{"country of 1", customer("billingAddress", address("country", `"U"`)), []string{"customer.billingAddress.country: too short"}},
		{"country of 3", customer("billingAddress", address("country", `"USA"`)), []string{"customer.billingAddress.country: too long"}},
		{"billingAddress array", customer("billingAddress", "[]"), []string{"customer.billingAddress: wrong type"}},
		{"recipientName of 51", customer("shippingAddress", jsonObject(nil, "recipientName", rep("r", 51))), []string{"customer.shippingAddress.recipientName: too long"}},
		{"shipping address incomplete", customer("shippingAddress", jsonObject(nil, "address", address("city", "", "country", `"USA"`))), []string{
			"customer.shippingAddress.address.city: required", "customer.shippingAddress.address.country: too long",
		}},
		// contact methods
		{"contactMethods object", customer("contactMethods", "{}"), []string{"customer.contactMethods: wrong type"}},
		{"contactMethods null", customer("contactMethods", "null"), []string{"customer.contactMethods: wrong type"}},
		{"contact method string", contacts(`"a@b.c"`), []string{"customer.contactMethods[0]: wrong type"}},
		{"contact method type missing", contacts(`{"value":"1"}`), []string{"customer.contactMethods[0].type: required"}},
		{"contact method type unknown", contacts(`{"type":"pager","value":"1"}`), []string{"customer.contactMethods[0].type: not allowed"}},
		{"contact method type upper case", contacts(`{"type":"EMAIL","value":"a@b.c"}`), []string{"customer.contactMethods[0].type: not allowed"}},
		{"contact method type number", contacts(`{"type":1,"value":"1"}`), []string{"customer.contactMethods[0].type: not allowed"}},
		{"contact method value missing", contacts(`{"type":"fax"}`), []string{"customer.contactMethods[0].value: required"}},
		{"contact method value number", contacts(`{"type":"phone","value":2025550164}`), []string{"customer.contactMethods[0].value: wrong type"}},
		{"email of 51", contacts(`{"type":"email","value":` + rep("e", 51) + `}`), []string{"customer.contactMethods[0].value: too long"}},
		{"phone of 16", contacts(`{"type":"phone","value":` + rep("1", 16) + `}`), []string{"customer.contactMethods[0].value: too long"}},
		{"mobile of 16", contacts(`{"type":"email","value":"a@b.c"}`, `{"type":"mobile","value":`+rep("1", 16)+`}`), []string{"customer.contactMethods[1].value: too long"}},
		{"fax of 16", contacts(`{"type":"fax","value":` + rep("1", 16) + `}`), []string{"customer.contactMethods[0].value: too long"}},
		{"duplicate contact methods", contacts(`{"type":"fax","value":"1"}`, `{"value":"1","type":"fax"}`), []string{"customer.contactMethods[1]: duplicate"}},
		{"duplicate by escape", contacts(`{"type":"email","value":"é@x"}`, `{"type":"email","value":"\u00e9@x"}`), []string{"customer.contactMethods[1]: duplicate"}},
		{"three of a kind", contacts(`{"type":"fax","value":"1"}`, `{"type":"phone","value":"1"}`, `{"type":"fax","value":"1"}`, `{"type":"fax","value":"1"}`), []string{
			"customer.contactMethods[2]: duplicate", "customer.contactMethods[3]: duplicate",
		}},
		// ipAddress
		{"ipAddress empty", request("ipAddress", "{}"), []string{"ipAddress.type: required", "ipAddress.value: required"}},
		{"ipAddress null", request("ipAddress", "null"), []string{"ipAddress: wrong type"}},
		{"ipAddress string", request("ipAddress", `"192.0.2.1"`), []string{"ipAddress: wrong type"}},
		{"ipAddress type missing", request("ipAddress", `{"value":"192.0.2.1"}`), []string{"ipAddress.type: required"}},
		{"ipAddress value missing", request("ipAddress", `{"type":"ipv4"}`), []string{"ipAddress.value: required"}},
		{"ipAddress type unknown", ip("ipv5", "192.0.2.1"), []string{"ipAddress.type: not allowed"}},
		{"ipAddress type upper case", ip("IPv4", "192.0.2.1"), []string{"ipAddress.type: not allowed"}},
		{"ipv4 with an ipv6 value", ip("ipv4", "::1"), []string{"ipAddress.value: invalid address"}},
		{"ipv4 with a mapped value", ip("ipv4", "::ffff:192.0.2.1"), []string{"ipAddress.value: invalid address"}},
		{"ipv6 with an ipv4 value", ip("ipv6", "192.0.2.1"), []string{"ipAddress.value: invalid address"}},
		{"ipv4 garbage", ip("ipv4", "not an address"), []string{"ipAddress.value: invalid address"}},
		{"ipv4 out of range", ip("ipv4", "256.0.0.1"), []string{"ipAddress.value: invalid address"}},
		{"ipv4 with port", ip("ipv4", "192.0.2.1:443"), []string{"ipAddress.value: invalid address"}},
		{"ipv6 with brackets", ip("ipv6", "[2001:db8::1]"), []string{"ipAddress.value: invalid address"}},
		{"ipv4 with CIDR", ip("ipv4", "192.0.2.0/24"), []string{"ipAddress.value: invalid address"}},
		{"ip empty", ip("ipv4", ""), []string{"ipAddress.value: invalid address"}},
		{"ip value number", request("ipAddress", `{"type":"ipv4","value":3221225985}`), []string{"ipAddress.value: wrong type"}},
		// customizationOptions
		{"options null", request("customizationOptions", "null"), []string{"customizationOptions: wrong type"}},
		{"entryMethod unknown", options("entryMethod", `"swipe"`), []string{"customizationOptions.entryMethod: not allowed"}},
		{"entryMethod case", options("entryMethod", `"DeviceRead"`), []string{"customizationOptions.entryMethod: not allowed"}},
		{"entryMethod empty", options("entryMethod", `""`), []string{"customizationOptions.entryMethod: not allowed"}},
		{"ebtDetails empty", options("ebtDetails", "{}"), []string{"customizationOptions.ebtDetails.benefitCategory: required"}},
		{"ebtDetails category unknown", options("ebtDetails", `{"benefitCategory":"snap"}`), []string{"customizationOptions.ebtDetails.benefitCategory: not allowed"}},
		{"ebtDetails withdrawal string", options("ebtDetails", `{"benefitCategory":"cash","withdrawal":"yes"}`), []string{"customizationOptions.ebtDetails.withdrawal: wrong type"}},
		{"ebtDetails withdrawal null", options("ebtDetails", `{"benefitCategory":"cash","withdrawal":null}`), []string{"customizationOptions.ebtDetails.withdrawal: wrong type"}},
		{"EBT food stamp withdrawal", options("ebtDetails", `{"benefitCategory":"foodStamp","withdrawal":true}`), []string{"customizationOptions.ebtDetails.withdrawal: not allowed"}},
		{"closedLoopOptions empty", options("closedLoopOptions", "{}"), []string{"customizationOptions.closedLoopOptions.type: required"}},
		{"closedLoopOptions unknown", options("closedLoopOptions", `{"type":"desfire"}`), []string{"customizationOptions.closedLoopOptions.type: not allowed"}},
		{"closedLoopOptions string", options("closedLoopOptions", `"mifare"`), []string{"customizationOptions.closedLoopOptions: wrong type"}},
		// shapes
		{"wrong shapes", `{"processingTerminalId":1234,"order":[],"customer":"x","ipAddress":true,"customizationOptions":1}`, []string{
			"processingTerminalId: wrong type", "order: wrong type", "customer: wrong type", "ipAddress: wrong type", "customizationOptions: wrong type",
		}},
		{"empty object", `{}`, []string{"processingTerminalId: required", "order: required"}},
		{"array root", `[]`, []string{": wrong type"}},
		{"array of a request", "[" + validRequest + "]", []string{": wrong type"}},
		{"string root", `"x"`, []string{": wrong type"}},
		{"number root", `4999`, []string{": wrong type"}},
		{"true root", `true`, []string{": wrong type"}},
		{"null root", `null`, []string{": wrong type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRefundInstructionRequest([]byte(tc.body))
			if err == nil {
				t.Fatalf("accepted %s", tc.body)
			}
			if got := problems(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q\nwant     %q", got, tc.want)
			}
		})
	}
}

// TestDecodeReportsEveryProblemAtOnce sends a body with problems all over
// the tree and expects each of them, in schema order, then the business
// rules.
func TestDecodeReportsEveryProblemAtOnce(t *testing.T) {
	body := jsonObject(nil,
		"processingTerminalId", `"123"`,
		"operator", rep("x", 51),
		"order", `{"orderId":"","description":`+rep("d", 1025)+`,"amount":49.99,"currency":"usd"}`,
		"customer", jsonObject(nil,
			"firstName", rep("f", 61),
			"dateOfBirth", `"1990-13-01"`,
			"billingAddress", `{"country":"USA"}`,
			"contactMethods", `[{"type":"email","value":"a@b.c"},{"type":"phone","value":`+rep("1", 16)+`},{"type":"email","value":"a@b.c"}]`,
			"notificationLanguage", `"de"`),
		"ipAddress", `{"type":"ipv4","value":"2001:db8::1"}`,
		"customizationOptions", `{"entryMethod":"tap","ebtDetails":{"benefitCategory":"foodStamp","withdrawal":true},"closedLoopOptions":{"type":"desfire"}}`,
	)
	_, err := DecodeRefundInstructionRequest([]byte(body))
	want := []string{
		"processingTerminalId: too short",
		"operator: too long",
		"order.orderId: empty",
		"order.description: too long",
		"order.amount: not an integer",
		"order.currency: not allowed",
		"customer.firstName: too long",
		"customer.billingAddress.address1: required",
		"customer.billingAddress.city: required",
		"customer.billingAddress.state: required",
		"customer.billingAddress.country: too long",
		"customer.billingAddress.postalCode: required",
		"customer.contactMethods[1].value: too long",
		"customer.contactMethods[2]: duplicate",
		"customer.notificationLanguage: not allowed",
		"customizationOptions.entryMethod: not allowed",
		"customizationOptions.closedLoopOptions.type: not allowed",
		"customer.dateOfBirth: invalid date",
		"ipAddress.value: invalid address",
		"customizationOptions.ebtDetails.withdrawal: not allowed",
	}
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeValidationErrorShape(t *testing.T) {
	_, err := DecodeRefundInstructionRequest([]byte(request("order", order("amount", "0", "currency", `"usd"`))))
	e, ok := errors.AsType[*ferry.Error](err)
	if !ok {
		t.Fatalf("error %T %v, want *ferry.Error", err, err)
	}
	if e.Code != ferry.CodeInvalid || e.Message != "One or more validation errors occurred, see error section for more info" || e.Err != nil {
		t.Errorf("error %+v", e)
	}
	want := []ferry.FieldError{
		{Parameter: "order.currency", Detail: "not allowed", Message: `order.currency must be an ISO 4217 currency code in upper case, such as USD; got "usd"`},
		{Parameter: "order.amount", Detail: "not positive", Message: "order.amount must be greater than 0 (a refund amount in minor units)"},
	}
	if !reflect.DeepEqual(e.Fields, want) {
		t.Errorf("fields %+v\nwant   %+v", e.Fields, want)
	}
	p := ferry.ProblemFor(err)
	if p.Status != 400 || p.Slug() != "bad-request" || !reflect.DeepEqual(p.Errors, want) {
		t.Errorf("problem %+v", p)
	}
}

func TestDecodeMessagesQuoteLongValuesShortly(t *testing.T) {
	_, err := DecodeRefundInstructionRequest([]byte(request("order", order("currency", rep("€", 500)))))
	fs := fieldsOf(err)
	if len(fs) != 1 || utf8.RuneCountInString(fs[0].Message) > 200 || !strings.Contains(fs[0].Message, "…") {
		t.Errorf("fields %+v", fs)
	}
}

func TestDecodeIgnoresUnknownMembers(t *testing.T) {
	body := `{"processingTerminalId":"1234001","unknown":{"deep":[1,2,{"x":null}]},"amount":-1,
	 "order":{"orderId":"o","description":"","amount":1,"currency":"USD","tip":-5,"currencyCode":"xx"},
	 "customer":{"middleName":"` + strings.Repeat("m", 500) + `",
	   "billingAddress":{"address1":"a","city":"c","state":"s","country":"US","postalCode":"1","county":"Cook"},
	   "contactMethods":[{"type":"email","value":"a@b.c","primary":true}]},
	 "ipAddress":{"type":"ipv4","value":"192.0.2.1","port":443},
	 "customizationOptions":{"tipMode":"x","ebtDetails":{"benefitCategory":"cash","pin":"1234"},"closedLoopOptions":{"type":"mifare","key":"k"}}}`
	req, err := DecodeRefundInstructionRequest([]byte(body))
	if err != nil {
		t.Fatalf("%v %+v", err, fieldsOf(err))
	}
	b, _ := json.Marshal(req)
	for _, name := range []string{"unknown", "tip", "currencyCode", "middleName", "county", "primary", "port", "tipMode", "pin", "key"} {
		if strings.Contains(string(b), name) {
			t.Errorf("%s survived: %s", name, b)
		}
	}
	if req.Order.Amount != 1 {
		t.Errorf("a top-level amount changed the order: %+v", req.Order)
	}
}

func TestDecodeIgnoresOrderDateTime(t *testing.T) {
	for _, v := range []string{`"2024-07-02T15:30:00Z"`, `"not even a time"`, `12`, `null`, `{"a":[1]}`, `""`, `true`} {
		req, err := DecodeRefundInstructionRequest([]byte(request("order", order("dateTime", v))))
		if err != nil {
			t.Errorf("dateTime %s: %v %+v", v, err, fieldsOf(err))
			continue
		}
		if b, _ := json.Marshal(req); strings.Contains(string(b), "dateTime") {
			t.Errorf("dateTime %s kept: %s", v, b)
		}
	}
}

func TestDecodeCaseVariantKeys(t *testing.T) {
	// A member whose name differs only in case neither satisfies a required
	// member nor overrides it, in either order.
	for _, name := range []string{"ProcessingTerminalId", "PROCESSINGTERMINALID", "processingterminalid", "processingTerminalID"} {
		_, err := DecodeRefundInstructionRequest([]byte(request("processingTerminalId", "", name, `"1234001"`)))
		if got := problems(t, err); !slices.Equal(got, []string{"processingTerminalId: required"}) {
			t.Errorf("%s alone: %q", name, got)
		}
		for _, body := range []string{
			request(name, `"x"`),
			`{` + quote(name) + `:"x","processingTerminalId":"1234001","order":` + order() + `}`,
		} {
			req, err := DecodeRefundInstructionRequest([]byte(body))
			if err != nil || req.ProcessingTerminalID != "1234001" {
				t.Errorf("%s overrides: %q, %v", body, req.ProcessingTerminalID, err)
			}
		}
	}
	_, err := DecodeRefundInstructionRequest([]byte(`{"processingTerminalId":"1234001","Order":` + order() + `}`))
	if got := problems(t, err); !slices.Equal(got, []string{"order: required"}) {
		t.Errorf("Order: %q", got)
	}
	_, err = DecodeRefundInstructionRequest([]byte(request("order", order("amount", "", "Amount", "4999"))))
	if got := problems(t, err); !slices.Equal(got, []string{"order.amount: required"}) {
		t.Errorf("Amount: %q", got)
	}
	for _, o := range []string{order("AMOUNT", "-1"), `{"AMOUNT":-1,` + order()[1:]} {
		req, err := DecodeRefundInstructionRequest([]byte(request("order", o)))
		if err != nil || req.Order.Amount != 4999 {
			t.Errorf("AMOUNT overrides amount in %s: %d, %v", o, req.Order.Amount, err)
		}
	}
	req, err := DecodeRefundInstructionRequest([]byte(options("EntryMethod", `"manualEntry"`)))
	if err != nil || req.EntryMethod() != ferry.EntryDeviceRead {
		t.Errorf("EntryMethod counts as entryMethod: %q, %v", req.EntryMethod(), err)
	}
	_, err = DecodeRefundInstructionRequest([]byte(contacts(`{"Type":"email","value":"a@b.c"}`)))
	if got := problems(t, err); !slices.Equal(got, []string{"customer.contactMethods[0].type: required"}) {
		t.Errorf("Type: %q", got)
	}
}

func TestDecodeMalformedBodies(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"empty", ""},
		{"white space", " \n\t "},
		{"open brace", "{"},
		{"cut short", `{"processingTerminalId":`},
		{"cut in a string", `{"processingTerminalId":"12`},
		{"trailing comma", `{"processingTerminalId":"1234001",}`},
		{"single quotes", `{'processingTerminalId':'1234001'}`},
		{"bare word", `processingTerminalId`},
		{"NaN", `{"order":{"amount":NaN}}`},
		{"leading zero", `{"order":{"amount":04999}}`},
		{"plus sign", `{"order":{"amount":+4999}}`},
		{"hex", `{"order":{"amount":0x10}}`},
		{"comment", "{/* c */}"},
		{"NUL", "{\x00}"},
		{"control character in a string", "{\"operator\":\"a\x01b\"}"},
		{"byte order mark", "\ufeff" + validRequest},
		{"trailing object", validRequest + `{}`},
		{"trailing brace", validRequest + `}`},
		{"trailing bracket", validRequest + `]`},
		{"trailing word", validRequest + ` x`},
		{"two objects", `{} {}`},
		{"invalid UTF-8", "{\"operator\":\"\xff\xfe\"}"},
		{"invalid UTF-8 outside strings", validRequest + "\xff"},
		{"overlong UTF-8", "{\"operator\":\"\xc0\xaf\"}"},
		{"UTF-16 surrogate bytes", "{\"operator\":\"\xed\xa0\x80\"}"},
		{"deep arrays unclosed", strings.Repeat("[", 100000)},
		{"deep arrays", strings.Repeat("[", 100000) + strings.Repeat("]", 100000)},
		{"deep objects", strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)},
		{"deep in a member", `{"processingTerminalId":"1234001","order":` + order() + `,"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRefundInstructionRequest([]byte(tc.body))
			e, ok := errors.AsType[*ferry.Error](err)
			if !ok || e.Code != ferry.CodeInvalid || e.Message == "" || e.Err != nil {
				t.Fatalf("%v, want a ferry.CodeInvalid *ferry.Error", err)
			}
			if req != nil {
				t.Errorf("a rejected body returned a request: %+v", req)
			}
		})
	}
}

func TestDecodeDeepButLegalNesting(t *testing.T) {
	// Nesting below the decoder's limit in ignored members is accepted; in a
	// contact method it is one wrong type.
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	if _, err := DecodeRefundInstructionRequest([]byte(request("x", deep))); err != nil {
		t.Errorf("deep unknown member: %v", err)
	}
	_, err := DecodeRefundInstructionRequest([]byte(contacts(deep, deep)))
	want := []string{"customer.contactMethods[0]: wrong type", "customer.contactMethods[1]: wrong type"}
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// TestDecodeRoundTrip: what the decoder accepts, re-encoded, decodes to the
// same request.
func TestDecodeRoundTrip(t *testing.T) {
	for _, body := range []string{validRequest, fullRequest, request(), contacts(), request("customer", "{}", "customizationOptions", "{}")} {
		roundTrip(t, []byte(body))
	}
}

func TestDecodeRoundTripEmptyAddressMembers(t *testing.T) {
	roundTrip(t, []byte(customer("billingAddress", address("address1", `""`, "city", `""`, "state", `""`, "postalCode", `""`))))
}

// TestDuplicateContactMethodsIgnoreUnknownMembers: items that differ only
// in members Ferry drops are duplicates.
func TestDuplicateContactMethodsIgnoreUnknownMembers(t *testing.T) {
	_, err := DecodeRefundInstructionRequest([]byte(contacts(`{"type":"fax","value":"1"}`, `{"type":"fax","value":"1","note":"x"}`)))
	if got := fieldsOf(err); len(got) != 1 || got[0].Parameter != "customer.contactMethods[1]" || got[0].Detail != "duplicate" {
		t.Errorf("problems %+v, want a duplicate at customer.contactMethods[1]", got)
	}
}

// roundTrip decodes body, which must be accepted, re-encodes the typed
// request, and checks that it decodes again to the same request.
func roundTrip(t *testing.T, body []byte) {
	t.Helper()
	req, err := DecodeRefundInstructionRequest(body)
	if err != nil {
		t.Fatalf("%s: %v %+v", body, err, fieldsOf(err))
	}
	if err := checkLimits(req); err != nil {
		t.Fatalf("%s: accepted a request that breaks a rule: %v", body, err)
	}
	again, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	req2, err := DecodeRefundInstructionRequest(again)
	if err != nil {
		t.Fatalf("the re-encoded request %s fails: %v %+v", again, err, fieldsOf(err))
	}
	if !reflect.DeepEqual(normalize(req), normalize(req2)) {
		t.Fatalf("round trip changed the request:\n%+v\n%+v", req, req2)
	}
	if b, _ := json.Marshal(req2); string(b) != string(again) {
		t.Fatalf("round trip changed the JSON:\n%s\n%s", again, b)
	}
}

// normalize makes an empty list of contact methods nil: omitempty drops it,
// and both mean none.
func normalize(p *RefundInstructionRequest) RefundInstructionRequest {
	r := *p
	if r.Customer != nil && len(r.Customer.ContactMethods) == 0 {
		c := *r.Customer
		c.ContactMethods = nil
		r.Customer = &c
	}
	return r
}

// checkLimits checks a decoded request against Payroc's documented limits,
// independently of the validator's Schema.
func checkLimits(r *RefundInstructionRequest) error {
	n := utf8.RuneCountInString
	var bad []string
	check := func(ok bool, what string) {
		if !ok {
			bad = append(bad, what)
		}
	}
	maxLen := func(s string, max int, what string) { check(n(s) <= max, what) }
	check(n(r.ProcessingTerminalID) >= 4 && n(r.ProcessingTerminalID) <= 50, "processingTerminalId")
	maxLen(r.Operator, 50, "operator")
	check(n(r.Order.OrderID) >= 1 && n(r.Order.OrderID) <= 24, "order.orderId")
	maxLen(r.Order.Description, 1024, "order.description")
	check(r.Order.Amount > 0, "order.amount")
	check(r.Order.Currency.Valid(), "order.currency")
	if c := r.Customer; c != nil {
		maxLen(c.FirstName, 60, "customer.firstName")
		maxLen(c.LastName, 60, "customer.lastName")
		maxLen(c.ReferenceNumber, 48, "customer.referenceNumber")
		if c.DateOfBirth != "" {
			_, err := time.Parse(time.DateOnly, c.DateOfBirth)
			check(err == nil, "customer.dateOfBirth")
		}
		checkAddress := func(a *ferry.Address, what string) {
			if a == nil {
				return
			}
			maxLen(a.Address1, 150, what+".address1")
			maxLen(a.Address2, 150, what+".address2")
			maxLen(a.Address3, 150, what+".address3")
			maxLen(a.City, 50, what+".city")
			maxLen(a.State, 50, what+".state")
			check(n(a.Country) == 2, what+".country")
			maxLen(a.PostalCode, 10, what+".postalCode")
		}
		checkAddress(c.BillingAddress, "customer.billingAddress")
		if s := c.ShippingAddress; s != nil {
			maxLen(s.RecipientName, 50, "customer.shippingAddress.recipientName")
			checkAddress(s.Address, "customer.shippingAddress.address")
		}
		limits := map[string]int{"email": 50, "phone": 15, "mobile": 15, "fax": 15}
		for i, m := range c.ContactMethods {
			max, ok := limits[m.Type]
			check(ok && n(m.Value) <= max, fmt.Sprintf("customer.contactMethods[%d]", i))
		}
		check(c.NotificationLanguage == "" || c.NotificationLanguage == "en" || c.NotificationLanguage == "fr", "customer.notificationLanguage")
	}
	if a := r.IPAddress; a != nil {
		addr, err := netip.ParseAddr(a.Value)
		check(err == nil && (a.Type == "ipv4" && addr.Is4() || a.Type == "ipv6" && addr.Is6()), "ipAddress")
	}
	if o := r.CustomizationOptions; o != nil {
		check(o.EntryMethod == "" || o.EntryMethod == ferry.EntryDeviceRead || o.EntryMethod == ferry.EntryManualEntry || o.EntryMethod == ferry.EntryDeviceReadOrManualEntry, "customizationOptions.entryMethod")
		if e := o.EBTDetails; e != nil {
			check(e.BenefitCategory == "cash" || e.BenefitCategory == "foodStamp", "customizationOptions.ebtDetails.benefitCategory")
			check(e.Withdrawal == nil || !*e.Withdrawal || e.BenefitCategory == "cash", "customizationOptions.ebtDetails.withdrawal")
		}
		if l := o.ClosedLoopOptions; l != nil {
			check(l.Type == "mifare", "customizationOptions.closedLoopOptions.type")
		}
	}
	if bad != nil {
		return errors.New(strings.Join(bad, ", "))
	}
	return nil
}

// hasDuplicateContacts reports whether r lists one contact method twice.
func hasDuplicateContacts(r *RefundInstructionRequest) bool {
	if r.Customer == nil {
		return false
	}
	seen := map[ferry.ContactMethod]bool{}
	for _, m := range r.Customer.ContactMethods {
		if seen[m] {
			return true
		}
		seen[m] = true
	}
	return false
}

func TestValidSerialNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false},
		{"1", true},
		{"1850010868", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{strings.Repeat("é", 64), true},
		{strings.Repeat("é", 65), false},
	} {
		if got := ferry.ValidSerialNumber(tc.s); got != tc.want {
			t.Errorf("ferry.ValidSerialNumber(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestValidInstructionAndRefundIDs(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false},
		{"a", true},
		{"a37439165d134678a9100ebba3b29597", true},
		{strings.Repeat("a", 36), true},
		{strings.Repeat("a", 37), false},
	} {
		if got := ferry.ValidInstructionID(tc.s); got != tc.want {
			t.Errorf("ferry.ValidInstructionID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"CD3HN88U9F", true},
		{"CD3HN88U9", false},
		{"CD3HN88U9FX", false},
		{"", false},
	} {
		if got := ferry.ValidRefundID(tc.s); got != tc.want {
			t.Errorf("ferry.ValidRefundID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if !ferry.ValidRefundID(ferry.NewRefundID()) {
		t.Error("a new refund id is not valid")
	}
}

func TestValidIDsCountCharacters(t *testing.T) {
	if !ferry.ValidInstructionID(strings.Repeat("é", 36)) || !ferry.ValidRefundID(strings.Repeat("é", 10)) {
		t.Error("multi-byte ids of the documented length are rejected")
	}
}

// FuzzDecodeRefundInstructionRequest: any body gives either a request that
// keeps every documented limit or a ferry.CodeInvalid *ferry.Error, and never panics.
// An accepted request, re-encoded, decodes again to the same request.
func FuzzDecodeRefundInstructionRequest(f *testing.F) {
	for _, s := range []string{
		validRequest,
		fullRequest,
		request(),
		contacts(`{"type":"email","value":"x"}`, `{"type":"phone","value":"x"}`),
		request("order", order("amount", "9223372036854775807")),
		request("operator", `"4012\t8888\t8888\t1881"`, "order", order("description", `"\ud800 5555\u200b5555\u200b5555\u200b4444"`)),
		ip("ipv6", "::ffff:192.0.2.1"),
		options("ebtDetails", `{"benefitCategory":"foodStamp","withdrawal":false}`),
		customer("billingAddress", address(), "shippingAddress", `{"address":`+address()+`}`),
		request("order", order("dateTime", "[1]")),
		request("ProcessingTerminalId", `"x"`),
		`{"a":[[[[{}]]]],"order":null}`,
		`[]`,
		``,
		"\xff",
		strings.Repeat("[", 200),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRefundInstructionRequest(body)
		if err != nil {
			e, ok := errors.AsType[*ferry.Error](err)
			if !ok || e.Code != ferry.CodeInvalid || e.Message == "" {
				t.Fatalf("error %v is not a ferry.CodeInvalid *ferry.Error", err)
			}
			for _, fe := range e.Fields {
				if fe.Detail == "" || fe.Message == "" {
					t.Fatalf("incomplete field error %+v", fe)
				}
				if ferry.HasCardNumber(fe.Message) {
					t.Fatalf("an error repeats a card number: %+v", fe)
				}
			}
			return
		}
		for _, s := range freeText(req) {
			if ferry.HasCardNumber(s) {
				t.Fatalf("a card number is left in free text %q", s)
			}
		}
		var tree any
		b, _ := json.Marshal(req)
		json.Unmarshal(b, &tree)
		walkStrings(tree, func(s string) {
			if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
				t.Fatalf("accepted text %q", s)
			}
		})
		if err := checkLimits(req); err != nil {
			t.Fatalf("accepted a request that breaks a rule (%v): %+v", err, req)
		}
		if hasDuplicateContacts(req) {
			t.Fatalf("accepted duplicate contact methods: %+v", req.Customer.ContactMethods)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := DecodeRefundInstructionRequest(again)
		if err != nil {
			t.Fatalf("the re-encoded request %s fails: %v %+v", again, err, fieldsOf(err))
		}
		if !reflect.DeepEqual(normalize(req), normalize(req2)) {
			t.Fatalf("round trip changed the request:\n%+v\n%+v", req, req2)
		}
		if b, _ := json.Marshal(req2); string(b) != string(again) {
			t.Fatalf("round trip changed the JSON:\n%s\n%s", again, b)
		}
	})
}

// TestDecodeRefusesBadText: NUL characters, invalid UTF-8 and escaped
// surrogates that are not half of a pair are refused in every string, each
// named by its path, on every store alike (PostgreSQL cannot store them;
// encoding/json would quietly replace the last two with U+FFFD).
func TestDecodeRefusesBadText(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"NUL in a description", request("order", order("description", `"a\u0000b"`)), []string{"order.description: invalid text"}},
		{"NUL in an identifier", request("order", order("orderId", `"\u0000"`)), []string{"order.orderId: invalid text"}},
		{"NUL in an enum", request("order", order("currency", `"US\u0000"`)), []string{"order.currency: invalid text"}},
		{"NUL in an array item", contacts(`{"type":"email","value":"a\u0000@example.com"}`), []string{"customer.contactMethods[0].value: invalid text"}},
		{"lone high surrogate", request("operator", `"a\ud800b"`), []string{"operator: invalid text"}},
		{"lone low surrogate", request("order", order("description", `"\udc00"`)), []string{"order.description: invalid text"}},
		{"high surrogate at the end", request("operator", `"a\uD800"`), []string{"operator: invalid text"}},
		{"two high surrogates", request("operator", `"\ud800\ud800"`), []string{"operator: invalid text"}},
		{"invalid UTF-8", request("operator", "\"a\xffb\""), []string{"operator: invalid text"}},
		{"invalid UTF-8 deep", contacts(`{"type":"phone","value":"1"}`, "{\"type\":\"email\",\"value\":\"\xc3\"}"), []string{"customer.contactMethods[1].value: invalid text"}},
		{"invalid UTF-8 in an unknown member's name", `{"x` + "\xff" + `":1}`, []string{"x\uFFFD: invalid text"}},
		{"several", request("operator", `"\ud800"`, "order", order("description", "\"\xff\"")), []string{"order.description: invalid text", "operator: invalid text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRefundInstructionRequest([]byte(tc.body))
			if got := problems(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q\nwant     %q", got, tc.want)
			}
		})
	}
	// A surrogate pair is a character, and an escaped backslash before a
	// u is no escape.
	for _, ok := range []string{request("operator", `"\ud83d\ude00"`), request("operator", `"\\ud800"`), request("operator", `"\uD83D\uDE00 ok"`)} {
		if _, err := DecodeRefundInstructionRequest([]byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// TestDecodeMasksFreeText: card numbers that a cashier types into free
// text are masked, however they are split; identifiers stay as sent.
func TestDecodeMasksFreeText(t *testing.T) {
	pan := `4012\t8888\t8888\t1881`
	body := jsonObject(nil,
		"processingTerminalId", `"4539850000007062"`,
		"operator", `"`+pan+`"`,
		"order", order("orderId", `"4539850000007062"`, "description", `"refund to 5555 5555 5555 4444"`),
		"customer", jsonObject(nil,
			"firstName", `"4539\u200b8500\u200b0000\u200b7062"`, "lastName", `"5555-5555-5555-4444"`,
			"referenceNumber", `"4539850000007062"`,
			"billingAddress", address("address1", `"4539 8500 0000 7062"`, "address2", `"`+pan+`"`, "address3", `"`+pan+`"`,
				"city", `"`+pan+`"`, "state", `"`+pan+`"`),
			"shippingAddress", `{"recipientName":"`+pan+`","address":`+address("address1", `"4539850000007062"`)+`}`,
			"contactMethods", `[{"type":"email","value":"4539850000007062@example.com"},{"type":"phone","value":"378282246310005"}]`),
	)
	req, err := DecodeRefundInstructionRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(req)
	for _, kept := range []string{`"processingTerminalId":"4539850000007062"`, `"orderId":"4539850000007062"`, `"referenceNumber":"4539850000007062"`} {
		if !strings.Contains(string(out), kept) {
			t.Errorf("identifier changed: %s not in %s", kept, out)
		}
	}
	masked := strings.NewReplacer(`"processingTerminalId":"4539850000007062"`, "", `"orderId":"4539850000007062"`, "", `"referenceNumber":"4539850000007062"`, "").Replace(string(out))
	if ferry.HasCardNumber(masked) {
		t.Errorf("a card number is left in free text: %s", masked)
	}
	if req.Order.Description != "refund to 5555 55** **** 4444" || req.Operator != "4012\t88**\t****\t1881" {
		t.Errorf("description %q, operator %q", req.Order.Description, req.Operator)
	}
}

// freeText lists the free-text fields of a request, where card numbers are
// masked.
func freeText(r *RefundInstructionRequest) []string {
	out := []string{r.Operator, r.Order.Description}
	if c := r.Customer; c != nil {
		out = append(out, c.FirstName, c.LastName)
		addr := func(a *ferry.Address) {
			if a != nil {
				out = append(out, a.Address1, a.Address2, a.Address3, a.City, a.State, a.PostalCode)
			}
		}
		addr(c.BillingAddress)
		if c.ShippingAddress != nil {
			out = append(out, c.ShippingAddress.RecipientName)
			addr(c.ShippingAddress.Address)
		}
		for _, m := range c.ContactMethods {
			out = append(out, m.Value)
		}
	}
	return out
}

// walkStrings calls fn with every string in a decoded JSON value.
func walkStrings(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkStrings(x, fn)
		}
	case map[string]any:
		for k, x := range v {
			fn(k)
			walkStrings(x, fn)
		}
	}
}
func TestInstructionAmount(t *testing.T) {
	in := &ferry.Instruction{Request: &RefundInstructionRequest{Order: InstructionOrder{Amount: 1234, Currency: "KWD"}}}
	if got := in.Amount(); got != (ferry.Money{Amount: 1234, Currency: "KWD"}) || got.String() != "1.234 KWD" {
		t.Errorf("Amount() = %v", got)
	}
}

func TestEntryMethod(t *testing.T) {
	for _, tc := range []struct {
		opts *CustomizationOptions
		want string
	}{
		{nil, ferry.EntryDeviceRead},
		{&CustomizationOptions{}, ferry.EntryDeviceRead},
		{&CustomizationOptions{EntryMethod: ferry.EntryManualEntry}, ferry.EntryManualEntry},
		{&CustomizationOptions{EntryMethod: ferry.EntryDeviceReadOrManualEntry}, ferry.EntryDeviceReadOrManualEntry},
		{&CustomizationOptions{EntryMethod: ferry.EntryDeviceRead}, ferry.EntryDeviceRead},
	} {
		r := RefundInstructionRequest{CustomizationOptions: tc.opts}
		if got := r.EntryMethod(); got != tc.want {
			t.Errorf("EntryMethod() with %+v = %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func TestCurrencyEnum(t *testing.T) {
	// The validator's enum is ferry.Currencies(), sorted.
	var codes []string
	for _, c := range ferry.Currencies() {
		codes = append(codes, string(c))
	}
	slices.Sort(codes)
	if !slices.Equal(codes, currencyCodes) {
		t.Error("currencyCodes differs from ferry.Currencies()")
	}
}
