package ferry

import (
	"bytes"
	"regexp"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewIdempotencyKey(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := NewIdempotencyKey()
		if !uuidV4.MatchString(k) {
			t.Fatalf("%q is not a canonical version 4 UUID", k)
		}
		if seen[k] {
			t.Fatalf("%q twice", k)
		}
		seen[k] = true
	}
}

func TestRequestFingerprint(t *testing.T) {
	a := RequestFingerprint("POST", "/v1/devices/1/refund-instructions", []byte(`{"a":1,"b":{"c":[1,2]}}`))
	same := [][]byte{
		[]byte(` { "b" : { "c" : [1, 2] }, "a" : 1 } `),
		[]byte("{\n\t\"a\": 1,\n\t\"b\": {\"c\": [1,2]}\n}"),
	}
	for _, b := range same {
		if fp := RequestFingerprint("POST", "/v1/devices/1/refund-instructions", b); !bytes.Equal(fp, a) {
			t.Errorf("%s fingerprints differently", b)
		}
	}
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/v1/devices/1/refund-instructions", `{"a":1,"b":{"c":[1,2]}}`},
		{"POST", "/v1/devices/2/refund-instructions", `{"a":1,"b":{"c":[1,2]}}`},
		{"POST", "/v1/devices/1/refund-instructions", `{"a":1,"b":{"c":[2,1]}}`},
		{"POST", "/v1/devices/1/refund-instructions", `{"a":1.0,"b":{"c":[1,2]}}`},
		{"POST", "/v1/devices/1/refund-instructions", `{"a":1,"b":{"c":[1,2]},"d":null}`},
	} {
		if fp := RequestFingerprint(tc.method, tc.path, []byte(tc.body)); bytes.Equal(fp, a) {
			t.Errorf("%s %s %s fingerprints like the original", tc.method, tc.path, tc.body)
		}
	}
	// Bodies that are not JSON are compared byte for byte.
	x := RequestFingerprint("POST", "/p", []byte("not json "))
	if bytes.Equal(x, RequestFingerprint("POST", "/p", []byte("not json"))) {
		t.Error("non-JSON bodies are normalized")
	}
}
