package ferry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds a small JSON validator. Request bodies are first decoded
// into plain values and checked against a schema written in Go that mirrors
// Payroc's OpenAPI file; only then are the known fields, spelled exactly,
// copied into the typed request. That way every problem is reported at once
// under its JSON path, and no field can slip past validation through
// encoding/json's case-insensitive matching.

// schema checks one JSON value at path. It returns the value with unknown
// object members removed, and appends every problem to errs.
type Schema interface {
	check(v any, path string, errs *[]FieldError) any
}

// decodeJSON parses body into plain values (objects, arrays, json.Number,
// strings, bools, nil). It refuses syntax errors, trailing data, and text
// that encoding/json would quietly change: invalid UTF-8 and escaped
// surrogates that are not half of a pair (each named by its JSON path).
func decodeJSON(body []byte) (any, error) {
	if !utf8.Valid(body) || bytes.Contains(body, []byte(`\ud`)) || bytes.Contains(body, []byte(`\uD`)) {
		if fields := badText(body); len(fields) > 0 {
			return nil, Invalid(fields...)
		}
		if !utf8.Valid(body) {
			return nil, &Error{Code: CodeInvalid, Message: "The request body is not valid UTF-8"}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Code: CodeInvalid, Message: "The request body is empty; send a JSON object"}
		}
		return nil, &Error{Code: CodeInvalid, Message: "The request body is not valid JSON: " + jsonErrorText(err, body)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Code: CodeInvalid, Message: "The request body has data after the JSON object"}
	}
	return v, nil
}

// Invalid is the error for problems with fields of the input, in Payroc's
// words: CodeInvalid, listing every problem.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: "One or more validation errors occurred, see error section for more info", Fields: fields}
}

// badText names every string of a JSON text that is not valid Text:
// invalid UTF-8, or an escaped surrogate (\ud800) that is not half of a
// pair. It returns nothing for a text that is not valid JSON.
func badText(body []byte) []FieldError {
	type level struct {
		array bool
		n     int    // array: the index of the item being read
		key   string // object: the member being read
		inKey bool   // object: the next string is a member name
	}
	var stack []*level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			if l.array {
				fmt.Fprintf(&b, "[%d]", l.n)
			} else {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(strings.ToValidUTF8(l.key, "\uFFFD"))
			}
		}
		return echo(b.String(), 100) // member names come from the client
	}
	done := func() { // a value ended
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.array {
				top.n++
			} else {
				top.inKey = true
			}
		}
	}
	var fields []FieldError
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil
			}
			return fields
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, &level{array: t == '[', inKey: t == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			done()
		case string:
			raw := body[start:dec.InputOffset()]
			raw = raw[bytes.IndexByte(raw, '"'):]
			why := textProblem(raw)
			if top := len(stack) - 1; top >= 0 && stack[top].inKey {
				stack[top].key, stack[top].inKey = t, false
				if why != "" {
					at := path()
					fields = append(fields, FieldError{Parameter: at, Detail: "invalid text", Message: "the member name " + at + " " + why})
				}
				continue
			}
			if why != "" {
				at := path()
				fields = append(fields, FieldError{Parameter: at, Detail: "invalid text", Message: at + " " + why})
			}
			done()
		default:
			done()
		}
	}
}

// textProblem says what is wrong with a JSON string as it was sent (with
// its quotes and escapes), or "" if nothing is.
func textProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8 text"
	}
	hex := func(b []byte) int {
		v, err := strconv.ParseUint(string(b), 16, 16)
		if err != nil {
			return -1
		}
		return int(v)
	}
	half := func(i int) string {
		return "holds half of a surrogate pair (\\u" + string(raw[i+2:i+6]) + "), which is no character"
	}
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' || i+6 > len(raw) {
			i++
			continue
		}
		switch v := hex(raw[i+2 : i+6]); {
		case v >= 0xd800 && v < 0xdc00:
			if i+12 > len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return half(i)
			}
			if lo := hex(raw[i+8 : i+12]); lo < 0xdc00 || lo > 0xdfff {
				return half(i)
			}
			i += 11
		case v >= 0xdc00 && v <= 0xdfff:
			return half(i)
		default:
			i += 5
		}
	}
	return ""
}

