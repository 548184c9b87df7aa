package payrocspec_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/internal/payrocspec"
)

// full is a request with every optional part, valid by the spec and by
// Ferry.
func full() map[string]any {
	address := func() map[string]any {
		return map[string]any{"address1": "1 Example Ave.", "address2": "Suite 2", "address3": "Floor 3",
			"city": "Chicago", "state": "Illinois", "country": "US", "postalCode": "60056"}
	}
	return map[string]any{
		"processingTerminalId": "1234001",
		"operator":             "Jane",
		"order":                map[string]any{"orderId": "OrderRef6543", "description": "Refund", "amount": 4999, "currency": "USD"},
		"customer": map[string]any{
			"firstName": "Sarah", "lastName": "Hopper", "dateOfBirth": "1990-07-15", "referenceNumber": "CustomerCode234567",
			"billingAddress":  address(),
			"shippingAddress": map[string]any{"recipientName": "Sarah Hopper", "address": address()},
			"contactMethods": []any{
				map[string]any{"type": "email", "value": "jane.doe@example.com"},
				map[string]any{"type": "phone", "value": "2025550164"},
				map[string]any{"type": "mobile", "value": "2025550165"},
				map[string]any{"type": "fax", "value": "2025550166"},
			},
			"notificationLanguage": "en",
		},
		"ipAddress":            map[string]any{"type": "ipv4", "value": "192.168.0.1"},
		"customizationOptions": map[string]any{"entryMethod": "deviceReadOrManualEntry", "ebtDetails": map[string]any{"benefitCategory": "cash", "withdrawal": false}, "closedLoopOptions": map[string]any{"type": "mifare"}},
	}
}

// set returns a deep copy of v with the value at path (dot-separated,
// numbers index arrays) replaced; remove deletes it instead.
func set(v any, path string, value any, remove bool) any {
	b, _ := json.Marshal(v)
	var c any
	json.Unmarshal(b, &c)
	parts := strings.Split(path, ".")
	cur := c
	for i, p := range parts {
		last := i == len(parts)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				if remove {
					delete(node, p)
				} else {
					node[p] = value
				}
				return c
			}
			cur = node[p]
		case []any:
			var n int
			fmt.Sscan(p, &n)
			if last {
				node[n] = value
				return c
			}
			cur = node[n]
		}
	}
	return c
}

type mutation struct {
	name string
	body any
	// ferryOnly marks bodies the spec accepts and Ferry refuses on purpose
	// (docs/api.md, "Differences from Payroc").
	ferryOnly string
}

