package arazzo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	lib "github.com/pb33f/libopenapi/arazzo"
	high "github.com/pb33f/libopenapi/datamodel/high/arazzo"
	"github.com/pb33f/libopenapi/orderedmap"
)

// Defaults for the Runner's zero fields.
const (
	DefaultMaxAttempts = 30
	// defaultTimeout outlasts a long-poll: Payroc's gateway holds a status
	// request for up to a minute.
	defaultTimeout = 90 * time.Second
	maxBody        = 10 << 20 // bytes read of one response
	traceBody      = 512      // bytes of a response body kept in a Call
)

var defaultClient = &http.Client{Timeout: defaultTimeout}

// Runner runs workflows over HTTP. Run only reads its fields, so one Runner
// may run several workflows at once.
type Runner struct {
	// BaseURL is what the OpenAPI paths are relative to, such as
	// http://127.0.0.1:8080/v1 for a server whose spec says
	// https://api.payroc.com/v1. Required.
	BaseURL string
	// Client sends the requests. Default: a client with a 90-second timeout.
	Client *http.Client
	// Header is added to every request, such as Authorization. Default: none.
	Header http.Header
	// BeforeStep, if set, is called before each step with the run's state.
	// It may add inputs that the step's expressions name: a
	// point-of-sale system reads some ids out of earlier responses (see
	// InputFromLink). An error stops the run. Default: none.
	BeforeStep func(stepID string, st *State) error
	// RepeatWhile, if set, is asked after each response whether to send the
	// step's request again, before its success criteria are checked, as a
	// client polls an instruction until it leaves inProgress (see
	// RepeatInProgress). Default: every step sends one request.
	RepeatWhile func(stepID string, resp *Response) bool
	// MaxAttempts bounds the requests one step sends while RepeatWhile
	// asks for more; the step fails when they run out. Default: 30.
	MaxAttempts int
	// RepeatDelay is waited before each repeat. Default: 0, as servers
	// that long-poll pace the loop themselves.
	RepeatDelay time.Duration
}

// State is what a run knows between steps.
type State struct {
	// Inputs are the workflow's inputs: a copy of those given to Run, to
	// which BeforeStep may add.
	Inputs map[string]any
	// Outputs holds the outputs of each step done so far, by step id.
	Outputs map[string]map[string]any
}

// Response is an HTTP response with its body read.
type Response struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   []byte
}

// Call is one request a run sent, for the trace.
type Call struct {
	Step    string
	Attempt int // 1 for the first request of the step
	Method  string
	URL     string
	Status  int    // 0 if no response came
	Body    string // the response body, truncated
}

func (c Call) String() string {
	return fmt.Sprintf("%s #%d: %s %s → %d %s", c.Step, c.Attempt, c.Method, c.URL, c.Status, c.Body)
}

// Result is what a run produced, as far as it got.
type Result struct {
	// Outputs are the workflow's outputs; nil unless every step succeeded.
	Outputs map[string]any
	// Steps holds each completed step's outputs, by step id.
	Steps map[string]map[string]any
	// Calls lists every request sent, in order.
	Calls []Call
}

