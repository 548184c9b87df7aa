package ferry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ProblemTypeBase prefixes every problem type; the slug follows the '#'.
const ProblemTypeBase = "https://docs.payroc.com/api/errors#"

// Problem is an RFC 7807 problem document in Payroc's shape, the body of
// every error response (application/problem+json).
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance,omitempty"`
	Resource string       `json:"resource,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	Link     *Link        `json:"link,omitempty"`
}

// Slug returns the part of Type after the '#', e.g. "not-found".
func (p *Problem) Slug() string {
	_, slug, _ := strings.Cut(p.Type, "#")
	return slug
}

// problemKind is one row of the table that maps codes to HTTP.
type problemKind struct {
	code   Code
	status int
	slug   string
	title  string
}

// problemKinds is the one table from error codes to HTTP status and Payroc
// problem type. The first row for a status is the code a client infers
// from an unknown slug with that status.
var problemKinds = []problemKind{
	{CodeInvalid, 400, "bad-request", "Bad request"},
	{CodeIdempotencyKeyMissing, 400, "idempotency-key-missing", "Idempotency-Key header missing"},
	{CodeUnauthorized, 401, "not-authorized", "Not Authorized"},
	{CodeForbidden, 403, "forbidden", "Forbidden"},
	{CodeNotFound, 404, "not-found", "Not found"},
	{CodeMethodNotAllowed, 405, "method-not-allowed", "Method not allowed"},
	{CodeNotAcceptable, 406, "not-acceptable", "Not acceptable"},
	{CodeConflict, 409, "resource-already-exists", "Resource already exists"},
	{CodeDeviceBusy, 409, "device-busy", "Device busy"},
	{CodeCannotBeCanceled, 409, "cannot-be-canceled", "Cannot be canceled"},
	{CodeIdempotencyKeyInUse, 409, "idempotency-key-in-use", "Idempotency-Key in use"},
	{CodeLeaseLost, 409, "lease-lost", "Lease lost"},
	{CodeTooLarge, 413, "payload-too-large", "Payload too large"},
	{CodeUnsupportedMediaType, 415, "unsupported-media-type", "Unsupported media type"},
	{CodeRateLimited, 429, "too-many-requests", "Too many requests"},
	{CodeInternal, 500, "api-error", "Api error"},
	{CodeUnavailable, 503, "service-unavailable", "Service unavailable"},
}

func kindOf(code Code) problemKind {
	for _, k := range problemKinds {
		if k.code == code {
			return k
		}
	}
	return kindOf(CodeInternal)
}

// HTTPStatus returns the HTTP status for code; 500 for an unknown code.
func HTTPStatus(code Code) int { return kindOf(code).status }

// ProblemFor renders err as a problem document. Anything but an *Error is an
// internal error with a generic message: causes are never sent.
func ProblemFor(err error) *Problem {
	code := ErrorCode(err)
	k := kindOf(code)
	if k.code != code {
		code = CodeInternal // an unknown code says nothing a client may see
	}
	p := &Problem{Type: ProblemTypeBase + k.slug, Title: k.title, Status: k.status, Detail: ErrorMessage(err)}
	if e, ok := asError(err); ok && code != CodeInternal {
		p.Errors = e.Fields
		p.Link = e.Link
		p.Instance = e.Instance
	}
	if code == CodeInternal {
		p.Detail = ErrorMessage(nil)
	}
	return p
}

// CodeFor returns the error code for a problem's status and type: the
// reverse of ProblemFor, used by clients.
func CodeFor(status int, problemType string) Code {
	_, slug, _ := strings.Cut(problemType, "#")
	for _, k := range problemKinds {
		if k.status == status && k.slug == slug {
			return k.code
		}
	}
	for _, k := range problemKinds {
		if k.status == status {
			return k.code
		}
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeInvalid
}

// ErrorFromProblem rebuilds, on the client side, the *Error behind an error
// response: the code from the status and problem type, the detail as the
// message. A body that is not a problem document gives an error named by
// the status alone.
func ErrorFromProblem(status int, body []byte) *Error {
	var p Problem
	if json.Unmarshal(body, &p) != nil || p.Status == 0 {
		p = Problem{Detail: fmt.Sprintf("the server answered %d %s", status, http.StatusText(status))}
	}
	return &Error{Code: CodeFor(status, p.Type), Message: p.Detail, Fields: p.Errors, Link: p.Link, Instance: p.Instance}
}
