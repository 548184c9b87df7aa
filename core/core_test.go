package core

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/sim"
)

// fakeProcessor is the simulated processor with knobs: it counts calls,
// can fail, and can hold a call until released.
type fakeProcessor struct {
	inner *sim.Processor
	mu    sync.Mutex
	calls int
	err   error
	block chan struct{}
	// entered, if set, receives each call as it comes in.
	entered chan struct{}
}

func (p *fakeProcessor) Refund(ctx context.Context, r ferry.ProcessorRefund) (ferry.TransactionResult, error) {
	if err := p.enter(ctx); err != nil {
		return ferry.TransactionResult{}, err
	}
	return p.inner.Refund(ctx, r)
}

func (p *fakeProcessor) Sale(ctx context.Context, s ferry.ProcessorSale) (ferry.TransactionResult, error) {
	if err := p.enter(ctx); err != nil {
		return ferry.TransactionResult{}, err
	}
	return p.inner.Sale(ctx, s)
}

// enter counts a call, holds it while blocked, and fails it when told to.
func (p *fakeProcessor) enter(ctx context.Context) error {
	p.mu.Lock()
	p.calls++
	err, block, entered := p.err, p.block, p.entered
	p.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (p *fakeProcessor) Lookup(ctx context.Context, key string) (ferry.TransactionResult, error) {
	return p.inner.Lookup(ctx, key)
}

func (p *fakeProcessor) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// holdCalls makes the processor hold every call until the returned
// release is called; entered receives each call as it arrives.
func (p *fakeProcessor) holdCalls() (entered <-chan struct{}, release func()) {
	in := make(chan struct{}, 100)
	block := make(chan struct{})
	p.mu.Lock()
	p.entered, p.block = in, block
	p.mu.Unlock()
	return in, sync.OnceFunc(func() { close(block) })
}

// waitCall waits until a call reaches the processor.
func waitCall(t *testing.T, entered <-chan struct{}) {
	t.Helper()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no call reached the processor")
	}
}

// env is one test's world: a service on a real SQLite file with a clock
// that moves only when told.
type env struct {
	t        *testing.T
	ctx      context.Context
	clock    *ferrytest.Clock
	store    ferry.Store
	proc     *fakeProcessor
	svc      *Service
	merchant *ferry.Merchant
	apiKey   string
	device   *ferry.Device
}

var testConfig = Config{
	TokenTTL:           time.Hour,
	InstructionTimeout: 2 * time.Minute,
	LeaseTTL:           15 * time.Second,
	AuthorizeTimeout:   30 * time.Second,
}

// opener opens a fresh store.
type opener func(t *testing.T, clock ferry.Clock) ferry.Store

// eachStore runs a test on SQLite and on PostgreSQL (when
// FERRY_TEST_POSTGRES_URL is set).
func eachStore(t *testing.T, test func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, func(t *testing.T, c ferry.Clock) ferry.Store { return ferrytest.SQLite(t, c) })
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, func(t *testing.T, c ferry.Clock) ferry.Store { return ferrytest.Postgres(t, c) })
	})
}

func newEnv(t *testing.T, open opener) *env {
	t.Helper()
	clock := ferrytest.NewClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	store := open(t, clock)
	proc := &fakeProcessor{inner: sim.NewProcessor()}
	svc := New(store, notify.New(), proc, clock, nil, testConfig)
	e := &env{t: t, ctx: context.Background(), clock: clock, store: store, proc: proc, svc: svc}
	var err error
	e.merchant, e.apiKey, err = svc.CreateMerchant(e.ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	e.device = e.addDevice(e.merchant, "1850010868")
	return e
}

func (e *env) addDevice(m *ferry.Merchant, serial string) *ferry.Device {
	e.t.Helper()
	d, err := e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: m.ID, SerialNumber: serial, ProcessingTerminalID: "1234001"})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func body(amount int64) []byte {
	b, _ := json.Marshal(map[string]any{
		"processingTerminalId": "1234001",
		"order":                map[string]any{"orderId": "OrderRef6543", "description": "Refund", "amount": amount, "currency": "USD"},
	})
	return b
}

// submit queues a refund of amount on the env's device.
func (e *env) submit(amount int64) *ferry.Instruction {
	e.t.Helper()
	resp, err := e.submitWith(e.merchant.ID, e.device.SerialNumber, ferry.NewIdempotencyKey(), body(amount))
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	return resp.Instruction
}

