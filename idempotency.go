package ferry

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"unicode/utf8"
)

// IdempotencyRecord remembers the response to a request made with an
// Idempotency-Key, so that a retry gets the same response and does nothing new.
type IdempotencyRecord struct {
	MerchantID string
	Key        string
	// Fingerprint identifies the request: method, path and body.
	Fingerprint []byte
	// Status and Body are the stored response, sent again byte for byte.
	Status    int
	Body      []byte
	CreatedAt time.Time
}

// IdempotencyRetention is how long Ferry keeps idempotency records.
const IdempotencyRetention = 24 * time.Hour

// ParseIdempotencyKey checks an Idempotency-Key header value: a UUID in the
// canonical 8-4-4-4-12 hex form (any version; Payroc asks for version 4).
// It returns the key in lower case.
func ParseIdempotencyKey(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

// RequestFingerprint identifies a request for idempotency: the method, the
// path and the body. A JSON body is compared by meaning (member order and
// white space do not matter); anything else byte for byte.
func RequestFingerprint(method, path string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(canonicalJSON(body))
	return h.Sum(nil)
}

func canonicalJSON(body []byte) []byte {
	if !utf8.Valid(body) {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return body
	}
	out, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return body
	}
	return out
}
