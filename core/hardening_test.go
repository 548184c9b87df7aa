package core

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
)

// TestLeaseBelongsToItsSession: a lease belongs to the device session that
// took it. Another session of the same device, or a call that names none,
// cannot report progress, a card read, a cancel, a failure, a heartbeat or
// an acknowledgement on it, even with the right fencing token, and nothing
// changes.
func TestLeaseBelongsToItsSession(t *testing.T) { eachStore(t, testLeaseBelongsToItsSession) }

func testLeaseBelongsToItsSession(t *testing.T, open opener) {
	e := newEnv(t, open)
	in := e.submit(4999)
	holder := e.session("holder")
	a := e.claim(holder)
	if a == nil || a.Lease.Token != 1 {
		t.Fatalf("claim = %+v", a)
	}
	for _, other := range []*deviceConn{e.session("other"), e.session("")} {
		calls := map[string]func() error{
			"progress": func() error { _, err := other.Progress(e.ctx, a.Lease, "prompting"); return err },
			"card read": func() error {
				_, err := other.CardRead(e.ctx, a.Lease, ferry.SandboxCard)
				return err
			},
			"cancel":    func() error { _, err := other.Cancel(e.ctx, a.Lease); return err },
			"failure":   func() error { _, err := other.Fail(e.ctx, a.Lease, "x"); return err },
			"heartbeat": func() error { _, err := other.Heartbeat(e.ctx, a.Lease, 0); return err },
			"ack":       func() error { return other.Ack(e.ctx, a.Lease) },
		}
		for name, call := range calls {
			err := call()
			wantCode(t, err, ferry.CodeLeaseLost)
			if !strings.Contains(ferry.ErrorMessage(err), "another device session") {
				t.Errorf("%s from session %q: message %q", name, other.session, ferry.ErrorMessage(err))
			}
		}
	}
	got := e.get(in.ID)
	if got.Phase != ferry.PhaseDelivered || got.LeaseSession != "holder" || got.LeaseToken != 1 || got.Version != 2 {
		t.Fatalf("the instruction changed: %+v", got)
	}
	if e.proc.Calls() != 0 {
		t.Fatalf("the processor was called %d times", e.proc.Calls())
	}
	// The holder's calls work, and the lease's end goes to the holder alone.
	if _, err := holder.Progress(e.ctx, a.Lease, "prompting"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Cancel(e.ctx, a.Lease); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.session("other").Ack(e.ctx, a.Lease), ferry.CodeLeaseLost)
	if err := holder.Ack(e.ctx, a.Lease); err != nil {
		t.Fatal(err)
	}
}

// TestDeviceTextMaskedWhateverTheSeparators: what a device reports (a
// progress step, a failure reason, a cardholder name) is stored and shown
// without a card number, however its digits are split.
func TestDeviceTextMaskedWhateverTheSeparators(t *testing.T) {
	eachStore(t, testDeviceTextMaskedWhateverTheSeparators)
}