func (e *env) submitWith(merchantID, serial, key string, b []byte) (*Response, error) {
	return e.svc.SubmitInstruction(e.ctx, SubmitParams{
		Kind:           ferry.KindRefund,
		MerchantID:     merchantID,
		IdempotencyKey: key,
		SerialNumber:   serial,
		Fingerprint:    ferry.RequestFingerprint("POST", "/v1/devices/"+serial+"/refund-instructions", b),
		Body:           b,
		Render: func(in *ferry.Instruction) ([]byte, error) {
			return json.Marshal(map[string]string{"refundInstructionId": in.ID, "status": string(in.Phase.Status())})
		},
	})
}

func (e *env) get(id string) *ferry.Instruction {
	e.t.Helper()
	in, err := e.svc.GetInstruction(e.ctx, e.merchant.ID, id)
	if err != nil {
		e.t.Fatalf("GetInstruction: %v", err)
	}
	return in
}

// session opens a device session on the env's device.
func (e *env) session(name string) *deviceConn {
	return e.svc.DeviceConn(e.device, name).(*deviceConn)
}

// claim asks the session for work without waiting.
func (e *env) claim(c *deviceConn) *ferry.Assignment {
	e.t.Helper()
	a, err := c.claim(e.ctx)
	if err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	return a
}

// sweep settles what is due at the clock's time.
func (e *env) sweep() {
	e.t.Helper()
	if _, err := e.svc.Sweep(e.ctx, e.clock.Now()); err != nil {
		e.t.Fatalf("Sweep: %v", err)
	}
}

func wantCode(t *testing.T, err error, code ferry.Code) {
	t.Helper()
	if got := ferry.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func wantPhase(t *testing.T, in *ferry.Instruction, phase ferry.Phase) {
	t.Helper()
	if in.Phase != phase {
		t.Fatalf("instruction %s is %s (error %q), want %s", in.ID, in.Phase, in.ErrorMessage, phase)
	}
}

func TestAuthorize(t *testing.T) { eachStore(t, testAuthorize) }

func testAuthorize(t *testing.T, open opener) {
	e := newEnv(t, open)
	_, _, err := e.svc.Authorize(e.ctx, "fy_key_unknown")
	wantCode(t, err, ferry.CodeUnauthorized)
	_, _, err = e.svc.Authorize(e.ctx, "")
	wantCode(t, err, ferry.CodeUnauthorized)

	token, ttl, err := e.svc.Authorize(e.ctx, e.apiKey)
	if err != nil || ttl != time.Hour {
		t.Fatalf("Authorize = %v, %v", ttl, err)
	}
	p, err := e.svc.Authenticate(e.ctx, token)
	if err != nil || p.MerchantID != e.merchant.ID {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	_, err = e.svc.Authenticate(e.ctx, token+"x")
	wantCode(t, err, ferry.CodeUnauthorized)
	_, err = e.svc.Authenticate(e.ctx, "")
	wantCode(t, err, ferry.CodeUnauthorized)

	e.clock.Advance(time.Hour)
	_, err = e.svc.Authenticate(e.ctx, token)
	wantCode(t, err, ferry.CodeUnauthorized)
}

func TestRevokedKey(t *testing.T) { eachStore(t, testRevokedKey) }

func testRevokedKey(t *testing.T, open opener) {
	e := newEnv(t, open)
	key2, rec, err := e.svc.CreateAPIKey(e.ctx, e.merchant.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.svc.Authorize(e.ctx, key2)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
	wantCode(t, e.svc.RevokeAPIKey(e.ctx, other.ID, rec.ID), ferry.CodeNotFound)
	if err := e.svc.RevokeAPIKey(e.ctx, e.merchant.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Authorize(e.ctx, key2)
	wantCode(t, err, ferry.CodeUnauthorized)
	_, err = e.svc.Authenticate(e.ctx, token)
	wantCode(t, err, ferry.CodeUnauthorized)
	// The merchant's other key still works.
	if _, _, err := e.svc.Authorize(e.ctx, e.apiKey); err != nil {
		t.Errorf("the first key stopped working: %v", err)
	}
}

func TestSubmitIdempotency(t *testing.T) { eachStore(t, testSubmitIdempotency) }

func testSubmitIdempotency(t *testing.T, open opener) {
	e := newEnv(t, open)
	key := ferry.NewIdempotencyKey()
	first, err := e.submitWith(e.merchant.ID, e.device.SerialNumber, key, body(4999))
	if err != nil || first.Replayed || first.Status != 202 {
		t.Fatalf("first submit = %+v, %v", first, err)
	}
	// Same key, same request: the same bytes, nothing new.
	again, err := e.submitWith(e.merchant.ID, e.device.SerialNumber, key, []byte(` {"order":{"currency":"USD","amount":4999,"orderId":"OrderRef6543","description":"Refund"},"processingTerminalId":"1234001"}`))
	if err != nil || !again.Replayed || string(again.Body) != string(first.Body) || again.Instruction != nil {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	// Same key, different request.
	_, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, key, body(5000))
	wantCode(t, err, ferry.CodeIdempotencyKeyInUse)
	other := e.addDevice(e.merchant, "OTHER-1")
	_, err = e.submitWith(e.merchant.ID, other.SerialNumber, key, body(4999))
	wantCode(t, err, ferry.CodeIdempotencyKeyInUse)
	// Same key, other merchant: a different key space.
	m2, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
	d2 := e.addDevice(m2, e.device.SerialNumber)
	resp, err := e.submitWith(m2.ID, d2.SerialNumber, key, body(4999))
	if err != nil || resp.Replayed {
		t.Fatalf("other merchant's submit with the same key = %+v, %v", resp, err)
	}
	// The device is busy now, but a replay is answered before that rule.
	again, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, key, body(4999))
	if err != nil || !again.Replayed {
		t.Fatalf("replay while the device is busy = %+v, %v", again, err)
	}
	_, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, ferry.NewIdempotencyKey(), body(4999))
	wantCode(t, err, ferry.CodeDeviceBusy)
}

func TestSubmitConcurrentDuplicates(t *testing.T) { eachStore(t, testSubmitConcurrentDuplicates) }

func testSubmitConcurrentDuplicates(t *testing.T, open opener) {
	e := newEnv(t, open)
	key := ferry.NewIdempotencyKey()
	const n = 50
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := e.submitWith(e.merchant.ID, e.device.SerialNumber, key, body(4999))
			if err != nil {
				t.Errorf("duplicate %d: %v", i, err)
				return
			}
			bodies[i] = resp.Body
		})
	}
	wg.Wait()
	for i := range bodies {
		if string(bodies[i]) != string(bodies[0]) {
			t.Fatalf("responses differ: %s vs %s", bodies[i], bodies[0])
		}
	}
	var r struct{ RefundInstructionID string }
	json.Unmarshal(bodies[0], &r)
	events, _ := e.store.EventList(e.ctx, r.RefundInstructionID)
	if len(events) != 1 || events[0].Kind != "submitted" {
		t.Errorf("events = %v, want one submission", events)
	}
	active, err := e.store.InstructionActiveForDevice(e.ctx, e.device.ID)
	if err != nil || active.ID != r.RefundInstructionID {
		t.Errorf("active instruction = %v, %v", active, err)
	}
}

