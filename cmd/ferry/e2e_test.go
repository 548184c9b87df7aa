package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

const sandboxDevice = "1850010868"

// TestRefundFlow runs Payroc's "Run an unreferenced refund" guide step by
// step against the sandbox.
func TestRefundFlow(t *testing.T) { eachDB(t, testRefundFlow) }

func testRefundFlow(t *testing.T, boot starter) {
	s := boot(t)
	c := s.client(t, s.APIKey)

	r := c.submit(t, sandboxDevice, refundBody(4999))
	if r.Status != 202 || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("submit: %s", r)
	}
	var in payroc.RefundInstruction
	r.JSON(t, &in)
	if in.Status != ferry.StatusInProgress || len(in.RefundInstructionID) != 32 || in.Link == nil ||
		in.Link.Rel != "self" || in.Link.Method != "GET" || in.Link.Href != s.URL+"/v1/refund-instructions/"+in.RefundInstructionID {
		t.Fatalf("submit body = %s", r.Body)
	}

	done := c.poll(t, in.RefundInstructionID)
	if done.Status != ferry.StatusCompleted || done.ErrorMessage != "" || !strings.HasPrefix(done.Link.Href, s.URL+"/v1/refunds/") {
		t.Fatalf("completed instruction = %+v", done)
	}
	refund := c.refundOf(t, done)
	tr := refund.TransactionResult
	if len(refund.RefundID) != 10 || refund.ProcessingTerminalID != "1234001" || refund.Order.Amount != 4999 ||
		refund.Order.OrderID != "OrderRef6543" || refund.Card.CardNumber != "453985******7062" || refund.Card.ExpiryDate != "1230" ||
		tr.Type != "refund" || tr.Status != "ready" || tr.ResponseCode != "A" || len(tr.ApprovalCode) != 6 ||
		tr.AuthorizedAmount == nil || *tr.AuthorizedAmount != -4999 || tr.Currency != "USD" {
		t.Fatalf("refund = %+v", refund)
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, tc := range []struct {
		name    string
		path    string
		body    []byte
		headers []string
	}{
		{"no body", "/authorize", nil, []string{"x-api-key", s.APIKey}},
		{"empty body", "/authorize", []byte{}, []string{"X-API-KEY", s.APIKey}},
		{"Go SDK body", "/authorize", []byte(`{"client_id":"","client_secret":""}`), []string{"X-Api-Key", s.APIKey, "Content-Type", "application/json"}},
		{"under /v1", "/v1/authorize", nil, []string{"x-api-key", s.APIKey, "Accept", "application/json"}},
	} {
		r := s.do(t, "POST", tc.path, tc.body, tc.headers...)
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
			Scope       string `json:"scope"`
		}
		if r.Status != 200 {
			t.Fatalf("%s: %s", tc.name, r)
		}
		r.JSON(t, &tok)
		if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope == "" {
			t.Errorf("%s: token response %s", tc.name, r.Body)
		}
		if r := s.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil, "Authorization", "Bearer "+tok.AccessToken); r.Status != 404 {
			t.Errorf("%s: the token does not work: %s", tc.name, r)
		}
	}
	for _, key := range []string{"", "fy_key_nope"} {
		r := s.do(t, "POST", "/authorize", nil, "x-api-key", key)
		if r.Status != 401 || r.Problem(t).Type != ferry.ProblemTypeBase+"not-authorized" {
			t.Errorf("key %q: %s", key, r)
		}
	}
}

// TestUnauthorized: every /v1 endpoint needs a valid bearer token.
func TestUnauthorized(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	endpoints := []struct{ method, path string }{
		{"POST", "/v1/devices/" + sandboxDevice + "/refund-instructions"},
		{"GET", "/v1/refund-instructions/a37439165d134678a9100ebba3b29597"},
		{"DELETE", "/v1/refund-instructions/a37439165d134678a9100ebba3b29597"},
		{"GET", "/v1/refunds/CD3HN88U9F"},
	}
	for _, ep := range endpoints {
		for _, auth := range []string{"", "Bearer", "Bearer fy_tok_unknown", "Basic dXNlcjpwYXNz", s.APIKey} {
			r := s.do(t, ep.method, ep.path, refundBody(100), "Authorization", auth,
				"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey())
			if r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %s", ep.method, ep.path, auth, r)
				continue
			}
			if p := r.Problem(t); p.Type != ferry.ProblemTypeBase+"not-authorized" {
				t.Errorf("%s %s: type %s", ep.method, ep.path, p.Type)
			}
		}
	}
}

func TestSubmitErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.client(t, s.APIKey)
	path := "/v1/devices/" + sandboxDevice + "/refund-instructions"
	key := ferry.NewIdempotencyKey

	cases := []struct {
		name    string
		body    []byte
		headers []string
		status  int
		slug    string
		params  []string // parameters expected in errors[]
	}{
		{"missing key", refundBody(100), []string{"Content-Type", "application/json"}, 400, "idempotency-key-missing", nil},
		{"malformed key", refundBody(100), []string{"Content-Type", "application/json", "Idempotency-Key", "not-a-uuid"}, 400, "idempotency-key-missing", nil},
		{"not JSON", refundBody(100), []string{"Content-Type", "text/plain", "Idempotency-Key", key()}, 415, "unsupported-media-type", nil},
		{"no content type", refundBody(100), []string{"Idempotency-Key", key()}, 415, "unsupported-media-type", nil},
		{"malformed JSON", []byte(`{"processingTerminalId":`), []string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request", nil},
		{"invalid UTF-8", []byte("{\"operator\":\"\xff\"}"), []string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request", nil},
		{"deep nesting", []byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), []string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request", nil},
		{"too large", append(append([]byte(`{"operator":"`), bytes.Repeat([]byte("a"), 70<<10)...), `"}`...), []string{"Content-Type", "application/json", "Idempotency-Key", key()}, 413, "payload-too-large", nil},
		{"everything wrong", []byte(`{"processingTerminalId":"12","operator":` + fmt.Sprintf("%q", strings.Repeat("x", 51)) +
			`,"order":{"orderId":"","amount":49.99,"currency":"usd"},"customer":{"contactMethods":[{"type":"email"}]},"ipAddress":{"type":"ipv4","value":"::1"}}`),
			[]string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request",
			[]string{"processingTerminalId", "operator", "order.orderId", "order.description", "order.amount", "order.currency", "customer.contactMethods[0].value", "ipAddress.value"}},
		{"huge amount", []byte(`{"processingTerminalId":"1234001","order":{"orderId":"o","description":"","amount":123456789012345678901234567890,"currency":"USD"}}`),
			[]string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request", []string{"order.amount"}},
		{"wrong terminal", []byte(`{"processingTerminalId":"9999001","order":{"orderId":"o","description":"","amount":100,"currency":"USD"}}`),
			[]string{"Content-Type", "application/json", "Idempotency-Key", key()}, 400, "bad-request", []string{"processingTerminalId"}},
	}
	for _, tc := range cases {
		r := c.do(t, "POST", path, tc.body, tc.headers...)
		if r.Status != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, r, tc.status)
			continue
		}
		p := r.Problem(t)
		if p.Slug() != tc.slug {
			t.Errorf("%s: type %s, want %s", tc.name, p.Type, tc.slug)
		}
		var got []string
		for _, e := range p.Errors {
			got = append(got, e.Parameter)
			if e.Message == "" {
				t.Errorf("%s: error without a message: %+v", tc.name, e)
			}
		}
		if tc.params != nil && strings.Join(got, ",") != strings.Join(tc.params, ",") {
			t.Errorf("%s: errors for %v, want %v", tc.name, got, tc.params)
		}
	}

	r := c.submit(t, "NO-SUCH-DEVICE", refundBody(100))
	if r.Status != 404 || r.Problem(t).Slug() != "not-found" {
		t.Errorf("unknown device: %s", r)
	}
	r = c.submit(t, strings.Repeat("9", 65), refundBody(100))
	if r.Status != 400 {
		t.Errorf("65-character serial number: %s", r)
	}
	// Unknown members and the read-only order.dateTime are ignored.
	r = c.submit(t, sandboxDevice, []byte(`{"processingTerminalId":"1234001","extra":{"a":[1,2]},"order":{"orderId":"o","description":"","amount":100,"currency":"USD","dateTime":"yesterday"}}`))
	if r.Status != 202 {
		t.Errorf("unknown members: %s", r)
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.client(t, s.APIKey)
	cases := []struct {
		method, path string
		headers      []string
		status       int
		slug         string
	}{
		{"GET", "/v1/refund-instructions/0123456789abcdef0123456789abcdef", nil, 404, "not-found"},
		{"GET", "/v1/refund-instructions/" + strings.Repeat("a", 37), nil, 400, "bad-request"},
		{"DELETE", "/v1/refund-instructions/0123456789abcdef0123456789abcdef", nil, 404, "not-found"},
		{"GET", "/v1/refunds/ABCDEFGHIJ", nil, 404, "not-found"},
		{"GET", "/v1/refunds/ABCDEFGHI", nil, 400, "bad-request"},
		{"GET", "/v1/nothing-here", nil, 404, "not-found"},
		{"PUT", "/v1/refund-instructions/0123", nil, 405, "method-not-allowed"},
		{"GET", "/v1/devices/" + sandboxDevice + "/refund-instructions", nil, 405, "method-not-allowed"},
		{"GET", "/authorize", nil, 405, "method-not-allowed"},
		{"GET", "/v1/refunds/ABCDEFGHIJ", []string{"Accept", "text/html"}, 406, "not-acceptable"},
		{"GET", "/v1/refunds/ABCDEFGHIJ", []string{"Accept", "application/json;q=0"}, 406, "not-acceptable"},
	}
	for _, tc := range cases {
		r := c.do(t, tc.method, tc.path, nil, tc.headers...)
		if r.Status != tc.status || r.Problem(t).Slug() != tc.slug {
			t.Errorf("%s %s %v: %s, want %d %s", tc.method, tc.path, tc.headers, r, tc.status, tc.slug)
		}
		if tc.status == 405 && r.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
	// What the SDKs send is accepted: Content-Type on body-less requests,
	// any of the usual Accept values.
	id := c.refund(t, "1850010869", 100)
	for _, h := range [][]string{
		{"Content-Type", "application/json"},
		{"Accept", "*/*"},
		{"Accept", "application/json"},
		{"Accept", "text/html, application/*;q=0.5"},
		{"X-Fern-Language", "Go", "X-Fern-SDK-Name", "github.com/payroc/payroc-sdk-go"},
	} {
		if r := c.do(t, "GET", "/v1/refund-instructions/"+id, nil, h...); r.Status != 200 {
			t.Errorf("GET with %v: %s", h, r)
		}
	}
	queued := s.queuedInstruction(t, c)
	if r := c.do(t, "DELETE", "/v1/refund-instructions/"+queued, nil, "Content-Type", "application/json"); r.Status != 204 || len(r.Body) != 0 {
		t.Errorf("DELETE with Content-Type: %s", r)
	}
	if r := s.do(t, "GET", "/healthz", nil); r.Status != 200 {
		t.Errorf("healthz: %s", r)
	}
}

// queuedInstruction submits an instruction to a device that no simulator
// runs, so that it stays queued.
func (s *server) queuedInstruction(t *testing.T, c *posClient) string {
	t.Helper()
	serial := "REAL-" + ferry.NewID()[18:]
	s.addDevice(t, s.Merchant, serial, false)
	return c.refund(t, serial, 100)
}

func TestIdempotency(t *testing.T) { eachDB(t, testIdempotency) }

func testIdempotency(t *testing.T, boot starter) {
	s := boot(t)
	c := s.client(t, s.APIKey)
	key := ferry.NewIdempotencyKey()
	first := c.submitKey(t, sandboxDevice, key, refundBody(4999))
	if first.Status != 202 {
		t.Fatalf("first: %s", first)
	}
	// The same request again: the same bytes, nothing new.
	again := c.submitKey(t, sandboxDevice, strings.ToUpper(key), refundBody(4999))
	if again.Status != 202 || !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %s", again)
	}
	// The same key with a different request.
	other := c.submitKey(t, sandboxDevice, key, refundBody(5000))
	if other.Status != 409 || other.Problem(t).Slug() != "idempotency-key-in-use" {
		t.Fatalf("different request, same key: %s", other)
	}
	// After completion, a replay still returns the original 202.
	var in payroc.RefundInstruction
	first.JSON(t, &in)
	c.poll(t, in.RefundInstructionID)
	if again := c.submitKey(t, sandboxDevice, key, refundBody(4999)); !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay after completion: %s", again)
	}
}

