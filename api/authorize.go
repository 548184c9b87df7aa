package api

import (
	"net/http"

	"github.com/ferrygateway/ferry/internal/httpx"
)

// tokenResponse is Payroc's GetTokenResponse.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// authorize exchanges the API key in x-api-key for a bearer token. It
// accepts no body, an empty body, and the Go SDK's
// {"client_id":"","client_secret":""}; a body is read and ignored.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) error {
	body, err := httpx.ReadBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "" {
		if err := httpx.RequireJSON(r); err != nil {
			return err
		}
	}
	token, ttl, err := s.svc.Authorize(r.Context(), r.Header.Get("X-Api-Key"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, tokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int64(ttl.Seconds()),
		Scope:       "payroc-cloud card-payments",
	})
}
