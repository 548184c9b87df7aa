package ferry

import "time"

// Merchant is a tenant: it owns API keys, devices, instructions and refunds,
// and sees nothing of any other merchant's.
type Merchant struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// APIKey lets a POS get bearer tokens for one merchant. Only the hash of the
// key is stored; the key itself is shown once, when it is made.
type APIKey struct {
	ID         string
	MerchantID string
	// Prefix is the start of the key, to tell keys apart in listings.
	Prefix    string
	Hash      []byte
	CreatedAt time.Time
	RevokedAt time.Time // zero while the key is valid
}

// APIKeyPrefix starts every API key.
const APIKeyPrefix = "fy_key_"

// Token is a bearer token; only its hash is stored.
type Token struct {
	Hash       []byte
	MerchantID string
	APIKeyID   string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// TokenPrefix starts every bearer token.
const TokenPrefix = "fy_tok_"

// Principal is who is calling: the merchant behind a valid bearer token.
type Principal struct {
	MerchantID string
	APIKeyID   string
	ExpiresAt  time.Time
	// TokenHash is the hash of the bearer token, to check it again during
	// a long wait; nil for callers inside the process.
	TokenHash []byte
}
