package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/payroc"
	"github.com/ferrygateway/ferry/postgres"
)

// instance is a `ferry serve` process.
type instance struct {
	URL      string
	APIKey   string
	Merchant string
	cmd      *exec.Cmd
	log      *syncBuffer
}

// startInstance runs the ferry binary as `ferry serve --ready-json` on dsn.
func startInstance(t *testing.T, bin, dsn string, args ...string) *instance {
	t.Helper()
	full := append([]string{"serve", "--ready-json", "--listen", "127.0.0.1:0", "--db", dsn, "--log-level", "warn"}, args...)
	cmd := exec.Command(bin, full...)
	in := &instance{cmd: cmd, log: &syncBuffer{}}
	cmd.Stderr = io.MultiWriter(in.log, ferrytest.Log(t, "instance.log"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan error, 1)
	go func() {
		r := bufio.NewReader(out)
		line, err := readReady(r)
		if err == nil {
			in.URL = line.URL
			in.Merchant, in.APIKey = sandboxOf(line)
		}
		ready <- err
		io.Copy(io.Discard, r)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("instance did not start: %v\n%s", err, in.log)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("instance did not start:\n%s", in.log)
	}
	return in
}

// TestMultiInstance runs three `ferry serve` processes on one PostgreSQL
// database. POS clients spread their requests over them and devices poll
// different instances; one instance is killed with SIGKILL in the middle.
// Every acknowledged instruction must end, none may exist twice, and no
// instruction may have two refunds or two card reads.
func TestMultiInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three ferry processes")
	}
	t.Parallel()
	dsn := ferrytest.PostgresURL(t) + "&pool_max_conns=6"
	bin, err := buildFerry()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--sim-delay", "20ms", "--lease-ttl", "1s", "--instruction-timeout", "10s", "--poll-wait", "5s"}
	a := startInstance(t, bin, dsn, args...)
	b := startInstance(t, bin, dsn, args...)
	c := startInstance(t, bin, dsn, args...)
	if a.APIKey == "" || b.APIKey != "" || c.APIKey != "" {
		t.Fatalf("the sandbox must be created once: keys %q %q %q", a.APIKey, b.APIKey, c.APIKey)
	}
	instances := []*instance{a, b, c}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Two real devices on the device protocol, each on its own instance
	// (never the one that dies), besides the simulated ones that run on
	// every instance.
	s := &server{t: t, URL: a.URL, DB: dsn, Merchant: a.Merchant}
	var agents sync.WaitGroup
	defer agents.Wait()
	defer cancel()
	for i, inst := range []*instance{a, c} {
		serial := fmt.Sprintf("REAL-%d", i)
		resp, err := agent.Pair(ctx, nil, inst.URL, s.pairCode(t, serial), serial)
		if err != nil {
			t.Fatal(err)
		}
		conn := &agent.HTTPConn{BaseURL: inst.URL, Credential: resp.Credential, Session: "agent-" + serial}
		ag := &agent.Agent{Conn: conn, Cardholder: &agent.Auto{Delay: 10 * time.Millisecond}, PollWait: 2 * time.Second, MaxBackoff: time.Second}
		agents.Go(func() { ag.Run(ctx) })
	}

	token := map[*instance]string{}
	for _, inst := range instances {
		token[inst] = (&server{t: t, URL: inst.URL}).token(t, a.APIKey)
	}

	// The same key at the same moment on every instance: one instruction,
	// one answer for all.
	key := ferry.NewIdempotencyKey()
	answers := make([]string, 9)
	var same sync.WaitGroup
	for i := range answers {
		same.Go(func() {
			inst := instances[i%3]
			st, body, err := call(inst, token[inst], "POST", "/v1/devices/1850010871/refund-instructions", key, refundBody(4999))
			answers[i] = fmt.Sprint(st, " ", string(body), err)
		})
	}
	same.Wait()
	for _, ans := range answers {
		if ans != answers[0] || !strings.HasPrefix(ans, "202 ") {
			t.Fatalf("answers to one key differ:\n%s\n%s", ans, answers[0])
		}
	}
	var first payroc.RefundInstruction
	json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(answers[0], "202 "), "<nil>")), &first)
	h := &crashHistory{merchant: a.Merchant, acked: map[string]crashSub{},
		final: map[string]ferry.Status{}, results: map[string]string{}, repeats: map[string]string{}}
	h.acked[first.RefundInstructionID] = crashSub{kind: ferry.KindRefund, key: key, amount: 4999}
	h.saw(first.RefundInstructionID, (&posClient{s: &server{t: t, URL: c.URL}, token: token[c]}).follow(t, ferry.KindRefund, first.RefundInstructionID))

	devices := []string{"1850010868", "1850010869", "1850010870", "1850010871", "REAL-0", "REAL-1"}
	amounts := []int64{4999, 4951, 4952, 4961, 4962, 1234, 100}
	const rounds = 12
	var (
		mu      sync.Mutex
		killed  atomic.Bool
		done    atomic.Int32
		clients sync.WaitGroup
	)
	for ci, serial := range devices {
		clients.Go(func() {
			for r := range rounds {
				key := ferry.NewIdempotencyKey()
				body := refundBody(amounts[(ci+r)%len(amounts)])
				// Submit, trying the next instance whenever one does not
				// answer, with the same key and body.
				var id string
				for attempt := 0; id == "" && attempt < 30; attempt++ {
					inst := instances[(ci+r+attempt)%3]
					st, resp, err := call(inst, token[inst], "POST", "/v1/devices/"+serial+"/refund-instructions", key, body)
					switch {
					case err != nil:
						time.Sleep(100 * time.Millisecond) // retry pause, not a wait: no answer (the instance may be the killed one)
					case st == 202:
						var in payroc.RefundInstruction
						json.Unmarshal(resp, &in)
						id = in.RefundInstructionID
					case st == 409 && strings.Contains(string(resp), "device-busy"):
						time.Sleep(50 * time.Millisecond) // retry pause, not a wait: the device's previous instruction is still ending
					default:
						t.Errorf("submit on %s: %d %s", inst.URL, st, resp)
						return
					}
				}
				if id == "" {
					t.Errorf("client %d could not submit", ci)
					return
				}
				mu.Lock()
				h.acked[id] = crashSub{kind: ferry.KindRefund, key: key, amount: amounts[(ci+r)%len(amounts)]}
				mu.Unlock()
				// Long-poll on another instance than the one that took it.
				for attempt := 0; attempt < 100; attempt++ {
					inst := instances[(ci+r+attempt+1)%3]
					st, resp, err := call(inst, token[inst], "GET", "/v1/refund-instructions/"+id, "", nil)
					if err != nil || st != 200 {
						time.Sleep(100 * time.Millisecond) // retry pause, not a wait: no answer (the instance may be the killed one)
						continue
					}
					var in instruction
					json.Unmarshal(resp, &in)
					if in.Status != ferry.StatusInProgress {
						h.saw(id, &in)
						break
					}
				}
				if done.Add(1) == int32(len(devices)*rounds/3) && killed.CompareAndSwap(false, true) {
					b.cmd.Process.Kill() // SIGKILL, mid-load
				}
			}
		})
	}
	clients.Wait()
	if !killed.Load() {
		t.Fatal("the instance was never killed")
	}

	if len(h.acked) != len(devices)*rounds+1 {
		t.Errorf("%d instructions acknowledged, want %d", len(h.acked), len(devices)*rounds+1)
	}
	// The checker reads the whole history from the database.
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h.kills = 1
	h.check(t, db, dsn)
}

var multiClient = &http.Client{Timeout: 20 * time.Second}

// call sends one POS request to an instance.
func call(inst *instance, token, method, path, key string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, inst.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := multiClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, errors.Join(err)
	}
	return resp.StatusCode, b, nil
}
