package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/api"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/deviceapi"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/internal/httpx"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/payroc"
	"github.com/ferrygateway/ferry/sim"
)

// target is Ferry's whole HTTP surface on a SQLite store, with a merchant,
// two devices with a credential each, an instruction in the queue of one,
// and an instruction of the other that session "holder" holds.
type target struct {
	h          http.Handler
	svc        *core.Service
	merchant   string
	token      string
	credential string // FUZZ-1's
	id         string // queued on FUZZ-1
	held       string // held on FUZZ-2 by session "holder", lease 1
	held2      string // FUZZ-2's credential
}

func newTarget(f *testing.F) *target {
	ctx := context.Background()
	store := ferrytest.SQLite(f, ferry.SystemClock{})
	svc := core.New(store, notify.New(), sim.NewProcessor(), ferry.SystemClock{}, nil, core.Config{})
	m, key, err := svc.CreateMerchant(ctx, "Fuzz")
	if err != nil {
		f.Fatal(err)
	}
	token, _, err := svc.Authorize(ctx, key)
	if err != nil {
		f.Fatal(err)
	}
	d, err := svc.AddDevice(ctx, core.AddDeviceParams{MerchantID: m.ID, SerialNumber: "FUZZ-1", ProcessingTerminalID: "1234001"})
	if err != nil {
		f.Fatal(err)
	}
	credential, _, err := svc.IssueDeviceCredential(ctx, m.ID, d.ID)
	if err != nil {
		f.Fatal(err)
	}
	// Every wait answers at once, as at shutdown: a fuzzed ?wait= must not
	// hold an execution for seconds.
	svc.Drain()
	pos := api.New(svc, api.Config{PollWait: time.Nanosecond}, nil)
	devices := deviceapi.New(svc, api.BaseURL, nil)
	tg := &target{h: httpx.Split("/device/", devices.Handler(), pos.Handler()), svc: svc, merchant: m.ID, token: token, credential: credential}
	submit := func(serial string) string {
		w := tg.do("POST", "/v1/devices/"+serial+"/refund-instructions", ferry.NewIdempotencyKey(),
			`{"processingTerminalId":"1234001","order":{"orderId":"O-1","description":"fuzz","currency":"USD","amount":4999}}`, "")
		var in payroc.RefundInstruction
		if w.Code != 202 || json.Unmarshal(w.Body.Bytes(), &in) != nil {
			f.Fatalf("submit: %d %s", w.Code, w.Body)
		}
		return in.RefundInstructionID
	}
	tg.id = submit("FUZZ-1")
	d2, err := svc.AddDevice(ctx, core.AddDeviceParams{MerchantID: m.ID, SerialNumber: "FUZZ-2", ProcessingTerminalID: "1234001"})
	if err != nil {
		f.Fatal(err)
	}
	if tg.held2, _, err = svc.IssueDeviceCredential(ctx, m.ID, d2.ID); err != nil {
		f.Fatal(err)
	}
	tg.held = submit("FUZZ-2")
	if a, err := svc.DeviceConn(d2, "holder").Next(ctx, time.Millisecond); err != nil || a == nil || a.Lease.Token != 1 {
		f.Fatalf("taking the lease: %+v, %v", a, err)
	}
	return tg
}

