package ferry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestNewRefund(t *testing.T) {
	in := &Instruction{ID: "i1", MerchantID: "m1", Request: RefundInstructionRequest{
		ProcessingTerminalID: "1234001", Operator: "Jane",
		Order: InstructionOrder{OrderID: "O-7", Amount: 4999, Currency: "USD"},
	}}
	at := time.Date(2024, 7, 2, 15, 30, 0, 123000, time.FixedZone("X", -3600))
	r := NewRefund("CD3HN88U9F", in, Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230"},
		TransactionResult{Type: "refund", Status: "ready", ResponseCode: "A"}, at)
	if r.Order.Description != "Refund for order O-7" || r.MerchantID != "m1" || r.InstructionID != "i1" || r.Operator != "Jane" {
		t.Errorf("refund = %+v", r)
	}
	in.Request.Order.Description = strings.Repeat("é", 300)
	if d := NewRefund("X", in, Card{}, TransactionResult{}, at).Order.Description; len([]rune(d)) != 256 || !strings.HasPrefix(strings.Repeat("é", 300), d) {
		t.Errorf("long description became %d characters", len([]rune(d)))
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"dateTime":"2024-07-02T16:30:00Z"`) || strings.Contains(string(b), "MerchantID") || strings.Contains(string(b), "i1") {
		t.Errorf("wire form: %s", b)
	}
	var back Refund
	if err := json.Unmarshal(b, &back); err != nil || !time.Time(back.Order.DateTime).Equal(at.Truncate(time.Second)) {
		t.Errorf("read back %v, %v", time.Time(back.Order.DateTime), err)
	}
	var d DateTime
	if err := json.Unmarshal([]byte(`"2024-07-02T15:30:00+02:00"`), &d); err != nil || time.Time(d).UTC().Hour() != 13 {
		t.Errorf("offset: %v %v", time.Time(d), err)
	}
	if json.Unmarshal([]byte(`"2024-07-02 15:30"`), &d) == nil {
		t.Error("a time without offset parses")
	}
}
