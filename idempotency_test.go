package ferry

import (
	"bytes"
	"regexp"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewIdempotencyKey(t *testing.T) {
	seen := map[string]bool{}
	variants := map[byte]bool{}
	for range 2000 {
		k := NewIdempotencyKey()
		if !uuidV4.MatchString(k) {
			t.Fatalf("%q is not a canonical lower-case version 4 UUID", k)
		}
		if seen[k] {
			t.Fatalf("%q twice", k)
		}
		seen[k] = true
		variants[k[19]] = true
	}
	// The variant nibble takes all four values 8, 9, a, b: the random bits
	// around the fixed ones are really random.
	if len(variants) != 4 {
		t.Errorf("variant nibbles seen: %v", variants)
	}
}

const refundPath = "/v1/devices/1850010868/refund-instructions"

func TestRequestFingerprintSameMeaning(t *testing.T) {
	a := RequestFingerprint("POST", refundPath, []byte(`{"a":1,"b":{"c":[1,2],"d":"é"}}`))
	if len(a) != 32 {
		t.Fatalf("fingerprint of %d bytes, want a SHA-256", len(a))
	}
	for _, b := range []string{
		`{"a":1,"b":{"c":[1,2],"d":"é"}}`,
		` { "b" : { "d" : "é", "c" : [1, 2] }, "a" : 1 } `,
		"{\n\t\"a\": 1,\n\t\"b\": {\"c\": [1,2], \"d\": \"\\u00e9\"}\n}\n",
		`{"b":{"c":[1,2],"d":"\u00e9"},"a":1}`,
	} {
		if fp := RequestFingerprint("POST", refundPath, []byte(b)); !bytes.Equal(fp, a) {
			t.Errorf("%s fingerprints differently", b)
		}
	}
}

func TestRequestFingerprintDifferences(t *testing.T) {
	const body = `{"a":1,"b":{"c":[1,2],"d":"é"}}`
	a := RequestFingerprint("POST", refundPath, []byte(body))
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", refundPath, body},
		{"post", refundPath, body},
		{"POST", "/v1/devices/1850010869/refund-instructions", body},
		{"POST", refundPath + "/", body},
		{"POST", refundPath, `{"a":1,"b":{"c":[2,1],"d":"é"}}`},
		{"POST", refundPath, `{"a":1.0,"b":{"c":[1,2],"d":"é"}}`},
		{"POST", refundPath, `{"a":"1","b":{"c":[1,2],"d":"é"}}`},
		{"POST", refundPath, `{"a":1,"b":{"c":[1,2],"d":"e"}}`},
		{"POST", refundPath, `{"a":1,"b":{"c":[1,2],"d":"é"},"e":null}`},
		{"POST", refundPath, `{"A":1,"b":{"c":[1,2],"d":"é"}}`},
		{"POST", refundPath, `[{"a":1,"b":{"c":[1,2],"d":"é"}}]`},
		{"POST", refundPath, ``},
	} {
		if fp := RequestFingerprint(tc.method, tc.path, []byte(tc.body)); bytes.Equal(fp, a) {
			t.Errorf("%s %s %s fingerprints like the original", tc.method, tc.path, tc.body)
		}
	}
	// Numbers keep their spelling: 4999 and 4999.0 are different requests.
	if bytes.Equal(RequestFingerprint("POST", "/p", []byte(`{"amount":4999}`)), RequestFingerprint("POST", "/p", []byte(`{"amount":4999.0}`))) {
		t.Error("4999 and 4999.0 fingerprint alike")
	}
}

func TestRequestFingerprintNonJSON(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"not json", "not json "},
		{"not json", "not  json"},
		{"{", "{ "},
		{`{"a":1} x`, `{"a":1}  x`},
		{`{"a":1}{}`, `{"a":1} {}`},
		{"\xff{\"a\":1}", "\xff{ \"a\":1}"},
		{"{\"a\":\"\xff\"}", "{\"a\": \"\xff\"}"},
	} {
		if bytes.Equal(RequestFingerprint("POST", "/p", []byte(tc.a)), RequestFingerprint("POST", "/p", []byte(tc.b))) {
			t.Errorf("%q and %q fingerprint alike", tc.a, tc.b)
		}
	}
	// Identical bytes, identical fingerprint.
	for _, body := range []string{"not json", "\xff", "", `{"a":1} x`} {
		if !bytes.Equal(RequestFingerprint("POST", "/p", []byte(body)), RequestFingerprint("POST", "/p", []byte(body))) {
			t.Errorf("%q fingerprints differently twice", body)
		}
	}
	// A non-JSON body never fingerprints like the JSON it starts with.
	ref := RequestFingerprint("POST", "/p", []byte(`{"a":1}`))
	for _, body := range []string{`{"a":1} x`, `{"a":1}{}`, `{"a":1},`} {
		if bytes.Equal(ref, RequestFingerprint("POST", "/p", []byte(body))) {
			t.Errorf("%q fingerprints like {\"a\":1}", body)
		}
	}
}

func TestRequestFingerprintTrailingDelimiter(t *testing.T) {
	ref := RequestFingerprint("POST", "/p", []byte(`{"a":1}`))
	for _, body := range []string{`{"a":1}]`, `{"a":1}}`, `{"a":1} ]`} {
		if bytes.Equal(ref, RequestFingerprint("POST", "/p", []byte(body))) {
			t.Errorf("%q fingerprints like {\"a\":1}", body)
		}
	}
}