func TestSubmitErrors(t *testing.T) { eachStore(t, testSubmitErrors) }

func testSubmitErrors(t *testing.T, open opener) {
	e := newEnv(t, open)
	m2, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
	theirs := e.addDevice(m2, "THEIRS-1")
	_, err := e.submitWith(e.merchant.ID, theirs.SerialNumber, ferry.NewIdempotencyKey(), body(100))
	wantCode(t, err, ferry.CodeNotFound)
	_, err = e.submitWith(e.merchant.ID, "nope", ferry.NewIdempotencyKey(), body(100))
	wantCode(t, err, ferry.CodeNotFound)
	_, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, ferry.NewIdempotencyKey(), []byte(`{"processingTerminalId":"9999001","order":{"orderId":"o","description":"","amount":1,"currency":"USD"}}`))
	wantCode(t, err, ferry.CodeInvalid)
	_, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, ferry.NewIdempotencyKey(), []byte(`{}`))
	wantCode(t, err, ferry.CodeInvalid)
	// A failed request stores nothing: the key can be used again.
	key := ferry.NewIdempotencyKey()
	_, err = e.submitWith(e.merchant.ID, e.device.SerialNumber, key, []byte(`{}`))
	wantCode(t, err, ferry.CodeInvalid)
	if _, err := e.submitWith(e.merchant.ID, e.device.SerialNumber, key, body(100)); err != nil {
		t.Errorf("a key whose first request failed validation cannot be used: %v", err)
	}
}

func TestHappyPath(t *testing.T) { eachStore(t, testHappyPath) }

