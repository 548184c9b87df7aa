package ferry

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// problemTable is the documented mapping from codes to HTTP, written out
// independently of problemKinds.
var problemTable = []struct {
	code   Code
	status int
	slug   string
	title  string
}{
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

func TestProblemTableIsComplete(t *testing.T) {
	if len(problemKinds) != len(problemTable) {
		t.Fatalf("problemKinds has %d rows, the documented table %d", len(problemKinds), len(problemTable))
	}
	slugs := map[string]bool{}
	for _, k := range problemKinds {
		if slugs[k.slug] {
			t.Errorf("slug %s used twice", k.slug)
		}
		slugs[k.slug] = true
	}
}

func TestProblemFor(t *testing.T) {
	for _, tc := range problemTable {
		fields := []FieldError{{Parameter: "refundInstructionId", Message: "Completed instruction cannot be canceled"}}
		link := &Link{Rel: "refund", Method: "GET", Href: "https://api.payroc.com/v1/refunds/M2MJOG6O2Y"}
		for _, err := range []error{
			&Error{Code: tc.code, Message: "m", Fields: fields, Link: link, Instance: "/x"},
			fmt.Errorf("wrapped: %w", &Error{Code: tc.code, Message: "m", Fields: fields, Link: link, Instance: "/x"}),
			fmt.Errorf("twice: %w", fmt.Errorf("wrapped: %w", &Error{Code: tc.code, Message: "m", Fields: fields, Link: link, Instance: "/x"})),
		} {
			p := ProblemFor(err)
			if p.Status != tc.status || p.Type != "https://docs.payroc.com/api/errors#"+tc.slug || p.Title != tc.title || p.Slug() != tc.slug {
				t.Errorf("%s: %+v", tc.code, p)
			}
			if HTTPStatus(tc.code) != tc.status {
				t.Errorf("HTTPStatus(%s) = %d, want %d", tc.code, HTTPStatus(tc.code), tc.status)
			}
			if tc.code == CodeInternal {
				if p.Detail != "We are unable to process your request at this time" || p.Errors != nil || p.Link != nil || p.Instance != "" {
					t.Errorf("internal error shows details: %+v", p)
				}
				continue
			}
			if p.Detail != "m" || !reflect.DeepEqual(p.Errors, fields) || p.Link != link || p.Instance != "/x" || p.Resource != "" {
				t.Errorf("%s lost its details: %+v", tc.code, p)
			}
		}
	}
}

func TestProblemForJSON(t *testing.T) {
	err := &Error{Code: CodeCannotBeCanceled, Message: "You cannot cancel this resource in its current state",
		Fields: []FieldError{{Parameter: "refundInstructionId", Message: "Completed instruction cannot be canceled"}},
		Link:   &Link{Rel: "refund", Method: "GET", Href: "https://api.payroc.com/v1/refunds/M2MJOG6O2Y"}}
	b, jerr := json.Marshal(ProblemFor(err))
	want := `{"type":"https://docs.payroc.com/api/errors#cannot-be-canceled","title":"Cannot be canceled","status":409,` +
		`"detail":"You cannot cancel this resource in its current state",` +
		`"errors":[{"parameter":"refundInstructionId","message":"Completed instruction cannot be canceled"}],` +
		`"link":{"rel":"refund","method":"GET","href":"https://api.payroc.com/v1/refunds/M2MJOG6O2Y"}}`
	if jerr != nil || string(b) != want {
		t.Errorf("json %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(ProblemFor(NotFound("refund")))
	if want := `{"type":"https://docs.payroc.com/api/errors#not-found","title":"Not found","status":404,"detail":"Resource not found: refund"}`; string(b) != want {
		t.Errorf("json %s\nwant %s", b, want)
	}
}

func TestInternalErrorsStayInside(t *testing.T) {
	const secret = "pq: password authentication failed for user ferry"
	for _, err := range []error{
		errors.New(secret),
		fmt.Errorf("store: %w", errors.New(secret)),
		Internal(errors.New(secret)),
		fmt.Errorf("core: %w", Internal(errors.New(secret))),
		&Error{Code: CodeInternal, Message: secret, Fields: []FieldError{{Parameter: secret}}, Instance: secret, Link: &Link{Href: secret}},
		nil,
	} {
		p := ProblemFor(err)
		if p.Status != 500 || p.Type != ProblemTypeBase+"api-error" || p.Title != "Api error" ||
			p.Detail != "We are unable to process your request at this time" || p.Errors != nil || p.Link != nil || p.Instance != "" {
			t.Errorf("%v became %+v", err, p)
		}
		b, _ := json.Marshal(p)
		if strings.Contains(string(b), "password") {
			t.Errorf("%v: the problem shows the cause: %s", err, b)
		}
	}
}

func TestProblemForUnknownCode(t *testing.T) {
	p := ProblemFor(&Error{Code: "no_such_code", Message: "m"})
	if p.Status != 500 || p.Slug() != "api-error" || HTTPStatus("no_such_code") != 500 || HTTPStatus("") != 500 {
		t.Errorf("unknown code became %+v", p)
	}
}

func TestCodeFor(t *testing.T) {
	for _, tc := range problemTable {
		for _, typ := range []string{ProblemTypeBase + tc.slug, "https://example.com/errors#" + tc.slug, "#" + tc.slug} {
			if got := CodeFor(tc.status, typ); got != tc.code {
				t.Errorf("CodeFor(%d, %q) = %s, want %s", tc.status, typ, got, tc.code)
			}
		}
		// ProblemFor and CodeFor are inverses.
		p := ProblemFor(&Error{Code: tc.code})
		if got := CodeFor(p.Status, p.Type); got != tc.code {
			t.Errorf("CodeFor(ProblemFor(%s)) = %s", tc.code, got)
		}
	}
	for _, tc := range []struct {
		status int
		typ    string
		want   Code
	}{
		// An unknown slug falls back to the first code for the status.
		{400, ProblemTypeBase + "capabilities-missing", CodeInvalid},
		{401, "", CodeUnauthorized},
		{403, "about:blank", CodeForbidden},
		{404, ProblemTypeBase + "gone", CodeNotFound},
		{409, ProblemTypeBase + "cannot-be-modified", CodeConflict},
		{409, "https://example.com/x", CodeConflict},
		{413, "", CodeTooLarge},
		{415, "", CodeUnsupportedMediaType},
		{429, "", CodeRateLimited},
		{500, ProblemTypeBase + "something-else", CodeInternal},
		{503, "", CodeUnavailable},
		// A known slug with the wrong status does not count.
		{400, ProblemTypeBase + "not-found", CodeInvalid},
		{500, ProblemTypeBase + "bad-request", CodeInternal},
		// An unknown status: client errors are invalid, server errors internal.
		{418, "", CodeInvalid},
		{422, ProblemTypeBase + "unprocessable", CodeInvalid},
		{502, "", CodeInternal},
		{504, ProblemTypeBase + "gateway-timeout", CodeInternal},
		{599, "", CodeInternal},
	} {
		if got := CodeFor(tc.status, tc.typ); got != tc.want {
			t.Errorf("CodeFor(%d, %q) = %s, want %s", tc.status, tc.typ, got, tc.want)
		}
	}
}

func TestProblemSlug(t *testing.T) {
	for typ, want := range map[string]string{
		ProblemTypeBase + "not-found":        "not-found",
		"https://example.com/a#b#c":          "b#c",
		"https://docs.payroc.com/api/errors": "",
		"":                                   "",
	} {
		if got := (&Problem{Type: typ}).Slug(); got != want {
			t.Errorf("Slug(%q) = %q, want %q", typ, got, want)
		}
	}
}

func TestErrorFromProblem(t *testing.T) {
	// Every code survives ProblemFor, JSON and ErrorFromProblem.
	for _, tc := range problemTable {
		e := &Error{Code: tc.code, Message: "m", Instance: "/v1/refund-instructions/a1",
			Fields: []FieldError{{Parameter: "order.amount", Detail: "not positive", Message: "order.amount must be greater than 0"}},
			Link:   &Link{Rel: "refund", Method: "GET", Href: "https://api.payroc.com/v1/refunds/M2MJOG6O2Y"}}
		p := ProblemFor(e)
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got := ErrorFromProblem(p.Status, body)
		want := &Error{Code: tc.code, Message: p.Detail, Fields: p.Errors, Link: p.Link, Instance: p.Instance}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", tc.code, got, want)
		}
		if tc.code != CodeInternal && (got.Message != "m" || got.Instance != e.Instance || len(got.Fields) != 1 || got.Link == nil) {
			t.Errorf("%s lost its details: %+v", tc.code, got)
		}
	}
}

func TestErrorFromProblemNotAProblem(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		code   Code
		msg    string
	}{
		{502, "<html>Bad Gateway</html>", CodeInternal, "the server answered 502 Bad Gateway"},
		{503, "", CodeUnavailable, "the server answered 503 Service Unavailable"},
		{404, "404 page not found\n", CodeNotFound, "the server answered 404 Not Found"},
		{400, `{"error":"bad"}`, CodeInvalid, "the server answered 400 Bad Request"},
		{409, `{"status":0,"detail":"x"}`, CodeConflict, "the server answered 409 Conflict"},
		{429, `[]`, CodeRateLimited, "the server answered 429 Too Many Requests"},
		{418, `null`, CodeInvalid, "the server answered 418 I'm a teapot"},
	} {
		got := ErrorFromProblem(tc.status, []byte(tc.body))
		if got.Code != tc.code || got.Message != tc.msg || got.Fields != nil || got.Link != nil || got.Instance != "" {
			t.Errorf("ErrorFromProblem(%d, %q) = %+v, want %s %q", tc.status, tc.body, got, tc.code, tc.msg)
		}
	}
	// The HTTP status decides, not the status written in the body.
	body := `{"type":"https://docs.payroc.com/api/errors#not-found","title":"Not found","status":404,"detail":"Resource not found"}`
	if got := ErrorFromProblem(409, []byte(body)); got.Code != CodeConflict || got.Message != "Resource not found" {
		t.Errorf("mismatched status: %+v", got)
	}
	// A Payroc slug Ferry does not use falls back to the status's first code.
	body = `{"type":"https://docs.payroc.com/api/errors#capabilities-missing","title":"Capabilities missing","status":400,"detail":"d",` +
		`"errors":[{"parameter":"processingTerminalId","message":"m"}]}`
	got := ErrorFromProblem(400, []byte(body))
	if got.Code != CodeInvalid || got.Message != "d" || len(got.Fields) != 1 || got.Fields[0].Parameter != "processingTerminalId" {
		t.Errorf("capabilities-missing: %+v", got)
	}
}

// TestUnknownCodeIsInternal: an error with a code outside the table shows
// nothing of itself.
func TestUnknownCodeIsInternal(t *testing.T) {
	p := ProblemFor(&Error{Code: "bogus", Message: "secret detail", Fields: []FieldError{{Parameter: "x"}}})
	if p.Status != 500 || p.Detail == "secret detail" || p.Errors != nil {
		t.Errorf("unknown code rendered as %+v", p)
	}
}
