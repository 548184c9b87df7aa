package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
)

// TestSlowClients holds hundreds of connections that send nothing and
// hundreds that send their headers a byte at a time, and checks that
// normal requests are answered promptly meanwhile and that the server
// closes the slow connections by its header timeout (5 s).
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the server's header timeout")
	}
	t.Parallel()
	s := startServer(t)
	addr := strings.TrimPrefix(s.URL, "http://")
	const idle, slow = 400, 200
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range idle {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Slow-header clients: a request line, then a byte every 200 ms, never
	// the blank line that ends the headers.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	closed := make(chan time.Duration, slow)
	start := time.Now()
	var writers sync.WaitGroup
	defer writers.Wait()
	defer cancel()
	for range slow {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: ferry\r\nX-Slow: "); err != nil {
			t.Fatal(err)
		}
		writers.Go(func() {
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
					if _, err := c.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		})
		go func() {
			io.Copy(io.Discard, c) // returns when the server closes it
			closed <- time.Since(start)
		}()
	}

	// Meanwhile, a POS goes through the whole flow, each call promptly.
	c := s.client(t, s.APIKey)
	t0 := time.Now()
	in := c.poll(t, c.refund(t, sandboxDevice, 4999))
	if in.Status != ferry.StatusCompleted || time.Since(t0) > 3*time.Second {
		t.Errorf("with %d idle and %d slow connections, a refund took %s and ended %s", idle, slow, time.Since(t0), in.Status)
	}

	// The server ends every slow connection once its header time is up.
	for i := range slow {
		select {
		case d := <-closed:
			if d < 4*time.Second {
				t.Fatalf("a slow connection was closed after %s, before the header timeout", d)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d slow-header connections still open after %s", slow-i, slow, time.Since(start))
		}
	}
	// The idle ones too: a connection that never sends a request is closed.
	buf := make([]byte, 1)
	for _, c := range conns[:idle] {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(buf); err != io.EOF {
			t.Fatalf("an idle connection is still open after %s: %v", time.Since(start), err)
		}
	}
	t.Logf("%d slow and %d idle connections closed by the server after %s", slow, idle, time.Since(start).Round(time.Millisecond))
}

// TestPollFlood: one merchant's waiting long-polls are capped; the next
// gets 429 with Retry-After, another merchant is not affected, and once
// the polls end new ones are accepted again.
func TestPollFlood(t *testing.T) {
	t.Parallel()
	const limit = 20
	s := startServer(t, "--max-waiting-polls", "20", "--poll-wait", "10s", "--sim-delay", "30s", "--instruction-timeout", "1m")
	a := s.client(t, s.APIKey)
	id := a.refund(t, sandboxDevice, 4999)

	// Fill the limit one poll at a time, each seen to be held (no answer
	// within 150 ms) before the next is sent.
	answered := make(chan *response, limit)
	for i := range limit {
		go func() { answered <- a.do(t, "GET", "/v1/refund-instructions/"+id, nil) }()
		select {
		case r := <-answered:
			t.Fatalf("poll %d was not held: %s", i+1, r)
		case <-time.After(150 * time.Millisecond):
		}
	}
	r := a.do(t, "GET", "/v1/refund-instructions/"+id, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" ||
		r.Header.Get("Content-Type") != "application/problem+json" || r.Problem(t).Slug() != "too-many-requests" {
		t.Fatalf("poll over the limit: %s %v", r, r.Header)
	}
	// A burst over the limit is refused at once, not queued.
	t0 := time.Now()
	for range 500 {
		if r := a.do(t, "GET", "/v1/refund-instructions/"+id, nil); r.Status != http.StatusTooManyRequests {
			t.Fatalf("poll over the limit: %s", r)
		}
	}
	t.Logf("500 polls over the limit refused in %s", time.Since(t0).Round(time.Millisecond))

	// Another merchant's polls wait as usual.
	bID, bKey := s.newMerchant(t, "Beta")
	s.addDevice(t, bID, "BETA-1", true)
	b := s.client(t, bKey)
	bid := b.refund(t, "BETA-1", 4999)
	other := make(chan *response, 1)
	go func() { other <- b.do(t, "GET", "/v1/refund-instructions/"+bid, nil) }()
	select {
	case r := <-other:
		t.Fatalf("merchant B's poll answered at once: %s", r)
	case <-time.After(500 * time.Millisecond): // waiting, as it should
	}

	// Cancel A's instruction: every held poll answers, and polls are
	// accepted again.
	if r := a.do(t, "DELETE", "/v1/refund-instructions/"+id, nil); r.Status != http.StatusNoContent {
		t.Fatalf("cancel: %s", r)
	}
	for range limit {
		select {
		case r := <-answered:
			if r.Status != 200 || !strings.Contains(string(r.Body), `"canceled"`) {
				t.Fatalf("held poll: %s", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a held poll did not answer the cancel")
		}
	}
	if r := a.do(t, "GET", "/v1/refund-instructions/"+id, nil); r.Status != 200 {
		t.Fatalf("poll after the flood: %s", r)
	}
	b.do(t, "DELETE", "/v1/refund-instructions/"+bid, nil)
	<-other
}
