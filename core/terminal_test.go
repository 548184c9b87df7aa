package core

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
)

// TestTerminalOnDeviceAdd: the first device that names a terminal creates
// it with the defaults; later devices leave its settings alone; a device
// add that fails creates nothing.
func TestTerminalOnDeviceAdd(t *testing.T) { eachStore(t, testTerminalOnDeviceAdd) }

func testTerminalOnDeviceAdd(t *testing.T, open opener) {
	e := newEnv(t, open)
	pt, d, err := e.svc.GetTerminal(e.ctx, e.merchant.ID, "1234001")
	if err != nil {
		t.Fatal(err)
	}
	want := ferry.NewProcessingTerminal(e.merchant.ID, "1234001", e.device.CreatedAt)
	if !reflect.DeepEqual(pt, want) {
		t.Errorf("new terminal = %+v, want %+v", pt, want)
	}
	if d == nil || d.ID != e.device.ID {
		t.Errorf("listed device = %+v, want %s", d, e.device.SerialNumber)
	}
	off := false
	if _, err := e.svc.UpdateTerminal(e.ctx, e.merchant.ID, "1234001", TerminalChange{Tips: &off}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	e.addDevice(e.merchant, "SECOND")
	pt, d, _ = e.svc.GetTerminal(e.ctx, e.merchant.ID, "1234001")
	if pt.Tips.Enabled || d.ID != e.device.ID {
		t.Errorf("after a second device: tips %v, listed %s; want tips off and the first device", pt.Tips.Enabled, d.SerialNumber)
	}
	// A device that cannot be added leaves no terminal behind.
	_, err = e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: "SECOND", ProcessingTerminalID: "NEW-TERM"})
	if ferry.ErrorCode(err) != ferry.CodeConflict {
		t.Fatalf("duplicate serial: %v", err)
	}
	if _, _, err := e.svc.GetTerminal(e.ctx, e.merchant.ID, "NEW-TERM"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Errorf("terminal of a device that was refused: %v", err)
	}
	// Pairing registers a device, and so its terminal.
	if _, _, _, err := e.svc.CreatePairCode(e.ctx, PairCodeParams{MerchantID: e.merchant.ID, SerialNumber: "PAIRED", ProcessingTerminalID: "PAIR-TERM"}); err != nil {
		t.Fatal(err)
	}
	if _, d, err := e.svc.GetTerminal(e.ctx, e.merchant.ID, "PAIR-TERM"); err != nil || d.SerialNumber != "PAIRED" {
		t.Errorf("terminal of a paired device: %v, %v", d, err)
	}
}

// TestTerminalReads: the three reads, their parameters, the listed device
// and the device configurations that exist; another merchant's terminal
// answers as an unknown one.
func TestTerminalReads(t *testing.T) { eachStore(t, testTerminalReads) }

func testTerminalReads(t *testing.T, open opener) {
	e := newEnv(t, open)
	long := strings.Repeat("L", 46)
	for _, serial := range []string{long, "PAX-1"} {
		e.clock.Advance(time.Second)
		if _, err := e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: serial, ProcessingTerminalID: "T-LONG", Model: "paxA920Pro"}); err != nil {
			t.Fatal(err)
		}
	}
	// The first device's serial number is too long for Payroc's schema: the
	// next one is listed.
	if _, d, err := e.svc.GetTerminal(e.ctx, e.merchant.ID, "T-LONG"); err != nil || d == nil || d.SerialNumber != "PAX-1" {
		t.Errorf("listed device of T-LONG = %+v, %v; want PAX-1", d, err)
	}

	h, err := e.svc.GetTerminalHostConfiguration(e.ctx, e.merchant.ID, "1234001")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := e.svc.GetTerminalHostConfiguration(e.ctx, e.merchant.ID, "1234001")
	other, _ := e.svc.GetTerminalHostConfiguration(e.ctx, e.merchant.ID, "T-LONG")
	if !reflect.DeepEqual(h, h2) || h.ProcessingTerminalID != "1234001" || h.Processor != "tsys" ||
		len(h.Merchant.PosMID) != 12 || len(h.Terminal.TerminalID) != 8 || len(h.Terminal.TerminalNumber) != 4 {
		t.Errorf("host configuration = %+v, then %+v", h, h2)
	}
	if other.Merchant != h.Merchant || other.Terminal.TerminalID == h.Terminal.TerminalID {
		t.Errorf("two terminals of one merchant: %+v and %+v; want one merchant, two terminal ids", h, other)
	}

	c, err := e.svc.GetDeviceConfiguration(e.ctx, e.merchant.ID, "T-LONG", "paxA920Pro")
	if err != nil || c.Model != "paxA920Pro" || c.Manufacturer != "pax" || !c.SupportsPINEntry || len(c.Applications) == 0 {
		t.Errorf("pax configuration = %+v, %v", c, err)
	}
	if c, err := e.svc.GetDeviceConfiguration(e.ctx, e.merchant.ID, "1234001", "ferryVirtual"); err != nil || c.Manufacturer != "ferry" {
		t.Errorf("ferryVirtual configuration = %+v, %v", c, err)
	}
	// A model no device of the terminal has, in any spelling, is not found.
	for _, model := range []string{"idtechKioskV", "PAXA920PRO"} {
		_, err := e.svc.GetDeviceConfiguration(e.ctx, e.merchant.ID, "T-LONG", model)
		if ferry.ErrorCode(err) != ferry.CodeNotFound {
			t.Errorf("model %s: %v, want not found", model, err)
		}
	}
	if _, err := e.svc.GetDeviceConfiguration(e.ctx, e.merchant.ID, "1234001", "paxA920Pro"); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Errorf("a model of another terminal: %v", err)
	}

	// Bad parameters are 400, every one named.
	for _, tc := range []struct {
		id, model string
		params    []string
	}{
		{"123", "ferryVirtual", []string{"processingTerminalId"}},
		{strings.Repeat("1", 51), "ferryVirtual", []string{"processingTerminalId"}},
		{"1234001", "", []string{"model"}},
		{"1234001", strings.Repeat("m", 31), []string{"model"}},
		{"123", strings.Repeat("m", 31), []string{"processingTerminalId", "model"}},
	} {
		_, err := e.svc.GetDeviceConfiguration(e.ctx, e.merchant.ID, tc.id, tc.model)
		fe, _ := err.(*ferry.Error)
		var got []string
		if fe != nil {
			for _, f := range fe.Fields {
				got = append(got, f.Parameter)
			}
		}
		if ferry.ErrorCode(err) != ferry.CodeInvalid || !slices.Equal(got, tc.params) {
			t.Errorf("GetDeviceConfiguration(%q, %q) = %v, fields %v; want invalid %v", tc.id, tc.model, err, got, tc.params)
		}
	}
	for name, get := range map[string]func(string) error{
		"terminal": func(id string) error { _, _, err := e.svc.GetTerminal(e.ctx, e.merchant.ID, id); return err },
		"host": func(id string) error {
			_, err := e.svc.GetTerminalHostConfiguration(e.ctx, e.merchant.ID, id)
			return err
		},
	} {
		if err := get("123"); ferry.ErrorCode(err) != ferry.CodeInvalid {
			t.Errorf("%s of a 3-character id: %v", name, err)
		}
	}

	// Another merchant's terminal is not found, exactly as an unknown one.
	beta, _, err := e.svc.CreateMerchant(e.ctx, "Beta")
	if err != nil {
		t.Fatal(err)
	}
	_, _, mine := e.svc.GetTerminal(e.ctx, beta.ID, "1234001")
	_, _, unknown := e.svc.GetTerminal(e.ctx, beta.ID, "7654321")
	_, mineHost := e.svc.GetTerminalHostConfiguration(e.ctx, beta.ID, "1234001")
	_, mineDev := e.svc.GetDeviceConfiguration(e.ctx, beta.ID, "1234001", "ferryVirtual")
	_, unknownDev := e.svc.GetDeviceConfiguration(e.ctx, beta.ID, "7654321", "ferryVirtual")
	if ferry.ErrorCode(mine) != ferry.CodeNotFound || ferry.ErrorMessage(mine) != ferry.ErrorMessage(unknown) ||
		ferry.ErrorMessage(mineHost) != ferry.ErrorMessage(unknown) || ferry.ErrorMessage(mineDev) != ferry.ErrorMessage(unknownDev) ||
		ferry.ErrorCode(mineDev) != ferry.CodeNotFound {
		t.Errorf("another merchant's terminal: %v, %v, %v; an unknown one: %v, %v", mine, mineHost, mineDev, unknown, unknownDev)
	}
}

