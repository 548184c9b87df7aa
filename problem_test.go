package ferry

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestProblemFor(t *testing.T) {
	for _, tc := range []struct {
		code   Code
		status int
		slug   string
	}{
		{CodeInvalid, 400, "bad-request"},
		{CodeIdempotencyKeyMissing, 400, "idempotency-key-missing"},
		{CodeUnauthorized, 401, "not-authorized"},
		{CodeForbidden, 403, "forbidden"},
		{CodeNotFound, 404, "not-found"},
		{CodeMethodNotAllowed, 405, "method-not-allowed"},
		{CodeNotAcceptable, 406, "not-acceptable"},
		{CodeConflict, 409, "resource-already-exists"},
		{CodeDeviceBusy, 409, "device-busy"},
		{CodeCannotBeCanceled, 409, "cannot-be-canceled"},
		{CodeIdempotencyKeyInUse, 409, "idempotency-key-in-use"},
		{CodeLeaseLost, 409, "lease-lost"},
		{CodeTooLarge, 413, "payload-too-large"},
		{CodeUnsupportedMediaType, 415, "unsupported-media-type"},
		{CodeRateLimited, 429, "too-many-requests"},
		{CodeInternal, 500, "api-error"},
		{CodeUnavailable, 503, "service-unavailable"},
	} {
		err := fmt.Errorf("wrapped: %w", &Error{Code: tc.code, Message: "m", Fields: []FieldError{{Parameter: "p"}},
			Link: &Link{Rel: "refund"}, Instance: "/x"})
		p := ProblemFor(err)
		if p.Status != tc.status || p.Type != ProblemTypeBase+tc.slug || p.Slug() != tc.slug || p.Title == "" || HTTPStatus(tc.code) != tc.status {
			t.Errorf("%s: %+v", tc.code, p)
		}
		if tc.code != CodeInternal && (p.Detail != "m" || len(p.Errors) != 1 || p.Link == nil || p.Instance != "/x") {
			t.Errorf("%s lost its details: %+v", tc.code, p)
		}
		if got := CodeFor(tc.status, p.Type); got != tc.code {
			t.Errorf("CodeFor(%d, %s) = %s, want %s", tc.status, p.Type, got, tc.code)
		}
	}
	if CodeFor(409, "https://example.com/x") != CodeConflict || CodeFor(418, "") != CodeInvalid || CodeFor(502, "") != CodeInternal {
		t.Error("CodeFor does not fall back sensibly")
	}
}

func TestInternalErrorsStayInside(t *testing.T) {
	secret := "pq: password authentication failed for user ferry"
	for _, err := range []error{
		errors.New(secret),
		Internal(errors.New(secret)),
		&Error{Code: CodeInternal, Message: secret},
	} {
		p := ProblemFor(err)
		if p.Status != 500 || strings.Contains(p.Detail, "password") || p.Errors != nil {
			t.Errorf("%v became %+v", err, p)
		}
	}
	if ErrorCode(nil) != "" || ErrorCode(errors.New("x")) != CodeInternal || ErrorCode(fmt.Errorf("a: %w", NotFound("refund"))) != CodeNotFound {
		t.Error("ErrorCode")
	}
	if m := ErrorMessage(fmt.Errorf("a: %w", Errorf(CodeInvalid, "n=%d", 3))); m != "n=3" {
		t.Errorf("ErrorMessage = %q", m)
	}
	e := &Error{Code: CodeInvalid, Message: "bad", Err: errors.New("cause")}
	if !errors.Is(e, e.Err) || e.Error() != "invalid: bad: cause" {
		t.Errorf("Error = %q", e.Error())
	}
}
