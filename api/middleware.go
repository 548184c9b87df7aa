package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

// middleware wraps the routes, outermost first: request id → access log →
// content negotiation.
func (s *Server) middleware(next http.Handler) http.Handler {
	return s.withRequestID(s.withLog(s.handleAccept(next)))
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusWriter remembers the status written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLog writes one line per request. It never logs headers or bodies:
// they carry keys, tokens and customer data.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" {
			level = slog.LevelDebug
		}
		if !s.log.Enabled(r.Context(), level) {
			return
		}
		attrs := append(logAttrs(r, sw.status), slog.Duration("duration", time.Since(start)))
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// handleAccept answers 406 when the client accepts neither JSON nor
// problem documents. No Accept header, */* and application/json are fine.
func (s *Server) handleAccept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if accepts(r.Header.Values("Accept")) {
			next.ServeHTTP(w, r)
			return
		}
		s.writeError(w, r, &ferry.Error{Code: ferry.CodeNotAcceptable,
			Message: "Resource does not support the representation requested; accept application/json"})
	})
}

func accepts(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || params["q"] == "0" || params["q"] == "0.0" || params["q"] == "0.00" || params["q"] == "0.000" {
				continue
			}
			switch mt {
			case "*/*", "application/*", "application/json", "application/problem+json":
				return true
			}
		}
	}
	return false
}

// authed lets only requests with a valid bearer token through, and puts
// the principal in the request's context.
func (s *Server) authed(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		token, _ := bearer(r.Header.Get("Authorization"))
		p, err := s.svc.Authenticate(r.Context(), token)
		if err != nil {
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}

// bearer takes the token from an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
