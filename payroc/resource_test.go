package payroc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ferrygateway/ferry"
)

func testInstruction(description string) *ferry.Instruction {
	return &ferry.Instruction{ID: "i1", MerchantID: "m1", Request: &RefundInstructionRequest{
		ProcessingTerminalID: "1234001", Operator: "Jane",
		Order:    InstructionOrder{OrderID: "O-7", Description: description, Amount: 4999, Currency: "USD"},
		Customer: &ferry.Customer{FirstName: "Sarah"},
	}}
}

func TestNewRefund(t *testing.T) {
	in := testInstruction("ferry.Refund for order O-7")
	at := time.Date(2024, 7, 2, 15, 30, 0, 123000, time.FixedZone("X", -3600))
	card := ferry.Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230", EntryMethod: ferry.EntryMethodICC}
	result := ferry.TransactionResult{Type: ferry.TransactionTypeRefund, Status: ferry.TransactionStatusReady, ResponseCode: ferry.ResponseApproved, Currency: "USD"}
	r := NewRefund("CD3HN88U9F", in, card, result, at)
	want := &ferry.Refund{
		RefundID:             "CD3HN88U9F",
		ProcessingTerminalID: "1234001",
		Operator:             "Jane",
		Order:                ferry.RefundOrder{OrderID: "O-7", DateTime: ferry.DateTime(at), Description: "ferry.Refund for order O-7", Amount: 4999, Currency: "USD"},
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
	for _, code := range []string{ferry.ResponseDeclined, ferry.ResponseIssuerDeclined, ferry.ResponsePickup, ""} {
		if (&ferry.TransactionResult{ResponseCode: code}).Approved() {
			t.Errorf("response %q is approved", code)
		}
	}
}

func TestNewRefundDescription(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "ferry.Refund for order O-7"},
		{"kept", "Broken mug", "Broken mug"},
		{"256 runes kept", strings.Repeat("é", 256), strings.Repeat("é", 256)},
		{"257 cut", strings.Repeat("d", 257), strings.Repeat("d", 256)},
		{"1024 two-byte runes cut", strings.Repeat("é", 1024), strings.Repeat("é", 256)},
		{"four-byte runes cut", strings.Repeat("𝄞", 300), strings.Repeat("𝄞", 256)},
		{"mixed cut on a rune", strings.Repeat("a€", 200), strings.Repeat("a€", 128)},
	} {
		got := NewRefund("X", testInstruction(tc.in), ferry.Card{}, ferry.TransactionResult{}, time.Now()).Order.Description
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("%s: description %q (%d runes), want %d runes", tc.name, got, utf8.RuneCountInString(got), utf8.RuneCountInString(tc.want))
		}
	}
}

func TestRefundJSON(t *testing.T) {
	at := time.Date(2024, 7, 2, 15, 30, 0, 999999999, time.FixedZone("X", -3600))
	r := NewRefund("CD3HN88U9F", testInstruction(""), ferry.Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230"},
		ferry.TransactionResult{Type: "refund", Status: "ready", ResponseCode: "A", Currency: "USD"}, at)
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
	var back ferry.Refund
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !time.Time(back.Order.DateTime).Equal(at.Truncate(time.Second)) {
		t.Errorf("read back %v", time.Time(back.Order.DateTime))
	}
}
