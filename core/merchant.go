package core

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/ferrygateway/ferry"
)

// CreateMerchant creates a merchant with one API key. The key is returned
// here and never again: only its hash is stored.
func (s *Service) CreateMerchant(ctx context.Context, name string) (*ferry.Merchant, string, error) {
	var m *ferry.Merchant
	var key string
	err := s.store.Update(ctx, func(tx ferry.Tx) (err error) {
		m, key, err = s.createMerchant(ctx, tx, name)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return m, key, nil
}

func (s *Service) createMerchant(ctx context.Context, tx ferry.Tx, name string) (*ferry.Merchant, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 || !ferry.ValidText(name) {
		return nil, "", &ferry.Error{Code: ferry.CodeInvalid, Message: "A merchant needs a name of 1 to 100 characters",
			Fields: []ferry.FieldError{{Parameter: "name", Detail: "invalid", Message: "name must be 1 to 100 characters of UTF-8 text, without NUL"}}}
	}
	m := &ferry.Merchant{ID: ferry.NewID(), Name: name, CreatedAt: tx.Now()}
	if err := tx.MerchantInsert(ctx, m); err != nil {
		return nil, "", err
	}
	key, _, err := s.insertAPIKey(ctx, tx, m.ID)
	return m, key, err
}

// CreateAPIKey adds an API key to a merchant and returns it (shown once)
// with its stored record.
func (s *Service) CreateAPIKey(ctx context.Context, merchantID string) (string, *ferry.APIKey, error) {
	var key string
	var rec *ferry.APIKey
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		if _, err := tx.MerchantGet(ctx, merchantID); err != nil {
			return err
		}
		var err error
		key, rec, err = s.insertAPIKey(ctx, tx, merchantID)
		return err
	})
	return key, rec, err
}

func (s *Service) insertAPIKey(ctx context.Context, tx ferry.Tx, merchantID string) (string, *ferry.APIKey, error) {
	key := ferry.NewSecret(ferry.APIKeyPrefix)
	rec := &ferry.APIKey{
		ID:         ferry.NewID(),
		MerchantID: merchantID,
		Prefix:     key[:len(ferry.APIKeyPrefix)+4],
		Hash:       ferry.HashSecret(key),
		CreatedAt:  tx.Now(),
	}
	return key, rec, tx.APIKeyInsert(ctx, rec)
}

// RevokeAPIKey ends a merchant's API key at once; the tokens it issued stop
// working too.
func (s *Service) RevokeAPIKey(ctx context.Context, merchantID, keyID string) error {
	err := s.store.Update(ctx, func(tx ferry.Tx) error {
		if err := tx.APIKeyRevoke(ctx, merchantID, keyID, tx.Now()); err != nil {
			return err
		}
		_, err := tx.TokenDeleteForAPIKey(ctx, keyID)
		return err
	})
	if err == nil {
		s.notify(ctx, ferry.RevokedTopic)
	}
	return err
}

// errNotAuthorized is the one answer for every API key that does not work.
var errNotAuthorized = &ferry.Error{Code: ferry.CodeUnauthorized, Message: "Your identity could not be verified"}

// errBadToken is the one answer for every bearer token that does not work:
// unknown, expired, or issued for a key since revoked. The client does the
// same in each case.
var errBadToken = &ferry.Error{Code: ferry.CodeUnauthorized,
	Message: "Your bearer token is not valid: it may have expired or been revoked; get a new one from POST /authorize"}

// Authorize exchanges an API key for a bearer token. It returns the token
// and its lifetime; an unknown or revoked key is CodeUnauthorized. An API
// key gets at most Config.TokenRate tokens a minute; past that it is
// CodeRateLimited, with the seconds until the next one in RetryAfter.
func (s *Service) Authorize(ctx context.Context, apiKey string) (string, time.Duration, error) {
	if apiKey == "" {
		return "", 0, &ferry.Error{Code: ferry.CodeUnauthorized, Message: "Send your API key in the x-api-key header"}
	}
	hash := ferry.HashSecret(apiKey)
	key, err := s.store.APIKeyGetByHash(ctx, hash)
	if ferry.ErrorCode(err) == ferry.CodeNotFound {
		return "", 0, errNotAuthorized
	}
	if err != nil {
		return "", 0, err
	}
	if subtle.ConstantTimeCompare(key.Hash, hash) != 1 || !key.RevokedAt.IsZero() {
		return "", 0, errNotAuthorized
	}
	token := ferry.NewSecret(ferry.TokenPrefix)
	err = s.store.Update(ctx, func(tx ferry.Tx) error {
		// One key's requests count one after the other, on every instance.
		if err := tx.Lock(ctx, "authorize:"+key.ID); err != nil {
			return err
		}
		n, first, err := tx.TokenCountSince(ctx, key.ID, tx.Now().Add(-time.Minute))
		if err != nil {
			return err
		}
		if n >= s.cfg.TokenRate {
			return &ferry.Error{Code: ferry.CodeRateLimited, RetryAfter: max(1, int(math.Ceil(first.Add(time.Minute).Sub(tx.Now()).Seconds()))),
				Message: fmt.Sprintf("This API key got %d bearer tokens in the last minute, the most Ferry issues; keep a token and use it until it expires (%s)",
					n, durationText(s.cfg.TokenTTL))}
		}
		return tx.TokenInsert(ctx, &ferry.Token{
			Hash:       ferry.HashSecret(token),
			MerchantID: key.MerchantID,
			APIKeyID:   key.ID,
			CreatedAt:  tx.Now(),
			ExpiresAt:  tx.Now().Add(s.cfg.TokenTTL),
		})
	})
	if err != nil {
		return "", 0, err
	}
	return token, s.cfg.TokenTTL, nil
}

