package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/notify"
	"github.com/ferrygateway/ferry/payroc"
)

// server is a real `ferry serve` running in this process on port 0.
type server struct {
	t      *testing.T
	URL    string
	APIKey string // the sandbox merchant's key, on a new database
	// Merchant is the sandbox merchant's id.
	Merchant string
	DB       string
	// clock is the server's: real time, until the test jumps it forward.
	clock  *ferrytest.JumpClock
	hub    *notify.Hub // the server's waiters
	cancel context.CancelFunc
	done   chan error
	stdout *syncBuffer // the ready line, and anything else it printed there
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readReady reads the first line a `ferry serve --ready-json` prints on
// stdout, which must be its ready line.
func readReady(r *bufio.Reader) (*readyLine, error) {
	text, err := r.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("no ready line: %w (read %q)", err, text)
	}
	var line readyLine
	if err := json.Unmarshal([]byte(text), &line); err != nil || !line.Ready || line.URL == "" {
		return nil, fmt.Errorf("not a ready line: %q (%v)", text, err)
	}
	return &line, nil
}

// sandboxOf returns the sandbox merchant's id and API key from a ready line.
func sandboxOf(line *readyLine) (merchant, apiKey string) {
	if line.Sandbox == nil {
		return "", ""
	}
	return line.Sandbox.MerchantID, line.Sandbox.APIKey
}

// fastArgs make the sandbox quick: short simulated delays and deadlines.
var fastArgs = []string{"--sim-delay", "20ms", "--instruction-timeout", "2s", "--lease-ttl", "1s", "--poll-wait", "10s", "--log-level", "warn"}

// starter starts a server on a new database.
type starter func(t *testing.T, args ...string) *server

// eachDB runs a test against a server on SQLite and one on PostgreSQL
// (when FERRY_TEST_POSTGRES_URL is set), in parallel.
func eachDB(t *testing.T, test func(t *testing.T, start starter)) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, startServer)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, startPostgresServer)
	})
}

// startPostgresServer runs `ferry serve` on a new schema of the test
// PostgreSQL server.
func startPostgresServer(t *testing.T, args ...string) *server {
	t.Helper()
	// A small pool: many tests share the server's 100 connections.
	return startServerOn(t, ferrytest.PostgresURL(t)+"&pool_max_conns=8", args...)
}

// startServer runs `ferry serve` on a new database in t.TempDir.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startServerOn(t, "sqlite:"+filepath.Join(ferrytest.Dir(t), "ferry.db"), args...)
}

// startServerOn runs `ferry serve --ready-json` on the database dsn until
// the test ends or stop is called.
func startServerOn(t *testing.T, dsn string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{t: t, DB: dsn, clock: ferrytest.NewJumpClock(), cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	// The hub is set before the ready line is written, so before it is read.
	ctx = context.WithValue(ctx, serveHooksKey{}, &serveHooks{clock: s.clock, listening: func(hub *notify.Hub) { s.hub = hub }})
	full := append([]string{"serve", "--ready-json", "--listen", "127.0.0.1:0", "--db", dsn}, fastArgs...)
	full = append(full, args...)
	go func() {
		err := run(ctx, full, func(string) string { return "" }, strings.NewReader(""), pw, io.MultiWriter(s.stderr, ferrytest.Log(t, "server.log")))
		pw.CloseWithError(fmt.Errorf("server exited: %v", err))
		s.done <- err
	}()
	ready := make(chan error, 1)
	go func() {
		r := bufio.NewReader(io.TeeReader(pr, s.stdout))
		line, err := readReady(r)
		if err == nil {
			s.URL = line.URL
			s.Merchant, s.APIKey = sandboxOf(line)
		}
		ready <- err
		io.Copy(io.Discard, r)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("server did not start: %v\n%s", err, s.stderr)
		}
	case err := <-s.done:
		t.Fatalf("server exited: %v\n%s", err, s.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not start in time\n%s", s.stderr)
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// waitUntil checks cond every few milliseconds until it holds, and
// reports whether it did within limit. It is for conditions that announce
// no event; callers fail the test, saying what they waited for.
func waitUntil(limit time.Duration, cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			return cond()
		}
	}
	return true
}

// waitWaiting waits until n long-polls of the server wait on the notifier
// key, such as ferry.InstructionTopic(id): a change after that wakes them.
func (s *server) waitWaiting(t *testing.T, key string, n int) {
	t.Helper()
	if !waitUntil(10*time.Second, func() bool { return s.hub.Subscribers(key) >= n }) {
		t.Fatalf("%d of %d requests wait on %s after 10s", s.hub.Subscribers(key), n, key)
	}
}

// waitPhase waits until an instruction has reached phase, as its history
// in the database tells.
func (s *server) waitPhase(t *testing.T, id string, phase ferry.Phase) {
	t.Helper()
	ctx := context.Background()
	svc, done, err := openAdmin(ctx, s.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	reached := func() bool {
		events, err := svc.Store().EventList(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Phase == phase {
				return true
			}
		}
		return false
	}
	if !waitUntil(10*time.Second, reached) {
		t.Fatalf("instruction %s did not reach %s in 10s", id, phase)
	}
}

// stop shuts the server down gracefully and waits for it.
func (s *server) stop() {
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("server exited with %v\n%s", err, s.stderr)
		}
		s.done <- err // let a second stop return too
	case <-time.After(30 * time.Second):
		s.t.Errorf("server did not stop\n%s", s.stderr)
	}
}

