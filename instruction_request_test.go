package ferry

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const validRequest = `{"operator":"Jane","processingTerminalId":"1234001",
 "order":{"orderId":"OrderRef6543","description":"Refund for order OrderRef6543","amount":4999,"currency":"USD"},
 "customizationOptions":{"entryMethod":"manualEntry"}}`

func TestDecodeRefundInstructionRequest(t *testing.T) {
	req, err := DecodeRefundInstructionRequest([]byte(validRequest))
	if err != nil {
		t.Fatal(err)
	}
	if req.ProcessingTerminalID != "1234001" || req.Operator != "Jane" || req.Order.Amount != 4999 ||
		req.Order.Currency != "USD" || req.EntryMethod() != EntryManualEntry {
		t.Errorf("decoded %+v", req)
	}
	full := `{"processingTerminalId":"1234001","order":{"orderId":"o","description":"","amount":1,"currency":"JPY","dateTime":"not even a time"},
	 "customer":{"firstName":"Sarah","lastName":"Hopper","dateOfBirth":"1990-07-15","referenceNumber":"C1",
	   "billingAddress":{"address1":"1 Example Ave.","city":"Chicago","state":"IL","country":"US","postalCode":"60056"},
	   "shippingAddress":{"recipientName":"S","address":{"address1":"a","city":"c","state":"s","country":"US","postalCode":"1"}},
	   "contactMethods":[{"type":"email","value":"a@b.c"},{"type":"phone","value":"1"},{"type":"mobile","value":"2"},{"type":"fax","value":"3"}],
	   "notificationLanguage":"fr"},
	 "ipAddress":{"type":"ipv6","value":"2001:db8::1"},
	 "customizationOptions":{"entryMethod":"deviceReadOrManualEntry","ebtDetails":{"benefitCategory":"cash","withdrawal":true},"closedLoopOptions":{"type":"mifare"}},
	 "unknown":{"deep":[1,2,3]}}`
	req, err = DecodeRefundInstructionRequest([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if req.Customer.BillingAddress.City != "Chicago" || len(req.Customer.ContactMethods) != 4 || req.IPAddress.Type != "ipv6" ||
		!*req.CustomizationOptions.EBTDetails.Withdrawal || req.CustomizationOptions.ClosedLoopOptions.Type != "mifare" {
		t.Errorf("decoded %+v", req)
	}
	if def, _ := DecodeRefundInstructionRequest([]byte(`{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"}}`)); def.EntryMethod() != EntryDeviceRead {
		t.Errorf("default entry method = %q", def.EntryMethod())
	}
}

// problems returns the parameters of the field errors in err.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalid {
		t.Fatalf("error %v, want a CodeInvalid *Error", err)
	}
	var out []string
	for _, f := range e.Fields {
		if f.Message == "" || f.Detail == "" {
			t.Errorf("incomplete field error %+v", f)
		}
		out = append(out, f.Parameter)
	}
	return out
}

