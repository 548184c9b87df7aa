package ferry

import (
	"math"
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
		{0, "USD", "0.00"},
		{-4999, "USD", "-49.99"},
		{500, "JPY", "500"},
		{1234, "KWD", "1.234"},
		{1, "CLF", "0.0001"},
		{math.MaxInt64, "USD", "92233720368547758.07"},
		{math.MinInt64, "USD", "-92233720368547758.08"},
		{4999, "XXX", "49.99"}, // unknown codes format with 2 decimals
	} {
		if got := FormatAmount(tc.minor, tc.c); got != tc.want {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tc.minor, tc.c, got, tc.want)
		}
	}
	if got := (Money{Amount: 1234, Currency: "KWD"}).String(); got != "1.234 KWD" {
		t.Errorf("Money.String = %q", got)
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
		{"0.01", "USD", 1, true},
		{"500", "JPY", 500, true},
		{"1.234", "KWD", 1234, true},
		{"92233720368547758.07", "USD", math.MaxInt64, true},
		{"92233720368547758.08", "USD", 0, false},
		{"49.999", "USD", 0, false},
		{"500.5", "JPY", 0, false},
		{"-1", "USD", 0, false},
		{"+1", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{".5", "USD", 0, false},
		{"5.", "USD", 0, false},
		{"", "USD", 0, false},
		{"1,00", "USD", 0, false},
		{"1", "usd", 0, false},
		{"1", "XYZ", 0, false},
	} {
		got, err := ParseAmount(tc.s, tc.c)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d, ok=%v", tc.s, tc.c, got, err, tc.want, tc.ok)
		}
	}
	m, err := ParseMoney(" 49.99 usd ")
	if err != nil || m != (Money{4999, "USD"}) {
		t.Errorf("ParseMoney = %v, %v", m, err)
	}
	for _, s := range []string{"49.99", "USD", "49.99 EURO", "1.5 JPY"} {
		if _, err := ParseMoney(s); err == nil {
			t.Errorf("ParseMoney(%q) succeeded", s)
		}
	}
}

func TestCurrencies(t *testing.T) {
	if n := len(Currencies()); n != 171 {
		t.Errorf("%d currencies, want Payroc's 171", n)
	}
	for c, exp := range map[Currency]int{"USD": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "CLF": 4, "EUR": 2} {
		if !c.Valid() || c.Exponent() != exp {
			t.Errorf("%s: valid %v, exponent %d; want %d", c, c.Valid(), c.Exponent(), exp)
		}
	}
	if Currency("usd").Valid() {
		t.Error("lower case is valid")
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"49.99", "0", "1.234", "92233720368547758.07", "00012.30", "9999999999999999999999"} {
		f.Add(s, "USD")
	}
	f.Add("1.2345", "CLF")
	f.Add("500", "JPY")
	f.Fuzz(func(t *testing.T, s, code string) {
		c := Currency(code)
		minor, err := ParseAmount(s, c)
		if err != nil {
			return
		}
		if minor < 0 {
			t.Fatalf("ParseAmount(%q, %s) = %d < 0", s, c, minor)
		}
		back, err := ParseAmount(FormatAmount(minor, c), c)
		if err != nil || back != minor {
			t.Fatalf("%q → %d → %q → %d, %v", s, minor, FormatAmount(minor, c), back, err)
		}
	})
}
