package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ferrygateway/ferry/ferrytest"
)

// TestLogsMaskCardNumbers: whatever reaches a log line (the message, a
// string, an error, a group, attributes added with With), in text or JSON,
// no card number is written.
func TestLogsMaskCardNumbers(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLogger(&buf, "debug", format)
		log = log.With("device", "4539 8500 0000 7062")
		log.Info("read 4012\t8888\t8888\t1881",
			"reason", "5555\n5555\n5555\n4444",
			"err", errors.New("driver said 4539\u200b8500\u200b0000\u200b7062"),
			slog.Group("card", "number", "4111111111111111"),
			"values", []string{"378282246310005"},
		)
		out := buf.String()
		if pans := ferrytest.FindCardNumbers([]byte(out)); len(pans) > 0 {
			t.Errorf("%s: card numbers %v in\n%s", format, pans, out)
		}
		if !strings.Contains(out, "411111******1111") || !strings.Contains(out, "4539 85** **** 7062") {
			t.Errorf("%s: the masked numbers are missing:\n%s", format, out)
		}
	}
}
