package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
)

// TestNoCardNumberStored runs refunds, with card numbers in device failure
// reasons too, and then reads the database, its WAL and the server's debug
// log byte by byte: no full card number may be anywhere.
func TestNoCardNumberStored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServerOn(t, "sqlite:"+filepath.Join(dir, "ferry.db"), "--log-level", "debug")
	c := s.client(t, s.APIKey)
	for _, amount := range []int64{4999, 4951, 4962, 4961} {
		c.poll(t, c.refund(t, sandboxDevice, amount))
	}
	// A POS that sends a card number as a serial number by mistake.
	if r := c.do(t, "POST", "/v1/devices/4111111111111111/refund-instructions", refundBody(100),
		"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey()); r.Status != 404 {
		t.Fatalf("a card number as a serial number: %s", r)
	}
	// Or in a query parameter of a search, whose links repeat the query.
	if r := c.do(t, "GET", "/v1/devices?limit=1&note=4111111111111111", nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"rel":"next"`) || len(ferrytest.FindCardNumbers(r.Body)) > 0 {
		t.Errorf("a search with a card number in its query: %s", r)
	}
	// Or in a field whose wrong value an error repeats.
	wrong := []byte(`{"processingTerminalId":"1234001","order":{"orderId":"X1","amount":4111111111111111.5,"currency":"4111111111111111"}}`)
	for _, r := range []*response{
		c.do(t, "PUT", "/v1/devices/4111111111111111/refund-instructions", nil),
		c.do(t, "GET", "/v1/cards/4111111111111111", nil),
		c.do(t, "POST", "/v1/devices/"+sandboxDevice+"/refund-instructions", wrong,
			"Content-Type", "application/json", "Idempotency-Key", ferry.NewIdempotencyKey()),
	} {
		if r.Status < 400 || r.Status >= 500 || len(ferrytest.FindCardNumbers(r.Body)) > 0 {
			t.Errorf("a card number in the request came back: %s", r)
		}
	}
	// Read the files while the server runs (the WAL holds the recent
	// writes) and again after it stopped (everything is in the main file).
	scan := func(when string) {
		files, _ := filepath.Glob(filepath.Join(dir, "ferry.db*"))
		blobs := map[string][]byte{"server log": []byte(s.stderr.String())}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			blobs[filepath.Base(f)] = b
		}
		if when == "running" && blobs["ferry.db-wal"] == nil {
			t.Fatalf("no WAL while the server runs: %v", files)
		}
		for name, b := range blobs {
			if pans := ferrytest.FindCardNumbers(b); len(pans) > 0 {
				t.Errorf("%s (%s) holds card numbers: %v", name, when, pans)
			}
			if strings.Contains(string(b), ferry.SandboxCard.CardNumber) {
				t.Errorf("%s (%s) holds the sandbox card number", name, when)
			}
		}
	}
	scan("running")
	s.stop()
	scan("stopped")
	if !strings.Contains(s.stderr.String(), "instruction received") {
		t.Fatalf("the debug log is missing; cannot check it:\n%s", s.stderr)
	}
	// The scanner itself finds what it looks for.
	if got := ferrytest.FindCardNumbers([]byte(`x "` + ferry.SandboxCard.CardNumber + `" y`)); len(got) != 1 {
		t.Errorf("findPANs misses a card number: %v", got)
	}
}
