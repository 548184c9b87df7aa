package ferry

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	v, err := decodeJSON([]byte(` {"a":[1, 4999.0, 1e3, "s", true, null, {}], "b": -0} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": []any{json.Number("1"), json.Number("4999.0"), json.Number("1e3"), "s", true, nil, map[string]any{}},
		"b": json.Number("-0"),
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("decoded %#v\nwant    %#v", v, want)
	}
	for _, s := range []string{`"x"`, `1`, `[]`, `null`} {
		if _, err := decodeJSON([]byte(s)); err != nil {
			t.Errorf("decodeJSON(%s): %v", s, err)
		}
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"", "The request body is empty; send a JSON object"},
		{"  \n", "The request body is empty; send a JSON object"},
		{"\xff", "The request body is not valid UTF-8"},
		{`{} x`, "The request body has data after the JSON object"},
		{`{}}`, "The request body has data after the JSON object"},
		{`{}]`, "The request body has data after the JSON object"},
		{`{},`, "The request body has data after the JSON object"},
		{`{"a":}`, "The request body is not valid JSON: invalid character '}' looking for beginning of value (at byte 6)"},
		{`{"a":1`, "The request body is not valid JSON: unexpected end of input after 6 bytes"},
		{`{"a"`, "The request body is not valid JSON: unexpected end of input after 4 bytes"},
		{strings.Repeat("[", 20000), "The request body is not valid JSON: "},
	} {
		_, err := decodeJSON([]byte(tc.body))
		e, ok := errors.AsType[*Error](err)
		if !ok || e.Code != CodeInvalid || e.Fields != nil {
			t.Errorf("decodeJSON(%.20q) = %v, want a CodeInvalid *Error", tc.body, err)
			continue
		}
		if !strings.HasPrefix(e.Message, tc.want) {
			t.Errorf("decodeJSON(%.20q) message %q, want %q", tc.body, e.Message, tc.want)
		}
	}
}

func TestTypeName(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "null"}, {true, "a boolean"}, {json.Number("1"), "a number"}, {"s", "a string"},
		{[]any{}, "an array"}, {map[string]any{}, "an object"}, {1.5, "float64"},
	} {
		if got := typeName(tc.v); got != tc.want {
			t.Errorf("typeName(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestJoin(t *testing.T) {
	if join("", "order") != "order" || join("order", "amount") != "order.amount" || join("a[1]", "b") != "a[1].b" {
		t.Error("join")
	}
}

func TestEcho(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"ééé", 3, "ééé"},
		{"éééé", 3, "ééé…"},
		{"", 0, ""},
		{"4111111111111111", 40, "411111******1111"},
		{"card 4111111111111111 and more", 40, "card 411111******1111 and more"},
	} {
		if got := echo(tc.s, tc.n); got != tc.want {
			t.Errorf("echo(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// check runs s on v at path and returns the cleaned value and the problems
// as "parameter: detail: message".
func check(s Schema, v any, path string) (any, []string) {
	var errs []FieldError
	out := s.check(v, path, &errs)
	var got []string
	for _, e := range errs {
		got = append(got, e.Parameter+": "+e.Detail+": "+e.Message)
	}
	return out, got
}

func TestStrCheck(t *testing.T) {
	for _, tc := range []struct {
		s    Str
		v    any
		want []string
	}{
		{Str{}, "", nil},
		{Str{Max: 3}, "abc", nil},
		{Str{Max: 3}, "日本語", nil},
		{Str{Max: 3}, "abcd", []string{"p: too long: p must be at most 3 characters, got 4"}},
		{Str{Min: 1}, "", []string{"p: empty: p must not be empty"}},
		{Str{Min: 2, Max: 2}, "a", []string{"p: too short: p must be at least 2 characters, got 1"}},
		{Str{Min: 2, Max: 2}, "", []string{"p: too short: p must be at least 2 characters, got 0"}},
		{Str{Enum: []string{"a", "b"}}, "a", nil},
		{Str{Enum: []string{"a", "b"}}, "c", []string{`p: not allowed: p must be one of a, b; got "c"`}},
		{Str{Enum: []string{"a"}, Hint: "the letter a"}, "c", []string{`p: not allowed: p must be the letter a; got "c"`}},
		{Str{Max: 1, Enum: []string{"a"}}, "bb", []string{"p: too long: p must be at most 1 characters, got 2", `p: not allowed: p must be one of a; got "bb"`}},
		{Str{}, json.Number("1"), []string{"p: wrong type: p must be a string, got a number"}},
		{Str{}, nil, []string{"p: wrong type: p must be a string, got null"}},
		{Str{}, []any{}, []string{"p: wrong type: p must be a string, got an array"}},
	} {
		out, got := check(tc.s, tc.v, "p")
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v.check(%#v) = %q, want %q", tc.s, tc.v, got, tc.want)
		}
		if _, isString := tc.v.(string); isString != (out != nil) {
			t.Errorf("%+v.check(%#v) returned %#v", tc.s, tc.v, out)
		}
	}
}

func TestIntegerCheck(t *testing.T) {
	for _, tc := range []struct {
		v    any
		out  any
		want []string
	}{
		{json.Number("4999"), int64(4999), nil},
		{json.Number("-1"), int64(-1), nil},
		{json.Number("0"), int64(0), nil},
		{json.Number("9007199254740991"), int64(9007199254740991), nil},
		{json.Number("-9007199254740991"), int64(-9007199254740991), nil},
		{json.Number("9007199254740992"), nil, []string{"n: out of range: n is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"}},
		{json.Number("-9007199254740992"), nil, []string{"n: out of range: n is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"}},
		{json.Number("9223372036854775807"), nil, []string{"n: out of range: n is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"}},
		{json.Number("-9223372036854775808"), nil, []string{"n: out of range: n is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"}},
		{json.Number("9223372036854775808"), nil, []string{"n: out of range: n is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"}},
		{json.Number("49.99"), nil, []string{"n: not an integer: n must be a whole number (hint), got 49.99"}},
		{json.Number("1E3"), nil, []string{"n: not an integer: n must be a whole number (hint), got 1E3"}},
		{"4999", nil, []string{"n: wrong type: n must be an integer (hint), got a string"}},
		{true, nil, []string{"n: wrong type: n must be an integer (hint), got a boolean"}},
		{nil, nil, []string{"n: wrong type: n must be an integer (hint), got null"}},
	} {
		out, got := check(Integer{Hint: " (hint)"}, tc.v, "n")
		if !slices.Equal(got, tc.want) || out != tc.out {
			t.Errorf("integer.check(%#v) = %#v, %q; want %#v, %q", tc.v, out, got, tc.out, tc.want)
		}
	}
}

func TestBooleanCheck(t *testing.T) {
	for _, tc := range []struct {
		v    any
		out  any
		want []string
	}{
		{true, true, nil},
		{false, false, nil},
		{"true", nil, []string{"b: wrong type: b must be true or false, got a string"}},
		{json.Number("1"), nil, []string{"b: wrong type: b must be true or false, got a number"}},
		{nil, nil, []string{"b: wrong type: b must be true or false, got null"}},
	} {
		out, got := check(Boolean{}, tc.v, "b")
		if !slices.Equal(got, tc.want) || out != tc.out {
			t.Errorf("boolean.check(%#v) = %#v, %q; want %#v, %q", tc.v, out, got, tc.out, tc.want)
		}
	}
}

func TestObjectCheck(t *testing.T) {
	o := Object{
		{"req", true, Str{}},
		{"opt", false, Str{Max: 1}},
		{"readOnly", false, nil},
		{"inner", false, Object{{"x", true, Boolean{}}}},
	}
	out, got := check(o, map[string]any{"req": "r", "opt": "o", "readOnly": "anything", "Req": "x", "extra": 1.0, "inner": map[string]any{"x": false, "y": 1}}, "")
	want := map[string]any{"req": "r", "opt": "o", "inner": map[string]any{"x": false}}
	if got != nil || !reflect.DeepEqual(out, want) {
		t.Errorf("check = %#v, %q; want %#v", out, got, want)
	}

	out, got = check(o, map[string]any{"opt": "too long", "inner": map[string]any{}}, "root")
	wantProblems := []string{
		"root.req: required: root.req is required",
		"root.opt: too long: root.opt must be at most 1 characters, got 8",
		"root.inner.x: required: root.inner.x is required",
	}
	if !slices.Equal(got, wantProblems) {
		t.Errorf("problems %q, want %q", got, wantProblems)
	}
	if m := out.(map[string]any); m["opt"] != "too long" || len(m) != 2 {
		t.Errorf("cleaned %#v", out)
	}

	for _, tc := range []struct {
		v    any
		path string
		want string
	}{
		{nil, "", ": wrong type: The request body must be a JSON object, got null"},
		{[]any{}, "", ": wrong type: The request body must be a JSON object, got an array"},
		{"x", "order", "order: wrong type: order must be a JSON object, got a string"},
	} {
		out, got := check(o, tc.v, tc.path)
		if out != nil || !slices.Equal(got, []string{tc.want}) {
			t.Errorf("check(%#v) = %#v, %q; want %q", tc.v, out, got, tc.want)
		}
	}
}

func TestArrayCheck(t *testing.T) {
	a := Array{Items: Str{Max: 1}, MinItems: 1, Unique: true}
	out, got := check(a, []any{"a", "bb", "a", "c", "a"}, "list")
	want := []string{
		"list[1]: too long: list[1] must be at most 1 characters, got 2",
		"list[2]: duplicate: list[2] repeats list[0]; items must be unique",
		"list[4]: duplicate: list[4] repeats list[2]; items must be unique",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q\nwant     %q", got, want)
	}
	if !reflect.DeepEqual(out, []any{"a", "bb", "a", "c", "a"}) {
		t.Errorf("cleaned %#v", out)
	}
	if _, got := check(a, []any{}, "list"); !slices.Equal(got, []string{"list: too few items: list must have at least 1 items"}) {
		t.Errorf("empty: %q", got)
	}
	if _, got := check(a, map[string]any{}, "list"); !slices.Equal(got, []string{"list: wrong type: list must be an array, got an object"}) {
		t.Errorf("object: %q", got)
	}
	// Without unique, repeats are fine; objects compare by content, not
	// member order.
	if _, got := check(Array{Items: Str{}}, []any{"a", "a"}, "l"); got != nil {
		t.Errorf("repeats without Unique: %q", got)
	}
	objs := []any{map[string]any{"a": "1", "b": "2"}, map[string]any{"b": "2", "a": "1"}}
	if _, got := check(Array{Items: Object{}, Unique: true}, objs, "l"); !slices.Equal(got, []string{"l[1]: duplicate: l[1] repeats l[0]; items must be unique"}) {
		t.Errorf("objects: %q", got)
	}
	// Invalid items are left out of the cleaned list.
	out, _ = check(Array{Items: Boolean{}}, []any{true, "x", false}, "l")
	if !reflect.DeepEqual(out, []any{true, false}) {
		t.Errorf("cleaned %#v", out)
	}
}

func TestTaggedCheck(t *testing.T) {
	tg := Tagged{
		"b": Object{{"type", true, Str{Enum: []string{"b"}}}, {"v", true, Str{Max: 1}}},
		"a": Object{{"type", true, Str{Enum: []string{"a"}}}},
	}
	out, got := check(tg, map[string]any{"type": "b", "v": "x", "extra": true}, "t")
	if got != nil || !reflect.DeepEqual(out, map[string]any{"type": "b", "v": "x"}) {
		t.Errorf("b: %#v, %q", out, got)
	}
	for _, tc := range []struct {
		v    any
		want []string
	}{
		{map[string]any{"type": "b", "v": "xx"}, []string{"t.v: too long: t.v must be at most 1 characters, got 2"}},
		{map[string]any{"type": "b"}, []string{"t.v: required: t.v is required"}},
		{map[string]any{}, []string{"t.type: required: t.type is required: one of a, b"}},
		{map[string]any{"type": "c"}, []string{"t.type: not allowed: t.type must be one of a, b"}},
		{map[string]any{"type": "B"}, []string{"t.type: not allowed: t.type must be one of a, b"}},
		{map[string]any{"type": nil}, []string{"t.type: not allowed: t.type must be one of a, b"}},
		{map[string]any{"type": json.Number("1")}, []string{"t.type: not allowed: t.type must be one of a, b"}},
		{"b", []string{"t: wrong type: t must be a JSON object, got a string"}},
	} {
		if _, got := check(tg, tc.v, "t"); !slices.Equal(got, tc.want) {
			t.Errorf("check(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	type dst struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
	}
	s := Object{{"name", true, Str{Min: 1}}, {"count", false, Integer{}}}
	var calls int
	extra := func(v any, errs *[]FieldError) {
		calls++
		if n, ok := Lookup(v, "count"); ok && n.(int64) > 10 {
			AddProblem(errs, "count", "too many", "count must be at most %d", 10)
		}
	}

	var d dst
	if err := Validate([]byte(`{"name":"x","count":3,"NAME":"y"}`), s, &d, extra); err != nil || d != (dst{"x", 3}) || calls != 1 {
		t.Errorf("validate = %v, %+v, %d calls", err, d, calls)
	}

	d = dst{}
	err := Validate([]byte(`{"name":"","count":11}`), s, &d, extra)
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Code != CodeInvalid || len(e.Fields) != 2 || e.Fields[0].Parameter != "name" || e.Fields[1] != (FieldError{"count", "too many", "count must be at most 10"}) {
		t.Errorf("validate = %+v", err)
	}
	if d != (dst{}) {
		t.Errorf("a failed validation filled dst: %+v", d)
	}

	// The business rules do not run on a body that is not an object.
	calls = 0
	if err := Validate([]byte(`[]`), s, &d, extra); ErrorCode(err) != CodeInvalid || calls != 0 {
		t.Errorf("validate([]) = %v, %d calls", err, calls)
	}
	if err := Validate([]byte(`{"name":"x"}`), s, &d, nil); err != nil {
		t.Errorf("validate without rules: %v", err)
	}
}

func TestLookup(t *testing.T) {
	v := map[string]any{"a": map[string]any{"b": int64(1), "s": "x"}, "n": nil}
	for _, tc := range []struct {
		path []string
		want any
		ok   bool
	}{
		{[]string{"a", "b"}, int64(1), true},
		{[]string{"a", "s"}, "x", true},
		{[]string{"n"}, nil, true},
		{[]string{"a", "c"}, nil, false},
		{[]string{"a", "s", "deeper"}, nil, false},
		{[]string{"x", "y"}, nil, false},
	} {
		got, ok := Lookup(v, tc.path...)
		if ok != tc.ok || got != tc.want {
			t.Errorf("Lookup(%v) = %#v, %v; want %#v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	if got, ok := Lookup(v); !ok || !reflect.DeepEqual(got, v) {
		t.Error("lookup with no names does not return the value")
	}
}
