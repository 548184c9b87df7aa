package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/payroc"
)

// TestTenantIsolation calls every endpoint of the POS API and of the
// device protocol with merchant B's credentials and merchant A's ids,
// serial numbers, paging cursors, idempotency keys and pairing codes: each
// answer must be exactly the answer for an id that does not exist, and A's
// data must be untouched.
func TestTenantIsolation(t *testing.T) { eachDB(t, testTenantIsolation) }

func testTenantIsolation(t *testing.T, boot starter) {
	s := boot(t, "--instruction-timeout", "1m")
	ctx := context.Background()
	a := s.client(t, s.APIKey)
	const unknownID = "0123456789abcdef0123456789abcdef"

	// A: a completed refund, and an instruction queued for a real device.
	done := a.poll(t, a.refund(t, sandboxDevice, 4999))
	refundID := done.Link.Href[strings.LastIndex(done.Link.Href, "/")+1:]
	termA := s.device(t, "TERM-A")
	key := ferry.NewIdempotencyKey()
	r := a.submitKey(t, "TERM-A", key, refundBody(4999))
	var queued payroc.RefundInstruction
	r.JSON(t, &queued)
	idA := queued.RefundInstructionID

	// B, with a device of its own.
	bID, bKey := s.newMerchant(t, "Beta")
	sb := &server{t: t, URL: s.URL, DB: s.DB, Merchant: bID}
	b := sb.client(t, bKey)
	resp, err := agent.Pair(ctx, nil, s.URL, sb.pairCode(t, "TERM-B"), "TERM-B")
	if err != nil {
		t.Fatal(err)
	}
	termB := &agent.HTTPConn{BaseURL: s.URL, Credential: resp.Credential, Session: "b"}

	// same fails unless B's answer with A's value equals the answer with an
	// unknown one, once each value is replaced by a placeholder.
	same := func(what string, mine, unknown *response, a, u string) {
		t.Helper()
		m := strings.ReplaceAll(mine.String(), a, "X")
		n := strings.ReplaceAll(unknown.String(), u, "X")
		if mine.Status != unknown.Status || m != n {
			t.Errorf("%s:\n with A's: %s\nunknown:   %s", what, m, n)
		}
	}
	// The POS API.
	same("GET instruction", b.do(t, "GET", "/v1/refund-instructions/"+idA, nil),
		b.do(t, "GET", "/v1/refund-instructions/"+unknownID, nil), idA, unknownID)
	same("DELETE instruction", b.do(t, "DELETE", "/v1/refund-instructions/"+idA, nil),
		b.do(t, "DELETE", "/v1/refund-instructions/"+unknownID, nil), idA, unknownID)
	same("GET refund", b.do(t, "GET", "/v1/refunds/"+refundID, nil),
		b.do(t, "GET", "/v1/refunds/ZZZZZZZZZZ", nil), refundID, "ZZZZZZZZZZ")
	same("POST to A's device", b.submit(t, "TERM-A", refundBody(100)),
		b.submit(t, "NO-SUCH", refundBody(100)), "TERM-A", "NO-SUCH")
	same("GET /v1/devices by A's serial", b.do(t, "GET", "/v1/devices?serialNumber=TERM-A", nil),
		b.do(t, "GET", "/v1/devices?serialNumber=NO-SUCH", nil), "TERM-A", "NO-SUCH")
	if all := b.do(t, "GET", "/v1/devices", nil); all.Status != 200 || strings.Contains(all.String(), "TERM-A") ||
		strings.Contains(all.String(), sandboxDevice) || !strings.Contains(all.String(), "TERM-B") {
		t.Errorf("B's devices: %s", all)
	}
	// A's paging cursor: B sees what it would with a cursor of its own
	// that points nowhere.
	page := a.do(t, "GET", "/v1/devices?limit=2", nil)
	var p struct{ Links []ferry.Link }
	page.JSON(t, &p)
	if len(p.Links) == 0 {
		t.Fatalf("A's first page has no next link: %s", page)
	}
	next, err := url.Parse(p.Links[0].Href)
	if err != nil {
		t.Fatal(err)
	}
	cursor := next.Query().Get("after")
	same("GET /v1/devices after A's cursor", b.do(t, "GET", "/v1/devices?limit=2&after="+cursor, nil),
		b.do(t, "GET", "/v1/devices?limit=2&after=NOWHERE", nil), cursor, "NOWHERE")
	// A's idempotency key, with A's very request: B's runs as new.
	sb.addDevice(t, bID, "TERM-A", false) // B's own device with A's serial number
	rb := b.submitKey(t, "TERM-A", key, refundBody(4999))
	var fresh payroc.RefundInstruction
	if rb.Status == 202 {
		rb.JSON(t, &fresh)
	}
	if rb.Status != 202 || fresh.RefundInstructionID == idA || rb.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("B with A's idempotency key: %s", rb)
	}

	// The device protocol, with B's credential and A's instruction.
	for _, call := range []struct {
		name string
		do   func(l ferry.Lease) error
	}{
		{"heartbeat", func(l ferry.Lease) error { _, err := termB.Heartbeat(ctx, l, 0); return err }},
		{"progress", func(l ferry.Lease) error { _, err := termB.Progress(ctx, l, "prompting"); return err }},
		{"card-read", func(l ferry.Lease) error { _, err := termB.CardRead(ctx, l, ferry.SandboxCard); return err }},
		{"cancel", func(l ferry.Lease) error { _, err := termB.Cancel(ctx, l); return err }},
		{"failure", func(l ferry.Lease) error { _, err := termB.Fail(ctx, l, "jammed"); return err }},
		{"ack", func(l ferry.Lease) error { return termB.Ack(ctx, l) }},
	} {
		mine := call.do(ferry.Lease{InstructionID: idA, Token: 1})
		unknown := call.do(ferry.Lease{InstructionID: unknownID, Token: 1})
		m := strings.ReplaceAll(fmt.Sprint(mine), idA, "X")
		n := strings.ReplaceAll(fmt.Sprint(unknown), unknownID, "X")
		if mine == nil || m != n || ferry.ErrorCode(mine) != ferry.ErrorCode(unknown) {
			t.Errorf("device %s on A's instruction: %v; on an unknown one: %v", call.name, mine, unknown)
		}
	}
	if asg, err := termB.Next(ctx, 100*time.Millisecond); err != nil || asg != nil {
		t.Errorf("B's device was handed %+v, %v", asg, err)
	}
	// A pairing code of A's, with B's serial number: as a code that never
	// existed.
	_, mine := agent.Pair(ctx, nil, s.URL, s.pairCode(t, "TERM-A2"), "TERM-B")
	_, unknown := agent.Pair(ctx, nil, s.URL, "ZZZZ-ZZZZ", "TERM-B")
	if mine == nil || fmt.Sprint(mine) != fmt.Sprint(unknown) {
		t.Errorf("pairing with A's code and B's serial: %v; with an unknown code: %v", mine, unknown)
	}

	// A's data is as it was: the instruction still waits for A's device,
	// with its first lease still to be handed out.
	if got := a.do(t, "GET", "/v1/refund-instructions/"+idA, nil); got.Status != 200 || !strings.Contains(got.String(), `"inProgress"`) {
		t.Errorf("A's instruction after B's calls: %s", got)
	}
	asg, err := termA.Next(ctx, 5*time.Second)
	if err != nil || asg == nil || asg.InstructionID != idA || asg.Token != 1 {
		t.Fatalf("A's device got %+v, %v", asg, err)
	}
	if res, err := termA.CardRead(ctx, asg.Lease, ferry.SandboxCard); err != nil || !res.Approved {
		t.Fatalf("A's card read: %+v, %v", res, err)
	}
	if got := a.poll(t, idA); got.Status != ferry.StatusCompleted {
		t.Errorf("A's instruction ended %s", got.Status)
	}
}
