package contract

import (
	"cmp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Violation is one way in which a JSON body breaks a schema.
type Violation struct {
	// Location is the JSON pointer of the offending value in the body,
	// such as "/order/amount"; "" is the body itself.
	Location string
	// Message says what is wrong, in the schema library's words, such as
	// "missing property 'status'" or "got string, want integer".
	Message string
}

// Violations is the error returned when a body does not satisfy its
// schema: every violation, sorted by location.
type Violations []Violation

// Error lists the violations one per line, indented.
func (v Violations) Error() string {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte('\n')
		}
		loc := x.Location
		if loc == "" {
			loc = "(body)"
		}
		b.WriteString("  " + loc + ": " + x.Message)
	}
	return b.String()
}

// At reports whether some violation is at the location (a JSON pointer).
func (v Violations) At(location string) bool {
	return slices.ContainsFunc(v, func(x Violation) bool { return x.Location == location })
}

// violations flattens the library's tree of errors into its leaves. Where
// a value matches no branch of a oneOf or anyOf, only the branches that
// came closest (fewest violations) are kept: an email contact method whose
// value is too long is reported against the email branch alone.
func violations(e *jsonschema.ValidationError) Violations {
	out := leaves(e)
	slices.SortStableFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Location, b.Location), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}

func leaves(e *jsonschema.ValidationError) Violations {
	if len(e.Causes) == 0 {
		leaf := *e
		leaf.InstanceLocation = nil // so that Error() gives the bare message
		msg := strings.TrimPrefix(leaf.Error(), "at '': ")
		return Violations{{Location: pointer(e.InstanceLocation), Message: msg}}
	}
	var out Violations
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		branches := make([]Violations, len(e.Causes))
		for i, c := range e.Causes {
			branches[i] = leaves(c)
		}
		fewest := slices.MinFunc(branches, func(a, b Violations) int { return cmp.Compare(len(a), len(b)) })
		for _, b := range branches {
			if len(b) == len(fewest) {
				out = append(out, b...)
			}
		}
	default:
		for _, c := range e.Causes {
			out = append(out, leaves(c)...)
		}
	}
	return out
}
