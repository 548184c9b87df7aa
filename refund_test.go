package ferry

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func testInstruction(description string) *Instruction {
	return &Instruction{ID: "i1", MerchantID: "m1", Request: &RefundInstructionRequest{
		ProcessingTerminalID: "1234001", Operator: "Jane",
		Order:    InstructionOrder{OrderID: "O-7", Description: description, Amount: 4999, Currency: "USD"},
		Customer: &Customer{FirstName: "Sarah"},
	}}
}

func TestNewRefund(t *testing.T) {
	in := testInstruction("Refund for order O-7")
	at := time.Date(2024, 7, 2, 15, 30, 0, 123000, time.FixedZone("X", -3600))
	card := Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230", EntryMethod: EntryMethodICC}
	result := TransactionResult{Type: TransactionTypeRefund, Status: TransactionStatusReady, ResponseCode: ResponseApproved, Currency: "USD"}
	r := NewRefund("CD3HN88U9F", in, card, result, at)
	want := &Refund{
		RefundID:             "CD3HN88U9F",
		ProcessingTerminalID: "1234001",
		Operator:             "Jane",
		Order:                RefundOrder{OrderID: "O-7", DateTime: DateTime(at), Description: "Refund for order O-7", Amount: 4999, Currency: "USD"},
		Customer:             in.Request.(*RefundInstructionRequest).Customer,
		Card:                 card,
		TransactionResult:    result,
		MerchantID:           "m1",
		InstructionID:        "i1",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("refund %+v\nwant   %+v", r, want)
	}
	if !r.TransactionResult.Approved() {
		t.Error("an A response is not approved")
	}
	for _, code := range []string{ResponseDeclined, ResponseIssuerDeclined, ResponsePickup, ""} {
		if (&TransactionResult{ResponseCode: code}).Approved() {
			t.Errorf("response %q is approved", code)
		}
	}
}

func TestNewRefundDescription(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "Refund for order O-7"},
		{"kept", "Broken mug", "Broken mug"},
		{"256 runes kept", strings.Repeat("é", 256), strings.Repeat("é", 256)},
		{"257 cut", strings.Repeat("d", 257), strings.Repeat("d", 256)},
		{"1024 two-byte runes cut", strings.Repeat("é", 1024), strings.Repeat("é", 256)},
		{"four-byte runes cut", strings.Repeat("𝄞", 300), strings.Repeat("𝄞", 256)},
		{"mixed cut on a rune", strings.Repeat("a€", 200), strings.Repeat("a€", 128)},
	} {
		got := NewRefund("X", testInstruction(tc.in), Card{}, TransactionResult{}, time.Now()).Order.Description
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("%s: description %q (%d runes), want %d runes", tc.name, got, utf8.RuneCountInString(got), utf8.RuneCountInString(tc.want))
		}
	}
}

func TestRefundJSON(t *testing.T) {
	at := time.Date(2024, 7, 2, 15, 30, 0, 999999999, time.FixedZone("X", -3600))
	r := NewRefund("CD3HN88U9F", testInstruction(""), Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230"},
		TransactionResult{Type: "refund", Status: "ready", ResponseCode: "A", Currency: "USD"}, at)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, `"dateTime":"2024-07-02T16:30:00Z"`) {
		t.Errorf("dateTime not UTC to the second: %s", s)
	}
	for _, leak := range []string{"MerchantID", "InstructionID", `"m1"`, `"i1"`} {
		if strings.Contains(s, leak) {
			t.Errorf("wire form shows %s: %s", leak, s)
		}
	}
	var back Refund
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !time.Time(back.Order.DateTime).Equal(at.Truncate(time.Second)) {
		t.Errorf("read back %v", time.Time(back.Order.DateTime))
	}
}

func TestDateTimeJSON(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 7, 2, 15, 30, 0, 0, time.UTC), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 2, 15, 30, 0, 500_000_000, time.UTC), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 2, 17, 30, 0, 0, time.FixedZone("CEST", 2*3600)), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 1, 22, 0, 0, 0, time.FixedZone("", -17*3600-1800)), `"2024-07-02T15:30:00Z"`},
		{time.Time{}, `"0001-01-01T00:00:00Z"`},
	} {
		b, err := json.Marshal(DateTime(tc.t))
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.t, b, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`"2024-07-02T15:30:00Z"`, time.Date(2024, 7, 2, 15, 30, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00+02:00"`, time.Date(2024, 7, 2, 13, 30, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00-05:30"`, time.Date(2024, 7, 2, 21, 0, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00.123456Z"`, time.Date(2024, 7, 2, 15, 30, 0, 123456000, time.UTC)},
	} {
		var d DateTime
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil || !time.Time(d).Equal(tc.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, time.Time(d), err, tc.want)
		}
	}
	for _, in := range []string{`"2024-07-02 15:30"`, `"2024-07-02T15:30:00"`, `"2024-07-02"`, `1719934200`, `"yesterday"`, `""`} {
		var d DateTime
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, time.Time(d))
		}
	}
}
