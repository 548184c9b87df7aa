package contract

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"mime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// CheckResponse fails the test (with t.Errorf) unless body satisfies what
// Payroc's OpenAPI file declares for that response: path is the path
// template relative to /v1, method is matched in any case, status is looked
// up as its own key, then as "4XX"-style ranges, then as "default", and
// contentType may carry parameters (charset). The failure lists every
// violation by JSON pointer and shows the body. A response the file
// declares without content must have an empty body.
func (s *Spec) CheckResponse(t testing.TB, path, method string, status int, contentType string, body []byte) {
	t.Helper()
	err := s.ValidateResponse(path, method, status, contentType, body)
	if err == nil {
		return
	}
	what := fmt.Sprintf("%s /v1%s → %d %s", strings.ToUpper(method), path, status, contentType)
	var v Violations
	if errors.As(err, &v) {
		t.Errorf("%s: the body does not match Payroc's schema:\n%v\nbody: %s", what, v, clip(body))
		return
	}
	t.Errorf("%s: %v\nbody: %s", what, err, clip(body))
}

// ValidateResponse is CheckResponse without the test: it returns
// Violations if body breaks the response's schema, and another error if
// the file declares no such response or content type, or body is not JSON.
func (s *Spec) ValidateResponse(path, method string, status int, contentType string, body []byte) error {
	op, keys, err := s.operation(path, method)
	if err != nil {
		return err
	}
	code, resp, err := response(op, status)
	if err != nil {
		return err
	}
	keys = append(keys, "responses", code)
	if _, ok := resp["content"]; !ok {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("response %s is declared without a body, got %d bytes", code, len(body))
		}
		return nil
	}
	ct, err := mediaType(resp, contentType)
	if err != nil {
		return fmt.Errorf("response %s: %w", code, err)
	}
	sch, err := s.schemaAt(forResponse, append(keys, "content", ct, "schema")...)
	if err != nil {
		return err
	}
	return validate(sch, body)
}

// ValidateRequest reports whether body satisfies the application/json
// requestBody schema of the operation. It returns Violations if it does
// not, and another error if the operation has no such request body or body
// is not JSON. Members whose schema is readOnly are ignored.
func (s *Spec) ValidateRequest(path, method string, body []byte) error {
	_, keys, err := s.operation(path, method)
	if err != nil {
		return err
	}
	sch, err := s.schemaAt(forRequest, append(keys, "requestBody", "content", "application/json", "schema")...)
	if err != nil {
		return err
	}
	return validate(sch, body)
}

// operation finds the operation object and the keys that lead to it.
func (s *Spec) operation(path, method string) (map[string]any, []string, error) {
	item, ok := lookup(s.doc, "paths", path)
	if !ok {
		return nil, nil, fmt.Errorf("no path %q in Payroc's OpenAPI file (paths are relative to /v1)", path)
	}
	method = strings.ToLower(method)
	op, ok := lookup(item, method)
	m, isMap := op.(map[string]any)
	if !ok || !isMap {
		return nil, nil, fmt.Errorf("no %s operation on %s in Payroc's OpenAPI file", strings.ToUpper(method), path)
	}
	return m, []string{"paths", path, method}, nil
}

// response picks the response object for status: exact code, range, then
// default.
func response(op map[string]any, status int) (string, map[string]any, error) {
	responses, _ := op["responses"].(map[string]any)
	for _, code := range []string{strconv.Itoa(status), strconv.Itoa(status/100) + "XX", "default"} {
		if r, ok := responses[code].(map[string]any); ok {
			return code, r, nil
		}
	}
	declared := slices.Sorted(maps.Keys(responses))
	return "", nil, fmt.Errorf("no response %d declared for this operation (declared: %s)", status, strings.Join(declared, ", "))
}

// mediaType finds the declared content type matching contentType, ignoring
// parameters and case.
func mediaType(resp map[string]any, contentType string) (string, error) {
	content, _ := resp["content"].(map[string]any)
	want, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		want = strings.ToLower(strings.TrimSpace(contentType))
	}
	for ct := range content {
		if strings.EqualFold(ct, want) {
			return ct, nil
		}
	}
	declared := slices.Sorted(maps.Keys(content))
	return "", fmt.Errorf("content type %q is not declared (declared: %s)", contentType, strings.Join(declared, ", "))
}

// validate checks body against sch. JSON text must be UTF-8 (RFC 8259),
// which encoding/json does not enforce: it replaces invalid bytes.
func validate(sch *jsonschema.Schema, body []byte) error {
	if !utf8.Valid(body) {
		return errors.New("the body is not JSON: it is not valid UTF-8")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return violations(ve)
		}
		return err
	}
	return nil
}

// clip shortens a body for a test message.
func clip(body []byte) string {
	const max = 4096
	if len(body) <= max {
		return string(body)
	}
	return string(body[:max]) + fmt.Sprintf("… (%d bytes in all)", len(body))
}
