package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/api"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/payroc"
	"github.com/ferrygateway/ferry/sim"
)

// ferryServer is a real Ferry (core, SQLite, the API and simulated devices)
// behind a handler that can inject faults.
type ferryServer struct {
	URL      string
	APIKey   string
	svc      *core.Service
	merchant *ferry.Merchant

	mu sync.Mutex
	// hits counts requests by "METHOD /path".
	hits map[string]int
	// seen keeps every Idempotency-Key and body sent.
	seen []string
	// fault, if set, may answer a request itself: it gets the request and
	// the real handler, and returns true if it answered.
	fault func(w http.ResponseWriter, r *http.Request, real http.Handler) bool
}

func newFerry(t *testing.T, cfg core.Config) *ferryServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub := notify.New()
	svc := core.New(ferrytest.SQLite(t, nil), hub, sim.NewProcessor(), nil, nil, cfg)
	sb, err := svc.EnsureSandbox(ctx, core.SandboxSpec{Name: "Sandbox", Serials: []string{"1850010868", "1850010869"}, Terminal: "1234001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDevice(ctx, core.AddDeviceParams{MerchantID: sb.Merchant.ID, SerialNumber: "QUIET-1", ProcessingTerminalID: "1234001"}); err != nil {
		t.Fatal(err)
	}
	fleet := &agent.Fleet{
		Devices: func(ctx context.Context) ([]*ferry.Device, error) {
			yes := true
			return svc.ListDevices(ctx, ferry.DeviceListParams{Simulated: &yes})
		},
		Connect:    func(d *ferry.Device) ferry.DeviceConn { return svc.DeviceConn(d, "sim") },
		Notifier:   hub,
		Cardholder: &agent.Auto{Delay: 20 * time.Millisecond},
	}
	var wg sync.WaitGroup
	wg.Go(func() { fleet.Run(ctx) })
	wg.Go(func() { svc.RunSweeper(ctx) })
	fs := &ferryServer{APIKey: sb.APIKey, svc: svc, merchant: sb.Merchant, hits: map[string]int{}}
	real := api.New(svc, api.Config{PollWait: 5 * time.Second}, nil).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		fs.mu.Lock()
		fs.hits[r.Method+" "+r.URL.Path]++
		if k := r.Header.Get("Idempotency-Key"); k != "" {
			fs.seen = append(fs.seen, k+" "+string(body))
		}
		fault := fs.fault
		fs.mu.Unlock()
		if fault != nil && fault(w, r, real) {
			return
		}
		real.ServeHTTP(w, r)
	}))
	fs.URL = srv.URL
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wg.Wait()
	})
	return fs
}

func (fs *ferryServer) count(key string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.hits[key]
}

func (fs *ferryServer) setFault(f func(w http.ResponseWriter, r *http.Request, real http.Handler) bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.fault = f
}

// newClient returns a client on fs that records its waits instead of
// sleeping.
func newClient(t *testing.T, fs *ferryServer, opts ...Option) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(Ferry(fs.URL), fs.APIKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

func refund(amount int64) payroc.RefundInstructionRequest {
	return payroc.RefundInstructionRequest{
		ProcessingTerminalID: "1234001",
		Order:                payroc.InstructionOrder{OrderID: "OrderRef6543", Description: "Refund", Amount: amount, Currency: "USD"},
	}
}

func TestFlow(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, _ := newClient(t, fs)
	ctx := context.Background()
	in, err := c.CreateRefundInstruction(ctx, "1850010868", refund(4999))
	if err != nil || in.Status != ferry.StatusInProgress {
		t.Fatalf("create = %+v, %v", in, err)
	}
	var updates []ferry.Status
	done, err := c.WaitRefundInstruction(ctx, in.RefundInstructionID, func(in *payroc.RefundInstruction) { updates = append(updates, in.Status) })
	if err != nil || done.Status != ferry.StatusCompleted || updates[len(updates)-1] != ferry.StatusCompleted {
		t.Fatalf("wait = %+v, %v (updates %v)", done, err, updates)
	}
	r, err := c.RefundOf(ctx, done)
	if err != nil || !r.TransactionResult.Approved() || r.Order.Amount != 4999 {
		t.Fatalf("refund = %+v, %v", r, err)
	}
	if id, ok := RefundID(done); !ok || id != r.RefundID {
		t.Errorf("RefundID = %q, %v", id, ok)
	}
	if fs.count("POST /authorize") != 1 {
		t.Errorf("authorized %d times for one flow", fs.count("POST /authorize"))
	}
}

// TestRetriesKeepTheKey: a submission that fails with 503 twice is retried
// with the same idempotency key and body, after the server's Retry-After.
func TestRetriesKeepTheKey(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, waits := newClient(t, fs)
	failures := 0
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/refund-instructions") && failures < 2 {
			failures++
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	in, err := c.CreateRefundInstruction(context.Background(), "1850010868", refund(4999))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.seen) != 3 || fs.seen[0] != fs.seen[1] || fs.seen[1] != fs.seen[2] {
		t.Fatalf("attempts differ in key or body: %q", fs.seen)
	}
	if len(*waits) != 2 || (*waits)[0] != 2*time.Second || (*waits)[1] != 2*time.Second {
		t.Errorf("waits %v, want Retry-After's 2s twice", *waits)
	}
	if in.Status != ferry.StatusInProgress {
		t.Errorf("answer %+v", in)
	}
}

