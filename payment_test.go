package ferry

import (
	"encoding/json"
	"testing"
)

func TestPhaseMoves(t *testing.T) {
	all := []Phase{PhaseQueued, PhaseDelivered, PhaseAuthorizing, PhaseCompleted, PhaseFailure, PhaseCanceled}
	allowed := map[[2]Phase]bool{
		{PhaseQueued, PhaseDelivered}:      true,
		{PhaseQueued, PhaseFailure}:        true,
		{PhaseQueued, PhaseCanceled}:       true,
		{PhaseDelivered, PhaseQueued}:      true,
		{PhaseDelivered, PhaseAuthorizing}: true,
		{PhaseDelivered, PhaseCompleted}:   true,
		{PhaseDelivered, PhaseFailure}:     true,
		{PhaseDelivered, PhaseCanceled}:    true,
		{PhaseAuthorizing, PhaseCompleted}: true,
		{PhaseAuthorizing, PhaseFailure}:   true,
	}
	for _, from := range all {
		for _, to := range all {
			want := from == to || allowed[[2]Phase{from, to}]
			if got := from.CanMove(to); got != want {
				t.Errorf("%s.CanMove(%s) = %v, want %v", from, to, got, want)
			}
		}
	}
	// An ended instruction never moves again.
	for _, end := range []Phase{PhaseCompleted, PhaseFailure, PhaseCanceled} {
		for _, to := range all {
			if to != end && end.CanMove(to) {
				t.Errorf("%s can move to %s", end, to)
			}
		}
	}
}

func TestProtocolKinds(t *testing.T) {
	for _, tc := range []struct {
		version string
		kind    InstructionKind
		want    bool
	}{
		{"1.0", KindRefund, true},
		{"1.0", KindPayment, false},
		{"1.0", KindSignature, false},
		{"1.1", KindPayment, true},
		{"1.1", KindSignature, true},
		{"2.0", KindPayment, true},
		{"", KindRefund, true},
		{"", KindPayment, false},
		{"x", KindPayment, false},
	} {
		if got := ProtocolKinds(tc.version, tc.kind); got != tc.want {
			t.Errorf("ProtocolKinds(%q, %s) = %v, want %v", tc.version, tc.kind, got, tc.want)
		}
	}
}

func TestPercentOf(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		pct    string
		want   int64
	}{
		{1000, "15", 150},
		{1003, "15", 150},   // 150.45
		{1010, "15", 152},   // 151.5 rounds half up
		{999, "18", 180},    // 179.82
		{4999, "7.25", 362}, // 362.4275
		{5, "10", 1},        // 0.5 rounds up
		{0, "20", 0},
		{1000, "99.99999", 1000},
		{100, "0.5", 1},
	} {
		if got := PercentOf(tc.amount, json.Number(tc.pct)); got != tc.want {
			t.Errorf("PercentOf(%d, %s) = %d, want %d", tc.amount, tc.pct, got, tc.want)
		}
	}
}
