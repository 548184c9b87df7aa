package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/internal/contract"
)

// submitKind posts an instruction of kind k with a new idempotency key.
func (c *posClient) submitKind(t *testing.T, k ferry.InstructionKind, serial string, body []byte) *response {
	t.Helper()
	return c.do(t, "POST", "/v1/devices/"+serial+"/"+string(k)+"-instructions", body,
		"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey())
}

// instruction is the instruction body of any kind.
type instruction struct {
	PaymentInstructionID   string       `json:"paymentInstructionId"`
	SignatureInstructionID string       `json:"signatureInstructionId"`
	RefundInstructionID    string       `json:"refundInstructionId"`
	Status                 ferry.Status `json:"status"`
	ErrorMessage           string       `json:"errorMessage"`
	Link                   *ferry.Link  `json:"link"`
}

func (in *instruction) id() string {
	return in.PaymentInstructionID + in.SignatureInstructionID + in.RefundInstructionID
}

// start submits an instruction that must be accepted.
func (c *posClient) start(t *testing.T, k ferry.InstructionKind, serial string, body []byte) string {
	t.Helper()
	r := c.submitKind(t, k, serial, body)
	if r.Status != 202 {
		t.Fatalf("submit %s: %s", k, r)
	}
	var in instruction
	r.JSON(t, &in)
	if in.id() == "" || in.Status != ferry.StatusInProgress {
		t.Fatalf("submit %s: %s", k, r.Body)
	}
	return in.id()
}

// follow long-polls an instruction of kind k until it leaves inProgress.
func (c *posClient) follow(t *testing.T, k ferry.InstructionKind, id string) *instruction {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := c.do(t, "GET", k.Path()+"/"+id, nil)
		if r.Status != 200 {
			t.Fatalf("poll: %s", r)
		}
		var in instruction
		r.JSON(t, &in)
		if in.Status != ferry.StatusInProgress {
			return &in
		}
	}
	t.Fatalf("instruction %s still in progress after 30s", id)
	return nil
}

// linked fetches what a completed instruction links to into v, and
// returns the response.
func (c *posClient) linked(t *testing.T, in *instruction, rel string, v any) *response {
	t.Helper()
	if in.Status != ferry.StatusCompleted || in.Link == nil || in.Link.Rel != rel {
		t.Fatalf("instruction links to no %s: %+v", rel, in)
	}
	r := c.do(t, "GET", strings.TrimPrefix(in.Link.Href, c.s.URL), nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %s", in.Link.Href, r)
	}
	r.JSON(t, v)
	return r
}

func saleJSON(amount int64, extra string) []byte {
	return []byte(fmt.Sprintf(`{"processingTerminalId":"1234001","operator":"Jane","order":{"orderId":"OrderRef6543","amount":%d,"currency":"USD"%s}}`, amount, extra))
}

