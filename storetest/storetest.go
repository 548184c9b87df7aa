// Package storetest is the conformance suite for ferry.Store: one set of
// tests that every store must pass unchanged. A store's own tests call Run
// with a function that opens a fresh, empty store. Changing the Store
// interface means extending this suite in the same change.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/payroc"
)

// Opener opens a new, empty store whose transactions take their time from
// clock. It registers the store's cleanup with t.
type Opener func(t *testing.T, clock ferry.Clock) ferry.Store

// Run runs the whole suite against the stores that open makes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"Merchant", testMerchant},
		{"TextThatCannotBeStored", testBadText},
		{"APIKeyAndToken", testAPIKeyAndToken},
		{"Device", testDevice},
		{"DeviceListPaging", testDeviceListPaging},
		{"Terminal", testTerminal},
		{"TerminalDeviceList", testTerminalDeviceList},
		{"TerminalConcurrent", testTerminalConcurrent},
		{"DeviceCredential", testDeviceCredential},
		{"PairCode", testPairCode},
		{"InstructionRoundTrip", testInstructionRoundTrip},
		{"InstructionLastCompleted", testInstructionLastCompleted},
		{"InstructionScopedToMerchant", testInstructionScoped},
		{"InstructionOneActivePerDevice", testOneActivePerDevice},
		{"InstructionCompareAndSet", testInstructionCAS},
		{"InstructionDue", testInstructionDue},
		{"InstructionUnacked", testInstructionUnacked},
		{"Refund", testRefund},
		{"PaymentInstruction", testPaymentInstruction},
		{"Payment", testPayment},
		{"SignatureAndClosedLoopRead", testSignatureAndClosedLoopRead},
		{"Idempotency", testIdempotency},
		{"Submit", testSubmit},
		{"ConcurrentSubmit", testConcurrentSubmit},
		{"Events", testEvents},
		{"UpdateRollsBack", testRollback},
		{"UpdateCanceledContext", testCanceledContext},
		{"TxTime", testTxTime},
		{"ConcurrentIdempotency", testConcurrentIdempotency},
		{"Lock", testLock},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ConcurrentDeviceBusy", testConcurrentDeviceBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := ferrytest.NewClock(time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC))
			tt.fn(t, &harness{t: t, store: open(t, clock), clock: clock, ctx: context.Background()})
		})
	}
}

// harness holds one test's store and helpers.
type harness struct {
	t     *testing.T
	store ferry.Store
	clock *ferrytest.Clock
	ctx   context.Context
}

// update runs fn in a transaction and fails the test on error.
func (h *harness) update(fn func(tx ferry.Tx) error) {
	h.t.Helper()
	if err := h.store.Update(h.ctx, fn); err != nil {
		h.t.Fatalf("Update: %v", err)
	}
}

func (h *harness) merchant(name string) *ferry.Merchant {
	h.t.Helper()
	m := &ferry.Merchant{ID: ferry.NewID(), Name: name, CreatedAt: h.clock.Now().Truncate(time.Microsecond)}
	h.update(func(tx ferry.Tx) error { return tx.MerchantInsert(h.ctx, m) })
	return m
}

func (h *harness) device(m *ferry.Merchant, serial string) *ferry.Device {
	h.t.Helper()
	d := &ferry.Device{ID: ferry.NewID(), MerchantID: m.ID, SerialNumber: serial, ProcessingTerminalID: "1234001",
		Model: "test", CreatedAt: h.clock.Now().Truncate(time.Microsecond)}
	h.update(func(tx ferry.Tx) error { return tx.DeviceInsert(h.ctx, d) })
	return d
}

func (h *harness) newInstruction(d *ferry.Device, amount int64) *ferry.Instruction {
	now := h.clock.Now().Truncate(time.Microsecond)
	return &ferry.Instruction{
		ID:         instructionID(),
		MerchantID: d.MerchantID,
		DeviceID:   d.ID,
		Kind:       ferry.KindRefund,
		Phase:      ferry.PhaseQueued,
		Request: &payroc.RefundInstructionRequest{
			ProcessingTerminalID: d.ProcessingTerminalID,
			Order:                payroc.InstructionOrder{OrderID: "O-1", Description: "test", Amount: amount, Currency: "USD"},
		},
		DeadlineAt: now.Add(2 * time.Minute),
		StopAcked:  true,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
}

func (h *harness) instruction(d *ferry.Device, amount int64) *ferry.Instruction {
	h.t.Helper()
	in := h.newInstruction(d, amount)
	h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
	return in
}

// instructionID returns a new id in the form Payroc uses: 32 hex digits.
func instructionID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// end moves an instruction to a final phase.
func (h *harness) end(in *ferry.Instruction, phase ferry.Phase) {
	h.t.Helper()
	h.update(func(tx ferry.Tx) error {
		v := in.Version
		in.Phase = phase
		return tx.InstructionUpdate(h.ctx, in, v)
	})
}

// wantCode fails unless err has the code.
func wantCode(t *testing.T, err error, code ferry.Code) {
	t.Helper()
	if got := ferry.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// testBadText: text that a store cannot keep (NUL, invalid UTF-8) is
// refused with CodeInvalid or kept; never an internal error. (Validation
// refuses it before any store sees it; this is the store's last line.)
func testBadText(t *testing.T, h *harness) {
	for _, name := range []string{"a\x00b", "a\xffb", "\xed\xa0\x80"} {
		err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
			return tx.MerchantInsert(h.ctx, &ferry.Merchant{ID: ferry.NewID(), Name: name, CreatedAt: tx.Now()})
		})
		if code := ferry.ErrorCode(err); code != "" && code != ferry.CodeInvalid {
			t.Errorf("a merchant named %q: %v (code %q), want none or %q", name, err, code, ferry.CodeInvalid)
		}
	}
	_, err := h.store.MerchantGet(h.ctx, "a\x00b")
	if code := ferry.ErrorCode(err); code != ferry.CodeNotFound && code != ferry.CodeInvalid {
		t.Errorf("reading a merchant by an id with NUL: %v", err)
	}
}