func testDeviceTextMaskedWhateverTheSeparators(t *testing.T, open opener) {
	e := newEnv(t, open)
	c := e.session("s1")
	splits := []string{
		"read 4012\t8888\t8888\t1881",
		"5555\n5555\n5555\n4444",
		"4539\u200b8500\u200b0000\u200b7062",
		"4539\u00ad8500\u200d0000\ufeff7062",
		"4539 . 8500 / 0000 - 7062",
		"４５３９８５００００００７０６２",
		"3782\x00822463\x0110005",
	}
	for _, text := range splits {
		in := e.submit(4999)
		a := e.claim(c)
		if _, err := c.Progress(e.ctx, a.Lease, text); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Fail(e.ctx, a.Lease, text); err != nil {
			t.Fatal(err)
		}
		got := e.get(in.ID)
		events, err := e.svc.Events(e.ctx, e.merchant.ID, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{got.ErrorMessage, events[len(events)-2].Detail, events[len(events)-1].Detail} {
			if ferry.HasCardNumber(s) || strings.ContainsAny(s, "\t\n\x00\x01\u200b\u00ad\ufeff") {
				t.Errorf("%q stored as %q", text, s)
			}
		}
	}
	// A cardholder name too.
	e.submit(4999)
	a := e.claim(c)
	card := ferry.SandboxCard
	card.CardholderName = "S\tHOPPER 5555\n5555\n5555\n4444"
	res, err := c.CardRead(e.ctx, a.Lease, card)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.GetRefund(e.ctx, e.merchant.ID, res.RefundID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Card.CardholderName != "S HOPPER 5555 55** **** 4444" {
		t.Errorf("cardholder name stored as %q", r.Card.CardholderName)
	}
}

func TestCleanText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"  prompting  ", 64, "prompting"},
		{"read 4012\t8888\t8888\t1881", 64, "read 4012 88** **** 1881"},
		{"5555\n5555\n5555\n4444", 64, "5555 55** **** 4444"},
		{"4539\u200b8500\u200b0000\u200b7062", 64, "453985******7062"},
		{"4539\x008500\x1b0000\x7f7062", 64, "453985******7062"},
		{"a\r\n\r\nb", 64, "a b"},
		// The cap comes last, after the masking: no cut rejoins or reveals.
		{"card 4539850000007062 declined", 12, "card 453985*"},
		{"\xff\xfe", 64, "\ufffd"},
		{"\u200b\u200b", 64, ""},
	} {
		if got := cleanText(tc.in, tc.max); got != tc.want {
			t.Errorf("cleanText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestAuthorizeIsBounded: an API key gets at most TokenRate tokens a
// minute; past that, 429 with the seconds until the next one.
func TestAuthorizeIsBounded(t *testing.T) { eachStore(t, testAuthorizeIsBounded) }

func testAuthorizeIsBounded(t *testing.T, open opener) {
	e := newEnv(t, open)
	rate := e.svc.Config().TokenRate
	for i := range rate {
		if _, _, err := e.svc.Authorize(e.ctx, e.apiKey); err != nil {
			t.Fatalf("token %d: %v", i+1, err)
		}
		e.clock.Advance(100 * time.Millisecond)
	}
	_, _, err := e.svc.Authorize(e.ctx, e.apiKey)
	wantCode(t, err, ferry.CodeRateLimited)
	// The first token was issued rate×100ms ago; a minute after it, the
	// next may be.
	want := int((time.Minute - time.Duration(rate)*100*time.Millisecond).Seconds())
	if e := err.(*ferry.Error); e.RetryAfter != want {
		t.Errorf("Retry-After %d, want %d", e.RetryAfter, want)
	}
	// Another key of the merchant is counted apart.
	key2, _, err := e.svc.CreateAPIKey(e.ctx, e.merchant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authorize(e.ctx, key2); err != nil {
		t.Errorf("another key: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, _, err := e.svc.Authorize(e.ctx, e.apiKey); err != nil {
		t.Errorf("a minute later: %v", err)
	}
}

// TestWaitEndsWhenKeyRevoked: a status request that is waiting when its
// API key is revoked answers CodeUnauthorized, as device waits do.
func TestWaitEndsWhenKeyRevoked(t *testing.T) { eachStore(t, testWaitEndsWhenKeyRevoked) }

func testWaitEndsWhenKeyRevoked(t *testing.T, open opener) {
	e := newEnv(t, open)
	key2, rec, err := e.svc.CreateAPIKey(e.ctx, e.merchant.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := e.svc.Authorize(e.ctx, key2)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(e.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := e.svc.Authorize(e.ctx, e.apiKey)
	p1, err := e.svc.Authenticate(e.ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	in := e.submit(4999)
	done := make(chan error, 2)
	for _, p := range []*ferry.Principal{p, p1} {
		go func() {
			_, err := e.svc.WaitInstruction(e.ctx, p, ferry.KindRefund, in.ID, time.Hour)
			done <- err
		}()
	}
	if !e.clock.WaitTimers(2, 10*time.Second) {
		t.Fatal("the waits did not start")
	}
	if err := e.svc.RevokeAPIKey(e.ctx, e.merchant.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	err = <-done
	wantCode(t, err, ferry.CodeUnauthorized)
	// The wait on the other key goes on, and ends with the instruction.
	if _, err := e.svc.CancelInstruction(e.ctx, e.merchant.ID, ferry.KindRefund, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the other key's wait: %v", err)
	}
}

// TestOneMessageForBadTokens: an unknown, an expired and a revoked token
// get the same answer, and so do an unknown and a revoked device
// credential.
func TestOneMessageForBadTokens(t *testing.T) { eachStore(t, testOneMessageForBadTokens) }

func testOneMessageForBadTokens(t *testing.T, open opener) {
	e := newEnv(t, open)
	expiring, _, err := e.svc.Authorize(e.ctx, e.apiKey)
	if err != nil {
		t.Fatal(err)
	}
	key2, rec, _ := e.svc.CreateAPIKey(e.ctx, e.merchant.ID)
	revoked, _, _ := e.svc.Authorize(e.ctx, key2)
	if err := e.svc.RevokeAPIKey(e.ctx, e.merchant.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(e.svc.Config().TokenTTL)
	var messages []string
	for _, token := range []string{"fy_tok_unknown", expiring, revoked} {
		_, err := e.svc.Authenticate(e.ctx, token)
		wantCode(t, err, ferry.CodeUnauthorized)
		messages = append(messages, ferry.ErrorMessage(err))
	}
	if messages[0] != messages[1] || messages[1] != messages[2] {
		t.Errorf("messages differ: %q", messages)
	}
	secret, _, err := e.svc.IssueDeviceCredential(e.ctx, e.merchant.ID, e.device.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RevokeDevice(e.ctx, e.merchant.ID, e.device.SerialNumber); err != nil {
		t.Fatal(err)
	}
	_, _, err1 := e.svc.AuthenticateDevice(e.ctx, "fy_dev_unknown")
	_, _, err2 := e.svc.AuthenticateDevice(e.ctx, secret)
	wantCode(t, err1, ferry.CodeUnauthorized)
	if ferry.ErrorMessage(err1) != ferry.ErrorMessage(err2) {
		t.Errorf("device messages differ: %q, %q", ferry.ErrorMessage(err1), ferry.ErrorMessage(err2))
	}
}

// TestAdminTextRefused: text that a store cannot keep alike (NUL, invalid
// UTF-8) is refused in what admin commands take, with the field named.
func TestAdminTextRefused(t *testing.T) { eachStore(t, testAdminTextRefused) }

func testAdminTextRefused(t *testing.T, open opener) {
	e := newEnv(t, open)
	for _, name := range []string{"a\x00b", "a\xffb"} {
		_, _, err := e.svc.CreateMerchant(e.ctx, name)
		wantCode(t, err, ferry.CodeInvalid)
		_, err = e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: "SN-9", ProcessingTerminalID: "1234" + name})
		wantCode(t, err, ferry.CodeInvalid)
		_, err = e.svc.AddDevice(e.ctx, AddDeviceParams{MerchantID: e.merchant.ID, SerialNumber: "SN-9", ProcessingTerminalID: "1234001", Model: name})
		wantCode(t, err, ferry.CodeInvalid)
	}
}
