package contract_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ferrygateway/ferry/internal/contract"
)

const (
	submit      = "/devices/{serialNumber}/refund-instructions"
	instruction = "/refund-instructions/{refundInstructionId}"
	refund      = "/refunds/{refundId}"
	devices     = "/devices"

	jsonType    = "application/json"
	problemType = "application/problem+json"
)

func TestLoad(t *testing.T) {
	s := contract.Load(t)
	t.Logf("read %s in %v", s.File(), s.LoadTime())
	if s != contract.Load(t) {
		t.Error("a second Load read the file again")
	}
	if filepath.Base(s.File()) != "payroc-openapi-spec.yaml" || !filepath.IsAbs(s.File()) {
		t.Errorf("File() = %q", s.File())
	}
	for _, p := range []string{submit, instruction, refund, devices} {
		if _, err := s.Node("paths", p); err != nil {
			t.Error(err)
		}
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := contract.Open(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(absent) = %v, want an error matching fs.ErrNotExist (which Load turns into a skip)", err)
	}
}

// TestSpecExamples: the examples Payroc gives for Ferry's endpoints satisfy
// their own schemas as this package reads them.
func TestSpecExamples(t *testing.T) {
	s := contract.Load(t)
	for _, tc := range []struct {
		path, method string
		status       int
		contentType  string
		names        []string
	}{
		{submit, "post", 202, jsonType, []string{"refundInstruction"}},
		{submit, "post", 400, problemType, []string{"idempotentKeyMissing", "validationError"}},
		{instruction, "get", 200, jsonType, []string{"refundInstruction"}},
		{instruction, "get", 400, problemType, []string{"badRequest"}},
		{instruction, "delete", 400, problemType, []string{"badRequest"}},
		{instruction, "delete", 409, problemType, []string{"refundInstructionCompleted", "refundInstructionFailed"}},
		{refund, "get", 200, jsonType, []string{"refundResponse"}},
		{refund, "get", 400, problemType, []string{"badRequest"}},
	} {
		examples, err := s.Examples(tc.path, tc.method, tc.status, tc.contentType)
		if err != nil {
			t.Errorf("%s %s %d: %v", tc.method, tc.path, tc.status, err)
			continue
		}
		if got := slices.Sorted(maps.Keys(examples)); !slices.Equal(got, tc.names) {
			t.Errorf("%s %s %d: examples %q, want %q", tc.method, tc.path, tc.status, got, tc.names)
		}
		for _, name := range tc.names {
			if body := examples[name]; body != nil {
				s.CheckResponse(t, tc.path, tc.method, tc.status, tc.contentType, body)
			}
		}
	}
	// The cancel conflicts are the cannot-be-canceled problem.
	examples, _ := s.Examples(instruction, "delete", 409, problemType)
	for name, body := range examples {
		var p struct{ Type string }
		if json.Unmarshal(body, &p); !strings.HasSuffix(p.Type, "#cannot-be-canceled") {
			t.Errorf("409 example %s has type %q", name, p.Type)
		}
	}
}

// knownBadExamples are examples in Payroc's file that break their own
// schema; none concerns Ferry's endpoints.
var knownBadExamples = map[string]string{
	"get /terminal-orders/{terminalOrderId} 200 application/json terminalOrder": "lacks the required createdDate and lastModifiedDate",
}

// TestEveryExampleInTheFile checks the reading against all of Payroc's
// examples, requests and responses, in every operation.
func TestEveryExampleInTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every schema in the file")
	}
	s := contract.Load(t)
	var paths map[string]map[string]json.RawMessage
	decode(t, s, &paths, "paths")
	checked, bad := 0, 0
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		for _, method := range slices.Sorted(maps.Keys(paths[path])) {
			var op struct {
				RequestBody *json.RawMessage
				Responses   map[string]struct{ Content map[string]json.RawMessage }
			}
			if err := json.Unmarshal(paths[path][method], &op); err != nil || op.Responses == nil {
				continue // parameters, summary and such
			}
			if op.RequestBody != nil {
				examples, _ := s.RequestExamples(path, method)
				for name, body := range examples {
					checked++
					if err := s.ValidateRequest(path, method, body); err != nil {
						bad++
						t.Errorf("%s %s request example %s: %v", method, path, name, err)
					}
				}
			}
			for code, resp := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue // "default"
				}
				for ct := range resp.Content {
					examples, err := s.Examples(path, method, status, ct)
					if err != nil {
						t.Fatal(err)
					}
					for name, body := range examples {
						checked++
						key := fmt.Sprintf("%s %s %s %s %s", method, path, code, ct, name)
						err := s.ValidateResponse(path, method, status, ct, body)
						if _, known := knownBadExamples[key]; known != (err != nil) {
							bad++
							t.Errorf("%s: known bad %v, got %v", key, known, err)
						}
					}
				}
			}
		}
	}
	t.Logf("checked %d examples", checked)
	if checked < 1000 {
		t.Errorf("only %d examples found; the walk is broken", checked)
	}
}