// TestSales runs the flows a POS runs against the real server on both
// stores: a sale with a prompted tip, a pre-authorization, a partial
// approval, a declined sale, a signature, and a cancel of each kind.
func TestSales(t *testing.T) {
	eachDB(t, func(t *testing.T, start starter) {
		s := start(t)
		c := s.client(t, s.APIKey)

		// A sale with a tip prompt: the simulated cardholder takes 15% of
		// the subtotal, and the authorized amount includes it.
		id := c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(1080,
			`,"breakdown":{"subtotal":1000,"tip":{"type":"percentage","mode":"prompted"},"taxes":[{"type":"rate","rate":8,"name":"State"}]}`))
		var p ferry.Payment
		c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelPayment, &p)
		tr := p.TransactionResult
		if tr.ResponseCode != "A" || tr.Type != "sale" || *tr.AuthorizedAmount != 1230 || p.Order.Amount != 1230 ||
			p.Order.Breakdown.Tip.Mode != "prompted" || *p.Order.Breakdown.Tip.Amount != 150 || p.Card.CardNumber != "453985******7062" {
			t.Errorf("prompted-tip sale = %+v", p)
		}

		// A pre-authorization.
		p = ferry.Payment{}
		id = c.start(t, ferry.KindPayment, sandboxDevice, []byte(`{"processingTerminalId":"1234001","order":{"orderId":"O2","amount":5000,"currency":"USD"},"autoCapture":false}`))
		c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelPayment, &p)
		if p.TransactionResult.Type != "preAuthorization" || p.TransactionResult.Status != "pending" {
			t.Errorf("pre-authorization = %+v", p.TransactionResult)
		}

		// A partial approval: half, rounded down.
		p = ferry.Payment{}
		id = c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(1055, `,"acceptPartialAmount":true`))
		c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelPayment, &p)
		if p.TransactionResult.ResponseCode != "P" || *p.TransactionResult.AuthorizedAmount != 527 {
			t.Errorf("partial approval = %+v", p.TransactionResult)
		}

		// A declined sale still completes the instruction.
		p = ferry.Payment{}
		id = c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(1051, ""))
		c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelPayment, &p)
		if p.TransactionResult.Status != "declined" || p.TransactionResult.AuthorizedAmount != nil {
			t.Errorf("declined sale = %+v", p.TransactionResult)
		}

		// A signature: a real PNG.
		id = c.start(t, ferry.KindSignature, sandboxDevice, []byte(`{"processingTerminalId":"1234001"}`))
		var sig struct {
			SignatureID, ProcessingTerminalID, CreatedOn, ContentType string
			Signature                                                 []byte
		}
		c.linked(t, c.follow(t, ferry.KindSignature, id), ferry.RelSignature, &sig)
		if sig.ContentType != "image/png" || !ferry.ValidSignatureImage("image/png", sig.Signature) || len(sig.CreatedOn) != 10 {
			t.Errorf("signature = %+v", sig)
		}

		// A closed-loop read.
		id = c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(500, `},"customizationOptions":{"closedLoopOptions":{"type":"mifare"}`))
		var read ferry.ClosedLoopRead
		c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelClosedLoopRead, &read)
		if !strings.Contains(string(read.Data), "mifare") {
			t.Errorf("closed-loop read = %s", read.Data)
		}

		// A cancel of each kind, while the slow cardholder thinks.
		for _, k := range []ferry.InstructionKind{ferry.KindPayment, ferry.KindRefund, ferry.KindSignature} {
			body := saleJSON(4971, "")
			switch k {
			case ferry.KindRefund:
				body = refundBody(4971)
			case ferry.KindSignature:
				body = []byte(`{"processingTerminalId":"1234001"}`)
			}
			// A device that never polls keeps the instruction queued.
			id := c.start(t, k, "1850010871", body)
			if r := c.do(t, "DELETE", k.Path()+"/"+id, nil); r.Status != 204 {
				t.Fatalf("cancel %s: %s", k, r)
			}
			if in := c.follow(t, k, id); in.Status != ferry.StatusCanceled {
				t.Errorf("%s after cancel: %+v", k, in)
			}
			if r := c.do(t, "DELETE", k.Path()+"/"+id, nil); r.Status != 409 {
				t.Errorf("second cancel of %s: %s", k, r)
			}
		}

		// Ids are per kind: a payment instruction's id is no refund
		// instruction's, and one merchant's payment is not another's.
		if r := c.do(t, "GET", "/v1/refund-instructions/"+id, nil); r.Status != 404 {
			t.Errorf("a payment instruction as a refund instruction: %s", r)
		}
		_, key := s.newMerchant(t, "Other")
		other := s.client(t, key)
		if r := other.do(t, "GET", "/v1/payments/"+p.PaymentID, nil); r.Status != 404 {
			t.Errorf("another merchant's payment: %s", r)
		}
		if r := other.do(t, "GET", "/v1/signatures/"+sig.SignatureID, nil); r.Status != 404 {
			t.Errorf("another merchant's signature: %s", r)
		}
	})
}

// TestSaleIdempotency: a repeated payment submit is answered from the
// first, and the device runs one sale.
func TestSaleIdempotency(t *testing.T) {
	eachDB(t, func(t *testing.T, start starter) {
		s := start(t)
		c := s.client(t, s.APIKey)
		key := ferry.NewIdempotencyKey()
		body := saleJSON(2000, "")
		path := "/v1/devices/" + sandboxDevice + "/payment-instructions"
		first := c.do(t, "POST", path, body, "Content-Type", "application/json", "Idempotency-Key", key)
		again := c.do(t, "POST", path, body, "Content-Type", "application/json", "Idempotency-Key", key)
		if first.Status != 202 || again.Status != 202 || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("first %s, again %s", first, again)
		}
		changed := c.do(t, "POST", path, saleJSON(2001, ""), "Content-Type", "application/json", "Idempotency-Key", key)
		if changed.Status != 409 {
			t.Errorf("the key with another body: %s", changed)
		}
		// The same key on another kind is another request too.
		other := c.do(t, "POST", "/v1/devices/"+sandboxDevice+"/refund-instructions", body, "Content-Type", "application/json", "Idempotency-Key", key)
		if other.Status != 409 {
			t.Errorf("the key on a refund instruction: %s", other)
		}
	})
}

