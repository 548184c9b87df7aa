package ferry

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeDeviceRequest(t *testing.T) {
	for _, tc := range []struct {
		call, body string
		params     []string // parameters expected in errors; nil means valid
	}{
		{DeviceCallHeartbeat, `{"leaseToken":3}`, nil},
		{DeviceCallHeartbeat, `{"leaseToken":0}`, []string{"leaseToken"}},
		{DeviceCallHeartbeat, `{"leaseToken":-1}`, []string{"leaseToken"}},
		{DeviceCallHeartbeat, `{}`, []string{"leaseToken"}},
		{DeviceCallHeartbeat, `{"leaseToken":1.5}`, []string{"leaseToken"}},
		{DeviceCallProgress, `{"leaseToken":1,"step":"prompting"}`, nil},
		{DeviceCallProgress, `{"leaseToken":1,"step":""}`, []string{"step"}},
		{DeviceCallProgress, `{"leaseToken":1}`, []string{"step"}},
		{DeviceCallFailure, `{"leaseToken":1}`, nil},
		{DeviceCallFailure, `{"leaseToken":1,"reason":"` + strings.Repeat("x", 513) + `"}`, []string{"reason"}},
		{DeviceCallCardRead, `{"leaseToken":1,"card":{"cardNumber":"4539850000007062","expiryDate":"1230"}}`, nil},
		{DeviceCallCardRead, `{"leaseToken":1,"card":{"cardNumber":"4539-8500-0000-7062","expiryDate":"12/30"}}`, []string{"card.expiryDate", "card.cardNumber"}},
		{DeviceCallCardRead, `{"leaseToken":1}`, []string{"card"}},
		{DeviceCallCancel, `[]`, []string{""}},
		{DeviceCallAck, `{"leaseToken":1,"extra":true}`, nil},
	} {
		req, err := DecodeDeviceRequest(tc.call, []byte(tc.body))
		if tc.params == nil {
			if err != nil {
				t.Errorf("%s %s: %v", tc.call, tc.body, err)
			} else if req.LeaseToken < 1 {
				t.Errorf("%s %s: token %d", tc.call, tc.body, req.LeaseToken)
			}
			continue
		}
		e, ok := asError(err)
		if !ok || e.Code != CodeInvalid {
			t.Errorf("%s %s: %v, want CodeInvalid", tc.call, tc.body, err)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Parameter)
			if strings.Contains(f.Message, "4539") {
				t.Errorf("%s: a message repeats the card number: %q", tc.call, f.Message)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.params, ",") {
			t.Errorf("%s %s: errors for %v, want %v", tc.call, tc.body, got, tc.params)
		}
	}
	if _, err := DecodeDeviceRequest("teleport", []byte(`{}`)); ErrorCode(err) != CodeNotFound {
		t.Errorf("unknown call: %v", err)
	}
}

// FuzzDecodeDeviceRequest: any body, for any call, decodes to a request
// that meets the protocol's rules or to a client error; it never panics
// and never repeats a card number in an error.
func FuzzDecodeDeviceRequest(f *testing.F) {
	f.Add(DeviceCallCardRead, []byte(`{"leaseToken":1,"card":{"cardNumber":"4539850000007062","expiryDate":"1230","entryMethod":"icc"}}`))
	f.Add(DeviceCallHeartbeat, []byte(`{"leaseToken":9223372036854775807}`))
	f.Add(DeviceCallProgress, []byte(`{"leaseToken":1,"step":"prompting","step":"x"}`))
	f.Add(DeviceCallFailure, []byte(`{"leaseToken":1,"reason":"\u0000\ud800"}`))
	f.Add("x", []byte(`null`))
	f.Add(DeviceCallCardRead, []byte(`{"leaseToken":1,"card":{"cardNumber":"4539850000007062","expiryDate":"1230","tipAmount":150,"dualPricingApplied":true}}`))
	f.Add(DeviceCallSignature, []byte(`{"leaseToken":1,"signature":{"contentType":"image/png","image":"iVBORw0KGgoAAAA="}}`))
	f.Add(DeviceCallClosedLoopRead, []byte(`{"leaseToken":1,"data":{"uid":"04A2","balance":2500,"n":[1,{"x":null}]}}`))
	f.Fuzz(func(t *testing.T, call string, body []byte) {
		req, err := DecodeDeviceRequest(call, body)
		if err != nil {
			code := ErrorCode(err)
			if code != CodeInvalid && code != CodeNotFound {
				t.Fatalf("error code %q: %v", code, err)
			}
			var sent struct {
				Card struct{ CardNumber any } `json:"card"`
			}
			json.Unmarshal(body, &sent)
			pan, _ := sent.Card.CardNumber.(string)
			if e, ok := asError(err); ok && len(pan) >= 6 {
				b, _ := json.Marshal(e.Fields)
				if strings.Contains(string(b)+e.Message, pan) {
					t.Fatalf("an error repeats the card number: %s", b)
				}
			}
			return
		}
		if req.LeaseToken < 1 {
			t.Fatalf("accepted token %d", req.LeaseToken)
		}
		if call == DeviceCallCardRead && (req.Card == nil || len(req.Card.CardNumber) < 13 || len(req.Card.CardNumber) > 19 || !allDigits(req.Card.CardNumber)) {
			t.Fatalf("accepted card %+v", req.Card)
		}
		if call == DeviceCallProgress && (req.Step == "" || len([]rune(req.Step)) > 64) {
			t.Fatalf("accepted step %q", req.Step)
		}
		if call == DeviceCallCardRead && req.Card.TipAmount != nil && *req.Card.TipAmount < 0 {
			t.Fatalf("accepted tip %d", *req.Card.TipAmount)
		}
		if call == DeviceCallSignature && (req.Signature == nil || !ValidSignatureImage(req.Signature.ContentType, req.Signature.Image) ||
			len(req.Signature.Image) > MaxSignatureImage) {
			t.Fatalf("accepted signature %+v", req.Signature)
		}
		if call == DeviceCallClosedLoopRead && (len(req.Data) == 0 || len(req.Data) > MaxClosedLoopData || req.Data[0] != '{') {
			t.Fatalf("accepted data %s", req.Data)
		}
	})
}
