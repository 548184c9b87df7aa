// Package payrocspec lets tests check Ferry's JSON against the schemas in
// Payroc's own OpenAPI file, which sits beside the repository at
// ../shared/payroc/payroc-openapi-spec.yaml. The file is read, never copied
// into the project.
package payrocspec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Spec is Payroc's OpenAPI file, compiled on demand into JSON schemas.
type Spec struct {
	// Path is where the file was read from.
	Path string
	// LoadTime is how long reading and converting the file took.
	LoadTime time.Duration

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
	doc      any
}

const docURL = "https://payroc.example/openapi.json"

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Locate returns where the OpenAPI file should be: beside the module root,
// in ../shared/payroc.
func Locate() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "payroc", "payroc-openapi-spec.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}

// Load reads the OpenAPI file once per test binary. Without the file the
// test is skipped, with one line that says where the file was looked for.
func Load(t testing.TB) *Spec {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		if pe, ok := loadErr.(*os.PathError); ok && os.IsNotExist(pe) {
			t.Skipf("contract test skipped: Payroc's OpenAPI file is missing (%s); put ../shared beside the repository to run it", pe.Path)
		}
		t.Fatalf("loading Payroc's OpenAPI file: %v", loadErr)
	}
	return loaded
}

func load() (*Spec, error) {
	start := time.Now()
	path, err := Locate()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var y any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Through JSON, so that the schema library sees JSON values only.
	b, err := json.Marshal(jsonable(y))
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, err
	}
	return &Spec{Path: path, LoadTime: time.Since(start), compiler: c, schemas: map[string]*jsonschema.Schema{}, doc: doc}, nil
}

// jsonable turns YAML values into values encoding/json can marshal: maps
// with non-string keys (YAML allows unquoted numbers, such as status codes)
// get string keys.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i := range x {
			x[i] = jsonable(x[i])
		}
		return x
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return v
}

// pointer builds a JSON pointer, escaped for use as a URI fragment.
func pointer(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.NewReplacer("~", "~0", "/", "~1").Replace(p)
		b.WriteString("/")
		for i := 0; i < len(p); i++ {
			c := p[i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
	}
	return b.String()
}

// schema compiles (once) the schema at the pointer.
func (s *Spec) schema(parts ...string) (*jsonschema.Schema, error) {
	ptr := pointer(parts...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	s.schemas[ptr] = sch
	return sch, nil
}

// ResponseSchemaFor compiles the schema of one response: the OpenAPI path
// template (relative to /v1, such as "/refunds/{refundId}"), the method in
// lower case, the status and the content type.
func (s *Spec) ResponseSchemaFor(path, method string, status int, contentType string) (*jsonschema.Schema, error) {
	return s.schema("paths", path, method, "responses", strconv.Itoa(status), "content", contentType, "schema")
}

// CheckResponse fails the test unless body satisfies the schema of that
// response.
func (s *Spec) CheckResponse(t testing.TB, path, method string, status int, contentType string, body []byte) {
	t.Helper()
	resp, ok := lookup(s.doc, "paths", path, method, "responses", strconv.Itoa(status))
	if !ok {
		t.Errorf("%s %s → %d: Payroc's OpenAPI file declares no such status", strings.ToUpper(method), path, status)
		return
	}
	if _, hasContent := resp.(map[string]any)["content"]; !hasContent {
		if len(body) != 0 {
			t.Errorf("%s %s → %d: Payroc declares no body, got %s", strings.ToUpper(method), path, status, body)
		}
		return
	}
	sch, err := s.ResponseSchemaFor(path, method, status, contentType)
	if err != nil {
		t.Fatalf("no schema for %s %s %d %s in Payroc's OpenAPI file: %v", method, path, status, contentType, err)
	}
	if err := validate(sch, body); err != nil {
		t.Errorf("%s %s → %d does not match Payroc's schema:\n%v\nbody: %s", strings.ToUpper(method), path, status, err, body)
	}
}

// ValidateRequest checks body against the request-body schema of an
// operation, returning the violations.
func (s *Spec) ValidateRequest(path, method string, body []byte) error {
	sch, err := s.schema("paths", path, method, "requestBody", "content", "application/json", "schema")
	if err != nil {
		return fmt.Errorf("no request schema: %w", err)
	}
	return validate(sch, body)
}

// Example returns the value of a named example of a response.
func (s *Spec) Example(path, method string, status int, contentType, name string) ([]byte, error) {
	v, ok := lookup(s.doc, "paths", path, method, "responses", strconv.Itoa(status), "content", contentType, "examples", name, "value")
	if !ok {
		return nil, fmt.Errorf("no example %q for %s %s %d", name, method, path, status)
	}
	return json.Marshal(v)
}

// Examples lists the example names of a response.
func (s *Spec) Examples(path, method string, status int, contentType string) []string {
	v, _ := lookup(s.doc, "paths", path, method, "responses", strconv.Itoa(status), "content", contentType, "examples")
	m, _ := v.(map[string]any)
	var names []string
	for k := range m {
		names = append(names, k)
	}
	return names
}

func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

func validate(sch *jsonschema.Schema, body []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(v)
}