// mutations derives bodies from the full request: every string at, just
// over and under its limits, every required member missing, wrong types,
// enums.
func mutations() []mutation {
	var out []mutation
	add := func(name string, body any) { out = append(out, mutation{name: name, body: body}) }
	addFerry := func(name string, body any, why string) {
		out = append(out, mutation{name: name, body: body, ferryOnly: why})
	}
	base := full()
	add("full", base)
	add("minimal", map[string]any{"processingTerminalId": "1234", "order": map[string]any{"orderId": "o", "description": "", "amount": 1, "currency": "JPY"}})

	strs := []struct {
		path     string
		min, max int
	}{
		{"processingTerminalId", 4, 50}, {"operator", 0, 50},
		{"order.orderId", 1, 24}, {"order.description", 0, 1024},
		{"customer.firstName", 0, 60}, {"customer.lastName", 0, 60}, {"customer.referenceNumber", 0, 48},
		{"customer.billingAddress.address1", 0, 150}, {"customer.billingAddress.address2", 0, 150},
		{"customer.billingAddress.address3", 0, 150}, {"customer.billingAddress.city", 0, 50},
		{"customer.billingAddress.state", 0, 50}, {"customer.billingAddress.country", 2, 2},
		{"customer.billingAddress.postalCode", 0, 10},
		{"customer.shippingAddress.recipientName", 0, 50},
		{"customer.shippingAddress.address.city", 0, 50}, {"customer.shippingAddress.address.postalCode", 0, 10},
		{"customer.contactMethods.0.value", 0, 50}, {"customer.contactMethods.1.value", 0, 15},
		{"customer.contactMethods.2.value", 0, 15}, {"customer.contactMethods.3.value", 0, 15},
	}
	for _, s := range strs {
		for _, n := range []int{s.min - 1, s.min, s.min + 1, s.max - 1, s.max, s.max + 1} {
			if n < 0 {
				continue
			}
			add(fmt.Sprintf("%s length %d", s.path, n), set(base, s.path, strings.Repeat("é", n), false))
		}
		add(s.path+" number", set(base, s.path, 42, false))
		add(s.path+" null", set(base, s.path, nil, false))
	}
	for _, req := range []string{"processingTerminalId", "order", "order.orderId", "order.description", "order.amount", "order.currency",
		"customer.billingAddress.address1", "customer.billingAddress.city", "customer.billingAddress.state",
		"customer.billingAddress.country", "customer.billingAddress.postalCode", "customer.contactMethods.0.type", /* see below */
		"ipAddress.type", "ipAddress.value", "customizationOptions.ebtDetails.benefitCategory", "customizationOptions.closedLoopOptions.type"} {
		if strings.HasSuffix(req, ".0.type") {
			continue
		}
		add("without "+req, set(base, req, nil, true))
	}
	for _, opt := range []string{"operator", "customer", "ipAddress", "customizationOptions", "customer.billingAddress.address2",
		"customer.shippingAddress", "customer.contactMethods", "customizationOptions.ebtDetails.withdrawal", "order.dateTime"} {
		add("without "+opt, set(base, opt, nil, true))
	}
	for _, c := range []string{"USD", "EUR", "JPY", "KWD", "ZWL", "usd", "XXX", "US", ""} {
		add("currency "+c, set(base, "order.currency", c, false))
	}
	for _, e := range []struct {
		path   string
		values []any
	}{
		{"customer.notificationLanguage", []any{"en", "fr", "de", "EN", 1}},
		{"ipAddress.type", []any{"ipv4", "ipv5", "IPV4"}},
		{"customizationOptions.entryMethod", []any{"deviceRead", "manualEntry", "deviceReadOrManualEntry", "swipe", ""}},
		{"customizationOptions.ebtDetails.benefitCategory", []any{"cash", "foodStamp", "food"}},
		{"customizationOptions.ebtDetails.withdrawal", []any{false, "true", 1}},
		{"customizationOptions.closedLoopOptions.type", []any{"mifare", "desfire"}},
		{"customer.contactMethods.0.type", []any{"phone", "pager"}},
		{"order", []any{"x", 1, []any{}}},
		{"customer", []any{"x", []any{}}},
		{"customer.contactMethods", []any{"x", []any{}, map[string]any{}}},
	} {
		for _, v := range e.values {
			add(fmt.Sprintf("%s=%v", e.path, v), set(base, e.path, v, false))
		}
	}
	for _, a := range []any{1, 4999, int64(9007199254740991), "4999", true, nil} {
		add(fmt.Sprintf("amount %v", a), set(base, "order.amount", a, false))
	}
	add("amount 49.99", set(base, "order.amount", 49.99, false))
	// Deliberate differences: Ferry refuses what the schema allows.
	addFerry("amount 0", set(base, "order.amount", 0, false), "a refund must be more than zero")
	addFerry("amount -1", set(base, "order.amount", -1, false), "a refund must be more than zero")
	add("ipv6", set(set(base, "ipAddress.type", "ipv6", false), "ipAddress.value", "2001:db8::1", false))
	add("dateOfBirth not a date", set(base, "customer.dateOfBirth", "1990-02-30", false))
	add("dateOfBirth not in the date form", set(base, "customer.dateOfBirth", "15/07/1990", false))
	addFerry("ipv4 with an IPv6 value", set(base, "ipAddress.value", "::1", false), "ipAddress.value must match its type")
	addFerry("ip value not an address", set(base, "ipAddress.value", "localhost", false), "ipAddress.value must be an address")
	addFerry("EBT food stamps withdrawal", set(set(base, "customizationOptions.ebtDetails.benefitCategory", "foodStamp", false),
		"customizationOptions.ebtDetails.withdrawal", true, false), "cash withdrawals only from EBT Cash")
	dup := set(base, "customer.contactMethods.1", map[string]any{"type": "email", "value": "jane.doe@example.com"}, false)
	add("duplicate contact method", dup)
	return out
}

// TestRequestValidationMatchesSpec compares Ferry's request validation with
// Payroc's request schema over hundreds of bodies: they must agree, except
// where docs/api.md says Ferry is stricter on purpose.
func TestRequestValidationMatchesSpec(t *testing.T) {
	spec := payrocspec.Load(t)
	ms := mutations()
	if len(ms) < 200 {
		t.Fatalf("only %d bodies", len(ms))
	}
	for _, m := range ms {
		body, err := json.Marshal(m.body)
		if err != nil {
			t.Fatal(err)
		}
		specErr := spec.ValidateRequest("/devices/{serialNumber}/refund-instructions", "post", body)
		_, ferryErr := ferry.DecodeRefundInstructionRequest(body)
		switch {
		case m.ferryOnly != "":
			if specErr != nil || ferryErr == nil {
				t.Errorf("%s: expected the spec to accept and Ferry to refuse (%s); spec: %v, Ferry: %v", m.name, m.ferryOnly, specErr, ferryErr)
			}
		case (specErr == nil) != (ferryErr == nil):
			t.Errorf("%s: the spec says %v, Ferry says %v\nbody: %s", m.name, verdict(specErr), verdict(ferryErr), body)
		}
	}
	t.Logf("compared %d bodies", len(ms))
}

func verdict(err error) string {
	if err == nil {
		return "valid"
	}
	return "invalid (" + strings.ReplaceAll(err.Error(), "\n", "; ") + ")"
}
