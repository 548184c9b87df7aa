package ferry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Test card numbers (all Luhn-valid).
const (
	visa16     = "4539850000007062"
	visa13     = "4222222222222"
	visa19     = "4111111111111111110"
	mastercard = "5555555555554444"
	amex       = "378282246310005"
)

func TestLuhn(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{visa16, true},
		{"4539850000007063", false},
		{"4111111111111111", true},
		{"4111111111111112", false},
		{mastercard, true},
		{amex, true},
		{visa13, true},
		{visa19, true},
		{"79927398713", true},
		{"79927398710", false},
		{"0", true},
		{"00", true},
		{"18", true},
		{"1", false},
		{"", false},
		{"4a11", false},
		{"4539 8500 0000 7062", false},
		{"-0", false},
		{"４５", false},
	} {
		if got := Luhn(tc.s); got != tc.want {
			t.Errorf("Luhn(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestValidCardNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{visa16, true},
		{visa13, true},
		{visa19, true},
		{amex, true},
		{SandboxCard.CardNumber, true},
		{"79927398713", false},          // Luhn-valid, 11 digits
		{"000000000000", false},         // 12 digits
		{"0000000000000", true},         // 13 digits
		{"00000000000000000000", false}, // 20 digits
		{"4539850000007063", false},
		{"4539 8500 0000 7062", false},
		{"4539-8500-0000-7062", false},
		{"", false},
	} {
		if got := ValidCardNumber(tc.s); got != tc.want {
			t.Errorf("ValidCardNumber(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestMaskCardNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{visa16, "453985******7062"},
		{amex, "378282*****0005"},
		{visa13, "422222***2222"},
		{visa19, "411111*********1110"},
		{"4539850000007063", "453985******7063"}, // masking does not need Luhn
		{"", "************"},
		{"123", "************"},
		{"123456789012", "************"},                  // 12 digits
		{"45398500000070621234", "*******************"},   // 20 digits
		{strings.Repeat("4", 100), "*******************"}, // long
		{"4539-8500-0000-7062", "*******************"},
		{"4539 8500 0000 7062", "*******************"},
		{"453985000000706x", "****************"},
		{" 4539850000007062", "*****************"},
		{"４５３９８５００００００７０６２", "*******************"}, // full-width digits
	} {
		if got := MaskCardNumber(tc.in); got != tc.want {
			t.Errorf("MaskCardNumber(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

var digitRun = regexp.MustCompile(`[0-9]+`)

// longestDigitRun returns the longest run of ASCII digits in s.
func longestDigitRun(s string) string {
	longest := ""
	for _, r := range digitRun.FindAllString(s, -1) {
		if len(r) > len(longest) {
			longest = r
		}
	}
	return longest
}

// TestMaskCardNumberNeverLeaks masks digit strings of every length: at most
// the first six and last four digits come back, and never more than six in
// a row.
func TestMaskCardNumberNeverLeaks(t *testing.T) {
	const source = "45398500000070629876543210123456789"
	for n := 0; n <= len(source); n++ {
		in := source[:n]
		got := MaskCardNumber(in)
		if l := len(got); l < 12 || l > 19 {
			t.Errorf("MaskCardNumber(%q) has length %d, want 12 to 19", in, l)
		}
		digits := strings.Count(got, "") - 1 - strings.Count(got, "*")
		if n >= 13 && n <= 19 {
			if len(got) != n || got[:6] != in[:6] || got[n-4:] != in[n-4:] || digits != 10 {
				t.Errorf("MaskCardNumber(%q) = %q, want the first 6 and last 4 digits kept", in, got)
			}
		} else if digits != 0 {
			t.Errorf("MaskCardNumber(%q) = %q keeps digits of a non-card number", in, got)
		}
		if r := longestDigitRun(got); len(r) > 6 {
			t.Errorf("MaskCardNumber(%q) = %q keeps %d digits in a row", in, got, len(r))
		}
	}
}

func TestCardBrand(t *testing.T) {
	for _, tc := range []struct{ pan, want string }{
		{visa16, "Visa Credit"},
		{"4", "Visa Credit"},
		{visa13, "Visa Credit"},
		{"5100000000000008", "MasterCard"},
		{mastercard, "MasterCard"},
		{"5000000000000009", "Card"},
		{"5600000000000002", "Card"},
		{"2221000000000009", "MasterCard"},
		{"2720990000000007", "MasterCard"},
		{"2500000000000001", "MasterCard"},
		{"2220990000000009", "Card"},
		{"2721000000000005", "Card"},
		{"340000000000009", "American Express"},
		{amex, "American Express"},
		{"350000000000000", "Card"},
		{"6011111111111117", "Discover"},
		{"6012000000000007", "Card"},
		{"6500000000000002", "Discover"},
		{"6440000000000005", "Discover"},
		{"6445644564456445", "Discover"},
		{"6490000000000001", "Discover"},
		{"6430000000000008", "Card"},
		{"3528000000000007", "JCB"},
		{"3530111333300000", "JCB"},
		{"3589000000000003", "JCB"},
		{"3527000000000009", "Card"},
		{"3590000000000009", "Card"},
		{"36227206271667", "Diners Club"},
		{"38000000000006", "Diners Club"},
		{"30000000000004", "Diners Club"},
		{"30500000000003", "Diners Club"},
		{"30600000000002", "Card"},
		{"9999999999999995", "Card"},
		{"1234567890123", "Card"},
		{"", "Card"},
	} {
		if got := CardBrand(tc.pan); got != tc.want {
			t.Errorf("CardBrand(%q) = %q, want %q", tc.pan, got, tc.want)
		}
	}
}

func TestValidExpiry(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		mmyy string
		want bool
	}{
		{"1126", true},  // this month
		{"1026", false}, // last month
		{"1226", true},
		{"0127", true},
		{"1225", false},
		{"1125", false},
		{"1299", true},
		{"0100", false},
		{"0026", false}, // month 00
		{"1326", false}, // month 13
		{"9926", false},
		{"112", false},
		{"11261", false},
		{"", false},
		{"11/26", false},
		{"ab26", false},
		{"11 6", false},
		{"-126", false},
		{"１１２６", false},
	} {
		if got := ValidExpiry(tc.mmyy, now); got != tc.want {
			t.Errorf("ValidExpiry(%q, %s) = %v, want %v", tc.mmyy, now.Format("2006-01"), got, tc.want)
		}
	}
}

func TestValidExpiryMonthBoundaries(t *testing.T) {
	lastInstant := time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC)
	if !ValidExpiry("1126", lastInstant) {
		t.Error("a card expiring 11/26 is invalid on the last instant of November 2026")
	}
	if ValidExpiry("1126", lastInstant.Add(time.Nanosecond)) {
		t.Error("a card expiring 11/26 is valid in December 2026")
	}
	// The month is taken in UTC: 00:30 on 1 December at UTC+2 is still November.
	east := time.Date(2026, 12, 1, 0, 30, 0, 0, time.FixedZone("UTC+2", 2*3600))
	if !ValidExpiry("1126", east) {
		t.Error("ValidExpiry does not use UTC for a time with an eastern offset")
	}
	west := time.Date(2026, 11, 30, 23, 0, 0, 0, time.FixedZone("UTC-5", -5*3600))
	if ValidExpiry("1126", west) {
		t.Error("ValidExpiry does not use UTC for a time with a western offset")
	}
	// A new year.
	if ValidExpiry("1226", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !ValidExpiry("0127", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("year boundary")
	}
}

func TestCardReadNeverPrintsTheNumber(t *testing.T) {
	c := CardRead{CardNumber: visa16, ExpiryDate: "1230", EntryMethod: EntryMethodICC, CardholderName: "S HOPPER"}
	if got := c.String(); got != "card 453985******7062 exp 1230" {
		t.Errorf("String() = %q", got)
	}
	if c.GoString() != c.String() {
		t.Errorf("GoString() = %q", c.GoString())
	}
	type holder struct {
		Card  CardRead
		Cards []CardRead
		Ptr   *CardRead
	}
	values := []any{c, &c, holder{Card: c, Cards: []CardRead{c}, Ptr: &c}, []CardRead{c}, map[string]CardRead{"k": c}}
	for _, v := range values {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if s := fmt.Sprintf(format, v); strings.Contains(s, visa16) || strings.Contains(s, "0000007") {
				t.Errorf("%s of %T prints the card number: %s", format, v, s)
			}
		}
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "453985******7062") {
		t.Errorf("Sprint = %q, want the masked number", s)
	}
	// A malformed number is masked completely, not shown.
	bad := CardRead{CardNumber: "4539-8500-0000-7062"}
	if s := fmt.Sprintf("%+v", bad); strings.Contains(s, "8500") {
		t.Errorf("malformed number printed: %s", s)
	}
	if err := fmt.Errorf("read %v", c); strings.Contains(err.Error(), visa16) {
		t.Errorf("error text carries the card number: %v", err)
	}
}

func TestCardReadInTextLogs(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("card read", "card", SandboxCard)
	if strings.Contains(buf.String(), SandboxCard.CardNumber) || !strings.Contains(buf.String(), "453985******7062") {
		t.Errorf("text log: %s", buf.String())
	}
}

func TestCardReadInJSONLogs(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("card read", "card", SandboxCard)
	if strings.Contains(buf.String(), SandboxCard.CardNumber) {
		t.Errorf("JSON log shows the card number: %s", buf.String())
	}
}

func TestCardReadJSONCarriesTheNumber(t *testing.T) {
	// The JSON form goes to the processor, so it must keep the full number.
	b, err := json.Marshal(SandboxCard)
	if err != nil || !strings.Contains(string(b), `"cardNumber":"4539850000007062"`) {
		t.Errorf("json = %s, %v", b, err)
	}
	if !ValidCardNumber(SandboxCard.CardNumber) || MaskCardNumber(SandboxCard.CardNumber) != "453985******7062" || !ValidExpiry(SandboxCard.ExpiryDate, time.Date(2030, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the sandbox card %v is not a usable card", SandboxCard)
	}
}

func FuzzMaskCardNumber(f *testing.F) {
	for _, s := range []string{visa16, amex, visa13, visa19, "1", "", "123456789012", "45398500000070621234", "4539 8500 0000 7062", "４５３９８５００００００７０６２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskCardNumber(s)
		if r := longestDigitRun(m); len(r) > 6 {
			t.Fatalf("MaskCardNumber(%q) = %q keeps %d digits in a row", s, m, len(r))
		}
		if n := len(m); n < 12 || n > 19 {
			t.Fatalf("MaskCardNumber(%q) has length %d", s, n)
		}
		isPAN := len(s) >= 13 && len(s) <= 19 && allDigits(s)
		switch {
		case isPAN:
			want := s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
			if m != want {
				t.Fatalf("MaskCardNumber(%q) = %q, want %q", s, m, want)
			}
		case strings.Trim(m, "*") != "":
			t.Fatalf("MaskCardNumber(%q) = %q: a non-card input must be masked completely", s, m)
		case len(s) >= 12 && len(s) <= 19 && len(m) != len(s):
			t.Fatalf("MaskCardNumber(%q) = %q changes the length", s, m)
		}
	})
}
