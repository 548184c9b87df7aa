package ferry

import (
	"slices"
	"testing"
	"time"
)

func TestNewProcessingTerminalIsValid(t *testing.T) {
	pt := NewProcessingTerminal("m", "1234001", time.Now())
	if err := pt.Validate(); err != nil {
		t.Fatalf("the defaults are not valid: %v", err)
	}
	if !pt.Tips.Enabled || !pt.Tips.Prompt || !slices.Equal(pt.Tips.Suggested, []int{15, 18, 20}) ||
		pt.Timezone != "America/New_York" || pt.BatchClose != (BatchClose{BatchCloseAutomatic, "23:40"}) || pt.Status != TerminalActive {
		t.Errorf("defaults: %+v", pt)
	}
}

func TestProcessingTerminalValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*ProcessingTerminal)
		params []string
	}{
		{"every timezone Payroc allows", func(pt *ProcessingTerminal) { pt.Timezone = "America/Indiana/Indianapolis" }, nil},
		{"no suggested tips", func(pt *ProcessingTerminal) { pt.Tips.Suggested = nil }, nil},
		{"manual", func(pt *ProcessingTerminal) { pt.BatchClose.Type = BatchCloseManual }, nil},
		{"midnight", func(pt *ProcessingTerminal) { pt.BatchClose.Time = "00:00" }, nil},
		{"timezone not in the enum", func(pt *ProcessingTerminal) { pt.Timezone = "Europe/Paris" }, []string{"timezone"}},
		{"status", func(pt *ProcessingTerminal) { pt.Status = "closed" }, []string{"status"}},
		{"four tips", func(pt *ProcessingTerminal) { pt.Tips.Suggested = []int{1, 2, 3, 4} }, []string{"features.tips.suggestedTips.tipPercentages"}},
		{"tip over 100", func(pt *ProcessingTerminal) { pt.Tips.Suggested = []int{101} }, []string{"features.tips.suggestedTips.tipPercentages"}},
		{"24:00", func(pt *ProcessingTerminal) { pt.BatchClose.Time = "24:00" }, []string{"batchClosure.batchCloseTime"}},
		{"9:30", func(pt *ProcessingTerminal) { pt.BatchClose.Time = "9:30" }, []string{"batchClosure.batchCloseTime"}},
		{"two at once", func(pt *ProcessingTerminal) { pt.Timezone = ""; pt.BatchClose.Type = "" },
			[]string{"timezone", "batchClosure.batchCloseType"}},
	} {
		pt := NewProcessingTerminal("m", "1234001", time.Now())
		tc.change(pt)
		err := pt.Validate()
		var got []string
		if e, ok := asError(err); ok {
			for _, f := range e.Fields {
				got = append(got, f.Parameter)
			}
			if e.Code != CodeInvalid {
				t.Errorf("%s: code %s", tc.name, e.Code)
			}
		}
		if (err == nil) != (tc.params == nil) || !slices.Equal(got, tc.params) {
			t.Errorf("%s: Validate = %v (%v), want fields %v", tc.name, err, got, tc.params)
		}
	}
}

func TestDeviceManufacturer(t *testing.T) {
	for model, want := range map[string]string{
		"idtechKioskV": "idtech", "paxA920Pro": "pax", "ingenicoAxiumRx7000": "ingenico",
		"PAXA80": "pax", "ferryVirtual": "ferry", "": "ferry", "test": "ferry",
	} {
		if got := DeviceManufacturer(model); got != want {
			t.Errorf("DeviceManufacturer(%q) = %q, want %q", model, got, want)
		}
	}
}
