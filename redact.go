package ferry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file finds card numbers in text the way a reader sees them: digits
// of any script, with anything a reader skips over between them (spaces,
// tabs, line breaks, invisible characters, hyphens, dots, slashes). A
// later step that drops such characters, or a screen that does not show
// them, joins the digits up; masking first and normalising later would
// let a card number through.

// DigitValue returns the value of r as a decimal digit of any script
// ('7', '７', '٧' are all 7), or -1 if r is no decimal digit.
func DigitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < utf8.RuneSelf || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	// Unicode assigns decimal digits only in whole runs of ten, 0 to 9 (a
	// stability policy), some runs back to back: count back to the start.
	n := 0
	for unicode.Is(unicode.Nd, r-rune(n)-1) {
		n++
	}
	return n % 10
}

// IsCardSeparator reports whether r may stand between the digits of a card
// number that a reader still reads as one number: whitespace of any kind,
// control and format characters (zero-width spaces and joiners, the soft
// hyphen), dashes and hyphens, dots and slashes, and the replacement
// character that stands for a byte that was no text.
func IsCardSeparator(r rune) bool {
	switch r {
	case '.', '/', '\u2212', '\u2044', '\u2215', '\u2024', '\u00b7', '\u3002', '\uff0e', '\uff0f', utf8.RuneError:
		return true
	}
	if r < utf8.RuneSelf {
		return r == '-' || r <= ' ' || r == 0x7f
	}
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp, unicode.Pd)
}

// cardDigit is one digit of a possible card number: its value and the
// bytes of text it takes up.
type cardDigit struct {
	val        byte
	start, end int
}

// luhnDigits is Luhn over digit values.
func luhnDigits(d []cardDigit) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i].val)
		if double {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// RedactCardNumbers masks every card number in s: 13 to 19 digits (of
// any script) that pass the Luhn check, wherever they start in a longer
// run, with any number of separators (see IsCardSeparator) between them.
// A masked digit becomes '*'; the first six and last four digits of each
// card number stay, and so does everything that is not a masked digit, so
// that a later step that drops separators joins only '*'s. Text from
// outside goes through it before Ferry stores, logs or repeats it. It may
// mask digits that were no card number; it never leaves one.
func RedactCardNumbers(s string) string {
	if !mayHoldCardNumber(s) {
		return s
	}
	var chain []cardDigit // the digits since the last character that ends a number
	var masked [][2]int   // byte ranges to mask, in order
	flush := func() {
		masked = maskChain(chain, masked)
		chain = chain[:0]
	}
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if v := DigitValue(r); v >= 0 {
			chain = append(chain, cardDigit{byte(v), i, i + w})
		} else if !IsCardSeparator(r) {
			flush()
		}
		i += w
	}
	flush()
	if len(masked) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range masked {
		b.WriteString(s[last:m[0]])
		b.WriteByte('*')
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// mayHoldCardNumber is a quick test: text with fewer than 13 ASCII digits
// and nothing but ASCII holds no card number.
func mayHoldCardNumber(s string) bool {
	if len(s) < 13 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return true
		}
		if c >= '0' && c <= '9' {
			if n++; n >= 13 {
				return true
			}
		}
	}
	return false
}

// maskChain appends to masked the byte ranges of the digits of chain that
// lie inside a card number, past its first six and before its last four.
func maskChain(chain []cardDigit, masked [][2]int) [][2]int {
	if len(chain) < 13 {
		return masked
	}
	mask := make([]bool, len(chain))
	found := false
	for start := 0; start+13 <= len(chain); start++ {
		for n := 13; n <= 19 && start+n <= len(chain); n++ {
			if luhnDigits(chain[start : start+n]) {
				for k := start + 6; k < start+n-4; k++ {
					mask[k] = true
				}
				found = true
			}
		}
	}
	if !found {
		return masked
	}
	for k, d := range chain {
		if mask[k] {
			masked = append(masked, [2]int{d.start, d.end})
		}
	}
	return masked
}

// HasCardNumber reports whether s holds a card number that
// RedactCardNumbers would mask.
func HasCardNumber(s string) bool { return RedactCardNumbers(s) != s }
