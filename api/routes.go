package api

import (
	"net/http"
	"strings"
)

// Handler returns the API's routes, all of them, in one place.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handler, allow string) {
		mux.Handle(pattern, s.handle(h))
		// The same path with any other method answers 405 with a problem.
		_, path, _ := strings.Cut(pattern, " ")
		mux.Handle(path, s.handle(methodNotAllowed(allow)))
	}

	route("POST /authorize", s.authorize, "POST")
	route("POST /v1/authorize", s.authorize, "POST")
	route("POST /v1/devices/{serialNumber}/refund-instructions", s.authed(s.submitRefundInstruction), "POST")
	mux.Handle("GET /v1/refund-instructions/{refundInstructionId}", s.handle(s.authed(s.getRefundInstruction)))
	route("DELETE /v1/refund-instructions/{refundInstructionId}", s.authed(s.cancelRefundInstruction), "GET, DELETE")
	route("GET /v1/refunds/{refundId}", s.authed(s.getRefund), "GET")
	route("GET /healthz", s.healthz, "GET")
	mux.Handle("/", s.handle(notFound))

	return s.middleware(mux)
}
