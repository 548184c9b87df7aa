package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// SpecFile is where Payroc's OpenAPI file lies, relative to the module root.
const SpecFile = "../shared/payroc/payroc-openapi-spec.yaml"

// Spec is Payroc's OpenAPI document held as JSON values, with the schemas
// compiled so far. It is safe for concurrent use.
type Spec struct {
	file     string
	doc      map[string]any
	loadTime time.Duration

	mu      sync.Mutex // guards schemas
	schemas map[schemaKey]*jsonschema.Schema
}

// The file is read once per test binary: it takes a few hundred
// milliseconds.
var (
	loadOnce sync.Once
	loadFile string // where the file was looked for
	loaded   *Spec
	loadErr  error
)

// Load returns Payroc's OpenAPI file, read from SpecFile beside the module
// root on first use and shared by every test in the binary. If the file is
// missing it skips the test with one message saying where it looked; any
// other problem (no go.mod above the working directory, invalid YAML)
// fails the test.
func Load(t testing.TB) *Spec {
	t.Helper()
	loadOnce.Do(func() {
		if loadFile, loadErr = Locate(); loadErr == nil {
			loaded, loadErr = Open(loadFile)
		}
	})
	if errors.Is(loadErr, fs.ErrNotExist) {
		t.Skipf("contract tests skipped: Payroc's OpenAPI file is not at %s; they need the shared folder checked out beside the repository (../shared from the module root)", loadFile)
	}
	if loadErr != nil {
		t.Fatalf("contract: %v", loadErr)
	}
	return loaded
}

// Locate returns the absolute path where Payroc's OpenAPI file should be:
// SpecFile resolved against the nearest directory at or above the working
// directory that holds a go.mod. It does not check that the file exists.
func Locate() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(SpecFile)), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory, so the module root is unknown")
		}
		dir = parent
	}
}

// Open reads and parses the OpenAPI file at file, resolving YAML anchors
// and aliases. Unlike Load it does not cache: each call reads the file
// again. A missing file gives an error that matches fs.ErrNotExist.
func Open(file string) (*Spec, error) {
	start := time.Now()
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var y any
	if err := yaml.Unmarshal(raw, &y); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	v, err := jsonValue(y)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the document is not a mapping", file)
	}
	if _, ok := doc["paths"].(map[string]any); !ok {
		return nil, fmt.Errorf("%s: no paths: not an OpenAPI file", file)
	}
	return &Spec{
		file:     file,
		doc:      doc,
		loadTime: time.Since(start),
		schemas:  make(map[schemaKey]*jsonschema.Schema),
	}, nil
}

// File returns the path the document was read from.
func (s *Spec) File() string { return s.file }

// LoadTime returns how long reading and parsing the file took.
func (s *Spec) LoadTime() time.Duration { return s.loadTime }

// jsonValue turns a decoded YAML value into the values encoding/json
// produces with UseNumber, which is what the schema library works on:
// mappings get string keys (YAML allows unquoted keys such as 200), numbers
// become json.Number, timestamps become RFC 3339 strings. Every map and
// slice is new, so no two places in the result share storage.
func jsonValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%v has no JSON form", x)
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var key string
			switch k := k.(type) {
			case string:
				key = k
			case int, int64, uint64, float64, bool:
				key = fmt.Sprint(k)
			default:
				return nil, fmt.Errorf("mapping key %v (%T) has no JSON form", k, k)
			}
			c, err := jsonValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			out[key] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected YAML value of type %T", v)
}
