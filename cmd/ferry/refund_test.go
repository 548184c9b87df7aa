package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/payroc"
)

// cli runs a ferry command against the server as a POS would, with the
// API key in the environment; it returns the output and the exit code.
func (s *server) cli(t *testing.T, ctx context.Context, args ...string) (string, int) {
	t.Helper()
	getenv := func(k string) string {
		return map[string]string{"FERRY_URL": s.URL, "FERRY_API_KEY": s.APIKey}[k]
	}
	var out, errOut bytes.Buffer
	err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut)
	code := exitCode(err, &errOut)
	return out.String() + errOut.String(), code
}

func TestRefundCLI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	create := func(amount string, extra ...string) (string, int) {
		return s.cli(t, ctx, append([]string{"refund", "create", "--device", sandboxDevice, "--terminal", "1234001", "--amount", amount}, extra...)...)
	}
	out, code := create("49.99", "--currency", "usd", "--operator", "Jane", "--order-id", "CLI-1", "--description", "Jacket")
	if code != 0 || !strings.Contains(out, "Approved: refund") || !strings.Contains(out, "49.99 USD") || !strings.Contains(out, "453985******7062") {
		t.Fatalf("approved (exit %d):\n%s", code, out)
	}
	out, code = create("49.51", "--json")
	var result struct {
		RefundInstructionID string
		Status              ferry.Status
		Approved            bool
		Refund              ferry.Refund
	}
	if code != 2 || json.Unmarshal([]byte(out), &result) != nil || result.Approved || result.Refund.TransactionResult.ResponseCode != "D" {
		t.Fatalf("declined (exit %d):\n%s", code, out)
	}
	if out, code = create("49.62"); code != 3 || !strings.Contains(out, "Failed: The card could not be read") {
		t.Errorf("failure (exit %d):\n%s", code, out)
	}
	if out, code = create("49.61"); code != 3 || !strings.Contains(out, "Canceled") {
		t.Errorf("cardholder cancel (exit %d):\n%s", code, out)
	}
	if out, code = create("500", "--currency", "JPY", "--entry-method", "manualEntry"); code != 0 || !strings.Contains(out, "500 JPY") {
		t.Errorf("JPY (exit %d):\n%s", code, out)
	}
	// Usage errors are exit code 1.
	for _, args := range [][]string{
		{"refund", "create", "--device", sandboxDevice, "--terminal", "1234001", "--amount", "49.999"},
		{"refund", "create", "--device", sandboxDevice, "--amount", "1"},
		{"refund", "create", "--device", sandboxDevice, "--terminal", "1234001", "--amount", "1", "--env", "payroc-mars"},
		{"refund", "status"},
		{"refund", "frobnicate"},
	} {
		if out, code := s.cli(t, ctx, args...); code != 1 {
			t.Errorf("%v: exit %d, want 1:\n%s", args, code, out)
		}
	}
	// API errors are exit code 1, with the problem's details.
	if out, code := create("1", "--terminal", "9999001"); code != 1 || !strings.Contains(out, "400 bad-request") || !strings.Contains(out, "processingTerminalId") {
		t.Errorf("API error (exit %d):\n%s", code, out)
	}

	// --no-wait, then status, get and cancel.
	out, code = s.cli(t, ctx, "refund", "create", "--device", "1850010869", "--terminal", "1234001", "--amount", "49.71", "--no-wait", "--json")
	var in payroc.RefundInstruction
	if code != 0 || json.Unmarshal([]byte(out), &in) != nil || in.Status != ferry.StatusInProgress {
		t.Fatalf("--no-wait (exit %d):\n%s", code, out)
	}
	if out, code := s.cli(t, ctx, "refund", "cancel", in.RefundInstructionID); code != 0 || !strings.Contains(out, "Canceled") {
		t.Errorf("cancel (exit %d):\n%s", code, out)
	}
	if out, code := s.cli(t, ctx, "refund", "status", in.RefundInstructionID, "--json"); code != 3 || !strings.Contains(out, `"canceled"`) {
		t.Errorf("status of a canceled instruction (exit %d):\n%s", code, out)
	}
	if out, code := s.cli(t, ctx, "refund", "cancel", in.RefundInstructionID); code != 1 || !strings.Contains(out, "cannot-be-canceled") {
		t.Errorf("cancel twice (exit %d):\n%s", code, out)
	}
	out, _ = s.cli(t, ctx, "refund", "create", "--device", "1850010869", "--terminal", "1234001", "--amount", "12.34", "--json")
	json.Unmarshal([]byte(out), &result)
	if out, code := s.cli(t, ctx, "refund", "get", result.Refund.RefundID); code != 0 || !strings.Contains(out, "Approved: refund "+result.Refund.RefundID) {
		t.Errorf("get (exit %d):\n%s", code, out)
	}
	if out, code := s.cli(t, ctx, "refund", "status", "--wait", result.RefundInstructionID); code != 0 || !strings.Contains(out, "Approved") {
		t.Errorf("status --wait (exit %d):\n%s", code, out)
	}
}

// TestRefundCLIInterrupt: Ctrl-C while waiting cancels with
// --cancel-on-interrupt, and otherwise leaves the instruction running.
func TestRefundCLIInterrupt(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--sim-delay", "200ms")
	for _, tc := range []struct {
		flag string
		code int
		want string
	}{
		{"--cancel-on-interrupt", 3, "Canceled"},
		{"", 130, "Interrupted; the instruction goes on"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		args := []string{"refund", "create", "--device", sandboxDevice, "--terminal", "1234001", "--amount", "49.71"}
		if tc.flag != "" {
			args = append(args, tc.flag)
		}
		type result struct {
			out  string
			code int
		}
		done := make(chan result, 1)
		go func() {
			out, code := s.cli(t, ctx, args...)
			done <- result{out, code}
		}()
		time.Sleep(500 * time.Millisecond) // the slow cardholder is at the device
		cancel()
		r := <-done
		if r.code != tc.code || !strings.Contains(r.out, tc.want) {
			t.Errorf("%q: exit %d, want %d:\n%s", tc.flag, r.code, tc.code, r.out)
		}
		if tc.flag == "" {
			// Let the instruction that goes on finish before the next one.
			id := r.out[strings.Index(r.out, "instruction ")+len("instruction ") : strings.Index(r.out, "instruction ")+len("instruction ")+32]
			s.client(t, s.APIKey).poll(t, id)
		}
	}
}