// Trace returns the calls, one a line.
func (r *Result) Trace() string {
	var b strings.Builder
	for _, c := range r.Calls {
		b.WriteString(c.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// StepError reports the step a run failed at.
type StepError struct {
	Step string
	// Call is the step's last request; nil if it sent none.
	Call *Call
	Err  error
}

func (e *StepError) Error() string {
	if e.Call == nil {
		return fmt.Sprintf("step %s: %v", e.Step, e.Err)
	}
	return fmt.Sprintf("step %s: %v (%s %s → %d %s)", e.Step, e.Err, e.Call.Method, e.Call.URL, e.Call.Status, e.Call.Body)
}

func (e *StepError) Unwrap() error { return e.Err }

// Run runs the workflow with the given id and inputs, step by step in
// order, and returns its outputs. The Result is never nil: on failure it
// holds the outputs and calls so far. Errors are a *StepError when a step
// fails: its request could not be built or sent, RepeatWhile still asked
// for more after MaxAttempts, a success criterion was not met, or an
// output could not be evaluated.
func (r *Runner) Run(ctx context.Context, d *Document, workflowID string, inputs map[string]any) (*Result, error) {
	st := &State{Inputs: maps.Clone(inputs), Outputs: make(map[string]map[string]any)}
	if st.Inputs == nil {
		st.Inputs = make(map[string]any)
	}
	res := &Result{Steps: st.Outputs}
	wf, err := d.workflow(workflowID)
	if err != nil {
		return res, err
	}
	if err := checkSupported(wf); err != nil {
		return res, err
	}
	if err := checkRequired(wf, st.Inputs); err != nil {
		return res, err
	}
	if r.BaseURL == "" {
		return res, errors.New("arazzo: Runner.BaseURL is empty")
	}
	for _, step := range wf.Steps {
		if r.BeforeStep != nil {
			if err := r.BeforeStep(step.StepId, st); err != nil {
				return res, &StepError{Step: step.StepId, Err: fmt.Errorf("before the step: %w", err)}
			}
		}
		out, err := r.step(ctx, d, step, st, res)
		if err != nil {
			return res, err
		}
		st.Outputs[step.StepId] = out
	}
	sc := newScope(d.grammar, st, nil)
	out, err := outputs(sc, wf.Outputs)
	if err != nil {
		return res, fmt.Errorf("workflow %s: %w", wf.WorkflowId, err)
	}
	res.Outputs = out
	return res, nil
}

// step sends one step's request, repeating it while RepeatWhile asks,
// checks its success criteria and returns its outputs.
func (r *Runner) step(ctx context.Context, d *Document, step *high.Step, st *State, res *Result) (map[string]any, error) {
	fail := func(call *Call, err error) error { return &StepError{Step: step.StepId, Call: call, Err: err} }
	req, err := r.build(d, step, st)
	if err != nil {
		return nil, fail(nil, err)
	}
	limit := r.MaxAttempts
	if limit <= 0 {
		limit = DefaultMaxAttempts
	}
	var resp *Response
	var call Call
	for attempt := 1; ; attempt++ {
		resp, err = r.send(ctx, req)
		call = Call{Step: step.StepId, Attempt: attempt, Method: req.method, URL: req.url}
		if resp != nil {
			call.Status, call.Body = resp.Status, truncate(resp.Body)
		}
		res.Calls = append(res.Calls, call)
		if err != nil {
			return nil, fail(&call, err)
		}
		if r.RepeatWhile == nil || !r.RepeatWhile(step.StepId, resp) {
			break
		}
		if attempt >= limit {
			return nil, fail(&call, fmt.Errorf("still repeating after %d attempts", limit))
		}
		if err := sleep(ctx, r.RepeatDelay); err != nil {
			return nil, fail(&call, err)
		}
	}
	sc := newScope(d.grammar, st, resp)
	for i, c := range step.SuccessCriteria {
		ok, err := lib.EvaluateCriterion(c, sc.ctx)
		if err != nil {
			return nil, fail(&call, fmt.Errorf("success criterion %d (%s): %w", i+1, c.Condition, err))
		}
		if !ok {
			return nil, fail(&call, fmt.Errorf("success criterion %d not met: %s", i+1, c.Condition))
		}
	}
	out, err := outputs(sc, step.Outputs)
	if err != nil {
		return nil, fail(&call, err)
	}
	return out, nil
}

// send sends a built request once and reads the response.
func (r *Runner) send(ctx context.Context, req *request) (*Response, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return nil, fmt.Errorf("making the request: %w", err)
	}
	hr.Header = req.header.Clone()
	client := r.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("sending the request: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	out := &Response{Method: req.method, URL: req.url, Status: resp.StatusCode, Header: resp.Header, Body: b}
	if err != nil {
		return out, fmt.Errorf("reading the response: %w", err)
	}
	return out, nil
}

// outputs evaluates a step's or workflow's output expressions.
func outputs(sc *scope, exprs *orderedmap.Map[string, *high.OutputValue]) (map[string]any, error) {
	out := make(map[string]any)
	if exprs == nil {
		return out, nil
	}
	for name, o := range exprs.FromOldest() {
		expr, ok := o.GetExpression()
		if !ok {
			return nil, fmt.Errorf("output %s is not an expression", name)
		}
		v, err := sc.eval(expr)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func truncate(b []byte) string {
	if len(b) <= traceBody {
		return string(b)
	}
	return string(b[:traceBody]) + "…"
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
