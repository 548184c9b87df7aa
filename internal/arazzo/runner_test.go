package arazzo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const testSpec = `openapi: 3.1.0
info: {title: Things, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths:
  /devices/{serialNumber}/things:
    post:
      operationId: sendThing
      parameters:
        - {name: serialNumber, in: path, required: true, schema: {type: string}}
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}
      responses: {"202": {description: accepted}}
  /things/{thingId}:
    parameters:
      - {name: thingId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      responses: {"200": {description: ok}}
  /results/{resultId}:
    get:
      operationId: getResult
      parameters:
        - {name: resultId, in: path, required: true, schema: {type: string}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses: {"200": {description: ok}}
`

const testWorkflow = `arazzo: 1.0.1
info: {title: Things, version: "1"}
sourceDescriptions:
  - {name: api, url: ./does-not-exist.yaml, type: openapi}
workflows:
  - workflowId: do-thing
    inputs:
      type: object
      required: [key, serial, amount]
      properties:
        key: {type: string}
        serial: {type: string}
        amount: {type: integer}
        operator: {type: string}
        tag: {type: string}
        note: {type: string}
        resultId: {type: string}
    steps:
      - stepId: send
        operationId: sendThing
        parameters:
          - {name: serialNumber, in: path, value: $inputs.serial}
          - {name: Idempotency-Key, in: header, value: $inputs.key}
          - {name: X-Note, in: header, value: $inputs.note}
        requestBody:
          contentType: application/json
          payload:
            operator: $inputs.operator
            order:
              amount: $inputs.amount
              description: Order {$inputs.serial}
            tags: [$inputs.tag, fixed]
            autoCapture: true
        successCriteria:
          - condition: $statusCode == 202
          - condition: $response.body#/status == "inProgress"
        outputs:
          id: $response.body#/thingId
          requestId: $response.header.x-request-id
      - stepId: poll
        operationId: getThing
        parameters:
          - {name: thingId, in: path, value: $steps.send.outputs.id}
        successCriteria:
          - condition: $statusCode == 200
          - condition: $response.body#/status == "completed"
        outputs:
          status: $response.body#/status
          link: $response.body#/link/href
      - stepId: result
        operationId: getResult
        parameters:
          - {name: resultId, in: path, value: $inputs.resultId}
          - {name: verbose, in: query, value: $inputs.verbose}
        successCriteria:
          - condition: $statusCode == 200
          - condition: $response.body#/amount == 4999
        outputs:
          amount: $response.body#/amount
          order: $response.body#/order
    outputs:
      id: $steps.send.outputs.id
      status: $steps.poll.outputs.status
      amount: $steps.result.outputs.amount
`

