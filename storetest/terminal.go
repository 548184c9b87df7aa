package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
)

// terminalDevice adds a device on a terminal, with a model, at the
// harness clock's time.
func (h *harness) terminalDevice(m *ferry.Merchant, terminal, serial, model string) *ferry.Device {
	h.t.Helper()
	d := &ferry.Device{ID: ferry.NewID(), MerchantID: m.ID, SerialNumber: serial, ProcessingTerminalID: terminal,
		Model: model, CreatedAt: h.clock.Now().Truncate(time.Microsecond)}
	h.update(func(tx ferry.Tx) error { return tx.DeviceInsert(h.ctx, d) })
	return d
}

// testTerminal: a terminal round-trips every setting, is its merchant's
// only, is inserted once, and is updated in place.
func testTerminal(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	now := h.clock.Now().Truncate(time.Microsecond)
	want := ferry.NewProcessingTerminal(m.ID, "1234001", now)
	insert := func(pt *ferry.ProcessingTerminal) (ok bool) {
		t.Helper()
		h.update(func(tx ferry.Tx) (err error) {
			ok, err = tx.TerminalInsert(h.ctx, pt)
			return err
		})
		return ok
	}
	if !insert(want) {
		t.Fatal("TerminalInsert of a new terminal reported false")
	}
	got, err := h.store.TerminalGet(h.ctx, m.ID, "1234001")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("TerminalGet = %+v, %v; want %+v", got, err, want)
	}
	_, err = h.store.TerminalGet(h.ctx, other.ID, "1234001")
	wantCode(t, err, ferry.CodeNotFound)
	_, err = h.store.TerminalGet(h.ctx, m.ID, "9999999")
	wantCode(t, err, ferry.CodeNotFound)

	// A second insert of the same terminal changes nothing; another
	// merchant may have a terminal with the same id.
	again := ferry.NewProcessingTerminal(m.ID, "1234001", now.Add(time.Hour))
	again.Timezone = "America/Chicago"
	if insert(again) {
		t.Error("TerminalInsert of an existing terminal reported true")
	}
	if got, _ := h.store.TerminalGet(h.ctx, m.ID, "1234001"); !reflect.DeepEqual(got, want) {
		t.Errorf("after a second insert: %+v, want %+v", got, want)
	}
	if !insert(ferry.NewProcessingTerminal(other.ID, "1234001", now)) {
		t.Error("another merchant's terminal with the same id was not inserted")
	}

	// Every setting is written, and read back as written.
	changed := *want
	changed.Status = ferry.TerminalInactive
	changed.Timezone = "Pacific/Honolulu"
	changed.Tips = ferry.TipSettings{Enabled: false, Prompt: false, Suggested: []int{}}
	changed.BatchClose = ferry.BatchClose{Type: ferry.BatchCloseManual, Time: "04:05"}
	changed.UpdatedAt = now.Add(time.Minute)
	h.update(func(tx ferry.Tx) error { return tx.TerminalUpdate(h.ctx, &changed) })
	if got, _ := h.store.TerminalGet(h.ctx, m.ID, "1234001"); !reflect.DeepEqual(got, &changed) {
		t.Errorf("after TerminalUpdate: %+v, want %+v", got, &changed)
	}
	if got, _ := h.store.TerminalGet(h.ctx, other.ID, "1234001"); got == nil || got.Timezone != ferry.DefaultTerminalTimezone {
		t.Errorf("TerminalUpdate changed another merchant's terminal: %+v", got)
	}
	changed.Tips.Suggested = []int{5, 10, 100}
	h.update(func(tx ferry.Tx) error { return tx.TerminalUpdate(h.ctx, &changed) })
	if got, _ := h.store.TerminalGet(h.ctx, m.ID, "1234001"); !slices.Equal(got.Tips.Suggested, []int{5, 10, 100}) {
		t.Errorf("suggested tips = %v, want [5 10 100]", got.Tips.Suggested)
	}
	missing := *want
	missing.ID = "9999999"
	wantCode(t, h.store.Update(h.ctx, func(tx ferry.Tx) error { return tx.TerminalUpdate(h.ctx, &missing) }), ferry.CodeNotFound)
}

