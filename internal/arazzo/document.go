package arazzo

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pb33f/libopenapi"
	lib "github.com/pb33f/libopenapi/arazzo"
	"github.com/pb33f/libopenapi/arazzo/expression"
	high "github.com/pb33f/libopenapi/datamodel/high/arazzo"
)

// Document is a validated Arazzo document whose single OpenAPI source
// description is bound to a Spec, whatever URL the document gives for it.
// It is not changed by runs, so many runs may share it.
type Document struct {
	doc     *high.Arazzo
	spec    *Spec
	grammar expression.SpecVersion
}

// Load reads an Arazzo document from file. See Parse.
func Load(file string, spec *Spec) (*Document, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading Arazzo document: %w", err)
	}
	d, err := Parse(b, spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return d, nil
}

// Parse parses an Arazzo 1.0 document, binds its source description to
// spec and validates it with libopenapi, which also checks that every
// operationId the steps name is in spec. It returns an error if the
// document is invalid, or if it has other than exactly one source
// description, of type openapi.
func Parse(b []byte, spec *Spec) (*Document, error) {
	if spec == nil {
		return nil, errors.New("no OpenAPI spec given")
	}
	doc, err := libopenapi.NewArazzoDocument(b)
	if err != nil {
		return nil, fmt.Errorf("parsing Arazzo document: %w", err)
	}
	if n := len(doc.SourceDescriptions); n != 1 {
		return nil, fmt.Errorf("the document has %d source descriptions; the runner maps exactly one to the OpenAPI spec", n)
	}
	if sd := doc.SourceDescriptions[0]; sd == nil || (sd.Type != "" && sd.Type != "openapi") {
		return nil, errors.New("the source description is not of type openapi")
	}
	doc.AddOpenAPISourceDocument(spec.model)
	if res := lib.Validate(doc); res != nil && res.HasErrors() {
		return nil, fmt.Errorf("invalid Arazzo document: %w", res)
	}
	grammar := expression.Arazzo11
	if strings.HasPrefix(doc.Arazzo, "1.0.") {
		grammar = expression.Arazzo10
	}
	return &Document{doc: doc, spec: spec, grammar: grammar}, nil
}

// Workflows returns the ids of the document's workflows, in order.
func (d *Document) Workflows() []string {
	ids := make([]string, 0, len(d.doc.Workflows))
	for _, wf := range d.doc.Workflows {
		if wf != nil {
			ids = append(ids, wf.WorkflowId)
		}
	}
	return ids
}

func (d *Document) workflow(id string) (*high.Workflow, error) {
	for _, wf := range d.doc.Workflows {
		if wf != nil && wf.WorkflowId == id {
			return wf, nil
		}
	}
	return nil, fmt.Errorf("no workflow %q in the document (it has %s)", id, strings.Join(d.Workflows(), ", "))
}

// operation finds the OpenAPI operation a step calls. A step may name it
// plainly or qualified by its source, $sourceDescriptions.name.operationId.
func (d *Document) operation(step *high.Step) (*Operation, error) {
	id := step.OperationId
	if rest, ok := strings.CutPrefix(id, "$sourceDescriptions."); ok {
		_, id, _ = strings.Cut(rest, ".")
	}
	op, ok := d.spec.Operation(id)
	if !ok {
		return nil, fmt.Errorf("operationId %q is not in the OpenAPI spec", step.OperationId)
	}
	return op, nil
}

// checkSupported reports the first feature of wf that the runner would
// otherwise ignore or get wrong.
func checkSupported(wf *high.Workflow) error {
	unsupported := func(where, what string) error {
		return fmt.Errorf("workflow %s%s: %s is not supported by this runner", wf.WorkflowId, where, what)
	}
	switch {
	case len(wf.DependsOn) > 0:
		return unsupported("", "dependsOn")
	case len(wf.SuccessActions) > 0 || len(wf.FailureActions) > 0:
		return unsupported("", "successActions/failureActions")
	case len(wf.Parameters) > 0:
		return unsupported("", "workflow-level parameters")
	}
	for _, s := range wf.Steps {
		where := " step " + s.StepId
		switch {
		case s.OperationId == "":
			return unsupported(where, "a step without operationId")
		case len(s.OnSuccess) > 0 || len(s.OnFailure) > 0:
			return unsupported(where, "onSuccess/onFailure")
		case s.RequestBody != nil && len(s.RequestBody.Replacements) > 0:
			return unsupported(where, "requestBody.replacements")
		case s.RequestBody != nil && len(s.RequestBody.GetSelectors()) > 0:
			return unsupported(where, "selectors in requestBody")
		}
		for _, p := range s.Parameters {
			if p.IsReusable() || p.IsSelector() {
				return unsupported(where, "reusable or selector parameters")
			}
		}
		if s.Outputs != nil {
			for name, o := range s.Outputs.FromOldest() {
				if _, ok := o.GetExpression(); !ok {
					return unsupported(where, "output "+name+" that is not an expression")
				}
			}
		}
	}
	return nil
}

// checkRequired returns an error naming the inputs that wf's input schema
// requires and inputs lacks.
func checkRequired(wf *high.Workflow, inputs map[string]any) error {
	if wf.Inputs == nil {
		return nil
	}
	var schema struct {
		Required []string `yaml:"required"`
	}
	if err := wf.Inputs.Decode(&schema); err != nil {
		return fmt.Errorf("reading the input schema: %w", err)
	}
	var missing []string
	for _, name := range schema.Required {
		if _, ok := inputs[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("workflow %s: required inputs not given: %s", wf.WorkflowId, strings.Join(missing, ", "))
	}
	return nil
}