func testMerchant(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	got, err := h.store.MerchantGet(h.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.Name != "Acme" || !got.CreatedAt.Equal(m.CreatedAt) {
		t.Errorf("MerchantGet = %+v, want %+v", got, m)
	}
	_, err = h.store.MerchantGet(h.ctx, "nope")
	wantCode(t, err, ferry.CodeNotFound)
	err = h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.MerchantInsert(h.ctx, m) })
	wantCode(t, err, ferry.CodeConflict)
	h.merchant("Other")
	list, err := h.store.MerchantList(h.ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("MerchantList = %d merchants, %v; want 2", len(list), err)
	}
}

func testAPIKeyAndToken(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	now := h.clock.Now().Truncate(time.Microsecond)
	k := &ferry.APIKey{ID: ferry.NewID(), MerchantID: m.ID, Prefix: "fy_key_abcd", Hash: ferry.HashSecret("k1"), CreatedAt: now}
	h.update(func(tx ferry.Tx) error { return tx.APIKeyInsert(h.ctx, k) })
	got, err := h.store.APIKeyGetByHash(h.ctx, ferry.HashSecret("k1"))
	if err != nil || got.ID != k.ID || got.MerchantID != m.ID || !got.RevokedAt.IsZero() {
		t.Fatalf("APIKeyGetByHash = %+v, %v", got, err)
	}
	_, err = h.store.APIKeyGetByHash(h.ctx, ferry.HashSecret("k2"))
	wantCode(t, err, ferry.CodeNotFound)
	dup := *k
	dup.ID = ferry.NewID()
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.APIKeyInsert(h.ctx, &dup) }), ferry.CodeConflict)

	// Revoking is scoped to the merchant.
	err = h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.APIKeyRevoke(h.ctx, other.ID, k.ID, now) })
	wantCode(t, err, ferry.CodeNotFound)
	h.update(func(tx ferry.Tx) error { return tx.APIKeyRevoke(h.ctx, m.ID, k.ID, now.Add(time.Second)) })
	got, _ = h.store.APIKeyGetByHash(h.ctx, ferry.HashSecret("k1"))
	if !got.RevokedAt.Equal(now.Add(time.Second)) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, now.Add(time.Second))
	}
	keys, err := h.store.APIKeyList(h.ctx, m.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("APIKeyList = %d, %v; want 1", len(keys), err)
	}
	if keys, _ := h.store.APIKeyList(h.ctx, other.ID); len(keys) != 0 {
		t.Errorf("other merchant sees %d keys", len(keys))
	}

	tokens := []*ferry.Token{
		{Hash: ferry.HashSecret("t1"), MerchantID: m.ID, APIKeyID: k.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{Hash: ferry.HashSecret("t2"), MerchantID: m.ID, APIKeyID: k.ID, CreatedAt: now, ExpiresAt: now.Add(-time.Second)},
	}
	for _, tok := range tokens {
		h.update(func(tx ferry.Tx) error { return tx.TokenInsert(h.ctx, tok) })
	}
	tok, err := h.store.TokenGetByHash(h.ctx, ferry.HashSecret("t1"))
	if err != nil || tok.MerchantID != m.ID || tok.APIKeyID != k.ID || !tok.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("TokenGetByHash = %+v, %v", tok, err)
	}
	later := &ferry.Token{Hash: ferry.HashSecret("t3"), MerchantID: m.ID, APIKeyID: k.ID, CreatedAt: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
	h.update(func(tx ferry.Tx) error { return tx.TokenInsert(h.ctx, later) })
	for _, tc := range []struct {
		key   string
		since time.Time
		n     int
		first time.Time
	}{
		{k.ID, now, 3, now},
		{k.ID, now.Add(time.Microsecond), 1, now.Add(time.Minute)},
		{k.ID, now.Add(2 * time.Minute), 0, time.Time{}},
		{"other", now, 0, time.Time{}},
	} {
		n, first, err := h.store.TokenCountSince(h.ctx, tc.key, tc.since)
		if err != nil || n != tc.n || !first.Equal(tc.first) {
			t.Errorf("TokenCountSince(%s, %v) = %d, %v, %v; want %d, %v", tc.key, tc.since, n, first, err, tc.n, tc.first)
		}
	}
	h.update(func(tx ferry.Tx) error { _, err := tx.TokenDeleteForAPIKey(h.ctx, k.ID); return err })
	for _, tok := range tokens {
		h.update(func(tx ferry.Tx) error { return tx.TokenInsert(h.ctx, tok) })
	}
	var n int64
	h.update(func(tx ferry.Tx) (err error) { n, err = tx.TokenDeleteExpired(h.ctx, now); return err })
	if n != 1 {
		t.Errorf("TokenDeleteExpired deleted %d, want 1", n)
	}
	h.update(func(tx ferry.Tx) (err error) { n, err = tx.TokenDeleteForAPIKey(h.ctx, k.ID); return err })
	if n != 1 {
		t.Errorf("TokenDeleteForAPIKey deleted %d, want 1", n)
	}
	_, err = h.store.TokenGetByHash(h.ctx, ferry.HashSecret("t1"))
	wantCode(t, err, ferry.CodeNotFound)
}

