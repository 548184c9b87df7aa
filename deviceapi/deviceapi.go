// Package deviceapi serves Ferry's device protocol (docs/device-protocol.md)
// on the core: pairing, waiting for work, and the calls a device makes
// about the instruction it holds.
package deviceapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/internal/httpx"
)

// Server is the HTTP adapter for devices.
type Server struct {
	svc *core.Service
	log *slog.Logger
	rd  *httpx.Renderer

	// waits counts each device's waiting calls.
	waits *httpx.Limiter
}

// maxDeviceWaits caps the calls one device may have waiting at once; a
// device needs two (its next poll and a heartbeat).
const maxDeviceWaits = 8

// maxBody caps device request bodies; a signature may be larger
// (maxSignatureBody: the image in Base64, and room around it).
const (
	maxBody          = 16 << 10
	maxSignatureBody = ferry.MaxSignatureImage*4/3 + 4<<10
)

// New returns the device protocol over svc. baseURL makes links absolute;
// logger may be nil.
func New(svc *core.Service, baseURL func(*http.Request) string, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{svc: svc, log: logger, rd: &httpx.Renderer{Log: logger, BaseURL: baseURL},
		waits: httpx.NewLimiter(maxDeviceWaits)}
}

// Handler returns the device protocol's routes, under /device/v1/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h httpx.Handler) { mux.Handle(pattern, s.rd.Handle(h)) }
	handle("POST /device/v1/pair", s.pair)
	handle("GET /device/v1/me", s.authed(s.me))
	handle("GET /device/v1/instructions/next", s.authed(s.next))
	handle("POST /device/v1/instructions/{id}/{call}", s.authed(s.call))
	handle("/device/v1/pair", httpx.MethodNotAllowed("POST"))
	handle("/device/v1/me", httpx.MethodNotAllowed("GET"))
	handle("/device/v1/instructions/next", httpx.MethodNotAllowed("GET"))
	handle("/device/v1/instructions/{id}/{call}", httpx.MethodNotAllowed("POST"))
	handle("/device/", httpx.NotFound)
	versioned := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(ferry.DeviceProtocolHeader, ferry.DeviceProtocolVersion)
		mux.ServeHTTP(w, r)
	})
	return httpx.RequestIDs(httpx.AccessLog(s.log, func(path string) bool {
		return strings.HasSuffix(path, "/next") || strings.HasSuffix(path, "/heartbeat")
	})(s.rd.Negotiate(s.rd.CheckRequest(versioned))))
}

type ctxKey int

const deviceKey ctxKey = iota

type principal struct {
	device *ferry.Device
	cred   *ferry.DeviceCredential
}

// authed admits requests with a valid device credential, at most
// maxDeviceWaits at once per device.
func (s *Server) authed(h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, cred, err := s.svc.AuthenticateDevice(r.Context(), httpx.Bearer(r.Header.Get("Authorization")))
		if err != nil {
			return err
		}
		release, err := s.waits.Acquire(d.ID, "calls from this device")
		if err != nil {
			return err
		}
		defer release()
		return h(w, r.WithContext(context.WithValue(r.Context(), deviceKey, &principal{d, cred})))
	}
}

func caller(r *http.Request) *principal { return r.Context().Value(deviceKey).(*principal) }

func (s *Server) pair(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.RequireJSON(r); err != nil {
		return err
	}
	body, err := httpx.ReadBody(w, r, maxBody)
	if err != nil {
		return err
	}
	req, err := ferry.DecodePairRequest(body)
	if err != nil {
		return err
	}
	secret, d, err := s.svc.Pair(r.Context(), req.Code, req.SerialNumber)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, ferry.PairResponse{Credential: secret, Device: s.info(r.Context(), d)})
}

func (s *Server) info(ctx context.Context, d *ferry.Device) ferry.DeviceInfo {
	info := ferry.DeviceInfo{DeviceID: d.ID, SerialNumber: d.SerialNumber, ProcessingTerminalID: d.ProcessingTerminalID,
		ProtocolVersion: ferry.DeviceProtocolVersion}
	if m, err := s.svc.Merchant(ctx, d.MerchantID); err == nil {
		info.Merchant = m.Name
	}
	return info
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	return httpx.WriteJSON(w, http.StatusOK, s.info(r.Context(), caller(r).device))
}

