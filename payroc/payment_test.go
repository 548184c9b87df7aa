package payroc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ferrygateway/ferry"
)

func paymentBody(order string, extra ...string) string {
	return `{"processingTerminalId":"1234001","order":` + order + strings.Join(extra, "") + `}`
}

func TestDecodePaymentInstructionRequest(t *testing.T) {
	ok := []struct {
		name  string
		body  string
		check func(*PaymentInstructionRequest) bool
	}{
		{"minimal", paymentBody(`{"orderId":"O1","amount":4999,"currency":"USD"}`), func(r *PaymentInstructionRequest) bool {
			return r.Order.Amount == 4999 && !r.PreAuthorization() && !r.AcceptsPartial() && r.EntryMethod() == ferry.EntryDeviceRead
		}},
		{"prompted tip", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage"}}}`),
			func(r *PaymentInstructionRequest) bool { return r.Order.Breakdown.Tip.Prompted() }},
		{"prompted tip, mode sent", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"fixedAmount","mode":"prompted"}}}`),
			func(r *PaymentInstructionRequest) bool { return r.Order.Breakdown.Tip.Prompted() }},
		{"fixed tip adds up", paymentBody(`{"orderId":"O1","amount":1200,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"fixedAmount","amount":200}}}`), nil},
		{"percentage tip and taxes add up", paymentBody(`{"orderId":"O1","amount":1230,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":15},"taxes":[{"type":"rate","rate":8,"name":"State"}]}}`), nil},
		{"cashback adds up", paymentBody(`{"orderId":"O1","amount":3000,"currency":"USD","breakdown":{"subtotal":1000,"cashbackAmount":2000}}`), nil},
		{"pre-authorization", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"autoCapture":false`),
			func(r *PaymentInstructionRequest) bool { return r.PreAuthorization() }},
		{"processAsSale overrides autoCapture", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"autoCapture":false,"processAsSale":true`),
			func(r *PaymentInstructionRequest) bool { return !r.PreAuthorization() }},
		{"partial", paymentBody(`{"orderId":"O1","amount":155,"currency":"USD","acceptPartialAmount":true}`),
			func(r *PaymentInstructionRequest) bool { return r.AcceptsPartial() }},
		{"tokenize", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"credentialOnFile":{"tokenize":true,"mitAgreement":"recurring"}`),
			func(r *PaymentInstructionRequest) bool { return r.Tokenize() }},
		{"closed loop", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"customizationOptions":{"closedLoopOptions":{"type":"mifare"}}`),
			func(r *PaymentInstructionRequest) bool { return r.ClosedLoop() == "mifare" }},
		{"read-only members ignored", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","dateTime":"2024-01-01T00:00:00Z","breakdown":{"subtotal":1000,"surcharge":{"bypass":true,"amount":5,"percentage":3},"dualPricing":{"offered":true,"alternativeTender":"cash","choiceRate":{"applied":true,"rate":3,"amount":30}}}}`),
			func(r *PaymentInstructionRequest) bool {
				b := r.Order.Breakdown
				return b.Surcharge.Amount == nil && b.DualPricing.ChoiceRate == nil && b.DualPricing.Offered
			}},
		{"percentage written as a decimal", paymentBody(`{"orderId":"O1","amount":1150,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":15.0}}}`),
			func(r *PaymentInstructionRequest) bool { return *r.Order.Breakdown.Tip.Percentage == "15" }},
	}
	for _, tc := range ok {
		req, err := DecodePaymentInstructionRequest([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v %+v", tc.name, err, fieldsOf(err))
			continue
		}
		if tc.check != nil && !tc.check(req) {
			t.Errorf("%s: decoded %+v", tc.name, req)
		}
	}

	bad := []struct {
		name  string
		body  string
		param string
	}{
		{"no order", `{"processingTerminalId":"1234001"}`, "order"},
		{"null order", `{"processingTerminalId":"1234001","order":null}`, "order"},
		{"zero amount", paymentBody(`{"orderId":"O1","amount":0,"currency":"USD"}`), "order.amount"},
		{"breakdown does not add up", paymentBody(`{"orderId":"O1","amount":1100,"currency":"USD","breakdown":{"subtotal":1000}}`), "order.amount"},
		{"tax does not add up", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"taxes":[{"type":"rate","rate":8,"name":"State"}]}}`), "order.amount"},
		{"tip percentage over 100", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":101}}}`), "order.breakdown.tip.percentage"},
		{"tip percentage zero", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":0}}}`), "order.breakdown.tip.percentage"},
		{"tip amount zero", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"fixedAmount","amount":0}}}`), "order.breakdown.tip.amount"},
		{"tip amount with percentage type", paymentBody(`{"orderId":"O1","amount":1200,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","amount":200}}}`), "order.breakdown.tip.amount"},
		{"prompted tip with amount", paymentBody(`{"orderId":"O1","amount":1200,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"fixedAmount","mode":"prompted","amount":200}}}`), "order.breakdown.tip.mode"},
		{"tip type missing", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{}}}`), "order.breakdown.tip.type"},
		{"negative cashback", paymentBody(`{"orderId":"O1","amount":900,"currency":"USD","breakdown":{"subtotal":1000,"cashbackAmount":-100}}`), "order.breakdown.cashbackAmount"},
		{"healthcare over subtotal", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"healthcareExpenses":[{"type":"copay","amount":1001}]}}`), "order.breakdown.healthcareExpenses"},
		{"dual pricing without tender", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"dualPricing":{"offered":true}}}`), "order.breakdown.dualPricing.alternativeTender"},
		{"tax rate too high", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"taxes":[{"type":"rate","rate":100,"name":"X"}]}}`), "order.breakdown.taxes[0].rate"},
		{"percentage as a string", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":"15"}}}`), "order.breakdown.tip.percentage"},
		{"huge percentage text", paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":1e999999999}}}`), "order.breakdown.tip.percentage"},
		{"autoCapture not a boolean", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"autoCapture":"no"`), "autoCapture"},
		{"unknown mitAgreement", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"credentialOnFile":{"mitAgreement":"weekly"}`), "credentialOnFile.mitAgreement"},
		{"closed loop and EBT", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"customizationOptions":{"closedLoopOptions":{"type":"mifare"},"ebtDetails":{"benefitCategory":"cash"}}`), "customizationOptions.closedLoopOptions"},
		{"NUL in description", paymentBody(`{"orderId":"O1","amount":100,"currency":"USD","description":"a\u0000b"}`), "order.description"},
	}
	for _, tc := range bad {
		req, err := DecodePaymentInstructionRequest([]byte(tc.body))
		if req != nil || ferry.ErrorCode(err) != ferry.CodeInvalid {
			t.Errorf("%s: %+v, %v; want ferry.CodeInvalid", tc.name, req, err)
			continue
		}
		found := false
		for _, f := range fieldsOf(err) {
			found = found || f.Parameter == tc.param
		}
		if !found {
			t.Errorf("%s: problems %+v, want one at %s", tc.name, fieldsOf(err), tc.param)
		}
	}
}

func TestDecodeSignatureInstructionRequest(t *testing.T) {
	if r, err := DecodeSignatureInstructionRequest([]byte(`{"processingTerminalId":"1234001"}`)); err != nil || r.Terminal() != "1234001" || r.Money() != (ferry.Money{}) {
		t.Errorf("= %+v, %v", r, err)
	}
	for _, body := range []string{`{}`, `{"processingTerminalId":"123"}`, `{"processingTerminalId":12345}`, `[]`, `null`} {
		if _, err := DecodeSignatureInstructionRequest([]byte(body)); ferry.ErrorCode(err) != ferry.CodeInvalid {
			t.Errorf("%s: %v, want ferry.CodeInvalid", body, err)
		}
	}
}

func TestNewPaymentPromptedTip(t *testing.T) {
	req, err := DecodePaymentInstructionRequest([]byte(paymentBody(`{"orderId":"O1","amount":1080,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage"},"taxes":[{"type":"rate","rate":8,"name":"State"}]}}`)))
	if err != nil {
		t.Fatal(err)
	}
	in := &ferry.Instruction{ID: "i1", MerchantID: "m1", Kind: ferry.KindPayment, Request: req}
	authorized := int64(1230)
	p := NewPayment("P000000001", in, ferry.PaymentCard{Card: ferry.Card{Type: "Visa Credit", CardNumber: "453985******7062", ExpiryDate: "1230"}},
		ferry.SaleRead{Tip: 150, Total: 1230}, ferry.TransactionResult{Type: ferry.TransactionTypeSale, Status: "ready", ResponseCode: "A", AuthorizedAmount: &authorized}, time.Unix(0, 0))
	b := p.Order.Breakdown
	if p.Order.Amount != 1230 || b.Tip.Mode != ferry.TipPrompted || *b.Tip.Amount != 150 || *b.Taxes[0].Amount != 80 || b.Taxes[0].Type != "" {
		t.Errorf("payment order = %+v, tip %+v, taxes %+v", p.Order, b.Tip, b.Taxes)
	}
	if req.Order.Breakdown.Tip.Amount != nil {
		t.Error("NewPayment changed the request's breakdown")
	}
	if len(p.SupportedOperations) == 0 || p.SupportedOperations[0] != ferry.OpFullyReverse {
		t.Errorf("supportedOperations = %v", p.SupportedOperations)
	}
}

// FuzzDecodePaymentInstructionRequest: any body gives either a request
// whose breakdown adds up and whose free text holds no card number, or a
// ferry.CodeInvalid *ferry.Error that repeats none; an accepted request, re-encoded,
// decodes again to the same request.
func FuzzDecodePaymentInstructionRequest(f *testing.F) {
	for _, s := range []string{
		paymentBody(`{"orderId":"O1","amount":4999,"currency":"USD"}`),
		paymentBody(`{"orderId":"O1","amount":1080,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage"},"taxes":[{"type":"rate","rate":8,"name":"State"}]}}`),
		paymentBody(`{"orderId":"O1","amount":1230,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":15.0},"taxes":[{"type":"rate","rate":8,"name":"4539 8500 0000 7062"}]}}`),
		paymentBody(`{"orderId":"O1","amount":3000,"currency":"USD","acceptPartialAmount":true,"breakdown":{"subtotal":1000,"cashbackAmount":2000,"dualPricing":{"offered":true,"alternativeTender":"cash"},"surcharge":{"bypass":false},"healthcareExpenses":[{"type":"copay","amount":10}]}}`),
		paymentBody(`{"orderId":"O1","amount":100,"currency":"USD","description":"4012\t8888\t8888\t1881"}`, `,"autoCapture":false,"processAsSale":true,"credentialOnFile":{"tokenize":true,"secureTokenId":"x"}`),
		paymentBody(`{"orderId":"O1","amount":100,"currency":"USD"}`, `,"customizationOptions":{"closedLoopOptions":{"type":"mifare"}}`),
		paymentBody(`{"orderId":"O1","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"tip":{"type":"percentage","percentage":1e5}}}`),
		`{"order":null}`,
		`[]`,
		"\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodePaymentInstructionRequest(body)
		if err != nil {
			e, ok := errors.AsType[*ferry.Error](err)
			if !ok || e.Code != ferry.CodeInvalid || e.Message == "" || req != nil {
				t.Fatalf("error %v is not a ferry.CodeInvalid *ferry.Error", err)
			}
			for _, fe := range e.Fields {
				if fe.Detail == "" || fe.Message == "" || ferry.HasCardNumber(fe.Message) {
					t.Fatalf("field error %+v", fe)
				}
			}
			return
		}
		if req.Order.Amount <= 0 {
			t.Fatalf("accepted amount %d", req.Order.Amount)
		}
		if b := req.Order.Breakdown; b != nil && b.Expected() != req.Order.Amount {
			t.Fatalf("accepted a breakdown that adds up to %d for amount %d", b.Expected(), req.Order.Amount)
		}
		free := []string{req.Operator, req.Order.Description}
		if b := req.Order.Breakdown; b != nil {
			for _, tax := range b.Taxes {
				free = append(free, tax.Name)
			}
		}
		for _, s := range free {
			if ferry.HasCardNumber(s) || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
				t.Fatalf("accepted free text %q", s)
			}
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := DecodePaymentInstructionRequest(again)
		if err != nil {
			t.Fatalf("the re-encoded request %s fails: %v %+v", again, err, fieldsOf(err))
		}
		if b, _ := json.Marshal(req2); string(b) != string(again) {
			t.Fatalf("round trip changed the JSON:\n%s\n%s", again, b)
		}
	})
}
