package ferrytest_test

import (
	"encoding/json"
	"github.com/ferrygateway/ferry"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
		// Split by separators, raw or escaped as JSON, logs and
		// PostgreSQL write them.
		{"read 4012\t8888\t8888\t1881", []string{"4012888888881881"}},
		{"read 4012\\t8888\\t8888\\t1881", []string{"4012888888881881"}},
		{"5555\n5555\n5555\n4444", []string{"5555555555554444"}},
		{`"5555\n5555\n5555\n4444"`, []string{"5555555555554444"}},
		{`"4539\u200b8500\u200b0000\u200b7062"`, []string{"4539850000007062"}},
		{"4539\u200b8500\u00ad0000\ufeff7062", []string{"4539850000007062"}},
		{`4539\u00ad8500\x000000\0007062`, []string{"4539850000007062"}},
		{"4539-8500-0000-7062", []string{"4539850000007062"}},
		{"4539 . 8500 / 0000 \u2013 7062", []string{"4539850000007062"}},
		{"\x00\x02" + "4539\x01850000007062\x03", []string{"4539850000007062"}},
		{"４５３９８５００００００７０６２", []string{"4539850000007062"}},
		{"card 4539 8500 0000 7062 2026", []string{"4539850000007062"}}, // with a year after it
		{"x4539 8500 0000 7062", nil},                                   // the first group is part of a word
		{"4539 8500 0000 7062x", nil},
		{"ab 4539 8500 0000 7062 cd", []string{"4539850000007062"}},
		{"453985******7062", nil},
		{"4539\xff850000007062", nil},                                      // a byte that is no text ends a number
		{"key 5e04a1b2-77c1-4f0e-9214-430000004160 ok", nil},               // a UUID's groups
		{"4539-8500-0000-7062-aaaaaaaaaaaa", []string{"4539850000007062"}}, // not a UUID
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

// FuzzFindCardNumbers checks the scan against the masking, on text as Ferry
// writes it (JSON, which escapes control characters): a card number split
// by any separators is found, and nothing is found in masked text.
func FuzzFindCardNumbers(f *testing.F) {
	f.Add("note", 0)
	f.Add("read 4012\t8888\t8888\t1881", 5)
	f.Add("٤٥٣٩ x", 77)
	f.Fuzz(func(t *testing.T, s string, sep int) {
		if strings.Contains(s, `\`) {
			return // escapes in the text itself are read as escapes
		}
		masked, _ := json.Marshal(ferry.RedactCardNumbers(s))
		if got := ferrytest.FindCardNumbers(masked); len(got) > 0 {
			t.Fatalf("found %v in masked text %s", got, masked)
		}
		separators := []string{" ", "\t", "\n", "-", ".", "/", "\u200b", "\u00ad", "\x00", "\x1b", "\u3000", " - "}
		if sep < 0 {
			sep = -sep
		}
		const pan = "5555555555554444"
		var b strings.Builder
		for i, d := range pan {
			if i > 0 && (sep>>i)&1 == 1 {
				b.WriteString(separators[(sep+i)%len(separators)])
			}
			b.WriteRune(d)
		}
		text, _ := json.Marshal(s + " " + b.String() + " " + s)
		if got := ferrytest.FindCardNumbers(text); !slices.Contains(got, pan) {
			t.Fatalf("%s: found %v, not %s", text, got, pan)
		}
	})
}
