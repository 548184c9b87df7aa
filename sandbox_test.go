package ferry

import "testing"

func TestSandboxTable(t *testing.T) {
	for _, tc := range []struct {
		amount       int64
		device       DeviceBehavior
		code, status string
		message      string
	}{
		{4951, PresentCard, "D", "declined", "DECLINED"},
		{51, PresentCard, "D", "declined", "DECLINED"},
		{151, PresentCard, "D", "declined", "DECLINED"},
		{10051, PresentCard, "D", "declined", "DECLINED"},
		{4952, PresentCard, "R", "declined", "CALL ISSUER"},
		{52, PresentCard, "R", "declined", "CALL ISSUER"},
		{4953, PresentCard, "C", "pickup", "PICK UP CARD"},
		{100053, PresentCard, "C", "pickup", "PICK UP CARD"},
		{4961, CardholderCancels, "A", "ready", "APPROVAL"},
		{61, CardholderCancels, "A", "ready", "APPROVAL"},
		{10062, CardReadError, "A", "ready", "APPROVAL"},
		{62, CardReadError, "A", "ready", "APPROVAL"},
		{63, NoAnswer, "A", "ready", "APPROVAL"},
		{9963, NoAnswer, "A", "ready", "APPROVAL"},
		{4971, PresentCardSlowly, "A", "ready", "APPROVAL"},
		{71, PresentCardSlowly, "A", "ready", "APPROVAL"},
		{4999, PresentCard, "A", "ready", "APPROVAL"},
		{1, PresentCard, "A", "ready", "APPROVAL"},
		{5, PresentCard, "A", "ready", "APPROVAL"},
		{100, PresentCard, "A", "ready", "APPROVAL"},
		{5100, PresentCard, "A", "ready", "APPROVAL"},
		{50, PresentCard, "A", "ready", "APPROVAL"},
		{54, PresentCard, "A", "ready", "APPROVAL"},
		{60, PresentCard, "A", "ready", "APPROVAL"},
		{64, PresentCard, "A", "ready", "APPROVAL"},
		{70, PresentCard, "A", "ready", "APPROVAL"},
		{72, PresentCard, "A", "ready", "APPROVAL"},
		{5161, CardholderCancels, "A", "ready", "APPROVAL"}, // only the last two digits count
		{6151, PresentCard, "D", "declined", "DECLINED"},
		{9223372036854775807, PresentCard, "A", "ready", "APPROVAL"},
	} {
		code, status, msg := SandboxResult(tc.amount)
		if got := SandboxDevice(tc.amount); got != tc.device {
			t.Errorf("SandboxDevice(%d) = %v, want %v", tc.amount, got, tc.device)
		}
		if code != tc.code || status != tc.status || msg != tc.message {
			t.Errorf("SandboxResult(%d) = %s %s %s, want %s %s %s", tc.amount, code, status, msg, tc.code, tc.status, tc.message)
		}
	}
}

// TestSandboxEveryEnding checks all hundred endings: only the documented
// ones differ from an approval presented at once.
func TestSandboxEveryEnding(t *testing.T) {
	devices := map[int64]DeviceBehavior{61: CardholderCancels, 62: CardReadError, 63: NoAnswer, 71: PresentCardSlowly}
	codes := map[int64]string{51: ResponseDeclined, 52: ResponseIssuerDeclined, 53: ResponsePickup}
	for end := int64(0); end < 100; end++ {
		for _, amount := range []int64{end, 4900 + end, 1_000_000 + end} {
			wantDevice, ok := devices[end]
			if !ok {
				wantDevice = PresentCard
			}
			wantCode, ok := codes[end]
			if !ok {
				wantCode = ResponseApproved
			}
			code, _, _ := SandboxResult(amount)
			if SandboxDevice(amount) != wantDevice || code != wantCode {
				t.Errorf("amount %d: device %v, code %s; want %v, %s", amount, SandboxDevice(amount), code, wantDevice, wantCode)
			}
		}
	}
}

func TestSandboxConstants(t *testing.T) {
	if SlowCardholderFactor != 10 || SandboxCardReadError != "The card could not be read" {
		t.Errorf("constants changed: %d, %q", SlowCardholderFactor, SandboxCardReadError)
	}
	behaviours := []DeviceBehavior{PresentCard, PresentCardSlowly, CardholderCancels, CardReadError, NoAnswer}
	seen := map[DeviceBehavior]bool{}
	for _, b := range behaviours {
		if seen[b] {
			t.Errorf("behaviour %d twice", b)
		}
		seen[b] = true
	}
	if PresentCard != 0 {
		t.Error("the zero DeviceBehavior is not PresentCard")
	}
}