func TestConcurrentDuplicates(t *testing.T) { eachDB(t, testConcurrentDuplicates) }

func testConcurrentDuplicates(t *testing.T, boot starter) {
	s := boot(t, "--sim-delay", "10s")
	c := s.client(t, s.APIKey)
	key := ferry.NewIdempotencyKey()
	const n = 50
	results := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = c.submitKey(t, sandboxDevice, key, refundBody(4999)) })
	}
	wg.Wait()
	for i, r := range results {
		if r.Status != 202 || !bytes.Equal(r.Body, results[0].Body) {
			t.Fatalf("duplicate %d: %s (first: %s)", i, r, results[0])
		}
	}
	// One instruction: the device is busy with it, and only with it.
	busy := c.submit(t, sandboxDevice, refundBody(100))
	var in payroc.RefundInstruction
	results[0].JSON(t, &in)
	if busy.Status != 409 || busy.Problem(t).Slug() != "device-busy" || !strings.HasSuffix(busy.Problem(t).Instance, in.RefundInstructionID) {
		t.Fatalf("device busy: %s", busy)
	}
}

func TestLongPoll(t *testing.T) { eachDB(t, testLongPoll) }

func testLongPoll(t *testing.T, boot starter) {
	s := boot(t, "--sim-delay", "300ms", "--poll-wait", "20s")
	c := s.client(t, s.APIKey)

	// Completion wakes a waiting poll long before the poll wait ends.
	id := c.refund(t, sandboxDevice, 4999)
	start := time.Now()
	r := c.do(t, "GET", "/v1/refund-instructions/"+id, nil)
	var in payroc.RefundInstruction
	r.JSON(t, &in)
	if in.Status != ferry.StatusCompleted || time.Since(start) > 10*time.Second {
		t.Fatalf("poll returned %s after %v", r.Body, time.Since(start))
	}

	// A cancel wakes a waiting poll, which sees canceled.
	queued := s.queuedInstruction(t, c)
	got := make(chan *response, 1)
	go func() { got <- c.do(t, "GET", "/v1/refund-instructions/"+queued, nil) }()
	s.waitWaiting(t, ferry.InstructionTopic(queued), 1)
	if r := c.do(t, "DELETE", "/v1/refund-instructions/"+queued, nil); r.Status != 204 {
		t.Fatalf("cancel: %s", r)
	}
	select {
	case r := <-got:
		r.JSON(t, &in)
		if in.Status != ferry.StatusCanceled {
			t.Fatalf("woken poll: %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancel did not wake the poll")
	}
}

func TestPollWaitExpires(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--poll-wait", "300ms", "--instruction-timeout", "1m")
	c := s.client(t, s.APIKey)
	id := s.queuedInstruction(t, c)
	start := time.Now()
	r := c.do(t, "GET", "/v1/refund-instructions/"+id, nil)
	var in payroc.RefundInstruction
	r.JSON(t, &in)
	if in.Status != ferry.StatusInProgress || in.Link.Rel != "self" {
		t.Fatalf("after the poll wait: %s", r)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("answered after %v, before the poll wait of 300ms", waited)
	}
}

func TestCancelPhases(t *testing.T) { eachDB(t, testCancelPhases) }

func testCancelPhases(t *testing.T, boot starter) {
	s := boot(t, "--sim-delay", "100ms")
	c := s.client(t, s.APIKey)
	cancel := func(id string) *response { return c.do(t, "DELETE", "/v1/refund-instructions/"+id, nil) }

	// Queued: no device has it yet.
	queued := s.queuedInstruction(t, c)
	if r := cancel(queued); r.Status != 204 {
		t.Fatalf("cancel queued: %s", r)
	}
	if in := c.poll(t, queued); in.Status != ferry.StatusCanceled {
		t.Fatalf("after cancel: %+v", in)
	}
	// Delivered: the slow cardholder (71) is still at the device.
	slow := c.refund(t, sandboxDevice, 4971)
	s.waitPhase(t, slow, ferry.PhaseDelivered)
	if r := cancel(slow); r.Status != 204 {
		t.Fatalf("cancel delivered: %s", r)
	}
	if in := c.poll(t, slow); in.Status != ferry.StatusCanceled {
		t.Fatalf("after cancel: %+v", in)
	}
	// Ended instructions cannot be canceled; a completed one links to its refund.
	done := c.refund(t, sandboxDevice, 4999)
	in := c.poll(t, done)
	r := cancel(done)
	p := r.Problem(t)
	if r.Status != 409 || p.Slug() != "cannot-be-canceled" || p.Link == nil || p.Link.Href != in.Link.Href ||
		len(p.Errors) != 1 || p.Errors[0].Parameter != "refundInstructionId" {
		t.Fatalf("cancel completed: %s", r)
	}
	failed := c.refund(t, sandboxDevice, 4962)
	c.poll(t, failed)
	if r := cancel(failed); r.Status != 409 || r.Problem(t).Link != nil {
		t.Fatalf("cancel failed: %s", r)
	}
	if r := cancel(slow); r.Status != 409 {
		t.Fatalf("cancel canceled: %s", r)
	}
	// The device runs the next instruction normally.
	if in := c.poll(t, c.refund(t, sandboxDevice, 4999)); in.Status != ferry.StatusCompleted {
		t.Fatalf("after the cancels: %+v", in)
	}
}

// TestSandboxTable checks every row of docs/sandbox.md.
func TestSandboxTable(t *testing.T) { eachDB(t, testSandboxTable) }

func testSandboxTable(t *testing.T, boot starter) {
	s := boot(t, "--sim-delay", "20ms", "--instruction-timeout", "1s")
	c := s.client(t, s.APIKey)
	rows := []struct {
		amount   int64
		status   ferry.Status
		code     string // refund responseCode
		txStatus string
	}{
		{4951, ferry.StatusCompleted, "D", "declined"},
		{4952, ferry.StatusCompleted, "R", "declined"},
		{4953, ferry.StatusCompleted, "C", "pickup"},
		{4961, ferry.StatusCanceled, "", ""},
		{4962, ferry.StatusFailure, "", ""},
		{4963, ferry.StatusFailure, "", ""},
		{4971, ferry.StatusCompleted, "A", "ready"},
		{4999, ferry.StatusCompleted, "A", "ready"},
		{1, ferry.StatusCompleted, "A", "ready"},
	}
	devices := []string{"1850010868", "1850010869", "1850010870", "1850010871"}
	var wg sync.WaitGroup
	for i, row := range rows {
		wg.Go(func() {
			start := time.Now()
			in := c.poll(t, c.refund(t, devices[i%len(devices)], row.amount))
			if in.Status != row.status {
				t.Errorf("amount %d: status %s (%q), want %s", row.amount, in.Status, in.ErrorMessage, row.status)
				return
			}
			switch row.status {
			case ferry.StatusCompleted:
				tr := c.refundOf(t, in).TransactionResult
				if tr.ResponseCode != row.code || tr.Status != row.txStatus || (row.code == "A") != (len(tr.ApprovalCode) == 6) {
					t.Errorf("amount %d: result %+v, want %s %s", row.amount, tr, row.code, row.txStatus)
				}
			case ferry.StatusFailure:
				if in.ErrorMessage == "" {
					t.Errorf("amount %d: failure without errorMessage", row.amount)
				}
			}
			elapsed := time.Since(start)
			if row.amount%100 == 71 && elapsed < 200*time.Millisecond {
				t.Errorf("slow cardholder answered after %v, before 10 × sim-delay", elapsed)
			}
			if row.amount%100 == 63 && elapsed < time.Second {
				t.Errorf("silent device failed after %v, before the instruction timeout", elapsed)
			}
		})
		if (i+1)%len(devices) == 0 {
			wg.Wait() // one instruction per device at a time
		}
	}
	wg.Wait()
}

// TestCrossMerchant: another merchant's ids and keys answer exactly like
// unknown ones.
func TestCrossMerchant(t *testing.T) { eachDB(t, testCrossMerchant) }

func testCrossMerchant(t *testing.T, boot starter) {
	s := boot(t)
	a := s.client(t, s.APIKey)
	key := ferry.NewIdempotencyKey()
	id := a.refund(t, sandboxDevice, 4999)
	r := a.submitKey(t, "1850010869", key, refundBody(100))
	in := a.poll(t, id)
	refundPath := strings.TrimPrefix(in.Link.Href, s.URL)

	bID, bKey := s.newMerchant(t, "Beta")
	s.addDevice(t, bID, "1850010869", true) // the same serial number, B's own device
	b := s.client(t, bKey)

	same := func(name string, got, unknown *response) {
		t.Helper()
		if got.Status != unknown.Status || got.Problem(t).Detail != unknown.Problem(t).Detail {
			t.Errorf("%s: %s, but an unknown id gives %s", name, got, unknown)
		}
	}
	same("GET instruction", b.do(t, "GET", "/v1/refund-instructions/"+id, nil), b.do(t, "GET", "/v1/refund-instructions/0123456789abcdef0123456789abcdef", nil))
	same("DELETE instruction", b.do(t, "DELETE", "/v1/refund-instructions/"+id, nil), b.do(t, "DELETE", "/v1/refund-instructions/0123456789abcdef0123456789abcdef", nil))
	same("GET refund", b.do(t, "GET", refundPath, nil), b.do(t, "GET", "/v1/refunds/ZZZZZZZZZZ", nil))
	same("POST to A's device", b.submit(t, sandboxDevice, refundBody(100)), b.submit(t, "NO-SUCH-DEVICE", refundBody(100)))
	// A's idempotency key means nothing to B: B's request runs as new.
	rb := b.submitKey(t, "1850010869", key, refundBody(100))
	if rb.Status != 202 || bytes.Equal(rb.Body, r.Body) {
		t.Errorf("B with A's idempotency key: %s", rb)
	}
	// A's data is untouched.
	if got := a.poll(t, id); got.Status != ferry.StatusCompleted {
		t.Errorf("A's instruction after B's attempts: %+v", got)
	}
}

func TestRestartKeepsEverything(t *testing.T) { eachDB(t, testRestartKeepsEverything) }

func testRestartKeepsEverything(t *testing.T, boot starter) {
	s := boot(t, "--sim-delay", "100ms", "--instruction-timeout", "5s")
	c := s.client(t, s.APIKey)
	doneID := c.refund(t, sandboxDevice, 4999)
	done := c.poll(t, doneID)
	// In flight at shutdown: a slow cardholder at a device (delivered), and
	// an instruction no device will take (queued).
	inFlight := c.refund(t, "1850010869", 4971)
	queued := s.queuedInstruction(t, c)
	s.waitPhase(t, inFlight, ferry.PhaseDelivered)
	s.stop()

	s2 := startServerOn(t, s.DB, "--sim-delay", "20ms", "--instruction-timeout", "2s")
	if s2.APIKey != "" {
		t.Error("a restart printed a new sandbox API key")
	}
	c2 := s2.client(t, s.APIKey) // the key from the first start still works
	if in := c2.poll(t, doneID); in.Status != ferry.StatusCompleted || strings.TrimPrefix(in.Link.Href, s2.URL) != strings.TrimPrefix(done.Link.Href, s.URL) {
		t.Fatalf("the completed instruction after a restart: %+v", in)
	}
	if r := c2.do(t, "GET", strings.TrimPrefix(done.Link.Href, s.URL), nil); r.Status != 200 {
		t.Fatalf("the refund after a restart: %s", r)
	}
	// The delivered one is taken up again once its lease runs out.
	if in := c2.poll(t, inFlight); in.Status != ferry.StatusCompleted {
		t.Errorf("in-flight instruction after restart: %+v", in)
	}
	// The queued one ends by its deadline (set when it was submitted)
	// instead of staying in progress: the clock moves past it.
	s2.clock.Advance(5 * time.Second)
	if in := c2.poll(t, queued); in.Status != ferry.StatusFailure || in.ErrorMessage == "" {
		t.Errorf("queued instruction after restart: %+v", in)
	}
}

// TestShutdownAnswersWaitingPolls: a graceful stop answers long-polls at
// once with the current state.
func TestShutdownAnswersWaitingPolls(t *testing.T) { eachDB(t, testShutdownAnswersWaitingPolls) }

func testShutdownAnswersWaitingPolls(t *testing.T, boot starter) {
	s := boot(t, "--poll-wait", "50s", "--instruction-timeout", "1m")
	c := s.client(t, s.APIKey)
	id := s.queuedInstruction(t, c)
	got := make(chan *response, 1)
	go func() { got <- c.do(t, "GET", "/v1/refund-instructions/"+id, nil) }()
	s.waitWaiting(t, ferry.InstructionTopic(id), 1)
	go s.stop()
	select {
	case r := <-got:
		var in payroc.RefundInstruction
		r.JSON(t, &in)
		if r.Status != 200 || in.Status != ferry.StatusInProgress {
			t.Errorf("poll during shutdown: %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a waiting poll held up the shutdown")
	}
}

func TestAdminCommands(t *testing.T) { eachDB(t, testAdminCommands) }

func testAdminCommands(t *testing.T, boot starter) {
	s := boot(t)
	id, key := s.newMerchant(t, "Gamma")
	s.addDevice(t, id, "GAMMA-1", true)
	out, err := s.admin(t, "device", "list", "--merchant", id, "--json")
	var devices []map[string]any
	if err != nil || json.Unmarshal([]byte(out), &devices) != nil || len(devices) != 1 || devices[0]["serialNumber"] != "GAMMA-1" {
		t.Fatalf("device list: %v\n%s", err, out)
	}
	// A simulated device added while the server runs is driven at once.
	c := s.client(t, key)
	if in := c.poll(t, c.refund(t, "GAMMA-1", 100)); in.Status != ferry.StatusCompleted {
		t.Fatalf("new simulated device: %+v", in)
	}
	if out, err := s.admin(t, "device", "add", "--merchant", id, "--serial", "GAMMA-1", "--terminal", "1234001"); err == nil {
		t.Errorf("a duplicate serial number was accepted: %s", out)
	}
	// Revoking the key ends it and its tokens at once.
	out, err = s.admin(t, "apikey", "list", "--merchant", id)
	fields := strings.Fields(strings.Split(out, "\n")[1])
	if err != nil || len(fields) == 0 {
		t.Fatalf("apikey list: %v\n%s", err, out)
	}
	if out, err := s.admin(t, "apikey", "revoke", "--merchant", id, "--key", fields[0]); err != nil {
		t.Fatalf("apikey revoke: %v\n%s", err, out)
	}
	// The server remembers valid tokens; a revocation from another process
	// reaches it within a second.
	var r *response
	if !waitUntil(time.Second, func() bool { r = c.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil); return r.Status == 401 }) {
		t.Fatalf("a token of a revoked key still works after a second: %s", r)
	}
	if r := s.do(t, "POST", "/authorize", nil, "x-api-key", key); r.Status != 401 {
		t.Errorf("a revoked key: %s", r)
	}
}

func TestDatabaseFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://nobody:secret@127.0.0.1:1/ferry?connect_timeout=1", "opening postgres://nobody:***@127.0.0.1:1/ferry"},
		{"mysql://localhost/ferry", "supported: sqlite:PATH (e.g. sqlite:ferry.db) and postgres://"},
		{"ferry.db", "supported: sqlite:PATH"},
		{"sqlite:", "name the database file"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"serve", "--db", tc.dsn, "--listen", "127.0.0.1:0"}, func(string) string { return "" }, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("--db %s: %v, want an error containing %q and no password", tc.dsn, err, tc.want)
		}
	}
}

func TestEnvironmentConfig(t *testing.T) {
	t.Parallel()
	getenv := func(k string) string {
		return map[string]string{"FERRY_POLL_WAIT": "2m"}[k]
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--db", "sqlite:" + t.TempDir() + "/x.db"}, getenv, nil, &bytes.Buffer{}, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--poll-wait 2m0s") {
		t.Errorf("FERRY_POLL_WAIT=2m: %v", err)
	}
}