func testDevice(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	d := h.device(m, "SN-1")
	got, err := h.store.DeviceGetBySerial(h.ctx, m.ID, "SN-1")
	if err != nil || got.ID != d.ID || got.ProcessingTerminalID != "1234001" || got.Simulated || got.Model != "test" {
		t.Fatalf("DeviceGetBySerial = %+v, %v", got, err)
	}
	_, err = h.store.DeviceGetBySerial(h.ctx, other.ID, "SN-1")
	wantCode(t, err, ferry.CodeNotFound)
	// The same serial number may exist once per merchant.
	h.device(other, "SN-1")
	dup := *d
	dup.ID = ferry.NewID()
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.DeviceInsert(h.ctx, &dup) }), ferry.CodeConflict)

	if !got.LastSeenAt.IsZero() {
		t.Errorf("LastSeenAt = %v before any touch", got.LastSeenAt)
	}
	seen := h.clock.Now().Add(time.Minute).Truncate(time.Microsecond)
	h.update(func(tx ferry.Tx) error { return tx.DeviceTouch(h.ctx, d.ID, seen) })
	got, _ = h.store.DeviceGet(h.ctx, d.ID)
	if !got.LastSeenAt.Equal(seen) {
		t.Errorf("LastSeenAt = %v, want %v", got.LastSeenAt, seen)
	}
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.DeviceTouch(h.ctx, "nope", seen) }), ferry.CodeNotFound)

	sim := &ferry.Device{ID: ferry.NewID(), MerchantID: m.ID, SerialNumber: "SIM-1", ProcessingTerminalID: "1234001", Simulated: true, CreatedAt: seen}
	h.update(func(tx ferry.Tx) error { return tx.DeviceInsert(h.ctx, sim) })
	yes := true
	list, err := h.store.DeviceList(h.ctx, ferry.DeviceListParams{Simulated: &yes})
	if err != nil || len(list) != 1 || list[0].ID != sim.ID {
		t.Fatalf("DeviceList(simulated) = %v, %v", list, err)
	}
	list, _ = h.store.DeviceList(h.ctx, ferry.DeviceListParams{MerchantID: m.ID})
	if len(list) != 2 {
		t.Errorf("DeviceList(merchant) = %d devices, want 2", len(list))
	}
	list, _ = h.store.DeviceList(h.ctx, ferry.DeviceListParams{MerchantID: m.ID, Model: "test"})
	if len(list) != 1 || list[0].ID != d.ID {
		t.Errorf("DeviceList(model test) = %v", list)
	}
	list, _ = h.store.DeviceList(h.ctx, ferry.DeviceListParams{MerchantID: other.ID, SerialNumber: "SN-1"})
	if len(list) != 1 || list[0].MerchantID != other.ID {
		t.Errorf("DeviceList(other, SN-1) = %v", list)
	}
}

func testDeviceListPaging(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	for _, s := range []string{"E", "B", "D", "A", "C"} {
		h.device(m, s)
	}
	serials := func(p ferry.DeviceListParams) string {
		p.MerchantID = m.ID
		list, err := h.store.DeviceList(h.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, d := range list {
			out += d.SerialNumber
		}
		return out
	}
	for _, tc := range []struct {
		p    ferry.DeviceListParams
		want string
	}{
		{ferry.DeviceListParams{}, "ABCDE"},
		{ferry.DeviceListParams{Limit: 2}, "AB"},
		{ferry.DeviceListParams{After: "B", Limit: 2}, "CD"},
		{ferry.DeviceListParams{After: "D", Limit: 2}, "E"},
		{ferry.DeviceListParams{Before: "D", Limit: 2}, "BC"},
		{ferry.DeviceListParams{Before: "B", Limit: 2}, "A"},
	} {
		if got := serials(tc.p); got != tc.want {
			t.Errorf("DeviceList(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func testInstructionRoundTrip(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	in := h.newInstruction(d, 4999)
	in.ID = "a37439165d134678a9100ebba3b29597"
	withdrawal := false
	req := in.Request.(*payroc.RefundInstructionRequest)
	req.Operator = "Jane"
	req.Customer = &ferry.Customer{
		FirstName: "Sarah", LastName: "Hopper", DateOfBirth: "1990-07-15",
		BillingAddress: &ferry.Address{Address1: "1 Example Ave.", City: "Chicago", State: "Illinois", Country: "US", PostalCode: "60056"},
		ContactMethods: []ferry.ContactMethod{{Type: "email", Value: "jane.doe@example.com"}},
	}
	req.CustomizationOptions = &payroc.CustomizationOptions{EntryMethod: "manualEntry",
		EBTDetails: &payroc.EBTDetails{BenefitCategory: "cash", Withdrawal: &withdrawal}}
	h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
	if in.Version != 1 {
		t.Errorf("Version after insert = %d, want 1", in.Version)
	}
	got, err := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Request, in.Request) {
		t.Errorf("request did not round-trip:\n got %+v\nwant %+v", got.Request, in.Request)
	}
	if got.Phase != ferry.PhaseQueued || got.Kind != ferry.KindRefund || got.DeviceID != d.ID || !got.StopAcked ||
		!got.CreatedAt.Equal(in.CreatedAt) || !got.DeadlineAt.Equal(in.DeadlineAt) || !got.LeaseExpiresAt.IsZero() || got.Card != nil {
		t.Errorf("InstructionGet = %+v", got)
	}

	// Every mutable field is written by an update.
	at := h.clock.Now().Add(time.Second).Truncate(time.Microsecond)
	got.Phase = ferry.PhaseAuthorizing
	got.LeaseToken, got.LeaseSession, got.LeaseExpiresAt = 3, "s1", at.Add(15*time.Second)
	got.DeadlineAt = at.Add(time.Minute)
	got.Card = &ferry.Card{Type: "Visa Credit", EntryMethod: "icc", CardNumber: "453985******7062", ExpiryDate: "1230"}
	got.StopAcked, got.UpdatedAt = false, at
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, got, 1) })
	again, _ := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if again.Version != 2 || again.Phase != ferry.PhaseAuthorizing || again.LeaseToken != 3 || again.LeaseSession != "s1" ||
		!again.LeaseExpiresAt.Equal(at.Add(15*time.Second)) || again.Card == nil || *again.Card != *got.Card ||
		again.StopAcked || !again.UpdatedAt.Equal(at) {
		t.Errorf("after update: %+v", again)
	}
	again.Phase, again.ResultID, again.ResultRel, again.ErrorMessage, again.CanceledBy = ferry.PhaseCompleted, "CD3HN88U9F", ferry.RelRefund, "", ""
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, again, 2) })
	final, _ := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if final.ResultID != "CD3HN88U9F" || final.ResultRel != ferry.RelRefund || final.Phase != ferry.PhaseCompleted || final.Version != 3 {
		t.Errorf("after completion: %+v", final)
	}
}

