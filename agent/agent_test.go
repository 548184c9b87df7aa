package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/sim"
)

// world is a core on SQLite with one merchant and one device.
type world struct {
	ctx    context.Context
	svc    *core.Service
	m      *ferry.Merchant
	device *ferry.Device
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	svc := core.New(ferrytest.SQLite(t, nil), notify.New(), sim.NewProcessor(), nil, nil, core.Config{})
	m, _, err := svc.CreateMerchant(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.AddDevice(ctx, core.AddDeviceParams{MerchantID: m.ID, SerialNumber: "TERM-1", ProcessingTerminalID: "1234001"})
	if err != nil {
		t.Fatal(err)
	}
	return &world{ctx: ctx, svc: svc, m: m, device: d}
}

func (w *world) submit(t *testing.T, amount int64, entry string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"processingTerminalId": "1234001",
		"order":                map[string]any{"orderId": "O-1", "description": "d", "amount": amount, "currency": "KWD"},
		"customizationOptions": map[string]any{"entryMethod": entry},
	})
	resp, err := w.svc.SubmitInstruction(w.ctx, core.SubmitParams{
		Kind: ferry.KindRefund, MerchantID: w.m.ID, IdempotencyKey: ferry.NewIdempotencyKey(), SerialNumber: "TERM-1",
		Fingerprint: []byte(ferry.NewID()), Body: body,
		Render: func(*ferry.Instruction) ([]byte, error) { return []byte("{}"), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Instruction.ID
}

// waitFor polls until the instruction has the status.
func (w *world) waitFor(t *testing.T, id string, status ferry.Status) *ferry.InstructionState {
	t.Helper()
	in, err := w.svc.WaitInstruction(w.ctx, &ferry.Principal{MerchantID: w.m.ID}, ferry.KindRefund, id, 10*time.Second)
	if err != nil || in.Phase.Status() != status {
		t.Fatalf("instruction = %+v, %v; want %s", in, err, status)
	}
	return in
}

// screen collects what the console prints, safely, and tells a waiter
// each time it prints.
type screen struct {
	mu      sync.Mutex
	b       strings.Builder
	printed chan struct{} // signaled after each write
}

func newScreen() *screen { return &screen{printed: make(chan struct{}, 1)} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		select {
		case s.printed <- struct{}{}:
		default:
		}
	}()
	return s.b.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the screen shows text, checking after each write.
func (s *screen) waitFor(t *testing.T, text string) {
	t.Helper()
	limit := time.After(10 * time.Second)
	for !strings.Contains(s.String(), text) {
		select {
		case <-s.printed:
		case <-limit:
			t.Fatalf("the screen never showed %q:\n%s", text, s.String())
		}
	}
}

func TestConsole(t *testing.T) {
	w := newWorld(t)
	in, typist := io.Pipe()
	out := newScreen()
	ctx, cancel := context.WithCancel(w.ctx)
	a := &agent.Agent{Conn: w.svc.DeviceConn(w.device, "console"), Cardholder: &agent.Console{In: in, Out: out}}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	type line = string
	say := func(l line) { io.WriteString(typist, l+"\n") }

	// Key in a card: a bad number and a past expiry are asked again.
	id := w.submit(t, 12345, ferry.EntryDeviceReadOrManualEntry)
	out.waitFor(t, "Refund 12.345 KWD")
	out.waitFor(t, "[k] key in a card")
	say("k")
	say("4539 8500 0000 7063")
	out.waitFor(t, "not a valid card number")
	say("5555 5555 5555 4444")
	say("0120")
	out.waitFor(t, "not a valid expiry")
	say("12/31")
	out.waitFor(t, "Approved")
	out.waitFor(t, "555555******4444")
	in1 := w.waitFor(t, id, ferry.StatusCompleted)
	r, _ := w.svc.GetRefund(w.ctx, w.m.ID, in1.ResultID)
	if r.Card.EntryMethod != "keyed" || r.Card.Type != "MasterCard" {
		t.Errorf("keyed card = %+v", r.Card)
	}

	// A cancel from the POS interrupts the prompt.
	id = w.submit(t, 500, ferry.EntryDeviceRead)
	out.waitFor(t, "Refund 0.500 KWD")
	if _, err := w.svc.CancelInstruction(w.ctx, w.m.ID, ferry.KindRefund, id); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "Canceled: Canceled by the POS")

	// The cardholder cancels.
	id = w.submit(t, 700, ferry.EntryManualEntry)
	out.waitFor(t, "Refund 0.700 KWD")
	say("")
	out.waitFor(t, "asks for a keyed card")
	say("c")
	w.waitFor(t, id, ferry.StatusCanceled)

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestAutoFollowsSandboxTable(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	a := &agent.Agent{Conn: w.svc.DeviceConn(w.device, "auto"), Cardholder: &agent.Auto{Delay: time.Millisecond}}
	go a.Run(ctx)
	for _, tc := range []struct {
		amount int64
		status ferry.Status
	}{
		{4999, ferry.StatusCompleted},
		{4961, ferry.StatusCanceled},
		{4962, ferry.StatusFailure},
		{4951, ferry.StatusCompleted},
		{4971, ferry.StatusCompleted},
	} {
		in := w.waitFor(t, w.submit(t, tc.amount, ferry.EntryDeviceRead), tc.status)
		if tc.status == ferry.StatusFailure && in.ErrorMessage != ferry.SandboxCardReadError {
			t.Errorf("amount %d: errorMessage %q", tc.amount, in.ErrorMessage)
		}
	}
}
