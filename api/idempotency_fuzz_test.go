package api

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// FuzzParseIdempotencyKey: an accepted key is exactly a UUID in its
// 36-character form, and comes back in canonical lower case, unchanged by
// a second parse.
func FuzzParseIdempotencyKey(f *testing.F) {
	for _, s := range []string{
		"8e03978e-40d5-43e8-bc93-6894a57f9324",
		"8E03978E-40D5-43E8-BC93-6894A57F9324",
		"{8e03978e-40d5-43e8-bc93-6894a57f9324}",
		"urn:uuid:8e03978e-40d5-43e8-bc93-6894a57f9324",
		"8e03978e40d543e8bc936894a57f9324",
		"8e03978e-40d5-43e8-bc93-6894a57f932",
		"8e03978e-40d5-43e8-bc93-6894a57f932\u00e9",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, ok := parseIdempotencyKey(s)
		if !ok {
			if key != "" {
				t.Fatalf("refused %q but returned %q", s, key)
			}
			return
		}
		if len(s) != 36 || !strings.EqualFold(key, s) {
			t.Fatalf("accepted %q as %q", s, key)
		}
		if _, err := uuid.Parse(s); err != nil {
			t.Fatalf("accepted %q, which is no UUID: %v", s, err)
		}
		if again, ok := parseIdempotencyKey(key); !ok || again != key || key != strings.ToLower(key) {
			t.Fatalf("%q → %q → %q, %v", s, key, again, ok)
		}
	})
}