func testInstructionScoped(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	in := h.instruction(h.device(m, "SN-1"), 100)
	_, err := h.store.InstructionGet(h.ctx, other.ID, in.ID)
	wantCode(t, err, ferry.CodeNotFound)
	_, err = h.store.InstructionGet(h.ctx, m.ID, "0000")
	wantCode(t, err, ferry.CodeNotFound)
	_, err = h.store.InstructionStateGet(h.ctx, other.ID, in.ID)
	wantCode(t, err, ferry.CodeNotFound)
	st, err := h.store.InstructionStateGet(h.ctx, m.ID, in.ID)
	if err != nil || st.ID != in.ID || st.Phase != ferry.PhaseQueued || st.ResultID != "" || st.Kind != ferry.KindRefund {
		t.Errorf("InstructionStateGet = %+v, %v", st, err)
	}
	in.Phase, in.ResultID, in.ResultRel, in.ErrorMessage = ferry.PhaseCompleted, "CD3HN88U9F", ferry.RelRefund, ""
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, in, in.Version) })
	if st, _ := h.store.InstructionStateGet(h.ctx, m.ID, in.ID); *st != *in.State() {
		t.Errorf("InstructionStateGet = %+v, want %+v", st, in.State())
	}
}

func testOneActivePerDevice(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	first := h.instruction(d, 100)
	got, err := h.store.InstructionActiveForDevice(h.ctx, d.ID)
	if err != nil || got.ID != first.ID {
		t.Fatalf("InstructionActiveForDevice = %v, %v", got, err)
	}
	second := h.newInstruction(d, 200)
	second.ID = instructionID()
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, second) }), ferry.CodeDeviceBusy)
	// Another device is not affected.
	h.instruction(h.device(m, "SN-2"), 300)

	h.end(first, ferry.PhaseCanceled)
	_, err = h.store.InstructionActiveForDevice(h.ctx, d.ID)
	wantCode(t, err, ferry.CodeNotFound)
	h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, second) })

	// An update may not make a second instruction active either.
	first.Phase = ferry.PhaseQueued
	err = h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, first, first.Version) })
	wantCode(t, err, ferry.CodeDeviceBusy)
}

func testInstructionCAS(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	in := h.instruction(h.device(m, "SN-1"), 100)
	stale := *in
	in.Phase = ferry.PhaseDelivered
	in.LeaseToken = 1
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, in, 1) })
	stale.Phase = ferry.PhaseCanceled
	err := h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, &stale, 1) })
	wantCode(t, err, ferry.CodeConflict)
	if stale.Version != 1 {
		t.Errorf("a failed update changed Version to %d", stale.Version)
	}
	got, _ := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if got.Phase != ferry.PhaseDelivered || got.Version != 2 {
		t.Errorf("a stale update was written: %+v", got)
	}
	missing := *in
	missing.ID = "missing"
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, &missing, 2) }), ferry.CodeConflict)
}

func testInstructionDue(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	base := h.clock.Now().Truncate(time.Microsecond)
	next, err := h.store.InstructionNextDue(h.ctx)
	if err != nil || !next.IsZero() {
		t.Fatalf("InstructionNextDue on an empty store = %v, %v; want zero", next, err)
	}
	var ids []string
	for i, offset := range []time.Duration{30 * time.Second, 10 * time.Second, 20 * time.Second} {
		in := h.newInstruction(h.device(m, fmt.Sprint("SN-", i)), 100)
		in.ID = instructionID()
		in.DeadlineAt = base.Add(offset)
		h.update(func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
		ids = append(ids, in.ID)
	}
	// A lease that ends before the deadline makes the instruction due earlier.
	leased, _ := h.store.InstructionGet(h.ctx, m.ID, ids[0])
	leased.Phase, leased.LeaseToken, leased.LeaseExpiresAt = ferry.PhaseDelivered, 1, base.Add(5*time.Second)
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, leased, 1) })

	next, _ = h.store.InstructionNextDue(h.ctx)
	if !next.Equal(base.Add(5 * time.Second)) {
		t.Errorf("InstructionNextDue = %v, want %v", next, base.Add(5*time.Second))
	}
	due, err := h.store.InstructionListDue(h.ctx, base.Add(20*time.Second), 10)
	if err != nil || len(due) != 3 || due[0].ID != ids[0] || due[1].ID != ids[1] || due[2].ID != ids[2] {
		t.Fatalf("InstructionListDue(20s) = %v, %v; want %v in that order", due, err, ids)
	}
	due, _ = h.store.InstructionListDue(h.ctx, base.Add(20*time.Second), 2)
	if len(due) != 2 {
		t.Errorf("limit 2 gave %d", len(due))
	}
	due, _ = h.store.InstructionListDue(h.ctx, base.Add(9*time.Second), 10)
	if len(due) != 1 || due[0].ID != ids[0] {
		t.Errorf("InstructionListDue(9s) = %v, want only the leased one", due)
	}
	// Ended instructions are never due.
	for _, id := range ids {
		in, _ := h.store.InstructionGet(h.ctx, m.ID, id)
		h.end(in, ferry.PhaseFailure)
	}
	if due, _ := h.store.InstructionListDue(h.ctx, base.Add(time.Hour), 10); len(due) != 0 {
		t.Errorf("ended instructions are due: %v", due)
	}
	if next, _ := h.store.InstructionNextDue(h.ctx); !next.IsZero() {
		t.Errorf("InstructionNextDue with nothing active = %v", next)
	}
}

func testInstructionUnacked(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	in := h.instruction(d, 100)
	_, err := h.store.InstructionUnacked(h.ctx, d.ID, "s1")
	wantCode(t, err, ferry.CodeNotFound)
	in.Phase, in.LeaseToken, in.LeaseSession, in.StopAcked = ferry.PhaseDelivered, 1, "s1", false
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, in, in.Version) })
	_, err = h.store.InstructionUnacked(h.ctx, d.ID, "s1")
	wantCode(t, err, ferry.CodeNotFound) // still active: nothing to stop
	h.end(in, ferry.PhaseCanceled)
	got, err := h.store.InstructionUnacked(h.ctx, d.ID, "s1")
	if err != nil || got.ID != in.ID {
		t.Fatalf("InstructionUnacked = %v, %v", got, err)
	}
	_, err = h.store.InstructionUnacked(h.ctx, d.ID, "s2")
	wantCode(t, err, ferry.CodeNotFound)
	in.StopAcked = true
	h.update(func(tx ferry.Tx) error { return tx.InstructionUpdate(h.ctx, in, in.Version) })
	_, err = h.store.InstructionUnacked(h.ctx, d.ID, "s1")
	wantCode(t, err, ferry.CodeNotFound)
}

