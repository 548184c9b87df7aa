package client

import (
	"fmt"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

// Error is an error answer from the API, decoded from its problem
// document. Use errors.As to get it. It also unwraps to a *ferry.Error, so
// ferry.ErrorCode works on it.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is Ferry's code for the status and problem type.
	Code ferry.Code
	// Type is the problem type URI; Slug is its last part, e.g. "not-found".
	Type, Slug string
	Title      string
	Detail     string
	// Errors lists problems with the input, by parameter.
	Errors []ferry.FieldError
	// Link points at a related resource: the refund of an instruction that
	// can no longer be canceled, say.
	Link     *ferry.Link
	Instance string
	// RetryAfter is the server's Retry-After, if any.
	RetryAfter time.Duration
}

// Error says what went wrong. It never holds a URL, a key or a token.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if e.Slug != "" {
		b.WriteString(" " + e.Slug)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, f := range e.Errors {
		b.WriteString("; ")
		if f.Parameter != "" {
			b.WriteString(f.Parameter + ": ")
		}
		b.WriteString(f.Message)
	}
	return b.String()
}

// Unwrap returns the error as a *ferry.Error.
func (e *Error) Unwrap() error {
	return &ferry.Error{Code: e.Code, Message: e.Detail, Fields: e.Errors, Link: e.Link, Instance: e.Instance}
}

// apiError decodes an error response.
func apiError(resp *response) *Error {
	fe := ferry.ErrorFromProblem(resp.status, resp.body)
	var p ferry.Problem
	decode(resp, &p)
	e := &Error{StatusCode: resp.status, Code: fe.Code, Type: p.Type, Slug: p.Slug(), Title: p.Title,
		Detail: fe.Message, Errors: fe.Fields, Link: fe.Link, Instance: fe.Instance}
	if ra, ok := retryAfter(resp.header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	}
	return e
}
