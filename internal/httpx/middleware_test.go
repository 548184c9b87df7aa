package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry"
)

func TestRequestIDs(t *testing.T) {
	h := RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"req-1.a_B", true},
		{"8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"a b", false},
		{"a\x00b", false},
		{"4539850000007062", false},
		{"4539-8500-0000-7062", false},
		{"4539.8500.0000.7062", false},
		{"req-4539850000007062", false},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Request-Id", tc.sent)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		got := w.Header().Get("X-Request-Id")
		if (got == tc.sent) != tc.kept || got == "" || ferry.HasCardNumber(got) {
			t.Errorf("X-Request-Id %q came back as %q", tc.sent, got)
		}
	}
	for range 1000 {
		if id := newRequestID(); ferry.HasCardNumber(id) || !validRequestID(id) {
			t.Fatalf("made request id %q", id)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	rd := &Renderer{Log: slog.New(slog.DiscardHandler), BaseURL: func(*http.Request) string { return "http://ferry.test" }}
	h := rd.CheckRequest(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(299) }))
	for _, tc := range []struct {
		target string
		status int
		param  string
	}{
		{"/v1/devices/ADEV1/refund-instructions", 299, ""},
		{"/v1/devices?serialNumber=A&limit=2", 299, ""},
		{"/v1/devices/a%2Fb/refund-instructions", 299, ""}, // one segment "a/b": the mux decides
		{"/device/", 299, ""},
		{"/v1//devices/ADEV1/refund-instructions", 404, ""},
		{"/v1/./devices", 404, ""},
		{"/v1/devices/../authorize", 404, ""},
		{"/v1/devices/x/..", 404, ""},
		{"//", 404, ""},
		{"/v1/refund-instructions/%00", 404, ""},
		{"/v1/refund-instructions/%ff", 404, ""},
		{"/v1/devices/%ed%a0%80/refund-instructions", 404, ""},
		{"/v1/devices?serialNumber=%00", 400, "serialNumber"},
		{"/v1/devices?model=%ff&limit=1", 400, "model"},
		{"/v1/devices?%00=1", 400, `"\x00"`},
		{"/v1/devices?limit=%zz", 400, ""},
		{"/v1/devices?a=1;b=2", 400, ""},
	} {
		req := httptest.NewRequest("GET", "http://ferry.test/", nil)
		u, err := url.ParseRequestURI(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		req.URL = u
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.target, w.Code, w.Body, tc.status)
			continue
		}
		if w.Code == 299 {
			continue
		}
		var p ferry.Problem
		if w.Header().Get("Content-Type") != "application/problem+json" || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Detail == "" {
			t.Errorf("%s: not a problem document: %s", tc.target, w.Body)
		}
		if tc.param != "" && (len(p.Errors) != 1 || p.Errors[0].Parameter != tc.param) {
			t.Errorf("%s: errors %+v, want parameter %s", tc.target, p.Errors, tc.param)
		}
	}
}

func TestSplit(t *testing.T) {
	a := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })
	b := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	h := Split("/device/", a, b)
	for target, want := range map[string]int{"/device/v1/me": 201, "/device": 202, "/v1//devices": 202, "/device//x": 201, "/": 202} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "http://ferry.test/", nil)
		req.URL.Path = target
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%s: %d, want %d (no redirect)", target, w.Code, want)
		}
	}
}
