package ferry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
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

// NewIdempotencyKey returns a new random (version 4) UUID for the
// Idempotency-Key header, in canonical lower-case form.
func NewIdempotencyKey() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
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
	if dec.Decode(&v) != nil {
		return body
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return body // trailing data: not one JSON value
	}
	out, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return body
	}
	return out
}