// fake is a server for testWorkflow. Each GET of the thing answers
// inProgress until pending runs out, then finalStatus.
type fake struct {
	mu          sync.Mutex
	pending     int
	finalStatus string
	sendStatus  int
	requests    []string // method and path (with query), in order
	headers     []http.Header
	bodies      []string
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	f.headers = append(f.headers, r.Header.Clone())
	f.bodies = append(f.bodies, string(body))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", fmt.Sprint(len(f.requests)))
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/devices/1850010868/things":
		status := f.sendStatus
		if status == 0 {
			status = 202
		}
		w.WriteHeader(status)
		fmt.Fprint(w, `{"thingId":"t 1","status":"inProgress"}`)
	case r.Method == "GET" && r.URL.Path == "/v1/things/t 1":
		if f.pending > 0 {
			f.pending--
			fmt.Fprint(w, `{"status":"inProgress"}`)
			return
		}
		fmt.Fprintf(w, `{"status":%q,"link":{"rel":"result","href":"https://api.example.com/v1/results/R1"}}`, f.finalStatus)
	case r.Method == "GET" && r.URL.Path == "/v1/results/R1":
		fmt.Fprint(w, `{"amount":4999,"order":{"id":"o1","tags":["a"]}}`)
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"title":"not found"}`)
	}
}

func (f *fake) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func load(t *testing.T, workflow string) *Document {
	t.Helper()
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse([]byte(workflow), spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// start runs a fake server and returns a Runner for it that polls the
// thing and reads the result id from its link.
func start(t *testing.T, f *fake) *Runner {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Runner{
		BaseURL:     srv.URL + "/v1/",
		Client:      srv.Client(),
		Header:      http.Header{"Authorization": {"Bearer tok"}},
		RepeatWhile: RepeatInProgress("poll"),
		BeforeStep:  InputFromLink("result", "resultId", "poll", "link"),
	}
}

func inputs(extra ...any) map[string]any {
	in := map[string]any{"key": "f32c9ad6-c97f-4998-9356-f3b6718b1b68", "serial": "1850010868", "amount": 4999}
	for i := 0; i+1 < len(extra); i += 2 {
		in[extra[i].(string)] = extra[i+1]
	}
	return in
}

func TestArazzoRun(t *testing.T) {
	d := load(t, testWorkflow)
	f := &fake{pending: 2, finalStatus: "completed"}
	r := start(t, f)
	given := inputs()
	res, err := r.Run(context.Background(), d, "do-thing", given)
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Trace())
	}
	want := map[string]any{"id": "t 1", "status": "completed", "amount": int64(4999)}
	if !reflect.DeepEqual(res.Outputs, want) {
		t.Errorf("outputs = %#v, want %#v", res.Outputs, want)
	}
	if got := res.Steps["send"]["requestId"]; got != "1" {
		t.Errorf("$response.header.x-request-id = %#v, want \"1\"", got)
	}
	if got, want := res.Steps["result"]["order"], map[string]any{"id": "o1", "tags": []any{"a"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("object output = %#v, want %#v", got, want)
	}
	if _, ok := given["resultId"]; ok {
		t.Error("BeforeStep changed the caller's inputs map")
	}

	wantCalls := []string{"POST /v1/devices/1850010868/things", "GET /v1/things/t%201", "GET /v1/things/t%201", "GET /v1/things/t%201", "GET /v1/results/R1"}
	if got := f.calls(); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("server saw %q, want %q (no verbose query: its input was not given)", got, wantCalls)
	}
	if len(res.Calls) != len(wantCalls) || res.Calls[3].Step != "poll" || res.Calls[3].Attempt != 3 || res.Calls[3].Status != 200 ||
		res.Calls[0].Method != "POST" || !strings.HasSuffix(res.Calls[0].URL, "/v1/devices/1850010868/things") {
		t.Errorf("trace:\n%s", res.Trace())
	}

	h := f.headers[0]
	if h.Get("Idempotency-Key") != given["key"] || h.Get("Authorization") != "Bearer tok" || h.Get("Content-Type") != "application/json" {
		t.Errorf("POST headers = %v", h)
	}
	if _, ok := h["X-Note"]; ok {
		t.Errorf("X-Note sent although its input was not given: %v", h)
	}
	if got, want := f.bodies[0], `{"autoCapture":true,"order":{"amount":4999,"description":"Order 1850010868"},"tags":["fixed"]}`; got != want {
		t.Errorf("body = %s, want %s (operator and the tag left out)", got, want)
	}
	if f.bodies[1] != "" || f.headers[1].Get("Content-Type") != "" || f.headers[1].Get("Authorization") != "Bearer tok" {
		t.Errorf("GET sent body %q, headers %v", f.bodies[1], f.headers[1])
	}
}

func TestArazzoRunGivenOptionalInputs(t *testing.T) {
	d := load(t, testWorkflow)
	f := &fake{finalStatus: "completed"}
	r := start(t, f)
	_, err := r.Run(context.Background(), d, "do-thing", inputs("operator", "Jane", "tag", "t", "note", "n", "verbose", true))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.bodies[0], `{"autoCapture":true,"operator":"Jane","order":{"amount":4999,"description":"Order 1850010868"},"tags":["t","fixed"]}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if f.headers[0].Get("X-Note") != "n" {
		t.Errorf("X-Note = %q", f.headers[0].Get("X-Note"))
	}
	if got := f.calls()[2]; got != "GET /v1/results/R1?verbose=true" {
		t.Errorf("result request = %s", got)
	}
}

func TestArazzoRunFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fake   *fake
		runner func(r *Runner)
		inputs map[string]any
		step   string   // the step the error names; "" for none
		want   []string // in the error text
		calls  int      // requests sent
	}{
		{
			name: "status code", fake: &fake{sendStatus: 500},
			step: "send", want: []string{"criterion 1 not met: $statusCode == 202", "→ 500", `"thingId"`}, calls: 1,
		},
		{
			name: "body value", fake: &fake{finalStatus: "failure"},
			step: "poll", want: []string{`criterion 2 not met: $response.body#/status == "completed"`, `{"status":"failure"`}, calls: 2,
		},
		{
			name: "repeat bounded", fake: &fake{pending: 100, finalStatus: "completed"},
			runner: func(r *Runner) { r.MaxAttempts = 3 },
			step:   "poll", want: []string{"still repeating after 3 attempts", `{"status":"inProgress"}`}, calls: 4,
		},
		{
			name: "path input not given", fake: &fake{finalStatus: "completed"},
			runner: func(r *Runner) { r.BeforeStep = nil },
			step:   "result", want: []string{`path parameter resultId: input "resultId" not given`}, calls: 2,
		},
		{
			name: "hook fails", fake: &fake{finalStatus: "completed"},
			runner: func(r *Runner) { r.BeforeStep = InputFromLink("result", "resultId", "poll", "href") },
			step:   "result", want: []string{"before the step: input resultId: step poll gave no link as output href"}, calls: 2,
		},
		{
			name: "required input", fake: &fake{}, inputs: map[string]any{"key": "k", "amount": 1},
			want: []string{"required inputs not given: serial"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, testWorkflow)
			r := start(t, tc.fake)
			if tc.runner != nil {
				tc.runner(r)
			}
			in := tc.inputs
			if in == nil {
				in = inputs()
			}
			res, err := r.Run(context.Background(), d, "do-thing", in)
			if err == nil {
				t.Fatalf("no error\n%s", res.Trace())
			}
			var se *StepError
			if errors.As(err, &se) != (tc.step != "") || (se != nil && se.Step != tc.step) {
				t.Errorf("error %v: want a StepError for step %q", err, tc.step)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if got := len(tc.fake.calls()); got != tc.calls || len(res.Calls) != tc.calls {
				t.Errorf("%d requests sent, %d traced; want %d\n%s", got, len(res.Calls), tc.calls, res.Trace())
			}
			if res.Outputs != nil {
				t.Errorf("outputs on failure: %v", res.Outputs)
			}
		})
	}
}

func TestArazzoParseRejects(t *testing.T) {
	spec, err := ParseSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown operation", strings.Replace(testWorkflow, "operationId: getThing", "operationId: getNothing", 1), "getNothing"},
		{"two sources", strings.Replace(testWorkflow, "workflows:", "  - {name: other, url: ./other.yaml, type: openapi}\nworkflows:", 1), "2 source descriptions"},
		{"not Arazzo 1.0", strings.Replace(testWorkflow, "arazzo: 1.0.1", "arazzo: 2.0.0", 1), "version"},
	} {
		if _, err := Parse([]byte(tc.doc), spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestArazzoRunUnsupported(t *testing.T) {
	doc := strings.Replace(testWorkflow, "        outputs:\n          status:", "        onSuccess:\n          - {name: done, type: end}\n        outputs:\n          status:", 1)
	d := load(t, doc)
	f := &fake{}
	r := start(t, f)
	if _, err := r.Run(context.Background(), d, "do-thing", inputs()); err == nil || !strings.Contains(err.Error(), "onSuccess/onFailure is not supported") {
		t.Errorf("error %v", err)
	}
	if _, err := r.Run(context.Background(), d, "nope", inputs()); err == nil || !strings.Contains(err.Error(), `no workflow "nope"`) {
		t.Errorf("error %v", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestArazzoRepeatInProgress(t *testing.T) {
	repeat := RepeatInProgress("poll")
	for _, tc := range []struct {
		step, body string
		want       bool
	}{
		{"poll", `{"status":"inProgress"}`, true},
		{"poll", `{"status":"completed"}`, false},
		{"poll", `not json`, false},
		{"confirm", `{"status":"inProgress"}`, false},
	} {
		if got := repeat(tc.step, &Response{Body: []byte(tc.body)}); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.step, tc.body, got, tc.want)
		}
	}
}

func TestArazzoLastSegment(t *testing.T) {
	for _, tc := range []struct{ href, want string }{
		{"https://api.payroc.com/v1/refunds/CD3HN88U9F", "CD3HN88U9F"},
		{"http://127.0.0.1:8080/v1/payments/M2MJOG6O2Y?x=1", "M2MJOG6O2Y"},
		{"/v1/signatures/JDN4ILZB0T/", "JDN4ILZB0T"},
		{"/v1/a/b%20c", "b c"},
		{"https://api.payroc.com/", ""},
		{"", ""},
		{"%zz", ""},
	} {
		got, err := LastSegment(tc.href)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("LastSegment(%q) = %q, %v; want %q", tc.href, got, err, tc.want)
		}
	}
}

// The trace and errors are what a failing test prints: check they read well.
func TestArazzoStepErrorText(t *testing.T) {
	body := strings.Repeat("x", 2*traceBody)
	c := Call{Step: "s", Attempt: 2, Method: "GET", URL: "http://h/v1/x", Status: 500, Body: truncate([]byte(body))}
	err := error(&StepError{Step: "s", Call: &c, Err: errors.New("boom")})
	if got := err.Error(); !strings.HasPrefix(got, "step s: boom (GET http://h/v1/x → 500 xxx") || len(got) > traceBody+100 || !strings.HasSuffix(got, "…)") {
		t.Errorf("error text %q", got)
	}
	if !strings.Contains(c.String(), "s #2: GET") {
		t.Errorf("call text %q", c)
	}
}