func testRefund(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	in := h.instruction(h.device(m, "SN-1"), 4999)
	in.Request.(*payroc.RefundInstructionRequest).Customer = &ferry.Customer{FirstName: "Sarah"}
	authorized := int64(-4999)
	at := h.clock.Now().Truncate(time.Microsecond)
	r := payroc.NewRefund("CD3HN88U9F", in,
		ferry.Card{Type: "Visa Credit", EntryMethod: "icc", CardNumber: "453985******7062", ExpiryDate: "1230"},
		ferry.TransactionResult{Type: "refund", Status: "ready", ApprovalCode: "000000", AuthorizedAmount: &authorized,
			Currency: "USD", ResponseCode: "A", ResponseMessage: "APPROVAL", ProcessorResponseCode: "00"}, at)
	h.update(func(tx ferry.Tx) error { return tx.RefundInsert(h.ctx, r) })
	got, err := h.store.RefundGet(h.ctx, m.ID, "CD3HN88U9F")
	if err != nil {
		t.Fatal(err)
	}
	if got.InstructionID != in.ID || got.Order.Amount != 4999 || *got.TransactionResult.AuthorizedAmount != -4999 ||
		got.Card != r.Card || got.Customer == nil || got.Customer.FirstName != "Sarah" ||
		!time.Time(got.Order.DateTime).Equal(at) || got.TransactionResult.Currency != "USD" || got.TransactionResult.ApprovalCode != "000000" {
		t.Errorf("RefundGet = %+v", got)
	}
	_, err = h.store.RefundGet(h.ctx, other.ID, "CD3HN88U9F")
	wantCode(t, err, ferry.CodeNotFound)
	byIn, err := h.store.RefundGetByInstruction(h.ctx, m.ID, in.ID)
	if err != nil || byIn.RefundID != "CD3HN88U9F" {
		t.Errorf("RefundGetByInstruction = %v, %v", byIn, err)
	}
	// At most one refund per instruction.
	second := *r
	second.RefundID = "ZZZZZZZZZZ"
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.RefundInsert(h.ctx, &second) }), ferry.CodeConflict)

	// A decline has no authorized amount.
	in2 := h.instruction(h.device(m, "SN-2"), 5051)
	declined := payroc.NewRefund("DECLINED01", in2, r.Card,
		ferry.TransactionResult{Type: "refund", Status: "declined", Currency: "USD", ResponseCode: "D", ResponseMessage: "DECLINED"}, at)
	h.update(func(tx ferry.Tx) error { return tx.RefundInsert(h.ctx, declined) })
	got, _ = h.store.RefundGet(h.ctx, m.ID, "DECLINED01")
	if got.TransactionResult.AuthorizedAmount != nil || got.TransactionResult.Status != "declined" || got.Customer != nil {
		t.Errorf("declined refund = %+v", got)
	}
}

func testIdempotency(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	now := h.clock.Now().Truncate(time.Microsecond)
	rec := &ferry.IdempotencyRecord{MerchantID: m.ID, Key: "8e03978e-40d5-43e8-bc93-6894a57f9324",
		Fingerprint: []byte{1, 2, 3}, Status: 202, Body: []byte(`{"a":1}`), CreatedAt: now}
	insert := func(rec *ferry.IdempotencyRecord) (inserted bool) {
		t.Helper()
		h.update(func(tx ferry.Tx) (err error) { inserted, err = tx.IdempotencyInsert(h.ctx, rec); return err })
		return inserted
	}
	if !insert(rec) {
		t.Fatal("the first insert of a key reports it was not stored")
	}
	got, err := h.store.IdempotencyGet(h.ctx, m.ID, rec.Key)
	if err != nil || got.Status != 202 || string(got.Body) != `{"a":1}` || string(got.Fingerprint) != "\x01\x02\x03" || !got.CreatedAt.Equal(now) {
		t.Fatalf("IdempotencyGet = %+v, %v", got, err)
	}
	_, err = h.store.IdempotencyGet(h.ctx, other.ID, rec.Key)
	wantCode(t, err, ferry.CodeNotFound)
	// A second record for the key is not stored, and the first stays.
	second := *rec
	second.Body = []byte(`{"b":2}`)
	if insert(&second) {
		t.Error("a second record for one key was stored")
	}
	if got, _ := h.store.IdempotencyGet(h.ctx, m.ID, rec.Key); string(got.Body) != `{"a":1}` {
		t.Errorf("the first record was replaced: %s", got.Body)
	}
	// Keys are per merchant.
	theirs := *rec
	theirs.MerchantID = other.ID
	if !insert(&theirs) {
		t.Error("another merchant cannot use the same key")
	}

	var n int64
	h.update(func(tx ferry.Tx) (err error) { n, err = tx.IdempotencyDeleteBefore(h.ctx, now); return err })
	if n != 0 {
		t.Errorf("IdempotencyDeleteBefore(created) deleted %d, want 0", n)
	}
	h.update(func(tx ferry.Tx) (err error) {
		n, err = tx.IdempotencyDeleteBefore(h.ctx, now.Add(time.Microsecond))
		return err
	})
	if n != 2 {
		t.Errorf("IdempotencyDeleteBefore(later) deleted %d, want 2", n)
	}
}

// submission returns a submission of a new instruction on d under key.
func (h *harness) submission(d *ferry.Device, key string, amount int64) *ferry.Submission {
	in := h.newInstruction(d, amount)
	return &ferry.Submission{
		Key: &ferry.IdempotencyRecord{MerchantID: d.MerchantID, Key: key, Fingerprint: []byte(key),
			Status: 202, Body: []byte(in.ID), CreatedAt: in.CreatedAt},
		Instruction: in,
		Event: &ferry.Event{InstructionID: in.ID, MerchantID: in.MerchantID, At: in.CreatedAt,
			Phase: in.Phase, Kind: "submitted", Detail: d.SerialNumber},
	}
}

