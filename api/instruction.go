package api

import (
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
	"github.com/ferrygateway/ferry/internal/httpx"
	"github.com/ferrygateway/ferry/payroc"
)

// submitInstruction queues an instruction of kind k: 202 with the
// instruction, or the stored response for a repeated Idempotency-Key.
func (s *Server) submitInstruction(k ferry.InstructionKind) httpx.Handler {
	collection := "/" + string(k) + "-instructions"
	return func(w http.ResponseWriter, r *http.Request) error {
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
		resp, err := s.svc.SubmitInstruction(r.Context(), core.SubmitParams{
			Kind:           k,
			MerchantID:     principal(r).MerchantID,
			IdempotencyKey: key,
			SerialNumber:   r.PathValue("serialNumber"),
			// The canonical request: /v1/devices/ADEV%31/… and /v1/devices/ADEV1/…
			// name one device, so they are one request.
			Fingerprint: ferry.RequestFingerprint(r.Method, "/v1/devices/"+url.PathEscape(r.PathValue("serialNumber"))+collection, body),
			Body:        body,
			Render: func(in *ferry.Instruction) ([]byte, error) {
				return httpx.Marshal(s.instruction(r, in.State()))
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
}

// getInstruction answers with an instruction of kind k once it is no
// longer in progress, or after the poll wait with its current state.
func (s *Server) getInstruction(k ferry.InstructionKind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := principal(r)
		release, err := s.polls.Acquire(p.MerchantID, "status requests")
		if err != nil {
			return err
		}
		defer release()
		in, err := s.svc.WaitInstruction(r.Context(), p, k, r.PathValue(k.IDParameter()), s.cfg.PollWait)
		if err != nil {
			return err
		}
		return httpx.WriteJSON(w, http.StatusOK, s.instruction(r, in))
	}
}

// cancelInstruction cancels an instruction of kind k: 204, or 409 once the
// card has been read (or the signature captured) or the instruction ended.
func (s *Server) cancelInstruction(k ferry.InstructionKind) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.svc.CancelInstruction(r.Context(), principal(r).MerchantID, k, r.PathValue(k.IDParameter())); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// instruction renders an instruction as Payroc does: while in progress
// (and after failure or cancel) the link points at the instruction itself;
// once completed, at the resource it made (a refund, payment, closed-loop
// read or signature).
func (s *Server) instruction(r *http.Request, in *ferry.InstructionState) any {
	base := s.baseURL(r)
	status := in.Phase.Status()
	var link *ferry.Link
	var errorMessage string
	switch status {
	case ferry.StatusCompleted:
		link = &ferry.Link{Rel: in.ResultRel, Method: "GET", Href: base + ferry.ResultPath(in.ResultRel) + in.ResultID}
	case ferry.StatusFailure:
		errorMessage = in.ErrorMessage
		fallthrough
	default:
		link = &ferry.Link{Rel: "self", Method: "GET", Href: base + in.Kind.Path() + "/" + in.ID}
	}
	switch in.Kind {
	case ferry.KindPayment:
		return &payroc.PaymentInstruction{PaymentInstructionID: in.ID, Status: status, ErrorMessage: errorMessage, Link: link}
	case ferry.KindSignature:
		return &payroc.SignatureInstruction{SignatureInstructionID: in.ID, Status: status, ErrorMessage: errorMessage, Link: link}
	}
	return &payroc.RefundInstruction{RefundInstructionID: in.ID, Status: status, ErrorMessage: errorMessage, Link: link}
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
