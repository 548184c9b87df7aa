package ferry

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestErrorCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{nil, ""},
		{errors.New("x"), CodeInternal},
		{io.EOF, CodeInternal},
		{NotFound("refund"), CodeNotFound},
		{fmt.Errorf("a: %w", NotFound("refund")), CodeNotFound},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", Errorf(CodeConflict, "c"))), CodeConflict},
		{errors.Join(errors.New("first"), Errorf(CodeForbidden, "f")), CodeForbidden},
		{Internal(NotFound("refund")), CodeInternal}, // the outer *Error wins
		{&Error{Code: CodeInvalid, Err: NotFound("x")}, CodeInvalid},
		{fmt.Errorf("not wrapped: %v", NotFound("refund")), CodeInternal},
	} {
		if got := ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	const generic = "We are unable to process your request at this time"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, generic},
		{errors.New("disk full"), generic},
		{fmt.Errorf("a: %w", Errorf(CodeInvalid, "n=%d", 3)), "n=3"},
		{NotFound("refund"), "Resource not found: refund"},
		{Internal(errors.New("disk full")), generic},
		{fmt.Errorf("core: %w", Internal(errors.New("disk full"))), generic},
	} {
		if got := ErrorMessage(tc.err); got != tc.want {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{Code: CodeInvalid, Message: "bad"}, "invalid: bad"},
		{&Error{Code: CodeInvalid, Message: "bad", Err: cause}, "invalid: bad: cause"},
		{Internal(cause), "internal: We are unable to process your request at this time: cause"},
		{Errorf(CodeNotFound, "%s %q", "refund", "X"), `not_found: refund "X"`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorUnwrap(t *testing.T) {
	cause := io.ErrUnexpectedEOF
	e := Internal(fmt.Errorf("read: %w", cause))
	if !errors.Is(e, cause) || !errors.Is(fmt.Errorf("x: %w", e), cause) {
		t.Error("the cause is not reachable through errors.Is")
	}
	if e.Code != CodeInternal || e.Message != ErrorMessage(nil) {
		t.Errorf("Internal = %+v", e)
	}
	if (&Error{}).Unwrap() != nil {
		t.Error("Unwrap of an error without a cause")
	}
	nf := NotFound("device")
	if nf.Code != CodeNotFound || nf.Message != "Resource not found: device" || nf.Err != nil {
		t.Errorf("NotFound = %+v", nf)
	}
	if e, ok := asError(fmt.Errorf("x: %w", nf)); !ok || e != nf {
		t.Error("asError does not find a wrapped *Error")
	}
	if _, ok := asError(errors.New("x")); ok {
		t.Error("asError finds an *Error in a plain error")
	}
}