func testSubmit(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	first := h.submission(d, "key-1", 4999)
	if ok, err := h.store.Submit(h.ctx, first); !ok || err != nil {
		t.Fatalf("Submit = %v, %v", ok, err)
	}
	in, err := h.store.InstructionGet(h.ctx, m.ID, first.Instruction.ID)
	if err != nil || in.Version != 1 || in.Phase != ferry.PhaseQueued || in.Request.Money().Amount != 4999 || !in.CreatedAt.Equal(first.Instruction.CreatedAt) {
		t.Fatalf("submitted instruction = %+v, %v", in, err)
	}
	rec, err := h.store.IdempotencyGet(h.ctx, m.ID, "key-1")
	if err != nil || string(rec.Body) != in.ID {
		t.Fatalf("key record = %+v, %v", rec, err)
	}
	events, err := h.store.EventList(h.ctx, in.ID)
	if err != nil || len(events) != 1 || events[0].Kind != "submitted" || events[0].Detail != "SN-1" {
		t.Fatalf("events = %+v, %v", events, err)
	}

	// The key again: nothing is written, not even to another device.
	again := h.submission(h.device(m, "SN-2"), "key-1", 100)
	if ok, err := h.store.Submit(h.ctx, again); ok || err != nil {
		t.Fatalf("Submit with a used key = %v, %v", ok, err)
	}
	_, err = h.store.InstructionGet(h.ctx, m.ID, again.Instruction.ID)
	wantCode(t, err, ferry.CodeNotFound)
	if events, _ := h.store.EventList(h.ctx, again.Instruction.ID); len(events) != 0 {
		t.Errorf("a refused submission left events: %+v", events)
	}

	// A busy device: CodeDeviceBusy, and the new key is not kept.
	busy := h.submission(d, "key-2", 100)
	_, err = h.store.Submit(h.ctx, busy)
	wantCode(t, err, ferry.CodeDeviceBusy)
	_, err = h.store.IdempotencyGet(h.ctx, m.ID, "key-2")
	wantCode(t, err, ferry.CodeNotFound)
	_, err = h.store.InstructionGet(h.ctx, m.ID, busy.Instruction.ID)
	wantCode(t, err, ferry.CodeNotFound)
	// Once the first has ended, the key can be used.
	h.end(in, ferry.PhaseCompleted)
	if ok, err := h.store.Submit(h.ctx, busy); !ok || err != nil {
		t.Fatalf("Submit after the device became free = %v, %v", ok, err)
	}
	// Keys are per merchant.
	other := h.merchant("Other")
	if ok, err := h.store.Submit(h.ctx, h.submission(h.device(other, "SN-1"), "key-1", 100)); !ok || err != nil {
		t.Fatalf("another merchant's Submit with the same key = %v, %v", ok, err)
	}
}

