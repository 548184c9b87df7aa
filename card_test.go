package ferry

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4539850000007062": true, "4539850000007063": false, "4111111111111111": true,
		"5555555555554444": true, "378282246310005": true, "0": true, "": false, "4a11": false, "79927398713": true,
	} {
		if Luhn(s) != want {
			t.Errorf("Luhn(%q) = %v", s, !want)
		}
	}
	if ValidCardNumber("79927398713") {
		t.Error("an 11-digit number is a valid card number")
	}
	if !ValidCardNumber(SandboxCard.CardNumber) {
		t.Error("the sandbox card is not valid")
	}
}

func TestMaskCardNumber(t *testing.T) {
	for in, want := range map[string]string{
		"4539850000007062":     "453985******7062",
		"378282246310005":      "378282*****0005",
		"4111111111111111111":  "411111*********1111",
		"123":                  "************",
		"45398500000070621234": "*******************",
		"4539-8500-0000-7062":  "*******************",
		"":                     "************",
	} {
		if got := MaskCardNumber(in); got != want {
			t.Errorf("MaskCardNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCardBrand(t *testing.T) {
	for pan, want := range map[string]string{
		"4539850000007062": "Visa Credit", "5555555555554444": "MasterCard", "2221000000000009": "MasterCard",
		"2720990000000007": "MasterCard", "2721000000000005": "Card", "378282246310005": "American Express",
		"6011111111111117": "Discover", "6445644564456445": "Discover", "3530111333300000": "JCB",
		"36227206271667": "Diners Club", "9999999999999995": "Card",
	} {
		if got := CardBrand(pan); got != want {
			t.Errorf("CardBrand(%s) = %q, want %q", pan, got, want)
		}
	}
}

func TestValidExpiry(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for s, want := range map[string]bool{
		"1126": true, "1026": false, "1226": true, "0127": true, "1299": true,
		"0026": false, "1326": false, "112": false, "11/26": false, "ab26": false,
	} {
		if ValidExpiry(s, now) != want {
			t.Errorf("ValidExpiry(%q) = %v", s, !want)
		}
	}
}

func TestRedactCardNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"card 4539850000007062 declined":        "card 453985******7062 declined",
		"4539 8500 0000 7062":                   "4539 85** **** 7062",
		"4539-8500-0000-7062.":                  "4539-85**-****-7062.",
		"order 4539850000007063 (not Luhn)":     "order 4539850000007063 (not Luhn)",
		"short 12345":                           "short 12345",
		"two 4111111111111111/5555555555554444": "two 411111******1111/555555******4444",
		"no digits":                             "no digits",
	} {
		if got := RedactCardNumbers(in); got != want {
			t.Errorf("RedactCardNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCardReadNeverPrintsTheNumber(t *testing.T) {
	c := CardRead{CardNumber: "4539850000007062", ExpiryDate: "1230"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, c); strings.Contains(s, "4539850000007062") {
			t.Errorf("%s prints the card number: %s", format, s)
		}
	}
	if s := fmt.Sprintf("%v", &c); strings.Contains(s, "4539850000007062") {
		t.Errorf("a pointer prints the card number: %s", s)
	}
}

var longDigits = regexp.MustCompile(`[0-9]{7,}`)

func FuzzMaskCardNumber(f *testing.F) {
	for _, s := range []string{"4539850000007062", "378282246310005", "1", "", "45398500000070621234", "4539 8500 0000 7062"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskCardNumber(s)
		if longDigits.MatchString(m) {
			t.Fatalf("MaskCardNumber(%q) = %q keeps 7 or more digits in a row", s, m)
		}
		if n := len(m); n < 12 || n > 19 {
			t.Fatalf("MaskCardNumber(%q) has length %d", s, n)
		}
	})
}

// panRun finds a Luhn-valid card number in text once separators are gone.
func panRun(s string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	for n := 13; n <= 19; n++ {
		for i := 0; i+n <= len(digits); i++ {
			if Luhn(digits[i : i+n]) {
				return digits[i : i+n]
			}
		}
	}
	return ""
}

func FuzzRedactCardNumbers(f *testing.F) {
	f.Add("card 4539850000007062 declined")
	f.Add("4539 8500 0000 7062")
	f.Add("4539-8500-0000-7062 and 4111111111111111")
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactCardNumbers(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q → %q", s, out)
		}
		// A card number written alone (digits only, 13 to 19 of them) never
		// survives, whatever surrounds it.
		pan := "4539850000007062"
		if got := RedactCardNumbers(s + " " + pan + " " + s); strings.Contains(got, pan) {
			t.Fatalf("the card number survived in %q", got)
		}
		// What was masked was a Luhn-valid run.
		if out != s && panRun(s) == "" {
			t.Fatalf("masked %q → %q without a card number in it", s, out)
		}
	})
}