// response is an HTTP answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// JSON decodes the body into v, failing the test on error.
func (r *response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
}

// Problem decodes a problem document.
func (r *response) Problem(t *testing.T) *ferry.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (%s)", ct, r)
	}
	var p ferry.Problem
	r.JSON(t, &p)
	if p.Status != r.Status || p.Title == "" || p.Detail == "" || !strings.HasPrefix(p.Type, ferry.ProblemTypeBase) {
		t.Fatalf("incomplete problem document: %s", r)
	}
	return &p
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// do sends a request; headers come in name, value pairs.
func (s *server) do(t *testing.T, method, path string, body []byte, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// token gets a bearer token for an API key.
func (s *server) token(t *testing.T, apiKey string) string {
	t.Helper()
	r := s.do(t, "POST", "/authorize", nil, "x-api-key", apiKey)
	if r.Status != 200 {
		t.Fatalf("authorize: %s", r)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(t, &tok)
	return tok.AccessToken
}

// posClient is a merchant's session against the server.
type posClient struct {
	s     *server
	token string
}

func (s *server) client(t *testing.T, apiKey string) *posClient {
	return &posClient{s: s, token: s.token(t, apiKey)}
}

func (c *posClient) do(t *testing.T, method, path string, body []byte, headers ...string) *response {
	t.Helper()
	return c.s.do(t, method, path, body, append([]string{"Authorization", "Bearer " + c.token}, headers...)...)
}

func refundBody(amount int64) []byte {
	return []byte(fmt.Sprintf(`{"processingTerminalId":"1234001","order":{"orderId":"OrderRef6543","description":"Refund for order OrderRef6543","amount":%d,"currency":"USD"}}`, amount))
}

// submit posts a refund instruction with a new idempotency key.
func (c *posClient) submit(t *testing.T, serial string, body []byte) *response {
	t.Helper()
	return c.submitKey(t, serial, ferry.NewIdempotencyKey(), body)
}

func (c *posClient) submitKey(t *testing.T, serial, key string, body []byte) *response {
	t.Helper()
	return c.do(t, "POST", "/v1/devices/"+serial+"/refund-instructions", body,
		"Content-Type", "application/json", "Idempotency-Key", key)
}

// refund submits an instruction that must be accepted and returns its id.
func (c *posClient) refund(t *testing.T, serial string, amount int64) string {
	t.Helper()
	r := c.submit(t, serial, refundBody(amount))
	if r.Status != 202 {
		t.Fatalf("submit: %s", r)
	}
	var in payroc.RefundInstruction
	r.JSON(t, &in)
	return in.RefundInstructionID
}

// poll long-polls an instruction until it leaves inProgress, as Payroc
// asks: one request at a time.
func (c *posClient) poll(t *testing.T, id string) *payroc.RefundInstruction {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r := c.do(t, "GET", "/v1/refund-instructions/"+id, nil)
		if r.Status != 200 {
			t.Fatalf("poll: %s", r)
		}
		var in payroc.RefundInstruction
		r.JSON(t, &in)
		if in.Status != ferry.StatusInProgress {
			return &in
		}
	}
	t.Fatalf("instruction %s still in progress after 30s", id)
	return nil
}

// refundOf fetches the refund a completed instruction links to.
func (c *posClient) refundOf(t *testing.T, in *payroc.RefundInstruction) *ferry.Refund {
	t.Helper()
	if in.Status != ferry.StatusCompleted || in.Link == nil || in.Link.Rel != "refund" {
		t.Fatalf("instruction has no refund: %+v", in)
	}
	path := strings.TrimPrefix(in.Link.Href, c.s.URL)
	r := c.do(t, "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %s", path, r)
	}
	var refund ferry.Refund
	r.JSON(t, &refund)
	return &refund
}

// admin runs an admin command against the server's database.
func (s *server) admin(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--db", s.DB)
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err != nil {
		return out.String() + errOut.String(), err
	}
	return out.String(), nil
}

// newMerchant creates a merchant through the admin command and returns its
// id and API key.
func (s *server) newMerchant(t *testing.T, name string) (string, string) {
	t.Helper()
	out, err := s.admin(t, "merchant", "create", "--name", name, "--json")
	if err != nil {
		t.Fatalf("merchant create: %v\n%s", err, out)
	}
	var m struct{ MerchantID, APIKey string }
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.MerchantID == "" || m.APIKey == "" {
		t.Fatalf("merchant create printed %q (%v)", out, err)
	}
	return m.MerchantID, m.APIKey
}

// addDevice registers a device through the admin command.
func (s *server) addDevice(t *testing.T, merchantID, serial string, simulated bool) {
	t.Helper()
	args := []string{"device", "add", "--merchant", merchantID, "--serial", serial, "--terminal", "1234001"}
	if simulated {
		args = append(args, "--simulated")
	}
	if out, err := s.admin(t, args...); err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
}