func testHappyPath(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	c := e.session("s1")
	a := e.claim(c)
	if a == nil || a.Stop || a.Token != 1 || a.Amount != 4999 || a.Currency != "USD" || a.EntryMethod != ferry.EntryDeviceRead {
		t.Fatalf("assignment = %+v", a)
	}
	wantPhase(t, e.get(in.ID), ferry.PhaseDelivered)
	// Asking again returns the same lease, not a new one.
	if again := e.claim(c); again == nil || again.Token != 1 {
		t.Fatalf("second claim by the same session = %+v", again)
	}
	// Another session of the same device gets nothing while the lease lives.
	if other := e.claim(e.session("s2")); other != nil {
		t.Fatalf("a second session took a held instruction: %+v", other)
	}
	if _, err := c.Progress(e.ctx, a.Lease, "prompting"); err != nil {
		t.Fatal(err)
	}
	res, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != ferry.StatusCompleted || !res.Approved || res.ResponseCode != "A" || res.CardNumber != "453985******7062" || len(res.RefundID) != 10 {
		t.Fatalf("card read result = %+v", res)
	}
	done := e.get(in.ID)
	wantPhase(t, done, ferry.PhaseCompleted)
	r, err := e.svc.GetRefund(e.ctx, e.merchant.ID, done.ResultID)
	if err != nil || r.Order.Amount != 4999 || *r.TransactionResult.AuthorizedAmount != -4999 || r.TransactionResult.Type != "refund" {
		t.Fatalf("refund = %+v, %v", r, err)
	}
	// The device is free for the next instruction.
	e.submit(100)
	var kinds []string
	events, _ := e.svc.Events(e.ctx, e.merchant.ID, in.ID)
	for _, ev := range events {
		kinds = append(kinds, ev.Kind)
	}
	if want := "[submitted delivered progress card_read completed]"; fmtList(kinds) != want {
		t.Errorf("events = %v, want %s", kinds, want)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

func TestCardReadAtMostOnce(t *testing.T) { eachStore(t, testCardReadAtMostOnce) }

func testCardReadAtMostOnce(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	c := e.session("s1")
	a := e.claim(c)
	entered, release := e.proc.holdCalls()
	defer release()
	timers := e.clock.Timers()
	const n = 10
	results := make([]*ferry.CardReadResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			results[i], err = c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
			if err != nil {
				t.Errorf("card read %d: %v", i, err)
			}
		})
	}
	// Every call reaches the service before the processor answers: one
	// is at the processor, and the others wait for its outcome, each
	// with a timer on the clock.
	waitCall(t, entered)
	if !e.clock.WaitTimers(timers+n-1, 10*time.Second) {
		t.Fatalf("%d of %d repeated card reads wait for the outcome", e.clock.Timers()-timers, n-1)
	}
	release()
	wg.Wait()
	if e.proc.Calls() != 1 {
		t.Errorf("the processor was called %d times, want 1", e.proc.Calls())
	}
	for i := range results {
		if results[i] == nil || *results[i] != *results[0] {
			t.Fatalf("results differ: %+v vs %+v", results[i], results[0])
		}
	}
	// A retry after the end returns the same result again.
	again, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	if err != nil || *again != *results[0] || e.proc.Calls() != 1 {
		t.Errorf("retry = %+v, %v (processor calls %d)", again, err, e.proc.Calls())
	}
	wantPhase(t, e.get(in.ID), ferry.PhaseCompleted)
}

func TestCardReadRejectsBadCard(t *testing.T) { eachStore(t, testCardReadRejectsBadCard) }

func testCardReadRejectsBadCard(t *testing.T, open opener) {
	e := newEnv(t, open)
	e.submit(4999)
	c := e.session("s1")
	a := e.claim(c)
	_, err := c.CardRead(e.ctx, a.Lease, ferry.CardRead{CardNumber: "4539850000007063", ExpiryDate: "0120", EntryMethod: "telepathy"})
	wantCode(t, err, ferry.CodeInvalid)
	var fe *ferry.Error
	errors.As(err, &fe)
	if len(fe.Fields) != 3 {
		t.Errorf("fields = %+v, want cardNumber, expiryDate and entryMethod", fe.Fields)
	}
	if e.proc.Calls() != 0 {
		t.Error("a bad card reached the processor")
	}
	if _, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard); err != nil {
		t.Errorf("a good read after a bad one: %v", err)
	}
}

func TestLeaseExpiresBeforeCardRead(t *testing.T) { eachStore(t, testLeaseExpiresBeforeCardRead) }

func testLeaseExpiresBeforeCardRead(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	old := e.session("old")
	a := e.claim(old)
	e.clock.Advance(testConfig.LeaseTTL)
	e.sweep()
	wantPhase(t, e.get(in.ID), ferry.PhaseQueued)

	// The stale session is refused everywhere and changes nothing.
	_, err := old.Heartbeat(e.ctx, a.Lease, 0)
	wantCode(t, err, ferry.CodeLeaseLost)
	_, err = old.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeLeaseLost)
	_, err = old.Cancel(e.ctx, a.Lease)
	wantCode(t, err, ferry.CodeLeaseLost)

	b := e.claim(e.session("new"))
	if b == nil || b.Token != 2 {
		t.Fatalf("new session's assignment = %+v, want lease 2", b)
	}
	_, err = old.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeLeaseLost)
	if e.proc.Calls() != 0 {
		t.Error("a stale lease reached the processor")
	}
	wantPhase(t, e.get(in.ID), ferry.PhaseDelivered)
}

