package ferry

import (
	"strings"
	"testing"
)

func TestRedactCardNumbers(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "card " + visa16 + " declined", "card 453985******7062 declined"},
		{"alone", visa16, "453985******7062"},
		{"spaces", "4539 8500 0000 7062", "4539 85** **** 7062"},
		{"dashes", "4539-8500-0000-7062.", "4539-85**-****-7062."},
		{"mixed separators", "4539 8500-0000 7062", "4539 85**-**** 7062"},
		{"amex grouping", "3782 822463 10005", "3782 82**** *0005"},
		{"13 digits", "pan=" + visa13 + ";", "pan=422222***2222;"},
		{"19 digits", visa19, "411111*********1110"},
		{"several", "4111 1111 1111 1111, 5555-5555-5555-4444 and 378282246310005.", "4111 11** **** 1111, 5555-55**-****-4444 and 378282*****0005."},
		{"inside a longer run", "99" + visa16 + "99", "994539**********6299"},
		{"followed by a letter", visa16 + "x", "453985******7062x"},
		{"multi-byte around", "€" + visa16 + "€", "€453985******7062€"},
		{"trailing separator", "4539-8500-0000-7062-", "4539-85**-****-7062-"},
		{"tabs", "read 4012\t8888\t8888\t1881", "read 4012\t88**\t****\t1881"},
		{"line breaks", "5555\n5555\n5555\n4444", "5555\n55**\n****\n4444"},
		{"CR LF", "5555\r\n5555\r\n5555\r\n4444", "5555\r\n55**\r\n****\r\n4444"},
		{"two spaces and a slash", "4539  8500 / 0000  7062", "4539  85** / ****  7062"},
		{"dots", "4539.8500.0000.7062", "4539.85**.****.7062"},
		{"zero-width space", "4539\u200b8500\u200b0000\u200b7062", "4539\u200b85**\u200b****\u200b7062"},
		{"zero-width joiners", "4539\u200d\u200c8500\u20600000\ufeff7062", "4539\u200d\u200c85**\u2060****\ufeff7062"},
		{"soft hyphen", "4539\u00ad8500\u00ad0000\u00ad7062", "4539\u00ad85**\u00ad****\u00ad7062"},
		{"no-break and ideographic spaces", "4539\u00a08500\u30000000\u20097062", "4539\u00a085**\u3000****\u20097062"},
		{"unicode dashes", "4539\u20138500\u20140000\u20107062", "4539\u201385**\u2014****\u20107062"},
		{"control characters", "4539\x008500\x1f0000\x7f7062", "4539\x0085**\x1f****\x7f7062"},
		{"one digit at a time", "4 5 3 9 8 5 0 0 0 0 0 0 7 0 6 2", "4 5 3 9 8 5 * * * * * * 7 0 6 2"},
		{"fullwidth digits", "４５３９８５００００００７０６２", "４５３９８５******７０６２"},
		{"arabic-indic digits", "٤٥٣٩٨٥٠٠٠٠٠٠٧٠٦٢", "٤٥٣٩٨٥******٧٠٦٢"},
		{"invalid UTF-8 between", "4539\xff8500\xfe0000\xc07062", "4539\xff85**\xfe****\xc07062"},
		{"not Luhn", "order 4539850000007063 (not Luhn)", "order 4539850000007063 (not Luhn)"},
		{"short run", "short 12345", "short 12345"},
		{"12 digits", "id 123456789012", "id 123456789012"},
		{"phone numbers", "call 555-1234 or 555 123 4567", "call 555-1234 or 555 123 4567"},
		{"a letter ends a number", "4539 8500 x 0000 7062", "4539 8500 x 0000 7062"},
		{"a comma ends a number", "4539 8500, 0000 7062", "4539 8500, 0000 7062"},
		{"not Luhn timestamp", "ts 1700000000000", "ts 1700000000000"},
		{"no digits", "no digits", "no digits"},
		{"empty", "", ""},
		{"invalid UTF-8 kept", "\xff" + visa16 + "\xfe", "\xff453985******7062\xfe"},
	} {
		if got := RedactCardNumbers(tc.in); got != tc.want {
			t.Errorf("%s: RedactCardNumbers(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		if HasCardNumber(tc.in) != (tc.in != tc.want) {
			t.Errorf("%s: HasCardNumber(%q) = %v", tc.name, tc.in, HasCardNumber(tc.in))
		}
	}
}

func TestRedactCardNumbersIsIdempotent(t *testing.T) {
	for _, s := range []string{"card " + visa16, "4539 8500 0000 7062 1234", "99" + visa16 + "99", strings.Repeat("0", 40), "4111111111111111/5555555555554444"} {
		once := RedactCardNumbers(s)
		if twice := RedactCardNumbers(once); twice != once {
			t.Errorf("RedactCardNumbers(%q) = %q, then %q", s, once, twice)
		}
	}
}

