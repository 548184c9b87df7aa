package api

import (
	"net/http"
	"strings"

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

	handle("POST /v1/devices/{serialNumber}/refund-instructions", s.authed(s.submitRefundInstruction))
	allow("/v1/devices/{serialNumber}/refund-instructions", "POST")
	handle("GET /v1/refund-instructions/{refundInstructionId}", s.authed(s.getRefundInstruction))
	handle("DELETE /v1/refund-instructions/{refundInstructionId}", s.authed(s.cancelRefundInstruction))
	allow("/v1/refund-instructions/{refundInstructionId}", "GET, DELETE")
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
