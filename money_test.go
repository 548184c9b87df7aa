package ferry

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		c     Currency
		want  string
	}{
		{4999, "USD", "49.99"},
		{5, "USD", "0.05"},
		{50, "USD", "0.50"},
		{100, "USD", "1.00"},
		{0, "USD", "0.00"},
		{-1, "USD", "-0.01"},
		{-4999, "USD", "-49.99"},
		{500, "JPY", "500"},
		{0, "JPY", "0"},
		{-7, "JPY", "-7"},
		{1234, "KWD", "1.234"},
		{5, "KWD", "0.005"},
		{-1234, "KWD", "-1.234"},
		{1, "CLF", "0.0001"},
		{12345, "CLF", "1.2345"},
		{-10000, "CLF", "-1.0000"},
		{math.MaxInt64, "USD", "92233720368547758.07"},
		{math.MinInt64, "USD", "-92233720368547758.08"},
		{math.MaxInt64, "JPY", "9223372036854775807"},
		{math.MinInt64, "JPY", "-9223372036854775808"},
		{math.MaxInt64, "KWD", "9223372036854775.807"},
		{math.MinInt64, "CLF", "-922337203685477.5808"},
		{4999, "XXX", "49.99"}, // unknown codes format with 2 decimals
		{4999, "usd", "49.99"},
	} {
		if got := FormatAmount(tc.minor, tc.c); got != tc.want {
			t.Errorf("FormatAmount(%d, %q) = %q, want %q", tc.minor, tc.c, got, tc.want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{4999, "USD"}, "49.99 USD"},
		{Money{500, "JPY"}, "500 JPY"},
		{Money{-1234, "KWD"}, "-1.234 KWD"},
		{Money{1, "CLF"}, "0.0001 CLF"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		s    string
		c    Currency
		want int64
		ok   bool
	}{
		{"49.99", "USD", 4999, true},
		{"49.9", "USD", 4990, true},
		{"49", "USD", 4900, true},
		{"0", "USD", 0, true},
		{"0.01", "USD", 1, true},
		{"00012.30", "USD", 1230, true},
		{"000000000000000000000000001", "USD", 100, true},
		{"500", "JPY", 500, true},
		{"1.234", "KWD", 1234, true},
		{"1.2", "KWD", 1200, true},
		{"1.2345", "CLF", 12345, true},
		{"0.0001", "CLF", 1, true},
		{"92233720368547758.07", "USD", math.MaxInt64, true},
		{"9223372036854775807", "JPY", math.MaxInt64, true},
		{"9223372036854775.807", "KWD", math.MaxInt64, true},
		{"922337203685477.5807", "CLF", math.MaxInt64, true},

		// Out of range.
		{"92233720368547758.08", "USD", 0, false},
		{"9223372036854775808", "JPY", 0, false},
		{"922337203685477.5808", "CLF", 0, false},
		{"99999999999999999999", "USD", 0, false},
		{strings.Repeat("9", 400), "USD", 0, false},
		// Too many decimals.
		{"49.999", "USD", 0, false},
		{"49.990", "USD", 0, false},
		{"500.5", "JPY", 0, false},
		{"500.0", "JPY", 0, false},
		{"1.2345", "KWD", 0, false},
		{"1.23456", "CLF", 0, false},
		// Signs, exponents and other garbage.
		{"-1", "USD", 0, false},
		{"-0.01", "USD", 0, false},
		{"+1", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{"1E3", "JPY", 0, false},
		{".5", "USD", 0, false},
		{"5.", "USD", 0, false},
		{".", "USD", 0, false},
		{"", "USD", 0, false},
		{" 1", "USD", 0, false},
		{"1 ", "USD", 0, false},
		{"1,00", "USD", 0, false},
		{"1.0.0", "USD", 0, false},
		{"0x10", "USD", 0, false},
		{"１", "USD", 0, false}, // full-width digit
		{"NaN", "USD", 0, false},
		{"Inf", "USD", 0, false},
		{"1_000", "USD", 0, false},
		// Unknown currency, whatever the amount.
		{"1", "usd", 0, false},
		{"1", "XYZ", 0, false},
		{"1", "", 0, false},
		{"1", "USDX", 0, false},
	} {
		got, err := ParseAmount(tc.s, tc.c)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAmount(%q, %q) = %d, %v; want %d, ok=%v", tc.s, tc.c, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseAmountErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct {
		s    string
		c    Currency
		want string
	}{
		{"49.999", "USD", "at most 2 decimals"},
		{"1.5", "JPY", "no minor unit"},
		{"99999999999999999999", "USD", "too large"},
		{"abc", "USD", "want digits"},
		{"1", "XYZ", "not an ISO 4217 code"},
	} {
		_, err := ParseAmount(tc.s, tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseAmount(%q, %q) error = %v, want it to say %q", tc.s, tc.c, err, tc.want)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want Money
	}{
		{"49.99 USD", Money{4999, "USD"}},
		{" 49.99 usd ", Money{4999, "USD"}},
		{"49.99  USD", Money{4999, "USD"}},
		{"500 JPY", Money{500, "JPY"}},
		{"1.234 KWD", Money{1234, "KWD"}},
		{"1.2345 CLF", Money{12345, "CLF"}},
		{"0 EUR", Money{0, "EUR"}},
	} {
		got, err := ParseMoney(tc.s)
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v", tc.s, got, err, tc.want)
		}
	}
	for _, s := range []string{
		"", "49.99", "USD", "USD 49.99", "49.99 EURO", "49.99 XXX", "1.5 JPY", "1.23456 CLF",
		"-1.00 USD", "49.99\tUSD", "49.99 USD extra", "1e3 USD", "99999999999999999999 JPY",
	} {
		if m, err := ParseMoney(s); err == nil {
			t.Errorf("ParseMoney(%q) = %v, want an error", s, m)
		}
	}
}

func TestCurrencies(t *testing.T) {
	all := Currencies()
	if len(all) != 171 {
		t.Fatalf("%d currencies, want Payroc's 171", len(all))
	}
	seen := map[Currency]bool{}
	for _, c := range all {
		if seen[c] {
			t.Errorf("%s listed twice", c)
		}
		seen[c] = true
		if len(c) != 3 || strings.ToUpper(string(c)) != string(c) || strings.Trim(string(c), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Errorf("%q is not three upper-case letters", c)
		}
		if !c.Valid() {
			t.Errorf("%s is listed but not valid", c)
		}
	}
	for _, c := range []Currency{"USD", "EUR", "GBP", "CAD", "JPY", "KWD", "CLF", "MXN", "ZWL"} {
		if !seen[c] {
			t.Errorf("%s is missing", c)
		}
	}
}

func TestCurrencyValidAndExponent(t *testing.T) {
	zero := []Currency{"BIF", "BYR", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
	three := []Currency{"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
	want := func(c Currency) int {
		switch {
		case slices.Contains(zero, c):
			return 0
		case slices.Contains(three, c):
			return 3
		case c == "CLF":
			return 4
		}
		return 2
	}
	for _, c := range Currencies() {
		if got := c.Exponent(); got != want(c) {
			t.Errorf("%s.Exponent() = %d, want %d", c, got, want(c))
		}
	}
	for _, c := range []Currency{"", "usd", "Usd", "XXX", "EURO", "US", " USD", "USD "} {
		if c.Valid() {
			t.Errorf("%q is valid", c)
		}
		if c.Exponent() != 2 {
			t.Errorf("%q.Exponent() = %d, want 2 for an unknown code", c, c.Exponent())
		}
	}
}

// TestAmountRoundTrip: ParseAmount(FormatAmount(x)) == x for every x >= 0.
func TestAmountRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 4999, 10000, 123456789, math.MaxInt64, math.MaxInt64 - 1}
	for range 500 {
		values = append(values, r.Int64(), r.Int64N(1_000_000))
	}
	for _, c := range Currencies() {
		for _, x := range values {
			s := FormatAmount(x, c)
			back, err := ParseAmount(s, c)
			if err != nil || back != x {
				t.Fatalf("%d %s → %q → %d, %v", x, c, s, back, err)
			}
		}
	}
	// Negative amounts format, but ParseAmount refuses signs.
	if _, err := ParseAmount(FormatAmount(-4999, "USD"), "USD"); err == nil {
		t.Error("ParseAmount accepts a negative amount")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"49.99", "0", "1.234", "92233720368547758.07", "92233720368547758.08", "00012.30", "9999999999999999999999", "-1", "1e3", ".5", "5.", ""} {
		f.Add(s, "USD")
	}
	f.Add("1.2345", "CLF")
	f.Add("922337203685477.5807", "CLF")
	f.Add("500", "JPY")
	f.Add("9223372036854775807", "JPY")
	f.Add("1.234", "KWD")
	f.Add("1", "usd")
	f.Fuzz(func(t *testing.T, s, code string) {
		c := Currency(code)
		minor, err := ParseAmount(s, c)
		if err != nil {
			if minor != 0 {
				t.Fatalf("ParseAmount(%q, %q) = %d with error %v", s, c, minor, err)
			}
			return
		}
		if !c.Valid() {
			t.Fatalf("ParseAmount(%q, %q) accepted an unknown currency", s, c)
		}
		if minor < 0 {
			t.Fatalf("ParseAmount(%q, %q) = %d < 0", s, c, minor)
		}
		formatted := FormatAmount(minor, c)
		back, err := ParseAmount(formatted, c)
		if err != nil || back != minor {
			t.Fatalf("%q → %d → %q → %d, %v", s, minor, formatted, back, err)
		}
		m, err := ParseMoney(formatted + " " + string(c))
		if err != nil || m != (Money{minor, c}) {
			t.Fatalf("ParseMoney(%q) = %v, %v; want %d %s", formatted+" "+string(c), m, err, minor, c)
		}
	})
}
