package ferry

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// distinct calls gen n times and fails if a value repeats or does not match re.
func distinct(t *testing.T, name string, n int, re *regexp.Regexp, gen func() string) map[string]bool {
	t.Helper()
	seen := make(map[string]bool, n)
	for range n {
		s := gen()
		if !re.MatchString(s) {
			t.Fatalf("%s() = %q, does not match %s", name, s, re)
		}
		if seen[s] {
			t.Fatalf("%s() returned %q twice", name, s)
		}
		seen[s] = true
	}
	return seen
}

func TestNewID(t *testing.T) {
	distinct(t, "NewID", 1000, regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`), NewID)
	// Later ids sort after earlier ones. In the bubble the clock is fake:
	// the Sleep moves it to the next millisecond at once.
	synctest.Test(t, func(t *testing.T) {
		a := NewID()
		time.Sleep(time.Millisecond)
		if b := NewID(); b <= a {
			t.Errorf("NewID is not time-ordered: %s then %s", a, b)
		}
	})
}

func TestNewRefundID(t *testing.T) {
	ids := distinct(t, "NewRefundID", 2000, regexp.MustCompile(`^[A-Z0-9]{10}$`), NewRefundID)
	// Every one of the 36 characters turns up in 20000 draws.
	var all strings.Builder
	for id := range ids {
		all.WriteString(id)
	}
	for _, c := range alnum {
		if !strings.ContainsRune(all.String(), c) {
			t.Errorf("%q never appears in a refund id", c)
		}
	}
}

func TestNewApprovalCode(t *testing.T) {
	re := regexp.MustCompile(`^[A-Z0-9]{6}$`)
	for range 200 {
		if c := NewApprovalCode(); !re.MatchString(c) {
			t.Fatalf("NewApprovalCode() = %q", c)
		}
	}
}

func TestNewSecret(t *testing.T) {
	distinct(t, "NewSecret", 500, regexp.MustCompile(`^fk_live_[a-z2-7]{32}$`), func() string { return NewSecret("fk_live_") })
	if s := NewSecret(""); len(s) != 32 {
		t.Errorf("NewSecret(\"\") = %q", s)
	}
}

func TestHashSecret(t *testing.T) {
	want := sha256.Sum256([]byte("fk_live_abc"))
	if got := HashSecret("fk_live_abc"); !bytes.Equal(got, want[:]) {
		t.Errorf("HashSecret = %x, want %x", got, want)
	}
	if bytes.Equal(HashSecret("a"), HashSecret("b")) {
		t.Error("different secrets hash alike")
	}
}

func TestRandomAlnumUniform(t *testing.T) {
	// 360000 draws: each character is expected 10000 times (standard
	// deviation about 100); a biased generator (byte % 36 without redrawing)
	// would give the first four characters about 11250.
	counts := map[byte]int{}
	s := randomAlnum(360000)
	for i := range len(s) {
		counts[s[i]]++
	}
	if len(counts) != 36 {
		t.Fatalf("%d distinct characters", len(counts))
	}
	for c, n := range counts {
		if n < 9500 || n > 10500 {
			t.Errorf("%q drawn %d times out of 360000", c, n)
		}
	}
}
