package ferry

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"time"
)

// NewID returns a new internal id (merchants, devices, API keys): 26
// characters of Crockford's base32 in lower case, the time in milliseconds
// first and then 80 random bits, like a ULID. Ids sort by creation time, so
// new rows go to the end of the database's indexes instead of to random
// pages.
func NewID() string {
	b := randomBytes(16)
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return sortable.EncodeToString(b)
}

// sortable is base32 in an alphabet in ASCII order, so that encoded ids
// sort as their bytes do.
var sortable = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewRefundID returns a new refund id: 10 characters from A-Z and 0-9, the
// length Payroc requires.
func NewRefundID() string { return randomAlnum(10) }

// NewApprovalCode returns a 6-character approval code.
func NewApprovalCode() string { return randomAlnum(6) }

// NewSecret returns a new API key or bearer token with the given prefix,
// followed by 32 lowercase base32 characters (160 random bits).
func NewSecret(prefix string) string { return prefix + b32.EncodeToString(randomBytes(20)) }

// HashSecret returns the SHA-256 digest under which a secret is stored.
// Secrets are random and long, so a fast hash is enough to make a stolen
// database useless for calling the API.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomAlnum(n int) string {
	b := randomBytes(n)
	for i := range b {
		// 252 is the largest multiple of 36 below 256; redraw above it so
		// every character is equally likely.
		for b[i] >= 252 {
			b[i] = randomBytes(1)[0]
		}
		b[i] = alnum[b[i]%36]
	}
	return string(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return b
}

// NewSecureToken returns a token that stands for a saved card: 16 random
// digits that fail the Luhn check, so that no scan or reader takes it for a
// card number.
func NewSecureToken() string {
	b := randomBytes(16)
	digits := make([]byte, 16)
	for i, x := range b {
		digits[i] = '0' + x%10
	}
	digits[0] = '9' // no card scheme starts there
	for Luhn(string(digits)) {
		digits[15] = '0' + (digits[15]-'0'+1)%10
	}
	return string(digits)
}