func TestExpiredLeaseTakenOverWithoutSweep(t *testing.T) {
	eachStore(t, testExpiredLeaseTakenOverWithoutSweep)
}

func testExpiredLeaseTakenOverWithoutSweep(t *testing.T, open opener) {
	e := newEnv(t, open)
	e.submit(4999)
	a := e.claim(e.session("old"))
	e.clock.Advance(testConfig.LeaseTTL)
	b := e.claim(e.session("new"))
	if b == nil || b.Token != a.Token+1 {
		t.Fatalf("after the lease ran out a new session got %+v", b)
	}
}

func TestHeartbeatKeepsLease(t *testing.T) { eachStore(t, testHeartbeatKeepsLease) }

func testHeartbeatKeepsLease(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	c := e.session("s1")
	a := e.claim(c)
	for range 5 {
		e.clock.Advance(testConfig.LeaseTTL / 2)
		st, err := c.Heartbeat(e.ctx, a.Lease, 0)
		if err != nil || st.Stop {
			t.Fatalf("heartbeat = %+v, %v", st, err)
		}
		e.sweep()
	}
	wantPhase(t, e.get(in.ID), ferry.PhaseDelivered)
}

func TestNoProgressFails(t *testing.T) { eachStore(t, testNoProgressFails) }

func testNoProgressFails(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(6363)
	c := e.session("s1")
	a := e.claim(c)
	// The device renews its lease but makes no progress.
	for elapsed := time.Duration(0); elapsed < testConfig.InstructionTimeout; elapsed += 5 * time.Second {
		e.clock.Advance(5 * time.Second)
		if _, err := c.Heartbeat(e.ctx, a.Lease, 0); err != nil {
			t.Fatal(err)
		}
		e.sweep()
	}
	got := e.get(in.ID)
	wantPhase(t, got, ferry.PhaseFailure)
	if got.ErrorMessage != "The device made no progress for 2m0s" {
		t.Errorf("errorMessage = %q", got.ErrorMessage)
	}
	// The session learns to stop, and its acknowledgement is recorded.
	st, err := c.Heartbeat(e.ctx, a.Lease, 0)
	if err != nil || !st.Stop || st.Status != ferry.StatusFailure {
		t.Fatalf("heartbeat after failure = %+v, %v", st, err)
	}
	stop := e.claim(c)
	if stop == nil || !stop.Stop || stop.InstructionID != in.ID {
		t.Fatalf("next work = %+v, want the stop", stop)
	}
	if err := c.Ack(e.ctx, a.Lease); err != nil {
		t.Fatal(err)
	}
	if next := e.claim(c); next != nil {
		t.Errorf("after the ack the session still gets %+v", next)
	}
}

func TestUnclaimedFails(t *testing.T) { eachStore(t, testUnclaimedFails) }

func testUnclaimedFails(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	e.clock.Advance(testConfig.InstructionTimeout - time.Second)
	e.sweep()
	wantPhase(t, e.get(in.ID), ferry.PhaseQueued)
	e.clock.Advance(time.Second)
	e.sweep()
	got := e.get(in.ID)
	wantPhase(t, got, ferry.PhaseFailure)
	if got.ErrorMessage == "" {
		t.Error("no errorMessage")
	}
}

func TestLeaseExpiryAfterDeadlineFails(t *testing.T) { eachStore(t, testLeaseExpiryAfterDeadlineFails) }

func testLeaseExpiryAfterDeadlineFails(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	e.clock.Advance(testConfig.InstructionTimeout - 5*time.Second)
	e.claim(e.session("s1")) // picking it up counts as progress
	e.clock.Advance(testConfig.InstructionTimeout)
	e.sweep()
	wantPhase(t, e.get(in.ID), ferry.PhaseFailure)
}

func TestCancel(t *testing.T) { eachStore(t, testCancel) }

