package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry"
)

// panCandidate matches digit runs that could be card numbers; runs inside
// longer tokens of letters and digits (hex ids) are not card numbers.
var panCandidate = regexp.MustCompile(`[0-9A-Za-z]+`)

// findPANs returns every Luhn-valid run of 13 to 19 digits in b that stands
// alone, i.e. is not part of a longer word of letters and digits.
func findPANs(b []byte) []string {
	var out []string
	for _, tok := range panCandidate.FindAll(b, -1) {
		s := string(tok)
		if len(s) >= 13 && len(s) <= 19 && strings.Trim(s, "0123456789") == "" && ferry.Luhn(s) {
			out = append(out, s)
		}
	}
	return out
}

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
			if pans := findPANs(b); len(pans) > 0 {
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
	if got := findPANs([]byte(`x "` + ferry.SandboxCard.CardNumber + `" y`)); len(got) != 1 {
		t.Errorf("findPANs misses a card number: %v", got)
	}
}