// TestUpdateTerminal: settings change, each alone; a bad one changes
// nothing and names the setting.
func TestUpdateTerminal(t *testing.T) { eachStore(t, testUpdateTerminal) }

func testUpdateTerminal(t *testing.T, open opener) {
	e := newEnv(t, open)
	tz, manual, at := "America/Chicago", ferry.BatchCloseManual, "02:30"
	off := false
	none := []int{}
	e.clock.Advance(time.Minute)
	pt, err := e.svc.UpdateTerminal(e.ctx, e.merchant.ID, "1234001", TerminalChange{
		TipPrompt: &off, SuggestedTips: &none, Timezone: &tz, BatchCloseType: &manual, BatchCloseTime: &at,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := e.svc.GetTerminal(e.ctx, e.merchant.ID, "1234001")
	if !reflect.DeepEqual(got, pt) || !pt.Tips.Enabled || pt.Tips.Prompt || len(pt.Tips.Suggested) != 0 ||
		pt.Timezone != tz || pt.BatchClose != (ferry.BatchClose{Type: manual, Time: at}) || !pt.UpdatedAt.After(pt.CreatedAt) {
		t.Errorf("after the update: %+v; stored %+v", pt, got)
	}
	for _, tc := range []struct {
		c     TerminalChange
		param string
	}{
		{TerminalChange{Timezone: new("Europe/Paris")}, "timezone"},
		{TerminalChange{BatchCloseTime: new("24:00")}, "batchClosure.batchCloseTime"},
		{TerminalChange{BatchCloseType: new("weekly")}, "batchClosure.batchCloseType"},
		{TerminalChange{SuggestedTips: &[]int{10, 15, 18, 20}}, "features.tips.suggestedTips.tipPercentages"},
		{TerminalChange{SuggestedTips: &[]int{0}}, "features.tips.suggestedTips.tipPercentages"},
	} {
		_, err := e.svc.UpdateTerminal(e.ctx, e.merchant.ID, "1234001", tc.c)
		fe, _ := err.(*ferry.Error)
		if fe == nil || fe.Code != ferry.CodeInvalid || len(fe.Fields) != 1 || fe.Fields[0].Parameter != tc.param {
			t.Errorf("UpdateTerminal(%+v) = %v, want invalid %s", tc.c, err, tc.param)
		}
	}
	if again, _, _ := e.svc.GetTerminal(e.ctx, e.merchant.ID, "1234001"); !reflect.DeepEqual(again, pt) {
		t.Errorf("a refused update changed the terminal: %+v", again)
	}
	beta, _, _ := e.svc.CreateMerchant(e.ctx, "Beta")
	if _, err := e.svc.UpdateTerminal(e.ctx, beta.ID, "1234001", TerminalChange{Tips: &off}); ferry.ErrorCode(err) != ferry.CodeNotFound {
		t.Errorf("updating another merchant's terminal: %v", err)
	}
}