// do sends a request as the merchant, or as device FUZZ-1 to /device/
// paths; with a session, as session of FUZZ-2.
func (tg *target) do(method, target, key, body, session string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://ferry.test/", strings.NewReader(body))
	req.URL.RawPath = "" // set from target below, escaped as sent
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
	req.RequestURI = target
	req.Header.Set("Content-Type", "application/json")
	switch {
	case session != "":
		req.Header.Set("Authorization", "Bearer "+tg.held2)
		req.Header.Set(ferry.SessionHeader, session)
	case strings.HasPrefix(target, "/device/"):
		req.Header.Set("Authorization", "Bearer "+tg.credential)
	default:
		req.Header.Set("Authorization", "Bearer "+tg.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	w := httptest.NewRecorder()
	tg.h.ServeHTTP(w, req)
	return w
}

// FuzzPathsAndIDs sends fuzzed ids, serial numbers, query values,
// idempotency keys, device session names and text to every route: no
// answer may be a 5xx, every error is a problem document, no answer holds a
// card number, and no device session but the one that holds a lease can
// report on it.
func FuzzPathsAndIDs(f *testing.F) {
	tg := newTarget(f)
	for _, seed := range []struct{ id, query, key, session, text string }{
		{tg.id, "limit=2", ferry.NewIdempotencyKey(), "other", "prompting"},
		{"FUZZ-1", "serialNumber=FUZZ-1&after=x", "8e03978e-40d5-43e8-bc93-6894a57f9324", "holder2", "read 4012\t8888\t8888\t1881"},
		{"0123456789abcdef0123456789abcdef", "limit=-1", "not-a-uuid", "", "5555\n5555\n5555\n4444"},
		{"..", "before=%00", "", "h", "\u0000"},
		{"a%2Fb", "limit=99999999999999999999", "\x00", "4539850000007062", "\xed\xa0\x80"},
		{strings.Repeat("9", 300), "serialNumber=" + strings.Repeat("é", 70), strings.Repeat("a", 36), strings.Repeat("s", 65), "4539\u200b8500\u200b0000\u200b7062"},
		{"héllo wörld", "limit=1&limit=2", "8E03978E-40D5-43E8-BC93-6894A57F9324", "holder ", "４５３９８５００００００７０６２"},
		{"4111111111111111", "limit=1&note=4111111111111111", "4111111111111111", "HOLDER", "\xff"},
		{"%00", "wait=NaN", "", "holder\x00", ""},
		{"%ff", "serialNumber=%ff", "", "a;b", "x"},
	} {
		f.Add(seed.id, seed.query, seed.key, seed.session, seed.text)
	}
	body := `{"processingTerminalId":"1234001","order":{"orderId":"O-2","description":"fuzz","currency":"USD","amount":100}}`
	f.Fuzz(func(t *testing.T, id, query, key, session, text string) {
		seg := url.PathEscape(id)
		for _, r := range []struct{ method, target, key, body string }{
			{"GET", "/v1/refund-instructions/" + seg, "", ""},
			{"DELETE", "/v1/refund-instructions/" + seg, "", ""},
			{"GET", "/v1/refunds/" + seg, "", ""},
			{"GET", "/v1/payment-instructions/" + seg, "", ""},
			{"DELETE", "/v1/signature-instructions/" + seg, "", ""},
			{"GET", "/v1/payments/" + seg, "", ""},
			{"GET", "/v1/signatures/" + seg, "", ""},
			{"GET", "/v1/closed-loop-reads/" + seg, "", ""},
			{"POST", "/v1/devices/" + seg + "/signature-instructions", key, `{"processingTerminalId":"1234001"}`},
			{"POST", "/v1/devices/" + seg + "/refund-instructions", key, body},
			{"POST", "/v1/devices/FUZZ-1/refund-instructions", key, body},
			{"GET", "/v1/devices?" + query, "", ""},
			{"GET", "/v1/devices?serialNumber=" + url.QueryEscape(id), "", ""},
			{"GET", "/v1/processing-terminals/" + seg, "", ""},
			{"GET", "/v1/processing-terminals/" + seg + "/host-configurations", "", ""},
			{"GET", "/v1/processing-terminals/1234001/device-configurations/" + seg, "", ""},
			{"GET", "/device/v1/instructions/next?" + query, "", ""},
			{"POST", "/device/v1/instructions/" + seg + "/heartbeat", "", `{"leaseToken":1}`},
			{"POST", "/device/v1/instructions/" + tg.id + "/" + seg, "", `{"leaseToken":1}`},
			{"POST", "/device/v1/instructions/" + seg + "/card-read", "", `{"leaseToken":1,"card":{"cardNumber":"4111111111111111","expiryDate":"1230"}}`},
			{"POST", "/device/v1/instructions/" + tg.id + "/progress", "", `{"leaseToken":1,"step":` + strconvQuote(text) + `}`},
			{"POST", "/device/v1/instructions/" + seg + "/closed-loop-read", "", `{"leaseToken":1,"data":{"note":` + strconvQuote(text) + `}}`},
			{"POST", "/device/v1/pair", "", `{"code":` + strconvQuote(id) + `,"serialNumber":"FUZZ-1"}`},
			{"POST", "/device/v1/pair", "", `{"code":"X","serialNumber":` + strconvQuote(text) + `}`},
		} {
			w := tg.do(r.method, r.target, r.key, r.body, "")
			if w == nil {
				continue // not a request line a client could send
			}
			if w.Code >= 500 {
				t.Fatalf("%s %s: %d %s", r.method, r.target, w.Code, w.Body)
			}
			if w.Code >= 400 {
				var p ferry.Problem
				if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Status != w.Code {
					t.Fatalf("%s %s: %d %q %s", r.method, r.target, w.Code, ct, w.Body)
				}
			}
			// No card number comes back: not the card read's, and not one
			// the fuzzer put in a path, a query or a key (Ferry masks what
			// it repeats of a request).
			if pans := ferrytest.FindCardNumbers(w.Body.Bytes()); len(pans) > 0 {
				t.Fatalf("%s %s: card numbers came back: %v in %s", r.method, r.target, pans, w.Body)
			}
			if id := w.Header().Get("X-Request-Id"); ferry.HasCardNumber(id) {
				t.Fatalf("%s %s: request id %q", r.method, r.target, id)
			}
		}
		tg.fuzzLease(t, session, text)
	})
}

// fuzzLease makes a call about the lease that session "holder" holds, from
// session and from a call that names none: each must be refused, and the
// instruction stay as it was. (One call per input, picked by the input,
// keeps the target fast.)
func (tg *target) fuzzLease(t *testing.T, session, text string) {
	calls := []struct{ name, body string }{
		{ferry.DeviceCallHeartbeat, `{"leaseToken":1}`},
		{ferry.DeviceCallProgress, `{"leaseToken":1,"step":` + strconvQuote(text) + `}`},
		{ferry.DeviceCallFailure, `{"leaseToken":1,"reason":` + strconvQuote(text) + `}`},
		{ferry.DeviceCallCancel, `{"leaseToken":1}`},
		{ferry.DeviceCallAck, `{"leaseToken":1}`},
		{ferry.DeviceCallCardRead, `{"leaseToken":1,"card":{"cardNumber":"4111111111111111","expiryDate":"1230"}}`},
	}
	if session == "holder" {
		return
	}
	call := calls[(len(session)+len(text))%len(calls)]
	path := "/device/v1/instructions/" + tg.held + "/" + call.name
	answers := []*httptest.ResponseRecorder{tg.doNoSession("POST", path, call.body)}
	if session != "" {
		answers = append(answers, tg.do("POST", path, "", call.body, session))
	}
	for _, w := range answers {
		if w.Code != 409 && w.Code != 400 {
			t.Fatalf("session %q, %s: %d %s", session, call.name, w.Code, w.Body)
		}
	}
	in, err := tg.svc.GetInstruction(context.Background(), tg.merchant, tg.held)
	if err != nil || in.Phase != ferry.PhaseDelivered || in.LeaseSession != "holder" || in.LeaseToken != 1 {
		t.Fatalf("the held instruction changed: %+v, %v", in, err)
	}
}

// doNoSession calls as device FUZZ-2 without a Ferry-Session header.
func (tg *target) doNoSession(method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tg.held2)
	w := httptest.NewRecorder()
	tg.h.ServeHTTP(w, req)
	return w
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
