package ferry

import (
	"testing"
	"time"
)

func TestPhase(t *testing.T) {
	for _, tc := range []struct {
		p      Phase
		status Status
		active bool
		valid  bool
	}{
		{PhaseQueued, StatusInProgress, true, true},
		{PhaseDelivered, StatusInProgress, true, true},
		{PhaseAuthorizing, StatusInProgress, true, true},
		{PhaseCompleted, StatusCompleted, false, true},
		{PhaseFailure, StatusFailure, false, true},
		{PhaseCanceled, StatusCanceled, false, true},
		{"", StatusInProgress, true, false},
		{"Queued", StatusInProgress, true, false},
	} {
		if got := tc.p.Status(); got != tc.status {
			t.Errorf("%q.Status() = %q, want %q", tc.p, got, tc.status)
		}
		if got := tc.p.Active(); got != tc.active {
			t.Errorf("%q.Active() = %v, want %v", tc.p, got, tc.active)
		}
		if got := tc.p.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %v, want %v", tc.p, got, tc.valid)
		}
	}
	if len(ActivePhases) != 3 {
		t.Errorf("ActivePhases = %v", ActivePhases)
	}
	for _, p := range ActivePhases {
		if !p.Active() || !p.Valid() {
			t.Errorf("%s is listed as active", p)
		}
	}
}

func TestInstructionDueAt(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	deadline, lease := t0.Add(5*time.Minute), t0.Add(30*time.Second)
	for _, tc := range []struct {
		name string
		in   Instruction
		want time.Time
	}{
		{"queued, deadline only", Instruction{Phase: PhaseQueued, DeadlineAt: deadline}, deadline},
		{"delivered, lease first", Instruction{Phase: PhaseDelivered, DeadlineAt: deadline, LeaseExpiresAt: lease}, lease},
		{"delivered, deadline first", Instruction{Phase: PhaseDelivered, DeadlineAt: lease, LeaseExpiresAt: deadline}, lease},
		{"lease only", Instruction{Phase: PhaseAuthorizing, LeaseExpiresAt: lease}, lease},
		{"neither", Instruction{Phase: PhaseQueued}, time.Time{}},
		{"equal", Instruction{Phase: PhaseDelivered, DeadlineAt: lease, LeaseExpiresAt: lease}, lease},
		{"completed", Instruction{Phase: PhaseCompleted, DeadlineAt: deadline, LeaseExpiresAt: lease}, time.Time{}},
		{"failure", Instruction{Phase: PhaseFailure, DeadlineAt: deadline}, time.Time{}},
		{"canceled", Instruction{Phase: PhaseCanceled, LeaseExpiresAt: lease}, time.Time{}},
	} {
		if got := tc.in.DueAt(); !got.Equal(tc.want) {
			t.Errorf("%s: DueAt() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
