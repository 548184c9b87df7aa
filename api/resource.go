package api

import (
	"net/http"

	"github.com/ferrygateway/ferry/internal/httpx"
)

// getRefund returns a refund: approved or declined, it is on
// transactionResult.
func (s *Server) getRefund(w http.ResponseWriter, r *http.Request) error {
	refund, err := s.svc.GetRefund(r.Context(), principal(r).MerchantID, r.PathValue("refundId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, refund)
}

// getPayment returns a payment: approved, partly approved or declined, it
// is on transactionResult.
func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetPayment(r.Context(), principal(r).MerchantID, r.PathValue("paymentId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, p)
}

// getSignature returns a signature with its image in Base64.
func (s *Server) getSignature(w http.ResponseWriter, r *http.Request) error {
	sig, err := s.svc.GetSignature(r.Context(), principal(r).MerchantID, r.PathValue("signatureId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sig)
}

// getClosedLoopRead returns what a device read from a closed-loop card.
func (s *Server) getClosedLoopRead(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.GetClosedLoopRead(r.Context(), principal(r).MerchantID, r.PathValue("closedLoopReadId"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, c)
}
