package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// tokenSource fetches bearer tokens lazily, keeps each until shortly
// before it expires, and lets one caller at a time fetch a new one while
// the others wait for it.
type tokenSource struct {
	c      *Client
	apiKey string

	mu       sync.Mutex
	token    string
	renewAt  time.Time
	fetching chan struct{} // closed when the fetch in flight ends
	fetchErr error
}

// renewMargin is how long before expiry a token is replaced, as Payroc's
// SDKs do; for short-lived tokens, half their lifetime.
const renewMargin = 2 * time.Minute

// get returns a valid token, fetching one if needed.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	for {
		ts.mu.Lock()
		if ts.token != "" && ts.c.now().Before(ts.renewAt) {
			tok := ts.token
			ts.mu.Unlock()
			return tok, nil
		}
		if ts.fetching == nil {
			done := make(chan struct{})
			ts.fetching = done
			ts.mu.Unlock()
			tok, renewAt, err := ts.fetch(ctx)
			ts.mu.Lock()
			ts.token, ts.renewAt, ts.fetchErr = tok, renewAt, err
			ts.fetching = nil
			close(done)
			ts.mu.Unlock()
			if err != nil {
				return "", err
			}
			return tok, nil
		}
		wait := ts.fetching
		ts.mu.Unlock()
		select {
		case <-wait:
			ts.mu.Lock()
			err := ts.fetchErr
			ts.mu.Unlock()
			if err != nil {
				return "", err
			}
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// invalidate drops token if it is still the current one, so that the next
// get fetches a new one; a token already replaced is left alone.
func (ts *tokenSource) invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token == token {
		ts.token = ""
	}
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch asks the identity service for a token, with the same retries as
// any call.
func (ts *tokenSource) fetch(ctx context.Context) (string, time.Time, error) {
	c := ts.c
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, RequestTimeout)
		req, err := http.NewRequestWithContext(rctx, "POST", c.env.Identity+"/authorize", nil)
		if err != nil {
			cancel()
			return "", time.Time{}, err
		}
		req.Header.Set("x-api-key", ts.apiKey)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.agent)
		started := c.now()
		resp, err := c.roundTrip(req, "POST /authorize")
		cancel()
		if err != nil && ctx.Err() != nil {
			return "", time.Time{}, ctx.Err()
		}
		if wait, retry := c.shouldRetry(ctx, resp, err, attempt); retry {
			if err := c.sleep(ctx, wait); err != nil {
				return "", time.Time{}, err
			}
			continue
		}
		if err != nil {
			return "", time.Time{}, err
		}
		if resp.status != http.StatusOK {
			return "", time.Time{}, apiError(resp)
		}
		var tr tokenResponse
		if err := json.Unmarshal(resp.body, &tr); err != nil || tr.AccessToken == "" {
			return "", time.Time{}, fmt.Errorf("client: the identity service answered without a token")
		}
		life := time.Duration(tr.ExpiresIn) * time.Second
		if life <= 0 {
			life = time.Hour // as Payroc's SDKs assume
		}
		return tr.AccessToken, started.Add(life - min(renewMargin, life/2)), nil
	}
}
