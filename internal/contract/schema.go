package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// use says which side of an exchange a schema checks: readOnly members
// are ignored in requests only.
type use int

const (
	forResponse use = iota
	forRequest
)

type schemaKey struct {
	pointer string
	use     use
}

// resourceURL names each compiled schema; every schema has its own
// compiler, so the name never clashes.
const resourceURL = "https://contract.invalid/schema.json"

// schemaAt compiles, once per use, the schema found at keys in the
// document. The subtree becomes a schema resource of its own; if it holds a
// "$ref" (Payroc's file has none today), the document's components are
// added beside it so that "#/components/..." resolves.
func (s *Spec) schemaAt(u use, keys ...string) (*jsonschema.Schema, error) {
	key := schemaKey{pointer(keys), u}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[key]; ok {
		return sch, nil
	}
	node, ok := lookup(s.doc, keys...)
	if !ok {
		return nil, fmt.Errorf("nothing at %s in %s", key.pointer, s.file)
	}
	res, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s in %s is not a schema object", key.pointer, s.file)
	}
	var refs []string
	if refsIn(res, &refs); len(refs) > 0 {
		for _, r := range refs {
			if !strings.HasPrefix(r, "#/components/") {
				return nil, fmt.Errorf("%s: $ref %q: only #/components/... references are supported", key.pointer, r)
			}
		}
		res = maps.Clone(res)
		res["components"] = s.doc["components"]
	}
	if u == forRequest {
		res = ignoreReadOnly(res).(map[string]any)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "int32", Validate: intFormat(math.MinInt32, math.MaxInt32)})
	c.RegisterFormat(&jsonschema.Format{Name: "int64", Validate: intFormat(math.MinInt64, math.MaxInt64)})
	if err := c.AddResource(resourceURL, res); err != nil {
		return nil, fmt.Errorf("%s: %w", key.pointer, err)
	}
	sch, err := c.Compile(resourceURL)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", key.pointer, err)
	}
	s.schemas[key] = sch
	return sch, nil
}

// intFormat checks OpenAPI's int32 and int64 formats: an integral number
// within [lo, hi]. Other values are left to the type keyword.
func intFormat(lo, hi int64) func(any) error {
	return func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return nil
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() {
			return nil
		}
		if i := r.Num(); i.Cmp(big.NewInt(lo)) < 0 || i.Cmp(big.NewInt(hi)) > 0 {
			return fmt.Errorf("%s is outside [%d, %d]", n, lo, hi)
		}
		return nil
	}
}

// Keywords whose values are schemas, lists of schemas, or maps of names to
// schemas. Walking only these keeps example data out of the walk.
var (
	schemaKeywords = []string{"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
		"contains", "propertyNames", "not", "if", "then", "else", "contentSchema"}
	schemaListKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMapKeywords  = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)

// mapSubschemas returns a shallow copy of the schema m in which f has
// replaced each direct subschema.
func mapSubschemas(m map[string]any, f func(any) any) map[string]any {
	out := maps.Clone(m)
	for _, k := range schemaKeywords {
		if sub, ok := m[k]; ok {
			out[k] = f(sub)
		}
	}
	for _, k := range schemaListKeywords {
		if list, ok := m[k].([]any); ok {
			c := make([]any, len(list))
			for i, sub := range list {
				c[i] = f(sub)
			}
			out[k] = c
		}
	}
	for _, k := range schemaMapKeywords {
		if subs, ok := m[k].(map[string]any); ok {
			c := make(map[string]any, len(subs))
			for name, sub := range subs {
				c[name] = f(sub)
			}
			out[k] = c
		}
	}
	return out
}

// ignoreReadOnly returns a copy of the schema in which every property whose
// schema says readOnly: true accepts any value and is no longer required
// at that level: a server ignores what a client sends for it. The input is
// not changed. Schemas under components, if present, are treated the same.
func ignoreReadOnly(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := mapSubschemas(m, ignoreReadOnly)
	if comp, ok := m["components"].(map[string]any); ok {
		if schemas, ok := comp["schemas"].(map[string]any); ok {
			c := make(map[string]any, len(schemas))
			for name, sub := range schemas {
				c[name] = ignoreReadOnly(sub)
			}
			comp = maps.Clone(comp)
			comp["schemas"] = c
			out["components"] = comp
		}
	}
	props, _ := out["properties"].(map[string]any) // a copy made by mapSubschemas
	var readOnly []string
	for name, p := range props {
		if pm, ok := p.(map[string]any); ok && pm["readOnly"] == true {
			props[name] = true
			readOnly = append(readOnly, name)
		}
	}
	if req, ok := out["required"].([]any); ok && len(readOnly) > 0 {
		out["required"] = slices.DeleteFunc(slices.Clone(req), func(r any) bool {
			name, _ := r.(string)
			return slices.Contains(readOnly, name)
		})
	}
	return out
}

// refsIn appends the value of every "$ref" keyword in the schema to refs.
func refsIn(v any, refs *[]string) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	if r, ok := m["$ref"].(string); ok {
		*refs = append(*refs, r)
	}
	mapSubschemas(m, func(sub any) any {
		refsIn(sub, refs)
		return sub
	})
}

// lookup walks the document along keys: member names, or decimal indexes
// into arrays.
func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// pointer writes keys as a JSON pointer, for messages and cache keys.
func pointer(keys []string) string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, k := range keys {
		b.WriteByte('/')
		b.WriteString(esc.Replace(k))
	}
	return b.String()
}
