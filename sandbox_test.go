package ferry

import "testing"

func TestSandboxTable(t *testing.T) {
	for _, tc := range []struct {
		amount           int64
		device           DeviceBehavior
		code, status, ms string
	}{
		{4951, PresentCard, "D", "declined", "DECLINED"},
		{151, PresentCard, "D", "declined", "DECLINED"},
		{4952, PresentCard, "R", "declined", "CALL ISSUER"},
		{4953, PresentCard, "C", "pickup", "PICK UP CARD"},
		{4961, CardholderCancels, "A", "ready", "APPROVAL"},
		{10062, CardReadError, "A", "ready", "APPROVAL"},
		{63, NoAnswer, "A", "ready", "APPROVAL"},
		{4971, PresentCardSlowly, "A", "ready", "APPROVAL"},
		{4999, PresentCard, "A", "ready", "APPROVAL"},
		{1, PresentCard, "A", "ready", "APPROVAL"},
		{100, PresentCard, "A", "ready", "APPROVAL"},
		{5100, PresentCard, "A", "ready", "APPROVAL"},
	} {
		code, status, msg := SandboxResult(tc.amount)
		if SandboxDevice(tc.amount) != tc.device || code != tc.code || status != tc.status || msg != tc.ms {
			t.Errorf("amount %d: device %v, result %s %s %s", tc.amount, SandboxDevice(tc.amount), code, status, msg)
		}
	}
}
