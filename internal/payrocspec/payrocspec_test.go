package payrocspec

import (
	"testing"
)

const (
	submit      = "/devices/{serialNumber}/refund-instructions"
	instruction = "/refund-instructions/{refundInstructionId}"
	refund      = "/refunds/{refundId}"
)

// TestExamplesMatchTheirSchemas: the spec's own examples pass the schemas
// as this package compiles them, which shows the reading is right.
func TestExamplesMatchTheirSchemas(t *testing.T) {
	s := Load(t)
	t.Logf("read %s in %v", s.Path, s.LoadTime)
	for _, tc := range []struct {
		path, method string
		status       int
		ct           string
	}{
		{submit, "post", 202, "application/json"},
		{submit, "post", 400, "application/problem+json"},
		{instruction, "get", 200, "application/json"},
		{instruction, "delete", 409, "application/problem+json"},
		{refund, "get", 200, "application/json"},
		{"/devices", "get", 200, "application/json"},
	} {
		names := s.Examples(tc.path, tc.method, tc.status, tc.ct)
		if len(names) == 0 {
			t.Errorf("%s %s %d: no examples", tc.method, tc.path, tc.status)
		}
		for _, name := range names {
			body, err := s.Example(tc.path, tc.method, tc.status, tc.ct, name)
			if err != nil {
				t.Fatal(err)
			}
			s.CheckResponse(t, tc.path, tc.method, tc.status, tc.ct, body)
		}
	}
}

// TestBrokenBodiesFail: the checks can fail.
func TestBrokenBodiesFail(t *testing.T) {
	s := Load(t)
	for _, tc := range []struct {
		path, method string
		status       int
		ct, body     string
	}{
		{instruction, "get", 200, "application/json", `{"refundInstructionId":"a"}`},
		{instruction, "get", 200, "application/json", `{"refundInstructionId":"a","status":"done"}`},
		{refund, "get", 200, "application/json", `{"refundId":"CD3HN88U9","processingTerminalId":"1234001","order":{"orderId":"o","description":"d","amount":1,"currency":"USD"},"card":{"type":"Visa","cardNumber":"453985******7062","expiryDate":"1230"},"transactionResult":{"status":"ready","responseCode":"A"}}`},
		{refund, "get", 200, "application/json", `{"refundId":"CD3HN88U9F","processingTerminalId":"1234001","order":{"orderId":"o","description":"d","amount":1,"currency":"USD"},"card":{"type":"Visa","cardNumber":"453985******7062","expiryDate":"1230"},"transactionResult":{"status":"ready"}}`},
		{refund, "get", 200, "application/json", `{"refundId":"CD3HN88U9F","processingTerminalId":"1234001","order":{"orderId":"o","dateTime":"2024-07-02 15:30","description":"d","amount":1,"currency":"USD"},"card":{"type":"Visa","cardNumber":"453985******7062","expiryDate":"1230"},"transactionResult":{"status":"ready","responseCode":"A"}}`},
		{instruction, "delete", 409, "application/problem+json", `{"type":"x","status":409,"detail":"d"}`},
	} {
		sch, err := s.ResponseSchemaFor(tc.path, tc.method, tc.status, tc.ct)
		if err != nil {
			t.Fatal(err)
		}
		if validate(sch, []byte(tc.body)) == nil {
			t.Errorf("%s %s %d accepted %s", tc.method, tc.path, tc.status, tc.body)
		}
	}
	// The valid version of the refund above passes.
	ok := `{"refundId":"CD3HN88U9F","processingTerminalId":"1234001","order":{"orderId":"o","description":"d","amount":1,"currency":"USD"},"card":{"type":"Visa","cardNumber":"453985******7062","expiryDate":"1230"},"transactionResult":{"status":"ready","responseCode":"A"}}`
	s.CheckResponse(t, refund, "get", 200, "application/json", []byte(ok))
}

func TestValidateRequest(t *testing.T) {
	s := Load(t)
	good := `{"operator":"Jane","processingTerminalId":"1234001","order":{"orderId":"OrderRef6543","description":"Refund for order OrderRef6543","amount":4999,"currency":"USD"},"customizationOptions":{"entryMethod":"manualEntry"}}`
	if err := s.ValidateRequest(submit, "post", []byte(good)); err != nil {
		t.Fatalf("Payroc's own example fails: %v", err)
	}
	for _, bad := range []string{
		`{"processingTerminalId":"123","order":{"orderId":"o","description":"d","amount":1,"currency":"USD"}}`,
		`{"processingTerminalId":"1234001","order":{"orderId":"o","amount":1,"currency":"USD"}}`,
		`{"processingTerminalId":"1234001","order":{"orderId":"o","description":"d","amount":1,"currency":"usd"}}`,
		`{"processingTerminalId":"1234001","order":{"orderId":"o","description":"d","amount":"1","currency":"USD"}}`,
	} {
		if s.ValidateRequest(submit, "post", []byte(bad)) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
