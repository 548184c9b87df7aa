package ferry

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Currency is an ISO 4217 alphabetic code in upper case, such as "USD".
type Currency string

// Valid reports whether c is one of the currencies Payroc accepts.
func (c Currency) Valid() bool {
	_, ok := currencyExponents[c]
	return ok
}

// Exponent returns the number of digits after the decimal separator in c's
// minor unit: 2 for USD, 0 for JPY, 3 for KWD. It returns 2 for an unknown code.
func (c Currency) Exponent() int {
	if e, ok := currencyExponents[c]; ok {
		return e
	}
	return 2
}

// Money is an amount in the minor unit of its currency (cents for USD).
type Money struct {
	Amount   int64
	Currency Currency
}

// String formats m for people, with the currency's exponent: "49.99 USD",
// "500 JPY", "-1.234 KWD".
func (m Money) String() string {
	return FormatAmount(m.Amount, m.Currency) + " " + string(m.Currency)
}

// FormatAmount formats minor units as a decimal number for currency c,
// without the code: 4999 USD → "49.99".
func FormatAmount(minor int64, c Currency) string {
	exp := c.Exponent()
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign = "-"
		u = uint64(-(minor + 1)) + 1 // safe for math.MinInt64
	}
	digits := strconv.FormatUint(u, 10)
	if exp == 0 {
		return sign + digits
	}
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	cut := len(digits) - exp
	return sign + digits[:cut] + "." + digits[cut:]
}

// ParseMoney parses a human amount with its currency, such as "49.99 USD",
// "500 JPY" or "1.234 KWD", into minor units.
func ParseMoney(s string) (Money, error) {
	amount, code, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return Money{}, fmt.Errorf("amount %q: want a number and a currency, e.g. \"49.99 USD\"", s)
	}
	c := Currency(strings.ToUpper(strings.TrimSpace(code)))
	minor, err := ParseAmount(amount, c)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: minor, Currency: c}, nil
}

// ParseAmount parses a decimal amount such as "49.99" into minor units of c.
// It refuses more fraction digits than c has, signs, exponents and
// amounts that do not fit an int64.
func ParseAmount(s string, c Currency) (int64, error) {
	if !c.Valid() {
		return 0, fmt.Errorf("currency %q: not an ISO 4217 code that Payroc accepts", string(c))
	}
	exp := c.Exponent()
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("amount %q: want digits with an optional decimal point, e.g. 49.99", s)
	}
	if len(frac) > exp {
		if exp == 0 {
			return 0, fmt.Errorf("amount %q: %s has no minor unit, so no decimals are allowed", s, c)
		}
		return 0, fmt.Errorf("amount %q: %s allows at most %d decimals", s, c, exp)
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseUint(whole+frac, 10, 63)
	if err != nil || n > math.MaxInt64 {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	return int64(n), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Currencies returns every currency code Payroc accepts, in no fixed order.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencyExponents))
	for c := range currencyExponents {
		out = append(out, c)
	}
	return out
}

// currencyExponents holds the 171 codes of Payroc's currency enum with the
// ISO 4217 minor-unit exponent of each.
var currencyExponents = map[Currency]int{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
	"BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BOV": 2,
	"BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYR": 0, "BZD": 2, "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2,
	"CHW": 2, "CLF": 4, "CLP": 0, "CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUC": 2, "CUP": 2, "CVE": 2,
	"CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2,
	"FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2,
	"HNL": 2, "HRK": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2, "ISK": 0,
	"JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2, "KRW": 0, "KWD": 3,
	"KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2, "LTL": 2, "LVL": 2, "LYD": 3,
	"MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRO": 2, "MRU": 2, "MUR": 2,
	"MVR": 2, "MWK": 2, "MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2,
	"NPR": 2, "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0,
	"QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2,
	"SGD": 2, "SHP": 2, "SLL": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STD": 2, "STN": 2, "SVC": 2, "SYP": 2,
	"SZL": 2, "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2,
	"UAH": 2, "UGX": 0, "USD": 2, "USN": 2, "USS": 2, "UYI": 0, "UYU": 2, "UZS": 2, "VEF": 2, "VES": 2,
	"VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMW": 2,
	"ZWL": 2,
}
