package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
)

var pairCodeLine = regexp.MustCompile(`pairing code: (\S+)`)

// pairCode makes a pairing code for a new device of the sandbox merchant.
func (s *server) pairCode(t *testing.T, serial string, extra ...string) string {
	t.Helper()
	out, err := s.admin(t, append([]string{"device", "pair-code", "--merchant", s.Merchant, "--serial", serial, "--terminal", "1234001"}, extra...)...)
	m := pairCodeLine.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("pair-code: %v\n%s", err, out)
	}
	return m[1]
}

// device pairs a new device of the sandbox merchant and returns a session
// on it.
func (s *server) device(t *testing.T, serial string) *agent.HTTPConn {
	t.Helper()
	resp, err := agent.Pair(context.Background(), nil, s.URL, s.pairCode(t, serial), serial)
	if err != nil {
		t.Fatalf("pairing %s: %v", serial, err)
	}
	return s.session(resp.Credential, "s-"+ferry.NewID())
}

func (s *server) session(credential, id string) *agent.HTTPConn {
	return &agent.HTTPConn{BaseURL: s.URL, Credential: credential, Session: id}
}

func wantCode(t *testing.T, err error, code ferry.Code) {
	t.Helper()
	if got := ferry.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func TestDevicePairing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	code := s.pairCode(t, "TERM-1")
	_, err := agent.Pair(ctx, nil, s.URL, code, "TERM-2")
	wantCode(t, err, ferry.CodeUnauthorized)
	resp, err := agent.Pair(ctx, nil, s.URL, code, "TERM-1")
	if err != nil || !strings.HasPrefix(resp.Credential, ferry.DeviceCredentialPrefix) || resp.Device.SerialNumber != "TERM-1" ||
		resp.Device.ProcessingTerminalID != "1234001" || resp.Device.ProtocolVersion != ferry.DeviceProtocolVersion {
		t.Fatalf("pair = %+v, %v", resp, err)
	}
	_, err = agent.Pair(ctx, nil, s.URL, code, "TERM-1")
	wantCode(t, err, ferry.CodeUnauthorized) // used once

	expiring := s.pairCode(t, "TERM-3", "--ttl", "1m")
	s.clock.Advance(time.Minute + time.Second) // past the code's time to live
	_, err = agent.Pair(ctx, nil, s.URL, expiring, "TERM-3")
	wantCode(t, err, ferry.CodeUnauthorized)
	if !strings.Contains(ferry.ErrorMessage(err), "expired") {
		t.Errorf("message for an expired code: %q", ferry.ErrorMessage(err))
	}

	conn := s.session(resp.Credential, "s1")
	info, err := conn.Me(ctx)
	if err != nil || info.SerialNumber != "TERM-1" || info.Merchant != "Sandbox" {
		t.Fatalf("me = %+v, %v", info, err)
	}
	bad := s.session("fy_dev_nope", "s1")
	_, err = bad.Me(ctx)
	wantCode(t, err, ferry.CodeUnauthorized)

	// A credential issued directly works the same way.
	file := filepath.Join(t.TempDir(), "dev.cred")
	if out, err := s.admin(t, "device", "add", "--merchant", s.Merchant, "--serial", "TERM-9", "--terminal", "1234001", "--credential-out", file); err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
	cred, _ := os.ReadFile(file)
	if st, _ := os.Stat(file); st == nil || st.Mode().Perm() != 0o600 {
		t.Errorf("credential file mode = %v, want 0600", st)
	}
	if info, err := s.session(strings.TrimSpace(string(cred)), "s2").Me(ctx); err != nil || info.SerialNumber != "TERM-9" {
		t.Errorf("issued credential: %+v, %v", info, err)
	}
}

func TestDeviceFlow(t *testing.T) { eachDB(t, testDeviceFlow) }

