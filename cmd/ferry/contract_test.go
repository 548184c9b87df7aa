package main

import (
	"strings"
	"testing"

	"github.com/ferrygateway/ferry/internal/contract"
	"github.com/ferrygateway/ferry/payroc"
)

// TestContract checks the bodies Ferry sends against the schemas in
// Payroc's OpenAPI file: every success and error the refund flow can give.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t)
	s := startServer(t, "--sim-delay", "20ms")
	c := s.client(t, s.APIKey)
	const (
		submit      = "/devices/{serialNumber}/refund-instructions"
		instruction = "/refund-instructions/{refundInstructionId}"
		refund      = "/refunds/{refundId}"
	)
	check := func(path, method string, r *response) {
		t.Helper()
		ct := r.Header.Get("Content-Type")
		spec.CheckResponse(t, path, method, r.Status, ct, r.Body)
	}
	customer := []byte(`{"processingTerminalId":"1234001","operator":"Jane","order":{"orderId":"OrderRef6543","description":"","amount":4951,"currency":"USD"},
		"customer":{"firstName":"Sarah","billingAddress":{"address1":"1 Example Ave.","city":"Chicago","state":"Illinois","country":"US","postalCode":"60056"},
		"contactMethods":[{"type":"email","value":"jane.doe@example.com"}],"notificationLanguage":"en"},"ipAddress":{"type":"ipv4","value":"10.0.0.1"}}`)

	for _, body := range [][]byte{refundBody(4999), customer} {
		r := c.submit(t, sandboxDevice, body)
		check(submit, "post", r)
		var in payroc.RefundInstruction
		r.JSON(t, &in)
		r = c.do(t, "GET", "/v1/refund-instructions/"+in.RefundInstructionID, nil)
		check(instruction, "get", r)
		done := c.poll(t, in.RefundInstructionID)
		r = c.do(t, "GET", strings.TrimPrefix(done.Link.Href, s.URL), nil)
		check(refund, "get", r)
		if strings.Contains(string(r.Body), "ipAddress") {
			t.Errorf("the write-only ipAddress came back: %s", r.Body)
		}
		r = c.do(t, "DELETE", "/v1/refund-instructions/"+in.RefundInstructionID, nil)
		check(instruction, "delete", r)
	}
	// Failure and canceled instructions.
	for _, amount := range []int64{4962, 4961} {
		id := c.refund(t, sandboxDevice, amount)
		c.poll(t, id)
		check(instruction, "get", c.do(t, "GET", "/v1/refund-instructions/"+id, nil))
		check(instruction, "delete", c.do(t, "DELETE", "/v1/refund-instructions/"+id, nil))
	}
	// Errors.
	check(submit, "post", c.submit(t, sandboxDevice, []byte(`{"order":{}}`)))
	check(submit, "post", c.do(t, "POST", "/v1/devices/"+sandboxDevice+"/refund-instructions", refundBody(1), "Content-Type", "application/json"))
	check(submit, "post", c.do(t, "POST", "/v1/devices/"+sandboxDevice+"/refund-instructions", refundBody(1), "Content-Type", "text/plain"))
	check(submit, "post", c.submit(t, "NO-SUCH-DEVICE", refundBody(1)))
	check(submit, "post", s.do(t, "POST", "/v1/devices/"+sandboxDevice+"/refund-instructions", refundBody(1)))
	busy := c.refund(t, "1850010869", 4971)
	check(submit, "post", c.submit(t, "1850010869", refundBody(1)))
	check(instruction, "delete", c.do(t, "DELETE", "/v1/refund-instructions/"+busy, nil))
	check(instruction, "get", c.do(t, "GET", "/v1/refund-instructions/"+strings.Repeat("a", 37), nil))
	check(instruction, "get", c.do(t, "GET", "/v1/refund-instructions/0123", nil))
	check(refund, "get", c.do(t, "GET", "/v1/refunds/ABC", nil))
	check(refund, "get", c.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil, "Accept", "text/html"))
	check(refund, "get", s.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil))
	check("/devices", "get", c.do(t, "GET", "/v1/devices?limit=2", nil))
	check("/devices", "get", c.do(t, "GET", "/v1/devices?limit=0", nil))
}
