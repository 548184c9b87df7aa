package ferry

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// Luhn reports whether s, a string of ASCII digits, passes the Luhn check.
// It returns false for an empty string or any non-digit.
func Luhn(s string) bool {
	if s == "" {
		return false
	}
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// ValidCardNumber reports whether pan is 13 to 19 digits and passes Luhn.
func ValidCardNumber(pan string) bool {
	return len(pan) >= 13 && len(pan) <= 19 && Luhn(pan)
}

// MaskCardNumber keeps the first six and last four digits of a card number
// and replaces the rest with '*': "4539850000007062" → "453985******7062".
// Anything that is not 13 to 19 digits is masked completely, so that no
// input can come back unmasked.
func MaskCardNumber(pan string) string {
	if len(pan) < 13 || len(pan) > 19 || !allDigits(pan) {
		n := len(pan)
		if n < 12 {
			n = 12
		} else if n > 19 {
			n = 19
		}
		return strings.Repeat("*", n)
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// CardBrand names the card scheme of a card number by its leading digits,
// in the form Payroc shows in card.type ("Visa Credit", "MasterCard").
func CardBrand(pan string) string {
	p := func(n int) int {
		v := 0
		for i := 0; i < n && i < len(pan); i++ {
			v = v*10 + int(pan[i]-'0')
		}
		return v
	}
	switch {
	case strings.HasPrefix(pan, "4"):
		return "Visa Credit"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "MasterCard"
	case p(2) == 34 || p(2) == 37:
		return "American Express"
	case p(4) == 6011 || p(2) == 65 || (p(3) >= 644 && p(3) <= 649):
		return "Discover"
	case p(4) >= 3528 && p(4) <= 3589:
		return "JCB"
	case p(2) == 36 || p(2) == 38 || (p(3) >= 300 && p(3) <= 305):
		return "Diners Club"
	default:
		return "Card"
	}
}

// ValidExpiry reports whether mmyy is a month and two-digit year ("1230")
// that has not passed at now.
func ValidExpiry(mmyy string, now time.Time) bool {
	if len(mmyy) != 4 || !allDigits(mmyy) {
		return false
	}
	month := int(mmyy[0]-'0')*10 + int(mmyy[1]-'0')
	year := 2000 + int(mmyy[2]-'0')*10 + int(mmyy[3]-'0')
	if month < 1 || month > 12 {
		return false
	}
	y, m, _ := now.UTC().Date()
	return year > y || (year == y && month >= int(m))
}

// SandboxCard is the test card that simulated devices present. It is
// Luhn-valid and masks to "453985******7062", the number in Payroc's examples.
var SandboxCard = CardRead{
	CardNumber:  "4539850000007062",
	ExpiryDate:  "1230",
	EntryMethod: EntryMethodICC,
}

// Card entry methods, as Payroc names them on a refund's card.
const (
	EntryMethodICC            = "icc"
	EntryMethodKeyed          = "keyed"
	EntryMethodSwiped         = "swiped"
	EntryMethodContactlessICC = "contactlessIcc"
)

// CardRead is what a device read from a card. It exists only in memory, on its
// way to the processor; Ferry stores only the masked number.
type CardRead struct {
	CardNumber     string `json:"cardNumber"`
	ExpiryDate     string `json:"expiryDate"` // MMYY
	EntryMethod    string `json:"entryMethod"`
	CardholderName string `json:"cardholderName,omitempty"`
	// TipAmount is the tip the cardholder chose at a tip prompt, in minor
	// units (payments only).
	TipAmount *int64 `json:"tipAmount,omitempty"`
	// DualPricingApplied reports that the cardholder chose the card price
	// that the device offered under dual pricing (payments only).
	DualPricingApplied bool `json:"dualPricingApplied,omitempty"`
}

// String never shows the full card number, so a CardRead that reaches a log
// or an error message leaks nothing. Its JSON form keeps the number: that is
// how it travels to the server and the processor.
func (c CardRead) String() string {
	return "card " + MaskCardNumber(c.CardNumber) + " exp " + c.ExpiryDate
}

// GoString guards %#v the same way as String.
func (c CardRead) GoString() string { return c.String() }

// Format prints String for every verb, %d and %x included.
func (c CardRead) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// LogValue keeps the number out of structured logs, JSON ones included.
func (c CardRead) LogValue() slog.Value { return slog.StringValue(c.String()) }