func testDeviceFlow(t *testing.T, boot starter) {
	const leaseTTL = 20 * time.Second
	s := boot(t, "--lease-ttl", leaseTTL.String(), "--instruction-timeout", "1m")
	ctx := context.Background()
	conn := s.device(t, "TERM-1")
	info, err := conn.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := s.client(t, s.APIKey)

	// A waiting poll wakes when an instruction arrives.
	got := make(chan *ferry.Assignment, 1)
	go func() {
		a, err := conn.Next(ctx, 20*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	s.waitWaiting(t, ferry.DeviceTopic(info.DeviceID), 1)
	id := c.refund(t, "TERM-1", 4999)
	var a *ferry.Assignment
	select {
	case a = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the device's poll did not wake")
	}
	if a == nil || a.InstructionID != id || a.Token != 1 || a.Amount != 4999 || a.Currency != "USD" || a.OrderID != "OrderRef6543" {
		t.Fatalf("assignment = %+v", a)
	}
	// Renewing keeps the lease past its time to live: the server's clock
	// moves on by half a lease between heartbeats, and after one and a half
	// leases no other session of the device can take the instruction.
	for range 3 {
		st, err := conn.Heartbeat(ctx, a.Lease, 0)
		if err != nil || st.Stop || st.Phase != ferry.PhaseDelivered {
			t.Fatalf("heartbeat = %+v, %v", st, err)
		}
		s.clock.Advance(leaseTTL / 2)
	}
	if b, err := s.session(conn.Credential, "other").Next(ctx, time.Millisecond); err != nil || b != nil {
		t.Fatalf("another session took a renewed lease: %+v, %v", b, err)
	}
	if _, err := conn.Progress(ctx, a.Lease, "card_presented"); err != nil {
		t.Fatal(err)
	}
	// A stale token changes nothing.
	_, err = conn.CardRead(ctx, ferry.Lease{InstructionID: id, Token: 7}, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeLeaseLost)
	// Card reads sent again and again make one refund.
	var results []*ferry.CardReadResult
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			r, err := conn.CardRead(ctx, a.Lease, ferry.SandboxCard)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, r := range results {
		if *r != *results[0] || !r.Approved || r.Status != ferry.StatusCompleted {
			t.Fatalf("card read results differ: %+v vs %+v", r, results[0])
		}
	}
	in := c.poll(t, id)
	if refund := c.refundOf(t, in); refund.RefundID != results[0].RefundID || refund.Card.CardNumber != "453985******7062" {
		t.Fatalf("refund = %+v", refund)
	}
	// The device is free; nothing is waiting for it.
	if a, err := conn.Next(ctx, 100*time.Millisecond); err != nil || a != nil {
		t.Errorf("next after completion = %+v, %v", a, err)
	}
}

func TestDeviceStopAndLease(t *testing.T) { eachDB(t, testDeviceStopAndLease) }

func testDeviceStopAndLease(t *testing.T, boot starter) {
	// A lease outlives any slow request; the test moves the server's clock
	// past it.
	const leaseTTL = 20 * time.Second
	s := boot(t, "--lease-ttl", leaseTTL.String(), "--instruction-timeout", "1m")
	ctx := context.Background()
	conn := s.device(t, "TERM-1")
	c := s.client(t, s.APIKey)

	// A cancel from the POS reaches a heartbeat that is waiting.
	id := c.refund(t, "TERM-1", 100)
	a, err := conn.Next(ctx, 5*time.Second)
	if err != nil || a == nil {
		t.Fatalf("next = %v, %v", a, err)
	}
	got := make(chan *ferry.LeaseState, 1)
	go func() {
		st, err := conn.Heartbeat(ctx, a.Lease, 10*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- st
	}()
	s.waitWaiting(t, ferry.InstructionTopic(id), 1)
	if r := c.do(t, "DELETE", "/v1/refund-instructions/"+id, nil); r.Status != 204 {
		t.Fatalf("cancel: %s", r)
	}
	select {
	case st := <-got:
		if st == nil || !st.Stop || st.Status != ferry.StatusCanceled {
			t.Fatalf("heartbeat after cancel = %+v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancel did not reach the device")
	}
	if err := conn.Ack(ctx, a.Lease); err != nil {
		t.Fatal(err)
	}

	// A lease that runs out before the card read sends the instruction back
	// to the queue, and the old lease is refused from then on.
	id = c.refund(t, "TERM-1", 200)
	if a, err = conn.Next(ctx, 5*time.Second); err != nil || a == nil {
		t.Fatalf("next = %v, %v", a, err)
	}
	other := s.session(conn.Credential, "other")
	if b, err := other.Next(ctx, time.Millisecond); err != nil || b != nil {
		t.Fatalf("another session took the instruction while its lease lived: %+v, %v", b, err)
	}
	s.clock.Advance(leaseTTL)
	b, err := other.Next(ctx, 5*time.Second)
	if err != nil || b == nil || b.InstructionID != id || b.Token != a.Token+1 {
		t.Fatalf("after the lease ran out, another session got %+v, %v", b, err)
	}
	_, err = conn.CardRead(ctx, a.Lease, ferry.SandboxCard)
	wantCode(t, err, ferry.CodeLeaseLost)
	// After the card read, a lapsed lease changes nothing: the refund stands.
	if r, err := other.CardRead(ctx, b.Lease, ferry.SandboxCard); err != nil || !r.Approved {
		t.Fatalf("card read = %+v, %v", r, err)
	}
	s.clock.Advance(leaseTTL)
	if in := c.poll(t, id); in.Status != ferry.StatusCompleted {
		t.Fatalf("instruction = %+v", in)
	}
	if a, _ := other.Next(ctx, 100*time.Millisecond); a != nil {
		t.Errorf("a completed instruction was handed out again: %+v", a)
	}
}

func TestTwoAgentsOneCredential(t *testing.T) { eachDB(t, testTwoAgentsOneCredential) }

func testTwoAgentsOneCredential(t *testing.T, boot starter) {
	// The lease outlives both polls, so a second holder can only come from a
	// race, not from a lease that lapsed on a slow machine.
	s := boot(t, "--lease-ttl", "30s")
	ctx := context.Background()
	first := s.device(t, "TERM-1")
	second := s.session(first.Credential, "second-session")
	c := s.client(t, s.APIKey)
	id := c.refund(t, "TERM-1", 4999)
	var got []*ferry.Assignment
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, conn := range []*agent.HTTPConn{first, second} {
		wg.Go(func() {
			a, err := conn.Next(ctx, time.Second)
			if err != nil {
				t.Error(err)
			}
			if a != nil {
				mu.Lock()
				got = append(got, a)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != 1 || got[0].InstructionID != id {
		t.Fatalf("%d sessions hold the instruction: %+v", len(got), got)
	}
}

func TestRevokedDevice(t *testing.T) { eachDB(t, testRevokedDevice) }

func testRevokedDevice(t *testing.T, boot starter) {
	s := boot(t)
	ctx := context.Background()
	conn := s.device(t, "TERM-1")
	info, err := conn.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.Next(ctx, 30*time.Second)
		done <- err
	}()
	s.waitWaiting(t, ferry.DeviceTopic(info.DeviceID), 1)
	if out, err := s.admin(t, "device", "revoke", "--merchant", s.Merchant, "--serial", "TERM-1"); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	select {
	case err := <-done:
		wantCode(t, err, ferry.CodeUnauthorized)
	case <-time.After(10 * time.Second):
		t.Fatal("a revoked device's poll stayed open")
	}
	_, err = conn.Me(ctx)
	wantCode(t, err, ferry.CodeUnauthorized)
}

func TestDeviceProtocolErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.device(t, "TERM-1")
	auth := []string{"Authorization", "Bearer " + conn.Credential, "Content-Type", "application/json"}
	c := s.client(t, s.APIKey)
	id := c.refund(t, "TERM-1", 100)
	cases := []struct {
		method, path string
		body         string
		headers      []string
		status       int
	}{
		{"GET", "/device/v1/instructions/next?wait=1", "", auth, 400},                                                     // no session
		{"GET", "/device/v1/instructions/next?wait=99", "", append(auth, ferry.SessionHeader, "s1"), 400},                 // wait too long
		{"POST", "/device/v1/instructions/" + id + "/heartbeat", `{"leaseToken":0}`, auth, 400},                           // no token
		{"POST", "/device/v1/instructions/" + id + "/heartbeat", `{"leaseToken":"1"}`, auth, 400},                         // wrong type
		{"POST", "/device/v1/instructions/" + id + "/card-read", `{"leaseToken":1,"card":{"cardNumber":"x"}}`, auth, 400}, // bad card
		{"POST", "/device/v1/instructions/" + id + "/teleport", `{"leaseToken":1}`, auth, 404},                            // unknown call
		{"POST", "/device/v1/instructions/" + id + "/heartbeat", `{"leaseToken":1}`, auth, 409},                           // not held
		{"POST", "/device/v1/instructions/0123456789abcdef0123456789abcdef/heartbeat", `{"leaseToken":1}`, auth, 404},
		{"POST", "/device/v1/instructions/" + id + "/heartbeat", `{"leaseToken":1}`, []string{"Content-Type", "application/json"}, 401},
		{"POST", "/device/v1/instructions/" + id + "/heartbeat", `{"leaseToken":1}`, []string{"Authorization", "Bearer " + s.token(t, s.APIKey)}, 401},
		{"GET", "/device/v1/pair", "", nil, 405},
		{"POST", "/device/v1/pair", `{"code":""}`, []string{"Content-Type", "application/json"}, 400},
		{"GET", "/device/v2/me", "", auth, 404},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		r := s.do(t, tc.method, tc.path, body, tc.headers...)
		if r.Status != tc.status {
			t.Errorf("%s %s %s: %s, want %d", tc.method, tc.path, tc.body, r, tc.status)
			continue
		}
		p := r.Problem(t)
		if strings.Contains(string(r.Body), "cardNumber\":\"x") {
			t.Errorf("the problem repeats card data: %s", r.Body)
		}
		_ = p
	}
	// The POS's token is not a device credential, and the other way round.
	if r := s.do(t, "GET", "/v1/refunds/ABCDEFGHIJ", nil, "Authorization", "Bearer "+conn.Credential); r.Status != 401 {
		t.Errorf("a device credential on the POS API: %s", r)
	}
}

func TestSearchDevices(t *testing.T) { eachDB(t, testSearchDevices) }

func testSearchDevices(t *testing.T, boot starter) {
	// A window no slow step of the test outlasts; the test moves the
	// server's clock past it.
	const offlineAfter = time.Minute
	s := boot(t, "--device-offline-after", offlineAfter.String())
	c := s.client(t, s.APIKey)
	// The sandbox devices, and a real one that polled once.
	conn := s.device(t, "TERM-1")
	if _, err := conn.Next(context.Background(), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	type item struct {
		DeviceID, SerialNumber, ProcessingTerminalID string
		Online, Simulated                            bool
		LastSeen                                     string
		LastTransaction                              *struct{ OrderID string }
	}
	type pageOf struct {
		Limit, Count int
		HasMore      bool
		Links        []ferry.Link
		Data         []item
	}
	get := func(query string) (*response, pageOf) {
		r := c.do(t, "GET", "/v1/devices"+query, nil)
		var p pageOf
		if r.Status == 200 {
			r.JSON(t, &p)
		}
		return r, p
	}
	c.poll(t, c.refund(t, "1850010868", 4999))
	_, all := get("")
	if all.Count != 5 || all.Limit != 10 || all.HasMore || len(all.Links) != 0 {
		t.Fatalf("all devices = %+v", all)
	}
	byserial := map[string]item{}
	for _, d := range all.Data {
		byserial[d.SerialNumber] = d
	}
	term := byserial["TERM-1"]
	if !term.Online || term.Simulated || term.LastSeen == "" || term.ProcessingTerminalID != "1234001" {
		t.Errorf("TERM-1 = %+v", term)
	}
	if sim := byserial["1850010868"]; !sim.Simulated || sim.LastTransaction == nil || sim.LastTransaction.OrderID != "OrderRef6543" {
		t.Errorf("1850010868 = %+v", sim)
	}
	// Pages of two, forwards with next links and back with previous links.
	_, p1 := get("?limit=2")
	if p1.Count != 2 || !p1.HasMore || len(p1.Links) != 1 || p1.Links[0].Rel != "next" {
		t.Fatalf("page 1 = %+v", p1)
	}
	r, p2 := get(strings.TrimPrefix(p1.Links[0].Href, s.URL+"/v1/devices"))
	if r.Status != 200 || p2.Count != 2 || p2.Data[0].SerialNumber != all.Data[2].SerialNumber {
		t.Fatalf("page 2 = %s", r)
	}
	var prev string
	for _, l := range p2.Links {
		if l.Rel == "previous" {
			prev = l.Href
		}
	}
	_, back := get(strings.TrimPrefix(prev, s.URL+"/v1/devices"))
	if back.Count != 2 || back.Data[0].SerialNumber != all.Data[0].SerialNumber {
		t.Fatalf("previous of page 2 = %+v", back)
	}
	if _, one := get("?serialNumber=TERM-1"); one.Count != 1 || one.Data[0].SerialNumber != "TERM-1" {
		t.Errorf("search by serial = %+v", one)
	}
	if _, none := get("?active=false"); none.Count != 0 || none.Data == nil {
		t.Errorf("inactive devices = %+v", none)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?before=a&after=b", "?active=maybe", "?serialNumber=" + strings.Repeat("9", 65)} {
		if r, _ := get(q); r.Status != 400 {
			t.Errorf("%s: %s", q, r)
		}
	}
	// Another merchant sees only its own devices.
	_, key := s.newMerchant(t, "Beta")
	r = s.client(t, key).do(t, "GET", "/v1/devices", nil)
	var other pageOf
	r.JSON(t, &other)
	if other.Count != 0 {
		t.Errorf("another merchant sees %d devices", other.Count)
	}
	// A device that stops polling goes offline.
	s.clock.Advance(offlineAfter)
	_, all = get("?serialNumber=TERM-1")
	if all.Data[0].Online {
		t.Error("TERM-1 is still online after the offline window")
	}
}

// buildFerry builds the ferry binary once per test run.
var buildFerry = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "ferry-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "ferry")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// TestAgentKilledMidInstruction runs `ferry device run --auto` as a real
// process, kills it with SIGKILL while the cardholder is still at the
// device, and checks that the instruction goes to the next session of the
// device and completes once.
func TestAgentKilledMidInstruction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ferry binary")
	}
	t.Parallel()
	bin, err := buildFerry()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--lease-ttl", "1s", "--instruction-timeout", "1m")
	c := s.client(t, s.APIKey)
	credFile := filepath.Join(t.TempDir(), "term.cred")
	if out, err := s.admin(t, "device", "add", "--merchant", s.Merchant, "--serial", "TERM-1", "--terminal", "1234001", "--credential-out", credFile); err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
	startAgent := func(delay string) (*exec.Cmd, *syncBuffer) {
		var out syncBuffer
		cmd := exec.Command(bin, "device", "run", "--url", s.URL, "--credential-file", credFile, "--auto", "--sim-delay", delay, "--poll-wait", "5s")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, &out
	}
	// A slow cardholder (…71) keeps the first agent busy for 10 × 1s.
	first, out := startAgent("1s")
	id := c.refund(t, "TERM-1", 4971)
	if !waitUntil(10*time.Second, func() bool { return c.get(t, id, "delivered") }) {
		t.Fatalf("the agent did not take the instruction:\n%s", out)
	}
	first.Process.Kill()
	first.Wait()

	second, out2 := startAgent("10ms")
	in := c.poll(t, id)
	second.Process.Signal(os.Interrupt)
	if err := second.Wait(); err != nil {
		t.Errorf("the agent did not exit cleanly on SIGINT: %v\n%s", err, out2)
	}
	if in.Status != ferry.StatusCompleted {
		t.Fatalf("after the kill: %+v\n%s", in, out2)
	}
	var events []string
	for _, e := range s.events(t, id) {
		events = append(events, e.Kind+":"+e.Detail)
	}
	joined := strings.Join(events, " ")
	if strings.Count(joined, "card_read") != 1 || strings.Count(joined, "completed") != 1 ||
		!strings.Contains(joined, "lease_expired") || !strings.Contains(joined, "delivered:lease 2") {
		t.Errorf("history: %v", events)
	}
}

// get reports whether an instruction is in phase, reading its history.
func (c *posClient) get(t *testing.T, id, phase string) bool {
	for _, e := range c.s.events(t, id) {
		if string(e.Phase) == phase {
			return true
		}
	}
	return false
}

// events reads an instruction's history from the database.
func (s *server) events(t *testing.T, id string) []*ferry.Event {
	t.Helper()
	svc, done, err := openAdmin(context.Background(), s.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	events, err := svc.Store().EventList(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// TestAgentSurvivesServerRestart: `ferry device run` keeps retrying while
// the server is down and serves instructions again once it is back.
func TestAgentSurvivesServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ferry binary")
	}
	t.Parallel()
	bin, err := buildFerry()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := startServer(t, "--listen", addr)
	credFile := filepath.Join(t.TempDir(), "term.cred")
	if out, err := s.admin(t, "device", "add", "--merchant", s.Merchant, "--serial", "TERM-1", "--terminal", "1234001", "--credential-out", credFile); err != nil {
		t.Fatalf("device add: %v\n%s", err, out)
	}
	var out syncBuffer
	cmd := exec.Command(bin, "device", "run", "--url", s.URL, "--credential-file", credFile, "--auto", "--sim-delay", "10ms", "--poll-wait", "2s", "--log-level", "info")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := s.client(t, s.APIKey)
	if in := c.poll(t, c.refund(t, "TERM-1", 100)); in.Status != ferry.StatusCompleted {
		t.Fatalf("before the restart: %+v\n%s", in, &out)
	}
	before := len(out.String())
	s.stop()
	// The agent meets a closed port, says so, and keeps trying.
	if !waitUntil(10*time.Second, func() bool { return strings.Contains(out.String()[before:], "failed") }) {
		t.Fatalf("the agent did not notice the server was gone:\n%s", &out)
	}
	s2 := startServerOn(t, s.DB, "--listen", addr)
	c2 := s2.client(t, s.APIKey)
	if in := c2.poll(t, c2.refund(t, "TERM-1", 200)); in.Status != ferry.StatusCompleted {
		t.Fatalf("after the restart: %+v\n%s", in, &out)
	}
}