// TestRetryAfterLostAnswer: the server creates the instruction but the
// answer is lost; the retry, with the same key, gets the same instruction
// and no second one is made.
func TestRetryAfterLostAnswer(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, waits := newClient(t, fs)
	lost := false
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/refund-instructions") && !lost {
			lost = true
			real.ServeHTTP(httptest.NewRecorder(), r) // it happens, but the answer never arrives
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	})
	in, err := c.CreateRefundInstruction(context.Background(), "1850010868", refund(4971))
	if err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 1 {
		t.Errorf("waits %v, want one retry", *waits)
	}
	active, err := fs.svc.Store().InstructionActiveForDevice(context.Background(), deviceID(t, fs, "1850010868"))
	if err != nil || active.ID != in.RefundInstructionID {
		t.Fatalf("the device runs %v (%v), not the instruction the client got, %s", active, err, in.RefundInstructionID)
	}
}

func deviceID(t *testing.T, fs *ferryServer, serial string) string {
	d, err := fs.svc.Store().DeviceGetBySerial(context.Background(), fs.merchant.ID, serial)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func TestNoRetryOnClientErrors(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, waits := newClient(t, fs)
	_, err := c.CreateRefundInstruction(context.Background(), "1850010868", refund(0))
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Code != ferry.CodeInvalid || len(e.Errors) == 0 || e.Errors[0].Parameter != "order.amount" {
		t.Fatalf("error = %#v", err)
	}
	if len(*waits) != 0 || fs.count("POST /v1/devices/1850010868/refund-instructions") != 1 {
		t.Errorf("a 400 was retried")
	}
	// ferry.ErrorCode sees the code too.
	if ferry.ErrorCode(err) != ferry.CodeInvalid {
		t.Errorf("ErrorCode = %s", ferry.ErrorCode(err))
	}
	_, err = c.GetRefund(context.Background(), "ABCDEFGHIJ")
	if !errors.As(err, &e) || e.Code != ferry.CodeNotFound || e.Slug != "not-found" || e.StatusCode != 404 {
		t.Errorf("not found = %#v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, fs.APIKey) || strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "fy_tok_") {
		t.Errorf("the error leaks: %s", msg)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, waits := newClient(t, fs, WithRetry(RetryPolicy{MaxAttempts: 4, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}))
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if r.URL.Path == "/v1/refunds/ABCDEFGHIJ" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(500)
			io.WriteString(w, `{"type":"https://docs.payroc.com/api/errors#api-error","title":"Api error","status":500,"detail":"Service offline"}`)
			return true
		}
		return false
	})
	_, err := c.GetRefund(context.Background(), "ABCDEFGHIJ")
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 500 || e.Detail != "Service offline" {
		t.Fatalf("error = %v", err)
	}
	if fs.count("GET /v1/refunds/ABCDEFGHIJ") != 4 || len(*waits) != 3 {
		t.Fatalf("%d attempts, waits %v; want 4 and 3", fs.count("GET /v1/refunds/ABCDEFGHIJ"), *waits)
	}
	// Exponential, with jitter: each wait is between half and all of its step.
	for i, w := range *waits {
		step := min(100*time.Millisecond<<i, time.Second)
		if w < step/2 || w > step {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, step/2, step)
		}
	}
}

func TestTransportErrors(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, waits := newClient(t, fs)
	if _, err := c.GetRefund(context.Background(), "ABCDEFGHIJ"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Fatal(err)
	}
	c.env = Environment{API: "http://user:secret@127.0.0.1:1/v1", Identity: c.env.Identity}
	_, err := c.GetRefund(context.Background(), "ABCDEFGHIJ")
	var te *transportError
	if !errors.As(err, &te) || len(*waits) != 2 {
		t.Fatalf("error %v after waits %v; want a transport error after 2 retries", err, *waits)
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "GET /v1/refunds/ABCDEFGHIJ") {
		t.Errorf("error message: %s", err)
	}
}

func TestTokenLifetime(t *testing.T) {
	fs := newFerry(t, core.Config{TokenTTL: 10 * time.Minute})
	c, _ := newClient(t, fs)
	ctx := context.Background()
	now := time.Now()
	c.now = func() time.Time { return now }
	for range 3 {
		c.GetRefund(ctx, "ABCDEFGHIJ")
	}
	if n := fs.count("POST /authorize"); n != 1 {
		t.Fatalf("%d token fetches for three calls", n)
	}
	// Shortly before it expires, the token is replaced.
	now = now.Add(10*time.Minute - renewMargin)
	c.GetRefund(ctx, "ABCDEFGHIJ")
	if n := fs.count("POST /authorize"); n != 2 {
		t.Fatalf("%d token fetches after the renewal time, want 2", n)
	}
}

