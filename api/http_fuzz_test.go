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
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/sim"
)

// target is Ferry's whole HTTP surface on a SQLite store, with a merchant,
// a device, a device credential and one instruction.
type target struct {
	h          http.Handler
	token      string
	credential string
	id         string
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
	mux := http.NewServeMux()
	// Status GETs answer at once: the fuzzer must not wait on long-polls.
	mux.Handle("/", api.New(svc, api.Config{PollWait: time.Nanosecond}, nil).Handler())
	// Device polls and heartbeats answer at once too, as at shutdown: a
	// fuzzed ?wait= must not hold an execution for seconds.
	devices := deviceapi.New(svc, api.BaseURL, nil)
	devices.Drain()
	mux.Handle("/device/", devices.Handler())
	tg := &target{h: mux, token: token, credential: credential}
	w := tg.do("POST", "/v1/devices/FUZZ-1/refund-instructions", ferry.NewIdempotencyKey(),
		`{"processingTerminalId":"1234001","order":{"orderId":"O-1","description":"fuzz","currency":"USD","amount":4999}}`)
	var in ferry.RefundInstruction
	if w.Code != 202 || json.Unmarshal(w.Body.Bytes(), &in) != nil {
		f.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	tg.id = in.RefundInstructionID
	return tg
}

func (tg *target) do(method, target, key, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://ferry.test/", strings.NewReader(body))
	req.URL.RawPath = "" // set from target below, escaped as sent
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req.URL.Path, req.URL.RawPath, req.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
	req.RequestURI = target
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(target, "/device/") {
		req.Header.Set("Authorization", "Bearer "+tg.credential)
	} else {
		req.Header.Set("Authorization", "Bearer "+tg.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	w := httptest.NewRecorder()
	tg.h.ServeHTTP(w, req)
	return w
}

// FuzzPathsAndIDs sends fuzzed ids, serial numbers, query values and
// idempotency keys to every route: no answer may be a 5xx, and every error
// is a problem document.
func FuzzPathsAndIDs(f *testing.F) {
	tg := newTarget(f)
	for _, seed := range []struct{ id, query, key string }{
		{tg.id, "limit=2", ferry.NewIdempotencyKey()},
		{"FUZZ-1", "serialNumber=FUZZ-1&after=x", "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{"0123456789abcdef0123456789abcdef", "limit=-1", "not-a-uuid"},
		{"..", "before=%00", ""},
		{"a%2Fb", "limit=99999999999999999999", "\x00"},
		{strings.Repeat("9", 300), "serialNumber=" + strings.Repeat("é", 70), strings.Repeat("a", 36)},
		{"héllo wörld", "limit=1&limit=2", "8E03978E-40D5-43E8-BC93-6894A57F9324"},
		{"4111111111111111", "limit=1&note=4111111111111111", "4111111111111111"},
	} {
		f.Add(seed.id, seed.query, seed.key)
	}
	body := `{"processingTerminalId":"1234001","order":{"orderId":"O-2","description":"fuzz","currency":"USD","amount":100}}`
	f.Fuzz(func(t *testing.T, id, query, key string) {
		seg := url.PathEscape(id)
		for _, r := range []struct{ method, target, key, body string }{
			{"GET", "/v1/refund-instructions/" + seg, "", ""},
			{"DELETE", "/v1/refund-instructions/" + seg, "", ""},
			{"GET", "/v1/refunds/" + seg, "", ""},
			{"POST", "/v1/devices/" + seg + "/refund-instructions", key, body},
			{"POST", "/v1/devices/FUZZ-1/refund-instructions", key, body},
			{"GET", "/v1/devices?" + query, "", ""},
			{"GET", "/v1/devices?serialNumber=" + url.QueryEscape(id), "", ""},
			{"GET", "/device/v1/instructions/next?" + query, "", ""},
			{"POST", "/device/v1/instructions/" + seg + "/heartbeat", "", `{"token":1}`},
			{"POST", "/device/v1/instructions/" + tg.id + "/" + seg, "", `{"token":1}`},
			{"POST", "/device/v1/instructions/" + seg + "/card-read", "", `{"token":1,"card":{"cardNumber":"4111111111111111","expiryDate":"1230"}}`},
			{"POST", "/device/v1/pair", "", `{"code":` + strconvQuote(id) + `,"serialNumber":"FUZZ-1"}`},
		} {
			w := tg.do(r.method, r.target, r.key, r.body)
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
		}
	})
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
