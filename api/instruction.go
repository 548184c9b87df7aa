package api

import (
	"net/http"
	"net/url"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/internal/httpx"
	"github.com/google/uuid"
)

// submitRefundInstruction queues a refund instruction: 202 with the
// instruction, or the stored response for a repeated Idempotency-Key.
func (s *Server) submitRefundInstruction(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.RequireJSON(r); err != nil {
		return err
	}
	key, ok := parseIdempotencyKey(r.Header.Get("Idempotency-Key"))
	if !ok {
		detail := "An 'Idempotency-Key' must be supplied for this request"
		if r.Header.Get("Idempotency-Key") != "" {
			detail = "The 'Idempotency-Key' must be a UUID, such as 8e03978e-40d5-43e8-bc93-6894a57f9324"
		}
		return &ferry.Error{Code: ferry.CodeIdempotencyKeyMissing, Message: detail,
			Fields: []ferry.FieldError{{Parameter: "Idempotency-Key", Detail: "invalid", Message: detail}}}
	}
	body, err := httpx.ReadBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	resp, err := s.svc.SubmitRefundInstruction(r.Context(), core.SubmitParams{
		MerchantID:     principal(r).MerchantID,
		IdempotencyKey: key,
		SerialNumber:   r.PathValue("serialNumber"),
		// The canonical request: /v1/devices/ADEV%31/… and /v1/devices/ADEV1/…
		// name one device, so they are one request.
		Fingerprint: ferry.RequestFingerprint(r.Method, "/v1/devices/"+url.PathEscape(r.PathValue("serialNumber"))+"/refund-instructions", body),
		Body:        body,
		Render: func(in *ferry.Instruction) ([]byte, error) {
			return httpx.Marshal(s.refundInstruction(r, in.State()))
		},
	})
	if err != nil {
		return err
	}
	if resp.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteBody(w, resp.Status, resp.Body)
	return nil
}

// getRefundInstruction answers with the instruction once it is no longer
// in progress, or after the poll wait with its current state.
func (s *Server) getRefundInstruction(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	release, err := s.polls.Acquire(p.MerchantID, "status requests")
	if err != nil {
		return err
	}
	defer release()
	in, err := s.svc.WaitInstruction(r.Context(), p, r.PathValue("refundInstructionId"), s.cfg.PollWait, s.drain)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, s.refundInstruction(r, in))
}

// cancelRefundInstruction cancels an instruction: 204, or 409 once the card
// has been read or the instruction has ended.
func (s *Server) cancelRefundInstruction(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.svc.CancelInstruction(r.Context(), principal(r).MerchantID, r.PathValue("refundInstructionId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// refundInstruction renders an instruction as Payroc does: while in
// progress (and after failure or cancel) the link points at the
// instruction itself; once completed, at the refund.
func (s *Server) refundInstruction(r *http.Request, in *ferry.InstructionState) *ferry.RefundInstruction {
	base := s.baseURL(r)
	out := &ferry.RefundInstruction{RefundInstructionID: in.ID, Status: in.Phase.Status()}
	switch out.Status {
	case ferry.StatusCompleted:
		out.Link = &ferry.Link{Rel: "refund", Method: "GET", Href: base + "/v1/refunds/" + in.RefundID}
	case ferry.StatusFailure:
		out.ErrorMessage = in.ErrorMessage
		fallthrough
	default:
		out.Link = &ferry.Link{Rel: "self", Method: "GET", Href: base + "/v1/refund-instructions/" + in.ID}
	}
	return out
}

// parseIdempotencyKey accepts a UUID in its canonical 36-character form,
// of any version (Payroc asks for version 4), and returns it in lower case
// so that the same key in another case is the same key.
func parseIdempotencyKey(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