// TestRefreshOnUnauthorized: a 401 fetches a new token and tries once
// more; a second 401 is returned, not looped on.
func TestRefreshOnUnauthorized(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, _ := newClient(t, fs)
	ctx := context.Background()
	c.GetRefund(ctx, "ABCDEFGHIJ") // a token
	revoked := 0
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/refunds/") && revoked < 1 {
			revoked++
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		return false
	})
	if _, err := c.GetRefund(ctx, "ABCDEFGHIJ"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Fatalf("after one 401: %v", err)
	}
	if n := fs.count("POST /authorize"); n != 2 {
		t.Errorf("%d token fetches, want 2", n)
	}
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/refunds/") {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		return false
	})
	before := fs.count("GET /v1/refunds/ABCDEFGHIJ")
	_, err := c.GetRefund(ctx, "ABCDEFGHIJ")
	if ferry.ErrorCode(err) != ferry.CodeUnauthorized || fs.count("GET /v1/refunds/ABCDEFGHIJ")-before != 2 {
		t.Errorf("always 401: %v after %d attempts, want unauthorized after 2", err, fs.count("GET /v1/refunds/ABCDEFGHIJ")-before)
	}
	// A wrong API key is reported, not retried forever.
	bad, _ := New(Ferry(fs.URL), "fy_key_wrong")
	if _, err := bad.GetRefund(ctx, "ABCDEFGHIJ"); ferry.ErrorCode(err) != ferry.CodeUnauthorized {
		t.Errorf("wrong key: %v", err)
	}
}

func TestOneTokenFetchAtATime(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, _ := newClient(t, fs)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { c.GetRefund(context.Background(), "ABCDEFGHIJ") })
	}
	wg.Wait()
	if n := fs.count("POST /authorize"); n != 1 {
		t.Errorf("20 concurrent calls fetched %d tokens, want 1", n)
	}
}

func TestWaitStopsWithContext(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, _ := newClient(t, fs)
	in, err := c.CreateRefundInstruction(context.Background(), "QUIET-1", refund(100))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.WaitRefundInstruction(ctx, in.RefundInstructionID, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the wait took %v to notice the context", d)
	}
}

func TestCancel(t *testing.T) {
	fs := newFerry(t, core.Config{})
	c, _ := newClient(t, fs)
	ctx := context.Background()
	in, _ := c.CreateRefundInstruction(ctx, "QUIET-1", refund(100))
	// The first DELETE works, but its answer is lost; the retry meets a
	// canceled instruction, which is what was asked for.
	lost := false
	fs.setFault(func(w http.ResponseWriter, r *http.Request, real http.Handler) bool {
		if r.Method == "DELETE" && !lost {
			lost = true
			real.ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusGatewayTimeout)
			return true
		}
		return false
	})
	if err := c.CancelRefundInstruction(ctx, in.RefundInstructionID); err != nil {
		t.Fatalf("cancel with a lost answer: %v", err)
	}
	if err := c.CancelRefundInstruction(ctx, in.RefundInstructionID); ferry.ErrorCode(err) != ferry.CodeCannotBeCanceled {
		t.Errorf("second cancel = %v", err)
	}
	done, _ := c.CreateRefundInstruction(ctx, "1850010869", refund(4999))
	final, _ := c.WaitRefundInstruction(ctx, done.RefundInstructionID, nil)
	err := c.CancelRefundInstruction(ctx, done.RefundInstructionID)
	var e *Error
	if !errors.As(err, &e) || e.Code != ferry.CodeCannotBeCanceled || e.Link == nil || e.Link.Href != final.Link.Href {
		t.Errorf("cancel of a completed instruction = %#v", err)
	}
}

func TestNew(t *testing.T) {
	for _, env := range []Environment{{API: "ftp://x/v1", Identity: "https://x"}, {API: "https://x/v1", Identity: ":"}} {
		if _, err := New(env, "k"); err == nil {
			t.Errorf("New(%+v) accepted", env)
		}
	}
	if _, err := New(PayrocUAT, ""); err == nil {
		t.Error("New without a key")
	}
	if PayrocProduction.API != "https://api.payroc.com/v1" || PayrocUAT.Identity != "https://identity.uat.payroc.com" {
		t.Error("Payroc's environments")
	}
	if e := Ferry("http://h:1/"); e.API != "http://h:1/v1" || e.Identity != "http://h:1" {
		t.Errorf("Ferry = %+v", e)
	}
	r, ok := retryAfter("Wed, 21 Oct 2015 07:28:10 GMT", time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC))
	if !ok || r != 10*time.Second {
		t.Errorf("retryAfter(date) = %v", r)
	}

}
