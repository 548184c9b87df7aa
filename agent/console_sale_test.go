package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/core"
)

// submitKind queues an instruction of kind k with body on the world's
// device.
func (w *world) submitKind(t *testing.T, k ferry.InstructionKind, body []byte) string {
	t.Helper()
	resp, err := w.svc.SubmitInstruction(w.ctx, core.SubmitParams{
		Kind: k, MerchantID: w.m.ID, IdempotencyKey: ferry.NewIdempotencyKey(), SerialNumber: "TERM-1",
		Fingerprint: []byte(ferry.NewID()), Body: body,
		Render: func(*ferry.Instruction) ([]byte, error) { return []byte("{}"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Instruction.ID
}

// TestConsoleSale: the terminal shows a sale, asks for a tip among the
// terminal's suggestions, and shows the approval with the tip; it draws a
// signature when asked for one.
func TestConsoleSale(t *testing.T) {
	w := newWorld(t)
	in, typist := io.Pipe()
	out := newScreen()
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	a := &agent.Agent{Conn: w.svc.DeviceConn(w.device, "console"), Cardholder: &agent.Console{In: in, Out: out}}
	go a.Run(ctx)
	say := func(l string) { io.WriteString(typist, l+"\n") }

	body, _ := json.Marshal(map[string]any{"processingTerminalId": "1234001",
		"order": map[string]any{"orderId": "O-1", "amount": 2000, "currency": "USD",
			"breakdown": map[string]any{"subtotal": 2000, "tip": map[string]any{"type": "percentage"}}}})
	id := w.submitKind(t, ferry.KindPayment, body)
	out.waitFor(t, "Payment 20.00 USD")
	say("")
	out.waitFor(t, "[1] 15%   [2] 18%   [3] 20%   [n] no tip")
	say("7") // not on the menu: asked again
	say("2")
	out.waitFor(t, "Approved (A): payment")
	out.waitFor(t, "23.60 USD") // 18 % of 20.00 is 3.60
	st, err := w.svc.WaitInstruction(w.ctx, &ferry.Principal{MerchantID: w.m.ID}, ferry.KindPayment, id, 10*time.Second)
	if err != nil || st.Phase != ferry.PhaseCompleted {
		t.Fatalf("sale = %+v, %v", st, err)
	}
	p, err := w.svc.GetPayment(w.ctx, w.m.ID, st.ResultID)
	if err != nil || p.Order.Amount != 2360 || *p.Order.Breakdown.Tip.Amount != 360 {
		t.Errorf("payment = %+v, %v", p, err)
	}

	// Cashback and EBT are shown to the cardholder.
	body, _ = json.Marshal(map[string]any{"processingTerminalId": "1234001",
		"order":                map[string]any{"orderId": "O-2", "amount": 3000, "currency": "USD", "breakdown": map[string]any{"subtotal": 1000, "cashbackAmount": 2000}},
		"customizationOptions": map[string]any{"ebtDetails": map[string]any{"benefitCategory": "cash"}}})
	id = w.submitKind(t, ferry.KindPayment, body)
	out.waitFor(t, "cashback 20.00 USD, part of the amount")
	out.waitFor(t, "EBT cash")
	say("")
	st, err = w.svc.WaitInstruction(w.ctx, &ferry.Principal{MerchantID: w.m.ID}, ferry.KindPayment, id, 10*time.Second)
	if err != nil || st.Phase != ferry.PhaseCompleted {
		t.Fatalf("cashback sale = %+v, %v", st, err)
	}

	id = w.submitKind(t, ferry.KindSignature, []byte(`{"processingTerminalId":"1234001"}`))
	out.waitFor(t, "── Signature ──")
	say("")
	out.waitFor(t, "Signed: signature")
	st, err = w.svc.WaitInstruction(w.ctx, &ferry.Principal{MerchantID: w.m.ID}, ferry.KindSignature, id, 10*time.Second)
	if err != nil || st.ResultRel != ferry.RelSignature {
		t.Fatalf("signature = %+v, %v", st, err)
	}
	sig, err := w.svc.GetSignature(w.ctx, w.m.ID, st.ResultID)
	if err != nil || !ferry.ValidSignatureImage(sig.ContentType, sig.Image) {
		t.Errorf("signature image = %+v, %v", sig, err)
	}
}

// TestSignatureImage: the same seed draws the same PNG, another seed
// another one.
func TestSignatureImage(t *testing.T) {
	a, b := agent.SignatureImage("a"), agent.SignatureImage("a")
	if string(a) != string(b) || string(a) == string(agent.SignatureImage("b")) || !ferry.ValidSignatureImage("image/png", a) {
		t.Error("SignatureImage is not a deterministic PNG")
	}
}
