package loadgen

import (
	"slices"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string // "" for valid
	}{
		{Config{Scenarios: "all", DB: "sqlite", Instances: 1}, ""},
		{Config{Scenarios: "hold,flow", DB: "postgres://p@h/db", Instances: 3}, ""},
		{Config{Scenarios: "status,nope", DB: "sqlite", Instances: 1}, `unknown scenario "nope"; use baseline,startup,status,submit,flow,hold`},
		{Config{Scenarios: "", DB: "sqlite", Instances: 1}, `unknown scenario ""`},
		{Config{Scenarios: "all", DB: "sqlite", Instances: 2}, "--instances must be 1, or more on PostgreSQL"},
		{Config{Scenarios: "all", DB: "postgres://p@h/db", Instances: 0}, "--instances must be 1"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestConfigScenarios(t *testing.T) {
	if got := (Config{Scenarios: "all"}).scenarios(); !slices.Equal(got, Scenarios) {
		t.Errorf("all: %v", got)
	}
	if got := (Config{Scenarios: "hold,baseline"}).scenarios(); !slices.Equal(got, []string{"hold", "baseline"}) {
		t.Errorf("in the order given: %v", got)
	}
	if (Config{DB: "sqlite"}).store() != "sqlite" || (Config{DB: "postgres://x"}).store() != "postgres" {
		t.Error("store names")
	}
}

// TestFlowDevice: each client takes turns on devices of its own, and
// together they use every device.
func TestFlowDevice(t *testing.T) {
	for _, tc := range []struct{ c, devices int }{{32, 64}, {32, 32}, {32, 70}, {3, 10}, {1, 5}, {4, 4}} {
		owner := map[int]int{}
		for w := range tc.c {
			for turn := range 3 * tc.devices {
				d := flowDevice(w, turn, tc.c, tc.devices)
				if d < 0 || d >= tc.devices {
					t.Fatalf("c=%d devices=%d: client %d got device %d", tc.c, tc.devices, w, d)
				}
				if o, ok := owner[d]; ok && o != w {
					t.Fatalf("c=%d devices=%d: device %d shared by clients %d and %d", tc.c, tc.devices, d, o, w)
				}
				owner[d] = w
			}
		}
		if len(owner) != tc.devices {
			t.Errorf("c=%d devices=%d: %d devices got work", tc.c, tc.devices, len(owner))
		}
	}
	// Client 1 of 3 on 10 devices: 1, 4, 7, then 1 again.
	var got []int
	for turn := range 4 {
		got = append(got, flowDevice(1, turn, 3, 10))
	}
	if !slices.Equal(got, []int{1, 4, 7, 1}) {
		t.Errorf("turns of client 1: %v", got)
	}
}
