package ferrytest_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferrygateway/ferry/ferrytest"
)

func TestFindCardNumbers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"card 4111111111111111 read", []string{"4111111111111111"}},
		{`{"pan":"5555555555554444"}`, []string{"5555555555554444"}},
		{"4111111111111112", nil},          // fails the Luhn check
		{"id e7434111111111111111ab", nil}, // inside a hex id
		{"411111111111", nil},              // too short
		{"41111111111111111111", nil},      // too long
		{"411111******1111 and 4242424242424242", []string{"4242424242424242"}},
	} {
		if got := ferrytest.FindCardNumbers([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("FindCardNumbers(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestScanForCardNumbers(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o700)
	os.WriteFile(filepath.Join(dir, "a", "ferry.db-wal"), []byte("\x00\x01masked 411111******1111\x00"), 0o600)
	os.WriteFile(filepath.Join(dir, "server.log"), []byte("ok"), 0o600)
	files, found, err := ferrytest.ScanForCardNumbers(dir)
	if err != nil || files != 2 || len(found) != 0 {
		t.Fatalf("clean files: %d files, %v, %v", files, found, err)
	}
	os.WriteFile(filepath.Join(dir, "a", "ferry.db"), []byte("\x00\x024111111111111111\x03"), 0o600)
	if _, found, _ := ferrytest.ScanForCardNumbers(dir); len(found) != 1 {
		t.Fatalf("a card number in a database file went unseen: %v", found)
	}
}
