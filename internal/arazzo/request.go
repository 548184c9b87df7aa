package arazzo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	high "github.com/pb33f/libopenapi/datamodel/high/arazzo"
)

// request is a step's HTTP request, built once and sent as often as the
// step repeats.
type request struct {
	method, url string
	header      http.Header
	body        []byte // nil for none
}

// build resolves a step's parameters and request body.
func (r *Runner) build(d *Document, step *high.Step, st *State) (*request, error) {
	op, err := d.operation(step)
	if err != nil {
		return nil, err
	}
	sc := newScope(d.grammar, st, nil)
	req := &request{method: op.Method, header: r.Header.Clone()}
	if req.header == nil {
		req.header = make(http.Header)
	}
	path, query, err := parameters(sc, op, step.Parameters, req.header)
	if err != nil {
		return nil, err
	}
	req.url = strings.TrimSuffix(r.BaseURL, "/") + path
	if len(query) > 0 {
		req.url += "?" + query.Encode()
	}
	if step.RequestBody != nil && step.RequestBody.Payload != nil {
		if req.body, err = payload(sc, step.RequestBody); err != nil {
			return nil, err
		}
		ct := step.RequestBody.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.header.Set("Content-Type", ct)
	}
	return req, nil
}

// parameters resolves a step's parameters into op's path, a query and
// header. A parameter without "in" goes where op declares it. A header or
// query parameter whose value names an input not given is left out.
func parameters(sc *scope, op *Operation, params []*high.Parameter, header http.Header) (string, url.Values, error) {
	path, query := op.Path, url.Values{}
	for _, p := range params {
		in := p.In
		if in == "" {
			in = op.In[p.Name]
		}
		var raw any
		if p.Value != nil {
			if err := p.Value.Decode(&raw); err != nil {
				return "", nil, fmt.Errorf("parameter %s: %w", p.Name, err)
			}
		}
		v, err := sc.value(raw)
		var missing *MissingInputError
		if errors.As(err, &missing) && in != "path" {
			continue // an optional header or query parameter
		}
		if err != nil {
			return "", nil, fmt.Errorf("%s parameter %s: %w", in, p.Name, err)
		}
		s := fmt.Sprint(v)
		switch in {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(s))
		case "query":
			query.Add(p.Name, s)
		case "header":
			header.Set(p.Name, s)
		default:
			return "", nil, fmt.Errorf("parameter %s: unsupported location %q", p.Name, in)
		}
	}
	if _, rest, ok := strings.Cut(path, "{"); ok {
		name, _, _ := strings.Cut(rest, "}")
		return "", nil, fmt.Errorf("path %s: the step gives no path parameter %s", op.Path, name)
	}
	return path, query, nil
}

// payload builds a request body: JSON, unless the payload is a string,
// which is sent as it is once its embedded expressions are replaced.
func payload(sc *scope, rb *high.RequestBody) ([]byte, error) {
	var raw any
	if err := rb.Payload.Decode(&raw); err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	v, err := sc.value(raw)
	var missing *MissingInputError
	if errors.As(err, &missing) {
		return nil, nil // the whole body was an input not given
	}
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	if s, ok := raw.(string); ok && !strings.HasPrefix(s, "$") {
		return []byte(fmt.Sprint(v)), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	return b, nil
}
