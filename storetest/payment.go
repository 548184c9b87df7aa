package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// paymentInstruction stores a payment instruction with a breakdown, a
// prompted tip and every kind of number the request can hold.
func (h *harness) paymentInstruction(d *ferry.Device, amount int64) *ferry.Instruction {
	h.t.Helper()
	in := h.newInstruction(d, amount)
	cashback := int64(0)
	pct := json.Number("7.25")
	in.Kind = ferry.KindPayment
	in.Request = &payroc.PaymentInstructionRequest{
		ProcessingTerminalID: d.ProcessingTerminalID,
		Operator:             "Jane",
		Order: payroc.PaymentInstructionOrder{OrderID: "O-2", Amount: amount, Currency: "USD",
			Breakdown: &ferry.Breakdown{Subtotal: amount, CashbackAmount: &cashback,
				Tip:   &ferry.Tip{Type: ferry.TipPercentage},
				Taxes: []ferry.Tax{{Type: "rate", Name: "State", Rate: pct}}}},
		CredentialOnFile: &payroc.CredentialOnFile{Tokenize: new(true)},
		AutoCapture:      new(false),
	}
	h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
	return in
}

func testPaymentInstruction(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	in := h.paymentInstruction(h.device(m, "SN-1"), 2000)
	got, err := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Request, in.Request) || got.Kind != ferry.KindPayment {
		t.Errorf("request did not round-trip:\n got %#v\nwant %#v", got.Request, in.Request)
	}
	// What the cardholder chose travels with the card read.
	got.Phase = ferry.PhaseDelivered
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, got, got.Version) })
	got.Phase = ferry.PhaseAuthorizing
	got.Card = &ferry.Card{Type: "Visa Credit", EntryMethod: "icc", CardNumber: "453985******7062", ExpiryDate: "1230"}
	got.Sale = &ferry.SaleRead{Tip: 300, Total: 2300}
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, got, got.Version) })
	again, _ := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if again.Sale == nil || *again.Sale != *got.Sale {
		t.Errorf("Sale = %+v, want %+v", again.Sale, got.Sale)
	}
	st, _ := h.store.InstructionStateGet(h.ctx, m.ID, in.ID)
	if st.Kind != ferry.KindPayment {
		t.Errorf("state kind = %q", st.Kind)
	}
}

func testPayment(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	in := h.paymentInstruction(h.device(m, "SN-1"), 2000)
	in.Card = &ferry.Card{Type: "Visa Credit", EntryMethod: "icc", CardNumber: "453985******7062", ExpiryDate: "1230"}
	authorized := int64(2300)
	at := h.clock.Now().Truncate(time.Second) // Payroc's dateTime has seconds
	p := payroc.NewPayment("M2MJOG6O2Y", in,
		ferry.PaymentCard{Card: *in.Card, SecureToken: &ferry.SecureToken{SecureTokenID: "MREF_1", CustomerName: "Cardholder", Token: ferry.NewSecureToken(), Status: "notValidated"}},
		ferry.SaleRead{Tip: 300, Total: 2300},
		ferry.TransactionResult{Type: "preAuthorization", Status: "pending", ApprovalCode: "OK0001", AuthorizedAmount: &authorized,
			Currency: "USD", ResponseCode: "A", ResponseMessage: "APPROVAL", ProcessorResponseCode: "00"}, at)
	h.update(func(tx ferry.Tx) error { return tx.PaymentInsert(h.ctx, p) })
	got, err := h.store.PaymentGet(h.ctx, m.ID, "M2MJOG6O2Y")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("PaymentGet =\n %+v\nwant\n %+v", got, p)
	}
	if got.Order.Amount != 2300 || got.Order.Breakdown.Tip.Mode != ferry.TipPrompted || *got.Order.Breakdown.Tip.Amount != 300 ||
		*got.Order.Breakdown.Taxes[0].Amount != 145 {
		t.Errorf("payment order = %+v", got.Order)
	}
	_, err = h.store.PaymentGet(h.ctx, other.ID, "M2MJOG6O2Y")
	wantCode(t, err, ferry.CodeNotFound)
	// At most one payment per instruction.
	second := *p
	second.PaymentID = "ZZZZZZZZZZ"
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.PaymentInsert(h.ctx, &second) }), ferry.CodeConflict)
}

func testSignatureAndClosedLoopRead(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	d := h.device(m, "SN-1")
	in := h.newInstruction(d, 0)
	in.Kind = ferry.KindSignature
	in.Request = &payroc.SignatureInstructionRequest{ProcessingTerminalID: d.ProcessingTerminalID}
	h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
	got, err := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if err != nil || !reflect.DeepEqual(got.Request, in.Request) || got.Request.Money() != (ferry.Money{}) {
		t.Fatalf("signature instruction = %+v, %v", got, err)
	}
	at := h.clock.Now().Truncate(time.Microsecond)
	sig := &ferry.Signature{SignatureID: "SIG0000001", ProcessingTerminalID: d.ProcessingTerminalID, ContentType: "image/png",
		Image: []byte("\x89PNG\r\n\x1a\n\x00\xff"), MerchantID: m.ID, InstructionID: in.ID, CreatedAt: at}
	h.update(func(tx ferry.Tx) error { return tx.SignatureInsert(h.ctx, sig) })
	gotSig, err := h.store.SignatureGet(h.ctx, m.ID, "SIG0000001")
	sig.CreatedOn = ferry.Date(at)
	if err != nil || !reflect.DeepEqual(gotSig, sig) {
		t.Errorf("SignatureGet = %+v, %v; want %+v", gotSig, err, sig)
	}
	_, err = h.store.SignatureGet(h.ctx, other.ID, "SIG0000001")
	wantCode(t, err, ferry.CodeNotFound)

	pay := h.paymentInstruction(h.device(m, "SN-2"), 100)
	read := &ferry.ClosedLoopRead{ClosedLoopReadID: "CLR0000001", ProcessingTerminalID: d.ProcessingTerminalID,
		Data: json.RawMessage(`{"balance":2500,"uid":"04A2"}`), MerchantID: m.ID, InstructionID: pay.ID, ReadAt: at}
	h.update(func(tx ferry.Tx) error { return tx.ClosedLoopReadInsert(h.ctx, read) })
	gotRead, err := h.store.ClosedLoopReadGet(h.ctx, m.ID, "CLR0000001")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(gotRead.Data, &data); err != nil || data["uid"] != "04A2" || gotRead.InstructionID != pay.ID ||
		time.Time(gotRead.ReadDate).Format(time.DateOnly) != at.Format(time.DateOnly) {
		t.Errorf("ClosedLoopReadGet = %+v, %v", gotRead, err)
	}
	_, err = h.store.ClosedLoopReadGet(h.ctx, other.ID, "CLR0000001")
	wantCode(t, err, ferry.CodeNotFound)
}