func testCancel(t *testing.T, open opener) {
	t.Run("queued", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		got, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPhase(t, got, ferry.PhaseCanceled)
		if a := e.claim(e.session("s1")); a != nil {
			t.Errorf("a canceled instruction was handed out: %+v", a)
		}
		e.submit(100) // the device is free
	})
	t.Run("delivered", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		c := e.session("s1")
		a := e.claim(c)
		if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID); err != nil {
			t.Fatal(err)
		}
		st, err := c.Heartbeat(e.ctx, a.Lease, 0)
		if err != nil || !st.Stop || st.Status != ferry.StatusCanceled || st.Reason != "Canceled by the POS" {
			t.Fatalf("heartbeat = %+v, %v", st, err)
		}
		res, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		if err != nil || res.Status != ferry.StatusCanceled || e.proc.Calls() != 0 {
			t.Fatalf("card read after cancel = %+v, %v (processor calls %d)", res, err, e.proc.Calls())
		}
		if err := c.Ack(e.ctx, a.Lease); err != nil {
			t.Fatal(err)
		}
		wantPhase(t, e.get(in.ID), ferry.PhaseCanceled)
	})
	t.Run("authorizing", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		c := e.session("s1")
		a := e.claim(c)
		entered, release := e.proc.holdCalls()
		defer release()
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		}()
		waitCall(t, entered) // the instruction is authorizing
		wantPhase(t, e.get(in.ID), ferry.PhaseAuthorizing)
		_, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID)
		wantCode(t, err, ferry.CodeCannotBeCanceled)
		_, err = c.Cancel(e.ctx, a.Lease)
		wantCode(t, err, ferry.CodeCannotBeCanceled)
		release()
		<-done
		wantPhase(t, e.get(in.ID), ferry.PhaseCompleted)
	})
	t.Run("ended", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		c := e.session("s1")
		a := e.claim(c)
		c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		_, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID)
		wantCode(t, err, ferry.CodeCannotBeCanceled)
		var fe *ferry.Error
		errors.As(err, &fe)
		if fe.Link == nil || fe.Link.Rel != "refund" || fe.Link.Href != "/v1/refunds/"+e.get(in.ID).ResultID {
			t.Errorf("link = %+v", fe.Link)
		}
		if fe.Fields[0].Message != "Completed instruction cannot be canceled" {
			t.Errorf("message = %q", fe.Fields[0].Message)
		}

		failed := e.submit(100)
		fc := e.session("s2")
		fa := e.claim(fc)
		fc.Fail(e.ctx, fa.Lease, "paper jam")
		_, err = e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, failed.ID)
		wantCode(t, err, ferry.CodeCannotBeCanceled)
		errors.As(err, &fe)
		if fe.Link != nil || fe.Fields[0].Message != "Failed instruction cannot be canceled" {
			t.Errorf("failed: %+v", fe)
		}

		canceled := e.submit(100)
		e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, canceled.ID)
		_, err = e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, canceled.ID)
		wantCode(t, err, ferry.CodeCannotBeCanceled)
	})
	t.Run("other merchant", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		m2, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
		_, err := e.svc.CancelInstruction(e.ctx, m2.ID, ferry.KindRefund, in.ID)
		wantCode(t, err, ferry.CodeNotFound)
		wantPhase(t, e.get(in.ID), ferry.PhaseQueued)
	})
}

func TestCardholderCancelAndFailure(t *testing.T) { eachStore(t, testCardholderCancelAndFailure) }

func testCardholderCancelAndFailure(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(6161)
	c := e.session("s1")
	a := e.claim(c)
	st, err := c.Cancel(e.ctx, a.Lease)
	if err != nil || st.Status != ferry.StatusCanceled {
		t.Fatalf("cancel = %+v, %v", st, err)
	}
	got := e.get(in.ID)
	if got.CanceledBy != ferry.CanceledByCardholder || !got.StopAcked {
		t.Errorf("canceled instruction = %+v", got)
	}

	in = e.submit(6262)
	a = e.claim(c)
	st, err = c.Fail(e.ctx, a.Lease, "could not read card 4539 8500 0000 7062\x00 ")
	if err != nil || st.Status != ferry.StatusFailure {
		t.Fatalf("fail = %+v, %v", st, err)
	}
	if msg := e.get(in.ID).ErrorMessage; msg != "could not read card 4539 85** **** 7062" {
		t.Errorf("errorMessage = %q: the card number must be masked and control characters dropped", msg)
	}
}

func TestAuthorizingSettledBySweeper(t *testing.T) { eachStore(t, testAuthorizingSettledBySweeper) }