// testConcurrentSubmit: many submissions at once, with one key or one
// device in common: one instruction each time.
func testConcurrentSubmit(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	const n = 20
	var wg sync.WaitGroup
	var inserted, busy atomic.Int32
	for i := range n {
		d := h.device(m, fmt.Sprintf("SN-%d", i))
		wg.Go(func() {
			ok, err := h.store.Submit(h.ctx, h.submission(d, "shared", 100))
			if err != nil {
				t.Errorf("Submit: %v", err)
			}
			if ok {
				inserted.Add(1)
			}
		})
	}
	shared := h.device(m, "SHARED")
	for i := range n {
		wg.Go(func() {
			ok, err := h.store.Submit(h.ctx, h.submission(shared, fmt.Sprintf("own-%d", i), 100))
			switch {
			case ferry.ErrorCode(err) == ferry.CodeDeviceBusy:
				busy.Add(1)
			case err != nil || !ok:
				t.Errorf("Submit = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if inserted.Load() != 1 {
		t.Errorf("%d submissions with one key were stored, want 1", inserted.Load())
	}
	if busy.Load() != n-1 {
		t.Errorf("%d submissions to one device were refused as busy, want %d", busy.Load(), n-1)
	}

	// Submissions that a store may write together, among them one to a
	// busy device and one with a key already used: each gets its own
	// answer, and the others are stored.
	frees := make([]*ferry.Device, n)
	for i := range frees {
		frees[i] = h.device(m, fmt.Sprintf("FREE-%d", i))
	}
	results := make([]error, n+2)
	stored := make([]bool, n+2)
	subs := make([]*ferry.Submission, n+2)
	for i, d := range frees {
		subs[i] = h.submission(d, fmt.Sprintf("free-%d", i), 100)
	}
	subs[n] = h.submission(shared, "to-the-busy-one", 100)
	subs[n+1] = h.submission(h.device(m, "USED-KEY"), "shared", 100)
	for i, sub := range subs {
		wg.Go(func() { stored[i], results[i] = h.store.Submit(h.ctx, sub) })
	}
	wg.Wait()
	for i := range n {
		if !stored[i] || results[i] != nil {
			t.Errorf("submission %d beside a busy device and a used key: %v, %v", i, stored[i], results[i])
		}
		if _, err := h.store.InstructionGet(h.ctx, m.ID, subs[i].Instruction.ID); err != nil {
			t.Errorf("submission %d was answered as stored but is not: %v", i, err)
		}
	}
	if ferry.ErrorCode(results[n]) != ferry.CodeDeviceBusy {
		t.Errorf("submission to a busy device: %v, %v", stored[n], results[n])
	}
	if stored[n+1] || results[n+1] != nil {
		t.Errorf("submission with a used key: %v, %v", stored[n+1], results[n+1])
	}

	// And many that all succeed.
	fresh := make([]*ferry.Submission, n)
	for i := range fresh {
		fresh[i] = h.submission(h.device(m, fmt.Sprintf("NEW-%d", i)), fmt.Sprintf("new-%d", i), int64(100+i))
	}
	for _, sub := range fresh {
		wg.Go(func() {
			if ok, err := h.store.Submit(h.ctx, sub); !ok || err != nil {
				t.Errorf("Submit = %v, %v", ok, err)
				return
			}
			in, err := h.store.InstructionGet(h.ctx, m.ID, sub.Instruction.ID)
			if err != nil || in.Version != 1 || sub.Instruction.Version != 1 || in.Request.Money() != sub.Instruction.Request.Money() || !in.DeadlineAt.Equal(sub.Instruction.DeadlineAt) {
				t.Errorf("stored %+v, %v; submitted %+v", in, err, sub.Instruction)
			}
			if events, err := h.store.EventList(h.ctx, in.ID); err != nil || len(events) != 1 || events[0].Detail != sub.Event.Detail {
				t.Errorf("events of %s: %+v, %v", in.ID, events, err)
			}
		})
	}
	wg.Wait()
}

func testEvents(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	in := h.instruction(h.device(m, "SN-1"), 100)
	kinds := []string{"submitted", "delivered", "card_read", "completed"}
	for _, k := range kinds {
		h.update(func(tx ferry.Tx) error {
			return tx.EventInsert(h.ctx, &ferry.Event{InstructionID: in.ID, MerchantID: m.ID, At: tx.Now(), Phase: in.Phase, Kind: k, Detail: "d-" + k})
		})
	}
	events, err := h.store.EventList(h.ctx, in.ID)
	if err != nil || len(events) != len(kinds) {
		t.Fatalf("EventList = %d events, %v", len(events), err)
	}
	for i, e := range events {
		if e.Kind != kinds[i] || e.Detail != "d-"+kinds[i] || (i > 0 && e.Seq <= events[i-1].Seq) {
			t.Errorf("event %d = %+v", i, e)
		}
	}
}

func testRollback(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	boom := errors.New("boom")
	d := &ferry.Device{ID: ferry.NewID(), MerchantID: m.ID, SerialNumber: "SN-1", ProcessingTerminalID: "1234001", CreatedAt: h.clock.Now()}
	err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
		if err := tx.DeviceInsert(h.ctx, d); err != nil {
			return err
		}
		// A read in the same transaction sees the write.
		if _, err := tx.DeviceGet(h.ctx, d.ID); err != nil {
			t.Errorf("the transaction does not see its own write: %v", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	_, err = h.store.DeviceGet(h.ctx, d.ID)
	wantCode(t, err, ferry.CodeNotFound)
	// A failed statement inside a transaction rolls back its earlier writes.
	err = h.store.Update(h.ctx, func(tx ferry.Tx) error {
		if err := tx.DeviceInsert(h.ctx, d); err != nil {
			return err
		}
		return tx.MerchantInsert(h.ctx, m) // duplicate
	})
	wantCode(t, err, ferry.CodeConflict)
	_, err = h.store.DeviceGet(h.ctx, d.ID)
	wantCode(t, err, ferry.CodeNotFound)
}

func testCanceledContext(t *testing.T, h *harness) {
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	ran := false
	err := h.store.Update(ctx, func(tx ferry.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Update with a canceled context = %v (ran %v), want context.Canceled without running", err, ran)
	}
}

func testTxTime(t *testing.T, h *harness) {
	h.update(func(tx ferry.Tx) error {
		a := tx.Now()
		h.clock.Advance(time.Second)
		b := tx.Now()
		if !a.Equal(b) {
			t.Errorf("Now changed within a transaction: %v then %v", a, b)
		}
		if a.Nanosecond()%1000 != 0 {
			t.Errorf("Now = %v is not truncated to the microsecond", a)
		}
		return nil
	})
	// Stored times keep microseconds, come back in UTC, and compare equal.
	m := &ferry.Merchant{ID: "m", Name: "n", CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.FixedZone("X", 3600))}
	h.update(func(tx ferry.Tx) error { return tx.MerchantInsert(h.ctx, m) })
	got, _ := h.store.MerchantGet(h.ctx, "m")
	if !got.CreatedAt.Equal(m.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, m.CreatedAt)
	}
}

// testConcurrentIdempotency: many transactions race to store a record
// for one key; exactly one stores it, and every other one sees it once the
// first committed, lock or no lock.
func testConcurrentIdempotency(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	const n = 50
	var inserted, saw atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
				ok, err := tx.IdempotencyInsert(h.ctx, &ferry.IdempotencyRecord{MerchantID: m.ID, Key: "k",
					Fingerprint: []byte{1}, Status: 202, Body: []byte(fmt.Sprint(i)), CreatedAt: tx.Now()})
				if err != nil {
					return err
				}
				if ok {
					inserted.Add(1)
					return nil
				}
				if _, err := tx.IdempotencyGet(h.ctx, m.ID, "k"); err != nil {
					return fmt.Errorf("the record that blocked the insert is not visible: %w", err)
				}
				saw.Add(1)
				return nil
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if inserted.Load() != 1 || saw.Load() != n-1 {
		t.Errorf("inserted %d, saw the record %d times; want 1 and %d", inserted.Load(), saw.Load(), n-1)
	}
}

// testLock: transactions that take the same lock run one after the other.
func testLock(t *testing.T, h *harness) {
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
				if err := tx.Lock(h.ctx, "test"); err != nil {
					return err
				}
				now := inside.Add(1)
				for {
					m := most.Load()
					if now <= m || most.CompareAndSwap(m, now) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d transactions held the lock at once", most.Load())
	}
}

// testConcurrentClaims: many transactions race to take one instruction
// with a compare-and-set; exactly one wins.
func testConcurrentClaims(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	in := h.instruction(h.device(m, "SN-1"), 100)
	const n = 20
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
				cur, err := tx.InstructionGet(h.ctx, m.ID, in.ID)
				if err != nil {
					return err
				}
				if cur.Phase != ferry.PhaseQueued {
					return nil
				}
				cur.Phase, cur.LeaseToken, cur.LeaseSession = ferry.PhaseDelivered, cur.LeaseToken+1, fmt.Sprint("s", i)
				if err := tx.InstructionUpdate(h.ctx, cur, cur.Version); err != nil {
					return err
				}
				won.Add(1)
				return nil
			})
			if err != nil && ferry.ErrorCode(err) != ferry.CodeConflict {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	got, _ := h.store.InstructionGet(h.ctx, m.ID, in.ID)
	if won.Load() != 1 || got.LeaseToken != 1 || got.Version != 2 {
		t.Errorf("%d claims won, token %d, version %d; want 1, 1, 2", won.Load(), got.LeaseToken, got.Version)
	}
}

// testConcurrentDeviceBusy: many transactions race to queue an instruction
// for one device; exactly one succeeds, the others get CodeDeviceBusy.
func testConcurrentDeviceBusy(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	const n = 20
	var ok, busy atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			in := h.newInstruction(d, 100)
			in.ID = instructionID()
			err := h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.InstructionInsert(h.ctx, in) })
			switch ferry.ErrorCode(err) {
			case "":
				ok.Add(1)
			case ferry.CodeDeviceBusy:
				busy.Add(1)
			default:
				t.Errorf("InstructionInsert: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || busy.Load() != n-1 {
		t.Errorf("%d inserts succeeded and %d were busy; want 1 and %d", ok.Load(), busy.Load(), n-1)
	}
}

func testDeviceCredential(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	d := h.device(m, "SN-1")
	now := h.clock.Now().Truncate(time.Microsecond)
	creds := []*ferry.DeviceCredential{
		{ID: ferry.NewID(), DeviceID: d.ID, MerchantID: m.ID, Prefix: "fy_dev_aaaa", Hash: ferry.HashSecret("c1"), CreatedAt: now},
		{ID: ferry.NewID(), DeviceID: d.ID, MerchantID: m.ID, Prefix: "fy_dev_bbbb", Hash: ferry.HashSecret("c2"), CreatedAt: now.Add(time.Second)},
	}
	for _, c := range creds {
		h.update(func(tx ferry.Tx) error { return tx.DeviceCredentialInsert(h.ctx, c) })
	}
	got, err := h.store.DeviceCredentialGetByHash(h.ctx, ferry.HashSecret("c1"))
	if err != nil || got.ID != creds[0].ID || got.DeviceID != d.ID || got.MerchantID != m.ID || !got.RevokedAt.IsZero() {
		t.Fatalf("DeviceCredentialGetByHash = %+v, %v", got, err)
	}
	_, err = h.store.DeviceCredentialGetByHash(h.ctx, ferry.HashSecret("c3"))
	wantCode(t, err, ferry.CodeNotFound)
	dup := *creds[0]
	dup.ID = ferry.NewID()
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.DeviceCredentialInsert(h.ctx, &dup) }), ferry.CodeConflict)

	var n int64
	h.update(func(tx ferry.Tx) (err error) {
		n, err = tx.DeviceCredentialRevoke(h.ctx, other.ID, d.ID, now)
		return err
	})
	if n != 0 {
		t.Errorf("another merchant revoked %d credentials", n)
	}
	h.update(func(tx ferry.Tx) (err error) { n, err = tx.DeviceCredentialRevoke(h.ctx, m.ID, d.ID, now); return err })
	if n != 2 {
		t.Errorf("revoked %d credentials, want 2", n)
	}
	h.update(func(tx ferry.Tx) (err error) {
		n, err = tx.DeviceCredentialRevoke(h.ctx, m.ID, d.ID, now.Add(time.Hour))
		return err
	})
	if n != 0 {
		t.Errorf("revoked %d already revoked credentials", n)
	}
	got, _ = h.store.DeviceCredentialGet(h.ctx, creds[1].ID)
	if !got.RevokedAt.Equal(now) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, now)
	}
	list, err := h.store.DeviceCredentialList(h.ctx, d.ID)
	if err != nil || len(list) != 2 || list[0].ID != creds[0].ID {
		t.Errorf("DeviceCredentialList = %v, %v", list, err)
	}
}

