package arazzo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/arazzo/expression"
)

// MissingInputError reports a runtime expression that names an input the
// caller did not give. In a request body the member holding it is left out
// instead; in a header or query parameter the parameter is.
type MissingInputError struct {
	Input string
}

func (e *MissingInputError) Error() string { return fmt.Sprintf("input %q not given", e.Input) }

// scope is what runtime expressions are evaluated against: libopenapi's
// context, plus the response headers, so that header names match in any case.
type scope struct {
	ctx     *expression.Context
	header  http.Header
	grammar expression.SpecVersion
}

// newScope builds the expression context for st and, after a request, its
// response.
func newScope(grammar expression.SpecVersion, st *State, resp *Response) *scope {
	ctx := &expression.Context{
		Inputs: st.Inputs,
		Steps:  make(map[string]*expression.StepContext, len(st.Outputs)),
	}
	for id, out := range st.Outputs {
		ctx.Steps[id] = &expression.StepContext{Outputs: out}
	}
	sc := &scope{ctx: ctx, grammar: grammar}
	if resp == nil {
		return sc
	}
	ctx.StatusCode = resp.Status
	ctx.Method = resp.Method
	ctx.URL = resp.URL
	sc.header = resp.Header
	// libopenapi looks header names up exactly: offer the canonical and
	// the lower-case spelling, for success criteria.
	ctx.ResponseHeaders = make(map[string]string, 2*len(resp.Header))
	for name, values := range resp.Header {
		if len(values) > 0 {
			ctx.ResponseHeaders[name] = values[0]
			ctx.ResponseHeaders[strings.ToLower(name)] = values[0]
		}
	}
	// JSON is YAML, so libopenapi's JSON pointers work on the body. A body
	// that is neither leaves $response.body unavailable.
	var body yaml.Node
	if len(resp.Body) > 0 && yaml.Unmarshal(resp.Body, &body) == nil {
		ctx.ResponseBody = &body
	}
	return sc
}

// eval resolves one string from the document: a runtime expression
// ($inputs.amount) gives its value, a string with embedded expressions
// ("Order {$inputs.orderId}") gives the string with them replaced, and
// anything else is returned as it is. An expression naming an input that
// was not given gives a *MissingInputError.
func (sc *scope) eval(s string) (any, error) {
	if strings.HasPrefix(s, "$") {
		expr, err := expression.ParseWithVersion(s, sc.grammar)
		if err != nil {
			return nil, fmt.Errorf("parsing %q: %w", s, err)
		}
		return sc.evalExpr(expr)
	}
	if !strings.Contains(s, "{$") {
		return s, nil
	}
	tokens, err := expression.ParseEmbeddedWithVersion(s, sc.grammar)
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", s, err)
	}
	var b strings.Builder
	for _, t := range tokens {
		if !t.IsExpression {
			b.WriteString(t.Literal)
			continue
		}
		v, err := sc.evalExpr(t.Expression)
		if err != nil {
			return nil, err
		}
		fmt.Fprint(&b, v)
	}
	return b.String(), nil
}

func (sc *scope) evalExpr(expr expression.Expression) (any, error) {
	switch expr.Type {
	case expression.Inputs:
		if !hasInput(sc.ctx.Inputs, expr.Name) {
			return nil, &MissingInputError{Input: expr.Name}
		}
	case expression.ResponseHeader:
		if sc.header == nil {
			return nil, errors.New("no response headers available")
		}
		if v := sc.header.Values(expr.Property); len(v) > 0 {
			return v[0], nil
		}
		return nil, fmt.Errorf("response header %q not found", expr.Property)
	}
	v, err := expression.Evaluate(expr, sc.ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluating %s: %w", expr.Raw, err)
	}
	return plain(v)
}

// hasInput reports whether name, or the input a dotted name starts with
// ($inputs.order.id), was given.
func hasInput(inputs map[string]any, name string) bool {
	for {
		if _, ok := inputs[name]; ok {
			return true
		}
		i := strings.LastIndexByte(name, '.')
		if i < 0 {
			return false
		}
		name = name[:i]
	}
}

// value resolves every expression in a value decoded from the document.
// Objects and arrays are resolved member by member, and a member whose
// expression names an input that was not given is left out. A string that
// is such an expression itself gives a *MissingInputError.
func (sc *scope) value(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return sc.eval(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if err := sc.member(out, k, x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if err := sc.member(out, fmt.Sprint(k), x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, x := range v {
			y, err := sc.value(x)
			var missing *MissingInputError
			if errors.As(err, &missing) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, y)
		}
		return out, nil
	default:
		return v, nil
	}
}

func (sc *scope) member(out map[string]any, k string, x any) error {
	y, err := sc.value(x)
	var missing *MissingInputError
	if errors.As(err, &missing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", k, err)
	}
	out[k] = y
	return nil
}

// plain turns the YAML nodes libopenapi returns for objects and arrays
// into maps and slices, so that they encode as JSON.
func plain(v any) (any, error) {
	n, ok := v.(*yaml.Node)
	if !ok {
		return v, nil
	}
	var out any
	if err := n.Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding a value: %w", err)
	}
	return out, nil
}
