package arazzo

import (
	"fmt"
	"os"
	"strings"

	"github.com/pb33f/libopenapi"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Spec is the OpenAPI document that a workflow's source description stands
// for, indexed by operationId. It is not changed after it is made, so one
// Spec may serve many documents and runs at once.
type Spec struct {
	model *v3high.Document
	ops   map[string]*Operation
}

// Operation is one OpenAPI operation.
type Operation struct {
	ID     string
	Method string // upper case, such as GET
	// Path is the path template relative to the server base, such as
	// /refund-instructions/{refundInstructionId}.
	Path string
	// In maps each parameter the operation declares, its own and its path
	// item's, to where it goes: path, query, header or cookie.
	In map[string]string
}

// LoadSpec reads and parses an OpenAPI 3 file. See ParseSpec.
func LoadSpec(file string) (*Spec, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading OpenAPI document: %w", err)
	}
	s, err := ParseSpec(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return s, nil
}

// ParseSpec parses an OpenAPI 3 document. It returns an error if the
// document does not build into a model or if two operations share an
// operationId.
func ParseSpec(b []byte) (*Spec, error) {
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		return nil, fmt.Errorf("parsing OpenAPI document: %w", err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("building OpenAPI model: %w", err)
	}
	s := &Spec{model: &m.Model, ops: make(map[string]*Operation)}
	if m.Model.Paths == nil || m.Model.Paths.PathItems == nil {
		return s, nil
	}
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			if op == nil || op.OperationId == "" {
				continue
			}
			if prev, ok := s.ops[op.OperationId]; ok {
				return nil, fmt.Errorf("operationId %q is used by %s %s and %s %s",
					op.OperationId, prev.Method, prev.Path, strings.ToUpper(method), path)
			}
			o := &Operation{ID: op.OperationId, Method: strings.ToUpper(method), Path: path, In: make(map[string]string)}
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p != nil {
					o.In[p.Name] = p.In // the operation's own, listed last, win
				}
			}
			s.ops[op.OperationId] = o
		}
	}
	return s, nil
}

// Operation returns the operation with the given operationId.
func (s *Spec) Operation(id string) (*Operation, bool) {
	o, ok := s.ops[id]
	return o, ok
}