// TestSaleContract checks every new operation's answers against Payroc's
// schemas.
func TestSaleContract(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t)
	s := startServer(t, "--sim-delay", "20ms")
	c := s.client(t, s.APIKey)
	const (
		submitPayment   = "/devices/{serialNumber}/payment-instructions"
		payment         = "/payment-instructions/{paymentInstructionId}"
		payments        = "/payments/{paymentId}"
		submitSignature = "/devices/{serialNumber}/signature-instructions"
		signature       = "/signature-instructions/{signatureInstructionId}"
		signatures      = "/signatures/{signatureId}"
		closedLoop      = "/closed-loop-reads/{closedLoopReadId}"
	)
	check := func(path, method string, r *response) {
		t.Helper()
		spec.CheckResponse(t, path, method, r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	bodies := [][]byte{
		saleJSON(4999, ""),
		saleJSON(1080, `,"breakdown":{"subtotal":1000,"tip":{"type":"percentage"},"taxes":[{"type":"rate","rate":8,"name":"State"}],"surcharge":{"bypass":true},"healthcareExpenses":[{"type":"copay","amount":100}]}`),
		saleJSON(1000, `,"breakdown":{"subtotal":1000,"dualPricing":{"offered":true,"alternativeTender":"cash"}}`),
		saleJSON(1055, `,"acceptPartialAmount":true`),
		saleJSON(1051, ""),
		saleJSON(1000, `},"autoCapture":false,"credentialOnFile":{"tokenize":true},"customer":{"firstName":"Sarah"`),
		saleJSON(1000, `},"customizationOptions":{"ebtDetails":{"benefitCategory":"cash","withdrawal":true}`),
		saleJSON(3000, `,"breakdown":{"subtotal":1000,"cashbackAmount":2000}},"customizationOptions":{"ebtDetails":{"benefitCategory":"cash"}`),
	}
	for _, body := range bodies {
		if err := spec.ValidateRequest(submitPayment, "post", body); err != nil {
			t.Errorf("the test's own request is not Payroc's: %v\n%s", err, body)
		}
		r := c.submitKind(t, ferry.KindPayment, sandboxDevice, body)
		check(submitPayment, "post", r)
		var in instruction
		r.JSON(t, &in)
		check(payment, "get", c.do(t, "GET", "/v1/payment-instructions/"+in.id(), nil))
		done := c.follow(t, ferry.KindPayment, in.id())
		check(payment, "get", c.do(t, "GET", "/v1/payment-instructions/"+in.id(), nil))
		var p ferry.Payment
		check(payments, "get", c.linked(t, done, ferry.RelPayment, &p))
		check(payment, "delete", c.do(t, "DELETE", "/v1/payment-instructions/"+in.id(), nil))
	}
	// A closed-loop read.
	id := c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(500, `},"customizationOptions":{"closedLoopOptions":{"type":"mifare"}`))
	var read json.RawMessage
	check(closedLoop, "get", c.linked(t, c.follow(t, ferry.KindPayment, id), ferry.RelClosedLoopRead, &read))
	check(closedLoop, "get", c.do(t, "GET", "/v1/closed-loop-reads/ABCDEFGHIJ", nil))

	// Signatures.
	r := c.submitKind(t, ferry.KindSignature, sandboxDevice, []byte(`{"processingTerminalId":"1234001"}`))
	check(submitSignature, "post", r)
	var in instruction
	r.JSON(t, &in)
	done := c.follow(t, ferry.KindSignature, in.id())
	check(signature, "get", c.do(t, "GET", "/v1/signature-instructions/"+in.id(), nil))
	var sig json.RawMessage
	check(signatures, "get", c.linked(t, done, ferry.RelSignature, &sig))
	check(signature, "delete", c.do(t, "DELETE", "/v1/signature-instructions/"+in.id(), nil))

	// Failure, cancel and errors.
	for _, amount := range []int64{4962, 4961} {
		id := c.start(t, ferry.KindPayment, sandboxDevice, saleJSON(amount, ""))
		c.follow(t, ferry.KindPayment, id)
		check(payment, "get", c.do(t, "GET", "/v1/payment-instructions/"+id, nil))
		check(payment, "delete", c.do(t, "DELETE", "/v1/payment-instructions/"+id, nil))
	}
	check(submitPayment, "post", c.submitKind(t, ferry.KindPayment, sandboxDevice, saleJSON(1100, `,"breakdown":{"subtotal":1000}`)))
	check(submitPayment, "post", c.submitKind(t, ferry.KindPayment, sandboxDevice, []byte(`{"order":null}`)))
	check(submitPayment, "post", c.submitKind(t, ferry.KindPayment, "NO-SUCH-DEVICE", saleJSON(1, "")))
	check(submitSignature, "post", c.submitKind(t, ferry.KindSignature, sandboxDevice, []byte(`{}`)))
	busy := c.start(t, ferry.KindSignature, "1850010871", []byte(`{"processingTerminalId":"1234001"}`))
	check(submitPayment, "post", c.submitKind(t, ferry.KindPayment, "1850010871", saleJSON(1, "")))
	check(signature, "delete", c.do(t, "DELETE", "/v1/signature-instructions/"+busy, nil))
	check(payment, "get", c.do(t, "GET", "/v1/payment-instructions/"+busy, nil))
	check(payments, "get", c.do(t, "GET", "/v1/payments/ABC", nil))
	check(payments, "get", c.do(t, "GET", "/v1/payments/ABCDEFGHIJ", nil))
	check(signatures, "get", c.do(t, "GET", "/v1/signatures/ABCDEFGHIJ", nil))
}