func testAuthorizingSettledBySweeper(t *testing.T, open opener) {
	t.Run("processor has the answer", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		c := e.session("s1")
		a := e.claim(c)
		// The processor approves, but the answer never reaches Ferry.
		e.proc.inner.Refund(e.ctx, ferry.ProcessorRefund{Key: in.ID, Amount: in.Amount()})
		e.proc.err = errors.New("connection reset")
		_, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		wantCode(t, err, ferry.CodeUnavailable)
		wantPhase(t, e.get(in.ID), ferry.PhaseAuthorizing)
		e.clock.Advance(testConfig.AuthorizeTimeout)
		e.sweep()
		wantPhase(t, e.get(in.ID), ferry.PhaseAuthorizing) // not yet: the call may still be running
		e.clock.Advance(authorizeGrace)
		e.sweep()
		got := e.get(in.ID)
		wantPhase(t, got, ferry.PhaseCompleted)
		r, err := e.svc.GetRefund(e.ctx, e.merchant.ID, got.ResultID)
		if err != nil || r.TransactionResult.ResponseCode != "A" || r.Card.CardNumber != "453985******7062" {
			t.Fatalf("refund = %+v, %v", r, err)
		}
		// The device, asking again, learns the outcome.
		res, err := c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		if err != nil || res.RefundID != got.ResultID {
			t.Errorf("card read retry = %+v, %v", res, err)
		}
	})
	t.Run("processor never saw it", func(t *testing.T) {
		e := newEnv(t, open)
		in := e.submit(4999)
		c := e.session("s1")
		a := e.claim(c)
		e.proc.err = errors.New("connection refused")
		c.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
		// Its lease lapses while the outcome is unknown: no session, this
		// one or another, gets the instruction again.
		e.clock.Advance(testConfig.LeaseTTL + time.Second)
		e.sweep()
		other := e.session("s2")
		for _, s := range []*deviceConn{other, c} {
			if a := e.claim(s); a != nil && !a.Stop {
				t.Fatalf("handed out again after the card read, with the lease lapsed: %+v", a)
			}
		}
		wantPhase(t, e.get(in.ID), ferry.PhaseAuthorizing)
		e.clock.Advance(testConfig.AuthorizeTimeout + authorizeGrace)
		e.sweep()
		got := e.get(in.ID)
		wantPhase(t, got, ferry.PhaseFailure)
		if got.ResultID != "" {
			t.Error("a failed instruction has a refund")
		}
		if want := "The card was read, but the processor has no record of the refund: it was not authorized"; got.ErrorMessage != want {
			t.Errorf("errorMessage = %q, want %q", got.ErrorMessage, want)
		}
		// It is never handed to a device again.
		if a := e.claim(c); a != nil && !a.Stop {
			t.Errorf("handed out again: %+v", a)
		}
	})
}

func TestWaitInstruction(t *testing.T) { eachStore(t, testWaitInstruction) }

func testWaitInstruction(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	type result struct {
		in  *ferry.InstructionState
		err error
	}
	wait := func() chan result {
		ch := make(chan result, 1)
		go func() {
			got, err := e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, in.ID, 30*time.Second)
			ch <- result{got, err}
		}()
		return ch
	}

	// It wakes when the status changes, not on a phase change within
	// inProgress, and not by polling.
	timers := e.clock.Timers()
	ch := wait()
	if !e.clock.WaitTimers(timers+1, 5*time.Second) {
		t.Fatal("WaitInstruction did not start waiting")
	}
	c := e.session("s1")
	a := e.claim(c)
	select {
	case r := <-ch:
		t.Fatalf("woke for a change within inProgress: %+v", r.in)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ch:
		if r.err != nil || r.in.Phase != ferry.PhaseCanceled {
			t.Fatalf("woke with %+v, %v", r.in, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not wake on cancel")
	}
	c.Ack(e.ctx, a.Lease)

	// The wait ends when it runs out.
	in = e.submit(100)
	timers = e.clock.Timers()
	ch = wait()
	e.clock.WaitTimers(timers+1, 5*time.Second)
	e.clock.Advance(30 * time.Second)
	if r := <-ch; r.err != nil || r.in.Phase != ferry.PhaseQueued {
		t.Fatalf("after the wait: %+v, %v", r.in, r.err)
	}

	// A drain answers at once: the waiting status request, then every
	// later one, and a device's waits for work and for its lease too.
	timers = e.clock.Timers()
	ch = wait()
	e.clock.WaitTimers(timers+1, 5*time.Second)
	e.svc.Drain()
	if r := <-ch; r.err != nil || r.in.Phase != ferry.PhaseQueued {
		t.Fatalf("after a drain: %+v, %v", r.in, r.err)
	}
	if r := <-wait(); r.err != nil || r.in.Phase != ferry.PhaseQueued {
		t.Fatalf("a wait after the drain: %+v, %v", r.in, r.err)
	}
	other := e.svc.DeviceConn(e.addDevice(e.merchant, "IDLE-1"), "s9")
	if a, err := other.Next(e.ctx, time.Hour); a != nil || err != nil {
		t.Fatalf("Next after the drain = %+v, %v", a, err)
	}
	a = e.claim(c)
	if st, err := c.Heartbeat(e.ctx, a.Lease, time.Hour); err != nil || st.Stop {
		t.Fatalf("Heartbeat after the drain = %+v, %v", st, err)
	}

	// Unknown and malformed ids.
	_, err := e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, "0123", time.Second)
	wantCode(t, err, ferry.CodeNotFound)
	_, err = e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, string(make([]byte, 37)), time.Second)
	wantCode(t, err, ferry.CodeInvalid)
}

