package ferrytest

import (
	"bytes"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferrygateway/ferry"
)

// The scan reads files as bytes: databases, WALs, logs. Text in them may
// be escaped (a tab as \t in JSON and in logs, a zero-width space as
// \u200b, a control byte as \000 in PostgreSQL's output), so an escape
// sequence counts as the character it stands for.

// unitKind is what one character (or escape sequence) is to the scan.
type unitKind int

const (
	unitOther     unitKind = iota // ends a number
	unitLetter                    // ends a number; a number touching it is part of a word
	unitDigit                     // a digit of any script
	unitSeparator                 // may stand between the digits of a number (ferry.IsCardSeparator)
)

func classify(r rune) (unitKind, byte) {
	if v := ferry.DigitValue(r); v >= 0 {
		return unitDigit, byte(v)
	}
	if ferry.IsCardSeparator(r) && r != utf8.RuneError {
		return unitSeparator, 0
	}
	if unicode.IsLetter(r) {
		return unitLetter, 0
	}
	return unitOther, 0
}

// nextUnit reads the character or escape sequence at the start of b. A
// byte that is no UTF-8 is binary, not text: it ends a number.
func nextUnit(b []byte) (kind unitKind, val byte, width int) {
	if b[0] == '\\' {
		if r, w, ok := unescape(b); ok {
			kind, val = classify(r)
			return kind, val, w
		}
		return unitOther, 0, 1
	}
	r, w := utf8.DecodeRune(b)
	if r == utf8.RuneError && w <= 1 {
		return unitOther, 0, 1
	}
	kind, val = classify(r)
	return kind, val, w
}

// unescape decodes the escape sequence at the start of b: one or more
// backslashes (text escaped twice has two), then one of n t r f v b a e 0,
// uXXXX, UXXXXXXXX, xXX, or three octal digits.
func unescape(b []byte) (rune, int, bool) {
	j := 0
	for j < len(b) && b[j] == '\\' {
		j++
	}
	if j == len(b) {
		return 0, 0, false
	}
	hex := func(n int) (rune, int, bool) {
		if j+1+n > len(b) {
			return 0, 0, false
		}
		var r rune
		for _, c := range b[j+1 : j+1+n] {
			d := strings.IndexByte("0123456789abcdef", byte(unicode.ToLower(rune(c))))
			if d < 0 {
				return 0, 0, false
			}
			r = r<<4 | rune(d)
		}
		return r, j + 1 + n, true
	}
	octal := func(c byte) bool { return c >= '0' && c <= '7' }
	switch c := b[j]; {
	case strings.IndexByte("ntrfvbae", c) >= 0:
		return '\t', j + 1, true // a control character, as far as the scan cares
	case c == 'u':
		return hex(4)
	case c == 'U':
		return hex(8)
	case c == 'x':
		return hex(2)
	case c <= '3' && octal(c) && j+2 < len(b) && octal(b[j+1]) && octal(b[j+2]):
		return rune(c-'0')<<6 | rune(b[j+1]-'0')<<3 | rune(b[j+2]-'0'), j + 3, true
	case c == '0':
		return 0, j + 1, true
	}
	return 0, 0, false
}

// uuidPattern matches UUIDs in their canonical form. Their last two groups
// are all digits now and then ("…-9214-430000004190"): they are ids, not
// card numbers split by hyphens.
var uuidPattern = regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`)

// FindCardNumbers returns every card number in b: 13 to 19 digits that
// pass the Luhn check, in one group or in several groups with separators
// between them ("4111 1111 1111 1111", "5555\n5555\n5555\n4444", tabs or
// zero-width spaces, escaped or not; see ferry.IsCardSeparator). A card
// number starts and ends at the edges of groups, and does not touch a
// letter: digits inside a word (a hex id, say) are not one, nor are the
// groups of a UUID.
func FindCardNumbers(b []byte) []string {
	if loc := uuidPattern.FindAllIndex(b, -1); loc != nil {
		b = bytes.Clone(b)
		for _, l := range loc {
			for i := l[0]; i < l[1]; i++ {
				b[i] = 'x'
			}
		}
	}
	var out []string
	var groups []string // the groups of digits of the current run
	var cur []byte      // the group being read
	letterBefore := false
	prev := unitOther
	end := func(letterAfter bool) {
		if cur != nil {
			groups = append(groups, string(cur))
			cur = nil
		}
		out = appendCardNumbers(out, groups, letterBefore, letterAfter)
		groups = groups[:0]
	}
	for i := 0; i < len(b); {
		kind, val, w := nextUnit(b[i:])
		switch kind {
		case unitDigit:
			if cur == nil && len(groups) == 0 {
				letterBefore = prev == unitLetter
			}
			cur = append(cur, '0'+val)
		case unitSeparator:
			if cur != nil {
				groups = append(groups, string(cur))
				cur = nil
			}
		default:
			if cur != nil || len(groups) > 0 {
				end(kind == unitLetter && cur != nil)
			}
		}
		prev = kind
		i += w
	}
	end(false)
	return out
}

// appendCardNumbers appends the card numbers made of consecutive groups.
// The first group does not start one if a letter touches it, nor does the
// last group end one.
func appendCardNumbers(out, groups []string, letterBefore, letterAfter bool) []string {
	for i := range groups {
		if i == 0 && letterBefore {
			continue
		}
		digits := ""
		for j := i; j < len(groups); j++ {
			if digits += groups[j]; len(digits) > 19 {
				break
			}
			if len(digits) >= 13 && !(j == len(groups)-1 && letterAfter) && ferry.Luhn(digits) {
				out = append(out, digits)
			}
		}
	}
	return out
}