// session names the device session of a request: the Ferry-Session
// header, 1 to 64 letters, digits, '-' or '_', and no card number (Ferry
// stores it with the lease).
func session(r *http.Request) (string, error) {
	id := r.Header.Get(ferry.SessionHeader)
	ok := id != "" && len(id) <= 64
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			ok = false
		}
	}
	if ok && ferry.HasCardNumber(id) {
		return "", &ferry.Error{Code: ferry.CodeInvalid, Message: "The " + ferry.SessionHeader + " header must not hold a card number; name the session with a random id",
			Fields: []ferry.FieldError{{Parameter: ferry.SessionHeader, Detail: "invalid", Message: "a session id must not hold a card number"}}}
	}
	if !ok {
		return "", &ferry.Error{Code: ferry.CodeInvalid, Message: "Name the device session in the " + ferry.SessionHeader + " header: 1 to 64 letters, digits, '-' or '_'",
			Fields: []ferry.FieldError{{Parameter: ferry.SessionHeader, Detail: "invalid", Message: "a session id is required"}}}
	}
	return id, nil
}

// protocol is the device protocol version a request names in the
// Ferry-Device-Protocol header, as MAJOR.MINOR: "1.0" when it names none
// (devices from before the header) or something else.
func protocol(r *http.Request) string {
	major, minor, ok := strings.Cut(r.Header.Get(ferry.DeviceProtocolHeader), ".")
	x, err1 := strconv.ParseUint(major, 10, 16)
	y, err2 := strconv.ParseUint(minor, 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return "1.0"
	}
	return strconv.FormatUint(x, 10) + "." + strconv.FormatUint(y, 10)
}

// waitParam reads ?wait=SECONDS (a number from 0 to 60; default def).
func waitParam(r *http.Request, def time.Duration) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return def, nil
	}
	secs, err := strconv.ParseFloat(v, 64)
	// Plain decimals only: ParseFloat also takes NaN, Inf, 1e1 and 0x1p4.
	if strings.Trim(v, "0123456789.") != "" || strings.Count(v, ".") > 1 || err != nil || secs < 0 || secs > 60 {
		return 0, &ferry.Error{Code: ferry.CodeInvalid, Message: "wait must be a number of seconds from 0 to 60",
			Fields: []ferry.FieldError{{Parameter: "wait", Detail: "invalid", Message: "wait must be a number of seconds from 0 to 60"}}}
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// next waits for the session's next piece of work: 200 with an
// assignment, or 204 when the wait passes (or the server shuts down).
func (s *Server) next(w http.ResponseWriter, r *http.Request) error {
	id, err := session(r)
	if err != nil {
		return err
	}
	wait, err := waitParam(r, 30*time.Second)
	if err != nil {
		return err
	}
	p := caller(r)
	// At shutdown the service drains: the wait answers with no work.
	a, err := s.svc.DeviceSession(p.device, p.cred, id, protocol(r)).Next(r.Context(), max(wait, time.Millisecond))
	if err != nil {
		return err
	}
	if a == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return httpx.WriteJSON(w, http.StatusOK, a)
}

// call handles POST /device/v1/instructions/{id}/{call}.
func (s *Server) call(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.RequireJSON(r); err != nil {
		return err
	}
	name := r.PathValue("call")
	limit := int64(maxBody)
	if name == ferry.DeviceCallSignature {
		limit = maxSignatureBody
	}
	body, err := httpx.ReadBody(w, r, limit)
	if err != nil {
		return err
	}
	req, err := ferry.DecodeDeviceRequest(name, body)
	if err != nil {
		return err
	}
	// A call that names no session is no session's: it gets lease-lost.
	var id string
	if r.Header.Get(ferry.SessionHeader) != "" {
		if id, err = session(r); err != nil {
			return err
		}
	}
	p := caller(r)
	conn := s.svc.DeviceSession(p.device, p.cred, id, protocol(r))
	lease := ferry.Lease{InstructionID: r.PathValue("id"), Token: req.LeaseToken}
	ctx := r.Context()
	var out any
	switch name {
	case ferry.DeviceCallHeartbeat:
		out, err = s.heartbeat(r, conn, lease)
	case ferry.DeviceCallProgress:
		out, err = conn.Progress(ctx, lease, req.Step)
	case ferry.DeviceCallCardRead:
		out, err = conn.CardRead(ctx, lease, *req.Card)
	case ferry.DeviceCallSignature:
		out, err = conn.Signature(ctx, lease, *req.Signature)
	case ferry.DeviceCallClosedLoopRead:
		out, err = conn.ClosedLoopRead(ctx, lease, req.Data)
	case ferry.DeviceCallCancel:
		out, err = conn.Cancel(ctx, lease)
	case ferry.DeviceCallFailure:
		out, err = conn.Fail(ctx, lease, req.Reason)
	case ferry.DeviceCallAck:
		if err := conn.Ack(ctx, lease); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// heartbeat renews the lease and waits up to ?wait seconds for a change;
// at shutdown (the service drains) it answers at once.
func (s *Server) heartbeat(r *http.Request, conn ferry.DeviceConn, lease ferry.Lease) (*ferry.LeaseState, error) {
	wait, err := waitParam(r, 0)
	if err != nil {
		return nil, err
	}
	return conn.Heartbeat(r.Context(), lease, wait)
}
