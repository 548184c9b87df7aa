package loadgen

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseRSS(t *testing.T) {
	status := "Name:\tferry\nVmPeak:\t  900000 kB\nVmRSS:\t   17512 kB\nRssAnon:\t    9000 kB\n"
	if got, err := parseRSS(status); err != nil || got != 17512*1024 {
		t.Errorf("parseRSS = %d, %v", got, err)
	}
	if _, err := parseRSS("Name:\tferry\n"); err == nil {
		t.Error("no VmRSS: no error")
	}
}

func TestParseCPU(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
	stat := "4242 (fer ry) (x)) S 1 4242 4242 0 -1 4194304 1200 0 0 0 250 37 0 0 20 0 8 0 100 0 0"
	if got, err := parseCPU(stat); err != nil || got != 2870*time.Millisecond {
		t.Errorf("parseCPU = %v, %v; want 2.87s (287 ticks)", got, err)
	}
	for _, bad := range []string{"", "4242 ferry S 1", "4242 (ferry) S 1 2 3", "4242 (ferry) S 1 4242 4242 0 -1 4194304 1200 0 0 0 x 37"} {
		if _, err := parseCPU(bad); err == nil {
			t.Errorf("parseCPU(%q): no error", bad)
		}
	}
}

func TestReadReady(t *testing.T) {
	out := "a line for people\n{\"not\":\"ready\"}\n{\"ready\":true,\"url\":\"http://127.0.0.1:4321\",\"addr\":\"127.0.0.1:4321\",\"version\":\"v1\"," +
		"\"sandbox\":{\"merchantId\":\"M1\",\"apiKey\":\"fy_key_x\",\"devices\":[\"1850010868\"]},\"later\":1}\nmore\n"
	r, err := readReady(bufio.NewScanner(strings.NewReader(out)))
	if err != nil || r.URL != "http://127.0.0.1:4321" || r.Sandbox == nil || r.Sandbox.MerchantID != "M1" || r.Sandbox.APIKey != "fy_key_x" {
		t.Errorf("readReady = %+v, %v", r, err)
	}
	r, err = readReady(bufio.NewScanner(strings.NewReader(`{"ready":true,"url":"http://127.0.0.1:1","addr":"127.0.0.1:1"}` + "\n")))
	if err != nil || r.Sandbox != nil {
		t.Errorf("without a sandbox: %+v, %v", r, err)
	}
	for _, bad := range []string{"", "Ferry listening on http://127.0.0.1:1\n", `{"ready":false,"url":"http://x"}` + "\n", `{"ready":true}` + "\n"} {
		if _, err := readReady(bufio.NewScanner(strings.NewReader(bad))); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("readReady(%q): %v, want the end of the output", bad, err)
		}
	}
}

// TestServeBaseline: the baseline server prints a ready line the bench
// reads, answers every request with its one body, and stops with ctx.
func TestServeBaseline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeBaseline(ctx, "127.0.0.1:0", pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	line, err := readReady(sc)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(line.URL + "/v1/refund-instructions/" + baselineID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := drain(resp)
	if resp.StatusCode != 200 || string(body) != string(baselineBody) || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeBaseline ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeBaseline did not stop")
	}
	if err := ServeBaseline(context.Background(), "not an address", io.Discard); err == nil {
		t.Error("a bad address: no error")
	}
}
