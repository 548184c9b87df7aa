package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ferrygateway/ferry"
)

// handler is an HTTP handler that returns its error instead of writing it;
// handle renders errors in one place.
type handler func(w http.ResponseWriter, r *http.Request) error

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
)

// handle adapts h: it recovers panics and renders returned errors as
// problem documents. Internal errors are logged with the request id and
// never shown.
func (s *Server) handle(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, ferry.Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack())))
			}
		}()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// writeError writes err as application/problem+json.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; nobody reads the answer
	}
	p := ferry.ProblemFor(err)
	if p.Status >= 500 {
		s.log.Error("request failed", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.Link != nil && strings.HasPrefix(p.Link.Href, "/") {
		link := *p.Link
		link.Href = s.baseURL(r) + link.Href
		p.Link = &link
	}
	if strings.HasPrefix(p.Instance, "/") {
		p.Instance = s.baseURL(r) + p.Instance
	}
	if e, ok := errors.AsType[*ferry.Error](err); ok && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ferry"`)
	}
	body, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	w.Write(body)
}

// writeJSON writes v as an application/json body with the status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return ferry.Internal(err)
	}
	writeBody(w, status, body)
	return nil
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// readBody reads a request body up to the server's limit: CodeTooLarge past
// it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &ferry.Error{Code: ferry.CodeTooLarge,
				Message: fmt.Sprintf("The payload submitted is too large: the limit is %d bytes", s.cfg.MaxBody)}
		}
		return nil, &ferry.Error{Code: ferry.CodeInvalid, Message: "The request body could not be read", Err: err}
	}
	return body, nil
}

// requireJSON answers CodeUnsupportedMediaType unless the request says
// its body is JSON.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	msg := "You submitted a payload in an unsupported format; send application/json"
	if ct == "" {
		msg = "Send the body as JSON with the header Content-Type: application/json"
	}
	return &ferry.Error{Code: ferry.CodeUnsupportedMediaType, Message: msg}
}

func methodNotAllowed(allow string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return ferry.Errorf(ferry.CodeMethodNotAllowed, "%s is not supported on %s; use %s", r.Method, r.URL.Path, allow)
	}
}

func notFound(w http.ResponseWriter, r *http.Request) error {
	return ferry.Errorf(ferry.CodeNotFound, "There is no endpoint at %s", r.URL.Path)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func principal(r *http.Request) *ferry.Principal {
	p, _ := r.Context().Value(principalKey).(*ferry.Principal)
	return p
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// logAttrs are the attributes every request log line carries.
func logAttrs(r *http.Request, status int) []slog.Attr {
	return []slog.Attr{
		slog.String("request_id", requestID(r)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
	}
}

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, ferry.Internal(err)
	}
	return b, nil
}
