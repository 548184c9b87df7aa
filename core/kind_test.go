package core

import (
	"encoding/json"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// submitKind queues an instruction of kind k with body b on the env's
// device.
func (e *env) submitKind(k ferry.InstructionKind, b []byte) *ferry.Instruction {
	e.t.Helper()
	resp, err := e.svc.SubmitInstruction(e.ctx, SubmitParams{
		Kind:           k,
		MerchantID:     e.merchant.ID,
		IdempotencyKey: ferry.NewIdempotencyKey(),
		SerialNumber:   e.device.SerialNumber,
		Fingerprint:    ferry.RequestFingerprint("POST", "/v1/devices/x/"+string(k)+"-instructions", b),
		Body:           b,
		Render:         func(in *ferry.Instruction) ([]byte, error) { return []byte(`{}`), nil },
	})
	if err != nil {
		e.t.Fatalf("submit %s: %v", k, err)
	}
	return resp.Instruction
}

func saleBody(amount int64, extra map[string]any) []byte {
	order := map[string]any{"orderId": "OrderRef6543", "amount": amount, "currency": "USD"}
	req := map[string]any{"processingTerminalId": "1234001", "order": order}
	for k, v := range extra {
		if k == "breakdown" || k == "acceptPartialAmount" {
			order[k] = v
		} else {
			req[k] = v
		}
	}
	b, _ := json.Marshal(req)
	return b
}

// sell runs a payment instruction through a device session: claim, card
// read (with the tip and dual-pricing choice a cardholder would make), and
// returns the payment.
func (e *env) sell(b []byte, tip *int64, dual bool) (*ferry.Assignment, *ferry.CardReadResult, *ferry.Payment) {
	e.t.Helper()
	in := e.submitKind(ferry.KindPayment, b)
	c := e.session("s1")
	a := e.claim(c)
	if a == nil || a.Kind != ferry.KindPayment || a.Payment == nil {
		e.t.Fatalf("assignment = %+v", a)
	}
	card := ferry.SandboxCard
	card.TipAmount, card.DualPricingApplied = tip, dual
	res, err := c.CardRead(e.ctx, a.Lease, card)
	if err != nil {
		e.t.Fatalf("CardRead: %v", err)
	}
	done := e.get(in.ID)
	if done.Phase != ferry.PhaseCompleted || done.ResultRel != ferry.RelPayment || res.PaymentID != done.ResultID {
		e.t.Fatalf("instruction = %+v, result %+v", done, res)
	}
	p, err := e.svc.GetPayment(e.ctx, e.merchant.ID, done.ResultID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a, res, p
}

func TestSale(t *testing.T) { eachStore(t, testSale) }

func testSale(t *testing.T, open opener) {
	e := newEnv(t, open)
	t.Run("prompted tip", func(t *testing.T) {
		b := saleBody(1080, map[string]any{"breakdown": map[string]any{"subtotal": 1000, "tip": map[string]any{"type": "percentage"},
			"taxes": []any{map[string]any{"type": "rate", "rate": 8, "name": "State"}}}})
		tip := ferry.PercentOf(1000, "15")
		a, res, p := e.sell(b, &tip, false)
		if len(a.Payment.TipPrompt) != 3 || a.Payment.Subtotal != 1000 {
			t.Errorf("assignment payment options = %+v", a.Payment)
		}
		tr := p.TransactionResult
		if !res.Approved || p.Order.Amount != 1230 || *tr.AuthorizedAmount != 1230 || tr.Type != ferry.TransactionTypeSale ||
			p.Order.Breakdown.Tip.Mode != ferry.TipPrompted || *p.Order.Breakdown.Tip.Amount != 150 || tr.Status != "ready" {
			t.Errorf("payment = %+v, breakdown %+v", p, p.Order.Breakdown)
		}
		if p.Card.CardNumber != "453985******7062" {
			t.Errorf("card = %+v", p.Card)
		}
	})
	t.Run("pre-authorization with a token", func(t *testing.T) {
		_, _, p := e.sell(saleBody(2500, map[string]any{"autoCapture": false, "credentialOnFile": map[string]any{"tokenize": true}}), nil, false)
		tr := p.TransactionResult
		if tr.Type != ferry.TransactionTypePreAuthorization || tr.Status != ferry.TransactionStatusPending || p.Card.SecureToken == nil ||
			ferry.Luhn(p.Card.SecureToken.Token) || p.SupportedOperations[0] != ferry.OpCapture {
			t.Errorf("payment = %+v card %+v", p, p.Card)
		}
	})
	t.Run("partial approval", func(t *testing.T) {
		_, res, p := e.sell(saleBody(1055, map[string]any{"acceptPartialAmount": true}), nil, false)
		tr := p.TransactionResult
		if tr.ResponseCode != ferry.ResponsePartial || *tr.AuthorizedAmount != 527 || !res.Approved || *res.AuthorizedAmount != 527 {
			t.Errorf("transaction result = %+v", tr)
		}
	})
	t.Run("partial not accepted", func(t *testing.T) {
		_, res, p := e.sell(saleBody(1055, nil), nil, false)
		if tr := p.TransactionResult; tr.ResponseCode != ferry.ResponseDeclined || tr.AuthorizedAmount != nil || res.Approved || p.SupportedOperations != nil {
			t.Errorf("transaction result = %+v", tr)
		}
	})
	t.Run("declined", func(t *testing.T) {
		_, _, p := e.sell(saleBody(1051, nil), nil, false)
		if tr := p.TransactionResult; tr.Status != ferry.TransactionStatusDeclined || tr.ResponseCode != ferry.ResponseDeclined {
			t.Errorf("transaction result = %+v", tr)
		}
	})
	t.Run("dual pricing", func(t *testing.T) {
		b := saleBody(1000, map[string]any{"breakdown": map[string]any{"subtotal": 1000,
			"dualPricing": map[string]any{"offered": true, "alternativeTender": "cash"}}})
		a, _, p := e.sell(b, nil, true)
		cr := p.Order.Breakdown.DualPricing.ChoiceRate
		if a.Payment.DualPricing != 30 || cr == nil || !cr.Applied || cr.Amount != 30 || p.Order.Amount != 1030 {
			t.Errorf("dual pricing = %+v, order %+v", cr, p.Order)
		}
	})
	t.Run("EBT", func(t *testing.T) {
		_, _, p := e.sell(saleBody(1000, map[string]any{"customizationOptions": map[string]any{
			"ebtDetails": map[string]any{"benefitCategory": "foodStamp"}}}), nil, false)
		if p.TransactionResult.EBTType != "foodStampPurchase" || len(p.Card.Balances) != 1 || p.Card.Balances[0].Amount != ferry.SandboxEBTBalance-1000 {
			t.Errorf("EBT payment = %+v, card %+v", p.TransactionResult, p.Card)
		}
	})
	t.Run("a tip the POS did not ask for", func(t *testing.T) {
		in := e.submitKind(ferry.KindPayment, saleBody(1000, nil))
		c := e.session("s1")
		a := e.claim(c)
		card := ferry.SandboxCard
		tip := int64(100)
		card.TipAmount = &tip
		_, err := c.CardRead(e.ctx, a.Lease, card)
		wantCode(t, err, ferry.CodeInvalid)
		wantPhase(t, e.get(in.ID), ferry.PhaseDelivered)
		if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindPayment, in.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSignatureAndClosedLoop(t *testing.T) { eachStore(t, testSignatureAndClosedLoop) }

func testSignatureAndClosedLoop(t *testing.T, open opener) {
	e := newEnv(t, open)
	png := []byte("\x89PNG\r\n\x1a\nrest")
	in := e.submitKind(ferry.KindSignature, []byte(`{"processingTerminalId":"1234001"}`))
	c := e.session("s1")
	a := e.claim(c)
	if a.Kind != ferry.KindSignature || a.Amount != 0 {
		t.Fatalf("assignment = %+v", a)
	}
	// A signature instruction reads no card.
	_, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeInvalid)
	_, err = c.Signature(e.ctx, a.Lease, ferry.SignatureCapture{ContentType: "image/png", Image: []byte("GIF89a")})
	wantCode(t, err, ferry.CodeInvalid)
	res, err := c.Signature(e.ctx, a.Lease, ferry.SignatureCapture{ContentType: "image/png", Image: png})
	if err != nil || res.SignatureID == "" {
		t.Fatalf("Signature = %+v, %v", res, err)
	}
	again, err := c.Signature(e.ctx, a.Lease, ferry.SignatureCapture{ContentType: "image/png", Image: png})
	if err != nil || again.SignatureID != res.SignatureID {
		t.Errorf("repeated Signature = %+v, %v", again, err)
	}
	done := e.get(in.ID)
	if done.ResultRel != ferry.RelSignature || done.ResultID != res.SignatureID {
		t.Errorf("instruction = %+v", done)
	}
	sig, err := e.svc.GetSignature(e.ctx, e.merchant.ID, res.SignatureID)
	if err != nil || string(sig.Image) != string(png) || sig.ContentType != "image/png" || sig.ProcessingTerminalID != "1234001" {
		t.Errorf("GetSignature = %+v, %v", sig, err)
	}
	// Cancel after the signature: the link goes to it.
	_, err = e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindSignature, in.ID)
	wantCode(t, err, ferry.CodeCannotBeCanceled)
	if fe := err.(*ferry.Error); fe.Link == nil || fe.Link.Rel != ferry.RelSignature {
		t.Errorf("cannot-cancel link = %+v", fe.Link)
	}

	// A closed-loop read: the data is kept, card numbers in it masked.
	pay := e.submitKind(ferry.KindPayment, saleBody(500, map[string]any{"customizationOptions": map[string]any{"closedLoopOptions": map[string]any{"type": "mifare"}}}))
	a = e.claim(c)
	if a.Payment.ClosedLoop != "mifare" {
		t.Fatalf("assignment = %+v", a.Payment)
	}
	_, err = c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeInvalid)
	res, err = c.ClosedLoopRead(e.ctx, a.Lease, []byte(`{"uid":"04A2","note":"card 4539 8500 0000 7062","n":4539850000007062}`))
	if err != nil {
		t.Fatal(err)
	}
	read, err := e.svc.GetClosedLoopRead(e.ctx, e.merchant.ID, res.ClosedLoopReadID)
	if err != nil || ferry.HasCardNumber(string(read.Data)) || e.get(pay.ID).ResultRel != ferry.RelClosedLoopRead {
		t.Errorf("closed-loop read = %s, %v", read.Data, err)
	}
	_, err = e.svc.GetClosedLoopRead(e.ctx, "someone-else", res.ClosedLoopReadID)
	wantCode(t, err, ferry.CodeNotFound)
}

func TestKindsAreSeparate(t *testing.T) { eachStore(t, testKindsAreSeparate) }

func testKindsAreSeparate(t *testing.T, open opener) {
	e := newEnv(t, open)
	refund := e.submit(4999)
	p := &ferry.Principal{MerchantID: e.merchant.ID}
	// A refund instruction's id names no payment or signature instruction.
	for _, k := range []ferry.InstructionKind{ferry.KindPayment, ferry.KindSignature} {
		_, err := e.svc.WaitInstruction(e.ctx, p, k, refund.ID, 0)
		wantCode(t, err, ferry.CodeNotFound)
		_, err = e.svc.CancelInstruction(e.ctx, e.merchant.ID, k, refund.ID)
		wantCode(t, err, ferry.CodeNotFound)
	}
	wantPhase(t, e.get(refund.ID), ferry.PhaseQueued)
	// One instruction at a time, whatever the kind.
	_, err := e.svc.SubmitInstruction(e.ctx, SubmitParams{Kind: ferry.KindSignature, MerchantID: e.merchant.ID,
		IdempotencyKey: ferry.NewIdempotencyKey(), SerialNumber: e.device.SerialNumber, Fingerprint: []byte{1},
		Body: []byte(`{"processingTerminalId":"1234001"}`), Render: func(*ferry.Instruction) ([]byte, error) { return []byte(`{}`), nil }})
	wantCode(t, err, ferry.CodeDeviceBusy)
	if fe := err.(*ferry.Error); fe.Instance != "/v1/refund-instructions/"+refund.ID {
		t.Errorf("busy instance = %q", fe.Instance)
	}
	if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, refund.ID); err != nil {
		t.Fatal(err)
	}

	// A device that speaks protocol 1.0 is never handed a sale: the POS
	// learns at once why it failed.
	sale := e.submitKind(ferry.KindPayment, saleBody(100, nil))
	old := e.svc.DeviceSession(e.device, nil, "old", "1.0").(*deviceConn)
	if a := e.claim(old); a != nil {
		t.Fatalf("a 1.0 session got %+v", a)
	}
	failed := e.get(sale.ID)
	wantPhase(t, failed, ferry.PhaseFailure)
	if failed.ErrorMessage == "" {
		t.Error("no error message")
	}
	// Refunds still reach it.
	e.submit(4999)
	if a := e.claim(old); a == nil || a.Kind != ferry.KindRefund {
		t.Errorf("a 1.0 session got %+v for a refund", a)
	}
}

func TestSaleSettledBySweeper(t *testing.T) { eachStore(t, testSaleSettledBySweeper) }

// A sale whose card-read call dies after the processor approved it is
// completed by the sweeper from the processor's record, with the tip the
// cardholder chose.
func testSaleSettledBySweeper(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submitKind(ferry.KindPayment, saleBody(1000, map[string]any{"breakdown": map[string]any{"subtotal": 1000, "tip": map[string]any{"type": "fixedAmount"}}}))
	c := e.session("s1")
	a := e.claim(c)
	// The card read reaches authorizing; the processor answers, but the
	// call that asked never records it.
	tip := int64(200)
	card := ferry.SandboxCard
	card.TipAmount = &tip
	_, err := c.held(e.ctx, a.Lease, func(tx ferry.Tx, in *ferry.Instruction) (string, string, error) {
		sale, err := saleRead(in.Request.(*payroc.PaymentInstructionRequest), card)
		if err != nil {
			return "", "", err
		}
		in.Sale = &sale
		in.Phase = ferry.PhaseAuthorizing
		in.Card = &ferry.Card{Type: "Visa Credit", EntryMethod: "icc", CardNumber: "453985******7062", ExpiryDate: "1230"}
		in.LeaseExpiresAt = tx.Now().Add(e.svc.cfg.AuthorizeTimeout + authorizeGrace)
		in.DeadlineAt = in.LeaseExpiresAt
		return ferry.EventCardRead, "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored := e.get(in.ID)
	if _, err := authorizeSale(e.ctx, e.proc, stored, card); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(e.svc.cfg.AuthorizeTimeout + authorizeGrace)
	e.sweep()
	done := e.get(in.ID)
	wantPhase(t, done, ferry.PhaseCompleted)
	p, err := e.svc.GetPayment(e.ctx, e.merchant.ID, done.ResultID)
	if err != nil || p.Order.Amount != 1200 || *p.TransactionResult.AuthorizedAmount != 1200 {
		t.Errorf("settled payment = %+v, %v", p, err)
	}
}

func TestSaleFollowsTerminal(t *testing.T) { eachStore(t, testSaleFollowsTerminal) }

// The device offers the processing terminal's suggested tips, and a
// terminal that takes no tips refuses a sale with one.
func testSaleFollowsTerminal(t *testing.T, open opener) {
	e := newEnv(t, open)
	if _, err := e.svc.UpdateTerminal(e.ctx, e.merchant.ID, "1234001", TerminalChange{SuggestedTips: &[]int{10, 25}}); err != nil {
		t.Fatal(err)
	}
	prompted := saleBody(1000, map[string]any{"breakdown": map[string]any{"subtotal": 1000, "tip": map[string]any{"type": "percentage"}}})
	in := e.submitKind(ferry.KindPayment, prompted)
	a := e.claim(e.session("s1"))
	if a == nil || len(a.Payment.TipPrompt) != 2 || a.Payment.TipPrompt[0] != "10" || a.Payment.TipPrompt[1] != "25" {
		t.Fatalf("tip prompt = %+v", a)
	}
	if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindPayment, in.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateTerminal(e.ctx, e.merchant.ID, "1234001", TerminalChange{Tips: new(false)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SubmitInstruction(e.ctx, SubmitParams{Kind: ferry.KindPayment, MerchantID: e.merchant.ID,
		IdempotencyKey: ferry.NewIdempotencyKey(), SerialNumber: e.device.SerialNumber, Fingerprint: []byte{1}, Body: prompted,
		Render: func(*ferry.Instruction) ([]byte, error) { return []byte(`{}`), nil }})
	wantCode(t, err, ferry.CodeInvalid)
	// A sale without a tip is fine.
	e.submitKind(ferry.KindPayment, saleBody(1000, nil))
}
