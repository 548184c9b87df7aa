package api

import (
	"github.com/ferrygateway/ferry/internal/httpx"
	"net/http"
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
