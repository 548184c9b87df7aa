package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
)

// HTTPConn is a device session over Ferry's device protocol
// (docs/device-protocol.md). It implements ferry.DeviceConn.
type HTTPConn struct {
	// BaseURL is the server, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Credential is the device credential (fy_dev_...).
	Credential string
	// Session names this session; one per running agent.
	Session string
	// Client sends the requests. Default: NewHTTPClient().
	Client *http.Client
}

var _ ferry.DeviceConn = (*HTTPConn)(nil)

// callTimeout bounds every call but the waits: a card read may wait for
// the processor.
const callTimeout = 60 * time.Second

// NewHTTPClient returns a client with timeouts for connecting and for
// response headers; each call sets its own overall deadline.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 90 * time.Second, // longer than any wait
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
	}}
}

func (c *HTTPConn) client() *http.Client {
	if c.Client == nil {
		c.Client = NewHTTPClient()
	}
	return c.Client
}

// seconds renders a wait for the ?wait parameter.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// Next waits up to wait (30 s if wait <= 0; at most 60 s) for work.
func (c *HTTPConn) Next(ctx context.Context, wait time.Duration) (*ferry.Assignment, error) {
	if wait <= 0 {
		wait = 30 * time.Second
	}
	wait = min(wait, 60*time.Second)
	var a ferry.Assignment
	status, err := c.do(ctx, wait+callTimeout, "GET", "/device/v1/instructions/next?wait="+seconds(wait), nil, &a)
	if err != nil || status == http.StatusNoContent {
		return nil, err
	}
	return &a, nil
}

func (c *HTTPConn) Heartbeat(ctx context.Context, l ferry.Lease, wait time.Duration) (*ferry.LeaseState, error) {
	return c.leaseCall(ctx, wait, l, ferry.DeviceCallHeartbeat, ferry.DeviceRequest{})
}

func (c *HTTPConn) Progress(ctx context.Context, l ferry.Lease, step string) (*ferry.LeaseState, error) {
	return c.leaseCall(ctx, 0, l, ferry.DeviceCallProgress, ferry.DeviceRequest{Step: step})
}

func (c *HTTPConn) Cancel(ctx context.Context, l ferry.Lease) (*ferry.LeaseState, error) {
	return c.leaseCall(ctx, 0, l, ferry.DeviceCallCancel, ferry.DeviceRequest{})
}

func (c *HTTPConn) Fail(ctx context.Context, l ferry.Lease, reason string) (*ferry.LeaseState, error) {
	return c.leaseCall(ctx, 0, l, ferry.DeviceCallFailure, ferry.DeviceRequest{Reason: reason})
}

func (c *HTTPConn) CardRead(ctx context.Context, l ferry.Lease, card ferry.CardRead) (*ferry.CardReadResult, error) {
	var res ferry.CardReadResult
	req := ferry.DeviceRequest{LeaseToken: l.Token, Card: &card}
	if _, err := c.do(ctx, callTimeout, "POST", instructionPath(l, ferry.DeviceCallCardRead), req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (c *HTTPConn) Signature(ctx context.Context, l ferry.Lease, sig ferry.SignatureCapture) (*ferry.CardReadResult, error) {
	var res ferry.CardReadResult
	req := ferry.DeviceRequest{LeaseToken: l.Token, Signature: &sig}
	if _, err := c.do(ctx, callTimeout, "POST", instructionPath(l, ferry.DeviceCallSignature), req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (c *HTTPConn) ClosedLoopRead(ctx context.Context, l ferry.Lease, data []byte) (*ferry.CardReadResult, error) {
	var res ferry.CardReadResult
	req := ferry.DeviceRequest{LeaseToken: l.Token, Data: data}
	if _, err := c.do(ctx, callTimeout, "POST", instructionPath(l, ferry.DeviceCallClosedLoopRead), req, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (c *HTTPConn) Ack(ctx context.Context, l ferry.Lease) error {
	_, err := c.do(ctx, callTimeout, "POST", instructionPath(l, ferry.DeviceCallAck), ferry.DeviceRequest{LeaseToken: l.Token}, nil)
	return err
}

// Me returns what the server knows of this device.
func (c *HTTPConn) Me(ctx context.Context) (*ferry.DeviceInfo, error) {
	var info ferry.DeviceInfo
	if _, err := c.do(ctx, callTimeout, "GET", "/device/v1/me", nil, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// Pair exchanges a pairing code for a device credential.
func Pair(ctx context.Context, client *http.Client, baseURL, code, serial string) (*ferry.PairResponse, error) {
	c := &HTTPConn{BaseURL: baseURL, Client: client}
	var resp ferry.PairResponse
	if _, err := c.do(ctx, callTimeout, "POST", "/device/v1/pair", ferry.PairRequest{Code: code, SerialNumber: serial}, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func instructionPath(l ferry.Lease, call string) string {
	return "/device/v1/instructions/" + url.PathEscape(l.InstructionID) + "/" + call
}

func (c *HTTPConn) leaseCall(ctx context.Context, wait time.Duration, l ferry.Lease, call string, req ferry.DeviceRequest) (*ferry.LeaseState, error) {
	req.LeaseToken = l.Token
	path := instructionPath(l, call)
	if wait > 0 {
		path += "?wait=" + seconds(min(wait, 60*time.Second))
	}
	var st ferry.LeaseState
	if _, err := c.do(ctx, wait+callTimeout, "POST", path, req, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// do sends one request and decodes a 200 into out. Problem documents
// become *ferry.Error values with the server's code and message.
func (c *HTTPConn) do(ctx context.Context, timeout time.Duration, method, path string, in, out any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(ferry.DeviceProtocolHeader, ferry.DeviceProtocolVersion)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.Credential)
	}
	if c.Session != "" {
		req.Header.Set(ferry.SessionHeader, c.Session)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, scrub(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return resp.StatusCode, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
			}
		}
		return resp.StatusCode, nil
	}
	return resp.StatusCode, problemError(resp, b)
}

// problemError turns an error response into a *ferry.Error.
func problemError(resp *http.Response, body []byte) error {
	e := ferry.ErrorFromProblem(resp.StatusCode, body)
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = s
	}
	return e
}

// scrub drops the URL from a transport error: it names the server, which
// the caller knows, and could carry credentials in other setups.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