func TestNextWakesOnSubmit(t *testing.T) { eachStore(t, testNextWakesOnSubmit) }

func testNextWakesOnSubmit(t *testing.T, open opener) {
	e := newEnv(t, open)
	c := e.session("s1")
	got := make(chan *ferry.Assignment, 1)
	timers := e.clock.Timers()
	go func() {
		a, err := c.Next(e.ctx, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	e.clock.WaitTimers(timers+1, 5*time.Second)
	in := e.submit(4999)
	select {
	case a := <-got:
		if a == nil || a.InstructionID != in.ID {
			t.Fatalf("Next = %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not wake on submit")
	}
}

func TestHeartbeatWakesOnCancel(t *testing.T) { eachStore(t, testHeartbeatWakesOnCancel) }

func testHeartbeatWakesOnCancel(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	c := e.session("s1")
	a := e.claim(c)
	got := make(chan *ferry.LeaseState, 1)
	timers := e.clock.Timers()
	go func() {
		st, err := c.Heartbeat(e.ctx, a.Lease, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- st
	}()
	e.clock.WaitTimers(timers+1, 5*time.Second)
	e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID)
	select {
	case st := <-got:
		if st == nil || !st.Stop {
			t.Fatalf("heartbeat = %+v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the heartbeat did not wake on cancel")
	}
}

func TestDeviceScoping(t *testing.T) { eachStore(t, testDeviceScoping) }

func testDeviceScoping(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	a := e.claim(e.session("s1"))
	// Another device of the same merchant cannot touch the instruction.
	other := e.svc.DeviceConn(e.addDevice(e.merchant, "OTHER-1"), "s1")
	_, err := other.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeNotFound)
	_, err = other.Heartbeat(e.ctx, a.Lease, 0)
	wantCode(t, err, ferry.CodeNotFound)
	wantPhase(t, e.get(in.ID), ferry.PhaseDelivered)
}

func TestAddDevice(t *testing.T) { eachStore(t, testAddDevice) }

func testAddDevice(t *testing.T, open opener) {
	e := newEnv(t, open)
	_, err := e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: e.device.SerialNumber, ProcessingTerminalID: "1234001"})
	wantCode(t, err, ferry.CodeConflict)
	_, err = e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: "bad/serial", ProcessingTerminalID: "123"})
	wantCode(t, err, ferry.CodeInvalid)
	_, err = e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: "nope", SerialNumber: "X1", ProcessingTerminalID: "1234001"})
	wantCode(t, err, ferry.CodeNotFound)
}

func TestCleanup(t *testing.T) { eachStore(t, testCleanup) }

func testCleanup(t *testing.T, open opener) {
	e := newEnv(t, open)
	token, _, _ := e.svc.Authorize(e.ctx, e.apiKey)
	e.submit(4999)
	e.clock.Advance(25 * time.Hour)
	e.svc.cleanup(e.ctx, e.clock.Now())
	hash := ferry.HashSecret(token)
	_, err := e.store.TokenGetByHash(e.ctx, hash)
	wantCode(t, err, ferry.CodeNotFound)
}

// TestEndedStateCached: once an instruction has ended its state is served
// from memory, still only to its own merchant, and exactly as stored.
func TestEndedStateCached(t *testing.T) { eachStore(t, testEndedStateCached) }

func testEndedStateCached(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID); err != nil {
		t.Fatal(err)
	}
	first, err := e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, in.ID, 0)
	if err != nil || first.Phase != ferry.PhaseCanceled {
		t.Fatalf("state = %+v, %v", first, err)
	}
	if _, ok := e.svc.ended.m[[2]string{e.merchant.ID, in.ID}]; !ok {
		t.Fatal("an ended state was not kept")
	}
	again, err := e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, in.ID, time.Second)
	if err != nil || *again != *first {
		t.Fatalf("from the cache: %+v, %v; stored: %+v", again, err, first)
	}
	other, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
	_, err = e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: other.ID}, ferry.KindRefund, in.ID, 0)
	wantCode(t, err, ferry.CodeNotFound)
	// An instruction in progress is never kept: its state still changes.
	e.addDevice(e.merchant, "LIVE-1")
	live, err := e.submitWith(e.merchant.ID, "LIVE-1", ferry.NewIdempotencyKey(), body(100))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.WaitInstruction(e.ctx, &ferry.Principal{MerchantID: e.merchant.ID}, ferry.KindRefund, live.Instruction.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.svc.ended.m[[2]string{e.merchant.ID, live.Instruction.ID}]; ok {
		t.Error("an instruction in progress was kept")
	}
}