// TestSaleHostileText: card numbers typed, however split, into any free
// text of a payment instruction are masked before anything is stored (the
// suite scans every database and log for them), and bad text is a 400
// that names its field.
func TestSaleHostileText(t *testing.T) {
	eachDB(t, func(t *testing.T, start starter) {
		s := start(t, "--log-level", "debug")
		c := s.client(t, s.APIKey)
		for i, text := range splitCards {
			q, _ := json.Marshal(text)
			body := fmt.Sprintf(`{"processingTerminalId":"1234001","operator":%s,"order":{"orderId":"H-1","description":%s,"amount":1080,"currency":"USD",
				"breakdown":{"subtotal":1000,"taxes":[{"type":"rate","rate":8,"name":%s}]}},"customer":{"lastName":%s},
				"credentialOnFile":{"tokenize":true,"secureTokenId":%s}}`, q, q, q, q, q)
			r := c.submitKind(t, ferry.KindPayment, sandboxDevice, []byte(body))
			hostile(t, fmt.Sprintf("free text %d", i), r, 202)
			var in instruction
			r.JSON(t, &in)
			var p ferry.Payment
			c.linked(t, c.follow(t, ferry.KindPayment, in.id()), ferry.RelPayment, &p)
		}
		for _, tc := range []struct{ body, field string }{
			{`{"processingTerminalId":"1234001","order":{"orderId":"H","amount":1000,"currency":"USD","breakdown":{"subtotal":1000,"taxes":[{"type":"rate","rate":0,"name":"a\u0000"}]}}}`, "order.breakdown.taxes[0].name"},
			{"{\"processingTerminalId\":\"1234001\",\"order\":{\"orderId\":\"H\",\"description\":\"\xff\",\"amount\":1,\"currency\":\"USD\"}}", "order.description"},
			{`{"processingTerminalId":"1234001","order":{"orderId":"H","amount":1,"currency":"USD"},"credentialOnFile":{"secureTokenId":"\ud800"}}`, "credentialOnFile.secureTokenId"},
		} {
			r := c.submitKind(t, ferry.KindPayment, sandboxDevice, []byte(tc.body))
			hostile(t, "bad text in "+tc.field, r, 400)
			if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Parameter != tc.field {
				t.Errorf("bad text in %s: errors %+v", tc.field, p.Errors)
			}
		}
	})
}

