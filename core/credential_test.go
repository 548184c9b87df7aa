package core

import (
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
)

func TestPairing(t *testing.T) { eachStore(t, testPairing) }

func testPairing(t *testing.T, open opener) {
	e := newEnv(t, open)
	code, d, expires, err := e.svc.CreatePairCode(e.ctx, PairCodeParams{MerchantID: e.merchant.ID, SerialNumber: "TERM-1", ProcessingTerminalID: "1234001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || code[4] != '-' || d.SerialNumber != "TERM-1" || !expires.Equal(e.clock.Now().Add(DefaultPairCodeTTL)) {
		t.Fatalf("code %q for %+v until %v", code, d, expires)
	}
	// The wrong serial number does not use the code up.
	_, _, err = e.svc.Pair(e.ctx, code, "TERM-2")
	wantCode(t, err, ferry.CodeUnauthorized)
	_, _, err = e.svc.Pair(e.ctx, "ZZZZ-ZZZZ", "TERM-1")
	wantCode(t, err, ferry.CodeUnauthorized)
	// People may type the code in lower case and without the dash.
	secret, paired, err := e.svc.Pair(e.ctx, " "+code[:4]+code[5:]+" ", "TERM-1")
	if err != nil || paired.ID != d.ID {
		t.Fatalf("Pair = %v, %v", paired, err)
	}
	got, cred, err := e.svc.AuthenticateDevice(e.ctx, secret)
	if err != nil || got.ID != d.ID || cred.DeviceID != d.ID {
		t.Fatalf("AuthenticateDevice = %v, %v, %v", got, cred, err)
	}
	// A code works once.
	_, _, err = e.svc.Pair(e.ctx, code, "TERM-1")
	wantCode(t, err, ferry.CodeUnauthorized)

	// An expired code does not work.
	code, _, _, _ = e.svc.CreatePairCode(e.ctx, PairCodeParams{MerchantID: e.merchant.ID, SerialNumber: "TERM-1"})
	e.clock.Advance(DefaultPairCodeTTL)
	_, _, err = e.svc.Pair(e.ctx, code, "TERM-1")
	wantCode(t, err, ferry.CodeUnauthorized)

	// An existing device keeps its terminal.
	_, _, _, err = e.svc.CreatePairCode(e.ctx, PairCodeParams{MerchantID: e.merchant.ID, SerialNumber: "TERM-1", ProcessingTerminalID: "9999001"})
	wantCode(t, err, ferry.CodeConflict)
}

func TestRevokeEndsWaits(t *testing.T) { eachStore(t, testRevokeEndsWaits) }

func testRevokeEndsWaits(t *testing.T, open opener) {
	e := newEnv(t, open)
	secret, _, err := e.svc.IssueDeviceCredential(e.ctx, e.merchant.ID, e.device.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, cred, err := e.svc.AuthenticateDevice(e.ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	conn := e.svc.DeviceSession(d, cred, "s1", ferry.DeviceProtocolVersion)
	done := make(chan error, 1)
	timers := e.clock.Timers()
	go func() {
		_, err := conn.Next(e.ctx, 30*time.Second)
		done <- err
	}()
	e.clock.WaitTimers(timers+1, 5*time.Second)
	n, err := e.svc.RevokeDevice(e.ctx, e.merchant.ID, e.device.SerialNumber)
	if err != nil || n != 1 {
		t.Fatalf("RevokeDevice = %d, %v", n, err)
	}
	select {
	case err := <-done:
		wantCode(t, err, ferry.CodeUnauthorized)
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end on revoke")
	}
	_, _, err = e.svc.AuthenticateDevice(e.ctx, secret)
	wantCode(t, err, ferry.CodeUnauthorized)
	// Another merchant cannot revoke it, nor issue credentials for it.
	m2, _, _ := e.svc.CreateMerchant(e.ctx, "Other")
	_, err = e.svc.RevokeDevice(e.ctx, m2.ID, e.device.SerialNumber)
	wantCode(t, err, ferry.CodeNotFound)
	_, _, err = e.svc.IssueDeviceCredential(e.ctx, m2.ID, e.device.ID)
	wantCode(t, err, ferry.CodeNotFound)
}

func TestDeviceOnline(t *testing.T) { eachStore(t, testDeviceOnline) }

func testDeviceOnline(t *testing.T, open opener) {
	e := newEnv(t, open)
	d, _ := e.store.DeviceGet(e.ctx, e.device.ID)
	if e.svc.DeviceOnline(d) {
		t.Fatal("a device never seen is online")
	}
	e.claim(e.session("s1"))
	conn := e.svc.DeviceConn(d, "s1").(*deviceConn)
	if err := conn.touch(e.ctx); err != nil {
		t.Fatal(err)
	}
	d, _ = e.store.DeviceGet(e.ctx, e.device.ID)
	if !e.svc.DeviceOnline(d) || !d.LastSeenAt.Equal(e.clock.Now()) {
		t.Fatalf("after a poll: online %v, last seen %v", e.svc.DeviceOnline(d), d.LastSeenAt)
	}
	e.clock.Advance(e.svc.Config().OnlineWindow)
	if e.svc.DeviceOnline(d) {
		t.Error("still online after the window")
	}
}
