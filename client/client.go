// Package client is a Go client for Payroc Cloud's refund instructions, for
// Ferry and for Payroc's own UAT and production environments. It fetches
// and refreshes bearer tokens, gives every submission a fresh idempotency
// key and keeps it on every retry, retries what is safe to retry, long-polls
// the way Payroc asks (one request at a time), and returns errors as *Error
// values.
//
// The three steps of an unreferenced refund:
//
//	c, err := client.New(client.Ferry("http://127.0.0.1:8080"), apiKey)
//	in, err := c.CreateRefundInstruction(ctx, "1850010868", payroc.RefundInstructionRequest{
//		ProcessingTerminalID: "1234001",
//		Order: payroc.InstructionOrder{OrderID: "OrderRef6543", Amount: 4999, Currency: "USD"},
//	})
//	in, err = c.WaitRefundInstruction(ctx, in.RefundInstructionID, nil)
//	refund, err := c.RefundOf(ctx, in)
//
// The package depends only on the standard library and Ferry's domain
// package.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environment names the two services a client talks to: the API (with
// /v1) and identity, which issues bearer tokens.
type Environment struct {
	API      string
	Identity string
}

// Payroc's environments.
var (
	PayrocUAT        = Environment{API: "https://api.uat.payroc.com/v1", Identity: "https://identity.uat.payroc.com"}
	PayrocProduction = Environment{API: "https://api.payroc.com/v1", Identity: "https://identity.payroc.com"}
)

// Ferry returns the environment of a Ferry server at baseURL, such as
// "http://127.0.0.1:8080".
func Ferry(baseURL string) Environment {
	base := strings.TrimRight(baseURL, "/")
	return Environment{API: base + "/v1", Identity: base}
}

// RetryPolicy says how often and how patiently requests are retried.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 means no retry. Default: 3.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry; it doubles for each
	// one after, with jitter. Default: 500ms.
	InitialBackoff time.Duration
	// MaxBackoff caps each wait, and a server's Retry-After. Default: 10s.
	MaxBackoff time.Duration
}

// Timeouts for requests, unless the context sets a shorter deadline.
const (
	// RequestTimeout bounds a request that does not wait on purpose.
	RequestTimeout = 30 * time.Second
	// PollTimeout bounds a status GET, which the server may hold for up to
	// a minute while it waits for a change.
	PollTimeout = 75 * time.Second
)

// Client talks to one environment with one API key. It is safe for
// concurrent use.
type Client struct {
	env    Environment
	http   *http.Client
	retry  RetryPolicy
	tokens *tokenSource
	agent  string

	// Seams for tests.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc instead of the default client.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithRetry replaces the retry policy; zero fields keep their defaults.
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithUserAgent sets the User-Agent of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client for env that authenticates with apiKey. No request
// is sent until the first call.
func New(env Environment, apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("client: an API key is required")
	}
	for _, u := range []string{env.API, env.Identity} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("client: %q is not an http or https URL", redact(u))
		}
	}
	c := &Client{
		env:   env,
		http:  DefaultHTTPClient(),
		agent: "ferry-go-client",
		sleep: sleepCtx,
		now:   time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	if c.retry.MaxAttempts <= 0 {
		c.retry.MaxAttempts = 3
	}
	if c.retry.InitialBackoff <= 0 {
		c.retry.InitialBackoff = 500 * time.Millisecond
	}
	if c.retry.MaxBackoff <= 0 {
		c.retry.MaxBackoff = 10 * time.Second
	}
	c.tokens = &tokenSource{c: c, apiKey: apiKey}
	return c, nil
}

// DefaultHTTPClient returns the client New uses: timeouts to connect, for
// TLS and for response headers long enough for a long-poll; each request
// also gets an overall deadline (RequestTimeout or PollTimeout).
func DefaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: PollTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
	}}
}

// call is one API operation.
type call struct {
	method string
	path   string // below the API base, e.g. "/refunds/CD3HN88U9F"
	body   []byte
	// idempotencyKey is sent, the same, on every attempt.
	idempotencyKey string
	timeout        time.Duration
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
	// attempts is how many tries it took.
	attempts int
}

// do sends a call with authentication and retries. A 401 fetches a new
// token and tries once more. Network errors, 408, 429 and 5xx are retried
// with backoff (honouring Retry-After) up to the policy's attempts, with the
// same body and idempotency key. Any other answer is returned as it is;
// error statuses become *Error.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	refreshed := false
	for attempt := 1; ; attempt++ {
		token, err := c.tokens.get(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, cl, token)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err() // the caller gave up
		}
		if err == nil && resp.status == http.StatusUnauthorized && !refreshed {
			refreshed = true
			c.tokens.invalidate(token)
			attempt--
			continue
		}
		wait, retry := c.shouldRetry(ctx, resp, err, attempt)
		if !retry {
			if err != nil {
				return nil, err
			}
			resp.attempts = attempt
			if resp.status >= 400 {
				return resp, apiError(resp)
			}
			return resp, nil
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// shouldRetry decides whether attempt's outcome is worth another try, and
// how long to wait first.
func (c *Client) shouldRetry(ctx context.Context, resp *response, err error, attempt int) (time.Duration, bool) {
	if attempt >= c.retry.MaxAttempts || ctx.Err() != nil {
		return 0, false
	}
	if err != nil {
		var ue *transportError
		return c.backoff(attempt), errors.As(err, &ue)
	}
	switch s := resp.status; {
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s >= 500:
	default:
		return 0, false
	}
	wait := c.backoff(attempt)
	if ra, ok := retryAfter(resp.header.Get("Retry-After"), c.now()); ok {
		wait = min(ra, c.retry.MaxBackoff)
	}
	if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
		return 0, false // no time left to wait: report the last answer
	}
	return wait, true
}

// backoff is the wait before retry number attempt: exponential, with half
// of it random.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.InitialBackoff << min(attempt-1, 20)
	if d <= 0 || d > c.retry.MaxBackoff {
		d = c.retry.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// transportError is a failure to get any answer: it may be retried.
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string { return e.op + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// send makes one attempt.
func (c *Client) send(ctx context.Context, cl call, token string) (*response, error) {
	timeout := cl.timeout
	if timeout == 0 {
		timeout = RequestTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(rctx, cl.method, c.env.API+cl.path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", cl.idempotencyKey)
	}
	return c.roundTrip(req, cl.method+" "+opPath(cl.path))
}

// roundTrip sends req and reads the answer. Errors name the operation, never
// the URL (which would show the host and, in some setups, credentials).
func (c *Client) roundTrip(req *http.Request, op string) (*response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &transportError{op: op, err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, &transportError{op: op, err: err}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// opPath shortens a path for error messages: ids stay, the host does not.
func opPath(p string) string { return "/v1" + p }

// decode reads a JSON answer into v.
func decode(resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("client: decoding the answer: %w", err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// redact hides a password in a URL so that it can be shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
