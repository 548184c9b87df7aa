// Package httpx is the HTTP plumbing that Ferry's HTTP adapters share:
// handlers that return errors, one renderer of problem documents, body and
// media-type helpers, and the request-id, access-log and content
// negotiation middleware.
package httpx

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

// Handler is an HTTP handler that returns its error instead of writing it.
type Handler func(w http.ResponseWriter, r *http.Request) error

// Renderer turns Handlers into http.Handlers and renders their errors as
// problem documents, in one place.
type Renderer struct {
	Log *slog.Logger
	// BaseURL returns the scheme and host that relative links in errors are
	// made absolute with.
	BaseURL func(r *http.Request) string
}

// Handle adapts h: it recovers panics and renders returned errors.
// Internal errors are logged with the request id and never shown.
func (rd *Renderer) Handle(h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				rd.WriteError(w, r, ferry.Internal(fmt.Errorf("panic: %v\n%s", v, debug.Stack())))
			}
		}()
		if err := h(w, r); err != nil {
			rd.WriteError(w, r, err)
		}
	})
}

// WriteError writes err as application/problem+json.
func (rd *Renderer) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away; nobody reads the answer
	}
	p := ferry.ProblemFor(err)
	switch {
	case p.Status == http.StatusServiceUnavailable:
		// Load or a database that is away for now: worth seeing, not a bug.
		rd.Log.Warn("request refused for now", "request_id", RequestID(r), "method", r.Method, "path", shownPath(r), "err", err)
	case p.Status >= 500:
		rd.Log.Error("request failed", "request_id", RequestID(r), "method", r.Method, "path", shownPath(r), "err", err)
	}
	if p.Link != nil && strings.HasPrefix(p.Link.Href, "/") {
		link := *p.Link
		link.Href = rd.BaseURL(r) + link.Href
		p.Link = &link
	}
	if strings.HasPrefix(p.Instance, "/") {
		p.Instance = rd.BaseURL(r) + p.Instance
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

// Marshal encodes v as JSON; a failure is an internal error.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, ferry.Internal(err)
	}
	return b, nil
}

// WriteJSON writes v as an application/json body with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := Marshal(v)
	if err != nil {
		return err
	}
	WriteBody(w, status, body)
	return nil
}

// WriteBody writes an application/json body that is already encoded.
func WriteBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// ReadBody reads a request body of at most max bytes: CodeTooLarge past it.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &ferry.Error{Code: ferry.CodeTooLarge,
				Message: fmt.Sprintf("The payload submitted is too large: the limit is %d bytes", max)}
		}
		return nil, &ferry.Error{Code: ferry.CodeInvalid, Message: "The request body could not be read", Err: err}
	}
	return body, nil
}

// RequireJSON answers CodeUnsupportedMediaType unless the request says its
// body is JSON.
func RequireJSON(r *http.Request) error {
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

// MethodNotAllowed answers 405 with an Allow header.
func MethodNotAllowed(allow string) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return ferry.Errorf(ferry.CodeMethodNotAllowed, "%s is not supported on %s; use %s", r.Method, shownPath(r), allow)
	}
}

// NotFound answers 404 for a path with no endpoint.
func NotFound(w http.ResponseWriter, r *http.Request) error {
	return ferry.Errorf(ferry.CodeNotFound, "There is no endpoint at %s", shownPath(r))
}

// shownPath is a request's path as Ferry repeats it, in an answer or a log:
// a client may put a card number in a path by mistake (as a serial number,
// say), so any run of digits that passes the Luhn check is masked.
func shownPath(r *http.Request) string { return ferry.RedactCardNumbers(r.URL.Path) }