// TestTenantIsolationSales: merchant B, with A's payment, signature and
// closed-loop read ids and A's queued payment and signature instructions,
// gets exactly the answers for ids that do not exist, on the POS API and
// on the device protocol; A's instructions are untouched.
func TestTenantIsolationSales(t *testing.T) {
	eachDB(t, func(t *testing.T, boot starter) {
		s := boot(t, "--instruction-timeout", "1m")
		ctx := context.Background()
		a := s.client(t, s.APIKey)
		const unknownID = "0123456789abcdef0123456789abcdef"

		var p ferry.Payment
		a.linked(t, a.follow(t, ferry.KindPayment, a.start(t, ferry.KindPayment, sandboxDevice, saleJSON(4999, ""))), ferry.RelPayment, &p)
		var sig ferry.Signature
		a.linked(t, a.follow(t, ferry.KindSignature, a.start(t, ferry.KindSignature, sandboxDevice, []byte(`{"processingTerminalId":"1234001"}`))), ferry.RelSignature, &sig)
		var read ferry.ClosedLoopRead
		a.linked(t, a.follow(t, ferry.KindPayment, a.start(t, ferry.KindPayment, sandboxDevice,
			saleJSON(500, `},"customizationOptions":{"closedLoopOptions":{"type":"mifare"}`))), ferry.RelClosedLoopRead, &read)
		termA := s.device(t, "TERM-A")
		saleA := a.start(t, ferry.KindPayment, "TERM-A", saleJSON(4999, ""))

		bID, bKey := s.newMerchant(t, "Beta")
		sb := &server{t: t, URL: s.URL, DB: s.DB, Merchant: bID}
		b := sb.client(t, bKey)
		resp, err := agent.Pair(ctx, nil, s.URL, sb.pairCode(t, "TERM-B"), "TERM-B")
		if err != nil {
			t.Fatal(err)
		}
		termB := &agent.HTTPConn{BaseURL: s.URL, Credential: resp.Credential, Session: "b"}
		same := func(what string, mine, unknown *response, a, u string) {
			t.Helper()
			m := strings.ReplaceAll(mine.String(), a, "X")
			n := strings.ReplaceAll(unknown.String(), u, "X")
			if mine.Status != unknown.Status || m != n {
				t.Errorf("%s:\n with A's: %s\nunknown:   %s", what, m, n)
			}
		}
		for _, path := range []string{"/v1/payment-instructions/", "/v1/signature-instructions/"} {
			same("GET "+path, b.do(t, "GET", path+saleA, nil), b.do(t, "GET", path+unknownID, nil), saleA, unknownID)
			same("DELETE "+path, b.do(t, "DELETE", path+saleA, nil), b.do(t, "DELETE", path+unknownID, nil), saleA, unknownID)
		}
		same("GET payment", b.do(t, "GET", "/v1/payments/"+p.PaymentID, nil), b.do(t, "GET", "/v1/payments/ZZZZZZZZZZ", nil), p.PaymentID, "ZZZZZZZZZZ")
		same("GET signature", b.do(t, "GET", "/v1/signatures/"+sig.SignatureID, nil), b.do(t, "GET", "/v1/signatures/ZZZZZZZZZZ", nil), sig.SignatureID, "ZZZZZZZZZZ")
		same("GET closed-loop read", b.do(t, "GET", "/v1/closed-loop-reads/"+read.ClosedLoopReadID, nil),
			b.do(t, "GET", "/v1/closed-loop-reads/ZZZZZZZZZZ", nil), read.ClosedLoopReadID, "ZZZZZZZZZZ")
		same("POST a sale to A's device", b.submitKind(t, ferry.KindPayment, "TERM-A", saleJSON(100, "")),
			b.submitKind(t, ferry.KindPayment, "NO-SUCH", saleJSON(100, "")), "TERM-A", "NO-SUCH")

		// The device protocol's new calls, with B's credential on A's sale.
		png := ferry.SignatureCapture{ContentType: "image/png", Image: agent.SignatureImage("b")}
		for _, call := range []struct {
			name string
			do   func(l ferry.Lease) error
		}{
			{"signature", func(l ferry.Lease) error { _, err := termB.Signature(ctx, l, png); return err }},
			{"closed-loop-read", func(l ferry.Lease) error { _, err := termB.ClosedLoopRead(ctx, l, []byte(`{"uid":"1"}`)); return err }},
			{"card-read", func(l ferry.Lease) error {
				card := ferry.SandboxCard
				tip := int64(1)
				card.TipAmount = &tip
				_, err := termB.CardRead(ctx, l, card)
				return err
			}},
		} {
			mine := call.do(ferry.Lease{InstructionID: saleA, Token: 1})
			unknown := call.do(ferry.Lease{InstructionID: unknownID, Token: 1})
			m := strings.ReplaceAll(fmt.Sprint(mine), saleA, "X")
			n := strings.ReplaceAll(fmt.Sprint(unknown), unknownID, "X")
			if mine == nil || m != n || ferry.ErrorCode(mine) != ferry.ErrorCode(unknown) {
				t.Errorf("device %s on A's sale: %v; on an unknown one: %v", call.name, mine, unknown)
			}
		}

		// A's sale still waits for A's device, with its first lease.
		asg, err := termA.Next(ctx, 5*time.Second)
		if err != nil || asg == nil || asg.InstructionID != saleA || asg.Token != 1 || asg.Kind != ferry.KindPayment {
			t.Fatalf("A's device got %+v, %v", asg, err)
		}
		if res, err := termA.CardRead(ctx, asg.Lease, ferry.SandboxCard); err != nil || !res.Approved || res.PaymentID == "" {
			t.Fatalf("A's card read: %+v, %v", res, err)
		}
	})
}