// Authenticate returns the principal behind a bearer token. A missing,
// unknown or expired token, or one whose API key was revoked, is
// CodeUnauthorized. Valid tokens are remembered, until they expire or any
// API key is revoked, so that most calls need no database read.
func (s *Service) Authenticate(ctx context.Context, token string) (*ferry.Principal, error) {
	if token == "" {
		return nil, &ferry.Error{Code: ferry.CodeUnauthorized, Message: "Send a bearer token in the Authorization header; get one from POST /authorize"}
	}
	hash := ferry.HashSecret(token)
	now := s.clock.Now()
	if p := s.tokens.get(hash, now); p != nil {
		return p, nil
	}
	t, err := s.store.TokenGetByHash(ctx, hash)
	if ferry.ErrorCode(err) == ferry.CodeNotFound {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(t.Hash, hash) != 1 || !now.Before(t.ExpiresAt) {
		return nil, errBadToken
	}
	p := &ferry.Principal{MerchantID: t.MerchantID, APIKeyID: t.APIKeyID, ExpiresAt: t.ExpiresAt, TokenHash: hash}
	s.tokens.put(hash, p)
	return p, nil
}

// tokenCache remembers valid bearer tokens by hash. Any revocation
// forgets them all.
type tokenCache struct {
	revoked ferry.Subscription
	mu      sync.Mutex
	m       map[string]*ferry.Principal
}

// maxCachedTokens bounds the cache; when full it starts over.
const maxCachedTokens = 100_000

func newTokenCache(n ferry.Notifier) *tokenCache {
	return &tokenCache{revoked: n.Subscribe(ferry.RevokedTopic), m: make(map[string]*ferry.Principal)}
}

func (c *tokenCache) get(hash []byte, now time.Time) *ferry.Principal {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.revoked.C():
		clear(c.m)
	default:
	}
	p := c.m[string(hash)]
	if p == nil || !now.Before(p.ExpiresAt) {
		return nil
	}
	return p
}

func (c *tokenCache) put(hash []byte, p *ferry.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedTokens {
		clear(c.m)
	}
	c.m[string(hash)] = p
}

// checkPrincipal fails with the answer for a token that does not work once
// p's token has been revoked (with its API key). A token still in the
// cache is valid, since any revocation empties the cache, unless fresh
// asks for the database: a waiter woken by a revocation may run before the
// cache has seen it.
func (s *Service) checkPrincipal(ctx context.Context, p *ferry.Principal, fresh bool) error {
	if p.TokenHash == nil || (!fresh && s.tokens.get(p.TokenHash, s.clock.Now()) != nil) {
		return nil
	}
	if _, err := s.store.TokenGetByHash(ctx, p.TokenHash); ferry.ErrorCode(err) == ferry.CodeNotFound {
		return errBadToken
	} else if err != nil {
		return err
	}
	return nil
}

// Merchant returns a merchant.
func (s *Service) Merchant(ctx context.Context, id string) (*ferry.Merchant, error) {
	return s.store.MerchantGet(ctx, id)
}

// Merchants lists every merchant.
func (s *Service) Merchants(ctx context.Context) ([]*ferry.Merchant, error) {
	return s.store.MerchantList(ctx)
}

// APIKeys lists a merchant's API keys (their hashes and prefixes, never
// the keys).
func (s *Service) APIKeys(ctx context.Context, merchantID string) ([]*ferry.APIKey, error) {
	return s.store.APIKeyList(ctx, merchantID)
}