func TestDigitValue(t *testing.T) {
	for r, want := range map[rune]int{'0': 0, '9': 9, '５': 5, '٧': 7, '۳': 3, '७': 7, '𝟗': 9, '𝟘': 0, '𝟬': 0, '𝟮': 2, 'a': -1, '½': -1, '²': -1, '*': -1} {
		if got := DigitValue(r); got != want {
			t.Errorf("DigitValue(%q) = %d, want %d", r, got, want)
		}
	}
}

// readerDigits is the text as a reader who skips separators sees it: the
// runs of digits (as values, with the rune index of each) that no other
// character breaks. It is the fuzz target's reference, written apart from
// RedactCardNumbers.
func readerDigits(s string) [][][2]int {
	var runs [][][2]int
	var cur [][2]int
	for i, r := range []rune(s) {
		switch v := DigitValue(r); {
		case v >= 0:
			cur = append(cur, [2]int{v, i})
		case IsCardSeparator(r):
		default:
			if len(cur) > 0 {
				runs = append(runs, cur)
			}
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// cardWindows calls fn with every window of 13 to 19 digits of a run that
// passes the Luhn check.
func cardWindows(s string, fn func(w [][2]int)) {
	for _, run := range readerDigits(s) {
		for start := range run {
			for n := 13; n <= 19 && start+n <= len(run); n++ {
				var b strings.Builder
				for _, d := range run[start : start+n] {
					b.WriteByte(byte('0' + d[0]))
				}
				if Luhn(b.String()) {
					fn(run[start : start+n])
				}
			}
		}
	}
}

// separators are the characters FuzzRedactCardNumbers splits card numbers
// with.
var separators = []string{" ", "\t", "\n", "\r\n", "-", ".", "/", "\u200b", "\u200d", "\u00ad", "\ufeff", "\u00a0", "\u3000", "\u2013", "\x00", "\x1b", "  "}

// FuzzRedactCardNumbers checks what RedactCardNumbers promises:
//   - only digits change, each into '*', and everything else stays;
//   - a reader who skips separators finds no card number in the output;
//   - a masked digit lies inside a card number of the input, never among
//     its first six or last four digits;
//   - a card number split by any separators never survives;
//   - redacting twice changes nothing more.
func FuzzRedactCardNumbers(f *testing.F) {
	f.Add("card "+visa16+" declined", 0)
	f.Add("4539 8500 0000 7062", 1)
	f.Add("4539-8500-0000-7062 and 4111111111111111", 2)
	f.Add("99"+visa16+"99", 3)
	f.Add("read 4012\t8888\t8888\t1881", 4)
	f.Add("5555\n5555\n5555\n4444", 5)
	f.Add("４５３９８５００００００７０６２", 6)
	f.Add(strings.Repeat("0", 40), 7)
	f.Add("call 555-1234", 8)
	f.Add("\xff"+visa16, 9)
	f.Fuzz(func(t *testing.T, s string, sep int) {
		out := RedactCardNumbers(s)
		in, got := []rune(s), []rune(out)
		if len(in) != len(got) {
			t.Fatalf("runes changed in number: %q → %q", s, out)
		}
		maskable := make([]bool, len(in))
		cardWindows(s, func(w [][2]int) {
			for _, d := range w[6 : len(w)-4] {
				maskable[d[1]] = true
			}
		})
		for i := range in {
			if got[i] == in[i] {
				continue
			}
			if got[i] != '*' || DigitValue(in[i]) < 0 {
				t.Fatalf("rune %d changed from %q to %q: %q → %q", i, in[i], got[i], s, out)
			}
			if !maskable[i] {
				t.Fatalf("rune %d masked outside a card number: %q → %q", i, s, out)
			}
		}
		cardWindows(out, func(w [][2]int) {
			t.Fatalf("a card number is left at rune %d: %q → %q", w[0][1], s, out)
		})
		if again := RedactCardNumbers(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		if sep < 0 {
			sep = -sep
		}
		for _, pan := range []string{visa16, visa13, visa19, amex} {
			var b strings.Builder
			for i, d := range pan {
				if i > 0 && (sep>>i)&1 == 1 {
					b.WriteString(separators[(sep+i)%len(separators)])
				}
				b.WriteRune(d)
			}
			split := b.String()
			redacted := RedactCardNumbers(s + " " + split + "-" + s)
			cardWindows(redacted, func(w [][2]int) {
				t.Fatalf("the card number %q survived in %q", split, redacted)
			})
		}
	})
}