// Valid bodies to break, each a JSON object.
const (
	goodInstruction = `{"refundInstructionId":"a37439165d134678a9100ebba3b29597","status":"completed",
		"link":{"rel":"refund","method":"GET","href":"https://api.payroc.com/v1/refunds/CD3HN88U9F"}}`
	goodRefund = `{"refundId":"CD3HN88U9F","processingTerminalId":"1234001",
		"order":{"orderId":"OrderRef6543","dateTime":"2024-07-02T15:30:00Z","description":"Refund","amount":4999,"currency":"USD"},
		"card":{"type":"Visa Credit","entryMethod":"keyed","cardNumber":"453985******7062","expiryDate":"1230"},
		"transactionResult":{"type":"refund","status":"ready","approvalCode":"000000","authorizedAmount":-4999,"currency":"USD","responseCode":"A","responseMessage":"OK5"}}`
	goodProblem = `{"type":"https://docs.payroc.com/api/errors#cannot-be-canceled","title":"Cannot be canceled","status":409,
		"detail":"You cannot cancel this resource in its current state","errors":[{"parameter":"refundInstructionId","message":"Failed instruction cannot be canceled"}]}`
)

// TestBrokenResponsesFail: each broken body fails, at the right place,
// while the body it was made from passes.
func TestBrokenResponsesFail(t *testing.T) {
	s := contract.Load(t)
	for _, tc := range []struct {
		name, path, method string
		status             int
		contentType        string
		good               string
		edit               func(map[string]any)
		at                 string // JSON pointer of the expected violation
	}{
		{"instruction without status", instruction, "get", 200, jsonType, goodInstruction,
			func(m map[string]any) { delete(m, "status") }, ""},
		{"status done", instruction, "get", 200, jsonType, goodInstruction,
			func(m map[string]any) { m["status"] = "done" }, "/status"},
		{"202 without status", submit, "post", 202, jsonType, goodInstruction,
			func(m map[string]any) { delete(m, "status") }, ""},
		{"instruction id of 37", instruction, "get", 200, jsonType, goodInstruction,
			func(m map[string]any) { m["refundInstructionId"] = strings.Repeat("a", 37) }, "/refundInstructionId"},
		{"link without href", instruction, "get", 200, jsonType, goodInstruction,
			func(m map[string]any) { delete(m["link"].(map[string]any), "href") }, "/link"},
		{"refundId of 9", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["refundId"] = "CD3HN88U9" }, "/refundId"},
		{"refundId of 11", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["refundId"] = "CD3HN88U9FX" }, "/refundId"},
		{"transactionResult without responseCode", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { delete(m["transactionResult"].(map[string]any), "responseCode") }, "/transactionResult"},
		{"date-time without offset", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["order"].(map[string]any)["dateTime"] = "2024-07-02 15:30" }, "/order/dateTime"},
		{"date-time without zone", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["order"].(map[string]any)["dateTime"] = "2024-07-02T15:30:00" }, "/order/dateTime"},
		{"amount as a string", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["order"].(map[string]any)["amount"] = "4999" }, "/order/amount"},
		{"amount beyond int64", refund, "get", 200, jsonType, goodRefund,
			func(m map[string]any) { m["order"].(map[string]any)["amount"] = json.Number("9223372036854775808") }, "/order/amount"},
		{"problem without title", instruction, "delete", 409, problemType, goodProblem,
			func(m map[string]any) { delete(m, "title") }, ""},
		{"problem status as a string", instruction, "delete", 409, problemType, goodProblem,
			func(m map[string]any) { m["status"] = "409" }, "/status"},
		{"400 problem without detail", submit, "post", 400, problemType, goodProblem,
			func(m map[string]any) { delete(m, "detail") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.ValidateResponse(tc.path, tc.method, tc.status, tc.contentType, []byte(tc.good)); err != nil {
				t.Fatalf("the unbroken body fails:\n%v", err)
			}
			var m map[string]any
			d := json.NewDecoder(strings.NewReader(tc.good))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			body, _ := json.Marshal(m)
			err := s.ValidateResponse(tc.path, tc.method, tc.status, tc.contentType, body)
			var v contract.Violations
			if !errors.As(err, &v) {
				t.Fatalf("got %v, want Violations for %s", err, body)
			}
			if !v.At(tc.at) {
				t.Errorf("no violation at %q:\n%v", tc.at, v)
			}
		})
	}
}

