package api

import (
	"net/http"
	"strings"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/internal/httpx"
)

// Handler returns the API's routes, all of them, in one place, behind the
// middleware: request id → access log → content negotiation → request
// checks (httpx.Renderer.CheckRequest).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h httpx.Handler) { mux.Handle(pattern, s.rd.Handle(h)) }
	// allow answers 405 for the other methods on a path.
	allow := func(path, methods string) { handle(path, httpx.MethodNotAllowed(methods)) }

	handle("POST /authorize", s.authorize)
	handle("POST /v1/authorize", s.authorize)
	allow("/authorize", "POST")
	allow("/v1/authorize", "POST")

	// Every kind of instruction has the same three operations.
	for _, k := range []ferry.InstructionKind{ferry.KindPayment, ferry.KindRefund, ferry.KindSignature} {
		submit := "/v1/devices/{serialNumber}/" + string(k) + "-instructions"
		one := k.Path() + "/{" + k.IDParameter() + "}"
		handle("POST "+submit, s.authed(s.submitInstruction(k)))
		allow(submit, "POST")
		handle("GET "+one, s.authed(s.getInstruction(k)))
		handle("DELETE "+one, s.authed(s.cancelInstruction(k)))
		allow(one, "GET, DELETE")
	}
	handle("GET /v1/payments/{paymentId}", s.authed(s.getPayment))
	allow("/v1/payments/{paymentId}", "GET")
	handle("GET /v1/signatures/{signatureId}", s.authed(s.getSignature))
	allow("/v1/signatures/{signatureId}", "GET")
	handle("GET /v1/closed-loop-reads/{closedLoopReadId}", s.authed(s.getClosedLoopRead))
	allow("/v1/closed-loop-reads/{closedLoopReadId}", "GET")
	handle("GET /v1/devices", s.authed(s.searchDevices))
	allow("/v1/devices", "GET")
	handle("GET /v1/refunds/{refundId}", s.authed(s.getRefund))
	allow("/v1/refunds/{refundId}", "GET")
	handle("GET /v1/processing-terminals/{processingTerminalId}", s.authed(s.getProcessingTerminal))
	handle("GET /v1/processing-terminals/{processingTerminalId}/host-configurations", s.authed(s.getProcessingTerminalHostConfiguration))
	handle("GET /v1/processing-terminals/{processingTerminalId}/device-configurations/{model}", s.authed(s.retrieveDeviceConfiguration))
	allow("/v1/processing-terminals/{processingTerminalId}", "GET")
	allow("/v1/processing-terminals/{processingTerminalId}/host-configurations", "GET")
	allow("/v1/processing-terminals/{processingTerminalId}/device-configurations/{model}", "GET")

	handle("GET /healthz", s.healthz)
	allow("/healthz", "GET")
	handle("/", httpx.NotFound)

	quiet := func(path string) bool { return strings.HasPrefix(path, "/healthz") }
	return httpx.RequestIDs(httpx.AccessLog(s.log, quiet)(s.rd.Negotiate(s.rd.CheckRequest(mux))))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