// jsonErrorText describes a decoding error with its byte offset.
func jsonErrorText(err error, body []byte) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%s (at byte %d)", syn.Error(), syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("unexpected end of input after %d bytes", len(body))
	}
	return err.Error()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func AddProblem(errs *[]FieldError, path, detail, format string, args ...any) {
	*errs = append(*errs, FieldError{Parameter: path, Detail: detail, Message: fmt.Sprintf(format, args...)})
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// str is a JSON string with a length range in characters (code points, as
// JSON Schema counts them) and an optional list of allowed values. No
// string may hold a NUL character.
type Str struct {
	Min, Max int // Max 0 means no limit
	Enum     []string
	Hint     string // shown when the value is not in Enum
	// Text marks free text that people type (a description, a name, an
	// address): card numbers in it are masked (RedactCardNumbers), since a
	// cashier may type one there. Identifiers are kept as sent.
	Text bool
}

func (s Str) check(v any, path string, errs *[]FieldError) any {
	x, ok := v.(string)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be a string, got %s", path, typeName(v))
		return nil
	}
	if strings.IndexByte(x, 0) >= 0 {
		AddProblem(errs, path, "invalid text", "%s must not hold a NUL character (\\u0000)", path)
		return nil
	}
	n := utf8.RuneCountInString(x)
	switch {
	case n < s.Min && s.Min == 1:
		AddProblem(errs, path, "empty", "%s must not be empty", path)
	case n < s.Min:
		AddProblem(errs, path, "too short", "%s must be at least %d characters, got %d", path, s.Min, n)
	case s.Max > 0 && n > s.Max:
		AddProblem(errs, path, "too long", "%s must be at most %d characters, got %d", path, s.Max, n)
	}
	if s.Enum != nil && !slices.Contains(s.Enum, x) {
		hint := s.Hint
		if hint == "" {
			hint = "one of " + strings.Join(s.Enum, ", ")
		}
		AddProblem(errs, path, "not allowed", "%s must be %s; got %s", path, hint, strconv.Quote(echo(x, 40)))
	}
	if s.Text {
		x = RedactCardNumbers(x)
	}
	return x
}

// ValidText reports whether s is text that every store keeps as it is:
// valid UTF-8, with no NUL character (PostgreSQL refuses both).
func ValidText(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }

// echo shows a value from a request in an error message: card numbers
// masked first, then at most n characters of it.
func echo(s string, n int) string {
	s = RedactCardNumbers(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// Quote shows a value that a client sent, in a message or a log line:
// card numbers masked, at most 64 characters, and quoted as Go quotes
// strings, so that no control character or invalid byte goes through.
func Quote(s string) string { return strconv.Quote(echo(s, 64)) }

// MaxSafeInteger is the largest integer that every JSON client holds
// exactly (2^53-1; RFC 7493, I-JSON): JavaScript's numbers are doubles.
const MaxSafeInteger = 1<<53 - 1

// integer is a JSON integer from -MaxSafeInteger to MaxSafeInteger,
// written without a fraction or an exponent.
type Integer struct {
	Hint     string
	Positive bool // greater than 0
}

func (s Integer) check(v any, path string, errs *[]FieldError) any {
	num, ok := v.(json.Number)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be an integer%s, got %s", path, s.Hint, typeName(v))
		return nil
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		if strings.ContainsAny(string(num), ".eE") {
			AddProblem(errs, path, "not an integer", "%s must be a whole number%s, got %s", path, s.Hint, echo(string(num), 40))
		} else {
			AddProblem(errs, path, "out of range", outOfRange, path)
		}
		return nil
	}
	if n > MaxSafeInteger || n < -MaxSafeInteger {
		AddProblem(errs, path, "out of range", outOfRange, path)
		return nil
	}
	if s.Positive && n <= 0 {
		AddProblem(errs, path, "not positive", "%s must be greater than 0", path)
		return nil
	}
	return n
}

// number is a JSON number, such as a percentage, within bounds given as
// decimals ("" for none). It is kept as written: no float rounds it.
type Number struct {
	Min, ExclusiveMin, Max string
}

func (s Number) check(v any, path string, errs *[]FieldError) any {
	num, ok := v.(json.Number)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be a number, got %s", path, typeName(v))
		return nil
	}
	// Plain decimals only: an exponent (1e999999999) would make the
	// exact arithmetic below as large as the number.
	if len(num) > 24 || strings.ContainsAny(string(num), "eE") {
		AddProblem(errs, path, "invalid", "%s must be a plain decimal number, such as 15 or 7.25, of at most 24 characters", path)
		return nil
	}
	x, ok := new(big.Rat).SetString(string(num))
	if !ok {
		AddProblem(errs, path, "invalid", "%s must be a plain decimal number, such as 15 or 7.25", path)
		return nil
	}
	bound := func(b string) *big.Rat { r, _ := new(big.Rat).SetString(b); return r }
	switch {
	case s.Min != "" && x.Cmp(bound(s.Min)) < 0,
		s.ExclusiveMin != "" && x.Cmp(bound(s.ExclusiveMin)) <= 0,
		s.Max != "" && x.Cmp(bound(s.Max)) > 0:
		low := "from " + s.Min
		if s.ExclusiveMin != "" {
			low = "greater than " + s.ExclusiveMin
		}
		AddProblem(errs, path, "out of range", "%s must be %s and at most %s, got %s", path, low, s.Max, echo(string(num), 24))
		return nil
	}
	// Plain decimal form: a store or client that reads it back gets the
	// same number.
	return json.Number(strings.TrimSuffix(strings.TrimRight(x.FloatString(8), "0"), "."))
}

