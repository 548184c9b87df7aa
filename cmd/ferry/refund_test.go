package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
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
	var out, errOut bytes.Buffer
	code := s.runCLI(ctx, &out, &errOut, args...)
	return out.String() + errOut.String(), code
}

// runCLI runs a ferry command like cli, writing to stdout and stderr as it
// goes, and returns the exit code.
func (s *server) runCLI(ctx context.Context, stdout, stderr io.Writer, args ...string) int {
	getenv := func(k string) string {
		return map[string]string{"FERRY_URL": s.URL, "FERRY_API_KEY": s.APIKey}[k]
	}
	err := run(ctx, args, getenv, strings.NewReader(""), stdout, stderr)
	return exitCode(err, stderr)
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

// sentLine is what `ferry refund create` says once it has sent a refund.
var sentLine = regexp.MustCompile(`sent to device \S+: instruction ([0-9a-f]{32})`)

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
		var out syncBuffer
		done := make(chan int, 1)
		go func() { done <- s.runCLI(ctx, &out, &out, args...) }()
		// Interrupt once the slow cardholder is at the device and the
		// command waits for the outcome, next to the device's heartbeat.
		var id string
		sent := func() bool {
			m := sentLine.FindStringSubmatch(out.String())
			if m != nil {
				id = m[1]
			}
			return m != nil
		}
		if !waitUntil(10*time.Second, sent) {
			cancel()
			t.Fatalf("%q: the command did not say it sent the refund:\n%s", tc.flag, out.String())
		}
		s.waitPhase(t, id, ferry.PhaseDelivered)
		s.waitWaiting(t, ferry.InstructionTopic(id), 2)
		cancel()
		code := <-done
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%q: exit %d, want %d:\n%s", tc.flag, code, tc.code, out.String())
		}
		if tc.flag == "" {
			// Let the instruction that goes on finish before the next one.
			s.client(t, s.APIKey).poll(t, id)
		}
	}
}
