package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrygateway/ferry/ferrytest"
)

// TestServeReadyJSON: with --ready-json, stdout holds exactly one line, the
// ready line, naming an address that answers, the version and the sandbox
// with its new API key; the banner goes to stderr without the key. On the
// next start the sandbox comes without a key.
func TestServeReadyJSON(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	if r := s.do(t, "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("GET /healthz at the ready line's url: %s", r)
	}
	s.token(t, s.APIKey) // the key works
	s.stop()

	out := s.stdout.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("stdout is not one line:\n%s", out)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("the ready line is not JSON: %v\n%s", err, out)
	}
	host, port, err := net.SplitHostPort(line["addr"].(string))
	if err != nil || host != "127.0.0.1" || port == "0" || line["url"] != "http://127.0.0.1:"+port {
		t.Errorf("addr %v and url %v", line["addr"], line["url"])
	}
	if line["ready"] != true || line["version"] != version() {
		t.Errorf("ready line: %s", out)
	}
	var sandbox readySandbox
	b, _ := json.Marshal(line["sandbox"])
	json.Unmarshal(b, &sandbox)
	if !strings.HasPrefix(sandbox.APIKey, "fy_key_") || sandbox.MerchantID == "" || !slices.Equal(sandbox.Devices, sandboxSerials) {
		t.Errorf("sandbox in the ready line: %s", b)
	}
	errOut := s.stderr.String()
	if !strings.Contains(errOut, "Ferry listening on "+s.URL+"\n") || !strings.Contains(errOut, "in the ready line on standard output") {
		t.Errorf("the banner is not on stderr:\n%s", errOut)
	}
	if strings.Contains(errOut, sandbox.APIKey) {
		t.Errorf("the API key is on stderr, with the log:\n%s", errOut)
	}

	again := startServerOn(t, s.DB)
	again.stop()
	var next readyLine
	if err := json.Unmarshal([]byte(again.stdout.String()), &next); err != nil || next.Sandbox == nil ||
		next.Sandbox.MerchantID != sandbox.MerchantID || next.Sandbox.APIKey != "" || strings.Contains(again.stdout.String(), "apiKey") {
		t.Errorf("on the next start: %s (%v)", again.stdout, err)
	}
}

// TestServeBanner: without --ready-json, stdout holds the banner a person
// reads, with the sandbox's API key, and no JSON; --sandbox=false leaves
// the sandbox out of the ready line.
func TestServeBanner(t *testing.T) {
	t.Parallel()
	dsn := "sqlite:" + filepath.Join(ferrytest.Dir(t), "ferry.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--log-level", "warn"}, func(string) string { return "" },
			strings.NewReader(""), pw, ferrytest.Log(t, "server.log"))
		pw.Close()
		done <- err
	}()
	var banner []string
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(10 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the server ended: %v\n%s", <-done, strings.Join(banner, "\n"))
			}
			banner = append(banner, l)
			if strings.HasPrefix(l, "Ferry listening on http://127.0.0.1:") {
				break wait
			}
		case <-timeout:
			t.Fatalf("no listening line:\n%s", strings.Join(banner, "\n"))
		}
	}
	cancel()
	for l := range lines {
		banner = append(banner, l)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text := strings.Join(banner, "\n")
	if !strings.HasPrefix(text, `Sandbox merchant "Sandbox" (id `) || !strings.Contains(text, "  API key:   fy_key_") || strings.Contains(text, `"ready"`) {
		t.Errorf("banner:\n%s", text)
	}

	bare := startServer(t, "--sandbox=false")
	bare.stop()
	if out := bare.stdout.String(); strings.Contains(out, "sandbox") || bare.APIKey != "" {
		t.Errorf("ready line without a sandbox: %s", out)
	}
}