// testTerminalDeviceList: a terminal's devices, in the order they were
// added, ties by serial number; only that merchant's and that terminal's.
func testTerminalDeviceList(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	other := h.merchant("Other")
	list := func(p ferry.TerminalDeviceListParams) string {
		t.Helper()
		devices, err := h.store.TerminalDeviceList(h.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if devices == nil {
			t.Errorf("TerminalDeviceList(%+v) = nil, want an empty list", p)
		}
		out := ""
		for _, d := range devices {
			out += d.SerialNumber + " "
		}
		return out
	}
	if got := list(ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1"}); got != "" {
		t.Errorf("devices of a terminal with none: %q", got)
	}
	h.terminalDevice(m, "T-1", "Z", "paxA920Pro")
	h.clock.Advance(time.Second)
	h.terminalDevice(m, "T-1", "B", "idtechKioskV")
	h.terminalDevice(m, "T-1", "A", "paxA920Pro")
	h.terminalDevice(m, "T-2", "C", "paxA920Pro")
	h.terminalDevice(other, "T-1", "D", "paxA920Pro")
	for _, tc := range []struct {
		p    ferry.TerminalDeviceListParams
		want string
	}{
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1"}, "Z A B "},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1", Limit: 1}, "Z "},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1", Limit: 2}, "Z A "},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1", Model: "idtechKioskV"}, "B "},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1", Model: "paxA920Pro", Limit: 1}, "Z "},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-1", Model: "PAXA920PRO"}, ""},
		{ferry.TerminalDeviceListParams{MerchantID: m.ID, TerminalID: "T-2"}, "C "},
		{ferry.TerminalDeviceListParams{MerchantID: other.ID, TerminalID: "T-1"}, "D "},
		{ferry.TerminalDeviceListParams{MerchantID: other.ID, TerminalID: "T-2"}, ""},
	} {
		if got := list(tc.p); got != tc.want {
			t.Errorf("TerminalDeviceList(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// testTerminalConcurrent: transactions that insert the same terminal at
// once all succeed and exactly one inserts it; transactions that each
// read, change and update the terminal lose none of each other's changes.
func testTerminalConcurrent(t *testing.T, h *harness) {
	m := h.merchant("Acme")
	const n = 20
	var wg sync.WaitGroup
	inserted := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			err := h.store.Update(h.ctx, func(tx ferry.Tx) (err error) {
				inserted[i], err = tx.TerminalInsert(h.ctx, ferry.NewProcessingTerminal(m.ID, "T-1", tx.Now()))
				return err
			})
			if err != nil {
				t.Errorf("TerminalInsert %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := len(slices.DeleteFunc(inserted, func(b bool) bool { return !b })); got != 1 {
		t.Errorf("%d transactions inserted the terminal, want 1", got)
	}

	for i := range n {
		wg.Go(func() {
			err := h.store.Update(h.ctx, func(tx ferry.Tx) error {
				pt, err := tx.TerminalGet(h.ctx, m.ID, "T-1")
				if err != nil {
					return err
				}
				pt.Tips.Suggested = append(pt.Tips.Suggested, 100+i)
				pt.UpdatedAt = tx.Now()
				return tx.TerminalUpdate(h.ctx, pt)
			})
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	pt, err := h.store.TerminalGet(h.ctx, m.ID, "T-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(pt.Tips.Suggested); got != 3+n {
		t.Errorf("%d suggested tips after %d concurrent additions to 3, want %d: %v", got, n, 3+n, pt.Tips.Suggested)
	}
	sorted := slices.Sorted(slices.Values(pt.Tips.Suggested[3:]))
	for i, p := range sorted {
		if p != 100+i {
			t.Errorf("suggested tips %v: an addition was lost or doubled", fmt.Sprint(pt.Tips.Suggested))
			break
		}
	}
}
