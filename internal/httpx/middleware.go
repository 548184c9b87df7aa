package httpx

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ferrygateway/ferry"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request's id, set by the RequestIDs middleware.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// RequestIDs gives every request an id: the client's X-Request-Id if it is
// a short safe token (1 to 64 letters, digits, '-', '_' or '.', and no card
// number), else a new one. The response carries it too.
func RequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// newRequestID returns 16 hex digits. Request ids need to be unique, not
// secret: no system call. Like every id Ferry repeats, one never holds what
// reads as a card number.
func newRequestID() string {
	for {
		if id := strconv.FormatUint(rand.Uint64(), 16); !ferry.HasCardNumber(id) {
			return id
		}
	}
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
	return !ferry.HasCardNumber(id) // it is logged and sent back
}

// Split sends requests whose path starts with prefix to a and the rest to
// b. Unlike a ServeMux it never answers itself: a ServeMux answers a path
// such as /v1//devices with a bare redirect before the handlers see it.
func Split(prefix string, a, b http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, prefix) {
			a.ServeHTTP(w, r)
			return
		}
		b.ServeHTTP(w, r)
	})
}

// CheckRequest answers requests that no route could serve well before
// they reach one: a path that is not in its canonical form (an empty, "."
// or ".." segment: 404, where net/http would answer a bare redirect), a
// path that holds a NUL character or bytes that are no UTF-8 (404: no
// resource has such a name), and a query string that does not parse or
// holds such text (400, naming the parameter).
func (rd *Renderer) CheckRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequest(r); err != nil {
			rd.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func checkRequest(r *http.Request) error {
	p := r.URL.Path
	if !ferry.ValidText(p) {
		return ferry.Errorf(ferry.CodeNotFound, "There is no resource at this path: it holds a NUL character or bytes that are not UTF-8")
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/" // a trailing slash is part of some routes
	}
	if clean != p {
		return ferry.Errorf(ferry.CodeNotFound, "There is no endpoint at %s: a path has no empty, '.' or '..' segments", shownPath(r))
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &ferry.Error{Code: ferry.CodeInvalid, Message: "The query string is malformed: write it as name=value pairs joined by '&', with '%' only before two hex digits"}
	}
	var fields []ferry.FieldError
	for name, values := range q {
		ok := ferry.ValidText(name)
		for _, v := range values {
			ok = ok && ferry.ValidText(v)
		}
		if !ok {
			shown := ferry.RedactCardNumbers(name)
			if !ferry.ValidText(name) || strings.ContainsFunc(name, unicode.IsControl) || len(name) > 64 {
				shown = ferry.Quote(name) // escaped, so that the answer is text
			}
			fields = append(fields, ferry.FieldError{Parameter: shown, Detail: "invalid text",
				Message: "query parameters must be UTF-8 text without NUL characters"})
		}
	}
	if len(fields) > 0 {
		slices.SortFunc(fields, func(a, b ferry.FieldError) int { return strings.Compare(a.Parameter, b.Parameter) })
		return ferry.Invalid(fields...)
	}
	return nil
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

// AccessLog writes one line per request at info level (debug for quiet
// paths such as health checks). It never logs headers, bodies or query
// strings: they carry keys, tokens, card and customer data.
func AccessLog(log *slog.Logger, quiet func(path string) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			level := slog.LevelInfo
			if quiet != nil && quiet(r.URL.Path) {
				level = slog.LevelDebug
			}
			if !log.Enabled(r.Context(), level) {
				return
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("request_id", RequestID(r)),
				slog.String("method", r.Method),
				slog.String("path", shownPath(r)),
				slog.Int("status", sw.status),
				slog.Duration("duration", time.Since(start)))
		})
	}
}

// Negotiate answers 406 when the client accepts neither JSON nor problem
// documents. No Accept header, */* and application/json are fine.
func (rd *Renderer) Negotiate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Accepts(r.Header.Values("Accept")) {
			next.ServeHTTP(w, r)
			return
		}
		rd.WriteError(w, r, &ferry.Error{Code: ferry.CodeNotAcceptable,
			Message: "Resource does not support the representation requested; accept application/json"})
	})
}

// Accepts reports whether Accept header values admit a JSON answer.
func Accepts(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || zeroQ(params["q"]) {
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

func zeroQ(q string) bool {
	return q != "" && strings.Trim(q, "0.") == "" && strings.HasPrefix(q, "0")
}

// Bearer takes the token from an "Authorization: Bearer <token>" header.
func Bearer(header string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