func TestValidationErrors(t *testing.T) {
	r := strings.Repeat
	for _, tc := range []struct {
		name string
		body string
		want []string
	}{
		{"empty object", `{}`, []string{"processingTerminalId", "order"}},
		{"empty order", `{"processingTerminalId":"1234","order":{}}`, []string{"order.orderId", "order.description", "order.amount", "order.currency"}},
		{"lengths", `{"processingTerminalId":"123","operator":"` + r("x", 51) + `","order":{"orderId":"` + r("o", 25) + `","description":"` + r("d", 1025) + `","amount":1,"currency":"USD"}}`,
			[]string{"processingTerminalId", "operator", "order.orderId", "order.description"}},
		{"code points", `{"processingTerminalId":"` + r("é", 50) + `","operator":"` + r("€", 50) + `","order":{"orderId":"` + r("日", 24) + `","description":"","amount":1,"currency":"USD"}}`, nil},
		{"code points over", `{"processingTerminalId":"` + r("é", 51) + `","order":{"orderId":"o","description":"","amount":1,"currency":"USD"}}`, []string{"processingTerminalId"}},
		{"amount fraction", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":49.99,"currency":"USD"}}`, []string{"order.amount"}},
		{"amount .0", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":4999.0,"currency":"USD"}}`, []string{"order.amount"}},
		{"amount exponent", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1e3,"currency":"USD"}}`, []string{"order.amount"}},
		{"amount string", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":"4999","currency":"USD"}}`, []string{"order.amount"}},
		{"amount huge", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":99999999999999999999,"currency":"USD"}}`, []string{"order.amount"}},
		{"amount zero", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":0,"currency":"USD"}}`, []string{"order.amount"}},
		{"amount negative", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":-5,"currency":"USD"}}`, []string{"order.amount"}},
		{"currency case", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"usd"}}`, []string{"order.currency"}},
		{"null", `{"processingTerminalId":null,"operator":null,"order":{"orderId":"o","description":"","amount":1,"currency":"USD"}}`, []string{"processingTerminalId", "operator"}},
		{"case variants do not count", `{"ProcessingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"}}`, []string{"processingTerminalId"}},
		{"address", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customer":{"billingAddress":{"address1":"` + r("a", 151) + `","country":"USA","postalCode":"` + r("1", 11) + `"}}}`,
			[]string{"customer.billingAddress.address1", "customer.billingAddress.city", "customer.billingAddress.state", "customer.billingAddress.country", "customer.billingAddress.postalCode"}},
		{"contacts", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customer":{"contactMethods":[{"type":"email","value":"` + r("e", 51) + `"},{"type":"phone","value":"` + r("1", 16) + `"},{"type":"pager","value":"1"},{"value":"1"},{"type":"fax"}]}}`,
			[]string{"customer.contactMethods[0].value", "customer.contactMethods[1].value", "customer.contactMethods[2].type", "customer.contactMethods[3].type", "customer.contactMethods[4].value"}},
		{"duplicate contacts", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customer":{"contactMethods":[{"type":"fax","value":"1"},{"value":"1","type":"fax"}]}}`,
			[]string{"customer.contactMethods[1]"}},
		{"customer values", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customer":{"firstName":"` + r("f", 61) + `","dateOfBirth":"1990-02-30","referenceNumber":"` + r("r", 49) + `","notificationLanguage":"de"}}`,
			[]string{"customer.firstName", "customer.referenceNumber", "customer.notificationLanguage", "customer.dateOfBirth"}},
		{"ip address", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"ipAddress":{"type":"ipv4","value":"::1"}}`, []string{"ipAddress.value"}},
		{"ip address missing", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"ipAddress":{}}`, []string{"ipAddress.type", "ipAddress.value"}},
		{"customization", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customizationOptions":{"entryMethod":"swipe","ebtDetails":{"withdrawal":"yes"},"closedLoopOptions":{"type":"desfire"}}}`,
			[]string{"customizationOptions.entryMethod", "customizationOptions.ebtDetails.benefitCategory", "customizationOptions.ebtDetails.withdrawal", "customizationOptions.closedLoopOptions.type"}},
		{"EBT withdrawal", `{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customizationOptions":{"ebtDetails":{"benefitCategory":"foodStamp","withdrawal":true}}}`,
			[]string{"customizationOptions.ebtDetails.withdrawal"}},
		{"wrong shapes", `{"processingTerminalId":1234,"order":[],"customer":"x"}`, []string{"processingTerminalId", "order", "customer"}},
	} {
		_, err := DecodeRefundInstructionRequest([]byte(tc.body))
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if got := problems(t, err); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: problems %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	for name, body := range map[string]string{
		"empty":         "",
		"syntax":        `{"processingTerminalId":`,
		"trailing data": validRequest + `{}`,
		"array":         `[1,2]`,
		"string":        `"x"`,
		"invalid UTF-8": "{\"operator\":\"\xff\xfe\"}",
		"deep":          strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"deep objects":  strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000),
	} {
		_, err := DecodeRefundInstructionRequest([]byte(body))
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalid || e.Message == "" {
			t.Errorf("%s: %v, want a CodeInvalid error", name, err)
		}
	}
}

// FuzzDecodeRefundInstructionRequest: any body gives either a request that
// keeps every rule or a CodeInvalid error; accepted requests survive a
// round trip through JSON.
func FuzzDecodeRefundInstructionRequest(f *testing.F) {
	f.Add([]byte(validRequest))
	f.Add([]byte(`{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":1,"currency":"USD"},"customer":{"contactMethods":[{"type":"email","value":"x"}]}}`))
	f.Add([]byte(`{"processingTerminalId":"1234","order":{"orderId":"o","description":"","amount":9223372036854775807,"currency":"USD"},"ipAddress":{"type":"ipv4","value":"1.2.3.4"}}`))
	f.Add([]byte(`{"a":[[[[{}]]]],"order":null}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRefundInstructionRequest(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalid {
				t.Fatalf("error %v is not CodeInvalid", err)
			}
			return
		}
		n := func(s string) int { return len([]rune(s)) }
		if n(req.ProcessingTerminalID) < 4 || n(req.ProcessingTerminalID) > 50 || n(req.Operator) > 50 ||
			n(req.Order.OrderID) < 1 || n(req.Order.OrderID) > 24 || n(req.Order.Description) > 1024 ||
			req.Order.Amount <= 0 || !req.Order.Currency.Valid() {
			t.Fatalf("accepted a request that breaks a rule: %+v", req)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := DecodeRefundInstructionRequest(again)
		if err != nil {
			t.Fatalf("the re-encoded request %s fails: %v", again, err)
		}
		if b, _ := json.Marshal(req2); string(b) != string(again) {
			t.Fatalf("round trip changed the request:\n%s\n%s", again, b)
		}
	})
}