// recorder is a testing.TB that keeps what CheckResponse reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckResponseReports(t *testing.T) {
	s := contract.Load(t)
	for _, tc := range []struct {
		name, path, method string
		status             int
		contentType, body  string
		want               []string // in the message; nil: no failure
	}{
		{"valid", instruction, "get", 200, jsonType, goodInstruction, nil},
		{"charset parameter", instruction, "GET", 200, "application/json; charset=utf-8", goodInstruction, nil},
		{"two problems", instruction, "get", 200, jsonType, `{"status":"done","link":{"rel":1}}`,
			[]string{"GET /v1/refund-instructions/{refundInstructionId} → 200", "(body): missing property 'refundInstructionId'", "/status: value must be one of", "/link/rel: got number, want string", `body: {"status":"done"`}},
		{"no content declared", instruction, "delete", 204, "", ``, nil},
		{"body where none is declared", instruction, "delete", 204, jsonType, `{}`, []string{"declared without a body"}},
		{"undeclared status", instruction, "delete", 200, jsonType, `{}`, []string{"no response 200", "204"}},
		{"undeclared content type", instruction, "get", 200, "text/plain", goodInstruction, []string{`content type "text/plain" is not declared`}},
		{"unknown path", "/v1/refunds/{refundId}", "get", 200, jsonType, goodRefund, []string{"no path"}},
		{"not JSON", instruction, "get", 200, jsonType, `{"status":`, []string{"not JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			s.CheckResponse(r, tc.path, tc.method, tc.status, tc.contentType, []byte(tc.body))
			if tc.want == nil {
				if len(r.errors) > 0 {
					t.Errorf("unexpected failure: %s", r.errors)
				}
				return
			}
			if len(r.errors) != 1 {
				t.Fatalf("%d failures, want 1: %q", len(r.errors), r.errors)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errors[0], w) {
					t.Errorf("message lacks %q:\n%s", w, r.errors[0])
				}
			}
		})
	}
}

// exampleRequest is Payroc's own request example.
const exampleRequest = `{"operator":"Jane","processingTerminalId":"1234001",
	"order":{"orderId":"OrderRef6543","description":"Refund for order OrderRef6543","amount":4999,"currency":"USD"},
	"customizationOptions":{"entryMethod":"manualEntry"}}`

func TestValidateRequest(t *testing.T) {
	s := contract.Load(t)
	examples, err := s.RequestExamples(submit, "post")
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, examples["refundInstructionRequest"], []byte(exampleRequest)) {
		t.Errorf("Payroc's example is %s", examples["refundInstructionRequest"])
	}
	if err := s.ValidateRequest(submit, "post", []byte(exampleRequest)); err != nil {
		t.Fatalf("Payroc's example fails:\n%v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		valid bool
		at    string
	}{
		{"terminal id of 3", func(m map[string]any) { m["processingTerminalId"] = "123" }, false, "/processingTerminalId"},
		{"terminal id of 4", func(m map[string]any) { m["processingTerminalId"] = "1234" }, true, ""},
		{"no description", func(m map[string]any) { delete(order(m), "description") }, false, "/order"},
		{"no orderId", func(m map[string]any) { delete(order(m), "orderId") }, false, "/order"},
		{"currency usd", func(m map[string]any) { order(m)["currency"] = "usd" }, false, "/order/currency"},
		{"amount as a string", func(m map[string]any) { order(m)["amount"] = "4999" }, false, "/order/amount"},
		{"amount 49.99", func(m map[string]any) { order(m)["amount"] = json.Number("49.99") }, false, "/order/amount"},
		{"amount beyond int64", func(m map[string]any) { order(m)["amount"] = json.Number("9223372036854775808") }, false, "/order/amount"},
		{"amount 4999.0", func(m map[string]any) { order(m)["amount"] = json.Number("4999.0") }, true, ""},
		{"entry method bogus", func(m map[string]any) { m["customizationOptions"] = map[string]any{"entryMethod": "tap"} }, false, "/customizationOptions/entryMethod"},
		{"impossible date of birth", func(m map[string]any) { m["customer"] = map[string]any{"dateOfBirth": "1990-02-30"} }, false, "/customer/dateOfBirth"},
		{"date of birth", func(m map[string]any) { m["customer"] = map[string]any{"dateOfBirth": "1990-02-28"} }, true, ""},
		{"contact method of no kind", func(m map[string]any) {
			m["customer"] = map[string]any{"contactMethods": []any{map[string]any{"type": "pager", "value": "1"}}}
		}, false, "/customer/contactMethods/0/type"},
		// order.dateTime is readOnly: ignored in requests, whatever it holds.
		{"read-only dateTime, malformed", func(m map[string]any) { order(m)["dateTime"] = "2024-07-02 15:30" }, true, ""},
		{"read-only dateTime, a number", func(m map[string]any) { order(m)["dateTime"] = 12 }, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			d := json.NewDecoder(strings.NewReader(exampleRequest))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			body, _ := json.Marshal(m)
			err := s.ValidateRequest(submit, "post", body)
			if tc.valid {
				if err != nil {
					t.Errorf("%s rejected:\n%v", body, err)
				}
				return
			}
			var v contract.Violations
			if !errors.As(err, &v) {
				t.Fatalf("%s: got %v, want Violations", body, err)
			}
			if !v.At(tc.at) {
				t.Errorf("%s: no violation at %q:\n%v", body, tc.at, v)
			}
		})
	}
}

