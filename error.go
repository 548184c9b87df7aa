package ferry

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Adapters map each code to
// exactly one HTTP status and one Payroc problem type.
type Code string

// Error codes. The comment gives the HTTP status the API adapter uses.
const (
	CodeInvalid               Code = "invalid"                 // 400 bad-request
	CodeIdempotencyKeyMissing Code = "idempotency_key_missing" // 400
	CodeUnauthorized          Code = "unauthorized"            // 401 not-authorized
	CodeForbidden             Code = "forbidden"               // 403
	CodeNotFound              Code = "not_found"               // 404
	CodeMethodNotAllowed      Code = "method_not_allowed"      // 405
	CodeNotAcceptable         Code = "not_acceptable"          // 406
	CodeConflict              Code = "conflict"                // 409 resource-already-exists
	CodeDeviceBusy            Code = "device_busy"             // 409
	CodeCannotBeCanceled      Code = "cannot_be_canceled"      // 409
	CodeIdempotencyKeyInUse   Code = "idempotency_key_in_use"  // 409
	CodeLeaseLost             Code = "lease_lost"              // 409, device protocol only
	CodeTooLarge              Code = "too_large"               // 413 payload-too-large
	CodeUnsupportedMediaType  Code = "unsupported_media_type"  // 415
	CodeRateLimited           Code = "rate_limited"            // 429
	CodeUnavailable           Code = "unavailable"             // 503
	CodeInternal              Code = "internal"                // 500 api-error
)

// Error is Ferry's one application error. Message is safe to show a client;
// Err, the cause, is logged and never sent.
type Error struct {
	Code    Code
	Message string
	// Fields lists every problem with the input, each named by its JSON path.
	Fields []FieldError
	// Link points at a related resource, such as the refund of a completed
	// instruction that can no longer be canceled.
	Link *Link
	// Instance is the URL path of the resource the error is about, if any.
	Instance string
	// RetryAfter, in seconds, tells a client when to try again (429, 503).
	RetryAfter int
	Err        error
}

// FieldError describes one problem with one input field.
type FieldError struct {
	// Parameter is the JSON path of the field, e.g. "order.amount", or the
	// name of a path parameter or header.
	Parameter string `json:"parameter,omitempty"`
	// Detail is a short label, e.g. "required" or "too long".
	Detail string `json:"detail,omitempty"`
	// Message explains the problem in a sentence.
	Message string `json:"message,omitempty"`
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// CodeInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err: the message of its
// *Error, or a generic message for anything else.
func ErrorMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "We are unable to process your request at this time"
}

// Internal wraps an unexpected cause as an internal error.
func Internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: ErrorMessage(nil), Err: err}
}

// NotFound returns the not-found error for a resource kind, such as "refund".
// Another merchant's resource answers with exactly this error.
func NotFound(kind string) *Error {
	return &Error{Code: CodeNotFound, Message: "Resource not found: " + kind}
}

func asError(err error) (*Error, bool) { return errors.AsType[*Error](err) }