// TestPayrocSDKWireSales replays, with each SDK's headers, what a POS on
// Payroc's SDKs sends for the sales flows: a sale whose tip the device
// prompts for (with the read-only mode the SDKs let a POS send), a
// pre-authorization, a declined sale, a signature, and a cancel of each
// kind of instruction.
func TestPayrocSDKWireSales(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.addDevice(t, s.Merchant, "IDLE-1", false)
	for i, sdk := range sdks {
		r := s.do(t, "POST", sdk.authPath, sdk.authBody, append([]string{"x-api-key", s.APIKey}, sdk.authHeaders...)...)
		if r.Status != 200 {
			t.Fatalf("%s: authorize: %s", sdk.name, r)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		r.JSON(t, &tok)
		auth := append([]string{"Authorization", "Bearer " + tok.AccessToken}, sdk.headers...)
		get := append(append([]string{}, auth...), sdk.bodyless...)
		post := func(serial string, k ferry.InstructionKind, body string) *instruction {
			t.Helper()
			r := s.do(t, "POST", "/v1/devices/"+serial+"/"+string(k)+"-instructions", []byte(body),
				append([]string{"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey()}, auth...)...)
			if r.Status != 202 {
				t.Fatalf("%s: submit %s: %s", sdk.name, k, r)
			}
			var in instruction
			r.JSON(t, &in)
			return &in
		}
		finish := func(in *instruction, rel string, v any) {
			t.Helper()
			for in.Status == ferry.StatusInProgress {
				r := s.do(t, "GET", strings.TrimPrefix(in.Link.Href, s.URL), nil, get...)
				if r.Status != 200 {
					t.Fatalf("%s: poll: %s", sdk.name, r)
				}
				r.JSON(t, in)
			}
			if in.Status != ferry.StatusCompleted || in.Link.Rel != rel {
				t.Fatalf("%s: %+v", sdk.name, in)
			}
			r := s.do(t, "GET", strings.TrimPrefix(in.Link.Href, s.URL), nil, get...)
			if r.Status != 200 {
				t.Fatalf("%s: %s: %s", sdk.name, rel, r)
			}
			r.JSON(t, v)
		}
		serial := sandboxSerials[i%len(sandboxSerials)]

		var sale ferry.Payment
		finish(post(serial, ferry.KindPayment, `{"processingTerminalId":"1234001","order":{"orderId":"OrderRef6543","amount":1000,"currency":"USD",
			"breakdown":{"subtotal":1000,"tip":{"type":"percentage","mode":"prompted"}}},"customizationOptions":{"entryMethod":"deviceRead"},"autoCapture":true}`),
			ferry.RelPayment, &sale)
		if sale.Order.Amount != 1150 || *sale.TransactionResult.AuthorizedAmount != 1150 || sale.Order.Breakdown.Tip.Mode != "prompted" {
			t.Errorf("%s: sale with a prompted tip = %+v", sdk.name, sale)
		}
		var preAuth ferry.Payment
		finish(post(serial, ferry.KindPayment, `{"processingTerminalId":"1234001","order":{"orderId":"OrderRef6544","amount":2500,"currency":"USD"},"autoCapture":false}`),
			ferry.RelPayment, &preAuth)
		if preAuth.TransactionResult.Type != "preAuthorization" {
			t.Errorf("%s: pre-authorization = %+v", sdk.name, preAuth.TransactionResult)
		}
		var declined ferry.Payment
		finish(post(serial, ferry.KindPayment, `{"processingTerminalId":"1234001","order":{"orderId":"OrderRef6545","amount":2551,"currency":"USD"}}`),
			ferry.RelPayment, &declined)
		if declined.TransactionResult.ResponseCode != "D" {
			t.Errorf("%s: declined sale = %+v", sdk.name, declined.TransactionResult)
		}
		var sig struct {
			CreatedOn   string
			ContentType string
			Signature   []byte
		}
		finish(post(serial, ferry.KindSignature, `{"processingTerminalId":"1234001"}`), ferry.RelSignature, &sig)
		if len(sig.CreatedOn) != len("2006-01-02") || !ferry.ValidSignatureImage(sig.ContentType, sig.Signature) {
			t.Errorf("%s: signature = %+v", sdk.name, sig)
		}
		for _, k := range []ferry.InstructionKind{ferry.KindPayment, ferry.KindRefund, ferry.KindSignature} {
			body := `{"processingTerminalId":"1234001"}`
			if k != ferry.KindSignature {
				body = `{"processingTerminalId":"1234001","order":{"orderId":"O","description":"d","amount":100,"currency":"USD"}}`
			}
			in := post("IDLE-1", k, body)
			if r := s.do(t, "DELETE", k.Path()+"/"+in.id(), nil, get...); r.Status != 204 {
				t.Errorf("%s: cancel %s: %s", sdk.name, k, r)
			}
		}
	}
}

// TestPaymentAndSignatureCLI runs ferry payment and ferry signature as a
// POS would: the exit codes are those of ferry refund.
func TestPaymentAndSignatureCLI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	create := func(amount string, extra ...string) (string, int) {
		return s.cli(t, ctx, append([]string{"payment", "create", "--device", sandboxDevice, "--terminal", "1234001", "--amount", amount}, extra...)...)
	}
	out, code := create("10.00", "--tip-prompt")
	if code != 0 || !strings.Contains(out, "Approved: sale") || !strings.Contains(out, "11.50 USD (tip 1.50 USD)") {
		t.Fatalf("sale with a tip prompt (exit %d):\n%s", code, out)
	}
	out, code = create("10.55", "--accept-partial", "--json")
	var result struct {
		PaymentInstructionID string
		Approved             bool
		Payment              ferry.Payment
	}
	if code != 0 || json.Unmarshal([]byte(out), &result) != nil || !result.Approved || result.Payment.TransactionResult.ResponseCode != "P" ||
		*result.Payment.TransactionResult.AuthorizedAmount != 527 {
		t.Fatalf("partial approval (exit %d):\n%s", code, out)
	}
	if out, code = create("10.51", "--pre-auth"); code != 2 || !strings.Contains(out, "Declined (D DECLINED): pre-authorization") {
		t.Errorf("declined pre-authorization (exit %d):\n%s", code, out)
	}
	if out, code = create("10.62"); code != 3 || !strings.Contains(out, "Failed: The card could not be read") {
		t.Errorf("failure (exit %d):\n%s", code, out)
	}
	if out, code = s.cli(t, ctx, "payment", "status", result.PaymentInstructionID); code != 0 || !strings.Contains(out, "Partly approved") {
		t.Errorf("status (exit %d):\n%s", code, out)
	}
	if out, code = s.cli(t, ctx, "payment", "get", result.Payment.PaymentID); code != 0 || !strings.Contains(out, "5.27 USD of 10.55 USD") {
		t.Errorf("get (exit %d):\n%s", code, out)
	}
	if out, code = create("10.00", "--tip-prompt", "--tip", "1.00"); code != 1 || !strings.Contains(out, "exclude each other") {
		t.Errorf("--tip with --tip-prompt (exit %d):\n%s", code, out)
	}

	file := filepath.Join(t.TempDir(), "sig.png")
	out, code = s.cli(t, ctx, "signature", "capture", "--device", sandboxDevice, "--terminal", "1234001", "--out", file)
	image, err := os.ReadFile(file)
	if code != 0 || !strings.Contains(out, "Signed: signature") || err != nil || !ferry.ValidSignatureImage("image/png", image) {
		t.Errorf("signature capture (exit %d, %v):\n%s", code, err, out)
	}
}