const outOfRange = "%s is out of range: it must be from -9007199254740991 to 9007199254740991, the integers every JSON client holds exactly (RFC 7493)"

// boolean is a JSON true or false.
type Boolean struct{}

func (Boolean) check(v any, path string, errs *[]FieldError) any {
	b, ok := v.(bool)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be true or false, got %s", path, typeName(v))
		return nil
	}
	return b
}

// prop is one member of an object schema.
type Prop struct {
	Name     string
	Required bool
	Schema   Schema // nil: accepted and dropped (read-only fields)
}

// object is a JSON object. Members not in props are ignored.
type Object []Prop

func (o Object) check(v any, path string, errs *[]FieldError) any {
	m, ok := v.(map[string]any)
	if !ok {
		name := path
		if name == "" {
			name = "The request body"
		}
		AddProblem(errs, path, "wrong type", "%s must be a JSON object, got %s", name, typeName(v))
		return nil
	}
	out := make(map[string]any, len(o))
	for _, p := range o {
		val, present := m[p.Name]
		at := join(path, p.Name)
		switch {
		case !present && p.Required:
			AddProblem(errs, at, "required", "%s is required", at)
		case present && p.Schema != nil:
			if c := p.Schema.check(val, at, errs); c != nil {
				out[p.Name] = c
			}
		}
	}
	return out
}

// array is a JSON array of items.
type Array struct {
	Items    Schema
	MinItems int
	Unique   bool
}

func (a Array) check(v any, path string, errs *[]FieldError) any {
	list, ok := v.([]any)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be an array, got %s", path, typeName(v))
		return nil
	}
	if len(list) < a.MinItems {
		AddProblem(errs, path, "too few items", "%s must have at least %d items", path, a.MinItems)
	}
	out := make([]any, 0, len(list))
	seen := make(map[string]int)
	for i, item := range list {
		at := fmt.Sprintf("%s[%d]", path, i)
		c := a.Items.check(item, at, errs)
		if c == nil {
			continue
		}
		// Items are compared as kept, without unknown members, so that no
		// two stored items are the same.
		if a.Unique {
			key, _ := json.Marshal(c) // maps marshal with sorted keys
			if j, dup := seen[string(key)]; dup {
				AddProblem(errs, at, "duplicate", "%s repeats %s[%d]; items must be unique", at, path, j)
			}
			seen[string(key)] = i
		}
		out = append(out, c)
	}
	return out
}

// tagged is a polymorphic object whose "type" member picks the variant
// (OpenAPI's oneOf with a discriminator).
type Tagged map[string]Object

func (t Tagged) check(v any, path string, errs *[]FieldError) any {
	m, ok := v.(map[string]any)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be a JSON object, got %s", path, typeName(v))
		return nil
	}
	names := make([]string, 0, len(t))
	for name := range t {
		names = append(names, name)
	}
	slices.Sort(names)
	kind, ok := m["type"].(string)
	variant, known := t[kind]
	if !ok || !known {
		at := join(path, "type")
		if _, present := m["type"]; !present {
			AddProblem(errs, at, "required", "%s is required: one of %s", at, strings.Join(names, ", "))
		} else {
			AddProblem(errs, at, "not allowed", "%s must be one of %s", at, strings.Join(names, ", "))
		}
		return nil
	}
	return variant.check(m, path, errs)
}

// validate decodes body, checks it against s and business rules in extra,
// and fills dst from the cleaned value. The error, if any, is an *Error with
// code CodeInvalid that lists every problem.
func Validate(body []byte, s Schema, dst any, extra func(v any, errs *[]FieldError)) error {
	v, err := decodeJSON(body)
	if err != nil {
		return err
	}
	var errs []FieldError
	clean := s.check(v, "", &errs)
	if extra != nil && clean != nil {
		extra(clean, &errs)
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return Internal(err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return Internal(err)
	}
	return nil
}

// lookup walks a cleaned value along member names.
func Lookup(v any, names ...string) (any, bool) {
	for _, n := range names {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[n]; !ok {
			return nil, false
		}
	}
	return v, true
}

// freeform is a JSON object of any members, kept as sent: strings must
// still be valid text (decodeJSON refuses the rest).
type Freeform struct{}

func (Freeform) check(v any, path string, errs *[]FieldError) any {
	m, ok := v.(map[string]any)
	if !ok {
		AddProblem(errs, path, "wrong type", "%s must be a JSON object, got %s", path, typeName(v))
		return nil
	}
	return m
}