// TestReadOnlyOnlyInRequests: the response schema still checks the
// dateTime the request schema ignores.
func TestReadOnlyOnlyInRequests(t *testing.T) {
	s := contract.Load(t)
	body := strings.Replace(goodRefund, "2024-07-02T15:30:00Z", "2024-07-02 15:30", 1)
	if err := s.ValidateResponse(refund, "get", 200, jsonType, []byte(body)); err == nil {
		t.Error("a malformed order.dateTime passed in a response")
	}
}

func TestValidateRequestErrors(t *testing.T) {
	s := contract.Load(t)
	var v contract.Violations
	for _, tc := range []struct{ path, method, body string }{
		{submit, "get", exampleRequest},
		{"/nowhere", "post", exampleRequest},
		{instruction, "get", exampleRequest}, // no request body
		{submit, "post", `{"order":`},
	} {
		if err := s.ValidateRequest(tc.path, tc.method, []byte(tc.body)); err == nil || errors.As(err, &v) {
			t.Errorf("ValidateRequest(%s, %s, %.20s) = %v, want a non-Violations error", tc.path, tc.method, tc.body, err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	s := contract.Load(b)
	for b.Loop() {
		if _, err := contract.Open(s.File()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequest(b *testing.B) {
	s := contract.Load(b)
	body := []byte(exampleRequest)
	for b.Loop() {
		if err := s.ValidateRequest(submit, "post", body); err != nil {
			b.Fatal(err)
		}
	}
}

func order(m map[string]any) map[string]any { return m["order"].(map[string]any) }

func decode(t *testing.T, s *contract.Spec, dst any, keys ...string) {
	t.Helper()
	b, err := s.Node(keys...)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		t.Fatal(err)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// small is an OpenAPI file with what Payroc's does not have today: an
// unquoted status code, a $ref, a readOnly member under components, a
// range status, an int32 format, a timestamp and a number beyond int64.
const small = `openapi: 3.1.0
info: {title: small, version: "1"}
paths:
  /things/{id}:
    get:
      responses:
        200:
          description: a thing
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/thing'
              examples:
                one:
                  value: {id: abc, at: 2024-07-02T15:30:00Z, big: 12345678901234567890}
        4XX:
          description: a problem
          content:
            application/problem+json:
              schema: {type: object, required: [title]}
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/thing'}
      responses:
        '204': {description: created}
  /elsewhere:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: 'other.yaml#/thing'}
      responses:
        '204': {description: created}
components:
  schemas:
    thing:
      type: object
      required: [id, at]
      discriminator: {propertyName: id}
      xml: {name: thing}
      externalDocs: {url: 'https://example.com'}
      properties:
        id: {type: string, readOnly: true, example: abc}
        at: &dateTime {type: string, format: date-time}
        also: *dateTime
        count: {type: integer, format: int32}
        big: {type: integer}
`

func TestOpenSmallFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "small.yaml")
	if err := os.WriteFile(file, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := contract.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := s.Examples("/things/{id}", "GET", 200, jsonType)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"at":"2024-07-02T15:30:00Z","big":12345678901234567890,"id":"abc"}`; string(examples["one"]) != want {
		t.Errorf("example %s, want %s", examples["one"], want)
	}
	for _, tc := range []struct {
		name    string
		request bool
		status  int
		ct      string
		body    string
		valid   bool
	}{
		{"example through $ref", false, 200, jsonType, string(examples["one"]), true},
		{"readOnly id required in a response", false, 200, jsonType, `{"at":"2024-07-02T15:30:00Z"}`, false},
		{"aliased format", false, 200, jsonType, `{"id":"a","at":"2024-07-02T15:30:00Z","also":"2024-07-02"}`, false},
		{"range status", false, 404, problemType, `{"title":"Not found"}`, true},
		{"range status, broken", false, 404, problemType, `{}`, false},
		{"readOnly id not required in a request", true, 0, "", `{"at":"2024-07-02T15:30:00Z"}`, true},
		{"readOnly id ignored in a request", true, 0, "", `{"id":5,"at":"2024-07-02T15:30:00Z"}`, true},
		{"date-time without zone", true, 0, "", `{"at":"2024-07-02T15:30:00"}`, false},
		{"int32 at its limit", true, 0, "", `{"at":"2024-07-02T15:30:00Z","count":2147483647}`, true},
		{"int32 beyond its limit", true, 0, "", `{"at":"2024-07-02T15:30:00Z","count":2147483648}`, false},
		{"integer beyond int64 without a format", true, 0, "", `{"at":"2024-07-02T15:30:00Z","big":1e30}`, true},
		{"invalid UTF-8", true, 0, "", "{\"at\":\"2024-07-02T15:30:00Z\",\"x\":\"\xff\"}", false},
	} {
		var err error
		if tc.request {
			err = s.ValidateRequest("/things/{id}", "post", []byte(tc.body))
		} else {
			err = s.ValidateResponse("/things/{id}", "get", tc.status, tc.ct, []byte(tc.body))
		}
		if (err == nil) != tc.valid {
			t.Errorf("%s: %s gives %v, want valid %v", tc.name, tc.body, err, tc.valid)
		}
	}
	if err := s.ValidateRequest("/elsewhere", "post", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "other.yaml#/thing") {
		t.Errorf("a $ref to another file gave %v", err)
	}
}

// TestLoadSkipsWithoutTheFile runs this test binary again in a module
// that has no ../shared beside it.
func TestLoadSkipsWithoutTheFile(t *testing.T) {
	if os.Getenv("CONTRACT_SKIP_CHILD") != "" {
		contract.Load(t)
		t.Fatal("Load returned without the file")
	}
	dir := filepath.Join(t.TempDir(), "repo")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadSkipsWithoutTheFile$", "-test.v")
	cmd.Dir = filepath.Join(dir, "sub")
	cmd.Env = append(os.Environ(), "CONTRACT_SKIP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := filepath.Join(filepath.Dir(dir), "shared", "payroc", "payroc-openapi-spec.yaml")
	if !strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), want) ||
		!strings.Contains(string(out), "beside the repository") || strings.Count(string(out), "contract tests skipped") != 1 {
		t.Errorf("output does not show one skip naming %s:\n%s", want, out)
	}
}

// TestClosestBranch: a value that fails a oneOf is reported against the
// branch it came closest to.
func TestClosestBranch(t *testing.T) {
	s := contract.Load(t)
	body := strings.Replace(exampleRequest, `"operator"`,
		`"customer":{"contactMethods":[{"type":"email","value":"`+strings.Repeat("a", 51)+`"}]},"operator"`, 1)
	err := s.ValidateRequest(submit, "post", []byte(body))
	want := contract.Violations{{Location: "/customer/contactMethods/0/value", Message: "maxLength: got 51, want 50"}}
	var got contract.Violations
	if !errors.As(err, &got) || !slices.Equal(got, want) {
		t.Errorf("got %#v, want %#v", err, want)
	}
}

// TestConcurrentUse compiles and validates from many goroutines at once,
// for the race detector.
func TestConcurrentUse(t *testing.T) {
	s := contract.Load(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := s.ValidateRequest(submit, "post", []byte(exampleRequest)); err != nil {
				t.Error(err)
			}
			status := []int{401, 403, 404, 406, 500, 409, 415, 400}[i]
			if err := s.ValidateResponse(submit, "post", status, problemType, []byte(goodProblem)); err != nil {
				t.Errorf("%d: %v", status, err)
			}
		})
	}
	wg.Wait()
}