func testPairCode(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	now := h.clock.Now().Truncate(time.Microsecond)
	c := &ferry.PairCode{Hash: ferry.HashSecret("ABCD-EFGH"), MerchantID: m.ID, DeviceID: d.ID, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	h.update(func(tx ferry.Tx) error { return tx.PairCodeInsert(h.ctx, c) })
	got, err := h.store.PairCodeGetByHash(h.ctx, c.Hash)
	if err != nil || got.DeviceID != d.ID || !got.ExpiresAt.Equal(c.ExpiresAt) || !got.UsedAt.IsZero() {
		t.Fatalf("PairCodeGetByHash = %+v, %v", got, err)
	}
	h.update(func(tx ferry.Tx) error { return tx.PairCodeUse(h.ctx, c.Hash, now.Add(time.Minute)) })
	// A code is used once.
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.PairCodeUse(h.ctx, c.Hash, now) }), ferry.CodeNotFound)
	got, _ = h.store.PairCodeGetByHash(h.ctx, c.Hash)
	if !got.UsedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("UsedAt = %v", got.UsedAt)
	}
	var n int64
	h.update(func(tx ferry.Tx) (err error) {
		n, err = tx.PairCodeDeleteBefore(h.ctx, now.Add(10*time.Minute))
		return err
	})
	if n != 0 {
		t.Errorf("deleted %d codes that expire at the cut-off", n)
	}
	h.update(func(tx ferry.Tx) (err error) {
		n, err = tx.PairCodeDeleteBefore(h.ctx, now.Add(11*time.Minute))
		return err
	})
	if n != 1 {
		t.Errorf("deleted %d expired codes, want 1", n)
	}
}

func testInstructionLastCompleted(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	d := h.device(m, "SN-1")
	_, err := h.store.InstructionLastCompleted(h.ctx, d.ID)
	wantCode(t, err, ferry.CodeNotFound)
	var last *ferry.Instruction
	for i := range 3 {
		in := h.instruction(d, int64(100+i))
		h.clock.Advance(time.Second)
		in.UpdatedAt = h.clock.Now().Truncate(time.Microsecond)
		h.end(in, ferry.PhaseCompleted)
		last = in
	}
	h.end(h.instruction(d, 999), ferry.PhaseFailure)
	got, err := h.store.InstructionLastCompleted(h.ctx, d.ID)
	if err != nil || got.ID != last.ID {
		t.Errorf("InstructionLastCompleted = %v, %v; want %s", got, err, last.ID)
	}
}
