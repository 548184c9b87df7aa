package contract

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Examples returns the examples Payroc's file gives for a response, by
// name, each encoded as JSON. A single "example" member is returned under
// the name "example". It returns an error if the file declares no such
// response or content type, and an empty map if it gives no examples.
func (s *Spec) Examples(path, method string, status int, contentType string) (map[string][]byte, error) {
	op, keys, err := s.operation(path, method)
	if err != nil {
		return nil, err
	}
	code, resp, err := response(op, status)
	if err != nil {
		return nil, err
	}
	ct, err := mediaType(resp, contentType)
	if err != nil {
		return nil, fmt.Errorf("response %s: %w", code, err)
	}
	return s.examples(append(keys, "responses", code, "content", ct)...)
}

// RequestExamples returns the examples of an operation's application/json
// request body, by name, each encoded as JSON.
func (s *Spec) RequestExamples(path, method string) (map[string][]byte, error) {
	_, keys, err := s.operation(path, method)
	if err != nil {
		return nil, err
	}
	return s.examples(append(keys, "requestBody", "content", "application/json")...)
}

// Node returns the JSON encoding of the value at keys in the document (member
// names, or decimal indexes into arrays), for reading what the other methods
// do not cover, such as an enum: Node("paths", "/refunds/{refundId}", "get",
// "responses", "200"). It returns an error if nothing is there.
func (s *Spec) Node(keys ...string) ([]byte, error) {
	v, ok := lookup(s.doc, keys...)
	if !ok {
		return nil, fmt.Errorf("nothing at %s in %s", pointer(keys), s.file)
	}
	return json.Marshal(v)
}

// examples reads the examples of the media type object at keys.
func (s *Spec) examples(keys ...string) (map[string][]byte, error) {
	media, ok := lookup(s.doc, keys...)
	if !ok {
		return nil, fmt.Errorf("nothing at %s in %s", pointer(keys), s.file)
	}
	out := make(map[string][]byte)
	m, _ := media.(map[string]any)
	if v, ok := m["example"]; ok {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out["example"] = b
	}
	named, _ := m["examples"].(map[string]any)
	for name, ex := range named {
		v, ok := lookup(ex, "value")
		if !ok {
			continue // an externalValue, or a bare summary
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("example %s: %w", strconv.Quote(name), err)
		}
		out[name] = b
	}
	return out, nil
}
